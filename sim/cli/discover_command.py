"""`regsim discover`: PRIM scenario discovery on a finished sweep folder.

Finds the region of the design (a box: ranges of some parameters, levels of categorical ones)
where an outcome is below or above a value, with coverage, density and mass, the whole
peeling trajectory and feature scores of every design parameter; writes tables, a summary and
plots into a subfolder of the sweep (`sim.analysis.discovery`, `sim.analysis.folders`).
"""

from __future__ import annotations

import json
from pathlib import Path

import click

from sim.cli.common import bad_input, writing


def require_analysis_extra(command: str) -> None:
    """Exit 2 with the install line if the `analysis` extra is missing."""
    from sim.extras import MissingExtraError, require_extra

    try:
        require_extra("analysis", f"regsim {command}")
    except MissingExtraError as error:
        bad_input(str(error))


@click.command()
@click.argument("sweep_dir", type=click.Path(path_type=Path))
@click.option("--outcome", required=True, metavar="KEY", help="The outcome (a column of "
              "points.csv, e.g. state_mean_lag_months__prc).")
@click.option("--below", type=float, metavar="V", help="Cases of interest: outcome < V "
              "(in the outcome's units).")
@click.option("--above", type=float, metavar="V", help="Cases of interest: outcome > V.")
@click.option("--per", type=click.Choice(["point", "run"]), default="point", show_default=True,
              help="Cases are design points (by their mean over replicates) or single runs.")
@click.option("--threshold-share", type=float, default=0.8, show_default=True, metavar="S",
              help="The box chosen is the highest-coverage one whose density (share of its "
              "cases that are of interest) is at least S.")
@click.option("--box", "box_index", type=int, metavar="INDEX", help="Report this box of the "
              "peeling trajectory instead.")
@click.option("--peel-alpha", type=float, default=0.05, show_default=True, metavar="A",
              help="Share of the box's cases peeled off per step.")
@click.option("--mass-min", type=float, default=0.05, show_default=True, metavar="M",
              help="Stop peeling below this share of all cases in the box.")
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path),
              help="Folder for the tables and plots (default: SWEEP_DIR/discover-<outcome>-"
              "<below|above>-<V>).")
@click.option("--force", is_flag=True, help="Replace an earlier discovery folder.")
@click.option("--no-plots", is_flag=True, help="Skip the PNG plots.")
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON on stdout.")
def discover(sweep_dir: Path, outcome: str, below: float | None, above: float | None,
             per: str, threshold_share: float, box_index: int | None, peel_alpha: float,
             mass_min: float, out_dir: Path | None, force: bool, no_plots: bool,
             as_json: bool) -> None:
    """Find where in a finished sweep's design OUTCOME is below (or above) a value: PRIM
    boxes with coverage and density, the peeling trajectory, and feature scores.

    Exit status: 0 done, 1 the results cannot be written (a read-only or
    full disk), 2 bad input (not a finished sweep, unknown outcome, no cases of
    interest or only cases of interest).
    """
    require_analysis_extra("discover")
    from sim.analysis.discovery import discover as run_discovery
    from sim.analysis.folders import default_folder, write_analysis
    from sim.analysis.sweep_data import SweepDataError, load_sweep

    try:
        data = load_sweep(sweep_dir)
        result = run_discovery(data, outcome, below=below, above=above, per=per,
                               threshold_share=threshold_share, box_index=box_index,
                               peel_alpha=peel_alpha, mass_min=mass_min)
        folder = out_dir or default_folder(sweep_dir, "discover", outcome, result.rule,
                                           f"{result.value:g}")
        summary = result.summary()
        tables = {"box": result.box, "trajectory": result.trajectory,
                  "trajectory_limits": result.limits, "feature_scores": result.feature_scores}
        with writing(f"cannot write the discovery to {folder}"):
            written = write_analysis(folder, "discovery", sweep_dir, summary, tables, force,
                                     None if no_plots else _plot_writer(result))
    except SweepDataError as error:
        bad_input(str(error))
    if as_json:
        from sim.presentation.tables import outcome_descriptions

        described = outcome_descriptions([outcome])[0]
        click.echo(json.dumps(_jsonable({**summary, "outcome_label": described["label"],
                                         "outcome_unit": described["unit"],
                                         "results": str(written)}), indent=2))
        return
    from sim.presentation.discovery_report import format_discovery

    click.echo(format_discovery(result))
    click.echo(f"results: {written}")


def _plot_writer(result):
    def write(plots_dir: Path) -> list[Path]:
        from sim.plots.discovery import write_discovery_plots

        return write_discovery_plots(result, plots_dir)

    return write


def _jsonable(summary: dict) -> dict:
    from sim.analysis.folders import jsonable

    return jsonable(summary)

