"""Hostile input: crafted results folders, scenario text aimed at the browser, links, huge and
infinite numbers, special files and bad arguments, each through the command line.

Every case must end with exit status 2 (bad input) and one `error:` line naming what is wrong,
never a traceback, and must read or write nothing outside its own folder: each runs in a fresh
temporary directory holding a sentinel file outside the folder under attack (the target of
every planted link), and the whole directory tree is compared before and after, except for the
places a command may write (`results/`, the folder it was given). The sentinel's text must
appear in no output and no written file. A SIGALRM guard turns a read that would block forever
(a device, a named pipe) into a failure instead of a hung suite.

Environment failures (read-only and full disks) and concurrent use, which need real processes
and file systems, are at the end of the file.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import tomllib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import tomli_w
from click.testing import CliRunner

from sim.cli import main
from sim.experiments.design import Parameter, make_design
from sim.experiments.models import ScenarioModel
from sim.experiments.seeds import replicate_seeds
from sim.experiments.sweep import create_sweep
from sim.scenario.loader import load_scenario

REPO = Path(__file__).resolve().parent.parent
BASELINE = REPO / "scenarios" / "baseline.toml"
SECRET = "SENTINEL-SECRET-4242"
SMALL = ["--set", "scenario.months=12", "--set", "world.ecosystem.adopters=200"]
HANG_GUARD_S = 120
MINIMAL = """\
[scenario]
name = "tiny"
question = "Is this a scenario?"

[[developers]]
name = "lab"
jurisdiction = "US"
release_strategy = "open"
initial_run_flop = 1e25
"""


class Hang(BaseException):
    """Raised by the alarm: the command blocked (it read a device or a named pipe)."""


@dataclass
class Case:
    """A hostile input: `setup(tmp)` writes files and returns the command's arguments.

    `writable` names (relative to tmp) the places the command may change; `expect` must be in
    the single error line; `exit_code` is 2 unless said otherwise.
    """

    setup: Callable[[Path], list[str]]
    expect: str
    writable: tuple[str, ...] = ("results",)
    exit_code: int = 2
    error_lines: int = 1
    untouched: tuple[str, ...] = field(default_factory=tuple)  # must not appear afterwards


# Building blocks ------------------------------------------------------------------------------


def write(tmp: Path, name: str, text: str | bytes) -> Path:
    path = tmp / name
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


def run_args(*overrides: str) -> Callable[[Path], list[str]]:
    """`regsim run baseline --set ...` (small), the overrides under attack last."""
    def setup(tmp: Path) -> list[str]:
        sets = [part for text in overrides for part in ("--set", text)]
        return ["run", str(BASELINE), "-n", "1", "--no-plots", *SMALL, *sets]

    return setup


def validate_file(name: str, content: str | bytes | None = None,
                  make: Callable[[Path], None] | None = None) -> Callable[[Path], list[str]]:
    def setup(tmp: Path) -> list[str]:
        if content is not None:
            write(tmp, name, content)
        if make is not None:
            make(tmp)
        return ["validate", str(tmp / name)]

    return setup


def fifo(name: str) -> Callable[[Path], None]:
    return lambda tmp: os.mkfifo(tmp / name)


def symlink_loop(name: str) -> Callable[[Path], None]:
    def make(tmp: Path) -> None:
        (tmp / f"{name}.other").symlink_to(tmp / name)
        (tmp / name).symlink_to(tmp / f"{name}.other")

    return make


def small_raw() -> dict:
    scenario = load_scenario(BASELINE, ["scenario.months=12", "world.ecosystem.adopters=200"])
    return tomllib.loads(scenario.to_toml())


def sweep_folder(tmp: Path, name: str = "sweep") -> Path:
    """A genuine sweep folder (2 points x 2 replicates), not yet run."""
    design = make_design([Parameter("world.theft.hazard_per_month_at_parity",
                                    values=(0.001, 0.01))], "grid")
    return create_sweep(tmp / name, ScenarioModel(small_raw()), design, 5, 2, "small")


def read_json(path: Path):
    return json.loads(path.read_text())


def write_json(path: Path, data) -> None:
    path.write_text(json.dumps(data, indent=2))


def journal_line(folder: Path, **changes) -> str:
    seeds = read_json(folder / "manifest.json")["replicate_seeds"]
    record = {"point_id": 0, "replicate": 0, "seed": seeds[0], "status": "ok",
              "outcomes": {"thefts": 1.0}, "error": None, "traceback": None}
    record.update(changes)
    return json.dumps(record) + "\n"


def resume(change: Callable[[Path, Path], None]) -> Callable[[Path], list[str]]:
    """Tamper with a genuine sweep folder (`change(folder, tmp)`), then resume it."""
    def setup(tmp: Path) -> list[str]:
        folder = sweep_folder(tmp)
        change(folder, tmp)
        return ["sweep", "--resume", str(folder), "-j", "1", "-q", "--no-plots"]

    return setup


def append_journal(*lines: str | Callable[[Path], str]) -> Callable[[Path, Path], None]:
    def change(folder: Path, tmp: Path) -> None:
        with open(folder / "runs.jsonl", "a", encoding="utf-8") as stream:
            for line in lines:
                stream.write(line(folder) if callable(line) else line)

    return change


def edit_manifest(edit: Callable[[dict], None]) -> Callable[[Path, Path], None]:
    def change(folder: Path, tmp: Path) -> None:
        manifest = read_json(folder / "manifest.json")
        edit(manifest)
        write_json(folder / "manifest.json", manifest)

    return change


def edit_design(edit: Callable[[dict], None]) -> Callable[[Path, Path], None]:
    def change(folder: Path, tmp: Path) -> None:
        design = read_json(folder / "design.json")
        edit(design)
        write_json(folder / "design.json", design)

    return change


def pwned_folder(tmp: Path) -> list[str]:
    """The issue's exploit: a two-file folder naming os:system and a shell command."""
    folder = tmp / "pwned"
    folder.mkdir()
    write_json(folder / "manifest.json", {
        "kind": "sweep", "status": "running", "name": "x", "root_seed": 1, "replicates": 1,
        "replicate_seeds": replicate_seeds(1, 1), "total_runs": 1, "design": {"points": 1,
        "sampler": "grid"}, "sessions": [],
        "model": {"kind": "function", "function": "os:system", "outcome": "y",
                  "pass_seed": False, "save_timeseries": False}})
    write_json(folder / "design.json", {
        "sampler": "grid", "samples": 1, "seed": 1, "unit": None,
        "parameters": [{"key": "command", "kind": "uncertainty",
                        "values": [f"id > {tmp / 'pwned.txt'}"]}],
        "points": [[f"id > {tmp / 'pwned.txt'}"]]})
    return ["sweep", "--resume", str(folder), "-j", "1", "-q"]


def swap_scenario(edit: Callable[[dict], None], rehash: bool) -> Callable[[Path, Path], None]:
    def change(folder: Path, tmp: Path) -> None:
        raw = tomllib.loads((folder / "scenario.toml").read_text())
        edit(raw)
        text = tomli_w.dumps(raw)
        (folder / "scenario.toml").write_text(text)
        if rehash:
            manifest = read_json(folder / "manifest.json")
            manifest["model"]["scenario_sha256"] = hashlib.sha256(text.encode()).hexdigest()
            write_json(folder / "manifest.json", manifest)

    return change


def link_to_sentinel(name: str) -> Callable[[Path, Path], None]:
    def change(folder: Path, tmp: Path) -> None:
        path = folder / name
        if path.exists():
            path.unlink()
        path.symlink_to(tmp / "outside" / "secret.txt")

    return change


def link_outside(name: str, target: str) -> Callable[[Path, Path], None]:
    def change(folder: Path, tmp: Path) -> None:
        path = folder / name
        if path.exists() or path.is_symlink():
            path.unlink()
        path.symlink_to(tmp / "outside" / target)

    return change


def nested_json(depth: int) -> str:
    return "[" * depth + "]" * depth


RUN_FOLDER: dict[str, Path] = {}


def run_folder(tmp: Path) -> Path:
    """A genuine results folder of a tiny run (copied from one made once per session)."""
    if "source" not in RUN_FOLDER:
        source = Path(os.environ.get("PYTEST_TMP_ROOT", tmp.parent)) / "hostile-run-source"
        if not source.exists():
            result = CliRunner().invoke(main, ["run", str(BASELINE), "-n", "2", *SMALL,
                                               "--out", str(source), "-q"])
            assert result.exit_code == 0, result.output
        RUN_FOLDER["source"] = source
    target = tmp / "run"
    shutil.copytree(RUN_FOLDER["source"], target)
    return target


def report(change: Callable[[Path, Path], None]) -> Callable[[Path], list[str]]:
    def setup(tmp: Path) -> list[str]:
        folder = run_folder(tmp)
        change(folder, tmp)
        return ["report", str(folder), "--out", str(tmp / "results" / "report.html")]

    return setup


def replace_file(name: str, content: str | bytes) -> Callable[[Path, Path], None]:
    def change(folder: Path, tmp: Path) -> None:
        write(folder, name, content)

    return change


def make_fifo_in(name: str) -> Callable[[Path, Path], None]:
    def change(folder: Path, tmp: Path) -> None:
        path = folder / name
        if path.exists():
            path.unlink()
        os.mkfifo(path)

    return change


def as_sweep(folder: Path, tmp: Path) -> None:
    manifest = read_json(folder / "manifest.json")
    manifest["kind"] = "sweep"
    write_json(folder / "manifest.json", manifest)


def bad_event(folder: Path, tmp: Path) -> None:
    with open(folder / "events.jsonl", "a", encoding="utf-8") as stream:
        stream.write(json.dumps({"step": "x", "month": "2024-01", "kind": "theft",
                                 "text": "t", "replicate": 0}) + "\n")


def compare_report_naming(name: str) -> Callable[[Path], list[str]]:
    """A compare folder whose manifest names a scenario file outside the folder."""
    def setup(tmp: Path) -> list[str]:
        folder = tmp / "compare"
        write(folder, "comparison.csv", "policy,outcome,difference_mean,ci95_low,ci95_high\n"
                                        "p,thefts,1,0,2\n")
        write_json(folder / "manifest.json", {"kind": "comparison", "baseline": name,
                                              "policies": ["p"]})
        return ["report", str(folder), "--out", str(tmp / "results" / "report.html")]

    return setup


# The cases -----------------------------------------------------------------------------------

CASES: dict[str, Case] = {
    # Huge, infinite and meaningless numbers (each passed `validate` before, some crashed runs)
    "bass p infinite": Case(run_args("world.ecosystem.bass_p_per_month=inf"),
                            "world.ecosystem.bass_p_per_month: expected a number from 0 to 30"),
    "price per FLOP infinite": Case(run_args("world.compute.usd_per_flop_2024=inf"),
                                    "expected a number from 1e-24 to 1e-12; found inf"),
    "price decline 1e308": Case(run_args("world.compute.flop_price_decline_per_year=1e308"),
                                "expected a number from 1 to 100; found 1e+308"),
    "theft multiplier 1e308": Case(run_args("world.theft.hazard_multiplier_per_tier=1e308"),
                                   "hazard_multiplier_per_tier: expected a number from 1 to 100"),
    "choice temperature infinite": Case(run_args("world.compliance.relative_temperature=inf"),
                                        "relative_temperature: expected a number from 0 to 1"),
    "start 9999-12 for 1200 months": Case(run_args('scenario.start="9999-12"',
                                                   "scenario.months=1200"),
                                          "expected a month from 2000-01 to 2100-12"),
    "run ends after 2100-12": Case(run_args('scenario.start="2095-01"', "scenario.months=120"),
                                   "the run would end in 2104-12"),
    "not a number": Case(run_args("world.follower.leakage_share=nan"),
                         "world.follower.leakage_share: expected a number from 0 to 1; found nan"),
    "FLOP 1e400": Case(run_args("developers.meta.initial_run_flop=1e400"),
                       "initial_run_flop: expected a number from 1e+10 to 1e+40; found inf"),
    "negative infinity": Case(run_args("developers.meta.capability_offset_oom=-inf"),
                              "capability_offset_oom: expected a number from -3 to 3"),
    "integer of 30 digits": Case(run_args("scenario.months=" + "9" * 30),
                                 "scenario.months: expected an integer from 1 to 1200"),
    "integer literal of 5000 digits": Case(
        validate_file("long.toml", MINIMAL.replace('name = "tiny"',
                                                   'name = "tiny"\nseed = ' + "9" * 5000)),
        "long.toml"),
    "repeated market": Case(run_args('developers.meta.markets=["US", "US"]'),
                            "'US' is listed twice"),
    "repeated milestone": Case(run_args("world.capability_milestones_flop=[1e27, 1e27]"),
                               "1e+27 is listed twice"),
    "repeated export-control target": Case(
        run_args('regulators.us_federal.policies.chip_export_controls.target_jurisdictions='
                 '["CN", "CN"]'), "'CN' is listed twice"),
    "duplicate name by renaming": Case(run_args("developers.meta.name=openai"),
                                       "--set: developers.openai: duplicate developer name"),
    "duplicate name in a whole array": Case(
        run_args('states=[{ name = "prc", jurisdictions = ["CN"] }, '
                 '{ name = "prc", jurisdictions = ["RU"] }]'),
        "duplicate state name 'prc'"),
    "duplicate name in a compare": Case(lambda tmp: [
        "compare", "baseline", "kill_switch", "-n", "2", "--set", "developers.meta.name=openai"],
        "--set: developers.openai: duplicate developer name"),
    "duplicate name in a design point": Case(lambda tmp: [
        "sweep", str(BASELINE), "--param", "developers.meta.name=meta,openai", "-j", "1"],
        "--param: developers.openai: duplicate developer name"),
    "question of two lines": Case(run_args('scenario.question="a\\nb"'),
                                  "scenario.question: expected one line of text"),
    "label of 200 characters": Case(run_args(f'developers.meta.label="{"x" * 200}"'),
                                    "expected one line of text of at most 80 characters"),
    "a list index in --set": Case(run_args("developers[0].security_level=3"),
                                  "--set: developers[0].security_level: developer entries are "
                                  "addressed by name"),
    "nested 100000 deep": Case(validate_file("deep.toml", "a = " + nested_json(100_000)),
                               "deep.toml"),
    # Special files, as the scenario and as its base
    "/dev/zero as the scenario": Case(lambda tmp: ["validate", "/dev/zero"],
                                      "/dev/zero: is a device, not a scenario file"),
    "a named pipe as the scenario": Case(validate_file("pipe.toml", make=fifo("pipe.toml")),
                                         "is a named pipe (FIFO), not a scenario file"),
    "a symlink loop as the scenario": Case(validate_file("loop.toml", make=symlink_loop(
        "loop.toml")), "loop.toml: is a symlink loop"),
    "a folder as the scenario": Case(validate_file("folder.toml", make=lambda tmp: (
        tmp / "folder.toml").mkdir()), "is a directory, not a scenario file"),
    "extends /dev/zero": Case(validate_file("e.toml", 'extends = "/dev/zero"\n'),
                              "extends: /dev/zero: is a device, not a file"),
    "extends a named pipe": Case(validate_file("e.toml", 'extends = "pipe.toml"\n',
                                               make=fifo("pipe.toml")),
                                 "pipe.toml: is a named pipe (FIFO)"),
    "extends a symlink loop": Case(validate_file("e.toml", 'extends = "loop.toml"\n',
                                                 make=symlink_loop("loop.toml")),
                                   "loop.toml: is a symlink loop"),
    "a scenario of 2 MiB": Case(validate_file("big.toml", MINIMAL + "#" * (2 * 1024 * 1024)),
                                "big.toml: is too large (2.0 MiB; the limit is 1.0 MiB)"),
    "bytes that are not UTF-8": Case(validate_file("bin.toml", b"\xff\xfe\x00name"),
                                     "bin.toml: not UTF-8 text"),
    # Crafted sweep folders
    "a folder naming os:system": Case(pwned_folder, "has not registered",
                                      untouched=("pwned.txt",)),
    "forged replicate seeds": Case(resume(edit_manifest(
        lambda m: m.update(replicate_seeds=[1, 2]))), "replicate_seeds: expected the replicate "
        "seeds of root_seed"),
    "run count not the design's": Case(resume(edit_manifest(lambda m: m.update(total_runs=3))),
                                       "total_runs: expected 2 points x 2 replicates = 4"),
    "unknown model kind": Case(resume(edit_manifest(
        lambda m: m["model"].update(kind="python"))), "model: expected a table with kind"),
    "journal point_id 'a'": Case(resume(append_journal(lambda f: journal_line(f, point_id="a"))),
                                 "runs.jsonl:1: point_id: expected an integer from 0 to 1; "
                                 "found 'a'"),
    "journal point_id 999": Case(resume(append_journal(lambda f: journal_line(f, point_id=999))),
                                 "point_id: expected an integer from 0 to 1; found 999"),
    "journal point_id true": Case(resume(append_journal(
        lambda f: journal_line(f, point_id=True))), "point_id: expected an integer"),
    "journal replicate 7": Case(resume(append_journal(lambda f: journal_line(f, replicate=7))),
                                "replicate: expected an integer from 0 to 1; found 7"),
    "journal with a forged seed": Case(resume(append_journal(lambda f: journal_line(f, seed=1))),
                                       "seed: expected the seed of replicate 0"),
    "journal line of garbage": Case(resume(append_journal("{not json\n",
                                                          lambda f: journal_line(f))),
                                    "runs.jsonl:1: not a JSON run record"),
    "journal status 'pwned'": Case(resume(append_journal(lambda f: journal_line(f,
                                                                                status="pwned"))),
                                   "status: expected 'ok' or 'failed'"),
    "edited scenario.toml": Case(resume(swap_scenario(
        lambda raw: raw["scenario"].update(months=24), rehash=False)),
        "scenario.toml: changed since the sweep started"),
    "rehashed scenario with duplicate names": Case(resume(swap_scenario(
        lambda raw: raw["developers"][1].update(name=raw["developers"][0]["name"]),
        rehash=True)), "duplicate developer name"),
    "scenario.toml links to a secret": Case(resume(link_to_sentinel("scenario.toml")),
                                            "scenario.toml: is a symbolic link"),
    "runs.jsonl links outside": Case(resume(link_outside("runs.jsonl", "journal.jsonl")),
                                     "runs.jsonl: is a symbolic link"),
    ".lock links outside": Case(resume(link_outside(".lock", "created-by-lock")),
                                ".lock: is a symbolic link",
                                untouched=("outside/created-by-lock",)),
    "runs.jsonl is a named pipe": Case(resume(make_fifo_in("runs.jsonl")),
                                       "runs.jsonl: is not a regular file"),
    "plots links to another folder": Case(resume(link_outside("plots", "")),
                                          "plots: expected a folder of the sweep's own"),
    "a planted link at a temporary name": Case(resume(link_outside(".manifest.json.tmp",
                                                                   "overwritten")),
                                               ".manifest.json.tmp: is a symbolic link",
                                               untouched=("outside/overwritten",)),
    "a time-series part that is not Parquet": Case(resume(lambda folder, tmp: write(
        folder, "timeseries.parts/p0000000-r000000.parquet", "not parquet")),
        "not a time-series part this sweep wrote"),
    "design point out of range": Case(resume(edit_design(
        lambda d: d["points"].__setitem__(0, [0.5]))), "points[0]"),
    "design sweeps the seed": Case(resume(edit_design(
        lambda d: d["parameters"][0].update(key="scenario.seed"))),
        "parameters[0].key: expected a key a design may set"),
    "design that is not JSON": Case(resume(lambda folder, tmp: (folder / "design.json")
                                           .write_text("points = 3")),
                                    "design.json: not valid JSON"),
    "manifest that is a list": Case(resume(lambda folder, tmp: write_json(
        folder / "manifest.json", [1, 2])), "manifest.json: expected a JSON object"),
    "manifest nested 100000 deep": Case(resume(lambda folder, tmp: (folder / "manifest.json")
                                                .write_text(nested_json(100_000))),
                                        "manifest.json: not valid JSON"),
    # Crafted results folders given to `regsim report`
    "a plot linking to a secret": Case(report(link_to_sentinel("plots/capability.png")),
                                       "plots/capability.png: not a PNG image of this folder"),
    "a plot that is not an image": Case(report(replace_file("plots/lags.png", "<svg onload=1>")),
                                        "plots/lags.png: not a PNG image of this folder"),
    "a plot that is a named pipe": Case(report(make_fifo_in("plots/diffusion.png")),
                                        "plots/diffusion.png: not a PNG image"),
    "an event whose step is 'x'": Case(report(bad_event),
                                       "events.jsonl:", ),
    "outcomes.csv links to a secret": Case(report(link_to_sentinel("outcomes.csv")),
                                           "outcomes.csv: is a symbolic link"),
    "a manifest nested 100000 deep": Case(report(replace_file("manifest.json",
                                                              nested_json(100_000))),
                                          "manifest.json: cannot read"),
    "a sweep folder": Case(report(as_sweep), "is a sweep folder"),
    "a compare folder naming ../ files": Case(compare_report_naming("../../outside/secret"),
                                              "manifest.json: baseline: expected a scenario name"),
    # Arguments
    "an unparseable scheduler": Case(lambda tmp: ["sweep", str(BASELINE), "--param",
                                                  "world.theft.hazard_per_month_at_parity=0.1",
                                                  "--scheduler", "foo"],
                                     "--scheduler: expected an address such as"),
    "a scheduler port of 99999": Case(lambda tmp: ["compare", "baseline", "kill_switch",
                                                   "--scheduler", "tcp://127.0.0.1:99999"],
                                      "--scheduler: expected an address"),
    "a grid of 1e18 points": Case(lambda tmp: [
        "sweep", str(BASELINE), "--sampler", "grid", "--samples", "1000000",
        "--param", "world.theft.hazard_per_month_at_parity=0.001:0.02",
        "--param", "states.prc.distillation_hazard_per_month=0.02:0.2",
        "--param", "world.algo_efficiency_growth_oom_per_year=0.1:1.0"],
        "the grid design would have 1e+18 points"),
    "a run too big for memory": Case(lambda tmp: [
        "run", str(BASELINE), "-n", "100000", "--set", "scenario.months=900"],
        "too large to run: 100,000 replicates"),
    "schema over an existing file": Case(lambda tmp: ["schema", "--out", str(
        write(tmp, "results/keep.json", "precious"))], "keep.json already exists"),
}


@pytest.fixture(autouse=True)
def _sandbox(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("PYTEST_TMP_ROOT", str(tmp_path.parent))
    yield


def _tree(root: Path, writable: tuple[str, ...]) -> dict[str, tuple]:
    """Every entry under `root` (links not followed) outside the writable places."""
    entries: dict[str, tuple] = {}
    for directory, folders, files in os.walk(root, followlinks=False):
        for name in folders + files:
            path = Path(directory) / name
            relative = path.relative_to(root).as_posix()
            if any(relative == w or relative.startswith(w.rstrip("/") + "/") for w in writable):
                continue
            info = path.lstat()
            entries[relative] = (info.st_mode, info.st_size, info.st_mtime_ns)
    return entries


def _written_files(root: Path) -> Iterator[Path]:
    for directory, _, files in os.walk(root, followlinks=False):
        for name in files:
            path = Path(directory) / name
            if path.is_file() and not path.is_symlink() and path.name != "secret.txt":
                yield path


@contextlib.contextmanager
def _hang_guard(seconds: int) -> Iterator[None]:
    def alarm(signum, frame):
        raise Hang(f"blocked for {seconds} s")

    previous = signal.signal(signal.SIGALRM, alarm)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


@pytest.mark.parametrize("name", list(CASES))
def test_hostile_input_is_refused_cleanly(tmp_path: Path, name: str) -> None:
    case = CASES[name]
    sentinel = write(tmp_path, "outside/secret.txt", SECRET)
    argv = case.setup(tmp_path)
    folder_args = [a for a in argv if a.startswith(str(tmp_path))]
    writable = case.writable + tuple(
        Path(a).relative_to(tmp_path).as_posix() for a in folder_args
        if Path(a).is_dir() and not Path(a).is_symlink())
    before = _tree(tmp_path, writable)
    with _hang_guard(HANG_GUARD_S):
        result = CliRunner().invoke(main, argv)
    stderr, stdout = result.stderr, result.stdout
    assert "Traceback" not in stderr + stdout, stderr
    assert result.exit_code == case.exit_code, (result.exit_code, stderr, result.exception)
    errors = [line for line in stderr.splitlines() if line.strip()]
    assert len(errors) == case.error_lines and errors[0].startswith("error: "), stderr
    assert case.expect in errors[0], errors[0]
    assert sentinel.read_text() == SECRET
    assert _tree(tmp_path, writable) == before, "a file outside the command's folder changed"
    leaked = (SECRET.encode(), base64.b64encode(SECRET.encode()))
    for path in _written_files(tmp_path):
        data = path.read_bytes()
        assert not any(secret in data for secret in leaked), f"the secret leaked into {path}"
    assert SECRET not in stderr + stdout
    for untouched in case.untouched:
        assert not (tmp_path / untouched).exists(), f"{untouched} was created"


def test_the_suite_has_at_least_forty_distinct_hostile_inputs() -> None:
    assert len(CASES) >= 40


# Scenario text aimed at the browser, in the HTML report -----------------------------------------

HOSTILE_TEXT = ("x \"><img src=x onerror=alert(2)> {{ constructor.constructor('alert(3)')() }} "
                "[a](javascript:alert(4)) <script>alert(5)</script>")


def test_scenario_text_reaches_the_report_as_text(tmp_path: Path) -> None:
    scenario = write(tmp_path, "hostile.toml", f'extends = "{BASELINE}"\n'
                     f"[scenario]\nname = \"hostile\"\nquestion = {json.dumps(HOSTILE_TEXT)}\n"
                     f"description = {json.dumps(HOSTILE_TEXT)}\n"
                     f'[[developers]]\nname = "meta"\nlabel = "<b onmouseover=alert(6)>M</b>"\n'
                     f'[[states]]\nname = "prc"\nlabel = "<script>alert(7)</script>"\n')
    run = CliRunner().invoke(main, ["run", str(scenario), "-n", "2", *SMALL, "--out",
                                    str(tmp_path / "run"), "-q"])
    assert run.exit_code == 0, run.output
    made = CliRunner().invoke(main, ["report", str(tmp_path / "run")])
    assert made.exit_code == 0, made.output
    page = (tmp_path / "run" / "report.html").read_text()
    for markup in ("<img src=x", "<script>alert", "<b onmouseover", "href=\"javascript:"):
        assert markup not in page
    assert "&lt;img src=x onerror=alert(2)&gt;" in page
    assert "{{ constructor.constructor(&#x27;alert(3)&#x27;)() }}" in page
    assert "&lt;script&gt;alert(7)&lt;/script&gt;" in page


# Environment failures: read-only and full disks, in a private mount namespace --------------------


def _can_mount_privately() -> bool:
    if shutil.which("unshare") is None:
        return False
    probe = subprocess.run(["unshare", "-rm", "sh", "-c", "mount -t tmpfs tmpfs /mnt"],
                           capture_output=True)
    return probe.returncode == 0


def _in_private_mount(tmp_path: Path, mount_options: str, command: list[str],
                      fill: bool = False) -> subprocess.CompletedProcess:
    """Run `command` with a fresh tmpfs (`mount_options`) at tmp_path/disk, visible to it only;
    with `fill`, the disk is full before the command starts."""
    disk = tmp_path / "disk"
    disk.mkdir()
    filler = f"head -c 100M /dev/zero > {disk}/filler 2>/dev/null; " if fill else ""
    script = f"mount -t tmpfs -o {mount_options} tmpfs {disk} && {filler}exec \"$@\""
    return subprocess.run(["unshare", "-rm", "sh", "-c", script, "sh", *command],
                          cwd=tmp_path, capture_output=True, text=True, timeout=600)


REGSIM = [sys.executable, "-m", "sim.cli"]
ENVIRONMENT_CASES = {
    "run, read-only": ("ro", False, ["run", str(BASELINE), "-n", "1", *SMALL, "--no-plots"],
                       "Read-only file system"),
    "run, full disk": ("size=64k", True, ["run", str(BASELINE), "-n", "1", *SMALL],
                       "No space left on device"),
    "sweep, read-only": ("ro", False, ["sweep", str(BASELINE), "--param",
                                       "world.theft.hazard_per_month_at_parity=0.001,0.01",
                                       "-n", "1", *SMALL, "-j", "1", "--no-plots"],
                         "Read-only file system"),
    "sweep, full disk": ("size=64k", True, ["sweep", str(BASELINE), "--param",
                                            "world.theft.hazard_per_month_at_parity=0.001,0.01",
                                            "-n", "1", *SMALL, "-j", "1", "--no-plots"],
                         "No space left on device"),
    "compare, read-only": ("ro", False, ["compare", "baseline", "kill_switch", "-n", "2", *SMALL,
                                         "-j", "1", "--no-plots"], "Read-only file system"),
    "check, read-only": ("ro", False, ["check", "--quick", "--no-plots"],
                         "Read-only file system"),
}


@pytest.mark.parametrize("name", list(ENVIRONMENT_CASES))
def test_an_unwritable_out_fails_at_once_with_one_line(tmp_path: Path, name: str) -> None:
    if not _can_mount_privately():
        pytest.skip("needs `unshare -rm` to mount a private tmpfs (see test_storage for the "
                    "same failures injected in-process)")
    options, fill, arguments, expected = ENVIRONMENT_CASES[name]
    out = tmp_path / "disk" / "out"
    result = _in_private_mount(tmp_path, options, [*REGSIM, *arguments, "--out", str(out)],
                               fill=fill)
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and expected in lines[0], lines
    assert "replicates" not in result.stdout  # nothing was computed first


# Concurrent use ---------------------------------------------------------------------------------


@pytest.mark.slow
def test_concurrent_runs_in_the_same_second_each_keep_their_results(tmp_path: Path) -> None:
    processes = [
        subprocess.Popen([*REGSIM, "run", "baseline", "-n", "2", *SMALL, "--no-plots", "-q"],
                         cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for _ in range(3)
    ]
    outputs = [process.communicate(timeout=600) for process in processes]
    assert [process.returncode for process in processes] == [0, 0, 0], outputs
    folders = [Path(tmp_path, out.strip().rsplit("results: ", 1)[1]) for out, _ in outputs]
    assert len(set(folders)) == 3
    for folder in folders:
        assert (folder / "manifest.json").is_file() and (folder / "summaries.csv").is_file()
    names = sorted(path.name for path in (tmp_path / "results").iterdir())
    assert len(names) == 3 and not [n for n in names if n.startswith(".")]
