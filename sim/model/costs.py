"""Costs in three honest columns, all in USD M.

- `cash_musd`: money spent to comply (shutdown capability, evaluations, reports, security
  upgrades, moving domicile);
- `penalty_musd`: fines (expected in a choice, paid in the outputs);
- `private_musd`: value the lab gives up without spending it (openness, capability shaded
  away, months of delay, a market's sales withheld or lost).

A lab's choice weighs their sum; the outputs report them apart, so that private value forgone is
never passed off as money spent.
"""

from __future__ import annotations

from typing import NamedTuple


class Costs(NamedTuple):
    """A tuple of three floats (USD M), cheap to make: a lab's choice makes several per option."""

    cash_musd: float = 0.0
    penalty_musd: float = 0.0
    private_musd: float = 0.0

    @property
    def total_musd(self) -> float:
        return self.cash_musd + self.penalty_musd + self.private_musd

    def __add__(self, other: Costs) -> Costs:  # type: ignore[override]  # not concatenation
        return Costs(self.cash_musd + other.cash_musd, self.penalty_musd + other.penalty_musd,
                     self.private_musd + other.private_musd)

    def scaled(self, factor: float) -> Costs:
        return Costs(self.cash_musd * factor, self.penalty_musd * factor,
                     self.private_musd * factor)
