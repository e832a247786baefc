"""Independent measurements the model was not set against, checked on the baseline (2024-01).

Each row compares the model with a quantity measured by a source no parameter was set from
(`sim.validity.sources`: their identities are not calibration identities), on the quantity the
source measured: a date when Chinese open models overtook US ones in adoption, a count of
Chinese labs at or above the best US open model, a measured lag at a date, the direction of a
measured change. Nothing here was tuned: a row that fails, fails, with its reason documented in
docs/model.md §9.4.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

from sim.calendar import parse_month
from sim.experiments.results import ReplicateResult, RunResult
from sim.validity.checks import (
    DATE,
    Check,
    mean_estimate,
    median_estimate,
    range_margin,
    within,
)
from sim.validity.replay import date_margin

STATE = "prc"
SECTION = "evidence"
ADOPTION_DATA_END = "2026-03"
"""The ATOM report's download data run to March 2026."""

Measure = Callable[[ReplicateResult, int], float]
"""A replicate's value, given the run's start (absolute month number)."""


def _open_leaders(replicate: ReplicateResult, months: int) -> list[str]:
    """Per month (step), the domicile of the best open-weight model released so far ('' before
    any); pre-start models are not counted."""
    by_step: dict[int, list[dict]] = {}
    for event in replicate.events:
        if event["kind"] == "release" and event.get("open_weights") and event["step"] >= 0:
            by_step.setdefault(event["step"], []).append(event)
    best, where, leaders = -math.inf, "", []
    for step in range(months):
        for event in by_step.get(step, ()):
            if event["capability"] > best:
                best, where = event["capability"], event.get("jurisdiction") or ""
        leaders.append(where)
    return leaders


def chinese_open_lead(replicate: ReplicateResult, start: int) -> float:
    """First month from which, through `ADOPTION_DATA_END`, the best open-weight model released
    so far is Chinese (NaN if it is not Chinese at that end). Every adopter moves to the best
    open model it can get (Bass, q = 1/month: most within about two months), so this is when
    Chinese models take the lead in adoption, give or take that diffusion."""
    months = parse_month(ADOPTION_DATA_END) - start + 1
    leading = [leader.startswith("CN") for leader in _open_leaders(replicate, months)]
    if not leading or not leading[-1]:
        return math.nan
    last_not = max((step for step, lead in enumerate(leading) if not lead), default=-1)
    return float(start + last_not + 1)


def labs_at_or_above_best_us_open(month: str, state_prefix: str = "CN") -> Measure:
    """How many labs domiciled in `state_prefix` have released an open model at least as capable
    as the best US open model released by calendar `month` (releases from the start on)."""

    def measure(replicate: ReplicateResult, start: int) -> float:
        last = parse_month(month) - start
        best: dict[str, float] = {}
        best_us = -math.inf
        for event in replicate.events:
            if (event["kind"] != "release" or not event.get("open_weights")
                    or not 0 <= event["step"] <= last):
                continue
            where = event.get("jurisdiction") or ""
            if where.startswith("US"):
                best_us = max(best_us, event["capability"])
            elif where.startswith(state_prefix):
                lab = event["actors"][0]
                best[lab] = max(best.get(lab, -math.inf), event["capability"])
        return float(sum(1 for capability in best.values() if capability >= best_us))

    return measure


def column_at(column: str, month: str) -> Measure:
    """A monthly column's value at calendar `month`."""

    def measure(replicate: ReplicateResult, start: int) -> float:
        return float(replicate.timeseries[column].to_numpy(dtype=float)[parse_month(month) - start])

    return measure


def narrowing_between(column: str, first: str, last: str) -> Measure:
    """The column at `first` minus at `last` (> 0: the gap narrowed)."""

    def measure(replicate: ReplicateResult, start: int) -> float:
        before = column_at(column, first)(replicate, start)
        return before - column_at(column, last)(replicate, start)

    return measure


@dataclass(frozen=True)
class Measurement:
    """An independent measured quantity against the model's value on the baseline."""

    key: str
    label: str
    target: str
    low: float
    high: float
    unit: str
    statistic: str
    measure: Measure
    sources: tuple[str, ...]
    real_month: str = ""
    """For a date: the measured month (checked as a replay event is)."""
    explanation: str = ""
    note: str = ""

    def check(self, run: RunResult) -> Check:
        start = parse_month(run.start)
        values = [self.measure(replicate, start) for replicate in run.replicates]
        if self.unit == DATE:
            estimate = median_estimate(values)
            margin, borderline = date_margin(estimate, parse_month(self.real_month))
            passed = margin >= 0
        else:
            estimate = (mean_estimate if self.statistic == "mean" else median_estimate)(values)
            passed = within(estimate.value, self.low, self.high)
            margin, borderline = range_margin(estimate, self.low, self.high)
        return Check(SECTION, self.label, self.target, self.sources, estimate, self.unit, passed,
                     "" if passed and not borderline else self.explanation, self.note,
                     margin=margin, borderline=borderline)


MEASUREMENTS: tuple[Measurement, ...] = (
    Measurement(
        "atom_overtake", "Chinese open models lead adoption",
        "2025-07 (summer 2025: Chinese open models overtake US ones in Hugging Face downloads "
        "and derivatives)", math.nan, math.nan, DATE, "median", chinese_open_lead,
        ("atom_report",), real_month="2025-07",
        note="model: first month from which, through 2026-03, the best open model released is "
        "Chinese; adopters move to it within about two months (Bass q = 1/month)"),
    Measurement(
        "atom_five_labs", "Chinese labs at or above the best US open model, 2025-08",
        "at least 5 (ATOM Project, Aug 2025)", 5.0, math.inf, "labs", "mean",
        labs_at_or_above_best_us_open("2025-08"), ("atom_project",),
        explanation="Fails (2.7 of the model's 8 Chinese open labs on average). The model's "
        "hybrid US labs release open at their open-size limit with 2025 algorithms (Meta and "
        "NVIDIA ~4.5e25 FLOP in mid-2025), where the real US open releases of 2025 were "
        "smaller (Llama 4 Maverick 2.2e24, gpt-oss-120b 4.9e24 FLOP, Epoch); the Chinese "
        "followers release every 4-8 months, so only those that released after the US model "
        "are level with it. The open-size limit of the US labs, not the followers, is what "
        "this measurement contradicts.",
        note="labs domiciled in China (members of the long-tail group count one each) whose "
        "best open release by 2025-08 is at least as capable as the best US open release"),
    Measurement(
        "caisi_lag_2026", "best Chinese model's lag, 2026-04 (CAISI)",
        "~8 months (DeepSeek V4 Pro vs the US frontier), accepted 5-11", 5.0, 11.0, "months",
        "mean", column_at(f"state_domestic_lag_months__{STATE}", "2026-04"),
        ("caisi_deepseek_v4",),
        explanation="Fails narrowly (11.2 months against ~8). The model's own-lab lag widens "
        "through 2026 (9.3 months on average over 2024-26) as the frontier's 2026 generations "
        "arrive and the followers need their delay plus discount to follow; CAISI measures "
        "~8 months for DeepSeek V4 Pro, and Epoch's ECI ~7 on average: the model's Chinese "
        "labs are 2-3 months further behind than both instruments say in 2026.",
        note="another instrument than Epoch's ECI, at one date; the date lies in the 2024-26 "
        "window whose ECI mean set the followers' discount, so this tests the level there "
        "only weakly. Acceptance +-3 months: CAISI gives no interval (assumption)"),
    Measurement(
        "arena_us_china", "US-China gap narrows, 2024-01 -> 2025-02 (Arena)",
        "the gap shrinks (Arena: 103 -> 23 Elo points); direction only", 0.0, math.inf,
        "months", "mean",
        narrowing_between(f"state_domestic_lag_months__{STATE}", "2024-01", "2025-02"),
        ("ai_index_us_china",),
        note="the model's own labs' lag in 2024-01 minus 2025-02; Elo points and months have "
        "no common scale, so only the sign is compared"),
    Measurement(
        "arena_open_closed", "open-closed gap narrows, 2024-01 -> 2025-02 (Arena)",
        "the gap shrinks (Arena: ~8% -> 1.7%); direction only", 0.0, math.inf, "months",
        "mean", narrowing_between("open_lag_months", "2024-01", "2025-02"),
        ("ai_index_open_closed",),
        note="the open lag in 2024-01 minus 2025-02; only the sign is compared"),
)


def check_evidence(run: RunResult) -> list[Check]:
    """Every independent measurement checked on a run of the baseline."""
    return [measurement.check(run) for measurement in MEASUREMENTS]
