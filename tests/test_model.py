"""Behaviour of the model a user would notice: determinism, releases, channels, outputs."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from conftest import scenario_from, small_world, with_policy

from sim.experiments.runner import build_model, run_replicate


def test_same_seed_gives_identical_outputs():
    scenario = scenario_from(small_world())
    first, second = run_replicate(scenario, 11), run_replicate(scenario, 11)
    pd.testing.assert_frame_equal(first.timeseries, second.timeseries)
    assert first.summary == pytest.approx(second.summary, nan_ok=True) or _same(first, second)
    assert first.events == second.events


def _same(a, b) -> bool:
    return all(
        (isinstance(v, float) and math.isnan(v) and math.isnan(b.summary[k])) or v == b.summary[k]
        for k, v in a.summary.items()
    )


def test_different_seeds_give_different_outputs():
    scenario = scenario_from(small_world())
    first, second = run_replicate(scenario, 11), run_replicate(scenario, 12)
    assert not first.timeseries.equals(second.timeseries)


def test_frontier_bounds_every_actor_and_never_falls():
    result = run_replicate(scenario_from(small_world()), 3)
    frame = result.timeseries
    frontier = frame["frontier_capability"].to_numpy()
    assert np.all(np.diff(frontier[~np.isnan(frontier)]) >= 0)
    for column in (
        "open_frontier_capability",
        "closed_frontier_capability",
        "state_capability__rival",
    ):
        values = frame[column].to_numpy()
        defined = ~np.isnan(values)
        assert np.all(values[defined] <= frontier[defined] + 1e-9)
        assert np.all(np.diff(values[defined]) >= -1e-9)


def test_lags_are_months_behind_the_frontier():
    model = build_model(scenario_from(small_world()), 5)
    model.run()
    history = model.history
    now = model.months - 1
    assert history.lag_months(model.registry.frontier) == 0.0
    # A capability equal to an earlier frontier record lags by the months since that record.
    month, value = history.record_months[-3], history.record_values[-3]
    assert history.lag_months(value) == pytest.approx(now - month)
    # Between two records: the frontier first had a model that capable at the later record,
    # as Epoch measures lags between release dates.
    (_, m1), (v0, v1) = history.record_months[-3:-1], history.record_values[-3:-1]
    assert history.lag_months((v0 + v1) / 2) == pytest.approx(now - m1)
    # Behind the first record: extrapolated at the prehistory rate.
    rate = model.params.world.prehistory_frontier_growth_oom_per_year / 12
    first_month, first_value = history.record_months[0], history.record_values[0]
    assert history.lag_months(first_value - 12 * rate) == pytest.approx(now - first_month + 12)


def test_open_model_reaches_state_by_absorption_after_the_delay():
    raw = small_world(
        states=[
            {
                "name": "rival",
                "jurisdictions": ["CN"],
                "attacker_tier": 1,
                "absorption_months": [7, 7],
                "distillation_hazard_per_month": 0,
            }
        ]
    )
    raw["developers"] = [d for d in raw["developers"] if d["name"] == "openlab"]
    result = run_replicate(scenario_from(raw), 2)
    absorptions = [e for e in result.events if e["kind"] == "absorption"]
    assert absorptions and all(e["months"] == 7 for e in absorptions)
    assert result.timeseries["state_best_channel__rival"].iloc[-1] == "open_weights"


def test_no_theft_when_security_outclasses_the_attacker():
    raw = small_world(states=[{"name": "rival", "jurisdictions": ["CN"], "attacker_tier": 1}])
    raw["world"]["theft"] = {"hazard_per_month_at_parity": 0.0}
    result = run_replicate(scenario_from(raw), 4)
    assert result.summary["thefts"] == 0


def test_thefts_happen_and_are_logged_when_attackers_outclass_labs():
    raw = small_world(states=[{"name": "rival", "jurisdictions": ["CN"], "attacker_tier": 5}])
    for developer in raw["developers"]:
        developer["security_level"] = 1
    raw["world"]["theft"] = {"hazard_per_month_at_parity": 0.01, "max_hazard_per_month": 0.5}
    result = run_replicate(scenario_from(raw), 4)
    thefts = [e for e in result.events if e["kind"] == "theft"]
    assert result.summary["thefts"] == len(thefts) > 0


def test_no_policies_means_no_compliance_events():
    result = run_replicate(scenario_from(small_world()), 9)
    kinds = {e["kind"] for e in result.events}
    assert not kinds & {"decision", "enforcement", "relocation", "injunction"}


def test_chip_controls_cut_the_targets_compute():
    def final_run_flop(strength: float) -> float:
        policy = {
            "kind": "chip_export_controls",
            "target_jurisdictions": ["CN"],
            "strength": strength,
        }
        raw = small_world(
            regulators=[
                {"name": "us", "jurisdiction": "US", "reach": "domicile", "policies": [policy]}
            ]
        )
        model = build_model(scenario_from(raw), 1)
        model.run()
        return model.developer_named("cnlab").run_flop

    assert final_run_flop(0.8) < final_run_flop(0.4) < final_run_flop(0.0)


def test_triggered_policy_activates_after_incidents():
    raw = small_world()
    raw["world"]["derivative_publicity_per_month"] = 1.0
    raw["states"][0]["absorption_months"] = [2, 2]
    raw = with_policy(raw, "california", {"kind": "open_weight_licence", "trigger_pressure": 1.0})
    result = run_replicate(scenario_from(raw), 3)
    incidents = [e for e in result.events if e["kind"] == "incident"]
    activations = [e for e in result.events if e["kind"] == "policy_activated"]
    assert incidents and activations
    assert activations[0]["step"] > incidents[0]["step"]


def test_ecosystem_adopts_open_models():
    result = run_replicate(scenario_from(small_world()), 3)
    assert result.timeseries["ecosystem_best_open_share"].max() > 0.0
    assert result.summary["open_releases"] > 0


def test_leaving_a_market_removes_it_and_everything_within_it():
    model = build_model(scenario_from(small_world()), 1)
    lab = model.developer_named("closedlab")
    assert lab.sells_into("US-CA") and lab.sells_into("US") and not lab.sells_into("CN")
    lab.leave_market("US-CA")
    assert not lab.sells_into("US-CA")
    assert lab.sells_into("US")  # the rest of the US market stays
    assert not model.regulator_list[0].in_reach(model.developer_named("cnlab"))
