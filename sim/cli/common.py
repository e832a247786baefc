"""What every command shares: the exit status for bad input, the `--set` option, and how
scenario problems are printed."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, NoReturn

import click

if TYPE_CHECKING:
    from sim.scenario.errors import ScenarioError
    from sim.scenario.schema import Scenario

BAD_INPUT_EXIT_STATUS = 2
"""Exit status for an invalid scenario or argument (as click uses for usage errors)."""

RUN_FAILURE_EXIT_STATUS = 1

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
