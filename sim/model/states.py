"""State actors and their four acquisition channels.

A state's accessible capability is the best of: (1) its domestic labs' models; (2) open-weight
models after an absorption delay (a military fine-tune: Llama 2 -> ChatBIT took ~11 months);
(3) closed weights stolen at a monthly hazard set by its attacker tier (RAND OC) against the
target lab's security level (SL); (4) distillation through API access where not blocked, at a
capability discount and after a delay. The channel that delivered the best capability is
recorded every month.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import mesa

from sim.model.jurisdiction import within_any

if TYPE_CHECKING:
    from sim.model.registry import ModelArtifact
    from sim.model.world import RegSimModel
    from sim.scenario.schema import StateSpec

CHANNELS = ("domestic", "open_weights", "distillation", "theft")
"""In order of preference when two channels give the same capability."""


class StateActor(mesa.Agent):
    def __init__(self, model: RegSimModel, spec: StateSpec) -> None:
        super().__init__(model)
        self.params = spec
        self.name = spec.name
        self.label = spec.label or spec.name
        self.jurisdictions = list(spec.jurisdictions)
        self.stream = model.streams.stream("state", spec.name)
        self.channel_capability = dict.fromkeys(CHANNELS, -math.inf)
        self.absorbing: list[tuple[int, ModelArtifact]] = []
        self.best_foreign_open = -math.inf  # log10 effective FLOP of the best one seen
        self.distilling: list[tuple[int, ModelArtifact]] = []
        self.holdings: set[int] = set()
        self.derivatives: list[ModelArtifact] = []  # absorbed foreign models not yet publicised

    # What the state can use -------------------------------------------------------------------
    @property
    def capability(self) -> float:
        return max(self.channel_capability.values())

    @property
    def best_channel(self) -> str:
        best = self.capability
        if best == -math.inf:
            return "none"
        return next(c for c in CHANNELS if self.channel_capability[c] == best)

    def is_domestic(self, jurisdiction: str) -> bool:
        return within_any(jurisdiction, self.jurisdictions)

    # Monthly step --------------------------------------------------------------------------
    def notice(self, artifact: ModelArtifact) -> None:
        """A model was released (or existed at the start): domestic use or start absorbing.

        The state fine-tunes each foreign open model that beats every foreign open model before
        it, even when its domestic labs are ahead (ChatBIT fine-tuned Llama 2 13B although
        Chinese models of similar strength existed): the military wants the best foreign base.
        """
        if self.is_domestic(artifact.jurisdiction):
            self._gain("domestic", artifact.capability, artifact)
        elif artifact.open_weights and artifact.capability > self.best_foreign_open:
            self.best_foreign_open = artifact.capability
            low, high = self.params.absorption_months
            due = artifact.release_step + int(self.stream.integers(low, high + 1))
            self.absorbing.append((due, artifact))

    def finish_absorptions_before_start(self) -> None:
        """Fine-tunes of pre-start open models that were complete by the start (not logged)."""
        self._finish_absorptions(quietly=True)

    def step(self) -> None:
        self._finish_absorptions()
        self._finish_distillations()
        self._attempt_thefts()
        self._attempt_distillation()
        self._publicise_derivatives()

    # Channels -------------------------------------------------------------------------------
    def _finish_absorptions(self, quietly: bool = False) -> None:
        now = self.model.step_index
        due = [a for when, a in self.absorbing if when <= now]
        self.absorbing = [(when, a) for when, a in self.absorbing if when > now]
        for artifact in due:
            capability = artifact.capability - self.params.absorption_discount_oom
            self._gain("open_weights", capability, artifact)
            self.derivatives.append(artifact)
            if quietly:
                continue
            self.model.counters["absorptions"] += 1
            months = now - artifact.release_step
            self.model.events.add(
                now,
                "absorption",
                [self.name, artifact.developer],
                f"{self.label} fields a military fine-tune of {artifact.name} "
                f"(absorbed in {months} months)",
                artifact=artifact.name,
                months=months,
                covered=artifact.covered,
            )

    def _attempt_thefts(self) -> None:
        model = self.model
        for lab in model.developer_list:
            target = model.best_closed_artifact(lab.name)
            if target is None or self.is_domestic(lab.jurisdiction):
                continue
            if target.capability <= self.capability or self.name in target.stolen_by:
                continue
            if self.stream.random() < model.theft_hazard(
                self.params.attacker_tier, lab.security_level
            ):
                target.stolen_by.add(self.name)
                self._gain("theft", target.capability, target)
                model.counters["thefts"] += 1
                model.events.add(
                    model.step_index,
                    "theft",
                    [self.name, lab.name],
                    f"{self.label} steals the weights of {target.name} "
                    f"(OC{self.params.attacker_tier} against SL{lab.security_level})",
                    artifact=target.name,
                    covered=target.covered,
                )

    def _attempt_distillation(self) -> None:
        model = self.model
        candidates = [
            a
            for a in model.closed_artifacts_served_to(self)
            if a.capability - self.params.distillation_discount_oom > self.capability
            and all(a is not b for _, b in self.distilling)
        ]
        if not candidates:
            return
        target = max(candidates, key=lambda a: a.capability)
        access = model.distillation_access_factor(self.jurisdictions, target.developer)
        if self.stream.random() < self.params.distillation_hazard_per_month * access:
            self.distilling.append((model.step_index + self.params.distillation_months, target))

    def _finish_distillations(self) -> None:
        now = self.model.step_index
        due = [a for when, a in self.distilling if when <= now]
        self.distilling = [(when, a) for when, a in self.distilling if when > now]
        for artifact in due:
            capability = artifact.capability - self.params.distillation_discount_oom
            self._gain("distillation", capability, artifact)
            self.model.counters["distillations"] += 1
            self.model.events.add(
                now,
                "distillation",
                [self.name, artifact.developer],
                f"{self.label} distils {artifact.name} through its API",
                artifact=artifact.name,
            )

    def _publicise_derivatives(self) -> None:
        model, world = self.model, self.model.params.world
        kept = []
        for artifact in self.derivatives:
            chance = world.incident_detection_per_month
            if artifact.aup_bans_military:
                chance = min(1.0, chance * world.aup_detection_multiplier)
            if self.stream.random() < chance:
                model.report_incident(self, artifact)
            else:
                kept.append(artifact)
        self.derivatives = kept

    def _gain(self, channel: str, capability: float, artifact: ModelArtifact) -> None:
        if channel in ("open_weights", "theft"):  # the state now holds a copy of the weights
            self.holdings.add(artifact.artifact_id)
        if capability > self.channel_capability[channel]:
            self.channel_capability[channel] = capability
