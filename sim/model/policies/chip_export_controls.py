"""Chip export controls: labs in target jurisdictions can buy only part of the compute they
would otherwise get at market prices, which raises their effective price per FLOP.

The controls deny `strength` of the compute, smuggling recovers a share of what is denied
(CNAS 2025: ~10% of PRC training compute, 1-40%), and domestic chips replace some of the rest:
how much is `world.chip_supply.formulation` (`sim.model.chip_supply`). Under the default,
`substitution_rate`, the share they can still obtain is
`1 - strength x (1 - smuggling) x (1 - substitution(t))` with a substitution share that grows
linearly over calendar time (assumption); under `production_bound` and `hbm_bound` domestic
output (Huawei Ascend, 200k-805k chips in 2025) fills the denied share up to its size. This is a
level effect: a targeted lab's run is a number of OOM smaller than an uncontrolled lab with its
budget would train, never a cut in the growth rate that diverges forever. The controls act on
the targets' compute only; whether that moves a competitor's capability depends on how its labs
catch up (`world.follower.catch_up`: under proxy_learning, barely).
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from sim.model import chip_supply
from sim.model.jurisdiction import within_any
from sim.model.policies.base import Policy, PolicyParams, register
from sim.scenario.types import JurisdictionSet, Probability


class ChipExportControlsParams(PolicyParams):
    kind: Literal["chip_export_controls"]
    target_jurisdictions: JurisdictionSet = Field(["CN"], description="Jurisdictions cut off.")
    strength: Probability = Field(
        0.75, description="Share of the targets' frontier compute denied ([D]: Epoch 2024 finds "
        "a ~4-year US hardware lead for training, i.e. ~1.4^4 = 3.8x the cost per FLOP, so about "
        "three quarters denied; assumption for the exact value).")
    smuggling_leak_share: Probability = Field(
        0.1, description="Share of denied compute smuggled back (CNAS 2025: 10% of PRC training "
        "compute, range 1-40%).")
    domestic_substitution_2024: Probability = Field(
        0.1, description="Share of the still-denied compute replaced by domestic chips in "
        "2024-01 under world.chip_supply.formulation 'substitution_rate' ([D]: Huawei Ascend "
        "<= 200k in 2025 against > 2M Nvidia shipments; 2 of 22 Chinese notable models trained "
        "on Chinese chips, CNAS 2025; range 0-0.3, assumption: none to three times the default).",
        json_schema_extra={"range": [0.0, 0.3], "scale": "linear"})
    domestic_substitution_growth_per_year: Probability = Field(
        0.05, description="Yearly growth of that share, in share points, under "
        "substitution_rate (assumption; Ascend output estimates for 2025 range 0.2-0.8M: "
        "world.chip_supply's production formulations use them instead; the range spans no "
        "growth to twice the default).", json_schema_extra={"range": [0.0, 0.1], "scale": "linear"})


@register
class ChipExportControls(Policy):
    kind = "chip_export_controls"
    Params = ChipExportControlsParams
    params: ChipExportControlsParams

    def compute_access_factor(self, jurisdiction: str, month: int) -> float:
        p = self.params
        if not self.in_force() or not within_any(jurisdiction, p.target_jurisdictions):
            return 1.0
        return chip_supply.access_share(
            p.strength * (1.0 - p.smuggling_leak_share), self.chip_supply(), month,
            p.domestic_substitution_2024, p.domestic_substitution_growth_per_year)

    def chip_supply(self):
        """The world's domestic chip supply (`world.chip_supply`); its defaults for an
        instrument that stands alone, without a model (the compute docking's closed form)."""
        if self.regulator is None:
            from sim.scenario.schema import ChipSupplyParams

            return ChipSupplyParams()
        return self.regulator.model.params.world.chip_supply
