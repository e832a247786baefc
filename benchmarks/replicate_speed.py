"""Time one replicate of the baseline (120 months), alone or against a reference commit.

Two modes:

- sizes (default): each population size runs in its own process, so peak memory (max RSS) is that
  size's alone; timings are medians of `--repeats` runs after one warm-up run.

      python benchmarks/replicate_speed.py [--repeats 5] [--sizes 10000,100000,1000000]

- `--against REF`: this checkout and commit REF (checked out into a temporary git worktree) each
  run in a long-lived child process, and the two are asked for one replicate in turn (A, B, A,
  B, ...) on the same seeds, so both see the same machine load. What is compared is CPU time
  (`time.process_time`), which other work on a shared machine disturbs much less than wall time;
  the ratio printed is the median over pairs of REF's CPU time over this checkout's (above 1:
  this checkout is faster). Each child also reports the share of its CPU time spent in the
  cyclic garbage collector and, from one separate profiled replicate, the number of function
  calls per replicate.

      python benchmarks/replicate_speed.py --against a4b566a [--pairs 15] [--adopters 10000]
          [--no-series]

Every report starts with the Python version and the 1-minute load average as the measurement
started, gives wall time beside CPU time, and ends with the load average at the end.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def _scenario(repo: Path, adopters: int):
    from sim.scenario.loader import load_scenario

    return load_scenario(repo / "scenarios" / "baseline.toml",
                         [f"world.ecosystem.adopters={adopters}"])


def _run(scenario, seed: int, series: bool) -> None:
    from sim.experiments.runner import run_replicate

    run_replicate(scenario, seed=seed, timeseries=series)


def measure(adopters: int, repeats: int) -> dict:
    """Run inside a child process: time replicates of the baseline at `adopters`."""
    scenario = _scenario(REPO, adopters)
    _run(scenario, 0, True)
    times, cpu_times = [], []
    for seed in range(1, repeats + 1):
        started, cpu_started = time.perf_counter(), time.process_time()
        _run(scenario, seed, True)
        times.append(time.perf_counter() - started)
        cpu_times.append(time.process_time() - cpu_started)
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return {
        "adopters": adopters,
        "median_s": statistics.median(times),
        "min_s": min(times),
        "max_s": max(times),
        "median_cpu_s": statistics.median(cpu_times),
        "peak_rss_mib": peak_kib / 1024,
        "repeats": repeats,
    }


def serve(repo: Path, adopters: int, series: bool) -> None:
    """Child of `--against`: answer one replicate per line read ("SEED" or "PROFILE") on stdin.

    The child imports regsim from `repo` (its first sys.path entry), so the same code measures
    any commit whose runner has `run_replicate(scenario, seed, timeseries=...)`.
    """
    import cProfile
    import gc
    import pstats

    gc_seconds = [0.0]
    gc_started = [0.0]

    def on_gc(phase: str, _info: dict) -> None:
        if phase == "start":
            gc_started[0] = time.process_time()
        else:
            gc_seconds[0] += time.process_time() - gc_started[0]

    scenario = _scenario(repo, adopters)
    _run(scenario, 0, series)  # warm-up: imports and first-call costs
    gc.callbacks.append(on_gc)
    for line in sys.stdin:
        command = line.strip()
        if command == "PROFILE":
            profile = cProfile.Profile()
            profile.enable()
            _run(scenario, 10_000, series)
            profile.disable()
            calls = pstats.Stats(profile).total_calls  # type: ignore[attr-defined]
            print(json.dumps({"calls": calls}), flush=True)
            continue
        seed = int(command)
        gc_seconds[0] = 0.0
        started, cpu_started = time.perf_counter(), time.process_time()
        _run(scenario, seed, series)
        cpu = time.process_time() - cpu_started
        print(json.dumps({"wall_s": time.perf_counter() - started, "cpu_s": cpu,
                          "gc_s": gc_seconds[0]}), flush=True)


class _Child:
    """A long-lived `serve` process for one checkout."""

    def __init__(self, repo: Path, adopters: int, series: bool) -> None:
        env = dict(os.environ, PYTHONPATH=str(repo))
        command = [sys.executable, "-P", str(Path(__file__).resolve()), "--serve", str(repo),
                   "--adopters", str(adopters)] + ([] if series else ["--no-series"])
        self.process = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                        text=True, env=env, cwd=repo)

    def ask(self, command: str) -> dict:
        assert self.process.stdin is not None and self.process.stdout is not None
        self.process.stdin.write(command + "\n")
        self.process.stdin.flush()
        line = self.process.stdout.readline()
        if not line:
            raise SystemExit(f"benchmark child for {command!r} died (see its stderr above)")
        return json.loads(line)

    def close(self) -> None:
        assert self.process.stdin is not None
        self.process.stdin.close()
        self.process.wait(timeout=60)


def against(reference: str, pairs: int, adopters: int, series: bool) -> None:
    """Interleave replicates of this checkout (A) and `reference` (B); print CPU-time ratios."""
    load_at_start = os.getloadavg()[0]
    with tempfile.TemporaryDirectory(prefix="regsim-ref-") as tmp:
        ref_tree = Path(tmp) / "ref"
        subprocess.run(["git", "-C", str(REPO), "worktree", "add", "--detach", "-q",
                        str(ref_tree), reference], check=True)
        try:
            children = {"this": _Child(REPO, adopters, series),
                        "ref": _Child(ref_tree, adopters, series)}
            rows: dict[str, list[dict]] = {"this": [], "ref": []}
            for seed in range(1, pairs + 1):
                order = ("this", "ref") if seed % 2 else ("ref", "this")
                for name in order:
                    rows[name].append(children[name].ask(str(seed)))
            calls = {name: child.ask("PROFILE")["calls"] for name, child in children.items()}
            for child in children.values():
                child.close()
        finally:
            subprocess.run(["git", "-C", str(REPO), "worktree", "remove", "--force",
                            str(ref_tree)], check=False)
    _report_against(reference, rows, calls, adopters, series, load_at_start)


def _report_against(reference: str, rows: dict[str, list[dict]], calls: dict[str, int],
                    adopters: int, series: bool, load_at_start: float) -> None:
    commit = subprocess.run(["git", "-C", str(REPO), "rev-parse", "--short", "HEAD"],
                            capture_output=True, text=True).stdout.strip() or "?"
    print(f"regsim replicate, interleaved: baseline, 120 months, {adopters:,} adopters, "
          f"series {'on' if series else 'off'}; python {platform.python_version()}; "
          f"load average {load_at_start:.2f} at the start; {len(rows['this'])} pairs")
    print(f"{'checkout':<22} {'median CPU s':>12} {'min CPU s':>10} {'median wall s':>13} "
          f"{'GC share':>9} {'calls/replicate':>16}")
    for name, label in (("this", f"this ({commit})"), ("ref", f"reference ({reference})")):
        cpu = [r["cpu_s"] for r in rows[name]]
        wall = [r["wall_s"] for r in rows[name]]
        gc_share = sum(r["gc_s"] for r in rows[name]) / sum(cpu)
        print(f"{label:<22} {statistics.median(cpu):>12.4f} {min(cpu):>10.4f} "
              f"{statistics.median(wall):>13.4f} {gc_share:>9.1%} {calls[name]:>16,}")
    ratios = [b["cpu_s"] / a["cpu_s"] for a, b in zip(rows["this"], rows["ref"], strict=True)]
    print(f"CPU-time ratio reference/this: median {statistics.median(ratios):.2f}x "
          f"(pairs {min(ratios):.2f}x-{max(ratios):.2f}x); load average at the end "
          f"{os.getloadavg()[0]:.2f}")


def sizes(repeats: int, size_list: str) -> None:
    print(f"regsim replicate benchmark: baseline, 120 months; python {platform.python_version()}; "
          f"load average {os.getloadavg()[0]:.2f} at the start")
    print(f"{'adopters':>10} {'median s':>9} {'min s':>7} {'max s':>7} {'median CPU s':>13} "
          f"{'peak RSS MiB':>13}")
    rows = []
    for size in (int(s) for s in size_list.split(",")):
        out = subprocess.run(
            [sys.executable, __file__, "--child", str(size), "--repeats", str(repeats)],
            check=True, capture_output=True, text=True,
        ).stdout
        row = json.loads(out.strip().splitlines()[-1])
        rows.append(row)
        print(f"{row['adopters']:>10,} {row['median_s']:>9.3f} {row['min_s']:>7.3f} "
              f"{row['max_s']:>7.3f} {row['median_cpu_s']:>13.3f} {row['peak_rss_mib']:>13.0f}")
    base = rows[0]
    for row in rows[1:]:
        ratio = row["median_cpu_s"] / base["median_cpu_s"]
        scale = row["adopters"] / base["adopters"]
        print(f"CPU time x{ratio:.1f} for adopters x{scale:.0f} (linear would be x{scale:.0f})")
    print(f"load average at the end {os.getloadavg()[0]:.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--sizes", default="10000,100000,1000000")
    parser.add_argument("--against", metavar="REF",
                        help="interleave replicates with this commit and print CPU-time ratios")
    parser.add_argument("--pairs", type=int, default=15)
    parser.add_argument("--adopters", type=int, default=10_000)
    parser.add_argument("--no-series", action="store_true",
                        help="record only what the summary needs (as sweeps do)")
    parser.add_argument("--child", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--serve", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(measure(args.child, args.repeats)))
    elif args.serve:
        serve(Path(args.serve), args.adopters, not args.no_series)
    elif args.against:
        against(args.against, args.pairs, args.adopters, not args.no_series)
    else:
        sizes(args.repeats, args.sizes)


if __name__ == "__main__":
    main()
