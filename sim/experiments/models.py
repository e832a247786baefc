"""What one run of an experiment evaluates: a model is any picklable callable taking a
`RunTask` (design point id, replicate, seed, design values) and returning its outcomes.

The engine (`sim.experiments.engine`), sweeps, comparisons and sensitivity analysis only see
this interface, so they work the same on regsim scenarios (`ScenarioModel`) and on a plain
Python function (`FunctionModel`, e.g. the Ishigami test function). Models travel to worker
processes or cluster machines by pickling: keep them small (a scenario dict, not a model).
"""

from __future__ import annotations

import json
import math
import os
from collections import OrderedDict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

DESIGN_POINT_SOURCE = "design point"
SCENARIOS_KEPT = 8
"""Validated design-point scenarios a `ScenarioModel` keeps (consecutive runs of a sweep are
the replicates of one point, so a few are enough)."""
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
    (on a cluster, a folder every worker can reach), named by point and replicate; with
    `events_dir`, its event log likewise (`EVENT_COLUMNS`). With `scenario_label`, the parts
    lead with a `scenario` column holding it instead of `point_id` (a comparison runs one
    scenario per point).
    """

    raw: Mapping[str, Any]
    timeseries_dir: str | None = None
    events_dir: str | None = None
    scenario_label: str | None = None
    replicate_values: tuple[Mapping[str, Any], ...] = ()
    """Parameter-uncertainty draws per replicate (`sim.experiments.uncertainty`); the design
    point's own values take precedence over them."""

    def __call__(self, task: RunTask) -> Outcomes:
        from sim.experiments.runner import run_replicate
        from sim.experiments.uncertainty import draw_columns

        drawn = dict(self.replicate_values[task.replicate]) if self.replicate_values else {}
        scenario = self.scenario({**drawn, **task.values})
        # Without a series to store, the run computes only what its summary needs.
        result = run_replicate(scenario, task.seed, task.replicate,
                               timeseries=self.timeseries_dir is not None)
        if self.timeseries_dir is not None:
            write_timeseries_part(result.timeseries, Path(self.timeseries_dir), task,
                                  self.scenario_label)
        if self.events_dir is not None:
            write_events_part(result.events, Path(self.events_dir), task, self.scenario_label)
        return {**result.summary, **draw_columns(drawn)}

    def scenario(self, values: Mapping[str, Any]):
        """The validated scenario of one design point (raises ScenarioError if invalid), checked
        by the same rules as a scenario file (unique names included).

        The last SCENARIOS_KEPT are kept, by their overrides, so that a worker parses a design
        point once, not once per replicate (a run never changes its scenario: `run_scenario`
        runs every replicate on one)."""
        from sim.experiments.design import override_text
        from sim.scenario.errors import ScenarioError
        from sim.scenario.loader import validate_resolved
        from sim.scenario.overrides import apply_overrides

        overrides = [override_text(key, value) for key, value in values.items()]
        kept = self.__dict__.setdefault("_scenarios", OrderedDict())
        key = tuple(overrides)
        if key in kept:
            kept.move_to_end(key)
            return kept[key]
        raw, problems = apply_overrides(dict(self.raw), overrides)
        if problems:
            raise ScenarioError(problems)
        scenario = kept[key] = validate_resolved(raw, DESIGN_POINT_SOURCE)
        while len(kept) > SCENARIOS_KEPT:
            kept.popitem(last=False)
        return scenario

    def __getstate__(self) -> dict[str, Any]:
        """Pickled without the scenarios kept: each process parses its own."""
        return {key: value for key, value in self.__dict__.items() if key != "_scenarios"}


@dataclass(frozen=True)
class FunctionModel:
    """A plain function as a model: `function(**values)` returns a number (named `outcome`)
    or a mapping of outcomes. With `pass_seed`, the run's seed is passed as `seed=`.

    `function` must be importable by name (a module-level function) to reach worker processes.
    A sweep of a function model can be resumed only if the model is registered
    (`register_function_model`) or passed to `run_sweep` again.
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


FUNCTION_MODELS: dict[str, FunctionModel] = {}
"""Function models a sweep folder may name, by name: registered by code (e.g. tests register
the Ishigami function), never taken from a folder."""


def register_function_model(name: str, model: FunctionModel) -> FunctionModel:
    """Make `model` resumable: sweeps of it store `name`, and resuming one looks the name up
    here. Returns the model."""
    FUNCTION_MODELS[name] = model
    return model


def registered_function_model(name: str) -> FunctionModel | None:
    """The function model registered under `name`, or None."""
    return FUNCTION_MODELS.get(name)


def registered_name(model: FunctionModel) -> str | None:
    """The name `model` is registered under, or None if it is not registered."""
    return next((name for name, known in FUNCTION_MODELS.items() if known == model), None)


def timeseries_part_name(point_id: int, replicate: int) -> str:
    """The part file of one run; names sort by point, then replicate."""
    return f"p{point_id:07d}-r{replicate:06d}.parquet"


def write_timeseries_part(frame: Any, folder: Path, task: RunTask,
                          scenario: str | None = None) -> Path:
    """Write one run's series with leading `point_id` (or `scenario`, when given) and
    `replicate` columns, atomically."""
    frame = _all_missing_as_float(frame)
    frame.insert(0, "replicate", task.replicate)
    if scenario is None:
        frame.insert(0, "point_id", task.point_id)
    else:
        frame.insert(0, "scenario", scenario)
    return _write_part(frame, folder, task)


EVENT_COLUMNS = ("step", "month", "kind", "actors", "text", "details")
"""Columns of an event-log part after its leading ones: `step` (months since the start,
negative before it), `month` ('YYYY-MM'), `kind`, `actors` (names), `text` (the sentence) and
`details` (every other field of the event as a JSON object, e.g. a compliance choice's
`action` and `policies`)."""


def write_events_part(events: Sequence[Mapping[str, Any]], folder: Path, task: RunTask,
                      scenario: str | None = None) -> Path:
    """Write one run's event log (`EVENT_COLUMNS`, one row per event) with leading
    `point_id` (or `scenario`) and `replicate` columns, atomically, with a fixed schema so
    that every part merges into one table."""
    import pyarrow as pa

    leading = ("point_id", pa.int64(), task.point_id) if scenario is None else (
        "scenario", pa.string(), scenario)
    schema = pa.schema([(leading[0], leading[1]), ("replicate", pa.int64()),
                        ("step", pa.int64()), ("month", pa.string()), ("kind", pa.string()),
                        ("actors", pa.list_(pa.string())), ("text", pa.string()),
                        ("details", pa.string())])
    rows = [event_row(event) for event in events]
    columns = {leading[0]: [leading[2]] * len(rows), "replicate": [task.replicate] * len(rows)}
    for index, name in enumerate(EVENT_COLUMNS):
        columns[name] = [row[index] for row in rows]
    return _write_part(pa.Table.from_pydict(columns, schema=schema), folder, task)


def event_row(event: Mapping[str, Any]) -> tuple[Any, ...]:
    """One event as the values of `EVENT_COLUMNS` (its other fields as `details` JSON)."""
    known = {"step", "month", "kind", "actors", "text", "replicate"}
    details = {str(k): _plain(v) for k, v in event.items() if k not in known}
    return (int(event.get("step", 0)), str(event.get("month", "")), str(event.get("kind", "")),
            [str(actor) for actor in event.get("actors") or []], str(event.get("text", "")),
            json.dumps(details, sort_keys=True, allow_nan=False))


def _plain(value: Any) -> Any:
    """Plain JSON values: numpy values unwrapped, non-finite floats as null, others as text."""
    if isinstance(value, Mapping):
        return {str(key): _plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [_plain(item) for item in (sorted(value, key=str) if isinstance(
            value, set | frozenset) else value)]
    if type(value).__module__ == "numpy" and hasattr(value, "tolist"):  # scalar or array
        return _plain(value.tolist())
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if value is None or isinstance(value, bool | int | str):
        return value
    return str(value)


def _write_part(data: Any, folder: Path, task: RunTask) -> Path:
    """Write a pandas frame or pyarrow table as the run's part file (temporary, then rename)."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / timeseries_part_name(task.point_id, task.replicate)
    temporary = folder / f".{path.name}.{os.getpid()}.tmp"
    if hasattr(data, "to_parquet"):
        data.to_parquet(temporary, index=False)
    else:
        import pyarrow.parquet as pq

        pq.write_table(data, temporary)
    os.replace(temporary, path)
    return path


def _all_missing_as_float(frame: Any) -> Any:
    """A copy with columns holding only None as float NaN, so every part has the same types."""
    empty = [c for c in frame.columns if frame[c].dtype == object and frame[c].isna().all()]
    return frame.astype(dict.fromkeys(empty, "float64")) if empty else frame.copy()
