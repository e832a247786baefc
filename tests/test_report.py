"""`regsim report`: one self-contained, escaped HTML file from a results or compare folder."""

from __future__ import annotations

import json
import re
import shutil

import pandas as pd
import pytest
from click.testing import CliRunner
from conftest import scenario_from, small_world, with_policy

from sim.cli import main
from sim.experiments.runner import run_scenario
from sim.experiments.storage import write_run
from sim.presentation.plots import write_plots
from sim.presentation.report import (
    ReportError,
    read_folder,
    render_report,
    section_headings,
    write_report,
)

SECTIONS = ["The question", "Key outcomes", "Plots", "What happened (event timeline)",
            "Provenance"]
MANDATE = {"kind": "kill_switch", "start": "2024-07", "threshold_flop": 1e26,
           "threshold_usd": None}


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory):
    """A small results folder with plots, from a world with a kill-switch mandate."""
    raw = with_policy(small_world(), "california", MANDATE)
    raw["scenario"]["question"] = "Does <b>the</b> mandate & co. matter?"
    result = run_scenario(scenario_from(raw), replicates=2)
    return write_run(result, tmp_path_factory.mktemp("runs") / "small", plot_writer=write_plots)


@pytest.fixture
def compare_dir(tmp_path, run_dir):
    """A folder laid out as `regsim compare` writes it: comparison.csv (with its verdicts),
    manifest.json, runs.csv, scenarios/*.toml and plots/comparison.png."""
    folder = tmp_path / "compare"
    (folder / "scenarios").mkdir(parents=True)
    (folder / "plots").mkdir()
    shutil.copy(run_dir / "plots" / "lags.png", folder / "plots" / "comparison.png")
    for name, question in (("base", "What <if> nothing changes?"), ("small", "And with it?")):
        (folder / "scenarios" / f"{name}.toml").write_text(
            f'[scenario]\nname = "{name}"\nquestion = "{question}"\n', encoding="utf-8")
    summaries = pd.read_csv(run_dir / "summaries.csv")
    runs = pd.concat([summaries.assign(scenario=name, status="ok") for name in ("base", "small")])
    runs.to_csv(folder / "runs.csv", index=False)
    (folder / "manifest.json").write_text(json.dumps(
        {"kind": "comparison", "baseline": "base", "policies": ["small"], "root_seed": 7,
         "pairing": "common random numbers"}))
    (folder / "comparison.csv").write_text(
        "policy,outcome,baseline_mean,policy_mean,difference_mean,ci95_low,ci95_high,verdict\n"
        "small,mean_open_lag_months,4,7.5,3.5,1.25,5.75,small widens <the> lag by 3.5 months\n"
        "small,thefts,2,2,0,-1,1,small: no clear effect on thefts\n",
        encoding="utf-8",
    )
    return folder


def test_a_run_report_has_every_section_and_embeds_its_plots(run_dir, tmp_path):
    out = write_report(run_dir, tmp_path / "report.html")
    text = out.read_text(encoding="utf-8")
    assert section_headings(text) == SECTIONS
    assert len(re.findall(r'<img [^>]*src="data:image/png;base64,', text)) == 5
    assert "mean open-weight lag (months)" in text
    assert "95% CI" in text


def test_a_report_refers_to_nothing_outside_itself(run_dir):
    text = render_report(read_folder(run_dir))
    assert not re.search(r"""(src|href)=["'](?!data:|#)""", text)
    assert "http://" not in text and "https://" not in text
    assert "<link" not in text and "<script" not in text


def test_all_text_is_escaped(run_dir):
    text = render_report(read_folder(run_dir))
    assert "Does &lt;b&gt;the&lt;/b&gt; mandate &amp; co. matter?" in text
    assert "<b>the</b>" not in text


def test_the_timeline_tells_replicate_zeros_meaningful_events_only(run_dir):
    events = [json.loads(line) for line in (run_dir / "events.jsonl").read_text().splitlines()]
    routine = [e for e in events if e["replicate"] == 0 and e["kind"] == "release"
               and not e["defied"] and not (e["open_weights"] and e["covered"])]
    assert routine, "the fixture needs routine releases"
    timeline = render_report(read_folder(run_dir)).split('id="timeline"')[1]
    timeline = timeline.split("</section>")[0]
    assert routine[0]["text"] not in timeline
    assert "takes effect" in timeline
    assert "expected utilities" not in timeline


def test_provenance_shows_the_manifest_and_the_resolved_scenario(run_dir):
    manifest = json.loads((run_dir / "manifest.json").read_text())
    text = render_report(read_folder(run_dir))
    provenance = text.split('id="provenance"')[1]
    assert manifest["scenario_sha256"] in provenance
    assert str(manifest["root_seed"]) in provenance
    assert "Resolved scenario: small" in provenance


def test_a_compare_folder_adds_the_verdicts(compare_dir):
    text = render_report(read_folder(compare_dir))
    assert section_headings(text) == SECTIONS[:2] + ["Comparison verdicts"] + SECTIONS[2:]
    verdicts = text.split('id="comparison"')[1].split("</section>")[0]
    assert "small widens &lt;the&gt; lag by 3.5 months" in verdicts
    assert "1.25 to 5.75" in verdicts
    assert "mean open-weight lag (months)" in verdicts
    question = text.split('id="question"')[1].split("</section>")[0]
    assert "What &lt;if&gt; nothing changes?" in question and "And with it?" in question
    outcomes = text.split('id="outcomes"')[1].split("</section>")[0]
    assert "<h3>base</h3>" in outcomes and "<h3>small</h3>" in outcomes
    assert len(re.findall(r'src="data:image/png;base64,', text)) == 1
    assert "keeps no event log" in text


def test_a_comparison_without_verdicts_gets_them_from_its_intervals(tmp_path):
    (tmp_path / "comparison.csv").write_text(
        "outcome,mean_difference,ci95_low,ci95_high\nthefts,0,-1,1\nincidents,-2,-3,-1\n")
    text = render_report(read_folder(tmp_path))
    assert "Comparison verdicts" in section_headings(text)
    assert "no clear difference" in text
    assert "lower with the policy" in text
    assert "No outcomes recorded" in text


def test_without_a_comparison_the_section_is_skipped(run_dir):
    assert "Comparison verdicts" not in section_headings(render_report(read_folder(run_dir)))


@pytest.mark.parametrize("make", ["missing", "file", "empty", "bad_manifest", "bad_comparison"])
def test_bad_folders_are_refused_with_a_clear_message(tmp_path, make):
    target = tmp_path / "target"
    if make == "file":
        target.write_text("x")
    elif make == "empty":
        target.mkdir()
    elif make == "bad_manifest":
        target.mkdir()
        (target / "manifest.json").write_text("{not json")
    elif make == "bad_comparison":
        target.mkdir()
        (target / "comparison.csv").write_text("outcome,verdict\nx,y\n")
    with pytest.raises(ReportError, match=str(target.name)):
        read_folder(target)


def test_the_command_writes_the_report_and_never_overwrites_without_force(run_dir, tmp_path):
    out = tmp_path / "r.html"
    runner = CliRunner()
    first = runner.invoke(main, ["report", str(run_dir), "--out", str(out)])
    assert first.exit_code == 0, first.output
    assert out.is_file() and str(out) in first.output
    again = runner.invoke(main, ["report", str(run_dir), "--out", str(out)])
    assert again.exit_code == 2
    assert "already exists" in again.output
    forced = runner.invoke(main, ["report", str(run_dir), "--out", str(out), "--force"])
    assert forced.exit_code == 0


def test_the_command_exits_2_on_a_missing_folder(tmp_path):
    result = CliRunner().invoke(main, ["report", str(tmp_path / "nowhere")])
    assert result.exit_code == 2
    assert "no such folder" in result.output


def test_the_default_output_is_inside_the_folder(run_dir, tmp_path):
    folder = tmp_path / "copy"
    shutil.copytree(run_dir, folder)
    assert write_report(folder) == folder / "report.html"
