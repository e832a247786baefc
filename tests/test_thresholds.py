"""Thresholds that keep up (issue 10 §7): an absolute line covers ever more models as compute
grows, a line relative to the frontier (within 1 OOM of the largest run, Kumar & Manning 2025)
a stable number; a dollar line erodes as FLOP gets cheaper."""

from __future__ import annotations

import numpy as np
import pytest

from sim.experiments.runner import run_scenario
from sim.scenario.loader import find_scenario, load_scenario


@pytest.fixture(scope="module")
def yearly_counts():
    scenario = load_scenario(find_scenario("baseline"), ["world.ecosystem.adopters=500"])
    frame = run_scenario(scenario, replicates=4).timeseries_frame()
    frame["year"] = frame["month"].str[:4].astype(int)
    columns = ["new_models_within_1oom_of_largest", "new_models_above_1e26_flop"]
    return frame.groupby(["replicate", "year"])[columns].sum().groupby("year").mean()


def test_a_frontier_relative_threshold_covers_a_stable_number_of_models_a_year(yearly_counts):
    relative = yearly_counts.loc[2025:2030, "new_models_within_1oom_of_largest"]
    assert relative.min() > 0
    assert relative.max() <= 2.0 * relative.min()


def test_an_absolute_threshold_covers_ever_more_models(yearly_counts):
    absolute = yearly_counts.loc[2025:2030, "new_models_above_1e26_flop"]
    assert absolute.iloc[-1] > 2.0 * absolute.iloc[0]
    assert np.all(np.diff(absolute.to_numpy()) >= -1.0)  # grows, give or take chance


def test_a_dollar_threshold_covers_ever_larger_runs_only():
    from sim.model.compute import CostModel
    from sim.scenario.schema import ComputeParams

    costs = CostModel(ComputeParams())
    from sim.calendar import parse_month

    floors = [costs.log10_flop_for_cost(100.0, parse_month(f"{year}-01"))
              for year in range(2024, 2031)]
    assert np.all(np.diff(floors) > 0)  # $100M buys more FLOP every year
    assert floors[0] == pytest.approx(np.log10(100e6 / 1.4e-18))
