"""`regsim run` end to end: every bundled scenario writes a whole results folder; seeds give
byte-identical (or different) results; existing results are never lost."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from conftest import SCENARIOS

from sim.cli import main

SMALL = ["--set", "world.ecosystem.adopters=300", "-n", "2"]
FILES = [
    "events.jsonl",
    "manifest.json",
    "outcomes.csv",
    "scenario.toml",
    "summaries.csv",
    "timeseries.csv",
]
PLOTS = ["capability.png", "channels.png", "diffusion.png", "kill_switch.png", "lags.png"]


def run(*args: str):
    return CliRunner().invoke(main, ["run", *args], catch_exceptions=False)


@pytest.mark.parametrize("path", sorted(SCENARIOS.glob("*.toml")), ids=lambda p: p.stem)
def test_every_bundled_scenario_writes_the_whole_results_folder(path, tmp_path):
    out = tmp_path / "results"
    result = run(str(path), *SMALL, "--out", str(out))
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in out.iterdir()) == sorted([*FILES, "plots"])
    assert sorted(p.name for p in (out / "plots").iterdir()) == PLOTS
    assert all((out / "plots" / name).stat().st_size > 1000 for name in PLOTS)
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["status"] == "ok" and len(manifest["replicate_seeds"]) == 2
    assert "95% CI" in result.output


def test_same_seed_gives_byte_identical_tables_and_another_seed_different(tmp_path):
    folders = {}
    for label, seed in (("a", "5"), ("b", "5"), ("c", "6")):
        folders[label] = tmp_path / label
        result = run(
            "baseline", *SMALL, "--seed", seed, "--no-plots", "-q", "--out", str(folders[label])
        )
        assert result.exit_code == 0, result.output
    for name in ("timeseries.csv", "summaries.csv", "events.jsonl"):
        same = (folders["a"] / name).read_bytes(), (folders["b"] / name).read_bytes()
        assert same[0] == same[1]
        assert (folders["c"] / name).read_bytes() != same[0]


def test_resolved_scenario_reproduces_the_run(tmp_path):
    first = tmp_path / "first"
    assert run("kill_switch", *SMALL, "--no-plots", "-q", "--out", str(first)).exit_code == 0
    again = tmp_path / "again"
    result = run(str(first / "scenario.toml"), "-n", "2", "--no-plots", "-q", "--out", str(again))
    assert result.exit_code == 0, result.output
    assert (first / "timeseries.csv").read_bytes() == (again / "timeseries.csv").read_bytes()


def test_existing_results_are_kept_without_force(tmp_path):
    out = tmp_path / "r"
    assert run("baseline", *SMALL, "--no-plots", "-q", "--out", str(out)).exit_code == 0
    before = (out / "timeseries.csv").read_bytes()
    result = run("baseline", *SMALL, "--seed", "99", "--no-plots", "--out", str(out))
    assert result.exit_code == 2
    assert "already exists" in result.output and "Traceback" not in result.output
    assert (out / "timeseries.csv").read_bytes() == before
    assert (
        run(
            "baseline", *SMALL, "--seed", "99", "--no-plots", "-q", "--force", "--out", str(out)
        ).exit_code
        == 0
    )
    assert (out / "timeseries.csv").read_bytes() != before


def test_json_output_is_machine_readable(tmp_path):
    result = run("baseline", *SMALL, "--no-plots", "--json", "--out", str(tmp_path / "j"))
    data = json.loads(result.output)
    assert {row["outcome"] for row in data["outcomes"]} >= {"mean_open_lag_months"}


def test_bad_scenario_exits_2_without_traceback(tmp_path):
    result = run("baseline", "--set", "scenario.months=-3", "--out", str(tmp_path / "x"))
    assert result.exit_code == 2
    assert "scenario.months" in result.output and "Traceback" not in result.output
    assert not (tmp_path / "x").exists()


# Hardening (issue 8) ---------------------------------------------------------------------------


@pytest.mark.parametrize("milestones", ["[1e28]", "[]"])
def test_a_scenario_without_the_1e27_milestone_runs_with_its_table_and_plots(
    milestones, tmp_path
):
    out = tmp_path / "results"
    result = run(str(SCENARIOS / "baseline.toml"), *SMALL, "--set", "scenario.months=24",
                 "--set", f"world.capability_milestones_flop={milestones}", "--out", str(out))
    assert result.exit_code == 0, result.output
    assert "months to 1e27" not in result.output
    assert "open-weight models: mean lag" in result.output
    assert sorted(p.name for p in (out / "plots").iterdir()) == PLOTS
    summaries = (out / "summaries.csv").read_text().splitlines()[0]
    assert ("state_months_to_1e28__prc" in summaries) == (milestones == "[1e28]")


def test_no_progress_text_is_left_when_stderr_is_not_a_terminal(tmp_path):
    result = run(str(SCENARIOS / "baseline.toml"), *SMALL, "--set", "scenario.months=6",
                 "--no-plots", "--out", str(tmp_path / "r"))
    assert result.exit_code == 0, result.output
    assert result.stderr == ""


def test_the_results_folder_is_reserved_before_computing(tmp_path, monkeypatch):
    seen = {}

    def spy(*args, **kwargs):
        seen["temporary"] = [p.name for p in tmp_path.iterdir()]
        raise RuntimeError("stop here")

    monkeypatch.setattr("sim.experiments.runner.run_scenario", spy)
    result = CliRunner().invoke(main, ["run", "baseline", "--out", str(tmp_path / "r")])
    assert result.exit_code == 1 and "the run failed: RuntimeError: stop here" in result.stderr
    assert len(seen["temporary"]) == 1 and seen["temporary"][0].startswith(".r.tmp-")
    assert list(tmp_path.iterdir()) == []  # and removed when nothing was written


def test_schema_out_needs_force_to_replace_a_file_and_writes_it_whole(tmp_path):
    path = tmp_path / "schema.json"
    path.write_text("my notes")
    refused = CliRunner().invoke(main, ["schema", "--out", str(path)])
    assert refused.exit_code == 2 and "--force" in refused.stderr
    assert path.read_text() == "my notes"
    written = CliRunner().invoke(main, ["schema", "--out", str(path), "--force"])
    assert written.exit_code == 0
    assert json.loads(path.read_text())["title"] == "regsim scenario"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["schema.json"]


@pytest.mark.parametrize("extra", [[], ["--uncertainty"]], ids=["fixed", "uncertainty"])
def test_two_workers_write_the_files_of_one(tmp_path, extra):
    folders = {}
    for workers in ("1", "2"):
        folders[workers] = tmp_path / f"j{workers}"
        result = run("kill_switch", "--set", "world.ecosystem.adopters=300", "--set",
                     "scenario.months=36", "-n", "4", "--seed", "11", "--no-plots", "-q",
                     "-j", workers, *extra, "--out", str(folders[workers]))
        assert result.exit_code == 0, result.output
    for name in ("timeseries.csv", "summaries.csv", "outcomes.csv", "events.jsonl",
                 "scenario.toml"):
        assert (folders["1"] / name).read_bytes() == (folders["2"] / name).read_bytes(), name
    manifests = [json.loads((folders[w] / "manifest.json").read_text()) for w in ("1", "2")]
    assert manifests[0]["replicate_seeds"] == manifests[1]["replicate_seeds"]


def test_json_outcomes_carry_their_label_and_unit(tmp_path):
    result = run("kill_switch", *SMALL, "--no-plots", "--json", "--out", str(tmp_path / "r"))
    assert result.exit_code == 0, result.output
    outcomes = {row["outcome"]: row for row in json.loads(result.output)["outcomes"]}
    thefts = outcomes["thefts"]
    assert (thefts["label"], thefts["unit"]) == ("thefts of weights", "count")
    lag = next(row for key, row in outcomes.items() if key.startswith("state_mean_lag_months__"))
    assert lag["unit"] == "months" and lag["label"].endswith("mean lag, every channel")
