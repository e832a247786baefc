"""Each policy instrument's effect, one test group per kind (sim/model/policies/)."""

from __future__ import annotations

import numpy as np
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


def plan(model, lab: str, flop: float, open_weights: bool) -> ReleasePlan:
    capability = flop + model.algo_efficiency_oom
    return ReleasePlan(lab, flop, capability, open_weights)


RNG = np.random.default_rng(0)


class TestKillSwitch:
    def test_covers_only_runs_above_both_thresholds(self):
        model = model_with({"kind": "kill_switch", "threshold_flop": 1e26, "threshold_usd": 1e8})
        switch, lab = model.policies[0], model.developer_named("closedlab")
        floor = switch.floor_flop(model)
        assert floor >= 26.0
        assert switch.covers_release(plan(model, "closedlab", floor + 0.01, False), lab, model)
        assert not switch.covers_release(plan(model, "closedlab", floor - 0.01, False), lab, model)

    def test_cost_threshold_erodes_as_flops_get_cheaper(self):
        model = model_with({"kind": "kill_switch", "threshold_usd": 1e8})
        switch = model.policies[0]
        early = switch.floor_flop(model)
        for _ in range(36):
            model.step()
        assert switch.floor_flop(model) > early  # the same dollars buy more FLOP

    def test_open_release_is_shaded_or_closed_never_left_open_and_covered(self):
        model = model_with({"kind": "kill_switch", "threshold_usd": None})
        switch, lab = model.policies[0], model.developer_named("openlab")
        result = switch.comply(plan(model, "openlab", 26.4, True), lab, model, RNG)
        if result.plan.open_weights:
            assert result.plan.train_flop < 26.0
        else:
            assert result.plan.shutdown_capable

    def test_closed_release_keeps_shutdown_capability(self):
        model = model_with({"kind": "kill_switch", "threshold_usd": None})
        switch, lab = model.policies[0], model.developer_named("closedlab")
        result = switch.comply(plan(model, "closedlab", 26.4, False), lab, model, RNG)
        assert result.plan.shutdown_capable and not result.plan.open_weights

    def test_open_weights_can_be_exempt(self):
        model = model_with({"kind": "kill_switch", "exempt_open_weights": True})
        switch, lab = model.policies[0], model.developer_named("openlab")
        assert not switch.covers_release(plan(model, "openlab", 27.0, True), lab, model)

    def test_labs_out_of_reach_are_not_covered(self):
        model = model_with({"kind": "kill_switch"}, reach="domicile")
        switch, lab = model.policies[0], model.developer_named("cnlab")
        assert not switch.covers_release(plan(model, "cnlab", 27.0, True), lab, model)


def test_open_weight_licence_grants_with_delay_or_forces_fallback():
    model = model_with(
        {"kind": "open_weight_licence", "approval_probability": 0.5, "licence_delay_months": 4}
    )
    licence, lab = model.policies[0], model.developer_named("openlab")
    outcomes = [
        licence.comply(plan(model, "openlab", 26.5, True), lab, model, np.random.default_rng(s))
        for s in range(40)
    ]
    granted = [o for o in outcomes if o.plan.open_weights and o.plan.train_flop == 26.5]
    refused = [o for o in outcomes if o not in granted]
    assert granted and refused
    assert all(o.plan.delay_months == 4 for o in granted)
    assert all(not o.plan.open_weights or o.plan.train_flop < 26.0 for o in refused)
    assert not licence.covers_release(plan(model, "openlab", 26.5, False), lab, model)


def test_pre_deployment_evaluation_delays_covered_releases():
    model = model_with(
        {"kind": "pre_deployment_evaluation", "threshold_flop": 1e25, "delay_months": 3}
    )
    evaluation, lab = model.policies[0], model.developer_named("closedlab")
    result = evaluation.comply(plan(model, "closedlab", 25.5, False), lab, model, RNG)
    assert result.plan.delay_months == 3
    assert not evaluation.covers_release(plan(model, "closedlab", 24.9, False), lab, model)


def test_security_standard_commits_the_lab_to_the_level():
    model = model_with(
        {"kind": "security_standard", "required_security_level": 4, "upgrade_months_per_level": 2}
    )
    standard, lab = model.policies[0], model.developer_named("closedlab")
    covered = plan(model, "closedlab", 26.5, False)
    assert standard.covers_release(covered, lab, model)
    result = standard.comply(covered, lab, model, RNG)
    lab.publish(result.plan)
    for _ in range(5):
        lab._progress_security()
    assert lab.security_level == 4
    assert not standard.covers_release(plan(model, "closedlab", 26.5, True), lab, model)


def test_weight_export_controls_block_distillation_by_targets():
    model = model_with(
        {"kind": "weight_export_controls", "target_jurisdictions": ["CN"]},
        regulator="california",
        reach="domicile",
    )
    controls, lab = model.policies[0], model.developer_named("closedlab")
    result = controls.comply(plan(model, "closedlab", 26.5, False), lab, model, RNG)
    assert "CN" in result.plan.blocked_jurisdictions
    artifact = model.release(lab, result.plan)
    assert artifact not in model.closed_artifacts_served_to(model.state_list[0])


def test_chip_export_controls_cut_growth_with_smuggling_leak():
    model = model_with(
        {"kind": "chip_export_controls", "strength": 0.5, "smuggling_leak_share": 0.2}
    )
    assert model.compute_growth_factor("CN") == pytest.approx(1 - 0.5 * 0.8)
    assert model.compute_growth_factor("US-CA") == 1.0


def test_api_kyc_cuts_distillation_access():
    model = model_with({"kind": "api_kyc", "effectiveness": 0.7}, reach="domicile")
    assert model.distillation_access_factor(["CN"], "closedlab") == pytest.approx(0.3)
    assert model.distillation_access_factor(["CN"], "cnlab") == 1.0  # out of reach


def test_repeal_hazard_ends_a_policy_and_logs_it():
    model = model_with({"kind": "api_kyc", "repeal_hazard_per_month": 1.0})
    model.step()
    assert not model.policies[0].in_force()
    assert any(e["kind"] == "policy_repealed" for e in model.events.events)


def test_policy_with_a_start_month_waits_for_it():
    raw = with_policy(small_world(), "california", {"kind": "api_kyc", "start": "2024-04"})
    model = build_model(scenario_from(raw), 1)
    for month in range(4):
        model.step()
        assert model.policies[0].in_force() == (month >= 3)
