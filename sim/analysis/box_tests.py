"""Is a discovered box real? Two tests, as EMA Workbench's `resample` and drop restriction.

- Resampling: PRIM is run again on `resamples` random halves of the cases (drawn without
  replacement, seeded), each box chosen by the same rule; each dimension's `reappears` is the
  share of those boxes that restrict it. A restriction that reappears in most halves is
  carried by the data, one that seldom does by a few cases.
- Drop restriction: for each restricted dimension of the box, the coverage, density and mass
  of the box with that restriction dropped (all shares 0..1). A restriction whose dropping
  barely lowers the density adds little.

Boxes here are {dimension: (low, high)} for numeric dimensions (inclusive, in the
dimension's units) and {dimension: set of levels} for categorical ones.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

LEVEL_SEPARATOR = "; "
"""Joins the levels of a categorical parameter in CSV cells and printed tables."""
RESAMPLE_SHARE = 0.5
"""The share of the cases each resample keeps (EMA Workbench's `resample` default p=1/2)."""
RESAMPLE_COLUMNS = ["parameter", "kind", "reappears", "in_box"]
DROP_COLUMNS = ["dropped", "coverage", "density", "mass", "density_change"]


def box_mask(inputs: pd.DataFrame, limits: dict[str, Any]) -> np.ndarray:
    """Which cases lie in the box `limits`."""
    inside = np.ones(len(inputs), dtype=bool)
    for name, limit in limits.items():
        column = inputs[name]
        if isinstance(limit, set):
            inside &= column.astype(str).isin(limit).to_numpy()
        else:
            numbers = column.to_numpy(dtype=float)
            inside &= (numbers >= limit[0]) & (numbers <= limit[1])
    return inside


def box_limits(box: pd.DataFrame) -> dict[str, Any]:
    """A discovery's box table (`Discovery.box`) as limits for `box_mask`."""
    limits: dict[str, Any] = {}
    for row in box.to_dict(orient="records"):
        if row["levels"]:
            limits[row["parameter"]] = set(str(row["levels"]).split(LEVEL_SEPARATOR))
        else:
            limits[row["parameter"]] = (float(row["low"]), float(row["high"]))
    return limits


def box_stats(inputs: pd.DataFrame, of_interest: np.ndarray,
              limits: dict[str, Any]) -> tuple[float, float, float]:
    """(coverage, density, mass) of the box, shares 0..1."""
    y = np.asarray(of_interest, dtype=bool)
    inside = box_mask(inputs, limits)
    hits = int(y[inside].sum())
    return (hits / max(int(y.sum()), 1), hits / inside.sum() if inside.any() else math.nan,
            float(inside.mean()))


def drop_restrictions(inputs: pd.DataFrame, of_interest: np.ndarray,
                      box: pd.DataFrame) -> pd.DataFrame:
    """The box as found (first row, `dropped` empty), then the box without each of its
    restrictions in turn: coverage, density, mass and the change in density."""
    limits = box_limits(box)
    coverage, density, mass = box_stats(inputs, of_interest, limits)
    rows = [["", coverage, density, mass, 0.0]]
    for name in limits:
        kept = {k: v for k, v in limits.items() if k != name}
        dropped = box_stats(inputs, of_interest, kept)
        rows.append([name, *dropped, dropped[1] - density])
    return pd.DataFrame(rows, columns=DROP_COLUMNS)


def resample_boxes(inputs: pd.DataFrame, of_interest: np.ndarray, box: pd.DataFrame,
                   resamples: int, peel_alpha: float, paste_alpha: float, mass_min: float,
                   threshold_share: float, seed: int = 0,
                   kinds: dict[str, str] | None = None) -> pd.DataFrame:
    """Per dimension restricted by the box or by any resample's box: the share of the
    `resamples` boxes restricting it, and whether the box itself does; most frequent first.
    A resample with no case of interest (or only such cases) counts as restricting nothing."""
    from sim.analysis.discovery import _limits, _peel, _trajectory, choose_box

    y = np.asarray(of_interest, dtype=bool)
    kinds = kinds or {}
    rng = np.random.default_rng(np.random.SeedSequence([int(seed), 0x5A3E]))
    counts: dict[str, int] = {}
    size = max(2, int(round(RESAMPLE_SHARE * len(y))))
    for _ in range(int(resamples)):
        rows = np.sort(rng.choice(len(y), size=size, replace=False))
        sample, hits = inputs.iloc[rows], y[rows]
        varying = [c for c in sample.columns if sample[c].nunique() > 1]
        if not varying or hits.all() or not hits.any():
            continue
        engine, prim_box, _ = _peel(sample[varying], hits, peel_alpha, paste_alpha, mass_min)
        limits = _limits(engine, prim_box, {c: kinds.get(c, "") for c in varying})
        chosen, _ = choose_box(_trajectory(prim_box, limits), threshold_share)
        restricted = limits[(limits["box"] == chosen) & limits["restricted"]]["parameter"]
        for name in restricted:
            counts[name] = counts.get(name, 0) + 1
    in_box = set(box["parameter"])
    names = list(dict.fromkeys([*box["parameter"], *counts]))
    table = pd.DataFrame({
        "parameter": names, "kind": [kinds.get(n, "") for n in names],
        "reappears": [counts.get(n, 0) / max(int(resamples), 1) for n in names],
        "in_box": [n in in_box for n in names],
    })
    return table.sort_values(["reappears", "in_box"], ascending=False,
                             kind="stable").reset_index(drop=True)[RESAMPLE_COLUMNS]
