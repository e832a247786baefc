"""Synthetic RunResults shaped like the runner's output, for tests of storage, stats and plots.

The numbers are plausible but made up: a frontier growing ~1 OOM/yr in effective compute, an open
frontier that is -inf until the first open release, kill-switch coverage that is NaN until a
covered model exists, and a state that reaches 1e27 in some replicates only.
"""

from __future__ import annotations

import hashlib

import numpy as np
import pandas as pd

from sim.calendar import format_month, parse_month
from sim.experiments.results import ReplicateResult, RunResult

CHANNELS = ["domestic", "open_weights", "theft", "distillation", "none"]
SCENARIO_TOML = '[scenario]\nname = "synthetic"\nstart = "2024-01"\nmonths = 24\n'


def make_run_result(
    replicates: int = 3,
    months: int = 24,
    states: tuple[str, ...] = ("china", "russia"),
    regulators: tuple[str, ...] = ("california",),
    root_seed: int = 7,
    start: str = "2024-01",
    scenario_name: str = "synthetic",
) -> RunResult:
    """A RunResult with ``replicates`` replicates of ``months`` months, fully determined by
    ``root_seed``."""
    seeds = [int(seed) for seed in np.random.SeedSequence(root_seed).generate_state(replicates)]
    results = [
        _replicate(index, seed, months, states, regulators, start)
        for index, seed in enumerate(seeds)
    ]
    return RunResult(
        scenario_name=scenario_name,
        question="How fast does frontier capability reach a competitor state?",
        resolved_scenario_toml=SCENARIO_TOML,
        scenario_sha256=hashlib.sha256(SCENARIO_TOML.encode()).hexdigest(),
        root_seed=root_seed,
        replicate_seeds=seeds,
        replicates=results,
        timings_s={"simulate": 0.123, "total": 0.2},
        state_names=list(states),
        regulator_names=list(regulators),
        start=start,
        months=months,
    )


def _replicate(
    index: int,
    seed: int,
    months: int,
    states: tuple[str, ...],
    regulators: tuple[str, ...],
    start: str,
) -> ReplicateResult:
    rng = np.random.default_rng(seed)
    timeseries = _timeseries(rng, months, states, regulators, start)
    summary = _summary(timeseries, states, index)
    events = [
        {
            "step": 3,
            "month": timeseries["month"].iloc[min(3, months - 1)],
            "kind": "release",
            "actors": ["meta"],
            "text": "Meta releases an open-weight model",
            "train_flop": np.float64(25.3),
        },
        {
            "step": 5,
            "month": timeseries["month"].iloc[min(5, months - 1)],
            "kind": "theft",
            "actors": [states[0] if states else "thief", "openai"],
            "text": "Weights stolen",
            "value_musd": float("nan"),
        },
    ]
    return ReplicateResult(
        replicate=index, seed=seed, timeseries=timeseries, summary=summary, events=events
    )


def _timeseries(
    rng: np.random.Generator,
    months: int,
    states: tuple[str, ...],
    regulators: tuple[str, ...],
    start: str,
) -> pd.DataFrame:
    steps = np.arange(months)
    first = parse_month(start)
    frontier = 26.0 + steps / 12.0 + rng.normal(0, 0.05, months).cumsum()
    first_open = int(rng.integers(2, max(3, months // 2)))
    open_frontier = np.where(steps >= first_open, frontier - 0.4, -np.inf)
    coverage = np.where(steps >= 4, np.clip(0.9 - 0.02 * steps, 0, 1), np.nan)
    columns: dict[str, object] = {
        "step": steps,
        "month": [format_month(first + int(step)) for step in steps],
        "frontier_capability": frontier,
        "closed_frontier_capability": frontier,
        "open_frontier_capability": open_frontier,
        "open_lag_months": np.where(steps >= first_open, 5.0 + rng.normal(0, 1, months), np.nan),
        "frontier_train_flop": 25.5 + steps * 0.055,
        "algo_efficiency_oom": steps * 0.0375,
        "ecosystem_open_frontier_tier_share": np.clip(steps / (months + 5.0), 0, 1),
        "ecosystem_api_frontier_tier_share": np.clip(0.5 - steps / (3.0 * months), 0, 1),
        "ecosystem_frontier_tier_share": np.clip(0.1 + rng.uniform(0, 0.05, months), 0, 1),
        "covered_open_copies_share": np.where(steps >= first_open, steps / months, 0.0),
        "covered_open_copies": np.where(steps >= first_open, steps * 1000.0, 0.0),
        "covered_open_current_share": np.where(steps >= first_open, 0.5, 0.0),
        "kill_switch_coverage": coverage,
        "open_weight_labs": np.full(months, 5),
        "releases": rng.poisson(2, months),
        "new_models_above_1e25_flop": rng.poisson(2, months),
        "new_models_above_1e26_flop": rng.poisson(0.5, months),
        "covered_releases": np.cumsum(rng.poisson(1.0, months)),
        "responses_comply": np.cumsum(rng.poisson(0.8, months)),
        "responses_withhold": np.cumsum(rng.poisson(0.1, months)),
        "responses_exit": np.zeros(months),
        "responses_defy": np.cumsum(rng.poisson(0.02, months)),
        "relocations": np.cumsum(rng.poisson(0.05, months)),
        "thefts": np.cumsum(rng.poisson(0.03, months)),
        "incidents": np.cumsum(rng.poisson(0.1, months)),
        "cash_compliance_musd": np.cumsum(rng.uniform(0, 3, months)),
        "penalties_musd": np.cumsum(rng.uniform(0, 0.5, months)),
        "private_value_forgone_musd": np.cumsum(rng.uniform(0, 5, months)),
        "active_policies": np.full(months, 1),
    }
    for state in states:
        lag = 7.0 + rng.normal(0, 2, months)
        columns[f"state_capability__{state}"] = frontier - lag / 12.0
        columns[f"state_lag_months__{state}"] = lag
        columns[f"state_domestic_capability__{state}"] = frontier - (lag + 2) / 12.0
        columns[f"state_domestic_lag_months__{state}"] = lag + 2
        columns[f"state_best_channel__{state}"] = rng.choice(CHANNELS, months)
    for regulator in regulators:
        columns[f"regulator_pressure__{regulator}"] = rng.uniform(0, 1, months)
    return pd.DataFrame(columns)


def _summary(
    timeseries: pd.DataFrame, states: tuple[str, ...], index: int
) -> dict[str, float | str]:
    last = timeseries.iloc[-1]
    summary: dict[str, float | str] = {
        "mean_open_lag_months": float(timeseries["open_lag_months"].mean()),
        "final_frontier_capability": float(last["frontier_capability"]),
        "mean_kill_switch_coverage": float(timeseries["kill_switch_coverage"].mean()),
        "final_covered_open_copies": float(last["covered_open_copies"]),
        "mean_covered_open_copies": float(timeseries["covered_open_copies"].mean()),
        "final_frontier_train_flop": float(last["frontier_train_flop"]),
        "first_open_above_1e26_month": float("nan") if index == 0 else 3.0 + index,
        "releases": float(timeseries["releases"].sum()),
        "open_releases": float(timeseries["releases"].sum() // 2),
        "open_base_upgrades": 1.0,
        "distillations": 2.0,
    }
    for key in ("thefts", "incidents", "relocations", "covered_releases"):
        summary[key] = float(last[key])
    for key in ("cash_compliance_musd", "penalties_musd", "private_value_forgone_musd"):
        summary[key] = float(last[key])
    answers = sum(float(last[f"responses_{a}"]) for a in ("comply", "withhold", "exit", "defy"))
    for action in ("comply", "withhold", "exit", "defy"):
        summary[f"share_{action}"] = float(last[f"responses_{action}"]) / answers
    summary["share_relocate"] = 0.0
    for state in states:
        lag = timeseries[f"state_lag_months__{state}"]
        summary[f"state_mean_lag_months__{state}"] = float(lag.mean())
        summary[f"state_min_lag_months__{state}"] = float(lag.min())
        summary[f"state_final_lag_months__{state}"] = float(lag.iloc[-1])
        summary[f"state_mean_domestic_lag_months__{state}"] = float(lag.mean() + 2)
        summary[f"state_mean_open_weights_gain_months__{state}"] = 0.5
        # Reached only in odd replicates: tests the "reached in k/n" accounting.
        summary[f"state_months_to_1e27__{state}"] = 20.0 + index if index % 2 else float("nan")
        summary[f"state_final_channel__{state}"] = str(
            timeseries[f"state_best_channel__{state}"].iloc[-1]
        )
    return summary
