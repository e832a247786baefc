"""The event log: every release, compliance choice, theft, absorption, incident and policy change,
with its month, actors and a plain-language sentence (the narrative a workshop reads).

Most events are written when they happen (`add`). Releases and the labs' compliance choices,
hundreds a replicate, are recorded as their facts alone (`add_facts`) and put into words only
when the log is read (`events`), since sweeps never read it; the words are the same either way.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sim.calendar import format_month

Writer = Callable[..., tuple[str, list[str], str, dict[str, Any]]]
"""Puts an event's facts into words: returns (kind, actors, text, details)."""


class EventLog:
    def __init__(self, start_month: int) -> None:
        self.start_month = start_month
        self._records: list[dict[str, Any] | tuple[int, Writer, tuple]] = []
        """Events in order: written (dicts) or, until the log is read, (step, writer, facts)."""
        self._month_texts: dict[int, str] = {}
        """'YYYY-MM' of each step logged so far (most events share a month with others)."""
        self._shared: dict[tuple, tuple] = {}

    @property
    def events(self) -> list[dict[str, Any]]:
        """Every event so far, in order, as dicts: `step`, `month`, `kind`, `actors`, `text`
        and the kind's details."""
        records = self._records
        for index, record in enumerate(records):
            if type(record) is tuple:
                step, write, facts = record
                kind, actors, text, details = write(*facts)
                records[index] = self._event(step, kind, actors, text, details)
        return records

    def read(self) -> list[dict[str, Any]]:
        """`events`, as a function (`sim.experiments.results.ReplicateResult` calls it when the
        run's events are first read)."""
        return self.events

    def add(self, step: int, kind: str, actors: list[str], text: str, **details: Any) -> None:
        """Record an event at `step` (months since the start; negative before it)."""
        self._records.append(self._event(int(step), kind, actors, text, details))

    def add_facts(self, step: int, write: Writer, *facts: Any) -> None:
        """Record an event at `step` whose words `write(*facts)` gives when the log is read.
        `facts` must be values whose logged fields later months cannot change (strings,
        numbers, tuples, released artifacts and plans), and hold no agent, so that an unread
        log keeps no model alive."""
        self._records.append((int(step), write, facts))

    def shared(self, value: tuple[str | tuple, ...]) -> tuple:
        """`value`, or the equal tuple logged before: facts that recur (names, kinds, actions,
        the words of terms) are kept once, so a long log holds fewer containers. Only for
        tuples of strings (and such tuples): equal numbers may differ (0.0 and -0.0, True
        and 1)."""
        return self._shared.setdefault(value, value)

    def _event(self, step: int, kind: str, actors: list[str], text: str,
               details: dict[str, Any]) -> dict[str, Any]:
        month = self._month_texts.get(step)
        if month is None:
            month = self._month_texts[step] = format_month(self.start_month + step)
        return {"step": step, "month": month, "kind": kind, "actors": list(actors),
                "text": text, **details}

    def count(self, kind: str, **match: Any) -> int:
        return sum(
            1
            for e in self.events
            if e["kind"] == kind and all(e.get(k) == v for k, v in match.items())
        )
