"""`regsim report`: write the policy brief of a results or compare folder, one HTML file."""

from __future__ import annotations

from pathlib import Path

import click

from sim.cli.common import bad_input, writing


@click.command()
@click.argument("folder", metavar="RUN_OR_COMPARE_DIR",
                type=click.Path(path_type=Path))
@click.option("--out", "out_file", type=click.Path(dir_okay=False, path_type=Path),
              help="HTML file to write (default: RUN_OR_COMPARE_DIR/report.html).")
@click.option("--force", is_flag=True, help="Replace an existing report file.")
def report(folder: Path, out_file: Path | None, force: bool) -> None:
    """Write a policy brief of a run or compare folder: one self-contained HTML file (plots
    embedded, no external links) to e-mail or print. Page one, printed alone on an A4 page,
    is the summary: the question, graded findings, costs, caveats and the assumptions they
    rest on. A sweep folder is refused. Exit status: 0 ok, 1 the file cannot be written (a
    read-only or full disk), 2 bad input."""
    from sim.brief.report import ReportError, write_report

    try:
        with writing(f"cannot write the report {out_file or folder / 'report.html'}"):
            written = write_report(folder, out_file, force=force)
    except ReportError as error:
        bad_input(str(error))
    click.echo(f"report: {written}")
