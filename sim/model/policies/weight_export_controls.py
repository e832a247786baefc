"""Weight export controls (AI Diffusion Rule, ECCN 4E091): covered closed models may not be
served to target jurisdictions, which cuts a state's direct API access for distillation there
(proxies still leak some: `leakage_share`); optionally the lab must hold SL >= k."""

from __future__ import annotations

from dataclasses import replace
from typing import Literal

from pydantic import Field

from sim.model.policies.base import Terms, ThresholdParams, ThresholdPolicy, register
from sim.model.policies.security_standard import upgrade_terms
from sim.scenario.types import Flop, JurisdictionSet, MoneyMusd, MonthCount, SecurityLevel


class WeightExportControlsParams(ThresholdParams):
    kind: Literal["weight_export_controls"]
    threshold_flop: Flop | None = Field(
        1e26, description="Closed models at or above this are controlled (4E091: >1e26).")
    target_jurisdictions: JurisdictionSet = Field(["CN"], description="Not served to these.")
    required_security_level: SecurityLevel | None = Field(
        None, description="SL the exporting lab must hold; none for no requirement.")
    upgrade_months_per_level: MonthCount = Field(12, description="Months per SL step "
                                                 "(assumption).")
    upgrade_cost_musd_per_level: MoneyMusd = Field(
        50.0, description="Cash cost per SL step, USD M (assumption).")


@register
class WeightExportControls(ThresholdPolicy):
    kind = "weight_export_controls"
    Params = WeightExportControlsParams
    params: WeightExportControlsParams

    def covers(self, plan, lab, model) -> bool:
        return not plan.open_weights and self.reaches(lab) and self.meets_threshold(plan, model)

    def terms(self, plan, lab, model) -> Terms | None:
        p = self.params
        targets = frozenset(p.target_jurisdictions)
        lost = lab.release_value_musd() * lab.sales_share_within(targets)
        how = f"does not serve it to {', '.join(p.target_jurisdictions)}"
        if p.required_security_level and lab.target_security_level < p.required_security_level:
            upgrade = upgrade_terms(lab, p.required_security_level, p.upgrade_months_per_level,
                                    p.upgrade_cost_musd_per_level, p.compliance_cost_musd)
            return replace(upgrade, description=f"{how} and {upgrade.description}",
                           blocked=targets, private_musd=lost)
        return Terms(how, cash_musd=p.compliance_cost_musd, private_musd=lost, blocked=targets)
