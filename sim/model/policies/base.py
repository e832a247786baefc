"""The policy-instrument base class, its common parameters and the registry of kinds.

A policy instrument is one small class with a registered `kind`, a pydantic `Params` class whose
fields carry units, and its effect, expressed through a few hooks that default to "no effect":

- release hooks: `covers` (does it apply to this release?), `terms` (what complying means for
  this release design, or None when this design cannot comply), `first_penalty_musd` (the fine
  for a first violation) and `flagrant` (defying it is flagrant: a court bars the lab at once);
- world hooks: `compute_access_factor` (share of compute a jurisdiction's labs can still buy)
  and `distillation_access_factor` (a state's API access to a lab).

The lab's choice among complying, withholding, leaving a market, relocating and defying is made
in `sim.model.decisions`; graded enforcement (domestic or foreign, first or repeat violation,
injunctions) in `sim.model.enforcement`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING, ClassVar

from pydantic import BaseModel, ConfigDict, Field

from sim.scenario.types import (
    Count,
    Flop,
    MoneyMusd,
    MoneyUsd,
    Month,
    Name,
    PositiveOom,
    PositivePressure,
    Probability,
    ShareOfCost,
)

if TYPE_CHECKING:
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
        None, description="Month it takes effect; none and no trigger means from the start.")
    end: Month | None = Field(None, description="Month it lapses (none: never).")
    trigger_pressure: PositivePressure | None = Field(
        None, description="Activates when the regulator's political pressure reaches this.")
    repeal_hazard_per_month: Probability = Field(
        0.0,
        description="Monthly repeal probability once active. US regimes lasted 4-15 months "
        "(EO 14110, AI Diffusion Rule): ~0.03-0.06 (domain-facts §3.10, [D]).",
    )
    enforcement_probability: Probability = Field(
        0.7, description="Chance a violation by a lab domiciled in the jurisdiction is detected "
        "and penalised (assumption; open-weight releases are public).")
    enforcement_probability_foreign: Probability = Field(
        0.5, description="The same for a lab that only sells into the jurisdiction (assumption; "
        "Italy and Korea acted against DeepSeek within 2-15 days, domain-facts-2 §4C).")
    collectable_share_foreign: Probability = Field(
        0.1, description="Share of a fine that can be collected from a lab with no local "
        "establishment (assumption: regulators blocked rather than fined DeepSeek).")
    enforceable_from: Month | None = Field(
        None, description="First month fines can be imposed (EU AI Act: from 2026-08, Art. "
        "101); a violation detected earlier is fined then. None: as soon as it is in force.")
    penalty_musd: MoneyMusd = Field(0.0, description="Fixed fine for a first detected violation, "
                                    "USD M (0: set by each instrument or scenario).")
    penalty_share_of_training_cost: ShareOfCost = Field(
        0.0, description="Fine for a first violation as a share of the release's training cost (0: "
        "set by each instrument or scenario).")
    penalty_share_of_revenue: ShareOfCost = Field(
        0.0, description="Fine for a first violation as a share of the lab's annual revenue "
        "(EU AI Act Art. 101: up to 3% of worldwide turnover).")
    repeat_penalty_multiplier: ShareOfCost = Field(
        3.0, description="Later violations cost this multiple of the first (SB 1047 §22606(a): "
        "10% of compute cost first, 30% after).")
    injunction_after_violations: Count = Field(
        2, description="Detected violations after which a court bars a domestic lab from "
        "defying again (assumption).")
    foreign_block_after_violations: Count = Field(
        1, description="Detected violations after which a foreign lab is barred from the market "
        "(Italy blocked DeepSeek's app within 2 days, domain-facts-2 §4C).")
    compliance_cost_musd: MoneyMusd = Field(
        0.0, description="Cash cost of complying with it for one covered release, USD M "
        "(assumption).")


class ThresholdParams(PolicyParams):
    """Instruments that cover releases by size: an absolute FLOP line, optionally ANDed with a
    cost line (SB 1047) and/or a line relative to the largest run so far (Kumar & Manning 2025)."""

    threshold_flop: Flop | None = Field(
        1e26, description="Covered at or above this training FLOP (none: no absolute test).")
    threshold_usd: MoneyUsd | None = Field(
        None, description="AND training cost at or above this, USD at market prices (SB 1047: "
        "$100M); none to drop the cost test.")
    threshold_relative_oom: PositiveOom | None = Field(
        None, description="AND within this many OOM of the largest run released so far "
        "(GovAI/Kumar & Manning 2025: 1 OOM); none to drop the relative test.")


@dataclass(frozen=True)
class Terms:
    """What complying with one instrument means for one release: costs (USD M), a delay, and
    changes to the release. `refusal_probability` is a licence's chance of saying no, after
    which the release is decided again with the licence refused (when its weights' wait ends)."""

    description: str
    cash_musd: float = 0.0
    private_musd: float = 0.0
    delay_months: int = 0
    weights_wait_months: int = 0
    """Months the weights of an open release wait (a licence's decision time); the model is
    served closed meanwhile, so only its openness waits, not its sales."""
    shutdown_capable: bool = False
    blocked: frozenset[str] = frozenset()
    security_level: int | None = None
    upgrade_months_per_level: int = 12
    refusal_probability: float = 0.0


class Policy:
    """An instrument held by a regulator. Subclasses set `kind` and `Params`."""

    kind: ClassVar[str]
    Params: ClassVar[type[PolicyParams]]

    def __init__(self, params: PolicyParams, regulator: Regulator) -> None:
        self.params = params
        self.regulator = regulator
        self.active = False
        self.repealed = False
        self.enacted_step: int | None = None
        """The step it first came into force (None: not yet)."""

    @property
    def name(self) -> str:
        return self.params.name or self.kind

    @cached_property
    def key(self) -> str:
        """Unique within a scenario: 'regulator.policy' (fixed: dated changes rename nothing)."""
        return f"{self.regulator.name}.{self.name}"

    @property
    def label(self) -> str:
        return policy_label(self.regulator.label, self.kind)

    # State ---------------------------------------------------------------------------------
    def in_force(self) -> bool:
        return self.active and not self.repealed and self.params.enabled

    def reaches(self, lab: Developer) -> bool:
        return self.in_force() and self.regulator.in_reach(lab)

    # Release hooks -------------------------------------------------------------------------
    def covers(self, plan: ReleasePlan, lab: Developer, model: RegSimModel) -> bool:
        return False

    def size_floor(self, model: RegSimModel) -> float:
        """The smallest log10 FLOP it covers now (-inf for an instrument without one)."""
        return -math.inf

    def restricts_open(self) -> bool:
        """Whether an open release it covers may not simply go ahead open: the lab can shade it
        below `size_floor`, release it closed, or split it (`sim.model.decisions`)."""
        return False

    def terms(self, plan: ReleasePlan, lab: Developer, model: RegSimModel) -> Terms | None:
        return Terms("no change")

    def first_penalty_musd(self, plan: ReleasePlan, lab: Developer, model: RegSimModel) -> float:
        """The fine for a first violation by this release, USD M (before collectability)."""
        p = self.params
        cost_musd = model.costs.run_cost_musd(plan.train_flop, model.month)
        return (p.penalty_musd + p.penalty_share_of_training_cost * cost_musd
                + p.penalty_share_of_revenue * lab.annual_revenue_now_musd())

    def flagrant(self, plan: ReleasePlan) -> bool:
        """Whether defying it for this release is flagrant (a court bars the lab at once)."""
        return False

    def enforcement_probability(self, lab: Developer, model: RegSimModel) -> float:
        """Chance a violation by `lab` is detected and penalised this month."""
        p = self.params
        domestic = self.regulator.is_domestic(lab)
        return p.enforcement_probability if domestic else p.enforcement_probability_foreign

    # World hooks ---------------------------------------------------------------------------
    def compute_access_factor(self, jurisdiction: str, month: int) -> float:
        """Share (0, 1] of the compute labs in `jurisdiction` can still buy at market prices."""
        return 1.0

    def distillation_access_factor(self, state_jurisdictions: list[str], lab: Developer) -> float:
        """Multiplier (<= 1) on a state's monthly distillation hazard against `lab`."""
        return 1.0


class ThresholdPolicy(Policy):
    """An instrument whose coverage is a size threshold (see `ThresholdParams`)."""

    params: ThresholdParams
    _floor: tuple | None = None
    """(month, params, cost model, `absolute_floor`): the floor is asked for at every release
    and changes only with the month (or a dated change of the parameters or of compute)."""

    def absolute_floor(self, model: RegSimModel) -> float:
        """The smallest log10 FLOP its FLOP and USD lines cover this month."""
        known = self._floor
        if known is not None and known[0] == model.month and known[1] is self.params \
                and known[2] is model.costs:
            return known[3]
        floor = self._absolute_floor(model)
        self._floor = (model.month, self.params, model.costs, floor)
        return floor

    def _absolute_floor(self, model: RegSimModel) -> float:
        p = self.params
        floor = math.log10(p.threshold_flop) if p.threshold_flop is not None else -math.inf
        if p.threshold_usd is not None:
            floor = max(floor, model.costs.log10_flop_for_cost(p.threshold_usd / 1e6, model.month))
        return floor

    def size_floor(self, model: RegSimModel) -> float:
        floor = self.absolute_floor(model)
        if self.params.threshold_relative_oom is not None:
            relative = model.registry.largest_train_flop - self.params.threshold_relative_oom
            floor = max(floor, relative)
        return floor

    def meets_threshold(self, plan: ReleasePlan, model: RegSimModel) -> bool:
        """Whether the release is big enough to be covered (the relative line counts the
        release itself among the runs so far)."""
        if plan.train_flop < self.absolute_floor(model):
            return False
        relative = self.params.threshold_relative_oom
        if relative is None:
            return True
        return plan.train_flop >= max(model.registry.largest_train_flop, plan.train_flop) - relative


def policy_label(regulator_label: str, kind: str) -> str:
    """How the narrative names an instrument: "EU AI Office's gpai obligations"."""
    return f"{regulator_label}'s {kind.replace('_', ' ')}"


POLICY_KINDS: dict[str, type[Policy]] = {}


def register(cls: type[Policy]) -> type[Policy]:
    """Class decorator: make an instrument available to scenario files under its `kind`."""
    POLICY_KINDS[cls.kind] = cls
    return cls
