"""Experiments too large to run are refused before they start, with the estimate (issue 8,
item 7): a design that would not fit in memory is counted without being built, and a run's
memory and time are estimated from its months, replicates, columns and adopters."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from sim.cli import main
from sim.experiments import budget
from sim.experiments.budget import BudgetError, RunSize, check_design, check_run, check_runs
from sim.experiments.design import LEVER, Parameter, make_design
from sim.scenario.loader import load_scenario

BASELINE = Path(__file__).resolve().parent.parent / "scenarios" / "baseline.toml"
GIB = 2**30
RANGES = [Parameter("a", low=0.0, high=1.0), Parameter("b", low=0.0, high=1.0),
          Parameter("c", low=0.0, high=1.0)]


@pytest.mark.parametrize(("parameters", "sampler", "samples"), [
    (RANGES, "grid", 4),
    ([*RANGES[:2], Parameter("n", low=1, high=3)], "grid", 10),  # an integer range: 3 levels
    ([*RANGES[:2], Parameter("l", kind=LEVER, values=(1, 2, 3))], "lhs", 7),
    (RANGES, "sobol", 8),
    (RANGES, "morris", 3),
    (RANGES, "lhs", None),
])
def test_design_points_are_counted_as_make_design_builds_them(parameters, sampler, samples):
    assert budget.design_points(parameters, sampler, samples) == len(
        make_design(parameters, sampler, samples))


def test_a_grid_of_a_million_levels_over_three_ranges_is_refused_without_building_it():
    with pytest.raises(BudgetError, match=r"would have 1e\+18 points"):
        check_design(RANGES, "grid", 1_000_000)


def test_a_run_whose_tables_do_not_fit_in_memory_is_refused_with_the_estimate():
    size = RunSize(months=1200, adopters=10_000, columns=40)
    check_run(size, 20, memory_bytes=16 * GIB)
    with pytest.raises(BudgetError, match=r"100,000 replicates x 1,200 months x 40 columns .* "
                                          r"need about [\d.,]+ GiB of memory; this machine has "
                                          r"16.0 GiB"):
        check_run(size, 100_000, memory_bytes=16 * GIB)


def test_a_population_that_does_not_fit_one_worker_is_refused():
    with pytest.raises(BudgetError, match="one run of 120 months and 50,000,000 adopters"):
        check_runs(RunSize(120, 50_000_000, 40), 10, memory_bytes=2 * GIB)


def test_a_run_that_would_take_days_is_refused():
    with pytest.raises(BudgetError, match=r"1,000 replicates would take about [\d.]+ days"):
        check_run(RunSize(1200, 50_000_000, 40), 1000, memory_bytes=1024 * GIB)


def test_too_many_runs_are_refused():
    with pytest.raises(BudgetError, match="more than the 10,000,000"):
        check_runs(RunSize(12, 100, 40), 20_000_000, memory_bytes=1024 * GIB)


def test_run_size_counts_the_columns_of_the_model_itself():
    scenario = load_scenario(BASELINE)
    size = budget.run_size(scenario)
    assert (size.months, size.adopters) == (120, 10_000)
    assert size.columns > 20


def test_the_command_line_refuses_before_running(monkeypatch):
    def must_not_run(*args, **kwargs):
        raise AssertionError("ran although too large")

    monkeypatch.setattr("sim.experiments.runner.run_scenario", must_not_run)
    result = CliRunner().invoke(main, ["run", str(BASELINE), "-n", "5000", "--set",
                                       "world.ecosystem.adopters=50000000"])
    assert result.exit_code == 2
    assert result.stderr.startswith("error: too large to run: ")
