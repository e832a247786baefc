"""The baseline's targets: docs/model.md's table as data, and their measures.

Each target is measured per replicate on the baseline (2024-01 start, no new policy) over its
window, then summarised over replicates (mean with a 95% t-interval, or for dates the median
with the 2.5-97.5% range). A target passes when that central value lies in its acceptance range.
Each row says what kind of check it is: **calibration** (a parameter was set against it),
**validation** (no parameter was), or **consistency** (it echoes an input). Where a target cannot
be met with sourced values, `explanation` says why; docs/model.md ("Validity") repeats it.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from sim.calendar import parse_month
from sim.experiments.results import ReplicateResult, RunResult
from sim.validity.checks import (
    CALIBRATION,
    CONSISTENCY,
    DATE,
    VALIDATION,
    Check,
    Estimate,
    mean_estimate,
    median_estimate,
    within,
)

WINDOW_MONTHS = 36
"""2024-01 to 2026-12: the calibration window of the baseline."""

STATE = "prc"
"""The baseline's competitor state."""
CLOSED_DESIGNS = ("closed", "split")
"""Designs that release the planned model closed (`sim.model.decisions`)."""

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
    kind: str
    explanation: str = ""
    note: str = ""

    def check(self, run: RunResult) -> Check:
        """Measure every replicate of `run` and compare the summary with the range."""
        start = parse_month(run.start)
        values = [self.measure(replicate, start) for replicate in run.replicates]
        summary = mean_estimate if self.statistic == "mean" else median_estimate
        estimate: Estimate = summary(values)
        passed = within(estimate.value, self.low, self.high)
        return Check("calibration", self.label, self.target, self.sources, estimate, self.unit,
                     passed, "" if passed else self.explanation, self.note, self.kind)


# Measures --------------------------------------------------------------------------------------
def summary_value(key: str) -> Measure:
    def measure(replicate: ReplicateResult, start: int) -> float:
        return float(replicate.summary[key])

    return measure


def window_mean(column: str, months: int = WINDOW_MONTHS, first: int = 0) -> Measure:
    """Mean of a monthly column over steps `first` to `first + months - 1`."""

    def measure(replicate: ReplicateResult, start: int) -> float:
        values = replicate.timeseries[column].to_numpy(dtype=float)[first:first + months]
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
    months = [e["months"] for e in replicate.events
              if e["kind"] == "absorption" and 0 <= e["step"] < WINDOW_MONTHS]
    return float(np.mean(months)) if months else math.nan


def first_release_month(min_train_flop: float, open_only: bool) -> Measure:
    """Calendar month of the first release at or above `min_train_flop` (NaN if none)."""
    floor = math.log10(min_train_flop)

    def measure(replicate: ReplicateResult, start: int) -> float:
        steps = [e["step"] for e in replicate.events
                 if e["kind"] == "release" and e["step"] >= 0 and e["train_flop"] >= floor
                 and (e["open_weights"] or not open_only)]
        return float(start + min(steps)) if steps else math.nan

    return measure


def withholds_from(lab: str, regulator: str, months: int) -> Measure:
    """1 if `lab` (a lab or a group's members, `<name>_NN`) withholds a model from
    `regulator`'s market in the first `months` steps, counted as withholding (a closed design: an
    open model kept off a market is a non-release there, `sim.model.decisions`), else 0."""

    def measure(replicate: ReplicateResult, start: int) -> float:
        return float(any(
            e["kind"] == "decision" and 0 <= e["step"] < months
            and e["actors"][0] in (lab, *(f"{lab}_{i:02d}" for i in range(1, 101)))
            and e["actions"].get(regulator) == "withhold"
            and (not e["open_weights"] or e["design"] in CLOSED_DESIGNS)
            for e in replicate.events))

    return measure


def largest_run_over_ceiling(replicate: ReplicateResult, start: int) -> float:
    """Most the largest run ever exceeds the feasibility ceiling of its month (OOM; <= 0 ok)."""
    frame = replicate.timeseries
    over = frame["frontier_train_flop"].to_numpy(float) - frame["compute_ceiling_flop"].to_numpy(
        float)
    return float(np.nanmax(over))


# The targets -----------------------------------------------------------------------------------
TARGETS: tuple[Target, ...] = (
    Target(
        "frontier_compute_growth", "frontier training compute growth, 2024-27",
        "4-5x/yr = +0.60 to +0.70 OOM/yr", math.log10(4), math.log10(5), "OOM/yr", "mean",
        summary_value("frontier_train_flop_growth_oom_per_year_4y"), ("epoch_compute",),
        CALIBRATION,
        note="slope of the largest released run (log10 FLOP) over the first 48 months; the FLOP "
        "price decline (1.9x/yr) was derived from it and the spending growth"),
    Target(
        "frontier_compute_mid_2025", "largest training run in mid-2025 (2025-07)",
        "~5e26 FLOP +/- 0.3 OOM = 26.4 to 27.0 log10 FLOP", math.log10(5e26) - 0.3,
        math.log10(5e26) + 0.3, "log10 FLOP", "mean",
        value_at("frontier_train_flop", "2025-07"), ("epoch_database",), CALIBRATION,
        note="Grok 4 ~5e26 (Epoch); the frontier labs' budgets were set from Grok-3"),
    Target(
        "frontier_run_cost_2027", "cost of the largest run by 2027-12",
        "> $1B (Cottier et al. 2024: the largest runs pass $1B by 2027)", 1000.0, math.inf,
        "USD M", "mean", value_at("frontier_run_cost_musd", "2027-12"), ("cottier_costs",),
        VALIDATION),
    Target(
        "compute_within_ceiling", "largest run against the feasibility ceiling",
        "never above the ceiling of its month (Sevilla et al. 2024: ~2e29 by 2030)",
        -math.inf, 1e-9, "OOM above", "mean", largest_run_over_ceiling, ("epoch_2030",),
        CONSISTENCY, note="true by construction: a run is capped at the ceiling"),
    Target(
        "models_above_1e25_per_month", "new models >= 1e25 FLOP per month, 2024",
        "1.2-2.5 per month (Epoch CSV: 14 explicit in 2024; Epoch with imputed ~2/month)",
        1.2, 2.5, "per month", "mean", window_mean("new_models_above_1e25_flop", 12),
        ("epoch_1e25", "epoch_database"), VALIDATION,
        note="the roster and release cadence come from the record, not from this count"),
    Target(
        "first_model_above_1e26", "first model of any kind >= 1e26 FLOP",
        "2025-02 (Grok-3), accepted 2024-12 to 2025-06", parse_month("2024-12"),
        parse_month("2025-06"), DATE, "median", first_release_month(1e26, open_only=False),
        ("epoch_thresholds",), CALIBRATION,
        note="xAI's budget and compute generation were set from Grok-3"),
    Target(
        "first_open_above_1e26", "first open-weight model >= 1e26 FLOP",
        "none through 2026-04 (Epoch CSV snapshot); Epoch's Jan 2025 projection of Nov 2025 "
        "did not happen", parse_month("2026-05"), math.inf, DATE, "median",
        first_release_month(1e26, open_only=True), ("epoch_database", "epoch_open_1e26"),
        VALIDATION,
        note="the hybrid labs' open-size limits come from their largest open releases, so "
        "they cannot cross; the date is set by an unnamed, assumed actor: a member of the US "
        "open start-up group (us_open_startups) crosses first in every replicate at the "
        "baseline's written values; its count, budget and ceiling are drawn under "
        "--uncertainty (with one member at USD 1M, Chinese open labs cross first in 7 of 12)"),
    Target(
        "open_lag", "open-weight lag behind the frontier, 2024-26",
        "3-12 months (ECI 3-4, benchmarks ~12)", 3.0, 12.0, "months", "mean",
        window_mean("open_lag_months"), ("epoch_eci_gap", "epoch_open_report"), CALIBRATION,
        note="the fast-follower delay and leakage share were set against this and the "
        "competitor's lag"),
    Target(
        "state_domestic_lag", "competitor's own labs: lag behind the frontier, 2024-26",
        "~7 months (4-14), Chinese-developed models (Epoch ECI)", 4.0, 14.0, "months", "mean",
        window_mean(f"state_domestic_lag_months__{STATE}"), ("epoch_us_china",), CALIBRATION,
        note="measured on the state's domestic models only, the quantity Epoch measures; the "
        "followers' discount was set against it"),
    Target(
        "absorption_delay", "open release -> military fine-tune",
        "1-12 months (Norinco/DeepSeek-R1 < 1; ChatBIT ~11)", 1.0, 12.0, "months", "mean",
        absorption_delay, ("chatbit",), CONSISTENCY,
        note="echoes the input absorption_months"),
    Target(
        "meta_eu_withholding_2024", "Meta withholds a model from the EU in 2024",
        "in most replicates (multimodal Llama, Jul 2024)", 0.5, 1.0, "share of replicates",
        "mean", withholds_from("meta", "eu", 12), ("meta_eu_2024",), VALIDATION,
        explanation="not reproduced: the baseline's only EU instrument (the AI Act's GPAI "
        "duties) applies from 2025-08, and the GDPR training-data dispute behind Meta's 2024 "
        "decision is not modelled; an open model kept off a market counts as a non-release "
        "there, not as withholding (docs/model.md §10)"),
)
"""The baseline's targets: docs/model.md's table, from domain-facts and domain-facts-2."""


def check_calibration(run: RunResult) -> list[Check]:
    """Every target checked on a run of the baseline."""
    return [target.check(run) for target in TARGETS]
