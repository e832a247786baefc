"""API know-your-customer rules: state actors' API access to labs in reach, and so
distillation, is cut by a share, including access through proxies."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from sim.model.jurisdiction import within_any
from sim.model.policies.base import Policy, PolicyParams, register
from sim.scenario.types import JurisdictionSet, Probability


class ApiKycParams(PolicyParams):
    kind: Literal["api_kyc"]
    effectiveness: Probability = Field(
        0.7, description="Share of state API/distillation access removed (assumption).")
    target_jurisdictions: JurisdictionSet | None = Field(
        None, description="States screened out; none means every state actor.")


@register
class ApiKyc(Policy):
    kind = "api_kyc"
    Params = ApiKycParams
    params: ApiKycParams

    def distillation_access_factor(self, state_jurisdictions, lab) -> float:
        if not self.reaches(lab):
            return 1.0
        targets = self.params.target_jurisdictions
        if targets is not None and not any(within_any(j, targets) for j in state_jurisdictions):
            return 1.0
        return 1.0 - self.params.effectiveness
