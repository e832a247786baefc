"""A fuzz of 300 crafted results folders through `regsim report`, `sim.open`, `regsim discover`
and `regsim robustness` (issue 15's acceptance): no traceback, only the documented failures.

Three small real folders (a run, a comparison, a sweep: `tiny_folders`) are built once; each
case copies one and applies one to three mutations drawn by a seeded generator, so the cases
are the same on every machine: a manifest field set to a value of the wrong type, NaN or
Infinity, a huge number, a hostile string or nested junk, or deleted, or an extra one added;
a file (JSON, CSV, JSON Lines, TOML, Parquet, PNG) truncated, emptied, replaced by binary junk,
by a folder or by a symbolic link to a copy outside the folder, or deleted; a CSV cell, column
or header damaged; a journal line broken.

The contract checked: `sim.open` (and reading the tables it offers) raises nothing but
ResultsFolderError or ScenarioError; each command exits 0 or 2, and on 2 prints exactly one
`error:` line; nothing prints a traceback. The commands run in-process through click's
CliRunner, without plots, each writing to a fresh place outside the folder.
"""

from __future__ import annotations

import csv
import io
import json
import os
import random
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from tiny_folders import DISCOVER_ARGS, build, copy

import sim
from sim.api.folders import ResultsFolderError
from sim.cli import main
from sim.scenario.errors import ScenarioError

SEED = 20261215
CASES = {"run": 110, "compare": 100, "sweep": 90}
DISCOVER_EVERY = 3
"""Discovery (PRIM and feature scoring, the slowest command) runs on every third sweep case."""
HOSTILE_VALUES: list[Any] = [
    None, True, False, 0, -1, 7, 3.5, 2**63, 10**30, -(10**30), 10**400, 1e308,
    float("nan"), float("inf"), float("-inf"), "", "x" * 5000, "2024-13", "2024-00",
    "../../etc/passwd", "<script>alert(1)</script>", "=cmd|' /C calc'!A0", "\x00\u202e\x9b",
    "baseline", "kill_switch", [], {}, [1, "a", None], ["baseline", "baseline"],
    {"a": [1, {"b": None}]}, [[[[[]]]]], ["prc", 5], {"timeseries_runs": "x"},
]
EXTRA_KEYS = ["kind", "status", "series", "tables", "design", "model", "sessions", "runs",
              "unexpected_field", "replicate_seeds", "uncertainty_draws", "timings_s"]
CSV_JUNK: list[str] = ["", "nan", "inf", "-inf", "1e400", "-0.5", "=1+1", "@SUM(1)", "x" * 300,
                       "'quoted", "ok", "failed", "baseline", "\u202e", "True"]


@dataclass(frozen=True)
class Mutation:
    """One change to a folder: `what` is done to the file `path` (relative) with `detail`."""

    what: str
    path: str
    detail: Any = None

    def __repr__(self) -> str:
        return f"{self.what}({self.path!r}, {self.detail!r:.60})"


def _files(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*")
                  if p.is_file() and not p.is_symlink())


def _draw_mutation(rng: random.Random, files: list[str], manifest: dict[str, Any]) -> Mutation:
    kind = rng.choice(["manifest", "manifest", "manifest", "file", "file", "csv", "lines"])
    if kind == "manifest":
        key = rng.choice([*manifest, *EXTRA_KEYS])
        if rng.random() < 0.15:
            return Mutation("delete_key", "manifest.json", key)
        return Mutation("set_key", "manifest.json", (key, rng.choice(HOSTILE_VALUES)))
    if kind == "csv" and any(f.endswith(".csv") for f in files):
        path = rng.choice([f for f in files if f.endswith(".csv")])
        what = rng.choice(["csv_cell", "csv_cell", "csv_drop_column", "csv_header"])
        return Mutation(what, path, (rng.random(), rng.random(), rng.choice(CSV_JUNK)))
    if kind == "lines" and any(f.endswith(".jsonl") for f in files):
        path = rng.choice([f for f in files if f.endswith(".jsonl")])
        return Mutation("junk_line", path, (rng.random(), rng.choice(
            ['{"replicate": "x"}', "[1, 2]", "not json", '{"step": 1e400}', "{}",
             '{"replicate": 0, "step": -5, "month": "2024-13", "kind": 7}'])))
    path = rng.choice(files)
    what = rng.choice(["truncate", "truncate", "empty", "junk", "symlink", "folder", "delete"])
    return Mutation(what, path, rng.random())


def draw_cases(folders: dict[str, Path]) -> list[tuple[str, list[Mutation]]]:
    """The cases: (folder kind, its mutations), the same for a given SEED."""
    rng = random.Random(SEED)
    cases = []
    for kind, count in CASES.items():
        files = _files(folders[kind])
        manifest = json.loads((folders[kind] / "manifest.json").read_text(encoding="utf-8"))
        for _ in range(count):
            mutations = [_draw_mutation(rng, files, manifest)
                         for _ in range(rng.choice([1, 1, 2, 3]))]
            cases.append((kind, mutations))
    return cases


# Applying mutations --------------------------------------------------------------------------


def apply(folder: Path, mutation: Mutation, outside: Path, rng: random.Random) -> None:
    path = folder / mutation.path
    if not os.path.lexists(path) and mutation.what not in ("set_key",):
        return  # an earlier mutation of this case removed it
    APPLY[mutation.what](path, mutation.detail, outside, rng)


def _set_key(path: Path, detail: tuple[str, Any], outside: Path, rng: random.Random) -> None:
    manifest = _json_object(path)
    key, value = detail
    manifest[key] = value
    path.unlink(missing_ok=True)
    path.write_text(json.dumps(manifest), encoding="utf-8")  # NaN, Infinity as Python writes


def _delete_key(path: Path, key: str, outside: Path, rng: random.Random) -> None:
    manifest = _json_object(path)
    manifest.pop(key, None)
    path.write_text(json.dumps(manifest), encoding="utf-8")


def _json_object(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _truncate(path: Path, share: float, outside: Path, rng: random.Random) -> None:
    if path.is_file() and not path.is_symlink():
        data = path.read_bytes()
        path.write_bytes(data[: int(len(data) * share)])


def _empty(path: Path, share: float, outside: Path, rng: random.Random) -> None:
    _remove(path)
    path.write_bytes(b"")


def _junk(path: Path, share: float, outside: Path, rng: random.Random) -> None:
    _remove(path)
    path.write_bytes(rng.randbytes(1 + int(share * 4000)))


def _symlink(path: Path, share: float, outside: Path, rng: random.Random) -> None:
    target = outside / f"{path.name}.{rng.randrange(10**6)}"
    if path.is_file():
        shutil.copyfile(path, target)  # a real copy: following the link would "work"
    else:
        target.write_text("outside the folder", encoding="utf-8")
    _remove(path)
    path.symlink_to(target)


def _folder(path: Path, share: float, outside: Path, rng: random.Random) -> None:
    _remove(path)
    path.mkdir()


def _delete(path: Path, share: float, outside: Path, rng: random.Random) -> None:
    _remove(path)


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path)
    elif os.path.lexists(path):
        path.unlink()


def _rows(path: Path) -> list[list[str]]:
    try:
        with open(path, newline="", encoding="utf-8") as stream:
            return list(csv.reader(stream))
    except (OSError, UnicodeDecodeError, csv.Error):
        return []


def _write_rows(path: Path, rows: list[list[str]]) -> None:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(rows)
    _remove(path)
    path.write_text(buffer.getvalue(), encoding="utf-8")


def _csv_cell(path: Path, detail: tuple, outside: Path, rng: random.Random) -> None:
    rows = _rows(path)
    if len(rows) > 1:
        row = rows[1 + int(detail[0] * (len(rows) - 1))]
        if row:
            row[int(detail[1] * len(row))] = detail[2]
            _write_rows(path, rows)


def _csv_drop_column(path: Path, detail: tuple, outside: Path, rng: random.Random) -> None:
    rows = _rows(path)
    if rows and rows[0]:
        column = int(detail[0] * len(rows[0]))
        _write_rows(path, [[c for i, c in enumerate(row) if i != column] for row in rows])


def _csv_header(path: Path, detail: tuple, outside: Path, rng: random.Random) -> None:
    rows = _rows(path)
    if rows and rows[0]:
        header = rows[0]
        header[int(detail[0] * len(header))] = header[int(detail[1] * len(header))]
        _write_rows(path, rows)


def _junk_line(path: Path, detail: tuple, outside: Path, rng: random.Random) -> None:
    if not path.is_file() or path.is_symlink():
        return
    lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
    lines.insert(int(detail[0] * (len(lines) + 1)), detail[1])
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


APPLY: dict[str, Callable[[Path, Any, Path, random.Random], None]] = {
    "set_key": _set_key, "delete_key": _delete_key, "truncate": _truncate, "empty": _empty,
    "junk": _junk, "symlink": _symlink, "folder": _folder, "delete": _delete,
    "csv_cell": _csv_cell, "csv_drop_column": _csv_drop_column, "csv_header": _csv_header,
    "junk_line": _junk_line,
}


# Running the targets --------------------------------------------------------------------------


def open_and_read(folder: Path) -> str | None:
    """A problem with `sim.open` (and the tables it offers), or None."""
    try:
        results = sim.open(folder)
        for name in ("timeseries", "summaries", "outcomes", "comparison", "verdicts", "runs",
                     "points", "sensitivity", "events"):
            if name in type(results).__dict__ or hasattr(type(results), name):
                getattr(results, name)
    except (ResultsFolderError, ScenarioError):
        return None
    except Exception as error:  # noqa: BLE001 (the fuzz reports any other exception)
        return f"sim.open: {type(error).__name__}: {str(error)[:200]}"
    return None


def command(arguments: list[str]) -> str | None:
    """A problem with one command run in-process, or None."""
    result = CliRunner().invoke(main, arguments)
    output = result.output
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        return (f"{arguments[0]}: {type(result.exception).__name__}: "
                f"{str(result.exception)[:200]}")
    if "Traceback" in output:
        return f"{arguments[0]}: a traceback in the output"
    if result.exit_code not in (0, 2):
        return f"{arguments[0]}: exit status {result.exit_code}: {output[-300:]}"
    if result.exit_code == 2:
        lines = [line for line in result.stderr.splitlines() if line.strip()]
        if len(lines) != 1 or not lines[0].startswith("error: "):
            return f"{arguments[0]}: expected one error line; found {lines[:3]}"
    return None


def run_case(kind: str, folder: Path, scratch: Path, index: int) -> list[str]:
    problems = [open_and_read(folder)]
    if kind in ("run", "compare"):
        problems.append(command(["report", str(folder), "--out", str(scratch / "r.html")]))
    else:
        problems.append(command(["robustness", str(folder), "--no-plots", "--out",
                                 str(scratch / "robustness")]))
        if index % DISCOVER_EVERY == 0:
            problems.append(command(["discover", str(folder), *DISCOVER_ARGS, "--no-plots",
                                     "--out", str(scratch / "discover")]))
    return [problem for problem in problems if problem]


# The tests ------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def folders(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return build(tmp_path_factory.mktemp("tiny"))


def test_the_cases_are_the_same_on_every_machine(folders: dict[str, Path]) -> None:
    first, second = draw_cases(folders), draw_cases(folders)
    assert first == second and len(first) == sum(CASES.values()) == 300
    drawn = {m.what for _, mutations in first for m in mutations}
    assert drawn == set(APPLY), set(APPLY) - drawn  # every kind of mutation is exercised


@pytest.mark.parametrize("kind", list(CASES))
def test_crafted_folders_give_no_traceback(folders: dict[str, Path], tmp_path: Path,
                                           kind: str) -> None:
    cases = [(index, mutations) for index, (k, mutations) in enumerate(draw_cases(folders))
             if k == kind]
    outside = tmp_path / "outside"
    outside.mkdir()
    failures = []
    for index, mutations in cases:
        folder = copy(folders[kind], tmp_path / f"case-{index}")
        rng = random.Random(SEED + index)
        for mutation in mutations:
            apply(folder, mutation, outside, rng)
        scratch = tmp_path / f"out-{index}"
        scratch.mkdir()
        for problem in run_case(kind, folder, scratch, index):
            failures.append(f"case {index} {mutations}: {problem}")
        shutil.rmtree(folder, ignore_errors=True)
        shutil.rmtree(scratch, ignore_errors=True)
    assert failures == [], f"{len(failures)} failures:\n" + "\n".join(failures[:15])
