"""The dashboard's charts: the live run drawn solid over its baseline drawn faintly (dashed).

Each chart is a matplotlib Figure built from two monthly frames with the model's output columns
(`sim.model.outputs`): `live` (the months run so far, or None before the first step) and
`baseline` (the unmodified scenario's whole horizon, same seed). The x axis always spans the
whole horizon, so the live line grows from left to right over the road not taken.
Figures are drawn on the Agg canvas without pyplot (no global state, safe across sessions).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

FIGURE_SIZE_IN = (6.4, 3.0)
DPI = 80
BASELINE_ALPHA = 0.35
CHANNEL_ORDER = ("none", "domestic", "open_weights", "distillation", "theft")
CHANNEL_WORDS = {
    "none": "nothing yet",
    "domestic": "its own labs",
    "open_weights": "open weights",
    "distillation": "distilling an API",
    "theft": "stolen weights",
}
"""The competitor's channels to its best model, in plain words (model.md, State actors)."""

Series = Sequence[tuple[str, str]]
"""(column, label) pairs to draw."""


@dataclass(frozen=True)
class Chart:
    """One dashboard chart: a key, a title for its card, and the function drawing it."""

    key: str
    title: str
    draw: Callable[[pd.DataFrame | None, pd.DataFrame, Mapping[str, str]], Figure]


def state_names(frame: pd.DataFrame) -> list[str]:
    """The state actors in a frame, from its `state_capability__<state>` columns."""
    prefix = "state_capability__"
    return [column[len(prefix):] for column in frame.columns if column.startswith(prefix)]


def latest(frame: pd.DataFrame | None, column: str, step: int | None = None) -> float:
    """The value of `column` at `step` (default: the frame's last month); NaN if absent."""
    if frame is None or frame.empty or column not in frame.columns:
        return math.nan
    if step is None:
        value = frame[column].iloc[-1]
    else:
        rows = frame.loc[frame["step"] == step, column]
        if rows.empty:
            return math.nan
        value = rows.iloc[0]
    try:
        return float(value)
    except (TypeError, ValueError):
        return math.nan


def format_capability(value: float) -> str:
    """'1e25.93' for a capability of 25.93 log10 effective FLOP; 'none' when undefined."""
    return f"1e{value:.2f}" if math.isfinite(value) else "none"


# Drawing helpers ------------------------------------------------------------------------------


def _figure(rows: int = 1, height_in: float | None = None) -> tuple[Figure, list[Axes]]:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=(FIGURE_SIZE_IN[0], height_in or FIGURE_SIZE_IN[1]), dpi=DPI,
                    layout="constrained")
    FigureCanvasAgg(figure)
    axes = figure.subplots(rows, 1, sharex=True, squeeze=False)[:, 0]
    return figure, list(axes)


def _dates(frame: pd.DataFrame) -> np.ndarray:
    return pd.to_datetime(frame["month"], format="%Y-%m").to_numpy()


def _numbers(frame: pd.DataFrame, column: str) -> np.ndarray:
    values = pd.to_numeric(frame[column], errors="coerce").to_numpy(dtype=float)
    return np.where(np.isfinite(values), values, np.nan)


def _draw_pair(axes: Axes, live: pd.DataFrame | None, baseline: pd.DataFrame, column: str,
               label: str, color: str) -> None:
    """The baseline faint and dashed over the whole horizon, the live run solid on top."""
    if column not in baseline.columns:
        return
    axes.plot(_dates(baseline), _numbers(baseline, column), color=color, alpha=BASELINE_ALPHA,
              linestyle="--", linewidth=1.4)
    if live is not None and column in live.columns:
        axes.plot(_dates(live), _numbers(live, column), color=color, linewidth=2.0,
                  label=_plot_text(label))
    else:
        axes.plot([], [], color=color, linewidth=2.0, label=_plot_text(label))


def _finish(axes: Axes, baseline: pd.DataFrame, y_label: str) -> None:
    from matplotlib.dates import AutoDateLocator, ConciseDateFormatter
    from matplotlib.lines import Line2D

    locator = AutoDateLocator()
    axes.xaxis.set_major_locator(locator)
    axes.xaxis.set_major_formatter(ConciseDateFormatter(locator))
    dates = _dates(baseline)
    if len(dates):
        axes.set_xlim(dates[0], dates[-1])
    axes.set_ylabel(_plot_text(y_label))
    axes.grid(alpha=0.3)
    handles, labels = axes.get_legend_handles_labels()
    handles.append(Line2D([], [], color="grey", alpha=BASELINE_ALPHA + 0.2, linestyle="--"))
    labels.append("baseline (same seed)")
    axes.legend(handles, labels, loc="best", fontsize="small")


def _series_figure(live: pd.DataFrame | None, baseline: pd.DataFrame, series: Series,
                   y_label: str) -> Figure:
    from matplotlib import colormaps

    colors = colormaps["tab10"].colors
    figure, (axes,) = _figure()
    for index, (column, label) in enumerate(series):
        _draw_pair(axes, live, baseline, column, label, colors[index % len(colors)])
    _finish(axes, baseline, y_label)
    return figure


def _state_label(labels: Mapping[str, str], state: str) -> str:
    return labels.get(state, state)


def _plot_text(text: str) -> str:
    """A scenario's label as literal text in a figure: '$' would start matplotlib's math
    mode, and a label such as '$\\frac$' would stop the chart from drawing."""
    return text.replace("$", r"\$")


# The charts -----------------------------------------------------------------------------------


def capability_figure(live: pd.DataFrame | None, baseline: pd.DataFrame,
                      labels: Mapping[str, str]) -> Figure:
    """Frontier, open-weight frontier and each competitor state's accessible capability."""
    series = [("frontier_capability", "frontier"),
              ("open_frontier_capability", "open-weight frontier")]
    series += [(f"state_capability__{s}", _state_label(labels, s)) for s in state_names(baseline)]
    return _series_figure(live, baseline, series, "capability (log10 effective FLOP)")


def lags_figure(live: pd.DataFrame | None, baseline: pd.DataFrame,
                labels: Mapping[str, str]) -> Figure:
    """Months behind the frontier: open weights and each competitor state."""
    series = [("open_lag_months", "open weights")]
    series += [(f"state_lag_months__{s}", _state_label(labels, s)) for s in state_names(baseline)]
    return _series_figure(live, baseline, series, "months behind the frontier")


def diffusion_figure(live: pd.DataFrame | None, baseline: pd.DataFrame,
                     labels: Mapping[str, str]) -> Figure:
    """Share of the downstream ecosystem within reach of the frontier, by open weights or API."""
    series = [("ecosystem_open_share", "via open weights"),
              ("ecosystem_api_share", "via APIs"),
              ("ecosystem_frontier_tier_share", "frontier-tier, either way")]
    figure = _series_figure(live, baseline, series, "share of the ecosystem")
    figure.axes[0].set_ylim(-0.02, 1.02)
    return figure


def kill_switch_figure(live: pd.DataFrame | None, baseline: pd.DataFrame,
                       labels: Mapping[str, str]) -> Figure:
    """Share of covered-model copies a shutdown reaches, and the copies beyond any switch."""
    figure, (coverage, copies) = _figure(rows=2)
    _draw_pair(coverage, live, baseline, "kill_switch_coverage", "coverage", "tab:green")
    coverage.set_ylim(-0.05, 1.05)
    _finish(coverage, baseline, "coverage (share)")
    _draw_pair(copies, live, baseline, "uncontrolled_covered_copies", "uncontrolled copies",
               "tab:red")
    _finish(copies, baseline, "copies")
    return figure


def channels_figure(live: pd.DataFrame | None, baseline: pd.DataFrame,
                    labels: Mapping[str, str]) -> Figure:
    """Which channel gave each competitor state its best model, month by month."""
    states = state_names(baseline) or []
    figure, all_axes = _figure(rows=max(1, len(states)),
                               height_in=0.7 + 2.3 * max(1, len(states)))
    for axes, state in zip(all_axes, states, strict=False):
        column = f"state_best_channel__{state}"
        _draw_channels(axes, live, baseline, column)
        _finish(axes, baseline, _state_label(labels, state))
    if not states:
        all_axes[0].text(0.5, 0.5, "no competitor state in this scenario", ha="center",
                         transform=all_axes[0].transAxes)
    return figure


def _draw_channels(axes: Axes, live: pd.DataFrame | None, baseline: pd.DataFrame,
                   column: str) -> None:
    if column not in baseline.columns:
        return
    axes.plot(_dates(baseline), _channel_codes(baseline[column]), color="tab:purple",
              alpha=BASELINE_ALPHA, linestyle="--", drawstyle="steps-post")
    if live is not None and column in live.columns:
        axes.plot(_dates(live), _channel_codes(live[column]), color="tab:purple", linewidth=2.2,
                  drawstyle="steps-post", label="best model came from")
    axes.set_yticks(range(len(CHANNEL_ORDER)), [CHANNEL_WORDS[c] for c in CHANNEL_ORDER])
    axes.set_ylim(-0.5, len(CHANNEL_ORDER) - 0.5)


def _channel_codes(values: pd.Series) -> np.ndarray:
    codes = {channel: index for index, channel in enumerate(CHANNEL_ORDER)}
    return np.array([codes.get(str(value), 0) for value in values.fillna("none")], dtype=float)


# Captions: the latest month in words, against the baseline at the same month ----------------


NOT_STARTED = "Press Step or play (▶) to run. Dashed lines: the baseline, same seed."


def caption(key: str, live: pd.DataFrame | None, baseline: pd.DataFrame,
            labels: Mapping[str, str]) -> str:
    """One sentence under chart `key`: this month's values, each with the baseline's."""
    if live is None or live.empty:
        return NOT_STARTED
    step = int(live["step"].iloc[-1])
    month = str(live["month"].iloc[-1])
    parts = _CAPTIONS[key](live, baseline, step, labels)
    return f"{month}: " + "; ".join(parts) + "."


def _pair(live: pd.DataFrame, baseline: pd.DataFrame, column: str, step: int,
          fmt: Callable[[float], str]) -> str:
    return f"{fmt(latest(live, column))} (baseline {fmt(latest(baseline, column, step))})"


def _months(value: float) -> str:
    return f"{value:.1f}" if math.isfinite(value) else "n/a"


def _share(value: float) -> str:
    return f"{value:.0%}" if math.isfinite(value) else "n/a"


def _count(value: float) -> str:
    return f"{value:,.0f}" if math.isfinite(value) else "n/a"


def _capability_caption(live, baseline, step, labels) -> list[str]:
    parts = ["open-weight frontier " + _pair(live, baseline, "open_frontier_capability", step,
                                             format_capability)]
    parts += [f"{_state_label(labels, s)} "
              + _pair(live, baseline, f"state_capability__{s}", step, format_capability)
              for s in state_names(baseline)]
    return parts


def _lags_caption(live, baseline, step, labels) -> list[str]:
    parts = ["open weights " + _pair(live, baseline, "open_lag_months", step, _months)
             + " months behind"]
    parts += [f"{_state_label(labels, s)} "
              + _pair(live, baseline, f"state_lag_months__{s}", step, _months) + " months"
              for s in state_names(baseline)]
    return parts


def _diffusion_caption(live, baseline, step, labels) -> list[str]:
    return [_pair(live, baseline, "ecosystem_frontier_tier_share", step, _share)
            + " of the ecosystem hold frontier-tier capability"]


def _kill_switch_caption(live, baseline, step, labels) -> list[str]:
    return ["a shutdown reaches " + _pair(live, baseline, "kill_switch_coverage", step, _share)
            + " of covered copies",
            _pair(live, baseline, "uncontrolled_covered_copies", step, _count)
            + " covered copies are beyond any switch"]


def _channels_caption(live, baseline, step, labels) -> list[str]:
    parts = []
    for state in state_names(baseline):
        column = f"state_best_channel__{state}"
        now = _channel_word(live[column].iloc[-1]) if column in live.columns else "n/a"
        rows = baseline.loc[baseline["step"] == step, column]
        then = _channel_word(rows.iloc[0]) if not rows.empty else "n/a"
        parts.append(f"{_state_label(labels, state)}'s best model came from {now} "
                     f"(baseline {then})")
    return parts or ["no competitor state in this scenario"]


def _channel_word(value: object) -> str:
    return CHANNEL_WORDS.get(str(value), str(value)) if isinstance(value, str) else "nothing yet"


_CAPTIONS = {
    "capability": _capability_caption,
    "lags": _lags_caption,
    "diffusion": _diffusion_caption,
    "kill_switch": _kill_switch_caption,
    "channels": _channels_caption,
}


CHARTS: tuple[Chart, ...] = (
    Chart("capability", "Capability over time",
          capability_figure),
    Chart("lags", "Months behind the frontier", lags_figure),
    Chart("diffusion", "Spread through the ecosystem", diffusion_figure),
    Chart("kill_switch", "Kill switch: copies it can reach",
          kill_switch_figure),
    Chart("channels", "How the competitor got its best model", channels_figure),
)
"""The dashboard's charts, in display order."""


def chart(key: str) -> Chart:
    return next(entry for entry in CHARTS if entry.key == key)
