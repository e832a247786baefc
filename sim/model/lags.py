"""Frontier history and lags in months.

The lag of an actor at month t is t minus the first month at which the frontier capability
reached the actor's current capability, interpolated linearly between months. Before the start
the frontier is extrapolated backwards at a fixed rate (OOM per month), so actors behind the
initial frontier have a defined lag.
"""

from __future__ import annotations

import math

import numpy as np


class FrontierHistory:
    def __init__(self, months: int, prehistory_oom_per_month: float) -> None:
        self.values = np.full(months, np.nan)
        self.recorded = 0
        self.prehistory_oom_per_month = prehistory_oom_per_month

    def record(self, frontier_capability: float) -> None:
        """Append this month's frontier (non-decreasing by construction)."""
        self.values[self.recorded] = frontier_capability
        self.recorded += 1

    def first_month_reaching(self, capability: float) -> float:
        """Months since the start at which the frontier first reached `capability` (may be < 0)."""
        values = self.values[: self.recorded]
        if not math.isfinite(capability):
            return math.nan
        if capability <= values[0]:
            return (capability - values[0]) / self.prehistory_oom_per_month
        index = int(np.searchsorted(values, capability, side="left"))
        if index >= self.recorded:
            return float(self.recorded - 1)
        before, after = values[index - 1], values[index]
        return index - 1 + (capability - before) / (after - before)

    def lag_months(self, capability: float) -> float:
        """Lag of `capability` behind the frontier at the latest recorded month (>= 0)."""
        now = self.recorded - 1
        return max(0.0, now - self.first_month_reaching(capability))
