"""The settings one move away from the current ones, computed in the background while the room
talks (`sim.dashboard.compute.Engine.background`), so the next toggle or notch is answered
from the cache.

Order: each instrument switched on or off (the commonest move), then one notch up and down of
each slider of an instrument in force, then of each assumption. At most `limit` settings
(`NEIGHBOURS_ENV_VAR` overrides the default: 0 switches background work off, e.g. in tests).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from sim.dashboard.levers import Lever

NEIGHBOURS_ENV_VAR = "REGSIM_APP_NEIGHBOURS"
DEFAULT_NEIGHBOURS = 24
"""Settings computed ahead per lever change (24 x 10 draws: ~25 CPU-s of a 2-core laptop's
idle time at ~0.1 CPU-s a draw; the page's own requests always come first)."""


def neighbour_limit() -> int:
    """How many neighbours to compute (the environment variable, else the default)."""
    given = os.environ.get(NEIGHBOURS_ENV_VAR, "")
    return max(0, int(given)) if given.strip().isdigit() else DEFAULT_NEIGHBOURS


def neighbours(levers: tuple[Lever, ...], values: Mapping[str, Any],
               limit: int | None = None) -> list[dict[str, Any]]:
    """Lever settings one move from `values`: toggles first, then slider notches."""
    limit = neighbour_limit() if limit is None else limit
    out: list[dict[str, Any]] = []
    switches = [lever for lever in levers if lever.switches_instrument]
    for lever in switches:
        out.append({**values, lever.path: not values.get(lever.path)})
    enabled_groups = {lever.group for lever in switches if values.get(lever.path)}
    sliders = [lever for lever in levers if lever.control == "slider"
               and lever.spec.transform != "month"]
    ordered = ([lever for lever in sliders if lever.group in enabled_groups]
               + [lever for lever in sliders if lever.spec.panel == "assumption"])
    for lever in ordered:
        for direction in (1, -1):
            moved = notch(lever, values.get(lever.path), direction)
            if moved is not None:
                out.append({**values, lever.path: moved})
    unique, seen = [], set()
    for setting in out:
        key = tuple(sorted((path, repr(value)) for path, value in setting.items()))
        if key not in seen:
            seen.add(key)
            unique.append(setting)
    return unique[:limit]


def notch(lever: Lever, value: Any, direction: int) -> Any:
    """The value one slider step away (None at the end of the slider or when unset)."""
    if value is None or lever.low is None or lever.high is None:
        return None
    position = lever.position(value) + direction * lever.step
    if position < float(lever.low) - 1e-9 or position > float(lever.high) + 1e-9:
        return None
    moved = lever.value_at(round(position, 9))
    return None if moved == value else moved
