"""What one run of a scenario produces: per-replicate results and the run that holds them.

The runner fills these; storage writes them to disk; presentation plots and tabulates them.
Units of the time-series columns and summary keys are those of the model's outputs
(docs/model.md, "Outputs"): capability in log10 effective FLOP, lags in months, shares in 0..1,
money in millions of USD.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

SummaryValue = float | str


@dataclass
class ReplicateResult:
    """One replicate of a scenario.

    Attributes:
        replicate: 0-based replicate index.
        seed: the integer seed this replicate ran with.
        timeseries: one row per month (columns ``step``, ``month`` and the model's outputs).
        summary: per-replicate outcomes (``mean_open_lag_months``, ``thefts``, ...); NaN where
            an outcome is undefined, e.g. a state that never reached a milestone.
        events: the event log, dicts with at least ``step``, ``month``, ``kind``, ``actors``
            and ``text``. The runner may give instead a function that returns it: it is called
            the first time `events` is read (or the result is pickled or copied), so a run
            whose events nobody reads never puts them into words (`sim.model.events`).
    """

    replicate: int
    seed: int
    timeseries: pd.DataFrame
    summary: dict[str, SummaryValue]
    events: list[dict] = field(default_factory=list)

    def __getstate__(self) -> dict[str, Any]:
        state = self.__dict__.copy()
        state["_events"] = self.events
        return state


class _ReadOnFirstUse:
    """`ReplicateResult.events`: stored as given; a function given is replaced by its result
    the first time the attribute is read."""

    def __set_name__(self, owner: type, name: str) -> None:
        self.slot = f"_{name}"

    def __get__(self, result: ReplicateResult | None, owner: type | None = None) -> Any:
        if result is None:
            return self
        value = result.__dict__[self.slot]
        if callable(value):
            value = result.__dict__[self.slot] = value()
        return value

    def __set__(self, result: ReplicateResult, value: list[dict] | Callable[[], list[dict]]):
        result.__dict__[self.slot] = value


ReplicateResult.events = _ReadOnFirstUse()  # after @dataclass, which gave `events` its default
ReplicateResult.events.__set_name__(ReplicateResult, "events")


@dataclass
class RunResult:
    """All replicates of one scenario run, with what is needed to reproduce it.

    Attributes:
        scenario_name: the scenario's name.
        question: the question the scenario asks, in a sentence.
        resolved_scenario_toml: the scenario text after ``extends`` and ``--set``.
        scenario_sha256: hash of ``resolved_scenario_toml``.
        root_seed: the root seed from which replicate seeds were spawned.
        replicate_seeds: one seed per replicate, in replicate order.
        replicates: the results, in replicate order.
        timings_s: wall-clock timings in seconds, by phase.
        state_names: the scenario's state actors (suffixes of ``state_*__S`` columns).
        regulator_names: the scenario's regulators (suffixes of ``regulator_pressure__R``).
        start: first simulated month, ``YYYY-MM``.
        months: number of simulated months.
        uncertain_parameters: the keys drawn per replicate (empty: every replicate shares
            every parameter value, and intervals show Monte Carlo noise only).
    """

    scenario_name: str
    question: str
    resolved_scenario_toml: str
    scenario_sha256: str
    root_seed: int
    replicate_seeds: list[int]
    replicates: list[ReplicateResult]
    timings_s: dict[str, float]
    state_names: list[str]
    regulator_names: list[str]
    start: str
    months: int
    uncertain_parameters: list[str] = field(default_factory=list)

    @property
    def interval_kind(self) -> str:
        """What the intervals over replicates include, in words."""
        if not self.uncertain_parameters:
            return "Monte Carlo only (every replicate shares every parameter value)"
        return (f"Monte Carlo and parameter uncertainty ({len(self.uncertain_parameters)} "
                "parameters drawn per replicate)")

    def timeseries_frame(self) -> pd.DataFrame:
        """All replicates' time series, concatenated, with a leading ``replicate`` column."""
        frames = [
            _all_missing_as_float(replicate.timeseries).assign(replicate=replicate.replicate)
            for replicate in self.replicates
        ]
        if not frames:
            return pd.DataFrame({"replicate": pd.Series(dtype="int64")})
        combined = pd.concat(frames, ignore_index=True)
        ordered = ["replicate"] + [column for column in combined.columns if column != "replicate"]
        return combined[ordered]

    def summaries_frame(self) -> pd.DataFrame:
        """One row per replicate: ``replicate``, ``seed``, then the summary keys in first-seen
        order (a key missing from a replicate is NaN there)."""
        rows = [
            {"replicate": replicate.replicate, "seed": replicate.seed, **replicate.summary}
            for replicate in self.replicates
        ]
        if not rows:
            return pd.DataFrame(
                {"replicate": pd.Series(dtype="int64"), "seed": pd.Series(dtype="int64")}
            )
        return pd.DataFrame.from_records(rows)


def _all_missing_as_float(frame: pd.DataFrame) -> pd.DataFrame:
    """Columns holding only None/NaN as float NaN, so that concatenating replicates gives the
    same dtypes whichever replicate happened to have no value (and pandas does not warn)."""
    empty = [
        column
        for column in frame.columns
        if frame[column].dtype == object and frame[column].isna().all()
    ]
    return frame.astype(dict.fromkeys(empty, "float64")) if empty else frame
