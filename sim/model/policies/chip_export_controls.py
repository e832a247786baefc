"""Chip export controls: the compute growth of labs in target jurisdictions is cut; smuggling
leaks a share of the denied growth back (CNAS 2025: ~10%, 1-40%, of PRC training compute)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from sim.model.jurisdiction import within_any
from sim.model.policies.base import Policy, PolicyParams, register
from sim.scenario.types import JurisdictionSet, Probability


class ChipExportControlsParams(PolicyParams):
    kind: Literal["chip_export_controls"]
    target_jurisdictions: JurisdictionSet = Field(["CN"], description="Jurisdictions cut off.")
    strength: Probability = Field(
        0.3,
        description="Share of the targets' compute growth (OOM/yr) denied (assumption; "
        "Epoch: ~4-year US hardware lead for training).",
    )
    smuggling_leak_share: Probability = Field(
        0.1, description="Share of denied growth smuggled back (CNAS 2025: 10%, range 1-40%)."
    )


@register
class ChipExportControls(Policy):
    kind = "chip_export_controls"
    Params = ChipExportControlsParams
    params: ChipExportControlsParams

    def compute_growth_factor(self, jurisdiction: str) -> float:
        if not self.in_force() or not within_any(jurisdiction, self.params.target_jurisdictions):
            return 1.0
        return 1.0 - self.params.strength * (1.0 - self.params.smuggling_leak_share)
