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
    return {"state_mean_lag_months__prc": x1 + (3.0 if levers[SWITCH] else 0.0),
            "final_frontier_train_flop": 26.0 + x1}


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
    swing = indices[(indices["parameter"] == SWITCH) & (indices["method"] == "swing")
                    & (indices["outcome"] == "state_mean_lag_months__prc")]
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


# Units on the API's tables ------------------------------------------------------------------


def test_every_table_the_api_returns_carries_units(switch_sweep: Path) -> None:
    import sim
    from sim.api.units import ROW_UNIT, SHARE

    swept = sim.open(switch_sweep)
    assert swept.points.attrs["units"]["state_mean_lag_months__prc"] == "months"
    assert swept.points.attrs["units"]["final_frontier_train_flop"] == "log10 FLOP"
    assert swept.runs.attrs["units"]["final_frontier_train_flop"] == "log10 FLOP"
    assert swept.points.attrs["units"]["n_ok"] == "runs"
    assert "units" in swept.sensitivity.attrs and "units" in swept.design.attrs
    found = swept.discover("state_mean_lag_months__prc", above=2.0)
    for table in (found.box, found.trajectory, found.limits, found.feature_scores):
        assert "units" in table.attrs
    assert found.trajectory.attrs["units"]["coverage"] == SHARE
    judged = swept.robustness(["state_mean_lag_months__prc"])
    assert judged.table.attrs["units"]["max_regret"] == ROW_UNIT
    assert "units" in judged.satisficing.attrs and "units" in judged.regret.attrs


# Progress off a terminal --------------------------------------------------------------------


def test_progress_is_a_line_per_tenth_in_a_log_file_and_silent_in_a_pipe(tmp_path: Path) -> None:
    import os

    from sim.presentation.progress import progress_bar

    with open(tmp_path / "sweep.log", "w", encoding="utf-8") as log, \
            progress_bar(20, "sweep: runs", True, stream=log) as advance:
        for _ in range(20):
            advance(1)
    lines = (tmp_path / "sweep.log").read_text(encoding="utf-8").splitlines()
    assert len(lines) == 10 and lines[0].startswith("sweep: runs: 2/20 runs (10%)")
    assert lines[-1].startswith("sweep: runs: 20/20 runs (100%)") and lines[-1].endswith("done")
    read, write = os.pipe()
    with os.fdopen(write, "w") as pipe, progress_bar(5, "x", True, stream=pipe) as advance:
        advance(5)
    with os.fdopen(read) as pipe:
        assert pipe.read() == ""


def test_progress_shows_in_a_notebook_kernel(monkeypatch: pytest.MonkeyPatch) -> None:
    import io

    from sim.presentation import progress

    monkeypatch.setattr(progress, "in_notebook", lambda: True)
    stream = io.StringIO()
    with progress.progress_bar(4, "compare: runs", True, stream=stream) as advance:
        advance(2)
        advance(2)
    assert stream.getvalue().splitlines()[-1].startswith("compare: runs: 4/4 runs (100%)")


# force= where out= is taken -------------------------------------------------------------------

SMALL = {"scenario.months": 6, "world.ecosystem.adopters": 100}


def test_sweep_and_compare_run_again_into_the_same_out_with_force(tmp_path: Path) -> None:
    import sim
    from sim.experiments.storage import ResultsExistError

    out = tmp_path / "sweep"
    levers = {"states.prc.attacker_tier": [3, 5]}
    first = sim.sweep("baseline", levers=levers, replicates=1, set=SMALL, workers=1, out=out)
    with pytest.raises(ResultsExistError):
        sim.sweep("baseline", levers=levers, replicates=1, set=SMALL, workers=1, out=out)
    again = sim.sweep("baseline", levers=levers, replicates=1, seed=9, set=SMALL, workers=1,
                      out=out, force=True)
    assert again.folder == first.folder == out
    assert again.manifest["root_seed"] == 9 and len(again.points) == 2
    assert [p.name for p in tmp_path.iterdir()] == ["sweep"]  # nothing left beside it
    compared = tmp_path / "compare"
    sim.compare("baseline", "kill_switch", replicates=2, set=SMALL, workers=1, out=compared,
                plots=False, series=False)
    with pytest.raises(ResultsExistError):
        sim.compare("baseline", "kill_switch", replicates=2, set=SMALL, workers=1,
                    out=compared, plots=False, series=False)
    replaced = sim.compare("baseline", "kill_switch", replicates=2, seed=4, set=SMALL,
                           workers=1, out=compared, plots=False, series=False, force=True)
    assert replaced.manifest["root_seed"] == 4
    not_results = tmp_path / "notes"
    not_results.mkdir()
    (not_results / "mine.txt").write_text("keep me", encoding="utf-8")
    with pytest.raises(ResultsExistError, match="not a regsim results folder"):
        sim.sweep("baseline", levers=levers, replicates=1, set=SMALL, workers=1,
                  out=not_results, force=True)
    assert (not_results / "mine.txt").read_text(encoding="utf-8") == "keep me"
