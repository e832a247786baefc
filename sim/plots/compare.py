"""The comparison plot: one panel per outcome, for each policy its paired differences (dots)
with their mean and 95% interval (bar), against a zero line. A panel's units are its outcome's.
Outcomes with no difference in any pair get no (empty) panel: they are named in one line.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from sim.plots.number_axes import change_axis, is_log_unit, no_exponent_ticks
from sim.presentation.tables import outcome_name_and_unit
from sim.presentation.wording import no_exponents

DPI = 110
COLUMNS = 3
PANEL_IN = (3.6, 2.4)
JITTER = 0.12


def write_comparison_plot(runs: pd.DataFrame, table: pd.DataFrame, baseline: str,
                          outcomes: Sequence[str], path: Path,
                          state_labels: dict[str, str] | None = None) -> Path:
    """Draw the comparison of `outcomes` (rows of `table`, differences from `runs`) as PNG;
    states are named by `state_labels` (name -> label) where given."""
    figure = comparison_figure(runs, table, baseline, outcomes, state_labels)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=DPI)
    return path


def comparison_figure(runs: pd.DataFrame, table: pd.DataFrame, baseline: str,
                      outcomes: Sequence[str], state_labels: dict[str, str] | None = None):
    """The comparison of `outcomes` as a matplotlib Figure (one panel per outcome that differs
    in some pair: each pair's difference, their mean and its 95% CI)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    outcomes = [o for o in outcomes if (table["outcome"] == o).any()]
    policies = list(dict.fromkeys(table["policy"]))
    unchanged = [o for o in outcomes if no_difference_in_any_pair(runs, baseline, policies, o)]
    outcomes = [o for o in outcomes if o not in unchanged]
    rows = max(1, math.ceil(len(outcomes) / COLUMNS))
    figure = Figure(figsize=(PANEL_IN[0] * COLUMNS, 0.8 + PANEL_IN[1] * rows),
                    layout="constrained")
    FigureCanvasAgg(figure)
    axes_grid = figure.subplots(rows, COLUMNS, squeeze=False).ravel()
    for axes, outcome in zip(axes_grid, outcomes, strict=False):
        _panel(axes, runs, table[table["outcome"] == outcome], baseline, policies, outcome,
               state_labels or {})
    for axes in axes_grid[len(outcomes):]:
        axes.set_visible(False)
    figure.suptitle(f"Policy minus {baseline}, paired by replicate: differences, mean and 95% CI")
    if unchanged:
        names = ", ".join(no_exponents(outcome_name_and_unit(o, state_labels)[0])
                          for o in unchanged)
        figure.supxlabel(f"No difference in any pair (not drawn): {names}", fontsize="small",
                         color="0.3")
    return no_exponent_ticks(figure)


def _panel(axes, runs: pd.DataFrame, rows: pd.DataFrame, baseline: str,
           policies: list[str], outcome: str, state_labels: dict[str, str]) -> None:
    rng = np.random.default_rng(0)  # jitter only: fixed so plots are reproducible
    for y, policy in enumerate(policies):
        differences = _differences(runs, baseline, policy, outcome)
        axes.scatter(differences, y + rng.uniform(-JITTER, JITTER, differences.size), s=8,
                     alpha=0.4, color="tab:gray")
        row = rows[rows["policy"] == policy].iloc[0]
        if not pd.isna(row["ci95_low"]):
            axes.errorbar(row["difference_mean"], y, xerr=[[row["difference_mean"] -
                          row["ci95_low"]], [row["ci95_high"] - row["difference_mean"]]],
                          fmt="o", color="tab:red", capsize=4)
    axes.axvline(0.0, color="black", linewidth=0.8)
    axes.set_yticks(range(len(policies)))
    axes.set_yticklabels(policies, fontsize="small")
    axes.set_ylim(-0.5, len(policies) - 0.5)
    name, unit = outcome_name_and_unit(outcome, state_labels)
    axes.set_title(no_exponents(name), fontsize="small")
    if is_log_unit(unit):
        change_axis(axes, "x")
        unit = "change in compute" if "effective" not in unit else "change in effective compute"
    axes.set_xlabel(f"difference ({unit})" if unit else "difference", fontsize="small")


def no_difference_in_any_pair(runs: pd.DataFrame, baseline: str, policies: Sequence[str],
                              outcome: str) -> bool:
    """Whether every defined paired difference of `outcome` is exactly zero, for every policy
    (an outcome the policies leave untouched, such as a count that stays 0)."""
    differences = [_differences(runs, baseline, policy, outcome) for policy in policies]
    return all(d.size and not d.any() for d in differences)


def _differences(runs: pd.DataFrame, baseline: str, policy: str, outcome: str) -> np.ndarray:
    ok = runs[runs["status"] == "ok"]
    base = ok[ok["scenario"] == baseline].set_index("replicate")[outcome]
    other = ok[ok["scenario"] == policy].set_index("replicate")[outcome]
    differences = (pd.to_numeric(other, errors="coerce") - pd.to_numeric(base, errors="coerce"))
    return differences.dropna().to_numpy(dtype=float)


def write_channel_plot(channels: pd.DataFrame, path: Path,
                       state_labels: dict[str, str] | None = None) -> Path:
    """Draw the channel decomposition (`sim.experiments.channels`) as PNG: for each state and
    policy, the contribution of each channel (and of the frontier's move) to the paired change
    in the state's mean lag, with 95% intervals, beside the total."""
    figure = channel_figure(channels, state_labels)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=DPI)
    return path


def channel_figure(channels: pd.DataFrame, state_labels: dict[str, str] | None = None):
    """One panel per state and policy (mean lag: months; bars per component, the total last)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    lag = channels[channels["outcome"] == "mean_lag_months"]
    states = list(dict.fromkeys(lag["state"]))
    policies = list(dict.fromkeys(lag["policy"]))
    figure = Figure(figsize=(PANEL_IN[0] * 1.3 * max(1, len(policies)),
                             0.8 + PANEL_IN[1] * max(1, len(states))), layout="constrained")
    FigureCanvasAgg(figure)
    grid = figure.subplots(max(1, len(states)), max(1, len(policies)), squeeze=False)
    for i, state in enumerate(states):
        for j, policy in enumerate(policies):
            rows = lag[(lag["state"] == state) & (lag["policy"] == policy)]
            _channel_panel(grid[i][j], rows)
            label = (state_labels or {}).get(state, state)
            grid[i][j].set_title(f"{policy}: {label}'s mean lag", fontsize="small")
    figure.suptitle("Where the change in the state's lag came from, by channel "
                    "(Shapley, paired; mean and 95% CI)")
    return no_exponent_ticks(figure)


def _channel_panel(axes, rows: pd.DataFrame) -> None:
    labels = list(rows["label"])
    means = rows["mean"].to_numpy(float)
    low = np.nan_to_num(means - rows["ci95_low"].to_numpy(float))
    high = np.nan_to_num(rows["ci95_high"].to_numpy(float) - means)
    positions = np.arange(len(labels))[::-1]
    colors = ["tab:gray" if c == "total" else "tab:blue" for c in rows["component"]]
    axes.barh(positions, np.nan_to_num(means), color=colors, xerr=[low, high], capsize=3)
    axes.axvline(0.0, color="black", linewidth=0.8)
    axes.set_yticks(positions)
    axes.set_yticklabels(labels, fontsize="small")
    axes.set_xlabel("change in mean lag (months)", fontsize="small")
