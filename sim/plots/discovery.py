"""PNG plots of scenario discovery and robustness: the PRIM trade-off curve, the chosen box's
limits against each parameter's range, feature scores, and a regret heat-map.

Each figure is drawn from a result of `sim.analysis` (a `Discovery` or a `Robustness`), so
plots can be redrawn from those objects alone. matplotlib is imported inside the functions and
figures are drawn on the Agg canvas, without pyplot. Outcome labels and units come from
`sim.presentation.tables.outcome_label`; an outcome it does not know is shown by its key.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from sim.plots.sensitivity import (
    LEVER_COLOR,
    UNCERTAINTY_COLOR,
    WIDTH_IN,
    agg_figure,
    save_png,
)
from sim.presentation.discovery_report import value_text
from sim.presentation.tables import format_number, outcome_label

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from sim.analysis.discovery import Discovery
    from sim.analysis.robustness import Robustness

ROW_HEIGHT_IN = 0.5
RANGE_COLOR, OUT_OF_BOX_COLOR = "#d9d9d9", "#9e9e9e"
LEVEL_SEPARATOR = "; "


def write_discovery_plots(discovery: Discovery, plots_dir: Path) -> list[Path]:
    """Draw `tradeoff.png`, `box_limits.png` and `feature_scores.png` into `plots_dir`."""
    plots_dir = Path(plots_dir)
    plots_dir.mkdir(parents=True, exist_ok=True)
    return [save_png(tradeoff_figure(discovery), plots_dir / "tradeoff"),
            save_png(box_limits_figure(discovery), plots_dir / "box_limits"),
            save_png(feature_scores_figure(discovery), plots_dir / "feature_scores")]


def write_robustness_plots(robustness: Robustness, plots_dir: Path) -> list[Path]:
    """Draw `regret_heatmap.png` (and `satisficing.png` with criteria) into `plots_dir`."""
    plots_dir = Path(plots_dir)
    plots_dir.mkdir(parents=True, exist_ok=True)
    written = []
    if not robustness.table.empty:
        written.append(save_png(regret_heatmap_figure(robustness), plots_dir / "regret_heatmap"))
    if robustness.criteria:
        written.append(save_png(satisficing_figure(robustness), plots_dir / "satisficing"))
    return written


# Scenario discovery --------------------------------------------------------------------------


def _question(discovery: Discovery) -> str:
    cases = "design points" if discovery.per == "point" else "runs"
    if discovery.rule == "where":
        asked = " and ".join(discovery.where)
    else:
        asked = (f"{outcome_label(discovery.outcome)} {discovery.rule} "
                 f"{format_number(discovery.value)}")
    if discovery.effect:
        asked = f"effect of {discovery.effect}: {asked}"
    return f"{asked}: {discovery.n_of_interest} of {discovery.n_cases} {cases}"


def tradeoff_figure(discovery: Discovery) -> Figure:
    """Density against coverage for every box of the peeling trajectory, coloured by the
    number of restricted dimensions, with the chosen box ringed and the density floor."""
    from matplotlib.colors import BoundaryNorm

    trajectory = discovery.trajectory
    figure, axes = agg_figure(5.5)
    most = int(trajectory["restricted_dims"].max())
    norm = BoundaryNorm(np.arange(-0.5, most + 1.5), 256)
    points = axes.scatter(trajectory["coverage"], trajectory["density"],
                          c=trajectory["restricted_dims"], cmap="viridis", norm=norm, s=28,
                          zorder=3)
    colorbar = figure.colorbar(points, ax=axes, ticks=range(most + 1))
    colorbar.set_label("restricted dimensions")
    chosen = discovery.chosen
    axes.scatter([chosen["coverage"]], [chosen["density"]], s=160, facecolors="none",
                 edgecolors="tab:red", linewidths=1.8, zorder=4, label="chosen box")
    axes.annotate(f"box {discovery.chosen_box}", (chosen["coverage"], chosen["density"]),
                  xytext=(-12, 10), textcoords="offset points", ha="right", color="tab:red")
    axes.axhline(discovery.threshold_share, color="black", linestyle="--", linewidth=0.8,
                 label=f"density floor {discovery.threshold_share:g}")
    axes.set_xlim(-0.02, 1.05)
    axes.set_ylim(-0.02, 1.05)
    axes.set_xlabel("coverage (share of the cases of interest inside the box)")
    axes.set_ylabel("density (share of the box that are cases of interest)")
    axes.set_title(f"PRIM peeling trajectory\n{_question(discovery)}", fontsize="medium")
    axes.legend(loc="lower left", fontsize="small")
    axes.grid(alpha=0.3)
    return figure


def box_limits_figure(discovery: Discovery) -> Figure:
    """The chosen box's limits on each restricted parameter, against the parameter's range
    over the design (grey); categorical parameters show their levels, those in the box bold."""
    box = discovery.box
    figure, axes = agg_figure(1.9 + ROW_HEIGHT_IN * max(len(box), 1))
    chosen = discovery.chosen
    axes.set_title(f"Box {discovery.chosen_box}: coverage {chosen['coverage']:.2f}, density "
                   f"{chosen['density']:.2f}, mass {chosen['mass']:.2f}\n"
                   f"{_question(discovery)}", fontsize="medium")
    if box.empty:
        axes.text(0.5, 0.5, "this box restricts no parameter: it is the whole design",
                  ha="center", va="center", transform=axes.transAxes)
        axes.set_axis_off()
        return figure
    rows = box.iloc[::-1].reset_index(drop=True)  # most significant on top
    for y, row in rows.iterrows():
        axes.barh(y, 1.0, left=0.0, height=0.5, color=RANGE_COLOR)
        if row["levels"] or row["design_levels"]:
            _draw_levels(axes, y, row)
        else:
            _draw_range(axes, y, row)
    axes.set_yticks(np.arange(len(rows)))
    axes.set_yticklabels([f"{p} ({k})\nquasi-p {_p_text(q)}" for p, k, q in
                          zip(rows["parameter"], rows["kind"], rows["qp_value"], strict=True)],
                         fontsize="small")
    for label, kind in zip(axes.get_yticklabels(), rows["kind"], strict=True):
        label.set_color(_kind_color(kind))
    axes.set_xlim(-0.08, 1.08)
    axes.set_ylim(-0.6, len(rows) - 0.4)
    axes.set_xticks([0.0, 1.0])
    axes.set_xticklabels(["low end of the design range", "high end"], fontsize="small")
    return figure


def _draw_range(axes: Axes, y: int, row: pd.Series) -> None:
    low, high = float(row["low_position"]), float(row["high_position"])
    axes.barh(y, max(high - low, 0.004), left=low, height=0.5, color=_kind_color(row["kind"]))
    axes.text(low, y + 0.3, value_text(row["low"]), ha="center", va="bottom",
              fontsize="small")
    axes.text(high, y + 0.3, value_text(row["high"]), ha="center", va="bottom",
              fontsize="small")
    axes.text(-0.01, y, value_text(row["design_low"]), ha="right", va="center",
              fontsize="x-small", color=OUT_OF_BOX_COLOR)
    axes.text(1.01, y, value_text(row["design_high"]), ha="left", va="center",
              fontsize="x-small", color=OUT_OF_BOX_COLOR)


def _draw_levels(axes: Axes, y: int, row: pd.Series) -> None:
    levels = [level for level in str(row["design_levels"]).split(LEVEL_SEPARATOR) if level]
    inside = set(str(row["levels"]).split(LEVEL_SEPARATOR))
    for index, level in enumerate(levels):
        x = (index + 0.5) / len(levels)
        in_box = level in inside
        axes.text(x, y, level, ha="center", va="center", fontsize="small",
                  fontweight="bold" if in_box else "normal",
                  color=_kind_color(row["kind"]) if in_box else OUT_OF_BOX_COLOR)


def _p_text(value: float) -> str:
    if value is None or not np.isfinite(value):
        return "n/a"
    return f"{value:.2g}"


def feature_scores_figure(discovery: Discovery) -> Figure:
    """Extra-trees scores of every design parameter: for telling the cases of interest apart
    (dark) and for the outcome's value (light), best on top."""
    scores = discovery.feature_scores.iloc[::-1].reset_index(drop=True)
    figure, axes = agg_figure(1.7 + ROW_HEIGHT_IN * max(len(scores), 1))
    y = np.arange(len(scores))
    colors = [_kind_color(kind) for kind in scores["kind"]]
    axes.barh(y + 0.2, scores["score_cases"], height=0.4, color=colors, alpha=0.95)
    axes.barh(y - 0.2, scores["score_outcome"].fillna(0.0), height=0.4, color=colors,
              alpha=0.4)
    axes.set_yticks(y)
    axes.set_yticklabels([f"{p} ({k})" for p, k in zip(scores["parameter"], scores["kind"],
                                                       strict=True)], fontsize="small")
    axes.set_xlim(left=0.0)
    axes.set_xlabel("feature score (share of the trees' impurity decrease)")
    axes.set_title(f"Feature scores (extra trees)\n{_question(discovery)}", fontsize="medium")
    from matplotlib.patches import Patch

    axes.legend(handles=[Patch(color="0.2", alpha=0.95, label="cases of interest (dark)"),
                         Patch(color="0.2", alpha=0.4, label="outcome value (light)"),
                         Patch(color=UNCERTAINTY_COLOR, label="uncertainty"),
                         Patch(color=LEVER_COLOR, label="lever")],
                fontsize="small", loc="upper left", bbox_to_anchor=(1.01, 1.0))
    return figure


# Robustness ----------------------------------------------------------------------------------


def regret_heatmap_figure(robustness: Robustness) -> Figure:
    """Maximum regret of each lever combination (rows) for each outcome (columns): colour is
    the regret as a share of the largest in its column, the number its value in the outcome's
    units (0: best in every future)."""
    table = robustness.table
    outcomes = list(dict.fromkeys(table["outcome"]))
    labels = list(dict.fromkeys(table["lever_setting"]))
    matrix = table.pivot(index="lever_setting", columns="outcome", values="max_regret").reindex(
        index=labels, columns=outcomes)
    scale = matrix.max(axis=0).replace(0.0, np.nan)
    shares = (matrix / scale).fillna(0.0).to_numpy()
    width = max(WIDTH_IN, 2.5 + 1.6 * len(outcomes))
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=(width, 2.4 + 0.55 * len(labels)), layout="constrained")
    FigureCanvasAgg(figure)
    axes = figure.subplots()
    image = axes.imshow(shares, cmap="Reds", vmin=0.0, vmax=1.0, aspect="auto")
    for (row, column), share in np.ndenumerate(shares):
        value = matrix.iat[row, column]
        axes.text(column, row, format_number(value), ha="center", va="center",
                  fontsize="small", color="white" if share > 0.6 else "black")
    axes.set_xticks(np.arange(len(outcomes)))
    axes.set_xticklabels([_wrap(outcome_label(o)) for o in outcomes], fontsize="small")
    axes.set_yticks(np.arange(len(labels)))
    axes.set_yticklabels(labels, fontsize="small")
    colorbar = figure.colorbar(image, ax=axes)
    colorbar.set_label("max regret / largest max regret of the outcome")
    futures = len(robustness.futures)
    axes.set_title(f"Maximum regret over {futures} futures (outcome units; 0 = best in every "
                   "future)", fontsize="medium")
    return figure


def satisficing_figure(robustness: Robustness) -> Figure:
    """Share of futures in which each lever combination meets each criterion (and all)."""
    table = robustness.satisficing
    criteria = [c for c in table.columns if c not in ("combination", "lever_setting",
                                                      "n_futures", *robustness.levers)]
    if not criteria:
        raise ValueError("satisficing: the analysis has no criteria; give satisfice=['KEY>=V']")
    labels = list(table["lever_setting"])
    figure, axes = agg_figure(1.9 + ROW_HEIGHT_IN * max(len(labels), 1) * max(1, len(criteria)
                                                                           / 3))
    height = 0.8 / len(criteria)
    y = np.arange(len(labels))
    for index, criterion in enumerate(criteria):
        offset = (index - (len(criteria) - 1) / 2) * height
        axes.barh(y - offset, table[criterion], height=height, label=criterion)
    axes.set_yticks(y)
    axes.set_yticklabels(labels, fontsize="small")
    axes.invert_yaxis()
    axes.set_xlim(0.0, 1.0)
    axes.set_xlabel(f"share of the {len(robustness.futures)} futures meeting the criterion")
    axes.set_title("Satisficing", fontsize="medium")
    axes.legend(fontsize="small", loc="upper left", bbox_to_anchor=(1.01, 1.0))
    return figure


# Helpers -------------------------------------------------------------------------------------


def _wrap(text: str, width: int = 18) -> str:
    import textwrap

    return "\n".join(textwrap.wrap(text, width)) or text


def _kind_color(kind: str) -> str:
    return LEVER_COLOR if kind == "lever" else UNCERTAINTY_COLOR


