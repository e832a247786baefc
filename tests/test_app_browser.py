"""The workshop dashboard and the HTML report in a real headless browser (Debian's chromium) at
1366x768, the projector size.

`regsim app` is started on a free loopback port and driven with Playwright (see
`browser_support`): the default view fits the screen with nothing clipped or overlapping; a
lever change redraws every chart and headline; Step advances exactly one month; after the last
month a lever change and Play work without Reset; predict-then-reveal hides and shows the
results; the exported settings, run by `regsim run`, give the numbers on screen; a three-round
game is exported and reproduced; scenario text shows as text and runs nothing. Every request is
recorded and any request off this machine is aborted and fails the test.

Needs `/usr/bin/chromium` (`apt-get install -y chromium`) and the `playwright` pip package (never
`playwright install`); skipped when either is missing. Screenshots go to tests/artifacts/ (and
the three README ones to docs/images/).
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
from browser_support import (
    CHARTS,
    CHROMIUM,
    REPO,
    VIEWPORT,
    RequestLog,
    app_server,
    is_local,
    launch,
    month_shown,
    open_details,
    slide,
    toggle,
    wait_ready,
)

from sim.presentation.game import supports_dated_changes

ARTIFACTS = REPO / "tests" / "artifacts"
IMAGES = REPO / "docs" / "images"
UI_TIMEOUT_MS = 120_000
KILL_SWITCH = "regulators.california.policies.kill_switch.enabled"
LICENCE = "regulators.us_federal.policies.open_weight_licence.enabled"
CHIPS = "regulators.us_federal.policies.chip_export_controls.strength"
PAYLOADS = ('"><img src=x onerror=alert(2)>', "{{ constructor.constructor('alert(3)')() }}",
            "[a](javascript:alert(4))")

pytestmark = pytest.mark.slow


def _require_browser() -> None:
    if not CHROMIUM.exists():
        pytest.skip("needs /usr/bin/chromium (apt-get install -y chromium)")
    pytest.importorskip("playwright.sync_api", reason="needs the playwright pip package")
    pytest.importorskip("solara", reason="needs the app extra: pip install 'regsim[app]'")


@pytest.fixture(scope="module")
def app_url(tmp_path_factory) -> Iterator[str]:
    """`regsim app baseline` on a free loopback port, stopped by its process group afterwards."""
    _require_browser()
    with app_server("baseline", tmp_path_factory.mktemp("app") / "server.log") as url:
        yield url


class Page:
    """A fresh browser (a fresh dashboard session) on 1366x768, its requests and dialogs."""

    def __init__(self, page, requests: RequestLog) -> None:
        self.page, self.requests, self.dialogs = page, requests, []
        page.on("dialog", lambda dialog: (self.dialogs.append(dialog.message), dialog.dismiss()))

    def open(self, url: str) -> str:
        self.page.goto(url)
        return wait_ready(self.page)

    def headline(self, key: str) -> str:
        return self.page.locator(f".regsim-headline-{key} .regsim-headline-value").inner_text()


@pytest.fixture
def browser() -> Iterator[Page]:
    _require_browser()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = launch(playwright)
        try:
            page = chromium.new_page(viewport=VIEWPORT, accept_downloads=True)
            page.set_default_timeout(UI_TIMEOUT_MS)
            requests = RequestLog()
            requests.attach(page)
            yield Page(page, requests)
            assert requests.urls, "the request log recorded nothing"
            assert requests.off_machine() == [], "a request left this machine"
        finally:
            chromium.close()


def test_is_local_accepts_only_this_machine():
    assert is_local("http://127.0.0.1:8765/static/x.js")
    assert is_local("ws://localhost:1/jupyter/api/kernels")
    assert is_local("data:image/png;base64,AAAA")
    assert is_local("blob:http://127.0.0.1:8765/abc")
    assert not is_local("https://cdn.jsdelivr.net/npm/vue")
    assert not is_local("http://10.0.0.1/")


def _screenshot(page, name: str, readme: bool = False) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / name))
    if readme:
        IMAGES.mkdir(exist_ok=True)
        page.screenshot(path=str(IMAGES / name))


# Layout ------------------------------------------------------------------------------------------

BOXES = """selector => [...document.querySelectorAll(selector)].map(el => {
  const r = el.getBoundingClientRect();
  const style = getComputedStyle(el);
  return {name: el.className, x: r.x, y: r.y, right: r.right, bottom: r.bottom,
          width: r.width, height: r.height, inline: style.display === 'inline',
          clippedX: el.scrollWidth > el.clientWidth + 1,
          clippedY: el.scrollHeight > el.clientHeight + 1,
          font: parseFloat(style.fontSize), text: el.innerText};
})"""


def _boxes(page, selector: str) -> list[dict]:
    return page.evaluate(BOXES, selector)


def _overlap(a: dict, b: dict) -> float:
    width = min(a["right"], b["right"]) - max(a["x"], b["x"])
    height = min(a["bottom"], b["bottom"]) - max(a["y"], b["y"])
    return max(0.0, width) * max(0.0, height)


def test_the_default_view_fits_a_projector_with_nothing_clipped_or_overlapping(app_url, browser):
    page = browser.page
    browser.open(app_url)
    above_fold = {
        ".regsim-question": 1, ".regsim-transport .v-btn": 3, ".regsim-headline": 4,
        ".regsim-legend": 1, ".regsim-primary .regsim-chart": 4, ".regsim-narrative-card": 1,
    }
    cards = []
    for selector, count in above_fold.items():
        boxes = _boxes(page, selector)
        assert len(boxes) >= count, selector
        for box in boxes:
            assert box["x"] >= 0 and box["y"] >= 0, (selector, box)
            assert box["right"] <= VIEWPORT["width"] + 0.5, (selector, box)
            assert box["bottom"] <= VIEWPORT["height"] + 0.5, (selector, box)
        if selector in (".regsim-headline", ".regsim-legend", ".regsim-primary .regsim-chart",
                        ".regsim-narrative-card"):
            cards += boxes
    for index, first in enumerate(cards):
        for second in cards[index + 1:]:
            assert _overlap(first, second) == 0, (first["name"], second["name"])
    words = (".regsim-headline-label, .regsim-headline-value, .regsim-headline-baseline, "
             ".regsim-headline-difference, .regsim-chart-title, .regsim-caption, "
             ".regsim-question, .regsim-lever-group-title, .regsim-lever-label, "
             ".regsim-lever-value, .regsim-month, .regsim-event")
    for box in _boxes(page, words):
        assert not box["inline"], box["name"]
        assert not box["clippedX"] and not box["clippedY"], (box["name"], box["text"])
        assert box["font"] >= 14, (box["name"], box["font"])
    secondary = _boxes(page, ".regsim-secondary .regsim-chart")
    assert len(secondary) == CHARTS - 4, "the lower-priority charts sit below the fold"
    text = page.locator("body").inner_text()
    for chrome in ("Use Threads", "Render Interval", "Play Interval", "Step:", "PAGE 0",
                   "runs on Solara"):
        assert chrome not in text
    _screenshot(page, "dashboard-default.png", readme=True)


def test_the_picker_lists_every_bundled_scenario_and_opens_one(app_url, browser):
    from sim.scenario.loader import bundled_scenarios

    page = browser.page
    key = browser.open(app_url)
    page.locator(".regsim-picker .v-select__slot").click()
    items = page.locator(".v-menu__content .v-list-item")
    items.first.wait_for()
    listed = items.all_inner_texts()
    assert len(listed) == len([s for s in bundled_scenarios() if s.error is None])
    page.get_by_role("option", name="kill_switch: What if California").click()
    wait_ready(page, key)
    assert "SB 1047" in page.locator(".regsim-question").inner_text()
    switch = page.locator(".regsim-lever-regulators__california__policies__kill_switch__enabled"
                          " input")
    assert switch.is_checked(), "the scenario enacts the kill switch"


# Levers, playback, predict ------------------------------------------------------------------------


def test_a_lever_change_redraws_every_chart_and_headline(app_url, browser):
    page = browser.page
    before = browser.open(app_url)
    copies, lag = browser.headline("copies_beyond_switch"), browser.headline("open_lag")
    canvases = [chart.screenshot() for chart in page.locator(".regsim-primary canvas").all()]
    toggle(page, KILL_SWITCH)
    after = wait_ready(page, before)
    drawn = page.evaluate("[...document.querySelectorAll('.regsim-chart-canvas')]"
                          ".map(c => c.dataset.drawn)")
    assert drawn == [after] * CHARTS, "every chart shows the new result"
    assert browser.headline("copies_beyond_switch") != copies
    assert browser.headline("open_lag") != lag
    changed = [chart.screenshot() for chart in page.locator(".regsim-primary canvas").all()]
    assert all(old != new for old, new in zip(canvases, changed, strict=True))
    differences = page.locator(".regsim-headline-difference").all_inner_texts()
    assert any("vs as written" in text for text in differences)
    assert "California's kill switch" in page.locator(".regsim-narrative").inner_text()
    _screenshot(page, "dashboard-policy.png", readme=True)


def test_step_is_one_month_and_play_works_after_the_end_without_reset(app_url, browser):
    page = browser.page
    key = browser.open(app_url)
    assert month_shown(page) == "2033-12", "the whole horizon at once"
    page.locator(".regsim-reset").click()
    page.wait_for_function("document.querySelector('.regsim-headlines').dataset.month "
                           "=== '2024-01'")
    for expected in ("2024-02", "2024-03"):
        page.locator(".regsim-step").click()
        page.wait_for_function("m => document.querySelector('.regsim-headlines')"
                               ".dataset.month === m", arg=expected)
    page.locator(".regsim-speed").click()
    page.get_by_role("option", name="very fast").click()
    page.locator(".regsim-play").click()
    page.wait_for_function("document.querySelector('.regsim-headlines').dataset.month "
                           "=== '2033-12'")
    page.wait_for_function("document.querySelector('.regsim-play').innerText.trim() "
                           "=== 'PLAY'")  # paused by itself at the end
    toggle(page, KILL_SWITCH)  # after the last month: a lever change ...
    wait_ready(page, key)
    page.locator(".regsim-play").click()  # ... and Play, without Reset
    page.wait_for_function("() => { const m = document.querySelector('.regsim-headlines')"
                           ".dataset.month; return m > '2024-06' && m < '2033-12'; }")
    page.locator(".regsim-play").click()  # pause
    page.wait_for_function("document.querySelector('.regsim-play').innerText.trim() "
                           "=== 'PLAY'")
    page.wait_for_timeout(300)  # a month already on its way when Pause was pressed
    paused = month_shown(page)
    page.wait_for_timeout(800)
    assert month_shown(page) == paused


def test_predict_then_reveal_hides_and_shows_the_results(app_url, browser):
    page = browser.page
    key = browser.open(app_url)
    page.get_by_role("button", name="predict").click()
    page.wait_for_selector(".regsim-reveal")
    toggle(page, KILL_SWITCH)
    wait_ready(page, key)
    values = page.locator(".regsim-headline-value").all_inner_texts()
    assert values == ["?"] * len(values)
    assert "Hidden" in page.locator(".regsim-narrative").inner_text()
    baselines = page.locator(".regsim-headline-baseline").all_inner_texts()
    assert all("?" not in text for text in baselines), "the room predicts against as written"
    page.locator(".regsim-reveal").click()
    page.wait_for_function("document.querySelector('.regsim-headline-value').innerText "
                           "!== '?'")
    assert "?" not in page.locator(".regsim-headlines").inner_text()
    assert page.locator(".regsim-reveal").count() == 0


# Exports reproduced by regsim run ----------------------------------------------------------------


def _download(page, button: str, folder: Path) -> Path:
    with page.expect_download() as download:
        page.get_by_role("button", name=button).click()
    path = folder / download.value.suggested_filename
    download.value.save_as(path)
    return path


def _regsim_run(scenario: Path, folder: Path) -> Path:
    out = folder / "run"
    subprocess.run([sys.executable, "-m", "sim.cli", "run", str(scenario), "--out", str(out),
                    "--no-plots", "--quiet"], cwd=REPO, check=True, capture_output=True)
    return out


def _expected_headlines(run: Path, month: int) -> dict[str, str]:
    """The headline numbers from a `regsim run` folder's time series at month index `month`,
    worded as the dashboard words them."""
    from sim.presentation.headlines import HEADLINES
    from sim.presentation.live_charts import in_unit
    from sim.presentation.runs import mean_of_defined

    series = pd.read_csv(run / "timeseries.csv")
    words = {}
    for entry in HEADLINES:
        column = entry.column.replace("{state}", "prc")
        per_draw = []
        for _, frame in series.groupby("replicate", sort=True):
            values = frame.sort_values("step")[column].to_numpy(dtype=float)
            if entry.statistic == "at_month":
                per_draw.append(values[month])
            else:
                upto = values[: month + 1]
                per_draw.append(float(pd.Series(upto).mean()) if pd.notna(upto).any()
                                else float("nan"))
        words[entry.key] = in_unit(entry.unit, mean_of_defined(per_draw))
    return words


def test_the_exported_settings_give_the_dashboards_numbers_in_regsim_run(app_url, browser,
                                                                         tmp_path):
    page = browser.page
    key = browser.open(app_url)
    toggle(page, KILL_SWITCH)
    wait_ready(page, key)
    shown = {name: browser.headline(name) for name in
             ("copies_beyond_switch", "competitor_lag", "open_lag", "incidents")}
    exported = _download(page, "Export these settings as a scenario", tmp_path)
    assert exported.read_text().startswith("# regsim workshop export")
    expected = _expected_headlines(_regsim_run(exported, tmp_path), 119)
    assert shown == expected


def _wait_round(page, number: int) -> None:
    page.wait_for_selector(f".regsim-round-{number}")


def test_a_three_round_game_is_exported_and_reproduced_by_regsim_run(app_url, browser,
                                                                     tmp_path):
    """Three rounds, each with its own move when the model has dated changes (until then the
    later rounds carry the first round's settings on, and a later move is explained)."""
    page = browser.page
    browser.open(app_url)
    page.get_by_role("button", name="game").click()
    page.get_by_role("button", name="Start the game").click()
    later_moves = supports_dated_changes()
    for number in (1, 2, 3):
        if number == 1:
            toggle(page, KILL_SWITCH)  # California enacts the kill switch
        elif number == 2 and later_moves:
            toggle(page, LICENCE)  # the US licenses open weights
        elif number == 2:  # a later move needs dated changes: the page says so, and recovers
            toggle(page, LICENCE)
            page.wait_for_function("document.querySelector('.regsim-status').innerText"
                                   ".includes('dated changes')")
            toggle(page, LICENCE)
        elif number == 3 and later_moves:
            open_details(page, "The-US--chip-export-controls")
            slide(page, CHIPS, 0.9)  # and tightens chip controls
        page.wait_for_function("document.querySelector('.regsim-play-round') && "
                               "!document.querySelector('.regsim-play-round').disabled")
        page.locator(".regsim-play-round").click()
        _wait_round(page, number)
        if number < 3:
            page.locator(".regsim-next-round").click()
    _screenshot(page, "dashboard-game-round.png", readme=True)
    assert month_shown(page) == "2029-12"
    summary = page.locator(".regsim-round-3").inner_text()
    assert "Round 3: Jan 2028 to Dec 2029" in summary and "draws" in summary
    assert "California: kill switch on" in page.locator(".regsim-round-1").inner_text()
    shown = {name: browser.headline(name) for name in
             ("copies_beyond_switch", "competitor_lag", "open_lag", "incidents")}
    exported = _download(page, "Export scenario", tmp_path)
    assert ("[[changes]]" in exported.read_text()) == later_moves
    assert shown == _expected_headlines(_regsim_run(exported, tmp_path), 71)
    saved = _download(page, "Save session", tmp_path)
    assert len(json.loads(saved.read_text())["rounds"]) == 3


# Scenario text ------------------------------------------------------------------------------------


LAB_LABEL = "<img src=y onerror=alert(5)>Mistral"
REGULATOR_LABEL = "<b onmouseover=alert(7)>California</b>"
STATE_LABEL = "{{ constructor.constructor('alert(6)')() }} PRC $\\frac$"


@pytest.fixture(scope="module")
def hostile_url(tmp_path_factory) -> Iterator[str]:
    """A scenario whose question and labels are markup, template and link injections (and a
    '$' that would start matplotlib's math mode), with thefts every month so that the story
    names the labs at once."""
    _require_browser()
    folder = tmp_path_factory.mktemp("hostile")
    path = folder / "hostile.toml"
    path.write_text(
        f'extends = "{REPO / "scenarios" / "baseline.toml"}"\n'
        f'[scenario]\nname = "hostile"\nquestion = {json.dumps(" ".join(PAYLOADS))}\n'
        f'description = {json.dumps(" ".join(PAYLOADS))}\nmonths = 36\n'
        '[world.theft]\nhazard_per_month_at_parity = 1.0\nmax_hazard_per_month = 1.0\n'
        f'[[states]]\nname = "prc"\nlabel = {json.dumps(STATE_LABEL)}\n'
        'absorption_months = [1, 2]\n'
        f'[[regulators]]\nname = "california"\nlabel = {json.dumps(REGULATOR_LABEL)}\n'
        f'[[developers]]\nname = "mistral"\nlabel = {json.dumps(LAB_LABEL)}\n'
        f'[[developers]]\nname = "meta"\nlabel = {json.dumps(PAYLOADS[2])}\n',
        encoding="utf-8")
    with app_server(str(path), folder / "server.log") as url:
        yield url


def test_scenario_text_shows_as_text_and_no_dialog_fires(hostile_url, browser):
    page = browser.page
    key = browser.open(hostile_url)
    toggle(page, KILL_SWITCH)
    wait_ready(page, key)
    for chart in page.locator(".regsim-chart-canvas").all():
        chart.scroll_into_view_if_needed()
        chart.hover()
        page.wait_for_timeout(150)
    page.get_by_text("javascript:alert(4)", exact=False).first.click()
    page.get_by_text("California</b>", exact=False).first.hover()
    page.locator(".regsim-picker .v-select__slot").click()
    page.locator(".v-menu__content .v-list-item").first.wait_for()
    listed = page.locator(".v-menu__content .v-list-item").all_inner_texts()
    page.keyboard.press("Escape")
    page.get_by_role("button", name="game").click()
    page.wait_for_selector(".regsim-start-game")
    body = page.locator("body").inner_text()
    assert " ".join(PAYLOADS) in page.locator(".regsim-question").inner_text()
    assert any(" ".join(PAYLOADS) in item for item in listed)
    assert REGULATOR_LABEL in body and "{{ constructor.constructor('alert(6)')() }} PRC" in body
    page.get_by_role("button", name="explore").click()
    story = page.locator(".regsim-narrative").inner_text()
    assert LAB_LABEL in story or PAYLOADS[2] in story, "the story names the labs literally"
    injected = page.evaluate("""() => ({
        images: [...document.querySelectorAll('img')]
            .filter(i => ['x', 'y'].includes(i.getAttribute('src'))).length,
        links: document.querySelectorAll('a[href^="javascript"]').length,
        bold: [...document.querySelectorAll('b')].filter(b => b.getAttribute('onmouseover'))
            .length})""")
    assert injected == {"images": 0, "links": 0, "bold": 0}
    page.wait_for_timeout(500)
    assert browser.dialogs == [], f"the page ran script from the scenario: {browser.dialogs}"


# The report -------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def report_file(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("report")
    run_dir = folder / "run"
    subprocess.run(
        [sys.executable, "-m", "sim.cli", "run", "kill_switch", "-n", "3", "--quiet",
         "--set", "scenario.months=48", "--out", str(run_dir)],
        cwd=REPO, check=True, capture_output=True,
    )
    out = folder / "report.html"
    subprocess.run([sys.executable, "-m", "sim.cli", "report", str(run_dir), "--out", str(out)],
                   cwd=REPO, check=True, capture_output=True)
    return out


def test_report_opens_offline_with_every_section_and_embedded_plots(report_file, browser):
    page = browser.page
    page.goto(report_file.as_uri())
    headings = page.locator("h2").all_inner_texts()
    for heading in ("The question", "Key outcomes", "Plots", "What happened (event timeline)",
                    "Provenance"):
        assert heading in headings
    assert "SB 1047" in page.locator("#question").inner_text()
    assert page.locator("#outcomes td").count() > 10
    images = page.locator("#plots img")
    assert images.count() == 5
    assert images.first.get_attribute("src").startswith("data:image/png;base64,")
    assert page.evaluate("Array.from(document.images).every(i => i.complete && i.naturalWidth > 0)")
    assert "kill switch" in page.locator("#timeline").inner_text()
    _screenshot(page, "report.png")
    assert all(is_local(url) for url in browser.requests.urls)

