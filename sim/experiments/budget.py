"""How big and how long an experiment will be, estimated before it starts.

A run or a sweep that cannot fit in memory, or would take absurdly long, is refused at once
with the estimate, rather than failing with a MemoryError after hours (or never finishing):

- a design: its number of points, counted without building it (a full factorial of three
  ranges at a million levels each would be 1e18 points), at most `MAX_DESIGN_POINTS`, and its
  runs (points x replicates), at most `MAX_SWEEP_RUNS`;
- a run's memory: `regsim run` keeps every replicate's monthly table (months x replicates x
  columns) until it writes them, and each replicate holds its downstream population
  (adopters); compared with the memory this machine has;
- a run's time, from a cost model of the replicate (per month, per adopter and month, and per
  month squared), fitted to the README's benchmarks and to long horizons: at most a day for
  `regsim run` (one process), a year of one core for a sweep or a comparison (shared by its
  workers).

The estimates are deliberately rough (within a factor of 2-3) and on the generous side: they
exist to catch what is off by orders of magnitude, not to predict run times.
"""

from __future__ import annotations

import math
import os
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

MAX_DESIGN_POINTS = 1_000_000
"""Most points a design may have (design.json alone then holds some 100 MB)."""
MAX_SWEEP_RUNS = 10_000_000
"""Most runs (points x replicates) in one sweep or comparison."""
MAX_RUN_SECONDS = 24 * 3600.0
"""Most estimated time of `regsim run`, which runs its replicates one after another (a day)."""
MAX_CPU_SECONDS = 365 * 24 * 3600.0
"""Most estimated computing time of a sweep or comparison, in seconds of one core (a year),
which workers or a cluster share."""

SECONDS_PER_MONTH = 4e-4
"""One simulated month of a replicate without its population (baseline: 0.048 s / 120)."""
SECONDS_PER_ADOPTER_MONTH = 8e-9
"""One adopter for one month (baseline: 0.95 s for 1M adopters over 120 months)."""
SECONDS_PER_MONTH_SQUARED = 5e-6
"""What each month adds to every later one (lags look back over the history): a 1,200-month
replicate takes some 7 s, not 0.5 s."""
BYTES_PER_ADOPTER = 64
"""The population's arrays and the temporaries of one Bass step (about 40 measured)."""
BYTES_PER_CELL = 48
"""One cell of the monthly table: the frame, the concatenated copy and the CSV being written."""
BASE_BYTES = 300 * 1024 * 1024
"""Python, numpy, pandas, Mesa and the model before any table (about 160 MiB measured)."""
MEMORY_SHARE = 0.8
"""Share of this machine's memory an estimate may take."""


class BudgetError(ValueError):
    """An experiment too large to run; the message gives the estimate and what to change."""


@dataclass(frozen=True)
class RunSize:
    """A scenario's size: months per replicate, downstream adopters, columns of its monthly
    table."""

    months: int
    adopters: int
    columns: int

    def replicate_seconds(self) -> float:
        """Estimated seconds of one core for one replicate."""
        per_month = SECONDS_PER_MONTH + SECONDS_PER_ADOPTER_MONTH * self.adopters
        return self.months * per_month + SECONDS_PER_MONTH_SQUARED * self.months**2

    def replicate_bytes(self) -> int:
        """Estimated peak memory of a process running one replicate, in bytes."""
        return BASE_BYTES + self.adopters * BYTES_PER_ADOPTER + self.table_bytes(1)

    def table_bytes(self, replicates: int) -> int:
        """Memory for the monthly tables of `replicates` replicates kept together."""
        return replicates * self.months * self.columns * BYTES_PER_CELL


def run_size(scenario: Any) -> RunSize:
    """The size of a validated scenario, its columns counted by running one month of a tiny
    copy (so the estimate follows the model's outputs, whatever they are)."""
    probe = probe_replicate(scenario)
    meta = scenario.scenario
    return RunSize(meta.months, scenario.world.ecosystem.adopters, len(probe.timeseries.columns))


def probe_replicate(scenario: Any) -> Any:
    """One month of a one-adopter copy of a validated scenario (a ReplicateResult): its
    columns and summary keys are those of the scenario's runs, in a fraction of a second."""
    from sim.experiments.runner import run_replicate
    from sim.scenario.schema import Scenario

    raw = scenario.to_toml_dict()
    raw.pop("sweep", None)
    raw["scenario"]["months"] = 1
    raw.setdefault("world", {}).setdefault("ecosystem", {})["adopters"] = 1
    return run_replicate(Scenario.model_validate(raw), seed=0)


def outcome_keys(scenario: Any) -> list[str]:
    """The numeric outcomes (summary keys) every run of a validated scenario records."""
    summary = probe_replicate(scenario).summary
    return [key for key, value in summary.items()
            if isinstance(value, int | float) and not isinstance(value, bool)]


def check_run(size: RunSize, replicates: int, memory_bytes: int | None = None) -> None:
    """Raise BudgetError if `replicates` replicates of `size`, kept together as `regsim run`
    keeps them, would not fit in memory or would take too long."""
    needed = BASE_BYTES + size.adopters * BYTES_PER_ADOPTER + size.table_bytes(replicates)
    _check_memory(needed, memory_bytes, f"{replicates:,} replicates x {size.months:,} months x "
                  f"{size.columns} columns of monthly tables and {size.adopters:,} adopters",
                  "use fewer replicates, months or adopters (a sweep keeps no tables in memory)")
    _check_time(replicates * size.replicate_seconds(), f"{replicates:,} replicates",
                MAX_RUN_SECONDS)


def check_runs(size: RunSize, runs: int, memory_bytes: int | None = None) -> None:
    """Raise BudgetError if `runs` separate runs of `size` (a sweep's or a comparison's, each
    in a worker) are too many, would not fit one worker's memory, or would take too long."""
    if runs > MAX_SWEEP_RUNS:
        raise BudgetError(f"{runs:,} runs is more than the {MAX_SWEEP_RUNS:,} one experiment "
                          "may have; use fewer samples, levels or replicates")
    _check_memory(size.replicate_bytes(), memory_bytes,
                  f"one run of {size.months:,} months and {size.adopters:,} adopters",
                  "use fewer adopters or months")
    _check_time(runs * size.replicate_seconds(), f"{runs:,} runs", MAX_CPU_SECONDS)


def design_points(parameters: Sequence[Any], sampler: str, samples: int | None) -> int:
    """The number of points `make_design` would build, counted without building them."""
    from sim.experiments.design import DEFAULT_SAMPLES, LEVER

    count = DEFAULT_SAMPLES.get(sampler, 1) if samples is None else int(samples)
    if sampler == "grid":
        return math.prod(_levels(parameter, count) for parameter in parameters)
    if sampler == "lhs":
        crossed = [p for p in parameters if p.kind == LEVER and not p.is_range]
        return count * math.prod(len(p.values) for p in crossed)
    if sampler == "sobol":
        return count * (len(parameters) + 2)
    return count * (len(parameters) + 1)  # morris: trajectories of parameters + 1 points


def check_design(parameters: Sequence[Any], sampler: str, samples: int | None) -> int:
    """The design's number of points; BudgetError if it is above MAX_DESIGN_POINTS."""
    points = design_points(parameters, sampler, samples)
    if points > MAX_DESIGN_POINTS:
        raise BudgetError(f"the {sampler} design would have {_count(points)} points, more than "
                          f"the {MAX_DESIGN_POINTS:,} a sweep may have; use fewer --samples "
                          "or fewer parameters")
    return points


def available_memory_bytes() -> int | None:
    """Memory this machine can give a new process (MemAvailable on Linux, else its physical
    memory), or None if unknown."""
    try:
        with open("/proc/meminfo", encoding="ascii") as meminfo:
            for line in meminfo:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    try:
        return int(os.sysconf("SC_PHYS_PAGES")) * int(os.sysconf("SC_PAGE_SIZE"))
    except (ValueError, OSError, AttributeError):
        return None


def _levels(parameter: Any, count: int) -> int:
    if not parameter.is_range:
        return len(parameter.values)
    if parameter.is_integer:
        return min(count, int(parameter.high) - int(parameter.low) + 1)
    return count


def _check_memory(needed: int, memory_bytes: int | None, what: str, advice: str) -> None:
    memory = available_memory_bytes() if memory_bytes is None else memory_bytes
    if memory is not None and needed > MEMORY_SHARE * memory:
        raise BudgetError(f"{what} need about {_bytes(needed)} of memory; this machine has "
                          f"{_bytes(memory)} available; {advice}")


def _check_time(seconds: float, what: str, limit: float) -> None:
    if seconds > limit:
        raise BudgetError(f"{what} would take about {_duration(seconds)} of computing time "
                          f"(the limit is {_duration(limit)}); use fewer replicates, months, "
                          "adopters or design points")


def _bytes(count: float) -> str:
    for unit, size in (("TiB", 2**40), ("GiB", 2**30), ("MiB", 2**20)):
        if count >= size:
            return f"{count / size:,.1f} {unit}"
    return f"{count:,.0f} bytes"


def _duration(seconds: float) -> str:
    for unit, size in (("years", 365 * 86400), ("days", 86400), ("hours", 3600)):
        if seconds >= size:
            return f"{seconds / size:,.1f} {unit}"
    return f"{seconds:,.0f} s"


def _count(number: int) -> str:
    return f"{number:,}" if number < 10**15 else f"{float(number):.3g}"
