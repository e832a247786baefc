"""What discovery looks for, derived from a sweep's stored outcomes.

Besides a stored outcome below or above a value (`sim.analysis.discovery`), an analyst asks:

- a lever's *paired effect* per future (`effect="LEVER=A:B"`): the outcome under option B
  minus the outcome under option A on the same future (the same uncertainty values and, for
  runs, the same replicate: seed and drawn `--uncertainty` values), every other lever held
  equal. A case is then a future (and setting of the other levers); the lever itself is no
  longer a dimension.
- a *condition on several outcomes* (`where=["a<8", "b>5000"]`): a case is of interest when
  every condition holds (strictly), each in its outcome's units. With an effect, each
  condition is on that outcome's effect.

Futures come from the design (`sim.experiments.design.future_ids`), so sweep folders written
before points.csv and runs.csv carried a `future_id` column pair the same way.

Dimensions: the design parameters, and (per run) the drawn `--uncertainty` values
(`drawn__<key>` columns of runs.csv) that vary; `include` keeps only the named dimensions,
`exclude` drops the named ones (e.g. the levers, to look only at uncertainties).
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from sim.analysis.sweep_data import (
    PER_CHOICES,
    PER_POINT,
    SweepData,
    SweepDataError,
    check_outcome,
    is_numeric,
    level_label,
)
from sim.experiments.design import LEVER, future_ids, run_future_id
from sim.experiments.uncertainty import DRAW_PREFIX

_CONDITION = re.compile(r"^\s*(?P<outcome>[A-Za-z0-9_.]+)\s*(?P<rule><|>)\s*(?P<value>\S+)\s*$")
EFFECT_SEPARATOR = ":"
"""Separates the two options of `--effect LEVER=A:B`."""
DRAWN_KIND = "drawn"
"""The kind shown for a drawn `--uncertainty` value used as a dimension."""


@dataclass(frozen=True)
class Condition:
    """`outcome` strictly below (`rule="<"`) or above (`">"`) `value`, in its units."""

    outcome: str
    rule: str
    value: float

    def holds(self, values: np.ndarray) -> np.ndarray:
        with np.errstate(invalid="ignore"):
            return values < self.value if self.rule == "<" else values > self.value

    def __str__(self) -> str:
        return f"{self.outcome}{self.rule}{self.value:g}"


@dataclass(frozen=True)
class Effect:
    """The paired effect of setting `lever` to `high` instead of `low` (option labels as in
    the design's tables: numbers, or TOML literals such as `true`)."""

    lever: str
    low: str
    high: str

    def __str__(self) -> str:
        return f"{self.lever}={self.low}{EFFECT_SEPARATOR}{self.high}"


@dataclass(frozen=True)
class Cases:
    """The cases to analyse: `inputs` (one row per case, one column per dimension),
    `values` (one column per outcome asked for: the stored value, or the paired effect),
    `kinds` (dimension -> lever, uncertainty or drawn) and `futures` (one id per case)."""

    inputs: pd.DataFrame
    values: pd.DataFrame
    kinds: dict[str, str]
    futures: np.ndarray


def parse_condition(text: str) -> Condition:
    """`"outcome<value"` or `"outcome>value"`; SweepDataError otherwise."""
    match = _CONDITION.match(str(text))
    value = _number(match.group("value")) if match else math.nan
    if match is None or not math.isfinite(value):
        raise SweepDataError(f"--where: expected OUTCOME<V or OUTCOME>V with a finite number "
                             f"V (e.g. state_mean_lag_months__prc<8), found {str(text)[:80]!r}")
    return Condition(match.group("outcome"), match.group("rule"), value)


def parse_effect(text: str, data: SweepData) -> Effect:
    """`"LEVER=A:B"` for a lever of the sweep and two of its options; SweepDataError
    otherwise."""
    key, _, options = str(text).partition("=")
    low, separator, high = options.rpartition(EFFECT_SEPARATOR)
    if not key or not separator or not low or not high:
        raise SweepDataError(f"--effect: expected LEVER=A:B (the outcome under B minus under A "
                             f"on the same future), found {str(text)[:80]!r}")
    levers = {p.key: p for p in data.levers()}
    if key not in levers:
        raise SweepDataError(f"--effect: {key!r} is not a lever of the sweep (levers: "
                             f"{', '.join(levers) or 'none'})")
    parameter = levers[key]
    labels = _option_labels(parameter, data.inputs[key])
    chosen = []
    for option in (low, high):
        label = _match_option(option, labels)
        if label is None:
            raise SweepDataError(f"--effect: {option!r} is not an option of {key} in the sweep "
                                 f"(options: {', '.join(labels)})")
        chosen.append(label)
    if chosen[0] == chosen[1]:
        raise SweepDataError(f"--effect: A and B are the same option ({chosen[0]}) of {key}")
    return Effect(key, chosen[0], chosen[1])


def _option_labels(parameter, column: pd.Series) -> list[str]:
    if is_numeric(parameter):
        return [f"{float(v):g}" for v in dict.fromkeys(column.tolist())]
    return [level_label(v) for v in parameter.values]


def _match_option(option: str, labels: list[str]) -> str | None:
    if option in labels:
        return option
    number = _number(option)
    for label in labels:
        if math.isfinite(number) and _number(label) == number:
            return label
    return None


def _number(text: str) -> float:
    try:
        return float(text)
    except ValueError:
        return math.nan


def gather(data: SweepData, outcomes: Sequence[str], per: str = PER_POINT,
           effect: Effect | None = None, include: Sequence[str] = (),
           exclude: Sequence[str] = ()) -> Cases:
    """The cases of `data` with the `outcomes` asked for (stored, or the paired `effect`),
    over the dimensions kept by `include`/`exclude`. SweepDataError for an unknown outcome
    or dimension, or an effect no future can pair."""
    for outcome in outcomes:
        check_outcome(data, outcome)
    if per not in PER_CHOICES:
        raise SweepDataError(f"--per: expected one of {', '.join(PER_CHOICES)}, found {per!r}")
    inputs, values, futures = _stored(data, list(outcomes), per)
    kinds = {p.key: p.kind for p in data.parameters}
    kinds.update({c: DRAWN_KIND for c in inputs.columns if c.startswith(DRAW_PREFIX)})
    if effect is not None:
        inputs, values, futures = _paired(inputs, values, futures, effect, data)
        kinds.pop(effect.lever)
    inputs = _select(inputs, kinds, include, exclude)
    return Cases(inputs, values, {c: kinds[c] for c in inputs.columns}, futures)


def _stored(data: SweepData, outcomes: list[str], per: str
            ) -> tuple[pd.DataFrame, pd.DataFrame, np.ndarray]:
    point_futures = np.asarray(future_ids(data.design))
    if per == PER_POINT:
        ok = data.points.index[data.points["n_ok"] > 0]
        values = data.points.loc[ok, outcomes].astype(float)
        return data.inputs.loc[ok], values, point_futures[ok.to_numpy()]
    header = pd.read_csv(data.folder / "runs.csv", nrows=0).columns
    drawn = [c for c in header if c.startswith(DRAW_PREFIX) and c not in outcomes]
    runs = pd.read_csv(data.folder / "runs.csv",
                       usecols=["point_id", "replicate", "status", *outcomes, *drawn])
    runs = runs[runs["status"] == "ok"]
    inputs = data.inputs.loc[runs["point_id"]].reset_index(drop=True)
    for column in drawn:
        numbers = pd.to_numeric(runs[column], errors="coerce").to_numpy(dtype=float)
        if np.isfinite(numbers).all() and np.unique(numbers).size > 1:
            inputs[column] = numbers
    index = pd.MultiIndex.from_arrays([runs["point_id"], runs["replicate"]])
    inputs.index = index
    values = pd.DataFrame({o: pd.to_numeric(runs[o], errors="coerce").to_numpy(dtype=float)
                           for o in outcomes}, index=index)
    replicates = int(runs["replicate"].max()) + 1 if len(runs) else 1
    futures = np.array([run_future_id(point_futures[p], r, replicates)
                        for p, r in zip(runs["point_id"], runs["replicate"], strict=True)],
                       dtype=int)
    return inputs, values, futures


def _paired(inputs: pd.DataFrame, values: pd.DataFrame, futures: np.ndarray, effect: Effect,
            data: SweepData) -> tuple[pd.DataFrame, pd.DataFrame, np.ndarray]:
    """One case per future (and setting of the other levers) that has both options: its
    inputs without the lever, and the outcomes under `high` minus under `low`."""
    labels = _labels(inputs[effect.lever], data.parameter(effect.lever))
    others = [p.key for p in data.levers() if p.key != effect.lever]
    keys = pd.DataFrame({"future": futures}, index=inputs.index)
    for key in others:
        keys[key] = inputs[key].map(str)
    key_columns = list(keys.columns)
    sides = {}
    for option in (effect.low, effect.high):
        chosen = (labels == option).to_numpy()
        side = pd.concat([keys[chosen], values[chosen]], axis=1)
        if side.duplicated(key_columns).any():
            raise SweepDataError(f"--effect: a future appears twice under {effect.lever}="
                                 f"{option}; the sweep's futures cannot be paired")
        side["_row"] = np.flatnonzero(chosen)
        sides[option] = side
    paired = sides[effect.low].merge(sides[effect.high], on=key_columns,
                                     suffixes=("_low", "_high"))
    if paired.empty:
        raise SweepDataError(f"--effect: no future of the sweep has both {effect.lever}="
                             f"{effect.low} and ={effect.high} (with the other levers equal); "
                             "sweep with the lever as a list of options (--sampler lhs or grid)")
    rows = paired["_row_low"].to_numpy()
    difference = pd.DataFrame({o: paired[f"{o}_high"].to_numpy() - paired[f"{o}_low"].to_numpy()
                               for o in values.columns})
    paired_inputs = inputs.iloc[rows].drop(columns=[effect.lever]).reset_index(drop=True)
    paired_inputs.index.name = "case"
    difference.index = paired_inputs.index
    return paired_inputs, difference, paired["future"].to_numpy()


def _labels(column: pd.Series, parameter) -> pd.Series:
    if is_numeric(parameter):
        return column.map(lambda v: f"{float(v):g}")
    return column.astype(str)


def _select(inputs: pd.DataFrame, kinds: dict[str, str], include: Sequence[str],
            exclude: Sequence[str]) -> pd.DataFrame:
    include = [include] if isinstance(include, str) else list(include)
    exclude = [exclude] if isinstance(exclude, str) else list(exclude)
    for option, keys in (("--include", include), ("--exclude", exclude)):
        unknown = [k for k in keys if k not in inputs.columns and k not in (LEVER, "uncertainty",
                                                                            DRAWN_KIND)]
        if unknown:
            raise SweepDataError(f"{option}: {unknown[0]!r} is not a dimension of the cases "
                                 f"(dimensions: {', '.join(inputs.columns)}; or a kind: lever, "
                                 "uncertainty, drawn)")

    def named(column: str, keys: Sequence[str]) -> bool:
        return column in keys or kinds.get(column) in keys

    kept = [c for c in inputs.columns
            if (not include or named(c, include)) and not named(c, exclude)]
    if not kept:
        raise SweepDataError("--include/--exclude: no dimension is left to search")
    return inputs[kept]
