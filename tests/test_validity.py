"""The validity checks (sim/validity): calibration, historical replay and docking, on fewer
replicates than `regsim check`, each shown able to fail when its mechanism is broken."""

from __future__ import annotations

import math

import numpy as np
import pytest

from sim.calendar import parse_month
from sim.experiments.runner import run_scenario
from sim.model import ecosystem
from sim.model.world import RegSimModel
from sim.validity import calibration, docking, evidence, replay
from sim.validity.checks import (
    CALIBRATION,
    CONSISTENCY,
    DOCUMENTED,
    FAIL,
    PASS,
    VALIDATION,
    Estimate,
    label_checks,
    median_estimate,
    range_margin,
)
from sim.validity.report import (
    CheckSettings,
    checks_frame,
    format_report,
    load_bundled,
    run_checks,
    to_markdown,
    write_report,
)
from sim.validity.sources import SOURCES

REPLICATES = 8


# Docking: Bass --------------------------------------------------------------------------------
@pytest.mark.slow
def test_bass_share_follows_the_closed_form_within_0_01_at_a_million_adopters():
    bass = docking.bass_docking(adopters=1_000_000, months=24)
    assert bass.max_abs_error < docking.BASS_TOLERANCE
    assert bass.check().passed
    assert bass.closed_form[-1] > 0.95  # the whole curve, to saturation, was compared


def test_bass_tolerance_is_tight_enough_to_catch_a_one_month_shift():
    months = np.arange(1, 25)
    p, q = 0.1, 1.0
    shifted = ecosystem.bass_closed_form(months - 1, p, q)
    assert np.max(np.abs(shifted - ecosystem.bass_closed_form(months, p, q))) > 0.01


def test_bass_docking_fails_when_diffusion_runs_at_the_wrong_speed(monkeypatch):
    original = ecosystem.bass_advance
    monkeypatch.setattr(ecosystem, "bass_advance",  # 1.5 months of adoption a step
                        lambda share, p, q, periods: original(share, p, q, 1.5 * periods))
    bass = docking.bass_docking(adopters=100_000, months=24)
    assert not bass.check().passed


# Docking: theft -------------------------------------------------------------------------------
def test_time_to_first_theft_is_geometric_with_mean_one_over_h():
    theft = docking.theft_docking(hazard=0.05, replicates=500)
    mean_check, distribution_check = theft.checks()
    assert mean_check.passed, mean_check.model_text
    assert distribution_check.passed, theft.chi2_p_value
    assert not np.isnan(theft.months_to_theft).any()
    assert theft.months_to_theft.min() >= 1  # a theft in the first month counts as month 1


def test_theft_docking_fails_when_the_hazard_is_not_h(monkeypatch):
    original = RegSimModel.theft_hazard
    monkeypatch.setattr(
        RegSimModel, "theft_hazard", lambda self, tier, level: 2 * original(self, tier, level)
    )
    theft = docking.theft_docking(hazard=0.05, replicates=500)
    assert not any(check.passed for check in theft.checks())


def test_geometric_chi_square_bins_cover_every_month_once():
    months = np.array([1, 1, 2, 3, 5, 8, 13, 21, 34, np.nan] * 20, dtype=float)
    p_value, bins = docking.geometric_chi_square(months, 0.1, horizon=60, min_expected=5)
    assert bins[0][0] == 1 and math.isinf(bins[-1][1])
    assert all(later[0] == earlier[1] + 1 for earlier, later in zip(bins, bins[1:], strict=False))
    assert sum(observed for _, _, observed, _ in bins) == len(months)
    assert sum(expected for *_, expected in bins) == pytest.approx(len(months))
    assert 0.0 <= p_value <= 1.0


# Docking: compute growth ----------------------------------------------------------------------
@pytest.mark.parametrize("strength", [0.0, 0.3, 0.9])
def test_a_lab_buys_its_run_at_the_months_price_from_the_start_month(strength):
    case = docking.compute_docking(months=48, strength=strength)
    assert case.check().passed, case.max_abs_error
    assert case.run_flop[0] == pytest.approx(25.0)  # initial_run_flop is the start month's run


def test_spending_over_price_gives_the_frontier_rate_before_the_ceiling():
    case = docking.compute_docking(months=30, budget_musd=10.0)
    # Spending 2.4x/yr over a price falling 1.9x/yr: 4.56x/yr, once the budget buys more than
    # the start month's 1e25 run (month 2 or so).
    assert np.diff(case.run_flop[-18:]).mean() * 12 == pytest.approx(math.log10(2.4 * 1.9))


def test_chip_controls_shrink_the_run_by_a_level_not_a_rate():
    free = docking.compute_docking(months=30, budget_musd=10.0)
    controlled = docking.compute_docking(months=30, budget_musd=10.0, strength=0.75)
    gap = (free.run_flop - controlled.run_flop)[-18:]  # once both budgets outgrow 1e25
    assert np.all(gap > 0.3)
    assert np.all(np.diff(gap) <= 0) and gap[0] - gap[-1] < 0.1  # narrows slowly


def test_compute_docking_fails_when_chip_controls_do_not_bite(monkeypatch):
    monkeypatch.setattr(RegSimModel, "compute_access_factor", lambda self, j, month: 1.0)
    assert not docking.compute_docking(strength=0.3).check().passed


# Calibration ----------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def baseline_run():
    return run_scenario(load_bundled("baseline"), REPLICATES)


@pytest.mark.parametrize("target", calibration.TARGETS, ids=lambda t: t.key)
def test_calibration_target_status_matches_its_documentation(baseline_run, target):
    """Targets without a documented reason must pass; documented ones must still fail (else
    the explanation in the report and docs/model.md is stale)."""
    check = target.check(baseline_run)
    assert check.estimate.n > 0
    assert check.passed == (not target.explanation), (check.name, check.model_text)


@pytest.mark.parametrize("measurement", evidence.MEASUREMENTS, ids=lambda m: m.key)
def test_independent_measurement_status_matches_its_documentation(baseline_run, measurement):
    """Rows without a documented reason must pass; a documented failure is never hidden."""
    check = measurement.check(baseline_run)
    assert check.estimate.n > 0
    if not measurement.explanation:
        assert check.passed, (check.name, check.model_text)
    if not check.passed:
        assert check.explanation and check.status == DOCUMENTED


def test_every_calibration_target_cites_a_known_source():
    for target in calibration.TARGETS:
        assert target.sources and all(key in SOURCES for key in target.sources)


def test_calibration_fails_when_compute_growth_is_broken(monkeypatch):
    from sim.model.compute import CostModel

    original = CostModel.affordable_log10_flop
    monkeypatch.setattr(CostModel, "affordable_log10_flop",  # 0.4 OOM/yr too fast, no ceiling
                        lambda self, budget, month, access=1.0: original(self, budget, month,
                                                                         access)
                        + 0.4 * (month - parse_month("2024-01")) / 12)
    run = run_scenario(load_bundled("baseline"), 3)
    growth = next(t for t in calibration.TARGETS if t.key == "frontier_compute_growth")
    assert not growth.check(run).passed


# Replay ---------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def replay_run():
    scenario = load_bundled(replay.SCENARIO)
    return scenario, run_scenario(scenario, REPLICATES)


def test_gpt4_level_is_its_training_compute_at_march_2023_algorithms():
    scenario = load_bundled(replay.SCENARIO)
    level = replay.reference_capability(2.1e25, "2023-03", scenario)
    assert level == pytest.approx(math.log10(2.1e25) - 4 * 0.45 / 12)
    # ...which is the capability the model itself gives OpenAI's pre-start GPT-4.
    from sim.experiments.runner import build_model

    model = build_model(scenario, 1)
    gpt4 = next(a for a in model.registry.artifacts if a.developer == "openai")
    assert gpt4.capability == pytest.approx(level)


@pytest.mark.parametrize("event", replay.EVENTS, ids=lambda e: e.key)
def test_replay_event_status_matches_its_documentation(replay_run, event):
    scenario, run = replay_run
    check = event.check(run, scenario)
    if not event.explanation:  # documented events may be borderline; the rest must pass
        assert check.passed, (check.name, check.model_text)


def test_replay_fails_when_the_state_ignores_its_own_labs(monkeypatch):
    from sim.model.states import StateActor

    original = StateActor._gain

    def open_weights_only(self, channel, capability):
        if channel != "domestic":
            original(self, channel, capability)

    monkeypatch.setattr(StateActor, "_gain", open_weights_only)
    scenario = load_bundled(replay.SCENARIO)
    run = run_scenario(scenario, REPLICATES)
    gpt4 = next(e for e in replay.EVENTS if e.key == "state_gpt4")
    assert not gpt4.check(run, scenario).passed


# Statistics and the report --------------------------------------------------------------------
def test_median_estimate_counts_never_as_later_than_any_month():
    estimate = median_estimate([10.0, 12.0, math.nan, math.nan, math.nan])
    assert math.isinf(estimate.value) and estimate.n == 2 and estimate.replicates == 5
    assert median_estimate([3.0, 1.0, 2.0]).value == 2.0


@pytest.fixture(scope="module")
def small_report():
    settings = CheckSettings(
        replicates=2, theft_replicates=60, bass_adopters=20_000, bass_months=24
    )
    return run_checks(settings)


def test_report_has_every_target_event_and_docking_case(small_report):
    names = [check.name for check in small_report.checks]
    per_formulation = [
        f"{label} [{formulation}]" for formulation in calibration.CALIBRATED
        for label in [t.label for t in calibration.TARGETS
                      if t.key in calibration.FORMULATION_TARGETS]
        + [s.label for s in replay.STATISTICS if s.key in calibration.FORMULATION_REPLAY]]
    assert [c.name for c in small_report.section("calibration")] == [
        t.label for t in calibration.TARGETS
    ] + per_formulation
    assert [c.name for c in small_report.section("replay")] == [
        e.label for e in (*replay.EVENTS, *replay.STATISTICS)]
    assert [c.name for c in small_report.section("evidence")] == [
        m.label for m in evidence.MEASUREMENTS]
    assert sum(c.section == "docking" for c in small_report.checks) == 6
    kinds = {c.kind for c in small_report.checks}
    assert kinds == {"calibration", "validation", "consistency"}
    assert len(set(names)) == len(names)
    assert {c.status for c in small_report.checks} <= {PASS, FAIL, DOCUMENTED}


def test_printed_report_has_sources_values_and_verdicts(small_report):
    text = format_report(small_report)
    for check in small_report.checks:
        assert check.name in text and check.model_text in text
    for key in {k for c in small_report.checks for k in c.sources}:
        assert SOURCES[key].citation in text
    assert "checks:" in text.splitlines()[-1]


def test_report_folder_is_written_whole(small_report, tmp_path):
    from sim.experiments.storage import ResultsExistError
    from sim.plots.validity import write_validity_plots

    folder = write_report(small_report, tmp_path / "check", plot_writer=write_validity_plots)
    assert sorted(p.name for p in folder.iterdir()) == [
        "checks.csv",
        "checks.md",
        "manifest.json",
        "plots",
        "replay_dates.csv",
    ]
    assert {p.name for p in (folder / "plots").iterdir()} == {
        "bass.png",
        "calibration.png",
        "compute.png",
        "replay.png",
        "theft.png",
    }
    import pandas as pd

    written = pd.read_csv(folder / "checks.csv")
    assert list(written["check"]) == list(checks_frame(small_report)["check"])
    assert (folder / "checks.md").read_text() == to_markdown(small_report)
    with pytest.raises(ResultsExistError):
        write_report(small_report, folder)
    assert write_report(small_report, folder, force=True) == folder
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]


# Labels derived from data ------------------------------------------------------------------------
def _schema_field_exists(key: str) -> bool:
    """Whether a declared parameter ('world.a.b', 'developers.NAME.x', 'developers[].x',
    'states[].x', 'regulators.R.policies.KIND.x') names a field of the scenario schema."""
    from sim.model.policies import POLICY_KINDS
    from sim.scenario.schema import DeveloperSpec, Scenario, StateSpec

    parts = key.replace("[]", "").split(".")
    if parts[0] in ("developers", "developer_groups"):
        return parts[-1] in DeveloperSpec.model_fields
    if parts[0] == "states":
        return parts[-1] in StateSpec.model_fields
    if parts[0] == "regulators":
        return any(parts[-1] in kind.Params.model_fields for kind in POLICY_KINDS.values())
    model = Scenario
    for part in parts[:-1]:
        model = model.model_fields[part].annotation
    return parts[-1] in model.model_fields


def _calibration_identities(checks):
    identities = {s.identity for s in SOURCES.values() if s.sets}
    identities |= {SOURCES[k].identity for c in checks if c.calibrated and not c.construction
                   for k in c.sources}
    return identities


def test_every_rows_kind_follows_from_what_it_declares(small_report):
    """The rules of `regsim check`'s labels, over every row: consistency rows say why they
    hold by construction, calibration rows name the parameters set against them (which exist)
    or share a measurement a parameter was set from, and a validation row has neither and
    cites only measurements independent of every calibration source."""
    checks = small_report.checks
    identities = _calibration_identities(checks)
    for check in checks:
        mine = {SOURCES[k].identity for k in check.sources}
        if check.construction:
            assert check.kind == CONSISTENCY, check.name
        elif check.calibrated:
            assert check.kind == CALIBRATION, check.name
            assert all(_schema_field_exists(key) for key in check.calibrated), check.calibrated
        elif mine & identities:
            assert check.kind == CALIBRATION, (check.name, mine & identities)
        else:
            assert check.kind == VALIDATION, check.name
        if check.kind == VALIDATION:
            assert not check.calibrated and not check.construction
            assert not mine & identities, check.name
            assert all(SOURCES[k].dataset and SOURCES[k].quantity for k in check.sources)
    for check in small_report.section("docking"):
        assert check.kind == CONSISTENCY
    assert sum(c.kind == VALIDATION for c in checks) >= 8


def test_a_source_that_set_a_parameter_makes_its_rows_calibration(small_report, monkeypatch):
    import dataclasses

    from sim.validity import sources

    row = next(c for c in small_report.checks if c.kind == VALIDATION)
    key = row.sources[0]
    assert label_checks([dataclasses.replace(row, shared=())])[0].kind == VALIDATION
    tainted = dataclasses.replace(sources.SOURCES[key], sets=("world.follower.delay_months",))
    monkeypatch.setitem(sources.SOURCES, key, tainted)
    assert label_checks([dataclasses.replace(row, shared=())])[0].kind == CALIBRATION
    assert dataclasses.replace(row, calibrated=("world.follower.delay_months",)).kind == \
        CALIBRATION
    assert dataclasses.replace(row, construction="echoes an input").kind == CONSISTENCY


def test_replay_rows_within_the_calibrated_window_are_not_validation(small_report):
    by_name = {c.name: c for c in small_report.checks}
    assert by_name["competitor's own labs: lag in 2024-25"].kind == CALIBRATION
    assert by_name["competitor's lag narrows from 2023 to 2024-25"].kind == CALIBRATION
    assert by_name["competitor's own labs: lag in 2023-H2"].kind == VALIDATION
    assert by_name["frontier training compute growth, 2024-27"].kind == CONSISTENCY


# Margins and borderline rows ---------------------------------------------------------------------
def test_margin_is_the_distance_to_the_nearer_bound_and_borderline_when_the_interval_crosses():
    inside = Estimate(5.0, 4.5, 5.5, 10, 10, "mean", 4.5, 5.5)
    assert range_margin(inside, 3.0, 12.0) == (2.0, False)
    crossing = Estimate(5.0, 2.0, 8.0, 10, 10, "mean", 2.0, 8.0)
    assert range_margin(crossing, 3.0, 12.0) == (2.0, True)
    outside = Estimate(13.0, 12.5, 13.5, 10, 10, "mean", 12.5, 13.5)
    assert range_margin(outside, 3.0, 12.0) == (-1.0, False)
    never = Estimate(math.inf, math.inf, math.inf, 0, 5, "median", math.inf, math.inf)
    assert range_margin(never, parse_month("2026-05"), math.inf)[0] == math.inf


def test_a_replay_date_exactly_at_its_tolerance_is_borderline():
    """The Llama 3.1-405B case: a median six months from the real date passes with margin 0,
    and when its interval reaches further it is borderline."""
    real = parse_month("2024-07")
    at_edge = median_estimate([real + 6.0] * 7 + [real + 8.0] * 6 + [real + 2.0] * 7)
    margin, borderline = replay.date_margin(at_edge, real)
    assert margin == 0 and borderline
    late = median_estimate([real + 7.0] * 20)  # median 1 month too late, range 4 months
    assert replay.date_margin(late, real) == (-4.0, False)


def test_rows_are_reevaluated_on_fewer_replicates_and_differences_listed():
    settings = CheckSettings(replicates=3, theft_replicates=60, bass_adopters=20_000,
                             also_at=(2,))
    report = run_checks(settings)
    fewer = report.at_fewer[2]
    assert [c.name for c in fewer] == [c.name for c in report.checks]
    assert all(c.estimate.replicates == 2 for c in fewer if c.section != "docking")
    from sim.validity.report import borderline_text

    text = format_report(report)
    for full, count, at_two in report.unstable():
        assert count == 2 and full.status != at_two.status
        assert "at 2 replicates" in borderline_text(report, full)
        assert full.name in text.split("Borderline")[1]


# Formulations ------------------------------------------------------------------------------------
def test_formulation_fields_are_found_by_their_schema_flag_at_any_depth():
    from typing import Literal

    from pydantic import BaseModel, Field

    from sim.validity.formulations import formulation_fields, parse_formulation

    class Inner(BaseModel):
        catch_up: Literal["proxy", "compute_bound"] = Field(
            "proxy", json_schema_extra={"formulation": True})
        other: Literal["a", "b"] = "a"

    class Outer(BaseModel):
        follower: Inner = Inner()
        plain: int = 0

    fields = formulation_fields(Outer)
    assert fields == {"follower.catch_up": ("proxy", "compute_bound")}
    assert parse_formulation("follower.catch_up=compute_bound", fields) == (
        "follower.catch_up", "compute_bound")
    for bad in ("follower.catch_up=nope", "follower.other=a", "follower.catch_up", "=x"):
        with pytest.raises(ValueError):
            parse_formulation(bad, fields)


def test_a_formulation_is_set_in_both_checked_scenarios(monkeypatch):
    from sim.validity import report as report_module

    seen = []

    def capture(scenario, replicates):
        seen.append(scenario)
        raise RuntimeError("stop")

    monkeypatch.setattr(report_module, "run_scenario", capture)
    with pytest.raises(RuntimeError):
        run_checks(CheckSettings(replicates=2), formulation={"scenario.description": "alpha"})
    assert seen and seen[0].scenario.description == "alpha"
