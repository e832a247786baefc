"""Open-weight licence: an open release above a threshold needs a licence, which may be refused."""

from __future__ import annotations

from dataclasses import replace
from typing import Literal

from pydantic import Field

from sim.model.policies.base import (
    Compliance,
    Policy,
    PolicyParams,
    cheapest_open_fallback,
    register,
)
from sim.scenario.types import Flop, Probability


class OpenWeightLicenceParams(PolicyParams):
    kind: Literal["open_weight_licence"]
    threshold_flop: Flop = Field(1e26, description="Open releases at or above this need a licence.")
    approval_probability: Probability = Field(
        0.5, description="Chance a licence is granted (assumption)."
    )
    licence_delay_months: int = Field(
        6, ge=0, le=60, description="Months to a decision (assumption)."
    )


@register
class OpenWeightLicence(Policy):
    kind = "open_weight_licence"
    Params = OpenWeightLicenceParams
    params: OpenWeightLicenceParams

    def floor_flop(self) -> float:
        import math

        return math.log10(self.params.threshold_flop)

    def covers_release(self, plan, lab, model) -> bool:
        return plan.open_weights and self.reaches(lab) and plan.train_flop >= self.floor_flop()

    def comply(self, plan, lab, model, rng) -> Compliance:
        p = self.params
        waited = replace(plan, delay_months=plan.delay_months + p.licence_delay_months)
        wait_cost = p.licence_delay_months * lab.params.delay_cost_musd_per_month
        fallback, fallback_cost, how = cheapest_open_fallback(
            waited, lab, self.floor_flop(), model.params.world.compliance.shade_margin_oom
        )
        expected = p.compliance_cost_musd + wait_cost + (1 - p.approval_probability) * fallback_cost
        if rng.random() < p.approval_probability:
            return Compliance(waited, expected, "applies for a licence and is granted it")
        return Compliance(fallback, expected, f"is refused a licence and {how}")
