"""`regsim run`: run a scenario's replicates, write its results folder, print key outcomes."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import click

from sim.cli.common import (
    RUN_FAILURE_EXIT_STATUS,
    SET_OPTION,
    check_budget,
    describe_error,
    environment_failure,
    load_or_exit,
    reserve_output,
)
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
@click.option("--workers", "-j", type=click.IntRange(1, 4096), default=1, show_default=True,
              help="Local worker processes running replicates in parallel (the results are "
              "the same for any number); 1 runs in this process.")
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
    workers: int,
) -> None:
    """Run SCENARIO (a path or a bundled name) and write its results folder."""
    from sim.experiments.budget import check_run, run_size
    from sim.experiments.engine import EngineError
    from sim.experiments.executors import open_executor
    from sim.experiments.runner import run_scenario
    from sim.experiments.storage import default_out_dir, write_run

    loaded, _ = load_or_exit(scenario, overrides)
    total = replicates or loaded.scenario.replicates
    check_budget(lambda: check_run(run_size(loaded), total))
    pending = reserve_output(out_dir or default_out_dir(loaded.scenario.name), force,
                             auto_name=out_dir is None)
    show_progress = not (quiet or as_json)
    with pending:
        try:
            label = f"{loaded.scenario.name}: replicates"
            with open_executor(min(workers, total)) as executor, \
                    progress_bar(total, label, show_progress) as advance:
                result = run_scenario(loaded, replicates, seed, progress=advance,
                                      uncertainty=uncertainty, executor=executor)
        except (OSError, MemoryError) as error:
            environment_failure("the run stopped", error)
        except EngineError as error:
            click.echo(f"error: the run stopped: {error}", err=True)
            raise SystemExit(RUN_FAILURE_EXIT_STATUS) from None
        except Exception as error:  # a model failure: say so plainly, exit 1
            click.echo(f"error: the run failed: {describe_error(error)}", err=True)
            raise SystemExit(RUN_FAILURE_EXIT_STATUS) from None
        try:
            folder = write_run(result, pending, plot_writer=_plot_writer(no_plots))
        except (OSError, MemoryError) as error:
            environment_failure(f"cannot write results to {pending.out_dir}", error)
        except Exception as error:  # a plotting failure: the results are not half-written
            click.echo(f"error: writing the results failed: {describe_error(error)}", err=True)
            raise SystemExit(RUN_FAILURE_EXIT_STATUS) from None
    if folder != pending.out_dir and out_dir is not None:
        click.echo(f"warning: {out_dir} appeared while this run was computing; the results "
                   f"are in {folder} instead", err=True)
    _report(result, folder, quiet, as_json, _state_labels(loaded))


def _state_labels(scenario) -> dict[str, str]:
    return {state.name: state.label or state.name for state in scenario.states}


def _plot_writer(no_plots: bool):
    if no_plots:
        return None
    from sim.plots.runs import write_plots

    return write_plots


def _report(result, folder: Path, quiet: bool, as_json: bool,
            state_labels: dict[str, str]) -> None:
    from sim.experiments.stats import outcomes_table
    from sim.presentation.tables import KEY_OUTCOMES, format_outcomes, with_labels

    summaries = result.summaries_frame()
    # A scenario may report other milestones than 1e27, or none: show the key outcomes it has.
    keys = [key for key, _ in KEY_OUTCOMES(result.state_names, summaries.columns)
            if key in summaries.columns]
    table = outcomes_table(summaries, keys)
    if as_json:
        records = json.loads(with_labels(table, state_labels).to_json(orient="records"))
        click.echo(json.dumps({"results": str(folder), "intervals": result.interval_kind,
                               "outcomes": records}, indent=2))
        return
    if not quiet:
        title = (f"{result.scenario_name}: {len(result.replicates)} replicates; intervals: "
                 f"{result.interval_kind}")
        click.echo(format_outcomes(table, title))
    click.echo(f"results: {folder}")
