"""EU AI Act obligations for general-purpose AI models with systemic risk (Art. 51, 55), with
the GPAI code of practice (July 2025) as the way signatories show compliance.

Covered: models above 1e25 FLOP placed on the EU market, open or closed (the open-source
exemption does not apply to systemic-risk models, Art. 53(2)). Signatories comply through the
code; non-signatories must show compliance by other means, at a higher cost, and "may face more
scrutiny" (a higher enforcement probability). Fines apply from 2026-08 (Art. 101): set
`enforceable_from`.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from sim.model.policies.base import Terms, ThresholdParams, ThresholdPolicy, register
from sim.scenario.types import DelayMonths, Flop, Multiplier, Name, Probability


class GpaiObligationsParams(ThresholdParams):
    kind: Literal["gpai_obligations"]
    threshold_flop: Flop | None = Field(
        1e25, description="Systemic-risk presumption: cumulative training compute above 1e25 "
        "FLOP (Art. 51(2)).")
    signatories: list[Name] = Field(
        default_factory=list, max_length=500,
        description="Developers that signed the code of practice (full or its safety and "
        "security chapter).")
    delay_months: DelayMonths = Field(0, description="Months a covered release waits for "
                                      "evaluation and notification (assumption).")
    non_signatory_cost_multiplier: Multiplier = Field(
        3.0, description="Showing compliance by other means costs this multiple of the code "
        "(assumption).")
    non_signatory_enforcement_probability: Probability = Field(
        0.7, description="Enforcement probability for a non-signatory ('may face more scrutiny'; "
        "assumption).")


@register
class GpaiObligations(ThresholdPolicy):
    kind = "gpai_obligations"
    Params = GpaiObligationsParams
    params: GpaiObligationsParams

    def covers(self, plan, lab, model) -> bool:
        return self.reaches(lab) and self.meets_threshold(plan, model)

    def signed(self, lab) -> bool:
        return lab.name in self.params.signatories

    def terms(self, plan, lab, model) -> Terms | None:
        p = self.params
        if self.signed(lab):
            return Terms("complies through the GPAI code of practice",
                         cash_musd=p.compliance_cost_musd, delay_months=p.delay_months)
        return Terms("shows compliance with the GPAI duties by other means",
                     cash_musd=p.compliance_cost_musd * p.non_signatory_cost_multiplier,
                     delay_months=p.delay_months)

    def enforcement_probability(self, lab, model) -> float:
        base = super().enforcement_probability(lab, model)
        if base == 0.0 or self.signed(lab):
            return base
        return max(base, self.params.non_signatory_enforcement_probability)
