"""`regsim search`: the trade-off (Pareto) set of lever settings over sampled futures
(`sim.analysis.search`)."""

from __future__ import annotations

import importlib.util
import json
from collections.abc import Sequence
from pathlib import Path

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

NEW_SEARCH_OPTIONS = {"levers": "--lever", "objectives": "--objective", "measure": "--measure",
                      "population": "--population", "generations": "--generations",
                      "futures": "--futures", "fresh_futures": "--fresh-futures",
                      "seed": "--seed", "fresh_seed": "--fresh-seed", "overrides": "--set",
                      "references": "--reference",
                      "out_dir": "--out"}
"""Options that define a new search: not allowed with --resume (the folder holds them)."""


@click.command()
@click.argument("scenario", metavar="[SCENARIO]", required=False)
@click.option("--objective", "objectives", multiple=True,
              metavar="KEY[:higher|:lower]|'KEY>=V'", help="An outcome to optimise, with its "
              "direction where regsim knows none (as regsim robustness reads them); with "
              "--measure satisfice, a threshold in the outcome's units. At least two.")
@click.option("--measure", default=None, metavar="mean|percentile:Q|regret|satisfice",
              help="How a candidate's outcomes over the futures become one score: the mean; "
              "the level reached in Q%% of futures; the largest regret against the best "
              "candidate in each future; the share of futures meeting the threshold "
              "(default: mean).")
@click.option("--lever", "levers", multiple=True, metavar="KEY=V1,V2,..|KEY=LO:HI[:log]",
              help="A lever to search, written as for regsim sweep (options, or a range: "
              "integer ends give integers). Repeatable; replaces the [sweep] levers.")
@click.option("--reference", "references", multiple=True, metavar="'NAME:KEY=VALUE'",
              help="A named reference policy to evaluate and mark on the plots: one lever's "
              "value (repeat with the same NAME for more levers; the others keep the "
              "scenario's). The scenario as written is always a reference.")
@click.option("--population", type=int, help="Candidates per generation (default 20).")
@click.option("--generations", type=int, help="Generations (default 10).")
@click.option("--futures", type=int, help="Futures every candidate runs in (default 8).")
@click.option("--fresh-futures", type=int, help="Fresh futures the Pareto set is re-run in "
              "(default 8; 0 skips the check).")
@click.option("--seed", type=click.IntRange(0, 2**63 - 1), help="Root seed of the futures and "
              "of the optimiser (default: the scenario's).")
@click.option("--fresh-seed", type=click.IntRange(0, 2**63 - 1), help="Root seed of the fresh "
              "futures (default: derived from --seed).")
@SET_OPTION
@click.option("--workers", "-j", type=click.IntRange(1, 4096), help="Local worker processes "
              "(default: the number of CPUs; 1 runs in this process).")
@click.option("--scheduler", metavar="tcp://HOST:PORT", help="Run on this Dask scheduler.")
@click.option("--resume", "resume_dir", type=click.Path(file_okay=False, path_type=Path),
              help="Finish the interrupted search in DIR.")
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path),
              help="Results folder (default: results/<name>-search-<UTC time>).")
@click.option("--no-plots", is_flag=True, help="Skip the PNG plots.")
@click.option("--quiet", "-q", is_flag=True, help="No progress or tables.")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON summary on stdout.")
def search(scenario: str | None, objectives: Sequence[str], measure: str | None,
           levers: Sequence[str], references: Sequence[str], population: int | None,
           generations: int | None,
           futures: int | None, fresh_futures: int | None, seed: int | None,
           fresh_seed: int | None, overrides: Sequence[str], workers: int | None,
           scheduler: str | None, resume_dir: Path | None, out_dir: Path | None,
           no_plots: bool, quiet: bool, as_json: bool) -> None:
    """Search SCENARIO's levers for the trade-off (Pareto) set of the --objective outcomes,
    each candidate run in the same sampled futures ([uncertainty]) and scored by --measure;
    then re-run the Pareto set in fresh futures. Writes candidates.csv, convergence.csv
    (hypervolume per generation), held.csv, runs.csv and plots.

    Exit status: 0 done, 1 the search stopped (finish it with --resume DIR) or some runs
    failed, 2 bad input.
    """
    arguments = locals()
    if importlib.util.find_spec("pymoo") is None:
        bad_input("regsim search needs pymoo: pip install -e '.[search]' in regsim's folder")
    given = [flag for name, flag in NEW_SEARCH_OPTIONS.items()
             if arguments[name] not in (None, (), False)]
    check_scheduler_address(scheduler)
    if resume_dir is not None:
        check_resume_alone(resume_dir, scenario, given, "the search")
        folder, create = _resumable(resume_dir), None
    elif scenario is None:
        bad_input("give a SCENARIO to search, or --resume DIR")
    else:
        sizes = {k: v for k, v in (("population", population), ("generations", generations),
                                   ("futures", futures), ("fresh_futures", fresh_futures))
                 if v is not None}
        folder, create = _new_search(scenario, objectives, measure or "mean", levers, sizes,
                                     seed, fresh_seed, overrides, out_dir, references)
    _execute(folder, create, workers, scheduler, no_plots, quiet, as_json)


def _new_search(scenario: str, objectives: Sequence[str], measure: str, levers: Sequence[str],
                sizes: dict[str, int], seed: int | None, fresh_seed: int | None,
                overrides: Sequence[str], out_dir: Path | None,
                references: Sequence[str] = ()):
    """Check every input (exit 2 naming the flag or key); return the folder and what
    creates it (called once an executor is ready)."""
    import tomllib

    from sim.analysis.search import create_search
    from sim.analysis.search_setup import parse_reference, prepare_search
    from sim.analysis.search_spec import SearchSpecError
    from sim.experiments.budget import check_runs, run_size
    from sim.experiments.design import LEVER, parse_param_option
    from sim.experiments.storage import default_out_dir
    from sim.scenario.errors import ScenarioError

    loaded, _ = load_or_exit(scenario, overrides)
    raw = tomllib.loads(loaded.to_toml())
    try:
        parsed = [parse_param_option(text, LEVER) for text in levers]
    except ValueError as error:
        bad_input(f"--lever: {error}")
    root_seed = loaded.scenario.seed if seed is None else seed
    named: dict[str, dict] = {}
    try:
        for text in references:
            name, key, value = parse_reference(text)
            named.setdefault(name, {})[key] = value
        prepared = prepare_search(loaded, raw, parsed, objectives, measure, sizes, root_seed,
                                  fresh_seed, named)
    except ScenarioError as error:
        print_problems(error)
        raise SystemExit(BAD_INPUT_EXIT_STATUS) from None
    except SearchSpecError as error:
        bad_input(str(error))
    settings = prepared.settings
    check_budget(lambda: check_runs(run_size(loaded), (settings.max_candidates() + 1)
                                    * settings.futures + settings.population
                                    * settings.fresh_futures))
    name = loaded.scenario.name
    folder = out_dir or default_out_dir(f"{name}-search")
    check_out_folder(folder, out_dir, "search")

    def create() -> Path:
        return create_or_exit(folder, "search", lambda: create_search(
            folder, prepared.model, settings, prepared.futures, name, prepared.references,
            auto_name=out_dir is None))

    return folder, create


def _resumable(folder: Path) -> Path:
    from sim.analysis.search import SearchFolderError, verify_search_folder

    try:
        verify_search_folder(folder)
    except SearchFolderError as error:
        bad_input(str(error))
    except OSError as error:
        environment_failure(f"cannot read {folder}", error)
    return folder


def _execute(folder: Path, create, workers: int | None, scheduler: str | None, no_plots: bool,
             quiet: bool, as_json: bool) -> None:
    from sim.analysis.search import SearchError, SearchFolderError, run_search

    def report(line: str) -> None:
        if not (quiet or as_json):
            click.echo(line, err=True)

    plot_writer = None if no_plots else _write_plots
    summary = run_experiment(
        "search", folder, create, workers, scheduler,
        lambda folder, executor: run_search(folder, executor, None, report, plot_writer),
        SearchFolderError, SearchError)
    _report(summary, quiet, as_json)
    if summary.failed_runs:
        raise SystemExit(RUN_FAILURE_EXIT_STATUS)


def _write_plots(folder: Path) -> list[Path]:
    from sim.plots.search import write_search_plots

    return write_search_plots(folder)


def _report(summary, quiet: bool, as_json: bool) -> None:
    from sim.presentation.search_report import format_search

    folder = summary.folder
    if as_json:
        data = json.loads((folder / "summary.json").read_text(encoding="utf-8"))
        click.echo(json.dumps({**data, "results": str(folder)}, indent=2))
        return
    if not quiet:
        click.echo(format_search(folder))
    click.echo(f"results: {folder}")
