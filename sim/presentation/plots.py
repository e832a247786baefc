"""PNG plots of a run: medians over replicates with 5-95% bands, against calendar months.

matplotlib is imported inside the functions (``regsim --help`` stays fast) and figures are drawn
on the Agg canvas directly, without pyplot, so no global backend state is touched.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from sim.experiments.results import RunResult
from sim.experiments.stats import band

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

CHANNELS = ["domestic", "open_weights", "theft", "distillation", "none"]
BAND_ALPHA = 0.2
FIGURE_SIZE_IN = (9.0, 5.0)
DPI = 110
# The overall frontier usually coincides with the closed one: dashed black keeps both visible.
SERIES_STYLES: dict[str, dict[str, Any]] = {
    "frontier_capability": {"color": "black", "linestyle": "--", "zorder": 3},
}


def write_plots(result: RunResult, plots_dir: Path) -> list[Path]:
    """Write capability, lag, diffusion, kill-switch and channel plots as PNGs into
    ``plots_dir`` (created if needed); return the paths written, or none for a run with no
    replicates."""
    frame = result.timeseries_frame()
    if frame.empty or "step" not in frame.columns:
        return []
    plots_dir = Path(plots_dir)
    plots_dir.mkdir(parents=True, exist_ok=True)
    dates = step_dates(frame, result.start)
    makers = {
        "capability.png": _capability_figure,
        "lags.png": _lags_figure,
        "diffusion.png": _diffusion_figure,
        "kill_switch.png": _kill_switch_figure,
        "channels.png": _channels_figure,
    }
    written = []
    for file_name, make in makers.items():
        figure = make(result, frame, dates)
        path = plots_dir / file_name
        figure.savefig(path, dpi=DPI)
        written.append(path)
    return written


def step_dates(frame: pd.DataFrame, start: str) -> pd.Series:
    """Calendar date (first of the month) of each step, indexed by step."""
    steps = np.sort(frame["step"].unique())
    if "month" in frame.columns:
        months = frame.drop_duplicates("step").set_index("step")["month"].reindex(steps)
        return pd.Series(pd.to_datetime(months.to_numpy(), format="%Y-%m"), index=steps)
    first = pd.Timestamp(f"{start}-01")
    return pd.Series([first + pd.DateOffset(months=int(step)) for step in steps], index=steps)


def _new_figure(rows: int = 1, height_in: float | None = None) -> tuple[Figure, list[Axes]]:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    size = (FIGURE_SIZE_IN[0], height_in or FIGURE_SIZE_IN[1])
    figure = Figure(figsize=size, layout="constrained")
    FigureCanvasAgg(figure)
    axes = figure.subplots(rows, 1, sharex=True, squeeze=False)[:, 0]
    return figure, list(axes)


def _format_date_axis(axes: Axes) -> None:
    from matplotlib.dates import AutoDateLocator, ConciseDateFormatter

    locator = AutoDateLocator()
    axes.xaxis.set_major_locator(locator)
    axes.xaxis.set_major_formatter(ConciseDateFormatter(locator))


def _title(result: RunResult, what: str, banded: bool = True) -> str:
    count = len(result.replicates)
    noun = "replicate" if count == 1 else "replicates"
    how = "; median, 5-95% band" if banded else ""
    return f"{result.scenario_name}: {what} ({count} {noun}{how})"


def _plot_band(
    axes: Axes,
    frame: pd.DataFrame,
    dates: pd.Series,
    column: str,
    label: str,
    **line_style: Any,
) -> None:
    """Median line and shaded 5-95% band; skipped if the column is absent. Steps where no
    replicate has a finite value are gaps."""
    if column not in frame.columns:
        return
    stats = band(frame, column).set_index("step").reindex(dates.index)
    x = dates.to_numpy()
    (line,) = axes.plot(x, stats["median"].to_numpy(), label=label, **line_style)
    axes.fill_between(
        x,
        stats["p05"].to_numpy(dtype=float),
        stats["p95"].to_numpy(dtype=float),
        color=line.get_color(),
        alpha=BAND_ALPHA,
        linewidth=0,
    )


def _plot_series(
    result: RunResult,
    frame: pd.DataFrame,
    dates: pd.Series,
    what: str,
    series: Sequence[tuple[str, str]],
    y_label: str,
) -> Figure:
    figure, (axes,) = _new_figure()
    for column, label in series:
        _plot_band(axes, frame, dates, column, label, **SERIES_STYLES.get(column, {}))
    axes.set_ylabel(y_label)
    axes.set_title(_title(result, what))
    _format_date_axis(axes)
    if axes.lines:
        axes.legend(loc="best", fontsize="small")
    return figure


def _capability_figure(result: RunResult, frame: pd.DataFrame, dates: pd.Series) -> Figure:
    series = [
        ("frontier_capability", "frontier"),
        ("closed_frontier_capability", "closed frontier"),
        ("open_frontier_capability", "open frontier"),
    ] + [(f"state_capability__{state}", state) for state in result.state_names]
    return _plot_series(
        result, frame, dates, "capability", series, "capability (log10 effective FLOP)"
    )


def _lags_figure(result: RunResult, frame: pd.DataFrame, dates: pd.Series) -> Figure:
    series = [("open_lag_months", "open weights")]
    for state in result.state_names:
        series += [(f"state_domestic_lag_months__{state}", f"{state}: own labs"),
                   (f"state_lag_months__{state}", f"{state}: every channel")]
    return _plot_series(result, frame, dates, "lag behind the frontier", series, "lag (months)")


def _diffusion_figure(result: RunResult, frame: pd.DataFrame, dates: pd.Series) -> Figure:
    series = [
        ("ecosystem_open_frontier_tier_share", "frontier-tier through open weights"),
        ("ecosystem_api_frontier_tier_share", "frontier-tier through APIs"),
        ("ecosystem_frontier_tier_share", "frontier-tier either way"),
    ]
    figure = _plot_series(
        result, frame, dates, "ecosystem diffusion", series, "share of the ecosystem (0-1)"
    )
    figure.axes[0].set_ylim(-0.02, 1.02)
    return figure


def _kill_switch_figure(result: RunResult, frame: pd.DataFrame, dates: pd.Series) -> Figure:
    figure, (coverage_axes, copies_axes) = _new_figure(rows=2, height_in=7.0)
    _plot_band(coverage_axes, frame, dates, "kill_switch_coverage", "kill-switch coverage")
    coverage_axes.set_ylim(-0.02, 1.05)  # a line at 0 stays visible
    coverage_axes.set_ylabel("coverage (share of covered copies)")
    coverage_axes.set_title(_title(result, "kill-switch coverage"))
    _plot_band(
        copies_axes, frame, dates, "derivatives_beyond_switch", "derivatives beyond any switch"
    )
    copies_axes.set_ylabel("derivatives of covered open models (count)")
    for axes in (coverage_axes, copies_axes):
        _format_date_axis(axes)
        if axes.lines:
            axes.legend(loc="best", fontsize="small")
    return figure


def _channels_figure(result: RunResult, frame: pd.DataFrame, dates: pd.Series) -> Figure:
    states = result.state_names or ["(no states)"]
    figure, all_axes = _new_figure(rows=len(states), height_in=1.0 + 2.6 * len(states))
    for axes, state in zip(all_axes, states, strict=True):
        column = f"state_best_channel__{state}"
        if column in frame.columns:
            shares = channel_shares(frame, column).reindex(dates.index, fill_value=0.0)
            axes.stackplot(dates.to_numpy(), shares.to_numpy().T, labels=list(shares.columns))
            axes.legend(loc="upper left", fontsize="small", ncols=len(shares.columns))
        axes.set_ylim(0.0, 1.0)
        axes.set_ylabel(f"{state}\nshare of replicates")
        _format_date_axis(axes)
    all_axes[0].set_title(_title(result, "best channel to capability", banded=False))
    return figure


def channel_shares(frame: pd.DataFrame, column: str, by: str = "step") -> pd.DataFrame:
    """Share of replicates (0-1) whose value of ``column`` is each channel, per ``by``; one
    column per channel, known channels first in a fixed order, then any others."""
    counts = pd.crosstab(frame[by], frame[column].fillna("none"))
    others = sorted(str(channel) for channel in counts.columns if channel not in CHANNELS)
    counts = counts.reindex(columns=CHANNELS + others, fill_value=0)
    return counts.div(counts.sum(axis=1), axis=0)
