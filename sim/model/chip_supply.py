"""Domestic AI accelerators in a state targeted by chip export controls (docs/model.md §7.4).

The controls deny a share `strength x (1 - smuggling)` of the compute the targets' labs would
buy at market prices. How much of it domestic chips replace is a formulation
(`world.chip_supply.formulation`):

- `substitution_rate`: a share of the denied compute, `domestic_substitution_2024` plus
  `domestic_substitution_growth_per_year` a year (the instrument's own values; assumption);
- `production_bound`: domestic output, H100-equivalents a year (`domestic_output_2025_chips` x
  `h100_equivalent_per_chip`, growing `production_growth_per_year`), as a share of the demand
  the targets would otherwise meet abroad (`denied_demand_2025_h100e`, growing
  `demand_growth_per_year`); it fills the denied share up to its size;
- `hbm_bound`: as production_bound, with output capped from 2026-01 by the HBM the targets can
  obtain (`hbm_bound_chips_per_year`; SemiAnalysis 2025: HBM, not logic wafers, binds).

Units: shares in [0, 1]; months are absolute month numbers (`sim.calendar.parse_month`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sim.calendar import parse_month

if TYPE_CHECKING:
    from sim.scenario.schema import ChipSupplyParams

SUBSTITUTION_REFERENCE_MONTH = parse_month("2024-01")
"""substitution_rate: the month `domestic_substitution_2024` refers to."""
PRODUCTION_REFERENCE_MONTH = parse_month("2025-01")
"""production_bound: output and demand are yearly rates of 2025, centred on 2025-07."""
HBM_BINDS_FROM = parse_month("2026-01")
"""hbm_bound: the die and HBM stockpiles carry output through 2025 (SemiAnalysis 2025)."""
MIN_ACCESS_SHARE = 1e-6
"""Production formulations: a full embargo with no domestic output still leaves this share
(a 6-OOM cut) so that the run size stays finite."""


def substitution_share(substitution_2024: float, growth_per_year: float, month: int) -> float:
    """substitution_rate: share of the denied compute replaced at `month`, in [0, 1]."""
    years = (month - SUBSTITUTION_REFERENCE_MONTH) / 12.0
    return min(1.0, max(0.0, substitution_2024 + growth_per_year * years))


def domestic_output_chips_per_year(supply: ChipSupplyParams, month: int) -> float:
    """Domestic accelerators produced a year at `month` (chips/yr), HBM-capped under
    hbm_bound from 2026."""
    years = (month - PRODUCTION_REFERENCE_MONTH - 6) / 12.0
    output = supply.domestic_output_2025_chips * supply.production_growth_per_year ** years
    if supply.formulation == "hbm_bound" and month >= HBM_BINDS_FROM:
        output = min(output, supply.hbm_bound_chips_per_year)
    return output


def supply_share_of_demand(supply: ChipSupplyParams, month: int) -> float:
    """Domestic output in H100-equivalents as a share of the demand the controls deny (>= 0;
    may exceed 1 when domestic chips could meet it all)."""
    years = (month - PRODUCTION_REFERENCE_MONTH - 6) / 12.0
    demand = supply.denied_demand_2025_h100e * supply.demand_growth_per_year ** years
    output = domestic_output_chips_per_year(supply, month) * supply.h100_equivalent_per_chip
    return output / demand


def access_share(denied_share: float, supply: ChipSupplyParams, month: int,
                 substitution_2024: float, substitution_growth_per_year: float) -> float:
    """Share of their market-price compute the targets can still obtain, in (0, 1], when the
    controls deny `denied_share` (strength x (1 - smuggling)) under the chosen formulation.
    Never rises with `denied_share` (a stricter control never gives more compute)."""
    if supply.formulation == "substitution_rate":
        replaced = substitution_share(substitution_2024, substitution_growth_per_year, month)
        return 1.0 - denied_share * (1.0 - replaced)
    replaced = supply_share_of_demand(supply, month)
    return max(MIN_ACCESS_SHARE, 1.0 - max(0.0, denied_share - replaced))
