"""The model registry: every released model (artifact) and who holds copies of it.

Units: `train_flop` is log10 training FLOP; `capability` is log10 effective compute
(train_flop + algorithmic efficiency at training time + the lab's offset), in OOM.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace


@dataclass(frozen=True)
class ReleasePlan:
    """A finished training run that a developer intends to release, before or after compliance."""

    developer: str
    train_flop: float
    capability: float
    open_weights: bool
    shutdown_capable: bool = False
    delay_months: int = 0
    blocked_jurisdictions: frozenset[str] = frozenset()
    security_upgrade_to: int | None = None
    security_upgrade_months_per_level: int = 12
    settled: frozenset[str] = frozenset()
    """Keys of the policies this release has already answered (complied with or defied)."""
    defied: frozenset[str] = frozenset()

    def shaded_to(self, train_flop: float) -> ReleasePlan:
        """The same run shrunk to `train_flop` (log10); capability falls by the same OOM."""
        return replace(
            self, train_flop=train_flop, capability=self.capability - (self.train_flop - train_flop)
        )


@dataclass
class ModelArtifact:
    """A released model. Open-weight artifacts have no copy that their developer controls."""

    artifact_id: int
    name: str
    developer: str
    jurisdiction: str
    train_flop: float
    capability: float
    release_step: int
    open_weights: bool
    shutdown_capable: bool
    blocked_jurisdictions: frozenset[str] = frozenset()
    aup_bans_military: bool = False
    covered: bool = False
    """Meets a kill-switch mandate's thresholds (whether or not the mandate is in force)."""
    stolen_by: set[str] = field(default_factory=set)

    @property
    def controlled_copies(self) -> int:
        """Copies a shutdown can reach: the developer's own, and only for closed weights."""
        return 0 if self.open_weights else 1


class ModelRegistry:
    """All artifacts in release order, with running frontiers (log10 effective FLOP)."""

    def __init__(self) -> None:
        self.artifacts: list[ModelArtifact] = []
        self.frontier = -math.inf
        self.open_frontier = -math.inf
        self.closed_frontier = -math.inf
        self.best_open: ModelArtifact | None = None

    def add(self, **fields) -> ModelArtifact:
        artifact = ModelArtifact(artifact_id=len(self.artifacts), **fields)
        self.artifacts.append(artifact)
        self.frontier = max(self.frontier, artifact.capability)
        if artifact.open_weights:
            if artifact.capability > self.open_frontier:
                self.open_frontier = artifact.capability
                self.best_open = artifact
        else:
            self.closed_frontier = max(self.closed_frontier, artifact.capability)
        return artifact

    def released_at(self, step: int) -> list[ModelArtifact]:
        return [a for a in self.artifacts if a.release_step == step]

    def by_developer(self, developer: str) -> list[ModelArtifact]:
        return [a for a in self.artifacts if a.developer == developer]
