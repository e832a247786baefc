"""The policy-instrument base class, its common parameters and the registry of kinds.

A policy instrument is one small class with a registered `kind`, a pydantic `Params` class whose
fields carry units, and its effect, expressed through a few hooks that default to "no effect":

- release hooks (`covers_release`, `comply`, `defiance_penalty_musd`): the instrument constrains
  a developer's release and the developer makes a compliance choice;
- world hooks (`compute_growth_factor`, `distillation_access_factor`): the instrument changes a
  jurisdiction's compute growth or a state's API access.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, ClassVar

from pydantic import BaseModel, ConfigDict, Field

from sim.scenario.types import (
    HazardPerMonth,
    MoneyMusd,
    Month,
    Name,
    PositivePressure,
    Probability,
    ShareOfCost,
)

if TYPE_CHECKING:
    import numpy as np

    from sim.model.developers import Developer
    from sim.model.registry import ReleasePlan
    from sim.model.regulators import Regulator
    from sim.model.world import RegSimModel


class PolicyParams(BaseModel):
    """Parameters every instrument has. Amounts are in millions of USD (musd)."""

    model_config = ConfigDict(extra="forbid", strict=True)

    kind: str
    name: Name | None = Field(None, description="Name used in --set paths; defaults to the kind.")
    enabled: bool = Field(True, description="Switch the instrument off without deleting it.")
    start: Month | None = Field(
        None, description="Month it takes effect; none and no trigger means from the start."
    )
    trigger_pressure: PositivePressure | None = Field(
        None, description="Activates when the regulator's political pressure reaches this."
    )
    repeal_hazard_per_month: HazardPerMonth = Field(
        0.0,
        description="Monthly repeal probability once active. US regimes lasted 4-15 months "
        "(EO 14110, AI Diffusion Rule): ~0.03-0.06 (domain-facts §3.10, [D]).",
    )
    enforcement_probability: Probability = Field(
        0.5, description="Chance a defiant release is detected and penalised (assumption)."
    )
    penalty_musd: MoneyMusd = Field(0.0, description="Fixed penalty on detected defiance, USD M.")
    penalty_share_of_training_cost: ShareOfCost = Field(
        0.0, description="Penalty as a share of the release's training-compute cost."
    )
    compliance_cost_musd: MoneyMusd = Field(
        0.0, description="Direct cost of complying with one covered release, USD M (assumption)."
    )


@dataclass(frozen=True)
class Compliance:
    """How a developer complies with one instrument: the changed plan and its expected cost."""

    plan: ReleasePlan
    expected_cost_musd: float
    description: str


class Policy:
    """An instrument held by a regulator. Subclasses set `kind` and `Params`."""

    kind: ClassVar[str]
    Params: ClassVar[type[PolicyParams]]

    def __init__(self, params: PolicyParams, regulator: Regulator) -> None:
        self.params = params
        self.regulator = regulator
        self.active = False
        self.repealed = False

    @property
    def name(self) -> str:
        return self.params.name or self.kind

    @property
    def key(self) -> str:
        """Unique within a scenario: 'regulator.policy'."""
        return f"{self.regulator.name}.{self.name}"

    @property
    def label(self) -> str:
        return f"{self.regulator.label}'s {self.kind.replace('_', ' ')}"

    # Release hooks -------------------------------------------------------------------------
    def covers_release(self, plan: ReleasePlan, lab: Developer, model: RegSimModel) -> bool:
        return False

    def comply(
        self, plan: ReleasePlan, lab: Developer, model: RegSimModel, rng: np.random.Generator
    ) -> Compliance:
        return Compliance(plan, 0.0, "no change")

    def defiance_penalty_musd(self, plan: ReleasePlan, model: RegSimModel) -> float:
        cost_musd = model.training_cost_musd(plan.train_flop)
        return self.params.penalty_musd + self.params.penalty_share_of_training_cost * cost_musd

    # World hooks ---------------------------------------------------------------------------
    def compute_growth_factor(self, jurisdiction: str) -> float:
        """Multiplier (<= 1) on the OOM/yr compute growth of labs in `jurisdiction`."""
        return 1.0

    def distillation_access_factor(
        self, state_jurisdictions: list[str], developer: Developer
    ) -> float:
        """Multiplier (<= 1) on a state's monthly distillation hazard against `developer`."""
        return 1.0

    # Shared helpers ------------------------------------------------------------------------
    def in_force(self) -> bool:
        return self.active and not self.repealed and self.params.enabled

    def reaches(self, lab: Developer) -> bool:
        return self.in_force() and self.regulator.in_reach(lab)


def covered_floor_flop(
    threshold_flop: float, threshold_usd: float | None, usd_per_flop: float
) -> float:
    """Smallest log10 FLOP a run needs to be covered by a FLOP threshold ANDed with a cost one."""
    floor = math.log10(threshold_flop)
    if threshold_usd is not None:
        floor = max(floor, math.log10(threshold_usd / usd_per_flop))
    return floor


def cheapest_open_fallback(
    plan: ReleasePlan, lab: Developer, floor_flop: float, shade_margin_oom: float
) -> tuple[ReleasePlan, float, str]:
    """An open release that may not go ahead: shade it below `floor_flop` or release it closed.

    Returns the cheaper of the two for the lab (plan, cost in USD M, description).
    """
    shaded = plan.shaded_to(floor_flop - shade_margin_oom)
    shade_cost = (plan.train_flop - shaded.train_flop) * lab.params.capability_value_musd_per_oom
    close_cost = lab.params.openness_value_musd
    if shade_cost <= close_cost:
        return shaded, shade_cost, f"shades the open release to 1e{shaded.train_flop:.2f} FLOP"
    closed = replace(plan, open_weights=False)
    return closed, close_cost, "releases it closed (API only) instead of open"


POLICY_KINDS: dict[str, type[Policy]] = {}


def register(cls: type[Policy]) -> type[Policy]:
    """Class decorator: make an instrument available to scenario files under its `kind`."""
    POLICY_KINDS[cls.kind] = cls
    return cls
