"""How a lab's money values grow: `world.money_growth` (docs/model.md §4.1, §10).

Under `run_budget` (the default) a lab's revenue and its other money values grow with its
frontier-run budget, which gives Meta trillions of dollars of AI revenue a year by 2033 in some
draws. Under `revenue_path` revenue follows the labs' sourced path (`sim.model.revenue`) and no
lab's revenue ever exceeds the bound, `world.revenue_path.max_annual_revenue_musd` (HSBC's 2030
forecast for OpenAI), or its start value where that is larger. Checked here: the path's
formula against its sources, the bound over seeds and the baseline's `[uncertainty]` draws
(with the path's own parameters drawn too), the option's validation, and a comparison of an
instrument under both options.
"""

from __future__ import annotations

import itertools
import json
import math
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.calendar import parse_month
from sim.cli import main
from sim.experiments import uncertainty
from sim.experiments.design import UNCERTAINTY, Parameter
from sim.experiments.runner import build_model, run_replicate, run_scenario
from sim.experiments.seeds import replicate_seeds
from sim.model import revenue
from sim.model.developers import Developer
from sim.scenario.loader import find_scenario, load_scenario
from sim.scenario.schema import RevenuePathParams
from sim.validity import calibration, replay
from sim.validity.checks import label_checks
from sim.validity.formulations import formulation_overrides
from sim.validity.report import load_bundled

REPO = Path(__file__).resolve().parent.parent
KEY = "world.money_growth"
REPLICATES = 3
ADOPTERS = 200
PATH_KEYS = ("world.revenue_path.growth_2024_per_year",
             "world.revenue_path.growth_half_life_years",
             "world.revenue_path.max_annual_revenue_musd")


def month(text: str) -> int:
    return parse_month(text)


# The path against its sources -------------------------------------------------------------------
def test_the_path_grows_as_sourced_in_2024_and_its_log_growth_halves_each_half_life():
    path = RevenuePathParams()
    assert revenue.growth_factor(path, month("2024-01"), month("2025-01")) == pytest.approx(3.5)
    first = math.log(revenue.growth_factor(path, month("2024-01"), month("2025-01")))
    later = math.log(revenue.growth_factor(path, month("2026-01"), month("2027-01")))
    assert later == pytest.approx(first / 2)  # two years = one half-life at the default
    assert revenue.growth_factor(path, month("2025-07"), month("2025-07")) == 1.0


def test_openais_sourced_revenues_lie_on_the_default_path():
    """OpenAI's USD 3.7B of 2024 (the baseline's start value) reaches its reported ~13B of 2025
    and its projected 125B of 2029 (the fit), then grows more slowly than its projection for
    2030 (174B) and stays within HSBC's 213B. A year's revenue is the path's value at the
    year's start, as the baseline's 2024 revenues are its values at 2024-01."""
    path = RevenuePathParams()

    def openai(year: int) -> float:
        return 3700.0 * revenue.revenue_scale(path, 3700.0, month("2024-01"),
                                               month(f"{year}-01"))

    assert openai(2025) == pytest.approx(13_000, rel=0.05)
    assert openai(2029) == pytest.approx(125_000, rel=0.05)
    assert 125_000 < openai(2030) < 174_000
    assert openai(2033) <= path.max_annual_revenue_musd


def test_a_lab_starting_above_the_cap_keeps_its_start_value():
    path = RevenuePathParams(max_annual_revenue_musd=1000.0)
    assert revenue.revenue_scale(path, 5000.0, month("2024-01"), month("2030-01")) == 1.0
    assert revenue.revenue_scale(path, 100.0, month("2024-01"), month("2030-01")) == 10.0


@settings(max_examples=300, deadline=None)
@given(growth=st.floats(1.0, 100.0), half_life=st.floats(0.1, 50.0),
       cap=st.floats(0.0, 1e7), start=st.one_of(st.just(0.0), st.floats(1e-300, 1e7)),
       start_month=st.integers(parse_month("2000-01"), parse_month("2100-12")),
       months=st.lists(st.integers(0, 1200), min_size=2, max_size=10))
def test_the_path_never_falls_never_passes_the_cap_and_never_overflows(
        growth, half_life, cap, start, start_month, months):
    """Over the schema's whole range of values and start months (a scenario may start in
    2000: the path then grows at its 2024 rate until 2024, not ever faster backwards)."""
    path = RevenuePathParams(growth_2024_per_year=growth, growth_half_life_years=half_life,
                             max_annual_revenue_musd=cap)
    scales = [revenue.revenue_scale(path, start, start_month, start_month + m)
              for m in sorted(months)]
    assert all(math.isfinite(scale) and scale >= 1.0 - 1e-12 for scale in scales)
    assert all(later >= earlier * (1 - 1e-12) for earlier, later in itertools.pairwise(scales))
    assert all(start * scale <= max(cap, start) * (1 + 1e-12) for scale in scales)
    if start == 0:
        assert set(scales) == {1.0}


def test_before_2024_the_path_grows_at_its_2024_rate():
    path = RevenuePathParams()
    first = revenue.log_growth(path, month("2023-01"), month("2023-07"))
    second = revenue.log_growth(path, month("2023-07"), month("2024-01"))
    next_month = revenue.log_growth(path, month("2024-01"), month("2024-02"))
    assert first == pytest.approx(second)
    assert second == pytest.approx(6 * next_month, rel=0.02)  # continuous at 2024-01


# The bound over seeds and draws -----------------------------------------------------------------
def drawn_worlds(name: str, money_growth: str, utilities: str):
    """`name` with the baseline's `[uncertainty]` draws and the revenue path's own ranges
    (the first replicates, small ecosystem), each with its replicate's seed; formulations
    other than the utilities are drawn as the baseline declares them."""
    scenario = load_scenario(find_scenario(name))
    ranges = uncertainty.documented_ranges()
    parameters = [p for p in uncertainty.declared(scenario)
                  if p.key not in ("world.compliance.utilities", KEY)]
    parameters += [Parameter(key, UNCERTAINTY, low=ranges[key]["low"], high=ranges[key]["high"],
                             scale=ranges[key]["scale"]) for key in PATH_KEYS]
    draws = uncertainty.draws(parameters, scenario.scenario.seed, REPLICATES)
    seeds = replicate_seeds(scenario.scenario.seed, REPLICATES)
    raw = scenario.to_toml_dict()
    for seed, values in zip(seeds, draws, strict=True):
        yield uncertainty.with_values(raw, {**values, KEY: money_growth,
                                            "world.compliance.utilities": utilities,
                                            "world.ecosystem.adopters": ADOPTERS}), seed


def revenue_bound_musd(lab: Developer) -> float:
    """The most `lab`'s revenue may be under the revenue path: the cap, or its start value."""
    return max(lab.model.params.world.revenue_path.max_annual_revenue_musd,
               lab.params.annual_revenue_musd)


def highest_revenue_over_bound(scenario, seed) -> float:
    """The largest ratio of a lab's revenue to `revenue_bound_musd` over every month."""
    model = build_model(scenario, seed, series=False)
    labs = [agent for agent in model.agents if isinstance(agent, Developer)]
    highest = 0.0
    for _ in range(scenario.scenario.months):
        model.step()
        highest = max(highest, *(lab.annual_revenue_now_musd() / revenue_bound_musd(lab)
                                 for lab in labs))
    return highest


@pytest.mark.parametrize(("name", "utilities"), [("open_weight_licence", "revealed"),
                                                 ("kill_switch", "stated")])
def test_no_lab_earns_more_than_the_bound_under_the_revenue_path(name, utilities):
    ratios = [highest_revenue_over_bound(scenario, seed)
              for scenario, seed in drawn_worlds(name, "revenue_path", utilities)]
    assert max(ratios) <= 1.0 + 1e-9, ratios
    assert max(ratios) > 0.5, ratios  # the bound is approached, not vacuous


def test_the_run_budget_growth_breaks_that_bound_in_the_same_draws():
    """The defect the revenue path answers: with money growing with the run budget, some lab's
    revenue passes the bound by 2033 in these draws (Meta's, in the baseline)."""
    ratios = [highest_revenue_over_bound(scenario, seed)
              for scenario, seed in drawn_worlds("open_weight_licence", "run_budget",
                                                 "revealed")]
    assert max(ratios) > 2.0, ratios


# Calibration under each option -----------------------------------------------------------------
@pytest.mark.parametrize("catch_up", list(calibration.CALIBRATED))
def test_the_revenue_path_keeps_each_catch_up_calibration(catch_up):
    """Calibrated by the same code (`calibrate`) on the baseline under the revenue path, each
    catch-up formulation chooses the value it chose under the run budget (docs/model.md
    §9.1.1): the option sets no parameter against the lag and moves it too little to matter."""
    baseline = load_scenario(find_scenario("baseline"))
    pathed = uncertainty.with_values(baseline.to_toml_dict(), {KEY: "revenue_path"},
                                     "calibration")
    result = calibration.calibrate(catch_up, pathed)
    assert result.chosen == calibration.CALIBRATED[catch_up].chosen, result


def test_the_check_reports_each_catch_up_formulations_rows_under_the_revenue_path():
    overrides = formulation_overrides({KEY: "revenue_path"})
    baseline = load_bundled("baseline", overrides)
    replay_scenario = load_bundled(replay.SCENARIO, overrides)
    seen = set()

    def run(scenario):
        seen.add(scenario.world.money_growth)
        return run_scenario(scenario, 2)

    runs = calibration.formulation_runs(baseline, replay_scenario, run)
    rows = label_checks(calibration.formulation_checks(runs, replay_scenario))
    assert seen == {"revenue_path"}
    for catch_up in calibration.CALIBRATED:
        assert len([row for row in rows if row.name.endswith(f"[{catch_up}]")]) == 4


# The option in scenario files, --set and compare ------------------------------------------------
def test_run_budget_set_explicitly_changes_nothing():
    small = ["world.ecosystem.adopters=100", "scenario.months=48"]
    implicit = load_scenario(find_scenario("kill_switch"), small)
    explicit = load_scenario(find_scenario("kill_switch"), [*small, f"{KEY}=run_budget"])
    summaries = [json.dumps(run_replicate(scenario, 7, timeseries=False).summary,
                            sort_keys=True, default=str) for scenario in (implicit, explicit)]
    assert summaries[0] == summaries[1]


@pytest.mark.parametrize(("setting", "expected"), [
    (f"{KEY}=revenue_paths", "expected one of 'run_budget', 'revenue_path'"),
    ("world.revenue_path.growth_half_life_years=0", "expected a number from 0.1 to 50"),
    ("world.revenue_path.max_annual_revenue_musd=-1", "expected a number from 0")])
def test_a_bad_value_exits_2_naming_the_key_and_what_was_expected(setting, expected, tmp_path):
    result = CliRunner().invoke(main, ["run", "baseline", "-n", "1", "--out", str(tmp_path),
                                       "--set", setting])
    assert result.exit_code == 2, result.output
    errors = [line for line in result.output.splitlines() if line.startswith("error:")]
    assert len(errors) == 1, result.output
    assert setting.split("=")[0] in errors[0] and expected in errors[0], errors
    assert "Traceback" not in result.output


def test_a_bad_value_in_a_scenario_file_names_the_file_and_the_key(tmp_path):
    scenario = tmp_path / "bad.toml"
    scenario.write_text(f'extends = "{REPO / "scenarios" / "baseline.toml"}"\n'
                        "[world]\nmoney_growth = \"revenue\"\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["validate", str(scenario)])
    assert result.exit_code == 2, result.output
    assert "bad.toml" in result.output and KEY in result.output, result.output
    assert "run_budget" in result.output and "revenue_path" in result.output, result.output


def compare_csv(tmp_path: Path, *extra: str):
    import pandas as pd

    out = tmp_path / "compare"
    result = CliRunner().invoke(main, [
        "compare", "baseline", "open_weight_licence", "-n", "2", "-j", "1", "--no-series",
        "--no-plots", "--out", str(out), "--set", "scenario.months=48",
        "--set", f"world.ecosystem.adopters={ADOPTERS}",
        "--set", "world.compliance.utilities=revealed", *extra])
    assert result.exit_code == 0, result.output
    return pd.read_csv(out / "comparison.csv").set_index("outcome")


def test_an_instruments_effect_can_be_compared_under_both_options(tmp_path):
    budget = compare_csv(tmp_path / "run_budget")
    path = compare_csv(tmp_path / "revenue_path", "--set", f"{KEY}=revenue_path")
    forgone = "private_value_forgone_musd"
    assert budget.loc[forgone, "difference_mean"] != path.loc[forgone, "difference_mean"]


def test_the_comparison_reports_the_effect_per_money_growth(tmp_path):
    """`--formulations world.money_growth`: one block per option on the same seeds, each
    with the licence's effect on value forgone."""
    import sim

    result = sim.compare("baseline", "open_weight_licence", replicates=2, workers=1,
                         plots=False, formulations=KEY,
                         set={"scenario.months": 48, "world.ecosystem.adopters": ADOPTERS,
                              "world.compliance.utilities": "revealed"})
    rows = result.formulations
    forgone = rows[rows["outcome"] == "private_value_forgone_musd"]
    assert sorted(forgone["option"]) == ["revenue_path", "run_budget"]
    assert forgone["difference_mean"].nunique() == 2, forgone


def test_the_option_and_the_path_can_be_drawn_under_uncertainty(tmp_path):
    """Declared in a scenario's `[uncertainty]`, the option is drawn like the other
    formulations and the path's parameters over their ranges, replicate by replicate."""
    scenario = tmp_path / "drawn.toml"
    scenario.write_text(
        f'extends = "{REPO / "scenarios" / "baseline.toml"}"\n'
        "[scenario]\nname = \"drawn\"\nmonths = 24\n[world.ecosystem]\nadopters = 100\n"
        "[uncertainty]\n"
        f'"{KEY}" = ["run_budget", "revenue_path"]\n'
        f'"{PATH_KEYS[0]}" = {{ low = 1.7, high = 4.7 }}\n', encoding="utf-8")
    result = run_scenario(load_scenario(scenario), replicates=4, uncertainty=True)
    frame = result.summaries_frame()
    assert set(frame[uncertainty.DRAW_PREFIX + KEY]) == {"run_budget", "revenue_path"}
    assert frame[uncertainty.DRAW_PREFIX + PATH_KEYS[0]].between(1.7, 4.7).all()
