"""What every command shares: the exit status for bad input, the `--set` option, and how
scenario problems are printed."""

from __future__ import annotations

import contextlib
import re
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

import click

if TYPE_CHECKING:
    from sim.experiments.storage import PendingFolder
    from sim.scenario.errors import ScenarioError
    from sim.scenario.schema import Scenario

BAD_INPUT_EXIT_STATUS = 2
"""Exit status for an invalid scenario or argument (as click uses for usage errors)."""

RUN_FAILURE_EXIT_STATUS = 1

INTERRUPTED_EXIT_STATUS = 130
"""Exit status after Ctrl-C (SIGINT): 128 + 2, as a shell reports a process the signal ended."""

SET_OPTION = click.option(
    "--set",
    "overrides",
    multiple=True,
    metavar="KEY=VALUE",
    help="Override a scenario value, e.g. developers.meta.security_level=3 "
    "(VALUE is a TOML literal; a bare word is a string). Repeatable.",
)


def print_problems(error: ScenarioError) -> None:
    """Each problem of a ScenarioError on its own `error: ` line on stderr."""
    for problem in error.problems:
        click.echo(f"error: {problem.format()}", err=True)


def bad_input(message: str) -> NoReturn:
    click.echo(f"error: {message}", err=True)
    raise SystemExit(BAD_INPUT_EXIT_STATUS)


def environment_failure(what: str, error: BaseException) -> NoReturn:
    """A failure of the machine, not of the input (full disk, read-only folder, no permission,
    out of memory): one line, exit status 1."""
    click.echo(f"error: {what}: {describe_error(error)}", err=True)
    raise SystemExit(RUN_FAILURE_EXIT_STATUS)


@contextlib.contextmanager
def writing(what: str) -> Iterator[None]:
    """Exit 1 with one line (`environment_failure`) if the block cannot write its output: a
    read-only, full or missing place (OSError), or no memory left."""
    try:
        yield
    except (OSError, MemoryError) as error:
        environment_failure(what, error)


def interrupted(what: str = "nothing written") -> NoReturn:
    """After Ctrl-C: one line saying what the command leaves behind, exit status 130. Every
    command writes its results atomically (nothing, or all of it) or, for sweeps, a folder
    `--resume` finishes; worker processes ignore SIGINT and leave this line to their parent."""
    click.echo(f"interrupted: {what}", err=True)
    raise SystemExit(INTERRUPTED_EXIT_STATUS)


def describe_error(error: BaseException) -> str:
    """An exception in one line: an OSError as its reason and file, others as type: message."""
    if isinstance(error, OSError) and error.strerror:
        where = f" ({error.filename})" if error.filename else ""
        return f"{error.strerror}{where}"
    if isinstance(error, MemoryError):
        return "out of memory"
    text = str(error).strip().splitlines()
    return f"{type(error).__name__}: {text[0]}" if text else type(error).__name__


SCHEDULER_ADDRESS = re.compile(
    r"^(?P<scheme>tcp|tls|ws|wss)://(?P<host>\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9._-]+):"
    r"(?P<port>\d{1,5})/?$")


def check_scheduler_address(address: str | None) -> None:
    """Exit 2 at once for a `--scheduler` that is not `tcp://HOST:PORT` (or tls, ws, wss),
    rather than letting Dask try to reach it for its whole timeout."""
    if address is None:
        return
    matched = SCHEDULER_ADDRESS.match(address)
    if matched is None or not 1 <= int(matched["port"]) <= 65535:
        bad_input(f"--scheduler: expected an address such as tcp://10.0.0.5:8786; found "
                  f"{address[:80]!r}")


def check_budget(check: Callable[[], None]) -> None:
    """Run a size estimate (`sim.experiments.budget`); exit 2 with it if the experiment is too
    large to run."""
    from sim.experiments.budget import BudgetError

    try:
        check()
    except BudgetError as error:
        bad_input(f"too large to run: {error}")
    except Exception:  # noqa: BLE001 (no estimate: the run itself reports any failure)
        return


def reserve_output(out_dir: Path, force: bool, auto_name: bool) -> PendingFolder:
    """The results folder's temporary folder, created now, before anything is computed: exit 2
    if it exists (without --force), 1 if it cannot be written."""
    from sim.experiments.storage import PendingFolder, ResultsExistError

    try:
        return PendingFolder(out_dir, force, auto_name)
    except ResultsExistError as error:
        bad_input(str(error))
    except OSError as error:
        environment_failure(f"cannot write results to {out_dir}", error)


def load_or_exit(name: str, overrides: Sequence[str] = ()) -> tuple[Scenario, str]:
    """Load a scenario (path or bundled name) or print its problems and exit with status 2.

    Returns the scenario and its path as given to the loader.
    """
    from sim.scenario.errors import ScenarioError
    from sim.scenario.loader import find_scenario, load_scenario

    try:
        path = find_scenario(name)
        return load_scenario(path, overrides), str(path)
    except ScenarioError as error:
        print_problems(error)
        raise SystemExit(BAD_INPUT_EXIT_STATUS) from None
