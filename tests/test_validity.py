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
from sim.validity import calibration, docking, replay
from sim.validity.checks import DOCUMENTED, FAIL, PASS, median_estimate
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
    assert sum(c.section == "docking" for c in small_report.checks) == 6
    kinds = {c.kind for c in small_report.checks}
    assert kinds == {"calibration", "validation", "consistency"}
    assert sum(c.kind == "validation" for c in small_report.checks) >= 3
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
    from sim.presentation.validity_plots import write_validity_plots

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
