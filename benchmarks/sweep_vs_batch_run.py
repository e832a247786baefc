"""regsim's sweep engine against `mesa.batch_run` on the same runs of the same model.

The runs: the baseline scenario (120 months, `--adopters` downstream adopters) at `--points`
evenly spaced values of the theft hazard x 20 replicate seeds. regsim runs them as a sweep
(`regsim sweep`'s engine: a spawn process pool, results streamed to a folder, final tables and
sensitivity indices written); `mesa.batch_run` runs them through a thin Mesa-compatible wrapper
whose `__init__` takes the swept parameters and builds the same model, with the same seeds,
on as many processes. Both outcomes are checked equal run by run.

Each measurement runs in a fresh process: wall time from the call to its return (pool
start-up included, interpreter start-up not), CPU time of the process and its workers, the
parent's peak RSS, and the largest worker's peak RSS. The `--runs` measurements are repeated
(`--repeats`, interleaved) and their medians reported: on a shared machine single timings vary
by tens of percent. Reported: the speed ratio at `--runs`, memory at `--runs` and
`--large-runs` (flat if the runs stream to disk), and parallel efficiency
T(1 worker) / (2 x T(2 workers)).

    python benchmarks/sweep_vs_batch_run.py [--runs 200] [--large-runs 2000] [--adopters 2000]
        [--repeats 3] [--efficiency-at-large] [--skip-large-batch-run]
"""

from __future__ import annotations

import argparse
import json
import platform
import resource
import shutil
import subprocess
import sys
import tempfile
import time
import tomllib
from pathlib import Path
from typing import ClassVar

from sim.experiments.models import ScenarioModel
from sim.model.world import RegSimModel

REPO = Path(__file__).resolve().parent.parent
BASELINE = REPO / "scenarios" / "baseline.toml"
HAZARD = "world.theft.hazard_per_month_at_parity"
HAZARD_RANGE = (0.001, 0.02)
REPLICATES = 20
ROOT_SEED = 20240101


def base_raw(adopters: int) -> dict:
    from sim.scenario.loader import load_scenario

    scenario = load_scenario(BASELINE, [f"world.ecosystem.adopters={adopters}"])
    return tomllib.loads(scenario.to_toml())


def hazards(points: int) -> list[float]:
    import numpy as np

    return [float(v) for v in np.linspace(*HAZARD_RANGE, points)]


# The batch_run side ---------------------------------------------------------------------------


def thefts(model: RegSimModel) -> float:
    return model.counters["thefts"]


def incidents(model: RegSimModel) -> float:
    return model.counters["incidents"]


class BatchRegSim(RegSimModel):
    """A thin Mesa-compatible wrapper: `__init__` takes the swept parameters and builds our
    model, exactly as a sweep's worker does (same overrides, same validation); a Mesa
    DataCollector records the two outcomes compared every month, as `batch_run` expects."""

    _bases: ClassVar[dict[int, ScenarioModel]] = {}

    def __init__(self, hazard_per_month_at_parity: float, replicate_seed: int, adopters: int,
                 rng: object = None) -> None:
        import mesa

        # `rng` is what Mesa 3.5's batch_run passes (None here); our seeds are explicit.
        if adopters not in self._bases:
            self._bases[adopters] = ScenarioModel(base_raw(adopters))
        scenario = self._bases[adopters].scenario({HAZARD: hazard_per_month_at_parity})
        super().__init__(scenario, seed=replicate_seed)
        self.datacollector = mesa.DataCollector(
            model_reporters={"thefts": thefts, "incidents": incidents})

    def step(self) -> None:
        super().step()
        self.datacollector.collect(self)
        self.running = self.step_index < self.months - 1  # stop at the horizon, on any Mesa


def measure_batch_run(points: int, workers: int, adopters: int, period: int = -1) -> dict:
    from mesa.batchrunner import batch_run

    from sim.experiments.seeds import replicate_seeds

    parameters = {"hazard_per_month_at_parity": hazards(points),
                  "replicate_seed": replicate_seeds(ROOT_SEED, REPLICATES),
                  "adopters": [adopters]}
    started = time.perf_counter()
    results = batch_run(BatchRegSim, parameters, number_processes=workers, max_steps=10_000,
                        data_collection_period=period, display_progress=False)
    seconds = time.perf_counter() - started
    last = max(r["Step"] for r in results)
    outcomes = sorted((r["hazard_per_month_at_parity"], r["replicate_seed"], r["thefts"],
                       r["incidents"]) for r in results if r["Step"] == last)
    return {"seconds": seconds, "runs": len(outcomes), "rows_in_memory": len(results),
            "outcomes": outcomes}


# The regsim side ------------------------------------------------------------------------------


def measure_regsim(points: int, workers: int, adopters: int) -> dict:
    import pandas as pd

    from sim.experiments.design import Parameter, make_design
    from sim.experiments.executors import open_executor
    from sim.experiments.sweep import create_sweep, run_sweep

    design = make_design([Parameter(HAZARD, values=tuple(hazards(points)))], "grid")
    folder = Path(tempfile.mkdtemp(prefix="regsim-bench-")) / "sweep"
    try:
        started = time.perf_counter()
        with open_executor(workers) as executor:  # as `regsim sweep` does: executor first
            create_sweep(folder, ScenarioModel(base_raw(adopters)), design, ROOT_SEED,
                         REPLICATES, "bench")
            summary = run_sweep(folder, executor)
        seconds = time.perf_counter() - started
        runs = pd.read_csv(folder / "runs.csv")
    finally:
        shutil.rmtree(folder.parent, ignore_errors=True)
    outcomes = sorted(zip(runs[HAZARD], runs["seed"], runs["thefts"], runs["incidents"],
                          strict=True))
    return {"seconds": seconds, "runs": summary.ok_runs, "outcomes": outcomes}


# Measuring in fresh processes ---------------------------------------------------------------


ENGINES = {
    "regsim": measure_regsim,
    "batch_run": measure_batch_run,
    "batch_run_every_step": lambda p, w, a: measure_batch_run(p, w, a, period=1),
}
LABELS = {"regsim": "regsim", "batch_run": "batch_run (final step)",
          "batch_run_every_step": "batch_run (every step)"}


def child(engine: str, points: int, workers: int, adopters: int) -> dict:
    cpu_before = _cpu_s()
    result = ENGINES[engine](points, workers, adopters)
    result["cpu_s"] = _cpu_s() - cpu_before
    result["parent_peak_mib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    result["worker_peak_mib"] = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return result


def _cpu_s() -> float:
    """User + system CPU seconds of this process and its finished workers."""
    own, workers = (resource.getrusage(who) for who in (resource.RUSAGE_SELF,
                                                         resource.RUSAGE_CHILDREN))
    return own.ru_utime + own.ru_stime + workers.ru_utime + workers.ru_stime


def run_child(engine: str, runs: int, workers: int, adopters: int) -> dict:
    points = runs // REPLICATES
    completed = subprocess.run(
        [sys.executable, __file__, "--child", engine, "--points", str(points), "--workers",
         str(workers), "--adopters", str(adopters)],
        check=True, capture_output=True, text=True, cwd=REPO)
    return json.loads(completed.stdout.strip().splitlines()[-1])


def same_runs(first: dict, second: dict) -> bool:
    """The same (hazard, seed) runs with the same thefts and incidents. Hazards match to 9
    significant digits: runs.csv holds 10, so formatting both to 9 could round one of a pair up
    and the other down (0.004454545455 against 0.00445454545454...)."""
    import math

    if len(first["outcomes"]) != len(second["outcomes"]):
        return False
    return all(math.isclose(a[0], b[0], rel_tol=1e-9) and [int(v) for v in a[1:]]
               == [int(v) for v in b[1:]]
               for a, b in zip(first["outcomes"], second["outcomes"], strict=True))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--large-runs", type=int, default=2000)
    parser.add_argument("--adopters", type=int, default=2000)
    parser.add_argument("--repeats", type=int, default=3,
                        help="Repeats of each --runs measurement (medians are reported).")
    parser.add_argument("--skip-large-batch-run", action="store_true",
                        help="Measure memory at --large-runs for regsim only.")
    parser.add_argument("--efficiency-at-large", action="store_true",
                        help="Also time 1 worker at --large-runs (efficiency once start-up "
                        "is amortised; adds a long serial run).")
    parser.add_argument("--child", choices=list(ENGINES), help=argparse.SUPPRESS)
    parser.add_argument("--points", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--workers", type=int, default=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.child, args.points, args.workers, args.adopters)))
        return
    report(args)


def report(args: argparse.Namespace) -> None:
    import os

    import mesa

    print(f"regsim sweep vs mesa.batch_run: baseline, 120 months, {args.adopters:,} adopters; "
          f"python {platform.python_version()}, mesa {mesa.__version__}; "
          f"load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs")
    small = [("regsim", 2, args.runs), ("batch_run", 2, args.runs),
             ("batch_run_every_step", 2, args.runs), ("regsim", 1, args.runs)]
    large = [("regsim", 2, args.large_runs)]
    if not args.skip_large_batch_run:
        large.append(("batch_run", 2, args.large_runs))
    if args.efficiency_at_large:
        large.append(("regsim", 1, args.large_runs))
    print(f"{args.runs}-run measurements repeated {args.repeats}x, interleaved; medians "
          "(wall range in brackets)")
    print(f"{'engine':>24} {'workers':>7} {'runs':>6} {'wall s':>16} {'runs/s':>7} {'CPU s':>7} "
          f"{'parent MiB':>10} {'worker MiB':>10}")
    measured: dict = {key: [] for key in small + large}
    for _ in range(args.repeats):  # round-robin, so slow spells hit every engine alike
        for engine, workers, runs in small:
            measured[engine, workers, runs].append(
                run_child(engine, runs, workers, args.adopters))
    for engine, workers, runs in large:
        measured[engine, workers, runs].append(run_child(engine, runs, workers, args.adopters))
    rows = {key: median_row(values) for key, values in measured.items()}
    for (engine, workers, _), row in rows.items():
        spread = f"[{row['wall_min']:.2f}-{row['wall_max']:.2f}]" if row["repeats"] > 1 else ""
        print(f"{LABELS[engine]:>24} {workers:>7} {row['runs']:>6} {row['seconds']:>7.2f} "
              f"{spread:>8} {row['runs'] / row['seconds']:>7.1f} {row['cpu_s']:>7.1f} "
              f"{row['parent_peak_mib']:>10.0f} {row['worker_peak_mib']:>10.0f}")
    summarise(rows, args)


def median_row(values: list[dict]) -> dict:
    """The median of each measurement over repeats (outcomes from the first)."""
    import statistics

    row = dict(values[0])
    for key in ("seconds", "cpu_s", "parent_peak_mib", "worker_peak_mib"):
        row[key] = statistics.median(v[key] for v in values)
    walls = [v["seconds"] for v in values]
    row.update(wall_min=min(walls), wall_max=max(walls), repeats=len(values))
    return row


def summarise(rows: dict, args: argparse.Namespace) -> None:
    small, large = args.runs, args.large_runs
    regsim_2, regsim_1 = rows["regsim", 2, small], rows["regsim", 1, small]
    print(f"same runs, same outcomes: {same_runs(regsim_2, rows['batch_run', 2, small])}")
    if ("batch_run", 2, large) in rows:
        same = same_runs(rows["regsim", 2, large], rows["batch_run", 2, large])
        print(f"same runs, same outcomes at {large} runs: {same}")
    for engine in ("batch_run", "batch_run_every_step"):
        ratio = rows[engine, 2, small]["seconds"] / regsim_2["seconds"]
        print(f"speed: regsim is {ratio:.2f}x {LABELS[engine]} at {small} runs, 2 workers "
              "(aim >= 1.3x)")
    efficiency = regsim_1["seconds"] / (2 * regsim_2["seconds"])
    print(f"parallel efficiency at 2 workers, {small} runs: {efficiency:.0%}")
    regsim_large = rows["regsim", 2, large]
    if ("batch_run", 2, large) in rows:
        ratio = rows["batch_run", 2, large]["seconds"] / regsim_large["seconds"]
        print(f"speed: regsim is {ratio:.2f}x {LABELS['batch_run']} at {large} runs, 2 workers "
              "(aim >= 1.3x)")
    if ("regsim", 1, large) in rows:
        efficiency = rows["regsim", 1, large]["seconds"] / (2 * regsim_large["seconds"])
        cpu = rows["regsim", 1, large]["cpu_s"] / regsim_large["cpu_s"]
        print(f"parallel efficiency at 2 workers, {large} runs: {efficiency:.0%} of wall time "
              f"(aim >= 90%); CPU time on 2 workers is {1 / cpu:.2f}x that on 1")
    for name in ("parent", "worker"):
        key = f"{name}_peak_mib"
        print(f"regsim {name} peak: {regsim_2[key]:.0f} MiB at {small} runs, "
              f"{regsim_large[key]:.0f} MiB at {large} runs "
              f"(x{regsim_large[key] / regsim_2[key]:.2f}; aim: flat)")
    if ("batch_run", 2, large) in rows:
        batch_small, batch_large = rows["batch_run", 2, small], rows["batch_run", 2, large]
        print(f"batch_run (final step) parent peak: {batch_small['parent_peak_mib']:.0f} -> "
              f"{batch_large['parent_peak_mib']:.0f} MiB; worker peak: "
              f"{batch_small['worker_peak_mib']:.0f} -> {batch_large['worker_peak_mib']:.0f} MiB")


if __name__ == "__main__":
    main()
