"""How a lab's money values grow over a run (docs/model.md §4.1, §10).

A lab's revenue, the value of one release, of capability, its delay and relocation costs (and,
under the `revealed` utilities, its openness value up to a cap) all grow by one factor, its
*value scale*. Which factor is a formulation (`world.money_growth`):

- `run_budget` (model v2, default): the growth of what the lab spends on its frontier runs
  (`Developer.spending_musd`), 2.4x/yr for the US labs (Cottier et al. 2024); unsourced as a
  revenue path, and by 2033 it gives some labs trillions of dollars of AI revenue a year;
- `revenue_path`: revenue follows the labs' sourced revenue path: it grows
  `growth_2024_per_year` in 2024 (OpenAI: USD 3.7B in 2024 to 13B in 2025), and the log of
  each year's growth shrinks by half every `growth_half_life_years`, as OpenAI's and
  Anthropic's own projections do (OpenAI: USD 13B in 2025 to 125B in 2029 and 174B in 2030;
  Anthropic: 3.2x, 2.6x and 1.8x over 2026-28); no lab's revenue exceeds
  `max_annual_revenue_musd` (HSBC's 2030 forecast for OpenAI), or its start value where that is
  larger.

With L = ln(growth_2024_per_year) and d = 2^(-1/half_life), the log of the growth factor from
2024-01 to t years later is F(t) = L (1 - d^t) / (1 - d): the year starting at t grows
exp(L d^t)-fold, so growth never stops but its total is bounded by exp(L / (1 - d)) (72-fold
from 2024 at the defaults) even without the cap. Before 2024 (a scenario that starts earlier,
such as the 2023-07 replay) revenue grows at the path's 2024 rate, F(t) = F'(0) t, rather than
ever faster backwards. The factor from t0 to t is exp(F(t) - F(t0)).

Units: months are absolute month numbers (`sim.calendar.parse_month`); money in USD M.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from sim.calendar import parse_month

if TYPE_CHECKING:
    from sim.scenario.schema import RevenuePathParams

REFERENCE_MONTH = parse_month("2024-01")
"""The path's year 0: `growth_2024_per_year` is the growth from 2024 to 2025, the year the
baseline's start revenues refer to (OpenAI's USD 3.7B is its 2024 revenue)."""
MAX_LOG_SCALE = 700.0
"""Guard for exp (which overflows past ~709): reached only by a start revenue below 1e-297 USD M,
whose capped revenue is then still below the cap."""


def log_growth(path: RevenuePathParams, from_month: int, to_month: int) -> float:
    """revenue_path: the natural log of how many times a lab's revenue grows from `from_month`
    to `to_month` (absolute month numbers), before the cap. 0 when the two are equal."""
    return _path_log(path, to_month) - _path_log(path, from_month)


def _path_log(path: RevenuePathParams, month: int) -> float:
    """F(t) of the module docstring at `month`: the log of the growth since 2024-01."""
    log_growth_2024 = math.log(path.growth_2024_per_year)
    decay = 2.0 ** (-1.0 / path.growth_half_life_years)
    years = (month - REFERENCE_MONTH) / 12.0
    if years < 0:  # the 2024 rate, F'(0), before 2024
        return log_growth_2024 * -math.log(decay) / (1.0 - decay) * years
    return log_growth_2024 * (1.0 - decay ** years) / (1.0 - decay)


def growth_factor(path: RevenuePathParams, from_month: int, to_month: int) -> float:
    """revenue_path: how many times a lab's revenue grows from `from_month` to `to_month`,
    before the cap (for months within the path's range; `revenue_scale` is what labs use)."""
    return math.exp(log_growth(path, from_month, to_month))


def revenue_scale(path: RevenuePathParams, start_revenue_musd: float, start_month: int,
                  month: int) -> float:
    """revenue_path: a lab's revenue at `month` over its revenue at `start_month` (its
    `annual_revenue_musd`), with revenue capped at `max_annual_revenue_musd` (a lab that starts
    above the cap keeps its start value). A lab with no revenue has nothing to grow along a
    revenue path: its money values stay at their start values (1)."""
    if start_revenue_musd <= 0:
        return 1.0
    ceiling = max(path.max_annual_revenue_musd, start_revenue_musd)
    most = ceiling / start_revenue_musd
    growth = log_growth(path, start_month, month)
    if math.isfinite(most) and growth >= math.log(most):
        return most
    # In logs until here, so that no start month or parameter overflows exp.
    return math.exp(min(growth, MAX_LOG_SCALE))
