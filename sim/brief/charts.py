"""Policy against baseline over time: the brief's paired-difference time series.

For one policy and a few monthly series (from a comparison's `timeseries.parquet`), one row
per series: on the left the baseline's and the policy's median over replicates with their
5-95% bands; on the right the per-replicate difference, policy minus baseline in the same
replicate (same seed), as its median and 5-95% band each month, against zero. A series whose
difference is zero in every pair and month gets no row: the caller names it in one line.

Figures are drawn on the Agg canvas and returned as PNG bytes (nothing is written to disk).
"""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from sim.experiments.stats import band
from sim.plots.number_axes import (
    capability_unit,
    change_axis,
    is_log_unit,
    multiples_axis,
    no_exponent_ticks,
)
from sim.plots.runs import BAND_ALPHA, DPI, format_date_axis
from sim.presentation.tables import split_label
from sim.presentation.wording import no_exponents

ROW_HEIGHT_IN = 1.75
MAX_ROWS = 6
"""At most this many series per policy: a brief shows what matters, the tables hold the rest."""
BASELINE_COLOR, POLICY_COLOR, DIFFERENCE_COLOR = "0.35", "tab:blue", "tab:red"


def paired_differences(frame: pd.DataFrame, baseline: str, policy: str,
                       column: str) -> pd.DataFrame:
    """Per replicate and step, policy minus baseline of `column` (columns `replicate`, `step`,
    `difference`); non-finite values on either side give NaN."""
    keys = ["replicate", "step"]
    sides = []
    for name in (baseline, policy):
        side = frame.loc[frame["scenario"] == name, [*keys, column]]
        values = pd.to_numeric(side[column], errors="coerce").astype(float)
        sides.append(side[keys].assign(value=values.where(np.isfinite(values))))
    merged = sides[0].merge(sides[1], on=keys, suffixes=("_base", "_policy"))
    return merged[keys].assign(difference=merged["value_policy"] - merged["value_base"])


def no_difference(differences: pd.DataFrame) -> bool:
    """Whether every defined paired difference is exactly zero (and at least one is defined)."""
    values = differences["difference"].dropna().to_numpy()
    return bool(values.size) and not values.any()


def difference_figure(frame: pd.DataFrame, baseline: str, policy: str,
                      series: Sequence[tuple[str, str]],
                      titles: Mapping[str, str] | None = None) -> bytes:
    """PNG of `difference_plot` (nothing is written to disk)."""
    figure = difference_plot(frame, baseline, policy, series, titles)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=DPI)
    return buffer.getvalue()


def difference_plot(frame: pd.DataFrame, baseline: str, policy: str,
                    series: Sequence[tuple[str, str]],
                    titles: Mapping[str, str] | None = None):
    """The Figure of `series` (column, label with units) for `policy` against `baseline`:
    levels on the left, paired differences on the right; `frame` holds `scenario`,
    `replicate`, `step`, `month` and the columns. Scenarios are named by `titles` (name ->
    plain title) where given; capability (log10 FLOP) reads as multiples of GPT-4's training
    compute and its differences as a change in compute, never in exponent notation."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    titles = titles or {}
    shown = {name: titles.get(name, name) for name in (baseline, policy)}

    series = list(series)[:MAX_ROWS]
    figure = Figure(figsize=(9.5, 0.9 + ROW_HEIGHT_IN * max(1, len(series))),
                    layout="constrained")
    FigureCanvasAgg(figure)
    grid = figure.subplots(max(1, len(series)), 2, squeeze=False, sharex=True)
    dates = _dates(frame)
    for (levels, differences), (column, label) in zip(grid, series, strict=False):
        name, unit = split_label(label)
        _levels(levels, frame, dates, (baseline, policy), column, shown)
        levels.set_title(no_exponents(name), fontsize="medium", loc="left")
        _differences(differences, paired_differences(frame, baseline, policy, column), dates)
        if is_log_unit(unit):
            multiples_axis(levels)
            change_axis(differences)
            levels.set_ylabel(capability_unit(unit))
            differences.set_ylabel("difference (change in compute)")
        else:
            levels.set_ylabel(unit or "value")
            differences.set_ylabel(f"difference ({unit})" if unit else "difference")
    # The legend and the caption name the two scenarios; their titles are too long for here.
    grid[0][1].set_title("policy minus baseline, same replicate", fontsize="medium")
    for axes in grid.ravel():
        format_date_axis(axes, max_ticks=6)
    handles, labels = grid[0][0].get_legend_handles_labels()
    more, more_labels = grid[0][1].get_legend_handles_labels()
    figure.legend(handles + more, labels + more_labels, loc="outside lower center", ncols=4,
                  fontsize="small", frameon=False)
    return no_exponent_ticks(figure)


def _dates(frame: pd.DataFrame) -> pd.Series:
    months = frame.drop_duplicates("step").set_index("step")["month"].sort_index()
    return pd.Series(pd.to_datetime(months.to_numpy(), format="%Y-%m"), index=months.index)


def _levels(axes, frame: pd.DataFrame, dates: pd.Series, names: tuple[str, str], column: str,
            shown: Mapping[str, str]) -> None:
    for name, color in zip(names, (BASELINE_COLOR, POLICY_COLOR), strict=True):
        side = frame[frame["scenario"] == name]
        stats = band(side, column).set_index("step").reindex(dates.index)
        x = dates.to_numpy()
        axes.plot(x, stats["median"].to_numpy(), color=color, label=f"{shown[name]} (median)")
        axes.fill_between(x, stats["p05"].to_numpy(float), stats["p95"].to_numpy(float),
                          color=color, alpha=BAND_ALPHA, linewidth=0)


def _differences(axes, differences: pd.DataFrame, dates: pd.Series) -> None:
    stats = band(differences, "difference").set_index("step").reindex(dates.index)
    x = dates.to_numpy()
    axes.axhline(0.0, color="black", linewidth=0.8)
    axes.plot(x, stats["median"].to_numpy(), color=DIFFERENCE_COLOR,
              label="difference (median of pairs)")
    axes.fill_between(x, stats["p05"].to_numpy(float), stats["p95"].to_numpy(float),
                      color=DIFFERENCE_COLOR, alpha=BAND_ALPHA, linewidth=0,
                      label="5-95% of pairs")

