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
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.analysis.box_tests import LEVEL_SEPARATOR
from sim.analysis.feature_scoring import feature_scores
from sim.analysis.folders import records
from sim.analysis.sweep_data import (
    PER_POINT,
    SweepData,
    SweepDataError,
    design_bounds,
    design_levels,
    finite_range,
    is_numeric,
    load_sweep,
)
from sim.analysis.targets import Condition, gather, parse_condition, parse_effect
from sim.experiments.compare import is_milestone
from sim.experiments.design import Parameter

BELOW, ABOVE, WHERE = "below", "above", "where"
PRIM, CART, BOTH = "prim", "cart", "both"
MAX_RESAMPLES = 1000
"""The most PRIM re-runs `resamples` asks for (each costs about one discovery)."""
METHODS = (PRIM, CART, BOTH)
DEFAULT_THRESHOLD_SHARE = 0.8
PEEL_ALPHA, PASTE_ALPHA, MASS_MIN = 0.05, 0.05, 0.05
"""PRIM's defaults (as in EMA Workbench): the share peeled or pasted per step, and the
smallest box as a share of all cases."""
TRAJECTORY_COLUMNS = ["box", "coverage", "density", "mass", "restricted_dims", "restricted"]
LIMIT_COLUMNS = ["box", "parameter", "kind", "restricted", "low", "high", "levels", "qp_value"]
BOX_COLUMNS = ["parameter", "kind", "low", "high", "levels", "design_low", "design_high",
               "design_levels", "low_position", "high_position", "qp_value"]


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
    effect: str | None = None
    where: tuple[str, ...] = ()
    peeling_stop: dict[str, Any] = field(default_factory=dict)
    cart: pd.DataFrame | None = None
    resampling: pd.DataFrame | None = None
    drops: pd.DataFrame | None = None

    @property
    def question(self) -> str:
        """What a case of interest is, in words with outcome keys."""
        if self.rule == WHERE:
            asked = " and ".join(self.where)
        else:
            asked = f"{self.outcome} {self.rule} {self.value:g}"
        return f"{asked} (paired effect of {self.effect})" if self.effect else asked

    @property
    def warnings(self) -> list[str]:
        """What the reader must know about the box: PRIM stopped peeling early."""
        stop = self.peeling_stop
        if stop.get("early"):
            return [f"PRIM stopped peeling at mass {stop['mass']:.3f} (density "
                    f"{stop['density']:.2f}) because {stop['reason']}; a smaller "
                    "--peel-alpha peels in finer steps, and --method cart shows a tree's boxes"]
        return []

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
            "effect": self.effect, "where": list(self.where), "question": self.question,
            "peeling_stop": dict(self.peeling_stop), "warnings": self.warnings,
            **{name: records(table) for name, table in self.tables().items()
               if name in ("cart", "resampling", "drops")},
        }

    def tables(self) -> dict[str, pd.DataFrame]:
        """Every table, by the name of its CSV file."""
        tables = {"box": self.box, "trajectory": self.trajectory,
                  "trajectory_limits": self.limits, "feature_scores": self.feature_scores}
        for name in ("cart", "resampling", "drops"):
            table = getattr(self, name)
            if table is not None:
                tables[name] = table
        return tables

    def folder_parts(self) -> tuple[str, ...]:
        """The parts of the default folder name (`sim.analysis.folders.default_folder`)."""
        asked = ("where", *self.where) if self.rule == WHERE else (self.outcome, self.rule,
                                                                    f"{self.value:g}")
        return ("effect", self.effect, *asked) if self.effect else asked


def discover(
    sweep: Path | SweepData,
    outcome: str | None = None,
    below: float | None = None,
    above: float | None = None,
    per: str = PER_POINT,
    threshold_share: float = DEFAULT_THRESHOLD_SHARE,
    box_index: int | None = None,
    peel_alpha: float = PEEL_ALPHA,
    paste_alpha: float = PASTE_ALPHA,
    mass_min: float = MASS_MIN,
    seed: int = 0,
    effect: str | None = None,
    where: Sequence[str] = (),
    include: Sequence[str] = (),
    exclude: Sequence[str] = (),
    method: str = PRIM,
    resamples: int = 0,
) -> Discovery:
    """Scenario discovery on a finished sweep (a folder or a loaded `SweepData`).

    Cases of interest are the design points (`per="point"`, by their mean over replicates) or
    the successful runs (`per="run"`) whose `outcome` is strictly `below` (or `above`; give
    exactly one) the value, in the outcome's units; or, with `where` (conditions such as
    `"state_mean_lag_months__prc<8"`), those where every condition holds. With `effect`
    (`"LEVER=A:B"`), the outcomes are the lever's paired effect per future: under B minus
    under A (`sim.analysis.targets`). `include`/`exclude` keep or drop dimensions (keys, or
    the kinds lever, uncertainty, drawn). `method` is prim, cart or both (CART's leaves as
    boxes, `sim.analysis.cart`); `resamples` > 0 re-runs PRIM on that many half-samples and
    counts how often each restricted dimension reappears (`sim.analysis.box_tests`, which also
    tests dropping each restriction). Raises SweepDataError for bad input: not a finished
    sweep, an unknown outcome, no cases of interest or nothing but cases of interest, an
    out-of-range option.
    """
    data = sweep if isinstance(sweep, SweepData) else load_sweep(Path(sweep))
    include, exclude = _names(include), _names(exclude)
    conditions, outcome_text = _conditions(outcome, below, above, where)
    _check_settings(threshold_share, peel_alpha, paste_alpha, mass_min)
    if method not in METHODS:
        raise SweepDataError(f"--method: expected one of {', '.join(METHODS)}, found {method!r}")
    if not 0 <= int(resamples) <= MAX_RESAMPLES:
        raise SweepDataError(f"--resamples: expected 0 to {MAX_RESAMPLES}, found {resamples}")
    paired = parse_effect(effect, data) if effect else None
    gathered = gather(data, list(dict.fromkeys(c.outcome for c in conditions)), per, paired,
                      include, exclude)
    inputs = gathered.inputs
    of_interest, defined = _of_interest_all(gathered.values, conditions, paired is None)
    values = gathered.values[conditions[0].outcome]
    inputs, values, of_interest = inputs[defined], values[defined], of_interest[defined]
    _check_cases(of_interest, values, outcome_text, per, paired)
    varying = [c for c in inputs.columns if inputs[c].nunique() > 1]
    if not varying:
        raise SweepDataError(f"{data.folder}: no dimension varies over the cases; "
                             "there is no region to find")
    kinds = gathered.kinds
    engine, prim_box, stop = _peel(inputs[varying], of_interest, peel_alpha, paste_alpha,
                                   mass_min)
    limits = _limits(engine, prim_box, kinds)
    trajectory = _trajectory(prim_box, limits)
    chosen, choice = choose_box(trajectory, threshold_share, box_index)
    scores = _scores(kinds, inputs[varying], of_interest,
                     values if len(conditions) == 1 else None, seed)
    box = _box_table(chosen, limits, data, inputs[varying], kinds)
    rule = WHERE if where else (BELOW if conditions[0].rule == "<" else ABOVE)
    extras: dict[str, Any] = {}
    if method in (CART, BOTH):
        from sim.analysis.cart import cart_boxes

        extras["cart"] = cart_boxes(inputs[varying], of_interest, kinds, seed=seed,
                                    mass_min=mass_min, threshold_share=threshold_share)
    if resamples:
        from sim.analysis.box_tests import drop_restrictions, resample_boxes

        extras["resampling"] = resample_boxes(inputs[varying], of_interest, box, resamples,
                                              peel_alpha, paste_alpha, mass_min,
                                              threshold_share, seed, kinds)
        extras["drops"] = drop_restrictions(inputs[varying], of_interest, box)
    result = Discovery(
        outcome=outcome_text if rule == WHERE else conditions[0].outcome, rule=rule,
        value=math.nan if rule == WHERE else conditions[0].value, per=per,
        threshold_share=threshold_share,
        n_cases=int(len(of_interest)), n_of_interest=int(of_interest.sum()),
        n_left_out=int((~defined).sum()), trajectory=trajectory, limits=limits,
        chosen_box=chosen, choice=choice, box=box, feature_scores=scores,
        constant_parameters=tuple(c for c in inputs.columns if c not in varying),
        settings={"peel_alpha": peel_alpha, "paste_alpha": paste_alpha, "mass_min": mass_min,
                  "seed": seed, "box_index": box_index, "method": method,
                  "resamples": resamples, "include": list(include), "exclude": list(exclude)},
        effect=str(paired) if paired else None,
        where=tuple(str(c) for c in conditions) if rule == WHERE else (),
        peeling_stop=stop, **extras,
    )
    for message in result.warnings:
        warnings.warn(message, PeelingStoppedEarly, stacklevel=2)
    return result


class PeelingStoppedEarly(UserWarning):
    """PRIM stopped peeling before its smallest box although no box is pure."""


# Cases of interest ---------------------------------------------------------------------------


def _names(keys: str | Sequence[str]) -> list[str]:
    """One key or several, as a list (a lone string is one key, not its letters)."""
    return [keys] if isinstance(keys, str) else [str(k) for k in keys]


def _conditions(outcome: str | None, below: float | None, above: float | None,
                where: Sequence[str]) -> tuple[list[Condition], str]:
    """The conditions a case of interest meets, and their text."""
    if isinstance(where, str):
        where = [where]
    if where:
        if below is not None or above is not None or outcome:
            raise SweepDataError("give either --where conditions or --outcome with --below/"
                                 "--above, not both")
        conditions = [parse_condition(text) for text in where]
        return conditions, " and ".join(map(str, conditions))
    if not outcome:
        raise SweepDataError("give --outcome KEY with --below V or --above V, or --where "
                             "conditions")
    rule, value = _rule(below, above)
    condition = Condition(outcome, "<" if rule == BELOW else ">", value)
    return [condition], f"{outcome} {rule} {value:g}"


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


def _of_interest_all(values: pd.DataFrame, conditions: Sequence[Condition],
                     milestones: bool) -> tuple[np.ndarray, np.ndarray]:
    """(every condition holds, every outcome is defined) per case; an undefined milestone
    counts as later than any month unless the values are effects."""
    of_interest = np.ones(len(values), dtype=bool)
    defined = np.ones(len(values), dtype=bool)
    for condition in conditions:
        rule = BELOW if condition.rule == "<" else ABOVE
        holds, known = _of_interest(values[condition.outcome], condition.outcome, rule,
                                    condition.value, milestones)
        of_interest &= holds
        defined &= known
    return of_interest & defined, defined


def _of_interest(values: pd.Series, outcome: str, rule: str, value: float,
                 milestones: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """(is a case of interest, has a defined outcome) per case."""
    numbers = values.to_numpy(dtype=float)
    defined = ~np.isnan(numbers)
    if milestones and is_milestone(outcome):  # not reached within the horizon: later than any
        numbers = np.where(defined, numbers, np.inf)
        defined = np.ones_like(defined)
    with np.errstate(invalid="ignore"):
        of_interest = numbers < value if rule == BELOW else numbers > value
    return of_interest & defined, defined


def _check_cases(of_interest: np.ndarray, values: pd.Series, asked: str, per: str,
                 effect: Any) -> None:
    noun = "design point" if per == PER_POINT else "run"
    noun = f"paired {noun}" if effect is not None else noun
    low, high = finite_range(values)
    span = (f"{values.name} runs from {low:g} to {high:g}" if math.isfinite(low)
            else f"{values.name} is undefined everywhere")
    if len(of_interest) == 0:
        raise SweepDataError(f"--outcome: {asked!r} is undefined in every {noun}")
    if not of_interest.any():
        raise SweepDataError(f"no {noun} has {asked} ({span}): no cases of interest")
    if of_interest.all():
        raise SweepDataError(f"every {noun} has {asked} ({span}): there is nothing to tell "
                             "apart")


# PRIM ----------------------------------------------------------------------------------------


def _peel(inputs: pd.DataFrame, of_interest: np.ndarray, peel_alpha: float,
          paste_alpha: float, mass_min: float) -> tuple[Any, Any, dict[str, Any]]:
    """Run PRIM for its first box; return the PRIM object, the box (the `prim` package) and
    why peeling stopped (`peeling_stop`).

    y is given as booleans, never as a threshold: prim 1.0 skips a threshold of 0 (it tests
    `if threshold:`)."""
    import prim

    frame = inputs.reset_index(drop=True)
    engine = prim.Prim(frame, np.asarray(of_interest, dtype=bool), peel_alpha=peel_alpha,
                       paste_alpha=paste_alpha, mass_min=mass_min)
    stop: dict[str, Any] = {}
    paste = engine._paste

    def paste_after_peeling(box: Any) -> Any:  # prim pastes once peeling has stopped
        if not stop:
            stop.update(peeling_stop(engine, box, mass_min))
        return paste(box)

    engine._paste = paste_after_peeling
    return engine, engine.find_box(), stop


def peeling_stop(engine: Any, box: Any, mass_min: float) -> dict[str, Any]:
    """Why PRIM stopped peeling `box` (the box where it stopped): the mass (share of all
    cases) and density there, the reason in words, and whether it stopped early (a peel was
    possible but none raised the density, although the box is not pure and holds more than
    `mass_min`).

    Evaluates the candidate peels as prim 1.0's `Prim._peel` does for its last step: the best
    peel by objective is taken only if it keeps at least `mass_min` of the cases, makes the
    box smaller and raises the objective."""
    from prim import Prim
    from prim.scenario_discovery_util import determine_nr_restricted_dims

    mass = box.yi.shape[0] / engine.n
    density = float(np.mean(engine.y[box.yi]))
    candidates = []
    for name in engine.x.dtype.names:
        kind = engine.x.dtype.fields[name][0].name
        candidates += Prim.PEEL_OPERATIONS[kind](engine, box, name)
    result = {"mass": mass, "density": density}
    if not candidates:
        return {**result, "reason": "no dimension can be peeled further", "early": False}
    width = len(engine.x.dtype.descr)
    scored = [(engine.obj_func(engine.y[box.yi], engine.y[i]),
               width - determine_nr_restricted_dims(limits, engine._box_init), i)
              for i, limits in candidates]
    objective, _, indices = max(scored, key=lambda s: (s[0], s[1]))
    mass_next = engine.y[indices].shape[0] / engine.n
    if mass_next < mass_min and objective > 0:
        return {**result, "reason": f"the best next peel would leave {mass_next:.3f} of the "
                                    f"cases, below --mass-min {mass_min:g}", "early": False}
    return {**result, "reason": "no peel raises the density further",
            "early": density < 1.0 - 1e-12 and mass > mass_min}


def _limits(engine: Any, prim_box: Any, kinds: dict[str, str]) -> pd.DataFrame:
    """Every parameter's limits in every box of the trajectory, in long form.

    Read from the box's limit arrays: prim 1.0's own `limits` tables set strings into float
    columns (a pandas FutureWarning, an error in pandas 3) when a parameter is categorical.
    """
    initial = engine._box_init
    rows = []
    for step, box_limits in enumerate(prim_box._box_lims):
        qp = quasi_p_values(engine, prim_box, step)
        for name in box_limits.dtype.names:
            kind = kinds[name]
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


def _box_table(chosen: int, limits: pd.DataFrame, data: SweepData, inputs: pd.DataFrame,
               kinds: dict[str, str]) -> pd.DataFrame:
    """The chosen box's restricted dimensions with their design ranges and quasi-p values,
    most significant first. A drawn `--uncertainty` value's range is the one drawn."""
    rows = limits[(limits["box"] == chosen) & limits["restricted"]]
    table = []
    for row in rows.itertuples(index=False):
        parameter = next((p for p in data.parameters if p.key == row.parameter), None)
        if parameter is None:  # a drawn value: its span over the cases
            design_low, design_high = (float(inputs[row.parameter].min()),
                                       float(inputs[row.parameter].max()))
            design_level_text = ""
            positions = tuple((v - design_low) / (design_high - design_low)
                              for v in (row.low, row.high))
        elif is_numeric(parameter):
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


def _scores(kinds: dict[str, str], inputs: pd.DataFrame, of_interest: np.ndarray,
            values: pd.Series | None, seed: int) -> pd.DataFrame:
    """Feature scores for the cases of interest and, with one outcome, for its value."""
    by_cases = feature_scores(inputs, of_interest, "classification", seed)
    numbers = np.array([math.nan]) if values is None else values.to_numpy(dtype=float)
    if np.isfinite(numbers).sum() > 1 and np.nanstd(numbers[np.isfinite(numbers)]) > 0:
        by_outcome = feature_scores(inputs, numbers, "regression", seed)
    else:
        by_outcome = pd.DataFrame({"parameter": inputs.columns, "score": math.nan,
                                   "score_sd": math.nan})
    table = by_cases.rename(columns={"score": "score_cases", "score_sd": "score_cases_sd"})
    table = table.merge(by_outcome.rename(columns={"score": "score_outcome",
                                                   "score_sd": "score_outcome_sd"}),
                        on="parameter", how="left")
    table.insert(1, "kind", [kinds[p] for p in table["parameter"]])
    table.insert(0, "rank", np.arange(1, len(table) + 1))
    return table
