"""The workshop dashboard's logic, importable and tested without a browser.

- **Levers**: the policy knobs of a loaded scenario as switches, sliders and choices (each policy
  on or off, its threshold in log10 FLOP, enforcement probability, chip-control strength,
  whether open weights are exempt from a kill switch, each regulator's reach). A scenario
  without a kill switch gets California's SB 1047-style mandate, switched off, so a facilitator
  can always ask "what if California had passed it?".
- **Lever -> scenario**: lever values become `--set`-style overrides of the scenario
  (`sim.scenario.overrides`), validated like any scenario file.
- **WorkshopModel**: the model Mesa's SolaraViz re-creates on Reset, from lever settings.
- **Baseline**: the unmodified scenario run once per seed and cached, drawn faintly beside the
  live run.

Nothing here imports Solara; matplotlib is imported only by `sim.presentation.live_charts`.
"""

from __future__ import annotations

import functools
import math
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from sim.model.policies import POLICY_KINDS, Policy
from sim.model.world import RegSimModel
from sim.scenario.loader import BundledScenario, bundled_scenarios, find_scenario, load_scenario
from sim.scenario.overrides import apply_overrides
from sim.scenario.schema import Scenario

if TYPE_CHECKING:
    import pandas as pd

SCENARIO_ENV_VAR = "REGSIM_APP_SCENARIO"
"""Environment variable through which `regsim app` tells the page which scenario to load."""

DEFAULT_SCENARIO = "baseline"

WORKSHOP_KILL_SWITCH: dict[str, Any] = {
    "kind": "kill_switch",
    "enabled": False,
    "start": "2025-01",
    "threshold_flop": 1e26,
    "threshold_usd": 1e8,
    "exempt_open_weights": False,
    "enforcement_probability": 0.5,
    "penalty_share_of_training_cost": 0.1,
    "penalty_musd": 1000.0,
    "compliance_cost_musd": 10.0,
}
"""The kill switch added (off) to a scenario that has none: the same mandate as the bundled
`kill_switch.toml` (SB 1047 thresholds 1e26 FLOP and $100M, from 2025-01, open weights covered),
so switching it on in the baseline replays that scenario."""

CALIFORNIA: dict[str, Any] = {
    "name": "california",
    "label": "California",
    "jurisdiction": "US-CA",
    "reach": "market",
    "market_value_musd": 1000.0,
}
"""California's regulator as in `baseline.toml`, added if a scenario has none."""

THRESHOLD_RANGE_LOG10 = (23.0, 28.0)
"""Slider range for policy thresholds, log10 FLOP (GPT-4 ~ 1e25; SB 1047 1e26)."""

THRESHOLD_STEP_LOG10 = 0.1
SHARE_STEP = 0.05
MAX_DRAW = 50
"""The 'draw of chance' slider runs 0..MAX_DRAW: seed = scenario seed + draw."""

LeverKind = Literal["switch", "slider", "choice"]


@dataclass(frozen=True)
class Lever:
    """One policy knob and the scenario key it sets.

    `key` names it (`<regulator>__<policy>__<field>` or `<regulator>__reach`); `path` is the
    dotted scenario key it sets (`regulators.<regulator>.policies.<policy>.<field>`), as for
    `--set`. `group` is what it belongs to ("California's kill switch") and `name` what it
    changes there ("threshold"). A slider with `log10` shows log10 of the scenario value
    (thresholds in FLOP).
    """

    key: str
    group: str
    name: str
    kind: LeverKind
    path: str
    default: Any
    minimum: float | None = None
    maximum: float | None = None
    step: float | None = None
    choices: tuple[str, ...] = ()
    log10: bool = False

    @property
    def switches_policy(self) -> bool:
        """Whether this lever turns its policy on or off."""
        return self.path.endswith(".enabled")

    def scenario_value(self, value: Any) -> Any:
        """The value the scenario holds for a lever value (FLOP for a log10 slider)."""
        if self.kind == "switch":
            return bool(value)
        if self.kind == "choice":
            if value not in self.choices:
                raise ValueError(f"{self.group}: {self.name} {value!r} is not one of "
                                 f"{list(self.choices)}")
            return str(value)
        number = float(value)
        return 10.0**number if self.log10 else number

    def override(self, value: Any) -> str:
        """A `--set` override (KEY=VALUE, VALUE a TOML literal) for a lever value."""
        scenario_value = self.scenario_value(value)
        if isinstance(scenario_value, bool):
            literal = "true" if scenario_value else "false"
        elif isinstance(scenario_value, str):
            literal = f'"{scenario_value}"'
        else:
            literal = repr(float(scenario_value))
        return f"{self.path}={literal}"

    def is_default(self, value: Any) -> bool:
        if self.kind == "slider":
            return math.isclose(float(value), float(self.default), abs_tol=1e-9)
        return value == self.default

    def shown(self, value: Any) -> str:
        """The value in plain words: 'on', '1e26.0 FLOP', '0.50', 'market'."""
        if self.switches_policy:
            return "on" if value else "off"
        if self.kind == "switch":
            return "yes" if value else "no"
        if self.log10:
            return f"1e{float(value):.1f} FLOP"
        if self.kind == "slider":
            return f"{float(value):.2f}"
        return str(value)

    def describe(self, value: Any) -> str:
        """"California's kill switch: on", "... threshold 1e25.0 FLOP" — in plain words."""
        if self.switches_policy:
            return f"{self.group}: {self.shown(value)}"
        return f"{self.group}: {self.name} {self.shown(value)}"


@dataclass
class LeverSettings:
    """The lever values and the draw of chance a dashboard session has chosen.

    Mutable on purpose: the dashboard hands this one object to SolaraViz as a fixed model
    parameter and updates it as levers move, so Mesa's Reset rebuilds the model with the
    levers as they are now. `values` holds only the levers that were set.
    """

    values: dict[str, Any] = field(default_factory=dict)
    draw: int = 0


@dataclass(frozen=True)
class Workshop:
    """A scenario prepared for the dashboard: its levers and the scenario they change.

    `original` is the scenario as loaded (the baseline drawn beside the live run);
    `scenario` the same with California's kill switch added, off, if it had none.
    """

    path: str
    original: Scenario
    scenario: Scenario
    levers: tuple[Lever, ...] = field(default_factory=tuple)

    @property
    def name(self) -> str:
        return self.original.scenario.name

    @property
    def question(self) -> str:
        return self.original.scenario.question

    def lever(self, key: str) -> Lever:
        return next(lever for lever in self.levers if lever.key == key)

    def groups(self) -> list[tuple[str, list[Lever]]]:
        """The levers grouped by what they belong to, in order."""
        groups: dict[str, list[Lever]] = {}
        for lever in self.levers:
            groups.setdefault(lever.group, []).append(lever)
        return list(groups.items())

    def defaults(self) -> dict[str, Any]:
        return {lever.key: lever.default for lever in self.levers}

    def values(self, given: Mapping[str, Any]) -> dict[str, Any]:
        """Every lever's value: `given` over the defaults. Raises ValueError on unknown keys."""
        unknown = sorted(set(given) - {lever.key for lever in self.levers})
        if unknown:
            raise ValueError(f"unknown levers for {self.name}: {', '.join(unknown)}")
        return {**self.defaults(), **given}

    def overrides(self, values: Mapping[str, Any]) -> list[str]:
        """`--set` overrides for the levers moved away from their defaults."""
        return [
            lever.override(values[lever.key])
            for lever in self.levers
            if lever.key in values and not lever.is_default(values[lever.key])
        ]

    def scenario_with(self, values: Mapping[str, Any]) -> Scenario:
        """The scenario with the levers set; the workshop scenario itself when none moved."""
        overrides = self.overrides(self.values(values))
        if not overrides:
            return self.scenario
        raw, problems = apply_overrides(self.scenario.to_toml_dict(), overrides)
        if problems:
            raise ValueError("; ".join(problem.format() for problem in problems))
        return Scenario.model_validate(raw)

    def changes(self, values: Mapping[str, Any]) -> list[str]:
        """The levers moved away from the scenario, in plain words."""
        values = self.values(values)
        return [
            lever.describe(values[lever.key])
            for lever in self.levers
            if not lever.is_default(values[lever.key])
        ]

    def seed(self, draw: int = 0) -> int:
        """The seed of a draw: the scenario's own seed for draw 0."""
        return (self.original.scenario.seed + int(draw)) % 2**63


# Loading --------------------------------------------------------------------------------------


def default_scenario_path() -> str:
    """The scenario `regsim app` asked for (environment variable), else the bundled baseline."""
    given = os.environ.get(SCENARIO_ENV_VAR) or DEFAULT_SCENARIO
    return str(find_scenario(given).resolve())


@functools.lru_cache(maxsize=32)
def load_workshop(path: str) -> Workshop:
    """Load the scenario at `path` (a file or bundled name) and derive its levers; cached.

    Raises ScenarioError if the scenario is invalid.
    """
    resolved = str(find_scenario(path).resolve())
    original = load_scenario(resolved)
    scenario = with_kill_switch(original)
    return Workshop(resolved, original, scenario, tuple(levers_of(scenario)))


def with_kill_switch(scenario: Scenario) -> Scenario:
    """The scenario unchanged if any regulator holds a kill switch; otherwise with
    WORKSHOP_KILL_SWITCH (off) added to California's regulator, itself added if missing."""
    if any(p.kind == "kill_switch" for r in scenario.regulators for p in r.policies):
        return scenario
    raw = scenario.to_toml_dict()
    regulators = raw.setdefault("regulators", [])
    california = next((r for r in regulators if r["name"] == CALIFORNIA["name"]), None)
    if california is None:
        california = dict(CALIFORNIA)
        regulators.append(california)
    california.setdefault("policies", []).append(dict(WORKSHOP_KILL_SWITCH))
    return Scenario.model_validate(raw)


def picker_choices(current_path: str | None = None) -> list[BundledScenario]:
    """The bundled scenarios that load, with their questions; a non-bundled current file first."""
    choices = list(_bundled_choices())
    if current_path is not None:
        bundled = {str(entry.path.resolve()) for entry in choices}
        if str(Path(current_path).resolve()) not in bundled:
            workshop = load_workshop(current_path)
            own = BundledScenario(workshop.name, Path(workshop.path), workshop.question)
            choices.insert(0, own)
    return choices


@functools.lru_cache(maxsize=1)
def _bundled_choices() -> tuple[BundledScenario, ...]:
    return tuple(entry for entry in bundled_scenarios() if entry.error is None)


# Levers ---------------------------------------------------------------------------------------


def levers_of(scenario: Scenario) -> list[Lever]:
    """The levers of a scenario: each policy's knobs, then each policy-holding regulator's reach.

    Regulators holding a kill switch come first, so the headline lever tops the list.
    """
    regulators = sorted(
        scenario.regulators,
        key=lambda r: not any(p.kind == "kill_switch" for p in r.policies),
    )
    levers: list[Lever] = []
    for regulator in regulators:
        if not regulator.policies:
            continue
        owner = regulator.label or regulator.name
        for policy in regulator.policies:
            levers += _policy_levers(regulator.name, owner, policy)
        levers.append(_reach_lever(regulator.name, owner, regulator.reach))
    return levers


def _policy_levers(regulator: str, owner: str, policy: Any) -> list[Lever]:
    name = policy.name or policy.kind
    key = f"{regulator}__{name}"
    path = f"regulators.{regulator}.policies.{name}"
    group = _capitalised(f"{owner}'s {policy.kind.replace('_', ' ')}")
    levers = [Lever(f"{key}__enabled", group, "on", "switch", f"{path}.enabled",
                    bool(policy.enabled))]
    if hasattr(policy, "threshold_flop"):
        default = round(math.log10(policy.threshold_flop), 6)
        low, high = THRESHOLD_RANGE_LOG10
        levers.append(Lever(f"{key}__threshold_flop", group, "threshold", "slider",
                            f"{path}.threshold_flop", default, min(low, default),
                            max(high, default), THRESHOLD_STEP_LOG10, log10=True))
    if hasattr(policy, "exempt_open_weights"):
        levers.append(Lever(f"{key}__exempt_open_weights", group, "open weights exempt",
                            "switch", f"{path}.exempt_open_weights",
                            bool(policy.exempt_open_weights)))
    if hasattr(policy, "strength"):
        levers.append(_share_lever(key, group, "strength (share of growth denied)",
                                   f"{path}.strength", policy.strength))
    if _has_compliance_choice(policy.kind):
        levers.append(_share_lever(key, group, "enforcement probability",
                                   f"{path}.enforcement_probability",
                                   policy.enforcement_probability))
    return levers


def _share_lever(key: str, group: str, name: str, path: str, default: float) -> Lever:
    return Lever(f"{key}__{path.rsplit('.', 1)[1]}", group, name, "slider", path,
                 float(default), 0.0, 1.0, SHARE_STEP)


def _reach_lever(regulator: str, owner: str, reach: str) -> Lever:
    return Lever(f"{regulator}__reach", _capitalised(owner), "reach (domicile or market)",
                 "choice", f"regulators.{regulator}.reach", reach,
                 choices=("domicile", "market"))


def _has_compliance_choice(kind: str) -> bool:
    """Whether an instrument constrains releases (so enforcement matters), not world dynamics."""
    return POLICY_KINDS[kind].covers_release is not Policy.covers_release


def _capitalised(text: str) -> str:
    return text[:1].upper() + text[1:]


# The live model and its baseline ---------------------------------------------------------------


class WorkshopModel(RegSimModel):
    """RegSimModel built from a scenario file and lever settings (what SolaraViz's Reset calls).

    Stops (`running = False`) at the scenario's horizon.
    """

    def __init__(self, scenario_path: str | None = None,
                 settings: LeverSettings | None = None) -> None:
        workshop = load_workshop(scenario_path or default_scenario_path())
        settings = settings or LeverSettings()
        values = workshop.values(settings.values)
        super().__init__(workshop.scenario_with(values), seed=workshop.seed(settings.draw))
        self.workshop = workshop
        self.lever_values = values
        self.draw = int(settings.draw)

    def step(self) -> None:
        if self.step_index + 1 >= self.months:
            self.running = False
            return
        super().step()
        self.running = self.step_index + 1 < self.months

    def live_frame(self) -> pd.DataFrame | None:
        """The months run so far (columns `step`, `month` and the outputs); None before any."""
        if self.step_index < 0:
            return None
        return self.observer.frame()

    def baseline_frame(self) -> pd.DataFrame:
        """The unmodified scenario's whole horizon with this run's seed (cached)."""
        return baseline_frame(self.workshop.path, self.seed)

    def changes(self) -> list[str]:
        """What this run changes from the scenario, in plain words."""
        changes = self.workshop.changes(self.lever_values)
        if self.draw:
            changes.append(f"draw of chance {self.draw}")
        return changes


@functools.lru_cache(maxsize=16)
def baseline_frame(scenario_path: str, seed: int) -> pd.DataFrame:
    """The monthly series of the unmodified scenario at `scenario_path` run with `seed`.

    Run once per (scenario, seed) and cached: callers must not modify the frame.
    """
    from sim.experiments.runner import run_replicate

    return run_replicate(load_workshop(scenario_path).original, seed).timeseries
