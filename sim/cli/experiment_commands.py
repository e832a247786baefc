"""What `regsim sweep` and `regsim search` share: the `--resume` check, the new folder's
check and creation, and running on an executor with one line for each way it can stop.

Both commands write a folder that `--resume DIR` finishes; they differ in what they run
(`sim.experiments.sweep.run_sweep`, `sim.analysis.search.run_search`), not in how a failure,
a lost worker or Ctrl-C is reported.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, NoReturn, TypeVar

import click

from sim.cli.common import (
    RUN_FAILURE_EXIT_STATUS,
    bad_input,
    describe_error,
    environment_failure,
    interrupted,
)

Summary = TypeVar("Summary")


def check_resume_alone(resume_dir: Path, scenario: str | None, given: Sequence[str],
                       what: str) -> None:
    """Exit 2 if `--resume DIR` comes with a SCENARIO or the options (`given`) that define a
    new experiment: the folder holds `what` ("the design", "the search")."""
    if scenario is not None or given:
        dropped = ", ".join((["SCENARIO"] if scenario is not None else []) + list(given))
        bad_input(f"--resume takes {what} from {resume_dir}; drop {dropped}")


def check_out_folder(folder: Path, out_dir: Path | None, kind: str) -> None:
    """Exit 2 if `--out` names something that exists and is not an empty folder (before
    anything runs; creating the folder checks again)."""
    if out_dir is not None and os.path.lexists(folder) and (
            not folder.is_dir() or folder.is_symlink() or any(folder.iterdir())):
        bad_input(f"{folder} already exists; choose another --out, or finish that {kind} with "
                  f"--resume {folder}")


def create_or_exit(folder: Path, kind: str, create: Callable[[], Path]) -> Path:
    """`create()` the new `kind` folder: exit 2 if the name is taken meanwhile, 1 with one
    line if it cannot be written."""
    from sim.experiments.storage import ResultsExistError

    try:
        return create()
    except ResultsExistError as error:
        bad_input(str(error))
    except OSError as error:
        environment_failure(f"cannot create the {kind} folder {folder}", error)


def run_experiment(kind: str, folder: Path, create: Callable[[], Path] | None,
                   workers: int | None, scheduler: str | None,
                   run: Callable[[Path, Any], Summary], folder_error: type[Exception],
                   busy_error: type[Exception]) -> Summary:
    """Open the executor (`workers` local processes, default one per CPU, or the Dask
    `scheduler`), create the folder if new (`create`, once an executor is ready, so nothing
    is left behind if none can be had), and `run(folder, executor)`; return its summary.

    Exit 2 for a folder that is not a `kind` regsim can resume (`folder_error`); 1 with one
    line if no executor can be had, or the runs stopped (`busy_error`: another process holds
    the folder, a lost worker, the machine) saying how to resume; 130 with one line on
    Ctrl-C, saying whether anything was written."""
    from sim.experiments.engine import EngineError
    from sim.experiments.executors import ExecutorUnavailableError, open_executor

    created = create is None
    try:
        with open_executor(workers or os.cpu_count() or 1, scheduler) as executor:
            if create is not None:
                folder = create()
                created = True
            return run(folder, executor)
    except ExecutorUnavailableError as error:
        click.echo(f"error: {error}", err=True)
        raise SystemExit(RUN_FAILURE_EXIT_STATUS) from None
    except folder_error as error:
        bad_input(str(error))
    except (EngineError, busy_error) as error:
        stopped(kind, folder, str(error))
    except (OSError, MemoryError) as error:
        stopped(kind, folder, describe_error(error))
    except KeyboardInterrupt:
        interrupted(f"finished runs are saved; resume with: regsim {kind} --resume {folder}"
                    if created else "nothing written")


def stopped(kind: str, folder: Path, reason: str) -> NoReturn:
    """Exit 1: the `kind` stopped for `reason`; say how to finish it."""
    click.echo(f"error: the {kind} stopped: {reason}", err=True)
    click.echo(f"finished runs are saved; continue with: regsim {kind} --resume {folder}",
               err=True)
    raise SystemExit(RUN_FAILURE_EXIT_STATUS)
