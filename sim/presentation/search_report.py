"""The text `regsim search` prints: the Pareto set with its scores, and how each candidate
held on fresh futures (read from the search folder's tables)."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from sim.presentation.tables import format_number, outcome_label


def format_search(folder: Path) -> str:
    """The Pareto set (label and scores, with the references for comparison), then the
    fresh-futures check."""
    folder = Path(folder)
    summary = json.loads((folder / "summary.json").read_text(encoding="utf-8"))
    settings = summary["settings"]
    candidates = pd.read_csv(folder / "candidates.csv", keep_default_na=False, na_values=[""])
    scores = [c for c in candidates.columns if c.startswith("score__")]
    lines = [f"{summary['candidates']} candidates, {summary['runs']} runs "
             f"({settings['algorithm']}, {settings['generations']} generations of "
             f"{settings['population']}, {settings['futures']} futures, measure "
             f"{settings['measure']}); hypervolume {format_number(summary['hypervolume'])}",
             ""]
    shown = candidates[(candidates["pareto"].astype(str).str.lower() == "true")
                       | candidates["reference"].notna()]
    header = ["candidate", *(outcome_label(c.removeprefix("score__")) for c in scores)]
    rows = [[_name(row), *(format_number(row[c]) for c in scores)]
            for _, row in shown.iterrows()]
    lines += ["trade-off (Pareto) set and references, scores on the search futures:",
              *_table(header, rows)]
    held = pd.read_csv(folder / "held.csv")
    if len(held):
        lines += ["", f"held on {settings['fresh_futures']} fresh futures (seed "
                  f"{summary['fresh_seed']}):"]
        rows = []
        for (candidate, objective), row in held.set_index(["candidate", "objective"]).iterrows():
            rows.append([str(candidate), outcome_label(objective),
                         format_number(row["search_futures"]),
                         format_number(row["fresh_futures"]),
                         "yes" if str(row["non_dominated_fresh"]).lower() == "true" else "no"])
        lines += _table(["candidate", "objective", "search futures", "fresh futures",
                         "still non-dominated"], rows)
    return "\n".join(lines)


def _name(row: pd.Series) -> str:
    reference = "" if pd.isna(row["reference"]) else str(row["reference"])
    prefix = f"{reference}: " if reference else f"{int(row['candidate'])}: "
    return prefix + str(row["label"])


def _table(header: list[str], rows: list[list[str]]) -> list[str]:
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
    lines = ["  " + "  ".join(str(h).ljust(w) for h, w in zip(header, widths, strict=True))]
    lines.append("  " + "  ".join("-" * w for w in widths))
    for row in rows:
        lines.append("  " + "  ".join(str(c).ljust(w) for c, w in zip(row, widths,
                                                                      strict=True)))
    return lines
