"""Key events across replicates: for each kind of event, how often and when it happens.

One replicate's log is an anecdote; a brief needs the pattern over every replicate. Each
event of the simulated horizon (month 0 on) is classified into a *key event*: a kind of event
in words ("California's kill switch takes effect", "a lab defies California's kill switch",
"the PRC steals a model's weights"). Routine releases are left out. For each key event and
scenario the timeline gives the replicates in which it happens (k of n), the month of its
first occurrence (median, earliest and latest over those replicates), how many times it
happens per replicate, and who it most often involves.

Events are tallied one at a time (`EventTally.add`), so a long log is never held in memory.
Event kinds and fields follow `sim.model.events`; a kind this module does not know is named by
its kind in words, so new kinds appear rather than vanish.
"""

from __future__ import annotations

import json
import math
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from sim.calendar import format_month, parse_month

KIND_PHRASES: dict[str, tuple[str, int | None]] = {
    "policy_activated": ("{policy} takes effect", None),
    "policy_repealed": ("{policy} is repealed", None),
    "enforcement": ("a lab is penalised under {policy}", 0),
    "relocation": ("a lab moves its domicile", 0),
    "security_upgrade": ("a lab raises its weight security", 0),
    "theft": ("{state} steals a model's weights", 1),
    "absorption": ("{state} fields a military fine-tune of open weights", 1),
    "distillation": ("{state} distils a closed model through an API", 1),
    "incident": ("a military fine-tune by {state} is publicised (an incident)", 1),
    "theft_disclosed": ("a theft of weights by {state} becomes public", 1),
    "injunction": ("{state} bars a lab from its market or enjoins it", 1),
    "change": ("a dated change takes effect", None),
}
"""Event kind -> (key event in words, index in `actors` of whom it involves, or None)."""
COMPLIANCE_PHRASES = {
    "comply": "a lab complies with {regulator}'s instruments",
    "withhold": "a lab withholds a model from {regulator}'s market (and keeps selling others)",
    "withhold_open": "a lab keeps an open model off {regulator}'s market (its weights are still "
                     "obtainable there: a non-release, not withholding)",
    "exit": "a lab leaves {regulator}'s market for good",
    "defy": "a lab defies {regulator}'s instruments",
}
"""A decision's answer to one regulator -> its key event; any other action is named as it is."""
DESIGN_PHRASES = {
    "shaded": "a lab shades an open release below a threshold",
    "closed": "a lab releases closed a model it meant to open",
    "split": "a lab releases its big model closed and a smaller one open",
    "drop": "a lab drops a smaller open release",
}
"""A decision's release design (other than as planned) -> its key event."""
MAX_GROUP_MEMBERS = 1000
"""Members of a developer group labelled (a crafted count cannot make the labels huge)."""
COUNT_TOLERANCE = 0.1
"""Counts per replicate within 10% of each other are 'the same' in a comparison's timeline."""
COVERED_OPEN_RELEASE = "a covered model's weights are published openly"


@dataclass(frozen=True)
class Labels:
    """Display names from a scenario: actors (developers, states, regulators) by name, and
    instruments by their `regulator.policy` key."""

    actors: Mapping[str, str] = field(default_factory=dict)
    policies: Mapping[str, str] = field(default_factory=dict)

    def actor(self, name: str) -> str:
        return self.actors.get(name, name)

    def policy(self, key: str) -> str:
        return self.policies.get(key, key.replace(".", "'s ").replace("_", " "))


def labels_from_scenario(raw: Mapping[str, Any]) -> Labels:
    """Labels of a resolved scenario's actors and instruments (names where none is given)."""
    actors: dict[str, str] = {}
    policies: dict[str, str] = {}
    for group in ("developers", "states", "regulators"):
        for entry in raw.get(group) or []:
            if isinstance(entry, Mapping) and entry.get("name"):
                actors[str(entry["name"])] = str(entry.get("label") or entry["name"])
    for group in raw.get("developer_groups") or []:
        # Members are named '<group>_01'... (`DeveloperGroupSpec.members`); a reader sees the
        # group's label ('another closed developer'), never the member's internal name.
        if isinstance(group, Mapping) and group.get("name") and isinstance(
                group.get("count"), int) and not isinstance(group.get("count"), bool):
            label = str(group.get("label") or group["name"])
            for index in range(min(group["count"], MAX_GROUP_MEMBERS)):
                actors[f"{group['name']}_{index + 1:02d}"] = label
    for regulator in raw.get("regulators") or []:
        if not isinstance(regulator, Mapping):
            continue
        owner = actors.get(str(regulator.get("name")), str(regulator.get("name")))
        for entry in regulator.get("policies") or []:
            if isinstance(entry, Mapping) and entry.get("kind"):
                name = entry.get("name") or entry["kind"]
                kind = str(entry["kind"]).replace("_", " ")
                policies[f"{regulator.get('name')}.{name}"] = f"{owner}'s {kind}"
    return Labels(actors, policies)


def key_events(event: Mapping[str, Any], labels: Labels) -> list[tuple[str, str, str | None]]:
    """``(key, words, who)`` of each key event an event counts as (none for a routine event;
    a compliance choice counts once for each instrument it answers); `who` is the actor it
    most concerns (a lab, or the lab whose model was taken)."""
    kind = str(event.get("kind", ""))
    actors = [str(actor) for actor in event.get("actors") or []]
    lab = labels.actor(actors[0]) if actors else None
    if kind == "release":
        if event.get("open_weights") and event.get("covered"):
            return [("release:covered_open", _capitalised(COVERED_OPEN_RELEASE), lab)]
        return []  # routine; a defiant release is told by its compliance choice
    if kind == "decision":
        return _decision_events(event, labels, lab)
    if kind == "licence":
        policy = labels.policy(str(event.get("policy", "")))
        verb = "grants" if event.get("granted") else "refuses"
        return [(f"licence:{verb}:{event.get('policy')}",
                 _capitalised(f"{policy} {verb} a licence"), lab)]
    template, who_index = KIND_PHRASES.get(kind, (kind.replace("_", " "), 0))
    policy = str(event.get("policy", ""))
    state = labels.actor(actors[0]) if actors else "a state"
    words = template.format(policy=labels.policy(policy), state=state)
    if kind == "enforcement" and event.get("caught") is False:
        words = f"a lab's defiance of {labels.policy(policy)} goes unpunished"
    return [(f"{kind}:{policy}:{words}", _capitalised(words), _who(actors, who_index, labels))]


def _decision_events(event: Mapping[str, Any], labels: Labels,
                     lab: str | None) -> list[tuple[str, str, str | None]]:
    """A lab's decision counts as one key event per regulator answered, plus its release
    design or move when it is not "as planned"."""
    found = []
    if event.get("relocate"):
        found.append(("decision:relocate", "A lab moves its domicile to escape a regulator", lab))
    design = str(event.get("design", ""))
    if design in DESIGN_PHRASES:
        found.append((f"decision:design:{design}", _capitalised(DESIGN_PHRASES[design]), lab))
    actions = event.get("actions") if isinstance(event.get("actions"), Mapping) else {}
    released_open = bool(event.get("open_weights")) and design not in ("closed", "split")
    for regulator, action in sorted(actions.items()):
        if action == "withhold" and released_open:  # a non-release there, not withholding
            action = "withhold_open"
        phrase = COMPLIANCE_PHRASES.get(str(action), "a lab chooses to "
                                        + str(action).replace("_", " ") + " under {regulator}")
        found.append((f"decision:{action}:{regulator}",
                      _capitalised(phrase.format(regulator=labels.actor(str(regulator)))), lab))
    return found


def _who(actors: list[str], index: int | None, labels: Labels) -> str | None:
    if index is None or index >= len(actors):
        return None
    return labels.actor(actors[index])


def _capitalised(text: str) -> str:
    return text[:1].upper() + text[1:]


def step_of(event: Mapping[str, Any]) -> int | None:
    """The event's month index (months since the start), or None if it has no usable one."""
    step = event.get("step", 0)
    if isinstance(step, bool) or not isinstance(step, int | float) or not math.isfinite(step):
        return None
    return int(step)


# Tallying -----------------------------------------------------------------------------------


@dataclass
class _Track:
    words: str
    first_step: dict[int, int] = field(default_factory=dict)
    count: Counter = field(default_factory=Counter)
    who: Counter = field(default_factory=Counter)


class EventTally:
    """Counts of each key event per scenario and replicate, fed one event at a time."""

    def __init__(self, labels: Mapping[str, Labels] | None = None) -> None:
        self.labels = dict(labels or {})
        self.tracks: dict[str, dict[str, _Track]] = defaultdict(dict)
        self.order: list[str] = []

    def add(self, scenario: str, replicate: int, event: Mapping[str, Any]) -> None:
        """Count one event of `scenario`'s replicate `replicate` (before month 0: ignored)."""
        step = step_of(event)
        if step is None or step < 0:
            return
        for key, words, who in key_events(event, self.labels.get(scenario, Labels())):
            if key not in self.order:
                self.order.append(key)
            track = self.tracks[scenario].setdefault(key, _Track(words))
            track.first_step[replicate] = min(step, track.first_step.get(replicate, step))
            track.count[replicate] += 1
            if who:
                track.who[who] += 1


@dataclass(frozen=True)
class Occurrence:
    """One key event in one scenario: `replicates` of `n` replicates have it; its first month
    (median, earliest, latest, as 'YYYY-MM'); mean count per replicate over all `n`; who it
    most often involves with that share of its occurrences."""

    replicates: int
    n: int
    first_median: str
    first_earliest: str
    first_latest: str
    per_replicate: float
    who: str | None
    who_share: float


@dataclass(frozen=True)
class TimelineRow:
    """A key event in words and its occurrence in each scenario (None where it never
    happens)."""

    key: str
    words: str
    occurrences: dict[str, Occurrence | None]

    @property
    def differs(self) -> bool:
        """Whether the scenarios differ in how often, how much or when it first happens
        (counts per replicate differing by more than `COUNT_TOLERANCE`)."""
        found = list(self.occurrences.values())
        if len(found) < 2:
            return False
        if any(o is None for o in found):
            return True
        present = [o for o in found if o is not None]
        counts = [o.per_replicate for o in present]
        return (len({o.replicates for o in present}) > 1
                or len({o.first_median for o in present}) > 1
                or max(counts) > (1 + COUNT_TOLERANCE) * min(counts))


def timeline(tally: EventTally, replicates: Mapping[str, int], starts: Mapping[str, str],
             order: Sequence[str] | None = None) -> list[TimelineRow]:
    """One row per key event, sorted by the median first month in the first scenario of
    `order` (then the others), for the scenarios in `replicates` (scenario -> number of
    replicates whose events were tallied) with their start months ('YYYY-MM')."""
    names = list(order or replicates)
    rows = []
    for key in tally.order:
        occurrences = {name: _occurrence(tally.tracks.get(name, {}).get(key),
                                         replicates[name], starts[name]) for name in names}
        words = next(tally.tracks[n][key].words for n in names if key in tally.tracks.get(n, {}))
        rows.append(TimelineRow(key, words, occurrences))
    rank = {name: index for index, name in enumerate(names)}

    def sort_key(row: TimelineRow) -> tuple:
        present = [(rank[n], o.first_median) for n, o in row.occurrences.items() if o]
        return min(present) if present else (len(rank), "")

    return sorted(rows, key=lambda row: (sort_key(row)[1], sort_key(row)[0], row.words))


def _occurrence(track: _Track | None, n: int, start: str) -> Occurrence | None:
    if track is None or not track.first_step:
        return None
    steps = np.array(sorted(track.first_step.values()))
    first = parse_month(start)

    def month(step: float) -> str:
        return format_month(first + int(math.floor(step)))

    who, share = None, 0.0
    if track.who:
        who, count = track.who.most_common(1)[0]
        share = count / sum(track.who.values())
    return Occurrence(
        replicates=len(track.first_step), n=n, first_median=month(float(np.median(steps))),
        first_earliest=month(steps.min()), first_latest=month(steps.max()),
        per_replicate=sum(track.count.values()) / max(1, n), who=who, who_share=share)


# Reading event logs ------------------------------------------------------------------------


def events_from_jsonl(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    """``(replicate, event)`` for each line of a run's `events.jsonl`, streamed. Lines that
    are not JSON objects raise ValueError naming the line."""
    if path.is_symlink() or not path.is_file():  # a folder is data: read only its own files
        raise ValueError("not a regular file of the folder (a link or a special file)")
    with path.open(encoding="utf-8", errors="replace") as stream:
        for number, line in enumerate(stream, start=1):
            if not line.strip():
                continue
            try:
                event = json.loads(line)
            except json.JSONDecodeError as error:
                raise ValueError(f"line {number}: not JSON ({error.msg})") from None
            if not isinstance(event, dict):
                raise ValueError(f"line {number}: expected a JSON object")
            _check_fields(event, number)
            replicate = event.get("replicate", 0)
            yield (replicate if isinstance(replicate, int) else -1), event


EVENT_FIELDS = (("step", int), ("month", str), ("kind", str), ("text", str))
"""Fields an event needs to be told, with their JSON types (checked, since folders are data)."""


def _check_fields(event: Mapping[str, Any], number: int) -> None:
    for key, kind in EVENT_FIELDS:
        value = event.get(key)
        if key in event and not (isinstance(value, kind) and not isinstance(value, bool)):
            word = "an integer" if kind is int else "a string"
            raise ValueError(f"line {number}: {key}: expected {word}; found {value!r:.60}")


def events_from_parquet(path: Path) -> Iterator[tuple[str, int, dict[str, Any]]]:
    """``(scenario, replicate, event)`` for each row of a comparison's `events.parquet`, read
    a batch at a time; `details` (JSON) is merged into the event."""
    import pyarrow.parquet as pq

    columns = ["scenario", "replicate", "step", "month", "kind", "actors", "text", "details"]
    for batch in pq.ParquetFile(path).iter_batches(columns=columns, batch_size=10_000):
        for row in batch.to_pylist():
            yield str(row["scenario"]), int(row["replicate"]), _event(row)


def _event(row: Mapping[str, Any]) -> dict[str, Any]:
    try:
        details = json.loads(row.get("details") or "{}")
    except json.JSONDecodeError:
        details = {}
    event = dict(details) if isinstance(details, dict) else {}
    event.update({k: row[k] for k in ("step", "month", "kind", "actors", "text")})
    return event


def first_of_each(events: Iterable[Mapping[str, Any]], labels: Labels,
                  limit: int) -> list[Mapping[str, Any]]:
    """The first event (month 0 on) of each key event, oldest first, at most `limit`: one
    replicate told in brief."""
    seen: set[str] = set()
    chosen = []
    timed = [(step_of(event), index, event) for index, event in enumerate(events)]
    for step, _, event in sorted((t for t in timed if t[0] is not None), key=lambda t: t[:2]):
        if step < 0:
            continue
        keys = {key for key, _, _ in key_events(event, labels)}
        if not keys or keys <= seen:
            continue
        seen |= keys
        chosen.append(event)
    return chosen[:limit]
