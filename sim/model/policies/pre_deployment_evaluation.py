"""Pre-deployment evaluation: covered releases wait N months for an evaluation."""

from __future__ import annotations

import math
from dataclasses import replace
from typing import Literal

from pydantic import Field

from sim.model.policies.base import Compliance, Policy, PolicyParams, register
from sim.scenario.types import Flop


class PreDeploymentEvaluationParams(PolicyParams):
    kind: Literal["pre_deployment_evaluation"]
    threshold_flop: Flop = Field(
        1e25,
        description="Covered at or above this training FLOP "
        "(EU AI Act Art. 51(2) systemic-risk presumption: 1e25).",
    )
    delay_months: int = Field(
        1, ge=0, le=60, description="Months a covered release waits (assumption)."
    )


@register
class PreDeploymentEvaluation(Policy):
    kind = "pre_deployment_evaluation"
    Params = PreDeploymentEvaluationParams
    params: PreDeploymentEvaluationParams

    def covers_release(self, plan, lab, model) -> bool:
        return self.reaches(lab) and plan.train_flop >= math.log10(self.params.threshold_flop)

    def comply(self, plan, lab, model, rng) -> Compliance:
        months = self.params.delay_months
        delayed = replace(plan, delay_months=plan.delay_months + months)
        cost = self.params.compliance_cost_musd + months * lab.params.delay_cost_musd_per_month
        return Compliance(delayed, cost, f"submits it to a {months}-month evaluation")
