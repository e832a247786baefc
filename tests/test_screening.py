"""The Morris screening (sim/validity/screening.py) and the baseline's [uncertainty] table it
decides: every parameter the committed screening finds decisive is declared, with a range that
holds the baseline's value, and every bundled scenario accepts the draws at the ranges' ends."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from sim.experiments.uncertainty import declared, with_values
from sim.scenario.loader import bundled_scenarios, find_scenario, load_scenario, resolve_raw
from sim.validity import screening

REPO = Path(__file__).resolve().parents[1]
SCREENING = REPO / "docs" / "screening.csv"
LEVERS = {"chip_strength"}
"""Screened factors that are policy levers of the bundled scenarios: drawing them would
overwrite the lever a comparison varies, so they are reported, not declared."""


@pytest.fixture(scope="module")
def baseline():
    return load_scenario(find_scenario("baseline"))


def test_screening_points_are_valid_scenarios_at_both_ends():
    base = screening._base_values()
    for unit in (0.0, 1.0):
        overrides = screening.point_overrides([unit] * len(screening.FACTORS), base)
        for name in ("baseline", "kill_switch"):
            load_scenario(find_scenario(name), overrides)


def test_a_factor_changes_what_it_names_and_the_dummy_nothing():
    base = screening._base_values()
    low = screening.point_overrides([0.0] * len(screening.FACTORS), base)
    high = screening.point_overrides([1.0] * len(screening.FACTORS), base)
    dummy = next(i for i, f in enumerate(screening.FACTORS) if f.kind == "dummy")
    only_dummy = [0.0] * len(screening.FACTORS)
    only_dummy[dummy] = 1.0
    assert screening.point_overrides(only_dummy, base) == low
    assert "world.follower.delay_months=1" in low and "world.follower.delay_months=7" in high
    meta = next(o for o in high if o.startswith("developers.meta.openness_value_musd="))
    assert float(meta.split("=")[1]) == pytest.approx(4 * 1000.0)  # scale x4 of Meta's 1000


def test_every_decisive_parameter_is_declared_uncertain_in_the_baseline(baseline):
    table = pd.read_csv(SCREENING)
    decisive = set(table.loc[table["decisive"], "factor"]) - LEVERS
    assert decisive, "the committed screening finds nothing decisive"
    base = screening._base_values()
    declared_keys = set(baseline.uncertainty)
    missing = []
    for factor in screening.FACTORS:
        if factor.name not in decisive:
            continue
        for key in factor.keys:
            if factor.kind == "scale" and base[key] is None:
                continue
            if key not in declared_keys:
                missing.append(f"{factor.name}: {key}")
    assert not missing, "declare in scenarios/baseline.toml [uncertainty]: " + ", ".join(missing)


def test_declared_ranges_hold_the_baselines_values(baseline):
    data = baseline.model_dump()
    for key, spec in baseline.uncertainty.items():
        value = screening._lookup(data, key)
        if spec.values is not None:  # a formulation: the written choice is one of its options
            assert value in spec.values, (key, value, spec.values)
            continue
        assert spec.low <= value <= spec.high, (key, value, spec.low, spec.high)


@pytest.mark.parametrize("name", [b.name for b in bundled_scenarios()])
def test_every_bundled_scenario_accepts_its_draws_at_the_ranges_ends(name):
    path = find_scenario(name)
    scenario = load_scenario(path)
    parameters = declared(scenario)
    raw = resolve_raw(path)
    for end in (0.0, 1.0):
        with_values(raw, {p.key: p.from_unit(end) for p in parameters})
