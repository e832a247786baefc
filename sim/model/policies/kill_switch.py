"""SB 1047-style kill-switch mandate: covered models must keep full shutdown capability.

SB 1047 §22602(k) defines full shutdown as stopping the covered model and its derivatives
"controlled by a developer". A shutdown therefore never reaches copies of published weights:
an open release of a covered model cannot comply unless open weights are exempted (the lab may
shade it below the threshold, release it closed or split it, withhold it, move, or defy), and
once made its copies are beyond the switch forever (the registry gives open artifacts no
controlled copy).
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from sim.model.policies.base import Terms, ThresholdParams, ThresholdPolicy, register
from sim.scenario.types import Flop, MoneyMusd, MoneyUsd, ShareOfCost


class KillSwitchParams(ThresholdParams):
    kind: Literal["kill_switch"]
    threshold_flop: Flop | None = Field(
        1e26, description="Covered at or above this training FLOP (SB 1047 §22602(e)(1)(A)(i): "
        "1e26); none: no absolute test.")
    threshold_usd: MoneyUsd | None = Field(
        1e8, description="AND training cost at or above this, USD at market prices (SB 1047: "
        "$100M); none to drop the cost test.")
    exempt_open_weights: bool = Field(False, description="Open-weight releases are not covered.")
    penalty_share_of_training_cost: ShareOfCost = Field(
        0.1, description="SB 1047 §22606(a): up to 10% of training-compute cost (first violation; "
        "30% for later ones, see repeat_penalty_multiplier).")
    compliance_cost_musd: MoneyMusd = Field(
        10.0, description="Cash cost of building and keeping shutdown capability for one covered "
        "release, USD M (assumption).")


@register
class KillSwitch(ThresholdPolicy):
    kind = "kill_switch"
    Params = KillSwitchParams
    params: KillSwitchParams

    def restricts_open(self) -> bool:
        return not self.params.exempt_open_weights

    def covers(self, plan, lab, model) -> bool:
        if plan.open_weights and self.params.exempt_open_weights:
            return False
        return self.reaches(lab) and self.meets_threshold(plan, model)

    def terms(self, plan, lab, model) -> Terms | None:
        if plan.open_weights:
            return None  # a shutdown cannot reach published weights
        return Terms("keeps full shutdown capability", cash_musd=self.params.compliance_cost_musd,
                     shutdown_capable=True)
