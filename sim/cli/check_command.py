"""`regsim check`: the validity report (calibration, independent measurements, historical
replay, docking), per formulation if asked."""

from __future__ import annotations

from pathlib import Path

import click

from sim.cli.common import (
    RUN_FAILURE_EXIT_STATUS,
    bad_input,
    describe_error,
    environment_failure,
)
from sim.cli.progress import progress_bar

STAGES = ("calibration", "replay", "bass", "theft", "compute")


@click.command()
@click.option(
    "--replicates",
    "-n",
    type=click.IntRange(2, 10_000),
    help="Replicates of the baseline and of the replay (default 20; 5 with --quick).",
)
@click.option("--quick", is_flag=True, help="Fewer replicates, for CI.")
@click.option(
    "--also-at",
    "also_at",
    type=click.IntRange(2, 10_000),
    multiple=True,
    help="Also evaluate every row on the first N replicates (those of --replicates N) and "
    "mark rows whose result differs as borderline; repeatable, e.g. --also-at 12.",
)
@click.option(
    "--formulation",
    "formulations",
    multiple=True,
    metavar="KEY=NAME",
    help="Check the model with formulation field KEY set to NAME (a schema field marked as a "
    "formulation); repeat to check several, reported one after the other.",
)
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Report folder (default: results/check-<UTC time>).",
)
@click.option("--force", is_flag=True, help="Replace an existing report folder.")
@click.option("--no-plots", is_flag=True, help="Skip the PNG plots.")
@click.option("--quiet", "-q", is_flag=True, help="No progress bar or tables.")
def check(
    replicates: int | None,
    quick: bool,
    also_at: tuple[int, ...],
    formulations: tuple[str, ...],
    out_dir: Path | None,
    force: bool,
    no_plots: bool,
    quiet: bool,
) -> None:
    """Check the model against calibration targets, history and closed-form models.

    Prints one table per section with each target, its source, the model's value with a 95%
    interval, its margin and pass or fail, and writes the tables (CSV, Markdown) and plots to a
    folder. Each row's kind (calibration, validation, consistency) is derived from what it
    declares it rests on. Exits with status 1 if a check fails for a reason docs/model.md does
    not document.
    """
    from sim.experiments.storage import ResultsExistError, check_writable, default_out_dir
    from sim.validity.formulations import parse_formulation
    from sim.validity.report import CheckSettings, format_reports, run_checks

    try:
        chosen = [dict([parse_formulation(text)]) for text in formulations] or [{}]
    except ValueError as error:
        bad_input(str(error))
    if quick:
        settings = CheckSettings.quick(replicates, tuple(also_at))
    else:
        settings = CheckSettings(replicates or 20, also_at=tuple(also_at))
    auto_name = out_dir is None
    out_dir = out_dir or default_out_dir("check")
    if out_dir.exists() and not force:
        bad_input(f"report folder {out_dir} already exists; choose another --out or pass --force")
    try:
        check_writable(out_dir, force)  # before minutes of work, not after
    except ResultsExistError as error:
        bad_input(str(error))
    except OSError as error:
        environment_failure(f"cannot write the report to {out_dir}", error)
    try:
        with progress_bar(len(STAGES) * len(chosen), "regsim check", not quiet) as advance:
            reports = [run_checks(settings, lambda stage: advance(1), formulation)
                       for formulation in chosen]
        folder = _write(reports, out_dir, force, auto_name, _plot_writer(no_plots))
    except ResultsExistError as error:
        bad_input(str(error))
    except (OSError, MemoryError) as error:
        environment_failure(f"cannot write the report to {out_dir}", error)
    except Exception as error:  # a model failure: say so plainly, exit 1
        click.echo(f"error: the check failed: {describe_error(error)}", err=True)
        raise SystemExit(RUN_FAILURE_EXIT_STATUS) from None
    if not quiet:
        click.echo(format_reports(reports))
    click.echo(f"report: {folder}")
    failures = [(r, c) for r in reports for c in r.undocumented_failures]
    if failures:
        names = ", ".join(c.name + (f" ({r.label})" if r.formulation else "")
                          for r, c in failures)
        click.echo(f"error: undocumented failures: {names}", err=True)
        raise SystemExit(RUN_FAILURE_EXIT_STATUS)


def _write(reports, out_dir: Path, force: bool, auto_name: bool, plot_writer) -> Path:
    """Write the report's folder; a default name taken meanwhile by another process (checks
    started in the same second) moves on to the next free name: the report is not lost."""
    from sim.experiments.storage import ResultsExistError, next_free_name
    from sim.validity.report import write_reports

    while True:
        try:
            return write_reports(reports, out_dir, force=force, plot_writer=plot_writer)
        except ResultsExistError:
            if not auto_name:
                raise
            out_dir = next_free_name(out_dir)


def _plot_writer(no_plots: bool):
    if no_plots:
        return None
    from sim.plots.validity import write_validity_plots

    return write_validity_plots
