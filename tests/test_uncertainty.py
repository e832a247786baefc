"""Parameter uncertainty (sim/experiments/uncertainty.py): each replicate draws the uncertain
parameters, the same draws for every scenario of a comparison, and the intervals say so."""

from __future__ import annotations

import numpy as np

from sim.experiments import uncertainty
from sim.experiments.runner import run_scenario
from sim.experiments.stats import outcomes_table
from sim.scenario.loader import find_scenario, load_scenario

SHORT = ["scenario.months=48", "world.ecosystem.adopters=500"]


def test_the_baseline_declares_its_uncertainties_with_their_documented_ranges():
    scenario = load_scenario(find_scenario("baseline"))
    declared = {p.key: p for p in uncertainty.declared(scenario)}
    assert "world.algo_efficiency_growth_oom_per_year" in declared
    documented = uncertainty.documented_ranges()
    for key, parameter in declared.items():
        if key in documented and not parameter.is_range:  # a formulation: its options
            assert set(parameter.values) == set(documented[key]["values"]), key
        elif key in documented:
            assert (parameter.low, parameter.high) == (documented[key]["low"],
                                                       documented[key]["high"]), key


def test_draws_depend_only_on_the_root_seed_and_cover_each_range():
    scenario = load_scenario(find_scenario("baseline"))
    parameters = uncertainty.declared(scenario)
    first = uncertainty.draws(parameters, 7, 20)
    assert first == uncertainty.draws(parameters, 7, 20)
    assert first != uncertainty.draws(parameters, 8, 20)
    for parameter in parameters:
        if not parameter.is_range:  # a formulation: every option drawn, in equal shares
            drawn = [d[parameter.key] for d in first]
            assert set(drawn) == set(parameter.values)
            assert max(map(drawn.count, parameter.values)) - min(
                map(drawn.count, parameter.values)) <= 1
            continue
        values = np.array([d[parameter.key] for d in first])
        assert values.min() >= parameter.low and values.max() <= parameter.high
        if parameter.is_integer:  # whole months: the strata round
            continue
        # Latin hypercube: one draw in each twentieth of the (unit) range.
        units = sorted(parameter.position(v) for v in values)
        assert all(i / 20 <= u <= (i + 1) / 20 for i, u in enumerate(units))


def test_a_policy_scenario_gets_the_same_draws_as_its_baseline():
    baseline = load_scenario(find_scenario("baseline"))
    policy = load_scenario(find_scenario("kill_switch"))
    a = uncertainty.draws(uncertainty.declared(baseline), 11, 5)
    b = uncertainty.draws(uncertainty.declared(policy), 11, 5)
    assert a == b


def test_intervals_with_parameter_uncertainty_are_at_least_as_wide_and_say_so():
    scenario = load_scenario(find_scenario("baseline"), SHORT)
    plain = run_scenario(scenario, replicates=12)
    drawn = run_scenario(scenario, replicates=12, uncertainty=True)
    assert "Monte Carlo only" in plain.interval_kind
    assert "parameter uncertainty" in drawn.interval_kind
    keys = ["mean_open_lag_months", "state_mean_domestic_lag_months__prc"]
    width = {}
    for name, result in (("plain", plain), ("drawn", drawn)):
        table = outcomes_table(result.summaries_frame(), keys).set_index("outcome")
        width[name] = (table["ci95_high"] - table["ci95_low"]).to_numpy()
    assert np.all(width["drawn"] >= width["plain"])
    columns = drawn.summaries_frame().columns
    assert any(c.startswith(uncertainty.DRAW_PREFIX) for c in columns)


def test_a_scenario_without_a_table_uses_every_documented_range():
    scenario = load_scenario(find_scenario("baseline"), ["uncertainty={}"])
    keys = {p.key for p in uncertainty.declared(scenario)}
    assert keys == set(uncertainty.documented_ranges())
