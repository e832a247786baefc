"""PNG plots of a run: medians over replicates with 5-95% bands, against calendar months.

Every label is plain words with units, states go by their scenario labels ("the PRC"), and
legends sit below the axes, off the data. A series that stays flat over the whole run is not
drawn as a line that says nothing: it is named, with its value, in a note under the plot, so
that the axes show what varies.

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
from sim.plots.number_axes import capability_unit, multiples_axis, no_exponent_ticks
from sim.presentation.tables import format_number, series_label, split_label
from sim.scenario.toml_guard import loads as toml_loads

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

CHANNELS = ["domestic", "open_weights", "theft", "distillation", "none"]
CHANNEL_LABELS = {
    "domestic": "its own labs",
    "open_weights": "open weights",
    "theft": "stolen weights",
    "distillation": "distillation through an API",
    "none": "no model yet",
}
"""Plain words for each channel through which a state got its best model."""
BAND_ALPHA = 0.2
FIGURE_SIZE_IN = (9.0, 5.0)
DPI = 110
FLAT_SHARE_TOLERANCE = 0.02
"""A share whose median over replicates stays within this much (two percentage points) over
the whole run is flat: on a 0-1 axis such a line would be indistinguishable from a constant."""
# The overall frontier usually coincides with the closed one: dashed black keeps both visible.
SERIES_STYLES: dict[str, dict[str, Any]] = {
    "frontier_capability": {"color": "black", "linestyle": "--", "zorder": 3},
}


def write_plots(result: RunResult, plots_dir: Path) -> list[Path]:
    """Write capability, lag, diffusion, kill-switch and channel plots as PNGs into
    ``plots_dir`` (created if needed); return the paths written, or none for a run with no
    replicates."""
    drawn = figures(result)
    if not drawn:
        return []
    plots_dir = Path(plots_dir)
    plots_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for name, figure in drawn.items():
        path = plots_dir / f"{name}.png"
        figure.savefig(path, dpi=DPI)
        written.append(path)
    return written


def figures(result: RunResult) -> dict[str, Figure]:
    """The run's figures by name (capability, lags, diffusion, kill_switch, channels), or
    none for a run with no replicates."""
    frame = result.timeseries_frame()
    if frame.empty or "step" not in frame.columns:
        return {}
    dates = step_dates(frame, result.start)
    makers = {
        "capability": _capability_figure,
        "lags": _lags_figure,
        "diffusion": _diffusion_figure,
        "kill_switch": _kill_switch_figure,
        "channels": _channels_figure,
    }
    return {name: no_exponent_ticks(make(result, frame, dates)) for name, make in makers.items()}


def step_dates(frame: pd.DataFrame, start: str) -> pd.Series:
    """Calendar date (first of the month) of each step, indexed by step."""
    steps = np.sort(frame["step"].unique())
    if "month" in frame.columns:
        months = frame.drop_duplicates("step").set_index("step")["month"].reindex(steps)
        return pd.Series(pd.to_datetime(months.to_numpy(), format="%Y-%m"), index=steps)
    first = pd.Timestamp(f"{start}-01")
    return pd.Series([first + pd.DateOffset(months=int(step)) for step in steps], index=steps)


def state_labels(scenario_toml: str, names: Sequence[str]) -> dict[str, str]:
    """Each state's display label from the resolved scenario text (its name if it has none or
    the text does not parse)."""
    try:
        states = toml_loads(scenario_toml).get("states", [])
    except ValueError:  # TOMLDecodeError, or refused by the guard
        states = []
    labels = {str(s.get("name")): str(s["label"]) for s in states
              if isinstance(s, dict) and s.get("label")}
    return {name: labels.get(name, name) for name in names}


def new_figure(rows: int = 1, height_in: float | None = None) -> tuple[Figure, list[Axes]]:
    """A figure of `rows` stacked axes sharing the time axis, on the Agg canvas."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    size = (FIGURE_SIZE_IN[0], height_in or FIGURE_SIZE_IN[1])
    figure = Figure(figsize=size, layout="constrained")
    FigureCanvasAgg(figure)
    axes = figure.subplots(rows, 1, sharex=True, squeeze=False)[:, 0]
    return figure, list(axes)


def format_date_axis(axes: Axes, max_ticks: int | None = None) -> None:
    """Calendar ticks on the x axis (at most about `max_ticks` of them on narrow axes)."""
    from matplotlib.dates import AutoDateLocator, ConciseDateFormatter

    locator = AutoDateLocator(minticks=3, maxticks=max_ticks) if max_ticks else AutoDateLocator()
    axes.xaxis.set_major_locator(locator)
    axes.xaxis.set_major_formatter(ConciseDateFormatter(locator))


def legend_below(figure: Figure, axes: Axes, columns: int = 3) -> None:
    """The legend of `axes`, under the plot (off the data); nothing if nothing is labelled."""
    handles, labels = axes.get_legend_handles_labels()
    if handles:
        figure.legend(handles, labels, loc="outside lower center", ncols=min(columns,
                      len(handles)), fontsize="small", frameon=False)


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


def flat_value(frame: pd.DataFrame, column: str, tolerance: float) -> tuple[float, float] | None:
    """``(low, high)`` of a column whose median over replicates stays within `tolerance` over
    the whole run (a flat series), else None; None too when the column is absent or never
    defined."""
    if column not in frame.columns:
        return None
    values = band(frame, column)["median"].to_numpy(dtype=float)
    values = values[np.isfinite(values)]
    if not values.size:
        return None
    low, high = float(values.min()), float(values.max())
    return (low, high) if high - low <= tolerance else None


def _plot_varying(
    axes: Axes,
    frame: pd.DataFrame,
    dates: pd.Series,
    series: Sequence[tuple[str, str]],
    tolerance: float,
) -> list[str]:
    """Draw each varying series; return a note for each flat one ('label: value throughout')."""
    notes = []
    for column, label in series:
        flat = flat_value(frame, column, tolerance)
        if flat is None:
            _plot_band(axes, frame, dates, column, label, **SERIES_STYLES.get(column, {}))
            continue
        low, high = (format_number(value) for value in flat)
        value = f"{low} throughout" if low == high else f"between {low} and {high} throughout"
        notes.append(f"{label}: {value}")
    return notes


def _add_notes(axes: Axes, notes: Sequence[str], lead: str) -> None:
    """Notes in the x-axis label's place: between the axes and the legend, never on the data."""
    if notes:
        axes.set_xlabel(lead + ";\n".join(notes) + " (median over replicates)",
                        fontsize="small", color="0.3")


def _plot_series(
    result: RunResult,
    frame: pd.DataFrame,
    dates: pd.Series,
    what: str,
    series: Sequence[tuple[str, str]],
    y_label: str,
) -> Figure:
    figure, (axes,) = new_figure()
    for column, label in series:
        _plot_band(axes, frame, dates, column, label, **SERIES_STYLES.get(column, {}))
    axes.set_ylabel(y_label)
    axes.set_title(_title(result, what))
    format_date_axis(axes)
    legend_below(figure, axes)
    return figure


def _capability_figure(result: RunResult, frame: pd.DataFrame, dates: pd.Series) -> Figure:
    labels = state_labels(result.resolved_scenario_toml, result.state_names)
    series = [
        ("frontier_capability", "frontier (best model of any kind)"),
        ("closed_frontier_capability", "closed-weight frontier"),
        ("open_frontier_capability", "open-weight frontier"),
    ] + [(f"state_capability__{s}", f"{labels[s]}: best model it holds")
         for s in result.state_names]
    figure = _plot_series(result, frame, dates, "capability", series,
                          f"capability ({capability_unit('log10 effective FLOP')})")
    multiples_axis(figure.get_axes()[0])
    return figure


def _lags_figure(result: RunResult, frame: pd.DataFrame, dates: pd.Series) -> Figure:
    labels = state_labels(result.resolved_scenario_toml, result.state_names)
    series = [("open_lag_months", "best open-weight model")]
    for state in result.state_names:
        series += [(f"state_domestic_lag_months__{state}", f"{labels[state]}: own labs"),
                   (f"state_lag_months__{state}", f"{labels[state]}: every channel")]
    return _plot_series(
        result, frame, dates, "lag behind the frontier", series, "lag behind the frontier (months)"
    )


DIFFUSION_SERIES = (
    "ecosystem_best_open_share",
    "ecosystem_open_frontier_tier_share",
    "ecosystem_api_frontier_tier_share",
    "ecosystem_frontier_tier_share",
)


def _diffusion_figure(result: RunResult, frame: pd.DataFrame, dates: pd.Series) -> Figure:
    figure, (axes,) = new_figure()
    series = [(column, split_label(series_label(column))[0]) for column in DIFFUSION_SERIES]
    notes = _plot_varying(axes, frame, dates, series, FLAT_SHARE_TOLERANCE)
    axes.set_ylabel("share of downstream adopters (0-1)")
    axes.set_ylim(bottom=0.0)
    axes.set_title(_title(result, "diffusion to downstream adopters"))
    format_date_axis(axes)
    legend_below(figure, axes, columns=2)
    _add_notes(axes, notes, "Flat, not drawn: ")
    if not axes.lines:
        axes.text(0.5, 0.5, "every diffusion share is flat: see the note below",
                  transform=axes.transAxes, ha="center", color="0.4")
    return figure


def _kill_switch_figure(result: RunResult, frame: pd.DataFrame, dates: pd.Series) -> Figure:
    figure, (coverage_axes, copies_axes) = new_figure(rows=2, height_in=7.0)
    _plot_band(coverage_axes, frame, dates, "kill_switch_coverage", "kill-switch coverage")
    coverage_axes.set_ylim(-0.02, 1.05)  # a line at 0 stays visible
    coverage_axes.set_ylabel("coverage (share of covered copies)")
    coverage_axes.set_title(_title(result, "kill-switch coverage"))
    flat = flat_value(frame, "kill_switch_coverage", FLAT_SHARE_TOLERANCE)
    if flat is not None and flat[1] == 0.0:
        coverage_axes.text(0.5, 0.5, "no covered model keeps a working kill switch",
                           transform=coverage_axes.transAxes, ha="center", color="0.3")
    _plot_band(copies_axes, frame, dates, "covered_open_copies",
               "copies of covered open weights beyond any kill switch")
    copies_axes.set_ylabel("copies beyond any switch (count)")
    for axes in (coverage_axes, copies_axes):
        format_date_axis(axes)
    return figure


def _channels_figure(result: RunResult, frame: pd.DataFrame, dates: pd.Series) -> Figure:
    from matplotlib.patches import Patch

    states = result.state_names or ["(no states)"]
    labels = state_labels(result.resolved_scenario_toml, states)
    figure, all_axes = new_figure(rows=len(states), height_in=1.6 + 2.6 * len(states))
    colors = {channel: f"C{index}" for index, channel in enumerate(CHANNELS)}
    seen: list[str] = []
    for axes, state in zip(all_axes, states, strict=True):
        column = f"state_best_channel__{state}"
        if column in frame.columns:
            shares = channel_shares(frame, column).reindex(dates.index, fill_value=0.0)
            shares = shares.loc[:, shares.sum(axis=0) > 0]  # channels never used: no band
            axes.stackplot(dates.to_numpy(), shares.to_numpy().T,
                           colors=[colors.get(c, "0.6") for c in shares.columns])
            seen += [c for c in shares.columns if c not in seen]
        axes.set_ylim(0.0, 1.0)
        axes.set_ylabel("share of replicates (0-1)")
        axes.set_title(f"{labels[state]}: where its best model came from", fontsize="medium")
        format_date_axis(axes)
    handles = [Patch(color=colors.get(c, "0.6"), label=CHANNEL_LABELS.get(c, c.replace("_", " ")))
               for c in seen]
    if handles:
        figure.legend(handles=handles, loc="outside lower center", ncols=len(handles),
                      fontsize="small", frameon=False)
    figure.suptitle(_title(result, "source of the best model each state holds", banded=False))
    return figure


def channel_shares(frame: pd.DataFrame, column: str, by: str = "step") -> pd.DataFrame:
    """Share of replicates (0-1) whose value of ``column`` is each channel, per ``by``; one
    column per channel, known channels first in a fixed order, then any others."""
    counts = pd.crosstab(frame[by], frame[column].fillna("none"))
    others = sorted(str(channel) for channel in counts.columns if channel not in CHANNELS)
    counts = counts.reindex(columns=CHANNELS + others, fill_value=0)
    return counts.div(counts.sum(axis=1), axis=0)
