"""Robustness of each lever combination across the sampled futures: regret and satisficing.

A *lever combination* is one set of values of the design's levers (a policy); a *future* is one
set of values of its uncertainties. The measures need every lever combination to face the same
futures, which `grid` and `lhs` designs with list-valued levers give (`sim.experiments.design`
crosses each combination with one Latin hypercube of futures); `sobol` and `morris` designs, or
levers sampled as ranges under `lhs`, do not, and are refused.

The outcome of a combination in a future is its design point's mean over replicates
(`points.csv`), in the outcome's units. For an outcome with a direction (+1: higher is better,
-1: lower is better, from `sim.experiments.compare.outcome_direction` or given):

- regret of combination c in future f = how much worse c does than the best combination in f:
  `max_c' y(c', f) - y(c, f)` if higher is better, `y(c, f) - min_c' y(c', f)` if lower is;
  0 for the best combination, in the outcome's units;
- per combination: the maximum, 90th percentile (linear interpolation) and mean regret over
  the futures, with the mean outcome. Futures where some combination's outcome is undefined
  are left out of that outcome's regret (`n_futures` counts those used).

A satisficing criterion (`KEY>=V`, `KEY>V`, `KEY<=V`, `KEY<V`) is met in a future when the
combination's outcome satisfies it; the share of futures meeting it is reported per
combination, and the share meeting every criterion at once. An undefined outcome does not meet
a criterion, except for milestones (`state_months_to_*`, ...), where undefined means "not
reached within the horizon": later than any month, so it meets `>`/`>=` and fails `<`/`<=`.
"""

from __future__ import annotations

import json
import math
import operator
import re
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.analysis.folders import records
from sim.analysis.sweep_data import SweepData, SweepDataError, check_outcome, load_sweep
from sim.experiments.compare import (
    HIGHER_IS_BETTER,
    LOWER_IS_BETTER,
    NO_DIRECTION,
    is_milestone,
    outcome_direction,
)

CROSSED_SAMPLERS = ("grid", "lhs")
REGRET_PERCENTILE = 90
DIRECTION_WORDS = {"higher": HIGHER_IS_BETTER, "max": HIGHER_IS_BETTER,
                   "lower": LOWER_IS_BETTER, "min": LOWER_IS_BETTER}
OPERATORS: dict[str, Callable[[Any, Any], Any]] = {
    ">=": operator.ge, "<=": operator.le, ">": operator.gt, "<": operator.lt}
_CRITERION = re.compile(r"^\s*(?P<key>[^<>=\s]+)\s*(?P<op>>=|<=|>|<)\s*(?P<value>\S+)\s*$")
ALL_CRITERIA = "all criteria"

SETTING = "lever_setting"
"""The column naming a lever combination in words (`kill_switch.enabled=true, ...`)."""


def outcome_unit(outcome: str) -> str:
    """The outcome's unit as the console tables show it (empty if regsim does not know it)."""
    from sim.presentation.tables import outcome_descriptions

    return str(outcome_descriptions([outcome])[0].get("unit") or "")


@dataclass(frozen=True)
class Criterion:
    """A satisficing criterion: `outcome` `op` `value` (in the outcome's units)."""

    outcome: str
    op: str
    value: float

    @property
    def text(self) -> str:
        return f"{self.outcome}{self.op}{self.value:g}"

    def met(self, values: np.ndarray) -> np.ndarray:
        """Whether each value meets the criterion (see the module docstring for undefined)."""
        values = np.asarray(values, dtype=float)
        if is_milestone(self.outcome):
            values = np.where(np.isnan(values), np.inf, values)
        with np.errstate(invalid="ignore"):
            return OPERATORS[self.op](values, self.value) & ~np.isnan(values)


def parse_criterion(text: str) -> Criterion:
    """`KEY>=V` (or `>`, `<=`, `<`) as a Criterion; SweepDataError naming the problem."""
    matched = _CRITERION.match(text)
    if not matched:
        raise SweepDataError(f"--satisfice: expected KEY>=V, KEY>V, KEY<=V or KEY<V, found "
                             f"{text!r}")
    try:
        value = float(matched["value"])
    except ValueError:
        raise SweepDataError(f"--satisfice: {matched['key']}: expected a number after "
                             f"{matched['op']}, found {matched['value']!r}") from None
    if not math.isfinite(value):
        raise SweepDataError(f"--satisfice: {matched['key']}: expected a finite number, found "
                             f"{matched['value']!r}")
    return Criterion(matched["key"], matched["op"], value)


def parse_outcome(text: str) -> tuple[str, int | None]:
    """`KEY` or `KEY:higher` / `KEY:lower` (also `:max` / `:min`): the outcome and its
    direction (None when not given)."""
    key, colon, word = text.rpartition(":")
    if colon and word.lower() in DIRECTION_WORDS:
        return key, DIRECTION_WORDS[word.lower()]
    return text, None


@dataclass(frozen=True)
class Robustness:
    """The result of `robustness`; outcome values and regrets are in each outcome's units.

    - `combinations`: one row per lever combination (`combination` id, `lever_setting` in
      words, one column per lever with its value);
    - `futures`: one row per future (`future` id, one column per uncertainty);
    - `outcomes`: `point_id`, `combination`, `future` and each analysed outcome's value;
    - `regret`: long form, one row per combination, future and outcome: value, best value in
      that future, regret;
    - `table`: one row per combination and outcome: the combination's columns, the outcome and
      its unit, direction, futures used, mean outcome, max, 90th percentile and mean regret
      (in the unit);
    - `satisficing`: one row per combination (its columns): the share of futures meeting each
      criterion, and all of them at once.
    """

    levers: tuple[str, ...]
    uncertainties: tuple[str, ...]
    directions: dict[str, int]
    criteria: tuple[Criterion, ...]
    combinations: pd.DataFrame
    futures: pd.DataFrame
    outcomes: pd.DataFrame
    regret: pd.DataFrame
    table: pd.DataFrame
    satisficing: pd.DataFrame
    settings: dict[str, Any] = field(default_factory=dict)

    def summary(self) -> dict[str, Any]:
        """A JSON-able summary: levers, futures, directions, the table and satisficing."""
        return {
            "levers": list(self.levers), "uncertainties": list(self.uncertainties),
            "combinations": len(self.combinations), "futures": len(self.futures),
            "directions": dict(self.directions),
            "criteria": [c.text for c in self.criteria],
            "table": records(self.table), "satisficing": records(self.satisficing),
            "settings": dict(self.settings),
        }


def robustness(
    sweep: Path | SweepData,
    outcomes: Sequence[str] | Mapping[str, int | None] = (),
    criteria: Sequence[Criterion | str] = (),
) -> Robustness:
    """Regret and satisficing of every lever combination of a finished sweep over its futures.

    `outcomes` names the outcomes to judge by regret, each optionally with its direction
    (+1 higher is better, -1 lower is better; a mapping, or `KEY:higher` / `KEY:lower`
    strings); without a direction, `outcome_direction` supplies it, and an outcome that has
    none is refused. With no outcomes, every outcome with a known direction that varies over
    the design. Raises SweepDataError for bad input (see the module docstring).
    """
    data = sweep if isinstance(sweep, SweepData) else load_sweep(Path(sweep))
    combination_of, future_of, combinations, futures = crossing(data)
    parsed = [c if isinstance(c, Criterion) else parse_criterion(c) for c in criteria]
    for criterion in parsed:
        check_outcome(data, criterion.outcome, "--satisfice")
    directions = _directions(data, outcomes, bool(parsed))
    analysed = list(dict.fromkeys([*directions, *(c.outcome for c in parsed)]))
    values = data.points[analysed].astype(float)
    frame = pd.DataFrame({"point_id": data.points.index,
                          "combination": combination_of, "future": future_of})
    frame = pd.concat([frame.reset_index(drop=True), values.reset_index(drop=True)], axis=1)
    regret = regret_frame(frame, directions)
    return Robustness(
        levers=tuple(p.key for p in data.levers()),
        uncertainties=tuple(p.key for p in data.uncertainties()),
        directions=directions, criteria=tuple(parsed), combinations=combinations,
        futures=futures, outcomes=frame, regret=regret,
        table=regret_table(regret, frame, directions, combinations),
        satisficing=satisficing_table(frame, parsed, combinations),
        settings={"outcomes": dict(directions), "criteria": [c.text for c in parsed],
                  "regret_percentile": REGRET_PERCENTILE},
    )


# Outcomes and their directions ---------------------------------------------------------------


def _directions(data: SweepData, outcomes: Sequence[str] | Mapping[str, int | None],
                have_criteria: bool) -> dict[str, int]:
    requested: dict[str, int | None]
    if isinstance(outcomes, Mapping):
        requested = dict(outcomes)
    else:
        requested = dict(parse_outcome(text) for text in outcomes)
    if not requested:
        varying = [o for o in data.outcomes if outcome_direction(o) != NO_DIRECTION
                   and data.points[o].nunique(dropna=True) > 1]
        if not varying and not have_criteria:
            raise SweepDataError(f"{data.folder}: no outcome with a known direction varies over "
                                 "the design; name one with --outcome KEY:higher or "
                                 "KEY:lower")
        return {o: outcome_direction(o) for o in varying}
    directions = {}
    for outcome, given in requested.items():
        check_outcome(data, outcome)
        direction = given if given is not None else outcome_direction(outcome)
        if direction not in (HIGHER_IS_BETTER, LOWER_IS_BETTER):
            raise SweepDataError(f"--outcome: {outcome} has no direction (it trades one good "
                                 f"against another); say which way is better with --outcome "
                                 f"{outcome}:higher or {outcome}:lower")
        directions[outcome] = direction
    return directions


# The crossing of lever combinations with futures ---------------------------------------------


def crossing(data: SweepData) -> tuple[np.ndarray, np.ndarray, pd.DataFrame, pd.DataFrame]:
    """(combination id per point, future id per point, combinations table, futures table).

    SweepDataError unless every lever combination faces the same futures: the same multiset
    of uncertainty values (a future repeated in the design is matched by its order)."""
    design, folder = data.design, data.folder
    levers, uncertainties = data.levers(), data.uncertainties()
    if design.sampler not in CROSSED_SAMPLERS:
        raise SweepDataError(f"{folder}: a {design.sampler} design varies levers and "
                             "uncertainties jointly, so lever combinations do not face the "
                             "same futures; sweep with --sampler lhs (levers as lists of "
                             "options) or grid")
    if not levers:
        raise SweepDataError(f"{folder}: the design has no levers to compare; sweep with "
                             "--lever KEY=V1,V2,...")
    lever_columns = [design.keys.index(p.key) for p in levers]
    uncertainty_columns = [design.keys.index(p.key) for p in uncertainties]
    combination_keys, future_keys = [], []
    for point in design.points:
        combination_keys.append(_canonical([point[i] for i in lever_columns]))
        future_keys.append(_canonical([point[i] for i in uncertainty_columns]))
    combination_ids = {key: i for i, key in enumerate(dict.fromkeys(combination_keys))}
    if len(combination_ids) < 2:
        raise SweepDataError(f"{folder}: every design point has the same lever values; there "
                             "is nothing to compare")
    future_of = _match_futures(combination_keys, future_keys, levers, folder)
    combination_of = np.array([combination_ids[k] for k in combination_keys])
    first_point = {cid: combination_keys.index(k) for k, cid in combination_ids.items()}
    combinations = _combinations_table(data, levers, first_point)
    futures = _futures_table(data, uncertainties, future_of)
    return combination_of, future_of, combinations, futures


def _canonical(values: Sequence[Any]) -> str:
    return json.dumps(list(values), sort_keys=True, default=str)


def _match_futures(combination_keys: list[str], future_keys: list[str], levers: Sequence[Any],
                   folder: Path) -> np.ndarray:
    """Future id per point: the same future gets the same id in every combination."""
    groups: dict[str, list[int]] = {}
    for point_id, key in enumerate(combination_keys):
        groups.setdefault(key, []).append(point_id)
    reference = list(groups.values())[0]
    expected = Counter(future_keys[p] for p in reference)
    ids: dict[tuple[str, int], int] = {}
    occurrences: Counter[str] = Counter()
    for point_id in reference:
        key = future_keys[point_id]
        ids[(key, occurrences[key])] = len(ids)
        occurrences[key] += 1
    future_of = np.empty(len(future_keys), dtype=int)
    for members in groups.values():
        if Counter(future_keys[p] for p in members) != expected:
            ranged = [p.key for p in levers if p.is_range]
            why = (f"lever {ranged[0]} is a range sampled with the futures; give it as a list "
                   "of options (--lever KEY=V1,V2,...)" if ranged else
                   "the design points do not cross them")
            raise SweepDataError(f"{folder}: lever combinations do not all face the same "
                                 f"futures: {why}")
        seen: Counter[str] = Counter()
        for point_id in members:
            key = future_keys[point_id]
            future_of[point_id] = ids[(key, seen[key])]
            seen[key] += 1
    return future_of


def _combinations_table(data: SweepData, levers: Sequence[Any],
                        first_point: Mapping[int, int]) -> pd.DataFrame:
    short = _short_names([p.key for p in levers])
    rows = []
    for cid, point_id in sorted(first_point.items()):
        values = data.inputs.loc[point_id, [p.key for p in levers]]
        label = ", ".join(f"{short[key]}={_format(value)}" for key, value in values.items())
        rows.append({"combination": cid, SETTING: label, **values.to_dict()})
    return pd.DataFrame(rows)


def _futures_table(data: SweepData, uncertainties: Sequence[Any],
                   future_of: np.ndarray) -> pd.DataFrame:
    keys = [p.key for p in uncertainties]
    first = pd.Series(np.arange(len(future_of))).groupby(future_of).first()
    table = data.inputs.loc[first.to_numpy(), keys].reset_index(drop=True)
    table.insert(0, "future", first.index.to_numpy())
    return table


def _short_names(keys: Sequence[str]) -> dict[str, str]:
    """Each key's last part (`strength`), or the whole key where two last parts clash."""
    last = [key.rsplit(".", 1)[-1] for key in keys]
    return {key: (part if last.count(part) == 1 else key) for key, part in zip(keys, last,
                                                                             strict=True)}


def _format(value: Any) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


# Regret and satisficing ----------------------------------------------------------------------


def regret_frame(frame: pd.DataFrame, directions: Mapping[str, int]) -> pd.DataFrame:
    """Long form regret: combination, future, outcome, value, best (in that future), regret.

    Futures where some combination's outcome is undefined are left out for that outcome."""
    parts = []
    for outcome, direction in directions.items():
        wide = frame.pivot(index="future", columns="combination", values=outcome)
        wide = wide.dropna(axis=0, how="any")
        best = wide.max(axis=1) if direction == HIGHER_IS_BETTER else wide.min(axis=1)
        regret = (best.to_numpy()[:, None] - wide) * direction + 0.0  # no -0.0
        long = pd.DataFrame({
            "combination": np.tile(wide.columns.to_numpy(), len(wide)),
            "future": np.repeat(wide.index.to_numpy(), wide.shape[1]),
            "outcome": outcome,
            "value": wide.to_numpy().ravel(),
            "best": np.repeat(best.to_numpy(), wide.shape[1]),
            "regret": regret.to_numpy().ravel(),
        })
        parts.append(long)
    columns = ["combination", "future", "outcome", "value", "best", "regret"]
    if not parts:
        return pd.DataFrame(columns=columns)
    regret = pd.concat(parts, ignore_index=True)
    return regret.sort_values(["outcome", "combination", "future"], kind="stable",
                              key=_outcome_order(directions)).reset_index(drop=True)[columns]


def _outcome_order(directions: Mapping[str, int]) -> Callable[[pd.Series], pd.Series]:
    order = {outcome: i for i, outcome in enumerate(directions)}
    return lambda column: column.map(order) if column.name == "outcome" else column


def regret_table(regret: pd.DataFrame, frame: pd.DataFrame, directions: Mapping[str, int],
                 combinations: pd.DataFrame) -> pd.DataFrame:
    """Per combination and outcome: direction, futures used, mean outcome over them, and the
    max, 90th percentile and mean regret."""
    rows = []
    for outcome, direction in directions.items():
        for cid in combinations["combination"]:
            cell = regret[(regret["outcome"] == outcome) & (regret["combination"] == cid)]
            regrets = cell["regret"].to_numpy(dtype=float)
            rows.append({
                "combination": cid, "outcome": outcome,
                "direction": "higher" if direction == HIGHER_IS_BETTER else "lower",
                "n_futures": len(cell),
                "mean": float(cell["value"].mean()) if len(cell) else math.nan,
                "max_regret": float(regrets.max()) if len(regrets) else math.nan,
                f"p{REGRET_PERCENTILE}_regret": (float(np.percentile(regrets,
                                                                     REGRET_PERCENTILE))
                                                 if len(regrets) else math.nan),
                "mean_regret": float(regrets.mean()) if len(regrets) else math.nan,
            })
    table = pd.DataFrame(rows)
    if table.empty:
        return table
    table.insert(table.columns.get_loc("outcome") + 1, "unit",
                 [outcome_unit(o) for o in table["outcome"]])
    return combinations.merge(table, on="combination")


def satisficing_table(frame: pd.DataFrame, criteria: Sequence[Criterion],
                      combinations: pd.DataFrame) -> pd.DataFrame:
    """Per combination: the number of futures, the share meeting each criterion, and the
    share meeting all of them at once (blank without criteria)."""
    table = combinations.copy()
    table["n_futures"] = frame.groupby("combination").size().reindex(
        table["combination"]).to_numpy()
    if not criteria:
        return table
    met_all = np.ones(len(frame), dtype=bool)
    for criterion in criteria:
        met = criterion.met(frame[criterion.outcome].to_numpy())
        met_all &= met
        table[criterion.text] = _share_by_combination(frame, met, table)
    table[ALL_CRITERIA] = _share_by_combination(frame, met_all, table)
    return table


def _share_by_combination(frame: pd.DataFrame, met: np.ndarray,
                          table: pd.DataFrame) -> np.ndarray:
    shares = pd.Series(met, index=frame.index).groupby(frame["combination"]).mean()
    return shares.reindex(table["combination"]).to_numpy(dtype=float)
