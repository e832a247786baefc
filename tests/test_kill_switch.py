"""Kill-switch semantics (model.md, "Validity checks"): shutdown reaches only copies the developer
controls, so a mandate changes what is released, never what was released."""

from __future__ import annotations

import pytest
from conftest import scenario_from, small_world, with_policy

from sim.experiments.runner import build_model, run_replicate

MANDATE = {
    "kind": "kill_switch",
    "start": "2024-07",
    "threshold_flop": 1e26,
    "threshold_usd": None,
}


def mandate_world(**policy_changes):
    raw = small_world()
    raw["scenario"]["months"] = 60
    return with_policy(raw, "california", {**MANDATE, **policy_changes})


def watch_releases(model):
    """Wrap `model.release` to record, for every release, the lab's reach by each mandate."""
    seen = []
    original = model.release

    def release(lab, plan, step=None):
        reach = {k.key: k.reaches(lab) for k in model.kill_switches}
        artifact = original(lab, plan, step)
        seen.append((artifact, plan, reach))
        return artifact

    model.release = release
    return seen


@pytest.mark.parametrize("policy", [None, {}, {"exempt_open_weights": True}])
def test_covered_open_release_has_zero_coverage_under_any_mandate(policy):
    raw = small_world() if policy is None else mandate_world(**policy)
    raw["developers"] = [d for d in raw["developers"] if d["name"] == "cnlab"]
    raw["developers"][0]["initial_run_flop"] = 2e26  # covered from its first release
    model = build_model(scenario_from(raw), 3)
    model.run()
    frame = model.observer.frame()
    covered = [a for a in model.registry.artifacts if a.covered and a.open_weights]
    assert covered, "the test needs a covered open release"
    first = min(a.release_step for a in covered)
    after = frame[frame["step"] > first]
    assert (after["kill_switch_coverage"] == 0.0).all()
    assert (after["covered_open_copies_share"] > 0).all()
    assert (after["covered_open_copies"] > 0).all()
    assert all(a.controlled_copies == 0 for a in covered)


def test_in_reach_labs_release_covered_open_models_only_by_defying_or_withholding():
    checked = 0
    for seed in range(8):
        # A low fine makes defiance common enough to exercise the defy branch.
        model = build_model(scenario_from(mandate_world(penalty_musd=1.0)), seed)
        seen = watch_releases(model)
        model.run()
        switch = model.kill_switches[0]
        for artifact, plan, reach in seen:
            if not (artifact.open_weights and artifact.covered and reach[switch.key]):
                continue
            checked += 1
            withheld = switch.regulator.jurisdiction in plan.withheld
            assert switch.key in plan.defied or withheld, (
                f"{artifact.name} released openly in reach without defying or withholding")
            if switch.key in plan.defied:
                assert any(e["kind"] == "enforcement" and e["step"] == artifact.release_step
                           and artifact.developer in e["actors"] for e in model.events.events)
    assert checked > 0


def test_mandate_makes_an_in_reach_domestic_open_lab_change_its_release_or_defy():
    result = run_replicate(scenario_from(mandate_world()), 1)
    decisions = [e for e in result.events if e["kind"] == "decision"
                 and "california.kill_switch" in e["policies"] and e["actors"][0] == "openlab"]
    assert decisions, "the open lab's runs pass 1e26 and must face the mandate"
    for event in decisions:
        assert event["design"] in ("shaded", "closed", "split", "relocate") \
            or event["actions"].get("california") == "defy"


def test_relocation_escapes_a_domicile_mandate():
    raw = mandate_world(penalty_musd=5000.0)
    raw["regulators"][0]["reach"] = "domicile"
    for developer in raw["developers"]:
        developer["relocation_cost_musd"] = 0.0
        developer["relocation_months"] = 2
        developer["openness_value_musd"] = 5000.0
        developer["capability_value_musd_per_oom"] = 5000.0
    model = build_model(scenario_from(raw), 2)
    seen = watch_releases(model)
    model.run()
    relocations = [e for e in model.events.events if e["kind"] == "relocation"]
    assert relocations
    moved = {e["actors"][0] for e in relocations}
    later_open = [(a, plan) for a, plan, _ in seen
                  if a.developer in moved and a.open_weights and a.covered and a.release_step >= 6]
    assert later_open
    assert all(a.jurisdiction == "ROW" or plan.defied for a, plan in later_open)
    assert any(a.jurisdiction == "ROW" for a, _ in later_open)


def test_closed_covered_models_keep_shutdown_capability_under_the_mandate():
    model = build_model(scenario_from(mandate_world()), 4)
    model.run()
    frame = model.observer.frame()
    closed = [a for a in model.registry.artifacts
              if a.covered and not a.open_weights and a.release_step >= 6
              and a.developer == "closedlab"]
    defied = {e["artifact"] for e in model.events.events if e["kind"] == "release" and e["defied"]}
    assert closed and all(a.shutdown_capable or a.name in defied for a in closed)
    assert frame["kill_switch_coverage"].dropna().between(0.0, 1.0).all()


def test_withholding_an_open_model_does_not_keep_it_out_of_that_market():
    raw = mandate_world(penalty_musd=1e6)
    cnlab = next(d for d in raw["developers"] if d["name"] == "cnlab")
    cnlab.update(initial_run_flop=2e26, markets=["CN", "ROW", "US"], openness_value_musd=1000.0,
                 sales_shares={"CN": 0.9, "ROW": 0.05, "US": 0.05})  # sells a little in CA
    raw["world"]["ecosystem"]["jurisdiction_shares"] = {"US": 1.0}
    model = build_model(scenario_from(raw), 5)
    model.run()
    withheld = [a for a in model.registry.artifacts
                if a.open_weights and "US-CA" in a.withheld]
    assert withheld, "the foreign lab should withhold its covered open model from California"
    texts = [e["text"] for e in model.events.events if e["kind"] == "decision"
             and e["actions"].get("california") == "withhold"]
    assert texts and all("still obtainable" in t for t in texts)
    assert model.ecosystem.open_share_at_least(withheld[0].capability) > 0  # held in the US
