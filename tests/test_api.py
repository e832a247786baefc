"""The Python API (`import sim`): its results equal the command line's files for the same seed,
folders read back give the same tables, and bad input fails as on the command line."""

from __future__ import annotations

import gc
import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner
from conftest import REPO

import sim
from sim.analysis.folders import jsonable
from sim.api.folders import ResultsFolderError
from sim.cli import main

SMALL = {"scenario.months": 24, "world.ecosystem.adopters": 300}
SMALL_CLI = ["--set", "scenario.months=24", "--set", "world.ecosystem.adopters=300"]
HAZARD = "world.theft.hazard_per_month_at_parity"
TIER = "states.prc.attacker_tier"


def cli(*args: str):
    result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result


def same_bytes(first: Path, second: Path, names: tuple[str, ...]) -> None:
    for name in names:
        assert (first / name).read_bytes() == (second / name).read_bytes(), name


def without_labels(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.drop(columns=["label", "unit"])


# import and load ---------------------------------------------------------------------------


def test_import_sim_stays_light() -> None:
    code = ("import sys, sim; print(sorted(m for m in ('mesa', 'pandas', 'matplotlib', "
            "'solara', 'pydantic') if m in sys.modules))")
    output = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True,
                            text=True, cwd=REPO).stdout
    assert output.strip() == "[]"
    assert set(sim.__all__) >= {"load", "run", "compare", "sweep", "discover", "robustness",
                                "open", "ScenarioError"}


def test_load_applies_set_like_the_command_line() -> None:
    scenario = sim.load("kill_switch", set={"scenario.months": 30, HAZARD: 0.01})
    assert scenario.scenario.months == 30
    assert scenario.world.theft.hazard_per_month_at_parity == 0.01
    again = sim.load(scenario, set=["scenario.months=12"])
    assert again.scenario.months == 12 and scenario.scenario.months == 30


def test_bad_set_raises_the_problems_the_command_line_prints() -> None:
    with pytest.raises(sim.ScenarioError) as raised:
        sim.load("kill_switch", set={HAZARD: -1, "scenario.month": 3})
    printed = CliRunner().invoke(main, ["validate", "kill_switch", "--set", f"{HAZARD}=-1",
                                        "--set", "scenario.month=3"])
    assert printed.exit_code == 2
    assert [f"error: {p.format()}" for p in raised.value.problems] == \
        printed.output.strip().splitlines()


def test_bad_arguments_are_one_line_value_errors() -> None:
    with pytest.raises(ValueError, match="replicates: expected a whole number"):
        sim.run("baseline", replicates=0)
    with pytest.raises(ValueError, match="at least one policy"):
        sim.compare("baseline")
    with pytest.raises(ValueError, match="params: .*TOML literal"):
        sim.sweep("baseline", params={HAZARD: "0.1-0.2"})
    with pytest.raises(sim.ScenarioError):
        sim.load("no_such_scenario")


# run ---------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def cli_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("cli") / "run"
    cli("run", "kill_switch", *SMALL_CLI, "-n", "3", "--seed", "5", "--no-plots", "-q",
        "--out", str(folder))
    return folder


RUN_FILES = ("timeseries.csv", "summaries.csv", "outcomes.csv", "events.jsonl", "scenario.toml")


def test_run_on_two_workers_saves_the_files_of_regsim_run(cli_run: Path, tmp_path: Path) -> None:
    result = sim.run("kill_switch", replicates=3, seed=5, set=SMALL, workers=2)
    assert result.replicates == 3 and result.seeds == json.loads(
        (cli_run / "manifest.json").read_text())["replicate_seeds"]
    saved = result.save(tmp_path / "api", plots=False)
    same_bytes(saved, cli_run, RUN_FILES)


def test_run_tables_equal_the_files(cli_run: Path) -> None:
    result = sim.run("kill_switch", replicates=3, seed=5, set=SMALL)
    files = {name: pd.read_csv(cli_run / f"{name}.csv")
             for name in ("timeseries", "summaries", "outcomes")}
    for name in ("timeseries", "summaries"):
        pd.testing.assert_frame_equal(getattr(result, name), files[name], check_dtype=False,
                                      rtol=1e-9)
    pd.testing.assert_frame_equal(without_labels(result.outcomes), files["outcomes"],
                                  check_dtype=False, rtol=1e-9)
    thefts = result.outcomes.set_index("outcome").loc["thefts"]
    assert (thefts["label"], thefts["unit"]) == ("thefts of weights", "count")
    lines = (cli_run / "events.jsonl").read_text().splitlines()
    assert len(result.events) == len(lines) and list(result.events.columns) == [
        "replicate", "step", "month", "kind", "actors", "text", "details"]


def test_a_run_folder_opens_as_the_results_that_wrote_it(cli_run: Path) -> None:
    result = sim.run("kill_switch", replicates=3, seed=5, set=SMALL)
    opened = sim.open(cli_run)
    assert opened.name == "kill_switch" and opened.seeds == result.seeds
    pd.testing.assert_frame_equal(opened.events, result.events)
    pd.testing.assert_frame_equal(opened.summaries, result.summaries, check_dtype=False,
                                  rtol=1e-9)
    pd.testing.assert_frame_equal(opened.outcomes, result.outcomes, check_dtype=False,
                                  rtol=1e-9)
    assert opened.scenario.scenario.months == 24
    figure = opened.plot("lags")
    assert figure.axes and figure.axes[0].get_title()


# compare -----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def cli_comparison(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("cli") / "compare"
    cli("compare", "baseline", "kill_switch", *SMALL_CLI, "-n", "3", "--seed", "5", "-j", "1",
        "--no-plots", "-q", "--out", str(folder))
    return folder


def test_compare_saves_the_files_of_regsim_compare(cli_comparison: Path,
                                                   tmp_path: Path) -> None:
    comparison = sim.compare("baseline", "kill_switch", replicates=3, seed=5, set=SMALL,
                             workers=1, plots=False)
    assert (comparison.baseline, comparison.policies) == ("baseline", ["kill_switch"])
    saved = comparison.save(tmp_path / "api")
    same_bytes(saved, cli_comparison, ("runs.csv", "comparison.csv", "scenarios/baseline.toml",
                                       "scenarios/kill_switch.toml"))
    for name in ("timeseries.parquet", "events.parquet"):
        pd.testing.assert_frame_equal(pd.read_parquet(saved / name),
                                      pd.read_parquet(cli_comparison / name))
    pd.testing.assert_frame_equal(comparison.events, pd.read_parquet(saved / "events.parquet"))
    file = pd.read_csv(cli_comparison / "comparison.csv")
    pd.testing.assert_frame_equal(without_labels(comparison.comparison), file,
                                  check_dtype=False, rtol=1e-9)
    coverage = comparison.verdicts.set_index("outcome").loc["mean_kill_switch_coverage"]
    assert coverage["unit"] == "share" and coverage["verdict"].startswith("kill_switch:")


def test_a_compare_folder_opens_with_its_verdicts(cli_comparison: Path) -> None:
    opened = sim.open(cli_comparison)
    assert opened.policies == ["kill_switch"] and len(opened.runs) == 6
    file = pd.read_csv(cli_comparison / "comparison.csv")
    assert list(opened.verdicts["verdict"]) == list(file["verdict"])
    assert opened.timeseries is not None and set(opened.timeseries["scenario"]) == {
        "baseline", "kill_switch"}
    assert opened.plot(["mean_kill_switch_coverage"]).axes


def test_a_comparison_in_a_temporary_folder_goes_with_its_result() -> None:
    comparison = sim.compare("baseline", "kill_switch", replicates=2, seed=1, set=SMALL,
                             workers=1, plots=False, series=False)
    folder = comparison.folder
    assert (folder / "comparison.csv").is_file() and comparison.timeseries is None
    del comparison
    gc.collect()
    assert not folder.exists()


# sweep, discover, robustness ---------------------------------------------------------------

SWEEP_CLI = ["--param", f"{HAZARD}=0.001:0.02", "--lever", f"{TIER}=3,5", "--samples", "4",
             "-n", "2", "--seed", "3", "-j", "1", "--no-plots", "-q"]


@pytest.fixture(scope="module")
def cli_sweep(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("cli") / "sweep"
    cli("sweep", "baseline", *SMALL_CLI, *SWEEP_CLI, "--out", str(folder))
    return folder


@pytest.fixture(scope="module")
def api_sweep():
    return sim.sweep("baseline", params={HAZARD: (0.001, 0.02)}, levers={TIER: [3, 5]},
                     samples=4, replicates=2, seed=3, set=SMALL, workers=1)


def test_sweep_writes_the_tables_of_regsim_sweep(cli_sweep: Path, api_sweep) -> None:
    same_bytes(api_sweep.folder, cli_sweep, ("runs.csv", "points.csv", "sensitivity.csv",
                                             "design.csv", "design.json", "scenario.toml"))
    assert len(api_sweep.points) == 8 and len(api_sweep.runs) == 16
    opened = sim.open(cli_sweep)
    pd.testing.assert_frame_equal(opened.points, api_sweep.points)
    pd.testing.assert_frame_equal(opened.sensitivity, api_sweep.sensitivity)
    assert {"label", "unit"} <= set(api_sweep.sensitivity.columns)
    assert api_sweep.plot("thefts").axes


def test_discover_and_robustness_equal_the_commands(cli_sweep: Path, api_sweep) -> None:
    outcome = "state_mean_lag_months__prc"
    value = float(api_sweep.points[outcome].median())
    found = api_sweep.discover(outcome, above=value)
    printed = json.loads(cli("discover", str(cli_sweep), "--outcome", outcome, "--above",
                             repr(value), "--no-plots", "--json").output)
    for key in ("results", "outcome_label", "outcome_unit"):
        printed.pop(key)
    assert json.loads(json.dumps(jsonable(found.summary))) == printed
    assert 0 < found.coverage <= 1 and found.plot("tradeoff").axes
    judged = sim.robustness(cli_sweep, [outcome])
    printed = json.loads(cli("robustness", str(cli_sweep), "--outcome", outcome, "--no-plots",
                             "--json", "--out", str(cli_sweep.parent / "robust")).output)
    assert jsonable(judged.summary)["table"] == printed["table"]
    saved = judged.save(cli_sweep.parent / "robust-api", plots=False)
    assert sim.open(saved).tables["robustness"].shape == judged.table.shape
    assert judged.plot().axes  # the first of PLOTS, the regret heat-map
    with pytest.raises(ValueError, match="no criteria"):  # was a ZeroDivisionError
        judged.plot("satisficing")


def test_sweep_with_uncertainty_equals_regsim_sweep_uncertainty(tmp_path: Path) -> None:
    small = {"scenario.months": 12, "world.ecosystem.adopters": 200}
    folder = tmp_path / "cli"
    cli("sweep", "baseline", "--set", "scenario.months=12", "--set",
        "world.ecosystem.adopters=200", "--param", f"{TIER}=3,5", "-n", "2", "--seed", "5",
        "-j", "1", "--no-plots", "-q", "--uncertainty", "--out", str(folder))
    swept = sim.sweep("baseline", params={TIER: [3, 5]}, replicates=2, seed=5, set=small,
                      uncertainty=True, workers=1)
    same_bytes(swept.folder, folder, ("runs.csv", "points.csv", "sensitivity.csv"))
    drawn = [column for column in swept.runs.columns if column.startswith("drawn__")]
    assert drawn and f"drawn__{TIER}" not in drawn  # the design's own key is not drawn
    assert swept.manifest["model"]["uncertainty_draws"] == json.loads(
        (folder / "manifest.json").read_text())["model"]["uncertainty_draws"]


def test_sweep_uncertainty_needs_a_parameter_left_to_draw() -> None:
    from sim.experiments.uncertainty import declared

    every = {p.key: list(p.values) if p.values else (p.low, p.high)
             for p in declared(sim.load("baseline"))}
    with pytest.raises(ValueError, match="already sets every uncertain parameter"):
        sim.sweep("baseline", params=every, samples=2, replicates=2, set=SMALL,
                  uncertainty=True, workers=1)


# reading folders as data -------------------------------------------------------------------


def test_open_refuses_what_is_not_results(tmp_path: Path, cli_run: Path) -> None:
    with pytest.raises(ResultsFolderError, match="not a regsim results folder"):
        sim.open(tmp_path)
    linked = tmp_path / "linked"
    linked.mkdir()
    for entry in cli_run.iterdir():
        (linked / entry.name).write_bytes(entry.read_bytes())
    (linked / "summaries.csv").unlink()
    (linked / "summaries.csv").symlink_to("/etc/hostname")
    with pytest.raises(ResultsFolderError, match=r"summaries\.csv: is a symbolic link"):
        sim.open(linked)


def test_open_names_an_unfinished_sweep(tmp_path: Path, cli_sweep: Path) -> None:
    manifest = json.loads((cli_sweep / "manifest.json").read_text())
    copy = tmp_path / "unfinished"
    copy.mkdir()
    for entry in cli_sweep.iterdir():
        if entry.is_file():
            (copy / entry.name).write_bytes(entry.read_bytes())
    manifest["status"] = "running"
    (copy / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(ResultsFolderError, match="--resume"):
        sim.open(copy)
