"""Pre-deployment evaluation: covered releases wait N months for an evaluation."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from sim.model.policies.base import Terms, ThresholdParams, ThresholdPolicy, register
from sim.scenario.types import DelayMonths, Flop


class PreDeploymentEvaluationParams(ThresholdParams):
    kind: Literal["pre_deployment_evaluation"]
    threshold_flop: Flop | None = Field(
        1e25, description="Covered at or above this training FLOP (EU AI Act Art. 51(2) "
        "systemic-risk presumption: 1e25); none: no absolute test.")
    delay_months: DelayMonths = Field(1, description="Months a covered release waits "
                                      "(assumption).")


@register
class PreDeploymentEvaluation(ThresholdPolicy):
    kind = "pre_deployment_evaluation"
    Params = PreDeploymentEvaluationParams
    params: PreDeploymentEvaluationParams

    def covers(self, plan, lab, model) -> bool:
        return self.reaches(lab) and self.meets_threshold(plan, model)

    def terms(self, plan, lab, model) -> Terms | None:
        months = self.params.delay_months
        return Terms(f"submits it to a {months}-month evaluation",
                     cash_musd=self.params.compliance_cost_musd, delay_months=months)
