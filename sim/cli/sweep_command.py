"""`regsim sweep`: run a design of parameter values x replicates and analyse its sensitivity."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import click

from sim.cli.common import (
    BAD_INPUT_EXIT_STATUS,
    RUN_FAILURE_EXIT_STATUS,
    SET_OPTION,
    bad_input,
    check_budget,
    check_scheduler_address,
    environment_failure,
    load_or_exit,
    print_problems,
)
from sim.cli.experiment_commands import (
    check_out_folder,
    check_resume_alone,
    create_or_exit,
    run_experiment,
)
from sim.cli.progress import progress_bar

DESIGN_OPTIONS = {"params": "--param", "levers": "--lever", "sampler": "--sampler",
                  "samples": "--samples", "replicates": "--replicates", "seed": "--seed",
                  "overrides": "--set", "out_dir": "--out", "save_timeseries": "--save-timeseries",
                  "uncertainty": "--uncertainty"}
"""Options that define a new sweep: not allowed with --resume (the folder holds its design)."""


@click.command()
@click.argument("scenario", metavar="[SCENARIO]", required=False)
@click.option("--param", "params", multiple=True, metavar="KEY=V1,V2,..|KEY=LO:HI[:log]",
              help="An uncertainty: a --set key with its options (comma-separated TOML values) "
              "or a range (integer ends give integers; ':log' samples log-uniformly). "
              "Repeatable; replaces the scenario's [sweep] table.")
@click.option("--lever", "levers", multiple=True, metavar="KEY=V1,V2,..|KEY=LO:HI[:log]",
              help="A lever (policy knob), written as --param. Repeatable.")
@click.option("--sampler", type=click.Choice(["grid", "lhs", "sobol", "morris"]),
              help="Default: the [sweep] table's; else grid if every parameter is a list, "
              "else lhs.")
@click.option("--samples", type=click.IntRange(1, 1_000_000), help="grid: levels per range "
              "(5); lhs: points (50); sobol: base N, a power of 2 (64); morris: trajectories "
              "(10).")
@click.option("--replicates", "-n", type=click.IntRange(1, 100_000),
              help="Replicates per design point (default: [sweep], else the scenario's).")
@click.option("--seed", type=click.IntRange(0, 2**63 - 1), help="Root seed (default: the "
              "scenario's).")
@SET_OPTION
@click.option("--workers", "-j", type=click.IntRange(1, 4096), help="Local worker processes "
              "(default: the number of CPUs; 1 runs in this process).")
@click.option("--scheduler", metavar="tcp://HOST:PORT", help="Run on this Dask scheduler "
              "instead (needs the cluster extra: pip install -e '.[cluster]').")
@click.option("--resume", "resume_dir", type=click.Path(file_okay=False, path_type=Path),
              help="Finish the interrupted sweep in DIR (its design and seeds are reused).")
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path),
              help="Results folder (default: results/<name>-sweep-<UTC time>).")
@click.option("--save-timeseries", is_flag=True, help="Also save every run's monthly series "
              "(timeseries.parquet).")
@click.option("--uncertainty", is_flag=True, help="Also draw each replicate's uncertain "
              "parameters (the scenario's [uncertainty] table, else every documented range) "
              "that the design does not set; replicate r gets the same draws at every point.")
@click.option("--outcome", "outcomes", multiple=True, metavar="KEY", help="Outcome to plot and "
              "print (default: the first key outcomes). Repeatable.")
@click.option("--no-plots", is_flag=True, help="Skip the PNG plots.")
@click.option("--quiet", "-q", is_flag=True, help="No progress bar or tables.")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON summary on stdout.")
def sweep(scenario: str | None, params: Sequence[str], levers: Sequence[str],
          sampler: str | None, samples: int | None, replicates: int | None, seed: int | None,
          overrides: Sequence[str], workers: int | None, scheduler: str | None,
          resume_dir: Path | None, out_dir: Path | None, save_timeseries: bool,
          uncertainty: bool, outcomes: Sequence[str], no_plots: bool, quiet: bool,
          as_json: bool) -> None:
    """Sweep SCENARIO over a design of uncertainties and levers, with replicates on common
    random numbers; write runs.csv, points.csv, sensitivity.csv and plots.

    The design comes from the scenario's [sweep] table, or from --param/--lever options.
    Exit status: 0 all runs ok, 1 some runs failed (recorded in runs.csv) or the sweep was
    stopped (finish it with --resume DIR), 2 bad input.
    """
    arguments = locals()
    given = [flag for name, flag in DESIGN_OPTIONS.items()
             if arguments[name] not in (None, (), False)]
    check_scheduler_address(scheduler)
    if resume_dir is not None:
        check_resume_alone(resume_dir, scenario, given, "the design")
        folder, name, create = _resumable(resume_dir, outcomes), resume_dir.name, None
    elif scenario is None:
        bad_input("give a SCENARIO to sweep, or --resume DIR")
    else:
        folder, name, create = _new_sweep(scenario, params, levers, sampler, samples,
                                          replicates, seed, overrides, out_dir, save_timeseries,
                                          uncertainty, outcomes)
    _execute(folder, name, create, workers, scheduler, outcomes, no_plots, quiet, as_json)


def _new_sweep(scenario: str, params: Sequence[str], levers: Sequence[str],
               sampler: str | None, samples: int | None, replicates: int | None,
               seed: int | None, overrides: Sequence[str], out_dir: Path | None,
               save_timeseries: bool, uncertainty: bool = False, outcomes: Sequence[str] = ()
               ) -> tuple[Path, str, Callable[[], None]]:
    """Validate the design (exit 2 on bad input); return the folder, the scenario name and
    what creates the folder (called once an executor is ready, so nothing is left behind if
    none can be had)."""
    import tomllib

    from sim.experiments.budget import check_design, check_runs, run_size
    from sim.experiments.design import check_parameters, make_design
    from sim.experiments.models import ScenarioModel
    from sim.experiments.storage import default_out_dir
    from sim.experiments.sweep import create_sweep
    from sim.scenario.errors import ScenarioError

    loaded, _ = load_or_exit(scenario, overrides)
    raw = tomllib.loads(loaded.to_toml())
    _check_outcomes(outcomes, loaded)
    parameters, source, spec = _parameters(loaded, params, levers)
    try:
        check_parameters(raw, parameters, source)
    except ScenarioError as error:
        print_problems(error)
        raise SystemExit(BAD_INPUT_EXIT_STATUS) from None
    sampler = sampler or (spec.sampler if spec else _default_sampler(parameters))
    samples = samples or (spec.samples if spec else None)
    replicates = replicates or (spec.replicates if spec else None) or loaded.scenario.replicates
    root_seed = loaded.scenario.seed if seed is None else seed
    points = 0

    def estimate() -> None:  # before the design is built: a grid may be astronomically large
        nonlocal points
        points = check_design(parameters, sampler, samples)
        check_runs(run_size(loaded), points * replicates)

    check_budget(estimate)
    try:
        design = make_design(parameters, sampler, samples, root_seed)
    except ValueError as error:
        bad_input(str(error))
    name = loaded.scenario.name
    folder = out_dir or default_out_dir(f"{name}-sweep")
    check_out_folder(folder, out_dir, "sweep")

    draws = _uncertainty_draws(loaded, raw, parameters, root_seed, replicates) if uncertainty \
        else ()

    def create() -> Path:
        return create_or_exit(folder, "sweep", lambda: create_sweep(
            folder, ScenarioModel(raw, replicate_values=draws), design, root_seed, replicates,
            name, save_timeseries=save_timeseries, auto_name=out_dir is None))

    return folder, name, create


def _uncertainty_draws(loaded: Any, raw: dict[str, Any], parameters: Sequence[Any],
                       root_seed: int, replicates: int) -> tuple[dict[str, Any], ...]:
    """`sweep_draws`, with exit 2 if there are none or a draw makes the scenario invalid."""
    from sim.experiments.uncertainty import sweep_draws
    from sim.scenario.errors import ScenarioError

    try:
        return sweep_draws(loaded, raw, parameters, root_seed, replicates)
    except ValueError as error:
        bad_input(str(error))
    except ScenarioError as error:
        print_problems(error)
        raise SystemExit(BAD_INPUT_EXIT_STATUS) from None


def _parameters(loaded: Any, params: Sequence[str], levers: Sequence[str]):
    """(parameters, where they came from, the [sweep] table if it was used)."""
    from sim.experiments.design import LEVER, UNCERTAINTY, parameters_from_spec, parse_param_option

    if params or levers:
        try:
            parsed = [parse_param_option(t, UNCERTAINTY) for t in params]
            parsed += [parse_param_option(t, LEVER) for t in levers]
        except ValueError as error:
            bad_input(f"--param/--lever: {error}")
        return parsed, "--param", None
    spec = loaded.sweep
    if spec is None or not (spec.uncertainties or spec.levers):
        bad_input("no design: the scenario has no [sweep] uncertainties or levers; give "
                  "--param KEY=V1,V2 or --param KEY=LO:HI")
    return parameters_from_spec(spec), "[sweep]", spec


def _default_sampler(parameters: Sequence[Any]) -> str:
    return "grid" if all(not p.is_range for p in parameters) else "lhs"


def _check_outcomes(outcomes: Sequence[str], scenario: Any) -> None:
    """Exit 2 for an `--outcome` the scenario's runs do not record, listing those they do
    (found by a one-month probe run, before anything else runs)."""
    if not outcomes:
        return
    from sim.experiments.budget import outcome_keys
    from sim.experiments.uncertainty import DRAW_PREFIX

    try:
        available = outcome_keys(scenario)
    except Exception:  # noqa: BLE001 (no probe: the runs themselves report the failure)
        return
    for outcome in outcomes:
        if outcome not in available and not outcome.startswith(DRAW_PREFIX):
            bad_input(f"--outcome {outcome[:80]!r}: not an outcome of this scenario; choose "
                      f"from {', '.join(available)}")


def _resumable(folder: Path, outcomes: Sequence[str] = ()) -> Path:
    """The folder, checked whole before anything runs: exit 2 if it is not a sweep regsim
    can resume (crafted, edited, or not a sweep at all), or if it is larger than a new sweep
    may be (the size and budget checks of a new sweep)."""
    from sim.experiments.sweep import SweepFolderError
    from sim.experiments.sweep_folder import verify_sweep_folder

    try:
        verified = verify_sweep_folder(folder)
    except SweepFolderError as error:
        bad_input(str(error))
    except OSError as error:
        environment_failure(f"cannot read {folder}", error)
    if verified.scenario_raw is not None:
        from sim.scenario.schema import Scenario

        _check_outcomes(outcomes, Scenario.model_validate(verified.scenario_raw))
        _check_resume_budget(verified)
    return folder


def _check_resume_budget(verified: Any) -> None:
    """Exit 2, naming the manifest's total_runs, if the sweep's runs would not fit the budget
    of a new sweep (`sim.experiments.budget.check_runs`)."""
    from sim.experiments.budget import BudgetError, check_runs, run_size
    from sim.experiments.sweep_folder import MANIFEST_NAME
    from sim.scenario.schema import Scenario

    runs = verified.manifest["total_runs"]
    try:
        check_runs(run_size(Scenario.model_validate(verified.scenario_raw)), runs)
    except BudgetError as error:
        bad_input(f"{verified.folder / MANIFEST_NAME}: total_runs: too large to run: {error}")
    except Exception:  # noqa: BLE001 (no estimate: the run itself reports any failure)
        return


def _execute(folder: Path, name: str, create: Callable[[], Path] | None, workers: int | None,
             scheduler: str | None, outcomes: Sequence[str], no_plots: bool, quiet: bool,
             as_json: bool) -> None:
    """Run what remains of the sweep in `folder` and report; exit 1 if runs failed."""
    from sim.experiments.sweep import SweepError, SweepFolderError, run_sweep, sweep_status

    plot_writer = None if no_plots else _plot_writer(outcomes)

    def run(folder: Path, executor: Any) -> Any:
        status = sweep_status(folder)
        with progress_bar(status.remaining_runs, f"{name}: runs",
                          not (quiet or as_json)) as advance:
            return run_sweep(folder, executor, advance, plot_writer)

    summary = run_experiment("sweep", folder, create, workers, scheduler, run,
                             SweepFolderError, SweepError)
    _report(summary, name, outcomes, quiet, as_json)
    if summary.failed_runs:
        raise SystemExit(RUN_FAILURE_EXIT_STATUS)


def _plot_writer(outcomes: Sequence[str]):
    def write(folder: Path) -> list[Path]:
        from sim.plots.sensitivity import default_outcomes, write_sweep_plots

        return write_sweep_plots(folder, list(outcomes) or default_outcomes(_varying(folder)))

    return write


def _varying(folder: Path) -> list[str]:
    """Outcomes whose swing is not zero (the ones worth plotting), in table order."""
    import pandas as pd

    indices = pd.read_csv(folder / "sensitivity.csv")
    swings = indices[(indices["index"] == "swing") & (indices["value"].abs() > 0)]
    return list(dict.fromkeys(swings["outcome"]))


def _report(summary: Any, name: str, outcomes: Sequence[str], quiet: bool,
            as_json: bool) -> None:
    import pandas as pd

    from sim.plots.sensitivity import default_outcomes
    from sim.presentation.sweep_report import (
        format_failures,
        format_sensitivity,
        sensitivity_records,
        summary_line,
    )

    folder = summary.folder
    indices = pd.read_csv(folder / "sensitivity.csv")
    shown = list(outcomes) or default_outcomes(_varying(folder))
    runs = pd.read_csv(folder / "runs.csv", usecols=["point_id", "replicate", "status", "error"])
    failures = format_failures(runs)
    if as_json:
        click.echo(json.dumps({
            "results": str(folder), "status": "complete", "total_runs": summary.total_runs,
            "ok_runs": summary.ok_runs, "failed_runs": summary.failed_runs,
            "failures": failures, "sensitivity": sensitivity_records(indices, shown)}, indent=2))
        return
    for line in failures:
        click.echo(f"failed: {line}", err=True)
    if not quiet:
        click.echo(summary_line(name, summary.total_runs, summary.ok_runs, summary.failed_runs,
                                summary.session_s, summary.session_runs))
        for outcome in shown:
            click.echo("\n" + format_sensitivity(indices, outcome))
    click.echo(f"results: {folder}")
