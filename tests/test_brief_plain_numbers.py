"""The brief reads without exponent notation (issue 18 item 4): no '1e26 FLOP', '10^8x' or
'1e24.95' in its text, its own charts or the plots it embeds; capability reads as a multiple
of GPT-4's training compute, as on the dashboard. Only the provenance, the technical appendix
(the resolved scenario files, the SHA-256 digests), keeps the exact figures."""

from __future__ import annotations

import html
import re
from pathlib import Path

import pandas as pd
import pytest
from conftest import scenario_from, small_world, with_policy
from test_report import MANDATE, run_compare

from sim.brief.charts import difference_plot
from sim.brief.report import read_folder, render_report
from sim.experiments.runner import run_scenario
from sim.experiments.storage import write_run
from sim.plots.compare import channel_figure, comparison_figure
from sim.plots.runs import figures, write_plots
from sim.presentation.tables import series_label

EXPONENT = re.compile(r"\d[eE][+-]?\d|10\^|×10|\$\\mathdefault")
"""'1e26', '2.5e+25', '1e-6', '10^8', '×10⁵' offsets, and matplotlib's mathtext powers."""


@pytest.fixture(scope="module")
def run_folder(tmp_path_factory) -> Path:
    raw = with_policy(small_world(), "california", MANDATE)
    result = run_scenario(scenario_from(raw), replicates=2)
    return write_run(result, tmp_path_factory.mktemp("plain") / "run", plot_writer=write_plots)


@pytest.fixture(scope="module")
def compare_folder(tmp_path_factory) -> Path:
    return run_compare(tmp_path_factory.mktemp("plain-compare"))


def reader_text(report_html: str) -> str:
    """What a reader of the brief sees: the text and the attributes shown (alt, title), with
    the embedded images, the style sheet and the provenance appendix taken out."""
    body = re.sub(r"<style>.*?</style>", "", report_html, flags=re.S)
    body = re.sub(r'src="data:image/png;base64,[^"]*"', "", body)
    body = body.split('<section id="provenance"', 1)[0]
    attributes = " ".join(re.findall(r'(?:alt|title)="([^"]*)"', body))
    return html.unescape(re.sub(r"<[^>]+>", " ", body) + " " + attributes)


def exponents_in(text: str) -> list[str]:
    return [text[max(0, m.start() - 50):m.end() + 30] for m in EXPONENT.finditer(text)]


def figure_texts(figure) -> list[str]:
    """Every text on a drawn figure: titles, axis labels, tick labels, offsets, legends."""
    figure.canvas.draw()
    return [t.get_text() for t in figure.findobj(lambda artist: hasattr(artist, "get_text"))
            if t.get_visible() and t.get_text()]


def test_a_run_brief_has_no_exponent_and_gives_capability_as_a_multiple(run_folder):
    report_html = render_report(read_folder(run_folder))
    assert exponents_in(reader_text(report_html)) == []
    outcomes = report_html.split('id="outcomes"', 1)[1].split("</section>", 1)[0]
    largest = html.unescape(outcomes.split("Largest training run at the end", 1)[1])
    assert re.match(r"</td><td class=\"value\">[\d.,]+(?: \w+)?× GPT-4's training compute",
                    largest), largest[:120]
    assert EXPONENT.search(report_html.split('<section id="provenance"', 1)[1]), (
        "the appendix keeps the exact figures (the resolved scenario)")


def test_a_compare_brief_has_no_exponent(compare_folder):
    assert exponents_in(reader_text(render_report(read_folder(compare_folder)))) == []


def test_the_briefs_own_charts_label_capability_in_multiples(compare_folder):
    frame = pd.read_parquet(compare_folder / "timeseries.parquet")
    state = next(c for c in frame.columns if c.startswith("state_capability__"))
    columns = ["frontier_capability", "frontier_train_flop", state,
               "copies_beyond_switch"]
    series = [(c, series_label(c)) for c in columns if c in frame.columns]
    assert len(series) >= 3
    texts = figure_texts(difference_plot(frame, "base", "mandate", series))
    assert exponents_in(" | ".join(texts)) == []
    assert any(t.endswith("×") for t in texts), "capability ticks read as multiples"
    assert any(t.endswith("%") for t in texts), "its differences as a change in compute"
    assert not any("log10" in t for t in texts)


def test_the_embedded_plots_have_no_exponent(run_folder, compare_folder):
    raw = with_policy(small_world(), "california", MANDATE)
    result = run_scenario(scenario_from(raw), replicates=2)
    texts = [t for figure in figures(result).values() for t in figure_texts(figure)]
    runs = pd.read_csv(compare_folder / "runs.csv")
    table = pd.read_csv(compare_folder / "comparison.csv")
    every = list(dict.fromkeys(table["outcome"]))
    texts += figure_texts(comparison_figure(runs, table, "base", every))
    texts += figure_texts(channel_figure(pd.read_csv(compare_folder / "channels.csv")))
    assert exponents_in(" | ".join(texts)) == []
    assert any("GPT-4" in t for t in texts), "the capability plot reads in multiples of GPT-4"


def test_titles_and_questions_from_a_scenario_file_read_without_exponents(tmp_path):
    from sim.brief.bottom_line import scenario_title

    raw = {"scenario": {"title": "A US federal licence to publish weights above 1e25 FLOP"}}
    assert scenario_title(raw, "open_weight_licence") == (
        "A US federal licence to publish weights above about 0.48× GPT-4's training compute")


def test_a_bundled_comparison_per_formulation_has_no_exponent(tmp_path):
    """The bundled scenarios' titles and questions ('... above 1e25 FLOP') and the section
    per formulation read without exponents too."""
    from click.testing import CliRunner

    from sim.cli import main

    out = tmp_path / "compare"
    result = CliRunner().invoke(main, [
        "compare", "baseline", "open_weight_licence", "-n", "2", "-j", "1", "-q",
        "--set", "scenario.months=24", "--set", "world.ecosystem.adopters=2000",
        "--formulations", "world.follower.catch_up", "--out", str(out)])
    assert result.exit_code == 0, result.output
    report_html = render_report(read_folder(out))
    assert 'id="formulations"' in report_html
    assert exponents_in(reader_text(report_html)) == []


def test_numbers_too_large_for_a_float_read_as_not_available_not_a_traceback() -> None:
    """A crafted results folder may hold '1e400' or a log10 of 400: words, never an
    OverflowError (a fuzzed outcomes.csv stopped `regsim report` so)."""
    from sim.plots.number_axes import change_words
    from sim.presentation import wording

    assert wording.no_exponents("x 1e400 y") == f"x {wording.NOT_AVAILABLE} y"
    assert wording.no_exponents("0e26 FLOP") == (
        f"about {wording.NOT_AVAILABLE} GPT-4's training compute")
    assert wording.multiple(400.0) == wording.NOT_AVAILABLE
    assert change_words(500.0) == wording.NOT_AVAILABLE
