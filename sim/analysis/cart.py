"""CART beside PRIM: a classification tree's leaves as boxes (Breiman et al. 1984; for
scenario discovery, Lempert, Bryant and Bankes 2008).

scikit-learn's DecisionTreeClassifier splits the cases of interest from the rest; each leaf is
a box: the ranges (numeric dimensions) and levels (categorical ones, one-hot encoded for the
tree) on the path from the root. Each leaf gets coverage (share of all cases of interest in
it), density (share of its cases that are of interest) and mass (share of all cases in it),
as PRIM's boxes. The best leaf is the highest-coverage one whose density is at least the
threshold (else the densest).

Defaults: depth 3 (EMA Workbench's CART has no depth limit but a minimum leaf mass; a depth
of 3 keeps boxes of at most 3 restrictions, readable as PRIM's; assumption, 2-5 are usual),
and the smallest leaf is PRIM's `mass_min` share of the cases.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from sim.analysis.box_tests import LEVEL_SEPARATOR, box_mask

CART_DEPTH = 3
CART_COLUMNS = ["leaf", "best", "coverage", "density", "mass", "n_cases", "n_of_interest",
                "parameter", "kind", "low", "high", "levels"]


def cart_boxes(inputs: pd.DataFrame, of_interest: np.ndarray, kinds: dict[str, str],
               seed: int = 0, max_depth: int = CART_DEPTH, mass_min: float = 0.05,
               threshold_share: float = 0.8) -> pd.DataFrame:
    """One row per leaf and restricted dimension (a leaf with none has one row, parameter
    empty): the leaf's coverage, density and mass (shares 0..1), counts, and its limits in
    the dimension's units (`levels` joined by "; " for categorical ones). `best` marks the
    best leaf (module docstring)."""
    from sklearn.tree import DecisionTreeClassifier

    y = np.asarray(of_interest, dtype=bool)
    encoded, columns = _encode(inputs)
    tree = DecisionTreeClassifier(max_depth=max_depth, random_state=seed,
                                  min_samples_leaf=max(1, math.ceil(mass_min * len(y))))
    tree.fit(encoded, y)
    rows, leaves = [], []
    for leaf, limits in _leaf_limits(tree.tree_, columns, inputs):
        inside = box_mask(inputs, limits)
        n_in, hits = int(inside.sum()), int(y[inside].sum())
        stats = {"leaf": leaf, "coverage": hits / max(int(y.sum()), 1),
                 "density": hits / n_in if n_in else math.nan, "mass": n_in / len(y),
                 "n_cases": n_in, "n_of_interest": hits}
        leaves.append(stats)
        restricted = [(name, limit) for name, limit in limits.items()]
        for name, limit in restricted or [("", None)]:
            low, high, levels = _limit_cells(limit)
            rows.append({**stats, "parameter": name, "kind": kinds.get(name, ""), "low": low,
                         "high": high, "levels": levels})
    best = best_leaf(pd.DataFrame(leaves), threshold_share)
    table = pd.DataFrame(rows)
    table["best"] = table["leaf"] == best
    return table[CART_COLUMNS]


def best_leaf(leaves: pd.DataFrame, threshold_share: float) -> int:
    """The highest-coverage leaf with density >= threshold_share, else the densest."""
    dense = leaves[leaves["density"] >= threshold_share - 1e-12]
    if dense.empty:
        return int(leaves.sort_values(["density", "coverage"], ascending=False,
                                      kind="stable")["leaf"].iloc[0])
    return int(dense.sort_values(["coverage", "density"], ascending=False,
                                 kind="stable")["leaf"].iloc[0])


def _encode(inputs: pd.DataFrame) -> tuple[np.ndarray, list[tuple[str, str | None]]]:
    """Numbers as they are; each level of a categorical dimension as a 0/1 column. Returns
    the matrix and, per column, (dimension, level or None)."""
    arrays, columns = [], []
    for name in inputs.columns:
        column = inputs[name]
        if pd.api.types.is_numeric_dtype(column) and not pd.api.types.is_bool_dtype(column):
            arrays.append(column.to_numpy(dtype=float))
            columns.append((name, None))
            continue
        for level in sorted(column.astype(str).unique()):
            arrays.append((column.astype(str) == level).to_numpy(dtype=float))
            columns.append((name, level))
    return np.column_stack(arrays), columns


def _leaf_limits(tree, columns: list[tuple[str, str | None]], inputs: pd.DataFrame):
    """Yield (leaf id, {dimension: (low, high) or set of levels}) for every leaf, only the
    dimensions its path restricts."""
    all_levels = {name: set(inputs[name].astype(str).unique())
                  for name, level in columns if level is not None}

    def walk(node: int, limits: dict):
        if tree.children_left[node] == tree.children_right[node]:  # a leaf
            yield node, limits
            return
        name, level = columns[tree.feature[node]]
        threshold = float(tree.threshold[node])
        for child, side in ((tree.children_left[node], "le"),
                            (tree.children_right[node], "gt")):
            narrowed = dict(limits)
            if level is None:
                low, high = narrowed.get(name, (-math.inf, math.inf))
                narrowed[name] = (low, min(high, threshold)) if side == "le" else (
                    max(low, threshold), high)
            else:
                kept = set(narrowed.get(name, all_levels[name]))
                narrowed[name] = kept - {level} if side == "le" else kept & {level}
            yield from walk(child, narrowed)

    yield from walk(0, {})


def _limit_cells(limit) -> tuple[float, float, str]:
    if limit is None:
        return math.nan, math.nan, ""
    if isinstance(limit, set):
        return math.nan, math.nan, LEVEL_SEPARATOR.join(sorted(limit))
    return float(limit[0]), float(limit[1]), ""
