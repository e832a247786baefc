"""regsim's sweep engine against its physical limit, against `mesa.batch_run` on the same runs,
and against regsim at a reference commit, interleaved.

The runs: the baseline scenario (120 months, `--adopters` downstream adopters) at `--points`
evenly spaced values of the theft hazard x 20 replicate seeds. regsim runs them as a sweep
(`regsim sweep`'s engine: a process pool, its workers forked from a fork server on Linux,
results streamed to a folder, final tables and sensitivity indices written); `mesa.batch_run`
runs them through a thin Mesa-compatible wrapper whose `__init__` takes the swept parameters
and builds the same model, with the same seeds, on as many processes. Both outcomes are checked
equal run by run.

Each measurement runs in a fresh process: wall time from the call to its return (pool
start-up included, interpreter start-up not), the CPU time of the process and of its workers
(`getrusage`, the workers counted once they have exited; a fork server, which imports the model
once for the workers it forks, is stopped after the measurement so that it and the workers it
reaped are counted too), the 1-minute load average as it starts, the parent's peak RSS and the
largest worker's. For regsim, each run also reports its
own CPU time (`time.process_time` around the run, in its worker: `EngineStats`), which gives

- the engine overhead: CPU of the parent and the workers over the sum of the runs' own CPU
  (aim <= 1.10x), and
- the physical limit: the runs' CPU / the machine's cores; wall time over it (aim <= 1.15x at
  low load). On a shared machine, wall time measures the load as much as regsim: read the
  load, the CPU times and the ratios measured side by side.

Measurements are interleaved (A, B, A, B...): with `--against REF`, regsim at commit REF
(checked out into a temporary git worktree, run with the same script and its own scenarios)
alternates with this checkout, and the ratios REF/this of wall and CPU time are printed with
their medians over pairs. `--repeats` repeats the `--runs` round; medians are reported.

    python benchmarks/sweep_vs_batch_run.py [--runs 200] [--large-runs 2000] [--adopters 2000]
        [--repeats 3] [--against REF] [--one-worker] [--every-step] [--skip-batch-run]
        [--skip-large-batch-run] [--skip-large]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import statistics
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
"""The scenario the runs use: this checkout's, or a reference commit's when this script runs
from that commit's worktree (`--repo`)."""
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
    result = {"seconds": seconds, "runs": summary.ok_runs, "outcomes": outcomes}
    stats = getattr(summary, "engine", None)  # None before the engine reported it
    if stats is not None:
        result.update(run_cpu_s=stats.run_cpu_s, chunks=stats.chunks,
                      model_shipments=stats.model_shipments)
    return result


# Measuring in fresh processes ---------------------------------------------------------------


ENGINES = {
    "regsim": measure_regsim,
    "batch_run": measure_batch_run,
    "batch_run_every_step": lambda p, w, a: measure_batch_run(p, w, a, period=1),
}
LABELS = {"regsim": "regsim", "batch_run": "batch_run (final step)",
          "batch_run_every_step": "batch_run (every step)"}


def child(engine: str, points: int, workers: int, adopters: int) -> dict:
    load = os.getloadavg()[0]
    before = _cpu_s()
    result = ENGINES[engine](points, workers, adopters)
    _stop_fork_server()
    after = _cpu_s()
    result.update(parent_cpu_s=after[0] - before[0], workers_cpu_s=after[1] - before[1],
                  load=load, sim=str(Path(sys.modules["sim"].__file__).parent))
    result["cpu_s"] = result["parent_cpu_s"] + result["workers_cpu_s"]
    result["parent_peak_mib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    result["worker_peak_mib"] = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return result


def _stop_fork_server() -> None:
    """Stop multiprocessing's fork server if this process started one: its CPU time and its
    workers' (which it reaped) reach this process's `RUSAGE_CHILDREN` only once it exits.
    (`_stop` is the standard library's own way, used by its tests; absent, the workers' CPU
    would be missing, and the overhead printed would look better than it is: fail.)"""
    from multiprocessing import forkserver

    server = getattr(forkserver, "_forkserver", None)
    if server is None or getattr(server, "_forkserver_pid", None) is None:
        return
    server._stop()


def _cpu_s() -> tuple[float, float]:
    """User + system CPU seconds of this process, and of its finished workers."""
    own, workers = (resource.getrusage(who) for who in (resource.RUSAGE_SELF,
                                                         resource.RUSAGE_CHILDREN))
    return own.ru_utime + own.ru_stime, workers.ru_utime + workers.ru_stime


def run_child(engine: str, runs: int, workers: int, adopters: int,
              repo: Path | None = None) -> dict:
    """One measurement in a fresh process; with `repo` (a reference commit's worktree), that
    checkout's regsim and scenarios."""
    points = runs // REPLICATES
    command = [sys.executable, "-P", str(Path(__file__).resolve()), "--child", engine,
               "--points", str(points), "--workers", str(workers), "--adopters", str(adopters)]
    env = dict(os.environ)
    if repo is not None:
        command += ["--repo", str(repo)]
        env["PYTHONPATH"] = str(repo)
    completed = subprocess.run(command, check=True, capture_output=True, text=True,
                               cwd=repo or REPO, env=env)
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
                        help="Rounds of --runs measurements (medians are reported).")
    parser.add_argument("--against", metavar="REF",
                        help="Interleave regsim at commit REF and print the ratios.")
    parser.add_argument("--one-worker", action="store_true",
                        help="Also run regsim on 1 worker at --runs.")
    parser.add_argument("--every-step", action="store_true",
                        help="Also run batch_run collecting every step at --runs.")
    parser.add_argument("--skip-batch-run", action="store_true", help="regsim only.")
    parser.add_argument("--skip-large-batch-run", action="store_true",
                        help="Measure --large-runs for regsim only.")
    parser.add_argument("--skip-large", action="store_true", help="No --large-runs round.")
    parser.add_argument("--efficiency-at-large", action="store_true",
                        help="Also time 1 worker at --large-runs (adds a long serial run).")
    parser.add_argument("--child", choices=list(ENGINES), help=argparse.SUPPRESS)
    parser.add_argument("--points", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--workers", type=int, default=2, help=argparse.SUPPRESS)
    parser.add_argument("--repo", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        if args.repo:
            global BASELINE
            BASELINE = Path(args.repo) / "scenarios" / "baseline.toml"
        print(json.dumps(child(args.child, args.points, args.workers, args.adopters)))
        return
    if args.against:
        with reference_tree(args.against) as tree:
            report(args, tree)
    else:
        report(args, None)


class reference_tree:  # noqa: N801 (a context manager, used like a function)
    """A temporary git worktree of commit `ref`, removed on exit."""

    def __init__(self, ref: str) -> None:
        self.ref = ref
        self.tmp = Path(tempfile.mkdtemp(prefix="regsim-ref-"))
        self.tree = self.tmp / "ref"

    def __enter__(self) -> Path:
        subprocess.run(["git", "-C", str(REPO), "worktree", "add", "--detach", "-q",
                        str(self.tree), self.ref], check=True)
        return self.tree

    def __exit__(self, *exc: object) -> None:
        subprocess.run(["git", "-C", str(REPO), "worktree", "remove", "--force",
                        str(self.tree)], check=False)
        shutil.rmtree(self.tmp, ignore_errors=True)


Key = tuple[str, str, int, int]
"""(checkout: "this" or "ref", engine, workers, runs)."""


def plan(args: argparse.Namespace, reference: Path | None) -> tuple[list[Key], list[Key]]:
    """The measurements of one --runs round and of the --large-runs round, in the order run:
    this checkout and the reference alternate, batch_run after them."""
    checkouts = ["this", "ref"] if reference is not None else ["this"]
    small: list[Key] = [(c, "regsim", 2, args.runs) for c in checkouts]
    if not args.skip_batch_run:
        small.append(("this", "batch_run", 2, args.runs))
    if args.every_step:
        small.append(("this", "batch_run_every_step", 2, args.runs))
    if args.one_worker:
        small += [(c, "regsim", 1, args.runs) for c in checkouts]
    large: list[Key] = []
    if not args.skip_large:
        large = [(c, "regsim", 2, args.large_runs) for c in checkouts]
        if not (args.skip_batch_run or args.skip_large_batch_run):
            large.append(("this", "batch_run", 2, args.large_runs))
        if args.efficiency_at_large:
            large.append(("this", "regsim", 1, args.large_runs))
    return small, large


def report(args: argparse.Namespace, reference: Path | None) -> None:
    import mesa

    cores = os.cpu_count() or 1
    print(f"regsim sweep vs its physical limit and mesa.batch_run: baseline, 120 months, "
          f"{args.adopters:,} adopters; python {platform.python_version()}, mesa "
          f"{mesa.__version__}; {cores} CPUs; load average {os.getloadavg()[0]:.2f} at the start")
    small, large = plan(args, reference)
    measured: dict[Key, list[dict]] = {key: [] for key in small + large}
    rounds = [small] * args.repeats + [large]
    for index, keys in enumerate(rounds):
        # Alternate the order round by round, so that neither side always goes first.
        for key in keys if index % 2 == 0 else list(reversed(keys)):
            checkout, engine, workers, runs = key
            measured[key].append(run_child(engine, runs, workers, args.adopters,
                                           reference if checkout == "ref" else None))
    print(f"{args.runs}-run round repeated {args.repeats}x; medians (wall range in brackets); "
          "CPU = parent + workers")
    print(f"{'':>4} {'engine':>22} {'w':>2} {'runs':>5} {'load':>5} {'wall s':>16} "
          f"{'CPU s':>7} {'runs CPU s':>10} {'overhead':>8} {'wall/limit':>10} "
          f"{'parent MiB':>10} {'worker MiB':>10}")
    rows = {key: median_row(values) for key, values in measured.items() if values}
    for key, row in rows.items():
        print(format_row(key, row, cores))
    summarise(rows, args, cores)
    if reference is not None:
        compare_reference(measured, args)
    print(f"load average at the end {os.getloadavg()[0]:.2f}")


def format_row(key: Key, row: dict, cores: int) -> str:
    checkout, engine, workers, _ = key
    spread = f"[{row['wall_min']:.1f}-{row['wall_max']:.1f}]" if row["repeats"] > 1 else ""
    run_cpu = row.get("run_cpu_s")
    overhead = f"{row['cpu_s'] / run_cpu:.3f}x" if run_cpu else "-"
    limit = f"{row['seconds'] / (run_cpu / min(cores, workers)):.2f}x" if run_cpu else "-"
    return (f"{checkout:>4} {LABELS[engine]:>22} {workers:>2} {row['runs']:>5} "
            f"{row['load']:>5.2f} {row['seconds']:>7.2f} {spread:>8} {row['cpu_s']:>7.1f} "
            f"{run_cpu or float('nan'):>10.1f} {overhead:>8} {limit:>10} "
            f"{row['parent_peak_mib']:>10.0f} {row['worker_peak_mib']:>10.0f}")


def median_row(values: list[dict]) -> dict:
    """The median of each measurement over repeats (outcomes from the first)."""
    row = dict(values[0])
    for key in ("seconds", "cpu_s", "parent_cpu_s", "workers_cpu_s", "run_cpu_s", "load",
                "parent_peak_mib", "worker_peak_mib"):
        if all(key in v for v in values):
            row[key] = statistics.median(v[key] for v in values)
    walls = [v["seconds"] for v in values]
    row.update(wall_min=min(walls), wall_max=max(walls), repeats=len(values))
    return row


def summarise(rows: dict, args: argparse.Namespace, cores: int) -> None:
    small, large = args.runs, args.large_runs
    sizes = [small] + ([] if args.skip_large else [large])
    for runs in sizes:
        regsim = rows.get(("this", "regsim", 2, runs))
        if regsim is None or not regsim.get("run_cpu_s"):
            continue
        limit = regsim["run_cpu_s"] / min(cores, 2)
        print(f"{runs} runs on 2 workers: one run {regsim['run_cpu_s'] / regsim['runs']:.4f} "
              f"CPU-s; physical limit {limit:.2f} s; wall {regsim['seconds']:.2f} s = "
              f"{regsim['seconds'] / limit:.2f}x the limit (aim <= 1.15x at low load); engine "
              f"overhead {regsim['cpu_s'] / regsim['run_cpu_s']:.3f}x (aim <= 1.10x): parent "
              f"{regsim['parent_cpu_s']:.2f} CPU-s, workers (and their fork server) beyond "
              f"their runs "
              f"{regsim['workers_cpu_s'] - regsim['run_cpu_s']:.2f} CPU-s; "
              f"{regsim.get('chunks', '?')} chunks, scenario sent "
              f"{regsim.get('model_shipments', '?')}x")
        batch = rows.get(("this", "batch_run", 2, runs))
        if batch is not None:
            print(f"  same runs, same outcomes as batch_run: {same_runs(regsim, batch)}; "
                  f"regsim/batch_run: wall {regsim['seconds'] / batch['seconds']:.2f}x, CPU "
                  f"{regsim['cpu_s'] / batch['cpu_s']:.2f}x (below 1: regsim is faster)")
    one = rows.get(("this", "regsim", 1, small))
    if one is not None and one.get("run_cpu_s"):
        print(f"{small} runs on 1 worker: engine overhead {one['cpu_s'] / one['run_cpu_s']:.3f}x")
    if ("this", "regsim", 1, large) in rows and not args.skip_large:
        regsim_large = rows["this", "regsim", 2, large]
        efficiency = rows["this", "regsim", 1, large]["seconds"] / (2 * regsim_large["seconds"])
        print(f"parallel efficiency at 2 workers, {large} runs: {efficiency:.0%} of wall time")
    if not args.skip_large:
        regsim_small, regsim_large = rows["this", "regsim", 2, small], rows["this", "regsim", 2,
                                                                              large]
        for name in ("parent", "worker"):
            key = f"{name}_peak_mib"
            print(f"regsim {name} peak RSS: {regsim_small[key]:.0f} MiB at {small} runs, "
                  f"{regsim_large[key]:.0f} MiB at {large} runs "
                  f"(x{regsim_large[key] / regsim_small[key]:.2f}; aim: flat)")
        if ("this", "batch_run", 2, large) in rows:
            batch_small, batch_large = (rows["this", "batch_run", 2, small],
                                        rows["this", "batch_run", 2, large])
            print(f"batch_run (final step) parent peak: {batch_small['parent_peak_mib']:.0f} -> "
                  f"{batch_large['parent_peak_mib']:.0f} MiB; worker peak: "
                  f"{batch_small['worker_peak_mib']:.0f} -> "
                  f"{batch_large['worker_peak_mib']:.0f} MiB")


def compare_reference(measured: dict[Key, list[dict]], args: argparse.Namespace) -> None:
    """Per pair of interleaved measurements, REF's wall and CPU time over this checkout's."""
    for (checkout, engine, workers, runs), mine in measured.items():
        if checkout != "this" or engine != "regsim":
            continue
        theirs = measured.get(("ref", engine, workers, runs), [])
        pairs = list(zip(mine, theirs, strict=False))
        if not pairs:
            continue
        same = all(same_runs(a, b) for a, b in pairs)
        for name, key in (("wall", "seconds"), ("CPU", "cpu_s")):
            ratios = [b[key] / a[key] for a, b in pairs]
            print(f"reference {args.against} / this, {runs} runs on {workers} worker(s), "
                  f"{name} time: median {statistics.median(ratios):.2f}x over {len(pairs)} "
                  f"pair(s) [{min(ratios):.2f}-{max(ratios):.2f}] (above 1: this is faster)"
                  + ("" if name == "CPU" else f"; same outcomes: {same}"))


if __name__ == "__main__":
    main()
