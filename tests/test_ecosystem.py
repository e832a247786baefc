"""The downstream ecosystem (sim/model/ecosystem.py): Bass adoption in months, API access that
ends when a lab leaves a market, and outcomes that do not depend on the population's size."""

from __future__ import annotations

import math

import numpy as np
import pytest
from conftest import scenario_from, small_world

from sim.experiments.runner import build_model, run_replicate
from sim.model.ecosystem import bass_advance, bass_closed_form
from sim.scenario.loader import find_scenario, load_scenario


def test_bass_advance_follows_the_closed_form():
    p, q = 0.1, 1.0
    share, shares = 0.0, []
    for _ in range(12):
        share = bass_advance(share, p, q, 1.0)
        shares.append(share)
    assert np.allclose(shares, bass_closed_form(np.arange(1, 13), p, q))


def test_bass_advance_stays_a_share_when_innovation_is_vanishingly_small():
    # Hypothesis found p = 5e-324: q / p overflowed and the share became NaN.
    for share in (0.0, 1e-9, 0.3, 0.999):
        for p in (5e-324, 1e-300, 1e-13):
            advanced = bass_advance(share, p, 0.5, 1.0)
            assert math.isfinite(advanced) and share <= advanced <= 1.0


def test_weights_spread_within_months_not_years():
    # DeepSeek-R1: hundreds of derivatives within days; half the fine-tuners in months.
    half = next(m for m in range(1, 60) if bass_closed_form(np.array([m]), 0.1, 1.0)[0] >= 0.5)
    assert 1 <= half <= 4


SIZE_FREE = [("kill_switch", "mean_kill_switch_coverage"),
             ("baseline", "final_covered_open_copies"),
             ("baseline", "mean_covered_open_copies"),
             ("baseline", "final_covered_open_current_share"),
             ("baseline", "mean_ecosystem_frontier_tier_share")]


@pytest.mark.parametrize(("name", "outcome"), SIZE_FREE)
def test_ecosystem_outcomes_agree_within_1_percent_between_10k_and_100k_adopters(name, outcome):
    results = {}
    for adopters in (10_000, 100_000):
        scenario = load_scenario(find_scenario(name), [f"world.ecosystem.adopters={adopters}"])
        results[adopters] = np.mean([run_replicate(scenario, seed).summary[outcome]
                                     for seed in range(4)])
    small, large = results[10_000], results[100_000]
    assert large > 0
    assert abs(small - large) <= 0.01 * abs(large), f"{outcome}: {small} vs {large}"


def test_leaving_a_market_ends_api_access_there():
    raw = small_world()
    raw["world"]["ecosystem"]["jurisdiction_shares"] = {"US": 0.5, "EU": 0.5}
    model = build_model(scenario_from(raw), 1)
    for _ in range(24):
        model.step()
    ecosystem = model.ecosystem
    eu = ecosystem.slices[ecosystem.jurisdictions.index("EU")]
    assert (ecosystem.api_artifact[eu] >= 0).any()
    model.developer_named("closedlab").leave_market("EU")
    held = set(ecosystem.api_artifact[eu][ecosystem.api_artifact[eu] >= 0].tolist())
    closed = {a.artifact_id for a in model.registry.artifacts if a.developer == "closedlab"}
    assert not held & closed


def test_the_population_is_split_across_jurisdictions_by_their_shares():
    result = run_replicate(scenario_from(small_world()), 1)
    assert result.timeseries["ecosystem_frontier_tier_share"].between(0, 1).all()
