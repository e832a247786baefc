"""Statistics over replicates: confidence intervals, bands, outcome tables."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from synthetic import make_run_result

from sim.experiments.stats import band, mean_ci, outcomes_table
from sim.presentation.tables import KEY_OUTCOMES, format_outcomes

# t quantile for a two-sided 95% interval with 4 degrees of freedom, from a printed t table.
T_975_DF4 = 2.776445


def test_mean_ci_matches_a_hand_computation() -> None:
    # mean 3, sample sd sqrt(2.5), standard error sqrt(2.5 / 5) = sqrt(0.5)
    mean, low, high, n = mean_ci([1.0, 2.0, 3.0, 4.0, 5.0])
    half_width = T_975_DF4 * math.sqrt(0.5)
    assert n == 5
    assert mean == pytest.approx(3.0)
    assert low == pytest.approx(3.0 - half_width, abs=1e-5)
    assert high == pytest.approx(3.0 + half_width, abs=1e-5)


def test_mean_ci_ignores_nan() -> None:
    assert mean_ci([1.0, float("nan"), 2.0, 3.0, np.nan, 4.0, 5.0]) == pytest.approx(
        mean_ci([1.0, 2.0, 3.0, 4.0, 5.0])
    )


def test_mean_ci_of_one_value_has_no_interval() -> None:
    mean, low, high, n = mean_ci([float("nan"), 4.5])
    assert (mean, n) == (4.5, 1)
    assert math.isnan(low) and math.isnan(high)


def test_mean_ci_of_nothing_defined_is_all_nan() -> None:
    mean, low, high, n = mean_ci([float("nan"), float("nan")])
    assert n == 0
    assert all(math.isnan(value) for value in (mean, low, high))


def test_a_lower_level_gives_a_narrower_interval() -> None:
    values = [1.0, 2.0, 4.0, 8.0]
    _, low95, high95, _ = mean_ci(values, level=0.95)
    _, low80, high80, _ = mean_ci(values, level=0.80)
    assert low95 < low80 < high80 < high95


def test_mean_ci_rejects_a_level_outside_0_1() -> None:
    with pytest.raises(ValueError, match="level"):
        mean_ci([1.0, 2.0], level=95)


def test_band_gives_median_and_percentiles_per_step_without_non_finite_values() -> None:
    frame = pd.DataFrame(
        {
            "replicate": [0, 1, 2, 0, 1, 2],
            "step": [0, 0, 0, 1, 1, 1],
            "open_frontier_capability": [-np.inf, -np.inf, np.nan, 25.0, -np.inf, 27.0],
        }
    )
    result = band(frame, "open_frontier_capability").set_index("step")
    assert result.loc[0, "n_defined"] == 0
    assert math.isnan(result.loc[0, "median"])
    assert result.loc[1, "n_defined"] == 2
    assert result.loc[1, "median"] == pytest.approx(26.0)
    assert result.loc[1, "p05"] == pytest.approx(25.1)
    assert result.loc[1, "p95"] == pytest.approx(26.9)


def test_band_of_synthetic_run_has_one_row_per_month() -> None:
    run = make_run_result(replicates=4, months=12)
    result = band(run.timeseries_frame(), "frontier_capability")
    assert list(result["step"]) == list(range(12))
    assert (result["p05"] <= result["median"]).all()
    assert (result["median"] <= result["p95"]).all()
    assert (result["n_defined"] == 4).all()


def test_outcomes_table_counts_replicates_where_a_milestone_was_reached() -> None:
    summaries = pd.DataFrame(
        {"state_months_to_1e27__china": [np.nan, 20.0, np.nan, 24.0], "thefts": [0, 1, 2, 3]}
    )
    table = outcomes_table(summaries, ["state_months_to_1e27__china", "thefts"])
    milestone, thefts = (row for _, row in table.iterrows())
    assert (milestone["n_defined"], milestone["n"]) == (2, 4)
    assert milestone["mean"] == pytest.approx(22.0)
    assert (thefts["n_defined"], thefts["n"]) == (4, 4)
    assert thefts["mean"] == pytest.approx(1.5)
    assert thefts["p05"] == pytest.approx(0.15)
    assert thefts["p95"] == pytest.approx(2.85)
    assert list(table.columns) == [
        "outcome", "mean", "ci95_low", "ci95_high", "p05", "p95", "n_defined", "n",
    ]  # fmt: skip


def test_outcomes_table_of_an_outcome_never_defined_is_nan_not_an_error() -> None:
    summaries = pd.DataFrame({"first_open_above_1e26_month": [np.nan, np.nan]})
    row = outcomes_table(summaries, ["first_open_above_1e26_month"]).iloc[0]
    assert row["n_defined"] == 0
    assert math.isnan(row["mean"]) and math.isnan(row["p95"])


def test_outcomes_table_names_missing_and_non_numeric_outcomes() -> None:
    summaries = pd.DataFrame({"state_final_channel__china": ["theft", "domestic"]})
    with pytest.raises(KeyError, match="no_such_outcome"):
        outcomes_table(summaries, ["no_such_outcome"])
    with pytest.raises(ValueError, match="state_final_channel__china"):
        outcomes_table(summaries, ["state_final_channel__china"])


# The console table built from the outcomes table (sim.presentation.tables).


def test_format_outcomes_shows_labels_units_intervals_and_reach_counts() -> None:
    run = make_run_result(replicates=4, states=("china",))
    keys = [key for key, _ in KEY_OUTCOMES(run.state_names)]
    text = format_outcomes(outcomes_table(run.summaries_frame(), keys), "Key outcomes")
    lines = text.splitlines()
    assert lines[0] == "Key outcomes"
    assert len(lines) == 3 + len(keys)
    assert "open-weight models: mean lag behind the frontier (months)" in text
    assert "china: months to 1e27 effective FLOP (months)" in text
    assert "reached in 2/4 replicates" in text
    assert "fines paid (USD M)" in text
    assert "cash spent complying (USD M)" in text
    assert "private value forgone by labs (USD M)" in text
    assert "95% CI of the mean" in lines[1] and "5-95% of replicates" in lines[1]


def test_format_outcomes_shows_nan_as_not_available() -> None:
    summaries = pd.DataFrame({"state_months_to_1e27__china": [np.nan, 30.0]})
    table = outcomes_table(summaries, ["state_months_to_1e27__china"])
    row = format_outcomes(table, "t").splitlines()[-1]
    assert "30.0" in row
    assert "n/a" in row  # one defined value: no interval
    assert "reached in 1/2 replicates" in row


def test_intervals_of_non_negative_outcomes_are_clipped_at_zero() -> None:
    frame = pd.DataFrame({"thefts": [0.0, 0.0, 0.0, 6.0], "coverage_share": [1, 1, 1, 0.1]})
    table = outcomes_table(frame, ["thefts", "coverage_share"]).set_index("outcome")
    assert table.loc["thefts", "ci95_low"] == 0.0
    assert table.loc["thefts", "ci95_high"] > 6.0 / 4
    assert table.loc["coverage_share", "ci95_high"] == 1.0
