"""Discovery on what analysts ask (issue 19): sweeps record the future each run faces, and
`discover` targets a lever's paired effect per future or a condition on several outcomes,
with CART beside PRIM, resampling and drop-restriction, include/exclude, drawn values as
dimensions and a warning when PRIM stops peeling early.

The acceptance test: a synthetic sweep whose lever has an effect only inside a known box of
two uncertainties (the stored outcome is dominated by a third), `discover --effect` recovers
the box with coverage and density >= 0.8, and CART's best leaf restricts the same dimensions
with limits within LIMIT_TOLERANCE of PRIM's.
"""

from __future__ import annotations

import json
import math
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from sim.analysis.discovery import PeelingStoppedEarly, discover
from sim.analysis.sweep_data import SweepDataError
from sim.cli import main
from sim.experiments.design import LEVER, Parameter, future_ids, make_design
from sim.experiments.executors import open_executor
from sim.experiments.models import FunctionModel
from sim.experiments.sweep import create_sweep, run_sweep

pytest.importorskip("prim")
pytest.importorskip("sklearn")

SWITCH = "policies.switch.enabled"
TRUE_X1, TRUE_X2_LOW = (0.2, 0.6), 0.5
LIMIT_TOLERANCE = 0.05
"""How far (in x units, on a 0..1 span) CART's and PRIM's box limits may lie apart."""


def in_box(x1: float, x2: float) -> bool:
    return TRUE_X1[0] <= x1 <= TRUE_X1[1] and x2 >= TRUE_X2_LOW


def switched(x1: float, x2: float, x3: float, **levers) -> dict[str, float]:
    """The switch raises `y` by 1 inside the box, by nothing outside; `y` itself is driven
    by x3 (10 times the effect), so a box on the stored `y` says nothing about the switch."""
    on = levers[SWITCH]
    effect = 1.0 if on and in_box(x1, x2) else 0.0
    return {"y": 10.0 * x3 + effect, "cost": 5.0 * x3 + (2.0 if on else 0.0)}


def drawn(x1: float, seed: int) -> dict[str, float]:
    """A drawn value per replicate (as `--uncertainty` draws: the same at every point), and
    an outcome that is high when that draw is high."""
    z = float(np.random.default_rng(seed).random())
    return {"y": 1.0 if z > 0.5 else 0.0, "drawn__world.z": z, "x1_echo": x1}


def xor(x1: float, x2: float) -> float:
    """Every single peel leaves the density at one half: PRIM cannot start."""
    return 1.0 if (x1 < 0.5) != (x2 < 0.5) else 0.0


def make_sweep(folder: Path, model: FunctionModel, design, replicates: int = 1) -> Path:
    create_sweep(folder, model, design, 7, replicates, folder.name)
    with open_executor(1) as executor:
        run_sweep(folder, executor, model=model)
    return folder


@pytest.fixture(scope="module")
def effect_sweep(tmp_path_factory: pytest.TempPathFactory) -> Path:
    parameters = [Parameter(f"x{i}", low=0.0, high=1.0) for i in (1, 2, 3)]
    parameters.append(Parameter(SWITCH, kind=LEVER, values=(True, False)))  # typed on, off
    design = make_design(parameters, "lhs", 300, root_seed=7)
    return make_sweep(tmp_path_factory.mktemp("effect") / "sweep", FunctionModel(switched),
                      design, replicates=2)


# Future ids -----------------------------------------------------------------------------------


def test_sweeps_record_the_future_each_point_and_run_faces(effect_sweep: Path) -> None:
    points = pd.read_csv(effect_sweep / "points.csv")
    runs = pd.read_csv(effect_sweep / "runs.csv")
    assert "future_id" in points.columns and "future_id" in runs.columns
    assert "future_id" not in [c for c in points.columns if c.startswith("y")]
    # every lever setting faces the same 300 futures, each future the same uncertainty values
    by_switch = points.groupby(SWITCH)["future_id"].apply(sorted)
    assert by_switch[True] == by_switch[False] == list(range(300))
    assert points.groupby("future_id")[["x1", "x2", "x3"]].nunique().max().max() == 1
    # a run's future is its point's future and its replicate
    merged = runs.merge(points[["point_id", "future_id"]], on="point_id",
                        suffixes=("", "_point"))
    assert (merged["future_id"] == merged["future_id_point"] * 2 + merged["replicate"]).all()
    # the future id is not taken for an outcome
    sensitivity = pd.read_csv(effect_sweep / "sensitivity.csv")
    assert "future_id" not in set(sensitivity.get("outcome", []))


def test_future_ids_of_a_design_without_uncertainties_are_one_future() -> None:
    design = make_design([Parameter("a", kind=LEVER, values=(1, 2, 3))], "grid")
    assert future_ids(design) == [0, 0, 0]


def test_an_old_sweep_without_future_ids_pairs_the_same(effect_sweep: Path,
                                                        tmp_path: Path) -> None:
    import shutil

    old = tmp_path / "old"
    shutil.copytree(effect_sweep, old)
    for name in ("points.csv", "runs.csv"):
        table = pd.read_csv(old / name)
        table.drop(columns=["future_id"]).to_csv(old / name, index=False)
    new_result = discover(effect_sweep, "y", above=0.5, effect=f"{SWITCH}=false:true")
    old_result = discover(old, "y", above=0.5, effect=f"{SWITCH}=false:true")
    assert old_result.n_cases == new_result.n_cases == 300
    pd.testing.assert_frame_equal(old_result.box, new_result.box)


# The acceptance test: a known box in a derived effect -----------------------------------------


def test_discover_recovers_a_box_in_a_paired_effect_and_cart_agrees(effect_sweep: Path) -> None:
    stored = discover(effect_sweep, "y", above=5.0)  # the stored outcome: x3 drives it
    assert list(stored.box["parameter"]) == ["x3"]
    result = discover(effect_sweep, "y", above=0.5, effect=f"{SWITCH}=false:true",
                      method="both")
    assert result.n_cases == 300  # one case per future; the lever is no longer a dimension
    truth = np.array([in_box(a, b) for a, b in
                      zip(*_inputs(effect_sweep, ["x1", "x2"]), strict=True)])
    assert result.n_of_interest == truth.sum() // 2  # each future appears at both settings
    chosen = result.chosen
    assert chosen["coverage"] >= 0.8 and chosen["density"] >= 0.8
    box = result.box.set_index("parameter")
    assert set(box.index) == {"x1", "x2"}
    assert box.loc["x1", "low"] == pytest.approx(TRUE_X1[0], abs=LIMIT_TOLERANCE)
    assert box.loc["x1", "high"] == pytest.approx(TRUE_X1[1], abs=LIMIT_TOLERANCE)
    assert box.loc["x2", "low"] == pytest.approx(TRUE_X2_LOW, abs=LIMIT_TOLERANCE)
    best = result.cart[result.cart["best"]].set_index("parameter")
    assert best["coverage"].iloc[0] >= 0.8 and best["density"].iloc[0] >= 0.8
    assert set(best.index) == set(box.index)
    for name, row in box.iterrows():  # an open CART side is the design's edge
        cart_low = best.loc[name, "low"] if math.isfinite(best.loc[name, "low"]) else 0.0
        cart_high = best.loc[name, "high"] if math.isfinite(best.loc[name, "high"]) else 1.0
        assert cart_low == pytest.approx(row["low"], abs=LIMIT_TOLERANCE)
        assert cart_high == pytest.approx(row["high"], abs=LIMIT_TOLERANCE)


def _inputs(folder: Path, columns: list[str]) -> list[np.ndarray]:
    points = pd.read_csv(folder / "points.csv")
    return [points[c].to_numpy() for c in columns]


def test_the_effect_is_b_minus_a_on_the_same_future(effect_sweep: Path) -> None:
    # the switch costs exactly 2 on every future: x3's much larger spread cancels in pairs
    with pytest.raises(SweepDataError, match=r"every paired run .* \(cost runs from 2 to 2\)"):
        discover(effect_sweep, "cost", above=1.5, effect=f"{SWITCH}=false:true", per="run")
    with pytest.raises(SweepDataError, match=r"no paired design point .* from -2 to -2"):
        discover(effect_sweep, "cost", above=1.5, effect=f"{SWITCH}=true:false")


@pytest.mark.parametrize(("effect", "message"), [
    ("x1=0:1", "not a lever"),
    (f"{SWITCH}=maybe:true", "not an option"),
    (f"{SWITCH}=true:true", "the same option"),
    (f"{SWITCH}=true", "expected LEVER=A:B"),
])
def test_bad_effects_are_refused(effect_sweep: Path, effect: str, message: str) -> None:
    with pytest.raises(SweepDataError, match=message):
        discover(effect_sweep, "y", above=0.5, effect=effect)


# Conditions on several outcomes ---------------------------------------------------------------


def test_where_needs_every_condition(effect_sweep: Path) -> None:
    points = pd.read_csv(effect_sweep / "points.csv")
    result = discover(effect_sweep, where=["y>5", "cost<4"])
    expected = ((points["y"] > 5) & (points["cost"] < 4)).sum()
    assert result.n_of_interest == expected
    assert result.rule == "where" and result.where == ("y>5", "cost<4")
    assert set(result.box["parameter"]) >= {"x3", SWITCH}
    with pytest.raises(SweepDataError, match="expected OUTCOME<V"):
        discover(effect_sweep, where=["y=5"])
    with pytest.raises(SweepDataError, match="not both"):
        discover(effect_sweep, "y", above=1.0, where=["y>5"])


# Dimensions: include, exclude, drawn values ---------------------------------------------------


def test_include_and_exclude_choose_the_dimensions(effect_sweep: Path) -> None:
    without = discover(effect_sweep, "y", above=0.5, effect=f"{SWITCH}=false:true",
                       exclude=["x1"])
    assert "x1" not in set(without.box["parameter"]) | set(without.feature_scores["parameter"])
    only = discover(effect_sweep, where=["y>5", "cost<4"], include=["lever"])
    assert list(only.feature_scores["parameter"]) == [SWITCH]
    with pytest.raises(SweepDataError, match="not a dimension"):
        discover(effect_sweep, "y", above=5.0, include=["x9"])


def test_drawn_uncertainty_values_are_dimensions_per_run(tmp_path: Path) -> None:
    design = make_design([Parameter("x1", low=0.0, high=1.0)], "lhs", 10, root_seed=3)
    folder = make_sweep(tmp_path / "drawn", FunctionModel(drawn, pass_seed=True), design,
                        replicates=20)
    result = discover(folder, "y", above=0.5, per="run")
    assert list(result.box["parameter"]) == ["drawn__world.z"]
    assert result.box["kind"].iloc[0] == "drawn"
    assert result.chosen["density"] == 1.0
    assert result.box["low"].iloc[0] >= 0.5 - 0.1
    no_drawn = discover(folder, "x1_echo", above=0.5, per="run", exclude=["drawn"])
    assert list(no_drawn.feature_scores["parameter"]) == ["x1"]


# Testing the box -----------------------------------------------------------------------------


def test_resampling_and_dropping_restrictions(effect_sweep: Path) -> None:
    result = discover(effect_sweep, "y", above=0.5, effect=f"{SWITCH}=false:true",
                      resamples=10)
    reappears = result.resampling.set_index("parameter")["reappears"]
    assert reappears["x1"] >= 0.8 and reappears["x2"] >= 0.8
    assert reappears.get("x3", 0.0) <= 0.5
    drops = result.drops.set_index("dropped")
    assert drops.loc["", "density"] == pytest.approx(result.chosen["density"])
    assert drops.loc["", "coverage"] == pytest.approx(result.chosen["coverage"])
    for name in ("x1", "x2"):  # each restriction carries the box
        assert drops.loc[name, "density"] < drops.loc["", "density"] - 0.2
        assert drops.loc[name, "coverage"] >= drops.loc["", "coverage"]


# Peeling that stops early ---------------------------------------------------------------------


def test_a_warning_when_peeling_stops_early(tmp_path: Path) -> None:
    design = make_design([Parameter("x1", low=0.0, high=1.0),
                          Parameter("x2", low=0.0, high=1.0)], "grid", 10)
    folder = make_sweep(tmp_path / "xor", FunctionModel(xor), design)
    with pytest.warns(PeelingStoppedEarly, match="no peel raises the density"):
        result = discover(folder, "y", above=0.5)
    assert result.peeling_stop["early"] and result.peeling_stop["mass"] == 1.0
    cart = discover(folder, "y", above=0.5, method="cart", peel_alpha=0.05)
    assert cart.cart["density"].max() == 1.0  # the tree finds the pure quarters


def test_no_warning_when_peeling_reaches_mass_min(effect_sweep: Path) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error", PeelingStoppedEarly)
        result = discover(effect_sweep, "y", above=0.5, effect=f"{SWITCH}=false:true")
    assert not result.peeling_stop["early"] and result.warnings == []


# The command line -----------------------------------------------------------------------------


def test_cli_discovers_an_effect_with_cart_and_resampling(effect_sweep: Path,
                                                          tmp_path: Path) -> None:
    out = tmp_path / "d"
    result = CliRunner().invoke(main, [
        "discover", str(effect_sweep), "--outcome", "y", "--above", "0.5",
        "--effect", f"{SWITCH}=false:true", "--method", "both", "--resamples", "4",
        "--no-plots", "--out", str(out), "--json"])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert summary["effect"] == f"{SWITCH}=false:true"
    assert summary["coverage"] >= 0.8 and summary["density"] >= 0.8
    for name in ("cart.csv", "resampling.csv", "drops.csv", "box.csv"):
        assert (out / name).is_file()
    text = CliRunner().invoke(main, [
        "discover", str(effect_sweep), "--where", "y>5", "--where", "cost<4",
        "--method", "cart", "--no-plots", "--out", str(tmp_path / "w")])
    assert text.exit_code == 0, text.output
    assert "y>5 and cost<4" in text.output and "CART leaves" in text.output


def test_cli_warns_when_peeling_stops_early_and_refuses_bad_targets(tmp_path: Path) -> None:
    design = make_design([Parameter("x1", low=0.0, high=1.0),
                          Parameter("x2", low=0.0, high=1.0)], "grid", 10)
    folder = make_sweep(tmp_path / "xor", FunctionModel(xor), design)
    result = CliRunner().invoke(main, ["discover", str(folder), "--outcome", "y", "--above",
                                       "0.5", "--no-plots", "--peel-alpha", "0.1"])
    assert result.exit_code == 0, result.output
    assert "warning: PRIM stopped peeling at mass 1.000" in result.stderr
    bad = CliRunner().invoke(main, ["discover", str(folder), "--where", "y~1"])
    assert bad.exit_code == 2 and bad.output.startswith("error: --where")


def test_the_future_id_is_not_an_outcome(effect_sweep: Path) -> None:
    from sim.analysis.sweep_data import load_sweep

    assert "future_id" not in load_sweep(effect_sweep).outcomes
    with pytest.raises(SweepDataError, match="not an outcome"):
        discover(effect_sweep, "future_id", above=3)


def test_plots_and_api_save_of_an_effect_and_a_condition(effect_sweep: Path,
                                                          tmp_path: Path) -> None:
    import sim

    found = sim.discover(effect_sweep, "y", above=0.5, effect=f"{SWITCH}=false:true",
                         method="both", resamples=2)
    saved = found.save(tmp_path / "effect")
    assert {"cart.csv", "resampling.csv", "drops.csv"} <= {p.name for p in saved.iterdir()}
    assert len(list((saved / "plots").iterdir())) == 3
    assert "effect" in found.plot("tradeoff").axes[0].get_title()
    default = sim.discover(effect_sweep, where=["y>5", "cost<4"]).save()
    assert default.parent == effect_sweep and default.name == "discover-where-y_5-cost_4"
    assert sim.open(default).tables["box"].shape[0] >= 1


def test_api_arguments_are_checked(effect_sweep: Path) -> None:
    import sim

    only = sim.open(effect_sweep).discover(where=["y>5", "cost<4"], include="lever")
    assert list(only.feature_scores["parameter"]) == [SWITCH]
    assert only.summary["settings"]["include"] == ["lever"]
    with pytest.raises(SweepDataError, match="--resamples"):
        discover(effect_sweep, "y", above=5.0, resamples=-1)
    with pytest.raises(SweepDataError, match="--method"):
        discover(effect_sweep, "y", above=5.0, method="tree")
    with pytest.raises(SweepDataError, match="not both"):
        discover(effect_sweep, "y", where=["y>5"])
