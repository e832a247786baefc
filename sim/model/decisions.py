"""The labs' choice when instruments in force cover a release (ODD+D: docs/model.md §4.1).

A choice has two parts, made together by one multinomial logit over expected costs (USD M):

1. the release's **design**, which every market sees: as planned; for an open release that an
   instrument will not let go ahead open, shaded below the lowest such threshold, released
   closed, or split (the big model closed and a smaller one open); or **relocating** the lab's
   domicile where that escapes a domicile-reach regulator (the release waits for the move);
2. for each covering regulator, a **response**: comply with its instruments' terms; withhold
   this model from its market (a market-reach regulator of a foreign lab; the lab loses this
   model's sales there and keeps selling the rest); leave the market for good; or defy (expected
   fines and injunctions, `sim.model.enforcement`).

Utilities are additive across regulators given the design, so the joint logit factorises: the
design is drawn with the log-sum of each regulator's responses, then each regulator's response
is drawn given the design (exactly the multinomial logit over all combinations). Permanent
choices (relocating, leaving a market) are weighed per release, spread over the releases the
lab expects within its planning horizon. Every draw is keyed by lab, release and purpose, so an
added decision moves no other draw. Each choice is logged with its reason.

Withholding counts only where it keeps something out. An open-weight model "withheld" from a
market (its licence and the lab's own service exclude that market, as Meta's multimodal Llama
licence excluded the EU in 2024) is still obtainable there, since weights released anywhere are
obtainable everywhere: it is a non-release there, which costs the lab its sales there but is not
counted among the answers (`responses_*`, the withholding share); the decision event and its
narrative say so.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, NamedTuple

from sim.model import enforcement
from sim.model.costs import Costs
from sim.model.jurisdiction import within
from sim.model.policies.base import policy_label

if TYPE_CHECKING:
    from sim.model.developers import Developer
    from sim.model.policies.base import Policy, Terms
    from sim.model.registry import ReleasePlan
    from sim.model.regulators import Regulator

ACTIONS = ("comply", "withhold", "exit", "defy")
"""A regulator's possible responses; `relocate` and the designs are the choice's other part."""

NO_COSTS = Costs()
CERTAIN = (1.0,)
"""The probabilities of a lone option (one tuple for every such choice in the log)."""


class Design(NamedTuple):
    kind: str
    """as_planned, shaded, closed, split (or, for a hybrid lab's small open release, drop)."""
    plan: ReleasePlan | None
    side: ReleasePlan | None
    costs: Costs
    description: str


class Answers(NamedTuple):
    """One regulator's feasible responses to one design, as parallel sequences: the options
    are plain floats and tuples (weighed in one pass by `decide`); only the response a lab
    picks becomes a `Response`."""

    regulator: Regulator
    policies: tuple[Policy, ...]
    actions: tuple[str, ...]
    costs: tuple[tuple[float, float, float], ...]
    """Each response's (cash, penalty, private) costs, USD M."""
    totals_musd: tuple[float, ...]
    """Each response's total cost, USD M (what the choice weighs)."""
    terms: tuple[Terms, ...]
    """Each instrument's terms, for the `comply` response (empty if it is not offered)."""

    def response(self, index: int) -> Response:
        action = self.actions[index]
        return Response(action, self.regulator, self.policies, Costs(*self.costs[index]),
                        self.terms if action == "comply" else ())


class Response(NamedTuple):
    action: str
    regulator: Regulator
    policies: tuple[Policy, ...]
    costs: Costs
    terms: tuple[Terms, ...] = ()

    def facts(self) -> tuple:
        """What the log needs to word this response later (`response_words`): plain values,
        with the regulator's label as it is now (a dated change may rename it)."""
        regulator = self.regulator
        return (self.action, regulator.label, regulator.jurisdiction,
                tuple([t.description for t in self.terms]),
                tuple([p.kind for p in self.policies]))


def response_words(open_weights: bool, action: str, regulator_label: str, jurisdiction: str,
                   term_texts: tuple[str, ...], policy_kinds: tuple[str, ...]) -> str:
    """What the lab does, in words, given the response's `facts` and whether the release design
    it answers for is open."""
    if action == "comply":
        how = "; ".join(term_texts)
        return f"{how} to comply with {regulator_label}"
    if action == "withhold" and open_weights:
        return (f"does not place this model on {jurisdiction}'s market (its weights, "
                "published elsewhere, are still obtainable there: a non-release there, not "
                "counted as withholding)")
    if action == "withhold":
        return (f"withholds this model from {jurisdiction} and keeps selling its "
                "others there")
    if action == "exit":
        return f"leaves {jurisdiction} for good"
    names = ", ".join(policy_label(regulator_label, kind) for kind in policy_kinds)
    return f"releases anyway in defiance of {names}"


class Branch:
    """One top-level option: a design (or relocation) with each covering regulator's
    `Answers` (in the order the instruments cover it)."""

    __slots__ = ("design", "answers", "relocate", "relocation_costs")

    def __init__(self, design: Design, answers: list[Answers], relocate: bool = False,
                 relocation_costs: Costs = NO_COSTS) -> None:
        self.design = design
        self.answers = answers
        self.relocate = relocate
        self.relocation_costs = relocation_costs

    @property
    def own_costs(self) -> Costs:
        return self.relocation_costs if self.relocate else self.design.costs

    @property
    def responses(self) -> dict[str, list[Response]]:
        """Each regulator's feasible responses as objects (for reading; the choice weighs
        `answers`)."""
        return {a.regulator.name: [a.response(i) for i in range(len(a.actions))]
                for a in self.answers}

    @property
    def response_costs_musd(self) -> dict[str, tuple[float, ...]]:
        """Each regulator's responses' total costs (USD M), in the order of `responses`."""
        return {a.regulator.name: a.totals_musd for a in self.answers}

    def utility(self, temperatures_musd: list[float]) -> float:
        """Minus the branch's own cost plus each regulator's inclusive value, with the noise of
        each regulator's responses (`temperatures_musd`, in the order of `answers`)."""
        return -self.own_costs.total_musd + sum(
            [log_sum(a.totals_musd, t)
             for a, t in zip(self.answers, temperatures_musd, strict=True)])


def temperature_musd(lab: Developer, costs: list[float], floor_musd: float | None = None) -> float:
    """The choice noise, USD M: relative to the cheapest option's cost, with a floor
    (`noise_floor_musd`, computed here unless given)."""
    compliance = lab.model.params.world.compliance
    floor = noise_floor_musd(lab) if floor_musd is None else floor_musd
    return max(1e-6, compliance.relative_temperature * (max(0.0, min(costs)) + floor))


def noise_floor_musd(lab: Developer) -> float:
    """The least choice noise, USD M: a share of what one release earns."""
    return lab.model.params.world.compliance.temperature_floor_share * lab.release_value_musd()


def expected_cost(branch: Branch) -> float:
    """What the branch costs at its cheapest responses (USD M), for the narrative."""
    return branch.own_costs.total_musd + sum([min(a.totals_musd) for a in branch.answers])


def log_sum(costs_musd: tuple[float, ...], temperature: float) -> float:
    """The inclusive value T log sum exp(-cost/T) of one regulator's responses' costs."""
    values = [-cost / temperature for cost in costs_musd]
    top = max(values)
    return temperature * (top + math.log(sum([math.exp(v - top) for v in values])))


def logit_pick(utilities: list[float], temperature: float, draw: float) -> tuple[int, list[float]]:
    """Index chosen by a uniform `draw` under logit probabilities, and the probabilities."""
    top = max(utilities)
    weights = [math.exp((u - top) / temperature) for u in utilities]
    total = sum(weights)
    probabilities = [w / total for w in weights]
    cumulative = 0.0
    for index, probability in enumerate(probabilities):
        cumulative += probability
        if draw < cumulative:
            return index, probabilities
    return len(probabilities) - 1, probabilities


# The choice ---------------------------------------------------------------------------------
def decide(lab: Developer, plan: ReleasePlan, covering: list[Policy]) -> None:
    """Choose, carry out and log the lab's answer to the instruments covering `plan`."""
    model = lab.model
    branches = options(lab, plan, covering)
    compliance = model.params.world.compliance
    relative = compliance.relative_temperature
    floor = compliance.temperature_floor_share * lab.money().release_value_musd
    expected = [expected_cost(b) for b in branches]
    # Each regulator's noise in each branch (`temperature_musd`, inlined: one pass).
    temperatures = [[max(1e-6, relative * (max(0.0, min(a.totals_musd)) + floor))
                     for a in b.answers] for b in branches]
    if len(branches) == 1 and math.isfinite(expected[0]):
        # A lone option with a finite cost: `logit_pick` would give it probability 1 and
        # draw nothing (`_draw_if_choice`), so its utility need not be worked out.
        index, probabilities = 0, CERTAIN
    else:
        utilities = [b.utility(t) for b, t in zip(branches, temperatures, strict=True)]
        design_temperature = max(1e-6, relative * (max(0.0, min(expected)) + floor))
        index, probabilities = logit_pick(utilities, design_temperature,
                                          _draw_if_choice(lab, plan, len(branches), "design"))
    chosen = branches[index]
    picks = []
    for answers, temperature in zip(chosen.answers, temperatures[index], strict=True):
        totals = answers.totals_musd
        picked, _ = logit_pick([-c for c in totals], temperature,
                               _draw_if_choice(lab, plan, len(totals), "response",
                                               answers.regulator.name))
        picks.append(answers.response(picked))
    model.counters["covered_releases"] += 1
    _log(lab, plan, branches, expected, probabilities, chosen, picks)
    if chosen.relocate:
        _relocate(lab, plan, chosen, picks)
    else:
        _carry_out(lab, plan, chosen.design, picks)


def _draw_if_choice(lab: Developer, plan: ReleasePlan, options: int, *purpose: str) -> float:
    """The keyed uniform for a pick among `options`; none is drawn for a lone option, which
    `logit_pick` takes whatever the draw (keyed draws: skipping one moves no other)."""
    if options == 1:
        return 0.0
    return lab.model.streams.uniform("developer", lab.name, "decision", plan.release_id,
                                     int(plan.side), plan.round, *purpose)


def options(lab: Developer, plan: ReleasePlan, covering: list[Policy]) -> list[Branch]:
    """Every feasible top-level option with its regulators' responses."""
    designs = candidate_designs(lab, plan, covering)
    fallback = min((d.costs.total_musd for d in designs if d.kind != "as_planned"),
                   default=0.0) if len(designs) > 1 else 0.0
    branches = []
    for design in designs:
        if design.plan is None:  # a dropped side release answers to nobody
            branches.append(Branch(design, []))
            continue
        # The as-planned design is the plan itself, whose covering instruments are known.
        known = covering if design.plan is plan else None
        answers = answers_by_regulator(lab, design.plan, fallback, covering=known)
        if answers is not None:
            branches.append(Branch(design, answers))
    relocation = relocation_branch(lab, plan, covering, fallback)
    if relocation is not None:
        branches.append(relocation)
    if not branches:  # nothing is feasible: the lab defies whatever it cannot escape
        answers = answers_by_regulator(lab, plan, fallback, True, covering=covering)
        branches.append(Branch(designs[0], answers or []))
    return branches


def candidate_designs(lab: Developer, plan: ReleasePlan, covering: list[Policy]) -> list[Design]:
    """As planned, plus, for an open release an instrument restricts: shaded, closed, split."""
    as_planned = Design("as_planned", plan, None, NO_COSTS, "releases it as planned")
    if not plan.open_weights:
        return [as_planned]
    restricting = [p for p in covering if p.restricts_open()]
    if not restricting:
        return [as_planned]
    model = lab.model
    margin = model.params.world.compliance.shade_margin_oom
    floor = min(p.size_floor(model) for p in restricting) - margin
    openness = lab.openness_value_musd()
    kept = model.params.world.compliance.split_openness_kept_share
    designs = [as_planned]
    if math.isfinite(floor) and floor < plan.train_flop:
        shaded = plan.shaded_to(floor).evolve(design="shaded")
        cost = (plan.train_flop - floor) * lab.capability_value_musd_per_oom()
        designs.append(Design("shaded", shaded, None, Costs(private_musd=cost),
                              f"shades the open release to 1e{floor:.2f} FLOP"))
    if plan.side:  # a hybrid lab's small open model: shade it or drop it
        designs.append(Design("drop", None, None, Costs(private_musd=openness * kept),
                              "drops the smaller open release"))
        return designs
    closed = plan.evolve(open_weights=False, design="closed")
    served = plan.served_closed  # served closed already while its licence was pending
    designs.append(Design("closed", None if served else closed, None,
                          Costs(private_musd=openness),
                          "keeps it closed (API only)" if served
                          else "releases it closed (API only) instead of open"))
    if math.isfinite(floor) and floor < plan.train_flop:
        side = plan.shaded_to(floor).evolve(design="split", side=True, served_closed=False)
        designs.append(Design("split", None if served else closed.evolve(design="split"), side,
                              Costs(private_musd=openness * (1.0 - kept)),
                              f"{'keeps it closed' if served else 'releases it closed'} and "
                              f"opens a smaller model at 1e{floor:.2f} FLOP"))
    return designs


def answers_by_regulator(lab: Developer, plan: ReleasePlan, fallback_musd: float,
                         force_defy: bool = False, domicile: str | None = None,
                         covering: list[Policy] | None = None) -> list[Answers] | None:
    """For each regulator whose instruments cover `plan` (`covering`, found here unless
    given), its feasible responses; None if some regulator leaves the lab none."""
    if covering is None:
        covering = lab.model.covering_policies(plan, lab)
    grouped: dict[str, list[Policy]] = {}
    for policy in covering:
        name = policy.regulator.name
        group = grouped.get(name)
        if group is None:
            grouped[name] = [policy]
        else:
            group.append(policy)
    result = []
    for policies in grouped.values():
        regulator = policies[0].regulator
        if domicile is not None and regulator.reach == "domicile" \
                and not within(domicile, regulator.jurisdiction):
            continue  # escaped by the move
        answers = regulator_answers(lab, plan, regulator, policies, fallback_musd,
                                    force_defy, domicile)
        if not answers.actions:
            return None
        result.append(answers)
    return result


def regulator_responses(lab: Developer, plan: ReleasePlan, regulator: Regulator,
                        policies: list[Policy], fallback_musd: float, force_defy: bool = False,
                        domicile: str | None = None) -> list[Response]:
    """`regulator_answers` as `Response` objects (for reading and tests)."""
    answers = regulator_answers(lab, plan, regulator, policies, fallback_musd, force_defy,
                                domicile)
    return [answers.response(i) for i in range(len(answers.actions))]


def regulator_answers(lab: Developer, plan: ReleasePlan, regulator: Regulator,
                      policies: list[Policy], fallback_musd: float, force_defy: bool = False,
                      domicile: str | None = None) -> Answers:
    """The regulator's feasible responses with their costs (USD M): comply with every
    instrument's terms, withhold this model or leave the market (a foreign lab under a
    market reach), or defy (not once a court has enjoined it)."""
    model = lab.model
    answered = tuple(policies)
    terms = tuple([p.terms(plan, lab, model) for p in policies])
    actions, costs, totals = [], [], []
    if not force_defy and None not in terms:
        cash, private = _comply_costs(lab, plan, terms, fallback_musd)
        actions.append("comply")
        costs.append((cash, 0.0, private))
        totals.append(cash + 0.0 + private)
    if not force_defy and regulator.reach == "market" \
            and not within(domicile or lab.jurisdiction, regulator.jurisdiction):
        compliance = model.params.world.compliance
        value = lab.money().release_value_musd * lab.sales_share_in(regulator.jurisdiction)
        withheld = value * (compliance.withhold_loss_share
                            if compliance.utilities == "revealed" else 1.0)
        lost = value * compliance.exit_cost_multiplier
        actions += ("withhold", "exit")
        costs += ((0.0, 0.0, withheld), (0.0, 0.0, lost))
        totals += (0.0 + 0.0 + withheld, 0.0 + 0.0 + lost)
    if force_defy or not regulator.enjoins(lab):
        defiance = enforcement.expected_defiance_costs(lab, plan, regulator, policies)
        actions.append("defy")
        costs.append(tuple(defiance))
        totals.append(defiance.total_musd)
    return Answers(regulator, answered, tuple(actions), tuple(costs), tuple(totals),
                   terms if actions and actions[0] == "comply" else ())


def _comply_costs(lab: Developer, plan: ReleasePlan, terms: tuple[Terms, ...],
                  fallback_musd: float) -> tuple[float, float]:
    """Complying's cash and private costs (USD M): each instrument's own, the longest delay,
    the longest wait of the weights, and the chance a licence is refused times the cheapest
    other design (`fallback_musd`)."""
    if len(terms) == 1:  # most regulators hold one instrument: max and sum of one value
        only = terms[0]  # (`0 + x` is what sum() gives for one value, on every interpreter)
        delay, wait = only.delay_months, only.weights_wait_months
        refusal, cash, own = 0 + only.refusal_probability, 0 + only.cash_musd, \
            0 + only.private_musd
    else:
        delay = max([t.delay_months for t in terms])
        wait = max([t.weights_wait_months for t in terms])
        refusal = sum([t.refusal_probability for t in terms])
        cash = sum([t.cash_musd for t in terms])
        own = sum([t.private_musd for t in terms])
    private = own + delay * lab.money().delay_cost_musd_per_month \
        + weights_wait_cost_musd(lab, plan, wait) + min(1.0, refusal) * fallback_musd
    return cash, private


def weights_wait_cost_musd(lab: Developer, plan: ReleasePlan, months: int) -> float:
    """What waiting `months` to publish the weights costs (USD M): the share of the release's
    openness value (for a side release, the part a split keeps) that falls in the wait, a
    release being worth its openness over one mean cadence; the model's sales do not wait
    (it is served closed meanwhile)."""
    if months <= 0 or not plan.open_weights:
        return 0.0
    low, high = lab.params.cadence_months
    openness = lab.openness_value_musd()
    if plan.side:
        openness *= lab.model.params.world.compliance.split_openness_kept_share
    return openness * min(1.0, months / ((low + high) / 2.0))


def relocation_branch(lab: Developer, plan: ReleasePlan, covering: list[Policy],
                      fallback_musd: float) -> Branch | None:
    """Moving domicile, if that takes the lab out of reach of a covering regulator."""
    for policy in covering:  # most choices face no domicile reach: nothing to escape
        if policy.regulator.reach == "domicile":
            break
    else:
        return None
    destination = lab.params.relocation_jurisdiction
    if lab.relocating or within(destination, lab.jurisdiction):
        return None
    escaped = {p.regulator.name for p in covering if p.regulator.reach == "domicile"
               and within(lab.jurisdiction, p.regulator.jurisdiction)
               and not within(destination, p.regulator.jurisdiction)}
    if not escaped:
        return None
    remaining = answers_by_regulator(lab, plan, fallback_musd, domicile=destination,
                                     covering=covering)
    if remaining is None:
        return None
    spec = lab.params
    per_release = 1.0 / lab.covered_releases_ahead()
    costs = Costs(cash_musd=lab.relocation_cost_musd() * per_release,
                  private_musd=spec.relocation_months * lab.delay_cost_musd_per_month())
    design = Design("relocate", plan, None, NO_COSTS, f"moves its domicile to {destination}")
    return Branch(design, remaining, relocate=True, relocation_costs=costs)


# Carrying it out ------------------------------------------------------------------------------
LICENCE_COPY_ROUND = 1000
"""Added to a release's round for the closed copy served while its weights wait for a licence,
so that the copy's keyed draws differ from the release's (rounds count re-decisions: a few)."""


def _carry_out(lab: Developer, plan: ReleasePlan, design: Design,
               responses: list[Response]) -> None:
    """Carry out the chosen design and responses: count the answers and costs (in the order
    the choice lists them), and publish the release with every change the responses make,
    gathered first and applied in one copy of the plan."""
    model = lab.model
    counters = model.counters
    counters["private_value_forgone_musd"] += design.costs.private_musd
    if design.plan is None:  # dropped, or kept closed where it is served already
        if design.side is not None:
            lab.handle(design.side.evolve(settled=frozenset(), round=0))
        return
    start = design.plan
    changes = _Changes(start)
    open_weights = start.open_weights
    delay, weights_wait, refused = 0, 0, set()
    for response in responses:
        action = response.action
        if not (action == "withhold" and open_weights):
            counters[f"responses_{action}"] += 1  # a non-release is no answer
        if action == "comply":
            wait, refusals = _apply_terms(lab, start, plan.round, changes, response)
            delay, refused = max(delay, wait), refused | refusals
            weights_wait = max([weights_wait, *[t.weights_wait_months for t in response.terms]])
        elif action == "withhold":
            changes.withheld = changes.withheld | {response.regulator.jurisdiction}
            counters["private_value_forgone_musd"] += response.costs.private_musd
        elif action == "exit":
            place = response.regulator.jurisdiction
            counters["private_value_forgone_musd"] += enforcement.market_loss_musd(lab, place)
            lab.leave_market(place)
            counters["markets_left"] += 1
            changes.withheld = changes.withheld | {place}
        else:  # defy
            changes.defied = changes.defied | {p.key for p in response.policies}
    release = start.evolve(settled=plan.settled | _keys(responses), round=plan.round,
                           **changes.fields())
    counters["private_value_forgone_musd"] += delay * lab.delay_cost_musd_per_month()
    if weights_wait > 0 and open_weights:
        release = _serve_while_weights_wait(lab, release, delay)
        counters["private_value_forgone_musd"] += weights_wait_cost_musd(
            lab, release, weights_wait)
        delay = max(delay, weights_wait)
    if refused:  # decided again once the licence says no, with the licence refused
        release = release.evolve(delay_months=delay, refused=release.refused | refused,
                                 settled=release.settled - refused, round=release.round + 1)
    elif delay != release.delay_months:
        release = release.evolve(delay_months=delay)
    lab.publish(release)
    if design.side is not None:
        lab.handle(design.side.evolve(settled=frozenset(), round=0))


class _Changes:
    """What the responses change in a release, gathered before one copy of the plan."""

    __slots__ = ("withheld", "defied", "blocked", "shutdown_capable", "security_upgrade_to",
                 "security_upgrade_months_per_level")

    def __init__(self, plan: ReleasePlan) -> None:
        self.withheld = plan.withheld
        self.defied = plan.defied
        self.blocked = plan.blocked
        self.shutdown_capable = plan.shutdown_capable
        self.security_upgrade_to = plan.security_upgrade_to
        self.security_upgrade_months_per_level = plan.security_upgrade_months_per_level

    def fields(self) -> dict:
        return {"withheld": self.withheld, "defied": self.defied, "blocked": self.blocked,
                "shutdown_capable": self.shutdown_capable,
                "security_upgrade_to": self.security_upgrade_to,
                "security_upgrade_months_per_level": self.security_upgrade_months_per_level}


def _serve_while_weights_wait(lab: Developer, release: ReleasePlan,
                              delay: int) -> ReleasePlan:
    """Serve the model closed now (after `delay`) while its weights wait for a licence; the
    copy faces any closed-model instrument not yet answered. A side release is not served:
    its lab serves its big model. Returns the open release, marked as served."""
    if release.side or release.served_closed:
        return release
    lab.handle(release.evolve(open_weights=False, design="licence_pending", delay_months=delay,
                              refused=frozenset(), round=release.round + LICENCE_COPY_ROUND))
    return release.evolve(served_closed=True)


def _apply_terms(lab: Developer, release: ReleasePlan, round_: int, changes: _Changes,
                 response: Response) -> tuple[int, set[str]]:
    """Count the costs of complying with each instrument's terms, note what they change in
    the release, and draw any licence (keyed by the release and its `round_`); returns the
    longest delay and the licences refused."""
    model = lab.model
    counters = model.counters
    delay, refused = 0, set()
    for policy, terms in zip(response.policies, response.terms, strict=True):
        counters["cash_compliance_musd"] += terms.cash_musd
        counters["private_value_forgone_musd"] += terms.private_musd
        delay = max(delay, terms.delay_months)
        changes.shutdown_capable = changes.shutdown_capable or terms.shutdown_capable
        changes.blocked = changes.blocked | terms.blocked
        if terms.security_level:
            changes.security_upgrade_to = max(terms.security_level,
                                              changes.security_upgrade_to or 0)
            changes.security_upgrade_months_per_level = terms.upgrade_months_per_level
        if terms.refusal_probability > 0.0:
            draw = model.streams.uniform("licence", policy.key, lab.name, release.release_id,
                                         int(release.side), round_)
            granted = draw >= terms.refusal_probability
            model.events.add(model.step_index, "licence", [lab.name, policy.regulator.name],
                             f"{policy.label} {'grants' if granted else 'refuses'} a licence "
                             f"for {lab.label}'s release", policy=policy.key, granted=granted)
            if not granted:
                refused.add(policy.key)
    return delay, refused


def _relocate(lab: Developer, plan: ReleasePlan, branch: Branch,
              picks: list[Response]) -> None:
    model = lab.model
    model.counters["relocations_started"] += 1
    model.counters["cash_compliance_musd"] += lab.relocation_cost_musd()
    model.counters["private_value_forgone_musd"] += branch.relocation_costs.private_musd
    lab.start_relocation(plan.evolve(settled=frozenset()))


def _keys(responses: list[Response]) -> frozenset[str]:
    return frozenset([p.key for r in responses for p in r.policies])


def _log(lab: Developer, plan: ReleasePlan, branches: list[Branch], expected: list[float],
         probabilities: list[float] | tuple[float, ...], chosen: Branch,
         picks: list[Response]) -> None:
    """Log the choice with its reason: each option's expected cost (`expected`, USD M, in the
    order of `branches`) and chance. Only its facts are kept now, as plain values in tuples;
    the tuples of names and words recur from choice to choice, so the log keeps one of each
    (`EventLog.shared`) and a long log holds few containers for the garbage collector to visit.
    `_decision_words` puts them into words when the log is read."""
    events = lab.model.events
    shared = events.shared
    design = chosen.design
    picked = []
    for response in picks:
        action, label, jurisdiction, texts, kinds = response.facts()
        picked.append(shared((response.regulator.name,
                              shared((action, label, jurisdiction, shared(texts), shared(kinds))),
                              shared(tuple([p.key for p in response.policies])))))
    responses = tuple([(a.regulator.name, shared(a.actions), a.totals_musd)
                       for a in chosen.answers])
    events.add_facts(
        lab.model.step_index, _decision_words, lab.name, lab.label, design.kind,
        design.description, design.plan is not None and design.plan.open_weights,
        chosen.relocate, shared(tuple(picked)), shared(tuple([b.design.kind for b in branches])),
        tuple(expected), tuple(probabilities), responses, plan.train_flop, plan.open_weights,
        plan.side, plan.release_id)


def _decision_words(lab_name: str, lab_label: str, design_kind: str, design_text: str,
                    design_open: bool, relocate: bool, picks: tuple, kinds: tuple[str, ...],
                    expected: tuple[float, ...], probabilities: tuple[float, ...],
                    responses: tuple,
                    train_flop: float, open_weights: bool, side: bool,
                    release_id: int) -> tuple[str, list[str], str, dict]:
    """The decision event of `_log`'s facts: kind, actors, text and details."""
    parts = [design_text]
    parts += [response_words(design_open, *facts) for _, facts, _ in picks]
    reason = "; ".join(f"{kind} {cost:,.0f}M"
                       for kind, cost in zip(kinds, expected, strict=True))
    text = (f"{lab_label} {', then '.join(parts) if relocate else '; '.join(parts)} "
            f"(expected cost by option, USD: {reason})")
    details = dict(
        design=design_kind, relocate=relocate,
        actions={name: facts[0] for name, facts, _ in sorted(picks)},
        policies=sorted(key for _, _, keys in picks for key in keys),
        expected_costs_musd={kind: round(cost, 2)
                             for kind, cost in zip(kinds, expected, strict=True)},
        response_costs_musd={name: {action: round(cost, 2)
                                    for action, cost in zip(actions, costs, strict=True)}
                             for name, actions, costs in responses},
        probabilities={kind: round(p, 4) for kind, p in zip(kinds, probabilities,
                                                             strict=True)},
        train_flop=round(train_flop, 4), open_weights=open_weights,
        side=side, release_id=release_id)
    return "decision", [lab_name, *sorted(name for name, _, _ in picks)], text, details
