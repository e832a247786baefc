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
    "enforcement_probability": 0.5,
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
    after = frame[frame["step"] >= first]
    assert (after["kill_switch_coverage"] == 0.0).all()
    assert (after["uncontrolled_covered_copies"] >= 1).all()
    assert all(a.controlled_copies == 0 for a in covered)


def test_in_reach_labs_release_covered_open_models_only_by_defying_or_leaving_reach():
    checked = defied = 0
    for seed in range(8):
        # Low penalties make defiance common enough to exercise the defy branch.
        model = build_model(scenario_from(mandate_world(penalty_musd=100.0)), seed)
        seen = watch_releases(model)
        model.run()
        for artifact, plan, reach in seen:
            switch = model.kill_switches[0]
            if not (artifact.open_weights and artifact.covered and reach[switch.key]):
                continue
            checked += 1
            assert switch.key in plan.defied, f"{artifact.name} released openly while in reach"
            defied += 1
            enforcement = [
                e
                for e in model.events.events
                if e["kind"] == "enforcement"
                and e["step"] == artifact.release_step
                and artifact.developer in e["actors"]
            ]
            assert enforcement, "every defiance is followed by an enforcement draw"
    assert checked > 0 and defied == checked


def test_mandate_makes_in_reach_open_labs_shade_or_close():
    result = run_replicate(scenario_from(mandate_world()), 1)
    choices = [
        e
        for e in result.events
        if e["kind"] == "compliance" and "california.kill_switch" in e["policies"]
    ]
    assert choices, "the open lab's runs pass 1e26 and must face the mandate"
    for event in choices:
        if event["action"] == "comply" and event["open_weights"]:
            assert event["train_flop"] < 26.0  # shaded below the threshold


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
    later_open = [
        (a, plan)
        for a, plan, reach in seen
        if a.developer in moved and a.open_weights and a.covered and a.release_step >= 6
    ]
    assert later_open
    assert all(a.jurisdiction == "ROW" or plan.defied for a, plan in later_open)
    assert any(a.jurisdiction == "ROW" for a, _ in later_open)


def test_closed_covered_models_keep_shutdown_capability_under_the_mandate():
    model = build_model(scenario_from(mandate_world()), 4)
    model.run()
    frame = model.observer.frame()
    start = 6  # 2024-07
    closed = [
        a
        for a in model.registry.artifacts
        if a.covered
        and not a.open_weights
        and a.release_step >= start
        and a.developer == "closedlab"
    ]
    assert closed and all(a.shutdown_capable or a.name in _defied(model) for a in closed)
    assert frame["kill_switch_coverage"].dropna().between(0.0, 1.0).all()


def _defied(model) -> set[str]:
    return {e["artifact"] for e in model.events.events if e["kind"] == "release" and e["defied"]}
