"""Paired comparison: verdicts with intervals, common random numbers narrowing the interval,
undefined outcomes counted, and the direction of "better" per outcome."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from sim.cli import main
from sim.experiments.compare import (
    HIGHER_IS_BETTER,
    LOWER_IS_BETTER,
    NO_DIRECTION,
    comparison_seeds,
    outcome_direction,
    paired_comparison,
)
from sim.presentation.compare_report import verdict

REPO = Path(__file__).resolve().parent.parent
BASELINE = REPO / "scenarios" / "baseline.toml"
KILL_SWITCH = REPO / "scenarios" / "kill_switch.toml"
REPLICATES = "16"


def compare(tmp_path: Path, *extra: str) -> tuple[str, pd.DataFrame]:
    out = tmp_path / ("independent" if "--independent" in extra else "paired")
    result = CliRunner().invoke(main, ["compare", str(BASELINE), str(KILL_SWITCH), "-n",
                                       REPLICATES, "-j", "1", "--out", str(out), *extra])
    assert result.exit_code == 0, result.output
    return result.output, pd.read_csv(out / "comparison.csv")


def width(table: pd.DataFrame, outcome: str) -> float:
    row = table[table["outcome"] == outcome].iloc[0]
    return float(row["ci95_high"] - row["ci95_low"])


@pytest.mark.slow
def test_compare_prints_verdicts_and_pairing_narrows_the_interval(tmp_path: Path) -> None:
    paired_output, paired = compare(tmp_path)
    assert "kill_switch vs baseline: 16 paired replicates (common random numbers)" in paired_output
    assert "95% CI" in paired_output
    assert "- kill_switch raises kill-switch coverage of covered-model holders by" in paired_output
    assert "- kill_switch raises cash spent complying by" in paired_output
    assert (tmp_path / "paired" / "plots" / "comparison.png").stat().st_size > 10_000
    _, independent = compare(tmp_path, "--independent", "-q")
    coverage = paired[paired["outcome"] == "mean_kill_switch_coverage"].iloc[0]
    assert coverage["ci95_low"] > 0 and coverage["share_better"] == 1.0
    cash = paired[paired["outcome"] == "cash_compliance_musd"].iloc[0]
    assert cash["ci95_low"] > 0
    # Pairing removes the noise the policy does not cause.
    for outcome in ("mean_open_lag_months", "state_months_to_1e27__prc", "thefts"):
        assert width(paired, outcome) < width(independent, outcome), outcome
    assert set(paired["n_pairs"]) == {16}


def test_compare_json_lists_the_comparisons(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, [
        "compare", str(BASELINE), str(KILL_SWITCH), "-n", "3", "-j", "1", "--json",
        "--no-plots", "--set", "scenario.months=24", "--set", "world.ecosystem.adopters=500",
        "--outcome", "incidents", "--out", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)  # warnings go to stderr
    assert report["pairing"] == "common random numbers" and report["replicates"] == 3
    assert [c["outcome"] for c in report["comparisons"]] == ["incidents"]
    assert (report["comparisons"][0]["label"], report["comparisons"][0]["unit"]) == (
        "publicised incidents", "count")
    runs = pd.read_csv(tmp_path / "out" / "runs.csv")
    assert runs.groupby("replicate")["seed"].nunique().eq(1).all()  # pairs share seeds


def test_compare_rejects_two_scenarios_of_one_name(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["compare", str(BASELINE), str(BASELINE)])
    assert result.exit_code == 2 and "own [scenario] name" in result.output


def test_independent_seeds_differ_only_for_the_policies() -> None:
    paired = comparison_seeds(7, 4, 3)
    independent = comparison_seeds(7, 4, 3, independent=True)
    assert paired[0] == paired[1] == paired[2] == independent[0]
    assert len({tuple(s) for s in independent}) == 3


def runs_frame(baseline: list[float], policy: list[float], outcome: str,
               failed_policy_replicates: tuple[int, ...] = ()) -> pd.DataFrame:
    rows = []
    for scenario, values in (("base", baseline), ("pol", policy)):
        for replicate, value in enumerate(values):
            failed = scenario == "pol" and replicate in failed_policy_replicates
            rows.append({"scenario": scenario, "replicate": replicate,
                         "status": "failed" if failed else "ok",
                         outcome: np.nan if failed else value})
    return pd.DataFrame(rows)


def test_differences_are_paired_by_replicate() -> None:
    runs = runs_frame([10, 20, 30, 40], [11, 21, 31, 42], "state_mean_lag_months__prc")
    row = paired_comparison(runs, "base", ["pol"], ["state_mean_lag_months__prc"]).iloc[0]
    assert row["difference_mean"] == pytest.approx(1.25)
    assert row["ci95_high"] - row["ci95_low"] < 2.0  # pairing removes the spread 10..40
    assert (row["share_better"], row["share_worse"]) == (1.0, 0.0)


def test_undefined_outcomes_and_failed_runs_are_counted_not_hidden() -> None:
    nan = math.nan
    runs = runs_frame([10, 12, nan, 14, nan], [11, nan, nan, 15, 3],
                      "state_months_to_1e27__prc", failed_policy_replicates=(3,))
    row = paired_comparison(runs, "base", ["pol"], ["state_months_to_1e27__prc"]).iloc[0]
    assert row["n_pairs"] == 4  # replicate 3 failed on the policy side
    assert row["n_pairs_defined"] == 1  # only replicate 0 reached 1e27 on both sides
    assert (row["n_baseline_defined"], row["n_policy_defined"]) == (2, 2)
    # Milestones: not reached = later. Replicate 1 delayed beyond the horizon (better),
    # replicate 4 reached where the baseline never did (worse), replicate 2 a tie.
    assert row["n_ordered"] == 4
    assert (row["share_better"], row["share_worse"]) == (0.5, 0.25)
    assert "too few pairs" in verdict(row.to_dict())


def test_verdicts_say_no_clear_effect_when_the_interval_spans_zero() -> None:
    base = {"policy": "kill_switch", "direction": 1, "n_pairs": 20, "n_pairs_defined": 18,
            "n_baseline_defined": 19, "n_policy_defined": 18, "n_ordered": 20,
            "share_better": 0.75, "share_worse": 0.1}
    delayed = {**base, "outcome": "state_months_to_1e27__prc", "difference_mean": 2.1,
               "ci95_low": 0.8, "ci95_high": 3.4}
    assert verdict(delayed, {"prc": "the PRC"}) == (
        "kill_switch delays the PRC's access to 1e27 effective FLOP by 2.10 months "
        "(95% CI 0.800-3.40); better in 15 of 20 pairs "
        "[defined in 18 of 20 pairs: baseline 19, policy 18]")
    unclear = {**delayed, "ci95_low": -0.5}
    assert verdict(unclear, {"prc": "the PRC"}).startswith(
        "kill_switch: no clear effect on the PRC's access to 1e27 effective FLOP (+2.10 months")
    fewer = {**base, "outcome": "thefts", "direction": -1, "difference_mean": -1.5,
             "ci95_low": -2.0, "ci95_high": -1.0, "n_pairs_defined": 20}
    assert verdict(fewer).startswith(
        "kill_switch lowers thefts of weights by 1.50 (95% CI 1.00-2.00)")


@pytest.mark.parametrize(("outcome", "direction"), [
    ("state_mean_lag_months__prc", HIGHER_IS_BETTER),
    ("state_months_to_1e28__prc", HIGHER_IS_BETTER),
    ("mean_kill_switch_coverage", HIGHER_IS_BETTER),
    ("thefts", LOWER_IS_BETTER),
    ("final_covered_open_copies", LOWER_IS_BETTER),
    ("mean_covered_open_copies", LOWER_IS_BETTER),
    ("open_base_upgrades", NO_DIRECTION),
    ("state_fine_tune_families__prc", NO_DIRECTION),
    ("state_final_open_weights_capability__prc", LOWER_IS_BETTER),
    ("private_value_forgone_musd", LOWER_IS_BETTER),
    ("state_mean_domestic_lag_months__prc", HIGHER_IS_BETTER),
    ("mean_open_lag_months", NO_DIRECTION),
    ("final_frontier_capability", NO_DIRECTION),
])
def test_better_has_a_documented_direction(outcome: str, direction: int) -> None:
    assert outcome_direction(outcome) == direction


SMALL = ["--set", "scenario.months=24", "--set", "world.ecosystem.adopters=500"]


def test_compare_stores_every_runs_series_and_event_log(tmp_path: Path) -> None:
    from sim.experiments.runner import run_replicate
    from sim.scenario.loader import load_scenario

    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["compare", str(BASELINE), str(KILL_SWITCH), "-n", "2",
                                       "-j", "1", "-q", "--no-plots", *SMALL, "--out", str(out)])
    assert result.exit_code == 0, result.output
    series = pd.read_parquet(out / "timeseries.parquet")
    assert list(series.columns[:3]) == ["scenario", "replicate", "step"]
    assert series.groupby(["scenario", "replicate"]).size().to_dict() == {
        ("baseline", 0): 24, ("baseline", 1): 24, ("kill_switch", 0): 24, ("kill_switch", 1): 24}
    events = pd.read_parquet(out / "events.parquet")
    assert list(events.columns) == ["scenario", "replicate", "step", "month", "kind", "actors",
                                    "text", "details"]
    # The stored log of a run is the log that run produces: same seed, same events.
    scenario = load_scenario(KILL_SWITCH, SMALL[1::2])
    seed = int(pd.read_csv(out / "runs.csv").query("scenario == 'kill_switch'")["seed"].iloc[1])
    expected = run_replicate(scenario, seed, 1).events
    stored = events[(events["scenario"] == "kill_switch") & (events["replicate"] == 1)]
    assert stored["text"].tolist() == [event["text"] for event in expected]
    decision = stored[stored["kind"] == "decision"].iloc[0]
    actions = json.loads(decision["details"])["actions"]
    assert actions and set(actions.values()) <= {"comply", "withhold", "exit", "defy"}
    assert not (out / "timeseries.parts").exists() and not (out / "events.parts").exists()
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["series"] == {"saved": True, "timeseries_runs": 4, "events_runs": 4}


def test_compare_without_series_stores_neither(tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["compare", str(BASELINE), str(KILL_SWITCH), "-n", "2",
                                       "-j", "1", "-q", "--no-plots", "--no-series", *SMALL,
                                       "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert not (out / "timeseries.parquet").exists() and not (out / "events.parquet").exists()
    assert json.loads((out / "manifest.json").read_text())["series"] == {"saved": False}


def test_an_event_part_keeps_every_field_as_plain_json(tmp_path: Path) -> None:
    from sim.experiments.models import RunTask, write_events_part

    events = [{"step": np.int64(-2), "month": "2023-11", "kind": "release", "actors": ["meta"],
               "text": "Meta releases", "train_flop": np.float64(25.3), "value": math.nan,
               "defied": np.array(["a", "b"])},
              {"step": 4, "month": "2024-05", "kind": "theft", "actors": [], "text": "x"}]
    path = write_events_part(events, tmp_path, RunTask(1, 2, 99), scenario="kill_switch")
    empty = write_events_part([], tmp_path, RunTask(0, 0, 99), scenario="baseline")
    frame = pd.read_parquet(path)
    assert frame[["scenario", "replicate", "step"]].values.tolist() == [
        ["kill_switch", 2, -2], ["kill_switch", 2, 4]]
    assert json.loads(frame["details"].iloc[0]) == {"defied": ["a", "b"], "train_flop": 25.3,
                                                    "value": None}
    assert list(frame["actors"].iloc[0]) == ["meta"] and list(frame["actors"].iloc[1]) == []
    assert pd.read_parquet(empty).columns.tolist() == frame.columns.tolist()
