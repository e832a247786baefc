"""Stocks never fall: every outcome that counts something that cannot be undone.

Copies of covered open weights (published weights are permanent), running totals (counts of
answers, relocations, thefts, upgrades of fine-tunes, incidents; cash, fines and value
forgone), each state's channel capabilities (running maxima) and the "first month reached"
milestones (once reached, reached for good; the summary's month is the first such month).
Checked month by month on several bundled scenarios and seeds (small populations) and on
random scenarios (hypothesis)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from test_properties import EXAMPLES, SEEDS, raw_scenarios, run

from sim.experiments.runner import run_replicate
from sim.model.outputs import SERIES_COUNTERS, milestone_label
from sim.model.states import CHANNELS
from sim.scenario.loader import find_scenario, load_scenario

SCENARIOS = ("baseline", "kill_switch", "export_controls", "open_weight_licence", "crackdown",
             "eu_code")
SEEDS_PER_SCENARIO = (0, 1)
SMALL = ["world.ecosystem.adopters=1000"]
COPIES = ("covered_open_copies", "covered_open_copies_share")


def stock_columns(state_names: list[str]) -> list[str]:
    """Every monthly column that must never fall."""
    columns = [*COPIES, *SERIES_COUNTERS]
    for name in state_names:
        columns += [f"state_capability__{name}", f"state_domestic_capability__{name}"]
        columns += [f"state_capability_{c}__{name}" for c in CHANNELS]
    return columns


def assert_never_falls(frame, columns: list[str], where: str) -> None:
    for column in columns:
        values = frame[column].to_numpy(dtype=float)
        finite = values[np.isfinite(values)]
        # A channel with nothing yet is NaN (-inf): once finite it stays finite.
        assert np.all(np.isfinite(values[values.size - finite.size:])), f"{where}: {column}"
        falls = np.flatnonzero(np.diff(finite) < 0)
        assert falls.size == 0, f"{where}: {column} falls at month {falls[:3]}"


def assert_milestones_hold(frame, summary, milestones_flop, state_names, where: str) -> None:
    """Once a milestone is reached it stays reached, and the summary gives the first month."""
    for name in state_names:
        capability = np.nan_to_num(frame[f"state_capability__{name}"].to_numpy(float),
                                   nan=-np.inf)
        for flop in milestones_flop:
            reached = capability >= math.log10(flop)
            assert not np.any(reached[:-1] & ~reached[1:]), f"{where}: {flop:g} un-reached"
            key = f"state_months_to_{milestone_label(flop)}__{name}"
            first = float(np.argmax(reached)) if reached.any() else math.nan
            assert first == summary[key] or (math.isnan(first) and math.isnan(summary[key]))
    for key, column in (("first_model_above_1e26_month", "new_models_above_1e26_flop"),):
        months = np.flatnonzero(frame[column].to_numpy() > 0)
        expected = float(months[0]) if months.size else math.nan
        assert expected == summary[key] or (math.isnan(expected) and math.isnan(summary[key]))


@pytest.mark.parametrize("name", SCENARIOS)
def test_stocks_never_fall_in_the_bundled_scenarios(name: str) -> None:
    scenario = load_scenario(find_scenario(name), SMALL)
    states = [s.name for s in scenario.states]
    current_fell = False
    for seed in SEEDS_PER_SCENARIO:
        result = run_replicate(scenario, seed)
        frame, where = result.timeseries, f"{name}, seed {seed}"
        assert_never_falls(frame, stock_columns(states), where)
        assert_milestones_hold(frame, result.summary,
                               scenario.world.capability_milestones_flop, states, where)
        copies = frame["covered_open_copies"].to_numpy(float)
        assert result.summary["final_covered_open_copies"] == copies[-1]
        assert result.summary["final_covered_open_copies"] >= copies.max()
        current = frame["covered_open_current_share"].to_numpy(float)
        current_fell |= bool(np.any(np.diff(current) < 0))
        assert np.all(current <= frame["covered_open_copies_share"].to_numpy(float))
    if name == "baseline":
        # Why the stock is needed: holders of the current best open model move on.
        assert current_fell


@EXAMPLES
@given(raw=raw_scenarios(), seed=SEEDS)
def test_stocks_never_fall_in_random_scenarios(raw, seed):
    model, frame, _ = run(raw, seed)
    states = [s["name"] for s in raw["states"]]
    assert_never_falls(frame, stock_columns(states), "random scenario")
