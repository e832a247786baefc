"""Frontier history and lags in months.

The lag of an actor at month t is t minus the first month at which the frontier capability
reached the actor's current capability. The frontier moves in jumps (releases), so it is
interpolated linearly between the months at which it set new records; an actor at the current
frontier has a lag of 0. Before the first record the frontier is extrapolated backwards at a
fixed rate (OOM per month), so actors behind the initial frontier have a defined lag.
"""

from __future__ import annotations

import math

import numpy as np


class FrontierHistory:
    def __init__(self, months: int, prehistory_oom_per_month: float) -> None:
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
        """Months since the start at which the frontier first reached `capability` (may be < 0)."""
        if not math.isfinite(capability) or not self.record_values:
            return math.nan
        values = self.record_values
        if capability <= values[0]:
            return self.record_months[0] + (capability - values[0]) / self.prehistory_oom_per_month
        index = int(np.searchsorted(values, capability, side="left"))
        if index >= len(values):
            return float(self.recorded - 1)
        month_before, month_after = self.record_months[index - 1], self.record_months[index]
        share = (capability - values[index - 1]) / (values[index] - values[index - 1])
        return month_before + share * (month_after - month_before)

    def lag_months(self, capability: float) -> float:
        """Lag of `capability` behind the frontier at the latest recorded month (>= 0)."""
        if self.record_values and capability >= self.record_values[-1]:
            return 0.0
        return max(0.0, self.recorded - 1 - self.first_month_reaching(capability))
