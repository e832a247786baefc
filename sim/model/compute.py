"""The cost of training compute and the bound on the largest feasible run.

Two separate processes, both calendar-based so that every scenario shares them:

- the price of a training FLOP, `usd_per_flop(month)`, falls by a constant factor a year;
- the largest feasible run, `ceiling_log10_flop(month)`, follows Epoch's scaling-constraint
  estimate (about 2e29 FLOP feasible by 2030, power-limited): log-linear from a 2025 value just
  above the largest run then on record to the 2030 value, extrapolated backwards before 2025,
  and growing at a slower, assumed rate after 2030.

A lab's frontier run is bought with its budget (USD M, growing at the lab's spending growth) at
the price of the month, then capped by the ceiling (`affordable_log10_flop`). Chip export
controls raise the effective price for targeted labs by the inverse of the share of compute they
can still obtain (`sim/model/policies/chip_export_controls.py`); the ceiling applies to everyone.
Units: FLOP as log10 FLOP; money in USD M (musd); months as absolute month numbers
(`sim.calendar.parse_month`).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from sim.calendar import parse_month

if TYPE_CHECKING:
    from sim.scenario.schema import ComputeParams

PRICE_REFERENCE_MONTH = parse_month("2024-01")
CEILING_2025, CEILING_2030 = parse_month("2025-01"), parse_month("2030-01")


class CostModel:
    """Training-compute prices and the feasibility ceiling of a scenario's world."""

    def __init__(self, params: ComputeParams) -> None:
        self.params = params
        self._usd_per_flop: dict[int, float] = {}
        """`usd_per_flop` by month (asked thousands of times a replicate, for a few months)."""
        self._ceilings: dict[int, float] = {}
        """`ceiling_log10_flop` by month, likewise."""

    def usd_per_flop(self, month: int) -> float:
        """Cost of one training FLOP in USD at `month` (market price, before export controls)."""
        price = self._usd_per_flop.get(month)
        if price is None:
            years = (month - PRICE_REFERENCE_MONTH) / 12.0
            price = self._usd_per_flop[month] = (
                self.params.usd_per_flop_2024 / self.params.flop_price_decline_per_year**years)
        return price

    def run_cost_musd(self, log10_flop: float, month: int) -> float:
        """What a run of `log10_flop` costs at `month`'s market price, USD M."""
        return 10.0**log10_flop * self.usd_per_flop(month) / 1e6

    def log10_flop_for_cost(self, cost_musd: float, month: int) -> float:
        """The run a budget of `cost_musd` buys at `month`'s market price (log10 FLOP)."""
        return math.log10(cost_musd * 1e6 / self.usd_per_flop(month))

    def ceiling_log10_flop(self, month: int) -> float:
        """The largest feasible training run at `month` (log10 FLOP)."""
        ceiling = self._ceilings.get(month)
        if ceiling is None:
            ceiling = self._ceilings[month] = self._ceiling_log10_flop(month)
        return ceiling

    def _ceiling_log10_flop(self, month: int) -> float:
        p = self.params
        low, high = math.log10(p.ceiling_flop_2025), math.log10(p.ceiling_flop_2030)
        if month >= CEILING_2030:
            years = (month - CEILING_2030) / 12.0
            return high + years * math.log10(p.ceiling_growth_after_2030_per_year)
        per_month = (high - low) / (CEILING_2030 - CEILING_2025)
        return low + (month - CEILING_2025) * per_month

    def affordable_log10_flop(self, budget_musd: float, month: int, access: float = 1.0) -> float:
        """The run a budget buys at `month` when only a share `access` (0, 1] of compute can be
        obtained at the market price (chip export controls), capped by the ceiling."""
        bought = self.log10_flop_for_cost(budget_musd, month) + math.log10(access)
        return min(bought, self.ceiling_log10_flop(month))
