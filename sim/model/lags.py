"""Frontier history and lags in months.

The lag of an actor at month t is t minus the first month at which the frontier had a model at
least as capable as the actor's best, as Epoch measures lags between release dates; an actor at
the current frontier has a lag of 0. Before the first record the frontier is extrapolated
backwards at a fixed rate (OOM per month), so actors behind the initial frontier have a defined
lag.
"""

from __future__ import annotations

import bisect
import math


class FrontierHistory:
    def __init__(self, prehistory_oom_per_month: float) -> None:
        self.record_months: list[int] = []
        self.record_values: list[float] = []
        self.recorded = 0
        self.prehistory_oom_per_month = prehistory_oom_per_month

    def record(self, frontier_capability: float) -> None:
        """Note this month's frontier (-inf before any model exists)."""
        month = self.recorded
        self.recorded += 1
        if not math.isfinite(frontier_capability):
            return
        if not self.record_values or frontier_capability > self.record_values[-1]:
            self.record_months.append(month)
            self.record_values.append(frontier_capability)

    def first_month_reaching(self, capability: float) -> float:
        """Months since the start at which the frontier first had a model at least as capable
        as `capability` (may be < 0: before the first record the frontier is extrapolated
        backwards at the prehistory rate)."""
        if not math.isfinite(capability) or not self.record_values:
            return math.nan
        values = self.record_values
        if capability <= values[0]:
            return self.record_months[0] + (capability - values[0]) / self.prehistory_oom_per_month
        index = bisect.bisect_left(values, capability)
        if index >= len(values):
            return float(self.recorded - 1)
        return float(self.record_months[index])

    def lag_months(self, capability: float) -> float:
        """Lag of `capability` behind the frontier at the latest recorded month (>= 0)."""
        if self.record_values and capability >= self.record_values[-1]:
            return 0.0
        return max(0.0, self.recorded - 1 - self.first_month_reaching(capability))

    def capability_at(self, month: float) -> float:
        """The frontier's capability at `month` (months since the start; before the first
        record, extrapolated backwards at the prehistory rate)."""
        if not self.record_values:
            return -math.inf
        months, values = self.record_months, self.record_values
        if month < months[0]:
            return values[0] - (months[0] - month) * self.prehistory_oom_per_month
        index = bisect.bisect_right(months, month)
        return values[index - 1]
