"""A world inside physical and economic bounds (issue 10 §1): in every bundled scenario, no run
exceeds the feasibility ceiling of its month, nothing costs more than the ceiling run would,
and frontier compute grows 4-5x a year over 2024-2027."""

from __future__ import annotations

import math

import numpy as np
import pytest

from sim.experiments.runner import run_replicate
from sim.model.compute import CostModel
from sim.scenario.loader import bundled_scenarios, load_scenario

RUNNABLE = [s for s in bundled_scenarios() if s.error is None]


@pytest.mark.parametrize("bundled", RUNNABLE, ids=lambda s: s.name)
def test_no_release_is_bigger_or_costlier_than_the_ceiling_of_its_month(bundled):
    scenario = load_scenario(bundled.path, ["world.ecosystem.adopters=200"])
    costs = CostModel(scenario.world.compute)
    start = scenario.scenario.start
    from sim.calendar import parse_month

    first = parse_month(start)
    for seed in (0, 1):
        for event in run_replicate(scenario, seed).events:
            if event["kind"] != "release" or event["step"] < 0:
                continue
            month = first + event["step"]
            ceiling = costs.ceiling_log10_flop(month)
            assert event["train_flop"] <= ceiling + 1e-4  # rounded in the log
            assert event["cost_musd"] <= costs.run_cost_musd(ceiling, month) + 1e-3  # rounded


@pytest.mark.parametrize("bundled", [s for s in RUNNABLE if s.name != "chatbit_2023"],
                         ids=lambda s: s.name)
def test_frontier_compute_grows_four_to_five_times_a_year_over_2024_2027(bundled):
    scenario = load_scenario(bundled.path, ["world.ecosystem.adopters=200"])
    rates = [run_replicate(scenario, seed).summary["frontier_train_flop_growth_oom_per_year_4y"]
             for seed in range(4)]
    assert math.log10(4) <= np.mean(rates) <= math.log10(5)


def test_growth_slows_once_the_ceiling_binds():
    scenario = load_scenario(RUNNABLE[0].path.parent / "baseline.toml",
                             ["world.ecosystem.adopters=200"])
    frame = run_replicate(scenario, 0).timeseries
    flop = frame["frontier_train_flop"].to_numpy()
    early = (flop[47] - flop[0]) / 4.0
    late = (flop[119] - flop[72]) / (47 / 12)
    assert late < early
