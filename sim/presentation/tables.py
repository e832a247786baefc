"""Plain-text tables of key outcomes for the console: label with units, mean, 95% CI."""

from __future__ import annotations

import math

import pandas as pd

# Outcome keys and their labels with units: one definition each, in
# `sim.presentation.outcome_definitions`.
# Outcomes that are undefined in replicates where a milestone is never reached.
MILESTONE_PREFIXES = ("state_months_to_", "first_open_above_", "instrument_enacted_month__")
HEADERS = ("outcome", "mean", "95% CI of the mean", "5-95% of replicates")
NOT_AVAILABLE = "n/a"


def KEY_OUTCOMES(state_names: list[str], columns=()) -> list[tuple[str, str]]:  # noqa: N802
    """The headline outcomes of a run, as ``(summary key, label with units)``; with the run's
    summary `columns`, also when each pressure-triggered instrument was enacted."""
    keys = ["mean_open_lag_months"]
    keys += [f"state_mean_domestic_lag_months__{state}" for state in state_names]
    keys += [f"state_mean_lag_months__{state}" for state in state_names]
    keys += [f"state_months_to_1e27__{state}" for state in state_names]
    keys += [f"state_mean_open_weights_gain_months__{state}" for state in state_names]
    keys += [
        "mean_kill_switch_coverage",
        "final_covered_open_copies",
        "mean_covered_open_copies",
        "final_frontier_train_flop",
        "share_comply",
        "share_withhold",
        "share_defy",
        "share_relocate",
        "cash_compliance_musd",
        "penalties_musd",
        "private_value_forgone_musd",
        "thefts",
        "incidents",
    ]
    keys += sorted(c for c in columns if str(c).startswith("instrument_enacted_month__"))
    return [(key, outcome_label(key)) for key in keys]


def outcome_label(key: str) -> str:
    """Human label with units for a summary key; the key itself when it has no definition."""
    from sim.presentation.outcome_definitions import label

    return label(key) or key


def format_outcomes(table: pd.DataFrame, title: str) -> str:
    """Aligned plain-text table of an outcomes table (see ``sim.experiments.stats``): one line
    per outcome with its label, mean, 95% CI of the mean and the 5-95% range of replicates;
    milestone outcomes add "reached in k/n replicates" (their mean is over the replicates that
    reached it)."""
    rows = [_format_row(row) for row in table.itertuples(index=False)]
    widths = [max(len(cells[i]) for cells in [HEADERS, *rows]) for i in range(len(HEADERS))]
    lines = [title, _join(HEADERS, widths), _join(tuple("-" * w for w in widths), widths)]
    lines += [_join(cells, widths) for cells in rows]
    return "\n".join(line.rstrip() for line in lines)


def _interval(low_value: float, high_value: float) -> str:
    low, high = format_number(low_value), format_number(high_value)
    if NOT_AVAILABLE in (low, high):
        return NOT_AVAILABLE
    if low_value < 0 or high_value < 0:
        return f"{low} to {high}"
    return f"{low}-{high}"


def _format_row(row: tuple) -> tuple[str, str, str, str]:
    mean = format_number(row.mean)
    interval = _interval(row.ci95_low, row.ci95_high)
    spread = _interval(row.p05, row.p95)
    if str(row.outcome).startswith(MILESTONE_PREFIXES):
        word = "enacted" if str(row.outcome).startswith("instrument_enacted") else "reached"
        spread += f"   {word} in {int(row.n_defined)}/{int(row.n)} replicates"
    return (outcome_label(str(row.outcome)), mean, interval, spread)


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
    """Label left-aligned, mean right-aligned, intervals left-aligned."""
    label, mean, interval, spread = cells
    return (f"{label:<{widths[0]}}  {mean:>{widths[1]}}  {interval:<{widths[2]}}  "
            f"{spread:<{widths[3]}}")


# Names, units and monthly series of outcomes (used by the policy brief) --------------------

SERIES_LABELS = {
    "frontier_capability": "frontier capability (log10 effective FLOP)",
    "closed_frontier_capability": "closed-weight frontier capability (log10 effective FLOP)",
    "open_frontier_capability": "open-weight frontier capability (log10 effective FLOP)",
    "open_lag_months": "open-weight lag behind the frontier (months)",
    "frontier_train_flop": "largest training run so far (log10 FLOP)",
    "frontier_run_cost_musd": "cost of the largest run so far (USD M)",
    "compute_ceiling_flop": "largest feasible run (log10 FLOP)",
    "kill_switch_coverage": "kill-switch coverage of covered-model holders (share)",
    "covered_open_copies_share": "adopters that have held covered open weights (share)",
    "covered_open_copies": "copies of covered open weights beyond any switch (count)",
    "covered_open_current_share": "adopters whose current best open model is covered (share)",
    "ecosystem_best_open_share": "adopters holding the best open model (share)",
    "ecosystem_open_frontier_tier_share": "adopters at the frontier tier through open weights "
    "(share)",
    "ecosystem_api_frontier_tier_share": "adopters at the frontier tier through an API (share)",
    "ecosystem_frontier_tier_share": "adopters at the frontier tier by any means (share)",
    "open_weights_above_1e26_share": "adopters whose current best open model was trained "
    "above 1e26 FLOP (share)",
    "covered_releases": "releases answering a policy so far (count)",
    "relocations_started": "moves of domicile started so far (count)",
    "relocations": "moves of domicile completed so far (count)",
    "injunctions": "injunctions and market bars so far (count)",
    "markets_left": "markets left for good so far (count)",
    "thefts": "thefts of model weights so far (count)",
    "thefts_disclosed": "thefts made public so far (count)",
    "open_base_upgrades": "military fine-tunes moved to a better open base so far (count)",
    "distillations": "distillations so far (count)",
    "incidents": "publicised incidents so far (count)",
    "cash_compliance_musd": "cash spent complying so far (USD M)",
    "penalties_musd": "fines paid so far (USD M)",
    "private_value_forgone_musd": "private value forgone by labs so far (USD M)",
}
"""Monthly series (time-series columns) with labels and units; counts and money are running
totals since the start."""
STATE_SERIES_LABELS = {
    "state_capability": "{state}: capability, every channel (log10 effective FLOP)",
    "state_lag_months": "{state}: lag behind the frontier, every channel (months)",
    "state_domestic_capability": "{state}: own labs' capability (log10 effective FLOP)",
    "state_domestic_lag_months": "{state}: own labs' lag behind the frontier (months)",
    "state_lag_without_open_weights_months": "{state}: lag without fine-tunes of open weights "
    "(months)",
}
OUTCOME_SERIES = {
    "mean_open_lag_months": "open_lag_months",
    "final_open_lag_months": "open_lag_months",
    "state_mean_lag_months": "state_lag_months",
    "state_min_lag_months": "state_lag_months",
    "state_final_lag_months": "state_lag_months",
    "state_mean_domestic_lag_months": "state_domestic_lag_months",
    "state_final_domestic_lag_months": "state_domestic_lag_months",
    "state_months_to": "state_capability",
    "mean_kill_switch_coverage": "kill_switch_coverage",
    "final_covered_open_copies": "covered_open_copies",
    "mean_covered_open_copies": "covered_open_copies",
    "final_covered_open_copies_share": "covered_open_copies_share",
    "final_covered_open_current_share": "covered_open_current_share",
    "state_final_open_weights_capability": "state_capability_open_weights",
    "final_frontier_capability": "frontier_capability",
    "final_frontier_train_flop": "frontier_train_flop",
    "final_frontier_run_cost_musd": "frontier_run_cost_musd",
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


def with_labels(frame: pd.DataFrame, state_labels: dict[str, str] | None = None,
                column: str = "outcome") -> pd.DataFrame:
    """A copy of `frame` with `label` (the outcome in words) and `unit` columns right after
    its outcome-key `column` (`outcome_name_and_unit`)."""
    named = [outcome_name_and_unit(str(key), state_labels) for key in frame[column]]
    labelled = frame.copy()
    position = list(frame.columns).index(column) + 1
    labelled.insert(position, "label", [name for name, _ in named])
    labelled.insert(position + 1, "unit", [unit for _, unit in named])
    return labelled


def outcome_descriptions(keys: list[str], state_labels: dict[str, str] | None = None
                         ) -> list[dict[str, str]]:
    """`{"outcome", "label", "unit"}` for each outcome key, for JSON outputs."""
    described = []
    for key in keys:
        label, unit = outcome_name_and_unit(key, state_labels)
        described.append({"outcome": key, "label": label, "unit": unit})
    return described
