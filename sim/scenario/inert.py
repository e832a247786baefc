"""Inert levers: instrument settings that cannot change anything in the scenario at hand.

`inert_levers(scenario)` reads a validated scenario (no run) and names each lever that no
release, lab or state in it can feel, with the reason:

- `threshold_flop` below the instrument's cost line (`threshold_usd`) in every month it may be
  in force: the cost test decides coverage alone, so any FLOP line below it gives identical
  results (SB 1047's $100M line is ~7e25 FLOP at 2024 prices and rises 1.9x a year);
- an instrument that would come into force only after the horizon (or lapse before it);
- an instrument whose jurisdiction no lab is based in (domicile reach) or based in or selling
  to (market reach);
- an open-weight licence (or another instrument on open releases) whose reach holds no lab
  that releases open weights;
- a serving ban (`weight_export_controls.target_jurisdictions`) on markets no lab it reaches
  sells into, under the `proxy_leakage` distillation formulation (where a ban cuts only direct
  access, which nobody has);
- chip export controls on jurisdictions where no lab is based; API KYC rules that screen out
  states the scenario does not hold;
- an open-weight licence's fines and enforcement when defying it already costs over ten times
  the most any open lab in reach gives up by keeping a release closed (its openness value):
  nobody defies, so raising either changes nothing.

Dated changes can make a lever live later; the check reads the scenario as it starts (and says
so in the reason where a change could matter). Warnings never change a command's exit status.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sim.model.jurisdiction import within, within_any

if TYPE_CHECKING:
    from sim.scenario.schema import DeveloperSpec, Scenario

OPEN_ONLY_KINDS = ("open_weight_licence",)
"""Instruments that cover only open-weight releases."""


@dataclass(frozen=True)
class InertLever:
    """A lever that cannot change anything: its `--set` path and why, in words."""

    key: str
    reason: str

    def line(self) -> str:
        """The `warning:` line the CLI prints."""
        return f"warning: {self.key} cannot change anything in this scenario: {self.reason}"


def inert_levers(scenario: Scenario) -> list[InertLever]:
    """Every inert lever of `scenario`'s instruments, in file order."""
    labs = scenario.all_developers()
    found: list[InertLever] = []
    for regulator in scenario.regulators:
        for policy in regulator.policies:
            if not policy.enabled:
                continue
            prefix = f"regulators.{regulator.name}.policies.{policy.name or policy.kind}"
            found += _policy_levers(scenario, regulator, policy, prefix, labs)
    return found


def _policy_levers(scenario, regulator, policy, prefix: str,
                   labs: list[DeveloperSpec]) -> list[InertLever]:
    kind = policy.kind
    if not _months_in_force(scenario, policy):
        when = (f"it lapses ({policy.end}) before the scenario's first month" if policy.end
                and policy.end < scenario.scenario.start
                else f"it comes into force ({policy.start}) after the scenario's last month")
        return [InertLever(prefix, when)]
    if kind == "chip_export_controls":
        return _chip_controls(policy, prefix, labs)
    if kind == "api_kyc":
        return _api_kyc(scenario, policy, prefix)
    reached = [lab for lab in labs if _in_reach(regulator, lab)]
    if not reached:
        how = "based in" if regulator.reach == "domicile" else "based in or selling to"
        return [InertLever(prefix, f"no lab is {how} {regulator.jurisdiction}, so "
                           f"{regulator.name}'s {kind} reaches nobody")]
    found = []
    if kind in OPEN_ONLY_KINDS and not any(lab.release_strategy != "closed" for lab in reached):
        found.append(InertLever(prefix, f"no lab in {regulator.name}'s reach releases open "
                                "weights, so nobody ever applies for this licence"))
    cost_line = _cost_test_dominates(scenario, policy)
    if cost_line is not None:
        found.append(InertLever(f"{prefix}.threshold_flop", cost_line))
    if kind == "weight_export_controls":
        found += _serving_ban(scenario, policy, prefix, reached)
    if kind in OPEN_ONLY_KINDS:
        found += _defiance_dominated(regulator, policy, prefix, reached)
    return found


def _defiance_dominated(regulator, policy, prefix: str,
                        reached: list[DeveloperSpec]) -> list[InertLever]:
    """Raising enforcement or fines cannot change anything when defying already costs far
    more than the most any open lab in reach gives up by answering another way (releasing it
    closed forgoes its openness value): the logit then gives defiance a chance of ~e^-36."""
    open_labs = [lab for lab in reached if lab.release_strategy != "closed"]
    if not open_labs:
        return []
    expected = min(_enforcement(regulator, policy, lab) * _fixed_fine(regulator, policy, lab)
                   for lab in open_labs)
    most_at_stake = max(lab.openness_value_musd for lab in open_labs)
    if expected < DOMINANCE * max(most_at_stake, 1e-9):
        return []
    return [InertLever(f"{prefix}.penalty_musd",
                       f"defying already costs at least USD {expected:,.0f}M in expected fines, "
                       f"over {DOMINANCE:.0f}x the most any open lab in reach gives up by "
                       f"keeping the release closed (its openness value, USD "
                       f"{most_at_stake:,.0f}M), so no lab defies: raising penalty_musd or the "
                       "enforcement probability changes nothing (lowering them might)")]


DOMINANCE = 10.0
"""Expected fine over the most at stake above which defiance never happens (the choice noise
is a quarter of the cheapest option's cost, so an option 9x dearer has weight ~e^-36)."""


def _enforcement(regulator, policy, lab: DeveloperSpec) -> float:
    if within(lab.jurisdiction, regulator.jurisdiction):
        return policy.enforcement_probability
    return policy.enforcement_probability_foreign


def _fixed_fine(regulator, policy, lab: DeveloperSpec) -> float:
    """The fixed part of a first fine, after collectability (USD M): a lower bound."""
    if within(lab.jurisdiction, regulator.jurisdiction):
        return policy.penalty_musd
    return policy.penalty_musd * policy.collectable_share_foreign


def _in_reach(regulator, lab: DeveloperSpec) -> bool:
    if within(lab.jurisdiction, regulator.jurisdiction):
        return True
    return regulator.reach == "market" and _sells_into(lab, regulator.jurisdiction)


def _sells_into(lab: DeveloperSpec, jurisdiction: str) -> bool:
    return any(within(jurisdiction, m) or within(m, jurisdiction) for m in lab.markets)


def _months_in_force(scenario: Scenario, policy) -> range:
    """Absolute month numbers in which the instrument may be in force (its start or the
    scenario's, to its end or the horizon's)."""
    from sim.calendar import parse_month

    first = parse_month(scenario.scenario.start)
    last = first + scenario.scenario.months - 1
    if policy.start is not None:
        first = max(first, parse_month(policy.start))
    if policy.end is not None:
        last = min(last, parse_month(policy.end))
    return range(first, last + 1)


def _cost_test_dominates(scenario: Scenario, policy) -> str | None:
    """Why `threshold_flop` is irrelevant (the cost line is above it in every month the
    instrument may be in force), or None when it can bind."""
    flop = getattr(policy, "threshold_flop", None)
    usd = getattr(policy, "threshold_usd", None)
    if flop is None or usd is None:
        return None
    from sim.model.compute import CostModel

    costs = CostModel(scenario.world.compute)
    months = _months_in_force(scenario, policy)
    if not months:
        return None
    lowest = min(costs.log10_flop_for_cost(usd / 1e6, months[0]),
                 costs.log10_flop_for_cost(usd / 1e6, months[-1]))
    if math.log10(flop) > lowest:
        return None
    return (f"the cost test (threshold_usd = ${usd:,.0f}) covers only runs of at least "
            f"1e{lowest:.2f} FLOP in every month it may be in force, above threshold_flop = "
            f"{flop:.3g}; any FLOP line up to 1e{lowest:.2f} gives the same results")


def _serving_ban(scenario: Scenario, policy, prefix: str,
                 reached: list[DeveloperSpec]) -> list[InertLever]:
    targets = policy.target_jurisdictions
    if any(_sells_into(lab, t) for lab in reached for t in targets):
        return []
    if scenario.world.distillation.formulation != "proxy_leakage":
        return []  # the ban also cuts the proxy route (reseller_chain)
    rest = (" (its security requirement still acts)" if policy.required_security_level
            else "; the instrument does nothing at all")
    return [InertLever(f"{prefix}.target_jurisdictions",
                       f"no lab it reaches sells into {', '.join(targets)}, and under the "
                       "proxy_leakage distillation formulation a serving ban cuts only direct "
                       f"access, which nobody there has{rest}")]


def _chip_controls(policy, prefix: str, labs: list[DeveloperSpec]) -> list[InertLever]:
    targets = policy.target_jurisdictions
    if any(within_any(lab.jurisdiction, targets) for lab in labs):
        return []
    return [InertLever(f"{prefix}.target_jurisdictions",
                       f"no lab is based in {', '.join(targets)}, so the chip controls deny "
                       "compute to nobody")]


def _api_kyc(scenario: Scenario, policy, prefix: str) -> list[InertLever]:
    targets = policy.target_jurisdictions
    if not scenario.states:
        return [InertLever(prefix, "the scenario holds no state actor, so API KYC rules cut "
                           "nobody's distillation")]
    if targets is None or any(within_any(j, targets) for s in scenario.states
                              for j in s.jurisdictions):
        return []
    return [InertLever(f"{prefix}.target_jurisdictions",
                       f"no state actor is in {', '.join(targets)}, so the KYC rules screen out "
                       "nobody")]
