"""`regsim compare`: policies against a baseline on paired replicates, with verdicts."""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import click

from sim.cli.common import (
    RUN_FAILURE_EXIT_STATUS,
    SET_OPTION,
    bad_input,
    check_budget,
    check_scheduler_address,
    environment_failure,
    interrupted,
    load_or_exit,
    reserve_output,
)
from sim.cli.progress import progress_bar

MAX_NAME_CHARS = 120
"""Longest default folder name before its time stamp (file names are limited to 255 bytes)."""


@click.command()
@click.argument("baseline", metavar="BASELINE")
@click.argument("policies", metavar="POLICY...", nargs=-1, required=True)
@click.option("--replicates", "-n", type=click.IntRange(2, 100_000),
              help="Paired replicates (default: the baseline's).")
@click.option("--seed", type=click.IntRange(0, 2**63 - 1), help="Root seed (default: the "
              "baseline's).")
@SET_OPTION
@click.option("--uncertainty", is_flag=True, help="Draw the baseline's uncertain parameters per "
              "replicate, the same draws for every scenario (paired).")
@click.option("--independent", is_flag=True, help="Give each policy its own seeds instead of "
              "the baseline's (unpaired; for showing what pairing gains).")
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path),
              help="Results folder (default: results/<baseline>-vs-<policies>-<UTC time>, "
              "long names shortened).")
@click.option("--force", is_flag=True, help="Replace an existing comparison folder at --out "
              "(only once the new one is complete).")
@click.option("--workers", "-j", type=click.IntRange(1, 4096), help="Local worker processes "
              "(default: the number of CPUs; 1 runs in this process).")
@click.option("--scheduler", metavar="tcp://HOST:PORT", help="Run on this Dask scheduler.")
@click.option("--outcome", "outcomes", multiple=True, metavar="KEY", help="Outcome to print "
              "and plot (default: the key outcomes). Repeatable.")
@click.option("--no-plots", is_flag=True, help="Skip the PNG plot.")
@click.option("--no-series", is_flag=True, help="Do not store each run's monthly series and "
              "event log (timeseries.parquet, events.parquet); the report then has no "
              "time-series or event sections. On a cluster without a shared file system.")
@click.option("--quiet", "-q", is_flag=True, help="No progress bar or table; verdicts only.")
@click.option("--json", "as_json", is_flag=True, help="Print the comparison as JSON on stdout.")
def compare(baseline: str, policies: Sequence[str], replicates: int | None, seed: int | None,
            overrides: Sequence[str], uncertainty: bool, independent: bool,
            out_dir: Path | None, force: bool,
            workers: int | None, scheduler: str | None, outcomes: Sequence[str],
            no_plots: bool, no_series: bool, quiet: bool, as_json: bool) -> None:
    """Compare each POLICY scenario with BASELINE on paired replicates (common random
    numbers): differences with 95% intervals, share of pairs better, and a verdict per outcome.

    --set applies to every scenario. Writes runs.csv, comparison.csv, plots/comparison.png,
    and each run's monthly series and events (timeseries.parquet, events.parquet) for
    `regsim report`; from the series, each effect on each state decomposed by channel (own
    labs, fine-tunes of open weights, distillation, theft; Shapley, paired), printed per
    policy and written to channels.csv and plots/channel_effects.png.
    The folder appears only once complete (it is written in a hidden temporary folder): an
    interrupted comparison leaves nothing half-written; run it again.
    Exit status: 0 ok, 1 some runs failed or the runs stopped, 2 bad input.
    """
    import tomllib

    from sim.experiments.budget import check_runs, run_size
    from sim.experiments.storage import default_out_dir

    check_scheduler_address(scheduler)
    loaded = [load_or_exit(name, overrides)[0] for name in (baseline, *policies)]
    names = [scenario.scenario.name for scenario in loaded]
    if len(set(names)) != len(names):
        bad_input(f"each scenario needs its own [scenario] name; found {', '.join(names)}")
    scenarios = {name: tomllib.loads(s.to_toml()) for name, s in zip(names, loaded, strict=True)}
    meta = loaded[0].scenario
    replicates = replicates or meta.replicates
    if replicates < 2:
        bad_input("a comparison needs at least 2 replicates for an interval; pass -n")
    root_seed = meta.seed if seed is None else seed
    check_budget(lambda: check_runs(max((run_size(s) for s in loaded),
                                        key=lambda size: size.replicate_seconds()),
                                    replicates * len(loaded)))
    pending = reserve_output(out_dir or default_out_dir(comparison_name(names)), force,
                             auto_name=out_dir is None)
    warn_inert_levers(names, loaded)  # once the comparison can go ahead
    from sim.experiments import uncertainty as parameter_uncertainty

    draws = (parameter_uncertainty.draws(parameter_uncertainty.declared(loaded[0]), root_seed,
                                         replicates) if uncertainty else [])
    with pending:  # written in a hidden temporary folder, renamed into place once complete
        work = pending.temp_dir
        try:
            runs = _run(work, scenarios, root_seed, replicates, independent, workers,
                        scheduler, not (quiet or as_json), not no_series, draws)
            states = {s.name: s.label or s.name for s in loaded[0].states}
            chosen = _finish(work, runs, names, outcomes, states, no_plots)
            folder = pending.commit()
        except (OSError, MemoryError) as error:
            environment_failure(f"the comparison stopped ({pending.out_dir})", error)
    failed = int((runs["status"] != "ok").sum())
    _print(folder, chosen, names, runs, quiet, as_json, independent, failed, states)
    if failed:
        raise SystemExit(RUN_FAILURE_EXIT_STATUS)


def comparison_name(names: Sequence[str]) -> str:
    """The default folder name's stem: `<baseline>-vs-<policies>`, cut to stay well within
    file-name limits (255 bytes) with its time stamp: when the names are long, each is
    shortened and the full list is in the manifest."""
    name = f"{names[0]}-vs-{'-'.join(names[1:])}"
    if len(name) <= MAX_NAME_CHARS:
        return name
    policies = names[1:]
    room = max(4, (MAX_NAME_CHARS - len("-vs-") - 12) // len(names) - 1)
    shortened = [n[:room] for n in (names[0], *policies[:3])]
    more = f"-and-{len(policies) - 3}" if len(policies) > 3 else ""
    return f"{shortened[0]}-vs-{'-'.join(shortened[1:])}{more}"[:MAX_NAME_CHARS]


def warn_inert_levers(names: Sequence[str], loaded: Sequence) -> None:
    """One `warning:` line (stderr) per lever that cannot change anything in a compared
    scenario (`sim.scenario.inert`); the exit status is unchanged."""
    from sim.scenario.inert import inert_levers

    for name, scenario in zip(names, loaded, strict=True):
        for lever in inert_levers(scenario):
            click.echo(f"{lever.line()} ({name})", err=True)


def _run(folder: Path, scenarios: dict[str, Any], root_seed: int, replicates: int,
         independent: bool, workers: int | None, scheduler: str | None, show: bool,
         save_series: bool, draws: list):
    from sim.experiments.compare import run_comparison
    from sim.experiments.engine import EngineError
    from sim.experiments.executors import ExecutorUnavailableError, open_executor
    from sim.experiments.storage import ResultsExistError

    total = replicates * len(scenarios)
    try:
        with open_executor(workers or os.cpu_count() or 1, scheduler) as executor, \
                progress_bar(total, "compare: runs", show) as advance:
            runs = run_comparison(folder, scenarios, root_seed, replicates, executor,
                                  independent, advance, save_series, draws)
    except (ExecutorUnavailableError, EngineError) as error:
        click.echo(f"error: the comparison stopped: {error}", err=True)
        raise SystemExit(RUN_FAILURE_EXIT_STATUS) from None
    except ResultsExistError:
        bad_input(f"results folder {folder} already exists; choose another --out")
    except KeyboardInterrupt:
        interrupted()  # the folder appears only when complete: nothing was written
    if save_series:
        _warn_of_missing_series(folder, runs)
    return runs


def _warn_of_missing_series(folder: Path, runs: Any) -> None:
    """Parts a worker wrote where this process cannot see them (a cluster without a shared
    file system) are missing from the merged files: say so rather than report on fewer runs."""
    ok = int((runs["status"] == "ok").sum())
    series = json.loads((folder / "manifest.json").read_text(encoding="utf-8")).get("series", {})
    stored = min(series.get("timeseries_runs", 0), series.get("events_runs", 0))
    if stored < ok:
        click.echo(f"warning: the time series and events of only {stored} of {ok} runs "
                   f"reached {folder}; on a cluster, --out must be on a file system every "
                   "worker reaches (or pass --no-series)", err=True)


def _finish(folder: Path, runs: Any, names: list[str], outcomes: Sequence[str],
            states: dict[str, str], no_plots: bool) -> Any:
    """Write comparison.csv and the plot (marking the folder complete); return the rows of
    the outcomes shown."""
    from sim.api_compare import finish_comparison, key_outcomes
    from sim.experiments.compare import numeric_outcomes

    available = numeric_outcomes(runs)
    for outcome in outcomes:
        if outcome not in available:
            bad_input(f"--outcome {outcome}: not a numeric outcome; choose from "
                      f"{', '.join(available)}")
    shown = list(outcomes) or key_outcomes(runs, states)
    table = finish_comparison(folder, runs, names, states, shown, plots=not no_plots)
    return table.set_index("outcome").loc[shown].reset_index()[table.columns]


def _print(folder: Path, chosen: Any, names: list[str], runs: Any, quiet: bool, as_json: bool,
           independent: bool, failed: int, states: dict[str, str]) -> None:
    from sim.presentation.compare_report import format_comparison

    pairing = "independent seeds" if independent else "common random numbers"
    replicates = int(runs["replicate"].nunique())
    if as_json:
        from sim.presentation.tables import with_labels

        records = json.loads(with_labels(chosen, states).to_json(orient="records"))
        click.echo(json.dumps({"results": str(folder), "baseline": names[0],
                               "pairing": pairing, "replicates": replicates,
                               "failed_runs": failed, "comparisons": records,
                               "channels": _channel_records(folder)}, indent=2))
        return
    if failed:
        click.echo(f"warning: {failed} runs failed; see {folder / 'runs.csv'}", err=True)
    for policy in names[1:]:
        rows = chosen[chosen["policy"] == policy]
        if not quiet:
            title = f"{policy} vs {names[0]}: {replicates} paired replicates ({pairing})"
            click.echo(format_comparison(rows, title) + "\n")
        for line in rows["verdict"]:
            click.echo(f"- {line}")
        click.echo("")
        if not quiet:
            _print_channels(folder, policy, states)
    click.echo(f"results: {folder}")


def _channel_records(folder: Path) -> list[dict[str, Any]] | None:
    """The channel decomposition (`channels.csv`) as JSON records; None without series."""
    path = folder / "channels.csv"
    if not path.exists():
        return None
    import pandas as pd

    return json.loads(pd.read_csv(path).to_json(orient="records"))


def _print_channels(folder: Path, policy: str, states: dict[str, str]) -> None:
    """Each state's channel decomposition of the policy's effect (`channels.csv`), if any."""
    path = folder / "channels.csv"
    if not path.exists():
        return
    import pandas as pd

    from sim.experiments.channels import format_channels

    table = pd.read_csv(path)
    for state, label in states.items():
        if ((table["policy"] == policy) & (table["state"] == state)).any():
            click.echo(format_channels(table, policy, label, state) + "\n")
