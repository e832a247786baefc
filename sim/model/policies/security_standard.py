"""Security standard: labs releasing covered closed models must reach weight security SL >= k."""

from __future__ import annotations

import math
from dataclasses import replace
from typing import Literal

from pydantic import Field

from sim.model.policies.base import Compliance, Policy, PolicyParams, register
from sim.scenario.types import Flop, MoneyMusd, SecurityLevel


class SecurityStandardParams(PolicyParams):
    kind: Literal["security_standard"]
    threshold_flop: Flop = Field(1e26, description="Closed releases at or above this are covered.")
    required_security_level: SecurityLevel = Field(3, description="RAND SL the lab must reach.")
    upgrade_months_per_level: int = Field(
        12, ge=1, le=120, description="Months per SL step (RAND: SL5 needs ~5 years; assumption)."
    )
    upgrade_cost_musd_per_level: MoneyMusd = Field(
        50.0, description="Cost per SL step, USD M (assumption)."
    )


@register
class SecurityStandard(Policy):
    kind = "security_standard"
    Params = SecurityStandardParams
    params: SecurityStandardParams

    def covers_release(self, plan, lab, model) -> bool:
        return (
            not plan.open_weights
            and self.reaches(lab)
            and plan.train_flop >= math.log10(self.params.threshold_flop)
            and lab.target_security_level < self.params.required_security_level
        )

    def comply(self, plan, lab, model, rng) -> Compliance:
        p = self.params
        return upgrade_security(
            plan,
            lab,
            p.required_security_level,
            p.upgrade_months_per_level,
            p.upgrade_cost_musd_per_level,
            p.compliance_cost_musd,
        )


def upgrade_security(
    plan,
    lab,
    level: int,
    months_per_level: int,
    cost_per_level_musd: float,
    fixed_cost_musd: float,
) -> Compliance:
    """Comply by committing the lab to reach `level`; the release itself goes ahead."""
    steps = max(0, level - lab.target_security_level)
    upgraded = replace(
        plan,
        security_upgrade_to=max(level, plan.security_upgrade_to or 0),
        security_upgrade_months_per_level=months_per_level,
    )
    cost = fixed_cost_musd + steps * cost_per_level_musd
    return Compliance(upgraded, cost, f"commits to raise its weight security to SL{level}")
