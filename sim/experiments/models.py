"""What one run of an experiment evaluates: a model is any picklable callable taking a
`RunTask` (design point id, replicate, seed, design values) and returning its outcomes.

The engine (`sim.experiments.engine`), sweeps, comparisons and sensitivity analysis only see
this interface, so they work the same on regsim scenarios (`ScenarioModel`) and on a plain
Python function (`FunctionModel`, e.g. the Ishigami test function). Models travel to worker
processes or cluster machines by pickling: keep them small (a scenario dict, not a model).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

DESIGN_POINT_SOURCE = "design point"
"""The `file` named in problems with a design point's values."""

Outcomes = Mapping[str, float | int | str]
"""Outcome name -> value (NaN where undefined), in the model's units."""


@dataclass(frozen=True)
class RunTask:
    """One run: design point `point_id`, replicate `replicate`, with `seed` and the point's
    design `values` (key -> value)."""

    point_id: int
    replicate: int
    seed: int
    values: Mapping[str, Any] = field(default_factory=dict)


class Model(Protocol):
    """Anything that maps one run to its outcomes; raising marks the run failed."""

    def __call__(self, task: RunTask) -> Outcomes: ...


@dataclass(frozen=True)
class ScenarioModel:
    """A regsim scenario as a model: the design values are `--set` overrides of `raw`.

    `raw` is the resolved scenario as a TOML dict (after `extends` and `--set`). With
    `timeseries_dir`, each run writes its monthly series to its own Parquet part file there
    (on a cluster, a folder every worker can reach), named by point and replicate.
    """

    raw: Mapping[str, Any]
    timeseries_dir: str | None = None
    replicate_values: tuple[Mapping[str, Any], ...] = ()
    """Parameter-uncertainty draws per replicate (`sim.experiments.uncertainty`); the design
    point's own values take precedence over them."""

    def __call__(self, task: RunTask) -> Outcomes:
        from sim.experiments.runner import run_replicate
        from sim.experiments.uncertainty import draw_columns

        drawn = dict(self.replicate_values[task.replicate]) if self.replicate_values else {}
        scenario = self.scenario({**drawn, **task.values})
        result = run_replicate(scenario, task.seed, task.replicate)
        if self.timeseries_dir is not None:
            write_timeseries_part(result.timeseries, Path(self.timeseries_dir), task)
        return {**result.summary, **draw_columns(drawn)}

    def scenario(self, values: Mapping[str, Any]):
        """The validated scenario of one design point (raises ScenarioError if invalid)."""
        from pydantic import ValidationError

        from sim.experiments.design import override_text
        from sim.scenario.errors import ScenarioError, problems_from_validation
        from sim.scenario.overrides import apply_overrides
        from sim.scenario.schema import Scenario

        overrides = [override_text(key, value) for key, value in values.items()]
        raw, problems = apply_overrides(dict(self.raw), overrides)
        if problems:
            raise ScenarioError(problems)
        try:
            return Scenario.model_validate(raw)
        except ValidationError as error:
            raise ScenarioError(
                problems_from_validation(error, raw, {}, DESIGN_POINT_SOURCE)) from None


@dataclass(frozen=True)
class FunctionModel:
    """A plain function as a model: `function(**values)` returns a number (named `outcome`)
    or a mapping of outcomes. With `pass_seed`, the run's seed is passed as `seed=`.

    `function` must be importable by name (a module-level function) to reach worker processes.
    """

    function: Callable[..., Any]
    outcome: str = "y"
    pass_seed: bool = False

    def __call__(self, task: RunTask) -> Outcomes:
        extra = {"seed": task.seed} if self.pass_seed else {}
        result = self.function(**task.values, **extra)
        if isinstance(result, Mapping):
            return dict(result)
        return {self.outcome: float(result)}


def timeseries_part_name(point_id: int, replicate: int) -> str:
    """The part file of one run; names sort by point, then replicate."""
    return f"p{point_id:07d}-r{replicate:06d}.parquet"


def write_timeseries_part(frame: Any, folder: Path, task: RunTask) -> Path:
    """Write one run's series with leading `point_id` and `replicate` columns, atomically."""
    frame = _all_missing_as_float(frame)
    frame.insert(0, "replicate", task.replicate)
    frame.insert(0, "point_id", task.point_id)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / timeseries_part_name(task.point_id, task.replicate)
    temporary = folder / f".{path.name}.{os.getpid()}.tmp"
    frame.to_parquet(temporary, index=False)
    os.replace(temporary, path)
    return path


def _all_missing_as_float(frame: Any) -> Any:
    """A copy with columns holding only None as float NaN, so every part has the same types."""
    empty = [c for c in frame.columns if frame[c].dtype == object and frame[c].isna().all()]
    return frame.astype(dict.fromkeys(empty, "float64")) if empty else frame.copy()
