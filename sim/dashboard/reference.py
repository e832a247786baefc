"""The reference every number and chart of the dashboard is compared with.

A workshop compares against one fixed reference, whatever scenario is picked: the bundled 2024
baseline (the policies in force in 2024, with the workshop's instruments added and switched
off), or settings the facilitator pins. Picking the crackdown scenario then shows the crackdown
against 2024's policies, not against itself. A scenario whose world differs from the baseline's
(another start, horizon, labs or states, e.g. `chatbit_2023`) keeps its own "as written" as the
reference, and the page says so.

The reference runs over the same draws (seeds) as the current settings, so the difference is
the settings' effect, not luck. Changing the number of draws re-averages both; the legend says
over how many draws, and that the reference moved with them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sim.dashboard.workshop import DEFAULT_DRAWS, Workshop, load_workshop
from sim.scenario.schema import Scenario

REFERENCE_SCENARIO = "baseline"
"""The bundled scenario every compatible scenario is compared with."""


@dataclass(frozen=True)
class Reference:
    """The reference scenario (with the draws asked for) and how the page names it."""

    scenario: Scenario
    label: str
    """Its name on screen ('2024 policies')."""
    detail: str
    """One line saying what it is and over which draws."""


def reference_for(workshop: Workshop, draws: int = DEFAULT_DRAWS,
                  pinned: Mapping[str, Any] | None = None) -> Reference:
    """The reference for `workshop` at `draws` draws: `pinned` lever values if given, else the
    bundled baseline when its world matches, else the scenario as written."""
    over = f"the same {draws} draws as your settings"
    if pinned is not None:
        return Reference(workshop.scenario_with(pinned, draws), "pinned settings",
                         f"Reference: settings pinned by the facilitator, over {over}.")
    baseline = _bundled_baseline()
    if baseline is not None and compatible(workshop.original, baseline.original):
        return Reference(baseline.baseline(draws), "2024 policies",
                         f"Reference: the policies in force in 2024 (the bundled baseline), "
                         f"over {over}.")
    return Reference(workshop.baseline(draws), "as written",
                     f"Reference: this scenario as written (its world differs from the 2024 "
                     f"baseline's), over {over}.")


def compatible(scenario: Scenario, baseline: Scenario) -> bool:
    """Whether `baseline` can be the reference of `scenario`: the same calendar, labs and
    states (so every chart and headline means the same in both)."""
    def world(s: Scenario) -> tuple:
        return (s.scenario.start, s.scenario.months, tuple(d.name for d in s.developers),
                tuple(g.name for g in s.developer_groups), tuple(st.name for st in s.states))

    return world(scenario) == world(baseline)


def _bundled_baseline() -> Workshop | None:
    from sim.scenario.errors import ScenarioError

    try:
        return load_workshop(REFERENCE_SCENARIO)
    except (ScenarioError, OSError):
        return None
