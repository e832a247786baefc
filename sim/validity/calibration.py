"""Calibration of the baseline: the targets of docs/model.md's table as data, and their measures.

Each target is measured per replicate on the baseline (2024-01 start, no new policy) over its
window, then summarised over replicates (mean with a 95% t-interval, or for dates the median
with the 2.5-97.5% range). A target passes when that central value lies in its acceptance
range. Where a target cannot be met with sourced parameter values, `explanation` says why, with
the arithmetic; docs/model.md ("Calibration") repeats it.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from sim.calendar import parse_month
from sim.experiments.results import ReplicateResult, RunResult
from sim.validity.checks import DATE, Check, Estimate, mean_estimate, median_estimate, within

WINDOW_MONTHS = 36
"""2024-01 to 2026-12: the calibration window of the baseline."""

STATE = "prc"
"""The baseline's competitor state."""

Measure = Callable[[ReplicateResult, int], float]
"""A replicate's value of a target, given the scenario's start (absolute month number)."""


@dataclass(frozen=True)
class Target:
    key: str
    label: str
    target: str
    low: float
    high: float
    unit: str
    statistic: str
    measure: Measure
    sources: tuple[str, ...]
    explanation: str = ""
    note: str = ""

    def check(self, run: RunResult) -> Check:
        """Measure every replicate of `run` and compare the summary with the range."""
        start = parse_month(run.start)
        values = [self.measure(replicate, start) for replicate in run.replicates]
        summary = mean_estimate if self.statistic == "mean" else median_estimate
        estimate: Estimate = summary(values)
        passed = within(estimate.value, self.low, self.high)
        return Check(
            "calibration",
            self.label,
            self.target,
            self.sources,
            estimate,
            self.unit,
            passed,
            "" if passed else self.explanation,
            self.note,
        )


# Measures --------------------------------------------------------------------------------------
def compute_growth(replicate: ReplicateResult, start: int) -> float:
    """Slope of the largest released training run (log10 FLOP) over the window, OOM/yr."""
    return float(replicate.summary["frontier_train_flop_growth_oom_per_year"])


def window_mean(column: str, months: int = WINDOW_MONTHS) -> Measure:
    """Mean of a monthly column over the first `months` steps."""

    def measure(replicate: ReplicateResult, start: int) -> float:
        values = replicate.timeseries[column].to_numpy(dtype=float)[:months]
        return float(np.nanmean(values)) if np.isfinite(values).any() else math.nan

    return measure


def value_at(column: str, month: str) -> Measure:
    """A monthly column's value at a calendar month."""

    def measure(replicate: ReplicateResult, start: int) -> float:
        step = parse_month(month) - start
        return float(replicate.timeseries[column].to_numpy(dtype=float)[step])

    return measure


def absorption_delay(replicate: ReplicateResult, start: int) -> float:
    """Mean months from an open release to the state's military fine-tune, over the
    fine-tunes completed in the window (NaN if none)."""
    months = [
        e["months"]
        for e in replicate.events
        if e["kind"] == "absorption" and 0 <= e["step"] < WINDOW_MONTHS
    ]
    return float(np.mean(months)) if months else math.nan


def first_release_month(min_train_flop: float, open_only: bool) -> Measure:
    """Calendar month of the first release at or above `min_train_flop` (NaN if none)."""
    floor = math.log10(min_train_flop)

    def measure(replicate: ReplicateResult, start: int) -> float:
        steps = [
            e["step"]
            for e in replicate.events
            if e["kind"] == "release"
            and e["step"] >= 0
            and e["train_flop"] >= floor
            and (e["open_weights"] or not open_only)
        ]
        return float(start + min(steps)) if steps else math.nan

    return measure


# The targets -----------------------------------------------------------------------------------
TARGETS: tuple[Target, ...] = (
    Target(
        "frontier_compute_growth",
        "frontier training compute growth, 2024-26",
        "4-5x/yr = +0.60 to +0.70 OOM/yr",
        math.log10(4),
        math.log10(5),
        "OOM/yr",
        "mean",
        compute_growth,
        ("epoch_compute",),
        note="slope of the largest released run (log10 FLOP) over the first 36 months",
    ),
    Target(
        "frontier_compute_mid_2025",
        "largest training run in mid-2025 (2025-07)",
        "~5e26 FLOP +/- 0.3 OOM = 26.4 to 27.0 log10 FLOP",
        math.log10(5e26) - 0.3,
        math.log10(5e26) + 0.3,
        "log10 FLOP",
        "mean",
        value_at("frontier_train_flop", "2025-07"),
        ("epoch_database",),
        note="domain-facts section 3.1 (Grok 4 ~5e26, Epoch estimate)",
    ),
    Target(
        "open_lag",
        "open-weight lag behind the frontier, 2024-26",
        "3-12 months (ECI 3-4, benchmarks ~12)",
        3.0,
        12.0,
        "months",
        "mean",
        window_mean("open_lag_months"),
        ("epoch_eci_gap", "epoch_open_report"),
    ),
    Target(
        "state_lag",
        "competitor-state lag behind the frontier, 2024-26",
        "~7 months (4-14)",
        4.0,
        14.0,
        "months",
        "mean",
        window_mean(f"state_lag_months__{STATE}"),
        ("epoch_us_china",),
        note="the state's best accessible capability (domestic, open, stolen, distilled)",
    ),
    Target(
        "absorption_delay",
        "open release -> military fine-tune",
        "6-12 months (Llama 2 -> ChatBIT ~11)",
        6.0,
        12.0,
        "months",
        "mean",
        absorption_delay,
        ("chatbit", "llama2_licence"),
        note="mean of the absorption events of 2024-26; follows the input absorption_months",
    ),
    Target(
        "models_above_1e25_per_month",
        "new models >= 1e25 FLOP per month, 2024",
        "~2 per month (1.5-2.5)",
        1.5,
        2.5,
        "per month",
        "mean",
        window_mean("new_models_above_1e25_flop", 12),
        ("epoch_1e25",),
        explanation=(
            "Structural: the baseline has 9 labs, of which 5 train at >= 1e25 in 2024, and a "
            "release is a new frontier run every 6-12 months (~1.3 per lab-year). Epoch counts "
            "~24 models in 2024 from 12 developers (~2 per developer-year). 5 labs x 1.3/yr "
            "= 0.55/month. Meeting it needs ~7 more developers above 1e25 in the baseline (a "
            "scenario-content decision), not a parameter change."
        ),
    ),
    Target(
        "first_open_above_1e26",
        "first open-weight model >= 1e26 FLOP",
        "late 2025 (Epoch: Nov 2025, 90% CI 2025-08 to 2026-11)",
        parse_month("2025-08"),
        parse_month("2026-11"),
        DATE,
        "median",
        first_release_month(1e26, open_only=True),
        ("epoch_open_1e26", "epoch_database"),
        explanation=(
            "Sourced values disagree: Meta's runs are anchored on Llama 3.1-405B (3.8e25 FLOP, "
            "Jul 2024) and grow at Epoch's 4.7x/yr for frontier open models, which reaches 1e26 "
            "after 12 x log10(1e26/3.8e25) / log10(4.7) = 7.5 months, i.e. 2025-02; the next "
            "release (6-12 months cadence) crosses. Epoch's projection follows a trend line "
            "through all open models that sits ~0.5 OOM below Llama 3.1-405B in Jul 2024 "
            "(1e26 / 4.7^(16/12) = 1.3e25). The model has no mechanism by which an open lab "
            "holds back a frontier release without a policy."
        ),
    ),
    Target(
        "first_model_above_1e26",
        "first model of any kind >= 1e26 FLOP",
        "early-to-mid 2025 (2025-01 to 2025-06)",
        parse_month("2025-01"),
        parse_month("2025-06"),
        DATE,
        "median",
        first_release_month(1e26, open_only=False),
        ("epoch_1e25",),
        explanation=(
            "Sourced values disagree: with the frontier at ~5e26 by mid-2025 (target above, "
            "met) and growing 4-5x/yr, 1e26 is crossed about a year earlier, in mid-2024. "
            "Domain-facts' two statements imply a jump of ~5x within months in early 2025; "
            "smooth exponential growth cannot match both."
        ),
    ),
)
"""The baseline's calibration targets: docs/model.md's table, plus domain-facts section 3's
frontier level in mid-2025 and first 1e26 model."""


def check_calibration(run: RunResult) -> list[Check]:
    """Every target checked on a run of the baseline."""
    return [target.check(run) for target in TARGETS]
