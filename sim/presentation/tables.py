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
