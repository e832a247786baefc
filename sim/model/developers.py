"""Developer agents (labs): compute generations, release cadence, markets, security, relocation.

A lab's releasable run size (log10 FLOP) stays fixed between compute generations. When a new
generation arrives (every `cluster_interval_months`), its run is what the lab's budget buys at
the month's FLOP price, reduced by chip export controls on its domicile and capped by the
world's feasibility ceiling (`sim.model.compute`). The budget grows at the lab's spending
growth; the lab's money values (revenue, value of capability, delay and relocation costs) grow
with what it spends on frontier runs, or along the labs' sourced revenue path
(`world.money_growth`, `sim.model.revenue`); the value it puts on openness is a fixed strategic
stake, or grows too under the `revealed` utilities (`world.compliance.utilities`), up to a
multiple of the cost of its current frontier run.
Releases come every `cadence_months`; when a policy in force covers one, the lab chooses what to
do (`sim.model.decisions`).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, NamedTuple

import mesa

from sim.model import decisions, revenue
from sim.model.jurisdiction import within, within_any
from sim.model.registry import ReleasePlan

if TYPE_CHECKING:
    from sim.model.world import RegSimModel
    from sim.scenario.schema import DeveloperSpec


class Money(NamedTuple):
    """A lab's money values in one month (USD M), from its spec and `Developer.value_scale`."""

    month: int
    annual_revenue_musd: float
    release_value_musd: float
    """What one release earns over its life: a year's revenue x the mean cadence."""
    openness_value_musd: float
    capability_value_musd_per_oom: float
    delay_cost_musd_per_month: float
    relocation_cost_musd: float


class Developer(mesa.Agent):
    """A lab. Compute in log10 FLOP; security as RAND SL1-SL5; money in USD M."""

    def __init__(self, model: RegSimModel, spec: DeveloperSpec) -> None:
        super().__init__(model)
        self.params = spec
        self.name = spec.name
        self.label = spec.label or spec.name
        self.jurisdiction = spec.jurisdiction
        self.run_flop = math.log10(spec.initial_run_flop)
        self.compute_generation = 0
        self.next_generation_step = self._months_to_first_generation()
        self.security_level = spec.security_level
        self.target_security_level = spec.security_level
        self.upgrade_months_left = 0
        self.upgrade_months_per_level = 12
        self.exited: set[str] = set()
        self.barred: set[str] = set()
        self._sells_into: dict[str, bool] = {}  # markets change only by leaving or dated changes
        self._sales_share_in: dict[str, float] = {}  # likewise
        self._shares: dict[str, float] | None = None
        self._scale: tuple[int, float] | None = None
        self._money: Money | None = None
        self._start_spending: float | None = None
        self.relocation_months_left = 0
        self.held_plans: list[ReleasePlan] = []
        self.pending: list[tuple[int, ReleasePlan]] = []
        self.releases_planned = 0
        self.cadence_draws = 0
        self.last_release_open = spec.release_strategy == "open"
        age = spec.initial_model_age_months if spec.initial_model_flop else 0
        # The next release is due a cadence after the last one (at step -age); the countdown
        # reaches 0 at step `cadence - age`, or at step 0 when that is already overdue.
        self.months_to_release = max(1, self._draw_cadence() - age + 1)

    # Parameters that change during a run (dated changes) ----------------------------------
    def update_params(self, spec: DeveloperSpec) -> None:
        """Take new parameter values; a higher security level is an upgrade that takes time."""
        old, self.params = self.params, spec
        self.label = spec.label or spec.name
        self._forget_markets()
        self._shares = None
        self._scale = None
        self._money = None
        self._start_spending = None
        if spec.jurisdiction != old.jurisdiction:
            self.jurisdiction = spec.jurisdiction
        if spec.security_level > old.security_level:
            self.start_security_upgrade(spec.security_level, self.upgrade_months_per_level)
        elif spec.security_level < old.security_level:
            self.security_level = self.target_security_level = spec.security_level

    # Money ---------------------------------------------------------------------------------
    def budget_musd(self, month: int | None = None) -> float:
        """What its next frontier run may cost at `month` (default: now), USD M."""
        spec = self.params
        month = self.model.month if month is None else month
        years = (month - self.model.start_month) / 12.0
        budget = spec.run_budget_musd * spec.spending_growth_per_year**years
        if spec.max_run_budget_musd is not None:
            budget = min(budget, spec.max_run_budget_musd)
        return budget

    def spending_musd(self, month: int | None = None) -> float:
        """What it can usefully spend on a frontier run at `month`: its budget, or less where
        the world's feasibility ceiling caps the run (USD M)."""
        model = self.model
        month = model.month if month is None else month
        access = model.compute_access_factor(self.jurisdiction, month)
        ceiling_cost = model.costs.run_cost_musd(model.costs.ceiling_log10_flop(month), month)
        return min(self.budget_musd(month), ceiling_cost / access)

    def value_scale(self) -> float:
        """How much bigger the lab's money values are now than at the start (revenue and the
        value of releases grow with it), under `world.money_growth`: the growth of what it
        spends on its frontier runs (`run_budget`), or of its revenue along the sourced path
        (`revenue_path`, `sim.model.revenue`). Cached per month."""
        month = self.model.month
        if self._scale is None or self._scale[0] != month:
            self._scale = (month, self._compute_value_scale())
        return self._scale[1]

    def _compute_value_scale(self) -> float:
        world = self.model.params.world
        if world.money_growth == "revenue_path":
            return revenue.revenue_scale(world.revenue_path, self.params.annual_revenue_musd,
                                         self.model.start_month, self.model.month)
        if self._start_spending is None:
            self._start_spending = self.spending_musd(self.model.start_month)
        start = self._start_spending
        return self.spending_musd() / start if start > 0 else 1.0

    def money(self) -> Money:
        """This month's money values (USD M), worked out once per month: a lab's choice reads
        several of them for every option."""
        money = self._money
        if money is None or money.month != self.model.month:
            money = self._money = self._compute_money()
        return money

    def _compute_money(self) -> Money:
        spec = self.params
        compliance = self.model.params.world.compliance
        scale = self.value_scale()
        revenue = spec.annual_revenue_musd * scale
        low, high = spec.cadence_months
        openness = spec.openness_value_musd * compliance.openness_value_scale
        if compliance.utilities == "revealed":
            # Why a cap: the stake times the lab's growth reached ~140 times the run's cost (USD
            # 2.2 trillion a release) in a few draws; the record bounds openness near the
            # model's cost.
            cap = compliance.openness_value_max_run_cost_multiple * self.spending_musd()
            openness = max(openness, min(openness * scale, cap))
        return Money(
            month=self.model.month, annual_revenue_musd=revenue,
            release_value_musd=revenue * (low + high) / 2.0 / 12.0,
            openness_value_musd=openness,
            capability_value_musd_per_oom=spec.capability_value_musd_per_oom * scale,
            delay_cost_musd_per_month=(spec.delay_cost_musd_per_month
                                       * compliance.delay_cost_scale * scale),
            relocation_cost_musd=spec.relocation_cost_musd * scale)

    def annual_revenue_now_musd(self) -> float:
        return self.money().annual_revenue_musd

    def release_value_musd(self) -> float:
        """What one release earns over its life, USD M: a year's revenue x the cadence."""
        return self.money().release_value_musd

    def openness_value_musd(self) -> float:
        """What releasing a model open rather than closed is worth to the lab, USD M: a fixed
        strategic stake under the `stated` utilities; under `revealed`
        (`world.compliance.utilities`, docs/model.md §4.1) growing with the lab like its other
        money values, up to `openness_value_max_run_cost_multiple` times what its current
        frontier run costs, and never below the stake (`_compute_money`)."""
        return self.money().openness_value_musd

    def capability_value_musd_per_oom(self) -> float:
        return self.money().capability_value_musd_per_oom

    def delay_cost_musd_per_month(self) -> float:
        return self.money().delay_cost_musd_per_month

    def relocation_cost_musd(self) -> float:
        return self.money().relocation_cost_musd

    def covered_releases_ahead(self) -> float:
        """Releases expected over the planning horizon: what permanent choices are weighed
        against."""
        low, high = self.params.cadence_months
        horizon = self.model.params.world.compliance.planning_horizon_months
        return max(1.0, horizon / ((low + high) / 2.0))

    # Markets -------------------------------------------------------------------------------
    def sells_into(self, jurisdiction: str) -> bool:
        """Whether it sells in `jurisdiction` (markets are hierarchical; exits and bars
        subtract)."""
        known = self._sells_into.get(jurisdiction)
        if known is None:
            known = self._sells_into[jurisdiction] = not within_any(
                jurisdiction, self.exited | self.barred) and any(
                within(jurisdiction, m) or within(m, jurisdiction) for m in self.params.markets)
        return known

    def sales_share_in(self, jurisdiction: str) -> float:
        """Share of its sales made in `jurisdiction` (0 where it does not sell)."""
        known = self._sales_share_in.get(jurisdiction)
        if known is None:
            known = self._sales_share_in[jurisdiction] = self._compute_sales_share_in(
                jurisdiction)
        return known

    def _compute_sales_share_in(self, jurisdiction: str) -> float:
        if not self.sells_into(jurisdiction):
            return 0.0
        top = self._top_level_shares()
        parent = jurisdiction.split("-")[0]
        share = top.get(parent, 0.0)
        if parent == jurisdiction:
            return share
        world = self.model.params.world.market_shares
        parent_size = world.get(parent, 0.0)
        return share * world.get(jurisdiction, 0.0) / parent_size if parent_size else 0.0

    def sales_share_within(self, jurisdictions) -> float:
        return sum(self.sales_share_in(j) for j in jurisdictions)

    def _top_level_shares(self) -> dict[str, float]:
        if self._shares is None:
            self._shares = self._compute_top_level_shares()
        return self._shares

    def _compute_top_level_shares(self) -> dict[str, float]:
        spec, world = self.params, self.model.params.world.market_shares
        raw = spec.sales_shares or {
            m.split("-")[0]: world.get(m.split("-")[0], 0.0) for m in spec.markets}
        raw = {k.split("-")[0]: v for k, v in raw.items()}
        total = sum(raw.values())
        return {k: v / total for k, v in raw.items()} if total > 0 else {}

    def leave_market(self, jurisdiction: str, barred: bool = False) -> None:
        """Stop selling in `jurisdiction` for good (by its choice, or barred by a court)."""
        (self.barred if barred else self.exited).add(jurisdiction)
        self._forget_markets()
        self.model.market_left(self, jurisdiction)

    def _forget_markets(self) -> None:
        """Drop what was worked out about its markets (they changed)."""
        self._sells_into.clear()
        self._sales_share_in.clear()

    @property
    def relocating(self) -> bool:
        return self.relocation_months_left > 0

    @property
    def active(self) -> bool:
        until = self.params.active_until
        return until is None or self.model.month <= self.model.month_of(until)

    # Monthly step ---------------------------------------------------------------------------
    def step(self) -> None:
        # Each part runs only in the months it has something to do (most months, none has).
        if self.model.step_index >= self.next_generation_step:
            self._progress_compute()
        if self.security_level < self.target_security_level:
            self._progress_security()
        if self.relocation_months_left > 0:
            self._progress_relocation()
        if self.pending:
            self._release_due_plans()
        self.months_to_release -= 1
        if self.months_to_release <= 0:
            self.months_to_release = self._draw_cadence()
            if self.active:
                for plan in self.plan_releases():
                    self.handle(plan)

    def plan_releases(self) -> list[ReleasePlan]:
        """The finished run, before any policy: its size, capability and openness. A hybrid
        lab whose run is above its open-size limit releases it closed and opens a smaller model
        at the limit beside it."""
        spec = self.params
        self.releases_planned += 1
        own = self.run_flop + self.model.algo_efficiency_oom + spec.capability_offset_oom
        learned = self.model.learned_capability(self)
        plan = ReleasePlan(self.name, self.releases_planned, self.run_flop, max(own, learned),
                           spec.release_strategy == "open", floor_capability=learned)
        if spec.release_strategy != "hybrid":
            return [plan]
        limit = math.log10(spec.open_size_limit_flop)
        if self.run_flop < limit:
            return [plan.evolve(open_weights=True)]
        margin = self.model.params.world.compliance.shade_margin_oom
        side = plan.shaded_to(limit - margin).evolve(open_weights=True, side=True)
        return [plan, side]

    def handle(self, plan: ReleasePlan) -> None:
        """Release `plan`, after a choice if policies in force cover it."""
        if self.relocating:
            self.held_plans.append(plan)
            return
        covering = self.model.covering_policies(plan, self)
        if not covering:
            self.publish(plan)
            return
        decisions.decide(self, plan, covering)

    def publish(self, plan: ReleasePlan) -> None:
        """Release now, or queue it if it must wait."""
        if plan.delay_months > 0:
            self.pending.append((self.model.step_index + plan.delay_months, plan))
            return
        if plan.security_upgrade_to:
            self.start_security_upgrade(
                plan.security_upgrade_to, plan.security_upgrade_months_per_level)
        if not plan.side:
            self.last_release_open = plan.open_weights
        self.model.release(self, plan)

    # Compute, relocation and security ----------------------------------------------------
    def _progress_compute(self) -> None:
        model = self.model
        if model.step_index < self.next_generation_step:
            return
        month = model.month
        access = model.compute_access_factor(self.jurisdiction, month)
        bought = model.costs.affordable_log10_flop(self.budget_musd(month), month, access)
        self.run_flop = max(self.run_flop, bought)
        self.compute_generation += 1
        low, high = self.params.cluster_interval_months
        self.next_generation_step += model.streams.integer(
            low, high, "developer", self.name, "compute_generation", self.compute_generation)

    def _months_to_first_generation(self) -> int:
        spec = self.params
        low, high = spec.first_cluster_months or [1, spec.cluster_interval_months[1]]
        return self.model.streams.integer(low, high, "developer", self.name,
                                          "compute_generation", 0)

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
                self.model.step_index, "security_upgrade", [self.name],
                f"{self.label} reaches weight security SL{self.security_level}",
                security_level=self.security_level)
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
            self.model.step_index, "relocation", [self.name],
            f"{self.label} completes its move from {old} to {self.jurisdiction}",
            origin=old, destination=self.jurisdiction)
        held, self.held_plans = self.held_plans, []
        for plan in held:
            self.handle(plan.evolve(round=plan.round + 1))

    def _release_due_plans(self) -> None:
        if not self.pending:
            return
        now = self.model.step_index
        due = [plan for when, plan in self.pending if when <= now]
        self.pending = [(when, plan) for when, plan in self.pending if when > now]
        for plan in due:  # policies that came into force meanwhile get their say
            self.handle(plan.evolve(delay_months=0))

    def _draw_cadence(self) -> int:
        low, high = self.params.cadence_months
        self.cadence_draws += 1
        return self.model.streams.integer(low, high, "developer", self.name, "cadence",
                                          self.cadence_draws)
