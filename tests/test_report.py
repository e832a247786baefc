"""`regsim report`: a policy brief in one self-contained, escaped HTML file, from a results
folder or a compare folder."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pandas as pd
import pytest
import tomli_w
from click.testing import CliRunner
from conftest import scenario_from, small_world, with_policy

from sim.brief.report import (
    ReportError,
    read_folder,
    render_report,
    section_headings,
    write_report,
)
from sim.cli import main
from sim.experiments.runner import run_scenario
from sim.experiments.storage import write_run
from sim.plots.runs import write_plots
from sim.presentation.tables import outcome_name_and_unit

RUN_SECTIONS = ["The question", "Key outcomes", "Caveats", "What these numbers rest on",
                "Plots", "What happened (event timeline)", "Assumptions", "Full tables",
                "Glossary", "Provenance"]
COMPARE_SECTIONS = ["The question", "Bottom line", "Findings", "Costs", "What the answer rests on",
                    "Caveats",
                    "Policy against baseline over time", "What happened (event timeline)",
                    "Where the effect on each state came from", "Plots", "Assumptions",
                    "Full tables", "Glossary", "Provenance"]
MANDATE = {"kind": "kill_switch", "start": "2024-07", "threshold_flop": 1e26,
           "threshold_usd": None}


def section_of(text: str, anchor: str) -> str:
    return text.split(f'id="{anchor}"', 1)[1].split("</section>", 1)[0]


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory):
    """A small results folder with plots, from a world with a kill-switch mandate."""
    raw = with_policy(small_world(), "california", MANDATE)
    raw["scenario"]["question"] = "Does <b>the</b> mandate & co. matter?"
    result = run_scenario(scenario_from(raw), replicates=2)
    return write_run(result, tmp_path_factory.mktemp("runs") / "small", plot_writer=write_plots)


def write_scenarios(folder: Path) -> tuple[Path, Path]:
    """Two complete scenario files: the small world, and it with California's kill switch
    (its question and its state's label carry markup, which must stay text)."""
    base = small_world()
    base["scenario"].update(name="base", question="What <if> nothing changes?")
    base["states"][0]["label"] = "<i>the rival</i>"
    # TOML has no null: a cost threshold of USD 1 leaves only the FLOP test, as None does.
    policy = with_policy(base, "california", {**MANDATE, "threshold_usd": 1.0})
    policy["scenario"].update(name="mandate", question="Does a <kill> switch & co. help?")
    paths = folder / "base.toml", folder / "mandate.toml"
    for path, raw in zip(paths, (base, policy), strict=True):
        path.write_text(tomli_w.dumps(raw), encoding="utf-8")
    return paths


def run_compare(folder: Path, *extra: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    base, policy = write_scenarios(folder)
    out = folder / "compare"
    result = CliRunner().invoke(main, ["compare", str(base), str(policy), "-n", "3", "-j", "1",
                                       "-q", "--out", str(out), *extra])
    assert result.exit_code == 0, result.output
    return out


@pytest.fixture(scope="module")
def compare_dir(tmp_path_factory) -> Path:
    return run_compare(tmp_path_factory.mktemp("compare"))


@pytest.fixture(scope="module")
def compare_html(compare_dir) -> str:
    return render_report(read_folder(compare_dir))


# A single run ---------------------------------------------------------------------------------


def test_a_run_brief_opens_with_its_summary_then_the_evidence(run_dir, tmp_path):
    text = write_report(run_dir, tmp_path / "report.html").read_text(encoding="utf-8")
    assert section_headings(text) == RUN_SECTIONS
    page_one = text.split('<div class="page-one">', 1)[1].split("</div>", 1)[0]
    outcomes = section_of(page_one, "outcomes")
    assert "Open-weight models: mean lag behind the frontier" in outcomes
    assert "months (95% CI" in outcomes
    assert "2 replicates of one scenario" in section_of(page_one, "caveats")
    rests_on = section_of(page_one, "rests-on")
    assert "theft: hazard per month at parity 0.0005" in rests_on
    assert "was varied in this run" in rests_on
    assert len(re.findall(r'<img [^>]*src="data:image/png;base64,', section_of(text, "plots"))) == 5


def test_outcomes_zero_in_every_replicate_share_one_line(run_dir):
    outcomes = pd.read_csv(run_dir / "outcomes.csv").set_index("outcome")
    zero = [key for key in ("share_withhold", "share_relocate") if outcomes.loc[key, "p95"] == 0]
    assert zero, "the fixture needs an outcome that is zero everywhere"
    page_one = section_of(render_report(read_folder(run_dir)), "outcomes")
    assert "Zero in every replicate:" in page_one
    line = page_one.split("Zero in every replicate:")[1].split("</p>")[0]
    assert all(outcome_name_and_unit(key)[0] in line for key in zero)
    assert not re.search(r"<td>Answers that withhold", page_one)


def test_the_timeline_counts_every_replicate_and_tells_one_in_brief(run_dir):
    events = [json.loads(line) for line in (run_dir / "events.jsonl").read_text().splitlines()]
    routine = [e for e in events if e["kind"] == "release" and not e["defied"]
               and not (e["open_weights"] and e["covered"])]
    assert routine, "the fixture needs routine releases"
    timeline = section_of(render_report(read_folder(run_dir)), "timeline")
    row = timeline.split("California&#x27;s kill switch takes effect")[1].split("</tr>")[0]
    assert "<td>2 of 2</td>" in row and "2024-07" in row
    narrative = timeline.split('<ol class="narrative">')[1].split("</ol>")[0]
    assert 1 <= narrative.count("<li>") <= 12
    assert routine[0]["text"] not in timeline
    assert "expected utilities" not in timeline


def test_a_report_refers_to_nothing_outside_itself(run_dir, compare_html):
    for text in (render_report(read_folder(run_dir)), compare_html):
        assert not re.search(r"""(src|href)=["'](?!data:|#)""", text)
        assert "http://" not in text and "https://" not in text
        assert "<link" not in text and "<script" not in text


def test_all_text_is_escaped(run_dir, compare_html):
    text = render_report(read_folder(run_dir))
    assert "Does &lt;b&gt;the&lt;/b&gt; mandate &amp; co. matter?" in text
    assert "<b>the</b>" not in text
    assert "Does a &lt;kill&gt; switch &amp; co. help?" in compare_html
    assert "&lt;i&gt;the rival&lt;/i&gt;" in compare_html and "<i>" not in compare_html


def test_provenance_shows_the_manifest_and_the_resolved_scenario(run_dir):
    manifest = json.loads((run_dir / "manifest.json").read_text())
    provenance = section_of(render_report(read_folder(run_dir)), "provenance")
    assert manifest["scenario_sha256"] in provenance
    assert str(manifest["root_seed"]) in provenance
    assert "Resolved scenario: small" in provenance


@pytest.mark.parametrize("plot", ["capability", "lags"])
def test_a_linked_or_fake_plot_is_refused(run_dir, tmp_path, plot):
    folder = tmp_path / "copy"
    shutil.copytree(run_dir, folder)
    secret = tmp_path / "secret.png"
    secret.write_bytes(b"\x89PNG\r\n\x1a\nSECRET-BYTES")
    if plot == "capability":
        (folder / "plots" / "capability.png").unlink()
        (folder / "plots" / "capability.png").symlink_to(secret)
    else:
        (folder / "plots" / "lags.png").write_text("<svg onload=alert(1)>")
    with pytest.raises(ReportError, match=f"{plot}.png: not a PNG image of this folder"):
        render_report(read_folder(folder))


def test_events_with_a_mistyped_step_or_broken_lines_are_refused(run_dir, tmp_path):
    for bad in (json.dumps({"step": "x", "kind": "theft", "actors": ["rival"]}), "{not json"):
        folder = tmp_path / f"copy{len(bad)}"
        shutil.copytree(run_dir, folder)
        with (folder / "events.jsonl").open("a") as stream:
            stream.write(bad + "\n")
        with pytest.raises(ReportError, match="events.jsonl"):
            render_report(read_folder(folder))


# A comparison ---------------------------------------------------------------------------------


def test_a_compare_brief_opens_with_graded_findings(compare_html):
    assert section_headings(compare_html) == COMPARE_SECTIONS
    page_one = compare_html.split('<div class="page-one">', 1)[1].split(
        '<section id="timeseries">')[0]
    question = section_of(page_one, "question")
    assert "Does a &lt;kill&gt; switch &amp; co. help?" in question
    assert "Adds or changes: california&#x27;s kill switch." in question
    findings = section_of(page_one, "findings")
    assert "kill-switch coverage" in findings
    assert "No difference in any pair:" in findings or "No clear effect" in findings
    costs = section_of(page_one, "costs")
    items = re.findall(r'<li class="(grade-[\w ]+) effect-[\w-]+">', costs)
    assert items and items[0] == "grade-clear"
    assert "cash spent complying" in costs and "USD M" in costs
    assert "3 replicates per scenario, paired by seed" in section_of(page_one, "caveats")
    rests_on = section_of(page_one, "rests-on")
    # Page one names the instrument's first unsourced terms; the rest are in Assumptions.
    assert "california&#x27;s kill switch: enforcement probability 0.7" in rests_on
    assert "more (see Assumptions)" in rests_on
    assert "compliance cost" in section_of(compare_html, "assumptions")
    assert "None of these" in rests_on


def test_each_policy_is_drawn_against_the_baseline_over_time(compare_html):
    series = section_of(compare_html, "timeseries")
    assert len(re.findall(r'<img alt="mandate against base" src="data:image/png;base64,',
                          series)) == 1
    plots = section_of(compare_html, "plots")
    assert len(re.findall(r'src="data:image/png;base64,', plots)) == 1  # comparison.png


def test_the_compare_brief_decomposes_each_effect_by_channel(compare_html):
    channels = section_of(compare_html, "channels")
    assert "fine-tunes of open weights" in channels and "the frontier moved" in channels
    assert "change in mean lag (months)" in channels
    assert len(re.findall(r'<img alt="channel_effects plot" src="data:image/png;base64,',
                          channels)) == 1


def test_the_compare_timeline_puts_the_scenarios_side_by_side(compare_html):
    timeline = section_of(compare_html, "timeline")
    assert "<th>base</th><th>mandate</th>" in timeline
    row = timeline.split("California&#x27;s kill switch takes effect")[1].split("</tr>")[0]
    assert '<span class="never">never</span>' in row and "3 of 3" in row
    assert row.count("<td>") >= 3


def test_assumptions_tables_and_glossary_follow(compare_html):
    assumptions = section_of(compare_html, "assumptions")
    assert "california&#x27;s kill switch: enforcement probability" in assumptions
    assert "(assumption)" in assumptions and ">fixed<" in assumptions
    tables = section_of(compare_html, "tables")
    assert tables.count('<details class="table">') == 3  # comparison + two scenarios
    assert "clear effect" in tables
    glossary = section_of(compare_html, "glossary")
    assert "<dt>paired difference</dt>" in glossary and "10%" in glossary


def test_a_compare_folder_without_series_says_so(tmp_path):
    folder = run_compare(tmp_path, "--no-series", "--no-plots")
    text = render_report(read_folder(folder))
    assert "keeps no monthly series" in section_of(text, "timeseries")
    assert "keeps no event log" in section_of(text, "timeline")
    assert "Findings" in section_headings(text)


def test_a_bare_comparison_table_is_graded_from_its_intervals(tmp_path):
    (tmp_path / "comparison.csv").write_text(
        "policy,outcome,baseline_mean,mean_difference,ci95_low,ci95_high\n"
        "pol,thefts,10,0,-1,1\npol,incidents,10,-2,-3,-1\n"
        "pol,cash_spending__usd,4,2,1,3\n")
    text = render_report(read_folder(tmp_path))
    findings = section_of(text, "findings")
    assert "pol lowers publicised incidents by 2.00 (95% CI -3.00 to -1.00)" in findings
    assert "No clear effect (the 95% interval includes zero): thefts of weights." in findings
    assert "The comparison has no outcome measured in money." in section_of(text, "costs")
    assert "cash spending: usd" in section_of(text, "tables")  # unknown: named in words


# Bad folders and the command ------------------------------------------------------------------


@pytest.mark.parametrize("make", ["missing", "file", "empty", "bad_manifest", "bad_comparison",
                                  "sweep"])
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
    elif make == "sweep":
        target.mkdir()
        (target / "manifest.json").write_text(json.dumps({"kind": "sweep", "status": "ok"}))
    with pytest.raises(ReportError, match=str(target.name)):
        read_folder(target)


def test_a_sweep_folder_is_refused_with_exit_2(tmp_path):
    (tmp_path / "manifest.json").write_text(json.dumps({"kind": "sweep"}))
    result = CliRunner().invoke(main, ["report", str(tmp_path)])
    assert result.exit_code == 2 and "a sweep folder" in result.output
    assert not (tmp_path / "report.html").exists()


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


def test_damaged_series_files_are_refused_with_a_message_naming_them(compare_dir, tmp_path):
    folder = tmp_path / "copy"
    shutil.copytree(compare_dir, folder)
    (folder / "timeseries.parquet").write_bytes(b"PAR1 not really parquet")
    with pytest.raises(ReportError, match="timeseries.parquet"):
        render_report(read_folder(folder))
    shutil.copy(compare_dir / "timeseries.parquet", folder / "timeseries.parquet")
    pd.DataFrame({"scenario": ["base"], "kind": [3]}).to_parquet(folder / "events.parquet")
    result = CliRunner().invoke(main, ["report", str(folder)])
    assert result.exit_code == 2 and "events.parquet" in result.output
    assert "Traceback" not in result.output
