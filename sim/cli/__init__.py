"""The `regsim` command: thin wrappers that parse arguments, call library functions and print.

Heavy modules (the Mesa model, pandas, matplotlib) are imported inside the commands that need
them, so `regsim --help` starts quickly. Bad input prints `error: ` and every problem to stderr
and exits with status 2, without a traceback; a failed run exits with status 1; Ctrl-C prints
one line and exits with status 130 (`common.interrupted`).
One module per group of commands; each is registered here.
"""

from __future__ import annotations

import click

import sim
from sim.cli import (
    app_command,
    check_command,
    compare_command,
    discover_command,
    report_command,
    robustness_command,
    run_command,
    scenario_commands,
    search_command,
    sweep_command,
)
from sim.cli.common import interrupted


class RegsimGroup(click.Group):
    """The command group; Ctrl-C in any command ends it with one line and exit status 130
    (click would print "Aborted!" and exit 1). A command that leaves something to resume
    catches KeyboardInterrupt itself and says so."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except KeyboardInterrupt:
            interrupted()


@click.group(cls=RegsimGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(sim.__version__, prog_name="regsim")
def main() -> None:
    """regsim: an agent-based simulator of AI regulation."""


main.add_command(run_command.run)
main.add_command(scenario_commands.validate)
main.add_command(scenario_commands.show)
main.add_command(scenario_commands.list_scenarios)
main.add_command(scenario_commands.schema)
main.add_command(app_command.app)
main.add_command(report_command.report)
main.add_command(sweep_command.sweep)
main.add_command(check_command.check)
main.add_command(compare_command.compare)
main.add_command(discover_command.discover)
main.add_command(robustness_command.robustness)
main.add_command(search_command.search)
