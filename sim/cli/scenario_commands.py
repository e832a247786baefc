"""Scenario commands: `validate`, `show`, `list` and `schema`."""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import click

from sim.cli.common import (
    BAD_INPUT_EXIT_STATUS,
    SET_OPTION,
    bad_input,
    environment_failure,
    print_problems,
)


@click.command()
@click.argument("scenarios", nargs=-1, required=True, metavar="SCENARIO...")
@SET_OPTION
def validate(scenarios: Sequence[str], overrides: Sequence[str]) -> None:
    """Check scenario files (paths or bundled names) and report every problem, and warn of
    levers that cannot change anything in the scenario (the exit status ignores warnings)."""
    from sim.scenario.errors import ScenarioError
    from sim.scenario.inert import inert_levers
    from sim.scenario.loader import find_scenario, load_scenario

    failed = False
    for name in scenarios:
        try:
            path = find_scenario(name)
            scenario = load_scenario(path, overrides)
        except ScenarioError as error:
            print_problems(error)
            failed = True
        else:
            click.echo(f"ok: {path}")
            for lever in inert_levers(scenario):
                click.echo(f"{lever.line()} ({path})", err=True)
    if failed:
        raise SystemExit(BAD_INPUT_EXIT_STATUS)


@click.command()
@click.argument("scenario", metavar="SCENARIO")
@SET_OPTION
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of TOML.")
@click.option(
    "--raw",
    is_flag=True,
    help="Print the merged file contents, before defaults and validation (to debug `extends`).",
)
def show(scenario: str, overrides: Sequence[str], as_json: bool, raw: bool) -> None:
    """Print a scenario as resolved: `extends` merged, overrides applied, defaults filled in."""
    from sim.scenario.errors import ScenarioError
    from sim.scenario.loader import find_scenario, load_scenario, resolve_raw

    try:
        path = find_scenario(scenario)
        data = (
            resolve_raw(path, overrides) if raw else load_scenario(path, overrides).to_toml_dict()
        )
    except ScenarioError as error:
        print_problems(error)
        raise SystemExit(BAD_INPUT_EXIT_STATUS) from None
    click.echo(_dumps(data, as_json), nl=False)


@click.command("list")
def list_scenarios() -> None:
    """List the bundled scenarios with the question each answers."""
    from sim.scenario.loader import bundled_dir, bundled_scenarios

    found = bundled_scenarios()
    if not found:
        click.echo(f"no bundled scenarios in {bundled_dir()}")
        return
    width = max(len(scenario.name) for scenario in found)
    for scenario in found:
        text = scenario.question if scenario.error is None else f"(invalid: {scenario.error})"
        click.echo(f"{scenario.name:<{width}}  {text}")


@click.command()
@click.option(
    "--out",
    "out_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write to this file instead of standard output.",
)
@click.option("--force", is_flag=True, help="Replace the --out file if it exists.")
def schema(out_path: Path | None, force: bool) -> None:
    """Print the JSON Schema of scenario files (for editors and validators)."""
    from sim.scenario.schema import json_schema

    text = json.dumps(json_schema(), indent=2) + "\n"
    if out_path is None:
        click.echo(text, nl=False)
        return
    if os.path.lexists(out_path) and not force:
        bad_input(f"{out_path} already exists; pass --force to replace it")
    if out_path.is_dir():
        bad_input(f"{out_path} is a folder; give a file name such as scenario.schema.json")
    try:
        _write_atomically(out_path, text)
    except OSError as error:
        environment_failure(f"cannot write {out_path}", error)
    click.echo(f"wrote {out_path}", err=True)


def _write_atomically(path: Path, text: str) -> None:
    """Write `text` to a temporary file beside `path`, then rename it over `path`."""
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent or ".")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            stream.write(text)
        os.chmod(temporary, 0o644)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _dumps(data: dict[str, Any], as_json: bool) -> str:
    """A scenario dict as TOML (tomli_w) or as JSON."""
    if as_json:
        return json.dumps(data, indent=2, default=str) + "\n"
    import tomli_w

    # tomli_w writes plain values before tables: an empty `states = []` would top the file.
    return tomli_w.dumps({key: value for key, value in data.items() if value != []})
