"""A stricter setting of an instrument never has a weaker effect on what it targets.

For every instrument, each strictness knob (lower approval probability, higher enforcement,
higher fines, lower thresholds, higher required security, stronger controls) is run lenient and
strict on the same seeds (paired runs of a shortened baseline), and the outcome the instrument
targets, within its reach, must be at least as restrained under the strict setting, on average
over 8 seeds. A domicile-reach licence targets the open models its own labs publish: a lab that
moves abroad to escape it leaves that outcome, which is how it counts (the global open-weight
lag is tested separately below, on the bundled scenario).
"""

from __future__ import annotations

import copy
import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import pytest

from sim.experiments.runner import run_replicate
from sim.scenario.loader import find_scenario, resolve_raw
from sim.scenario.schema import Scenario

SEEDS = range(8)


def base_raw(months: int = 72) -> dict:
    raw = resolve_raw(find_scenario("baseline"))
    raw["scenario"]["months"] = months
    raw["world"]["ecosystem"]["adopters"] = 1000
    return raw


def series_mean(column: str):
    """Mean over months of a capability or share column (months without a value count as
    far below anything observed)."""

    def outcome(result) -> float:
        values = result.timeseries[column].to_numpy(dtype=float)
        return float(np.nan_to_num(values, nan=0.0).mean())

    return outcome


def final(column: str):
    return lambda result: float(result.timeseries[column].iloc[-1])


def unanswered(regulator: str, jurisdiction: str, min_train_flop: float):
    """Releases of at least `min_train_flop` that were neither complied with under
    `regulator` nor withheld from its market: what a reporting duty means to catch."""

    def outcome(result) -> float:
        floor = math.log10(min_train_flop)
        releases = sum(1 for e in result.events if e["kind"] == "release" and e["step"] >= 0
                       and e["train_flop"] >= floor and jurisdiction not in e["withheld"])
        complied = sum(1 for e in result.events if e["kind"] == "decision"
                       and e["train_flop"] >= floor
                       and e["actions"].get(regulator) == "comply")
        return float(releases - complied)

    return outcome


@dataclass(frozen=True)
class Knob:
    instrument: str
    regulator: str
    policy: dict[str, Any]
    knob: str
    lenient: Any
    strict: Any
    outcome: Any
    """Lower is a stronger effect."""
    world: dict[str, Any] | None = None

    @property
    def id(self) -> str:
        return f"{self.instrument}.{self.knob}"


KILL_SWITCH = {"kind": "kill_switch", "name": "ks", "start": "2025-01", "threshold_usd": None}
LICENCE = {"kind": "open_weight_licence", "name": "licence", "start": "2025-01",
           "threshold_flop": 1e25}
EVALUATION = {"kind": "pre_deployment_evaluation", "name": "evaluation", "start": "2025-01",
              "threshold_flop": 1e25, "delay_months": 3}
STANDARD = {"kind": "security_standard", "name": "standard", "start": "2024-06",
            "threshold_flop": 1e25}
WEIGHTS = {"kind": "weight_export_controls", "name": "weights", "start": "2024-06",
           "threshold_flop": 1e25}
KYC = {"kind": "api_kyc", "name": "kyc", "start": "2024-06"}
REPORTS = {"kind": "transparency", "name": "reports", "start": "2025-01",
           "compliance_cost_musd": 20.0, "framework_cost_musd": 20.0}
THEFT_PRONE = {"theft": {"hazard_per_month_at_parity": 0.01}}

OPEN_ABOVE_1E26 = series_mean("open_weights_above_1e26_share")
US_OPEN_FRONTIER = series_mean("open_frontier_capability__US")
EU_API_FRONTIER = series_mean("api_frontier_capability__EU")
DISTILLED = series_mean("state_capability_distillation__prc")
STOLEN = series_mean("state_capability_theft__prc")
OWN_LABS = series_mean("state_domestic_capability__prc")
DEFIED = final("responses_defy")

KNOBS = [
    Knob("kill_switch", "california", KILL_SWITCH, "threshold_flop", 1e27, 1e26,
         OPEN_ABOVE_1E26),
    Knob("kill_switch", "california", KILL_SWITCH, "exempt_open_weights", True, False,
         OPEN_ABOVE_1E26),
    Knob("kill_switch", "california", {**KILL_SWITCH, "penalty_share_of_training_cost": 0.0,
                                       "injunction_after_violations": 1},
         "enforcement_probability", 0.1, 0.9, OPEN_ABOVE_1E26),
    Knob("kill_switch", "california", KILL_SWITCH, "penalty_share_of_training_cost", 0.0, 0.3,
         OPEN_ABOVE_1E26),
    Knob("open_weight_licence", "us_federal", LICENCE, "approval_probability", 0.5, 0.0,
         US_OPEN_FRONTIER),
    Knob("open_weight_licence", "us_federal", LICENCE, "licence_delay_months", 3, 9,
         US_OPEN_FRONTIER),
    Knob("open_weight_licence", "us_federal", LICENCE, "threshold_flop", 1e26, 1e25,
         US_OPEN_FRONTIER),
    Knob("open_weight_licence", "us_federal", LICENCE, "enforcement_probability", 0.1, 0.9,
         US_OPEN_FRONTIER),
    Knob("open_weight_licence", "us_federal", LICENCE, "penalty_musd", 0.0, 5000.0,
         US_OPEN_FRONTIER),
    Knob("pre_deployment_evaluation", "eu", EVALUATION, "delay_months", 1, 6, EU_API_FRONTIER),
    Knob("pre_deployment_evaluation", "eu", EVALUATION, "threshold_flop", 1e26, 1e25,
         EU_API_FRONTIER),
    Knob("security_standard", "us_federal", STANDARD, "required_security_level", 3, 5, STOLEN,
         THEFT_PRONE),
    Knob("security_standard", "us_federal", {**STANDARD, "required_security_level": 4},
         "threshold_flop", 1e27, 1e25, STOLEN, THEFT_PRONE),
    Knob("weight_export_controls", "us_federal", {**WEIGHTS, "required_security_level": 4},
         "threshold_flop", 1e27, 1e25, STOLEN, THEFT_PRONE),
    Knob("weight_export_controls", "us_federal", WEIGHTS, "required_security_level", 2, 5,
         STOLEN, THEFT_PRONE),
    Knob("chip_export_controls", "us_federal", {"kind": "chip_export_controls"}, "strength",
         0.5, 0.9, OWN_LABS),
    Knob("chip_export_controls", "us_federal", {"kind": "chip_export_controls"},
         "smuggling_leak_share", 0.4, 0.01, OWN_LABS),
    Knob("api_kyc", "us_federal", KYC, "effectiveness", 0.2, 0.9, DISTILLED),
    Knob("transparency", "california", REPORTS, "penalty_musd", 0.1, 100.0, DEFIED),
    Knob("transparency", "california", REPORTS, "enforcement_probability", 0.1, 0.9, DEFIED),
    Knob("transparency", "california", REPORTS, "threshold_flop", 1e27, 1e26,
         unanswered("california", "US-CA", 1e26)),
    Knob("gpai_obligations", "eu", {"kind": "gpai_obligations"}, "enforcement_probability",
         0.1, 0.9, DEFIED),
    Knob("gpai_obligations", "eu", {"kind": "gpai_obligations"}, "penalty_share_of_revenue",
         0.0, 0.06, DEFIED),
    Knob("gpai_obligations", "eu", {"kind": "gpai_obligations"}, "threshold_flop", 1e26, 1e25,
         unanswered("eu", "EU", 1e25)),
]


def scenario(knob: Knob, value: Any) -> Scenario:
    raw = base_raw()
    for key, section in (knob.world or {}).items():
        raw["world"].setdefault(key, {}).update(section)
    regulator = next(r for r in raw["regulators"] if r["name"] == knob.regulator)
    policies = regulator.setdefault("policies", [])
    name = knob.policy.get("name", knob.policy["kind"])
    existing = next((p for p in policies if p.get("name", p["kind"]) == name), None)
    policy = copy.deepcopy(knob.policy)
    policy[knob.knob] = value
    if knob.knob == "enforcement_probability":
        policy["enforcement_probability_foreign"] = value
    if existing is None:
        policies.append(policy)
    else:
        existing.update(policy)
    return Scenario.model_validate(raw)


@pytest.mark.parametrize("knob", KNOBS, ids=lambda k: k.id)
def test_a_stricter_setting_never_has_a_weaker_effect(knob):
    lenient, strict = scenario(knob, knob.lenient), scenario(knob, knob.strict)
    lenient_values = [knob.outcome(run_replicate(lenient, s)) for s in SEEDS]
    strict_values = [knob.outcome(run_replicate(strict, s)) for s in SEEDS]
    assert np.mean(strict_values) <= np.mean(lenient_values) + 1e-9, (
        f"{knob.id}: {knob.lenient} -> {knob.strict} weakened the effect "
        f"({np.mean(lenient_values):.4g} -> {np.mean(strict_values):.4g})")
    # Not vacuous: in this world every knob moves its outcome in some seed.
    assert not np.allclose(lenient_values, strict_values), f"{knob.id} has no effect here"


def test_a_ban_widens_the_open_weight_lag_at_least_as_much_as_a_half_granted_licence():
    def lag(approval: float) -> float:
        raw = resolve_raw(find_scenario("open_weight_licence"))
        raw["world"]["ecosystem"]["adopters"] = 1000
        licence = next(p for r in raw["regulators"] for p in r.get("policies", [])
                       if p["kind"] == "open_weight_licence")
        licence["approval_probability"] = approval
        scenario = Scenario.model_validate(raw)
        return float(np.mean([run_replicate(scenario, s).summary["mean_open_lag_months"]
                              for s in SEEDS]))

    assert lag(0.0) >= lag(0.5)
