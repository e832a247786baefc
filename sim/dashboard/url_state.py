"""The current settings in the page's address, so a link restores them (as En-ROADS does).

The query string holds the scenario's bundled name, the number of draws and each lever moved
away from the scenario, by its `--set` path: `?scenario=baseline&draws=10&regulators.california.
policies.kill_switch.enabled=on`. Reading it back, every value goes through the lever's own
check (`Lever.coerce`): a link is data from outside, so anything unknown or out of range is
left out and reported, never applied or evaluated.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qsl, urlencode

from sim.dashboard.workshop import DRAW_CHOICES, Workshop

SCENARIO_PARAM = "scenario"
DRAWS_PARAM = "draws"
MAX_QUERY_CHARS = 8_000
"""A longer query string is ignored (a link is never that long)."""


def encode(workshop: Workshop, values: Mapping[str, Any], draws: int) -> str:
    """The query string (without '?') of these settings: only the levers moved."""
    pairs = [(SCENARIO_PARAM, workshop.name), (DRAWS_PARAM, str(int(draws)))]
    for lever in workshop.moved(values):
        pairs.append((lever.path, _text(values[lever.path])))
    return urlencode(pairs, safe=".")


def scenario_name(search: str | None) -> str | None:
    """The scenario a query string names (None if it names none)."""
    for key, value in _pairs(search):
        if key == SCENARIO_PARAM:
            return value
    return None


def decode(workshop: Workshop, search: str | None) -> tuple[dict[str, Any], int | None,
                                                           list[str]]:
    """(lever values, draws or None, problems) from a query string; unknown or bad entries are
    problems, never applied."""
    levers = {lever.path: lever for lever in workshop.levers}
    given: dict[str, Any] = {}
    draws, problems = None, []
    for key, text in _pairs(search):
        if key == SCENARIO_PARAM:
            continue
        if key == DRAWS_PARAM:
            if text.isdigit() and int(text) in DRAW_CHOICES:
                draws = int(text)
            else:
                problems.append(f"draws: expected one of {', '.join(map(str, DRAW_CHOICES))}")
            continue
        lever = levers.get(key)
        if lever is None:
            problems.append(f"{key[:80]}: not a lever of {workshop.name}")
            continue
        try:
            given[key] = lever.coerce(_value(lever, text))
        except (ValueError, TypeError) as error:
            problems.append(str(error)[:200])
    values = workshop.defaults()
    values.update(given)
    return values, draws, problems


def _pairs(search: str | None) -> list[tuple[str, str]]:
    if not search or len(search) > MAX_QUERY_CHARS:
        return []
    return parse_qsl(search.lstrip("?"), keep_blank_values=True)


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "on" if value else "off"
    if isinstance(value, float):
        return repr(value)
    return str(value)


def _value(lever: Any, text: str) -> Any:
    """The typed value of a lever's text in a link (then checked by `Lever.coerce`)."""
    if lever.control == "switch":
        words = {"on": True, "true": True, "off": False, "false": False}
        if text.lower() not in words:
            raise ValueError(f"{lever.path}: expected on or off")
        return words[text.lower()]
    if lever.control == "choice" or lever.spec.transform == "month":
        return text
    number = float(text)
    if not math.isfinite(number):
        raise ValueError(f"{lever.path}: expected a finite number")
    return int(number) if lever.spec.transform == "int" and number.is_integer() else number
