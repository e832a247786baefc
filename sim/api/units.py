"""Units on the API's tables: every DataFrame a result object returns carries
`df.attrs["units"]`, a {column: unit} dict.

- an outcome column (a model summary key) has its unit from the outcome's definition
  (`sim.presentation.tables.outcome_name_and_unit`): months, USD millions, `log10 FLOP`
  for the `*_flop` capability outcomes (their values are base-10 logarithms);
- shares, counts and months of the analysis tables have theirs (`FIXED_UNITS`);
- in a long table with an `outcome` and a `unit` column, each value column's unit is the row's
  (`ROW_UNIT`);
- columns with no unit (ids, names, verdicts) and design keys (in their scenario key's units,
  docs/scenarios.md) are left out.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

ROW_UNIT = "the row's unit (column `unit`)"
SHARE = "share (0..1)"
FIXED_UNITS = {
    "coverage": SHARE, "density": SHARE, "mass": SHARE, "reappears": SHARE,
    "density_change": SHARE, "score_cases": SHARE, "score_outcome": SHARE,
    "score_cases_sd": SHARE, "score_outcome_sd": SHARE, "qp_value": "probability",
    "low_position": SHARE, "high_position": SHARE,
    "n_ok": "runs", "n_failed": "runs", "n_futures": "futures", "n_cases": "cases",
    "n_of_interest": "cases", "n_pairs": "pairs", "month": "months since the start",
    "step": "months since the start",
}
LONG_VALUE_COLUMNS = ("value", "best", "regret", "mean", "max_regret", "p90_regret",
                      "mean_regret", "low", "high", "difference", "ci_low", "ci_high",
                      "baseline", "policy_mean", "baseline_mean", "sd", "median", "p5", "p95")


def column_units(frame: pd.DataFrame) -> dict[str, str]:
    """{column: unit} for the columns of `frame` that have one (module docstring)."""
    from sim.presentation.tables import outcome_name_and_unit

    long_form = "outcome" in frame.columns and "unit" in frame.columns
    units = {}
    for column in frame.columns:
        name = str(column)
        if name in FIXED_UNITS:
            units[name] = FIXED_UNITS[name]
        elif long_form and name in LONG_VALUE_COLUMNS:
            units[name] = ROW_UNIT
        elif pd.api.types.is_numeric_dtype(frame[column]):
            unit = outcome_name_and_unit(name)[1]
            if unit:
                units[name] = unit
    return units


def with_units(frame: Any) -> Any:
    """`frame` with `attrs["units"]` set (unchanged if it is not a DataFrame)."""
    if isinstance(frame, pd.DataFrame) and "units" not in frame.attrs:
        frame.attrs["units"] = column_units(frame)
    return frame


class UnitTables:
    """A result object whose DataFrame attributes carry `attrs["units"]` when read."""

    def __getattribute__(self, name: str) -> Any:
        return with_units(super().__getattribute__(name))
