"""A finished sweep folder read for analysis: typed design inputs and outcomes.

Reads what `sim.experiments.sweep` wrote: `manifest.json` (must say the sweep is complete),
`design.json` (the exact design: parameter kinds, ranges and options, every point's values),
`points.csv` (per design point: runs ok and failed, the mean of each numeric outcome over its
successful replicates) and `runs.csv` (one row per run). Nothing read is imported or evaluated.

Design inputs keep their meaning: a range or a list of numbers is a numeric column (ordered,
in the scenario key's units); a list of strings, booleans or arrays is a categorical column
whose levels are the options written as TOML literals (`open`, `true`, `[3, 6]`).

Cases are the design points (`per="point"`: the outcome is the mean over replicates, so a
case is one future-and-policy combination) or the successful runs (`per="run"`: replicates
count separately, with their stochastic spread).
"""

from __future__ import annotations

import difflib
import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.experiments.csv_cells import read_back
from sim.experiments.design import FUTURE_ID, LEVER, Design, Parameter, toml_literal

PER_POINT, PER_RUN = "point", "run"
PER_CHOICES = (PER_POINT, PER_RUN)
COUNT_COLUMNS = ("n_ok", "n_failed")


class SweepDataError(ValueError):
    """A sweep folder, or a request on it, that cannot be analysed. The message is one line
    naming the file or option, what was expected and what was found."""


@dataclass(frozen=True)
class SweepData:
    """A complete sweep: its design, typed inputs per point and the per-point outcome means.

    `inputs` has one row per design point (index `point_id`) and one column per design
    parameter, in design order; `points` is `points.csv` indexed by `point_id`; `outcomes`
    lists the numeric outcome columns (the model's summary keys, in its units).
    """

    folder: Path
    design: Design
    inputs: pd.DataFrame
    points: pd.DataFrame
    outcomes: tuple[str, ...]

    @property
    def parameters(self) -> tuple[Parameter, ...]:
        return self.design.parameters

    def parameter(self, key: str) -> Parameter:
        """The design parameter swept at `key`."""
        return next(p for p in self.design.parameters if p.key == key)

    def levers(self) -> list[Parameter]:
        return [p for p in self.design.parameters if p.kind == LEVER]

    def uncertainties(self) -> list[Parameter]:
        return [p for p in self.design.parameters if p.kind != LEVER]


def load_sweep(folder: Path) -> SweepData:
    """Read a complete sweep folder; SweepDataError if it is not one, or is unfinished."""
    from sim.experiments.sweep import (
        COMPLETE,
        DESIGN_JSON,
        POINTS_NAME,
        RUNS_NAME,
        SweepError,
        load_design,
        read_manifest,
    )
    from sim.experiments.sweep_folder import SweepFolderError

    folder = Path(folder)
    if not folder.is_dir():
        raise SweepDataError(f"{folder}: not a folder; expected a finished sweep folder "
                             "(regsim sweep ... --out DIR)")
    try:
        manifest = read_manifest(folder)
    except (SweepError, SweepFolderError) as error:
        raise SweepDataError(str(error)) from None
    if manifest.get("status") != COMPLETE:
        raise SweepDataError(f"{folder}: the sweep is incomplete (status "
                             f"{manifest.get('status')!r}); finish it with regsim sweep "
                             f"--resume {folder}")
    for name in (DESIGN_JSON, POINTS_NAME, RUNS_NAME):
        if not (folder / name).is_file():
            raise SweepDataError(f"{folder / name}: missing; the sweep folder is incomplete")
    try:
        design = load_design(folder)
        points = read_back(pd.read_csv(folder / POINTS_NAME)).set_index("point_id")
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise SweepDataError(f"{folder}: cannot read the design or points.csv: "
                             f"{_one_line(error)}") from None
    inputs = design_inputs(design)
    if len(points) != len(design):
        raise SweepDataError(f"{folder / POINTS_NAME}: expected {len(design)} design points, "
                             f"found {len(points)}")
    return SweepData(folder, design, inputs, points, _outcome_columns(points, design))


def _outcome_columns(points: pd.DataFrame, design: Design) -> tuple[str, ...]:
    """Numeric outcome columns of points.csv: everything but the future id, the design and
    the counts."""
    skip = {*design.keys, *COUNT_COLUMNS, FUTURE_ID}
    return tuple(c for c in points.columns if c not in skip
                 and pd.api.types.is_numeric_dtype(points[c])
                 and not pd.api.types.is_bool_dtype(points[c]))


def design_inputs(design: Design) -> pd.DataFrame:
    """One row per design point, one typed column per parameter (see the module docstring)."""
    columns = {}
    for index, parameter in enumerate(design.parameters):
        values = [point[index] for point in design.points]
        columns[parameter.key] = _typed_column(parameter, values)
    frame = pd.DataFrame(columns, index=pd.RangeIndex(len(design), name="point_id"))
    return frame[design.keys] if design.keys else frame


def _typed_column(parameter: Parameter, values: Sequence[Any]) -> pd.Series:
    if is_numeric(parameter):
        integer = all(isinstance(v, int) and not isinstance(v, bool) for v in values)
        return pd.Series(values, dtype="int64" if integer else "float64")
    return pd.Series([level_label(v) for v in values], dtype="object")


def is_numeric(parameter: Parameter) -> bool:
    """Whether the parameter is ordered numbers (a range, or options that are all numbers)."""
    if parameter.is_range:
        return True
    return all(isinstance(v, int | float) and not isinstance(v, bool) for v in parameter.values)


def level_label(value: Any) -> str:
    """A categorical option as shown in tables and plots: strings as they are, anything else
    as its TOML literal (`true`, `[3, 6]`)."""
    return value if isinstance(value, str) else toml_literal(value)


def design_levels(parameter: Parameter) -> list[str]:
    """The options of a categorical parameter, as labels, in design order."""
    return [level_label(v) for v in parameter.values]


def design_bounds(parameter: Parameter) -> tuple[float, float]:
    """The lowest and highest value a numeric parameter can take in the design."""
    if parameter.is_range:
        return float(parameter.low), float(parameter.high)  # type: ignore[arg-type]
    numbers = [float(v) for v in parameter.values]
    return min(numbers), max(numbers)


def check_outcome(data: SweepData, outcome: str, option: str = "--outcome") -> None:
    """SweepDataError unless `outcome` is a numeric outcome of the sweep."""
    if outcome in data.outcomes:
        return
    if outcome == FUTURE_ID:
        raise SweepDataError(f"{option}: {outcome!r} names the future a case faces; it is not "
                             "an outcome")
    runs_header = pd.read_csv(data.folder / "runs.csv", nrows=0).columns
    if outcome in runs_header and outcome not in data.design.keys:
        raise SweepDataError(f"{option}: {outcome!r} is not a numeric outcome (it holds names, "
                             "not numbers)")
    if not data.outcomes:
        raise SweepDataError(f"{option}: unknown outcome {outcome!r}: the sweep has no numeric "
                             "outcomes (did every run fail? see runs.csv)")
    close = difflib.get_close_matches(outcome, data.outcomes, n=1)
    hint = f"; did you mean {close[0]!r}?" if close else ""
    raise SweepDataError(f"{option}: unknown outcome {outcome!r}{hint} (the sweep has "
                         f"{len(data.outcomes)}: {', '.join(data.outcomes[:6])}"
                         f"{', ...' if len(data.outcomes) > 6 else ''})")


def cases(data: SweepData, outcome: str, per: str = PER_POINT) -> tuple[pd.DataFrame, pd.Series]:
    """The cases to analyse and their outcome: `(inputs, values)` with one row per case.

    `per="point"`: every design point with at least one successful run, its outcome the mean
    over replicates; `per="run"`: every successful run. The index is `point_id` (with
    `replicate` for runs). Values are in the outcome's units, NaN where undefined.
    """
    check_outcome(data, outcome)
    if per == PER_POINT:
        ok = data.points["n_ok"] > 0
        values = data.points.loc[ok, outcome].astype(float)
        return data.inputs.loc[values.index], values
    if per != PER_RUN:
        raise SweepDataError(f"--per: expected one of {', '.join(PER_CHOICES)}, found {per!r}")
    runs = pd.read_csv(data.folder / "runs.csv", usecols=["point_id", "replicate", "status",
                                                          outcome])
    runs = runs[runs["status"] == "ok"]
    inputs = data.inputs.loc[runs["point_id"]].reset_index()
    inputs.insert(1, "replicate", runs["replicate"].to_numpy())
    inputs = inputs.set_index(["point_id", "replicate"])
    values = pd.Series(pd.to_numeric(runs[outcome], errors="coerce").to_numpy(dtype=float),
                       index=inputs.index, name=outcome)
    return inputs, values


def finite_range(values: pd.Series) -> tuple[float, float]:
    """The smallest and largest finite value (NaN, NaN if there is none)."""
    finite = values[np.isfinite(values.to_numpy(dtype=float))]
    if finite.empty:
        return math.nan, math.nan
    return float(finite.min()), float(finite.max())


def _one_line(error: BaseException) -> str:
    return " ".join(str(error).split()) or type(error).__name__
