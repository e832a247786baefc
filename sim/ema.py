"""regsim as an EMA Workbench model: `perform_experiments` and EMA's analysis run on regsim.

    from ema_workbench import perform_experiments
    from sim.ema import ema_model
    model = ema_model("sensitivity", replicates=2)
    experiments, outcomes = perform_experiments(model, scenarios=4, policies=2)

Uncertainties come from the scenario's `[uncertainty]` table (a range becomes a
RealParameter, a list of options a CategoricalParameter), levers from its `[sweep.levers]`,
outcomes from the key outcomes a run reports (`tables.KEY_OUTCOMES`; pick some with
`outcomes=`, and a subset of the uncertainties with `uncertainties=`). Each experiment runs
the scenario's replicates with those values set, on the scenario's root seed (or `seed`),
so every experiment shares the random numbers of a regsim sweep point; an outcome is the
mean over replicates. Needs the `ema` extra (ema-workbench 3, Python 3.12 or later).
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping, Sequence
from typing import Any


def ema_model(scenario: str | os.PathLike[str], replicates: int | None = None,
              seed: int | None = None, set: Mapping[str, Any] | None = None,  # noqa: A002
              outcomes: Sequence[str] | None = None,
              uncertainties: Sequence[str] | None = None, name: str = "regsim"):
    """An `ema_workbench.Model` running `scenario` (path or bundled name). ImportError names
    the extra when EMA Workbench is missing; ValueError for an unknown outcome."""
    try:
        from ema_workbench import CategoricalParameter, Model, RealParameter, ScalarOutcome
    except ImportError as error:
        raise ImportError("sim.ema needs EMA Workbench: pip install 'regsim[ema]' "
                          "(Python 3.12 or later)") from error
    import sim

    loaded = sim.load(scenario, set)
    keys = _outcome_keys(loaded, outcomes)
    runner = _Runner(str(scenario), dict(set or {}), replicates, seed, keys)
    model = Model(name, function=runner)
    table = dict(loaded.uncertainty or {})
    chosen = list(table) if uncertainties is None else list(uncertainties)
    missing = [key for key in chosen if key not in table]
    if missing:
        raise ValueError(f"uncertainties: {missing[0]!r} is not in the scenario's "
                         "[uncertainty] table")
    model.uncertainties = [_parameter(key, table[key], RealParameter, CategoricalParameter)
                           for key in chosen]
    levers = loaded.sweep.levers if loaded.sweep is not None else {}
    model.levers = [_parameter(key, spec, RealParameter, CategoricalParameter)
                    for key, spec in (levers or {}).items()]
    model.outcomes = [ScalarOutcome(_ema_name(key)) for key in keys]
    return model


def ema_name(key: str) -> str:
    """The EMA name of a `--set` key or outcome (dots are not allowed in EMA names)."""
    return _ema_name(key)


def _ema_name(key: str) -> str:
    return key.replace(".", "__")


def _parameter(key: str, spec: Any, real, categorical):
    values = getattr(spec, "values", None)
    if values:
        return categorical(_ema_name(key), list(values))
    return real(_ema_name(key), float(spec.low), float(spec.high))


def _outcome_keys(loaded, outcomes: Sequence[str] | None) -> list[str]:
    from sim.presentation.tables import KEY_OUTCOMES

    states = [state.name for state in loaded.states]
    known = [key for key, _ in KEY_OUTCOMES(states)]
    if outcomes is None:
        return known
    unknown = [key for key in outcomes if key not in known]
    if unknown:
        raise ValueError(f"outcomes: unknown outcome {unknown[0]!r}; expected one of "
                         f"{', '.join(known)}")
    return list(outcomes)


class _Runner:
    """The model function EMA calls: keyword values (EMA names) -> mean outcomes. A class,
    not a closure, so EMA's multiprocessing evaluator can pickle it."""

    def __init__(self, scenario: str, overrides: dict[str, Any], replicates: int | None,
                 seed: int | None, keys: list[str]) -> None:
        self.scenario, self.overrides = scenario, overrides
        self.replicates, self.seed, self.keys = replicates, seed, keys

    def __call__(self, **values: Any) -> dict[str, float]:
        import sim

        overrides = dict(self.overrides)
        overrides.update({key.replace("__", "."): _plain(value)
                          for key, value in values.items()})
        result = sim.run(self.scenario, replicates=self.replicates, seed=self.seed,
                         set=overrides)
        table = result.outcomes.set_index("outcome")
        return {_ema_name(key): _mean(table, key) for key in self.keys}


def _plain(value: Any) -> Any:
    """numpy scalars as Python values (the scenario loader takes TOML-able values)."""
    return value.item() if hasattr(value, "item") else value


def _mean(table, key: str) -> float:
    if key not in table.index:
        return math.nan
    value = table.loc[key, "mean"]
    return float(value) if value is not None else math.nan
