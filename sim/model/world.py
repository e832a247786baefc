"""RegSimModel: builds the world from a validated scenario and steps it one month at a time.

Each month, in order: dated changes due this month take effect; algorithmic knowledge grows;
regulators update pressure and enact, end or repeal instruments; developers (in random order)
advance compute, security and moves and release models, choosing how to answer instruments
that cover them; the ecosystem adopts the best open model and the API models offered to it;
state actors absorb, steal and distil; then the month's outputs are recorded.
"""

from __future__ import annotations

import math
from functools import lru_cache

import mesa
import numpy as np

from sim.calendar import format_month, parse_month
from sim.model import catch_up, enforcement
from sim.model.compute import CostModel
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
from sim.scenario.changes import change_snapshots
from sim.scenario.schema import Scenario


@lru_cache(maxsize=4096)
def _month_number(text: str) -> int:
    return parse_month(text)


class RegSimModel(mesa.Model):
    """The regsim world. `params` is a validated `Scenario`; `seed` fixes every random draw;
    `series=False` keeps only the monthly columns the summary reads (`outputs.Observer`)."""

    def __init__(self, params: Scenario, seed: int | None = None, series: bool = True) -> None:
        seed = params.scenario.seed if seed is None else int(seed)
        super().__init__(rng=seed)
        self.params = params
        self.seed = seed
        self.streams = RandomStreams(seed)
        self.start_month = parse_month(params.scenario.start)
        self.months = params.scenario.months
        self.step_index = -1
        self.month = self.start_month
        """The current calendar month (absolute month number; the start month before step 0)."""
        self.costs = CostModel(params.world.compute)
        self.algo_efficiency_oom = 0.0
        self.counters = dict.fromkeys(COUNTERS, 0.0)
        self.events = EventLog(self.start_month)
        self.registry = ModelRegistry()
        self.derived_artifacts: set[int] = set()
        """Models whose capability came from building on another lab's model (a follower's
        learned floor), not from the lab's own run (`sim.model.catch_up`)."""
        self.history = FrontierHistory(params.world.prehistory_frontier_growth_oom_per_year / 12)
        self.regulator_list = [Regulator(self, spec) for spec in params.regulators]
        self.policies = [p for r in self.regulator_list for p in r.policies]
        self._policies_by_key = {p.key: p for p in self.policies}
        self.kill_switches = [p for p in self.policies if isinstance(p, KillSwitch)]
        self.developer_list = [Developer(self, spec) for spec in params.all_developers()]
        self._developers_by_name = {d.name: d for d in self.developer_list}
        self.state_list = [StateActor(self, spec) for spec in params.states]
        self.ecosystem = Ecosystem(params.world.ecosystem)
        self._open_draws = self.streams.generator("ecosystem", "open")
        self._api_draws = self.streams.generator("ecosystem", "api")
        self._open_uniforms = np.empty(self.ecosystem.adopters)
        self._api_uniforms = np.empty(self.ecosystem.adopters)
        self._markets_version = 0
        self._fines_due: list[tuple[int, float]] = []
        self._access_factors: dict[tuple[str, int], float] = {}
        """compute_access_factor by (jurisdiction, month), for the policies' state of this step
        (labs ask for it hundreds of times a month; instruments change only in `step`'s first
        parts, before the labs move)."""
        self._labs_with_closed: tuple[int, list[Developer]] | None = None
        self._offers_key: int | None = None
        self._offers: dict[str, ModelArtifact | None] = {}
        self._changes = [(parse_month(month), snapshot)
                         for month, snapshot in change_snapshots(params)]
        self._register_initial_models()
        self.observer = Observer(self, series)

    # Time -----------------------------------------------------------------------------------
    @staticmethod
    def month_of(text: str) -> int:
        return _month_number(text)

    # The monthly step -----------------------------------------------------------------------
    def step(self) -> None:
        self.step_index += 1
        self.month = self.start_month + self.step_index
        self._access_factors.clear()
        self._apply_due_changes()
        self._collect_due_fines()
        self._grow_knowledge()
        for regulator in self.regulator_list:
            regulator.step()
        self._access_factors.clear()
        self.agents_by_type[Developer].shuffle_do("step")
        self._diffuse()
        for state in self.state_list:
            state.step()
        self.history.record(self.registry.frontier)
        self.observer.collect()

    def run(self) -> None:
        """Run every month of the horizon."""
        for _ in range(self.months):
            self.step()

    # Services to agents ---------------------------------------------------------------------
    def compute_access_factor(self, jurisdiction: str, month: int) -> float:
        """Share (0, 1] of the compute labs in `jurisdiction` can buy at `month`, under the
        instruments in force now (worked out once per step)."""
        key = (jurisdiction, month)
        factor = self._access_factors.get(key)
        if factor is None:
            factor = 1.0
            for policy in self.policies:
                factor *= policy.compute_access_factor(jurisdiction, month)
            self._access_factors[key] = factor
        return factor

    def distillation_access_factor(self, state_jurisdictions: list[str], lab: Developer) -> float:
        factor = 1.0
        for policy in self.policies:
            factor *= policy.distillation_access_factor(state_jurisdictions, lab)
        return factor

    def theft_hazard(self, attacker_tier: int, security_level: int) -> float:
        """Monthly chance an attacker of tier OC steals from a lab at SL (RAND levels)."""
        theft = self.params.world.theft
        hazard = theft.hazard_per_month_at_parity * theft.hazard_multiplier_per_tier ** (
            attacker_tier - security_level)
        return min(theft.max_hazard_per_month, hazard)

    def learned_capability(self, lab: Developer) -> float:
        """The best capability a fast-follower lab can build from others' models now, under
        the scenario's catch-up formulation (`sim.model.catch_up`; log10 effective FLOP; -inf
        for other labs)."""
        return catch_up.learned_capability(self, lab)

    def covering_policies(self, plan: ReleasePlan, lab: Developer) -> list:
        return [p for p in self.policies
                if p.key not in plan.settled and p.covers(plan, lab, self)]

    def policy_named(self, key: str):
        return self._policies_by_key[key]

    def labs_with_closed_models(self) -> list[Developer]:
        """The labs that have released a closed model, in `developer_list` order (what states
        may steal or distil; worked out again only when a lab releases its first one)."""
        best = self.registry.best_closed_by_developer
        known = self._labs_with_closed
        if known is None or known[0] != len(best):
            known = self._labs_with_closed = (
                len(best), [lab for lab in self.developer_list if lab.name in best])
        return known[1]

    def developer_named(self, name: str) -> Developer:
        return self._developers_by_name[name]

    def market_left(self, lab: Developer, jurisdiction: str) -> None:
        """A lab stopped selling in `jurisdiction`: its API models are no longer served there."""
        self._markets_version += 1
        ids = [a.artifact_id for a in self.registry.closed_by_developer.get(lab.name, [])]
        for place in self.ecosystem.jurisdictions:
            if within(place, jurisdiction):
                self.ecosystem.revoke_api(ids, place)

    def fine_later(self, month: int, fine_musd: float) -> None:
        """A fine for a violation found before fines can be imposed, paid at `month`."""
        self._fines_due.append((month, fine_musd))

    def raise_pressure(self, jurisdiction: str) -> None:
        """A publicised incident involving a model from `jurisdiction`."""
        for regulator in self.regulator_list:
            if within(jurisdiction, regulator.jurisdiction):
                regulator.add_incident_pressure()

    # Releases and incidents -----------------------------------------------------------------
    def release(self, lab: Developer, plan: ReleasePlan, step: int | None = None) -> ModelArtifact:
        step = self.step_index if step is None else step
        month = self.start_month + step
        count = self.registry.count_by_developer.get(lab.name, 0)
        artifact = self.registry.add(
            name=f"{lab.label} model {count + 1}", developer=lab.name,
            jurisdiction=lab.jurisdiction, train_flop=plan.train_flop,
            capability=plan.capability, release_step=step, open_weights=plan.open_weights,
            shutdown_capable=plan.shutdown_capable, blocked=plan.blocked, withheld=plan.withheld,
            aup_bans_military=lab.params.aup_bans_military,
            covered=self.is_covered_model(plan.train_flop, month),
            cost_musd=self.costs.run_cost_musd(plan.train_flop, month))
        if not (plan.open_weights and plan.served_closed):  # not a new model: the weights of
            self.new_artifacts.append(artifact)             # one served since its licence wait
        if plan.capability <= plan.floor_capability:
            self.derived_artifacts.add(artifact.artifact_id)
        self._note_offered(artifact)
        self._log_release(lab, artifact, plan)
        if plan.defied:
            enforcement.enforce(lab, plan, self)
        for state in self.state_list:
            state.notice(artifact)
        return artifact

    def is_covered_model(self, train_flop: float, month: int) -> bool:
        """At or above the world's measurement line, `covered_model_threshold_flop`: the models
        whose copies coverage counts. The line is the same whatever instruments a scenario
        holds, so paired comparisons measure the same models and an instrument that covers
        nothing changes nothing."""
        return train_flop >= math.log10(self.params.world.covered_model_threshold_flop)

    def report_incident(self, state: StateActor, artifact: ModelArtifact) -> None:
        """A state's military derivative of `artifact` is publicised (ChatBIT-style)."""
        self.counters["incidents"] += 1
        self.raise_pressure(artifact.jurisdiction)
        self.events.add(
            self.step_index, "incident", [state.name, artifact.developer],
            f"A military fine-tune of {artifact.name} by {state.label} is publicised"
            + (" (its licence bans military use)" if artifact.aup_bans_military else ""),
            artifact=artifact.name)

    # Internals ------------------------------------------------------------------------------
    def _grow_knowledge(self) -> None:
        self.new_artifacts: list[ModelArtifact] = []
        if self.step_index == 0:
            return
        self.algo_efficiency_oom += self.params.world.algo_efficiency_growth_oom_per_year / 12.0

    def _diffuse(self) -> None:
        """One month of adoption. Every month draws one uniform per adopter for each purpose,
        whether or not anything is on offer, so a policy never shifts later months' draws."""
        ecosystem = self.ecosystem
        # Drawn into the same two buffers every month (the same numbers as fresh arrays).
        open_uniforms = self._open_draws.random(out=self._open_uniforms)
        api_uniforms = self._api_draws.random(out=self._api_uniforms)
        best = self.registry.best_open
        if best is not None:
            ecosystem.diffuse_open(best.capability, best.covered, open_uniforms, best.train_flop)
        ecosystem.diffuse_api(self._api_offers(), api_uniforms)

    def api_offers(self) -> dict[str, ModelArtifact | None]:
        """The best closed model offered in each ecosystem jurisdiction (None where none)."""
        return self._api_offers()

    def _api_offers(self) -> dict[str, ModelArtifact | None]:
        """The best closed model offered in each ecosystem jurisdiction: worked out afresh when
        a lab's markets change (it left one, or a dated change), and kept up to date at each
        closed release in between (`_note_offered`)."""
        if self._offers_key != self._markets_version:
            self._offers = {j: self._best_offered(j) for j in self.ecosystem.jurisdictions}
            self._offers_key = self._markets_version
        return self._offers

    def _note_offered(self, artifact: ModelArtifact) -> None:
        """Update the best offers for a newly released closed model: it is the new best where
        it is offered and beats the best; a tie is worked out afresh, so the lab that
        `_best_offered` finds first still wins it."""
        if artifact.open_weights or self._offers_key != self._markets_version:
            return
        offers = self._offers
        for place, best in offers.items():
            if not self._offered(artifact, place):
                continue
            if best is None or artifact.capability > best.capability:
                offers[place] = artifact
            elif artifact.capability == best.capability:
                offers[place] = self._best_offered(place)

    def _offered(self, artifact: ModelArtifact, jurisdiction: str) -> bool:
        lab = self._developers_by_name[artifact.developer]
        return lab.sells_into(jurisdiction) and artifact.offered_in(jurisdiction)

    def _best_offered(self, jurisdiction: str) -> ModelArtifact | None:
        """The most capable closed model some lab offers in `jurisdiction` (a lab's newest
        model may be withheld there while its older ones are still sold)."""
        best = None
        for name, artifacts in self.registry.closed_by_developer.items():
            if not self._developers_by_name[name].sells_into(jurisdiction):
                continue
            for artifact in artifacts:  # most capable first
                if artifact.offered_in(jurisdiction):
                    if best is None or artifact.capability > best.capability:
                        best = artifact
                    break
        return best

    def _collect_due_fines(self) -> None:
        due = [fine for month, fine in self._fines_due if month <= self.month]
        self._fines_due = [(m, f) for m, f in self._fines_due if m > self.month]
        self.counters["penalties_musd"] += sum(due)

    def _apply_due_changes(self) -> None:
        while self._changes and self._changes[0][0] <= self.month:
            _, snapshot = self._changes.pop(0)
            self.params = snapshot
            self.costs = CostModel(snapshot.world.compute)
            self.ecosystem.params = snapshot.world.ecosystem
            for spec in snapshot.all_developers():
                self._developers_by_name[spec.name].update_params(spec)
            self._markets_version += 1
            for state, spec in zip(self.state_list, snapshot.states, strict=True):
                state.update_params(spec)
            for regulator, spec in zip(self.regulator_list, snapshot.regulators, strict=True):
                regulator.update_params(spec)
            self.events.add(self.step_index, "change", [], "Scheduled change takes effect: "
                            + format_month(self.month), month=format_month(self.month))

    def _register_initial_models(self) -> None:
        """Each lab's latest model before the start, at the algorithms of its release month."""
        self.new_artifacts = []
        rate = self.params.world.algo_efficiency_growth_oom_per_year / 12.0
        labs = sorted((d for d in self.developer_list if d.params.initial_model_flop),
                      key=lambda d: (-d.params.initial_model_age_months, d.name))
        for lab in labs:
            spec = lab.params
            step = -spec.initial_model_age_months
            flop = math.log10(spec.initial_model_flop)
            capability = flop + rate * step + spec.capability_offset_oom
            open_weights = spec.release_strategy == "open" or (
                spec.release_strategy == "hybrid" and flop < math.log10(spec.open_size_limit_flop))
            self.release(lab, ReleasePlan(lab.name, 0, flop, capability, open_weights), step=step)
        for state in self.state_list:
            state.finish_absorptions_before_start()

    def _log_release(self, lab: Developer, artifact: ModelArtifact, plan: ReleasePlan) -> None:
        # Worded when the log is read: the artifact's logged fields never change. The plan's
        # few logged fields are kept, not the plan (fewer objects for the collector to visit).
        self.events.add_facts(artifact.release_step, _release_words, lab.name, lab.label,
                              artifact, plan.withheld, plan.defied, plan.design, plan.side)


def _release_words(lab_name: str, lab_label: str, artifact: ModelArtifact,
                   withheld: frozenset[str], defied: frozenset[str], design: str,
                   side: bool) -> tuple[str, list[str], str, dict]:
    """The release event: kind, actors, text and details."""
    access = "open weights" if artifact.open_weights else "closed (API)"
    extras = []
    if artifact.shutdown_capable:
        extras.append("with shutdown capability")
    if withheld:
        extras.append("withheld from " + ", ".join(sorted(withheld)))
    if defied:
        extras.append("in defiance of " + ", ".join(sorted(defied)))
    suffix = f" {'; '.join(extras)}" if extras else ""
    text = (f"{lab_label} releases {artifact.name}, {access}, 1e{artifact.train_flop:.2f} FLOP"
            + suffix)
    details = dict(
        artifact=artifact.name, train_flop=round(artifact.train_flop, 4),
        capability=round(artifact.capability, 4), open_weights=artifact.open_weights,
        covered=artifact.covered, shutdown_capable=artifact.shutdown_capable,
        defied=sorted(defied), withheld=sorted(withheld),
        design=design, side=side, jurisdiction=artifact.jurisdiction,
        largest_run_before=round(artifact.largest_run_before, 4)
        if math.isfinite(artifact.largest_run_before) else None,
        cost_musd=round(artifact.cost_musd, 3))
    return "release", [lab_name], text, details
