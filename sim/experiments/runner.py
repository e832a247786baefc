"""The replicate runner: one scenario and one seed in, one `ReplicateResult` out.

Every other entry point (`regsim run`, sweeps, comparisons, the dashboard's baseline) goes
through `run_replicate`, so a replicate's numbers depend only on the scenario and its seed.
"""

from __future__ import annotations

import gc
import hashlib
import time
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from sim.experiments.results import ReplicateResult, RunResult
from sim.experiments.seeds import replicate_seeds
from sim.scenario.schema import Scenario

if TYPE_CHECKING:
    from sim.experiments.executors import ExecutorInfo


def build_model(scenario: Scenario, seed: int, series: bool = True):
    """A fresh model for `scenario` seeded with `seed` (imports Mesa lazily); `series=False`
    records only the monthly columns the summary reads."""
    from sim.model.world import RegSimModel

    return RegSimModel(scenario, seed=seed, series=series)


def run_replicate(scenario: Scenario, seed: int, replicate: int = 0,
                  timeseries: bool = True) -> ReplicateResult:
    """Run the whole horizon once and return the series, the summary and the event log.

    With `timeseries=False` (sweeps and comparisons that save no series) the model records only
    what the summary reads and the result's `timeseries` is None; the summary and the events
    are the same as with the series.

    The cyclic garbage collector is held off during the replicate and its young objects are
    collected once at the end: a replicate allocates many short-lived containers, and collecting
    them as it goes cost 12-13% of its CPU time (benchmarks/replicate_speed.py), mostly in
    full collections of the whole process's heap.
    """
    collecting = gc.isenabled()
    gc.disable()
    try:
        return _run_replicate(scenario, seed, replicate, timeseries)
    finally:
        if collecting:
            gc.enable()
            gc.collect(0)  # the replicate's cyclic garbage (the model and its agents), once


def _run_replicate(scenario: Scenario, seed: int, replicate: int,
                   timeseries: bool) -> ReplicateResult:
    from sim.model.outputs import summarise

    model = build_model(scenario, seed, series=timeseries)
    try:
        model.run()
        frame = model.observer.frame()
        return ReplicateResult(
            replicate=replicate,
            seed=seed,
            timeseries=frame if timeseries else None,
            summary=summarise(model, frame),
            events=model.events.read,  # worded when first read (`ReplicateResult.events`)
        )
    finally:
        release_model(model)


def release_model(model) -> None:
    """Drop Mesa 3.3's class-level reference to the model (mesa#3179), so memory stays flat."""
    import mesa

    ids = getattr(mesa.Agent, "_ids", None)
    if isinstance(ids, dict):
        ids.pop(model, None)


def run_drawn_replicate(scenario: Scenario, seed: int, replicate: int,
                        values: Mapping[str, Any]) -> ReplicateResult:
    """One replicate of a run whose uncertain parameters were drawn as `values` (already
    applied to `scenario`): the values drawn are added to its summary
    (`sim.experiments.uncertainty.draw_columns`). The same in this process and in a worker."""
    from sim.experiments.uncertainty import draw_columns

    result = run_replicate(scenario, seed, replicate)
    result.summary.update(draw_columns(values))
    return result


def run_scenario(
    scenario: Scenario,
    replicates: int | None = None,
    seed: int | None = None,
    resolved_toml: str | None = None,
    progress: Callable[[int], None] | None = None,
    uncertainty: bool = False,
    executor: ExecutorInfo | None = None,
) -> RunResult:
    """Run `replicates` replicates (default: the scenario's) from root `seed` (default: its).

    With `uncertainty`, replicate r first draws the scenario's uncertain parameters
    (`sim.experiments.uncertainty`); its summary records the values drawn. With `executor`
    (`sim.experiments.executors.open_executor`), replicates run in parallel on its workers;
    the result is the same as in this process, replicate for replicate (each depends only
    on the scenario and its seed). A model error in a replicate is raised; a lost worker
    raises `sim.experiments.engine.EngineError`.
    """
    from sim.experiments import uncertainty as parameter_uncertainty

    meta = scenario.scenario
    replicates = meta.replicates if replicates is None else replicates
    root_seed = meta.seed if seed is None else seed
    text = resolved_toml or scenario.to_toml()
    seeds = replicate_seeds(root_seed, replicates)
    parameters = parameter_uncertainty.declared(scenario) if uncertainty else []
    drawn = parameter_uncertainty.draws(parameters, root_seed, replicates)
    raw = scenario.to_toml_dict() if parameters else None
    started = time.perf_counter()

    def calls():
        for index, replicate_seed in enumerate(seeds):
            values = drawn[index]
            own = parameter_uncertainty.with_values(raw, values) if values else scenario
            yield run_drawn_replicate, (own, replicate_seed, index, values)

    results: list[ReplicateResult | None] = [None] * replicates

    def keep(result: ReplicateResult) -> None:
        results[result.replicate] = result
        if progress:
            progress(1)

    if executor is None:
        for function, arguments in calls():
            keep(function(*arguments))
    else:
        from sim.experiments.engine import run_calls

        run_calls(calls(), executor, keep)
    elapsed = time.perf_counter() - started
    return RunResult(
        scenario_name=meta.name,
        question=meta.question,
        resolved_scenario_toml=text,
        scenario_sha256=hashlib.sha256(text.encode()).hexdigest(),
        root_seed=root_seed,
        replicate_seeds=seeds,
        replicates=[result for result in results if result is not None],
        timings_s={"replicates": elapsed, "per_replicate": elapsed / max(1, replicates)},
        state_names=[s.name for s in scenario.states],
        regulator_names=[r.name for r in scenario.regulators],
        start=meta.start,
        months=meta.months,
        uncertain_parameters=[p.key for p in parameters],
    )
