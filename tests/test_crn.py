"""Common random numbers: a decision a policy adds leaves every other draw unchanged.

Every draw is keyed by agent, purpose and time (`sim.model.random_streams`), so paired runs of a
scenario with and without a policy differ only where the policy bites. Three tests from the
referee's list (issue 9 §3): an instrument that covers nothing changes nothing; a kill switch
moves no release of a lab it never covers; stronger chip controls never raise the targeted
state's own capability in any month of any paired replicate.
"""

from __future__ import annotations

import copy

import numpy as np
import pytest

from sim.experiments.runner import run_replicate
from sim.scenario.loader import find_scenario, resolve_raw
from sim.scenario.schema import Scenario

SEEDS = range(6)
BOOKKEEPING = ("active_policies", "policy_activations", "policy_repeals")
"""Columns that describe the instruments themselves, not the world."""


def baseline_raw(months: int = 60) -> dict:
    raw = resolve_raw(find_scenario("baseline"))
    raw["scenario"]["months"] = months
    raw["world"]["ecosystem"]["adopters"] = 2000
    return raw


def with_regulator(raw: dict, regulator: dict) -> Scenario:
    raw = copy.deepcopy(raw)
    raw["regulators"].append(regulator)
    return Scenario.model_validate(raw)


def world_columns(frame):
    drop = [c for c in frame.columns if c in BOOKKEEPING or c.startswith("regulator_pressure__")]
    return frame.drop(columns=drop)


def world_events(events):
    return [e for e in events if e["kind"] not in ("policy_activated", "policy_repealed")]


NOTHING_COVERED = [
    # Thresholds no run reaches...
    {"kind": "open_weight_licence", "threshold_flop": 1e40},
    {"kind": "pre_deployment_evaluation", "threshold_flop": 1e40, "delay_months": 6},
    {"kind": "security_standard", "threshold_flop": 1e40, "required_security_level": 5},
    {"kind": "weight_export_controls", "threshold_flop": 1e40, "required_security_level": 5},
    {"kind": "transparency", "threshold_flop": 1e40},
    {"kind": "gpai_obligations", "threshold_flop": 1e40},
    {"kind": "kill_switch", "threshold_flop": 1e40},
    # ...or switched off, or in a market nobody sells in.
    {"kind": "kill_switch", "enabled": False},
    {"kind": "kill_switch", "threshold_flop": 1e26, "threshold_usd": None},
]


@pytest.mark.parametrize("policy", NOTHING_COVERED, ids=lambda p: "-".join(map(str, p.values())))
def test_an_instrument_that_covers_no_release_changes_nothing(policy):
    raw = baseline_raw()
    without = Scenario.model_validate(raw)
    regulator = {"name": "nowhere", "jurisdiction": "ZZ", "reach": "market",
                 "policies": [policy]}
    with_it = with_regulator(raw, regulator)
    for seed in (0, 1):
        a, b = run_replicate(without, seed), run_replicate(with_it, seed)
        assert world_columns(a.timeseries).to_csv() == world_columns(b.timeseries).to_csv()
        assert world_events(a.events) == world_events(b.events)


def test_a_california_kill_switch_moves_no_release_of_a_lab_it_never_covers():
    raw = baseline_raw(84)
    baseline = Scenario.model_validate(raw)
    policy = {"kind": "kill_switch", "start": "2025-01"}
    regulator = next(r for r in raw["regulators"] if r["name"] == "california")
    regulator["policies"] = [policy]
    mandate = Scenario.model_validate(raw)
    untouched = 0
    for seed in SEEDS:
        a, b = run_replicate(baseline, seed), run_replicate(mandate, seed)
        covered = {e["actors"][0] for e in b.events
                   if e["kind"] == "decision" and "california" in e["actions"]}
        for lab in {e["actors"][0] for e in a.events if e["kind"] == "release"} - covered:
            releases = [[(e["step"], e["train_flop"]) for e in r.events
                         if e["kind"] == "release" and e["actors"] == [lab]] for r in (a, b)]
            assert releases[0] == releases[1], f"{lab}'s releases moved (seed {seed})"
            untouched += 1
    assert untouched >= len(SEEDS)  # some labs are never covered in every seed


def test_stronger_chip_controls_never_raise_the_states_own_capability_in_any_month():
    raw = baseline_raw(120)
    def controls(strength: float) -> Scenario:
        changed = copy.deepcopy(raw)
        federal = next(r for r in changed["regulators"] if r["name"] == "us_federal")
        federal["policies"][0]["strength"] = strength
        return Scenario.model_validate(changed)

    weak, strong = controls(0.5), controls(0.9)
    lower_somewhere = False
    for seed in SEEDS:
        a = run_replicate(weak, seed).timeseries["state_domestic_capability__prc"].to_numpy()
        b = run_replicate(strong, seed).timeseries["state_domestic_capability__prc"].to_numpy()
        assert np.all(np.nan_to_num(b, nan=-np.inf) <= np.nan_to_num(a, nan=-np.inf) + 1e-12), (
            f"stronger controls raised the state's own capability (seed {seed})")
        lower_somewhere |= bool(np.any(b < a - 1e-9))
    assert lower_somewhere  # the controls bite
