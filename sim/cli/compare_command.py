"""`regsim compare`: policies against a baseline on paired replicates, with verdicts."""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Sequence
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
              help="Paired replicates (default: the baseline's; per formulation, half of "
              "them per block, at least 8).")
@click.option("--seed", type=click.IntRange(0, 2**63 - 1), help="Root seed (default: the "
              "baseline's).")
@SET_OPTION
@click.option("--uncertainty", is_flag=True, help="Draw the baseline's uncertain parameters per "
              "replicate, the same draws for every scenario (paired).")
@click.option("--formulations", "formulations", metavar="all|full|none|KEY[,KEY]",
              help="Run the comparison once per formulation of the model's decisive "
              "mechanisms, on the same seeds (and draws): all (each field's options one at a "
              "time, the others at the baseline's), full (every combination), none, or the "
              "fields named. Default: all with --uncertainty, none without.")
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
            overrides: Sequence[str], uncertainty: bool, formulations: str | None,
            independent: bool, out_dir: Path | None, force: bool,
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

    With --formulations (on by default with --uncertainty), the comparison runs once per
    formulation block on the same seeds: per policy, each state's lag per formulation with
    its channel decomposition, and a verdict per outcome saying whether it holds under every
    formulation (formulations.csv, formulation_channels.csv; each block's folder under
    formulations/). With --uncertainty the formulations are then fixed per block and the
    other uncertain parameters drawn.
    Exit status: 0 ok, 1 some runs failed or the runs stopped, 2 bad input.
    """
    import tomllib

    from sim.experiments.budget import check_runs, run_size
    from sim.experiments.formulations import default_replicates, uncertainty_draws
    from sim.experiments.storage import default_out_dir

    check_scheduler_address(scheduler)
    loaded = [load_or_exit(name, overrides)[0] for name in (baseline, *policies)]
    names = [scenario.scenario.name for scenario in loaded]
    if len(set(names)) != len(names):
        bad_input(f"each scenario needs its own [scenario] name; found {', '.join(names)}")
    scenarios = {name: tomllib.loads(s.to_toml()) for name, s in zip(names, loaded, strict=True)}
    meta = loaded[0].scenario
    design = _formulation_design(formulations, uncertainty, independent, loaded[0])
    blocks = design[1] if design else []
    defaulted = replicates is None
    replicates = replicates or default_replicates(meta.replicates, len(blocks))
    if replicates < 2:
        bad_input("a comparison needs at least 2 replicates for an interval; pass -n")
    root_seed = meta.seed if seed is None else seed
    check_budget(lambda: check_runs(max((run_size(s) for s in loaded),
                                        key=lambda size: size.replicate_seconds()),
                                    replicates * len(loaded) * max(1, len(blocks))))
    draws = uncertainty_draws(loaded[0], root_seed, replicates, uncertainty, bool(blocks))
    if blocks:
        _check_blocks(scenarios, blocks)
    pending = reserve_output(out_dir or default_out_dir(comparison_name(names)), force,
                             auto_name=out_dir is None)
    warn_inert_levers(names, loaded)  # once the comparison can go ahead
    with pending:  # written in a hidden temporary folder, renamed into place once complete
        work = pending.temp_dir
        try:
            runs = _run(work, scenarios, root_seed, replicates, independent, workers,
                        scheduler, not (quiet or as_json), not no_series, draws, design)
            states = {s.name: s.label or s.name for s in loaded[0].states}
            if design:
                show = _finish_formulations(work, runs, design, names, outcomes, states,
                                            no_plots, replicates,
                                            meta.replicates if defaulted else replicates)
            else:
                show = _finish(work, runs, names, outcomes, states, no_plots, independent)
            folder = pending.commit()
        except (OSError, MemoryError) as error:
            environment_failure(f"the comparison stopped ({pending.out_dir})", error)
    if show(folder, quiet, as_json):
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


def _formulation_design(text: str | None, uncertainty: bool, independent: bool,
                        baseline: Any) -> tuple[str, list] | None:
    """(design, blocks) of a per-formulation comparison, or None for a plain one; exit 2 for
    a bad --formulations value or one combined with --independent."""
    from sim.experiments.formulations import plan

    if independent and text is not None and text.strip() != "none":
        bad_input("--formulations compares formulations on common seeds; drop --independent")
    try:
        return None if independent else plan(text, uncertainty, baseline)
    except ValueError as error:
        bad_input(f"--formulations: {error}")


def _check_blocks(scenarios: dict[str, Any], blocks: list) -> None:
    """Exit 2 if a block's formulation makes a scenario invalid (before anything runs)."""
    from sim.experiments.formulations import block_scenarios
    from sim.scenario.errors import ScenarioError

    for block in blocks:
        try:
            block_scenarios(scenarios, block)
        except ScenarioError as error:
            bad_input(f"--formulations {block.name}: {error}")



def warn_inert_levers(names: Sequence[str], loaded: Sequence) -> None:
    """One `warning:` line (stderr) per lever that cannot change anything in a compared
    scenario (`sim.scenario.inert`); the exit status is unchanged."""
    from sim.scenario.inert import inert_levers

    for name, scenario in zip(names, loaded, strict=True):
        for lever in inert_levers(scenario):
            click.echo(f"{lever.line()} ({name})", err=True)


def _run(folder: Path, scenarios: dict[str, Any], root_seed: int, replicates: int,
         independent: bool, workers: int | None, scheduler: str | None, show: bool,
         save_series: bool, draws: list, design: tuple[str, list] | None = None):
    """The runs table, or per formulation (`design`) block name -> runs table."""
    from sim.experiments.compare import run_comparison
    from sim.experiments.engine import EngineError
    from sim.experiments.executors import ExecutorUnavailableError, open_executor
    from sim.experiments.formulations import run_blocks
    from sim.experiments.storage import ResultsExistError

    total = replicates * len(scenarios) * (len(design[1]) if design else 1)
    try:
        with open_executor(workers or os.cpu_count() or 1, scheduler) as executor, \
                progress_bar(total, "compare: runs", show) as advance:
            if design:
                runs = run_blocks(folder, scenarios, design[1], root_seed, replicates,
                                  executor, advance, save_series, draws, design[0])
            else:
                runs = run_comparison(folder, scenarios, root_seed, replicates, executor,
                                      independent, advance, save_series, draws)
    except (ExecutorUnavailableError, EngineError) as error:
        click.echo(f"error: the comparison stopped: {error}", err=True)
        raise SystemExit(RUN_FAILURE_EXIT_STATUS) from None
    except ResultsExistError:
        bad_input(f"results folder {folder} already exists; choose another --out")
    except KeyboardInterrupt:
        interrupted()  # the folder appears only when complete: nothing was written
    if save_series and design:
        from sim.experiments.formulations import block_folder

        for block in design[1]:
            _warn_of_missing_series(block_folder(folder, block), runs[block.name])
    elif save_series:
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
            states: dict[str, str], no_plots: bool, independent: bool) -> Callable[..., bool]:
    """Write comparison.csv and the plot (marking the folder complete); return what prints
    the outcomes shown once the folder is in place: `show(folder, quiet, as_json)`, True if
    some runs failed."""
    from sim.api.comparison import finish_comparison, key_outcomes
    from sim.experiments.compare import numeric_outcomes

    available = numeric_outcomes(runs)
    for outcome in outcomes:
        if outcome not in available:
            bad_input(f"--outcome {outcome}: not a numeric outcome; choose from "
                      f"{', '.join(available)}")
    shown = list(outcomes) or key_outcomes(runs, states)
    table = finish_comparison(folder, runs, names, states, shown, plots=not no_plots)
    chosen = table.set_index("outcome").loc[shown].reset_index()[table.columns]
    failed = int((runs["status"] != "ok").sum())

    def show(final: Path, quiet: bool, as_json: bool) -> bool:
        _print(final, chosen, names, runs, quiet, as_json, independent, failed, states)
        return failed > 0
    return show


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


def _finish_formulations(folder: Path, runs: dict[str, Any], design: tuple[str, list],
                         names: list[str], outcomes: Sequence[str], states: dict[str, str],
                         no_plots: bool, replicates: int,
                         scenario_replicates: int) -> Callable[..., bool]:
    """Finish a per-formulation comparison; return what prints it once the folder is in
    place (the reference block's table, each state's lag per formulation with its channels,
    and the robustness verdicts): `show(folder, quiet, as_json)`, True if some runs failed."""
    from sim.api.comparison import finish_formulations, key_outcomes
    from sim.experiments.compare import numeric_outcomes
    from sim.experiments.formulations import CHANNELS_NAME, REFERENCE

    reference_runs = runs[REFERENCE]
    available = numeric_outcomes(reference_runs)
    for outcome in outcomes:
        if outcome not in available:
            bad_input(f"--outcome {outcome}: not a numeric outcome; choose from "
                      f"{', '.join(available)}")
    shown = list(outcomes) or key_outcomes(reference_runs, states)
    table, frame = finish_formulations(folder, design[0], design[1], runs, names, states,
                                       shown, plots=not no_plots)
    failed = sum(int((r["status"] != "ok").sum()) for r in runs.values())
    chosen = frame[frame["outcome"].isin(shown)]

    def show(final: Path, quiet: bool, as_json: bool) -> bool:
        if as_json:
            _print_formulations_json(final, table, chosen, names, shown, states, replicates,
                                     len(design[1]), failed)
            return failed > 0
        import pandas as pd

        path = final / CHANNELS_NAME
        channels = pd.read_csv(path) if path.exists() else None
        reference = table.set_index("outcome").loc[shown].reset_index()[table.columns]
        _print_formulations(final, reference, chosen, channels, names, states, quiet,
                            replicates, scenario_replicates, design, failed)
        return failed > 0
    return show


def _print_formulations(folder: Path, reference: Any, chosen: Any, channels: Any,
                        names: list[str], states: dict[str, str], quiet: bool,
                        replicates: int, scenario_replicates: int, design: tuple[str, list],
                        failed: int) -> None:
    from sim.presentation.compare_report import format_comparison
    from sim.presentation.formulation_report import (
        block_label,
        format_lag_table,
        robustness_lines,
    )

    blocks = design[1]
    if failed:
        click.echo(f"warning: {failed} runs failed; see runs.csv in {folder} and its "
                   "formulations/ folders", err=True)
    if not quiet:
        note = ("" if replicates == scenario_replicates else
                f"; {replicates} per block by default, not the baseline's "
                f"{scenario_replicates}: pass -n for more")
        click.echo(f"{len(blocks)} formulation blocks ({design[0]}), each {replicates} "
                   f"paired replicates on the same seeds{note}:")
        for block in blocks:
            values = ", ".join(f"{k.removeprefix('world.')}={v}" for k, v in
                               block.values.items())
            click.echo(f"  {block_label(block.name)}: {values}")
        click.echo("")
    for policy in names[1:]:
        if not quiet:
            title = (f"{policy} vs {names[0]} under the reference formulations: {replicates} "
                     "paired replicates (common random numbers)")
            click.echo(format_comparison(reference[reference["policy"] == policy], title)
                       + "\n")
            for state, label in states.items():
                text = format_lag_table(chosen, channels, policy, state, label)
                if text:
                    click.echo(text + "\n")
        click.echo(f"{policy}: which verdicts hold under every formulation")
        for line in robustness_lines(chosen[chosen["policy"] == policy]):
            click.echo(f"- {line}")
        click.echo("")
    click.echo(f"results: {folder}")


def _print_formulations_json(folder: Path, table: Any, chosen: Any, names: list[str],
                             shown: Sequence[str], states: dict[str, str], replicates: int,
                             blocks: int, failed: int) -> None:
    from sim.presentation.tables import with_labels

    reference = table[table["outcome"].isin(shown)]
    click.echo(json.dumps({
        "results": str(folder), "baseline": names[0], "pairing": "common random numbers",
        "replicates": replicates, "formulation_blocks": blocks, "failed_runs": failed,
        "comparisons": json.loads(with_labels(reference, states).to_json(orient="records")),
        "channels": _channel_records(folder),
        "formulations": json.loads(chosen.to_json(orient="records")),
    }, indent=2))
