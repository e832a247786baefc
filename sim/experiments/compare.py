"""Paired comparison of policy scenarios against a baseline, on common random numbers.

Replicate r of the baseline and of every policy runs with the same seed, so each pair differs
only by the policy: the difference policy - baseline is computed per pair, and its mean gets a
95% t-interval (`sim.experiments.stats.mean_ci`). With `independent`, each policy draws its
own seeds instead; the interval is then wider, which is the point of pairing.

"Better" is judged from the regulator's side, for security at the least cost (`DIRECTIONS`): a
competitor state further behind, later to a capability milestone, more kill-switch coverage,
fewer thefts, incidents, copies of covered open weights, relocations, markets left, injunctions,
fines, cash compliance spending and private value forgone. Outcomes that trade one good against
another (the open-weight lag, the frontier's capability) have no direction: no share "better" is
given.

Undefined outcomes are counted, never hidden: `n_pairs` pairs ran both runs successfully,
`n_pairs_defined` have the outcome on both sides (the difference rests on those). For milestone
outcomes (`state_months_to_*`, `first_open_above_*`) undefined means "not reached within the
horizon", which is later than any month reached: such pairs still count towards the share
better, while the difference of months rests on the pairs where both reached it.

A comparison folder holds `manifest.json`, `scenarios/<name>.toml`, the journal `runs.jsonl`,
`runs.csv` (one row per scenario and replicate), `comparison.csv` and, unless `save_series` is
off, every successful run's monthly series and event log: `timeseries.parquet` and
`events.parquet` (leading columns `scenario` and `replicate`; `sim.experiments.models`
describes the event columns). Each worker writes one Parquet part per run and the parts are
merged one at a time at the end, so memory stays flat; on a cluster the folder must then be
on a file system every worker reaches. The manifest's `status` is "running" until every file
is written (`mark_complete`); the callers build the folder in a hidden temporary folder
(`sim.experiments.storage.PendingFolder`) renamed into place only then.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import platform
import shutil
import sys
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

import sim
from sim.experiments.csv_cells import read_back, write_csv
from sim.experiments.engine import OK, run_tasks
from sim.experiments.executors import ExecutorInfo
from sim.experiments.journal import RunJournal, write_runs_table
from sim.experiments.manifests import COMPLETE
from sim.experiments.models import RunTask, ScenarioModel
from sim.experiments.seeds import replicate_seeds
from sim.experiments.stats import mean_ci
from sim.experiments.storage import (
    MANIFEST_NAME,
    PARTIAL_MARKER,
    ResultsExistError,
    git_state,
    package_versions,
)

HIGHER_IS_BETTER, LOWER_IS_BETTER, NO_DIRECTION = 1, -1, 0
DIRECTIONS: dict[str, int] = {
    "state_mean_lag_months": HIGHER_IS_BETTER,
    "state_min_lag_months": HIGHER_IS_BETTER,
    "state_final_lag_months": HIGHER_IS_BETTER,
    "state_mean_domestic_lag_months": HIGHER_IS_BETTER,
    "state_final_domestic_lag_months": HIGHER_IS_BETTER,
    "state_months_to": HIGHER_IS_BETTER,
    "mean_kill_switch_coverage": HIGHER_IS_BETTER,
    "final_covered_open_copies_share": LOWER_IS_BETTER,
    "final_covered_open_copies": LOWER_IS_BETTER,
    "mean_covered_open_copies": LOWER_IS_BETTER,
    "final_covered_open_current_share": LOWER_IS_BETTER,
    "state_final_open_weights_capability": LOWER_IS_BETTER,
    "state_final_open_weights_gain_oom": LOWER_IS_BETTER,
    "state_mean_open_weights_gain_months": LOWER_IS_BETTER,
    "thefts": LOWER_IS_BETTER,
    "thefts_disclosed": LOWER_IS_BETTER,
    "incidents": LOWER_IS_BETTER,
    "distillations": LOWER_IS_BETTER,
    "relocations": LOWER_IS_BETTER,
    "relocations_started": LOWER_IS_BETTER,
    "markets_left": LOWER_IS_BETTER,
    "injunctions": LOWER_IS_BETTER,
    "penalties_musd": LOWER_IS_BETTER,
    "cash_compliance_musd": LOWER_IS_BETTER,
    "private_value_forgone_musd": LOWER_IS_BETTER,
}
"""Which way is better, by outcome key (or its prefix before `__` / `_1e..`)."""
MILESTONE_PREFIXES = ("state_months_to_", "first_open_above_", "instrument_enacted_month__")
COMPARISON_COLUMNS = [
    "policy", "outcome", "direction", "n_pairs", "n_pairs_defined", "n_baseline_defined",
    "n_policy_defined", "baseline_mean", "policy_mean", "difference_mean", "ci95_low",
    "ci95_high", "n_ordered", "share_better", "share_worse",
]
JOURNAL_NAME, RUNS_NAME, COMPARISON_NAME = "runs.jsonl", "runs.csv", "comparison.csv"
TIMESERIES_NAME, EVENTS_NAME = "timeseries.parquet", "events.parquet"
TIMESERIES_PARTS, EVENTS_PARTS = "timeseries.parts", "events.parts"
INDEPENDENT_STREAM = 0x1DE9
"""Mixed into the root seed to give each policy its own seeds under `independent`."""


def outcome_direction(key: str) -> int:
    """+1 if a larger value is better for the regulator, -1 if smaller, 0 if neither."""
    prefix = key.partition("__")[0]
    if prefix.startswith("state_months_to_"):
        prefix = "state_months_to"
    return DIRECTIONS.get(prefix, NO_DIRECTION)


def is_milestone(key: str) -> bool:
    """Whether NaN means 'not reached within the horizon' for this outcome."""
    return key.startswith(MILESTONE_PREFIXES)


# Seeds and runs -----------------------------------------------------------------------------


def comparison_seeds(root_seed: int, replicates: int, scenarios: int,
                     independent: bool = False) -> list[list[int]]:
    """Replicate seeds per scenario (baseline first): the same list for every scenario
    (common random numbers), or with `independent` a different list for each policy."""
    common = replicate_seeds(root_seed, replicates)
    if not independent:
        return [common] * scenarios
    seeds = [common]
    for index in range(1, scenarios):
        sequence = np.random.SeedSequence([int(root_seed), INDEPENDENT_STREAM, index])
        own_root = int(sequence.generate_state(1, np.uint64)[0] >> np.uint64(1))
        seeds.append(replicate_seeds(own_root, replicates))
    return seeds


def run_comparison(
    folder: Path,
    scenarios: Mapping[str, Mapping[str, Any]],
    root_seed: int,
    replicates: int,
    executor: ExecutorInfo,
    independent: bool = False,
    progress: Callable[[int], None] | None = None,
    save_series: bool = True,
    replicate_values: Sequence[Mapping[str, Any]] = (),
) -> pd.DataFrame:
    """Run every scenario (name -> resolved raw scenario, baseline first) `replicates` times,
    streaming runs to `folder/runs.jsonl`, and return the sorted runs table (`runs.csv`).
    With `save_series`, also write `timeseries.parquet` and `events.parquet`.

    `replicate_values` are parameter-uncertainty draws (`sim.experiments.uncertainty`), one
    mapping per replicate, applied to every scenario alike so that the pairs stay paired.
    The manifest says `"status": "running"` until `mark_complete`. `folder` is normally the
    temporary folder of a `PendingFolder`, renamed into place once complete, so that an
    interrupted comparison leaves nothing half-written. Raises ResultsExistError if `folder`
    holds anything else.
    """
    folder = Path(folder)
    if folder.exists() and any(entry.name != PARTIAL_MARKER for entry in folder.iterdir()):
        raise ResultsExistError(f"{folder} already exists; choose another --out")
    folder.mkdir(parents=True, exist_ok=True)
    names = list(scenarios)
    seeds = comparison_seeds(root_seed, replicates, len(names), independent)
    _write_inputs(folder, scenarios, root_seed, seeds, independent, executor, save_series,
                  replicate_values)
    parts = [str((folder / name).resolve()) if save_series else None
             for name in (TIMESERIES_PARTS, EVENTS_PARTS)]
    values = tuple(dict(v) for v in replicate_values)
    models = [ScenarioModel(dict(raw), parts[0], parts[1], scenario_label=name,
                            replicate_values=values)
              for name, raw in scenarios.items()]
    jobs = ((models[i], RunTask(i, r, seeds[i][r])) for i in range(len(names))
            for r in range(replicates))
    with RunJournal(folder / JOURNAL_NAME) as journal:
        def record(run: dict[str, Any]) -> None:
            journal.append(run)
            if progress is not None:
                progress(1)

        run_tasks(jobs, executor, record, total_runs=len(names) * replicates)
    write_runs_table(folder / JOURNAL_NAME, folder / RUNS_NAME, ["scenario"],
                     lambda point_id: {"scenario": names[point_id]})
    if save_series:
        merge_series(folder)
    return read_back(pd.read_csv(folder / RUNS_NAME))


def merge_series(folder: Path) -> dict[str, int]:
    """Merge the per-run parts into `timeseries.parquet` and `events.parquet` (runs in
    scenario, then replicate order; only successful runs), record how many runs each holds in
    the manifest (`series`), and remove the parts. Returns those counts."""
    from sim.experiments.sweep import merge_timeseries  # the sweep's merge, reused

    folder = Path(folder)
    counts = {}
    for parts, name, key in ((TIMESERIES_PARTS, TIMESERIES_NAME, "timeseries_runs"),
                             (EVENTS_PARTS, EVENTS_NAME, "events_runs")):
        counts[key] = merge_timeseries(folder / parts, folder / JOURNAL_NAME, folder / name)
    manifest = _read_manifest(folder)
    manifest["series"] = {"saved": True, **counts}
    _write_manifest(folder, manifest)
    for parts in (TIMESERIES_PARTS, EVENTS_PARTS):  # merged: only now safe to drop
        shutil.rmtree(folder / parts, ignore_errors=True)
    return counts


def mark_complete(folder: Path) -> None:
    """Record in the manifest that every file of the comparison is written (`"status":
    "complete"`); a folder without it is refused by `regsim report` and `sim.open`."""
    manifest = _read_manifest(Path(folder))
    manifest["status"] = COMPLETE
    _write_manifest(Path(folder), manifest)


def _read_manifest(folder: Path) -> dict[str, Any]:
    return json.loads((folder / MANIFEST_NAME).read_text(encoding="utf-8"))


def _write_manifest(folder: Path, manifest: Mapping[str, Any]) -> None:
    temporary = folder / f".{MANIFEST_NAME}.tmp"
    temporary.write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n",
                         encoding="utf-8")
    os.replace(temporary, folder / MANIFEST_NAME)


def _write_inputs(folder: Path, scenarios: Mapping[str, Mapping[str, Any]], root_seed: int,
                  seeds: list[list[int]], independent: bool, executor: ExecutorInfo,
                  save_series: bool, replicate_values: Sequence[Mapping[str, Any]] = ()) -> None:
    import tomli_w

    (folder / "scenarios").mkdir()
    hashes = {}
    for name, raw in scenarios.items():
        text = tomli_w.dumps(dict(raw))
        (folder / "scenarios" / f"{name}.toml").write_text(text, encoding="utf-8")
        hashes[name] = hashlib.sha256(text.encode()).hexdigest()
    commit, dirty = git_state()
    manifest = {
        "regsim_version": sim.__version__, "kind": "comparison", "status": "running",
        "created_utc": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "baseline": next(iter(scenarios)), "policies": list(scenarios)[1:],
        "scenario_sha256": hashes, "root_seed": int(root_seed),
        "pairing": "independent seeds" if independent else "common random numbers",
        "replicate_seeds": dict(zip(scenarios, seeds, strict=True)),
        "uncertainty_draws": [dict(v) for v in replicate_values],
        "uncertain_parameters": sorted({key for v in replicate_values for key in v}),
        "interval_kind": ("Monte Carlo and parameter uncertainty (paired draws)"
                          if any(replicate_values) else "Monte Carlo only"),
        "executor": executor.description, "python_version": platform.python_version(),
        "platform": platform.platform(), "packages": package_versions(),
        "git_commit": commit, "git_dirty": dirty, "command_line": list(sys.argv),
        "series": {"saved": bool(save_series)},
    }
    _write_manifest(folder, manifest)


# Statistics --------------------------------------------------------------------------------


def paired_comparison(runs: pd.DataFrame, baseline: str, policies: Sequence[str],
                      outcomes: Sequence[str]) -> pd.DataFrame:
    """One row per policy and outcome (`COMPARISON_COLUMNS`): paired differences policy -
    baseline over replicates, with their mean and 95% CI, counts and shares better/worse.

    `runs` has one row per scenario and replicate: `scenario`, `replicate`, `status` and the
    outcome columns (a comparison's `runs.csv`).
    """
    replicates = np.sort(runs["replicate"].unique())
    ok = runs[runs["status"] == OK]
    sides = {name: ok[ok["scenario"] == name].set_index("replicate").reindex(replicates)
             for name in [baseline, *policies]}
    rows = []
    for policy in policies:
        both_ok = sides[baseline]["status"].eq(OK) & sides[policy]["status"].eq(OK)
        for outcome in outcomes:
            base = pd.to_numeric(sides[baseline][outcome], errors="coerce")[both_ok]
            other = pd.to_numeric(sides[policy][outcome], errors="coerce")[both_ok]
            rows.append(_compare_one(policy, outcome, base.to_numpy(float),
                                     other.to_numpy(float)))
    return pd.DataFrame(rows, columns=COMPARISON_COLUMNS)


def _compare_one(policy: str, outcome: str, base: np.ndarray, other: np.ndarray) -> dict:
    direction = outcome_direction(outcome)
    mean, low, high, n_defined = mean_ci(other - base)
    better, worse, ordered = _orderings(outcome, base, other, direction)
    return {
        "policy": policy, "outcome": outcome, "direction": direction, "n_pairs": len(base),
        "n_pairs_defined": n_defined, "n_baseline_defined": int(np.isfinite(base).sum()),
        "n_policy_defined": int(np.isfinite(other).sum()),
        "baseline_mean": _nanmean(base), "policy_mean": _nanmean(other),
        "difference_mean": mean, "ci95_low": low, "ci95_high": high, "n_ordered": ordered,
        "share_better": better / ordered if ordered and direction else np.nan,
        "share_worse": worse / ordered if ordered and direction else np.nan,
    }


def _orderings(outcome: str, base: np.ndarray, other: np.ndarray,
               direction: int) -> tuple[int, int, int]:
    """(pairs where the policy is better, worse, pairs whose order is known)."""
    if is_milestone(outcome):  # not reached = later than the horizon
        base = np.where(np.isnan(base), np.inf, base)
        other = np.where(np.isnan(other), np.inf, other)
    known = ~(np.isnan(base) | np.isnan(other))
    with np.errstate(invalid="ignore"):  # inf - inf: neither reached, a tie
        signed = np.nan_to_num(direction * (other[known] - base[known]), nan=0.0)
    return int((signed > 0).sum()), int((signed < 0).sum()), int(known.sum())


def _nanmean(values: np.ndarray) -> float:
    finite = values[np.isfinite(values)]
    return float(finite.mean()) if finite.size else float("nan")


def numeric_outcomes(runs: pd.DataFrame) -> list[str]:
    """The numeric outcome columns of a runs table (between `status` and `error`)."""
    columns = list(runs.columns)
    candidates = columns[columns.index("status") + 1: columns.index("error")]
    return [c for c in candidates if pd.api.types.is_numeric_dtype(runs[c])
            and not pd.api.types.is_bool_dtype(runs[c])]


def write_comparison(frame: pd.DataFrame, folder: Path) -> Path:
    """Write the comparison table as `comparison.csv` (fixed float format)."""
    path = Path(folder) / COMPARISON_NAME
    write_csv(frame, path)
    return path
