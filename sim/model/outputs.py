"""What the model records: the monthly series and the per-replicate summary.

Units: capability in log10 effective FLOP; training compute in log10 FLOP; lags in months;
shares in [0, 1]; money in USD M; counts cumulative since the start unless named `new_` or
`releases`. Ecosystem outcomes are shares of the adopter population, or shares scaled to a
sourced real unit (`covered_open_copies`), so none depends on the population's size. Every
outcome's definition and unit: `sim.presentation.outcome_definitions` (docs/model.md §7.11).
"""

from __future__ import annotations

import math
import operator
from typing import TYPE_CHECKING, Any

import numpy as np

from sim.model.states import CHANNELS

if TYPE_CHECKING:
    import pandas as pd

    from sim.model.world import RegSimModel

RESPONSE_ACTIONS = ("comply", "withhold", "exit", "defy")

COUNTERS = (
    "covered_releases",
    *(f"responses_{action}" for action in RESPONSE_ACTIONS),
    "relocations_started",
    "relocations",
    "injunctions",
    "markets_left",
    "thefts",
    "thefts_disclosed",
    "open_base_upgrades",
    "distillations",
    "incidents",
    "cash_compliance_musd",
    "penalties_musd",
    "private_value_forgone_musd",
    "policy_activations",
    "policy_repeals",
)
"""Running totals the model keeps (counts, and USD M for the three cost columns)."""
SERIES_COUNTERS = COUNTERS[:-2]
"""The totals recorded every month (policy changes are in the event log and the summary)."""
COST_COLUMNS = ("cash_compliance_musd", "penalties_musd", "private_value_forgone_musd")
FLOP_LINES = {"1e25": 25.0, "1e26": 26.0}
CHANNELS_BUT_OPEN_WEIGHTS = tuple(c for c in CHANNELS if c != "open_weights")
RELATIVE_LINE_OOM = 1.0
"""Kumar & Manning 2025: a threshold 'within 1 OOM of the largest run'."""


class Observer:
    """Computes each month's row and keeps the rows (tuples in column order, turned into a
    DataFrame at the end). With `series=False` it keeps only the columns `summarise` reads
    (`summary_columns`) and skips measuring the others."""

    def __init__(self, model: RegSimModel, series: bool = True) -> None:
        self.model = model
        self.series = series
        self.places = self._places()
        names = self.column_names()
        if not series:
            wanted = set(summary_columns([s.name for s in model.state_list]))
            names = [name for name in names if name in wanted]
        self.names = names
        self._pick = operator.itemgetter(*names)
        """A row's values in column order, in one call (`collect`)."""
        self._rows: list[tuple] = []
        self._state_keys = [(state, _StateKeys(state.name)) for state in model.state_list]
        # Column names formatted once, not every month.
        self._pressure_keys = [(r, f"regulator_pressure__{r.name}") for r in model.regulator_list]
        self._place_keys = [(place, f"open_weight_labs__{place}",
                             f"open_frontier_capability__{place}") for place in self.places]
        self._api_keys = {place: f"api_frontier_capability__{place}"
                          for place in model.ecosystem.jurisdictions}

    def _places(self) -> list[str]:
        """Top-level jurisdictions a lab is or may move to (for open-weight labs by place)."""
        places = set()
        for lab in self.model.developer_list:
            places.add(lab.params.jurisdiction.split("-")[0])
            places.add(lab.params.relocation_jurisdiction.split("-")[0])
        return sorted(places)

    def column_names(self) -> list[str]:
        model = self.model
        names = [
            "frontier_capability", "closed_frontier_capability", "open_frontier_capability",
            "open_lag_months", "frontier_train_flop", "frontier_run_cost_musd",
            "compute_ceiling_flop", "algo_efficiency_oom",
            "ecosystem_best_open_share", "ecosystem_open_frontier_tier_share",
            "ecosystem_api_frontier_tier_share", "ecosystem_frontier_tier_share",
            "covered_open_copies_share", "covered_open_copies", "covered_open_current_share",
            "open_weights_above_1e26_share",
            "kill_switch_coverage", "covered_models_held_by_states",
            "open_weight_labs", "releases", "new_models_above_1e25_flop",
            "new_models_above_1e26_flop", "new_models_within_1oom_of_largest",
            *SERIES_COUNTERS, "active_policies",
        ]
        for state in model.state_list:
            names += _StateKeys(state.name).in_order
        names += [f"regulator_pressure__{r.name}" for r in model.regulator_list]
        names += [f"open_weight_labs__{place}" for place in self.places]
        names += [f"open_frontier_capability__{place}" for place in self.places]
        names += [f"api_frontier_capability__{place}" for place in model.ecosystem.jurisdictions]
        return names

    def collect(self) -> None:
        row = self.observe() if self.series else self.observe_summary_inputs()
        self._rows.append(self._pick(row))

    @property
    def columns(self) -> dict[str, list[Any]]:
        """Each column's values so far, by name."""
        if not self._rows:
            return {name: [] for name in self.names}
        return {name: list(values)
                for name, values in zip(self.names, zip(*self._rows, strict=True), strict=True)}

    def observe(self) -> dict[str, Any]:
        """This month's row: every column."""
        row = self.observe_summary_inputs()
        row.update(self._observe_details())
        return row

    def observe_summary_inputs(self) -> dict[str, Any]:
        """The columns `summarise` reads (`summary_columns`), with the few that come at no
        extra cost beside them: the frontier, the ecosystem's frontier tier and what is beyond
        the switch, and each state's capability and lags."""
        model = self.model
        registry, ecosystem, history = model.registry, model.ecosystem, model.history
        tier_floor = history.capability_at(model.step_index
                                           - model.params.world.frontier_tier_months)
        open_tier, api_tier, any_tier = ecosystem.tier_shares(tier_floor)
        largest = registry.largest
        copies_share = ecosystem.covered_open_share()
        derivatives = model.params.world.ecosystem.derivatives_at_saturation
        row: dict[str, Any] = {
            "frontier_capability": _finite(registry.frontier),
            "closed_frontier_capability": _finite(registry.closed_frontier),
            "open_frontier_capability": _finite(registry.open_frontier),
            "open_lag_months": _lag(history, registry.open_frontier),
            "frontier_train_flop": largest.train_flop if largest else math.nan,
            "frontier_run_cost_musd": largest.cost_musd if largest else math.nan,
            "compute_ceiling_flop": model.costs.ceiling_log10_flop(model.month),
            "algo_efficiency_oom": model.algo_efficiency_oom,
            "ecosystem_open_frontier_tier_share": open_tier,
            "ecosystem_api_frontier_tier_share": api_tier,
            "ecosystem_frontier_tier_share": any_tier,
            "covered_open_copies_share": copies_share,
            "covered_open_copies": copies_share * derivatives,
            "covered_open_current_share": ecosystem.covered_open_current_share(),
            "kill_switch_coverage": ecosystem.kill_switch_coverage(),
        }
        for state, keys in self._state_keys:
            row[keys.capability] = _finite(state.capability)
            row[keys.lag] = _lag(history, state.capability)
            row[keys.best_channel] = state.best_channel
            row[keys.domestic_capability] = _finite(state.domestic_capability)
            row[keys.domestic_lag] = _lag(history, state.domestic_capability)
            capabilities = state.channel_capability
            row[keys.lag_without_open_weights] = _lag(history, max(
                [capabilities[c] for c in CHANNELS_BUT_OPEN_WEIGHTS]))
            for channel, key in keys.channels:
                row[key] = _finite(state.channel_capability[channel])
        return row

    def _observe_details(self) -> dict[str, Any]:
        """The columns only the monthly series shows."""
        model = self.model
        registry, ecosystem = model.registry, model.ecosystem
        new = model.new_artifacts
        row: dict[str, Any] = {
            "ecosystem_best_open_share": ecosystem.open_share_at_least(registry.open_frontier),
            "open_weights_above_1e26_share": ecosystem.open_share_trained_above(26.0),
            "covered_models_held_by_states": self._covered_held_by_states(),
            "open_weight_labs": sum([1 for d in model.developer_list if d.last_release_open]),
            "releases": len(new),
            "new_models_above_1e25_flop": sum([1 for a in new if a.train_flop >= 25.0]),
            "new_models_above_1e26_flop": sum([1 for a in new if a.train_flop >= 26.0]),
            "new_models_within_1oom_of_largest": sum([1 for a in new if _within_frontier(a)]),
            "active_policies": sum([1 for p in model.policies if p.in_force()]),
        }
        row.update({key: model.counters[key] for key in SERIES_COUNTERS})
        for regulator, key in self._pressure_keys:
            row[key] = regulator.pressure
        open_labs = self._open_weight_labs_by_place()
        for place, labs_key, frontier_key in self._place_keys:
            row[labs_key] = open_labs[place]
            row[frontier_key] = _finite(registry.open_frontier_by_place.get(place, math.nan))
        api_keys = self._api_keys
        for place, artifact in model.api_offers().items():
            row[api_keys[place]] = artifact.capability if artifact is not None else math.nan
        return row

    def _open_weight_labs_by_place(self) -> dict[str, int]:
        """Labs whose latest release was open, by the top-level jurisdiction of their domicile
        (one pass over the labs; a lab moved outside `places` by a dated change is not
        counted)."""
        counts = dict.fromkeys(self.places, 0)
        for lab in self.model.developer_list:
            if lab.last_release_open:
                place = lab.jurisdiction.split("-")[0]
                if place in counts:
                    counts[place] += 1
        return counts

    def _covered_held_by_states(self) -> int:
        """Copies of covered models held by states (stolen, or absorbed open weights)."""
        artifacts = self.model.registry.artifacts
        return sum([1 for s in self.model.state_list for i in s.holdings
                    if artifacts[i].covered])

    def frame(self) -> pd.DataFrame:
        """The monthly series: one row per step, with `step` and `month` columns first (with
        `series=False`, only the columns `summarise` reads)."""
        import pandas as pd

        from sim.calendar import format_month

        months = len(self._rows)
        data: dict[str, Any] = {
            "step": np.arange(months, dtype=int),
            "month": [format_month(self.model.start_month + i) for i in range(months)],
        }
        columns = self.columns
        for name, values in columns.items():
            # A numeric column as the array numpy makes of it (the dtype pandas would infer,
            # several times faster to hand over); text and mixed columns as they are.
            array = np.asarray(values)
            data[name] = values if array.dtype.kind in "OUS" else array
        return pd.DataFrame(data, copy=False)


class _StateKeys:
    """A state's column names, formatted once rather than every month."""

    def __init__(self, name: str) -> None:
        self.capability = f"state_capability__{name}"
        self.lag = f"state_lag_months__{name}"
        self.best_channel = f"state_best_channel__{name}"
        self.domestic_capability = f"state_domestic_capability__{name}"
        self.domestic_lag = f"state_domestic_lag_months__{name}"
        self.lag_without_open_weights = f"state_lag_without_open_weights_months__{name}"
        self.channels = [(c, f"state_capability_{c}__{name}") for c in CHANNELS]
        self.in_order = [self.capability, self.lag, self.best_channel, self.domestic_capability,
                         self.domestic_lag, self.lag_without_open_weights,
                         *(key for _, key in self.channels)]


def _within_frontier(artifact) -> bool:
    """Within 1 OOM of the largest run released before it (or the largest itself)."""
    return artifact.train_flop >= max(artifact.largest_run_before,
                                      artifact.train_flop) - RELATIVE_LINE_OOM


def _finite(value: float) -> float:
    return value if math.isfinite(value) else math.nan


def _lag(history, capability: float) -> float:
    return history.lag_months(capability) if math.isfinite(capability) else math.nan


def milestone_label(flop: float) -> str:
    """'1e27' for 1e27 FLOP; used in summary keys."""
    exponent = math.log10(flop)
    return f"1e{exponent:g}" if float(exponent).is_integer() else f"{flop:g}"


ENACTED_PREFIX = "instrument_enacted_month__"
"""Summary key prefix: month a pressure-triggered instrument was first enacted."""

SUMMARY_COUNTS = ("thefts", "thefts_disclosed", "open_base_upgrades", "distillations", "incidents",
                  "covered_releases", "relocations_started", "relocations", "injunctions",
                  "markets_left", "policy_activations", "policy_repeals")


SUMMARY_SERIES = ("open_lag_months", "frontier_capability", "frontier_train_flop",
                  "frontier_run_cost_musd", "kill_switch_coverage",
                  "covered_open_copies_share", "covered_open_copies",
                  "covered_open_current_share", "ecosystem_frontier_tier_share")
"""The monthly series `summarise` reads (beside each state's `STATE_SUMMARY_SERIES`)."""
STATE_SUMMARY_SERIES = ("state_lag_months", "state_domestic_lag_months", "state_capability",
                        "state_best_channel", "state_lag_without_open_weights_months",
                        *(f"state_capability_{channel}" for channel in CHANNELS))


def summary_columns(state_names: list[str]) -> list[str]:
    """Every column of the monthly frame that `summarise` reads: all a summaries-only run
    records."""
    return [*SUMMARY_SERIES,
            *(f"{series}__{name}" for name in state_names for series in STATE_SUMMARY_SERIES)]


def summarise(model: RegSimModel, frame: pd.DataFrame) -> dict[str, Any]:
    """One replicate's summary outcomes (see the module docstring for units)."""
    counters = model.counters
    artifacts = [a for a in model.registry.artifacts if a.release_step >= 0]
    summary: dict[str, Any] = {
        "mean_open_lag_months": _nanmean(frame["open_lag_months"]),
        "final_open_lag_months": float(frame["open_lag_months"].iloc[-1]),
        "final_frontier_capability": float(frame["frontier_capability"].iloc[-1]),
        "final_frontier_train_flop": float(frame["frontier_train_flop"].iloc[-1]),
        "final_frontier_run_cost_musd": float(frame["frontier_run_cost_musd"].iloc[-1]),
        "frontier_train_flop_growth_oom_per_year": _growth_per_year(frame["frontier_train_flop"]),
        "frontier_train_flop_growth_oom_per_year_4y": _growth_per_year(
            frame["frontier_train_flop"], 48),
        "mean_kill_switch_coverage": _nanmean(frame["kill_switch_coverage"]),
        "final_covered_open_copies_share": float(frame["covered_open_copies_share"].iloc[-1]),
        "final_covered_open_copies": float(frame["covered_open_copies"].iloc[-1]),
        "mean_covered_open_copies": _nanmean(frame["covered_open_copies"]),
        "final_covered_open_current_share": float(
            frame["covered_open_current_share"].iloc[-1]),
        "mean_ecosystem_frontier_tier_share": _nanmean(frame["ecosystem_frontier_tier_share"]),
        "first_open_above_1e26_month": _first_step(
            a.release_step for a in artifacts if a.open_weights and a.train_flop >= 26.0),
        "first_model_above_1e26_month": _first_step(
            a.release_step for a in artifacts if a.train_flop >= 26.0),
        "releases": len(artifacts),
        "open_releases": sum(1 for a in artifacts if a.open_weights),
        "models_above_1e25_flop_first_year": sum(
            1 for a in artifacts if a.train_flop >= 25.0 and a.release_step < 12),
    }
    summary.update({key: int(counters[key]) for key in SUMMARY_COUNTS})
    summary.update({key: float(counters[key]) for key in COST_COLUMNS})
    summary.update(option_shares(counters))
    for state in model.state_list:
        summary.update(_state_summary(model, frame, state.name))
        summary.update(_fine_tune_summary(frame, state))
    summary.update(triggered_enactments(model))
    return summary


def triggered_enactments(model: RegSimModel) -> dict[str, float]:
    """For each instrument that waits for political pressure, the step it was first enacted
    (NaN: never, so the run table says in how many replicates it fired)."""
    return {
        f"{ENACTED_PREFIX}{p.regulator.name}__{p.name}":
            float(p.enacted_step) if p.enacted_step is not None else math.nan
        for p in model.policies if p.params.trigger_pressure is not None
    }


def option_shares(counters: dict[str, float]) -> dict[str, float]:
    """Shares of covered (release, regulator) answers by action, and of covered releases
    answered by moving; NaN where nothing was covered."""
    answers = sum(counters[f"responses_{a}"] for a in RESPONSE_ACTIONS)
    shares = {f"share_{a}": counters[f"responses_{a}"] / answers if answers else math.nan
              for a in RESPONSE_ACTIONS}
    covered = counters["covered_releases"]
    shares["share_relocate"] = counters["relocations_started"] / covered if covered else math.nan
    return shares


def _state_summary(model: RegSimModel, frame: pd.DataFrame, name: str) -> dict[str, Any]:
    # Plain arrays: the same numbers as the pandas operations, without their overhead.
    lags = frame[f"state_lag_months__{name}"].to_numpy(dtype=float)
    domestic = frame[f"state_domestic_lag_months__{name}"].to_numpy(dtype=float)
    capability = frame[f"state_capability__{name}"].to_numpy(dtype=float)
    channels = frame[f"state_best_channel__{name}"].to_numpy()
    out: dict[str, Any] = {
        f"state_mean_lag_months__{name}": _nanmean(lags),
        f"state_min_lag_months__{name}": float(np.nanmin(lags)) if (~np.isnan(lags)).any()
        else math.nan,
        f"state_final_lag_months__{name}": float(lags[-1]),
        f"state_mean_domestic_lag_months__{name}": _nanmean(domestic),
        f"state_final_domestic_lag_months__{name}": float(domestic[-1]),
        f"state_final_channel__{name}": str(channels[-1]),
    }
    for channel in CHANNELS:
        out[f"state_best_channel_share_{channel}__{name}"] = (
            np.count_nonzero(channels == channel) / channels.size)
    for flop in model.params.world.capability_milestones_flop:
        reached = np.nonzero(capability >= math.log10(flop))[0]
        key = f"state_months_to_{milestone_label(flop)}__{name}"
        out[key] = float(reached[0]) if reached.size else math.nan
    return out


def _fine_tune_summary(frame: pd.DataFrame, state) -> dict[str, float]:
    """What military fine-tunes of foreign open weights give the state: the channel's final
    capability (log10 effective FLOP), its margin over the state's other channels at the end
    (OOM, 0 if they give as much), the months by which it shortens the state's lag on average,
    and the number of distinct base-model families (developers) it fielded fine-tunes of."""
    name = state.name
    channels = {c: frame[f"state_capability_{c}__{name}"].to_numpy(dtype=float)
                for c in CHANNELS}
    final_open = channels["open_weights"][-1]
    others = [channels[c][-1] for c in CHANNELS if c != "open_weights"]
    best_other = max((v for v in others if math.isfinite(v)), default=-math.inf)
    if math.isfinite(final_open):
        gain_oom = max(0.0, final_open - best_other) if math.isfinite(best_other) else math.nan
    else:
        gain_oom = 0.0
    without = frame[f"state_lag_without_open_weights_months__{name}"].to_numpy(dtype=float)
    lags = frame[f"state_lag_months__{name}"].to_numpy(dtype=float)
    return {
        f"state_final_open_weights_capability__{name}": _finite(float(final_open)),
        f"state_final_open_weights_gain_oom__{name}": gain_oom,
        f"state_mean_open_weights_gain_months__{name}": _nanmean(without - lags),
        f"state_fine_tune_families__{name}": float(len(state.fine_tuned_developers)),
    }


def _nanmean(series) -> float:
    values = np.asarray(series, dtype=float)
    return float(np.nanmean(values)) if np.isfinite(values).any() else math.nan


def _growth_per_year(series, window_months: int = 36) -> float:
    """Least-squares slope of a log10 series over its first `window_months`, OOM per year."""
    values = np.asarray(series, dtype=float)[:window_months]
    values = values[np.isfinite(values)]
    if values.size < 2:
        return math.nan
    months = np.arange(values.size)
    return float(np.polyfit(months, values, 1)[0] * 12.0)


def _first_step(steps) -> float:
    steps = list(steps)
    return float(min(steps)) if steps else math.nan
