"""Developer timing (sim/model/developers.py): when labs release and how big their runs are.

Regression tests for two off-by-one errors found while docking compute growth: the first run
had already grown a month at step 0, and the first release after a pre-start model came a month
early.
"""

from __future__ import annotations

import math

import pytest
from conftest import scenario_from

from sim.experiments.runner import build_model


def one_lab(**lab) -> dict:
    spec = {
        "name": "lab",
        "jurisdiction": "US",
        "release_strategy": "closed",
        "initial_run_flop": 1e25,
        "compute_growth_per_year": 10.0,
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


def test_run_at_step_s_is_initial_run_grown_s_months():
    model = build_model(scenario_from(one_lab()), 1)
    sizes = []
    for _ in range(13):
        model.step()
        sizes.append(model.developer_named("lab").run_flop)
    assert sizes[0] == pytest.approx(25.0)
    assert sizes[12] == pytest.approx(26.0)  # 10x a year


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
