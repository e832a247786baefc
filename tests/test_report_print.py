"""The brief on paper: `regsim report` on a compare folder, printed to A4 PDF by Debian's
chromium (Playwright), puts the whole summary on page one and the evidence after it.

Needs `/usr/bin/chromium` (`apt-get install -y chromium`), the `playwright` pip package (never
`playwright install`) and `pypdf` (the test extra); skipped when any is missing.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlparse

import pytest

from sim.brief.bottom_line import effect_clause, plain
from sim.brief.report import read_folder
from sim.brief.summary import compare_summary

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--headless", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
REPO = Path(__file__).resolve().parent.parent
SMALL = ["--set", "scenario.months=48", "--set", "world.ecosystem.adopters=1000"]

pytestmark = pytest.mark.slow


def words(text: str) -> str:
    """Text with every run of whitespace (line breaks included) as one space; a line broken
    after a hyphen (a range such as 0.68-1.02 wrapped at its dash) joined again."""
    return re.sub(r"\s+", " ", re.sub(r"-\n", "-", text)).strip()


def regsim(*args: str) -> None:
    subprocess.run([sys.executable, "-m", "sim.cli", *args], cwd=REPO, check=True,
                   capture_output=True)


def print_brief(folder: Path, scenarios: list[str], replicates: int,
                extra: tuple[str, ...] = ()) -> tuple[list[str], list[str]]:
    """Compare `scenarios` (baseline first) into `folder`/compare, write its brief and print it
    to A4 PDF in chromium: (the text of each page, the URLs the page requested)."""
    if not CHROMIUM.exists():
        pytest.skip("needs /usr/bin/chromium (apt-get install -y chromium)")
    sync_api = pytest.importorskip("playwright.sync_api", reason="needs the playwright package")
    pypdf = pytest.importorskip("pypdf", reason="needs pypdf (the test extra)")
    compare_dir, brief, pdf = folder / "compare", folder / "brief.html", folder / "brief.pdf"
    regsim("compare", *scenarios, "-n", str(replicates), "-j", "1", "-q", *SMALL, *extra,
           "--out", str(compare_dir))
    regsim("report", str(compare_dir), "--out", str(brief))
    requests: list[str] = []
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page()
            page.on("request", lambda request: requests.append(request.url))
            page.goto(brief.as_uri())
            page.pdf(path=str(pdf), format="A4", print_background=True)
        finally:
            browser.close()
    return [page.extract_text() for page in pypdf.PdfReader(str(pdf)).pages], requests


@pytest.fixture(scope="module")
def printed(tmp_path_factory) -> tuple[Path, list[str], list[str]]:
    """A compare folder of the bundled baseline and kill switch, its brief printed to A4:
    (folder, the text of each page, the URLs the page requested)."""
    folder = tmp_path_factory.mktemp("print")
    pages, requests = print_brief(folder, ["baseline", "kill_switch"], 4)
    return folder / "compare", pages, requests


def test_page_one_holds_the_question_and_the_verdicts(printed):
    folder, pages, _ = printed
    # 16 pages at a4b566a; the channel decomposition's section and the outcomes added with it
    # (fine-tunes by capability and family, copies as a stock) take two more, and model v3's
    # formulations and assumptions (their parameters listed in the assumptions) two more: 20.
    assert 3 <= len(pages) <= 20, f"{len(pages)} pages"
    first = words(pages[0])
    assert words("What if California had enacted SB 1047's kill switch in 2025, open weights "
                 "covered?") in first
    summary = compare_summary(read_folder(folder))
    (findings,) = summary.policies
    assert findings.findings, "the comparison should find effects"
    # Sentences name the policy by its title; page one lists the costs that are clear (the
    # rest in one line).
    for verdict in findings.findings + [v for v in findings.costs if v.matters]:
        sentence = plain(verdict.sentence, summary.titles)
        assert words(sentence) in first, sentence
    for heading in ("Bottom line", "Findings", "Costs", "What the answer rests on", "Caveats"):
        assert heading in first
    assert words(summary.caveats[-1]) in first
    assert "deep uncertainties was varied in this run" in first
    assert "Policy against baseline over time" not in first


def test_the_evidence_starts_on_page_two_and_the_folded_tables_print_open(printed):
    _, pages, _ = printed
    assert words(pages[1]).startswith("Policy against baseline over time")
    rest = words(" ".join(pages[1:]))
    tables = rest.split("Full tables", 1)[1]
    assert "Every paired comparison" in tables
    assert "cash spent complying (USD M)" in tables  # a row inside the folded table
    assert "Glossary" in rest and "Provenance" in rest


def test_the_printed_brief_requests_nothing(printed):
    _, _, requests = printed
    assert requests and all(urlparse(url).scheme in {"file", "data"} for url in requests)


def test_page_one_of_three_policies_still_fits_one_page(tmp_path):
    policies = ["kill_switch", "open_weight_licence", "export_controls"]
    pages, _ = print_brief(tmp_path, ["baseline", *policies], 2)
    first = words(pages[0])
    summary = compare_summary(read_folder(tmp_path / "compare"))
    for findings in summary.policies:
        assert words(findings.question) in first
        for verdict in findings.findings:  # under the policy's heading, without its name
            clause = plain(effect_clause(verdict), summary.titles)
            assert words(clause[:1].upper() + clause[1:]) in first, clause
    assert "deep uncertainties was varied in this run" in first
    assert words(pages[1]).startswith("Policy against baseline over time")


def test_page_one_per_formulation_says_what_is_robust_and_still_fits_one_page(tmp_path):
    import html
    import re

    from sim.brief.formulations import page_one_sentence

    policies = ["kill_switch", "open_weight_licence", "export_controls"]
    pages, _ = print_brief(tmp_path, ["baseline", *policies], 2, ("--formulations", "all"))
    first = words(pages[0])
    report = read_folder(tmp_path / "compare")
    titles = compare_summary(report).titles
    sentence = plain(html.unescape(re.sub(r"<[^>]+>", "", page_one_sentence(report))),
                     {p: titles[p] for p in policies})
    assert sentence.startswith(f"Across {report.formulations['block'].nunique()} formulations")
    assert "effect on the PRC's mean lag behind the frontier" in sentence
    assert "under every one of" in first or "depends on the formulation" in first or (
        "unclear under all" in first)  # the bottom line says whether it holds
    assert words(sentence) in first
    assert "deep uncertainties was varied in this run" in first
    assert words(pages[1]).startswith("Policy against baseline over time")
    assert "Does it hold under every formulation?" in words(" ".join(pages[1:]))


SNAKE_CASE = re.compile(r"\b[A-Za-z][A-Za-z0-9]*(?:_[A-Za-z0-9]+)+\b")


def test_page_one_answers_the_question_in_plain_words(printed):
    """Issue 19: page one (printed) has the bottom line, no snake_case identifier, and the
    outcome the question is about (the PRC's lag, `[scenario] focus`) as its first finding,
    drawn with a chart."""
    folder, pages, _ = printed
    first = words(pages[0])
    assert "California's kill switch (SB 1047, 2025) against 2024's policies" in first
    assert "Bottom line" in first
    html_text = (folder.parent / "brief.html").read_text(encoding="utf-8")
    page_one = html_text.split('<div class="page-one">', 1)[1].split("\n</div>", 1)[0]
    bottom = re.search(r'<p class="bottom-line">(.*?)</p>', page_one).group(1)
    import html as html_lib
    assert words(html_lib.unescape(bottom)) in first
    assert "the PRC's mean lag behind the frontier" in html_lib.unescape(bottom)
    assert SNAKE_CASE.findall(first) == []
    findings = page_one.split('id="findings"', 1)[1].split("</ul>", 1)[0]
    items = re.findall(r"<li[^>]*>(.*?)</li>", findings, flags=re.S)
    assert items, "page one should list findings"
    assert "the PRC&#x27;s mean lag behind the frontier" in items[0]
    assert all('<svg class="interval-chart"' in item for item in items)
    summary = compare_summary(read_folder(folder))
    (findings_,) = summary.policies
    assert findings_.findings[0].outcome == "state_mean_lag_months__prc"
