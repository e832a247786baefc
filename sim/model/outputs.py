"""What the model records: the monthly series (through Mesa's DataCollector) and the
per-replicate summary. Units: capability in log10 effective FLOP; lags in months; shares in
[0, 1]; money in USD M; counts cumulative since the start unless named `new_` or `releases`.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import numpy as np
from mesa import DataCollector

if TYPE_CHECKING:
    import pandas as pd

    from sim.model.world import RegSimModel


COUNTERS = (
    "relocations",
    "withdrawals",
    "defections",
    "thefts",
    "absorptions",
    "distillations",
    "incidents",
    "compliance_cost_musd",
    "penalties_musd",
    "policy_activations",
    "policy_repeals",
)
"""Running totals the model keeps (counts, and USD M for the two costs)."""
SERIES_COUNTERS = COUNTERS[:-2]
"""The totals recorded every month (policy changes are in the event log and the summary)."""


class ColumnReader:
    """A DataCollector reporter (Mesa calls it with no argument) for one observed column."""

    def __init__(self, observer: Observer, column: str) -> None:
        self.observer = observer
        self.column = column

    def __call__(self) -> Any:
        return self.observer.current[self.column]


class Observer:
    def __init__(self, model: RegSimModel) -> None:
        self.model = model
        self.current: dict[str, Any] = {}
        columns = self.columns()
        self.datacollector = DataCollector(
            model_reporters={c: ColumnReader(self, c) for c in columns}
        )
        model.datacollector = self.datacollector

    def columns(self) -> list[str]:
        model = self.model
        names = [
            "frontier_capability",
            "closed_frontier_capability",
            "open_frontier_capability",
            "open_lag_months",
            "frontier_train_flop",
            "algo_efficiency_oom",
            "ecosystem_best_open_share",
            "ecosystem_open_share",
            "ecosystem_api_share",
            "ecosystem_frontier_tier_share",
            "uncontrolled_covered_copies",
            "controlled_covered_copies",
            "kill_switch_coverage",
            "open_weight_labs",
            "releases",
            "new_models_above_1e25_flop",
            "new_models_above_1e26_flop",
            *SERIES_COUNTERS,
            "active_policies",
        ]
        for state in model.state_list:
            names += [
                f"state_capability__{state.name}",
                f"state_lag_months__{state.name}",
                f"state_best_channel__{state.name}",
            ]
        names += [f"regulator_pressure__{r.name}" for r in model.regulator_list]
        names += [f"open_weight_labs__{j}" for j in self.jurisdictions()]
        return names

    def jurisdictions(self) -> list[str]:
        return sorted({d.params.jurisdiction.split("-")[0] for d in self.model.developer_list})

    def collect(self) -> None:
        self.current = self.observe()
        self.datacollector.collect(self.model)

    def observe(self) -> dict[str, Any]:
        model = self.model
        registry, ecosystem, history = model.registry, model.ecosystem, model.history
        frontier = registry.frontier
        tier_floor = frontier - model.params.world.frontier_tier_oom
        api = model.api_capability_by_jurisdiction()
        new = model.new_artifacts
        row: dict[str, Any] = {
            "frontier_capability": _finite(frontier),
            "closed_frontier_capability": _finite(registry.closed_frontier),
            "open_frontier_capability": _finite(registry.open_frontier),
            "open_lag_months": _lag(history, registry.open_frontier),
            "frontier_train_flop": max(
                (a.train_flop for a in registry.artifacts), default=math.nan
            ),
            "algo_efficiency_oom": model.algo_efficiency_oom,
            "ecosystem_best_open_share": ecosystem.best_open_share,
            "ecosystem_open_share": ecosystem.open_share_at_least(tier_floor),
            "ecosystem_api_share": ecosystem.api_share_at_least(api, tier_floor),
            "ecosystem_frontier_tier_share": ecosystem.tier_share(api, tier_floor),
            "open_weight_labs": sum(1 for d in model.developer_list if d.last_release_open),
            "releases": len(new),
            "new_models_above_1e25_flop": sum(1 for a in new if a.train_flop >= 25.0),
            "new_models_above_1e26_flop": sum(1 for a in new if a.train_flop >= 26.0),
            "active_policies": sum(1 for p in model.policies if p.in_force()),
        }
        row.update(self._coverage())
        row.update({key: model.counters[key] for key in SERIES_COUNTERS})
        for state in model.state_list:
            row[f"state_capability__{state.name}"] = _finite(state.capability)
            row[f"state_lag_months__{state.name}"] = _lag(history, state.capability)
            row[f"state_best_channel__{state.name}"] = state.best_channel
        for regulator in model.regulator_list:
            row[f"regulator_pressure__{regulator.name}"] = regulator.pressure
        for place in self.jurisdictions():
            row[f"open_weight_labs__{place}"] = sum(
                1
                for d in model.developer_list
                if d.last_release_open and d.jurisdiction.split("-")[0] == place
            )
        return row

    def _coverage(self) -> dict[str, float]:
        """Copies of covered models and the share a shutdown can reach.

        Open-weight covered models: the published weights, every ecosystem holder and every
        state holding them are uncontrolled copies. Closed covered models: the developer's copy is
        reachable if it kept shutdown capability; stolen copies are not.
        """
        model = self.model
        reachable = controlled = 0
        uncontrolled = model.ecosystem.uncontrolled_covered_copies()
        for artifact in model.registry.artifacts:
            if not artifact.covered:
                continue
            held_by_states = sum(1 for s in model.state_list if artifact.artifact_id in s.holdings)
            if artifact.open_weights:
                uncontrolled += 1 + held_by_states
            else:
                controlled += 1
                reachable += int(artifact.shutdown_capable)
                uncontrolled += held_by_states
        total = controlled + uncontrolled
        return {
            "uncontrolled_covered_copies": uncontrolled,
            "controlled_covered_copies": controlled,
            "kill_switch_coverage": reachable / total if total else math.nan,
        }

    def frame(self) -> pd.DataFrame:
        """The monthly series: one row per step, with `step` and `month` columns first."""
        from sim.calendar import format_month

        frame = self.datacollector.get_model_vars_dataframe().reset_index(drop=True)
        frame.insert(
            0, "month", [format_month(self.model.start_month + i) for i in range(len(frame))]
        )
        frame.insert(0, "step", np.arange(len(frame), dtype=int))
        return frame


def _finite(value: float) -> float:
    return value if math.isfinite(value) else math.nan


def _lag(history, capability: float) -> float:
    return history.lag_months(capability) if math.isfinite(capability) else math.nan


def milestone_label(flop: float) -> str:
    """'1e27' for 1e27 FLOP; used in summary keys."""
    exponent = math.log10(flop)
    return f"1e{exponent:g}" if float(exponent).is_integer() else f"{flop:g}"


def summarise(model: RegSimModel, frame: pd.DataFrame) -> dict[str, Any]:
    """One replicate's summary outcomes (see the module docstring for units)."""
    counters = model.counters
    artifacts = [a for a in model.registry.artifacts if a.release_step >= 0]
    summary: dict[str, Any] = {
        "mean_open_lag_months": _nanmean(frame["open_lag_months"]),
        "final_open_lag_months": float(frame["open_lag_months"].iloc[-1]),
        "final_frontier_capability": float(frame["frontier_capability"].iloc[-1]),
        "frontier_train_flop_growth_oom_per_year": _growth_per_year(frame["frontier_train_flop"]),
        "mean_kill_switch_coverage": _nanmean(frame["kill_switch_coverage"]),
        "final_uncontrolled_covered_copies": int(frame["uncontrolled_covered_copies"].iloc[-1]),
        "final_ecosystem_frontier_tier_share": float(
            frame["ecosystem_frontier_tier_share"].iloc[-1]
        ),
        "first_open_above_1e26_month": _first_step(
            a.release_step for a in artifacts if a.open_weights and a.train_flop >= 26.0
        ),
        "releases": len(artifacts),
        "open_releases": sum(1 for a in artifacts if a.open_weights),
        "models_above_1e25_flop_first_year": sum(
            1 for a in artifacts if a.train_flop >= 25.0 and a.release_step < 12
        ),
    }
    for key in (
        "thefts",
        "absorptions",
        "distillations",
        "incidents",
        "relocations",
        "withdrawals",
        "defections",
        "policy_activations",
        "policy_repeals",
    ):
        summary[key] = int(counters[key])
    summary["compliance_cost_musd"] = float(counters["compliance_cost_musd"])
    summary["penalties_musd"] = float(counters["penalties_musd"])
    for state in model.state_list:
        summary.update(_state_summary(model, frame, state.name))
    return summary


def _state_summary(model: RegSimModel, frame: pd.DataFrame, name: str) -> dict[str, Any]:
    lags = frame[f"state_lag_months__{name}"]
    capability = frame[f"state_capability__{name}"].to_numpy(dtype=float)
    out: dict[str, Any] = {
        f"state_mean_lag_months__{name}": _nanmean(lags),
        f"state_min_lag_months__{name}": float(np.nanmin(lags)) if lags.notna().any() else math.nan,
        f"state_final_lag_months__{name}": float(lags.iloc[-1]),
        f"state_final_channel__{name}": str(frame[f"state_best_channel__{name}"].iloc[-1]),
    }
    for flop in model.params.world.capability_milestones_flop:
        reached = np.nonzero(capability >= math.log10(flop))[0]
        key = f"state_months_to_{milestone_label(flop)}__{name}"
        out[key] = float(reached[0]) if reached.size else math.nan
    return out


def _nanmean(series) -> float:
    values = np.asarray(series, dtype=float)
    return float(np.nanmean(values)) if np.isfinite(values).any() else math.nan


def _growth_per_year(series, window_months: int = 36) -> float:
    """Least-squares slope of a log10 series over its first `window_months`, OOM per year."""
    values = np.asarray(series, dtype=float)[:window_months]
    if values.size < 2:
        return math.nan
    months = np.arange(values.size)
    return float(np.polyfit(months, values, 1)[0] * 12.0)


def _first_step(steps) -> float:
    steps = list(steps)
    return float(min(steps)) if steps else math.nan
