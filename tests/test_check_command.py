"""`regsim check` (sim/cli/check_command.py): prints the validity tables, writes the folder."""

from __future__ import annotations

from click.testing import CliRunner

from sim.cli import main


def test_check_prints_every_section_and_writes_the_report(tmp_path):
    out = tmp_path / "check"
    result = CliRunner().invoke(main, ["check", "--quick", "--no-plots", "--out", str(out)])
    assert result.exit_code == 0, result.output
    for heading in (
        "Calibration: baseline",
        "Independent measurements",
        "Historical replay",
        "What each row rests on",
        "margin",
        "Docking with closed-form",
        "Sources:",
        "checks:",
    ):
        assert heading in result.output
    assert (out / "checks.csv").is_file() and (out / "checks.md").is_file()
    assert not (out / "plots").exists()


def test_check_refuses_an_existing_folder_without_force(tmp_path):
    result = CliRunner().invoke(main, ["check", "--quick", "--out", str(tmp_path)])
    assert result.exit_code == 2
    assert "already exists" in result.output


def test_check_exits_1_on_an_undocumented_failure(tmp_path, monkeypatch):
    from sim.model.world import RegSimModel

    monkeypatch.setattr(RegSimModel, "compute_access_factor", lambda self, j, month: 1.0)
    result = CliRunner().invoke(
        main,
        [
            "check",
            "--quick",
            "--replicates",
            "2",
            "--no-plots",
            "--quiet",
            "--out",
            str(tmp_path / "broken"),
        ],
    )
    assert result.exit_code == 1
    assert "compute: under chip controls" in result.output


def test_check_refuses_a_key_that_is_not_a_formulation_field(tmp_path):
    result = CliRunner().invoke(main, ["check", "--quick", "--formulation",
                                       "world.follower.delay_months=3", "--out",
                                       str(tmp_path / "c")])
    assert result.exit_code == 2
    assert "not a formulation field" in result.output
    assert not (tmp_path / "c").exists()


def test_check_reports_each_formulation_grouped(tmp_path, monkeypatch):
    """Any schema field flagged as a formulation works: here the check's machinery runs with a
    stand-in field (none is on main yet), each formulation's report printed and written."""
    import pandas as pd

    from sim.validity import formulations, report
    from sim.validity.report import CheckSettings, run_checks

    monkeypatch.setattr(formulations, "formulation_fields",
                        lambda model=None, prefix="": {"scenario.description": ("alpha", "beta")})
    small = CheckSettings(replicates=2, theft_replicates=30, bass_adopters=2_000, bass_months=6)
    seen = []

    def small_checks(settings, progress=None, formulation=None):
        seen.append(formulation)
        return run_checks(small, progress, formulation)

    monkeypatch.setattr(report, "run_checks", small_checks)
    out = tmp_path / "check"
    result = CliRunner().invoke(main, [
        "check", "--quick", "--no-plots", "--out", str(out),
        "--formulation", "scenario.description=alpha",
        "--formulation", "scenario.description=beta"])
    assert seen == [{"scenario.description": "alpha"}, {"scenario.description": "beta"}]
    assert "=== Formulation: scenario.description=alpha ===" in result.output
    assert "=== Formulation: scenario.description=beta ===" in result.output
    assert "By formulation:" in result.output
    table = pd.read_csv(out / "checks.csv")
    assert set(table["formulation"]) == {"scenario.description=alpha",
                                         "scenario.description=beta"}
    assert {"kind", "basis", "margin", "borderline"} <= set(table.columns)
    assert (out / "scenario.description=alpha" / "replay_dates.csv").is_file()
