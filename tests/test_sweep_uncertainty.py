"""`regsim sweep --uncertainty`: each replicate draws the uncertain parameters the design does
not set, the same draws at every design point (paired like the seeds), kept in the manifest so a
resumed sweep runs exactly what an uninterrupted one would."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from sim.cli import main

REPO = Path(__file__).resolve().parent.parent
BASELINE = REPO / "scenarios" / "baseline.toml"
CHIPS = "regulators.us_federal.policies.chip_export_controls.strength"
SMALL = ["--set", "scenario.months=12", "--set", "world.ecosystem.adopters=200"]


def sweep(*arguments: str):
    return CliRunner().invoke(main, ["sweep", *arguments])


@pytest.fixture(scope="module")
def swept(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("sweep") / "s"
    result = sweep(str(BASELINE), "--param", f"{CHIPS}=0.5,0.9", "-n", "3", *SMALL,
                   "--uncertainty", "--no-plots", "-q", "-j", "1", "--out", str(out))
    assert result.exit_code == 0, result.output
    return out


def test_each_replicate_has_the_same_draws_at_every_point(swept):
    runs = pd.read_csv(swept / "runs.csv")
    drawn = [c for c in runs.columns if c.startswith("drawn__")]
    assert "drawn__world.follower.leakage_share" in drawn
    assert f"drawn__{CHIPS}" not in drawn  # the design sets it: not drawn
    for _, group in runs.groupby("replicate"):
        assert (group[drawn].nunique() == 1).all()  # paired across points
    assert runs.groupby("point_id")[drawn[0]].nunique().eq(3).all()  # differ across replicates


def test_the_manifest_records_the_draws_and_what_was_varied(swept):
    manifest = json.loads((swept / "manifest.json").read_text())
    draws = manifest["model"]["uncertainty_draws"]
    assert len(draws) == 3
    assert "world.follower.leakage_share" in manifest["uncertain_parameters"]
    runs = pd.read_csv(swept / "runs.csv").sort_values(["point_id", "replicate"])
    first = runs[runs["replicate"] == 0].iloc[0]
    assert first["drawn__world.follower.leakage_share"] == pytest.approx(
        draws[0]["world.follower.leakage_share"])


def test_a_resumed_sweep_uses_the_recorded_draws(swept, tmp_path):
    # An interrupted copy: drop the last runs from the journal, then resume it.
    copy = tmp_path / "copy"
    copy.mkdir()
    for item in swept.iterdir():
        if item.is_file():
            (copy / item.name).write_bytes(item.read_bytes())
    manifest = json.loads((copy / "manifest.json").read_text())
    if manifest.get("status") != "running":
        manifest["status"] = "running"
    (copy / "manifest.json").write_text(json.dumps(manifest))
    lines = (copy / "runs.jsonl").read_text().splitlines(keepends=True)
    (copy / "runs.jsonl").write_text("".join(lines[:2]))
    for name in ("runs.csv", "points.csv", "sensitivity.csv"):
        (copy / name).unlink(missing_ok=True)
    result = sweep("--resume", str(copy), "--no-plots", "-q", "-j", "1")
    assert result.exit_code == 0, result.output
    key = ["point_id", "replicate"]
    resumed = pd.read_csv(copy / "runs.csv").sort_values(key).reset_index(drop=True)
    whole = pd.read_csv(swept / "runs.csv").sort_values(key).reset_index(drop=True)
    pd.testing.assert_frame_equal(resumed, whole)


def test_tampered_draws_refuse_to_resume(swept, tmp_path):
    copy = tmp_path / "bad"
    copy.mkdir()
    for item in swept.iterdir():
        if item.is_file():
            (copy / item.name).write_bytes(item.read_bytes())
    manifest = json.loads((copy / "manifest.json").read_text())
    manifest["status"] = "running"
    manifest["model"]["uncertainty_draws"] = "__import__('os')"
    (copy / "manifest.json").write_text(json.dumps(manifest))
    result = sweep("--resume", str(copy), "-q")
    assert result.exit_code == 2
    assert "uncertainty_draws" in result.output


def test_a_design_that_sets_every_uncertain_parameter_has_nothing_to_draw(tmp_path):
    import tomli_w
    from conftest import small_world

    raw = small_world()
    raw["uncertainty"] = {"world.follower.leakage_share": {"low": 0.3, "high": 0.9}}
    table = tmp_path / "s.toml"
    table.write_text(tomli_w.dumps(raw))
    result = sweep(str(table), "--param", "world.follower.leakage_share=0.4,0.8", "-n", "2",
                   "--uncertainty", "-q", "--out", str(tmp_path / "out"))
    assert result.exit_code == 2, result.output
    assert "sets every uncertain parameter" in result.output
