"""RegSimModel: builds the world from a validated scenario and steps it one month at a time.

Each month, in order: algorithmic knowledge grows; regulators update pressure and enact or repeal
instruments; developers (in random order) grow compute and release models, making compliance
choices; the ecosystem adopts the best open model; state actors absorb, steal and distil; then
the month's outputs are recorded.
"""

from __future__ import annotations

import math

import mesa

from sim.calendar import parse_month
from sim.model.developers import Developer
from sim.model.ecosystem import Ecosystem
from sim.model.events import EventLog
from sim.model.jurisdiction import within
from sim.model.lags import FrontierHistory
from sim.model.outputs import COUNTERS, Observer
from sim.model.policies.kill_switch import KillSwitch
from sim.model.random_streams import RandomStreams
from sim.model.registry import ModelArtifact, ModelRegistry, ReleasePlan
from sim.model.regulators import Regulator
from sim.model.states import StateActor
from sim.scenario.schema import Scenario


class RegSimModel(mesa.Model):
    """The regsim world. `params` is a validated `Scenario`; `seed` fixes every random draw."""

    def __init__(self, params: Scenario, seed: int | None = None) -> None:
        seed = params.scenario.seed if seed is None else int(seed)
        super().__init__(rng=seed)
        self.params = params
        self.seed = seed
        self.streams = RandomStreams(seed)
        self.start_month = parse_month(params.scenario.start)
        self.months = params.scenario.months
        self.step_index = 0
        self.algo_efficiency_oom = 0.0
        self.counters = dict.fromkeys(COUNTERS, 0.0)
        self.events = EventLog(self.start_month)
        self.registry = ModelRegistry()
        self.new_artifacts: list[ModelArtifact] = []
        world = params.world
        self.history = FrontierHistory(
            self.months, world.prehistory_frontier_growth_oom_per_year / 12
        )
        self.regulator_list = [Regulator(self, spec) for spec in params.regulators]
        self.developer_list = [Developer(self, spec) for spec in params.developers]
        self._developers_by_name = {d.name: d for d in self.developer_list}
        self.state_list = [StateActor(self, spec) for spec in params.states]
        self.policies = [p for r in self.regulator_list for p in r.policies]
        self.kill_switches = [p for p in self.policies if isinstance(p, KillSwitch)]
        self.ecosystem = Ecosystem(world.ecosystem, self.streams.stream("ecosystem"))
        self._register_initial_models()
        self.observer = Observer(self)
        self.step_index = -1

    # The monthly step -----------------------------------------------------------------------
    def step(self) -> None:
        self.step_index += 1
        self.new_artifacts = []
        self._grow_knowledge()
        for regulator in self.regulator_list:
            regulator.step()
        self.agents_by_type[Developer].shuffle_do("step")
        if self.registry.best_open is not None:
            best = self.registry.best_open
            self.ecosystem.diffuse(best.capability, best.covered)
        for state in self.state_list:
            state.step()
        self.history.record(self.registry.frontier)
        self.observer.collect()

    def run(self) -> None:
        """Run every month of the horizon."""
        for _ in range(self.months):
            self.step()

    # Services to agents ---------------------------------------------------------------------
    def usd_per_flop(self, absolute_month: int | None = None) -> float:
        """Training cost of one FLOP in USD at a calendar month (default: now)."""
        world = self.params.world
        month = self.start_month + self.step_index if absolute_month is None else absolute_month
        years = (month - parse_month("2024-01")) / 12.0
        return world.usd_per_flop_2024 / world.flop_price_decline_per_year**years

    def training_cost_musd(self, train_flop: float) -> float:
        """Cost in USD M of a run of `train_flop` (log10) at today's prices."""
        return 10.0**train_flop * self.usd_per_flop() / 1e6

    def compute_growth_factor(self, jurisdiction: str) -> float:
        factor = 1.0
        for policy in self.policies:
            factor *= policy.compute_growth_factor(jurisdiction)
        return factor

    def distillation_access_factor(self, state_jurisdictions: list[str], developer: str) -> float:
        lab = self.developer_named(developer)
        factor = 1.0
        for policy in self.policies:
            factor *= policy.distillation_access_factor(state_jurisdictions, lab)
        return factor

    def theft_hazard(self, attacker_tier: int, security_level: int) -> float:
        """Monthly chance an attacker of tier OC steals from a lab at SL (RAND levels)."""
        theft = self.params.world.theft
        hazard = theft.hazard_per_month_at_parity * theft.hazard_multiplier_per_tier ** (
            attacker_tier - security_level
        )
        return min(theft.max_hazard_per_month, hazard)

    def covering_policies(self, plan: ReleasePlan, lab: Developer) -> list:
        return [
            p
            for p in self.policies
            if p.key not in plan.settled and p.covers_release(plan, lab, self)
        ]

    def developer_named(self, name: str) -> Developer:
        return self._developers_by_name[name]

    def best_closed_artifact(self, developer: str) -> ModelArtifact | None:
        return self._best_closed.get(developer)

    def closed_artifacts_served_to(self, state: StateActor) -> list[ModelArtifact]:
        """Each foreign lab's best closed model, unless export controls block the state."""
        served = []
        for artifact in self._best_closed.values():
            if state.is_domestic(artifact.jurisdiction):
                continue
            if any(
                state.is_domestic(j) or j in state.jurisdictions
                for j in artifact.blocked_jurisdictions
            ):
                continue
            served.append(artifact)
        return served

    def api_capability_by_jurisdiction(self) -> dict[str, float]:
        """Best closed model each ecosystem jurisdiction can reach through an API."""
        best: dict[str, float] = {}
        for name, artifact in self._best_closed.items():
            lab = self.developer_named(name)
            for place in self.ecosystem.jurisdictions:
                if place in artifact.blocked_jurisdictions or not lab.sells_into(place):
                    continue
                best[place] = max(best.get(place, -math.inf), artifact.capability)
        return best

    # Releases and incidents -----------------------------------------------------------------
    def release(self, lab: Developer, plan: ReleasePlan, step: int | None = None) -> ModelArtifact:
        step = self.step_index if step is None else step
        count = sum(1 for a in self.registry.artifacts if a.developer == lab.name)
        artifact = self.registry.add(
            name=f"{lab.label} model {count + 1}",
            developer=lab.name,
            jurisdiction=lab.jurisdiction,
            train_flop=plan.train_flop,
            capability=plan.capability,
            release_step=step,
            open_weights=plan.open_weights,
            shutdown_capable=plan.shutdown_capable,
            blocked_jurisdictions=plan.blocked_jurisdictions,
            aup_bans_military=lab.params.aup_bans_military,
            covered=self.is_covered_model(plan.train_flop, step),
        )
        if not artifact.open_weights:
            previous = self._best_closed.get(lab.name)
            if previous is None or artifact.capability >= previous.capability:
                self._best_closed[lab.name] = artifact
        self.new_artifacts.append(artifact)
        self._log_release(lab, artifact, plan)
        for state in self.state_list:
            state.notice(artifact)
        return artifact

    def is_covered_model(self, train_flop: float, step: int) -> bool:
        """Meets any kill-switch mandate's thresholds (the world's default without one)."""
        usd_per_flop = self.usd_per_flop(self.start_month + step)
        if not self.kill_switches:
            return train_flop >= math.log10(self.params.world.covered_model_threshold_flop)
        return any(k.covers_artifact(train_flop, usd_per_flop) for k in self.kill_switches)

    def report_incident(self, state: StateActor, artifact: ModelArtifact) -> None:
        """A state's military derivative of `artifact` is publicised (ChatBIT-style)."""
        self.counters["incidents"] += 1
        for regulator in self.regulator_list:
            if within(artifact.jurisdiction, regulator.jurisdiction):
                regulator.add_incident_pressure()
        self.events.add(
            self.step_index,
            "incident",
            [state.name, artifact.developer],
            f"A military fine-tune of {artifact.name} by {state.label} is publicised"
            + (" (its licence bans military use)" if artifact.aup_bans_military else ""),
            artifact=artifact.name,
        )

    # Internals ------------------------------------------------------------------------------
    def _grow_knowledge(self) -> None:
        if self.step_index == 0:
            return
        world = self.params.world
        open_share = sum(d.last_release_open for d in self.developer_list) / len(
            self.developer_list
        )
        monthly = world.algo_efficiency_growth_oom_per_year / 12.0
        self.algo_efficiency_oom += monthly * (1.0 + world.open_spillover * open_share)

    def _register_initial_models(self) -> None:
        """Each lab's latest model before the start, at the algorithms of its release month."""
        self._best_closed: dict[str, ModelArtifact] = {}
        rate = self.params.world.algo_efficiency_growth_oom_per_year / 12.0
        labs = sorted(
            (d for d in self.developer_list if d.params.initial_model_flop),
            key=lambda d: (-d.params.initial_model_age_months, d.name),
        )
        for lab in labs:
            spec = lab.params
            step = -spec.initial_model_age_months
            flop = math.log10(spec.initial_model_flop)
            capability = flop + rate * step + spec.capability_offset_oom
            open_weights = spec.release_strategy == "open" or (
                spec.release_strategy == "hybrid" and flop < math.log10(spec.open_size_limit_flop)
            )
            self.release(lab, ReleasePlan(lab.name, flop, capability, open_weights), step=step)
        for state in self.state_list:
            state.finish_absorptions_before_start()

    def _log_release(self, lab: Developer, artifact: ModelArtifact, plan: ReleasePlan) -> None:
        access = "open weights" if artifact.open_weights else "closed (API)"
        extras = []
        if artifact.shutdown_capable:
            extras.append("with shutdown capability")
        if plan.defied:
            extras.append("in defiance of " + ", ".join(sorted(plan.defied)))
        suffix = f" {'; '.join(extras)}" if extras else ""
        self.events.add(
            artifact.release_step,
            "release",
            [lab.name],
            f"{lab.label} releases {artifact.name}, {access}, 1e{artifact.train_flop:.2f} FLOP"
            + suffix,
            artifact=artifact.name,
            train_flop=round(artifact.train_flop, 4),
            capability=round(artifact.capability, 4),
            open_weights=artifact.open_weights,
            covered=artifact.covered,
            shutdown_capable=artifact.shutdown_capable,
            defied=sorted(plan.defied),
            jurisdiction=artifact.jurisdiction,
        )
