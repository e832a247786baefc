"""Regulator agents: reach, political pressure, the life of instruments, and the record of
violations and injunctions against each lab.

Pressure rises when a state military derivative of a model from one of its labs is publicised
(ChatBIT-style) and decays each month; crossing an instrument's `trigger_pressure` enacts it.
An instrument takes effect at its `start` month (and trigger), lapses at its `end` month, and
may be repealed at random once in force.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import mesa

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
        self.policies: list[Policy] = [POLICY_KINDS[p.kind](p, self) for p in spec.policies]
        self._violations: dict[str, int] = {}
        self._enjoined: set[str] = set()

    def update_params(self, spec: RegulatorSpec) -> None:
        """Take new parameter values (dated changes); instruments keep their state."""
        self.params, self.label, self.reach = spec, spec.label or spec.name, spec.reach
        by_name = {(p.name or p.kind): p for p in spec.policies}
        for policy in self.policies:
            policy.params = by_name[policy.name]

    # Reach and record -----------------------------------------------------------------------
    def is_domestic(self, lab: Developer) -> bool:
        return within(lab.jurisdiction, self.jurisdiction)

    def in_reach(self, lab: Developer) -> bool:
        """Domicile reach: labs based here. Market reach: those plus labs selling here."""
        if self.is_domestic(lab):
            return True
        return self.reach == "market" and lab.sells_into(self.jurisdiction)

    def violations_of(self, lab: Developer) -> int:
        """Detected violations of this regulator's instruments by `lab` so far."""
        return self._violations.get(lab.name, 0)

    def record_violation(self, lab: Developer) -> None:
        self._violations[lab.name] = self.violations_of(lab) + 1

    def enjoin(self, lab: Developer) -> None:
        self._enjoined.add(lab.name)

    def enjoins(self, lab: Developer) -> bool:
        """Whether a court has barred `lab` from defying this regulator again."""
        return lab.name in self._enjoined

    def add_incident_pressure(self) -> None:
        self.pressure += self.params.pressure_per_incident

    # Monthly step ---------------------------------------------------------------------------
    def step(self) -> None:
        self.pressure *= 1.0 - self.params.pressure_decay_per_month
        for policy in self.policies:
            if policy.active:
                self._maybe_end(policy)
            elif not policy.repealed and self._due(policy):
                self._activate(policy)

    def _due(self, policy: Policy) -> bool:
        params = policy.params
        now = self.model.month
        if not params.enabled:
            return False
        if params.end is not None and now >= self.model.month_of(params.end):
            return False
        dated = params.start is None or now >= self.model.month_of(params.start)
        pressed = params.trigger_pressure is None or self.pressure >= params.trigger_pressure
        return dated and pressed

    def _activate(self, policy: Policy) -> None:
        policy.active = True
        if policy.enacted_step is None:
            policy.enacted_step = self.model.step_index
        self.model.counters["policy_activations"] += 1
        why = ""
        if policy.params.trigger_pressure is not None:
            why = (f" after political pressure reached {self.pressure:.2f} "
                   f"(threshold {policy.params.trigger_pressure:g})")
        self.model.events.add(self.model.step_index, "policy_activated", [self.name],
                              f"{policy.label} takes effect{why}", policy=policy.key,
                              policy_kind=policy.kind)

    def _maybe_end(self, policy: Policy) -> None:
        params, model = policy.params, self.model
        lapsed = params.end is not None and model.month >= model.month_of(params.end)
        if not lapsed:
            if params.repeal_hazard_per_month == 0.0:
                return  # a draw in [0, 1) is never below 0; draws are keyed, so none moves
            draw = model.streams.uniform("regulator", self.name, "repeal", policy.key,
                                         model.step_index)
            if draw >= params.repeal_hazard_per_month:
                return
        policy.active, policy.repealed = False, True
        model.counters["policy_repeals"] += 1
        model.events.add(model.step_index, "policy_repealed", [self.name],
                         f"{policy.label} {'lapses' if lapsed else 'is repealed'}",
                         policy=policy.key, policy_kind=policy.kind)
