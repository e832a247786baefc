"""Which channel a policy's effect on a state came through: an exact Shapley decomposition of
each paired difference (policy - baseline, same seed) in the state's mean lag and final
capability over its four channels (own labs, military fine-tunes of open weights,
distillation, theft), from the monthly series a comparison keeps.

The state's accessible capability is the maximum over channels of each channel's capability
(each a running maximum, recorded monthly). The players are the channels' *changes*: for a
subset S, `mixed_S` is the accessible capability with the channels in S as in the policy run
and the others as in the baseline run (Shorrocks 2013's Shapley decomposition of a change).
A channel the policy leaves unchanged is then a null player and gets exactly 0, and the
contributions sum exactly to the change (efficiency). (The alternative game "capability with
only the channels in S" credits an unchanged channel through masking: own labs ahead of a
distillation that the policy removes would get a share of its effect.)

Lag. A policy moves a state's lag in two ways: its capability changes, and the frontier it is
measured against changes. The paired difference in mean lag splits exactly as

    frontier = mean lag of the baseline's capability on the policy's frontier
               - mean lag of the baseline's capability on the baseline's frontier
    channels = mean lag of the policy's capability - mean lag of the baseline's capability,
               both on the policy's frontier,

and the channel part is divided by the Shapley value of `v(S) = mean lag of mixed_S -
mean lag of the baseline's capability`, on the policy's frontier (16 subsets; v(empty) = 0).
Final capability has no frontier part: `v(S) = mixed_S - baseline capability` in the last
month. Each pair gives its contributions; the table reports their mean and 95% t-interval
per component, and the components' means sum to the total's mean.

Lags are recomputed from the monthly frontier exactly as `sim.model.lags.FrontierHistory`
computes them (the recomputed lag of the accessible capability equals the recorded
`state_lag_months`, `tests/test_channels.py`).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from sim.model.states import CHANNELS

FRONTIER = "frontier"
TOTAL = "total"
OUTCOMES = {"mean_lag_months": "months", "final_capability": "log10 effective FLOP"}
COMPONENT_LABELS = {"domestic": "own labs", "open_weights": "fine-tunes of open weights",
                    "distillation": "distillation", "theft": "theft",
                    FRONTIER: "the frontier moved", TOTAL: "total effect"}
CHANNELS_NAME = "channels.csv"
COLUMNS = ["policy", "state", "outcome", "unit", "component", "label", "n_pairs", "mean",
           "ci95_low", "ci95_high"]
PAIR_COLUMNS = ["policy", "state", "replicate", "outcome", "component", "value"]


def series_columns(state: str) -> list[str]:
    """The monthly columns a state's decomposition reads."""
    return ["frontier_capability", *(f"state_capability_{c}__{state}" for c in CHANNELS)]


def lags(capability: np.ndarray, frontier: np.ndarray, prehistory_oom_per_month: float
         ) -> np.ndarray:
    """Monthly lag (months) of a capability series behind a frontier series, as
    `FrontierHistory.lag_months` gives it at each month (NaN where the capability is not
    finite or no frontier exists yet)."""
    capability = np.asarray(capability, dtype=float)
    record = np.fmax.accumulate(np.where(np.isfinite(frontier), frontier, -np.inf))
    months = np.arange(record.size, dtype=float)
    finite = np.flatnonzero(np.isfinite(record))
    out = np.full(record.size, np.nan)
    if finite.size == 0:
        return out
    first_month, first_value = int(finite[0]), record[finite[0]]
    with np.errstate(invalid="ignore"):
        reached = np.searchsorted(record, capability, side="left").astype(float)
        before = first_month + (capability - first_value) / prehistory_oom_per_month
        first = np.where(capability <= first_value, before, reached)
        lag = np.where(capability >= record, 0.0, np.maximum(0.0, months - first))
    valid = np.isfinite(capability) & np.isfinite(record)
    out[valid] = lag[valid]
    return out


def _weights(players: int) -> dict[int, float]:
    """Shapley weight of a coalition of size s not holding the player: s!(n-s-1)!/n!."""
    n = players
    return {s: math.factorial(s) * math.factorial(n - s - 1) / math.factorial(n)
            for s in range(n)}


def shapley(game: Mapping[frozenset[str], float], players: Sequence[str]) -> dict[str, float]:
    """Shapley value of each player in `game` (every subset of `players` -> value)."""
    weights = _weights(len(players))
    values = {}
    for player in players:
        others = [p for p in players if p != player]
        total = 0.0
        for size in range(len(others) + 1):
            for subset in itertools.combinations(others, size):
                coalition = frozenset(subset)
                total += weights[size] * (game[coalition | {player}] - game[coalition])
        values[player] = total
    return values


def _subsets() -> list[frozenset[str]]:
    return [frozenset(s) for size in range(len(CHANNELS) + 1)
            for s in itertools.combinations(CHANNELS, size)]


def _channel_arrays(frame: pd.DataFrame, state: str) -> dict[str, np.ndarray]:
    return {c: np.nan_to_num(frame[f"state_capability_{c}__{state}"].to_numpy(dtype=float),
                             nan=-np.inf) for c in CHANNELS}


def _mixed(policy: Mapping[str, np.ndarray], base: Mapping[str, np.ndarray],
           changed: frozenset[str]) -> np.ndarray:
    """Accessible capability with the channels in `changed` from the policy run, the others
    from the baseline run (-inf where no channel has anything)."""
    return np.max([policy[c] if c in changed else base[c] for c in CHANNELS], axis=0)


def pair_contributions(base: pd.DataFrame, policy: pd.DataFrame, state: str,
                       rate_base: float, rate_policy: float) -> dict[str, dict[str, float]]:
    """One replicate pair's decomposition: outcome -> component -> contribution (its units),
    with `total` the paired difference itself. `rate_*` is each run's prehistory frontier
    growth in OOM per month. Both runs must cover the same months."""
    chan_b, chan_p = _channel_arrays(base, state), _channel_arrays(policy, state)
    frontier_b = base["frontier_capability"].to_numpy(dtype=float)
    frontier_p = policy["frontier_capability"].to_numpy(dtype=float)
    accessible_b = _mixed(chan_p, chan_b, frozenset())
    base_lag_on_policy = _mean(lags(accessible_b, frontier_p, rate_policy))
    lag_game, capability_game = {}, {}
    for subset in _subsets():
        mixed = _mixed(chan_p, chan_b, subset)
        lag_game[subset] = _mean(lags(mixed, frontier_p, rate_policy)) - base_lag_on_policy
        capability_game[subset] = _difference(mixed[-1], accessible_b[-1])
    lag = shapley(lag_game, CHANNELS)
    lag[FRONTIER] = base_lag_on_policy - _mean(lags(accessible_b, frontier_b, rate_base))
    lag[TOTAL] = (_mean(lags(_mixed(chan_p, chan_b, frozenset(CHANNELS)), frontier_p,
                             rate_policy)) - _mean(lags(accessible_b, frontier_b, rate_base)))
    capability = shapley(capability_game, CHANNELS)
    capability[FRONTIER] = 0.0
    capability[TOTAL] = capability_game[frozenset(CHANNELS)]
    return {"mean_lag_months": lag, "final_capability": capability}


def _difference(value: float, reference: float) -> float:
    """value - reference; 0 when both are -inf (nothing either way), NaN if only one is."""
    if value == reference:
        return 0.0
    return float(value - reference) if math.isfinite(value - reference) else math.nan


def _mean(values: np.ndarray) -> float:
    finite = values[np.isfinite(values)]
    return float(finite.mean()) if finite.size else math.nan


def pair_table(timeseries: pd.DataFrame, baseline: str, policies: Sequence[str],
               states: Sequence[str], rates: Mapping[tuple[str, int], float]) -> pd.DataFrame:
    """Every pair's contributions (`PAIR_COLUMNS`), from a comparison's monthly series
    (`scenario`, `replicate`, `step` and each state's `series_columns`). `rates` maps
    (scenario, replicate) to the run's prehistory frontier growth (OOM per month). Pairs
    with a run missing from the series are left out."""
    runs = {key: group.sort_values("step")
            for key, group in timeseries.groupby(["scenario", "replicate"], sort=True)}
    rows = []
    for policy in policies:
        for replicate in sorted({r for s, r in runs if s == baseline}):
            base, other = runs.get((baseline, replicate)), runs.get((policy, replicate))
            if base is None or other is None:
                continue
            for state in states:
                parts = pair_contributions(base, other, state, rates[(baseline, replicate)],
                                           rates[(policy, replicate)])
                for outcome, components in parts.items():
                    rows += [(policy, state, int(replicate), outcome, component, value)
                             for component, value in components.items()]
    return pd.DataFrame(rows, columns=PAIR_COLUMNS)


def summarise_pairs(pairs: pd.DataFrame) -> pd.DataFrame:
    """Mean and 95% t-interval of each component over pairs (`COLUMNS`)."""
    from sim.experiments.stats import mean_ci

    rows = []
    order = [*CHANNELS, FRONTIER, TOTAL]
    for (policy, state, outcome), group in pairs.groupby(["policy", "state", "outcome"],
                                                          sort=False):
        for component in order:
            if outcome == "final_capability" and component == FRONTIER:
                continue
            values = group.loc[group["component"] == component, "value"].to_numpy(float)
            mean, low, high, n = mean_ci(values)
            rows.append((policy, state, outcome, OUTCOMES[outcome], component,
                         COMPONENT_LABELS[component], n, mean, low, high))
    return pd.DataFrame(rows, columns=COLUMNS)


def prehistory_rates(folder: Path, names: Sequence[str], replicates: Sequence[int]
                     ) -> dict[tuple[str, int], float]:
    """Each run's prehistory frontier growth (OOM per month), from the comparison folder's
    scenario files and its parameter-uncertainty draws."""
    import json
    import tomllib

    from sim.experiments.models import ScenarioModel

    manifest = json.loads((Path(folder) / "manifest.json").read_text(encoding="utf-8"))
    draws = manifest.get("uncertainty_draws") or []
    rates: dict[tuple[str, int], float] = {}
    for name in names:
        raw = tomllib.loads((Path(folder) / "scenarios" / f"{name}.toml").read_text("utf-8"))
        model = ScenarioModel(raw)
        cache: dict[str, float] = {}
        for replicate in replicates:
            values = draws[replicate] if replicate < len(draws) else {}
            key = repr(sorted(values.items()))
            if key not in cache:
                world = model.scenario(values).world
                cache[key] = world.prehistory_frontier_growth_oom_per_year / 12.0
            rates[(name, int(replicate))] = cache[key]
    return rates


def decompose_folder(folder: Path, names: Sequence[str], states: Sequence[str]
                     ) -> tuple[pd.DataFrame, pd.DataFrame] | None:
    """(summary table, per-pair table) of a comparison folder's channel decomposition, or
    None if it kept no monthly series."""
    path = Path(folder) / "timeseries.parquet"
    if not path.exists():
        return None
    columns = ["scenario", "replicate", "step",
               *dict.fromkeys(c for s in states for c in series_columns(s))]
    timeseries = pd.read_parquet(path, columns=columns)
    replicates = sorted(int(r) for r in timeseries["replicate"].unique())
    rates = prehistory_rates(folder, names, replicates)
    pairs = pair_table(timeseries, names[0], list(names[1:]), states, rates)
    return summarise_pairs(pairs), pairs


def write_channels(table: pd.DataFrame, folder: Path) -> Path:
    """Write the decomposition as `channels.csv` (fixed float format, text cells made safe)."""
    from sim.experiments.csv_cells import write_csv

    path = Path(folder) / CHANNELS_NAME
    write_csv(table, path)
    return path


def format_channels(table: pd.DataFrame, policy: str, state_label: str,
                    state: str) -> str:
    """Plain-text table of one policy's decomposition for one state."""
    from sim.presentation.tables import format_number

    rows = table[(table["policy"] == policy) & (table["state"] == state)]
    lines = [f"{policy}: where the effect on {state_label} came from (Shapley decomposition "
             "over channels, paired)"]
    header = ("component", "mean lag (months)", "95% CI", "final capability (OOM)", "95% CI")
    cells = [header]
    for component in [*CHANNELS, FRONTIER, TOTAL]:
        lag = rows[(rows["outcome"] == "mean_lag_months") & (rows["component"] == component)]
        cap = rows[(rows["outcome"] == "final_capability") & (rows["component"] == component)]
        cell = [COMPONENT_LABELS[component]]
        for part in (lag, cap):
            if part.empty:
                cell += ["-", ""]
                continue
            row = part.iloc[0]
            cell += [format_number(row["mean"]),
                     f"{format_number(row['ci95_low'])} to {format_number(row['ci95_high'])}"]
        cells.append(tuple(cell))
    widths = [max(len(c[i]) for c in cells) for i in range(len(header))]
    for cell in cells:
        lines.append("  ".join(f"{text:<{widths[i]}}" if i in (0, 2, 4) else
                               f"{text:>{widths[i]}}" for i, text in enumerate(cell)).rstrip())
    return "\n".join(lines)

