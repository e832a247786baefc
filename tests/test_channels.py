"""Channel decomposition of a policy's effect on a state (`sim.experiments.channels`): exact
(the contributions sum to the paired difference), recomputed lags equal the model's, and a
policy that changes one channel only is attributed to that channel only."""

from __future__ import annotations

import itertools
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

import sim
from sim.experiments.channels import (
    FRONTIER,
    TOTAL,
    decompose_folder,
    lags,
    shapley,
)
from sim.model.lags import FrontierHistory
from sim.model.states import CHANNELS

SMALL = {"world.ecosystem.adopters": 1000, "scenario.months": 96}
REPO = Path(__file__).resolve().parent.parent


def test_recomputed_lags_equal_the_frontier_history() -> None:
    rng = np.random.default_rng(1)
    for _ in range(20):
        months = 40
        frontier = np.maximum.accumulate(25 + rng.uniform(0, 0.2, months).cumsum())
        frontier[:rng.integers(0, 3)] = np.nan  # no model yet
        capability = frontier - rng.uniform(-0.1, 1.5, months)
        capability[rng.uniform(size=months) < 0.1] = np.nan
        rate = 0.05
        history, expected = FrontierHistory(rate), []
        for value, cap in zip(frontier, capability, strict=True):
            history.record(-math.inf if np.isnan(value) else value)
            ok = np.isfinite(cap) and history.record_values
            expected.append(history.lag_months(cap) if ok else np.nan)
        np.testing.assert_array_equal(lags(capability, frontier, rate), np.array(expected))


def test_shapley_is_efficient_and_gives_null_players_nothing() -> None:
    rng = np.random.default_rng(2)
    players = ["a", "b", "c", "d"]
    game = {frozenset(s): 0.0 if "d" not in s and not s else float(rng.normal())
            for n in range(5) for s in itertools.combinations(players, n)}
    game[frozenset()] = 0.0
    # d is a null player: adding it never changes the value.
    for subset in list(game):
        if "d" in subset:
            game[subset] = game[subset - {"d"}]
    values = shapley(game, players)
    assert sum(values.values()) == pytest.approx(game[frozenset(players)], abs=1e-12)
    assert values["d"] == 0.0


@pytest.fixture(scope="module")
def kill_switch_pairs(tmp_path_factory) -> tuple[sim.api.results.ComparisonResults, Path]:
    out = tmp_path_factory.mktemp("channels") / "cmp"
    result = sim.compare("baseline", "kill_switch", "export_controls", replicates=3,
                         workers=1, set=SMALL, out=out)
    return result, out


def test_contributions_sum_to_the_paired_difference_on_real_runs(kill_switch_pairs) -> None:
    result, out = kill_switch_pairs
    table, pairs = decompose_folder(out, ["baseline", "kill_switch", "export_controls"], ["prc"])
    wide = pairs.pivot_table(index=["policy", "replicate", "outcome"], columns="component",
                             values="value")
    parts = wide[[*CHANNELS, FRONTIER]].sum(axis=1)
    np.testing.assert_allclose(parts, wide[TOTAL], rtol=0, atol=1e-9)
    assert (wide[TOTAL].abs() > 1e-6).any()  # something to decompose
    runs = result.runs.set_index(["scenario", "replicate"])
    for policy in ("kill_switch", "export_controls"):
        for replicate in range(3):
            difference = (runs.loc[(policy, replicate), "state_mean_lag_months__prc"]
                          - runs.loc[("baseline", replicate), "state_mean_lag_months__prc"])
            assert wide.loc[(policy, replicate, "mean_lag_months"), TOTAL] == pytest.approx(
                difference, abs=1e-9)
    # The table's means add up too.
    for _, group in table.groupby(["policy", "outcome"]):
        components = group[group["component"] != TOTAL]["mean"].sum()
        assert components == pytest.approx(group[group["component"] == TOTAL]["mean"].iloc[0],
                                           abs=1e-9)
    assert set(result.channels["unit"]) == {"months", "log10 effective FLOP"}
    assert (out / "channels.csv").exists() and (out / "plots" / "channel_effects.png").exists()


def test_recomputed_lag_of_the_accessible_capability_is_the_recorded_lag(
        kill_switch_pairs) -> None:
    result, _ = kill_switch_pairs
    rate = sim.load("baseline").world.prehistory_frontier_growth_oom_per_year / 12
    for _, run in result.timeseries.groupby(["scenario", "replicate"]):
        accessible = run[[f"state_capability_{c}__prc" for c in CHANNELS]].max(axis=1)
        np.testing.assert_array_equal(
            lags(accessible.to_numpy(float), run["frontier_capability"].to_numpy(float), rate),
            run["state_lag_months__prc"].to_numpy(float))


def test_a_policy_that_changes_one_channel_is_attributed_to_it(tmp_path: Path) -> None:
    # Without theft on either side (theft and distillation both stop once the state has the
    # model), switching distillation off changes that channel only.
    base = sim.load("baseline", set={**SMALL, "world.theft.hazard_per_month_at_parity": 0.0})
    policy = sim.load("baseline", set={**SMALL, "world.theft.hazard_per_month_at_parity": 0.0,
                                       "scenario.name": "no_distillation",
                                       "states.prc.distillation_hazard_per_month": 0.0})
    result = sim.compare(base, policy, replicates=3, workers=1, plots=False,
                         out=tmp_path / "cmp")
    table = result.channels.set_index(["outcome", "component"])["mean"]
    total = table[("mean_lag_months", TOTAL)]
    assert total > 0.1  # distillation matters: without it the lag widens
    assert table[("mean_lag_months", "distillation")] == pytest.approx(total, abs=1e-12)
    for component in ("domestic", "open_weights", "theft", FRONTIER):
        assert table[("mean_lag_months", component)] == 0.0


def test_compare_prints_a_channel_table_per_policy_and_state(tmp_path: Path) -> None:
    from sim.cli import main

    out = tmp_path / "cli"
    result = CliRunner().invoke(main, [
        "compare", str(REPO / "scenarios" / "baseline.toml"),
        str(REPO / "scenarios" / "kill_switch.toml"), "-n", "2", "-j", "1", "--no-plots",
        "--set", "scenario.months=36", "--set", "world.ecosystem.adopters=500", "--out",
        str(out)])
    assert result.exit_code == 0, result.output
    assert "kill_switch: where the effect on the PRC came from" in result.output
    assert "fine-tunes of open weights" in result.output
    table = pd.read_csv(out / "channels.csv")
    assert set(table["component"]) == {*CHANNELS, FRONTIER, TOTAL}


def test_compare_json_holds_the_channel_table(tmp_path: Path) -> None:
    import json

    from sim.cli import main

    result = CliRunner().invoke(main, [
        "compare", str(REPO / "scenarios" / "baseline.toml"),
        str(REPO / "scenarios" / "kill_switch.toml"), "-n", "2", "-j", "1", "--no-plots",
        "--json", "--set", "scenario.months=24", "--set", "world.ecosystem.adopters=300",
        "--outcome", "incidents", "--out", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    channels = json.loads(result.stdout)["channels"]
    assert {row["component"] for row in channels} == {*CHANNELS, FRONTIER, TOTAL}
    assert {row["unit"] for row in channels} == {"months", "log10 effective FLOP"}
