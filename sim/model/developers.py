"""Developer agents (labs): compute growth, training cadence, security, markets and releases.

Each month a lab's next frontier run grows (slower under chip export controls on its domicile).
When a run finishes it plans a release (open, closed, or hybrid: open below a size it chooses)
and, if a policy in force covers the release, makes a compliance choice (`compliance.py`).
"""

from __future__ import annotations

import math
from dataclasses import replace
from typing import TYPE_CHECKING

import mesa

from sim.model import compliance
from sim.model.jurisdiction import within
from sim.model.registry import ReleasePlan

if TYPE_CHECKING:
    from sim.model.world import RegSimModel
    from sim.scenario.schema import DeveloperSpec


class Developer(mesa.Agent):
    """A lab. Compute in log10 FLOP; security as RAND SL1-SL5."""

    def __init__(self, model: RegSimModel, spec: DeveloperSpec) -> None:
        super().__init__(model)
        self.params = spec
        self.name = spec.name
        self.label = spec.label or spec.name
        self.jurisdiction = spec.jurisdiction
        self.run_flop = math.log10(spec.initial_run_flop)
        self.growth_oom_per_month = math.log10(spec.compute_growth_per_year) / 12.0
        self.security_level = spec.security_level
        self.target_security_level = spec.security_level
        self.upgrade_months_left = 0
        self.upgrade_months_per_level = 12
        self.withdrawn_from: set[str] = set()
        self._sells_into: dict[str, bool] = {}  # markets only change by withdrawal
        self.relocation_months_left = 0
        self.held_plans: list[ReleasePlan] = []
        self.pending: list[tuple[int, ReleasePlan]] = []
        self.last_release_open = spec.release_strategy == "open"
        self.stream = model.streams.stream("developer", spec.name)
        age = spec.initial_model_age_months if spec.initial_model_flop else 0
        # The next release is due a cadence after the last one (at step -age); the countdown
        # reaches 0 at step `cadence - age`, or at step 0 when that is already overdue.
        self.months_to_release = max(1, self._draw_cadence() - age + 1)

    # Reach ----------------------------------------------------------------------------------
    def sells_into(self, jurisdiction: str) -> bool:
        """Whether it sells in `jurisdiction` (markets are hierarchical; withdrawals subtract)."""
        known = self._sells_into.get(jurisdiction)
        if known is None:
            known = self._sells_into[jurisdiction] = self._reaches_market(jurisdiction)
        return known

    def withdraw_from(self, jurisdictions: set[str]) -> None:
        """Stop selling in `jurisdictions` (and everywhere within them), for good."""
        self.withdrawn_from |= jurisdictions
        self._sells_into.clear()

    def _reaches_market(self, jurisdiction: str) -> bool:
        if any(within(jurisdiction, w) for w in self.withdrawn_from):
            return False
        return any(within(jurisdiction, m) or within(m, jurisdiction) for m in self.params.markets)

    @property
    def relocating(self) -> bool:
        return self.relocation_months_left > 0

    # Monthly step ---------------------------------------------------------------------------
    def step(self) -> None:
        if self.model.step_index > 0:  # initial_run_flop is the run of the start month
            self.run_flop += self.growth_oom_per_month * self.model.compute_growth_factor(
                self.jurisdiction
            )
        self._progress_security()
        self._progress_relocation()
        self._release_due_plans()
        self.months_to_release -= 1
        if self.months_to_release <= 0:
            self.months_to_release = self._draw_cadence()
            self.handle(self.plan_release())

    def plan_release(self) -> ReleasePlan:
        """The finished run, before any policy: its size, capability and openness."""
        spec = self.params
        if spec.release_strategy == "hybrid":
            open_weights = self.run_flop < math.log10(spec.open_size_limit_flop)
        else:
            open_weights = spec.release_strategy == "open"
        capability = self.run_flop + self.model.algo_efficiency_oom + spec.capability_offset_oom
        return ReleasePlan(self.name, self.run_flop, capability, open_weights)

    def handle(self, plan: ReleasePlan) -> None:
        """Release `plan`, after a compliance choice if a policy in force covers it."""
        if self.relocating:
            self.held_plans.append(plan)
            return
        covering = self.model.covering_policies(plan, self)
        if not covering:
            self.publish(plan)
            return
        compliance.decide(self, plan, covering)

    def publish(self, plan: ReleasePlan) -> None:
        """Release now, or queue it if compliance delayed it."""
        if plan.delay_months > 0:
            self.pending.append((self.model.step_index + plan.delay_months, plan))
            return
        if plan.security_upgrade_to:
            self.start_security_upgrade(
                plan.security_upgrade_to, plan.security_upgrade_months_per_level
            )
        self.last_release_open = plan.open_weights
        self.model.release(self, plan)

    # Relocation and security -----------------------------------------------------------------
    def start_relocation(self, plan: ReleasePlan) -> None:
        self.relocation_months_left = self.params.relocation_months
        self.held_plans.append(plan)

    def start_security_upgrade(self, level: int, months_per_level: int = 12) -> None:
        if level <= self.target_security_level:
            return
        self.target_security_level = level
        self.upgrade_months_per_level = months_per_level
        if self.upgrade_months_left == 0:
            self.upgrade_months_left = months_per_level

    def _progress_security(self) -> None:
        if self.security_level >= self.target_security_level:
            return
        self.upgrade_months_left -= 1
        if self.upgrade_months_left <= 0:
            self.security_level += 1
            self.model.events.add(
                self.model.step_index,
                "security_upgrade",
                [self.name],
                f"{self.label} reaches weight security SL{self.security_level}",
                security_level=self.security_level,
            )
            if self.security_level < self.target_security_level:
                self.upgrade_months_left = self.upgrade_months_per_level

    def _progress_relocation(self) -> None:
        if not self.relocating:
            return
        self.relocation_months_left -= 1
        if self.relocation_months_left > 0:
            return
        old, self.jurisdiction = self.jurisdiction, self.params.relocation_jurisdiction
        self.model.counters["relocations"] += 1
        self.model.events.add(
            self.model.step_index,
            "relocation",
            [self.name],
            f"{self.label} completes its move from {old} to {self.jurisdiction}",
            origin=old,
            destination=self.jurisdiction,
        )
        held, self.held_plans = self.held_plans, []
        for plan in held:
            self.handle(plan)

    def _release_due_plans(self) -> None:
        due = [plan for when, plan in self.pending if when <= self.model.step_index]
        self.pending = [(when, plan) for when, plan in self.pending if when > self.model.step_index]
        for plan in due:  # policies that came into force meanwhile get their say
            self.handle(replace(plan, delay_months=0))

    def _draw_cadence(self) -> int:
        low, high = self.params.cadence_months
        return int(self.stream.integers(low, high + 1))
