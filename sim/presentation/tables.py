"""Plain-text tables of key outcomes for the console: label with units, mean, 95% CI."""

from __future__ import annotations

import math

import pandas as pd

# Outcome keys (model-level) and their labels with units.
OUTCOME_LABELS = {
    "mean_open_lag_months": "mean open-weight lag (months)",
    "mean_kill_switch_coverage": "mean kill-switch coverage (share)",
    "final_uncontrolled_covered_copies": "final uncontrolled covered copies (count)",
    "final_frontier_capability": "final frontier capability (log10 FLOP)",
    "first_open_above_1e26_month": "months to first open model above 1e26 FLOP (months)",
    "relocations": "relocations (count)",
    "withdrawals": "withdrawals (count)",
    "defections": "defections (count)",
    "penalties_musd": "penalties (USD M)",
    "compliance_cost_musd": "compliance cost (USD M)",
    "thefts": "thefts (count)",
    "incidents": "incidents (count)",
    "releases": "releases (count)",
    "open_releases": "open releases (count)",
}
# Per-state keys, ``<prefix>__<state>``: label templates.
STATE_OUTCOME_LABELS = {
    "state_mean_lag_months": "{state}: mean lag (months)",
    "state_min_lag_months": "{state}: min lag (months)",
    "state_final_lag_months": "{state}: final lag (months)",
    "state_months_to_1e27": "{state}: months to 1e27 effective FLOP (months)",
}
# Outcomes that are undefined in replicates where a milestone is never reached.
MILESTONE_PREFIXES = ("state_months_to_", "first_open_above_")
HEADERS = ("outcome", "mean", "95% CI")
NOT_AVAILABLE = "n/a"


def KEY_OUTCOMES(state_names: list[str]) -> list[tuple[str, str]]:  # noqa: N802 (public name)
    """The headline outcomes of a run, as ``(summary key, label with units)``."""
    keys = ["mean_open_lag_months"]
    keys += [f"state_mean_lag_months__{state}" for state in state_names]
    keys += [f"state_months_to_1e27__{state}" for state in state_names]
    keys += [
        "mean_kill_switch_coverage",
        "final_uncontrolled_covered_copies",
        "final_frontier_capability",
        "relocations",
        "withdrawals",
        "defections",
        "penalties_musd",
        "thefts",
        "incidents",
    ]
    return [(key, outcome_label(key)) for key in keys]


def outcome_label(key: str) -> str:
    """Human label with units for a summary key; the key itself when it has no label."""
    if key in OUTCOME_LABELS:
        return OUTCOME_LABELS[key]
    prefix, separator, state = key.partition("__")
    if separator and prefix in STATE_OUTCOME_LABELS:
        return STATE_OUTCOME_LABELS[prefix].format(state=state)
    if separator and prefix.startswith("state_months_to_"):  # any capability milestone
        milestone = prefix.removeprefix("state_months_to_")
        return f"{state}: months to {milestone} effective FLOP (months)"
    return key


def format_outcomes(table: pd.DataFrame, title: str) -> str:
    """Aligned plain-text table of an outcomes table (see ``sim.experiments.stats``): one line
    per outcome with its label, mean and 95% CI; milestone outcomes add "reached in k/n
    replicates" (their mean is over the replicates that reached it)."""
    rows = [_format_row(row) for row in table.itertuples(index=False)]
    widths = [max(len(cells[i]) for cells in [HEADERS, *rows]) for i in range(len(HEADERS))]
    lines = [title, _join(HEADERS, widths), _join(tuple("-" * w for w in widths), widths)]
    lines += [_join(cells, widths) for cells in rows]
    return "\n".join(line.rstrip() for line in lines)


def _format_row(row: tuple) -> tuple[str, str, str]:
    mean = format_number(row.mean)
    low, high = format_number(row.ci95_low), format_number(row.ci95_high)
    if NOT_AVAILABLE in (low, high):
        interval = NOT_AVAILABLE
    elif row.ci95_low < 0 or row.ci95_high < 0:
        interval = f"{low} to {high}"
    else:
        interval = f"{low}-{high}"
    if str(row.outcome).startswith(MILESTONE_PREFIXES):
        interval += f"   reached in {int(row.n_defined)}/{int(row.n)} replicates"
    return (outcome_label(str(row.outcome)), mean, interval)


def format_number(value: float) -> str:
    """About three significant figures, thousands separated, no exponent; NaN as n/a."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return NOT_AVAILABLE
    magnitude = abs(float(value))
    if math.isinf(magnitude):
        return "-inf" if value < 0 else "inf"
    if magnitude >= 100 or magnitude == 0:
        return f"{value:,.0f}"
    if magnitude >= 10:
        return f"{value:.1f}"
    if magnitude >= 1:
        return f"{value:.2f}"
    return f"{value:.3f}"


def _join(cells: tuple[str, ...], widths: list[int]) -> str:
    """Label left-aligned, mean right-aligned, interval left-aligned."""
    label, mean, interval = cells
    return f"{label:<{widths[0]}}  {mean:>{widths[1]}}  {interval:<{widths[2]}}"


# Names, units and monthly series of outcomes (used by the policy brief) --------------------

SERIES_LABELS = {
    "frontier_capability": "frontier capability (log10 effective FLOP)",
    "closed_frontier_capability": "closed-weight frontier capability (log10 effective FLOP)",
    "open_frontier_capability": "open-weight frontier capability (log10 effective FLOP)",
    "open_lag_months": "open-weight lag behind the frontier (months)",
    "kill_switch_coverage": "kill-switch coverage (share)",
    "uncontrolled_covered_copies": "uncontrolled covered copies (count)",
    "ecosystem_best_open_share": "adopters holding the best open model (share)",
    "ecosystem_open_share": "adopters at the frontier tier through open weights (share)",
    "ecosystem_api_share": "adopters at the frontier tier through an API (share)",
    "ecosystem_frontier_tier_share": "adopters at the frontier tier by any means (share)",
    "relocations": "relocations so far (count)",
    "withdrawals": "market withdrawals so far (count)",
    "defections": "defiant releases so far (count)",
    "thefts": "thefts of model weights so far (count)",
    "absorptions": "military fine-tunes of open weights so far (count)",
    "distillations": "distillations so far (count)",
    "incidents": "publicised incidents so far (count)",
    "compliance_cost_musd": "compliance cost so far (USD M)",
    "penalties_musd": "penalties so far (USD M)",
}
"""Monthly series (time-series columns) with labels and units; counts and money are running
totals since the start."""
STATE_SERIES_LABELS = {
    "state_capability": "{state}: capability (log10 effective FLOP)",
    "state_lag_months": "{state}: lag behind the frontier (months)",
}
OUTCOME_SERIES = {
    "mean_open_lag_months": "open_lag_months",
    "state_mean_lag_months": "state_lag_months",
    "state_min_lag_months": "state_lag_months",
    "state_final_lag_months": "state_lag_months",
    "state_months_to": "state_capability",
    "mean_kill_switch_coverage": "kill_switch_coverage",
    "final_uncontrolled_covered_copies": "uncontrolled_covered_copies",
    "final_frontier_capability": "frontier_capability",
}
"""The monthly series that shows a summary outcome over time (by key, or prefix before `__`);
an outcome named like its series (a running total such as `thefts`) needs no entry."""


def series_label(column: str) -> str:
    """Label with units of a time-series column; the column, in words, when it has none."""
    if column in SERIES_LABELS:
        return SERIES_LABELS[column]
    prefix, separator, state = column.partition("__")
    if separator and prefix in STATE_SERIES_LABELS:
        return STATE_SERIES_LABELS[prefix].format(state=state)
    return column.replace("__", ": ").replace("_", " ")


def outcome_series(key: str, columns: set[str] | frozenset[str]) -> str | None:
    """The time-series column among `columns` that shows outcome `key` month by month, or
    None: the registered series, else a column of the same name, else the name without a
    leading ``final_`` or ``mean_``."""
    prefix, separator, state = key.partition("__")
    lookup = "state_months_to" if prefix.startswith("state_months_to_") else prefix
    candidates = []
    if lookup in OUTCOME_SERIES:
        series = OUTCOME_SERIES[lookup]
        candidates.append(f"{series}__{state}" if separator else series)
    candidates += [key, key.removeprefix("final_"), key.removeprefix("mean_")]
    return next((column for column in candidates if column in columns), None)


def split_label(label: str) -> tuple[str, str]:
    """('incidents', 'count') from 'incidents (count)'; (label, '') without a unit."""
    if label.endswith(")") and " (" in label:
        name, _, unit = label[:-1].rpartition(" (")
        if name and "(" not in unit:
            return name, unit
    return label, ""


def outcome_name_and_unit(key: str, state_labels: dict[str, str] | None = None) -> tuple[str, str]:
    """An outcome's name in words and its unit, state names replaced by their labels
    ('the PRC: mean lag', 'months'); an outcome with no label is named by its key in words,
    without a unit."""
    label = outcome_label(key)
    if label == key:
        label = key.replace("__", ": ").replace("_", " ")
    for state, display in (state_labels or {}).items():
        label = label.replace(f"{state}:", f"{display}:")
    return split_label(label)
