"""The unnamed actor that drives the open-weight story is an uncertain part of the roster
(issue 16, item 8): the US open start-up group releases the first open model above 1e26 FLOP
in the baseline, so its size, budget and ceiling are drawn under `--uncertainty`, the check's
note names it, and a brief lists it among the assumptions its outcomes rest on."""

from __future__ import annotations

from sim.brief.assumptions import OUTCOME_DEPENDENCIES, assumptions_for
from sim.experiments import uncertainty
from sim.scenario.loader import find_scenario, load_scenario, resolve_raw
from sim.validity.calibration import TARGETS

GROUP = "developer_groups.us_open_startups"


def test_the_baseline_draws_the_groups_size_budget_and_ceiling():
    declared = {p.key: p for p in uncertainty.declared(load_scenario(find_scenario("baseline")))}
    for key in ("count", "run_budget_musd", "max_run_budget_musd"):
        assert f"{GROUP}.{key}" in declared, key
    count = declared[f"{GROUP}.count"]
    assert (count.low, count.high) == (1, 4)


def test_the_checks_note_names_the_actor_that_sets_the_first_open_1e26_date():
    target = next(t for t in TARGETS if t.key == "first_open_above_1e26")
    assert "us_open_startups" in target.note and "uncertainty" in target.note


def test_a_brief_lists_the_groups_size_among_its_assumptions():
    raw = resolve_raw(find_scenario("baseline"))
    found = assumptions_for(raw, [("open lag", OUTCOME_DEPENDENCIES["mean_open_lag_months"])])
    patterns = {a.pattern for a in found}
    assert "developer_groups.*.count" in patterns
    assert "developer_groups.*.run_budget_musd" in patterns
