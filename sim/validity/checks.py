"""One row of the validity report (`Check`) and the statistics over replicates behind it.

Values keep their unit; dates are absolute month numbers (`sim.calendar.parse_month`), so a
replicate in which an event never happens is NaN and counts as later than any month.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from sim.calendar import format_month
from sim.experiments.stats import mean_ci

DATE = "date"
"""The unit of values that are calendar months (absolute month numbers)."""

PASS, FAIL, DOCUMENTED = "pass", "FAIL", "fail (documented)"
CALIBRATION, VALIDATION, CONSISTENCY = "calibration", "validation", "consistency"
KINDS = {
    CALIBRATION: "a target the parameters were set against",
    VALIDATION: "a target they were not set against",
    CONSISTENCY: "an input echoed back, or the code against its own equations",
}


@dataclass(frozen=True)
class Estimate:
    """A statistic over replicates with its 95% interval.

    `statistic` is "mean" (t-interval of the mean) or "median" (2.5-97.5 percentiles of the
    replicates; never-happened counts as +inf). `n` counts replicates with a defined value.
    """

    value: float
    low: float
    high: float
    n: int
    replicates: int
    statistic: str


def mean_estimate(values: Iterable[float]) -> Estimate:
    """Mean over replicates (NaN left out) with its 95% t-interval."""
    array = np.asarray(list(values), dtype=float)
    mean, low, high, n = mean_ci(array)
    return Estimate(mean, low, high, n, int(array.size), "mean")


def median_estimate(values: Iterable[float]) -> Estimate:
    """Median over replicates with the 2.5-97.5% percentile range; NaN counts as +inf."""
    array = np.asarray(list(values), dtype=float)
    if array.size == 0:
        return Estimate(math.nan, math.nan, math.nan, 0, 0, "median")
    censored = np.where(np.isnan(array), np.inf, array)
    median, low, high = (
        float(v) for v in np.quantile(censored, [0.5, 0.025, 0.975], method="inverted_cdf")
    )
    return Estimate(median, low, high, int(np.isfinite(censored).sum()), int(array.size), "median")


@dataclass(frozen=True)
class Check:
    """One line of the report: what was checked, against what, and the model's answer."""

    section: str
    """'calibration', 'replay' or 'docking'."""
    name: str
    target: str
    """The target in words, with its acceptance range."""
    sources: tuple[str, ...]
    """Keys into `sim.validity.sources.SOURCES`."""
    estimate: Estimate
    unit: str
    passed: bool
    explanation: str = ""
    """Why the target cannot be met with sourced values (documented in docs/model.md)."""
    note: str = ""
    kind: str = VALIDATION
    """calibration, validation or consistency (`KINDS`)."""

    @property
    def status(self) -> str:
        if self.passed:
            return PASS
        return DOCUMENTED if self.explanation else FAIL

    @property
    def model_text(self) -> str:
        """'0.63 (0.62-0.64)', '2025-04 (2025-01-2026-02)' or '> 2026-12' style."""
        e = self.estimate
        if e.n == 0 and e.statistic == "mean":
            return "undefined"
        centre = format_value(e.value, self.unit)
        if math.isnan(e.low):
            return centre
        return f"{centre} ({format_value(e.low, self.unit)} to {format_value(e.high, self.unit)})"


def format_value(value: float, unit: str) -> str:
    """A value in its unit for a table cell ('never' for a date that does not happen)."""
    if unit == DATE:
        return "never" if not math.isfinite(value) else format_month(int(round(value)))
    if not math.isfinite(value):
        return "n/a"
    magnitude = abs(value)
    if magnitude != 0 and (magnitude < 0.01 or magnitude >= 1e5):
        return f"{value:.3g}"
    return f"{value:.3f}" if magnitude < 1 else f"{value:.2f}"


def within(value: float, low: float, high: float) -> bool:
    """low <= value <= high, False for NaN."""
    return bool(low <= value <= high)
