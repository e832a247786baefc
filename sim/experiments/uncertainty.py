"""Parameter uncertainty: each replicate draws the uncertain parameters from their ranges.

Without it, every replicate of a run shares every parameter value and the intervals show only
Monte Carlo noise. With it (`regsim run --uncertainty`, `compare`, `sweep`), replicate r draws
each uncertain parameter from its range: a Latin hypercube over the replicates, seeded from the
run's root seed alone, so replicate r gets the same values in every scenario of a comparison
(the draws are paired like the random numbers) and on every machine.

What is uncertain: the scenario's `[uncertainty]` table (`--set` key -> range, or a list of
options for a categorical formulation such as `world.follower.catch_up`), or, when it has
none, every world parameter whose documented range the schema carries
(`json_schema_extra={"range": ...}`, see `sim.scenario.schema.uncertain`) and every formulation
(`sim.scenario.schema.formulation`), drawn uniformly over its options.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from pydantic import BaseModel

from sim.experiments.design import UNCERTAINTY, Parameter, override_text

UNCERTAINTY_STREAM = 0x0DD5_EED5
"""Mixed into the root seed to seed the parameter draws, apart from the replicate seeds."""
DRAW_PREFIX = "drawn__"
"""Summary columns holding a replicate's drawn value of each uncertain parameter."""


def documented_ranges() -> dict[str, dict[str, Any]]:
    """Every world parameter with a documented range: `--set` key -> {low, high, scale}; and
    every categorical formulation: `--set` key -> {values: its options}."""
    from sim.scenario.schema import WorldParams

    found: dict[str, dict[str, Any]] = {}
    _walk(WorldParams, "world", found)
    return found


def _walk(model: type[BaseModel], prefix: str, found: dict[str, dict[str, Any]]) -> None:
    for name, field in model.model_fields.items():
        extra = field.json_schema_extra if isinstance(field.json_schema_extra, dict) else {}
        if extra.get("formulation"):
            found[f"{prefix}.{name}"] = {"values": list(extra["options"])}
        elif "range" in extra:
            low, high = extra["range"]
            found[f"{prefix}.{name}"] = {"low": low, "high": high,
                                         "scale": extra.get("scale", "linear")}
        annotation = field.annotation
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            _walk(annotation, f"{prefix}.{name}", found)


def declared(scenario: Any) -> list[Parameter]:
    """The scenario's uncertain parameters (its `[uncertainty]` table, or the documented
    world ranges), in key order."""
    if scenario.uncertainty:
        table = {key: spec.model_dump() for key, spec in scenario.uncertainty.items()}
    else:
        table = documented_ranges()
    parameters = []
    for key in sorted(table):
        spec = table[key]
        if spec.get("values"):
            parameters.append(Parameter(key, UNCERTAINTY, values=tuple(spec["values"])))
        else:
            parameters.append(Parameter(key, UNCERTAINTY, low=spec["low"], high=spec["high"],
                                        scale=spec.get("scale", "linear")))
    return parameters


def draws(parameters: Sequence[Parameter], root_seed: int,
          replicates: int) -> list[dict[str, Any]]:
    """One dict of values per replicate: a Latin hypercube over the replicates."""
    if not parameters:
        return [{} for _ in range(replicates)]
    from scipy.stats import qmc

    rng = np.random.default_rng(np.random.SeedSequence([int(root_seed), UNCERTAINTY_STREAM]))
    unit = qmc.LatinHypercube(d=len(parameters), seed=rng).random(replicates)
    return [{p.key: p.from_unit(float(u)) for p, u in zip(parameters, row, strict=True)}
            for row in unit]


def overrides(values: Mapping[str, Any]) -> list[str]:
    """The `--set` texts that apply one replicate's draws."""
    return [override_text(key, value) for key, value in values.items()]


def with_values(raw: Mapping[str, Any], values: Mapping[str, Any], source: str = "uncertainty"):
    """The validated scenario `raw` (a TOML dict) with `values` set; ScenarioError if the
    draws make it invalid (the message names `source`)."""
    from pydantic import ValidationError

    from sim.scenario.errors import ScenarioError, problems_from_validation
    from sim.scenario.overrides import apply_overrides
    from sim.scenario.schema import Scenario

    changed, problems = apply_overrides(dict(raw), overrides(values))
    if problems:
        raise ScenarioError(problems)
    try:
        return Scenario.model_validate(changed)
    except ValidationError as error:
        raise ScenarioError(problems_from_validation(error, changed, {}, source)) from None


def draw_columns(values: Mapping[str, Any]) -> dict[str, Any]:
    """A replicate's drawn values as summary columns."""
    return {DRAW_PREFIX + key: value for key, value in values.items()}


def sweep_draws(scenario: Any, raw: Mapping[str, Any], parameters: Sequence[Parameter],
                root_seed: int, replicates: int) -> tuple[dict[str, Any], ...]:
    """Each replicate's draws of the uncertain parameters a sweep's design does not set (the
    same for replicate r at every point: paired). ValueError if the design sets them all;
    ScenarioError if a draw makes the scenario invalid (checked on the first and last draws:
    the ranges' ends, not every draw)."""
    designed = {p.key for p in parameters}
    uncertain = [p for p in declared(scenario) if p.key not in designed]
    if not uncertain:
        raise ValueError("--uncertainty: the design already sets every uncertain parameter")
    drawn = draws(uncertain, root_seed, replicates)
    for values in drawn[:1] + drawn[-1:]:
        with_values(raw, values, "--uncertainty")
    return tuple(drawn)

