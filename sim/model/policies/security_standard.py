"""Security standard: labs releasing covered closed models must reach weight security SL >= k."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from sim.model.policies.base import Terms, ThresholdParams, ThresholdPolicy, register
from sim.scenario.types import Flop, MoneyMusd, MonthCount, SecurityLevel


class SecurityStandardParams(ThresholdParams):
    kind: Literal["security_standard"]
    threshold_flop: Flop | None = Field(1e26, description="Closed releases at or above this are "
                                        "covered (SB 1047's 1e26; none: no absolute test).")
    required_security_level: SecurityLevel = Field(3, description="RAND SL the lab must reach.")
    upgrade_months_per_level: MonthCount = Field(
        12, description="Months per SL step (RAND: SL5 needs ~5 years; assumption).")
    upgrade_cost_musd_per_level: MoneyMusd = Field(
        50.0, description="Cash cost per SL step, USD M (assumption).")


def upgrade_terms(lab, level: int, months_per_level: int, cost_per_level_musd: float,
                  fixed_cost_musd: float, description: str = "") -> Terms:
    """Comply by committing the lab to reach `level`; the release itself goes ahead."""
    steps = max(0, level - lab.target_security_level)
    what = description or f"commits to raise its weight security to SL{level}"
    return Terms(what, cash_musd=fixed_cost_musd + steps * cost_per_level_musd,
                 security_level=level, upgrade_months_per_level=months_per_level)


@register
class SecurityStandard(ThresholdPolicy):
    kind = "security_standard"
    Params = SecurityStandardParams
    params: SecurityStandardParams

    def covers(self, plan, lab, model) -> bool:
        return (not plan.open_weights and self.reaches(lab) and self.meets_threshold(plan, model)
                and lab.target_security_level < self.params.required_security_level)

    def terms(self, plan, lab, model) -> Terms | None:
        p = self.params
        return upgrade_terms(lab, p.required_security_level, p.upgrade_months_per_level,
                             p.upgrade_cost_musd_per_level, p.compliance_cost_musd)
