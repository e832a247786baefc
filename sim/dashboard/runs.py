"""A scenario's draws as the dashboard holds them, and the statistics it shows.

A `Draw` is one replicate, made compact to cross a process boundary: each numeric output
column as a float array over months, each text column (the competitor's best channel) as a
tuple, the events the page can tell (`sim.presentation.narrative.told`, with only the fields
the story reads: a full log is ~0.5 MB a draw, mostly routine releases and decisions no screen
shows) and the summary. A `RunSet` is the draws of one scenario over the same
seeds as `regsim run` would use, with the month-by-month mean and replicate band of any column
(or a column's share of others) and the measures of `sim.dashboard.headlines`.

Statistics follow `regsim run` exactly: per draw, the mean of a series skips undefined months
(`sim.model.outputs`); over draws, the mean skips undefined draws (`sim.experiments.stats`).
So a headline over the whole horizon equals the run's outcome mean, to the last bit.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from sim.dashboard.headlines import Measure

BAND_PERCENTILES = (10.0, 90.0)
"""The replicate band: the middle 80% of draws."""


@dataclass(frozen=True, repr=False)
class Draw:
    """One replicate: `numbers[column]` (float, one per month), `labels[column]` (text),
    `events` (the event log) and `summary` (the summary outcomes)."""

    seed: int
    months: tuple[str, ...]
    numbers: Mapping[str, np.ndarray]
    labels: Mapping[str, tuple[str, ...]]
    events: tuple[Mapping[str, Any], ...]
    summary: Mapping[str, Any]

    def __repr__(self) -> str:  # short: asyncio and loggers print results
        return f"Draw(seed={self.seed}, months={len(self.months)}, events={len(self.events)})"


def draw_from(result: Any, columns: Collection[str] | None = None) -> Draw:
    """A `Draw` from a `sim.experiments.results.ReplicateResult`, keeping only `columns` of its
    monthly series when given (the ones the page shows: `headlines.shown_columns`)."""
    frame = result.timeseries
    numbers: dict[str, np.ndarray] = {}
    labels: dict[str, tuple[str, ...]] = {}
    for column in frame.columns:
        if column in ("step", "month") or (columns is not None and column not in columns):
            continue
        values = frame[column]
        if values.dtype == object:
            labels[column] = tuple("" if value is None else str(value) for value in values)
        else:
            numbers[column] = values.to_numpy(dtype=float, copy=True)
    return Draw(int(result.seed), tuple(str(m) for m in frame["month"]), numbers, labels,
                story_events(result.events), dict(result.summary))


STORY_FIELDS = ("step", "month", "kind", "text", "actors", "covered", "open_weights", "defied",
                "design", "relocate", "actions")
"""The event fields the dashboard's story and round summaries read
(`sim.presentation.narrative`)."""


def story_events(events: Sequence[Mapping[str, Any]]) -> tuple[dict[str, Any], ...]:
    """The events the story can tell, with only the fields it reads. `told` keeps the same
    events from this list as from the whole log (in any window of months), so the page's story
    and round summaries are unchanged."""
    from sim.presentation.narrative import told, without_figures

    kept = []
    for event in told(events):
        slim = {name: event[name] for name in STORY_FIELDS if name in event}
        slim["text"] = without_figures(str(event.get("text", "")))  # never shown
        kept.append(slim)
    return tuple(kept)


@dataclass(frozen=True)
class RunSet:
    """The draws of one scenario (same seeds, same order as `regsim run`)."""

    key: str
    draws: tuple[Draw, ...] = field(repr=False)
    _matrices: dict[str, np.ndarray] = field(default_factory=dict, compare=False, repr=False)
    _shares: dict[str, dict[str, np.ndarray]] = field(default_factory=dict, compare=False,
                                                      repr=False)

    @property
    def months(self) -> tuple[str, ...]:
        return self.draws[0].months if self.draws else ()

    @property
    def size(self) -> int:
        return len(self.draws)

    def has(self, column: str) -> bool:
        return bool(self.draws) and (column in self.draws[0].numbers
                                     or column in self.draws[0].labels)

    def matrix(self, column: str) -> np.ndarray | None:
        """Draws x months of a numeric column; None if the model does not write it."""
        if column in self._matrices:
            return self._matrices[column]
        if not self.draws or column not in self.draws[0].numbers:
            return None
        stacked = np.vstack([draw.numbers[column] for draw in self.draws])
        stacked = np.where(np.isfinite(stacked), stacked, np.nan)
        self._matrices[column] = stacked
        return stacked

    def labels(self, column: str) -> list[tuple[str, ...]]:
        return [draw.labels.get(column, ()) for draw in self.draws]

    def mean(self, column: str, of: Sequence[str] = ()) -> np.ndarray | None:
        """The mean over draws of a series, month by month (undefined draws skipped; NaN if
        none)."""
        matrix = self.series(column, of)
        return None if matrix is None else _nan_reduce(np.nanmean, matrix)

    def band(self, column: str, of: Sequence[str] = ()) -> tuple[np.ndarray, np.ndarray] | None:
        """The replicate band (BAND_PERCENTILES) of a series, month by month."""
        matrix = self.series(column, of)
        if matrix is None:
            return None
        low, high = BAND_PERCENTILES
        return percentile(matrix, low), percentile(matrix, high)

    def total(self, columns: Sequence[str]) -> np.ndarray | None:
        """Draws x months of the sum of `columns`; None if the model lacks any of them."""
        matrices = [self.matrix(column) for column in columns]
        if not matrices or any(matrix is None for matrix in matrices):
            return None
        if len(matrices) == 1:
            return matrices[0]
        total = matrices[0].copy()
        for matrix in matrices[1:]:  # in order, as `sim.model.outputs` adds them
            total += matrix
        return total

    def share(self, columns: Sequence[str], of: Sequence[str]) -> np.ndarray | None:
        """Draws x months of the sum of `columns` over the sum of `of` (NaN where that is 0),
        cached; None if the model lacks any of them."""
        key = "share:" + "+".join(columns) + "/" + "+".join(of)
        if key in self._matrices:
            return self._matrices[key]
        part, whole = self.total(columns), self.total(of)
        if part is None or whole is None:
            return None
        with np.errstate(divide="ignore", invalid="ignore"):
            shares = np.where(whole != 0, part / np.where(whole != 0, whole, 1.0), np.nan)
        self._matrices[key] = shares
        return shares

    def series(self, column: str, of: Sequence[str] = ()) -> np.ndarray | None:
        """Draws x months of a chart series: the column, or its share of `of`."""
        return self.share((column,), of) if of else self.matrix(column)

    def per_draw(self, measure: Measure, month: int) -> np.ndarray | None:
        """Each draw's value of `measure` (its columns filled) at month index `month`."""
        statistic = measure.statistic
        if statistic == "share_at_month":
            matrix = self.share(measure.columns, measure.of)
        else:
            matrix = self.total(measure.columns)
        if matrix is None:
            return None
        month = min(max(int(month), 0), matrix.shape[1] - 1)
        if statistic in ("at_month", "share_at_month"):
            return matrix[:, month].copy()
        if statistic == "mean_to_month":
            return np.array([_series_mean(row[: month + 1]) for row in matrix])
        raise ValueError(f"unknown statistic {statistic!r}")

    def statistic(self, measure: Measure, month: int) -> float:
        """The mean over draws of each draw's value of `measure` at `month`; NaN if
        undefined."""
        values = self.per_draw(measure, month)
        return math.nan if values is None else mean_of_defined(values)

    def channel_shares(self, column: str) -> dict[str, np.ndarray]:
        """For a text column, the share of draws in each category, month by month (cached:
        every redraw's chart caption asks again)."""
        key = "channels:" + column
        if key not in self._shares:
            rows = [row for row in self.labels(column) if row]
            if not rows:
                return {}
            length = len(rows[0])
            table = np.array([row[:length] for row in rows], dtype=object)
            self._shares[key] = {category: (table == category).sum(axis=0) / len(rows)
                                 for category in sorted({value for row in rows
                                                         for value in row})}
        return self._shares[key]


def mean_of_defined(values: Sequence[float] | np.ndarray) -> float:
    """The mean of the defined (non-NaN) values, as `sim.experiments.stats.mean_ci` takes it."""
    array = np.asarray(values, dtype=float)
    defined = array[~np.isnan(array)]
    return float(defined.mean()) if defined.size else math.nan


def percentile(matrix: np.ndarray, q: float) -> np.ndarray:
    """The q-th percentile over draws (axis 0), month by month, skipping NaN: numpy's linear
    method (as `np.nanpercentile`), vectorised over months (nanpercentile loops over them)."""
    ordered = np.sort(matrix, axis=0)  # NaN sort last
    defined = np.sum(~np.isnan(matrix), axis=0)
    position = np.maximum(defined - 1, 0) * (q / 100.0)
    below = np.floor(position).astype(int)
    above = np.minimum(below + 1, np.maximum(defined - 1, 0))
    columns = np.arange(matrix.shape[1])
    low, high = ordered[below, columns], ordered[above, columns]
    with np.errstate(invalid="ignore"):
        values = low + (high - low) * (position - below)
    values = np.where(high == low, low, values)  # equal neighbours: exact (and inf-safe)
    return np.where(defined > 0, values, np.nan)


def _series_mean(values: np.ndarray) -> float:
    """A draw's mean over months, as `sim.model.outputs` summarises a series."""
    return float(np.nanmean(values)) if np.isfinite(values).any() else math.nan


def _nan_reduce(function, matrix: np.ndarray) -> np.ndarray:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN months are NaN, on purpose
        return function(matrix, axis=0)
