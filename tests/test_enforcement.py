"""Graded enforcement (sim/model/enforcement.py): fines escalate, foreign labs pay what can be
collected and are barred from the market, domestic labs are enjoined from defying again, and
fines wait for the month they can be imposed."""

from __future__ import annotations

from conftest import scenario_from, small_world, with_policy

from sim.experiments.runner import build_model
from sim.model import enforcement
from sim.model.registry import ReleasePlan

DUTY = {"kind": "pre_deployment_evaluation", "threshold_flop": 1e24, "delay_months": 12,
        "compliance_cost_musd": 1e5, "penalty_musd": 100.0, "repeat_penalty_multiplier": 3.0,
        "enforcement_probability": 1.0, "enforcement_probability_foreign": 1.0,
        "collectable_share_foreign": 0.1}


def defiant_world(**duty) -> dict:
    """Complying costs far more than defying, so labs defy and the regulator enforces."""
    raw = small_world()
    raw["scenario"]["months"] = 36
    raw["states"] = []
    for lab in raw["developers"]:
        lab["defiance_reputation_share"] = 0.0
    return with_policy(raw, "california", {**DUTY, **duty})


def fines(model, lab: str) -> list[float]:
    return [e["penalty_musd"] for e in model.events.events
            if e["kind"] == "enforcement" and lab in e["actors"] and e["caught"]]


def test_a_repeat_violation_costs_the_multiplier_times_the_first():
    model = build_model(scenario_from(defiant_world(injunction_after_violations=5)), 1)
    model.run()
    paid = fines(model, "closedlab")
    assert len(paid) >= 2
    assert paid[0] == 100.0 and all(p == 300.0 for p in paid[1:])


def test_a_domestic_lab_is_enjoined_after_repeated_violations_and_cannot_defy_again():
    model = build_model(scenario_from(defiant_world(injunction_after_violations=2)), 1)
    model.run()
    regulator = model.regulator_list[0]
    lab = model.developer_named("closedlab")
    assert regulator.enjoins(lab)
    assert len(fines(model, "closedlab")) == 2  # then it complies
    injunctions = [e for e in model.events.events if e["kind"] == "injunction"]
    assert injunctions and injunctions[0]["domestic"]
    assert lab.sells_into("US-CA")  # enjoined from defying, not thrown out of its home


def test_a_foreign_lab_pays_what_can_be_collected_and_is_barred_from_the_market():
    raw = defiant_world(foreign_block_after_violations=1)
    next(d for d in raw["developers"] if d["name"] == "cnlab")["markets"] = ["CN", "US"]
    model = build_model(scenario_from(raw), 1)
    model.step()
    lab, duty = model.developer_named("cnlab"), model.policies[0]
    assert lab.sells_into("US-CA") and duty.covers(ReleasePlan("cnlab", 1, 25.0, 25.0, True),
                                                   lab, model)
    model.release(lab, ReleasePlan("cnlab", 1, 25.0, 25.0, True, defied=frozenset({duty.key})))
    assert fines(model, "cnlab") == [100.0 * 0.1]
    assert not lab.sells_into("US-CA") and "US-CA" in lab.barred
    assert not model.regulator_list[0].in_reach(lab)
    assert model.counters["markets_left"] == 1 and model.counters["injunctions"] == 1


def test_a_flagrant_violation_brings_an_injunction_at_once():
    raw = with_policy(small_world(), "california", {
        "kind": "open_weight_licence", "approval_probability": 0.0, "threshold_flop": 1e24,
        "injunction_after_violations": 10})
    model = build_model(scenario_from(raw), 1)
    lab = model.developer_named("openlab")
    licence = model.policies[0]
    plan = ReleasePlan("openlab", 1, 25.0, 25.0, True)
    assert enforcement.triggers_injunction(licence, lab, plan, violations_before=0)


def test_a_violation_found_before_fines_apply_is_fined_when_they_do():
    model = build_model(scenario_from(defiant_world(enforceable_from="2025-06",
                                                    injunction_after_violations=10)), 1)
    for _ in range(16):  # to 2025-04
        model.step()
    found = [e for e in model.events.events if e["kind"] == "enforcement" and e["caught"]]
    assert found and all("to be fined" in e["text"] for e in found)
    assert model.counters["penalties_musd"] == 0.0
    for _ in range(3):  # past 2025-06
        model.step()
    assert model.counters["penalties_musd"] > 0.0


def test_expected_defiance_costs_count_fines_and_injunctions_apart():
    model = build_model(scenario_from(defiant_world(injunction_after_violations=1)), 1)
    model.step()
    lab, regulator = model.developer_named("closedlab"), model.regulator_list[0]
    plan = ReleasePlan("closedlab", 1, 26.0, 26.0, False)
    costs = enforcement.expected_defiance_costs(lab, plan, regulator, regulator.policies)
    assert costs.penalty_musd == 100.0
    assert costs.private_musd == enforcement.market_loss_musd(lab, "US-CA")
    assert costs.cash_musd == 0.0
