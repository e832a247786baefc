"""Historical replay: `chatbit_2023` from 2023-07 against the dated events of 2023-2025.

Each real event is given a definition in the model's terms, measured per replicate as a calendar
month (NaN when it does not happen within the horizon) and summarised by the median and the
2.5-97.5% range over replicates. An event is reproduced when the real month lies in that range
and the median is within `MEDIAN_TOLERANCE_MONTHS` of it.

Capability levels are in the model's units, log10 *effective* FLOP: training FLOP plus the
algorithmic-efficiency index, which is 0 at the scenario start and grows at
`world.algo_efficiency_growth_oom_per_year`. A model trained at an earlier month gets the index
of that month, as the model's own pre-start models do: GPT-4 (2.1e25 FLOP, 2023-03) in a
replay starting 2023-07 has log10(2.1e25) - 4 x 0.45/12 = 25.32 - 0.15 = 25.17.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from sim.calendar import parse_month
from sim.experiments.results import ReplicateResult, RunResult
from sim.scenario.schema import Scenario
from sim.validity.checks import (
    DATE,
    Check,
    Estimate,
    mean_estimate,
    median_estimate,
    range_margin,
    within,
)

SCENARIO = "chatbit_2023"
OPEN_LAB = "meta"
STATE = "prc"
MEDIAN_TOLERANCE_MONTHS = 6
"""How far the model's median date may be from the real one (an assumption: half a year)."""
RANGE_TOLERANCE_MONTHS = 3
"""How far outside the model's 95% range the real date may fall (a quarter: model months are
whole months, and a near-deterministic event has a range of a month or two)."""
GAP_WINDOW_END = "2026-05"
"""The open-closed gap data (Epoch ECI, LessWrong) run to May 2026."""

Measure = Callable[[ReplicateResult, Scenario], float]
"""A replicate's month of an event (absolute month number), NaN if it does not happen."""


def reference_capability(train_flop: float, month: str, scenario: Scenario) -> float:
    """Effective compute (log10) of a model of `train_flop` FLOP trained at calendar `month`,
    on the scenario's algorithmic-efficiency index (0 at its start, base growth rate)."""
    rate = scenario.world.algo_efficiency_growth_oom_per_year / 12.0
    months = parse_month(month) - parse_month(scenario.scenario.start)
    return math.log10(train_flop) + rate * months


def first_release(replicate: ReplicateResult, scenario: Scenario) -> float:
    """The open lab's first release in the replay (Llama 2)."""
    return _first_event(
        replicate, scenario, lambda e: e["kind"] == "release" and e["actors"] == [OPEN_LAB]
    )


def state_reaches_gpt4(replicate: ReplicateResult, scenario: Scenario) -> float:
    """First month a model of the state's own labs reaches GPT-4's capability (2.1e25 FLOP at
    2023-03): Epoch's 'first Chinese model above GPT-4'."""
    level = reference_capability(2.1e25, "2023-03", scenario)
    capability = replicate.timeseries[f"state_domestic_capability__{STATE}"].to_numpy(
        dtype=float)
    reached = np.nonzero(capability >= level - 1e-9)[0]
    return float(parse_month(scenario.scenario.start) + reached[0]) if reached.size else math.nan


def first_absorption_of_open_lab(replicate: ReplicateResult, scenario: Scenario) -> float:
    """First military fine-tune of one of the open lab's models (ChatBIT)."""
    return _first_event(
        replicate, scenario, lambda e: e["kind"] == "absorption" and OPEN_LAB in e["actors"]
    )


def first_open_at_least(train_flop: float) -> Measure:
    """First open-weight release of at least `train_flop` FLOP."""
    floor = math.log10(train_flop)

    def measure(replicate: ReplicateResult, scenario: Scenario) -> float:
        return _first_event(
            replicate,
            scenario,
            lambda e: e["kind"] == "release" and e["open_weights"] and e["train_flop"] >= floor,
        )

    return measure


def smallest_open_lag(replicate: ReplicateResult, scenario: Scenario) -> float:
    """First month at which the open lag is at its smallest over the replay up to 2026-05."""
    start = parse_month(scenario.scenario.start)
    months = parse_month(GAP_WINDOW_END) - start + 1
    lags = replicate.timeseries["open_lag_months"].to_numpy(dtype=float)[:months]
    if not np.isfinite(lags).any():
        return math.nan
    return float(start + int(np.nanargmin(lags)))


def _first_event(replicate: ReplicateResult, scenario: Scenario, wanted) -> float:
    steps = [e["step"] for e in replicate.events if e["step"] >= 0 and wanted(e)]
    return float(parse_month(scenario.scenario.start) + min(steps)) if steps else math.nan


@dataclass(frozen=True)
class ReplayEvent:
    key: str
    label: str
    real_month: str
    definition: str
    measure: Measure
    sources: tuple[str, ...]
    calibrated: tuple[str, ...] = ()
    construction: str = ""
    explanation: str = ""
    note: str = ""
    section: str = "replay"

    def check(self, run: RunResult, scenario: Scenario) -> Check:
        estimate = median_estimate(self.measure(r, scenario) for r in run.replicates)
        real = parse_month(self.real_month)
        margin, borderline = date_margin(estimate, real)
        return Check(
            self.section,
            self.label,
            f"{self.real_month}: {self.definition}",
            self.sources,
            estimate,
            DATE,
            margin >= 0,
            self.explanation,
            self.note,
            self.calibrated,
            self.construction,
            margin,
            borderline,
        )


def date_margin(estimate: Estimate, real: float) -> tuple[float, bool]:
    """(margin, borderline) of a real date against the model's median and range: the months
    to spare under the rule (median within MEDIAN_TOLERANCE_MONTHS of the real month, real
    month within the widened range; negative: fails by that much), and whether it is
    borderline: it passes with no month to spare, or the median's 95% interval reaches past the
    median tolerance."""
    if math.isnan(estimate.value):
        return -math.inf, False
    median_slack = MEDIAN_TOLERANCE_MONTHS - abs(estimate.value - real)
    range_slack = min(real - (estimate.low - RANGE_TOLERANCE_MONTHS),
                      estimate.high + RANGE_TOLERANCE_MONTHS - real)
    margin = min(median_slack, range_slack)
    if math.isnan(margin):
        margin = -math.inf
    reach = max(abs(estimate.value_low - real), abs(estimate.value_high - real))
    return margin, bool(0 <= margin < 1 or (margin >= 0 and reach > MEDIAN_TOLERANCE_MONTHS))


EVENTS: tuple[ReplayEvent, ...] = (
    ReplayEvent(
        "llama2",
        "Llama 2 released",
        "2023-07",
        "Meta's first release in the replay",
        first_release,
        ("llama2_licence",),
        construction="the replay starts with Llama 2's release",
    ),
    ReplayEvent(
        "state_gpt4",
        "first Chinese model above GPT-4",
        "2024-05",
        "state capability reaches GPT-4's",
        state_reaches_gpt4,
        ("epoch_us_china_gpt4",),
        explanation=(
            "Early: on the model's one axis of effective compute, GLM-4 (1.2e25 FLOP, Jan 2024, "
            "with 2023-24 algorithms) already matches GPT-4 (2.1e25 FLOP of 2022-23). Epoch's "
            "capability index, built from benchmarks, dates the first Chinese model above GPT-4 "
            "to May 2024: the Chinese labs' early models did less with their compute than the "
            "model, which gives no lab an efficiency handicap unless its offset says so."
        ),
        note=(
            "GPT-4 = 2.1e25 FLOP at 2023-03 algorithms = 25.17 log10 effective FLOP from a "
            "2023-07 start (Epoch's database: the level's definition in the model's units, "
            "not the measurement compared); the state's own labs' models only"
        ),
    ),
    ReplayEvent(
        "chatbit",
        "ChatBIT paper",
        "2024-06",
        "first military fine-tune of a Meta model",
        first_absorption_of_open_lab,
        ("chatbit",),
        construction="Llama 2's date plus the input states.prc.absorption_months",
    ),
    ReplayEvent(
        "llama31",
        "Llama 3.1-405B (open >= 3.8e25 FLOP)",
        "2024-07",
        "first open-weight release >= 3.8e25 FLOP",
        first_open_at_least(3.8e25),
        ("epoch_database",),
        calibrated=("developers.meta.first_cluster_months",),
        explanation=(
            "At its tolerance: Meta's 405B-class compute arrives in 2024-06 to 2024-08 (set "
            "from Llama 3.1), but the release waits for Meta's next cadence slot (every 4-8 "
            "months, an assumption), so the median release is about six months late and moves "
            "by a month or two with the replicates (pass at 20, fail at 12)."
        ),
        note="Meta's compute generation in the replay was set from it",
    ),
    ReplayEvent(
        "grok3",
        "Grok-3: first model >= 1e26 FLOP",
        "2025-02",
        "first release >= 1e26 FLOP",
        lambda r, s: _first_event(r, s, lambda e: e["kind"] == "release"
                                  and e["train_flop"] >= 26.0),
        ("epoch_thresholds",),
        calibrated=("developers.xai.run_budget_musd", "developers.xai.first_cluster_months"),
        note="xAI's budget and compute generations were set from Grok-2 and Grok-3",
    ),
    ReplayEvent(
        "deepseek_r1",
        "DeepSeek-R1: smallest open-closed gap",
        "2025-01",
        "first month of the smallest open lag",
        smallest_open_lag,
        ("lesswrong_open_gap",),
        explanation=(
            "In the model the open frontier comes closest to the frontier when Llama 3.1-405B "
            "arrives (2024-07), as Epoch's Nov 2024 report found on its data ('Llama 3.1-405B "
            "was the latest to close the gap'). The benchmark minimum at DeepSeek-R1 comes "
            "from reasoning post-training, which one axis of effective compute does not "
            "represent."
        ),
        note="the open lag's minimum over 2023-07 to 2026-05 (the span of the gap data); "
        "passes on a wide range: no mechanism makes the gap smallest at one moment",
    ),
)


def window_value(column: str, first: str, last: str) -> Measure:
    """Mean of a monthly column from calendar month `first` to `last` (inclusive)."""

    def measure(replicate: ReplicateResult, scenario: Scenario) -> float:
        start = parse_month(scenario.scenario.start)
        values = replicate.timeseries[column].to_numpy(dtype=float)[
            parse_month(first) - start:parse_month(last) - start + 1]
        return float(np.nanmean(values)) if np.isfinite(values).any() else math.nan

    return measure


def narrowing(replicate: ReplicateResult, scenario: Scenario) -> float:
    """Domestic lag in 2023-H2 minus the one in 2024-25 (months; > 0 means narrowing)."""
    column = f"state_domestic_lag_months__{STATE}"
    return (window_value(column, "2023-07", "2023-12")(replicate, scenario)
            - window_value(column, "2024-01", "2025-12")(replicate, scenario))


def events_between(kind: str, first: str, last: str) -> Measure:
    """How many events of `kind` happen from calendar month `first` to `last`."""

    def measure(replicate: ReplicateResult, scenario: Scenario) -> float:
        return float(sum(1 for e in replicate.events
                         if e["kind"] == kind and first <= e["month"] <= last))

    return measure


@dataclass(frozen=True)
class ReplayStatistic:
    """A quantity of the replay (not a date) against an acceptance range."""

    key: str
    label: str
    target: str
    low: float
    high: float
    unit: str
    statistic: str
    measure: Measure
    sources: tuple[str, ...]
    calibrated: tuple[str, ...] = ()
    construction: str = ""
    explanation: str = ""
    note: str = ""
    section: str = "replay"

    def check(self, run: RunResult, scenario: Scenario) -> Check:
        values = [self.measure(r, scenario) for r in run.replicates]
        estimate = (mean_estimate if self.statistic == "mean" else median_estimate)(values)
        passed = within(estimate.value, self.low, self.high)
        margin, borderline = range_margin(estimate, self.low, self.high)
        return Check(self.section, self.label, self.target, self.sources, estimate, self.unit,
                     passed, self.explanation, self.note, self.calibrated, self.construction,
                     margin, borderline)


STATISTICS: tuple[ReplayStatistic, ...] = (
    ReplayStatistic(
        "lag_2023", "competitor's own labs: lag in 2023-H2", "12-14 months, accepted 10-16",
        10.0, 16.0, "months", "mean",
        window_value(f"state_domestic_lag_months__{STATE}", "2023-07", "2023-12"),
        ("epoch_us_china_2023",),
        note="the followers' discount was set on the 2024-26 mean, not on 2023"),
    ReplayStatistic(
        "lag_2024_25", "competitor's own labs: lag in 2024-25", "6-8 months, accepted 4-10",
        4.0, 10.0, "months", "mean",
        window_value(f"state_domestic_lag_months__{STATE}", "2024-01", "2025-12"),
        ("epoch_us_china",),
        note="inside the 2024-26 window whose mean set the followers' discount"),
    ReplayStatistic(
        "narrowing", "competitor's lag narrows from 2023 to 2024-25",
        "2023-H2 lag minus 2024-25 lag > 0 (12-14 -> 6-8 months)", 0.0, math.inf, "months",
        "mean", narrowing, ("epoch_us_china_2023", "epoch_us_china"),
        note="one end is the 2024-26 lag the followers' discount was set against"),
    ReplayStatistic(
        "incidents", "publicised military fine-tunes of foreign models, 2023-07 to 2025-12",
        "1 on record (ChatBIT), accepted 0-3", 0.0, 3.0, "count", "mean",
        events_between("incident", "2023-07", "2025-12"), ("chatbit",),
        calibrated=("world.derivative_publicity_per_month",),
        note="the publicity rate was set around this one case"),
    ReplayStatistic(
        "thefts_disclosed", "state thefts of frontier weights made public, 2023-07 to 2025-12",
        "0 on record: the median replicate has none", 0.0, 0.0, "count", "median",
        events_between("theft_disclosed", "2023-07", "2025-12"), ("theft_record",),
        calibrated=("world.theft.hazard_per_month_at_parity",),
        note="the theft hazard's default was bounded by this record"),
)


def check_replay(run: RunResult, scenario: Scenario) -> list[Check]:
    """Every replay event and statistic checked on a run of `scenario` (chatbit_2023)."""
    return ([event.check(run, scenario) for event in EVENTS]
            + [statistic.check(run, scenario) for statistic in STATISTICS])
