"""A scenario prepared for the workshop dashboard: its levers, roles, seeds and exports.

- **Instruments to ask about.** A workshop asks "what if California had passed the kill
  switch?" of any scenario. `WORKSHOP_INSTRUMENTS` names instruments taken from the bundled
  policy scenarios (SB 1047's kill switch, a US open-weight licence, US controls on closed
  weights); each is added, switched off, to a scenario whose regulator lacks it, so switching it
  on in the baseline replays that bundled scenario. The model measures coverage on one line
  (`world.covered_model_threshold_flop`) whatever instruments a scenario holds, so a
  switched-off instrument changes no number (tested); the grey baseline is the scenario with
  the added instruments present and off, the very file an export with no lever moved writes.
- **Levers -> scenario.** Lever values (scenario units, keyed by `--set` path; see
  `sim.dashboard.levers`) become `--set` overrides (`sim.scenario.overrides`), validated like
  any scenario file.
- **Seeds.** N draws use the seeds `regsim run` gives N replicates of the scenario's root seed,
  so an exported scenario reproduces the dashboard's numbers exactly.
- **Export.** The current settings as a scenario TOML file.

Nothing here imports Solara or Mesa.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sim.dashboard.levers import Lever, by_path, changed, grouped, levers_for
from sim.dashboard.roles import Role, role_labs, roles_for
from sim.experiments.seeds import replicate_seeds
from sim.scenario.loader import BundledScenario, bundled_scenarios, find_scenario, load_scenario
from sim.scenario.overrides import apply_overrides
from sim.scenario.schema import Scenario
from sim.scenario.types import MAX_DESCRIPTION_CHARS

SCENARIO_ENV_VAR = "REGSIM_APP_SCENARIO"
"""Environment variable through which `regsim app` tells the page which scenario to load."""

DEFAULT_SCENARIO = "baseline"

DEFAULT_DRAWS = 10
"""Replicates ('draws of chance') per lever setting."""
DRAW_CHOICES = (5, 10, 20)
MAX_DRAWS = 50
"""The most draws a saved session may ask for."""

ADOPTERS: int | None = None
"""Downstream adopters simulated by the dashboard; None keeps the scenario's own (10,000 in the
bundled ones). In model v2 outcomes are shares of the population or scaled to real units, so
the population sets precision, not results, and costs little of a replicate's time (most goes
to the labs' decisions): a smaller one buys little speed. Exports carry the number used, so
`regsim run` still matches."""

WORKSHOP_INSTRUMENTS: tuple[tuple[str, str, str], ...] = (
    ("kill_switch", "california", "kill_switch"),
    ("open_weight_licence", "us_federal", "open_weight_licence"),
    ("export_controls", "us_federal", "weight_export_controls"),
)
"""(bundled scenario, regulator, policy name): instruments every dashboard scenario offers."""

EXPORT_SUFFIX = "_workshop"


@dataclass(frozen=True)
class Workshop:
    """A scenario prepared for the dashboard.

    `original` is the scenario as loaded; `scenario` the same with the workshop instruments
    added, switched off (the grey baseline); `levers` every lever, `roles` the game's roles.
    """

    path: str
    original: Scenario
    scenario: Scenario
    levers: tuple[Lever, ...]
    roles: tuple[Role, ...]

    @property
    def name(self) -> str:
        return self.original.scenario.name

    @property
    def question(self) -> str:
        return self.original.scenario.question

    @property
    def months(self) -> int:
        return self.original.scenario.months

    @property
    def start(self) -> str:
        return self.original.scenario.start

    def lever(self, path: str) -> Lever:
        return by_path(self.levers)[path]

    def panel(self, panel: str) -> list[tuple[str, list[Lever]]]:
        """The levers of one panel ('policy' or 'assumption'), by group."""
        return grouped(lever for lever in self.levers if lever.spec.panel == panel)

    def defaults(self) -> dict[str, Any]:
        return {lever.path: lever.default for lever in self.levers}

    def values(self, given: Mapping[str, Any]) -> dict[str, Any]:
        """Every lever's value: `given` (coerced to the scenario's types) over the defaults.

        Raises ValueError naming an unknown lever or a value that does not fit.
        """
        levers = by_path(self.levers)
        unknown = sorted(set(given) - set(levers))
        if unknown:
            raise ValueError(f"unknown levers for {self.name}: {', '.join(unknown)}")
        values = self.defaults()
        for path, value in given.items():
            values[path] = levers[path].coerce(value)
        return values

    def moved(self, values: Mapping[str, Any]) -> list[Lever]:
        """The levers set away from the scenario's values."""
        return changed(self.levers, values)

    def overrides(self, values: Mapping[str, Any]) -> list[str]:
        """`--set` overrides for the levers moved away from the scenario."""
        return [lever.override(values[lever.path]) for lever in self.moved(values)]

    def changes(self, values: Mapping[str, Any]) -> list[str]:
        """The levers moved away from the scenario, in plain words."""
        return [lever.describe(values[lever.path]) for lever in self.moved(values)]

    def scenario_with(self, values: Mapping[str, Any], draws: int = DEFAULT_DRAWS,
                      extra: Mapping[str, Any] | None = None) -> Scenario:
        """The scenario with the levers set and `draws` replicates; `extra` adds top-level
        tables (the game's dated `changes`). Raises ValueError if the result is invalid."""
        overrides = self.overrides(self.values(values))
        overrides.append(f"scenario.replicates={int(draws)}")
        raw, problems = apply_overrides(self.scenario.to_toml_dict(), overrides)
        if problems:
            raise ValueError("; ".join(problem.format() for problem in problems))
        raw.update(dict(extra or {}))
        return Scenario.model_validate(raw)

    def baseline(self, draws: int = DEFAULT_DRAWS) -> Scenario:
        """The scenario as written (the added instruments off), `draws` replicates: the grey
        line, and the current settings when no lever has moved."""
        return self.scenario_with({}, draws)

    def seeds(self, draws: int = DEFAULT_DRAWS) -> list[int]:
        """The seeds of `draws` draws: those `regsim run` gives its replicates."""
        return replicate_seeds(self.original.scenario.seed, int(draws))

    def export_toml(self, values: Mapping[str, Any], draws: int = DEFAULT_DRAWS,
                    extra: Mapping[str, Any] | None = None, note: str = "") -> str:
        """The current settings as a scenario file `regsim run` reproduces exactly."""
        scenario = self.scenario_with(values, draws, extra)
        raw = scenario.to_toml_dict()
        meta = raw["scenario"]
        meta["name"] = (self.name[: 64 - len(EXPORT_SUFFIX)] + EXPORT_SUFFIX)
        changes = self.changes(self.values(values))
        summary = "; ".join(changes) if changes else "no lever moved"
        description = (f"Exported from the regsim workshop dashboard ({self.name}): "
                       f"{summary}.{(' ' + note) if note else ''}")
        if len(description) > MAX_DESCRIPTION_CHARS:  # many moves and teams: the file holds all
            description = description[: MAX_DESCRIPTION_CHARS - 1] + "…"
        meta["description"] = description
        exported = Scenario.model_validate(raw)
        header = (f"# regsim workshop export of {Path(self.path).name}: `regsim run` on this "
                  f"file gives the dashboard's numbers ({draws} replicates).\n")
        return header + exported.to_toml()


# Loading --------------------------------------------------------------------------------------


def default_scenario_path() -> str:
    """The scenario `regsim app` asked for (environment variable), else the bundled baseline."""
    given = os.environ.get(SCENARIO_ENV_VAR) or DEFAULT_SCENARIO
    return str(find_scenario(given).resolve())


@functools.lru_cache(maxsize=32)
def load_workshop(path: str) -> Workshop:
    """Load the scenario at `path` (a file or bundled name) with its levers and roles; cached.

    Raises ScenarioError if the scenario is invalid.
    """
    resolved = str(find_scenario(path).resolve())
    original = load_scenario(resolved)
    if ADOPTERS is not None:
        raw = original.to_toml_dict()
        raw.setdefault("world", {}).setdefault("ecosystem", {})["adopters"] = ADOPTERS
        original = Scenario.model_validate(raw)
    scenario = with_workshop_instruments(original)
    labs = role_labs(scenario)
    levers = tuple(levers_for(scenario, developers=labs.values()))
    return Workshop(resolved, original, scenario, levers, tuple(roles_for(scenario, levers)))


def with_workshop_instruments(scenario: Scenario) -> Scenario:
    """`scenario` with each of WORKSHOP_INSTRUMENTS its regulator lacks added, switched off
    (the regulator itself added, without instruments, if missing)."""
    raw = scenario.to_toml_dict()
    regulators = raw.setdefault("regulators", [])
    added = False
    for source, regulator_name, policy_name in WORKSHOP_INSTRUMENTS:
        found = _bundled_instrument(source, regulator_name, policy_name)
        if found is None:
            continue
        regulator_spec, policy = found
        regulator = next((r for r in regulators if r["name"] == regulator_name), None)
        if regulator is None:
            regulator = {**regulator_spec, "policies": []}
            regulators.append(regulator)
        names = {p.get("name") or p["kind"] for p in regulator.get("policies", [])}
        if policy_name in names:
            continue
        regulator.setdefault("policies", []).append({**policy, "enabled": False})
        added = True
    return Scenario.model_validate(raw) if added else scenario


@functools.lru_cache(maxsize=8)
def _bundled_instrument(source: str, regulator_name: str,
                        policy_name: str) -> tuple[dict[str, Any], dict[str, Any]] | None:
    """(regulator without policies, policy) from a bundled scenario; None if it is missing."""
    from sim.scenario.errors import ScenarioError

    try:
        scenario = load_scenario(find_scenario(source))
    except ScenarioError:
        return None
    for regulator in scenario.to_toml_dict().get("regulators", []):
        if regulator["name"] != regulator_name:
            continue
        for policy in regulator.get("policies", []):
            if (policy.get("name") or policy["kind"]) == policy_name:
                spec = {k: v for k, v in regulator.items() if k != "policies"}
                return spec, policy
    return None


def picker_choices(current_path: str | None = None) -> list[BundledScenario]:
    """The bundled scenarios that load, with their questions; a non-bundled current file first."""
    choices = list(_bundled_choices())
    if current_path is not None:
        bundled = {str(entry.path.resolve()) for entry in choices}
        if str(Path(current_path).resolve()) not in bundled:
            workshop = load_workshop(current_path)
            choices.insert(0, BundledScenario(workshop.name, Path(workshop.path),
                                              workshop.question))
    return choices


@functools.lru_cache(maxsize=1)
def _bundled_choices() -> tuple[BundledScenario, ...]:
    return tuple(entry for entry in bundled_scenarios() if entry.error is None)
