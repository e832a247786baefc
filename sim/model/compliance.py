"""The compliance choice: when policies in force cover a release, the lab chooses to comply,
withdraw from the market, relocate its domicile or defy, by a logit over expected utilities.

Utilities are minus expected costs in USD M, all of them scenario parameters:
- comply: each covering policy's compliance cost (shutdown capability, delay, shading a release
  below a threshold, giving up openness, security upgrades);
- withdraw: the value of the markets given up (only when every covering regulator reaches by
  market and the lab is not domiciled there);
- relocate: moving cost plus the months of delay (only when moving escapes every covering
  regulator, i.e. all reach by domicile);
- defy: enforcement probability x penalty, summed over covering policies.
P(action) is proportional to exp(utility / temperature).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

import numpy as np

from sim.model.jurisdiction import within

if TYPE_CHECKING:
    from sim.model.developers import Developer
    from sim.model.policies.base import Policy
    from sim.model.registry import ReleasePlan


@dataclass(frozen=True)
class Option:
    action: str
    utility_musd: float
    plan: ReleasePlan
    description: str


def decide(lab: Developer, plan: ReleasePlan, covering: list[Policy]) -> Option:
    """Make and carry out the lab's choice for a covered release; log it with its reason."""
    model = lab.model
    options = available_options(lab, plan, covering)
    temperature = model.params.world.compliance.logit_temperature_musd
    chosen, probabilities = choose(options, temperature, lab.stream)
    settled = replace(chosen.plan, settled=plan.settled | {p.key for p in covering})
    _log_choice(lab, chosen, options, probabilities, covering)
    _carry_out(lab, chosen, settled, covering)
    return chosen


def available_options(lab: Developer, plan: ReleasePlan, covering: list[Policy]) -> list[Option]:
    options = [_comply(lab, plan, covering), _defy(lab, plan, covering)]
    withdraw = _withdraw(lab, plan, covering)
    if withdraw:
        options.append(withdraw)
    relocate = _relocate(lab, plan, covering)
    if relocate:
        options.append(relocate)
    return options


def choose(options: list[Option], temperature_musd: float, rng: np.random.Generator):
    """Logit choice; returns the option and every option's probability."""
    utilities = np.array([o.utility_musd for o in options]) / temperature_musd
    weights = np.exp(utilities - utilities.max())
    probabilities = weights / weights.sum()
    index = int(rng.choice(len(options), p=probabilities))
    return options[index], probabilities


def _comply(lab, plan, covering) -> Option:
    model, cost, how = lab.model, 0.0, []
    for policy in covering:
        if policy.covers_release(plan, lab, model):  # an earlier step may have uncovered it
            result = policy.comply(plan, lab, model, lab.stream)
            plan, cost = result.plan, cost + result.expected_cost_musd
            how.append(f"{result.description} to comply with {policy.label}")
    return Option("comply", -cost, plan, "; ".join(how))


def _defy(lab, plan, covering) -> Option:
    model = lab.model
    expected = sum(
        p.params.enforcement_probability * p.defiance_penalty_musd(plan, model) for p in covering
    )
    names = ", ".join(p.label for p in covering)
    return Option("defy", -expected, plan, f"releases anyway in defiance of {names}")


def _withdraw(lab, plan, covering) -> Option | None:
    regulators = {p.regulator.name: p.regulator for p in covering}.values()
    for regulator in regulators:
        if regulator.reach != "market" or within(lab.jurisdiction, regulator.jurisdiction):
            return None
    lost = sum(r.params.market_value_musd for r in regulators)
    places = ", ".join(r.jurisdiction for r in regulators)
    return Option("withdraw", -lost, plan, f"withdraws from {places} to release as planned")


def _relocate(lab, plan, covering) -> Option | None:
    destination = lab.params.relocation_jurisdiction
    for policy in covering:
        regulator = policy.regulator
        if regulator.reach != "domicile" or within(destination, regulator.jurisdiction):
            return None
    spec = lab.params
    cost = spec.relocation_cost_musd + spec.relocation_months * spec.delay_cost_musd_per_month
    return Option("relocate", -cost, plan, f"moves its domicile to {destination} to escape")


def _carry_out(lab, chosen: Option, plan: ReleasePlan, covering: list[Policy]) -> None:
    model = lab.model
    if chosen.action == "comply":
        model.counters["compliance_cost_musd"] += -chosen.utility_musd
    elif chosen.action == "withdraw":
        lab.withdraw_from({p.regulator.jurisdiction for p in covering})
        model.counters["withdrawals"] += 1
    elif chosen.action == "relocate":
        lab.start_relocation(replace(plan, settled=frozenset()))
        return
    elif chosen.action == "defy":
        model.counters["defections"] += 1
        plan = replace(plan, defied=frozenset(p.key for p in covering))
        _enforce(lab, plan, covering)
    lab.publish(plan)


def _enforce(lab, plan, covering) -> None:
    model = lab.model
    for policy in covering:
        caught = bool(lab.stream.random() < policy.params.enforcement_probability)
        penalty = policy.defiance_penalty_musd(plan, model) if caught else 0.0
        model.counters["penalties_musd"] += penalty
        outcome = f"is penalised USD {penalty:,.0f}M" if caught else "escapes enforcement"
        model.events.add(
            model.step_index,
            "enforcement",
            [lab.name, policy.regulator.name],
            f"{lab.label} {outcome} under {policy.label}",
            policy=policy.key,
            caught=caught,
            penalty_musd=round(penalty, 3),
        )


def _log_choice(lab, chosen, options, probabilities, covering) -> None:
    model = lab.model
    utilities = {o.action: round(o.utility_musd, 2) for o in options}
    chances = {o.action: round(float(p), 4) for o, p in zip(options, probabilities, strict=True)}
    reason = ", ".join(f"{a} {u:+,.0f}M" for a, u in utilities.items())
    model.events.add(
        model.step_index,
        "compliance",
        [lab.name, *sorted({p.regulator.name for p in covering})],
        f"{lab.label} {chosen.description} (expected utilities: {reason})",
        action=chosen.action,
        policies=[p.key for p in covering],
        utilities_musd=utilities,
        probabilities=chances,
        train_flop=round(chosen.plan.train_flop, 4),
        open_weights=chosen.plan.open_weights,
    )
