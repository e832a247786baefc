"""The event log: every release, compliance choice, theft, absorption, incident and policy change,
with its month, actors and a plain-language sentence (the narrative a workshop reads)."""

from __future__ import annotations

from typing import Any

from sim.calendar import format_month


class EventLog:
    def __init__(self, start_month: int) -> None:
        self.start_month = start_month
        self.events: list[dict[str, Any]] = []
        self._month_texts: dict[int, str] = {}
        """'YYYY-MM' of each step logged so far (most events share a month with others)."""

    def add(self, step: int, kind: str, actors: list[str], text: str, **details: Any) -> None:
        """Record an event at `step` (months since the start; negative before it)."""
        step = int(step)
        month = self._month_texts.get(step)
        if month is None:
            month = self._month_texts[step] = format_month(self.start_month + step)
        self.events.append(
            {
                "step": step,
                "month": month,
                "kind": kind,
                "actors": list(actors),
                "text": text,
                **details,
            }
        )

    def count(self, kind: str, **match: Any) -> int:
        return sum(
            1
            for e in self.events
            if e["kind"] == kind and all(e.get(k) == v for k, v in match.items())
        )
