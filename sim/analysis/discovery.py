"""Scenario discovery: in which region of the design does an outcome fall below (or rise
above) a value? PRIM (the Patient Rule Induction Method, Friedman and Fisher 1999, as used for
scenario discovery by Bryant and Lempert 2010) answers with a box: a range for some design
parameters (and a set of levels for categorical ones) inside which most cases are of interest.

Measures of a box, each a share from 0 to 1:
- coverage: the share of all cases of interest that lie in the box;
- density: the share of the cases in the box that are of interest;
- mass: the share of all cases that lie in the box.

PRIM peels: starting from the whole design, it repeatedly trims the `peel_alpha` share of
cases off one side of one parameter, the trim that raises density most, until the box holds
less than `mass_min` of the cases; then it pastes back what raises density. Each step is a
box on the *peeling trajectory*, from high coverage and low density to the reverse. The box
reported is, by default, the one with the highest coverage among those whose density is at
least `threshold_share`; `box_index` picks another step of the trajectory instead.

Each restricted dimension gets a quasi-p value (Bryant and Lempert 2010): the one-sided
binomial probability of the box's density if that restriction were dropped; small values mean
the restriction matters. Feature scores (`sim.analysis.feature_scoring`) rank every design
parameter, for telling cases of interest apart and for the outcome's value.

A case of interest has the outcome strictly below (or above) the value. Undefined outcomes are
left out and counted, except for milestones (`state_months_to_*`, `first_open_above_*`), where
undefined means "not reached within the horizon": later than any month, so above any value.

PRIM is the `prim` package (imported inside the functions: the `analysis` extra).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.analysis.feature_scoring import feature_scores
from sim.analysis.folders import records
from sim.analysis.sweep_data import (
    PER_POINT,
    SweepData,
    SweepDataError,
    cases,
    design_bounds,
    design_levels,
    finite_range,
    is_numeric,
    load_sweep,
)
from sim.experiments.compare import is_milestone
from sim.experiments.design import Parameter

BELOW, ABOVE = "below", "above"
DEFAULT_THRESHOLD_SHARE = 0.8
PEEL_ALPHA, PASTE_ALPHA, MASS_MIN = 0.05, 0.05, 0.05
"""PRIM's defaults (as in EMA Workbench): the share peeled or pasted per step, and the
smallest box as a share of all cases."""
TRAJECTORY_COLUMNS = ["box", "coverage", "density", "mass", "restricted_dims", "restricted"]
LIMIT_COLUMNS = ["box", "parameter", "kind", "restricted", "low", "high", "levels", "qp_value"]
BOX_COLUMNS = ["parameter", "kind", "low", "high", "levels", "design_low", "design_high",
               "design_levels", "low_position", "high_position", "qp_value"]
LEVEL_SEPARATOR = "; "
"""Joins the levels of a categorical parameter in CSV cells and printed tables."""


@dataclass(frozen=True)
class Discovery:
    """The result of `discover`. Shares are 0..1; outcome values are in the outcome's units.

    - `trajectory`: one row per box on the peeling trajectory (`box` is its index), with
      coverage, density, mass, the number of restricted dimensions and their keys;
    - `limits`: the limits of every parameter in every box (long form): `low`/`high` for a
      numeric parameter, `levels` for a categorical one, `restricted` whether the box
      narrows it compared with the whole design, and the quasi-p value of each restriction;
    - `box`: the chosen box's restricted dimensions, most significant first (by quasi-p),
      with the parameter's range or levels over the design and where the box's limits lie
      in that range (`low_position`, `high_position`: 0 at its low end, 1 at its high end,
      on the parameter's scale);
    - `feature_scores`: every varying design parameter, best first: `score_cases` (for
      telling cases of interest apart) and `score_outcome` (for the outcome's value), each
      with its spread over the trees.
    """

    outcome: str
    rule: str
    value: float
    per: str
    threshold_share: float
    n_cases: int
    n_of_interest: int
    n_left_out: int
    trajectory: pd.DataFrame
    limits: pd.DataFrame
    chosen_box: int
    choice: str
    box: pd.DataFrame
    feature_scores: pd.DataFrame
    constant_parameters: tuple[str, ...] = ()
    settings: dict[str, Any] = field(default_factory=dict)

    @property
    def chosen(self) -> pd.Series:
        """The chosen box's row of the trajectory."""
        return self.trajectory.loc[self.chosen_box]

    @property
    def meets_threshold(self) -> bool:
        return bool(self.chosen["density"] >= self.threshold_share)

    def summary(self) -> dict[str, Any]:
        """A JSON-able summary: the question, the counts, the chosen box with its limits,
        the trajectory and the feature scores."""
        chosen = self.chosen
        return {
            "outcome": self.outcome, "rule": self.rule, "value": self.value, "per": self.per,
            "threshold_share": self.threshold_share, "cases": self.n_cases,
            "cases_of_interest": self.n_of_interest, "cases_left_out": self.n_left_out,
            "chosen_box": self.chosen_box, "choice": self.choice,
            "meets_threshold": self.meets_threshold,
            "coverage": float(chosen["coverage"]), "density": float(chosen["density"]),
            "mass": float(chosen["mass"]),
            "restricted": records(self.box),
            "trajectory": records(self.trajectory),
            "feature_scores": records(self.feature_scores),
            "constant_parameters": list(self.constant_parameters),
            "settings": dict(self.settings),
        }


def discover(
    sweep: Path | SweepData,
    outcome: str,
    below: float | None = None,
    above: float | None = None,
    per: str = PER_POINT,
    threshold_share: float = DEFAULT_THRESHOLD_SHARE,
    box_index: int | None = None,
    peel_alpha: float = PEEL_ALPHA,
    paste_alpha: float = PASTE_ALPHA,
    mass_min: float = MASS_MIN,
    seed: int = 0,
) -> Discovery:
    """PRIM scenario discovery on a finished sweep (a folder or a loaded `SweepData`).

    Cases of interest are the design points (`per="point"`, by their mean over replicates) or
    the successful runs (`per="run"`) whose `outcome` is strictly `below` (or `above`; give
    exactly one) the value, in the outcome's units. Raises SweepDataError for bad input: not a
    finished sweep, an unknown outcome, no cases of interest or nothing but cases of interest,
    an out-of-range option.
    """
    data = sweep if isinstance(sweep, SweepData) else load_sweep(Path(sweep))
    rule, value = _rule(below, above)
    _check_settings(threshold_share, peel_alpha, paste_alpha, mass_min)
    inputs, values = cases(data, outcome, per)
    of_interest, defined = _of_interest(values, outcome, rule, value)
    inputs, values, of_interest = inputs[defined], values[defined], of_interest[defined]
    _check_cases(of_interest, values, outcome, rule, value, per)
    varying = [c for c in inputs.columns if inputs[c].nunique() > 1]
    if not varying:
        raise SweepDataError(f"{data.folder}: no design parameter varies over the cases; "
                             "there is no region to find")
    engine, prim_box = _peel(inputs[varying], of_interest, peel_alpha, paste_alpha, mass_min)
    limits = _limits(engine, prim_box, data)
    trajectory = _trajectory(prim_box, limits)
    chosen, choice = choose_box(trajectory, threshold_share, box_index)
    scores = _scores(data, inputs[varying], of_interest, values, seed)
    return Discovery(
        outcome=outcome, rule=rule, value=value, per=per, threshold_share=threshold_share,
        n_cases=int(len(of_interest)), n_of_interest=int(of_interest.sum()),
        n_left_out=int((~defined).sum()), trajectory=trajectory, limits=limits,
        chosen_box=chosen, choice=choice,
        box=_box_table(chosen, limits, data), feature_scores=scores,
        constant_parameters=tuple(c for c in inputs.columns if c not in varying),
        settings={"peel_alpha": peel_alpha, "paste_alpha": paste_alpha, "mass_min": mass_min,
                  "seed": seed, "box_index": box_index},
    )


# Cases of interest ---------------------------------------------------------------------------


def _rule(below: float | None, above: float | None) -> tuple[str, float]:
    if (below is None) == (above is None):
        raise SweepDataError("give exactly one of --below V or --above V")
    rule, value = (BELOW, below) if below is not None else (ABOVE, above)
    if not math.isfinite(float(value)):  # type: ignore[arg-type]
        raise SweepDataError(f"--{rule}: expected a finite number, found {value}")
    return rule, float(value)  # type: ignore[arg-type]


def _check_settings(threshold_share: float, peel_alpha: float, paste_alpha: float,
                    mass_min: float) -> None:
    for option, share in (("--threshold-share", threshold_share), ("--peel-alpha", peel_alpha),
                          ("--paste-alpha", paste_alpha), ("--mass-min", mass_min)):
        if not 0.0 < float(share) <= 1.0:
            raise SweepDataError(f"{option}: expected a share above 0 and at most 1, found "
                                 f"{share}")
    if peel_alpha >= 0.5:
        raise SweepDataError(f"--peel-alpha: expected a share below 0.5, found {peel_alpha}")


def _of_interest(values: pd.Series, outcome: str, rule: str,
                 value: float) -> tuple[np.ndarray, np.ndarray]:
    """(is a case of interest, has a defined outcome) per case."""
    numbers = values.to_numpy(dtype=float)
    defined = ~np.isnan(numbers)
    if is_milestone(outcome):  # not reached within the horizon: later than any month
        numbers = np.where(defined, numbers, np.inf)
        defined = np.ones_like(defined)
    with np.errstate(invalid="ignore"):
        of_interest = numbers < value if rule == BELOW else numbers > value
    return of_interest & defined, defined


def _check_cases(of_interest: np.ndarray, values: pd.Series, outcome: str, rule: str,
                 value: float, per: str) -> None:
    noun = "design point" if per == PER_POINT else "run"
    low, high = finite_range(values)
    span = (f"its values run from {low:g} to {high:g}" if math.isfinite(low)
            else "it is undefined everywhere")
    if len(of_interest) == 0:
        raise SweepDataError(f"--outcome: {outcome!r} is undefined in every {noun}")
    if not of_interest.any():
        raise SweepDataError(f"no {noun} has {outcome} {rule} {value:g} ({span}): no cases of "
                             "interest")
    if of_interest.all():
        raise SweepDataError(f"every {noun} has {outcome} {rule} {value:g} ({span}): there is "
                             "nothing to tell apart")


# PRIM ----------------------------------------------------------------------------------------


def _peel(inputs: pd.DataFrame, of_interest: np.ndarray, peel_alpha: float,
          paste_alpha: float, mass_min: float) -> tuple[Any, Any]:
    """Run PRIM for its first box; return the PRIM object and the box (the `prim` package).

    y is given as booleans, never as a threshold: prim 1.0 skips a threshold of 0 (it tests
    `if threshold:`)."""
    import prim

    frame = inputs.reset_index(drop=True)
    engine = prim.Prim(frame, np.asarray(of_interest, dtype=bool), peel_alpha=peel_alpha,
                       paste_alpha=paste_alpha, mass_min=mass_min)
    return engine, engine.find_box()


def _limits(engine: Any, prim_box: Any, data: SweepData) -> pd.DataFrame:
    """Every parameter's limits in every box of the trajectory, in long form.

    Read from the box's limit arrays: prim 1.0's own `limits` tables set strings into float
    columns (a pandas FutureWarning, an error in pandas 3) when a parameter is categorical.
    """
    initial = engine._box_init
    rows = []
    for step, box_limits in enumerate(prim_box._box_lims):
        qp = quasi_p_values(engine, prim_box, step)
        for name in box_limits.dtype.names:
            kind = data.parameter(name).kind
            if box_limits.dtype.fields[name][0].kind == "O":
                levels = sorted(box_limits[name][0], key=str)
                restricted = set(levels) != set(initial[name][0])
                rows.append([step, name, kind, restricted, math.nan, math.nan,
                             LEVEL_SEPARATOR.join(map(str, levels)), qp.get(name, math.nan)])
            else:
                low, high = float(box_limits[name][0]), float(box_limits[name][1])
                restricted = low > float(initial[name][0]) or high < float(initial[name][1])
                rows.append([step, name, kind, restricted, low, high, "",
                             qp.get(name, math.nan)])
    return pd.DataFrame(rows, columns=LIMIT_COLUMNS)


def _trajectory(prim_box: Any, limits: pd.DataFrame) -> pd.DataFrame:
    stats = prim_box.peeling_trajectory.reset_index(drop=True)
    restricted = limits[limits["restricted"]].groupby("box")["parameter"].agg(
        LEVEL_SEPARATOR.join)
    trajectory = pd.DataFrame({
        "box": np.arange(len(stats)),
        "coverage": stats["coverage"].astype(float),
        "density": stats["density"].astype(float),
        "mass": stats["mass"].astype(float),
        "restricted_dims": stats["res dim"].astype(int),
    })
    trajectory["restricted"] = trajectory["box"].map(restricted).fillna("")
    return trajectory[TRAJECTORY_COLUMNS]


def choose_box(trajectory: pd.DataFrame, threshold_share: float,
               box_index: int | None = None) -> tuple[int, str]:
    """The box to report and, in words, how it was chosen.

    By default, the highest-coverage box whose density is at least `threshold_share` (ties:
    the denser, then the one with fewer restricted dimensions); if none is that dense, the
    densest box, said so. `box_index` picks a step of the trajectory instead.
    """
    last = len(trajectory) - 1
    if box_index is not None:
        if not 0 <= box_index <= last:
            raise SweepDataError(f"--box: expected a box index from 0 to {last} (the peeling "
                                 f"trajectory has {last + 1} boxes), found {box_index}")
        return int(box_index), f"box {box_index} of the peeling trajectory, picked by --box"
    dense = trajectory[trajectory["density"] >= threshold_share - 1e-12]
    if dense.empty:
        ranked = trajectory.sort_values(["density", "coverage"], ascending=False, kind="stable")
        chosen = int(ranked["box"].iloc[0])
        return chosen, (f"no box reaches density {threshold_share:g}; the densest box "
                        f"(density {trajectory.loc[chosen, 'density']:.2f}) is shown")
    ranked = dense.assign(fewer=-dense["restricted_dims"]).sort_values(
        ["coverage", "density", "fewer"], ascending=False, kind="stable")
    return int(ranked["box"].iloc[0]), (f"the highest-coverage box with density >= "
                                        f"{threshold_share:g}")


def _box_table(chosen: int, limits: pd.DataFrame, data: SweepData) -> pd.DataFrame:
    """The chosen box's restricted dimensions with their design ranges and quasi-p values,
    most significant first."""
    rows = limits[(limits["box"] == chosen) & limits["restricted"]]
    table = []
    for row in rows.itertuples(index=False):
        parameter = data.parameter(row.parameter)
        if is_numeric(parameter):
            design_low, design_high = design_bounds(parameter)
            design_level_text = ""
            positions = (span_position(parameter, row.low), span_position(parameter, row.high))
        else:
            design_low = design_high = math.nan
            design_level_text = LEVEL_SEPARATOR.join(design_levels(parameter))
            positions = (math.nan, math.nan)
        table.append([row.parameter, row.kind, row.low, row.high, row.levels, design_low,
                      design_high, design_level_text, *positions,
                      row.qp_value])
    box = pd.DataFrame(table, columns=BOX_COLUMNS)
    return box.sort_values("qp_value", kind="stable").reset_index(drop=True)


def span_position(parameter: Parameter, value: float) -> float:
    """Where a value lies in a numeric parameter's design span: 0 at the low end, 1 at the high
    end (on a log scale for a log range; by value for a list of numbers)."""
    if parameter.is_range:
        return float(parameter.position(value))
    low, high = design_bounds(parameter)
    return (float(value) - low) / (high - low) if high > low else 0.5


def quasi_p_values(engine: Any, prim_box: Any, step: int) -> dict[str, float]:
    """Quasi-p value of each restricted dimension of box `step` (Bryant and Lempert 2010):
    the binomial probability of at least the box's cases of interest, among its cases, at the
    density the box would have without that restriction.

    prim 1.0's `_calculate_quasi_p` computes the same test but truncates its counts from
    float shares (`int(mass * n)`, so 15 of 22 cases becomes 14); here they are counted.
    """
    from prim.scenario_discovery_util import in_box
    from scipy.stats import binom

    x, y, remaining = engine.x, engine.y, engine.yi_remaining
    box_limits, initial = prim_box._box_lims[step], prim_box._box_lims[0]
    inside = remaining[in_box(x[remaining], box_limits)]
    cases_in_box, of_interest_in_box = len(inside), int(np.sum(y[inside]))
    values = {}
    for name in box_limits.dtype.names:
        same_as_initial = all(_same(box_limits[name][i], initial[name][i]) for i in (0, 1))
        if same_as_initial:
            continue
        widened = box_limits.copy()
        widened[name] = initial[name]
        inside_widened = remaining[in_box(x[remaining], widened)]
        density_widened = float(np.mean(y[inside_widened]))
        values[name] = float(binom.sf(of_interest_in_box - 1, cases_in_box, density_widened))
    return values


def _same(a: Any, b: Any) -> bool:
    return set(a) == set(b) if isinstance(a, set) else bool(a == b)


# Feature scores ------------------------------------------------------------------------------


def _scores(data: SweepData, inputs: pd.DataFrame, of_interest: np.ndarray, values: pd.Series,
            seed: int) -> pd.DataFrame:
    by_cases = feature_scores(inputs, of_interest, "classification", seed)
    numbers = values.to_numpy(dtype=float)
    if np.isfinite(numbers).sum() > 1 and np.nanstd(numbers[np.isfinite(numbers)]) > 0:
        by_outcome = feature_scores(inputs, numbers, "regression", seed)
    else:
        by_outcome = pd.DataFrame({"parameter": inputs.columns, "score": math.nan,
                                   "score_sd": math.nan})
    table = by_cases.rename(columns={"score": "score_cases", "score_sd": "score_cases_sd"})
    table = table.merge(by_outcome.rename(columns={"score": "score_outcome",
                                                   "score_sd": "score_outcome_sd"}),
                        on="parameter", how="left")
    table.insert(1, "kind", [data.parameter(p).kind for p in table["parameter"]])
    table.insert(0, "rank", np.arange(1, len(table) + 1))
    return table
