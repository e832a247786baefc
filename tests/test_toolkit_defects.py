"""Issue 19's small defects: the tornado's sign for list and boolean levers, the robustness
table's unit and lever columns, units on the API's tables, progress off a terminal, force=."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from sim.experiments.design import LEVER, Parameter, low_to_high, make_design
from sim.experiments.executors import open_executor
from sim.experiments.models import FunctionModel
from sim.experiments.sweep import create_sweep, run_sweep

SWITCH = "regulators.california.policies.kill_switch.enabled"


def switched(x1: float, **levers) -> dict[str, float]:
    """The switch adds 3 to the lag when on."""
    return {"state_mean_lag_months__prc": x1 + (3.0 if levers[SWITCH] else 0.0)}


@pytest.fixture(scope="module")
def switch_sweep(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("switch") / "sweep"
    parameters = [Parameter("x1", low=0.0, high=1.0),
                  Parameter(SWITCH, kind=LEVER, values=(True, False))]  # typed on, then off
    design = make_design(parameters, "lhs", 10, root_seed=1)
    create_sweep(folder, FunctionModel(switched), design, 1, 1, "switch")
    with open_executor(1) as executor:
        run_sweep(folder, executor, model=FunctionModel(switched))
    return folder


def test_low_to_high_puts_off_and_smaller_numbers_low() -> None:
    assert low_to_high(Parameter("a", kind=LEVER, values=(True, False))) == [False, True]
    assert low_to_high(Parameter("a", kind=LEVER, values=(12, 3, 6))) == [3, 6, 12]
    assert low_to_high(Parameter("a", kind=LEVER, values=("open", "closed"))) == ["open",
                                                                                 "closed"]


def test_the_tornado_shows_a_switch_on_as_high_whatever_the_order_typed(
        switch_sweep: Path) -> None:
    indices = pd.read_csv(switch_sweep / "sensitivity.csv")
    swing = indices[(indices["parameter"] == SWITCH) & (indices["method"] == "swing")]
    values = swing.set_index("index")["value"]
    assert values["swing"] == pytest.approx(3.0)  # on minus off; -3 when low was "true"
    assert values["high"] - values["low"] == pytest.approx(3.0)
    from sim.plots.sensitivity import option_ends, tornado_figure

    assert option_ends(switch_sweep) == {SWITCH: ("false", "true")}
    figure = tornado_figure(indices[indices["outcome"] == "state_mean_lag_months__prc"],
                            "state_mean_lag_months__prc", ends=option_ends(switch_sweep))
    labels = [t.get_text() for t in figure.axes[0].get_yticklabels()]
    assert any("false \u2192 true" in label for label in labels)
    assert "off (false) low" in figure.axes[0].get_title()


def test_the_robustness_table_has_unit_and_lever_columns(switch_sweep: Path) -> None:
    from sim.analysis.robustness import robustness

    result = robustness(switch_sweep, ["state_mean_lag_months__prc"])
    table = result.table
    assert "label" not in table.columns
    assert {"lever_setting", SWITCH, "unit"} <= set(table.columns)
    assert set(table["unit"]) == {"months"}
    assert set(table[SWITCH].astype(str)) == {"true", "false"}
    assert {"lever_setting", SWITCH} <= set(result.satisficing.columns)
