"""The labs' choice utilities as a formulation (issue 16, item 1): `stated` (model v2) and
`revealed` (from observed decisions), selectable in the scenario file and declared with ranges.
"""

from __future__ import annotations

import typing

import pytest

from sim.experiments.runner import build_model, run_replicate
from sim.model import decisions
from sim.model.registry import ReleasePlan
from sim.scenario.loader import find_scenario, resolve_raw
from sim.scenario.schema import ComplianceParams, Scenario


def world(name: str, utilities: str, months: int, **compliance: float) -> Scenario:
    raw = resolve_raw(find_scenario(name))
    raw["scenario"]["months"] = months
    raw["world"].setdefault("compliance", {}).update(utilities=utilities, **compliance)
    return Scenario.model_validate(raw)


def test_the_utilities_are_a_categorical_formulation_with_ranged_parameters():
    fields = ComplianceParams.model_fields
    assert fields["utilities"].json_schema_extra["formulation"] is True
    assert set(typing.get_args(fields["utilities"].annotation)) == {"stated", "revealed"}
    for name in ("withhold_loss_share", "relative_temperature", "exit_cost_multiplier",
                 "openness_value_scale", "delay_cost_scale",
                 "openness_value_max_run_cost_multiple"):
        low, high = fields[name].json_schema_extra["range"]
        assert low < fields[name].default < high, name


def test_the_scales_multiply_every_labs_openness_and_delay_cost():
    raw = resolve_raw(find_scenario("baseline"))
    raw["scenario"]["months"] = 12
    values = []
    for scale in (1.0, 2.0):
        raw["world"]["compliance"] = {"openness_value_scale": scale, "delay_cost_scale": scale}
        model = build_model(Scenario.model_validate(raw), seed=1, series=False)
        meta = model.developer_named("meta")
        values.append((meta.openness_value_musd(), meta.delay_cost_musd_per_month()))
    assert values[1] == pytest.approx((2 * values[0][0], 2 * values[0][1]))


def test_openness_grows_with_the_lab_only_under_revealed_utilities():
    """Under `revealed` Meta's openness grows with its spending (the cap set out of the way),
    under `stated` it stays the stake."""
    values = {}
    for utilities in ("stated", "revealed"):
        scenario = world("baseline", utilities, 36, openness_value_max_run_cost_multiple=100.0)
        model = build_model(scenario, seed=1, series=False)
        model.run()
        meta = model.developer_named("meta")
        values[utilities] = (meta.openness_value_musd(), meta.params.openness_value_musd,
                             meta.value_scale())
    assert values["stated"][0] == values["stated"][1]
    assert values["revealed"][2] > 1.0
    assert values["revealed"][0] == pytest.approx(values["revealed"][1] * values["revealed"][2])


@pytest.mark.parametrize("months", [1, 36, 120])
def test_revealed_openness_is_capped_by_the_run_cost_and_never_below_the_stake(months):
    """Each lab's revealed openness: its stake grown with the lab, at most
    `openness_value_max_run_cost_multiple` x its current frontier run's cost, never below the
    stake; where the stake is below the cap's reach the value still grows."""
    scenario = world("baseline", "revealed", months)
    multiple = scenario.world.compliance.openness_value_max_run_cost_multiple
    model = build_model(scenario, seed=1, series=False)
    model.run()
    open_labs = [lab for lab in model.developer_list if lab.params.openness_value_musd > 0]
    assert open_labs
    for lab in open_labs:
        stake = lab.params.openness_value_musd
        value = lab.openness_value_musd()
        assert stake <= value <= max(stake, multiple * lab.spending_musd()), lab.name
        assert value == pytest.approx(max(stake, min(stake * lab.value_scale(),
                                                     multiple * lab.spending_musd()))), lab.name


def test_withholding_loses_a_share_of_the_sales_under_revealed_utilities():
    costs = {}
    for utilities in ("stated", "revealed"):
        model = build_model(world("baseline", utilities, 24), seed=1, series=False)
        for _ in range(20):  # the EU's GPAI duties apply from 2025-08
            model.step()
        qwen = model.developer_named("qwen")
        plan = ReleasePlan("qwen", 99, 25.5, 25.5, False)
        covering = model.covering_policies(plan, qwen)
        eu = next(p.regulator for p in covering if p.regulator.name == "eu")
        responses = decisions.regulator_responses(qwen, plan, eu, [p for p in covering
                                                                   if p.regulator is eu], 0.0)
        costs[utilities] = {r.action: r.costs.total_musd for r in responses}
    share = ComplianceParams.model_fields["withhold_loss_share"].default
    assert costs["revealed"]["withhold"] == pytest.approx(share * costs["stated"]["withhold"])
    assert costs["revealed"]["exit"] == pytest.approx(costs["stated"]["exit"])


@pytest.mark.parametrize("utilities", ["stated", "revealed"])
def test_every_bundled_scenario_runs_under_each_utilities(utilities):
    from tests.conftest import SCENARIOS

    for path in sorted(SCENARIOS.glob("*.toml")):
        raw = resolve_raw(path)
        raw["scenario"]["months"] = 24
        raw["world"].setdefault("compliance", {})["utilities"] = utilities
        run_replicate(Scenario.model_validate(raw), 1, timeseries=False)
