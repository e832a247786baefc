"""The brief's page-one ranking and cost per unit of effect (issue 19): findings rank by
absolute size against their uncertainty, never by size relative to a near-zero baseline; the
cost per month of lag gained has a range, or says why it is not defined."""

from __future__ import annotations

from sim.brief.bottom_line import by_strength, cost_per_unit, focus_keys, scenario_title
from sim.brief.verdict_grades import CLEAR, UNCLEAR, GradedVerdict


def verdict(outcome: str, mean: float, low: float, high: float, base: float, unit="months",
            grade=CLEAR, effect=1) -> GradedVerdict:
    return GradedVerdict(policy="kill_switch", outcome=outcome, name=outcome, unit=unit,
                         grade=grade, sentence="", relative=abs(mean / base) if base else 0.0,
                         relative_text="", effect=effect, difference=mean, low=low, high=high,
                         baseline_mean=base, n_pairs=20, n_pairs_defined=20)


def test_a_tiny_effect_on_a_near_zero_base_does_not_outrank_a_clear_one():
    # +0.003 on a base of 0.0015 is 200% relative, but barely clears its interval.
    defy = verdict("share_defy", 0.003, 0.0001, 0.0059, 0.0015)
    lag = verdict("state_mean_lag_months__prc", 0.2, 0.15, 0.25, 8.6)
    assert defy.relative > lag.relative
    assert [v.outcome for v in by_strength([defy, lag])] == [lag.outcome, defy.outcome]


def test_cost_per_month_of_lag_gained_with_its_range_or_not_defined():
    cost = verdict("cash_compliance_musd", 2500.0, 2000.0, 3000.0, 1000.0, unit="USD M",
                   effect=-1)
    lag = verdict("state_mean_lag_months__prc", 0.2, 0.1, 0.3, 8.6)
    text = cost_per_unit(cost, lag)
    assert text.startswith("12,500 USD M per month of lag gained (range 6,667 to 30,000")
    unclear = verdict("state_mean_lag_months__prc", 0.05, -0.1, 0.2, 8.6, grade=UNCLEAR)
    assert "not defined (no clear effect" in cost_per_unit(cost, unclear)
    narrows = verdict("state_mean_lag_months__prc", -0.2, -0.3, -0.1, 8.6, effect=-1)
    assert "not defined (the policy narrows" in cost_per_unit(cost, narrows)


def test_focus_and_title_come_from_the_scenario_with_plain_defaults():
    raw = {"scenario": {"title": "California's kill switch", "focus": ["share_defy"]}}
    assert scenario_title(raw, "kill_switch") == "California's kill switch"
    assert scenario_title({}, "kill_switch") == "kill switch"
    assert focus_keys(raw, {}, ["prc"]) == ["share_defy"]
    assert focus_keys({}, {}, ["prc"]) == ["state_mean_lag_months__prc", "mean_open_lag_months"]
