"""Results folders: one self-describing directory per run, written atomically.

A folder holds ``scenario.toml`` (the resolved scenario), ``manifest.json`` (hash, seeds,
versions, git commit, timings, status), ``timeseries.csv`` (one row per replicate and month),
``summaries.csv`` (one row per replicate), ``outcomes.csv`` (mean, 95% CI and percentiles of
each numeric summary), ``events.jsonl`` (one event per line) and ``plots/*.png``.

Everything is built in a hidden sibling directory (``.NAME.tmp-PID-N``, created before anything
is computed, so that an unwritable place is found at once) and renamed into place, so a folder
either is complete or does not exist. Existing results are never touched without ``force`` and
are replaced only once the new folder is complete. Computed results are never thrown away: if
another process takes the name meanwhile (runs started in the same second), the folder takes
the next free name, ``NAME-2``, ``NAME-3``... Temporary folders left by killed processes are
removed by the next write in the same place.
"""

from __future__ import annotations

import ctypes
import datetime as dt
import errno
import functools
import importlib.metadata
import itertools
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
from sim.experiments.csv_cells import write_csv
from sim.experiments.results import RunResult
from sim.experiments.stats import outcomes_table

RECORDED_PACKAGES = ("mesa", "numpy", "pandas", "matplotlib", "scipy", "pydantic", "click")
GIT_TIMEOUT_S = 10.0
MANIFEST_NAME = "manifest.json"

PlotWriter = Callable[[RunResult, Path], list[Path]]


class ResultsExistError(FileExistsError):
    """The output folder exists and overwriting it was not asked for (or is not safe)."""


PARTIAL_MARKER = ".regsim-partial"
"""A file inside each temporary folder: what marks a leftover as regsim's, safe to remove."""
_TEMPORARY = re.compile(r"^\.(?P<name>.+)\.(?P<what>tmp|old)-(?P<pid>\d+)(-\d+)?$")
_TEMPORARIES = itertools.count(1)
_STAMPED = re.compile(r"^(?P<stem>.*-\d{8}-\d{6})(-(?P<suffix>\d+))?$")
RENAME_NOREPLACE = 1  # linux/fs.h


def default_out_dir(
    scenario_name: str, root: Path = Path("results"), now: dt.datetime | None = None
) -> Path:
    """``<root>/<scenario name>-<YYYYmmdd-HHMMSS>`` in UTC, with ``-2``, ``-3``... appended
    when that folder is already taken. ``now`` (UTC) is for tests.

    The name is only a first choice: writers given ``auto_name`` move on to the next free
    suffix if another process takes it meanwhile."""
    stamp = (now or dt.datetime.now(dt.UTC)).strftime("%Y%m%d-%H%M%S")
    safe_name = re.sub(r"[^A-Za-z0-9._-]+", "-", scenario_name).strip(".-") or "run"
    candidate = Path(root) / f"{safe_name}-{stamp}"
    while os.path.lexists(candidate):
        candidate = next_free_name(candidate)
    return candidate


def next_free_name(folder: Path) -> Path:
    """The next name after `folder` in the series NAME, NAME-2, NAME-3, ... (not yet taken)."""
    folder = Path(folder)
    matched = _STAMPED.match(folder.name)
    stem, suffix = folder.name, 1
    if matched:
        stem, suffix = matched["stem"], int(matched["suffix"] or 1)
    while True:
        suffix += 1
        candidate = folder.parent / f"{stem}-{suffix}"
        if not os.path.lexists(candidate):
            return candidate


def write_run(
    result: RunResult,
    out_dir: Path | PendingFolder,
    force: bool = False,
    plot_writer: PlotWriter | None = None,
    auto_name: bool = False,
) -> Path:
    """Write ``result`` as a results folder at ``out_dir`` and return its path.

    ``out_dir`` is a path, or a PendingFolder reserved before the run was computed.
    ``plot_writer(result, plots_dir)`` draws the plots (the presentation layer passes
    ``sim.plots.runs.write_plots``); without one, no plots are written.

    Raises ResultsExistError, before doing any work, if ``out_dir`` exists and ``force`` is
    false, or if ``force`` would replace something that is not a results folder. If the folder
    appears while writing, the results go to the next free name (``NAME-2``...): the path
    returned says where. On any error the partial folder is removed and existing results are
    left as they were.
    """
    return write_atomically(
        out_dir, force, lambda folder: _write_contents(result, folder, plot_writer), auto_name
    )


def write_atomically(
    out_dir: Path | PendingFolder,
    force: bool,
    fill: Callable[[Path], None],
    auto_name: bool = False,
) -> Path:
    """Create the folder `out_dir` with `fill(folder)` so that it appears whole or not at all.

    `fill` writes into a temporary sibling folder, which is then renamed into place. Raises
    ResultsExistError before any work if `out_dir` exists and not `force`; with `force` it
    replaces only a regsim results folder, and only once the new one is complete. Without
    `force`, a folder that appears meanwhile is never replaced: the new one takes the next free
    name. Returns the folder's path.
    """
    pending = out_dir if isinstance(out_dir, PendingFolder) else PendingFolder(
        Path(out_dir), force, auto_name)
    with pending:
        fill(pending.temp_dir)
        return pending.commit()


class PendingFolder:
    """A results folder being written: a hidden temporary sibling ``.NAME.tmp-PID-N`` that
    `commit` renames into place.

    Created before any work, so that a folder that cannot be written (read-only, full, no
    permission) is found before anything is computed: raises ResultsExistError as
    `write_atomically` does, and OSError if the folder cannot be created. With `auto_name` (a
    default name), a name already taken moves on to the next free one instead. Used as a
    context manager, it removes the temporary folder unless committed.
    """

    def __init__(self, out_dir: Path, force: bool = False, auto_name: bool = False) -> None:
        self.out_dir = Path(out_dir)
        self.force = force
        self.auto_name = auto_name
        self.committed: Path | None = None
        while auto_name and os.path.lexists(self.out_dir):  # a default name, taken already
            self.out_dir = next_free_name(self.out_dir)
        _check_target(self.out_dir, force)
        self.out_dir.parent.mkdir(parents=True, exist_ok=True)
        clean_stale_temporaries(self.out_dir.parent)
        self.temp_dir = _new_temporary(self.out_dir)
        try:
            (self.temp_dir / PARTIAL_MARKER).write_text(
                "an unfinished regsim results folder\n", encoding="utf-8")
        except BaseException:
            shutil.rmtree(self.temp_dir, ignore_errors=True)
            raise

    def commit(self) -> Path:
        """Rename the complete folder into place and return where it went."""
        (self.temp_dir / PARTIAL_MARKER).unlink()
        self.committed = _move_into_place(self.temp_dir, self.out_dir, self.force)
        return self.committed

    def discard(self) -> None:
        """Remove the temporary folder (nothing if it was committed)."""
        if self.committed is None:
            shutil.rmtree(self.temp_dir, ignore_errors=True)

    def __enter__(self) -> PendingFolder:
        return self

    def __exit__(self, *exc: object) -> None:
        self.discard()


def replacement_folder(out_dir: Path) -> Path:
    """An empty hidden sibling of `out_dir` to build a results folder in that will replace
    the one at `out_dir` (`replace_folder`); ResultsExistError unless `out_dir` may be
    replaced (a regsim results folder, or an empty folder), checked before any work."""
    _check_target(Path(out_dir), True)
    return _new_temporary(Path(out_dir))


def replace_folder(built: Path, out_dir: Path) -> Path:
    """Move the finished folder `built` to `out_dir`, replacing what is there; the old folder
    is deleted only once the new one is in place."""
    return _move_into_place(Path(built), Path(out_dir), True)


def check_writable(out_dir: Path, force: bool = False) -> None:
    """Raise ResultsExistError or OSError now if a results folder cannot be written at
    `out_dir` (a trial temporary folder is created and removed)."""
    PendingFolder(Path(out_dir), force).discard()


def clean_stale_temporaries(folder: Path) -> list[Path]:
    """Remove the temporary folders (``.NAME.tmp-PID``, ``.NAME.old-PID``) that processes
    killed while writing left in `folder`: only regsim's (marked), only of dead processes.
    Returns what was removed."""
    removed = []
    try:
        entries = list(Path(folder).iterdir())
    except OSError:
        return removed
    for entry in entries:
        matched = _TEMPORARY.match(entry.name)
        if matched is None or entry.is_symlink() or not entry.is_dir():
            continue
        pid = int(matched["pid"])
        if pid == os.getpid() or _process_alive(pid):
            continue
        marked = (entry / PARTIAL_MARKER).is_file() or (entry / MANIFEST_NAME).is_file()
        if matched["what"] == "tmp" and not marked:
            continue
        if matched["what"] == "old" and not (entry / MANIFEST_NAME).is_file():
            continue
        shutil.rmtree(entry, ignore_errors=True)
        removed.append(entry)
    return removed


def _process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError, OSError):
        return True  # someone else's process, or not ours to judge: keep its folder
    return True


def _new_temporary(out_dir: Path) -> Path:
    """Create and return a hidden sibling ``.NAME.tmp-PID-N`` no one else uses."""
    while True:
        candidate = out_dir.parent / f".{out_dir.name}.tmp-{os.getpid()}-{next(_TEMPORARIES)}"
        try:
            candidate.mkdir()
            return candidate
        except FileExistsError:  # a leftover of an earlier process with this id
            continue


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


def _move_into_place(temp_dir: Path, out_dir: Path, force: bool) -> Path:
    """Rename the complete folder into place and return where it went.

    Without ``force``, an existing folder is never replaced: a folder created by someone else
    while we were writing sends ours to the next free name. With ``force``, the old folder is
    set aside first and deleted only once the new one is in."""
    if not force or not os.path.lexists(out_dir):
        target = out_dir
        while True:
            try:
                rename_no_replace(temp_dir, target)
                return target
            except FileExistsError:
                target = next_free_name(target)
    old_dir = out_dir.parent / f".{out_dir.name}.old-{os.getpid()}"
    shutil.rmtree(old_dir, ignore_errors=True)
    out_dir.rename(old_dir)
    try:
        temp_dir.rename(out_dir)
    except BaseException:
        old_dir.rename(out_dir)
        raise
    shutil.rmtree(old_dir, ignore_errors=True)
    return out_dir


def rename_no_replace(source: Path, target: Path) -> None:
    """Rename `source` to `target`, raising FileExistsError if `target` exists (atomically
    where the system allows: Linux's renameat2 with RENAME_NOREPLACE)."""
    if _renameat2(source, target):
        return
    if os.path.lexists(target):
        raise FileExistsError(errno.EEXIST, "already exists", str(target))
    Path(source).rename(target)


def _renameat2(source: Path, target: Path) -> bool:
    """True if renamed by renameat2; False if the call is not available here."""
    function = _libc_renameat2()
    if function is None:
        return False
    at_cwd = -100  # AT_FDCWD
    result = function(at_cwd, os.fsencode(source), at_cwd, os.fsencode(target),
                      RENAME_NOREPLACE)
    if result == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.ENOSYS, errno.EINVAL, errno.ENOTSUP):  # an old kernel or file system
        return False
    if code in (errno.EEXIST, errno.ENOTEMPTY):
        raise FileExistsError(code, os.strerror(code), str(target))
    raise OSError(code, os.strerror(code), str(source))


@functools.cache
def _libc_renameat2() -> Any:
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        function = libc.renameat2
    except (OSError, AttributeError):
        return None
    function.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p,
                         ctypes.c_uint]
    function.restype = ctypes.c_int
    return function


def _write_contents(result: RunResult, folder: Path, plot_writer: PlotWriter | None) -> None:
    (folder / "scenario.toml").write_text(result.resolved_scenario_toml, encoding="utf-8")
    summaries = result.summaries_frame()
    _write_csv(result.timeseries_frame(), folder / "timeseries.csv")
    _write_csv(summaries, folder / "summaries.csv")
    _write_csv(outcomes_table(summaries, numeric_summary_keys(summaries)), folder / "outcomes.csv")
    _write_events(result, folder / "events.jsonl")
    if plot_writer is not None:
        plot_writer(result, folder / "plots")
    # Last, so that a manifest with status "ok" always sits beside complete contents.
    _write_json(build_manifest(result), folder / MANIFEST_NAME)


def _write_csv(frame: pd.DataFrame, path: Path) -> None:
    write_csv(frame, path)


def numeric_summary_keys(summaries: pd.DataFrame) -> list[str]:
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
