"""Verdicts of a comparison in plain language, and the comparison table for the console.

A verdict reads "kill_switch delays the PRC's access to 1e27 effective FLOP by 2.1 months
(95% CI 0.8-3.4); better in 15 of 20 pairs". When the 95% interval of the difference spans
zero it reads "no clear effect on ...". Pairs where the outcome is undefined are reported.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import pandas as pd

from sim.presentation.tables import (
    NOT_AVAILABLE,
    format_number,
    outcome_label,
    outcome_name_and_unit,
)

HEADERS = ("outcome", "baseline", "policy", "difference", "95% CI", "better in")
SILENT_UNITS = ("count", "share")
"""Units left out of a verdict's numbers ("lowers incidents by 7.9")."""
# Outcome prefix -> (verb if larger, verb if smaller, object template); {state} is the state.
PHRASES: dict[str, tuple[str, str, str]] = {
    "state_months_to": (
        "delays",
        "brings forward",
        "{state}'s access to {milestone} effective FLOP",
    ),
    "state_mean_lag_months": ("widens", "narrows", "{state}'s mean lag behind the frontier"),
    "state_min_lag_months": ("widens", "narrows", "{state}'s smallest lag behind the frontier"),
    "state_final_lag_months": ("widens", "narrows", "{state}'s final lag behind the frontier"),
    "state_mean_domestic_lag_months": (
        "widens", "narrows", "the mean lag of {state}'s own labs behind the frontier"),
    "state_final_domestic_lag_months": (
        "widens", "narrows", "the final lag of {state}'s own labs behind the frontier"),
    "mean_open_lag_months": ("widens", "narrows", "the open-weight lag behind the frontier"),
}


def verdict(row: Mapping, state_labels: Mapping[str, str] | None = None) -> str:
    """One plain-language line for one row of a comparison table."""
    policy, outcome = row["policy"], row["outcome"]
    name, unit = _name_and_unit(outcome, state_labels or {})
    defined = _defined_note(row)
    low, high, mean = row["ci95_low"], row["ci95_high"], row["difference_mean"]
    if row["n_pairs_defined"] < 2 or math.isnan(low):
        return f"{policy}: too few pairs to judge {name}{defined}"
    verb, thing = _verb(outcome, mean, name, state_labels or {})
    unit = "" if unit in SILENT_UNITS or not unit else f" {unit}"
    if low == high == 0.0:
        return f"{policy}: no difference in {thing} in any pair{defined}"
    if low <= 0.0 <= high:
        interval = f"{format_number(low)} to {format_number(high)}"
        return (
            f"{policy}: no clear effect on {thing} ({_signed(mean)}{unit}, 95% CI "
            f"{interval}){defined}"
        )
    near, far = sorted((abs(low), abs(high)))
    size = format_number(abs(mean)), format_number(near), format_number(far)
    line = f"{policy} {verb} {thing} by {size[0]}{unit} (95% CI {size[1]}-{size[2]})"
    return line + _better_note(row) + defined


def _name_and_unit(outcome: str, state_labels: Mapping[str, str]) -> tuple[str, str]:
    """'incidents', 'count' from the label 'incidents (count)'; state names as labels."""
    return outcome_name_and_unit(outcome, dict(state_labels))


def _verb(outcome: str, mean: float, name: str, state_labels: Mapping[str, str]) -> tuple[str, str]:
    prefix, _, state = outcome.partition("__")
    key = "state_months_to" if prefix.startswith("state_months_to_") else prefix
    if key in PHRASES:
        larger, smaller, template = PHRASES[key]
        milestone = prefix.removeprefix("state_months_to_")
        thing = template.format(state=state_labels.get(state, state), milestone=milestone)
        return (larger if mean > 0 else smaller), thing
    return ("raises" if mean > 0 else "lowers"), name


def _better_note(row: Mapping) -> str:
    if not row["direction"] or not row["n_ordered"] or pd.isna(row["share_better"]):
        return ""
    better = round(row["share_better"] * row["n_ordered"])
    return f"; better in {better} of {int(row['n_ordered'])} pairs"


def _defined_note(row: Mapping) -> str:
    if row["n_pairs_defined"] == row["n_pairs"]:
        return ""
    return (
        f" [defined in {int(row['n_pairs_defined'])} of {int(row['n_pairs'])} pairs: "
        f"baseline {int(row['n_baseline_defined'])}, policy {int(row['n_policy_defined'])}]"
    )


def format_comparison(table: pd.DataFrame, title: str) -> str:
    """Aligned table: outcome, baseline and policy means, difference, 95% CI, share better."""
    rows = [_cells(row) for row in table.to_dict(orient="records")]
    widths = [max(len(r[i]) for r in [HEADERS, *rows]) for i in range(len(HEADERS))]
    lines = [title, _join(HEADERS, widths), _join(tuple("-" * w for w in widths), widths)]
    lines += [_join(cells, widths) for cells in rows]
    return "\n".join(line.rstrip() for line in lines)


def _cells(row: Mapping) -> tuple[str, ...]:
    low, high = row["ci95_low"], row["ci95_high"]
    interval = NOT_AVAILABLE if pd.isna(low) else f"{format_number(low)} to {format_number(high)}"
    better = NOT_AVAILABLE
    if row["direction"] and row["n_ordered"] and not pd.isna(row["share_better"]):
        better = f"{round(row['share_better'] * row['n_ordered'])}/{int(row['n_ordered'])}"
    return (
        outcome_label(row["outcome"]),
        format_number(row["baseline_mean"]),
        format_number(row["policy_mean"]),
        _signed(row["difference_mean"]),
        interval,
        better,
    )


def _join(cells: tuple[str, ...], widths: list[int]) -> str:
    first, *rest = cells
    return "  ".join(
        [first.ljust(widths[0]), *(c.rjust(w) for c, w in zip(rest, widths[1:], strict=True))]
    )


def _signed(value: float) -> str:
    return NOT_AVAILABLE if pd.isna(value) else ("+" if value > 0 else "") + format_number(value)
