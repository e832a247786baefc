"""Results folders: one self-describing directory per run, written atomically.

A folder holds ``scenario.toml`` (the resolved scenario), ``manifest.json`` (hash, seeds,
versions, git commit, timings, status), ``timeseries.csv`` (one row per replicate and month),
``summaries.csv`` (one row per replicate), ``outcomes.csv`` (mean, 95% CI and percentiles of
each numeric summary), ``events.jsonl`` (one event per line) and ``plots/*.png``.

Everything is built in a hidden sibling directory and renamed into place, so a folder either is
complete or does not exist; existing results are never touched without ``force`` and are
replaced only once the new folder is complete.
"""

from __future__ import annotations

import datetime as dt
import importlib.metadata
import json
import math
import os
import platform
import re
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

import sim
from sim.experiments.results import RunResult
from sim.experiments.stats import outcomes_table

FLOAT_FORMAT = "%.10g"  # fixed, so identical inputs give byte-identical CSVs
RECORDED_PACKAGES = ("mesa", "numpy", "pandas", "matplotlib", "scipy", "pydantic", "click")
GIT_TIMEOUT_S = 10.0
MANIFEST_NAME = "manifest.json"

PlotWriter = Callable[[RunResult, Path], list[Path]]


class ResultsExistError(FileExistsError):
    """The output folder exists and overwriting it was not asked for (or is not safe)."""


def default_out_dir(
    scenario_name: str, root: Path = Path("results"), now: dt.datetime | None = None
) -> Path:
    """``<root>/<scenario name>-<YYYYmmdd-HHMMSS>`` in UTC, with ``-2``, ``-3``... appended
    when that folder is already taken. ``now`` (UTC) is for tests."""
    stamp = (now or dt.datetime.now(dt.UTC)).strftime("%Y%m%d-%H%M%S")
    safe_name = re.sub(r"[^A-Za-z0-9._-]+", "-", scenario_name).strip(".-") or "run"
    candidate = Path(root) / f"{safe_name}-{stamp}"
    suffix = 2
    while candidate.exists():
        candidate = Path(root) / f"{safe_name}-{stamp}-{suffix}"
        suffix += 1
    return candidate


def write_run(
    result: RunResult,
    out_dir: Path,
    force: bool = False,
    plot_writer: PlotWriter | None = None,
) -> Path:
    """Write ``result`` as a results folder at ``out_dir`` and return its path.

    ``plot_writer(result, plots_dir)`` draws the plots (the presentation layer passes
    ``sim.presentation.plots.write_plots``); without one, no plots are written.

    Raises ResultsExistError, before doing any work, if ``out_dir`` exists and ``force`` is
    false, or if ``force`` would replace something that is not a results folder. On any error
    the partial folder is removed and existing results are left as they were.
    """
    return write_atomically(
        out_dir, force, lambda folder: _write_contents(result, folder, plot_writer)
    )


def write_atomically(out_dir: Path, force: bool, fill: Callable[[Path], None]) -> Path:
    """Create the folder `out_dir` with `fill(folder)` so that it appears whole or not at all.

    `fill` writes into a temporary sibling folder, which is then renamed into place. Raises
    ResultsExistError before any work if `out_dir` exists and not `force`; with `force` it
    replaces only a regsim results folder, and only once the new one is complete.
    """
    out_dir = Path(out_dir)
    _check_target(out_dir, force)
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    temp_dir = out_dir.parent / f".{out_dir.name}.tmp-{os.getpid()}"
    shutil.rmtree(temp_dir, ignore_errors=True)  # a stale leftover of this very process id
    try:
        temp_dir.mkdir()
        fill(temp_dir)
        _move_into_place(temp_dir, out_dir, force)
    except BaseException:
        shutil.rmtree(temp_dir, ignore_errors=True)
        raise
    return out_dir


def _check_target(out_dir: Path, force: bool) -> None:
    if not out_dir.exists() and not out_dir.is_symlink():
        return
    if not force:
        raise ResultsExistError(
            f"results folder {out_dir} already exists; choose another --out or pass --force "
            "to replace it"
        )
    if out_dir.is_symlink() or not out_dir.is_dir():
        raise ResultsExistError(f"{out_dir} exists and is not a directory; not replacing it")
    if any(out_dir.iterdir()) and not (out_dir / MANIFEST_NAME).is_file():
        raise ResultsExistError(
            f"{out_dir} is not a regsim results folder (no {MANIFEST_NAME}); not replacing it"
        )


def _move_into_place(temp_dir: Path, out_dir: Path, force: bool) -> None:
    """Rename the complete folder into place; with ``force``, set the old folder aside first
    and delete it only once the new one is in."""
    if not out_dir.exists():
        temp_dir.rename(out_dir)
        return
    if not force:  # created by someone else while we were writing
        raise ResultsExistError(f"results folder {out_dir} appeared while writing; not replacing")
    old_dir = out_dir.parent / f".{out_dir.name}.old-{os.getpid()}"
    shutil.rmtree(old_dir, ignore_errors=True)
    out_dir.rename(old_dir)
    try:
        temp_dir.rename(out_dir)
    except BaseException:
        old_dir.rename(out_dir)
        raise
    shutil.rmtree(old_dir, ignore_errors=True)


def _write_contents(result: RunResult, folder: Path, plot_writer: PlotWriter | None) -> None:
    (folder / "scenario.toml").write_text(result.resolved_scenario_toml, encoding="utf-8")
    summaries = result.summaries_frame()
    _write_csv(result.timeseries_frame(), folder / "timeseries.csv")
    _write_csv(summaries, folder / "summaries.csv")
    _write_csv(outcomes_table(summaries, _numeric_outcomes(summaries)), folder / "outcomes.csv")
    _write_events(result, folder / "events.jsonl")
    if plot_writer is not None:
        plot_writer(result, folder / "plots")
    # Last, so that a manifest with status "ok" always sits beside complete contents.
    _write_json(build_manifest(result), folder / MANIFEST_NAME)


def _write_csv(frame: pd.DataFrame, path: Path) -> None:
    frame.to_csv(path, index=False, float_format=FLOAT_FORMAT, lineterminator="\n")


def _numeric_outcomes(summaries: pd.DataFrame) -> list[str]:
    """Summary columns that hold numbers (not replicate/seed, not channel names)."""
    return [
        column
        for column in summaries.columns
        if column not in ("replicate", "seed")
        and (pd.api.types.is_numeric_dtype(summaries[column]) or summaries[column].isna().all())
        and not pd.api.types.is_bool_dtype(summaries[column])
    ]


def _write_events(result: RunResult, path: Path) -> None:
    with path.open("w", encoding="utf-8", newline="\n") as stream:
        for replicate in result.replicates:
            for event in replicate.events:
                record = _jsonable({**event, "replicate": replicate.replicate})
                stream.write(
                    json.dumps(record, sort_keys=True, allow_nan=False, default=str) + "\n"
                )


def _write_json(data: dict[str, Any], path: Path) -> None:
    text = json.dumps(_jsonable(data), indent=2, sort_keys=True, allow_nan=False, default=str)
    path.write_text(text + "\n", encoding="utf-8")


def _jsonable(value: Any) -> Any:
    """Plain JSON types: numpy scalars and arrays unwrapped, non-finite floats as null."""
    if isinstance(value, dict):
        return {str(key): _jsonable(item) for key, item in value.items()}
    if isinstance(value, list | tuple | set | np.ndarray):
        items = sorted(value, key=str) if isinstance(value, set) else value
        return [_jsonable(item) for item in items]
    if isinstance(value, np.generic):
        return _jsonable(value.item())
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, Path):
        return str(value)
    return value


def build_manifest(result: RunResult) -> dict[str, Any]:
    """Everything needed to say what produced a results folder and to reproduce it."""
    commit, dirty = git_state()
    return {
        "regsim_version": sim.__version__,
        "status": "ok",
        "created_utc": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "scenario_name": result.scenario_name,
        "question": result.question,
        "scenario_sha256": result.scenario_sha256,
        "start": result.start,
        "months": result.months,
        "state_names": list(result.state_names),
        "regulator_names": list(result.regulator_names),
        "root_seed": result.root_seed,
        "replicates": len(result.replicates),
        "replicate_seeds": list(result.replicate_seeds),
        "timings_s": dict(result.timings_s),
        "uncertain_parameters": list(result.uncertain_parameters),
        "interval_kind": result.interval_kind,
        "python_version": platform.python_version(),
        "platform": platform.platform(),
        "packages": package_versions(),
        "git_commit": commit,
        "git_dirty": dirty,
        "command_line": list(sys.argv),
    }


def package_versions(names: tuple[str, ...] = RECORDED_PACKAGES) -> dict[str, str | None]:
    """Installed version of each distribution, None when it is not installed."""
    versions: dict[str, str | None] = {}
    for name in names:
        try:
            versions[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            versions[name] = None
    return versions


def git_state() -> tuple[str | None, bool | None]:
    """``(commit, dirty)`` of the git checkout holding the ``sim`` package, or (None, None)
    when it is not in a checkout or git is unavailable; ``dirty`` means tracked files differ
    from the commit."""
    package_dir = Path(sim.__file__).resolve().parent
    checkout = package_dir.parent
    # An installed copy inside some unrelated repository (a venv in a checkout) is untracked.
    init_file = str(package_dir / "__init__.py")
    if _git(checkout, "ls-files", "--error-unmatch", init_file) is None:
        return (None, None)
    commit = _git(checkout, "rev-parse", "HEAD")
    if commit is None:
        return (None, None)
    status = _git(checkout, "status", "--porcelain", "--untracked-files=no")
    return (commit, None if status is None else bool(status))


def _git(cwd: Path, *args: str) -> str | None:
    try:
        completed = subprocess.run(
            ["git", *args],
            cwd=cwd,
            capture_output=True,
            text=True,
            timeout=GIT_TIMEOUT_S,
            check=True,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return completed.stdout.strip()
