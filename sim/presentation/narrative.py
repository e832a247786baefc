"""The event narrative a workshop reads: which events matter, and each as one plain sentence.

The model logs every release, lab decision, theft, absorption, incident and policy change
(``sim.model.events``). A room of non-programmers needs the story, not the log: routine releases
are left out (a release stays when it defied a policy or put a covered model's weights out in the
open), a lab's decision is told only when it did more than comply as planned, and the expected
costs a decision was computed from are dropped from its sentence.

- `story`: every meaningful event, one line each (the HTML report's timeline).
- `digest`: the dashboard's narrative of one draw in a window of months, filtered by
  `STORY_RULES` to the events that change the story and deduplicated: an event that recurs in
  the same shape (same words, other numbers) is told once, with how often and until when.
- `frequencies` / `compare_frequencies`: across every draw, in how many draws each kind of event
  happened in a window, for the round summaries ("in 7 of 10 draws the PRC stole weights").
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sim.presentation import wording

MEANINGFUL_KINDS = frozenset(
    {
        "policy_activated",
        "policy_repealed",
        "enforcement",
        "injunction",
        "licence",
        "relocation",
        "security_upgrade",
        "absorption",
        "distillation",
        "theft",
        "theft_disclosed",
        "incident",
        "change",
    }
)
"""Event kinds always told; a `release` or a `decision` is told only when it is notable (see
`is_meaningful`)."""

KIND_TAGS = {
    "policy_activated": "policy",
    "policy_repealed": "repeal",
    "enforcement": "penalty",
    "relocation": "relocation",
    "security_upgrade": "security",
    "absorption": "absorption",
    "distillation": "distillation",
    "theft": "theft",
    "incident": "incident",
    "release": "release",
    "decision": "choice",
    "injunction": "injunction",
    "licence": "licence",
    "change": "change",
    "theft_disclosed": "theft",
}
"""A one-word tag per event kind, shown beside each sentence."""

_UTILITIES = re.compile(r"\s*\(expected (?:utilities|cost)[^)]*\)")
"""The figures a choice was computed from ('(expected utilities: ...)', '(expected cost by
option, USD: ...)'): for analysts, not for the room."""


@dataclass(frozen=True)
class StoryLine:
    """One told event: its month ('YYYY-MM'), month index, kind, tag and plain sentence."""

    month: str
    step: int
    kind: str
    tag: str
    text: str


def is_meaningful(event: Mapping[str, Any]) -> bool:
    """Whether an event belongs in the story: any kind in MEANINGFUL_KINDS, a release made in
    defiance of a policy or putting a covered model's weights in the open, or a decision that
    changed the release or did not simply comply (`is_notable_decision`)."""
    kind = event.get("kind")
    if kind in MEANINGFUL_KINDS:
        return True
    if kind == "release":
        return bool(event.get("defied")) or bool(event.get("open_weights") and event.get("covered"))
    if kind == "decision":
        return is_notable_decision(event)
    return False


def is_notable_decision(event: Mapping[str, Any]) -> bool:
    """A lab's decision changed its release (shaded, closed, split, moved abroad) or answered
    some regulator other than by complying (withheld, left, defied)."""
    actions = event.get("actions") or {}
    return (event.get("design", "as_planned") != "as_planned" or bool(event.get("relocate"))
            or any(action != "comply" for action in actions.values()))


def without_figures(text: str) -> str:
    """A sentence without the figures a choice was computed from (what `plain_text` drops)."""
    return _UTILITIES.sub("", text).strip()


def plain_text(event: Mapping[str, Any]) -> str:
    """The event's sentence without the figures the choice was computed from (the reports'
    timelines)."""
    text = without_figures(str(event.get("text", "")))
    return text[:1].upper() + text[1:]


def spoken_text(event: Mapping[str, Any]) -> str:
    """`plain_text` in words a room reads (`wording.plain_words`: no exponents, codes or
    internal names): the dashboard's story and round summaries, the brief's story in brief."""
    text = wording.plain_words(without_figures(str(event.get("text", ""))))
    return text[:1].upper() + text[1:]


def story(
    events: Iterable[Mapping[str, Any]],
    *,
    newest_first: bool = False,
    limit: int | None = None,
    include_routine: bool = False,
) -> list[StoryLine]:
    """The meaningful events as StoryLines, oldest first (or newest first), at most `limit`.

    `limit` keeps the newest events whichever the order. With `include_routine`, every event is
    told (routine releases too).
    """
    lines = [
        StoryLine(
            month=str(event.get("month", "")),
            step=int(event.get("step", 0)),
            kind=str(event.get("kind", "")),
            tag=KIND_TAGS.get(str(event.get("kind", "")), str(event.get("kind", ""))),
            text=plain_text(event),
        )
        for event in events
        if include_routine or is_meaningful(event)
    ]
    lines.sort(key=lambda line: line.step)  # stable: same-month events keep the log's order
    if limit is not None:
        lines = lines[-limit:] if limit > 0 else []
    return lines[::-1] if newest_first else lines


# The dashboard's digest ---------------------------------------------------------------------

StoryRule = str
"""'always' (told; `digest` folds repeats of the same shape into one line), 'release' (only
the first covered release, the first covered open-weight release of each lab, and releases in
defiance of a policy) or 'decision' (a lab's response to the rules, told when it changed the
release or did not simply comply: `is_notable_decision`). Security upgrades and routine
releases are left out."""

STORY_RULES: dict[str, StoryRule] = {
    "policy_activated": "always",
    "policy_repealed": "always",
    "change": "always",
    "decision": "decision",
    "licence": "always",
    "enforcement": "always",
    "injunction": "always",
    "relocation": "always",
    "absorption": "always",
    "distillation": "always",
    "theft": "always",
    "theft_disclosed": "always",
    "incident": "always",
    "release": "release",
}
"""Which event kinds the dashboard tells, and how; kinds not listed are left out."""

_NUMBER = re.compile(r"\d[\d,.]*")


@dataclass(frozen=True)
class DigestLine:
    """One told event and its repeats: first and last month ('YYYY-MM'), month indices, kind,
    tag, the sentence (from the first occurrence) and how many times it happened."""

    month: str
    last_month: str
    step: int
    last_step: int
    kind: str
    tag: str
    text: str
    count: int = 1

    @property
    def repeats(self) -> str:
        """'' for a single event, else '(3 times, to 2029-04)'."""
        if self.count == 1:
            return ""
        return f"({self.count} times, to {self.last_month})"


def shape(event: Mapping[str, Any]) -> str:
    """What makes two events 'the same story': their kind and sentence with numbers blanked."""
    return f"{event.get('kind', '')}:{_NUMBER.sub('#', spoken_text(event))}"


def told(events: Iterable[Mapping[str, Any]], start_step: int = 0,
         end_step: int | None = None) -> list[Mapping[str, Any]]:
    """The events in months [start_step, end_step] that `STORY_RULES` keep, in log order."""
    kept: list[Mapping[str, Any]] = []
    seen_releases: set[str] = set()
    first_covered = True
    for event in events:
        step = int(event.get("step", 0))
        rule = STORY_RULES.get(str(event.get("kind", "")))
        if rule is None or step < 0:
            continue
        if rule == "decision":
            keep = is_notable_decision(event)
        elif rule == "release":
            covered = bool(event.get("covered"))
            keep = bool(event.get("defied")) or (covered and first_covered)
            lab = str((event.get("actors") or [""])[0])
            if covered and event.get("open_weights") and lab not in seen_releases:
                seen_releases.add(lab)
                keep = True
            first_covered = first_covered and not covered
        else:
            keep = True
        if keep and step >= start_step and (end_step is None or step <= end_step):
            kept.append(event)
    return kept


def digest(events: Iterable[Mapping[str, Any]], start_step: int = 0,
           end_step: int | None = None) -> list[DigestLine]:
    """The story of one draw in months [start_step, end_step]: told events, each shape once
    (with its count and last month), oldest first by first occurrence (so a routine event that
    recurs stays where it began instead of crowding out what is new)."""
    lines: dict[str, DigestLine] = {}
    for event in told(events, start_step, end_step):
        key = shape(event)
        step, month = int(event.get("step", 0)), str(event.get("month", ""))
        if key in lines:
            line = lines[key]
            lines[key] = DigestLine(line.month, month, line.step, step, line.kind, line.tag,
                                    line.text, line.count + 1)
        else:
            kind = str(event.get("kind", ""))
            lines[key] = DigestLine(month, month, step, step, kind, KIND_TAGS.get(kind, kind),
                                    spoken_text(event))
    return sorted(lines.values(), key=lambda line: line.step)


def with_change_notes(events: Iterable[Mapping[str, Any]],
                      notes: Mapping[str, str]) -> list[Mapping[str, Any]]:
    """The events with each dated change told by its scenario note (`notes`: month 'YYYY-MM'
    -> the `[[changes]]` entry's note), as the scenario language documents; a change without a
    note keeps the model's sentence. Applied before `digest`, so two notes are two lines."""
    told_events: list[Mapping[str, Any]] = []
    for event in events:
        note = notes.get(str(event.get("month", ""))) if event.get("kind") == "change" else None
        told_events.append({**event, "text": f"Scheduled change: {note}"} if note else event)
    return told_events


@dataclass(frozen=True)
class Frequency:
    """In how many draws an event shape happened in a window, policy and baseline."""

    text: str
    kind: str
    draws: int
    baseline_draws: int
    total: int


def frequencies(draws: Sequence[Iterable[Mapping[str, Any]]], start_step: int,
                end_step: int) -> dict[str, tuple[int, str, str]]:
    """Shape -> (draws in which it happened, an example sentence, kind) in the window."""
    found: dict[str, tuple[int, str, str]] = {}
    for events in draws:
        shapes: dict[str, tuple[str, str]] = {}
        for event in told(events, start_step, end_step):
            shapes.setdefault(shape(event), (spoken_text(event), str(event.get("kind", ""))))
        for key, (text, kind) in shapes.items():
            count, example, _ = found.get(key, (0, text, kind))
            found[key] = (count + 1, example, kind)
    return found


def compare_frequencies(policy: Sequence[Iterable[Mapping[str, Any]]],
                        baseline: Sequence[Iterable[Mapping[str, Any]]], start_step: int,
                        end_step: int, limit: int = 6) -> list[Frequency]:
    """The event shapes whose frequency differs most between policy and baseline draws in the
    window (then the most frequent), at most `limit`."""
    ours = frequencies(policy, start_step, end_step)
    theirs = frequencies(baseline, start_step, end_step)
    rows = [Frequency(text, kind, ours.get(key, (0,))[0], theirs.get(key, (0,))[0],
                      len(policy))
            for key, (_, text, kind) in {**theirs, **ours}.items()]
    rows.sort(key=lambda row: (-abs(row.draws - row.baseline_draws), -row.draws, row.text))
    return rows[:limit]
