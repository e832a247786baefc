"""SB 1047-style kill-switch mandate: covered models must keep full shutdown capability.

SB 1047 §22602(k) defines full shutdown as stopping the covered model and its derivatives
"controlled by a developer". A shutdown therefore never reaches copies of published weights:
an open release of a covered model cannot comply unless open weights are exempted, and once made
its copies are beyond the switch forever (the registry gives open artifacts no controlled copy).
"""

from __future__ import annotations

from dataclasses import replace
from typing import Literal

from pydantic import Field

from sim.model.policies.base import (
    Compliance,
    Policy,
    PolicyParams,
    cheapest_open_fallback,
    covered_floor_flop,
    register,
)
from sim.scenario.types import Flop, MoneyMusd, MoneyUsd, ShareOfCost


class KillSwitchParams(PolicyParams):
    kind: Literal["kill_switch"]
    threshold_flop: Flop = Field(
        1e26,
        description="Covered at or above this training FLOP (SB 1047 §22602(e)(1)(A)(i): 1e26).",
    )
    threshold_usd: MoneyUsd | None = Field(
        1e8,
        description="AND training cost at or above this, USD (SB 1047: $100M); "
        "none to drop the cost test.",
    )
    exempt_open_weights: bool = Field(False, description="Open-weight releases are not covered.")
    penalty_share_of_training_cost: ShareOfCost = Field(
        0.1, description="SB 1047 §22606(a): up to 10% of training-compute cost (first violation)."
    )
    compliance_cost_musd: MoneyMusd = Field(
        10.0, description="Cost of building shutdown capability per covered release (assumption)."
    )


@register
class KillSwitch(Policy):
    kind = "kill_switch"
    Params = KillSwitchParams
    params: KillSwitchParams

    def floor_flop(self, model) -> float:
        return covered_floor_flop(
            self.params.threshold_flop, self.params.threshold_usd, model.usd_per_flop()
        )

    def covers_artifact(self, train_flop: float, usd_per_flop: float) -> bool:
        """Whether a model of `train_flop` (log10) meets the thresholds (reach aside)."""
        floor = covered_floor_flop(
            self.params.threshold_flop, self.params.threshold_usd, usd_per_flop
        )
        return train_flop >= floor

    def covers_release(self, plan, lab, model) -> bool:
        if plan.open_weights and self.params.exempt_open_weights:
            return False
        return self.reaches(lab) and plan.train_flop >= self.floor_flop(model)

    def comply(self, plan, lab, model, rng) -> Compliance:
        if plan.open_weights:
            fallback, cost, how = cheapest_open_fallback(
                plan, lab, self.floor_flop(model), model.params.world.compliance.shade_margin_oom
            )
            if fallback.open_weights:  # shaded below the threshold: no longer covered
                return Compliance(fallback, cost, how)
            plan, extra = fallback, cost
        else:
            extra, how = 0.0, "keeps full shutdown capability"
        compliant = replace(plan, shutdown_capable=True)
        return Compliance(compliant, extra + self.params.compliance_cost_musd, how)
