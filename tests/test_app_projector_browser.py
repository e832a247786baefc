"""The projector window and the game's hidden reference (issue 18, item 3), in Debian's headless
chromium, on one server for the module (a 48-month world of 500 adopters: two rounds; 5 draws).

- A second-window controller: the facilitator's page opens a projector window
  (`/?screen=CODE`), opened here in another browser context (another machine, for all the
  page knows). A lever change on the facilitator's page shows up on the projector with the
  facilitator's numbers; the facilitator turns the projector's page; the projector page has
  no control at all (no button, field, slider or link; keys do nothing); a page with a wrong
  code sees nothing, nor does the projector once the facilitator closes it.
- A game that hides the reference (the default): before the last round is played no reference
  line, number, difference or label is on the facilitator's page or the projector (the DOM and
  every chart's data are read, not the visibility); once the last round is played it is there.

Needs /usr/bin/chromium and the playwright pip package (never `playwright install`).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from browser_support import (
    REPO,
    VIEWPORT,
    RequestLog,
    app_server,
    chromium_browser,
    require_browser,
    status_key,
    toggle,
    wait_ready,
)

UI_TIMEOUT_MS = 120_000
ARTIFACTS = REPO / "tests" / "artifacts"
KILL_SWITCH = "regulators.california.policies.kill_switch.enabled"
SMALL = f"""\
extends = "{REPO / 'scenarios' / 'baseline.toml'}"

[scenario]
name = "small"
question = "A small world?"
months = 48

[world.ecosystem]
adopters = 500
"""

pytestmark = pytest.mark.slow

PROJECTOR_READY = """key => {
  const status = document.querySelector('.regsim-projector .regsim-status');
  const strip = document.querySelector('.regsim-projector .regsim-headlines');
  if (!status || !strip || status.dataset.state !== 'ready' || status.dataset.key !== key
      || strip.dataset.key !== key) return false;
  const charts = [...document.querySelectorAll('.regsim-chart-canvas')];
  return charts.every(c => c.dataset.drawn === key);
}"""
"""True once the projector shows the answer `key` in its headlines and every chart shown."""

CONTROLS = """() => document.querySelectorAll(
  'button, input, select, textarea, a[href], [role=button], [role=slider], [role=switch], '
  + '[role=checkbox], [contenteditable=true], .v-slider, .regsim-lever').length"""

REFERENCE = """() => {
  const defined = window.requirejs ? window.requirejs.s.contexts._.defined : {};
  const name = Object.keys(defined).find(k => k.includes('echarts'));
  const echarts = name ? defined[name] : null;
  const series = [];
  for (const el of document.querySelectorAll('.regsim-chart-canvas')) {
    const chart = echarts && echarts.getInstanceByDom(el);
    if (!chart) continue;
    for (const s of [].concat(chart.getOption().series || [])) {
      const points = (s.data || []).filter(v => v !== null && v !== undefined
        && !(Array.isArray(v) && (v[1] === null || v[1] === undefined))).length;
      series.push({id: String(s.id), name: String(s.name), points: points});
    }
  }
  return {series: series,
          charts: document.querySelectorAll('.regsim-chart-canvas').length,
          marks: document.querySelectorAll('.regsim-headline-baseline, .regsim-fact-baseline, '
                                           + '.regsim-swatch-baseline').length,
          text: document.body.innerText};
}"""
"""What of the reference a page holds: each chart's series (from ECharts' own option, i.e. the
data the browser received), the reference's marks in the DOM, and the page's text."""


@pytest.fixture(scope="module")
def small(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("small") / "small.toml"
    path.write_text(SMALL, encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def url(small) -> Iterator[str]:
    require_browser()
    with app_server(str(small), small.parent / "server.log") as address:
        yield address


@pytest.fixture(scope="module")
def chromium():
    with chromium_browser() as browser:
        yield browser


@pytest.fixture
def new_page(chromium):
    """Pages in browser contexts of their own (other machines); no request leaves this one."""
    contexts, logs = [], []

    def opener():
        context = chromium.new_context(viewport=VIEWPORT, accept_downloads=True)
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(UI_TIMEOUT_MS)
        log = RequestLog()
        log.attach(page)
        logs.append(log)
        return page

    yield opener
    for context in contexts:
        context.close()
    assert all(log.off_machine() == [] for log in logs), "a request left the machine"


def _headlines(page) -> dict[str, str]:
    from sim.dashboard.headlines import strip

    return {entry.key: page.locator(f".regsim-headline-{entry.key} .regsim-headline-value"
                                    ).inner_text() for entry in strip()}


def _open_projector(host, projector, url: str) -> str:
    """The facilitator opens a projector window; it is opened in `projector`; its address."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    link = host.locator(".regsim-projector-link")
    # A click in the moment the page redraws (a game just started) can land on the button
    # being replaced, as a person's would: click again, as a person would, up to 3 times.
    for _ in range(3):
        host.locator(".regsim-projector-open").click()
        try:
            link.wait_for(timeout=30_000)
            break
        except PlaywrightTimeout:
            continue
    link.wait_for()
    path = link.get_attribute("href")
    assert path.startswith("/?screen=") and len(path) == len("/?screen=") + 6
    projector.goto(url.rstrip("/") + path)
    return path


def _follows(projector, key: str) -> None:
    projector.wait_for_function(PROJECTOR_READY, arg=key, timeout=UI_TIMEOUT_MS)


def test_the_projector_window_follows_the_facilitator_and_has_no_controls(url, small,
                                                                           new_page):
    from playwright.sync_api import expect

    from sim.dashboard.reference import reference_for
    from sim.dashboard.workshop import load_workshop

    expect.set_options(timeout=UI_TIMEOUT_MS)
    label = reference_for(load_workshop(str(small)), 5).label
    host, projector, stranger = new_page(), new_page(), new_page()
    host.goto(url + "?draws=5")
    first = wait_ready(host)
    _open_projector(host, projector, url)
    _follows(projector, first)
    before = _headlines(host)
    assert _headlines(projector) == before
    assert projector.locator(".regsim-presenter-charts .regsim-chart-canvas").count() == 2
    # Outside a game the reference is on both screens (what the game's test finds absent).
    _reference_present(host, label, "facilitator exploring")
    _reference_present(projector, label, "projector of the facilitator exploring")
    from test_app_present_browser import TEXTS
    from test_dashboard_present import jargon

    assert jargon(projector.locator("body").inner_text()) == []
    assert jargon(host.locator(".regsim-projector-controls").inner_text()) == []
    # The projector is the presenter view: every text at least 20 px, none clipped.
    texts = projector.evaluate(TEXTS)
    assert len(texts) > 10
    for item in texts:
        assert item["font"] >= 20 and not item["clipped"], item
        assert item["x"] >= -0.5 and item["right"] <= VIEWPORT["width"] + 0.5, item
    ARTIFACTS.mkdir(exist_ok=True)
    projector.screenshot(path=str(ARTIFACTS / "projector-window.png"))
    host.screenshot(path=str(ARTIFACTS / "projector-controller.png"))

    # A lever moved on the facilitator's screen: the projector shows the new answer, with the
    # facilitator's numbers, without anyone touching it.
    toggle(host, KILL_SWITCH)
    second = wait_ready(host, first)
    _follows(projector, second)
    after = _headlines(host)
    assert after != before
    assert _headlines(projector) == after

    # The projector has nothing that changes anything: no control, and keys do nothing.
    assert projector.evaluate(CONTROLS) == 0
    assert projector.locator(".regsim-lever-group, .regsim-side").count() == 0
    titles = projector.locator(".regsim-chart-title").all_inner_texts()
    for key in ("p", "n", "ArrowRight", "Enter", " "):
        projector.keyboard.press(key)
    projector.mouse.click(VIEWPORT["width"] / 2, VIEWPORT["height"] / 2)
    projector.wait_for_timeout(1500)
    assert status_key(host) == second and host.locator(".regsim-presenting").count() == 0
    assert projector.locator(".regsim-chart-title").all_inner_texts() == titles

    # The facilitator turns the projector's page from their own screen (and reads there what
    # the projector shows).
    said = host.locator(".regsim-projector-page").inner_text()
    assert said == f"The projector shows: {' and '.join(titles)}."
    host.locator(".regsim-projector-next").click()
    expect(host.locator(".regsim-projector-page")).not_to_have_text(said)
    turned = host.locator(".regsim-projector-page").inner_text()
    projector.wait_for_function(
        "said => 'The projector shows: ' + [...document.querySelectorAll('.regsim-chart-title')]"
        ".map(e => e.innerText).join(' and ') + '.' === said", arg=turned)
    assert projector.locator(".regsim-chart-title").all_inner_texts() != titles

    # A wrong code sees nothing; nor does the projector once the facilitator closes it.
    stranger.goto(url.rstrip("/") + "/?screen=" + ("AAAAAA" if "AAAAAA" not in
                                                     projector.url else "BBBBBB"))
    stranger.locator(".regsim-projector-refused").first.wait_for()
    assert stranger.locator(".regsim-headlines, .regsim-chart-canvas").count() == 0
    host.locator(".regsim-projector-close").click()
    projector.locator(".regsim-projector-refused").first.wait_for()
    assert projector.locator(".regsim-headlines, .regsim-chart-canvas").count() == 0


def _reference_absent(page, label: str, where: str) -> None:
    found = page.evaluate(REFERENCE)
    assert found["marks"] == 0, where
    assert not [s for s in found["series"] if s["id"].startswith("baseline")
                or s["id"] == "frontier" or "reference" in s["name"]], (where, found["series"])
    text = found["text"].lower()
    for words in (label.lower() + ":", "reference", "vs reference", "as written"):
        assert words not in text, (where, words)


def _reference_present(page, label: str, where: str) -> None:
    found = page.evaluate(REFERENCE)
    assert found["marks"] > 0, where
    drawn = [s for s in found["series"] if s["id"].startswith("baseline") and s["points"]]
    assert drawn, (where, found["series"])
    assert label.lower() + ":" in found["text"].lower(), where


def _play(host, number: int, month: str) -> None:
    host.wait_for_function("document.querySelector('.regsim-play-round') && "
                           "!document.querySelector('.regsim-play-round').disabled && "
                           "document.querySelector('.regsim-status').dataset.state === 'ready'")
    host.locator(".regsim-play-round").click()
    host.wait_for_selector(f".regsim-round-{number}")
    host.wait_for_function("document.querySelector('.regsim-headlines').dataset.month "
                           f"=== '{month}'")


def test_a_game_hides_the_reference_until_the_last_round_is_played(url, small, new_page):
    from sim.dashboard.reference import reference_for
    from sim.dashboard.workshop import load_workshop

    label = reference_for(load_workshop(str(small)), 5).label
    host, projector = new_page(), new_page()
    host.goto(url + "?draws=5")
    wait_ready(host)
    host.get_by_role("button", name="game").click()
    choice = host.locator(".regsim-hide-reference input").first
    assert choice.is_checked(), "hidden by default in a game"
    host.get_by_role("button", name="Start the game").click()
    host.locator(".regsim-play-round").wait_for()
    _open_projector(host, projector, url)
    host.wait_for_function("document.querySelector('.regsim-status').dataset.state === 'ready'")
    _follows(projector, status_key(host))

    # Before round 1: nothing of the reference on either screen (the projector shows the
    # round summaries first; then the charts).
    _reference_absent(host, label, "facilitator before round 1")
    _reference_absent(projector, label, "projector before round 1")
    from test_dashboard_present import jargon

    assert jargon(host.locator(".regsim-side").inner_text()) == []
    host.locator(".regsim-projector-next").click()
    projector.locator(".regsim-presenter-charts .regsim-chart-canvas").first.wait_for()
    _follows(projector, status_key(host))
    _reference_absent(projector, label, "projector's charts before round 1")

    # Round 1 played (not the last): still hidden, while the teams' lines are drawn.
    old = status_key(host)
    toggle(host, KILL_SWITCH)
    wait_ready(host, old)
    _play(host, 1, "2025-12")
    _follows(projector, status_key(host))
    projector.wait_for_function("document.querySelector('.regsim-headlines').dataset.month "
                                "=== '2025-12'")
    for page, where in ((host, "facilitator after round 1"), (projector, "projector")):
        _reference_absent(page, label, where)
        assert any(s["id"].startswith("policy") and s["points"]
                   for s in page.evaluate(REFERENCE)["series"]), where
    assert "as written" not in host.locator(".regsim-round-1").inner_text()
    with host.expect_download() as download:  # the session records the choice
        host.get_by_role("button", name="Save session").click()
    assert json.loads(Path(download.value.path()).read_text())["hide_reference"] is True

    # The last round played: the reference is on both screens, lines and numbers.
    host.locator(".regsim-next-round").click()
    _play(host, 2, "2027-12")
    _follows(projector, status_key(host))
    projector.wait_for_function("document.querySelector('.regsim-headlines').dataset.month "
                                "=== '2027-12' && document.querySelector("
                                "'.regsim-headline-baseline')")
    _reference_present(host, label, "facilitator after the last round")
    _reference_present(projector, label, "projector after the last round")
    assert jargon(projector.locator("body").inner_text()) == []
    host.screenshot(path=str(ARTIFACTS / "projector-game-controller.png"))


def test_the_facilitator_shows_a_hidden_reference_early(url, small, new_page):
    from sim.dashboard.reference import reference_for
    from sim.dashboard.workshop import load_workshop

    label = reference_for(load_workshop(str(small)), 5).label
    host = new_page()
    host.goto(url + "?draws=5")
    wait_ready(host)
    host.get_by_role("button", name="game").click()
    host.get_by_role("button", name="Start the game").click()
    host.locator(".regsim-play-round").wait_for()
    # The page before the game shows the reference; wait for the game's first redraw (a 3.12
    # run read the page a moment before it), then for its answer.
    host.wait_for_function(f"() => ({REFERENCE})().marks === 0")
    host.wait_for_function("document.querySelector('.regsim-status').dataset.state === 'ready'")
    _reference_absent(host, label, "before round 1")
    host.locator(".regsim-reveal-reference").click()
    host.locator(".regsim-headline-baseline").first.wait_for()
    # The charts redraw with the reference (the same answer: its key does not change).
    host.wait_for_function(f"() => ({REFERENCE})().series.some(s => s.id.startsWith("
                           "'baseline') && s.points)")
    _reference_present(host, label, "shown early, before round 1")
    assert host.locator(".regsim-reveal-reference").count() == 0
