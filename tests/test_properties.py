"""Model invariants over random valid scenarios (hypothesis).

Scenarios are drawn within the schema's ranges on top of a small world: 1-4 labs, 0-2 states,
0-3 regulators holding random instruments of every kind, 24-36 months and 200-500 adopters, so
that each example runs in milliseconds.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sim.experiments.runner import build_model, release_model
from sim.model.policies import POLICY_KINDS
from sim.scenario.schema import Scenario

JURISDICTIONS = ["US-CA", "US", "EU", "CN", "ROW"]
MARKETS = ["US", "EU", "CN", "ROW"]
EXAMPLES = settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


def log_uniform(low_oom: float, high_oom: float) -> st.SearchStrategy[float]:
    """10**x for x uniform in [low_oom, high_oom]: a FLOP count."""
    return st.floats(low_oom, high_oom).map(lambda oom: float(10.0**oom))


def month_range(low: int, high: int) -> st.SearchStrategy[list[int]]:
    return st.integers(low, high).flatmap(
        lambda first: st.integers(first, first + high).map(lambda last: [first, last])
    )


@st.composite
def developer(draw, index: int) -> dict[str, Any]:
    strategy = draw(st.sampled_from(["open", "closed", "hybrid"]))
    lab: dict[str, Any] = {
        "name": f"lab{index}",
        "jurisdiction": draw(st.sampled_from(JURISDICTIONS)),
        "release_strategy": strategy,
        "initial_run_flop": draw(log_uniform(22, 26.4)),  # below the 2024 feasibility ceiling
        "run_budget_musd": draw(log_uniform(0, 3)),
        "spending_growth_per_year": draw(st.floats(1.0, 5.0)),
        "cluster_interval_months": draw(month_range(1, 24)),
        "cadence_months": draw(month_range(1, 12)),
        "follower_discount_oom": draw(st.none() | st.floats(0.0, 1.0)),
        "capability_offset_oom": draw(st.floats(-1.0, 1.0)),
        "security_level": draw(st.integers(1, 5)),
        "markets": draw(st.lists(st.sampled_from(MARKETS), min_size=1, max_size=4, unique=True)),
        "openness_value_musd": draw(st.floats(0.0, 2000.0)),
        "relocation_months": draw(st.integers(1, 24)),
        "relocation_jurisdiction": draw(st.sampled_from(JURISDICTIONS)),
        "aup_bans_military": draw(st.booleans()),
    }
    if strategy == "hybrid":
        lab["open_size_limit_flop"] = draw(log_uniform(23, 27))
    if draw(st.booleans()):
        lab["initial_model_flop"] = draw(log_uniform(21, 26))
        lab["initial_model_age_months"] = draw(st.integers(0, 24))
    return lab


@st.composite
def state(draw, index: int) -> dict[str, Any]:
    return {
        "name": f"state{index}",
        "jurisdictions": [draw(st.sampled_from(["CN", "ROW"]))],
        "attacker_tier": draw(st.integers(1, 5)),
        "absorption_months": draw(month_range(1, 12)),
        "absorption_discount_oom": draw(st.floats(0.0, 0.5)),
        "distillation_hazard_per_month": draw(st.floats(0.0, 1.0)),
        "distillation_months": draw(st.integers(0, 12)),
        "distillation_discount_oom": draw(st.floats(0.0, 1.0)),
    }


def _kind_params(draw, kind: str) -> dict[str, Any]:
    """Each kind's own parameters within their ranges (defaults for kinds not listed)."""
    threshold = draw(log_uniform(22, 26))
    targets = draw(st.lists(st.sampled_from(["CN", "ROW"]), min_size=1, max_size=2, unique=True))
    own: dict[str, dict[str, Any]] = {
        "kill_switch": {
            "threshold_flop": threshold,
            "threshold_usd": draw(st.none() | st.floats(1e6, 1e9)),
            "exempt_open_weights": draw(st.booleans()),
        },
        "open_weight_licence": {
            "threshold_flop": threshold,
            "approval_probability": draw(st.floats(0.0, 1.0)),
            "licence_delay_months": draw(st.integers(0, 12)),
        },
        "chip_export_controls": {
            "target_jurisdictions": targets,
            "strength": draw(st.floats(0.0, 1.0)),
            "smuggling_leak_share": draw(st.floats(0.0, 1.0)),
        },
        "weight_export_controls": {
            "threshold_flop": threshold,
            "target_jurisdictions": targets,
            "required_security_level": draw(st.none() | st.integers(1, 5)),
        },
        "security_standard": {
            "threshold_flop": threshold,
            "required_security_level": draw(st.integers(1, 5)),
            "upgrade_months_per_level": draw(st.integers(1, 24)),
        },
        "api_kyc": {"effectiveness": draw(st.floats(0.0, 1.0))},
        "pre_deployment_evaluation": {
            "threshold_flop": threshold,
            "delay_months": draw(st.integers(0, 6)),
        },
        "transparency": {"threshold_flop": threshold,
                         "threshold_relative_oom": draw(st.none() | st.floats(0.1, 2.0))},
        "gpai_obligations": {"threshold_flop": threshold,
                             "signatories": draw(st.lists(st.sampled_from(
                                 ["lab0", "lab1", "lab2"]), max_size=2, unique=True))},
    }
    return own.get(kind, {})


@st.composite
def policy(draw) -> dict[str, Any]:
    kind = draw(st.sampled_from(sorted(POLICY_KINDS)))
    return {
        "kind": kind,
        "start": draw(st.sampled_from([None, None, "2024-06", "2025-01"])),
        "trigger_pressure": draw(st.sampled_from([None, None, None, 0.5, 2.0])),
        "repeal_hazard_per_month": draw(st.floats(0.0, 0.1)),
        "enforcement_probability": draw(st.floats(0.0, 1.0)),
        "enforcement_probability_foreign": draw(st.floats(0.0, 1.0)),
        "injunction_after_violations": draw(st.integers(1, 4)),
        "penalty_musd": draw(st.floats(0.0, 2000.0)),
        "compliance_cost_musd": draw(st.floats(0.0, 100.0)),
        **_kind_params(draw, kind),
    }


@st.composite
def regulator(draw, index: int) -> dict[str, Any]:
    kinds = draw(st.lists(policy(), max_size=3, unique_by=lambda p: p["kind"]))
    return {
        "name": f"regulator{index}",
        "jurisdiction": draw(st.sampled_from(JURISDICTIONS)),
        "reach": draw(st.sampled_from(["domicile", "market"])),
        "pressure_per_incident": draw(st.floats(0.0, 2.0)),
        "initial_pressure": draw(st.floats(0.0, 2.0)),
        "policies": kinds,
    }


@st.composite
def raw_scenarios(draw) -> dict[str, Any]:
    labs = draw(st.integers(1, 4))
    states = draw(st.integers(0, 2))
    regulators = draw(st.integers(0, 3))
    return {
        "scenario": {
            "name": "random",
            "question": "A random valid world.",
            "months": draw(st.integers(24, 36)),
            "seed": 1,
            "replicates": 1,
        },
        "world": {
            "algo_efficiency_growth_oom_per_year": draw(st.floats(0.01, 1.0)),
            "derivative_publicity_per_month": draw(st.floats(0.0, 1.0)),
            "ecosystem": {
                "adopters": draw(st.integers(200, 500)),
                "bass_p_per_month": draw(st.floats(0.0, 0.5)),
                "bass_q_per_month": draw(st.floats(0.0, 3.0)),
            },
            "theft": {
                "hazard_per_month_at_parity": draw(st.floats(0.0, 0.2)),
                "hazard_multiplier_per_tier": draw(st.floats(1.0, 5.0)),
                "max_hazard_per_month": draw(st.floats(0.0, 1.0)),
            },
        },
        "developers": [draw(developer(i)) for i in range(labs)],
        "states": [draw(state(i)) for i in range(states)],
        "regulators": [draw(regulator(i)) for i in range(regulators)],
    }


SEEDS = st.integers(0, 2**32 - 1)


def run(raw: dict[str, Any], seed: int):
    """Step the model to the horizon; return it, its monthly frame and per-step observations
    (each lab's compute and domicile, the ecosystem's size)."""
    model = build_model(Scenario.model_validate(raw), seed)
    steps = []
    try:
        for _ in range(model.months):
            model.step()
            steps.append(
                {
                    "run_flop": {d.name: d.run_flop for d in model.developer_list},
                    "domicile": {d.name: d.jurisdiction for d in model.developer_list},
                    "adopters": (
                        model.ecosystem.adopters,
                        model.ecosystem.open_capability.size,
                        model.ecosystem.api_capability.size,
                    ),
                }
            )
        return model, model.observer.frame(), steps
    finally:
        release_model(model)


def defined(frame, column: str) -> np.ndarray:
    values = frame[column].to_numpy(dtype=float)
    return values[np.isfinite(values)]


@EXAMPLES
@given(raw=raw_scenarios(), seed=SEEDS)
def test_capabilities_never_fall_and_the_frontier_bounds_every_actor(raw, seed):
    model, frame, _ = run(raw, seed)
    frontier = frame["frontier_capability"].to_numpy(dtype=float)
    actors = ["frontier_capability", "open_frontier_capability", "closed_frontier_capability"]
    actors += [f"state_capability__{s['name']}" for s in raw["states"]]
    actors += [f"state_domestic_capability__{s['name']}" for s in raw["states"]]
    for column in actors:
        values = frame[column].to_numpy(dtype=float)
        finite = np.isfinite(values)
        assert np.all(np.diff(values[finite]) >= -1e-12), f"{column} fell"
        assert np.all(values[finite] <= frontier[finite] + 1e-9), f"{column} above the frontier"
    for artifact in model.registry.artifacts:
        assert artifact.capability <= model.registry.frontier + 1e-9


@EXAMPLES
@given(raw=raw_scenarios(), seed=SEEDS)
def test_coverage_and_shares_stay_in_the_unit_interval_and_the_population_is_conserved(raw, seed):
    _, frame, steps = run(raw, seed)
    for column in (
        "kill_switch_coverage",
        "ecosystem_best_open_share",
        "ecosystem_open_frontier_tier_share",
        "ecosystem_api_frontier_tier_share",
        "ecosystem_frontier_tier_share",
        "covered_open_copies_share",
        "covered_open_current_share",
        "open_weights_above_1e26_share",
    ):
        values = defined(frame, column)
        assert np.all((values >= 0.0) & (values <= 1.0)), column
    adopters = raw["world"]["ecosystem"]["adopters"]
    assert all(step["adopters"] == (adopters, adopters, adopters) for step in steps)
    assert np.all(frame["covered_open_copies"].to_numpy() >= 0)


@EXAMPLES
@given(raw=raw_scenarios(), seed=SEEDS)
def test_costs_are_non_negative_and_runs_stay_under_the_ceiling(raw, seed):
    model, frame, _ = run(raw, seed)
    for column in ("cash_compliance_musd", "penalties_musd", "private_value_forgone_musd"):
        values = frame[column].to_numpy(dtype=float)
        assert np.all(values >= 0) and np.all(np.diff(values) >= -1e-9), column
    over = frame["frontier_train_flop"].to_numpy(float) - frame["compute_ceiling_flop"].to_numpy(
        float)
    assert np.all(np.nan_to_num(over, nan=-1.0) <= 1e-9)


def with_chip_controls(raw: dict[str, Any], strength: float) -> dict[str, Any]:
    """`raw` with a US regulator whose chip controls of `strength` target the CN state."""
    policy_spec = {
        "kind": "chip_export_controls",
        "target_jurisdictions": ["CN"],
        "strength": strength,
        "smuggling_leak_share": 0.1,
    }
    controller = {
        "name": "exporter",
        "jurisdiction": "US",
        "reach": "domicile",
        "policies": [policy_spec],
    }
    return {
        **raw,
        "regulators": [*raw["regulators"], controller],
        "states": [*raw["states"], {"name": "target", "jurisdictions": ["CN"]}],
    }


@EXAMPLES
@given(raw=raw_scenarios(), seed=SEEDS, weaker=st.floats(0.0, 1.0), extra=st.floats(0.0, 1.0))
def test_stronger_chip_controls_never_raise_the_targeted_states_domestic_compute(
    raw, seed, weaker, extra
):
    raw["regulators"] = [
        {**r, "policies": [p for p in r["policies"] if p["kind"] != "chip_export_controls"]}
        for r in raw["regulators"]
    ]
    raw["developers"][0]["jurisdiction"] = "CN"  # at least one domestic lab
    stronger = min(1.0, weaker + extra)
    _, _, weak_steps = run(with_chip_controls(raw, weaker), seed)
    _, _, strong_steps = run(with_chip_controls(raw, stronger), seed)
    domestic_from_start = {d["name"] for d in raw["developers"] if d["jurisdiction"] == "CN"}
    for weak, strong in zip(weak_steps, strong_steps, strict=True):
        # Labs still at home under the stronger controls (a lab that moved out is no longer
        # the state's domestic compute).
        domestic_from_start &= {n for n, j in strong["domicile"].items() if j == "CN"}
        for name in domestic_from_start:
            assert strong["run_flop"][name] <= weak["run_flop"][name] + 1e-12


@EXAMPLES
@given(raw=raw_scenarios(), seed=SEEDS)
def test_zero_theft_hazard_means_no_thefts(raw, seed):
    raw["world"]["theft"]["hazard_per_month_at_parity"] = 0.0
    model, frame, _ = run(raw, seed)
    assert model.counters["thefts"] == 0
    assert model.events.count("theft") == 0
    assert all(not artifact.stolen_by for artifact in model.registry.artifacts)
    assert (frame.filter(like="state_best_channel__") != "theft").all().all()


@EXAMPLES
@given(raw=raw_scenarios(), seed=SEEDS)
def test_no_policies_means_no_compliance_events(raw, seed):
    raw["regulators"] = [{**r, "policies": []} for r in raw["regulators"]]
    model, _, _ = run(raw, seed)
    for kind in ("decision", "enforcement", "relocation", "injunction", "policy_activated"):
        assert model.events.count(kind) == 0, kind
    for counter in (
        "covered_releases",
        "responses_withhold",
        "responses_defy",
        "relocations",
        "cash_compliance_musd",
        "penalties_musd",
        "private_value_forgone_musd",
    ):
        assert model.counters[counter] == 0, counter
    assert math.isclose(sum(model.counters[c] for c in ("policy_activations",)), 0.0)
