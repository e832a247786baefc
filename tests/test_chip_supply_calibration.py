"""The chip-supply formulations under the catch-up formulations' calibration (docs/model.md
§9.1.1).

A chip-supply option sets no parameter against the competitor's lag: its parameters are sourced
production figures (200k-805k Ascend in 2025, the HBM cap), so there is nothing of its own to
calibrate. What the per-formulation calibration can do with it is calibrate each catch-up
formulation again under it, by the same code (`calibrate`): that chooses the same value under
every chip supply, so each option runs with the calibration the check reports. And `regsim
check --formulation world.chip_supply.formulation=NAME` reports each catch-up formulation's
lag rows under that supply.
"""

from __future__ import annotations

import typing

import pytest

from sim.experiments.runner import run_scenario
from sim.experiments.uncertainty import with_values
from sim.scenario.loader import find_scenario, load_scenario
from sim.scenario.schema import ChipSupplyParams
from sim.validity import calibration, replay
from sim.validity.checks import label_checks
from sim.validity.formulations import formulation_overrides
from sim.validity.report import load_bundled

CHIP_KEY = "world.chip_supply.formulation"
CHIP_SUPPLIES = typing.get_args(ChipSupplyParams.model_fields["formulation"].annotation)


def test_there_are_three_chip_supplies():
    assert set(CHIP_SUPPLIES) == {"substitution_rate", "production_bound", "hbm_bound"}


@pytest.mark.parametrize("chip_supply", [c for c in CHIP_SUPPLIES if c != "substitution_rate"])
@pytest.mark.parametrize("catch_up", list(calibration.CALIBRATED))
def test_each_chip_supply_keeps_each_catch_up_calibration(catch_up, chip_supply):
    baseline = load_scenario(find_scenario("baseline"))
    supplied = with_values(baseline.to_toml_dict(), {CHIP_KEY: chip_supply}, "calibration")
    result = calibration.calibrate(catch_up, supplied)
    assert result.chosen == calibration.CALIBRATED[catch_up].chosen, result


@pytest.mark.parametrize("chip_supply", CHIP_SUPPLIES)
def test_the_check_reports_each_catch_up_formulations_rows_under_each_chip_supply(chip_supply):
    overrides = formulation_overrides({CHIP_KEY: chip_supply})
    baseline = load_bundled("baseline", overrides)
    replay_scenario = load_bundled(replay.SCENARIO, overrides)
    supplies = set()

    def run(scenario):
        supplies.add(scenario.world.chip_supply.formulation)
        return run_scenario(scenario, 2)

    runs = calibration.formulation_runs(baseline, replay_scenario, run)
    rows = label_checks(calibration.formulation_checks(runs, replay_scenario))
    assert supplies == {chip_supply}
    for catch_up in calibration.CALIBRATED:
        mine = [row for row in rows if row.name.endswith(f"[{catch_up}]")]
        assert len(mine) == 4, (catch_up, [row.name for row in rows])
        lag = next(row for row in mine if "2024-26" in row.name)
        assert lag.kind == "calibration"
        assert calibration.CALIBRATED[catch_up].key in lag.calibrated
