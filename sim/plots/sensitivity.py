"""PNG plots of a sweep folder: tornado charts, Sobol and Morris indices, and an envelope of a
key monthly series over the design.

Everything is read from the folder's tables (`sensitivity.csv`, `design.csv`,
`timeseries.parquet`), so plots can be redrawn from a finished sweep alone. matplotlib is
imported inside the functions and figures are drawn on the Agg canvas, without pyplot.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from sim.presentation.tables import KEY_OUTCOMES, outcome_label

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

DPI = 110
WIDTH_IN = 9.0
BAR_HEIGHT_IN = 0.45
MAX_BANDS = 6
"""Most lever combinations drawn as separate envelopes; beyond this, one envelope for all."""
LEVER_COLOR, UNCERTAINTY_COLOR = "tab:orange", "tab:blue"
ENVELOPE_SERIES = ("state_lag_months__", "open_lag_months")
"""Preferred monthly series for the envelope: the first state's lag, else the open lag."""


def default_outcomes(available: Sequence[str], limit: int = 3) -> list[str]:
    """The outcomes to plot and print when none are named: key outcomes first, then the rest,
    keeping only those in `available`."""
    states = sorted({key.partition("__")[2] for key in available if "__" in key})
    preferred = [key for key, _ in KEY_OUTCOMES(states)]
    ordered = [key for key in preferred if key in available]
    ordered += [key for key in available if key not in ordered]
    return ordered[:limit]


def write_sweep_plots(folder: Path, outcomes: Sequence[str]) -> list[Path]:
    """Draw the plots of a finished sweep into `folder/plots` and return their paths: for each
    outcome a tornado chart, plus Sobol or Morris bars when the sampler gives them, and an
    envelope plot when the folder has time series."""
    folder = Path(folder)
    indices = pd.read_csv(folder / "sensitivity.csv")
    plots_dir = folder / "plots"
    plots_dir.mkdir(parents=True, exist_ok=True)
    written = []
    ends = option_ends(folder)
    for outcome in outcomes:
        rows = indices[indices["outcome"] == outcome]
        for method, draw in (("swing", functools.partial(tornado_figure, ends=ends)),
                             ("sobol", sobol_figure), ("morris", morris_figure)):
            if (rows["method"] == method).any() and rows["value"].notna().any():
                name = "tornado" if method == "swing" else method
                written.append(save_png(draw(rows, outcome),
                                        plots_dir / f"{name}__{_slug(outcome)}"))
    if (folder / "timeseries.parquet").exists():
        figure = envelope_figure(folder)
        if figure is not None:
            written.append(save_png(figure, plots_dir / "envelope"))
    return written


def option_ends(folder: Path) -> dict[str, tuple[str, str]]:
    """Per list parameter of the sweep in `folder`: its low and high option as shown
    (`sim.experiments.design.low_to_high`); empty if the design cannot be read."""
    from sim.experiments.design import design_from_description, low_to_high, toml_literal

    def level_label(value: object) -> str:
        return value if isinstance(value, str) else toml_literal(value)

    try:
        design = design_from_description(json.loads((Path(folder) / "design.json").read_text(
            encoding="utf-8")))
    except (OSError, ValueError, KeyError, TypeError):
        return {}
    ends = {}
    for parameter in design.parameters:
        if not parameter.is_range and len(parameter.values) > 1:
            ordered = low_to_high(parameter)
            ends[parameter.key] = (level_label(ordered[0]), level_label(ordered[-1]))
    return ends


def tornado_figure(rows: pd.DataFrame, outcome: str,
                   ends: dict[str, tuple[str, str]] | None = None) -> Figure:
    """Bars from the mean outcome at each parameter's low end to its high end, around the
    mean over the design; the widest swing on top. `ends` names the low and high option of
    list parameters (`option_ends`), shown beside them: for a switch, low is off (`false`)
    and high is on (`true`), whatever the order typed."""
    table = _pivot(rows, "swing").dropna(subset=["swing"])
    table = table.reindex(table["swing"].abs().sort_values().index)
    figure, axes = _bar_figure(len(table))
    centre = float(np.nanmean(table[["low", "high"]].to_numpy())) if len(table) else 0.0
    for y, (_, row) in enumerate(table.iterrows()):
        color = _kind_color(row["kind"])
        axes.barh(y, row["high"] - centre, left=centre, color=color, alpha=0.9)
        axes.barh(y, row["low"] - centre, left=centre, color=color, alpha=0.4)
    axes.axvline(centre, color="black", linewidth=0.8)
    _label_parameters(axes, table, ends or {})
    axes.set_xlabel(f"mean {outcome_label(outcome)}")
    axes.set_title(f"Tornado: {outcome_label(outcome)}\nparameter at its low end (light) and "
                   "high end (dark); options: low \u2192 high, off (false) low",
                   fontsize="medium")
    return figure


def sobol_figure(rows: pd.DataFrame, outcome: str) -> Figure:
    """First-order (S1) and total-order (ST) Sobol indices with 95% intervals."""
    table = _pivot(rows, "sobol")
    table = table.reindex(table["ST"].sort_values().index)
    figure, axes = _bar_figure(len(table))
    y = np.arange(len(table))
    for offset, index, alpha in ((-0.2, "S1", 0.5), (0.2, "ST", 0.9)):
        axes.barh(y + offset, table[index], height=0.4, xerr=table[f"{index}_conf"],
                  color=[_kind_color(k) for k in table["kind"]], alpha=alpha, label=index,
                  error_kw={"linewidth": 0.8})
    _label_parameters(axes, table)
    axes.set_xlabel("share of output variance")
    axes.set_xlim(left=min(0.0, float(np.nanmin((table["S1"] - table["S1_conf"]).to_numpy()))))
    axes.set_title(f"Sobol indices: {outcome_label(outcome)}\nfirst order S1 (light), total "
                   "order ST (dark), 95% intervals", fontsize="medium")
    return figure


def morris_figure(rows: pd.DataFrame, outcome: str) -> Figure:
    """Morris mu* (mean absolute elementary effect) with its 95% interval."""
    table = _pivot(rows, "morris")
    table = table.reindex(table["mu_star"].sort_values().index)
    figure, axes = _bar_figure(len(table))
    axes.barh(np.arange(len(table)), table["mu_star"], xerr=table["mu_star_conf"],
              color=[_kind_color(k) for k in table["kind"]], error_kw={"linewidth": 0.8})
    _label_parameters(axes, table)
    axes.set_xlabel(f"mu* ({outcome_label(outcome)} per full span of the parameter)")
    axes.set_title(f"Morris elementary effects: {outcome_label(outcome)}")
    return figure


def envelope_figure(folder: Path) -> Figure | None:
    """Min-max envelope and median, over every run of the design, of a key monthly series;
    one envelope per combination of list-valued levers when there are few."""
    import pyarrow.parquet as pq

    names = pq.read_schema(folder / "timeseries.parquet").names
    column = next((n for prefix in ENVELOPE_SERIES for n in names if n.startswith(prefix)), None)
    if column is None:
        return None
    series = pd.read_parquet(folder / "timeseries.parquet",
                             columns=["point_id", "step", "month", column])
    groups = _lever_groups(folder)
    series["group"] = series["point_id"].map(groups).fillna("all runs")
    figure, axes = agg_figure(5.0)
    for group, frame in series.groupby("group", sort=True):
        stats = frame.groupby("step")[column].agg(["min", "median", "max"])
        months = pd.to_datetime(frame.drop_duplicates("step").set_index("step")["month"]
                                .reindex(stats.index), format="%Y-%m")
        (line,) = axes.plot(months, stats["median"], label=str(group))
        axes.fill_between(months, stats["min"], stats["max"], color=line.get_color(), alpha=0.2,
                          linewidth=0)
    axes.set_ylabel(outcome_label(column))
    axes.set_title(f"{column}: median and min-max envelope over the design")
    axes.legend(loc="best", fontsize="small")
    return figure


def _lever_groups(folder: Path) -> dict[int, str]:
    """Point id -> 'lever=value, ...' of its list-valued levers (none if too many combos)."""
    described = json.loads((folder / "design.json").read_text())
    levers = [i for i, p in enumerate(described["parameters"])
              if p["kind"] == "lever" and p.get("values")]
    if not levers:
        return {}
    labels = {point_id: ", ".join(f"{described['parameters'][i]['key'].rsplit('.', 1)[-1]}="
                                  f"{point[i]}" for i in levers)
              for point_id, point in enumerate(described["points"])}
    return labels if len(set(labels.values())) <= MAX_BANDS else {}


def _pivot(rows: pd.DataFrame, method: str) -> pd.DataFrame:
    """One row per parameter: its kind, each index value and each index's conf95."""
    chosen = rows[rows["method"] == method]
    values = chosen.pivot(index="parameter", columns="index", values="value")
    confs = chosen.pivot(index="parameter", columns="index", values="conf95").add_suffix("_conf")
    kinds = chosen.drop_duplicates("parameter").set_index("parameter")["kind"]
    return pd.concat([values, confs, kinds], axis=1)


def _label_parameters(axes: Axes, table: pd.DataFrame,
                      ends: dict[str, tuple[str, str]] | None = None) -> None:
    ends = ends or {}
    axes.set_yticks(np.arange(len(table)))
    axes.set_yticklabels([f"{p} ({k}" + (f"; {ends[p][0]} \u2192 {ends[p][1]})" if p in ends
                                         else ")")
                          for p, k in zip(table.index, table["kind"], strict=True)],
                         fontsize="small")
    from matplotlib.patches import Patch

    axes.legend(handles=[Patch(color=UNCERTAINTY_COLOR, label="uncertainty"),
                         Patch(color=LEVER_COLOR, label="lever")], loc="lower right",
                fontsize="small")


def _kind_color(kind: str) -> str:
    return LEVER_COLOR if kind == "lever" else UNCERTAINTY_COLOR


def _bar_figure(bars: int) -> tuple[Figure, Axes]:
    return agg_figure(1.6 + BAR_HEIGHT_IN * max(bars, 1))


def agg_figure(height_in: float) -> tuple[Figure, Axes]:
    """A figure of the plots' width and `height_in` inches on the Agg canvas, one axes."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=(WIDTH_IN, height_in), layout="constrained")
    FigureCanvasAgg(figure)
    return figure, figure.subplots()


def save_png(figure: Figure, stem: Path) -> Path:
    """`figure` as `stem`.png at the plots' resolution; its path."""
    path = stem.with_suffix(".png")
    figure.savefig(path, dpi=DPI)
    return path


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", text)
