"""Inert-lever warnings (issue 16, item 7): each reason, and the CLI's `warning:` lines.

`sim.scenario.inert.inert_levers` names the levers of a scenario that cannot change anything in
it; `regsim validate` and `regsim compare` print one `warning:` line per lever and keep their
exit status.
"""

from __future__ import annotations

import copy
from pathlib import Path

from click.testing import CliRunner
from conftest import scenario_from, small_world, with_policy

from sim.cli import main
from sim.experiments.runner import run_replicate
from sim.scenario.inert import inert_levers
from sim.scenario.loader import find_scenario, load_scenario, resolve_raw
from sim.scenario.schema import Scenario

KILL_SWITCH = "regulators.california.policies.kill_switch"


def keys(scenario) -> dict[str, str]:
    return {lever.key: lever.reason for lever in inert_levers(scenario)}


def test_a_flop_threshold_below_the_cost_line_is_inert():
    found = keys(load_scenario(find_scenario("kill_switch")))
    assert "cost test" in found[f"{KILL_SWITCH}.threshold_flop"]


def test_the_warned_threshold_really_changes_nothing():
    """The README's `threshold_flop=1e25` example gives the same run as 1e26."""
    raw = resolve_raw(find_scenario("kill_switch"))
    raw["scenario"]["months"] = 48
    summaries = []
    for flop in (1e25, 1e26):
        changed = copy.deepcopy(raw)
        switch = next(p for r in changed["regulators"] for p in r.get("policies", [])
                      if p["kind"] == "kill_switch")
        switch["threshold_flop"] = flop
        summaries.append(run_replicate(Scenario.model_validate(changed), 2,
                                       timeseries=False).summary)
    assert summaries[0] == summaries[1]


def test_a_flop_threshold_that_binds_is_not_warned():
    without_cost = load_scenario(find_scenario("kill_switch"),
                                 [f"{KILL_SWITCH}.threshold_flop=1e27"])
    assert f"{KILL_SWITCH}.threshold_flop" not in keys(without_cost)


def test_an_instrument_no_lab_is_reached_by():
    raw = small_world()
    raw["regulators"].append({"name": "japan", "jurisdiction": "JP", "reach": "market",
                              "policies": [{"kind": "transparency"}]})
    found = keys(scenario_from(raw))
    assert "no lab is based in or selling to JP" in found["regulators.japan.policies.transparency"]


def test_a_licence_no_lab_in_reach_would_apply_for():
    raw = small_world()
    raw["developers"] = [d for d in raw["developers"] if d["name"] != "openlab"]
    raw = with_policy(raw, "california", {"kind": "open_weight_licence"})
    raw["regulators"][0]["reach"] = "domicile"
    found = keys(scenario_from(raw))
    assert "nobody ever applies" in found["regulators.california.policies.open_weight_licence"]


def test_fines_far_above_what_open_labs_have_at_stake():
    raw = with_policy(small_world(), "california",
                      {"kind": "open_weight_licence", "penalty_musd": 1e5,
                       "enforcement_probability": 0.3})
    found = keys(scenario_from(raw))
    key = "regulators.california.policies.open_weight_licence.penalty_musd"
    assert "no lab defies" in found[key]
    raw["regulators"][0]["policies"][0]["penalty_musd"] = 100.0
    assert key not in keys(scenario_from(raw))


def test_a_serving_ban_on_a_market_nobody_serves_under_proxy_leakage():
    key = "regulators.us_federal.policies.weight_export_controls.target_jurisdictions"
    proxy = load_scenario(find_scenario("export_controls"),
                          ['world.distillation.formulation="proxy_leakage"'])
    assert "no lab it reaches sells into CN" in keys(proxy)[key]
    assert key not in keys(load_scenario(find_scenario("export_controls")))  # reseller_chain


def test_chip_controls_and_kyc_on_places_nobody_is_in():
    raw = small_world()
    raw["regulators"][0]["policies"] = [
        {"kind": "chip_export_controls", "target_jurisdictions": ["RU"]},
        {"kind": "api_kyc", "target_jurisdictions": ["IR"]},
    ]
    found = keys(scenario_from(raw))
    assert "no lab is based in RU" in found[
        "regulators.california.policies.chip_export_controls.target_jurisdictions"]
    assert "no state actor is in IR" in found[
        "regulators.california.policies.api_kyc.target_jurisdictions"]


def test_an_instrument_that_starts_after_the_horizon():
    short = load_scenario(find_scenario("kill_switch"), ["scenario.months=12"])
    assert "after the scenario's last month" in keys(short)[KILL_SWITCH]


def test_the_baseline_has_no_inert_lever():
    assert inert_levers(load_scenario(find_scenario("baseline"))) == []


def test_validate_warns_and_keeps_its_exit_status():
    result = CliRunner().invoke(main, ["validate", "kill_switch"])
    assert result.exit_code == 0
    assert f"warning: {KILL_SWITCH}.threshold_flop cannot change anything" in result.stderr
    assert "ok:" in result.stdout


def test_compare_warns_and_keeps_its_exit_status(tmp_path: Path):
    result = CliRunner().invoke(main, [
        "compare", "baseline", "kill_switch", "-n", "2", "-j", "1", "-q", "--no-plots",
        "--no-series", "--set", "scenario.months=24", "--set", "world.ecosystem.adopters=500",
        "--out", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    lines = [line for line in result.stderr.splitlines() if line.startswith("warning:")]
    (lever,) = inert_levers(load_scenario(find_scenario("kill_switch"), ["scenario.months=24"]))
    assert lines == [f"{lever.line()} (kill_switch)"]
    assert lever.key == f"{KILL_SWITCH}.threshold_flop"
