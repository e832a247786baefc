"""The labs' choice (sim/model/decisions.py): per model and per market, with honest costs.

The referee's cases: Meta's 2024 EU case (withhold one model from one market, keep selling the
rest), withholding only where a foreign lab sells into a market-reach regulator, moving only
where that escapes a domicile reach, leaving a market costing more than withholding one model,
and choices that are as decisive for small labs as for big ones.
"""

from __future__ import annotations

import copy

import pytest
from conftest import scenario_from, small_world, with_policy

from sim.experiments.runner import build_model, run_replicate
from sim.model import decisions
from sim.model.registry import ReleasePlan


def meta_in_the_eu(compliance_cost_musd: float) -> dict:
    """A US open lab selling into an EU that requires a costly, market-reach duty for big
    models (a GDPR-like cost stands in for 2024's 'unpredictable regulatory environment')."""
    raw = small_world()
    raw["scenario"]["months"] = 36
    raw["developers"] = [{
        "name": "meta", "label": "Meta", "jurisdiction": "US-CA", "release_strategy": "open",
        "initial_run_flop": 2e25, "initial_model_flop": 1e25, "initial_model_age_months": 1,
        "cadence_months": [4, 4], "markets": ["US", "EU", "ROW"],
        "annual_revenue_musd": 1000.0, "openness_value_musd": 1e4,
        "cluster_interval_months": [600, 600], "first_cluster_months": [600, 600],
    }]
    raw["states"] = []
    raw["regulators"] = [{
        "name": "eu", "jurisdiction": "EU", "reach": "market",
        "policies": [{"kind": "pre_deployment_evaluation", "start": "2024-06",
                      "threshold_flop": 1e25, "delay_months": 0,
                      "compliance_cost_musd": compliance_cost_musd,
                      "enforcement_probability_foreign": 0.9, "penalty_musd": 1e4}],
    }]
    raw["world"]["ecosystem"]["jurisdiction_shares"] = {"US": 0.5, "EU": 0.5}
    return raw


def test_meta_withholds_one_model_from_the_eu_when_complying_costs_more_than_its_eu_sales():
    model = build_model(scenario_from(meta_in_the_eu(compliance_cost_musd=5000.0)), 1)
    model.run()
    lab = model.developer_named("meta")
    value_in_eu = lab.release_value_musd() * lab.sales_share_in("EU")
    assert value_in_eu < 5000.0  # the duty costs more than one model's EU sales
    covered = [a for a in model.registry.artifacts if a.release_step >= 5]
    assert covered and all("EU" in a.withheld for a in covered)
    assert lab.sells_into("EU")  # it keeps selling there...
    before = [a for a in model.registry.artifacts if a.release_step < 5]
    assert before and all(a.offered_in("EU") for a in before)  # ...its earlier models
    withheld_text = [e["text"] for e in model.events.events if e["kind"] == "decision"]
    assert all("does not place this model on EU's market" in t and "still obtainable" in t
               for t in withheld_text)
    # Its weights reach the EU anyway: a non-release there, not counted as withholding.
    assert model.counters["responses_withhold"] == 0


def test_the_same_lab_complies_when_the_duty_is_cheap():
    model = build_model(scenario_from(meta_in_the_eu(compliance_cost_musd=1.0)), 1)
    model.run()
    decided = [e for e in model.events.events if e["kind"] == "decision"]
    assert decided and all(e["actions"]["eu"] == "comply" for e in decided)


def responses_for(raw: dict, lab_name: str, flop: float, open_weights: bool, steps: int = 7):
    model = build_model(scenario_from(raw), 1)
    for _ in range(steps):
        model.step()
    lab = model.developer_named(lab_name)
    plan = ReleasePlan(lab_name, 99, flop, flop, open_weights)
    covering = model.covering_policies(plan, lab)
    return model, lab, plan, covering, decisions.options(lab, plan, covering)


KILL_SWITCH = {"kind": "kill_switch", "start": "2024-01", "threshold_usd": None}


def test_only_a_foreign_lab_may_withhold_from_a_market_reach_regulator():
    raw = with_policy(small_world(), "california", KILL_SWITCH)
    cnlab = next(d for d in raw["developers"] if d["name"] == "cnlab")
    cnlab["markets"] = ["CN", "US"]
    for name, expected in (("cnlab", True), ("closedlab", False)):
        *_, branches = responses_for(raw, name, 26.5, False)
        actions = {r.action for b in branches for r in b.responses.get("california", [])}
        assert ("withhold" in actions) is expected, name
        assert ("exit" in actions) is expected, name


def test_leaving_a_market_for_good_costs_more_than_withholding_one_model():
    raw = with_policy(small_world(), "california", KILL_SWITCH)
    next(d for d in raw["developers"] if d["name"] == "cnlab")["markets"] = ["CN", "US"]
    *_, branches = responses_for(raw, "cnlab", 26.5, False)
    costs = {r.action: r.costs.total_musd for r in branches[0].responses["california"]}
    assert costs["exit"] > costs["withhold"] > 0


def test_moving_is_offered_only_where_it_escapes_a_domicile_reach():
    market = with_policy(small_world(), "california", KILL_SWITCH)
    domicile = copy.deepcopy(market)
    domicile["regulators"][0]["reach"] = "domicile"
    *_, market_branches = responses_for(market, "openlab", 26.5, True)
    *_, domicile_branches = responses_for(domicile, "openlab", 26.5, True)
    assert not any(b.relocate for b in market_branches)
    assert any(b.relocate for b in domicile_branches)


def test_an_open_release_a_kill_switch_covers_can_be_shaded_closed_or_split():
    raw = with_policy(small_world(), "california", KILL_SWITCH)
    *_, branches = responses_for(raw, "openlab", 26.5, True)
    kinds = {b.design.kind for b in branches}
    assert {"shaded", "closed", "split"} <= kinds
    as_planned = next(b for b in branches if b.design.kind == "as_planned")
    actions = {r.action for r in as_planned.responses["california"]}
    assert "comply" not in actions  # shutdown cannot reach published weights
    split = next(b for b in branches if b.design.kind == "split")
    assert not split.design.plan.open_weights and split.design.side.open_weights
    assert split.design.side.train_flop < 26.0


def test_choices_are_as_decisive_for_a_small_lab_as_for_a_big_one():
    """The noise is relative to the cheapest option: an option twice as costly is as unlikely
    for a lab with USD 10M of revenue as for one with USD 10B."""
    probabilities = []
    for revenue in (10.0, 1e4):
        raw = with_policy(small_world(), "california", {**KILL_SWITCH, "penalty_musd": 0.0})
        lab = next(d for d in raw["developers"] if d["name"] == "closedlab")
        lab["annual_revenue_musd"] = revenue
        model, lab_agent, plan, covering, branches = responses_for(raw, "closedlab", 26.5, False)
        responses = branches[0].responses["california"]
        costs = [r.costs.total_musd for r in responses]
        _, chances = decisions.logit_pick([-c for c in costs],
                                          decisions.temperature_musd(lab_agent, costs), 0.5)
        probabilities.append(chances)
    comply_small, comply_big = probabilities[0][0], probabilities[1][0]
    assert comply_small > 0.9 and comply_big > 0.9


def test_costs_are_reported_in_three_columns():
    raw = meta_in_the_eu(compliance_cost_musd=5000.0)
    result = run_replicate(scenario_from(raw), 1)
    assert result.summary["private_value_forgone_musd"] > 0  # EU sales withheld
    assert result.summary["cash_compliance_musd"] == 0
    assert result.summary["penalties_musd"] == 0
    cheap = run_replicate(scenario_from(meta_in_the_eu(compliance_cost_musd=10.0)), 1)
    assert cheap.summary["cash_compliance_musd"] > 0
    assert cheap.summary["private_value_forgone_musd"] == 0


@pytest.mark.parametrize("strategy", ["open", "closed"])
def test_a_lab_out_of_every_reach_makes_no_choice(strategy):
    raw = with_policy(small_world(), "california", {**KILL_SWITCH})
    raw["developers"] = [d for d in raw["developers"] if d["name"] == "cnlab"]
    raw["developers"][0].update(release_strategy=strategy, initial_run_flop=3e26)
    result = run_replicate(scenario_from(raw), 2)
    assert not [e for e in result.events if e["kind"] == "decision"]
