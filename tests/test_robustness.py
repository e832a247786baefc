"""Robustness: regret and satisficing of each lever combination over the futures it faced, on
a synthetic lever x future design with a known best policy, and on a small real sweep."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from sim.analysis.robustness import parse_criterion, robustness
from sim.analysis.sweep_data import SweepDataError
from sim.cli import main
from sim.experiments.design import LEVER, Parameter, make_design
from sim.experiments.executors import open_executor
from sim.experiments.models import FunctionModel
from sim.experiments.sweep import create_sweep, run_sweep

THEFT_FACTOR = {"none": 1.0, "light": 0.7, "strict": 0.4}
COST_MUSD = {"none": 0.0, "light": 10.0, "strict": 30.0}


def policy_outcomes(hazard: float, growth: float, policy: str) -> dict[str, float]:
    """'strict' has the fewest thefts in every future, 'none' the lowest cost; `score` has no
    known direction."""
    return {"thefts": 100.0 * hazard * THEFT_FACTOR[policy] * (1.0 + growth),
            "cost": COST_MUSD[policy] * (1.0 + growth), "score": hazard + growth}


def make_sweep(folder: Path, parameters: list[Parameter], sampler: str, samples: int) -> Path:
    design = make_design(parameters, sampler, samples, root_seed=5)
    model = FunctionModel(policy_outcomes)
    create_sweep(folder, model, design, 5, 1, folder.name)
    with open_executor(1) as executor:
        run_sweep(folder, executor, model=model)
    return folder


FUTURES = [Parameter("hazard", low=0.01, high=0.1), Parameter("growth", low=0.0, high=1.0)]
POLICY = Parameter("policy", kind=LEVER, values=("none", "light", "strict"))


@pytest.fixture(scope="module")
def policy_sweep(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_sweep(tmp_path_factory.mktemp("policy") / "sweep", [*FUTURES, POLICY], "lhs",
                      24)


def expected_thefts(policy_sweep: Path) -> pd.DataFrame:
    """Futures x policies table of thefts, from the design itself."""
    points = pd.read_csv(policy_sweep / "points.csv")
    return points.pivot_table(index=["hazard", "growth"], columns="policy", values="thefts")


def test_the_policy_best_in_every_future_has_no_regret(policy_sweep: Path) -> None:
    result = robustness(policy_sweep, ["thefts", "cost:lower"])
    assert len(result.combinations) == 3 and len(result.futures) == 24
    table = result.table.set_index(["lever_setting", "outcome"])
    assert table.loc[("policy=strict", "thefts"), "max_regret"] == 0.0
    assert table.loc[("policy=none", "cost"), "max_regret"] == 0.0
    thefts = expected_thefts(policy_sweep)
    for policy in ("none", "light"):
        regret = thefts[policy] - thefts["strict"]
        row = table.loc[(f"policy={policy}", "thefts")]
        assert row["max_regret"] == pytest.approx(regret.max())
        assert row["p90_regret"] == pytest.approx(np.percentile(regret, 90))
        assert row["mean_regret"] == pytest.approx(regret.mean())
        assert row["mean"] == pytest.approx(thefts[policy].mean())
        assert row["n_futures"] == 24
    assert (result.regret["regret"] >= 0).all()


def test_higher_is_better_takes_the_largest_as_best(policy_sweep: Path) -> None:
    result = robustness(policy_sweep, {"thefts": +1})  # as if thefts were wanted
    table = result.table.set_index("lever_setting")
    assert table.loc["policy=none", "max_regret"] == 0.0
    assert table.loc["policy=strict", "max_regret"] > 0.0


def test_satisficing_shares_count_the_futures_meeting_each_criterion(policy_sweep: Path) -> None:
    result = robustness(policy_sweep, ["thefts"], ["thefts<=4", "cost<15"])
    shares = result.satisficing.set_index("lever_setting")
    thefts = expected_thefts(policy_sweep)
    for policy in THEFT_FACTOR:
        assert shares.loc[f"policy={policy}", "thefts<=4"] == pytest.approx(
            (thefts[policy] <= 4).mean())
    assert shares["cost<15"].tolist() == [1.0, pytest.approx(
        (10 * (1 + thefts.index.get_level_values("growth")) < 15).mean()), 0.0]
    assert shares.loc["policy=strict", "all criteria"] == 0.0


def test_an_outcome_without_a_direction_must_be_given_one(policy_sweep: Path) -> None:
    with pytest.raises(SweepDataError, match="score has no direction.*score:higher"):
        robustness(policy_sweep, ["score"])
    assert len(robustness(policy_sweep, ["score:higher"]).table) == 3


@pytest.mark.parametrize("text", ["thefts", "thefts=>3", "thefts>=x", ">=3", "thefts>=inf"])
def test_bad_criteria_are_refused(text: str) -> None:
    with pytest.raises(SweepDataError, match="--satisfice"):
        parse_criterion(text)


def test_designs_that_do_not_cross_levers_with_futures_are_refused(tmp_path: Path) -> None:
    sobol = make_sweep(tmp_path / "sobol", [*FUTURES, POLICY], "sobol", 4)
    with pytest.raises(SweepDataError, match="sobol design"):
        robustness(sobol, ["thefts"])
    ranged = make_sweep(tmp_path / "ranged", [*FUTURES, Parameter("level", kind=LEVER,
                                                                  low=0.0, high=1.0)], "lhs", 6)
    with pytest.raises(SweepDataError, match="lever level is a range sampled with the futures"):
        robustness(ranged, ["thefts"])
    no_levers = make_sweep(tmp_path / "nolevers", [*FUTURES, Parameter("policy",
                                                                       values=("none",))],
                           "lhs", 4)
    with pytest.raises(SweepDataError, match="no levers"):
        robustness(no_levers, ["thefts"])


def test_a_grid_design_crosses_levers_with_the_same_futures(tmp_path: Path) -> None:
    grid = make_sweep(tmp_path / "grid", [*FUTURES, POLICY], "grid", 3)
    result = robustness(grid, ["thefts"])
    assert len(result.futures) == 9 and len(result.combinations) == 3
    assert result.table.set_index("lever_setting").loc["policy=strict", "max_regret"] == 0.0


def test_robustness_command_writes_tables_and_a_heatmap(policy_sweep: Path,
                                                        tmp_path: Path) -> None:
    out = tmp_path / "robust"
    result = CliRunner().invoke(main, ["robustness", str(policy_sweep), "--outcome", "thefts",
                                       "--outcome", "cost:lower", "--satisfice", "thefts<=4",
                                       "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "policy=strict" in result.output and "max regret" in result.output
    assert {p.name for p in out.iterdir()} >= {"robustness.csv", "satisficing.csv",
                                               "regret.csv", "manifest.json", "plots"}
    assert {p.name for p in (out / "plots").iterdir()} == {"regret_heatmap.png",
                                                           "satisficing.png"}
    refused = CliRunner().invoke(main, ["robustness", str(policy_sweep), "--outcome", "score",
                                        "--out", str(tmp_path / "other")])
    assert refused.exit_code == 2 and "no direction" in refused.output
    assert "Traceback" not in refused.output and not (tmp_path / "other").exists()


def test_robustness_on_a_small_real_sweep(tmp_path: Path) -> None:
    folder = tmp_path / "sweep"
    swept = CliRunner().invoke(main, [
        "sweep", "sensitivity", "--set", "scenario.months=24", "--set",
        "world.ecosystem.adopters=500", "--samples", "6", "-n", "1", "-j", "1", "--no-plots",
        "--quiet", "--out", str(folder)])
    assert swept.exit_code == 0, swept.output
    lag = "state_mean_lag_months__prc"
    result = CliRunner().invoke(main, ["robustness", str(folder), "--outcome", lag,
                                       "--satisfice", f"{lag}>=8", "--json"])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.output)
    assert summary["combinations"] == 3 and summary["futures"] == 6  # 3 chip-control levels
    assert summary["directions"] == {lag: 1}
    assert summary["outcomes"] == [{"outcome": lag, "label": "prc: mean lag, every channel",
                                    "unit": "months"}]
    assert min(row["max_regret"] for row in summary["table"]) >= 0.0
    assert (Path(summary["results"]) / "plots" / "regret_heatmap.png").is_file()
