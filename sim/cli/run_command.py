"""`regsim run`: run a scenario's replicates, write its results folder, print key outcomes."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import click

from sim.cli.common import RUN_FAILURE_EXIT_STATUS, SET_OPTION, bad_input, load_or_exit
from sim.cli.progress import progress_bar


@click.command()
@click.argument("scenario", metavar="SCENARIO")
@click.option(
    "--replicates",
    "-n",
    type=click.IntRange(1, 100_000),
    help="Replicates (default: the scenario's).",
)
@click.option(
    "--seed", type=click.IntRange(0, 2**63 - 1), help="Root seed (default: the scenario's)."
)
@SET_OPTION
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Results folder (default: results/<name>-<UTC time>).",
)
@click.option("--force", is_flag=True, help="Replace an existing results folder.")
@click.option("--no-plots", is_flag=True, help="Skip the PNG plots.")
@click.option("--quiet", "-q", is_flag=True, help="No progress bar or table.")
@click.option("--json", "as_json", is_flag=True, help="Print the outcomes as JSON on stdout.")
@click.option("--uncertainty", is_flag=True, help="Draw each replicate's uncertain parameters "
              "from their ranges (the scenario's [uncertainty] table, else every documented "
              "range), so intervals include parameter uncertainty.")
def run(
    scenario: str,
    replicates: int | None,
    seed: int | None,
    overrides: Sequence[str],
    out_dir: Path | None,
    force: bool,
    no_plots: bool,
    quiet: bool,
    as_json: bool,
    uncertainty: bool,
) -> None:
    """Run SCENARIO (a path or a bundled name) and write its results folder."""
    from sim.experiments.runner import run_scenario
    from sim.experiments.storage import ResultsExistError, default_out_dir, write_run

    loaded, _ = load_or_exit(scenario, overrides)
    out_dir = out_dir or default_out_dir(loaded.scenario.name)
    if out_dir.exists() and not force:
        bad_input(f"results folder {out_dir} already exists; choose another --out or pass --force")
    total = replicates or loaded.scenario.replicates
    show_progress = not (quiet or as_json)
    try:
        label = f"{loaded.scenario.name}: replicates"
        with progress_bar(total, label, show_progress) as advance:
            result = run_scenario(loaded, replicates, seed, progress=advance,
                                  uncertainty=uncertainty)
        folder = write_run(result, out_dir, force=force, plot_writer=_plot_writer(no_plots))
    except ResultsExistError as error:
        bad_input(str(error))
    except Exception as error:  # a model or disk failure: say so plainly, exit 1
        click.echo(f"error: the run failed: {type(error).__name__}: {error}", err=True)
        raise SystemExit(RUN_FAILURE_EXIT_STATUS) from None
    _report(result, folder, quiet, as_json)


def _plot_writer(no_plots: bool):
    if no_plots:
        return None
    from sim.presentation.plots import write_plots

    return write_plots


def _report(result, folder: Path, quiet: bool, as_json: bool) -> None:
    from sim.experiments.stats import outcomes_table
    from sim.presentation.tables import KEY_OUTCOMES, format_outcomes

    summaries = result.summaries_frame()
    keys = [key for key, _ in KEY_OUTCOMES(result.state_names, summaries.columns)]
    table = outcomes_table(summaries, keys)
    if as_json:
        records = json.loads(table.to_json(orient="records"))
        click.echo(json.dumps({"results": str(folder), "intervals": result.interval_kind,
                               "outcomes": records}, indent=2))
        return
    if not quiet:
        title = (f"{result.scenario_name}: {len(result.replicates)} replicates; intervals: "
                 f"{result.interval_kind}")
        click.echo(format_outcomes(table, title))
    click.echo(f"results: {folder}")
