"""Statistics over replicates: means with confidence intervals, percentile bands, outcome tables.

Undefined values are NaN and are left out (a state that never reached a milestone has no
"months to milestone"); each result says how many replicates it rests on. Values keep the units
of their outcome.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd

OUTCOME_COLUMNS = ["outcome", "mean", "ci95_low", "ci95_high", "p05", "p95", "n_defined", "n"]


def mean_ci(values: Iterable[float], level: float = 0.95) -> tuple[float, float, float, int]:
    """Mean and two-sided t-interval of the mean, ignoring NaN.

    Returns ``(mean, low, high, n)`` with n the number of non-NaN values; the interval is NaN
    when n < 2 and everything is NaN when n = 0.
    """
    if not 0.0 < level < 1.0:
        raise ValueError(f"level must be between 0 and 1, found {level!r}")
    array = np.asarray(list(values), dtype=float)
    defined = array[~np.isnan(array)]
    n = int(defined.size)
    if n == 0:
        return (float("nan"), float("nan"), float("nan"), 0)
    mean = float(defined.mean())
    if n == 1:
        return (mean, float("nan"), float("nan"), 1)
    from scipy.stats import t  # lazy: scipy is slow to import

    half_width = float(t.ppf((1.0 + level) / 2.0, n - 1)) * float(defined.std(ddof=1)) / n**0.5
    return (mean, mean - half_width, mean + half_width, n)


def band(frame: pd.DataFrame, column: str, by: str = "step") -> pd.DataFrame:
    """Median and 5-95% percentile band of ``column`` over replicates, per value of ``by``.

    Non-finite values (NaN, and -inf for "no open model yet") are left out. Returns one row per
    value of ``by`` with columns ``by``, ``median``, ``p05``, ``p95`` and ``n_defined`` (how many
    replicates contributed); statistics are NaN where ``n_defined`` is 0.
    """
    values = pd.to_numeric(frame[column], errors="raise").astype(float)
    finite = values.where(np.isfinite(values))
    grouped = finite.groupby(frame[by], sort=True)
    result = pd.DataFrame(
        {
            "median": grouped.median(),
            "p05": grouped.quantile(0.05),
            "p95": grouped.quantile(0.95),
            "n_defined": grouped.count(),
        }
    )
    result.index.name = by
    return result.reset_index()


def outcomes_table(summaries_frame: pd.DataFrame, keys: Sequence[str]) -> pd.DataFrame:
    """One row per outcome key: mean, 95% CI of the mean, 5th and 95th percentiles over
    replicates, ``n_defined`` (replicates where the outcome is defined) and ``n`` (replicates).
    Intervals are clipped to the outcome's natural range (non-negative; shares at most 1).

    Raises KeyError naming any key missing from ``summaries_frame`` and ValueError for a
    non-numeric outcome.
    """
    missing = [key for key in keys if key not in summaries_frame.columns]
    if missing:
        raise KeyError(f"outcomes not in the summaries: {', '.join(missing)}")
    rows = [_outcome_row(key, summaries_frame[key]) for key in keys]
    return pd.DataFrame(rows, columns=OUTCOME_COLUMNS)


def _clip_to_range(key: str, defined: np.ndarray, low: float, high: float) -> tuple[float, float]:
    """Keep an interval inside its outcome's natural range: a count, lag or cost never gets a
    negative bound, a share or coverage never one above 1 (the t-interval ignores both)."""
    if defined.size and (defined >= 0).all():
        low = max(low, 0.0)
        if ("share" in key or "coverage" in key) and (defined <= 1).all():
            high = min(high, 1.0)
    return low, high


def _outcome_row(key: str, column: pd.Series) -> dict[str, float | int | str]:
    try:
        values = pd.to_numeric(column, errors="raise").astype(float).to_numpy()
    except (ValueError, TypeError) as error:
        raise ValueError(f"outcome {key!r} is not numeric") from error
    mean, low, high, n_defined = mean_ci(values, level=0.95)
    defined = values[~np.isnan(values)]
    low, high = _clip_to_range(key, defined, low, high)
    p05, p95 = np.quantile(defined, [0.05, 0.95]) if n_defined else (np.nan, np.nan)
    return {
        "outcome": key,
        "mean": mean,
        "ci95_low": low,
        "ci95_high": high,
        "p05": float(p05),
        "p95": float(p95),
        "n_defined": n_defined,
        "n": int(values.size),
    }
