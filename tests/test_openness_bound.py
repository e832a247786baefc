"""The value labs forgo on openness stays within physical bounds under the `revealed` utilities
(docs/model.md §4.1, §10).

Under `revealed` a lab's openness value grows with its spending; before the cap
(`world.compliance.openness_value_max_run_cost_multiple`) it reached ~140 times the cost of
the lab's frontier run in a few of the baseline's `[uncertainty]` draws (Meta: USD 2.2 trillion a
release in 2033 against a USD 15.5B run), and the open-weight licence's private value forgone
came to USD +946,161M. The bound checked here: every release a lab closes, splits or drops, and
every wait for its weights, costs it at most its stated stake or the cap's multiple of what
its current frontier run costs (the record puts one release's openness near the model's cost).
The other parts of value forgone (sales, delays, shaded capability) scale with revenue under
both formulations and are not bounded here.
"""

from __future__ import annotations

import pytest

from sim.experiments import uncertainty
from sim.experiments.runner import build_model
from sim.experiments.seeds import replicate_seeds
from sim.model import decisions
from sim.scenario.loader import find_scenario, load_scenario

REPLICATES = 3
OPENNESS_DESIGNS = ("closed", "split", "drop")
"""Designs whose cost is (a share of) the openness value."""


def drawn_worlds(name: str, utilities: str):
    """`name` under `utilities` with the baseline's `[uncertainty]` draws (the first
    replicates, 500 adopters), with each replicate's seed."""
    scenario = load_scenario(find_scenario(name))
    parameters = [p for p in uncertainty.declared(scenario)
                  if p.key != "world.compliance.utilities"]
    draws = uncertainty.draws(parameters, scenario.scenario.seed, REPLICATES)
    seeds = replicate_seeds(scenario.scenario.seed, REPLICATES)
    raw = scenario.to_toml_dict()
    for seed, values in zip(seeds, draws, strict=True):
        yield uncertainty.with_values(raw, {**values, "world.compliance.utilities": utilities,
                                            "world.ecosystem.adopters": 500}), seed


def openness_bound_musd(lab) -> float:
    """The most one release's openness may be worth to `lab` now (USD M)."""
    compliance = lab.model.params.world.compliance
    stake = lab.params.openness_value_musd * compliance.openness_value_scale
    if compliance.utilities != "revealed":
        return stake
    return max(stake, compliance.openness_value_max_run_cost_multiple * lab.spending_musd())


@pytest.mark.parametrize("utilities", ["stated", "revealed"])
@pytest.mark.parametrize("name", ["open_weight_licence", "kill_switch"])
def test_no_draw_forgoes_more_openness_than_the_stake_or_the_runs_cost(name, utilities,
                                                                        monkeypatch):
    seen = {"designs": 0, "waits": 0}
    carry_out, wait_cost = decisions._carry_out, decisions.weights_wait_cost_musd

    def checked_carry_out(lab, plan, design, responses):
        if design.kind in OPENNESS_DESIGNS:
            seen["designs"] += 1
            assert design.costs.private_musd <= openness_bound_musd(lab) * (1 + 1e-9), \
                (lab.name, design.kind, design.costs.private_musd, openness_bound_musd(lab))
        return carry_out(lab, plan, design, responses)

    def checked_wait_cost(lab, plan, months):
        cost = wait_cost(lab, plan, months)
        if cost > 0:
            seen["waits"] += 1
            assert cost <= openness_bound_musd(lab) * (1 + 1e-9), (lab.name, cost)
        return cost

    monkeypatch.setattr(decisions, "_carry_out", checked_carry_out)
    monkeypatch.setattr(decisions, "weights_wait_cost_musd", checked_wait_cost)
    for scenario, seed in drawn_worlds(name, utilities):
        build_model(scenario, seed, series=False).run()
    assert seen["designs"] + seen["waits"] > 0, "the instrument changed no open release"
