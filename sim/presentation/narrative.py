"""The event narrative a workshop reads: which events matter, and each as one plain sentence.

The model logs every release, compliance choice, theft, absorption, incident and policy change
(``sim.model.events``). A room of non-programmers needs the story, not the log: routine releases
are left out (a release stays when it defied a policy or put a covered model's weights out in the
open), and the utilities a compliance choice was computed from are dropped from its sentence.
Used by the dashboard (newest first, as the run advances) and by the HTML report (a timeline).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

MEANINGFUL_KINDS = frozenset(
    {
        "policy_activated",
        "policy_repealed",
        "compliance",
        "enforcement",
        "relocation",
        "security_upgrade",
        "absorption",
        "distillation",
        "theft",
        "incident",
    }
)
"""Event kinds always told; a `release` is told only when it is notable (see `is_meaningful`)."""

KIND_TAGS = {
    "policy_activated": "policy",
    "policy_repealed": "repeal",
    "compliance": "compliance",
    "enforcement": "penalty",
    "relocation": "relocation",
    "security_upgrade": "security",
    "absorption": "absorption",
    "distillation": "distillation",
    "theft": "theft",
    "incident": "incident",
    "release": "release",
}
"""A one-word tag per event kind, shown beside each sentence."""

_UTILITIES = re.compile(r"\s*\(expected utilities:[^)]*\)")


@dataclass(frozen=True)
class StoryLine:
    """One told event: its month ('YYYY-MM'), month index, kind, tag and plain sentence."""

    month: str
    step: int
    kind: str
    tag: str
    text: str


def is_meaningful(event: Mapping[str, Any]) -> bool:
    """Whether an event belongs in the story: any non-release kind in MEANINGFUL_KINDS, or a
    release made in defiance of a policy or putting a covered model's weights in the open."""
    kind = event.get("kind")
    if kind in MEANINGFUL_KINDS:
        return True
    if kind == "release":
        return bool(event.get("defied")) or bool(event.get("open_weights") and event.get("covered"))
    return False


def plain_text(event: Mapping[str, Any]) -> str:
    """The event's sentence without the compliance utilities (USD M figures of the logit)."""
    text = str(event.get("text", ""))
    text = _UTILITIES.sub("", text).strip()
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
