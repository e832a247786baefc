"""Sensitivity analysis of a finished design: per-point means, then indices (SALib).

Model-agnostic: it reads only the design and the per-point outcome means, whatever produced
them (a regsim scenario or a plain function). Replicates are averaged per point first; with
common random numbers across points, the differences between points are the parameters'.

Indices (tidy rows: outcome, parameter, kind, method, index, value, conf95):

- `swing` (every sampler; the tornado chart): `low` and `high` are the mean outcome over the
  points with the parameter in the bottom and top fifth of its span (for a list of options,
  `sim.experiments.design.low_to_high`: `false` low and `true` high, numbers ascending, names
  as typed), `swing` = high - low, in the outcome's units;
- `sobol`: first-order `S1` and total-order `ST` Sobol indices (shares of variance, 0..1) with
  95% bootstrap half-widths (SALib's `sobol.analyze`, Saltelli/Jansen estimators);
- `morris`: `mu_star` (mean absolute elementary effect, outcome units per full span of the
  parameter), `mu` and `sigma`, with the 95% half-width of `mu_star`.

An outcome undefined at some point (NaN) or constant over the design gets swings only.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from sim.experiments.design import Design, swing_position

INDEX_COLUMNS = ["outcome", "parameter", "kind", "method", "index", "value", "conf95"]
TAIL_SHARE = 0.2
"""Bottom and top share of a parameter's span compared by the swing (tornado) index."""
CHUNK_ROWS = 20_000
BOOTSTRAP_RESAMPLES = 100


def point_means(runs_table: Path, chunk_rows: int = CHUNK_ROWS) -> pd.DataFrame:
    """Per design point: `n_ok`, `n_failed` and the mean of each numeric outcome over its
    successful replicates, read from the runs table in chunks (memory flat in the runs).

    Returns one row per point that has any run, indexed by `point_id`.
    """
    header = pd.read_csv(runs_table, nrows=0).columns.tolist()
    outcomes = header[header.index("status") + 1: header.index("error")]
    sums: list[pd.DataFrame] = []
    counts: list[pd.DataFrame] = []
    status: list[pd.DataFrame] = []
    non_numeric: set[str] = set()
    for chunk in pd.read_csv(runs_table, chunksize=chunk_rows, usecols=["point_id", "status",
                                                                          *outcomes]):
        status.append(pd.crosstab(chunk["point_id"], chunk["status"]))
        ok = chunk[chunk["status"] == "ok"]
        numeric = [c for c in outcomes if pd.api.types.is_numeric_dtype(ok[c])
                   and not pd.api.types.is_bool_dtype(ok[c])]
        non_numeric.update(set(outcomes) - set(numeric))
        grouped = ok.groupby("point_id")[numeric]
        sums.append(grouped.sum(min_count=1))
        counts.append(grouped.count())
    return _combine(sums, counts, status, [c for c in outcomes if c not in non_numeric])


def _combine(sums: list[pd.DataFrame], counts: list[pd.DataFrame], status: list[pd.DataFrame],
             numeric: list[str]) -> pd.DataFrame:
    tally = pd.concat(status).groupby(level=0).sum()
    result = pd.DataFrame(index=tally.index)
    result["n_ok"] = tally.get("ok", pd.Series(0, index=tally.index)).astype(int)
    result["n_failed"] = tally.get("failed", pd.Series(0, index=tally.index)).astype(int)
    if numeric:
        total = pd.concat([s.reindex(columns=numeric) for s in sums]).groupby(level=0).sum(
            min_count=1)
        count = pd.concat([c.reindex(columns=numeric) for c in counts]).groupby(level=0).sum()
        means = (total / count.replace(0, np.nan)).reindex(tally.index)
        result = pd.concat([result, means], axis=1)
    result.index.name = "point_id"
    return result


def analyse(design: Design, means: pd.DataFrame, outcomes: Sequence[str]) -> pd.DataFrame:
    """Tidy sensitivity indices of `outcomes` (columns of `means`) over `design`."""
    rows: list[dict] = []
    for outcome in outcomes:
        y = means[outcome].reindex(range(len(design))).to_numpy(dtype=float)
        rows += swing_rows(design, y, outcome)
        if not _analysable(y):
            continue
        if design.sampler == "sobol":
            rows += sobol_rows(design, y, outcome)
        elif design.sampler == "morris":
            rows += morris_rows(design, y, outcome)
    return pd.DataFrame(rows, columns=INDEX_COLUMNS)


def _analysable(y: np.ndarray) -> bool:
    return bool(np.isfinite(y).all()) and float(np.ptp(y)) > 0.0


def swing_rows(design: Design, y: np.ndarray, outcome: str) -> list[dict]:
    """The tornado index of each parameter: mean outcome at the low and high ends."""
    rows = []
    for column, parameter in enumerate(design.parameters):
        positions = np.array([swing_position(parameter, point[column])
                              for point in design.points])
        low = _mean(y[positions <= TAIL_SHARE + 1e-12])
        high = _mean(y[positions >= 1.0 - TAIL_SHARE - 1e-12])
        for index, value in (("low", low), ("high", high), ("swing", high - low)):
            rows.append(_row(outcome, parameter, "swing", index, value))
    return rows


def _mean(values: np.ndarray) -> float:
    finite = values[np.isfinite(values)]
    return float(finite.mean()) if finite.size else float("nan")


def sobol_rows(design: Design, y: np.ndarray, outcome: str) -> list[dict]:
    """First- and total-order Sobol indices with 95% bootstrap half-widths."""
    from SALib.analyze import sobol

    with warnings.catch_warnings(), np.errstate(divide="ignore", invalid="ignore"):
        warnings.simplefilter("ignore", RuntimeWarning)
        result = sobol.analyze(design.salib_problem(), y, calc_second_order=False,
                               num_resamples=BOOTSTRAP_RESAMPLES, conf_level=0.95,
                               seed=design.seed)
    rows = []
    for column, parameter in enumerate(design.parameters):
        for index in ("S1", "ST"):
            rows.append(_row(outcome, parameter, "sobol", index, result[index][column],
                             result[f"{index}_conf"][column]))
    return rows


def morris_rows(design: Design, y: np.ndarray, outcome: str) -> list[dict]:
    """Morris elementary effects: mu_star (with its 95% half-width), mu and sigma."""
    from SALib.analyze import morris

    from sim.experiments.design import MORRIS_LEVELS

    with warnings.catch_warnings(), np.errstate(divide="ignore", invalid="ignore"):
        warnings.simplefilter("ignore", RuntimeWarning)
        result = morris.analyze(design.salib_problem(), design.unit, y,
                                num_resamples=BOOTSTRAP_RESAMPLES, conf_level=0.95,
                                num_levels=MORRIS_LEVELS, seed=design.seed)
    rows = []
    for column, parameter in enumerate(design.parameters):
        rows.append(_row(outcome, parameter, "morris", "mu_star", result["mu_star"][column],
                         result["mu_star_conf"][column]))
        rows.append(_row(outcome, parameter, "morris", "mu", result["mu"][column]))
        rows.append(_row(outcome, parameter, "morris", "sigma", result["sigma"][column]))
    return rows


def _row(outcome: str, parameter, method: str, index: str, value: float,
         conf95: float = float("nan")) -> dict:
    return {"outcome": outcome, "parameter": parameter.key, "kind": parameter.kind,
            "method": method, "index": index, "value": float(value), "conf95": float(conf95)}
