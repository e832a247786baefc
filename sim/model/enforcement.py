"""Graded enforcement of defied instruments: who gets caught, what they pay, who is barred.

- The chance a violation is detected and penalised depends on whether the lab is domiciled in
  the regulator's jurisdiction or only sells into it (`enforcement_probability`,
  `enforcement_probability_foreign`), and is zero before `enforceable_from`.
- The fine escalates: the first detected violation of a lab under a regulator pays the
  instrument's first-violation fine, later ones `repeat_penalty_multiplier` times it (SB 1047:
  10%, then 30% of training cost). A foreign lab pays only `collectable_share_foreign` of it.
- An injunction follows repeated violations (`injunction_after_violations` for a domestic lab,
  `foreign_block_after_violations` for a foreign one) or a flagrant one (defying a refused
  licence). A foreign lab is then barred from the market (as Italy blocked DeepSeek's app);
  a domestic lab may no longer defy that regulator (contempt of court).

Costs are split as the outputs split them: `penalty` (fines, USD M) and `private` (value of a
market lost, USD M).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sim.model.costs import Costs

if TYPE_CHECKING:
    from sim.model.developers import Developer
    from sim.model.policies.base import Policy
    from sim.model.registry import ReleasePlan
    from sim.model.regulators import Regulator
    from sim.model.world import RegSimModel


def market_loss_musd(lab: Developer, jurisdiction: str, share: float | None = None,
                     revenue_musd: float | None = None) -> float:
    """What leaving (or being barred from) a market costs a lab, USD M: its sales there over
    the planning horizon, times the exit multiplier (other products, partners, reputation).
    Its share of sales there and its annual revenue now are looked up unless given."""
    compliance = lab.model.params.world.compliance
    years = compliance.planning_horizon_months / 12.0
    if share is None:
        share = lab.sales_share_in(jurisdiction)
    if revenue_musd is None:
        revenue_musd = lab.annual_revenue_now_musd()
    return compliance.exit_cost_multiplier * share * revenue_musd * years


def fine_musd(policy: Policy, lab: Developer, plan: ReleasePlan, violations_before: int,
              domestic: bool | None = None) -> float:
    """The fine the lab would pay for this violation (after collectability), USD M; `domestic`
    (the lab is domiciled in the regulator's jurisdiction) is worked out unless given."""
    p = policy.params
    fine = policy.first_penalty_musd(plan, lab, lab.model)
    if violations_before >= 1:
        fine *= p.repeat_penalty_multiplier
    if domestic is None:
        domestic = policy.regulator.is_domestic(lab)
    if not domestic:
        fine *= p.collectable_share_foreign
    return fine


def triggers_injunction(policy: Policy, lab: Developer, plan: ReleasePlan,
                        violations_before: int, domestic: bool | None = None) -> bool:
    """Whether one more detected violation of `policy` gets the lab barred."""
    p = policy.params
    if domestic is None:
        domestic = policy.regulator.is_domestic(lab)
    threshold = p.injunction_after_violations if domestic else p.foreign_block_after_violations
    return policy.flagrant(plan) or violations_before + 1 >= threshold


def expected_defiance_costs(lab: Developer, plan: ReleasePlan, regulator: Regulator,
                            policies: list[Policy]) -> Costs:
    """Expected fines and expected value lost to an injunction if the lab defies `policies`."""
    model = lab.model
    before = regulator.violations_of(lab)
    domestic = regulator.is_domestic(lab)
    penalty, no_injunction = 0.0, 1.0
    for policy in policies:
        chance = policy.enforcement_probability(lab, model)
        penalty += chance * fine_musd(policy, lab, plan, before, domestic)
        if triggers_injunction(policy, lab, plan, before, domestic):
            no_injunction *= 1.0 - chance
    # Barred from a market, or (domestic) from defying it again: valued as losing its sales
    # there, an upper bound for a domestic lab that could still comply.
    share = lab.sales_share_in(regulator.jurisdiction)
    money = lab.money()
    loss = market_loss_musd(lab, regulator.jurisdiction, share, money.annual_revenue_musd)
    reputation = lab.params.defiance_reputation_share * money.release_value_musd * share
    return Costs(0.0, penalty, (1.0 - no_injunction) * loss + reputation)


def enforce(lab: Developer, plan: ReleasePlan, model: RegSimModel) -> None:
    """Draw enforcement for every instrument a released plan defies; fine and bar."""
    for key in sorted(plan.defied):
        policy = model.policy_named(key)
        regulator = policy.regulator
        before = regulator.violations_of(lab)
        chance = policy.enforcement_probability(lab, model)
        draw = model.streams.uniform("enforcement", key, lab.name, plan.release_id,
                                     int(plan.side), plan.round)
        caught = draw < chance
        fine = fine_musd(policy, lab, plan, before) if caught else 0.0
        due = policy.params.enforceable_from
        if caught and due is not None and model.month < model.month_of(due):
            model.fine_later(model.month_of(due), fine)
            outcome = f"is found in breach, to be fined USD {fine:,.0f}M from {due}"
        else:
            model.counters["penalties_musd"] += fine
            outcome = f"is fined USD {fine:,.0f}M" if caught else "escapes enforcement"
        model.events.add(model.step_index, "enforcement", [lab.name, regulator.name],
                         f"{lab.label} {outcome} under {policy.label}", policy=key,
                         caught=caught, penalty_musd=round(fine, 3))
        if not caught:
            continue
        regulator.record_violation(lab)
        if triggers_injunction(policy, lab, plan, before):
            bar(lab, regulator, policy, model)


def bar(lab: Developer, regulator: Regulator, policy: Policy, model: RegSimModel) -> None:
    """A court bars the lab: from the market if it is foreign, from defying if domestic."""
    model.counters["injunctions"] += 1
    if regulator.is_domestic(lab):
        regulator.enjoin(lab)
        text = f"a court enjoins {lab.label} from defying {regulator.label} again"
    else:
        loss = market_loss_musd(lab, regulator.jurisdiction)
        lab.leave_market(regulator.jurisdiction, barred=True)
        model.counters["markets_left"] += 1
        model.counters["private_value_forgone_musd"] += loss
        text = f"{regulator.label} bars {lab.label} from its market after repeated defiance"
    model.events.add(model.step_index, "injunction", [regulator.name, lab.name], text,
                     policy=policy.key, domestic=regulator.is_domestic(lab))
