"""What a sweep folder and a search folder share: creating one whole, holding its lock, writing
its JSON files atomically, storing the resolved scenario, and the time stamps of its manifest.

The two kinds differ in what they hold (`sim.experiments.sweep`, `sim.analysis.search`); how a
folder comes to exist and is held while it runs is the same, and lives here once.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import os
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

from sim.experiments.storage import PendingFolder, ResultsExistError
from sim.experiments.sweep_folder import SCENARIO_NAME

LOCK_NAME = ".lock"


def create_folder(folder: Path, kind: str, write: Callable[[Path], None],
                  auto_name: bool = False) -> Path:
    """Create the folder of a new `kind` ("sweep", "search") by `write`, which fills the
    temporary folder it is given; return the folder's path. The folder appears whole or not
    at all; an empty folder is taken as it is.

    Raises ResultsExistError if `folder` exists and is not an empty folder (with `auto_name`,
    a default name, the next free name is taken instead); OSError if it cannot be written.
    """
    folder = Path(folder)
    empty = folder.is_dir() and not folder.is_symlink() and not any(folder.iterdir())
    if os.path.lexists(folder) and not empty and not auto_name:
        raise ResultsExistError(f"{folder} already exists; choose another --out, or finish "
                                f"that {kind} with --resume {folder}")
    with PendingFolder(folder, force=empty and not auto_name, auto_name=auto_name) as pending:
        write(pending.temp_dir)
        return pending.commit()


def write_scenario(raw: Mapping[str, Any], folder: Path) -> dict[str, Any]:
    """Write the resolved scenario `raw` to the folder's `SCENARIO_NAME`; return how the
    manifest describes it (its SHA-256, which a resumed folder is checked against)."""
    import tomli_w

    text = tomli_w.dumps(dict(raw))
    (folder / SCENARIO_NAME).write_text(text, encoding="utf-8")
    return {"kind": "scenario", "scenario_sha256": hashlib.sha256(text.encode()).hexdigest()}


@contextlib.contextmanager
def locked(folder: Path, kind: str, busy: type[Exception],
           not_a_folder: type[Exception]) -> Iterator[None]:
    """Hold the folder's lock (`LOCK_NAME`): one process at a time runs or resumes a `kind`.
    Raises `busy` if another process holds it, `not_a_folder` if the lock file is a link
    (the lock never follows one planted in the folder). No lock where there is no `fcntl`."""
    try:
        import fcntl
    except ImportError:  # not on POSIX: no lock
        yield
        return
    path = Path(folder) / LOCK_NAME
    flags = os.O_WRONLY | os.O_CREAT | os.O_APPEND | getattr(os, "O_NOFOLLOW", 0)
    try:
        handle = os.open(path, flags, 0o644)
    except OSError:
        if path.is_symlink():
            raise not_a_folder(f"{path}: is a symbolic link; a {kind} folder holds only its "
                               "own files") from None
        raise
    with os.fdopen(handle, "a") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            raise busy(f"another process is running the {kind} in {folder}") from None
        yield


def write_json(path: Path, data: Mapping[str, Any]) -> None:
    """Write `data` as JSON atomically (a temporary file, then renamed), keys sorted."""
    temporary = path.with_name(f".{path.name}.tmp")
    temporary.write_text(json.dumps(data, indent=2, sort_keys=True, default=str) + "\n",
                         encoding="utf-8")
    os.replace(temporary, path)


def utc_now() -> str:
    """The time now in UTC, ISO 8601 to the second (a manifest's `created_utc` and sessions)."""
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
