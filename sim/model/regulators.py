"""Regulator agents: reach, political pressure, and the activation and repeal of instruments.

Pressure rises when a state military derivative of a model from one of its labs is publicised
(ChatBIT-style) and decays each month; crossing an instrument's `trigger_pressure` enacts it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import mesa

from sim.calendar import parse_month
from sim.model.jurisdiction import within
from sim.model.policies import POLICY_KINDS, Policy

if TYPE_CHECKING:
    from sim.model.developers import Developer
    from sim.model.world import RegSimModel
    from sim.scenario.schema import RegulatorSpec


class Regulator(mesa.Agent):
    def __init__(self, model: RegSimModel, spec: RegulatorSpec) -> None:
        super().__init__(model)
        self.params = spec
        self.name = spec.name
        self.label = spec.label or spec.name
        self.jurisdiction = spec.jurisdiction
        self.reach = spec.reach
        self.pressure = spec.initial_pressure
        self.stream = model.streams.stream("regulator", spec.name)
        self.policies: list[Policy] = [
            POLICY_KINDS[p.kind](p, self) for p in spec.policies if p.enabled
        ]

    def in_reach(self, lab: Developer) -> bool:
        """Domicile reach: labs based here. Market reach: those plus labs selling here."""
        if within(lab.jurisdiction, self.jurisdiction):
            return True
        return self.reach == "market" and lab.sells_into(self.jurisdiction)

    def add_incident_pressure(self) -> None:
        self.pressure += self.params.pressure_per_incident

    def step(self) -> None:
        self.pressure *= 1.0 - self.params.pressure_decay_per_month
        for policy in self.policies:
            if policy.active:
                self._maybe_repeal(policy)
            elif not policy.repealed and self._due(policy):
                self._activate(policy)

    def _due(self, policy: Policy) -> bool:
        params = policy.params
        now = self.model.start_month + self.model.step_index
        dated = params.start is None or now >= parse_month(params.start)
        pressed = params.trigger_pressure is None or self.pressure >= params.trigger_pressure
        return dated and pressed

    def _activate(self, policy: Policy) -> None:
        policy.active = True
        self.model.counters["policy_activations"] += 1
        why = ""
        if policy.params.trigger_pressure is not None:
            why = (
                f" after political pressure reached {self.pressure:.2f} "
                f"(threshold {policy.params.trigger_pressure:g})"
            )
        self.model.events.add(
            self.model.step_index,
            "policy_activated",
            [self.name],
            f"{policy.label} takes effect{why}",
            policy=policy.key,
            policy_kind=policy.kind,
        )

    def _maybe_repeal(self, policy: Policy) -> None:
        if self.stream.random() >= policy.params.repeal_hazard_per_month:
            return
        policy.active, policy.repealed = False, True
        self.model.counters["policy_repeals"] += 1
        self.model.events.add(
            self.model.step_index,
            "policy_repealed",
            [self.name],
            f"{policy.label} is repealed",
            policy=policy.key,
            policy_kind=policy.kind,
        )
