"""`regsim robustness`: regret and satisficing of each lever combination of a finished sweep
over the futures every combination faced (`sim.analysis.robustness`)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import click

from sim.cli.common import bad_input, writing


@click.command()
@click.argument("sweep_dir", type=click.Path(path_type=Path))
@click.option("--outcome", "outcomes", multiple=True, metavar="KEY[:higher|:lower]",
              help="An outcome to judge by regret; add :higher or :lower where it has no "
              "known direction. Repeatable (default: every outcome with a known direction "
              "that varies over the design).")
@click.option("--satisfice", "criteria", multiple=True, metavar="'KEY>=V'",
              help="A satisficing criterion (>=, >, <=, <), in the outcome's units. "
              "Repeatable.")
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path),
              help="Folder for the tables and plots (default: SWEEP_DIR/robustness).")
@click.option("--force", is_flag=True, help="Replace an earlier robustness folder.")
@click.option("--no-plots", is_flag=True, help="Skip the PNG plots.")
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON on stdout.")
def robustness(sweep_dir: Path, outcomes: Sequence[str], criteria: Sequence[str],
               out_dir: Path | None, force: bool, no_plots: bool, as_json: bool) -> None:
    """Tabulate, for each combination of lever values in a finished sweep, its regret (how
    far behind the best combination in the same future) and the share of futures meeting
    each --satisfice criterion.

    The sweep must cross every lever combination with the same futures (grid, or lhs with
    levers given as lists of options). Exit status: 0 done, 1 the results cannot be written
    (a read-only or full disk), 2 bad input.
    """
    from sim.analysis.folders import default_folder, jsonable, write_analysis
    from sim.analysis.robustness import robustness as run_robustness
    from sim.analysis.sweep_data import SweepDataError

    try:
        result = run_robustness(sweep_dir, outcomes, criteria)
        folder = out_dir or default_folder(sweep_dir, "robustness")
        summary = result.summary()
        tables = {"robustness": result.table, "satisficing": result.satisficing,
                  "regret": result.regret, "combinations": result.combinations,
                  "futures": result.futures}
        with writing(f"cannot write the robustness analysis to {folder}"):
            written = write_analysis(folder, "robustness", sweep_dir, summary, tables, force,
                                     None if no_plots else _plot_writer(result))
    except SweepDataError as error:
        bad_input(str(error))
    if as_json:
        from sim.presentation.tables import outcome_descriptions

        described = outcome_descriptions(list(result.directions))
        click.echo(json.dumps(jsonable({**summary, "outcomes": described,
                                        "results": str(written)}), indent=2))
        return
    from sim.presentation.discovery_report import format_robustness

    click.echo(format_robustness(result))
    click.echo(f"results: {written}")


def _plot_writer(result):
    def write(plots_dir: Path) -> list[Path]:
        from sim.plots.discovery import write_robustness_plots

        return write_robustness_plots(result, plots_dir)

    return write

