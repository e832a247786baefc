"""The model registry: every released model (artifact), and the release plans labs decide on.

Units: `train_flop` is log10 training FLOP; `capability` is log10 effective compute
(train_flop + algorithmic efficiency at training time + the lab's offset), in OOM.
"""

from __future__ import annotations

import bisect
import math
from dataclasses import dataclass, field, fields

from sim.model.jurisdiction import within_any


@dataclass(frozen=True)
class ReleasePlan:
    """A finished training run that a developer intends to release, before or after its choice.

    `withheld` are markets the lab chose not to offer this model in; `blocked` are jurisdictions
    it may not be served to (weight export controls). Open weights are obtainable everywhere
    whatever either says. `settled` are the policies this release has answered (complied with,
    withheld from or defied), `refused` the licences refused for it.
    """

    developer: str
    release_id: int
    train_flop: float
    capability: float
    open_weights: bool
    shutdown_capable: bool = False
    delay_months: int = 0
    blocked: frozenset[str] = frozenset()
    withheld: frozenset[str] = frozenset()
    security_upgrade_to: int | None = None
    security_upgrade_months_per_level: int = 12
    settled: frozenset[str] = frozenset()
    defied: frozenset[str] = frozenset()
    refused: frozenset[str] = frozenset()
    design: str = "as_planned"
    side: bool = False
    round: int = 0
    """How many times this release has been decided (re-decided after a refusal or a move)."""
    served_closed: bool = False
    """Its model is already served closed while its weights wait for a licence."""
    floor_capability: float = -math.inf
    """What a fast follower reaches by learning from others' models, whatever its size."""

    def evolve(self, **changes) -> ReleasePlan:
        """A copy with `changes` (as `dataclasses.replace`, without its per-call overhead:
        plans are copied thousands of times a replicate)."""
        if not _PLAN_FIELDS.issuperset(changes):
            raise TypeError(f"ReleasePlan has no field {sorted(changes.keys() - _PLAN_FIELDS)}")
        new = object.__new__(ReleasePlan)
        new.__dict__.update(self.__dict__)
        new.__dict__.update(changes)
        return new

    def shaded_to(self, train_flop: float) -> ReleasePlan:
        """The same run shrunk to `train_flop` (log10): capability falls by the same OOM, but
        not below what the lab reaches by learning from others' models (a smaller model can be
        distilled as well as a big one)."""
        shrunk = self.capability - (self.train_flop - train_flop)
        return self.evolve(train_flop=train_flop,
                       capability=max(shrunk, min(self.capability, self.floor_capability)))


_PLAN_FIELDS = frozenset(f.name for f in fields(ReleasePlan))


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
    blocked: frozenset[str] = frozenset()
    withheld: frozenset[str] = frozenset()
    aup_bans_military: bool = False
    covered: bool = False
    """Meets a kill-switch mandate's thresholds (whether or not the mandate is in force)."""
    cost_musd: float = 0.0
    """Its training cost at market prices when released, USD M."""
    largest_run_before: float = -math.inf
    """The largest run released before it (log10 FLOP), for frontier-relative thresholds."""
    stolen_by: frozenset[str] = frozenset()
    """The states that stole its weights (a new set at each theft: most models are never
    stolen, and share this empty one)."""
    _offered_in: dict[str, bool] | None = field(default=None, init=False, repr=False,
                                                compare=False)
    """Answers of `offered_in` so far (`blocked` and `withheld` are fixed at release); made
    at the first question (open models are never asked)."""

    @property
    def controlled_copies(self) -> int:
        """Copies a shutdown can reach: the developer's own, and only for closed weights."""
        return 0 if self.open_weights else 1

    def offered_in(self, jurisdiction: str) -> bool:
        """Whether the lab offers it there (closed models: served through its API)."""
        answers = self._offered_in
        if answers is None:
            answers = self._offered_in = {}
        known = answers.get(jurisdiction)
        if known is None:
            known = answers[jurisdiction] = not within_any(
                jurisdiction, self.blocked | self.withheld)
        return known


def _insort_most_capable_first(artifacts: list[ModelArtifact], keys: list[float],
                               artifact: ModelArtifact) -> None:
    """Insert `artifact` after every artifact at least as capable (as `bisect.insort_right`
    with the key `-capability`), keeping `keys` (minus each capability) in step."""
    key = -artifact.capability
    index = bisect.bisect_right(keys, key)
    keys.insert(index, key)
    artifacts.insert(index, artifact)


class ModelRegistry:
    """All artifacts in release order, with running frontiers (log10 effective FLOP)."""

    def __init__(self) -> None:
        self.artifacts: list[ModelArtifact] = []
        self.frontier = -math.inf
        self.open_frontier = -math.inf
        self.closed_frontier = -math.inf
        self.largest_train_flop = -math.inf
        self.best_open: ModelArtifact | None = None
        self.open_frontier_by_place: dict[str, float] = {}
        """Best open-weight capability by the top-level jurisdiction of its lab's domicile."""
        self.best_closed_by_developer: dict[str, ModelArtifact] = {}
        self.closed_by_developer: dict[str, list[ModelArtifact]] = {}
        """Each developer's closed models, most capable first."""
        self.by_capability: list[ModelArtifact] = []
        """Every artifact, most capable first."""
        self._by_capability_keys: list[float] = []
        """Minus each capability in `by_capability`, in its order (bisected without a key
        function: one call per release instead of one per comparison)."""
        self._closed_keys: dict[str, list[float]] = {}
        """Likewise for each developer's list in `closed_by_developer`."""
        self.largest: ModelArtifact | None = None
        self.count_by_developer: dict[str, int] = {}
        self.version = 0
        """Incremented at every release (cache key for what depends on the registry)."""

    def add(self, **fields) -> ModelArtifact:
        fields.setdefault("largest_run_before", self.largest_train_flop)
        artifact = ModelArtifact(artifact_id=len(self.artifacts), **fields)
        self.artifacts.append(artifact)
        self.version += 1
        self.count_by_developer[artifact.developer] = self.count_by_developer.get(
            artifact.developer, 0) + 1
        _insort_most_capable_first(self.by_capability, self._by_capability_keys, artifact)
        if self.largest is None or artifact.train_flop > self.largest.train_flop:
            self.largest = artifact
        self.frontier = max(self.frontier, artifact.capability)
        self.largest_train_flop = max(self.largest_train_flop, artifact.train_flop)
        if artifact.open_weights:
            place = artifact.jurisdiction.split("-")[0]
            self.open_frontier_by_place[place] = max(
                self.open_frontier_by_place.get(place, -math.inf), artifact.capability)
            if artifact.capability > self.open_frontier:
                self.open_frontier = artifact.capability
                self.best_open = artifact
        else:
            self.closed_frontier = max(self.closed_frontier, artifact.capability)
            _insort_most_capable_first(
                self.closed_by_developer.setdefault(artifact.developer, []),
                self._closed_keys.setdefault(artifact.developer, []), artifact)
            best = self.best_closed_by_developer.get(artifact.developer)
            if best is None or artifact.capability >= best.capability:
                self.best_closed_by_developer[artifact.developer] = artifact
        return artifact

    def by_developer(self, developer: str) -> list[ModelArtifact]:
        return [a for a in self.artifacts if a.developer == developer]
