"""Dated changes (`[[changes]]`, sim/scenario/changes.py): values that change during a run, as a
game round or an enacted law; validated like any scenario, applied at the start of the month."""

from __future__ import annotations

import copy

import pytest
from conftest import scenario_from, small_world, with_policy

from sim.experiments.runner import run_replicate
from sim.scenario.changes import change_snapshots
from sim.scenario.errors import ScenarioError
from sim.scenario.schema import Scenario

SWITCH_OFF = {"kind": "kill_switch", "enabled": False, "threshold_usd": None}


def with_changes(*changes) -> dict:
    raw = with_policy(small_world(), "california", SWITCH_OFF)
    raw["changes"] = list(changes)
    return raw


def test_a_change_switches_a_policy_on_at_its_month():
    raw = with_changes({"month": "2025-01",
                        "set": {"regulators.california.policies.kill_switch.enabled": True}})
    events = run_replicate(scenario_from(raw), 1).events
    activated = [e for e in events if e["kind"] == "policy_activated"]
    assert activated and activated[0]["month"] == "2025-01"
    assert any(e["kind"] == "change" and e["month"] == "2025-01" for e in events)


def test_changes_apply_cumulatively_in_month_order():
    raw = with_changes(
        {"month": "2025-06", "set": {"developers.closedlab.security_level": 4}},
        {"month": "2025-01", "set": {"developers.closedlab.security_level": 3}},
    )
    snapshots = change_snapshots(scenario_from(raw))
    assert [m for m, _ in snapshots] == ["2025-01", "2025-06"]
    assert [s.developers[0].security_level for _, s in snapshots] == [3, 4]


def test_a_scenario_with_no_changes_runs_exactly_as_before():
    plain = with_policy(small_world(), "california", SWITCH_OFF)
    a = run_replicate(scenario_from(plain), 3)
    b = run_replicate(scenario_from(with_changes()), 3)
    assert a.timeseries.to_csv() == b.timeseries.to_csv()


@pytest.mark.parametrize(("change", "words"), [
    ({"month": "2030-01", "set": {"developers.closedlab.security_level": 3}}, "month"),
    ({"month": "2025-01", "set": {"developers.nolab.security_level": 3}}, "unknown developer"),
    ({"month": "2025-01", "set": {"developers.closedlab.security_level": 9}}, "security_level"),
    ({"month": "2025-01", "set": {"scenario.months": 60}}, "world, developers"),
    ({"month": "2025-01", "set": {"world.ecosystem.adopters": 5}}, "cannot change"),
    ({"month": "2025-01", "set": {"developers.closedlab.name": "other"}}, "rename"),
])
def test_bad_changes_are_reported_with_where_and_what(change, words):
    raw = with_changes(change)
    with pytest.raises(ScenarioError) as error:
        change_snapshots(scenario_from(raw))
    text = error.value.format()
    assert "changes[0]" in text and words in text


def test_the_loader_reports_bad_changes_before_running(tmp_path):
    import tomli_w

    from sim.scenario.loader import load_scenario

    raw = with_changes({"month": "2025-01", "set": {"developers.closedlab.security_level": 9}})
    raw["regulators"][0]["policies"][0].pop("threshold_usd")  # TOML has no null
    path = tmp_path / "bad.toml"
    path.write_text(tomli_w.dumps(raw))
    with pytest.raises(ScenarioError, match="changes"):
        load_scenario(path)


def test_a_change_of_a_world_parameter_takes_effect_from_its_month():
    raw = copy.deepcopy(with_changes({"month": "2025-01",
                                      "set": {"world.algo_efficiency_growth_oom_per_year": 2.0}}))
    frame = run_replicate(Scenario.model_validate(raw), 1).timeseries
    index = frame["algo_efficiency_oom"].to_numpy()
    before, after = index[11] - index[10], index[13] - index[12]
    assert before == pytest.approx(0.45 / 12) and after == pytest.approx(2.0 / 12)
