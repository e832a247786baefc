"""Results folders: contents, atomic writes, never overwriting without force."""

from __future__ import annotations

import datetime as dt
import errno
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from synthetic import make_run_result

import sim
from sim.experiments import storage
from sim.experiments.storage import ResultsExistError, default_out_dir, write_run
from sim.plots import runs as plots

DATA_FILES = [
    "events.jsonl",
    "manifest.json",
    "outcomes.csv",
    "scenario.toml",
    "summaries.csv",
    "timeseries.csv",
]


def _names(folder: Path) -> list[str]:
    return sorted(path.name for path in folder.iterdir())


def _old_results(tmp_path: Path) -> Path:
    """A previous results folder with a marker file in it."""
    folder = tmp_path / "run"
    write_run(make_run_result(replicates=1, months=4), folder)
    (folder / "marker.txt").write_text("old results")
    return folder


def test_write_run_writes_a_complete_self_describing_folder(tmp_path: Path) -> None:
    run = make_run_result(replicates=3, months=12)
    folder = write_run(run, tmp_path / "run", plot_writer=plots.write_plots)
    assert folder == tmp_path / "run"
    assert _names(folder) == sorted([*DATA_FILES, "plots"])
    assert _names(tmp_path) == ["run"]  # no temporary folder left behind
    assert len(list((folder / "plots").glob("*.png"))) == 5
    assert (folder / "scenario.toml").read_text() == run.resolved_scenario_toml


def test_tables_read_back_with_pandas_in_one_line(tmp_path: Path) -> None:
    run = make_run_result(replicates=3, months=12)
    folder = write_run(run, tmp_path / "run")
    timeseries = pd.read_csv(folder / "timeseries.csv")
    summaries = pd.read_csv(folder / "summaries.csv")
    outcomes = pd.read_csv(folder / "outcomes.csv")
    assert len(timeseries) == 3 * 12
    assert list(timeseries.columns[:3]) == ["replicate", "step", "month"]
    assert np.isneginf(timeseries["open_frontier_capability"]).any()  # -inf survives
    assert list(summaries["seed"]) == run.replicate_seeds
    assert list(summaries.columns[:2]) == ["replicate", "seed"]
    assert summaries["state_months_to_1e27__china"].isna().sum() == 2
    assert "state_final_channel__china" not in set(outcomes["outcome"])
    milestone = outcomes.set_index("outcome").loc["state_months_to_1e27__china"]
    assert (milestone["n_defined"], milestone["n"]) == (1, 3)


def test_manifest_records_what_produced_the_run(tmp_path: Path) -> None:
    run = make_run_result(replicates=2)
    manifest = json.loads(
        (write_run(run, tmp_path / "r") / "manifest.json").read_text()
    )
    assert manifest["status"] == "ok"
    assert manifest["regsim_version"] == sim.__version__
    assert manifest["scenario_name"] == "synthetic"
    assert manifest["scenario_sha256"] == run.scenario_sha256
    assert manifest["root_seed"] == run.root_seed
    assert manifest["replicate_seeds"] == run.replicate_seeds
    assert manifest["timings_s"] == run.timings_s
    assert manifest["packages"]["numpy"] == np.__version__
    assert manifest["packages"]["pandas"] == pd.__version__
    assert manifest["python_version"].startswith(f"{sys.version_info.major}.")
    assert manifest["command_line"] == sys.argv
    created = dt.datetime.fromisoformat(manifest["created_utc"])
    assert created.utcoffset() == dt.timedelta(0)


def test_manifest_records_the_git_commit_of_the_checkout(tmp_path: Path) -> None:
    checkout = Path(sim.__file__).resolve().parents[1]
    try:
        head = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=checkout, capture_output=True, text=True, check=True
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        pytest.skip("not running from a git checkout")
    manifest = json.loads(
        (write_run(make_run_result(), tmp_path / "r") / "manifest.json").read_text()
    )
    assert manifest["git_commit"] == head
    assert isinstance(manifest["git_dirty"], bool)


def test_a_missing_git_is_recorded_as_none(tmp_path: Path, monkeypatch) -> None:
    def no_git(*args, **kwargs):
        raise FileNotFoundError("git")

    monkeypatch.setattr(storage.subprocess, "run", no_git)
    folder = write_run(make_run_result(), tmp_path / "r")
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["git_commit"] is None
    assert manifest["git_dirty"] is None


def test_events_are_one_json_object_per_line_with_the_replicate(tmp_path: Path) -> None:
    run = make_run_result(replicates=2)
    folder = write_run(run, tmp_path / "r")
    lines = (folder / "events.jsonl").read_text().splitlines()
    records = [json.loads(line) for line in lines]
    assert len(records) == sum(len(replicate.events) for replicate in run.replicates)
    assert [record["replicate"] for record in records] == [0, 0, 1, 1]
    assert records[0]["train_flop"] == pytest.approx(25.3)  # numpy scalar written as a number
    assert records[1]["value_musd"] is None  # NaN is not valid JSON: written as null
    assert lines[0] == json.dumps(records[0], sort_keys=True)


def test_identical_inputs_give_byte_identical_files(tmp_path: Path) -> None:
    first = write_run(make_run_result(replicates=3), tmp_path / "a")
    second = write_run(make_run_result(replicates=3), tmp_path / "b")
    for name in ["timeseries.csv", "summaries.csv", "outcomes.csv", "events.jsonl"]:
        assert (first / name).read_bytes() == (second / name).read_bytes(), name


def test_refuses_to_overwrite_without_force_before_doing_any_work(
    tmp_path: Path, monkeypatch
) -> None:
    folder = _old_results(tmp_path)
    before = {path: path.read_bytes() for path in folder.iterdir()}

    def must_not_run(*args, **kwargs):
        raise AssertionError("wrote contents although the folder exists")

    monkeypatch.setattr(storage, "_write_contents", must_not_run)
    with pytest.raises(ResultsExistError, match="--force"):
        write_run(make_run_result(), folder)
    assert {path: path.read_bytes() for path in folder.iterdir()} == before
    assert _names(tmp_path) == ["run"]


def test_force_replaces_the_old_folder(tmp_path: Path) -> None:
    folder = _old_results(tmp_path)
    write_run(make_run_result(replicates=2), folder, force=True)
    assert _names(folder) == DATA_FILES  # the marker went with the old folder
    assert len(pd.read_csv(folder / "summaries.csv")) == 2
    assert _names(tmp_path) == ["run"]  # neither the old nor the temporary folder remains


def test_force_writes_into_an_empty_existing_folder(tmp_path: Path) -> None:
    (tmp_path / "run").mkdir()
    write_run(make_run_result(), tmp_path / "run", force=True)
    assert _names(tmp_path / "run") == DATA_FILES


def test_force_refuses_to_replace_a_folder_that_is_not_results(tmp_path: Path) -> None:
    precious = tmp_path / "thesis"
    precious.mkdir()
    (precious / "chapter1.tex").write_text("years of work")
    with pytest.raises(ResultsExistError, match="not a regsim results folder"):
        write_run(make_run_result(), precious, force=True)
    assert (precious / "chapter1.tex").read_text() == "years of work"


def test_a_failure_mid_write_leaves_no_partial_folder(tmp_path: Path, monkeypatch) -> None:
    def broken_plots(result, plots_dir):
        raise RuntimeError("plotting failed")

    with pytest.raises(RuntimeError, match="plotting failed"):
        write_run(make_run_result(), tmp_path / "run", plot_writer=broken_plots)
    assert _names(tmp_path) == []


def test_a_failure_mid_write_with_force_leaves_old_results_intact(
    tmp_path: Path, monkeypatch
) -> None:
    folder = _old_results(tmp_path)
    before = {path.name: path.read_bytes() for path in folder.iterdir()}

    def broken_plots(result, plots_dir):
        raise RuntimeError("plotting failed")

    with pytest.raises(RuntimeError, match="plotting failed"):
        write_run(make_run_result(replicates=2), folder, force=True, plot_writer=broken_plots)
    assert {path.name: path.read_bytes() for path in folder.iterdir()} == before
    assert _names(tmp_path) == ["run"]


def test_a_failure_while_swapping_folders_restores_the_old_one(tmp_path: Path, monkeypatch) -> None:
    folder = _old_results(tmp_path)
    real_rename = Path.rename

    def rename_fails_for_new_folder(self: Path, target):
        if ".tmp-" in self.name:
            raise OSError("disk trouble")
        return real_rename(self, target)

    monkeypatch.setattr(Path, "rename", rename_fails_for_new_folder)
    with pytest.raises(OSError, match="disk trouble"):
        write_run(make_run_result(), folder, force=True)
    assert (folder / "marker.txt").read_text() == "old results"
    assert _names(tmp_path) == ["run"]


def test_default_out_dir_is_name_and_utc_time_with_a_suffix_when_taken(tmp_path: Path) -> None:
    now = dt.datetime(2025, 3, 4, 5, 6, 7, tzinfo=dt.UTC)
    first = default_out_dir("kill switch", root=tmp_path, now=now)
    assert first == tmp_path / "kill-switch-20250304-050607"
    first.mkdir()
    second = default_out_dir("kill switch", root=tmp_path, now=now)
    assert second.name == "kill-switch-20250304-050607-2"
    second.mkdir()
    assert default_out_dir("kill switch", root=tmp_path, now=now).name.endswith("-3")


def test_default_out_dir_uses_the_current_time() -> None:
    folder = default_out_dir("baseline", root=Path("nowhere-for-this-test"))
    stamp = dt.datetime.strptime(folder.name.removeprefix("baseline-"), "%Y%m%d-%H%M%S")
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    assert abs((now - stamp).total_seconds()) < 60
    assert folder.parent == Path("nowhere-for-this-test")


def test_importing_storage_loads_neither_matplotlib_nor_scipy() -> None:
    code = (
        "import sys, sim.experiments.storage; "
        "sys.exit(bool({'matplotlib', 'scipy'} & set(sys.modules)))"
    )
    root = Path(sim.__file__).resolve().parents[1]
    assert subprocess.run([sys.executable, "-c", code], cwd=root).returncode == 0


def test_a_run_without_replicates_is_still_written(tmp_path: Path) -> None:
    folder = write_run(make_run_result(replicates=0), tmp_path / "empty")
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["replicate_seeds"] == []
    assert (folder / "events.jsonl").read_text() == ""
    assert list(pd.read_csv(folder / "summaries.csv").columns) == ["replicate", "seed"]
    assert not (folder / "plots").exists() or not any((folder / "plots").iterdir())


def test_a_replicate_where_an_output_is_never_defined_is_written_as_empty(tmp_path: Path) -> None:
    run = make_run_result(replicates=3, months=6)
    never_covered = run.replicates[1].timeseries
    never_covered["kill_switch_coverage"] = pd.Series([None] * 6, dtype=object)
    folder = write_run(run, tmp_path / "r")
    timeseries = pd.read_csv(folder / "timeseries.csv")
    coverage = timeseries.loc[timeseries["replicate"] == 1, "kill_switch_coverage"]
    assert coverage.isna().all()
    assert timeseries["kill_switch_coverage"].dtype == float


# Hardening (issue 8): names chosen at write time, nothing computed thrown away --------------


def test_a_folder_taken_while_the_run_was_computing_moves_to_the_next_free_name(
    tmp_path: Path,
) -> None:
    now = dt.datetime(2025, 3, 4, 5, 6, 7, tzinfo=dt.UTC)
    first_choice = default_out_dir("baseline", root=tmp_path, now=now)
    pending = storage.PendingFolder(first_choice, auto_name=True)
    write_run(make_run_result(replicates=1, months=4), tmp_path / first_choice.name)  # a rival
    folder = write_run(make_run_result(replicates=2, months=4), pending)
    assert folder.name == "baseline-20250304-050607-2"
    assert len(pd.read_csv(folder / "summaries.csv")) == 2
    assert len(pd.read_csv(first_choice / "summaries.csv")) == 1  # the rival's, untouched
    assert _names(tmp_path) == ["baseline-20250304-050607", "baseline-20250304-050607-2"]


def test_an_explicit_folder_created_meanwhile_is_kept_and_the_results_saved_beside_it(
    tmp_path: Path,
) -> None:
    pending = storage.PendingFolder(tmp_path / "mine")
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "theirs.txt").write_text("someone else's")
    folder = write_run(make_run_result(replicates=1, months=4), pending)
    assert folder == tmp_path / "mine-2"
    assert (tmp_path / "mine" / "theirs.txt").read_text() == "someone else's"
    assert _names(folder) == DATA_FILES


def test_rename_no_replace_never_replaces_an_empty_folder(tmp_path: Path) -> None:
    (tmp_path / "new").mkdir()
    (tmp_path / "new" / "file").write_text("x")
    (tmp_path / "taken").mkdir()
    with pytest.raises(FileExistsError):
        storage.rename_no_replace(tmp_path / "new", tmp_path / "taken")
    assert (tmp_path / "new" / "file").exists()


def test_stale_temporary_folders_of_dead_processes_are_removed(tmp_path: Path) -> None:
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True)
    dead_pid = int(dead.stdout)
    stale = tmp_path / f".baseline-x.tmp-{dead_pid}"
    stale.mkdir()
    (stale / storage.PARTIAL_MARKER).write_text("")
    alive = tmp_path / f".baseline-y.tmp-{os.getppid()}"
    alive.mkdir()
    (alive / storage.PARTIAL_MARKER).write_text("")
    foreign = tmp_path / f".notes.tmp-{dead_pid}"  # not regsim's: no marker
    foreign.mkdir()
    write_run(make_run_result(replicates=1, months=4), tmp_path / "next")
    assert not stale.exists()
    assert alive.exists() and foreign.exists()


def test_an_unwritable_place_is_found_before_any_work(tmp_path: Path, monkeypatch) -> None:
    def read_only(self, *args, **kwargs):
        raise OSError(errno.EROFS, "Read-only file system", str(self))

    monkeypatch.setattr(Path, "mkdir", read_only)
    with pytest.raises(OSError, match="Read-only"):
        storage.PendingFolder(tmp_path / "results" / "run")


def test_the_run_command_checks_its_folder_before_computing(tmp_path: Path, monkeypatch) -> None:
    from click.testing import CliRunner

    from sim.cli import main

    def no_space(self, *args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    def must_not_run(*args, **kwargs):
        raise AssertionError("computed although the folder cannot be written")

    monkeypatch.setattr(Path, "write_text", no_space)
    monkeypatch.setattr("sim.experiments.runner.run_scenario", must_not_run)
    result = CliRunner().invoke(main, ["run", "baseline", "-n", "1", "--out",
                                       str(tmp_path / "out")])
    assert result.exit_code == 1
    assert result.stderr == (f"error: cannot write results to {tmp_path / 'out'}: "
                             "No space left on device\n")
    assert list(tmp_path.iterdir()) == []


def test_a_full_disk_while_writing_is_one_line_and_leaves_nothing(
    tmp_path: Path, monkeypatch
) -> None:
    from click.testing import CliRunner

    from sim.cli import main

    def no_space(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(storage, "_write_csv", no_space)
    result = CliRunner().invoke(main, ["run", "baseline", "-n", "1", "--no-plots", "--set",
                                       "scenario.months=6", "--out", str(tmp_path / "out")])
    assert result.exit_code == 1
    assert result.stderr.count("\n") == 1 and "No space left on device" in result.stderr
    assert list(tmp_path.iterdir()) == []
