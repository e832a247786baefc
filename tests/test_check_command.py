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
        "Historical replay",
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
