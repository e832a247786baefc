"""`regsim report`: write one self-contained HTML report of a results or compare folder."""

from __future__ import annotations

from pathlib import Path

import click

from sim.cli.common import bad_input


@click.command()
@click.argument("folder", metavar="RUN_OR_COMPARE_DIR",
                type=click.Path(path_type=Path))
@click.option("--out", "out_file", type=click.Path(dir_okay=False, path_type=Path),
              help="HTML file to write (default: RUN_OR_COMPARE_DIR/report.html).")
@click.option("--force", is_flag=True, help="Replace an existing report file.")
def report(folder: Path, out_file: Path | None, force: bool) -> None:
    """Write an HTML report (plots embedded, no external links) to e-mail after a workshop."""
    from sim.presentation.report import ReportError, write_report

    try:
        written = write_report(folder, out_file, force=force)
    except ReportError as error:
        bad_input(str(error))
    click.echo(f"report: {written}")
