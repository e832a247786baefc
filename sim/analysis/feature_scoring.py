"""Feature scoring: how much each design parameter decides an outcome, as EMA Workbench does.

An extra-trees ensemble (scikit-learn's `ExtraTreesClassifier` for a yes/no target such as
"is this a case of interest", `ExtraTreesRegressor` for the outcome's value) is fitted on the
design inputs, and each parameter's score is its mean decrease in impurity, averaged over the
trees: a share from 0 to 1, the scores of all parameters summing to 1. A categorical
parameter is one-hot encoded and its score is the sum over its levels. `score_sd` is the
standard deviation of the score over the trees (how much single trees disagree).

The trees are seeded, so the same inputs give the same scores. scikit-learn is imported inside
the function (the `analysis` extra).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

TREES = 200
MAX_FEATURES_SHARE = 0.6
"""Share of parameters each split may consider (EMA Workbench's default)."""
MIN_LEAF_CASES = {"classification": 1, "regression": 5}
"""Fewest cases in a leaf: regression trees are kept from fitting single noisy cases."""
MAX_CASES_PER_TREE = 10_000
"""Each tree is grown on a bootstrap sample of at most this many cases, so scoring a sweep of
tens of thousands of runs takes seconds, not minutes."""
SCORE_COLUMNS = ["parameter", "score", "score_sd"]


def feature_scores(inputs: pd.DataFrame, target: np.ndarray, mode: str = "classification",
                   seed: int = 0, trees: int = TREES) -> pd.DataFrame:
    """Scores of every column of `inputs` for `target` (one value per row of `inputs`).

    `mode` is "classification" (target is boolean or class labels) or "regression" (target is
    a number per case; rows where it is not finite are left out). Returns one row per input
    column, best first: `parameter`, `score` (share of the impurity decrease, 0..1) and
    `score_sd`.
    """
    from sklearn.ensemble import ExtraTreesClassifier, ExtraTreesRegressor

    target = np.asarray(target)
    keep = np.ones(len(target), dtype=bool)
    if mode == "regression":
        target = target.astype(float)
        keep = np.isfinite(target)
    encoded, owners = _one_hot(inputs.loc[keep])
    estimator_class = ExtraTreesClassifier if mode == "classification" else ExtraTreesRegressor
    estimator = estimator_class(
        n_estimators=trees, max_features=MAX_FEATURES_SHARE,
        min_samples_leaf=MIN_LEAF_CASES[mode], bootstrap=True,
        max_samples=min(int(keep.sum()), MAX_CASES_PER_TREE), random_state=seed, n_jobs=1)
    estimator.fit(encoded, target[keep])
    per_tree = np.array([tree.feature_importances_ for tree in estimator.estimators_])
    by_parameter = pd.DataFrame(per_tree, columns=owners).T.groupby(level=0, sort=False).sum().T
    scores = pd.DataFrame({
        "parameter": list(inputs.columns),
        "score": [float(by_parameter[c].mean()) if c in by_parameter else 0.0
                  for c in inputs.columns],
        "score_sd": [float(by_parameter[c].std(ddof=0)) if c in by_parameter else 0.0
                     for c in inputs.columns],
    })
    total = scores["score"].sum()
    if total > 0:  # trees that never split (a constant target) give all zeros
        scores[["score", "score_sd"]] /= total
    return scores.sort_values("score", ascending=False, kind="stable").reset_index(drop=True)


def _one_hot(inputs: pd.DataFrame) -> tuple[np.ndarray, list[str]]:
    """A float matrix of the inputs (categorical columns one-hot) and each column's owner."""
    blocks, owners = [], []
    for column in inputs.columns:
        values = inputs[column]
        if pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values):
            blocks.append(values.to_numpy(dtype=float)[:, None])
            owners.append(column)
            continue
        levels = sorted(values.astype(str).unique())
        blocks.append(np.column_stack([(values.astype(str) == level).to_numpy(dtype=float)
                                       for level in levels]))
        owners += [column] * len(levels)
    if not blocks:
        return np.zeros((len(inputs), 0)), []
    return np.hstack(blocks), owners
