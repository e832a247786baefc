"""Time one replicate of the baseline (120 months) at 10k, 100k and 1M downstream adopters.

Each size runs in its own process, so peak memory (max RSS) is that size's alone. Timings are the
median of `--repeats` runs after one warm-up run (which pays for imports and first-call costs):
wall time (`time.perf_counter`) and the process's CPU time (`time.process_time`), which a shared
machine's other work disturbs much less. The load average at the start is printed with them.

    python benchmarks/replicate_speed.py [--repeats 5] [--sizes 10000,100000,1000000]
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
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def measure(adopters: int, repeats: int) -> dict:
    """Run inside a child process: time replicates of the baseline at `adopters`."""
    from sim.experiments.runner import run_replicate
    from sim.scenario.loader import load_scenario

    scenario = load_scenario(
        REPO / "scenarios" / "baseline.toml", [f"world.ecosystem.adopters={adopters}"]
    )
    run_replicate(scenario, seed=0)
    times, cpu_times = [], []
    for seed in range(1, repeats + 1):
        started, cpu_started = time.perf_counter(), time.process_time()
        run_replicate(scenario, seed=seed)
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--sizes", default="10000,100000,1000000")
    parser.add_argument("--child", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(measure(args.child, args.repeats)))
        return
    print(f"regsim replicate benchmark: baseline, 120 months; python {platform.python_version()}; "
          f"load average {os.getloadavg()[0]:.2f}")
    print(f"{'adopters':>10} {'median s':>9} {'min s':>7} {'max s':>7} {'median CPU s':>13} "
          f"{'peak RSS MiB':>13}")
    rows = []
    for size in (int(s) for s in args.sizes.split(",")):
        out = subprocess.run(
            [sys.executable, __file__, "--child", str(size), "--repeats", str(args.repeats)],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
        row = json.loads(out.strip().splitlines()[-1])
        rows.append(row)
        print(
            f"{row['adopters']:>10,} {row['median_s']:>9.3f} {row['min_s']:>7.3f} "
            f"{row['max_s']:>7.3f} {row['median_cpu_s']:>13.3f} {row['peak_rss_mib']:>13.0f}"
        )
    base = rows[0]
    for row in rows[1:]:
        ratio = row["median_s"] / base["median_s"]
        scale = row["adopters"] / base["adopters"]
        print(f"time x{ratio:.1f} for adopters x{scale:.0f} (linear would be x{scale:.0f} or less)")


if __name__ == "__main__":
    main()
