"""Each policy instrument's coverage and terms, one test group per kind (sim/model/policies/)."""

from __future__ import annotations

import math

import pytest
from conftest import scenario_from, small_world, with_policy

from sim.experiments.runner import build_model
from sim.model.registry import ReleasePlan


def model_with(policy: dict, regulator: str = "california", reach: str = "market", **world):
    raw = small_world()
    raw["regulators"][0]["reach"] = reach
    raw["world"].update(world)
    model = build_model(scenario_from(with_policy(raw, regulator, policy)), 1)
    model.step()  # activates policies that start immediately
    return model


def plan(model, lab: str, flop: float, open_weights: bool, **fields) -> ReleasePlan:
    return ReleasePlan(lab, 99, flop, flop + model.algo_efficiency_oom, open_weights, **fields)


class TestKillSwitch:
    def test_covers_only_runs_above_both_thresholds(self):
        model = model_with({"kind": "kill_switch", "threshold_flop": 1e26, "threshold_usd": 1e8})
        switch, lab = model.policies[0], model.developer_named("closedlab")
        floor = switch.size_floor(model)
        assert floor >= 26.0
        assert switch.covers(plan(model, "closedlab", floor + 0.01, False), lab, model)
        assert not switch.covers(plan(model, "closedlab", floor - 0.01, False), lab, model)

    def test_cost_threshold_erodes_as_flops_get_cheaper(self):
        model = model_with({"kind": "kill_switch", "threshold_usd": 1e8})
        switch = model.policies[0]
        early = switch.size_floor(model)
        for _ in range(36):
            model.step()
        assert switch.size_floor(model) > early  # $100M buys more FLOP later

    def test_an_open_release_cannot_comply_as_open_and_a_closed_one_keeps_shutdown(self):
        model = model_with({"kind": "kill_switch", "threshold_usd": None})
        switch, lab = model.policies[0], model.developer_named("openlab")
        assert switch.restricts_open()
        assert switch.terms(plan(model, "openlab", 26.5, True), lab, model) is None
        terms = switch.terms(plan(model, "closedlab", 26.5, False), lab, model)
        assert terms.shutdown_capable and terms.cash_musd == switch.params.compliance_cost_musd

    def test_open_weights_can_be_exempt(self):
        model = model_with({"kind": "kill_switch", "threshold_usd": None,
                            "exempt_open_weights": True})
        switch, lab = model.policies[0], model.developer_named("openlab")
        assert not switch.covers(plan(model, "openlab", 27.0, True), lab, model)
        assert switch.covers(plan(model, "openlab", 27.0, False), lab, model)

    def test_labs_out_of_reach_are_not_covered(self):
        model = model_with({"kind": "kill_switch", "threshold_usd": None}, reach="domicile")
        switch, lab = model.policies[0], model.developer_named("cnlab")
        assert not switch.covers(plan(model, "cnlab", 27.0, True), lab, model)

    def test_a_relative_threshold_follows_the_largest_run(self):
        model = model_with({"kind": "kill_switch", "threshold_flop": None, "threshold_usd": None,
                            "threshold_relative_oom": 1.0})
        switch, lab = model.policies[0], model.developer_named("closedlab")
        while not model.registry.artifacts:
            model.step()
        largest = model.registry.largest_train_flop
        assert switch.size_floor(model) == pytest.approx(largest - 1.0)
        assert switch.covers(plan(model, "closedlab", largest - 0.5, False), lab, model)
        assert not switch.covers(plan(model, "closedlab", largest - 1.5, False), lab, model)
        assert switch.covers(plan(model, "closedlab", largest + 2.0, False), lab, model)


def test_open_weight_licence_delays_and_may_refuse_and_a_ban_cannot_be_applied_for():
    model = model_with({"kind": "open_weight_licence", "threshold_flop": 1e26,
                        "approval_probability": 0.25, "licence_delay_months": 6})
    licence, lab = model.policies[0], model.developer_named("openlab")
    open_plan = plan(model, "openlab", 26.5, True)
    assert licence.covers(open_plan, lab, model)
    assert not licence.covers(plan(model, "openlab", 26.5, False), lab, model)
    terms = licence.terms(open_plan, lab, model)
    # The weights wait for the decision; the model itself is served closed meanwhile.
    assert terms.weights_wait_months == 6 and terms.delay_months == 0
    assert terms.refusal_probability == pytest.approx(0.75)
    refused = plan(model, "openlab", 26.5, True, refused=frozenset({licence.key}))
    assert licence.terms(refused, lab, model) is None and licence.flagrant(refused)
    ban = model_with({"kind": "open_weight_licence", "approval_probability": 0.0}).policies[0]
    assert ban.terms(open_plan, lab, model) is None and ban.flagrant(open_plan)


def test_pre_deployment_evaluation_delays_covered_releases():
    model = model_with({"kind": "pre_deployment_evaluation", "threshold_flop": 1e25,
                        "delay_months": 3, "compliance_cost_musd": 2.0})
    evaluation, lab = model.policies[0], model.developer_named("closedlab")
    terms = evaluation.terms(plan(model, "closedlab", 25.5, False), lab, model)
    assert terms.delay_months == 3 and terms.cash_musd == 2.0
    assert not evaluation.covers(plan(model, "closedlab", 24.9, False), lab, model)


def test_security_standard_commits_the_lab_to_the_level():
    model = model_with({"kind": "security_standard", "threshold_flop": 1e25,
                        "required_security_level": 4, "upgrade_cost_musd_per_level": 10.0})
    standard, lab = model.policies[0], model.developer_named("closedlab")
    covered = plan(model, "closedlab", 26.0, False)
    assert standard.covers(covered, lab, model)
    terms = standard.terms(covered, lab, model)
    assert terms.security_level == 4 and terms.cash_musd == pytest.approx(20.0)
    lab.start_security_upgrade(4)
    assert not standard.covers(covered, lab, model)  # already committed


def test_weight_export_controls_stop_serving_targets_and_cut_direct_access():
    policy = {"kind": "weight_export_controls", "threshold_flop": 1e25,
              "target_jurisdictions": ["CN"]}
    model = model_with(policy, regulator="california", reach="domicile")
    controls, lab = model.policies[0], model.developer_named("closedlab")
    terms = controls.terms(plan(model, "closedlab", 26.0, False), lab, model)
    assert terms.blocked == frozenset({"CN"})
    assert not controls.covers(plan(model, "closedlab", 26.0, True), lab, model)


def test_chip_export_controls_shrink_the_targets_run_by_a_level_that_substitution_narrows():
    policy = {"kind": "chip_export_controls", "target_jurisdictions": ["CN"], "strength": 0.5,
              "smuggling_leak_share": 0.2, "domestic_substitution_2024": 0.0,
              "domestic_substitution_growth_per_year": 0.1}
    model = model_with(policy, regulator="california", reach="domicile")
    controls = model.policies[0]
    start = model.start_month
    assert controls.compute_access_factor("CN", start) == pytest.approx(1 - 0.5 * 0.8)
    assert controls.compute_access_factor("CN", start + 60) == pytest.approx(
        1 - 0.5 * 0.8 * 0.5)
    assert controls.compute_access_factor("US", start) == 1.0


def test_api_kyc_cuts_distillation_access():
    policy = {"kind": "api_kyc", "effectiveness": 0.7}
    model = model_with(policy)
    lab = model.developer_named("closedlab")
    assert model.distillation_access_factor(["CN"], lab) == pytest.approx(0.3)
    assert model.distillation_access_factor(["CN"], model.developer_named("cnlab")) == 1.0


def test_transparency_costs_money_only_and_more_for_a_large_developer():
    model = model_with({"kind": "transparency", "compliance_cost_musd": 1.0,
                        "framework_cost_musd": 5.0, "large_developer_revenue_musd": 500.0})
    duty = model.policies[0]
    small = model.developer_named("closedlab")
    covered = plan(model, "closedlab", 26.5, False)
    assert duty.terms(covered, small, model).cash_musd == pytest.approx(6.0)  # revenue 1000
    terms = duty.terms(covered, small, model)
    assert terms.delay_months == 0 and not terms.shutdown_capable and not terms.blocked


def test_gpai_code_signatories_comply_cheaper_and_non_signatories_face_more_scrutiny():
    model = model_with({"kind": "gpai_obligations", "signatories": ["closedlab"],
                        "compliance_cost_musd": 10.0, "non_signatory_cost_multiplier": 3.0,
                        "enforcement_probability_foreign": 0.2,
                        "non_signatory_enforcement_probability": 0.9})
    duties = model.policies[0]
    signed, refused = model.developer_named("closedlab"), model.developer_named("cnlab")
    covered = plan(model, "closedlab", 25.5, True)
    assert duties.terms(covered, signed, model).cash_musd == 10.0
    assert duties.terms(covered, refused, model).cash_musd == 30.0
    assert duties.enforcement_probability(refused, model) == 0.9


def test_policies_end_at_their_end_month():
    model = model_with({"kind": "kill_switch", "end": "2024-06"})
    switch = model.policies[0]
    assert switch.in_force()
    for _ in range(6):
        model.step()
    assert not switch.in_force()
    assert any(e["kind"] == "policy_repealed" and "lapses" in e["text"]
               for e in model.events.events)


def test_a_disabled_policy_is_never_enacted():
    model = model_with({"kind": "kill_switch", "enabled": False})
    assert not model.policies[0].in_force()
    assert not any(e["kind"] == "policy_activated" for e in model.events.events)
    assert math.isfinite(model.policies[0].size_floor(model))
