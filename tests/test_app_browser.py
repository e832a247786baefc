"""The workshop dashboard and the HTML report in a real headless browser (Debian's chromium) at
1366x768, the projector size.

`regsim app` is started on a free loopback port and driven with Playwright (see
`browser_support`): the default view fits the screen with nothing clipped or overlapping; a
lever change redraws every chart and headline; Step advances exactly one month; after the last
month a lever change and Play work without Reset; predict-then-reveal hides and shows the
results; the exported settings, run by `regsim run`, give the numbers on screen; a three-round
game with a different move in each round is exported and reproduced. Every request is recorded
and any request off this machine is aborted and fails the test. (Scenario text shown as text,
never run: `test_app_hostile.py`.)

Needs `/usr/bin/chromium` (`apt-get install -y chromium`) and the `playwright` pip package (never
`playwright install`); skipped when either is missing. Screenshots go to tests/artifacts/ (and
the three README ones to docs/images/).
"""

from __future__ import annotations

import json
import subprocess
import sys
import tomllib
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
from browser_support import (
    CHARTS,
    REPO,
    VIEWPORT,
    RequestLog,
    app_server,
    is_local,
    launch,
    lever,
    month_shown,
    open_details,
    require_browser,
    slide,
    status_key,
    toggle,
    wait_ready,
)

ARTIFACTS = REPO / "tests" / "artifacts"
IMAGES = REPO / "docs" / "images"
UI_TIMEOUT_MS = 120_000
KILL_SWITCH = "regulators.california.policies.kill_switch.enabled"
LICENCE = "regulators.us_federal.policies.open_weight_licence.enabled"
CHIPS = "regulators.us_federal.policies.chip_export_controls.strength"

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def app_url(tmp_path_factory) -> Iterator[str]:
    """`regsim app baseline` on a free loopback port, stopped by its process group afterwards."""
    require_browser()
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

    def numbers(self) -> dict[str, str]:
        """Every headline and side-table number on screen, by key."""
        from sim.dashboard.headlines import strip, table

        shown = {entry.key: self.headline(entry.key) for entry in strip()}
        for entry in table():
            shown[entry.key] = self.page.locator(
                f".regsim-fact-{entry.key} .regsim-fact-value").inner_text()
        return shown


@pytest.fixture
def browser() -> Iterator[Page]:
    require_browser()
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
        ".regsim-question": 1, ".regsim-transport .v-btn": 3, ".regsim-headline": 3,
        ".regsim-legend": 1, ".regsim-primary .regsim-chart": 4, ".regsim-facts": 1,
        ".regsim-fact": 8, ".regsim-narrative-card": 1,
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
                        ".regsim-facts", ".regsim-narrative-card"):
            cards += boxes
    for index, first in enumerate(cards):
        for second in cards[index + 1:]:
            assert _overlap(first, second) == 0, (first["name"], second["name"])
    words = (".regsim-headline-label, .regsim-headline-value, .regsim-headline-baseline, "
             ".regsim-headline-difference, .regsim-chart-title, .regsim-caption, "
             ".regsim-question, .regsim-lever-group-title, .regsim-lever-label, "
             ".regsim-lever-value, .regsim-month, .regsim-event, .regsim-facts-title, "
             ".regsim-facts-column, .regsim-fact-label, .regsim-fact-value, "
             ".regsim-fact-baseline")
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
    numbers = browser.numbers()
    canvases = [chart.screenshot() for chart in page.locator(".regsim-primary canvas").all()]
    toggle(page, KILL_SWITCH)
    after = wait_ready(page, before)
    drawn = page.evaluate("[...document.querySelectorAll('.regsim-chart-canvas')]"
                          ".map(c => c.dataset.drawn)")
    assert drawn == [after] * CHARTS, "every chart shows the new result"
    changed_numbers = browser.numbers()
    # (Not the comply share: with withholding counted only for closed models it is 99% with
    # and without the kill switch at two significant figures.)
    for key in ("open_lag", "cash"):
        assert changed_numbers[key] != numbers[key], key
    changed = [chart.screenshot() for chart in page.locator(".regsim-primary canvas").all()]
    assert all(old != new for old, new in zip(canvases, changed, strict=True))
    differences = page.locator(".regsim-headline-difference").all_inner_texts()
    assert any("vs reference" in text for text in differences)
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
    values += page.locator(".regsim-fact-value").all_inner_texts()
    assert values == ["?"] * len(values)
    assert "Hidden" in page.locator(".regsim-narrative").inner_text()
    baselines = page.locator(".regsim-headline-baseline").all_inner_texts()
    assert all("?" not in text for text in baselines), "the room predicts against as written"
    page.locator(".regsim-reveal").click()
    # The strip and the table are separate widgets: each may arrive in its own message.
    page.wait_for_function("['.regsim-headlines', '.regsim-facts'].every(css => "
                           "!document.querySelector(css).innerText.includes('?'))")
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
    """The headline and side-table numbers from a `regsim run` folder's time series at month
    index `month`, computed here with pandas and worded as the dashboard words them."""
    from sim.dashboard.headlines import HEADLINES
    from sim.dashboard.live_charts import in_unit

    series = pd.read_csv(run / "timeseries.csv")
    words = {}
    for entry in HEADLINES:
        measure = entry.measure.filled("prc")
        per_draw = []
        for _, frame in series.groupby("replicate", sort=True):
            rows = frame.sort_values("step")
            total = rows[list(measure.columns)].sum(axis=1, skipna=False).to_numpy(float)
            if measure.statistic == "at_month":
                per_draw.append(total[month])
            elif measure.statistic == "share_at_month":
                whole = rows[list(measure.of)].sum(axis=1).to_numpy(float)[month]
                per_draw.append(total[month] / whole if whole else float("nan"))
            else:
                per_draw.append(pd.Series(total[: month + 1]).mean())  # skips NaN months
        words[entry.key] = in_unit(entry.unit, pd.Series(per_draw, dtype=float).mean())
    return words


def test_the_exported_settings_give_the_dashboards_numbers_in_regsim_run(app_url, browser,
                                                                         tmp_path):
    page = browser.page
    key = browser.open(app_url)
    toggle(page, KILL_SWITCH)
    wait_ready(page, key)
    shown = browser.numbers()
    exported = _download(page, "Export these settings as a scenario", tmp_path)
    assert exported.read_text().startswith("# regsim workshop export")
    expected = _expected_headlines(_regsim_run(exported, tmp_path), 119)
    assert shown == expected


def _wait_round(page, number: int) -> None:
    page.wait_for_selector(f".regsim-round-{number}")


def test_a_three_round_game_is_exported_and_reproduced_by_regsim_run(app_url, browser,
                                                                     tmp_path):
    """Three rounds, each with its own move: California enacts the kill switch, then the US
    licenses open weights, then it tightens chip controls (rounds 2 and 3 as dated changes)."""
    from playwright.sync_api import expect

    page = browser.page
    browser.open(app_url)
    page.get_by_role("button", name="game").click()
    page.get_by_role("button", name="Start the game").click()
    for number in (1, 2, 3):
        # Move only once the round is open (its Play button shown) and its settings computed:
        # a click while the panel is redrawn for the new round can be lost.
        page.wait_for_function("document.querySelector('.regsim-play-round') && "
                               "!document.querySelector('.regsim-play-round').disabled && "
                               "document.querySelector('.regsim-status').dataset.state "
                               "=== 'ready'")
        key = status_key(page)
        if number == 1:
            toggle(page, KILL_SWITCH)
        elif number == 2:
            toggle(page, LICENCE)
        else:
            open_details(page, "The-US--chip-export-controls")
            slide(page, CHIPS, 0.9)
            expect(lever(page, CHIPS).locator(".regsim-lever-value")).to_have_text(
                "90%", timeout=UI_TIMEOUT_MS)  # once the server has taken the move
        # Play only once the move has reached the server and been computed: the button can
        # still be enabled for a moment after the click, with the round's old settings.
        wait_ready(page, key)
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
    assert "The US: open-weight licence on" in page.locator(".regsim-round-2").inner_text()
    assert "chip export controls: share of the target" in page.locator(
        ".regsim-round-3").inner_text()
    shown = browser.numbers()
    exported = _download(page, "Export scenario", tmp_path)
    changes = tomllib.loads(exported.read_text())["changes"]
    assert [(c["month"], sorted(c["set"])) for c in changes] == [
        ("2026-01", [LICENCE]), ("2028-01", [CHIPS])]
    assert shown == _expected_headlines(_regsim_run(exported, tmp_path), 71)
    saved = _download(page, "Save session", tmp_path)
    assert len(json.loads(saved.read_text())["rounds"]) == 3


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

