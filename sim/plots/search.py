"""PNG plots of a policy search, drawn from its folder's tables alone: the hypervolume per
generation (`convergence.png`), the trade-off set as a scatter matrix of the objectives'
scores (`tradeoff.png`) and as parallel coordinates of the levers and scores
(`parallel.png`), with every candidate in grey, the Pareto set in colour and the reference
policies (the scenario as written, ...) marked. matplotlib on the Agg canvas, no pyplot."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from sim.plots.sensitivity import WIDTH_IN, save_png
from sim.presentation.tables import outcome_label

if TYPE_CHECKING:
    from matplotlib.figure import Figure

OTHER_COLOR, PARETO_COLOR, REFERENCE_COLOR = "#c8c8c8", "#1f77b4", "#d62728"
REFERENCE_MARKERS = ("*", "D", "P", "X", "s")


def write_search_plots(folder: Path) -> list[Path]:
    """Draw convergence.png, tradeoff.png and parallel.png into `folder`/plots."""
    folder = Path(folder)
    plots = folder / "plots"
    plots.mkdir(exist_ok=True)
    candidates = pd.read_csv(folder / "candidates.csv", keep_default_na=False,
                             na_values=[""])
    settings = json.loads((folder / "summary.json").read_text(encoding="utf-8"))["settings"]
    written = [save_png(convergence_figure(pd.read_csv(folder / "convergence.csv")),
                     plots / "convergence")]
    written.append(save_png(tradeoff_figure(candidates, settings), plots / "tradeoff"))
    written.append(save_png(parallel_figure(candidates, settings), plots / "parallel"))
    return written


def convergence_figure(convergence: pd.DataFrame) -> Figure:
    """Hypervolume of the non-dominated scores after each generation."""
    figure, axes = _figure(WIDTH_IN * 0.7, 3.6)
    axes.plot(convergence["generation"] + 1, convergence["hypervolume"], marker="o")
    axes.set_xlabel("generation")
    axes.set_ylabel("hypervolume (minimised scores)")
    axes.set_title("Convergence: hypervolume of the trade-off set per generation",
                   fontsize="medium")
    axes.grid(alpha=0.3)
    return figure


def _score_columns(settings: dict) -> list[str]:
    return [f"score__{_key(o)}" for o in settings["objectives"]]


def _axis_label(column: str, settings: dict) -> str:
    """The outcome in words, with the measure and which way is better."""
    measure = settings["measure"]
    objective = next((o for o in settings["objectives"]
                      if f"score__{_key(o)}" == column), "")
    if measure == "regret":
        better = "lower"
    elif measure == "satisfice":
        better = "higher"
    else:
        better = "higher" if objective.endswith(":higher") else "lower"
    return f"{outcome_label(column.removeprefix('score__'))}\n[{measure}; {better} is better]"


def _key(objective: str) -> str:
    return objective.split(":")[0].split(">")[0].split("<")[0]


def tradeoff_figure(candidates: pd.DataFrame, settings: dict) -> Figure:
    """A scatter matrix of the objectives' scores: every candidate (grey), the Pareto set
    (blue), the reference policies (red markers, named in the legend)."""
    columns = _score_columns(settings)
    count = len(columns)
    size = max(3.2, 2.6 * (count - 1))
    figure, grid = _figure(size + 1.5, size, rows=max(count - 1, 1), columns=max(count - 1, 1))
    axes_grid = np.atleast_2d(grid)
    groups = _groups(candidates)
    for row in range(1, count):
        for column in range(count - 1):
            axes = axes_grid[row - 1, column]
            if column >= row:
                axes.set_visible(False)
                continue
            x, y = columns[column], columns[row]
            _scatter(axes, groups, x, y)
            if row == count - 1:
                axes.set_xlabel(_axis_label(x, settings), fontsize="small")
            if column == 0:
                axes.set_ylabel(_axis_label(y, settings), fontsize="small")
    handles, labels = axes_grid[0, 0].get_legend_handles_labels()
    figure.legend(handles, labels, loc="outside right upper", fontsize="small")
    figure.suptitle("Trade-off set over the search futures", fontsize="medium")
    return figure


def _groups(candidates: pd.DataFrame) -> dict[str, pd.DataFrame]:
    reference = candidates["reference"].fillna("").astype(str)
    pareto = candidates["pareto"].astype(str).str.lower() == "true"
    return {"other": candidates[(reference == "") & ~pareto],
            "pareto": candidates[(reference == "") & pareto],
            "references": candidates[reference != ""]}


def _scatter(axes, groups: dict[str, pd.DataFrame], x: str, y: str) -> None:
    axes.scatter(groups["other"][x], groups["other"][y], s=12, color=OTHER_COLOR,
                 label="evaluated")
    axes.scatter(groups["pareto"][x], groups["pareto"][y], s=24, color=PARETO_COLOR,
                 label="Pareto set")
    for index, (_, row) in enumerate(groups["references"].iterrows()):
        axes.scatter([row[x]], [row[y]], s=90, color=REFERENCE_COLOR,
                     marker=REFERENCE_MARKERS[index % len(REFERENCE_MARKERS)],
                     label=str(row["reference"]))
    axes.grid(alpha=0.3)


def parallel_figure(candidates: pd.DataFrame, settings: dict) -> Figure:
    """Parallel coordinates of the levers and scores, each axis scaled from its smallest
    (0) to its largest (1) value over the candidates (log-scale levers in log10); options by
    their order, first 0 and last 1."""
    levers = [lever["key"] for lever in settings["levers"]]
    columns = levers + _score_columns(settings)
    scaled = pd.DataFrame({c: _unit(candidates[c], _lever(settings, c)) for c in columns})
    figure, axes = _figure(max(WIDTH_IN, 1.6 * len(columns)), 4.4)
    positions = np.arange(len(columns))
    groups = _groups(candidates)
    for name, color, width in (("other", OTHER_COLOR, 0.6), ("pareto", PARETO_COLOR, 1.2)):
        for index in groups[name].index:
            axes.plot(positions, scaled.loc[index], color=color, linewidth=width, alpha=0.8)
    for number, index in enumerate(groups["references"].index):
        axes.plot(positions, scaled.loc[index], color=REFERENCE_COLOR, linewidth=2,
                  marker=REFERENCE_MARKERS[number % len(REFERENCE_MARKERS)],
                  label=str(candidates.loc[index, "reference"]))
    axes.set_xticks(positions)
    axes.set_xticklabels([c.rsplit(".", 1)[-1] if c in levers
                          else _axis_label(c, settings) for c in columns],
                         fontsize="x-small", rotation=20)
    axes.set_ylabel("position on its axis\n(0 = smallest or first option, 1 = largest or last)",
                    fontsize="small")
    axes.set_title("Levers and scores of every candidate (blue: Pareto set)", fontsize="medium")
    if len(groups["references"]):
        figure.legend(loc="outside right upper", fontsize="small")
    return figure


def _lever(settings: dict, column: str) -> dict | None:
    return next((lever for lever in settings["levers"] if lever["key"] == column), None)


def _unit(values: pd.Series, lever: dict | None) -> pd.Series:
    if lever is not None and lever.get("values") is not None:
        options = [json.dumps(v) for v in lever["values"]]
        texts = [json.dumps(_parsed(v)) for v in values]
        index = [options.index(t) if t in options else np.nan for t in texts]
        return pd.Series(index, index=values.index, dtype=float) / max(len(options) - 1, 1)
    numbers = pd.to_numeric(values, errors="coerce").astype(float)
    if lever is not None and lever.get("scale") == "log":
        numbers = np.log10(numbers.where(numbers > 0))
    low, high = numbers.min(), numbers.max()
    return (numbers - low) / (high - low) if high > low else numbers * 0 + 0.5


def _parsed(value):
    """A CSV cell back as the option it was (TOML literals: true, 0.5, "text")."""
    import tomllib

    if isinstance(value, bool | int | float) and not isinstance(value, np.bool_):
        return value
    if isinstance(value, np.bool_):
        return bool(value)
    try:
        return tomllib.loads(f"v = {value}")["v"]
    except (tomllib.TOMLDecodeError, ValueError):
        return str(value)


def _figure(width: float, height: float, rows: int = 1, columns: int = 1):
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=(width, height), layout="constrained")
    FigureCanvasAgg(figure)
    return figure, figure.subplots(rows, columns, squeeze=rows == columns == 1)


