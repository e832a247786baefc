"""PNG plots of the validity report (`regsim check`): calibration targets against the model,
the historical replay with its dated events, and the three docking cases.

matplotlib is imported inside the functions and figures are drawn on the Agg canvas directly,
as in `sim.plots.runs`.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from sim.calendar import parse_month
from sim.experiments.stats import band
from sim.plots.runs import step_dates
from sim.validity import replay
from sim.validity.checks import DATE, Check
from sim.validity.docking import BASS_TOLERANCE

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from sim.validity.report import ValidityReport

DPI = 110
PASS_COLOUR, FAIL_COLOUR, TARGET_COLOUR = "tab:green", "tab:red", "tab:green"


def write_validity_plots(report: ValidityReport, plots_dir: Path) -> list[Path]:
    """Write calibration.png, replay.png, bass.png, theft.png and compute.png into `plots_dir`
    (created if needed); return the paths written."""
    plots_dir = Path(plots_dir)
    plots_dir.mkdir(parents=True, exist_ok=True)
    makers = {
        "calibration.png": calibration_figure,
        "replay.png": replay_figure,
        "bass.png": bass_figure,
        "theft.png": theft_figure,
        "compute.png": compute_figure,
    }
    written = []
    for name, make in makers.items():
        path = plots_dir / name
        make(report).savefig(path, dpi=DPI)
        written.append(path)
    return written


def _figure(
    rows: int, columns: int = 1, size_in: tuple[float, float] = (9.0, 5.0), sharex: bool = False
) -> tuple[Figure, np.ndarray]:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=size_in, layout="constrained")
    FigureCanvasAgg(figure)
    return figure, figure.subplots(rows, columns, squeeze=False, sharex=sharex)


def _as_date(absolute_month: float) -> pd.Timestamp:
    year, month0 = divmod(int(round(absolute_month)), 12)
    return pd.Timestamp(year=year, month=month0 + 1, day=1)


# Calibration ----------------------------------------------------------------------------------
def calibration_figure(report: ValidityReport) -> Figure:
    """One panel per calibration target: its acceptance range and the model's interval."""
    from sim.validity.calibration import TARGETS

    checks = report.section("calibration")
    rows = math.ceil(len(checks) / 2)
    figure, grid = _figure(rows, 2, (11.0, 1.6 * rows + 0.8))
    for axes, check, target in zip(grid.flat, checks, TARGETS, strict=False):
        _target_panel(axes, check, target.low, target.high)
    for axes in list(grid.flat)[len(checks) :]:
        axes.set_visible(False)
    figure.suptitle(
        f"Calibration of the baseline ({report.settings.replicates} replicates): "
        "target range (green) and model (95% interval)"
    )
    return figure


def _target_panel(axes: Axes, check: Check, low: float, high: float) -> None:
    e = check.estimate
    convert = _as_date if check.unit == DATE else float
    finite = [v for v in (low, high, e.value, e.low, e.high) if math.isfinite(v)]
    right, left = max(finite), min(finite)
    span = max(right - left, 1.0)
    low = low if math.isfinite(low) else left - 0.2 * span  # open-ended target ranges
    high = high if math.isfinite(high) else right + 0.2 * span
    value = e.value if math.isfinite(e.value) else right
    axes.axvspan(convert(low), convert(high), color=TARGET_COLOUR, alpha=0.25, linewidth=0)
    colour = PASS_COLOUR if check.passed else FAIL_COLOUR
    if math.isfinite(e.low):
        span_high = e.high if math.isfinite(e.high) else right
        axes.plot([convert(e.low), convert(span_high)], [0, 0], color=colour, linewidth=2)
    axes.plot([convert(value)], [0], "o", color=colour)
    axes.set_yticks([])
    axes.set_title(f"{check.name} ({check.status})", fontsize="small")
    axes.set_xlabel("" if check.unit == DATE else check.unit, fontsize="small")
    axes.tick_params(labelsize="small")


# Replay ---------------------------------------------------------------------------------------
def replay_figure(report: ValidityReport) -> Figure:
    """Capability and open lag over the replay (median, 5-95% band), the real events as
    vertical lines, and each event's model date (median, 95% range) against the real one."""
    run, scenario = report.replay_run, report.replay_scenario
    frame = run.timeseries_frame()
    dates = step_dates(frame, run.start)
    figure, grid = _figure(3, 1, (10.0, 10.0), sharex=True)
    capability, lag, events = grid[:, 0]
    for column, label in (
        ("frontier_capability", "frontier"),
        ("open_frontier_capability", "open frontier"),
        (f"state_capability__{replay.STATE}", "competitor state"),
    ):
        _band(capability, frame, dates, column, label)
    gpt4 = replay.reference_capability(2.1e25, "2023-03", scenario)
    capability.axhline(gpt4, color="grey", linestyle=":", label=f"GPT-4 level ({gpt4:.2f})")
    capability.set_ylabel("capability (log10 effective FLOP)")
    capability.legend(loc="upper left", fontsize="small")
    _band(lag, frame, dates, "open_lag_months", "open-weight lag")
    _band(lag, frame, dates, f"state_lag_months__{replay.STATE}", "state lag")
    lag.set_ylabel("lag (months)")
    lag.legend(loc="upper left", fontsize="small")
    _event_dates(events, report)
    for axes in (capability, lag):
        for event in replay.EVENTS:
            axes.axvline(
                _as_date(parse_month(event.real_month)), color="grey", linewidth=0.8, linestyle="--"
            )
    capability.set_title(
        f"Replay of {run.scenario_name} ({len(run.replicates)} replicates; "
        "dashed lines: real events)"
    )
    return figure


def _band(axes: Axes, frame: pd.DataFrame, dates: pd.Series, column: str, label: str) -> None:
    stats = band(frame, column).set_index("step").reindex(dates.index)
    x = dates.to_numpy()
    (line,) = axes.plot(x, stats["median"].to_numpy(), label=label)
    axes.fill_between(
        x,
        stats["p05"].to_numpy(float),
        stats["p95"].to_numpy(float),
        color=line.get_color(),
        alpha=0.2,
        linewidth=0,
    )


def _event_dates(axes: Axes, report: ValidityReport) -> None:
    checks = report.section("replay")[:len(replay.EVENTS)]  # the dated events
    end = parse_month(report.replay_run.start) + report.replay_run.months - 1
    for row, (event, check) in enumerate(zip(replay.EVENTS, checks, strict=True)):
        e = check.estimate
        colour = PASS_COLOUR if check.passed else FAIL_COLOUR
        low, high = (min(v, end) if math.isfinite(v) else end for v in (e.low, e.high))
        axes.plot([_as_date(low), _as_date(high)], [row, row], color=colour, linewidth=3, alpha=0.6)
        median = e.value if math.isfinite(e.value) else end
        axes.plot([_as_date(median)], [row], "o" if math.isfinite(e.value) else ">", color=colour)
        axes.plot([_as_date(parse_month(event.real_month))], [row], "kx", markersize=9)
    axes.set_yticks(range(len(checks)), [event.label for event in replay.EVENTS], fontsize="small")
    axes.invert_yaxis()
    axes.set_title(
        "event dates: real (x) and model median (o) with 95% range; > = after the horizon",
        fontsize="small",
    )


# Docking --------------------------------------------------------------------------------------
def bass_figure(report: ValidityReport) -> Figure:
    """The adopted share against the closed-form Bass curve, and their difference."""
    bass = report.bass
    figure, grid = _figure(2, 1, (9.0, 7.0), sharex=True)
    share, error = grid[:, 0]
    share.plot(
        bass.months,
        bass.closed_form,
        color="black",
        linewidth=3,
        alpha=0.4,
        label="closed form F(t)",
    )
    share.plot(bass.months, bass.model_share, color="tab:blue", label="model")
    share.set_ylabel("adopted share")
    share.legend(loc="lower right")
    share.set_title(
        f"Bass docking: p={bass.p_per_month:g}/month, q={bass.q_per_month:g}/month, "
        f"{bass.adopters:,} adopters"
    )
    error.plot(bass.months, bass.model_share - bass.closed_form, color="tab:blue")
    for bound in (-BASS_TOLERANCE, BASS_TOLERANCE):
        error.axhline(bound, color=FAIL_COLOUR, linestyle="--", linewidth=0.8)
    error.set_ylabel("model - F(t)")
    error.set_xlabel("months since the release")
    return figure


def theft_figure(report: ValidityReport) -> Figure:
    """Months to the first theft: observed counts against the geometric distribution."""
    theft = report.theft
    figure, grid = _figure(1, 1)
    axes = grid[0, 0]
    months = theft.months_to_theft[~np.isnan(theft.months_to_theft)]
    shown = int(min(months.max(initial=1), 4 / theft.hazard))
    counts = np.bincount(months.astype(int), minlength=shown + 1)[1 : shown + 1]
    k = np.arange(1, shown + 1)
    expected = len(theft.months_to_theft) * theft.hazard * (1 - theft.hazard) ** (k - 1)
    axes.bar(k, counts, color="tab:blue", alpha=0.6, label="model (replicates)")
    axes.plot(k, expected, color="black", label=f"geometric, h = {theft.hazard:g}")
    axes.set_xlabel("month of the first theft")
    axes.set_ylabel("replicates")
    axes.set_title(
        f"Theft docking: mean {months.mean():.2f} vs 1/h = {theft.expected_mean:g}; "
        f"chi-square p = {theft.chi2_p_value:.3f}"
    )
    axes.legend()
    return figure


def compute_figure(report: ValidityReport) -> Figure:
    """Each compute-docking lab's run size against its configured exponential growth."""
    figure, grid = _figure(1, 1)
    axes = grid[0, 0]
    for case in report.compute:
        steps = np.arange(len(case.run_flop))
        (line,) = axes.plot(
            steps, case.run_flop, linewidth=3, alpha=0.4, label=f"model: {case.label}"
        )
        axes.plot(
            steps,
            case.expected,
            color=line.get_color(),
            linestyle="--",
            label=f"cost model: {case.label}",
        )
    axes.set_xlabel("month")
    axes.set_ylabel("run compute (log10 FLOP)")
    axes.set_title("Compute docking: the lab's run against the cost model")
    axes.legend(fontsize="small")
    return figure
