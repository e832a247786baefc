"""Sweeps: the [sweep] table, designs, the streamed results folder, failures, kill and resume."""

from __future__ import annotations

import json
import math
import os
import signal
import subprocess
import sys
import time
import tomllib
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from sim.cli import main
from sim.experiments.design import (
    LEVER,
    Parameter,
    make_design,
    parse_param_option,
    point_overrides,
)
from sim.experiments.executors import open_executor
from sim.experiments.journal import RunJournal
from sim.experiments.models import FunctionModel, ScenarioModel
from sim.experiments.sweep import create_sweep, run_sweep, sweep_status
from sim.scenario.errors import ScenarioError
from sim.scenario.loader import load_scenario

REPO = Path(__file__).resolve().parent.parent
BASELINE = REPO / "scenarios" / "baseline.toml"
SMALL = ["scenario.months=24", "world.ecosystem.adopters=500"]
HAZARD = "world.theft.hazard_per_month_at_parity"
SWEEP_FILE = f"""\
extends = "{BASELINE}"

[scenario]
name = "swept"
months = 24
replicates = 2

[world.ecosystem]
adopters = 500

[sweep]
sampler = "lhs"
samples = 3

[sweep.uncertainties]
world.theft.hazard_per_month_at_parity = {{ low = 0.001, high = 0.02 }}

[sweep.levers]
"states.prc.attacker_tier" = [3, 5]
"""


def small_raw() -> dict:
    return tomllib.loads(load_scenario(BASELINE, SMALL).to_toml())


def run_folder(folder: Path, model, design, replicates: int = 2, workers: int = 1,
               save_timeseries: bool = False):
    create_sweep(folder, model, design, 11, replicates, "test", save_timeseries=save_timeseries)
    with open_executor(workers) as executor:
        return run_sweep(folder, executor, model=model if isinstance(model, FunctionModel)
                         else None)


def explode(a: float) -> float:
    """A model that fails at one design point (a = 2), for the failure test."""
    if a == 2:
        raise ZeroDivisionError("injected failure at a = 2")
    return 10.0 * a


# The [sweep] table and --param options -------------------------------------------------------


def test_sweep_table_reads_dotted_and_quoted_keys(tmp_path: Path) -> None:
    path = tmp_path / "swept.toml"
    path.write_text(SWEEP_FILE)
    spec = load_scenario(path).sweep
    assert spec.sampler == "lhs" and spec.samples == 3
    assert spec.uncertainties[HAZARD].low == 0.001
    assert spec.levers["states.prc.attacker_tier"].values == [3, 5]


def test_bad_sweep_table_exits_2_naming_each_key(tmp_path: Path) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(SWEEP_FILE.replace('"lhs"', '"latin"').replace("high = 0.02", "high = 0.0")
                    + '"developers.meta.security_level" = 3\n')
    result = CliRunner().invoke(main, ["validate", str(path)])
    assert result.exit_code == 2
    for expected in ("sweep.sampler", f"sweep.uncertainties.{HAZARD}: low must be below high",
                     "sweep.levers.developers.meta.security_level: expected an array"):
        assert expected in result.output
    assert "Traceback" not in result.output


@pytest.mark.parametrize(("text", "values", "bounds"), [
    ("k=1,2,3", (1, 2, 3), None),
    ("k=open, closed", ("open", "closed"), None),
    ("k=[[3, 6], [6, 12]]", ([3, 6], [6, 12]), None),
    ("k=0.001:0.01", (), (0.001, 0.01, "linear")),
    ("k=1e25:1e27:log", (), (1e25, 1e27, "log")),
    ("k=2:5", (), (2, 5, "linear")),
])
def test_param_option_forms(text: str, values: tuple, bounds: tuple | None) -> None:
    parameter = parse_param_option(text, LEVER)
    assert parameter.key == "k" and parameter.kind == LEVER
    assert parameter.values == values
    if bounds:
        assert (parameter.low, parameter.high, parameter.scale) == bounds


@pytest.mark.parametrize("text", ["k", "k=", "=1,2", "k=5:1", "k=0:1:log", "k=a b"])
def test_bad_param_options_raise_value_error(text: str) -> None:
    with pytest.raises(ValueError):
        parse_param_option(text)


def test_sweep_values_that_do_not_fit_the_scenario_exit_2() -> None:
    cases = {
        f"{HAZARD}=0.01,1.5": HAZARD,  # a probability above 1
        "developers.nobody.security_level=2,3": "unknown developer name 'nobody'",
        "world.theft.hazard_per_month=0.1,0.2": "unknown key 'hazard_per_month'",
        "scenario.seed=1,2": "scenario.seed: cannot be swept",
    }
    for param, expected in cases.items():
        result = CliRunner().invoke(main, ["sweep", str(BASELINE), "--param", param])
        assert result.exit_code == 2, result.output
        assert expected in result.output and "Traceback" not in result.output


# Designs -------------------------------------------------------------------------------------


def test_samplers_give_the_documented_number_of_points() -> None:
    parameters = [Parameter("a", low=0.0, high=1.0), Parameter("b", low=1, high=4),
                  Parameter("c", values=("x", "y", "z"))]
    assert len(make_design(parameters, "grid", 3)) == 3 * 3 * 3
    assert len(make_design(parameters, "lhs", 7)) == 7
    assert len(make_design(parameters, "sobol", 16)) == 16 * (3 + 2)
    assert len(make_design(parameters, "morris", 5)) == 5 * (3 + 1)
    with pytest.raises(ValueError, match="power of 2"):
        make_design(parameters, "sobol", 10)


def test_values_stay_in_range_with_integers_for_integer_ranges() -> None:
    parameters = [Parameter("flop", low=1e25, high=1e27, scale="log"),
                  Parameter("level", low=1, high=5)]
    design = make_design(parameters, "lhs", 40, root_seed=3)
    flops = [point[0] for point in design.points]
    levels = [point[1] for point in design.points]
    assert all(1e25 <= f <= 1e27 for f in flops)
    assert sum(f < 1e26 for f in flops) == 20  # log-uniform: half below the geometric middle
    assert all(isinstance(level, int) for level in levels) and set(levels) == {1, 2, 3, 4, 5}


def test_lhs_crosses_list_levers_with_the_same_futures() -> None:
    parameters = [Parameter("hazard", low=0.0, high=1.0),
                  Parameter("policy", kind=LEVER, values=("off", "on"))]
    design = make_design(parameters, "lhs", 5, root_seed=1)
    off = [p[0] for p in design.points if p[1] == "off"]
    on = [p[0] for p in design.points if p[1] == "on"]
    assert len(design) == 10 and off == on  # each policy option faces the same futures


def test_design_is_reproducible_from_the_root_seed() -> None:
    parameters = [Parameter("a", low=0.0, high=1.0), Parameter("b", low=0.0, high=1.0)]
    first, again = (make_design(parameters, "lhs", 8, root_seed=5) for _ in range(2))
    assert first.points == again.points
    assert make_design(parameters, "lhs", 8, root_seed=6).points != first.points


def test_point_overrides_are_valid_set_options() -> None:
    parameters = [Parameter(HAZARD, values=(0.004,)),
                  Parameter("states.prc.absorption_months", values=([3, 6],))]
    overrides = point_overrides(make_design(parameters, "grid"), 0)
    scenario = load_scenario(BASELINE, overrides)
    assert scenario.world.theft.hazard_per_month_at_parity == 0.004
    assert list(scenario.states[0].absorption_months) == [3, 6]


# Running a sweep ------------------------------------------------------------------------------


def test_sweep_command_writes_a_complete_folder(tmp_path: Path) -> None:
    path = tmp_path / "swept.toml"
    path.write_text(SWEEP_FILE)
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["sweep", str(path), "--out", str(out), "-j", "1",
                                       "--json"])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.output)
    assert summary["total_runs"] == summary["ok_runs"] == 6 * 2  # (3 futures x 2 tiers) x 2
    assert summary["sensitivity"] and all(row["unit"] for row in summary["sensitivity"]
                                          if row["outcome"].startswith("state_"))
    runs = pd.read_csv(out / "runs.csv")
    assert list(runs.columns[:8]) == ["point_id", "replicate", "seed", "future_id", HAZARD,
                                      "states.prc.attacker_tier", "status",
                                      "mean_open_lag_months"]
    assert runs[["point_id", "replicate"]].equals(
        runs[["point_id", "replicate"]].sort_values(["point_id", "replicate"]))
    # Common random numbers: replicate r has the same seed at every design point.
    assert runs.groupby("replicate")["seed"].nunique().eq(1).all()
    points = pd.read_csv(out / "points.csv")
    assert len(points) == 6 and points["n_ok"].eq(2).all()
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["status"] == "complete" and manifest["root_seed"] == 20240101
    assert manifest["design"]["parameters"][1]["kind"] == "lever"
    assert manifest["sessions"][0]["executor"]["kind"] == "serial"
    assert manifest["git_commit"] is None or len(manifest["git_commit"]) == 40
    assert {p.name for p in (out / "plots").iterdir()} >= {
        "tornado__state_mean_lag_months__prc.png"}


def test_timeseries_are_saved_in_parquet_on_request(tmp_path: Path) -> None:
    design = make_design([Parameter(HAZARD, values=(0.001, 0.01))], "grid")
    run_folder(tmp_path / "out", ScenarioModel(small_raw()), design, save_timeseries=True)
    series = pd.read_parquet(tmp_path / "out" / "timeseries.parquet")
    assert len(series) == 2 * 2 * 24  # points x replicates x months
    assert list(series.columns[:4]) == ["point_id", "replicate", "step", "month"]
    assert not (tmp_path / "out" / "timeseries.parts").exists()


def test_a_failing_run_is_recorded_and_the_sweep_goes_on(tmp_path: Path) -> None:
    design = make_design([Parameter("a", values=(1, 2, 3))], "grid")
    summary = run_folder(tmp_path / "function", FunctionModel(explode), design, replicates=2)
    assert (summary.ok_runs, summary.failed_runs) == (4, 2)
    runs = pd.read_csv(tmp_path / "function" / "runs.csv")
    failed = runs[runs["status"] == "failed"]
    assert failed["a"].eq(2).all()
    assert failed["error"].eq("ZeroDivisionError: injected failure at a = 2").all()
    assert failed["traceback"].str.contains("in explode").all()
    assert runs.loc[runs["status"] == "ok", "y"].tolist() == [10.0, 10.0, 30.0, 30.0]


def test_a_design_value_the_model_rejects_fails_only_its_runs(tmp_path: Path) -> None:
    # 1.5 is no probability: the scenario model raises ScenarioError at that point only.
    design = make_design([Parameter(HAZARD, values=(0.002, 1.5))], "grid")
    summary = run_folder(tmp_path / "out", ScenarioModel(small_raw()), design, replicates=2)
    assert (summary.ok_runs, summary.failed_runs) == (2, 2)
    runs = pd.read_csv(tmp_path / "out" / "runs.csv")
    assert runs.loc[runs["point_id"] == 1, "traceback"].str.contains("ScenarioError").all()
    points = pd.read_csv(tmp_path / "out" / "points.csv")
    assert points["n_failed"].tolist() == [0, 2]
    assert math.isnan(points.loc[1, "mean_open_lag_months"])


def test_a_torn_last_line_is_cut_and_its_run_done_again(tmp_path: Path) -> None:
    design = make_design([Parameter("a", values=(1, 3, 4))], "grid")
    create_sweep(tmp_path / "out", FunctionModel(explode), design, 1, 2, "test")
    seed = json.loads((tmp_path / "out" / "manifest.json").read_text())["replicate_seeds"][0]
    with RunJournal(tmp_path / "out" / "runs.jsonl") as journal:
        journal.append({"point_id": 0, "replicate": 0, "seed": seed, "status": "ok",
                        "outcomes": {"y": 10.0}})
    with open(tmp_path / "out" / "runs.jsonl", "ab") as stream:
        stream.write(b'{"point_id": 0, "replicate": 1, "sta')  # killed mid-write
    assert sweep_status(tmp_path / "out").recorded_runs == 1
    with open_executor(1) as executor:
        summary = run_sweep(tmp_path / "out", executor, model=FunctionModel(explode))
    assert summary.session_runs == 5 and summary.ok_runs == 6
    lines = (tmp_path / "out" / "runs.jsonl").read_text().splitlines()
    assert len(lines) == 6 and all(json.loads(line) for line in lines)


def test_resume_takes_no_design_options(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["sweep", "--resume", str(tmp_path), "--samples", "3"])
    assert result.exit_code == 2 and "--samples" in result.output
    result = CliRunner().invoke(main, ["sweep", "--resume", str(tmp_path / "missing")])
    assert result.exit_code == 2 and "not a sweep folder" in result.output


def test_design_checks_raise_scenario_errors_naming_the_source() -> None:
    from sim.experiments.design import check_parameters

    with pytest.raises(ScenarioError) as caught:
        check_parameters(small_raw(), [Parameter("developers.meta.security_level",
                                                 values=(2, 9))], "[sweep]")
    assert caught.value.problems[0].file == "[sweep]"
    assert "developers.meta.security_level" in caught.value.format()


# Kill and resume ------------------------------------------------------------------------------

KILL_ARGS = ["--set", "world.ecosystem.adopters=2000", "--set", "scenario.months=60",
             "--param", f"{HAZARD}=0.001:0.02",
             "--lever", "states.prc.attacker_tier=3,5", "--sampler", "lhs", "--samples", "16",
             "-n", "2", "--quiet", "--no-plots"]
FINAL_TABLES = ("runs.csv", "points.csv", "sensitivity.csv", "design.csv")


@pytest.mark.slow
def test_a_sweep_killed_with_sigkill_resumes_to_the_same_tables(tmp_path: Path) -> None:
    killed = tmp_path / "killed"
    process = subprocess.Popen(
        [sys.executable, "-m", "sim.cli", "sweep", str(BASELINE), *KILL_ARGS, "-j", "2",
         "--out", str(killed)], cwd=tmp_path, start_new_session=True,
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        _wait_for_lines(killed / "runs.jsonl", 8, process)
    finally:
        os.killpg(process.pid, signal.SIGKILL)  # the sweep and its worker processes
        process.wait()
    status = sweep_status(killed)
    assert status.status == "running" and 0 < status.recorded_runs < status.total_runs
    resumed = CliRunner().invoke(main, ["sweep", "--resume", str(killed), "-j", "1", "-q"])
    assert resumed.exit_code == 0, resumed.output
    whole = tmp_path / "whole"
    result = CliRunner().invoke(main, ["sweep", str(BASELINE), *KILL_ARGS, "-j", "1", "--out",
                                       str(whole)])
    assert result.exit_code == 0, result.output
    for name in FINAL_TABLES:
        assert (killed / name).read_bytes() == (whole / name).read_bytes(), name
    manifest = json.loads((killed / "manifest.json").read_text())
    assert [s["executor"]["kind"] for s in manifest["sessions"]] == ["process_pool", "serial"]


def _wait_for_lines(path: Path, lines: int, process: subprocess.Popen,
                    timeout_s: float = 60.0) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if path.exists() and path.read_bytes().count(b"\n") >= lines:
            return
        if process.poll() is not None:
            pytest.fail(f"the sweep ended before it could be killed: "
                        f"{process.stderr.read().decode()}")
        time.sleep(0.02)
    pytest.fail("no runs reached the journal in time")


# Hardening (issue 8) -------------------------------------------------------------------------

DISK_FULL = {"after": None}


def fills_the_disk(a: float) -> float:
    """A model whose runs at a = 2 meet a full disk while DISK_FULL says so."""
    if a == 2 and DISK_FULL["after"] is not None:
        raise OSError(28, "No space left on device")
    return 10.0 * a


def test_an_environment_failure_stops_the_sweep_unrecorded_and_resume_runs_it(
    tmp_path: Path,
) -> None:
    from sim.experiments.engine import EngineError

    model = FunctionModel(fills_the_disk)
    design = make_design([Parameter("a", values=(1, 2, 3))], "grid")
    folder = create_sweep(tmp_path / "out", model, design, 1, 2, "test")
    DISK_FULL["after"] = 0
    try:
        with open_executor(1) as executor, pytest.raises(EngineError,
                                                         match="No space left on device"):
            run_sweep(folder, executor, model=model)
    finally:
        DISK_FULL["after"] = None
    records = [json.loads(line) for line in (folder / "runs.jsonl").read_text().splitlines()]
    assert [r["status"] for r in records] == ["ok", "ok"]  # point 1 is not recorded as failed
    with open_executor(1) as executor:
        summary = run_sweep(folder, executor, model=model)
    assert (summary.ok_runs, summary.failed_runs, summary.session_runs) == (6, 0, 4)


def test_runs_an_old_journal_recorded_as_failed_by_a_full_disk_are_run_again(
    tmp_path: Path,
) -> None:
    model = FunctionModel(explode)
    design = make_design([Parameter("a", values=(1, 3))], "grid")
    folder = create_sweep(tmp_path / "out", model, design, 1, 1, "test")
    seed = json.loads((folder / "manifest.json").read_text())["replicate_seeds"][0]
    with RunJournal(folder / "runs.jsonl") as journal:
        journal.append({"point_id": 0, "replicate": 0, "seed": seed, "status": "failed",
                        "outcomes": {}, "error": "OSError: [Errno 28] No space left on device",
                        "traceback": "..."})
    assert sweep_status(folder).recorded_runs == 0
    with open_executor(1) as executor:
        summary = run_sweep(folder, executor, model=model)
    assert (summary.ok_runs, summary.failed_runs, summary.session_runs) == (2, 0, 2)


def test_a_full_disk_while_recording_stops_the_command_with_a_resume_hint(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    written = {"lines": 0}
    real_append = RunJournal.append

    def append_until_full(self, record) -> None:
        if written["lines"] == 2:
            raise OSError(28, "No space left on device", str(self.path))
        written["lines"] += 1
        real_append(self, record)

    monkeypatch.setattr(RunJournal, "append", append_until_full)
    folder = tmp_path / "out"
    arguments = ["sweep", str(BASELINE), "--set", "scenario.months=6", "--set",
                 "world.ecosystem.adopters=200", "--param", f"{HAZARD}=0.001,0.01", "-n", "2",
                 "-j", "1", "-q", "--no-plots", "--out", str(folder)]
    result = CliRunner().invoke(main, arguments)
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        "error: the sweep stopped: a finished run could not be recorded: No space left on "
        f"device ({folder / 'runs.jsonl'})",
        f"finished runs are saved; continue with: regsim sweep --resume {folder}"]
    monkeypatch.setattr(RunJournal, "append", real_append)
    resumed = CliRunner().invoke(main, ["sweep", "--resume", str(folder), "-j", "1", "-q"])
    assert resumed.exit_code == 0, resumed.output
    assert len(pd.read_csv(folder / "runs.csv")) == 4


def test_a_function_model_resumes_only_from_the_registry(tmp_path: Path) -> None:
    from sim.experiments.models import FUNCTION_MODELS, register_function_model
    from sim.experiments.sweep import SweepFolderError

    design = make_design([Parameter("a", values=(1, 3))], "grid")
    unregistered = create_sweep(tmp_path / "plain", FunctionModel(explode), design, 1, 1, "t")
    with open_executor(1) as executor, pytest.raises(SweepFolderError,
                                                     match="has not registered"):
        run_sweep(unregistered, executor)
    model = register_function_model("explode", FunctionModel(explode))
    try:
        registered = create_sweep(tmp_path / "named", model, design, 1, 1, "t")
        assert json.loads((registered / "manifest.json").read_text())["model"]["name"] == (
            "explode")
        with open_executor(1) as executor:
            assert run_sweep(registered, executor).ok_runs == 2
    finally:
        FUNCTION_MODELS.pop("explode")


def test_resuming_an_edited_scenario_is_refused(tmp_path: Path) -> None:
    folder = tmp_path / "out"
    result = CliRunner().invoke(main, ["sweep", str(BASELINE), "--set", "scenario.months=6",
                                       "--param", f"{HAZARD}=0.001,0.01", "-n", "1", "-j", "1",
                                       "-q", "--no-plots", "--out", str(folder)])
    assert result.exit_code == 0, result.output
    manifest = json.loads((folder / "manifest.json").read_text())
    manifest["status"] = "running"
    (folder / "manifest.json").write_text(json.dumps(manifest))
    scenario = folder / "scenario.toml"
    scenario.write_text(scenario.read_text().replace("months = 6", "months = 7"))
    resumed = CliRunner().invoke(main, ["sweep", "--resume", str(folder), "-j", "1", "-q"])
    assert resumed.exit_code == 2
    assert "scenario.toml: changed since the sweep started" in resumed.stderr


def test_a_default_sweep_folder_taken_meanwhile_gets_the_next_name(tmp_path: Path) -> None:
    design = make_design([Parameter("a", values=(1, 3))], "grid")
    taken = tmp_path / "t-sweep-20250101-000000"
    taken.mkdir()
    (taken / "theirs").write_text("x")
    folder = create_sweep(taken, FunctionModel(explode), design, 1, 1, "t", auto_name=True)
    assert folder.name == "t-sweep-20250101-000000-2"
    assert (taken / "theirs").exists() and (folder / "manifest.json").is_file()
