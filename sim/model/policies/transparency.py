"""Frontier transparency duties (California SB 53, 2025): frontier developers publish a
transparency report for each covered release and, if large, a frontier AI framework; critical
safety incidents are reported. No shutdown, audit or licensing duty: complying costs money, not
capability. Penalty: up to USD 1M per violation, enforced by the Attorney General (§22757.15)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from sim.model.policies.base import Terms, ThresholdParams, ThresholdPolicy, register
from sim.scenario.types import Count, Flop, MoneyMusd, ShareOfCost


class TransparencyParams(ThresholdParams):
    kind: Literal["transparency"]
    threshold_flop: Flop | None = Field(
        1e26, description="Frontier model: trained with > 1e26 operations (SB 53 §22757.11(i)).")
    large_developer_revenue_musd: MoneyMusd = Field(
        500.0, description="Large frontier developer: annual revenue above this, USD M "
        "(SB 53 §22757.11(j): $500M).")
    compliance_cost_musd: MoneyMusd = Field(
        1.0, description="Cash cost of a transparency report for one release, USD M "
        "(assumption).")
    framework_cost_musd: MoneyMusd = Field(
        5.0, description="Extra cash cost for a large developer (its framework, quarterly "
        "summaries), per covered release, USD M (assumption).")
    penalty_musd: MoneyMusd = Field(1.0, description="Fine per violation, USD M (SB 53 "
                                    "§22757.15: up to $1M).")
    repeat_penalty_multiplier: ShareOfCost = Field(1.0, description="SB 53 sets no higher fine "
                                                   "for repeat violations.")
    injunction_after_violations: Count = Field(
        1000, description="SB 53 provides civil penalties only (assumption: no injunction).")


@register
class Transparency(ThresholdPolicy):
    kind = "transparency"
    Params = TransparencyParams
    params: TransparencyParams

    def covers(self, plan, lab, model) -> bool:
        return self.reaches(lab) and self.meets_threshold(plan, model)

    def terms(self, plan, lab, model) -> Terms | None:
        p = self.params
        large = lab.annual_revenue_now_musd() >= p.large_developer_revenue_musd
        cost = p.compliance_cost_musd + (p.framework_cost_musd if large else 0.0)
        what = "publishes a transparency report" + (" and its frontier framework" if large else "")
        return Terms(what, cash_musd=cost)
