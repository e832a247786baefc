"""regsim's Python API: what the `regsim` commands do, for notebooks and scripts.

    import sim

    scenario = sim.load("kill_switch", set={"scenario.months": 60})
    result = sim.run(scenario, replicates=20, seed=1, workers=2)
    result.outcomes                    # mean, 95% CI and 5-95% range of every outcome
    comparison = sim.compare("baseline", "kill_switch", replicates=20)
    comparison.verdicts                # one plain-language line per policy and outcome
    swept = sim.sweep("sensitivity", samples=8, replicates=2)
    found = sim.search("policy_search", objectives=["state_mean_lag_months__prc:higher",
                                                    "cash_compliance_musd:lower"])
    sim.discover(swept, "state_mean_lag_months__prc", above=6).box
    sim.open("results/kill_switch-20261201-120000").summaries

Every function takes a scenario as a bundled name, a path, or a loaded `Scenario`, and `set`,
a mapping of `--set` keys to values (`{"world.ecosystem.adopters": 5000}`), checked with the
command line's rules and messages: bad input raises `sim.ScenarioError` (every problem, each
naming the file or `--set` key, what was expected and what was found), or ValueError with a
one-line message for other arguments. Results equal the command line's files for the same
seed (`tests/test_api.py`), and `.save(folder)` writes the folder the command writes.

Units are the model's throughout (docs/model.md, "Outputs"): capability in log10 effective
FLOP, lags and milestones in months, shares from 0 to 1, money in millions of USD, counts as
counts; every outcome table has `label` and `unit` columns.

This module imports nothing heavy: Mesa, pandas and matplotlib load when a function needs
them, so `import sim` stays fast. The package's other modules are what the functions return and
read: `results` (the result classes), `search_results`, `comparison` (finishing a comparison's
tables), `folders` (`sim.open`) and `readers` (a folder's files as data). Dependencies point one
way, from these functions to `folders`, `results` and `readers`; `results` never imports back
the functions.
"""

from __future__ import annotations

import contextlib
import os
import shutil
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sim.api.results import (
        AnalysisFolder,
        ComparisonResults,
        DiscoveryResults,
        RobustnessResults,
        RunResults,
        SweepResults,
    )
    from sim.api.search_results import SearchResults
    from sim.scenario.schema import Scenario

Overrides = Mapping[str, Any] | Sequence[str] | None
"""`set=`: a mapping of `--set` keys to values (Python values: numbers, strings, booleans,
lists), or `KEY=VALUE` texts exactly as on the command line."""
ParameterSpecs = Mapping[str, Any] | None
"""`params=`/`levers=`: key -> a list of options, a `(low, high)` or `(low, high, "log")`
range, or the command line's text (`"0.001:0.02"`, `"3,5"`)."""


# Scenarios ---------------------------------------------------------------------------------


def load(scenario: str | os.PathLike[str] | Scenario, set: Overrides = None) -> Scenario:
    """The validated scenario: a bundled name (`"kill_switch"`), a path, or a `Scenario`,
    with `set` applied (`{"scenario.months": 60}`).

    Raises `sim.ScenarioError` listing every problem, as `regsim validate` prints them.
    """
    from sim.scenario.errors import Problem, ScenarioError, short_repr
    from sim.scenario.loader import find_scenario, load_scenario, validate_resolved
    from sim.scenario.schema import Scenario as ScenarioModel

    overrides = override_texts(set)
    if not isinstance(scenario, str | os.PathLike | ScenarioModel):
        raise ScenarioError([Problem(short_repr(scenario), expected="a bundled scenario's name, "
                                     "a path or a Scenario", found=type(scenario).__name__)])
    if isinstance(scenario, ScenarioModel):
        if not overrides:
            return scenario
        from sim.scenario.errors import ScenarioError
        from sim.scenario.overrides import OVERRIDE_SOURCE, apply_overrides

        raw, problems = apply_overrides(scenario.to_toml_dict(), overrides)
        if problems:
            raise ScenarioError(problems)
        return validate_resolved(raw, OVERRIDE_SOURCE)
    return load_scenario(find_scenario(scenario), overrides)


def inert_levers(scenario: str | os.PathLike[str] | Scenario, set: Overrides = None) -> list:
    """The scenario's levers that cannot change anything in it, each an `InertLever` with its
    `--set` key and the reason in words (`sim.scenario.inert`; `regsim validate` and `compare`
    print them as `warning:` lines)."""
    from sim.scenario.inert import inert_levers as find

    return find(load(scenario, set))


def override_texts(overrides: Overrides) -> list[str]:
    """`set=` as `--set` texts (`KEY=TOML literal`). ScenarioError, with the command line's
    words, for a value TOML cannot hold (None, bytes, an int of over 4,300 digits, ...)."""
    from sim.scenario.errors import Problem, ScenarioError, short_repr
    from sim.scenario.overrides import OVERRIDE_SOURCE, TOML_VALUE_EXAMPLES

    if overrides is None or isinstance(overrides, str):
        return [overrides] if overrides else []
    if isinstance(overrides, Mapping):
        from sim.experiments.design import override_text

        texts, problems = [], []
        for key, value in overrides.items():
            try:
                texts.append(override_text(str(key), value))
            except (TypeError, ValueError):  # no TOML literal: None, bytes, a 5,000-digit int
                problems.append(Problem(OVERRIDE_SOURCE, str(key), expected=TOML_VALUE_EXAMPLES,
                                        found=_plain_repr(value)))
        if problems:
            raise ScenarioError(problems)
        return texts
    if not isinstance(overrides, Sequence):
        raise ScenarioError([Problem(OVERRIDE_SOURCE, expected="a mapping of keys to values, or "
                                     "KEY=VALUE texts", found=short_repr(overrides))])
    return [str(text) for text in overrides]


def _plain_repr(value: Any) -> str:
    """`short_repr`, safe for an int too long to print."""
    from sim.scenario.errors import short_repr

    try:
        return short_repr(value)
    except ValueError:
        return "an integer of more than 4,300 digits"


# Running -----------------------------------------------------------------------------------


def run(scenario: str | os.PathLike[str] | Scenario, replicates: int | None = None,
        seed: int | None = None, set: Overrides = None, uncertainty: bool = False,
        workers: int = 1) -> RunResults:
    """Run a scenario's replicates (as `regsim run`) and return its results in memory.

    `replicates` and `seed` default to the scenario's; `uncertainty` draws each replicate's
    uncertain parameters (the scenario's `[uncertainty]` table, else every documented range),
    so that intervals include parameter uncertainty; `workers` local processes run replicates
    in parallel (the results are the same for any number; the processes stay warm for the
    next call). Raises ScenarioError for a bad scenario, `sim.experiments.budget.BudgetError`
    for one too large to run, and the model's exception if a replicate fails.
    """
    from sim.api.results import RunResults
    from sim.experiments.budget import check_run, run_size
    from sim.experiments.executors import warm_executor
    from sim.experiments.runner import run_scenario

    loaded = load(scenario, set)
    count = _positive("replicates", replicates, loaded.scenario.replicates)
    _check_budget(lambda: check_run(run_size(loaded), count))
    with warm_executor(min(_positive("workers", workers, 1), count)) as executor:
        result = run_scenario(loaded, count, _seed(seed), uncertainty=uncertainty,
                              executor=executor)
    return RunResults(result)


def compare(baseline: str | os.PathLike[str] | Scenario,
            *policies: str | os.PathLike[str] | Scenario, replicates: int | None = None,
            seed: int | None = None, set: Overrides = None, uncertainty: bool = False,
            independent: bool = False, workers: int | None = None, series: bool = True,
            plots: bool = True, out: str | os.PathLike[str] | None = None,
            formulations: str | None = None, force: bool = False,
            progress: bool = True) -> ComparisonResults:
    """Compare each policy scenario with `baseline` on paired replicates (as `regsim
    compare`): differences with 95% intervals, shares of pairs better, and verdicts.

    `set` applies to every scenario; `uncertainty` draws the baseline's uncertain parameters
    per replicate, the same draws for every scenario; `independent` gives each policy its own
    seeds (unpaired). `workers` defaults to the number of CPUs. With `series`, each run's
    monthly series and events are kept (`.timeseries`, `.events`, and the brief's charts).
    The folder is written to `out`, or to a temporary folder removed with the result unless
    `.save(folder)` is called; `force=True` replaces an earlier results folder at `out` (so a
    notebook cell can be run again). With `progress`, the runs done show on stderr: a bar on
    a terminal, a line per 10% in Jupyter or a log file (`sim.presentation.progress`).
    Raises ValueError for fewer than 2 replicates, scenarios sharing a name, or a folder `out`
    that exists and is not empty (without `force`); ScenarioError for a bad scenario;
    `sim.experiments.engine.EngineError` if the runs stopped (a lost worker).

    `formulations` (as `regsim compare --formulations`): `"all"` runs the comparison once per
    option of each formulation field (one at a time, the others as the baseline sets them),
    `"full"` once per combination, a comma-separated list of keys only those fields,
    `"none"` not at all; the default is `"all"` with `uncertainty` and `"none"` without.
    Every block uses the same seeds and draws (formulations are then not drawn), and
    `replicates` defaults to half the baseline's (at least 8) per block. `.comparison` is
    then the reference block's, and `.formulations` each block's effect with its robustness
    verdict (`sim.experiments.formulations`).
    """
    import tomllib

    from sim.api.comparison import finish_comparison, finish_formulations
    from sim.api.results import ComparisonResults, scratch_folder
    from sim.experiments import formulations as fm
    from sim.experiments.budget import check_runs, run_size
    from sim.experiments.compare import run_comparison
    from sim.experiments.executors import warm_executor
    from sim.experiments.storage import PendingFolder
    from sim.presentation.progress import progress_bar

    if not policies:
        raise ValueError("compare needs a baseline and at least one policy scenario")
    loaded = [load(s, set) for s in (baseline, *policies)]
    names = [s.scenario.name for s in loaded]
    if len(frozenset(names)) != len(names):
        raise ValueError(f"each scenario needs its own [scenario] name; found {', '.join(names)}")
    meta = loaded[0].scenario
    if independent and formulations not in (None, "none"):
        raise ValueError("formulations are compared on common seeds; drop independent")
    design = None if independent else fm.plan(formulations, uncertainty, loaded[0])
    blocks = design[1] if design else []
    count = _positive("replicates", replicates,
                      fm.default_replicates(meta.replicates, len(blocks)))
    if count < 2:
        raise ValueError("a comparison needs at least 2 replicates for an interval")
    root_seed = meta.seed if seed is None else _seed(seed)
    _check_budget(lambda: check_runs(max((run_size(s) for s in loaded),
                                         key=lambda size: size.replicate_seconds()),
                                     count * len(loaded) * max(1, len(blocks))))
    draws = fm.uncertainty_draws(loaded[0], root_seed, count, uncertainty, bool(blocks))
    raws = {name: tomllib.loads(s.to_toml()) for name, s in zip(names, loaded, strict=True)}
    for block in blocks:  # a formulation that makes a scenario invalid fails before any run
        fm.block_scenarios(raws, block)
    target, scratch = (Path(out), None) if out is not None else scratch_folder("compare")
    states = {s.name: s.label or s.name for s in loaded[0].states}
    # Written in a hidden temporary folder and renamed into place once complete, as by
    # `regsim compare`: an interrupted comparison leaves nothing half-written at `out`.
    with PendingFolder(target, force=force or _empty_folder(target)) as pending:
        work = pending.temp_dir
        total = count * len(loaded) * max(1, len(blocks))
        with warm_executor(_positive("workers", workers, os.cpu_count() or 1)) as executor, \
                progress_bar(total, "compare: runs", progress) as advance:
            if design:
                by_block = fm.run_blocks(work, raws, blocks, root_seed, count, executor,
                                         advance, save_series=series, replicate_values=draws,
                                         design=design[0])
            else:
                runs = run_comparison(work, raws, root_seed, count, executor, independent,
                                      advance, save_series=series, replicate_values=draws)
        if design:
            table, _ = finish_formulations(work, design[0], blocks, by_block, names, states,
                                           plots=plots)
            runs = by_block[fm.REFERENCE]
        else:
            table = finish_comparison(work, runs, names, states, plots=plots)
        folder = pending.commit()
    return ComparisonResults(folder, runs, table, states, scratch)


@contextlib.contextmanager
def _replacing(target: Path, force: bool) -> Iterator[Path]:
    """The folder to build a sweep or search in: `target` itself, or with `force` and a
    results folder already at `target`, a hidden sibling moved into its place once the work
    is done (the old folder is deleted only then; on failure the sibling is removed)."""
    from sim.experiments.storage import replace_folder, replacement_folder

    if not force or not os.path.lexists(target) or _empty_folder(target):
        yield target
        return
    build = replacement_folder(target)
    try:
        yield build
        replace_folder(build, target)
    finally:
        shutil.rmtree(build, ignore_errors=True)


def _empty_folder(path: Path) -> bool:
    """An empty folder (not a link), which a new results folder may take the place of."""
    return path.is_dir() and not path.is_symlink() and not any(path.iterdir())


def sweep(scenario: str | os.PathLike[str] | Scenario, params: ParameterSpecs = None,
          levers: ParameterSpecs = None, sampler: str | None = None,
          samples: int | None = None, replicates: int | None = None, seed: int | None = None,
          set: Overrides = None, uncertainty: bool = False, workers: int | None = None,
          save_timeseries: bool = False, plots: bool = False,
          out: str | os.PathLike[str] | None = None, force: bool = False,
          progress: bool = True) -> SweepResults:
    """Sweep a scenario over a design of uncertainties (`params`) and levers (`levers`), with
    replicates on common random numbers (as `regsim sweep`); return its runs, per-point
    means and sensitivity indices.

    Without `params` or `levers`, the scenario's `[sweep]` table is the design (its sampler,
    samples and replicates are the defaults). `sampler` is grid, lhs, sobol or morris
    (default: grid if every parameter is a list of options, else lhs); `samples` as
    `--samples`. `uncertainty` also draws each replicate's uncertain parameters that the
    design does not set (the scenario's `[uncertainty]` table, else every documented range),
    the same draws for replicate r at every point (as `--uncertainty`). `workers` defaults to
    the number of CPUs. With `plots`, the sensitivity plots are drawn into the folder. The
    folder is written to `out` or a temporary folder (see `compare`; `force=True` replaces an
    earlier results folder at `out`; `progress` as for `compare`). Raises ScenarioError for a
    bad scenario, design key or draw, ValueError for a bad design (or `uncertainty` when
    the design sets every uncertain parameter), `sim.experiments.engine.EngineError` if the
    runs stopped.
    """
    import tomllib

    from sim.api.results import SweepResults, scratch_folder, write_sweep_plots
    from sim.experiments import uncertainty as parameter_uncertainty
    from sim.experiments.budget import check_design, check_runs, run_size
    from sim.experiments.design import check_parameters, make_design
    from sim.experiments.executors import warm_executor
    from sim.experiments.models import ScenarioModel
    from sim.experiments.sweep import create_sweep, run_sweep
    from sim.presentation.progress import progress_bar

    loaded = load(scenario, set)
    raw = tomllib.loads(loaded.to_toml())
    parameters, source, spec = design_parameters(loaded, params, levers)
    check_parameters(raw, parameters, source)
    sampler = sampler or (spec.sampler if spec else default_sampler(parameters))
    samples = samples or (spec.samples if spec else None)
    count = _positive("replicates", replicates,
                      (spec.replicates if spec else None) or loaded.scenario.replicates)
    root_seed = loaded.scenario.seed if seed is None else _seed(seed)
    _check_budget(lambda: check_runs(run_size(loaded),
                                     check_design(parameters, sampler, samples) * count))
    design = make_design(parameters, sampler, samples, root_seed)
    draws = (parameter_uncertainty.sweep_draws(loaded, raw, parameters, root_seed, count)
             if uncertainty else ())
    name = loaded.scenario.name
    target, scratch = (Path(out), None) if out is not None else scratch_folder("sweep")
    target = target / "sweep" if scratch else target
    with warm_executor(_positive("workers", workers, os.cpu_count() or 1)) as executor, \
            _replacing(target, force) as build, \
            progress_bar(len(design) * count, f"{name}: runs", progress) as advance:
        folder = create_sweep(build, ScenarioModel(raw, replicate_values=draws), design,
                              root_seed, count, name, save_timeseries=save_timeseries)
        run_sweep(folder, executor, advance, plot_writer=write_sweep_plots if plots else None)
    return SweepResults(target, scratch)


def design_parameters(scenario: Scenario, params: ParameterSpecs, levers: ParameterSpecs):
    """(parameters, where they came from, the [sweep] table if it was used), as `regsim
    sweep` reads `--param`/`--lever` or the scenario's [sweep] table."""
    from sim.experiments.design import LEVER, UNCERTAINTY, parameters_from_spec

    if params or levers:
        parsed = [parameter(key, spec, UNCERTAINTY) for key, spec in (params or {}).items()]
        parsed += [parameter(key, spec, LEVER) for key, spec in (levers or {}).items()]
        return parsed, "--param", None
    spec = scenario.sweep
    if spec is None or not (spec.uncertainties or spec.levers):
        raise ValueError("no design: the scenario has no [sweep] uncertainties or levers; give "
                         "params={KEY: [V1, V2]} or params={KEY: (LOW, HIGH)}")
    return parameters_from_spec(spec), "[sweep]", spec


def parameter(key: str, spec: Any, kind: str):
    """One design parameter from the API's form: a list of options, a `(low, high)` or
    `(low, high, "log")` range, or the command line's text. ValueError if malformed."""
    from sim.experiments.design import parse_param_option, toml_literal

    if isinstance(spec, str):
        text = spec
    elif isinstance(spec, tuple) and len(spec) in (2, 3):
        scale = spec[2] if len(spec) == 3 else "linear"
        if scale not in ("linear", "log"):
            raise ValueError(f"{key}: a range's scale is 'linear' or 'log', found {scale!r}")
        text = f"{toml_literal(spec[0])}:{toml_literal(spec[1])}" + (
            ":log" if scale == "log" else "")
    elif isinstance(spec, list | tuple) and spec:
        text = toml_literal(list(spec))
    else:
        raise ValueError(f"{key}: expected a list of options or a (low, high) range, found "
                         f"{spec!r:.60}")
    try:
        return parse_param_option(f"{key}={text}", kind)
    except ValueError as error:
        raise ValueError(f"{'levers' if kind == 'lever' else 'params'}: {error}") from None


def default_sampler(parameters: Sequence[Any]) -> str:
    """grid when every parameter is a list of options, else lhs (as `regsim sweep`)."""
    return "grid" if all(not p.is_range for p in parameters) else "lhs"


# Analysing sweeps --------------------------------------------------------------------------


def discover(sweep: SweepResults | str | os.PathLike[str], outcome: str | None = None,
             below: float | None = None, above: float | None = None, per: str = "point",
             threshold_share: float = 0.8, box_index: int | None = None,
             peel_alpha: float = 0.05, mass_min: float = 0.05, effect: str | None = None,
             where: Sequence[str] = (), include: Sequence[str] = (),
             exclude: Sequence[str] = (), method: str = "prim",
             resamples: int = 0) -> DiscoveryResults:
    """Scenario discovery on a finished sweep (as `regsim discover`): the PRIM box of the
    design where `outcome` is below (or above) a value in its units, or where every `where`
    condition holds (`["state_mean_lag_months__prc<8", "cash_compliance_musd>5000"]`), with
    coverage, density and mass (shares 0..1), the peeling trajectory and feature scores.
    `effect="LEVER=A:B"` looks at the lever's paired effect per future (the outcome under B
    minus under A on the same future) instead of the stored outcomes. `include`/`exclude`
    keep or drop dimensions (keys, or the kinds "lever", "uncertainty", "drawn"); `method`
    "cart" or "both" adds CART's leaves as boxes (`.cart`); `resamples` > 0 adds `.resampling`
    and `.drops`. Warns (`PeelingStoppedEarly`) when PRIM stops peeling early. Needs the
    `analysis` extra (else `sim.extras.MissingExtraError`, an ImportError that says how to
    install it). Raises `sim.analysis.sweep_data.SweepDataError` (a ValueError) for bad
    input."""
    from sim.api.results import discover_in

    return discover_in(_sweep_folder(sweep), outcome, below=below, above=above, per=per,
                       threshold_share=threshold_share, box_index=box_index,
                       peel_alpha=peel_alpha, mass_min=mass_min, effect=effect,
                       where=where, include=include, exclude=exclude, method=method,
                       resamples=resamples)


def robustness(sweep: SweepResults | str | os.PathLike[str],
               outcomes: Sequence[str] | Mapping[str, int | None] = (),
               satisfice: Sequence[str] = ()) -> RobustnessResults:
    """Regret and satisficing of each lever combination of a finished sweep over the futures
    it faced (as `regsim robustness`). `outcomes` are keys (`"KEY:higher"` where the outcome
    has no known direction); `satisfice` criteria such as `"thefts<=1"` in the outcome's
    units. Raises SweepDataError (a ValueError) for bad input."""
    from sim.api.results import robustness_in

    return robustness_in(_sweep_folder(sweep), outcomes, satisfice)


# Searching for a robust policy ---------------------------------------------------------------


def search(scenario: str | os.PathLike[str] | Scenario, objectives: Sequence[str],
           measure: str = "mean", levers: ParameterSpecs = None, population: int | None = None,
           generations: int | None = None, futures: int | None = None,
           fresh_futures: int | None = None, seed: int | None = None,
           fresh_seed: int | None = None, references: Mapping[str, Mapping[str, Any]] | None = None,
           set: Overrides = None, workers: int | None = None, plots: bool = False,
           out: str | os.PathLike[str] | None = None, force: bool = False) -> SearchResults:
    """Search the scenario's levers for the trade-off (Pareto) set of `objectives` over
    sampled futures (as `regsim search`), then re-run that set in fresh futures.

    `objectives` are outcome keys with a direction (`"state_mean_lag_months__prc:higher"`,
    `"cash_compliance_musd:lower"`; the key alone where regsim knows its direction), or
    thresholds (`"state_mean_lag_months__prc>=6"`) with `measure="satisfice"`. `measure` is
    `mean`, `percentile:Q`, `regret` or `satisfice` (`sim.analysis.search_spec`). `levers`
    as for `sweep` (default: the scenario's [sweep] levers). Every candidate runs in the same
    `futures` futures (seeds and `[uncertainty]` draws from `seed`); sizes default to 20
    candidates x 10 generations, 8 futures and 8 fresh futures. `workers` defaults to the
    number of CPUs (the results are the same for any number). `references` names policies to
    evaluate and mark on the plots (name -> lever key -> value; other levers keep the
    scenario's), besides the scenario as written. The folder is written to `out`
    or a temporary folder (see `compare`; `force=True` replaces an earlier results folder at
    `out`). Raises ScenarioError for a bad scenario or lever
    key, ValueError for a bad objective, measure, size or lever, EngineError if runs stopped.
    """
    import importlib.util
    import tomllib

    from sim.analysis.search import create_search, run_search
    from sim.analysis.search_setup import prepare_search
    from sim.api.results import scratch_folder
    from sim.api.search_results import SearchResults
    from sim.experiments.budget import check_runs, run_size
    from sim.experiments.design import LEVER
    from sim.experiments.executors import warm_executor

    if importlib.util.find_spec("pymoo") is None:
        raise ImportError("sim.search needs pymoo: pip install -e '.[search]' in regsim's "
                          "folder")
    if isinstance(objectives, str):
        objectives = [objectives]
    loaded = load(scenario, set)
    raw = tomllib.loads(loaded.to_toml())
    parsed = [parameter(key, spec, LEVER) for key, spec in (levers or {}).items()]
    sizes = {key: value for key, value in (("population", population),
                                           ("generations", generations), ("futures", futures),
                                           ("fresh_futures", fresh_futures))
             if value is not None}
    root_seed = loaded.scenario.seed if seed is None else _seed(seed)
    prepared = prepare_search(loaded, raw, parsed, list(objectives), measure, sizes,
                              root_seed, _seed(fresh_seed), references)
    settings = prepared.settings
    _check_budget(lambda: check_runs(run_size(loaded), (settings.max_candidates() + 1)
                                     * settings.futures + settings.population
                                     * settings.fresh_futures))
    writer = None
    if plots:
        from sim.plots.search import write_search_plots as writer
    target, scratch = (Path(out), None) if out is not None else scratch_folder("search")
    target = target / "search" if scratch else target
    with warm_executor(_positive("workers", workers, os.cpu_count() or 1)) as executor, \
            _replacing(target, force) as build:
        folder = create_search(build, prepared.model, settings, prepared.futures,
                               loaded.scenario.name, prepared.references)
        run_search(folder, executor, plot_writer=writer)
    return SearchResults(target, scratch)


# Reading results back ----------------------------------------------------------------------


def open_results(folder: str | os.PathLike[str]
                 ) -> RunResults | ComparisonResults | SweepResults | SearchResults | \
        AnalysisFolder:
    """Load any regsim results folder: a run's (`regsim run`), a comparison's, a finished
    sweep's or search's, or a discovery or robustness analysis. Files are read as data
    (regular files only, size-capped, nothing imported). Raises
    `sim.api.folders.ResultsFolderError` (a ValueError) naming the file and what was
    expected."""
    from sim.api.folders import open_folder

    return open_folder(Path(folder))


# Small helpers -----------------------------------------------------------------------------


def _sweep_folder(sweep: Any) -> Path:
    folder = getattr(sweep, "folder", None)
    return Path(folder if folder is not None else sweep)


def _positive(name: str, value: int | None, default: int) -> int:
    chosen = default if value is None else value
    if isinstance(chosen, bool) or not isinstance(chosen, int) or chosen < 1:
        raise ValueError(f"{name}: expected a whole number of at least 1, found {chosen!r:.40}")
    return chosen


def _seed(seed: int | None) -> int | None:
    if seed is None:
        return None
    if isinstance(seed, bool) or not isinstance(seed, int) or not 0 <= seed < 2**63:
        raise ValueError(f"seed: expected a whole number from 0 to 2**63 - 1, found {seed!r:.40}")
    return seed


def _check_budget(check) -> None:
    """Raise BudgetError if the experiment is too large to run (as the commands refuse it);
    an estimate that cannot be made never blocks a run."""
    from sim.experiments.budget import BudgetError

    try:
        check()
    except BudgetError:
        raise
    except Exception:  # noqa: BLE001 (no estimate: the run itself reports any failure)
        return
