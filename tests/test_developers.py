"""Developer timing and compute (sim/model/developers.py): when labs release, and how big their
runs are as compute generations arrive.

Regression tests for two off-by-one errors found while docking compute growth: the first run
had already grown a month at step 0, and the first release after a pre-start model came a month
early.
"""

from __future__ import annotations

import math

import pytest
from conftest import scenario_from

from sim.experiments.runner import build_model
from sim.model.compute import CostModel


def one_lab(**lab) -> dict:
    spec = {
        "name": "lab",
        "jurisdiction": "US",
        "release_strategy": "closed",
        "initial_run_flop": 1e25,
        "cluster_interval_months": [12, 12],
        "first_cluster_months": [12, 12],
        **lab,
    }
    return {
        "scenario": {"name": "timing", "question": "When does a lab release?", "months": 30},
        "world": {"ecosystem": {"adopters": 10}},
        "developers": [spec],
    }


def release_steps(raw: dict) -> list[tuple[int, float]]:
    model = build_model(scenario_from(raw), 1)
    model.run()
    return [(e["step"], e["train_flop"]) for e in model.events.events if e["kind"] == "release"]


def test_run_is_fixed_between_compute_generations_and_bought_at_each():
    model = build_model(scenario_from(one_lab(run_budget_musd=100.0)), 1)
    lab = model.developer_named("lab")
    sizes = []
    for _ in range(25):
        model.step()
        sizes.append(lab.run_flop)
    assert sizes[0] == sizes[11] == pytest.approx(25.0)
    costs = CostModel(model.params.world.compute)
    month = model.start_month + 12
    expected = costs.affordable_log10_flop(100.0 * 2.4, month)
    assert sizes[12] == pytest.approx(expected) and sizes[12] > 25.0
    assert sizes[12] == sizes[23]


def test_a_budget_cap_and_the_ceiling_bound_the_run():
    capped = build_model(scenario_from(one_lab(run_budget_musd=100.0,
                                               max_run_budget_musd=120.0)), 1)
    huge = build_model(scenario_from(one_lab(run_budget_musd=1e6)), 1)
    for model in (capped, huge):
        for _ in range(13):
            model.step()
    costs = CostModel(capped.params.world.compute)
    month = capped.start_month + 12
    assert capped.developer_named("lab").run_flop == pytest.approx(
        costs.log10_flop_for_cost(120.0, month))
    assert huge.developer_named("lab").run_flop == pytest.approx(costs.ceiling_log10_flop(month))


@pytest.mark.parametrize(("age", "cadence", "next_release"), [(0, 6, 6), (2, 6, 4), (5, 5, 0)])
def test_next_release_comes_a_cadence_after_the_pre_start_model(age, cadence, next_release):
    raw = one_lab(
        initial_model_flop=1e24, initial_model_age_months=age, cadence_months=[cadence, cadence]
    )
    steps = [step for step, _ in release_steps(raw)]
    assert steps[:3] == [-age, next_release, next_release + cadence]


def test_overdue_release_in_the_first_month_has_the_initial_run_size():
    raw = one_lab(initial_model_flop=1e24, initial_model_age_months=20, cadence_months=[6, 12])
    first = next((step, flop) for step, flop in release_steps(raw) if step >= 0)
    assert first == (0, pytest.approx(math.log10(1e25)))


def test_lab_without_a_pre_start_model_releases_after_one_cadence():
    steps = [step for step, _ in release_steps(one_lab(cadence_months=[4, 4]))]
    assert steps[:3] == [4, 8, 12]


def test_a_lab_stops_releasing_after_active_until():
    steps = [step for step, _ in release_steps(one_lab(cadence_months=[2, 2],
                                                        active_until="2024-07"))]
    assert steps and max(steps) <= 6


def test_a_hybrid_lab_releases_the_big_model_closed_and_opens_one_at_its_limit():
    raw = one_lab(release_strategy="hybrid", open_size_limit_flop=1e24, cadence_months=[3, 3])
    model = build_model(scenario_from(raw), 1)
    model.run()
    released = [a for a in model.registry.artifacts]
    big = [a for a in released if not a.open_weights]
    small = [a for a in released if a.open_weights]
    assert big and small and len(big) == len(small)
    assert all(a.train_flop < 24.0 for a in small) and all(a.train_flop >= 25.0 for a in big)


def test_money_values_grow_with_what_the_lab_spends_but_openness_does_not():
    model = build_model(scenario_from(one_lab(run_budget_musd=100.0,
                                              openness_value_musd=50.0)), 1)
    lab = model.developer_named("lab")
    model.step()
    revenue, openness = lab.annual_revenue_now_musd(), lab.openness_value_musd()
    for _ in range(24):
        model.step()
    assert lab.annual_revenue_now_musd() == pytest.approx(revenue * 2.4**2, rel=0.01)
    assert lab.openness_value_musd() == openness == 50.0
