"""Open-weight licence: an open release above a threshold needs a licence, which may be refused.

A licence gates publishing the weights, not serving the model: a lab that applies serves the
model closed (API) at once and publishes the weights when the licence is granted, after the
licence's decision time (a hybrid lab's small open side release simply waits). Applying costs
the openness forgone while the weights wait, not the release's sales. So a licence that grants
every application offers every option a ban offers (shade, close, split, move, defy) plus
opening the full model later, and is never stricter than the ban (`tests/test_licence.py`).
A refusal sends the release back to the lab's choice with the licence refused (it may then
shade, keep it closed or split it, move, or defy; defying a refusal, or a licence that is never
granted, is flagrant).
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from sim.model.policies.base import Terms, ThresholdParams, ThresholdPolicy, register
from sim.scenario.types import DelayMonths, Flop, Probability


class OpenWeightLicenceParams(ThresholdParams):
    kind: Literal["open_weight_licence"]
    threshold_flop: Flop | None = Field(
        1e26, description="Open releases at or above this need a licence (SB 1047's 1e26; "
        "none: no absolute "
        "test).")
    approval_probability: Probability = Field(
        0.5, description="Chance a licence is granted (assumption; 0 is a ban).")
    licence_delay_months: DelayMonths = Field(6, description="Months to a decision "
                                              "(assumption).")


@register
class OpenWeightLicence(ThresholdPolicy):
    kind = "open_weight_licence"
    Params = OpenWeightLicenceParams
    params: OpenWeightLicenceParams

    def restricts_open(self) -> bool:
        return True

    def covers(self, plan, lab, model) -> bool:
        return plan.open_weights and self.reaches(lab) and self.meets_threshold(plan, model)

    def terms(self, plan, lab, model) -> Terms | None:
        p = self.params
        if self.key in plan.refused or p.approval_probability == 0.0:
            return None  # nothing to apply for
        return Terms("applies for an open-weight licence", cash_musd=p.compliance_cost_musd,
                     weights_wait_months=p.licence_delay_months,
                     refusal_probability=1.0 - p.approval_probability)

    def flagrant(self, plan) -> bool:
        return self.key in plan.refused or self.params.approval_probability == 0.0
