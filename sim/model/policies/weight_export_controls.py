"""Weight export controls (AI Diffusion Rule, ECCN 4E091): covered closed weights may not be served
to target jurisdictions, which blocks distillation there; optionally the lab must hold SL >= k."""

from __future__ import annotations

import math
from dataclasses import replace
from typing import Literal

from pydantic import Field

from sim.model.policies.base import Compliance, Policy, PolicyParams, register
from sim.model.policies.security_standard import upgrade_security
from sim.scenario.types import Flop, JurisdictionSet, MoneyMusd, SecurityLevel


class WeightExportControlsParams(PolicyParams):
    kind: Literal["weight_export_controls"]
    threshold_flop: Flop = Field(
        1e26, description="Closed models at or above this are controlled (4E091: >1e26)."
    )
    target_jurisdictions: JurisdictionSet = Field(["CN"], description="Not served to these.")
    required_security_level: SecurityLevel | None = Field(
        None, description="SL the exporting lab must hold; none for no requirement."
    )
    upgrade_months_per_level: int = Field(
        12, ge=1, le=120, description="Months per SL step (assumption)."
    )
    upgrade_cost_musd_per_level: MoneyMusd = Field(
        50.0, description="USD M per SL step (assumption)."
    )


@register
class WeightExportControls(Policy):
    kind = "weight_export_controls"
    Params = WeightExportControlsParams
    params: WeightExportControlsParams

    def covers_release(self, plan, lab, model) -> bool:
        return (
            not plan.open_weights
            and self.reaches(lab)
            and plan.train_flop >= math.log10(self.params.threshold_flop)
        )

    def comply(self, plan, lab, model, rng) -> Compliance:
        p = self.params
        blocked = replace(
            plan,
            blocked_jurisdictions=plan.blocked_jurisdictions | frozenset(p.target_jurisdictions),
        )
        if p.required_security_level and lab.target_security_level < p.required_security_level:
            upgraded = upgrade_security(
                blocked,
                lab,
                p.required_security_level,
                p.upgrade_months_per_level,
                p.upgrade_cost_musd_per_level,
                p.compliance_cost_musd,
            )
            return Compliance(
                upgraded.plan,
                upgraded.expected_cost_musd,
                f"withholds it from {', '.join(p.target_jurisdictions)} and {upgraded.description}",
            )
        return Compliance(
            blocked,
            p.compliance_cost_musd,
            f"withholds it from {', '.join(p.target_jurisdictions)}",
        )
