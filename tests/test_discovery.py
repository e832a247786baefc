"""Scenario discovery: PRIM recovers a known box from a synthetic sweep, feature scores rank an
irrelevant input last, and `regsim discover` works on a small real regsim sweep."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from sim.analysis.discovery import discover
from sim.analysis.sweep_data import SweepDataError, load_sweep
from sim.cli import main
from sim.experiments.design import LEVER, Parameter, make_design
from sim.experiments.executors import open_executor
from sim.experiments.models import FunctionModel
from sim.experiments.sweep import create_sweep, run_sweep

pytest.importorskip("prim")
pytest.importorskip("sklearn")

# The true box: y = 1 when 0.2 <= x1 <= 0.6 and x2 >= 0.5; x3 is irrelevant.
TRUE_X1, TRUE_X2_LOW = (0.2, 0.6), 0.5
LIMIT_TOLERANCE = 0.05


def in_true_box(x1: float, x2: float, x3: float) -> float:
    return 1.0 if TRUE_X1[0] <= x1 <= TRUE_X1[1] and x2 >= TRUE_X2_LOW else 0.0


def by_mode(x1: float, mode: str) -> dict[str, float]:
    """High `risk` when the mode is closed or hybrid and x1 > 0.5; `months_to_x` undefined
    (never reached) when x1 < 0.3."""
    return {"risk": 1.0 if mode in ("closed", "hybrid") and x1 > 0.5 else 0.0,
            "state_months_to_1e27__x": math.nan if x1 < 0.3 else 12.0}


def make_sweep(folder: Path, function, parameters: list[Parameter], samples: int) -> Path:
    design = make_design(parameters, "lhs", samples, root_seed=2024)
    model = FunctionModel(function)
    create_sweep(folder, model, design, 2024, 1, folder.name)
    with open_executor(1) as executor:
        run_sweep(folder, executor, model=model)
    return folder


@pytest.fixture(scope="module")
def box_sweep(tmp_path_factory: pytest.TempPathFactory) -> Path:
    parameters = [Parameter(f"x{i}", low=0.0, high=1.0) for i in (1, 2, 3)]
    return make_sweep(tmp_path_factory.mktemp("box") / "sweep", in_true_box, parameters, 300)


@pytest.fixture(scope="module")
def mode_sweep(tmp_path_factory: pytest.TempPathFactory) -> Path:
    parameters = [Parameter("x1", low=0.0, high=1.0),
                  Parameter("mode", kind=LEVER, values=("open", "closed", "hybrid"))]
    return make_sweep(tmp_path_factory.mktemp("mode") / "sweep", by_mode, parameters, 80)


def limits(result, parameter: str) -> pd.Series:
    return result.box.set_index("parameter").loc[parameter]


def test_prim_recovers_the_true_box(box_sweep: Path) -> None:
    result = discover(box_sweep, "y", above=0.5)
    assert result.n_cases == 300
    assert result.n_of_interest == pytest.approx(300 * 0.4 * 0.5, abs=15)
    assert result.chosen["coverage"] >= 0.8 and result.chosen["density"] >= 0.8
    assert set(result.box["parameter"]) == {"x1", "x2"}  # x3 is not restricted
    x1, x2 = limits(result, "x1"), limits(result, "x2")
    assert x1["low"] == pytest.approx(TRUE_X1[0], abs=LIMIT_TOLERANCE)
    assert x1["high"] == pytest.approx(TRUE_X1[1], abs=LIMIT_TOLERANCE)
    assert x2["low"] == pytest.approx(TRUE_X2_LOW, abs=LIMIT_TOLERANCE)
    assert x2["high"] > 0.95  # no upper limit in truth: the box runs to the top of the data
    assert result.box["qp_value"].lt(1e-6).all()


def test_feature_scores_rank_the_irrelevant_input_last(box_sweep: Path) -> None:
    scores = discover(box_sweep, "y", above=0.5).feature_scores
    assert scores["parameter"].iloc[-1] == "x3"
    assert scores["score_cases"].sum() == pytest.approx(1.0)
    assert scores.set_index("parameter")["score_outcome"].idxmin() == "x3"


def test_the_trajectory_runs_from_the_whole_design_to_dense_boxes(box_sweep: Path) -> None:
    result = discover(box_sweep, "y", above=0.5)
    trajectory = result.trajectory
    first = trajectory.iloc[0]
    assert (first["coverage"], first["mass"], first["restricted_dims"]) == (1.0, 1.0, 0)
    assert first["density"] == pytest.approx(result.n_of_interest / result.n_cases)
    assert trajectory["density"].iloc[-1] > 0.9
    assert trajectory["mass"].iloc[-1] >= 0.05 - 1e-9  # mass_min
    # The chosen box is the highest-coverage one at least as dense as the floor.
    dense = trajectory[trajectory["density"] >= 0.8]
    assert result.chosen["coverage"] == dense["coverage"].max()


def test_a_box_can_be_picked_by_index_and_a_higher_floor_gives_a_denser_box(
        box_sweep: Path) -> None:
    picked = discover(box_sweep, "y", above=0.5, box_index=3)
    assert picked.chosen_box == 3 and "--box" in picked.choice
    assert set(picked.box["parameter"]) == set(picked.trajectory.loc[3, "restricted"].split("; "))
    strict = discover(box_sweep, "y", above=0.5, threshold_share=0.99)
    assert strict.chosen["density"] >= 0.99
    with pytest.raises(SweepDataError, match="--box: expected a box index from 0 to"):
        discover(box_sweep, "y", above=0.5, box_index=999)


def test_quasi_p_values_use_exact_counts(box_sweep: Path) -> None:
    # prim 1.0 truncates its counts from float shares (int(15 / 22 * 22) == 14), which here
    # shifts the quasi-p of some boxes; ours are the binomial test on the counted cases.
    from scipy.stats import binom

    result = discover(box_sweep, "y", above=0.5)
    inputs = load_sweep(box_sweep).inputs
    y = pd.read_csv(box_sweep / "points.csv")["y"].to_numpy() > 0.5
    restricted = result.limits[result.limits["restricted"]]
    for step, box in restricted.groupby("box"):
        box = box.set_index("parameter")

        def inside(names: list[str], box: pd.DataFrame = box) -> np.ndarray:
            mask = np.ones(len(inputs), dtype=bool)
            for name in names:
                mask &= inputs[name].between(box.loc[name, "low"], box.loc[name, "high"])
            return mask

        in_box = inside(list(box.index))
        for dropped in box.index:
            density_without = y[inside([n for n in box.index if n != dropped])].mean()
            expected = binom.sf(y[in_box].sum() - 1, in_box.sum(), density_without)
            assert box.loc[dropped, "qp_value"] == pytest.approx(expected, rel=1e-9), step


def test_categorical_levers_are_restricted_to_levels(mode_sweep: Path) -> None:
    result = discover(mode_sweep, "risk", above=0.5)
    box = result.box.set_index("parameter")
    assert set(box.loc["mode", "levels"].split("; ")) == {"closed", "hybrid"}
    assert box.loc["mode", "design_levels"] == "open; closed; hybrid"
    assert box.loc["x1", "low"] == pytest.approx(0.5, abs=0.05)
    assert result.chosen["density"] >= 0.9 and result.chosen["coverage"] >= 0.9


def test_a_milestone_never_reached_counts_as_later_than_any_month(mode_sweep: Path) -> None:
    result = discover(mode_sweep, "state_months_to_1e27__x", above=24)
    assert result.n_left_out == 0
    assert result.n_of_interest == (load_sweep(mode_sweep).inputs["x1"] < 0.3).sum()
    assert list(result.box["parameter"]) == ["x1"]
    assert limits(result, "x1")["high"] == pytest.approx(0.3, abs=LIMIT_TOLERANCE)


def test_runs_are_cases_with_per_run(box_sweep: Path) -> None:
    result = discover(box_sweep, "y", above=0.5, per="run")
    assert result.n_cases == 300  # one replicate: one run per point
    assert set(result.box["parameter"]) == {"x1", "x2"}


# The command --------------------------------------------------------------------------------


def test_discover_command_writes_tables_and_plots(box_sweep: Path, tmp_path: Path) -> None:
    out = tmp_path / "found"
    result = CliRunner().invoke(main, ["discover", str(box_sweep), "--outcome", "y",
                                       "--above", "0.5", "--out", str(out), "--json"])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.output)
    assert summary["coverage"] >= 0.8 and summary["density"] >= 0.8
    assert (summary["outcome_label"], summary["outcome_unit"]) == ("y", "")
    assert {r["parameter"] for r in summary["restricted"]} == {"x1", "x2"}
    assert len(summary["trajectory"]) > 5 and summary["results"] == str(out)
    assert {p.name for p in out.iterdir()} == {
        "manifest.json", "summary.json", "box.csv", "trajectory.csv", "trajectory_limits.csv",
        "feature_scores.csv", "plots"}
    assert {p.name for p in (out / "plots").iterdir()} == {
        "tradeoff.png", "box_limits.png", "feature_scores.png"}
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["kind"] == "discovery" and manifest["packages"]["prim"] == "1.0.0"
    assert pd.read_csv(out / "feature_scores.csv")["parameter"].iloc[-1] == "x3"
    again = CliRunner().invoke(main, ["discover", str(box_sweep), "--outcome", "y", "--above",
                                      "0.5", "--out", str(out)])
    assert again.exit_code == 2 and "already exists" in again.output
    forced = CliRunner().invoke(main, ["discover", str(box_sweep), "--outcome", "y",
                                       "--above", "0.5", "--out", str(out), "--force"])
    assert forced.exit_code == 0, forced.output
    assert "restricted dimensions" in forced.output and f"results: {out}" in forced.output


def test_the_default_folder_is_inside_the_sweep(mode_sweep: Path) -> None:
    result = CliRunner().invoke(main, ["discover", str(mode_sweep), "--outcome", "risk",
                                       "--above", "0.5", "--no-plots"])
    assert result.exit_code == 0, result.output
    assert (mode_sweep / "discover-risk-above-0.5" / "box.csv").is_file()
    refused = CliRunner().invoke(main, ["discover", str(mode_sweep), "--outcome", "risk",
                                        "--above", "0.5", "--out", str(mode_sweep), "--force"])
    assert refused.exit_code == 2 and "sweep folder itself" in refused.output
    assert (mode_sweep / "runs.csv").is_file()


@pytest.mark.parametrize(("arguments", "expected"), [
    (["--outcome", "y", "--above", "2"], "no design point has y above 2"),
    (["--outcome", "y", "--below", "2"], "every design point has y below 2"),
    (["--outcome", "yy", "--below", "2"], "unknown outcome 'yy'; did you mean 'y'?"),
    (["--outcome", "y"], "give exactly one of --below V or --above V"),
    (["--outcome", "y", "--below", "1", "--above", "0"], "exactly one of"),
    (["--outcome", "y", "--above", "0.5", "--threshold-share", "1.5"], "--threshold-share"),
])
def test_bad_requests_exit_2_with_one_line(box_sweep: Path, tmp_path: Path,
                                           arguments: list[str], expected: str) -> None:
    result = CliRunner().invoke(main, ["discover", str(box_sweep), *arguments,
                                       "--out", str(tmp_path / "out")])
    assert result.exit_code == 2
    assert expected in result.output and "Traceback" not in result.output
    assert len(result.output.strip().splitlines()) == 1
    assert not (tmp_path / "out").exists()


def test_folders_that_are_not_finished_sweeps_exit_2(tmp_path: Path) -> None:
    design = make_design([Parameter("x1", low=0.0, high=1.0)], "lhs", 4)
    create_sweep(tmp_path / "unfinished", FunctionModel(in_true_box), design, 1, 1, "u")
    (tmp_path / "empty").mkdir()
    cases = {tmp_path / "missing": "not a folder", tmp_path / "empty": "not a sweep folder",
             tmp_path / "unfinished": "the sweep is incomplete"}
    for folder, expected in cases.items():
        result = CliRunner().invoke(main, ["discover", str(folder), "--outcome", "y",
                                           "--above", "0.5"])
        assert result.exit_code == 2, result.output
        assert expected in result.output and "Traceback" not in result.output


# A small real regsim sweep -------------------------------------------------------------------

SMALL_SENSITIVITY = ["sweep", "sensitivity", "--set", "scenario.months=24", "--set",
                     "world.ecosystem.adopters=500", "--samples", "10", "-n", "1", "-j", "1",
                     "--no-plots", "--quiet"]
LAG = "state_mean_lag_months__prc"


@pytest.fixture(scope="module")
def small_sensitivity_sweep(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("sensitivity") / "sweep"
    result = CliRunner().invoke(main, [*SMALL_SENSITIVITY, "--out", str(folder)])
    assert result.exit_code == 0, result.output
    return folder


def test_discover_finds_a_box_on_the_bundled_sensitivity_design(
        small_sensitivity_sweep: Path) -> None:
    lags = pd.read_csv(small_sensitivity_sweep / "points.csv")[LAG]
    threshold = float(lags.median())  # half the futures have the competitor closer than this
    result = CliRunner().invoke(main, ["discover", str(small_sensitivity_sweep), "--outcome",
                                       LAG, "--below", f"{threshold}", "--json"])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.output)
    assert summary["cases_of_interest"] == (lags < threshold).sum()
    assert summary["restricted"] and summary["density"] > summary["trajectory"][0]["density"]
    swept = pd.read_csv(small_sensitivity_sweep / "design.csv").columns[1:]
    assert {r["parameter"] for r in summary["restricted"]} <= set(swept)
    assert {r["parameter"] for r in summary["feature_scores"]} == set(swept)
    folder = Path(summary["results"])
    assert folder.parent == small_sensitivity_sweep
    assert (folder / "plots" / "tradeoff.png").stat().st_size > 10_000


def test_without_the_analysis_extra_the_command_says_what_to_install(
        box_sweep: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import importlib.util

    real_find_spec = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name, *a: None if name == "prim" else real_find_spec(name, *a))
    result = CliRunner().invoke(main, ["discover", str(box_sweep), "--outcome", "y",
                                       "--above", "0.5"])
    assert result.exit_code == 2
    assert "regsim discover needs prim, from regsim's analysis extra: pip install -e " \
        "'.[analysis]'" in result.output
