"""Results folders as a user and an attacker hand them back to regsim (issue 15, round 2).

The README's `regsim report results/<folder>` works with the relative path it shows; a
comparison appears whole or not at all (and `--force` replaces one); output that cannot be
written fails with one line; every field of a crafted manifest is checked (exit 2 naming the
file and field; ResultsFolderError from `sim.open`); no CSV cell regsim writes is a
spreadsheet formula; long policy names still give a folder name; and Parquet tables that are
links are refused by `regsim report` as by `sim.open`.
"""

from __future__ import annotations

import csv
import errno
import json
import os
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from tiny_folders import DISCOVER_ARGS, FORMULAS, SMALL, build, copy

import sim
from sim.api.folders import ResultsFolderError
from sim.cli import main

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def folders(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return build(tmp_path_factory.mktemp("tiny"))


def invoke(*arguments: str) -> Result:
    return CliRunner().invoke(main, [str(a) for a in arguments])


def assert_one_error(result: Result, status: int, *expected: str) -> str:
    """Exit `status`, no traceback, exactly one `error:` line holding each `expected` (beside
    any `warning:` lines, e.g. `compare`'s for levers a shortened scenario makes inert)."""
    assert result.exception is None or isinstance(result.exception, SystemExit), (
        result.exception, result.output)
    assert result.exit_code == status, result.output
    lines = [line for line in result.stderr.splitlines()
             if line.strip() and not line.startswith("warning: ")]
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    for text in expected:
        assert text in lines[0], lines[0]
    return lines[0]


def edit_manifest(folder: Path, **fields: object) -> None:
    path = folder / "manifest.json"
    manifest = json.loads(path.read_text(encoding="utf-8"))
    manifest.update(fields)
    path.write_text(json.dumps(manifest), encoding="utf-8")  # NaN/Infinity as JSON writes them


# High 1: the README's report command ------------------------------------------------------


@pytest.mark.parametrize("kind", ["run", "compare"])
@pytest.mark.parametrize("absolute", [False, True], ids=["relative", "absolute"])
def test_report_of_a_folder_given_as_the_readme_writes_it(
        folders: dict[str, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch, kind: str,
        absolute: bool) -> None:
    monkeypatch.chdir(tmp_path)
    folder = copy(folders[kind], tmp_path / "results" / f"baseline-{kind}-20261207-101010")
    given = folder if absolute else folder.relative_to(tmp_path)
    result = invoke("report", given)
    assert result.exit_code == 0, result.output
    page = (folder / "report.html").read_text(encoding="utf-8")
    assert "data:image/png;base64," in page  # the folder's own plots, embedded


def test_a_refused_plot_is_explained_and_never_called_removable(
        folders: dict[str, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    folder = copy(folders["run"], tmp_path / "results" / "run")
    (folder / "plots" / "lags.png").write_text("<svg onload=alert(1)>", encoding="utf-8")
    line = assert_one_error(invoke("report", "results/run"), 2, "plots/lags.png",
                            "is not a PNG image")
    assert "remove" not in line and "delete" not in line


# Medium 7: a comparison appears whole or not at all ----------------------------------------


def _fail_merging(monkeypatch: pytest.MonkeyPatch) -> None:
    """The disk fills up while the runs' series are merged, after every run finished."""
    def full_disk(folder: Path) -> dict[str, int]:
        raise OSError(errno.ENOSPC, "No space left on device", str(folder))

    monkeypatch.setattr("sim.experiments.compare.merge_series", full_disk)


def test_a_failed_compare_leaves_nothing_and_the_same_out_works_again(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "results" / "cmp"
    arguments = ["compare", "baseline", "kill_switch", "-n", "2", *SMALL,
                 "--set", "scenario.months=3", "-j", "1", "-q", "--out", out]
    with monkeypatch.context() as patch:
        _fail_merging(patch)
        assert_one_error(invoke(*arguments), 1, "No space left on device")
    assert not out.exists()
    assert os.listdir(tmp_path / "results") == []  # no hidden half-written folder either
    result = invoke(*arguments)
    assert result.exit_code == 0, result.output
    assert json.loads((out / "manifest.json").read_text())["status"] == "complete"
    assert (out / "comparison.csv").is_file()


def test_compare_replaces_a_comparison_only_with_force(
        folders: dict[str, Path], tmp_path: Path) -> None:
    out = copy(folders["compare"], tmp_path / "cmp")
    (out / "old-note.txt").write_text("from the earlier comparison", encoding="utf-8")
    arguments = ["compare", "baseline", "kill_switch", "-n", "2", *SMALL,
                 "--set", "scenario.months=3", "-j", "1", "-q", "--out", out]
    assert_one_error(invoke(*arguments), 2, "already exists", "--force")
    assert (out / "old-note.txt").is_file()
    result = invoke(*arguments, "--force")
    assert result.exit_code == 0, result.output
    assert not (out / "old-note.txt").exists()
    assert json.loads((out / "manifest.json").read_text())["status"] == "complete"


def test_the_api_compare_leaves_nothing_half_written(tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    _fail_merging(monkeypatch)
    out = tmp_path / "results" / "cmp"
    with pytest.raises(OSError, match="No space left"):
        sim.compare("baseline", "kill_switch", replicates=2, set={"scenario.months": 3},
                    workers=1, plots=False, out=out)
    assert not out.exists() and os.listdir(out.parent) == []


@pytest.mark.parametrize("shape", ["status running", "as main left it"])
def test_report_refuses_an_incomplete_comparison(folders: dict[str, Path], tmp_path: Path,
                                                 shape: str) -> None:
    folder = copy(folders["compare"], tmp_path / "cmp")
    (folder / "comparison.csv").unlink()
    if shape == "status running":
        edit_manifest(folder, status="running")
    else:  # the folder an interrupted compare used to leave: no status, no comparison.csv
        manifest = json.loads((folder / "manifest.json").read_text())
        del manifest["status"]
        (folder / "manifest.json").write_text(json.dumps(manifest))
    assert_one_error(invoke("report", folder), 2, "incomplete comparison")
    assert not (folder / "report.html").exists()


def test_sim_open_refuses_a_comparison_marked_running(folders: dict[str, Path],
                                                      tmp_path: Path) -> None:
    folder = copy(folders["compare"], tmp_path / "cmp")
    edit_manifest(folder, status="running")
    with pytest.raises(ResultsFolderError, match="incomplete comparison"):
        sim.open(folder)


# Medium 8: output that cannot be written ----------------------------------------------------


def _blocked(tmp_path: Path) -> Path:
    """A place that cannot be created: its parent is a regular file."""
    (tmp_path / "a-file").write_text("not a folder", encoding="utf-8")
    return tmp_path / "a-file" / "inside"


def test_report_out_to_a_missing_place_fails_with_one_line(folders: dict[str, Path],
                                                           tmp_path: Path) -> None:
    folder = copy(folders["run"], tmp_path / "run")
    assert_one_error(invoke("report", folder, "--out", _blocked(tmp_path) / "r.html"), 1,
                     "cannot write the report", "a-file")


def test_report_on_a_full_disk_fails_with_one_line(folders: dict[str, Path], tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    import sim.brief.report as report

    def full(target: Path, text: str) -> None:
        raise OSError(errno.ENOSPC, "No space left on device", str(target))

    monkeypatch.setattr(report, "_write_atomically", full)
    folder = copy(folders["run"], tmp_path / "run")
    assert_one_error(invoke("report", folder), 1, "No space left on device")


@pytest.mark.parametrize("command", [["discover", *DISCOVER_ARGS], ["robustness"]],
                         ids=["discover", "robustness"])
def test_an_analysis_to_a_missing_place_fails_with_one_line(
        folders: dict[str, Path], tmp_path: Path, command: list[str]) -> None:
    sweep = copy(folders["sweep"], tmp_path / "sweep")
    out = _blocked(tmp_path)
    assert_one_error(invoke(command[0], sweep, *command[1:], "--no-plots", "--out", out), 1,
                     "cannot write the", "a-file")


@pytest.mark.parametrize("command", [["discover", *DISCOVER_ARGS], ["robustness"]],
                         ids=["discover", "robustness"])
def test_an_analysis_of_a_read_only_sweep_folder_fails_with_one_line(
        folders: dict[str, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        command: list[str]) -> None:
    import sim.experiments.storage as storage

    def read_only(out_dir: Path) -> Path:
        raise OSError(errno.EROFS, "Read-only file system", str(out_dir.parent))

    monkeypatch.setattr(storage, "_new_temporary", read_only)
    sweep = copy(folders["sweep"], tmp_path / "sweep")
    assert_one_error(invoke(command[0], sweep, *command[1:], "--no-plots"), 1,
                     "Read-only file system")


# Medium 9: crafted manifests ----------------------------------------------------------------


MANIFEST_CASES = {
    "replicates Infinity": ("run", {"replicates": float("inf")}, "replicates"),
    "replicates 1e400": ("run", {"replicates": 10**400}, "replicates"),
    "start 2024-13": ("run", {"start": "2024-13"}, "start"),
    "start a number": ("run", {"start": 202401}, "start"),
    "months negative": ("run", {"months": -3}, "months"),
    "state_names a number": ("run", {"state_names": 5}, "state_names"),
    "state_names of tables": ("run", {"state_names": [{"a": 1}]}, "state_names"),
    "scenario_name a list": ("run", {"scenario_name": ["x"]}, "scenario_name"),
    "policies empty": ("compare", {"policies": []}, "policies"),
    "policies a string": ("compare", {"policies": "kill_switch"}, "policies"),
    "baseline a number": ("compare", {"baseline": 7}, "baseline"),
    "baseline among the policies": ("compare", {"policies": ["baseline"]}, "policies"),
    "status unknown": ("compare", {"status": "done?"}, "status"),
}


@pytest.mark.parametrize("case", list(MANIFEST_CASES))
def test_report_checks_every_manifest_field(folders: dict[str, Path], tmp_path: Path,
                                            case: str) -> None:
    kind, fields, field = MANIFEST_CASES[case]
    folder = copy(folders[kind], tmp_path / kind)
    edit_manifest(folder, **fields)
    assert_one_error(invoke("report", folder), 2, "manifest.json", f"{field}:")


@pytest.mark.parametrize("case", list(MANIFEST_CASES))
def test_sim_open_checks_every_manifest_field(folders: dict[str, Path], tmp_path: Path,
                                              case: str) -> None:
    kind, fields, field = MANIFEST_CASES[case]
    folder = copy(folders[kind], tmp_path / kind)
    edit_manifest(folder, **fields)
    with pytest.raises(ResultsFolderError, match=f"manifest.json: {field}:"):
        sim.open(folder)


def test_sim_open_refuses_an_infinite_root_seed(folders: dict[str, Path],
                                                tmp_path: Path) -> None:
    folder = copy(folders["run"], tmp_path / "run")
    edit_manifest(folder, root_seed=float("inf"))
    with pytest.raises(ResultsFolderError, match="root_seed"):
        sim.open(folder)


def test_sim_open_refuses_a_truncated_scenario(folders: dict[str, Path],
                                               tmp_path: Path) -> None:
    folder = copy(folders["run"], tmp_path / "run")
    text = (folder / "scenario.toml").read_text(encoding="utf-8")
    (folder / "scenario.toml").write_text(text[: text.index("[[developers]]") + 5],
                                          encoding="utf-8")
    with pytest.raises(ResultsFolderError, match="scenario.toml: expected TOML"):
        sim.open(folder)


def test_a_scenario_start_that_is_no_month_is_refused_by_report(
        folders: dict[str, Path], tmp_path: Path) -> None:
    folder = copy(folders["compare"], tmp_path / "cmp")
    path = folder / "scenarios" / "baseline.toml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace('start = "2024-01"', 'start = "2024-13"'), encoding="utf-8")
    assert 'start = "2024-13"' in path.read_text(encoding="utf-8")
    assert_one_error(invoke("report", folder), 2, "baseline.toml", "start")


# Low: CSV injection -------------------------------------------------------------------------


def _cells(path: Path) -> list[str]:
    with open(path, newline="", encoding="utf-8") as stream:
        return [cell for row in csv.reader(stream) for cell in row]


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def assert_no_formula(path: Path) -> list[str]:
    """No cell of `path` starts as a spreadsheet formula, unless it is a number."""
    cells = _cells(path)
    running = [c for c in cells if c[:1] in ("=", "+", "-", "@", "\t", "\r")
               and not _is_number(c)]
    assert running == [], (path.name, running[:3])
    return cells


def test_no_csv_cell_regsim_writes_is_a_formula(folders: dict[str, Path],
                                                tmp_path: Path) -> None:
    sweep = copy(folders["sweep"], tmp_path / "sweep")
    for command in (["discover", *DISCOVER_ARGS], ["robustness"]):
        result = invoke(command[0], sweep, *command[1:], "--no-plots")
        assert result.exit_code == 0, result.output
    written = [sweep / name for name in ("design.csv", "points.csv", "runs.csv")]
    written += [sweep / "robustness" / "combinations.csv",
                next(sweep.glob("discover-*")) / "trajectory_limits.csv"]
    quoted = {"'" + formula for formula in FORMULAS}
    for path in written:
        cells = assert_no_formula(path)
        assert quoted & set(cells) or path.name == "trajectory_limits.csv", path.name
    for path in [*folders["run"].glob("*.csv"), *folders["compare"].glob("*.csv")]:
        assert_no_formula(path)


def test_negative_numbers_stay_numbers(folders: dict[str, Path]) -> None:
    cells = _cells(folders["compare"] / "comparison.csv")
    negatives = [c for c in cells if c.startswith("-")]
    assert negatives and all(_is_number(c) for c in negatives)
    assert not [c for c in cells if c.startswith("'-")]


def test_regsim_reads_back_the_text_that_was_meant(folders: dict[str, Path],
                                                   tmp_path: Path) -> None:
    sweep = copy(folders["sweep"], tmp_path / "sweep")
    results = sim.open(sweep)
    assert sorted(set(results.runs["scenario.question"])) == sorted(FORMULAS)
    assert sorted(set(results.points["scenario.question"])) == sorted(FORMULAS)
    assert invoke("robustness", sweep, "--no-plots").exit_code == 0
    combinations = sim.open(sweep / "robustness").tables["combinations"]
    assert set(combinations["scenario.question"]) == set(FORMULAS)


def test_the_csv_writer_quotes_text_and_keeps_numbers(tmp_path: Path) -> None:
    import pandas as pd

    from sim.experiments.csv_cells import read_back, write_csv

    frame = pd.DataFrame({"value": [-0.5, 1e-20, -3.0], "label": ["=1+1", "'quoted", "-x"],
                          "mixed": [-2, "+y", None]})
    write_csv(frame, tmp_path / "t.csv")
    text = (tmp_path / "t.csv").read_text(encoding="utf-8")
    assert text.splitlines()[1:] == ["-0.5,'=1+1,-2", "1e-20,''quoted,'+y", "-3,'-x,"]
    back = read_back(pd.read_csv(tmp_path / "t.csv"))
    assert list(back["label"]) == ["=1+1", "'quoted", "-x"]
    assert list(back["value"]) == [-0.5, 1e-20, -3.0]


# Low: long policy names ---------------------------------------------------------------------


def test_compare_with_four_long_policy_names_gets_a_short_unique_folder(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    names = [f"policy_{n}_{'with_a_very_long_descriptive_name_' * 2}"[:64] for n in range(4)]
    paths = []
    for name in names:
        path = tmp_path / f"{name}.toml"
        path.write_text(f'extends = "{REPO / "scenarios" / "baseline.toml"}"\n\n[scenario]\n'
                        f'name = "{name}"\n', encoding="utf-8")
        paths.append(path)
    arguments = ["compare", "baseline", *paths, "-n", "2", "--set", "scenario.months=2",
                 "--set", "world.ecosystem.adopters=50", "-j", "1", "--no-plots", "--no-series",
                 "-q"]
    first, second = invoke(*arguments), invoke(*arguments)
    assert first.exit_code == 0 and second.exit_code == 0, first.output + second.output
    made = sorted((tmp_path / "results").iterdir())
    assert len(made) == 2 and made[0].name != made[1].name
    assert all(len(folder.name) <= 140 for folder in made), [f.name for f in made]
    assert made[0].name.startswith("baseline-vs-policy_0")


# Low: linked Parquet tables -----------------------------------------------------------------


@pytest.mark.parametrize("name", ["timeseries.parquet", "events.parquet"])
def test_report_refuses_a_linked_parquet_table(folders: dict[str, Path], tmp_path: Path,
                                               name: str) -> None:
    outside = tmp_path / "outside.parquet"
    folder = copy(folders["compare"], tmp_path / "cmp")
    os.replace(folder / name, outside)
    (folder / name).symlink_to(outside)
    assert_one_error(invoke("report", folder), 2, name, "symbolic link")
    with pytest.raises(ResultsFolderError, match="symbolic link"):
        results = sim.open(folder)
        _ = results.timeseries if name == "timeseries.parquet" else results.events


# A real read-only file system, in a private mount namespace --------------------------------


def _can_mount_privately() -> bool:
    import shutil
    import subprocess

    if shutil.which("unshare") is None:
        return False
    probe = subprocess.run(["unshare", "-rm", "sh", "-c", "mount -t tmpfs tmpfs /mnt"],
                           capture_output=True)
    return probe.returncode == 0


@pytest.mark.parametrize("command", [["discover", *DISCOVER_ARGS, "--no-plots"],
                                     ["robustness", "--no-plots"], ["report"]],
                         ids=["discover", "robustness", "report"])
def test_commands_on_a_read_only_folder_fail_with_one_line(
        folders: dict[str, Path], tmp_path: Path, command: list[str]) -> None:
    import subprocess
    import sys

    if not _can_mount_privately():
        pytest.skip("needs `unshare -rm` to mount a private tmpfs (the same failure is "
                    "injected in-process above)")
    source = folders["compare" if command[0] == "report" else "sweep"]
    disk = tmp_path / "disk"
    disk.mkdir()
    script = (f"mount -t tmpfs tmpfs {disk} && cp -r {source} {disk}/folder && "
              f"mount -o remount,ro {disk} && exec \"$@\"")
    result = subprocess.run(["unshare", "-rm", "sh", "-c", script, "sh", sys.executable, "-m",
                             "sim.cli", command[0], str(disk / "folder"), *command[1:]],
                            cwd=tmp_path, capture_output=True, text=True, timeout=600)
    assert result.returncode == 1, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    assert "Read-only file system" in lines[0]
