"""State actors and their four acquisition channels.

A state's **accessible** capability is the best of: (1) its domestic labs' models (its
**domestic** capability, the quantity Epoch's US-China lag measures); (2) foreign open-weight
models after a military fine-tune (Llama 2 -> ChatBIT ~11 months; Norinco used DeepSeek-R1
within a month); (3) closed weights stolen at a monthly hazard set by its attacker tier (RAND
OC) against the target lab's security level (SL); a share of thefts becomes public months later;
(4) distillation of a foreign closed model through its API: direct where the lab serves one of
the state's jurisdictions, otherwise only through proxies (`world.follower.leakage_share`; a
legal serving ban cuts them under the `reseller_chain` formulation, `sim.model.distillation`),
cut further by API know-your-customer rules. The channel that delivered the best capability is
recorded every month. Military fine-tunes of foreign models may be publicised (incidents), each
month with a small chance while they are news; some never are.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import mesa

from sim.model import distillation
from sim.model.jurisdiction import within_any

if TYPE_CHECKING:
    from sim.model.developers import Developer
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
        self._is_domestic: dict[str, bool] = {}
        self.channel_capability = dict.fromkeys(CHANNELS, -math.inf)
        self.absorbing: list[tuple[int, ModelArtifact]] = []
        self.best_foreign_open = -math.inf
        self.distilling: list[tuple[int, ModelArtifact]] = []
        self.holdings: set[int] = set()
        self.fine_tuned_developers: set[str] = set()
        """Developers whose open models it fielded a military fine-tune of during the run (its
        distinct base-model families)."""
        self.derivatives: list[tuple[int, ModelArtifact]] = []
        """Fielded military fine-tunes of foreign models that are still news: (step, model)."""
        self.undisclosed_thefts: list[tuple[int, ModelArtifact]] = []

    def update_params(self, spec: StateSpec) -> None:
        self.params, self.label = spec, spec.label or spec.name

    # What the state can use -------------------------------------------------------------------
    @property
    def capability(self) -> float:
        """Accessible capability: the best of every channel (log10 effective FLOP)."""
        return max(self.channel_capability.values())

    @property
    def domestic_capability(self) -> float:
        """Its own labs' best model (log10 effective FLOP)."""
        return self.channel_capability["domestic"]

    @property
    def best_channel(self) -> str:
        best = self.capability
        if best == -math.inf:
            return "none"
        return next(c for c in CHANNELS if self.channel_capability[c] == best)

    def is_domestic(self, jurisdiction: str) -> bool:
        known = self._is_domestic.get(jurisdiction)
        if known is None:  # its jurisdictions never change
            known = self._is_domestic[jurisdiction] = within_any(jurisdiction, self.jurisdictions)
        return known

    # Monthly step --------------------------------------------------------------------------
    def notice(self, artifact: ModelArtifact) -> None:
        """A model was released (or existed at the start): domestic use or start absorbing.

        The state fine-tunes each foreign open model that beats every foreign open model before
        it, even when its domestic labs are ahead (ChatBIT fine-tuned Llama 2 13B although
        Chinese models of similar strength existed): the military wants the best foreign base.
        """
        if self.is_domestic(artifact.jurisdiction):
            self._gain("domestic", artifact.capability)
        elif artifact.open_weights and artifact.capability > self.best_foreign_open:
            self.best_foreign_open = artifact.capability
            low, high = self.params.absorption_months
            months = self.model.streams.integer(low, high, "state", self.name, "absorption",
                                                artifact.artifact_id)
            self.absorbing.append((artifact.release_step + months, artifact))

    def finish_absorptions_before_start(self) -> None:
        """Fine-tunes of pre-start open models that were complete by the start (not logged)."""
        self._finish_absorptions(quietly=True)

    def step(self) -> None:
        self._finish_absorptions()
        self._finish_distillations()
        self._attempt_thefts()
        self._disclose_thefts()
        self._attempt_distillation()
        self._publicise_derivatives()

    # Channels -------------------------------------------------------------------------------
    def _finish_absorptions(self, quietly: bool = False) -> None:
        now = self.model.step_index
        due = [a for when, a in self.absorbing if when <= now]
        self.absorbing = [(when, a) for when, a in self.absorbing if when > now]
        for artifact in due:
            self._gain("open_weights", artifact.capability - self.params.absorption_discount_oom)
            self.holdings.add(artifact.artifact_id)
            self.derivatives = [(now, artifact)]  # the newest fine-tune is the news
            if quietly:
                continue
            self.model.counters["open_base_upgrades"] += 1
            self.fine_tuned_developers.add(artifact.developer)
            months = now - artifact.release_step
            self.model.events.add(
                now, "absorption", [self.name, artifact.developer],
                f"{self.label} fields a military fine-tune of {artifact.name} "
                f"(absorbed in {months} months)",
                artifact=artifact.name, months=months, covered=artifact.covered)

    def _attempt_thefts(self) -> None:
        model = self.model
        capability = self.capability
        best_closed = model.registry.best_closed_by_developer
        for lab in model.labs_with_closed_models():
            target = best_closed[lab.name]
            if self.is_domestic(lab.jurisdiction):
                continue
            if target.capability <= capability or self.name in target.stolen_by:
                continue
            hazard = model.theft_hazard(self.params.attacker_tier, lab.security_level)
            if model.streams.uniform("theft", self.name, lab.name, model.step_index) >= hazard:
                continue
            self._steal(lab, target)
            capability = self.capability

    def _steal(self, lab: Developer, target: ModelArtifact) -> None:
        model, theft = self.model, self.model.params.world.theft
        target.stolen_by = target.stolen_by | {self.name}
        self.holdings.add(target.artifact_id)
        self._gain("theft", target.capability)
        model.counters["thefts"] += 1
        model.events.add(
            model.step_index, "theft", [self.name, lab.name],
            f"{self.label} steals the weights of {target.name} "
            f"(OC{self.params.attacker_tier} against SL{lab.security_level}; not yet public)",
            artifact=target.name, covered=target.covered)
        key = ("state", self.name, "theft_disclosure", target.artifact_id)
        if model.streams.uniform(*key) < theft.public_detection_probability:
            low, high = theft.detection_delay_months
            delay = model.streams.integer(low, high, *key, "delay")
            self.undisclosed_thefts.append((model.step_index + delay, target))

    def _disclose_thefts(self) -> None:
        model = self.model
        now = model.step_index
        due = [a for when, a in self.undisclosed_thefts if when <= now]
        self.undisclosed_thefts = [(w, a) for w, a in self.undisclosed_thefts if w > now]
        for artifact in due:
            model.counters["thefts_disclosed"] += 1
            model.events.add(now, "theft_disclosed", [self.name, artifact.developer],
                             f"The theft of {artifact.name}'s weights by {self.label} becomes "
                             "public", artifact=artifact.name)
            model.raise_pressure(artifact.jurisdiction)

    def distillation_access(self, lab: Developer, artifact: ModelArtifact) -> float:
        """Share of full API access the state has to `artifact`: direct where served, else
        through proxies, as the distillation-access formulation says (`sim.model.distillation`)."""
        return distillation.api_access_share(self.model, lab, artifact, self.jurisdictions)

    def _attempt_distillation(self) -> None:
        model = self.model
        discount = self.params.distillation_discount_oom
        busy = {a.artifact_id for _, a in self.distilling}
        capability = self.capability
        best, best_lab = None, None
        best_closed = model.registry.best_closed_by_developer
        for lab in model.labs_with_closed_models():
            artifact = best_closed[lab.name]
            if self.is_domestic(artifact.jurisdiction) \
                    or artifact.artifact_id in busy \
                    or artifact.capability - discount <= capability:
                continue
            if best is None or artifact.capability > best.capability:
                best, best_lab = artifact, lab
        if best is None:
            return
        # The access only of the model chosen (working it out changes nothing).
        chance = self.params.distillation_hazard_per_month * self.distillation_access(best_lab,
                                                                                      best)
        if model.streams.uniform("state", self.name, "distillation", model.step_index) < chance:
            self.distilling.append((model.step_index + self.params.distillation_months, best))

    def _finish_distillations(self) -> None:
        now = self.model.step_index
        due = [a for when, a in self.distilling if when <= now]
        self.distilling = [(when, a) for when, a in self.distilling if when > now]
        for artifact in due:
            self._gain("distillation", artifact.capability - self.params.distillation_discount_oom)
            self.model.counters["distillations"] += 1
            self.model.events.add(
                now, "distillation", [self.name, artifact.developer],
                f"{self.label} distils {artifact.name} through its API", artifact=artifact.name)

    def _publicise_derivatives(self) -> None:
        model, world = self.model, self.model.params.world
        now = model.step_index
        kept = []
        for fielded, artifact in self.derivatives:
            if now - fielded >= world.derivative_newsworthy_months:
                continue  # no longer news: never publicised
            chance = world.derivative_publicity_per_month
            if artifact.aup_bans_military:
                chance = min(1.0, chance * world.aup_detection_multiplier)
            draw = model.streams.uniform("state", self.name, "publicity", artifact.artifact_id,
                                         now)
            if draw < chance:
                model.report_incident(self, artifact)
            else:
                kept.append((fielded, artifact))
        self.derivatives = kept

    def _gain(self, channel: str, capability: float) -> None:
        if capability > self.channel_capability[channel]:
            self.channel_capability[channel] = capability
