"""One row of the validity report (`Check`) and the statistics over replicates behind it.

Values keep their unit; dates are absolute month numbers (`sim.calendar.parse_month`), so a
replicate in which an event never happens is NaN and counts as later than any month.

A row's kind is derived from data, never asserted (`Check.kind`): **consistency** if it
declares why it holds by construction or which input it echoes (`construction`);
**calibration** if it names the parameters set against it (`calibrated`) or one of its sources
is a measurement some parameter was set from (`shared`, filled by `label_checks`); otherwise
**validation**. Each row also carries its `margin` (how far the statistic is from failing, in
the row's unit) and whether it is `borderline` (passes, but its 95% interval reaches past an
acceptance bound, so other seeds or replicate counts may fail it).
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
    CALIBRATION: "a parameter was set against this target, or against the same measurement",
    VALIDATION: "no parameter was set against it and its sources are independent of the "
    "calibration sources",
    CONSISTENCY: "holds by construction: an input echoed back, or the code against its own "
    "equations",
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
    value_low: float = math.nan
    """95% interval of the statistic itself: the t-interval for a mean (= low, high); for a
    median, the order-statistic interval of the median (not the spread of the replicates)."""
    value_high: float = math.nan


def mean_estimate(values: Iterable[float]) -> Estimate:
    """Mean over replicates (NaN left out) with its 95% t-interval."""
    array = np.asarray(list(values), dtype=float)
    mean, low, high, n = mean_ci(array)
    return Estimate(mean, low, high, n, int(array.size), "mean", low, high)


def median_estimate(values: Iterable[float]) -> Estimate:
    """Median over replicates with the 2.5-97.5% percentile range; NaN counts as +inf."""
    array = np.asarray(list(values), dtype=float)
    if array.size == 0:
        return Estimate(math.nan, math.nan, math.nan, 0, 0, "median")
    censored = np.where(np.isnan(array), np.inf, array)
    median, low, high = (
        float(v) for v in np.quantile(censored, [0.5, 0.025, 0.975], method="inverted_cdf")
    )
    value_low, value_high = median_interval(censored)
    return Estimate(median, low, high, int(np.isfinite(censored).sum()), int(array.size),
                    "median", value_low, value_high)


def median_interval(values: np.ndarray, z: float = 1.96) -> tuple[float, float]:
    """Distribution-free ~95% interval of the median: the order statistics n/2 -+ z sqrt(n)/2
    (binomial, normal approximation), clipped to the sample."""
    ordered = np.sort(values)
    n = ordered.size
    lower = max(int(math.floor(n / 2 - z * math.sqrt(n) / 2)), 1)
    upper = min(int(math.ceil(n / 2 + z * math.sqrt(n) / 2)) + 1, n)
    return float(ordered[lower - 1]), float(ordered[upper - 1])


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
    calibrated: tuple[str, ...] = ()
    """Scenario parameters set against this target ('developers[].x': every lab's x)."""
    construction: str = ""
    """Why it holds by construction, or which input it echoes ('' if neither)."""
    margin: float = math.nan
    """How far the statistic is from failing, in `unit` (>= 0 passes; months for dates)."""
    borderline: bool = False
    """Passes, but the statistic's 95% interval reaches past an acceptance bound."""
    shared: tuple[str, ...] = ()
    """Identities of its sources that some parameter was set from (`label_checks`)."""

    @property
    def kind(self) -> str:
        """calibration, validation or consistency (`KINDS`), derived from the fields above."""
        if self.construction:
            return CONSISTENCY
        if self.calibrated or self.shared:
            return CALIBRATION
        return VALIDATION

    @property
    def basis(self) -> str:
        """Why the row has its kind, in words."""
        if self.construction:
            return f"by construction: {self.construction}"
        if self.calibrated:
            return "set against it: " + ", ".join(self.calibrated)
        if self.shared:
            return "its source set parameters: " + "; ".join(self.shared)
        return "independent: no parameter set against it or from its sources"

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


def range_margin(estimate: Estimate, low: float, high: float, resolution: float = 0.0
                 ) -> tuple[float, bool]:
    """(margin, borderline) of a statistic that must lie in [low, high]: the distance to the
    nearer bound (negative outside), and whether it is borderline: its 95% interval reaches past
    a bound, or it passes by less than `resolution` (1 for whole months: a date on the bound)."""
    value = estimate.value
    if math.isnan(value):
        return math.nan, False
    margin = min(_gap(value, low), _gap(high, value))
    inside = low <= value <= high
    interval = (estimate.value_low, estimate.value_high)
    on_edge = inside and margin < resolution
    if any(math.isnan(v) for v in interval):
        return margin, on_edge
    return margin, bool(on_edge or (inside and not (low <= interval[0] and interval[1] <= high)))


def _gap(upper: float, lower: float) -> float:
    """upper - lower, with inf - inf (an unbounded side met by a never-happening date) as inf."""
    if math.isinf(upper) and math.isinf(lower):
        return math.inf if upper >= lower else -math.inf
    return upper - lower


def label_checks(checks: list[Check]) -> list[Check]:
    """Each check with `shared` filled: the identities of its sources that a parameter was
    set from (a source's `sets`, or a source of a row with `calibrated` parameters)."""
    from dataclasses import replace

    from sim.validity.sources import SOURCES, calibration_identities

    calibrated_sources = {key for c in checks if c.calibrated and not c.construction
                          for key in c.sources}
    identities = calibration_identities(calibrated_sources)
    out = []
    for check in checks:
        own = set(check.sources) if check.calibrated else set()
        shared = tuple(sorted({SOURCES[k].identity for k in check.sources
                               if k not in own and SOURCES[k].identity in identities}))
        out.append(replace(check, shared=shared))
    return out
