"""`regsim discover`: PRIM scenario discovery on a finished sweep folder.

Finds the region of the design (a box: ranges of some parameters, levels of categorical ones)
where an outcome is below or above a value, with coverage, density and mass, the whole
peeling trajectory and feature scores of every design parameter; writes tables, a summary and
plots into a subfolder of the sweep (`sim.analysis.discovery`, `sim.analysis.folders`).
"""

from __future__ import annotations

import json
import warnings
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
@click.option("--outcome", metavar="KEY", help="The outcome (a column of "
              "points.csv, e.g. state_mean_lag_months__prc), with --below or --above.")
@click.option("--below", type=float, metavar="V", help="Cases of interest: outcome < V "
              "(in the outcome's units).")
@click.option("--above", type=float, metavar="V", help="Cases of interest: outcome > V.")
@click.option("--where", "where", multiple=True, metavar="KEY<V|KEY>V", help="Cases of "
              "interest: every such condition holds (repeatable; instead of --outcome/--below/"
              "--above).")
@click.option("--effect", metavar="LEVER=A:B", help="Look at the lever's paired effect per "
              "future: the outcome under option B minus under option A on the same future "
              "(e.g. regulators.california.policies.kill_switch.enabled=false:true).")
@click.option("--include", multiple=True, metavar="KEY", help="Search only these dimensions "
              "(keys, or a kind: lever, uncertainty, drawn; repeatable).")
@click.option("--exclude", multiple=True, metavar="KEY", help="Leave out these dimensions "
              "(keys, or a kind: lever, uncertainty, drawn; repeatable).")
@click.option("--method", type=click.Choice(["prim", "cart", "both"]), default="prim",
              show_default=True, help="PRIM's box; CART's leaves as boxes beside it (both, or "
              "cart).")
@click.option("--resamples", type=click.IntRange(0, 1000), default=0, show_default=True,
              metavar="N", help="Re-run PRIM on N random halves of the cases and count how "
              "often each restriction reappears; also test dropping each restriction.")
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
def discover(sweep_dir: Path, outcome: str | None, below: float | None,
             above: float | None, where: tuple[str, ...], effect: str | None,
             include: tuple[str, ...], exclude: tuple[str, ...], method: str, resamples: int,
             per: str, threshold_share: float, box_index: int | None, peel_alpha: float,
             mass_min: float, out_dir: Path | None, force: bool, no_plots: bool,
             as_json: bool) -> None:
    """Find where in a finished sweep's design an outcome is below (or above) a value, or
    where conditions on several outcomes hold (--where), on the stored outcomes or on a
    lever's paired effect per future (--effect): PRIM boxes with coverage and density, the
    peeling trajectory, feature scores, CART's leaves (--method) and tests of the box
    (--resamples).

    Exit status: 0 done, 1 the results cannot be written (a read-only or
    full disk), 2 bad input (not a finished sweep, unknown outcome, no cases of
    interest or only cases of interest).
    """
    require_analysis_extra("discover")
    from sim.analysis.discovery import PeelingStoppedEarly
    from sim.analysis.discovery import discover as run_discovery
    from sim.analysis.folders import default_folder, write_analysis
    from sim.analysis.sweep_data import SweepDataError, load_sweep

    try:
        data = load_sweep(sweep_dir)
        with warnings.catch_warnings():  # printed below as one line each
            warnings.simplefilter("ignore", PeelingStoppedEarly)
            result = run_discovery(data, outcome, below=below, above=above, per=per,
                                   threshold_share=threshold_share, box_index=box_index,
                                   peel_alpha=peel_alpha, mass_min=mass_min, effect=effect,
                                   where=where, include=include, exclude=exclude,
                                   method=method, resamples=resamples)
        folder = out_dir or default_folder(sweep_dir, "discover", *result.folder_parts())
        summary = result.summary()
        tables = result.tables()
        with writing(f"cannot write the discovery to {folder}"):
            written = write_analysis(folder, "discovery", sweep_dir, summary, tables, force,
                                     None if no_plots else _plot_writer(result))
    except SweepDataError as error:
        bad_input(str(error))
    for message in result.warnings:
        click.echo(f"warning: {message}", err=True)
    if as_json:
        from sim.presentation.tables import outcome_descriptions

        described = outcome_descriptions([result.outcome])[0]
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

