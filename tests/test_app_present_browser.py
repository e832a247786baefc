"""The dashboard in front of a room, in Debian's headless chromium (one `regsim app` for the
module, 5 draws per setting to keep it light):

- the presenter view (P key or button): headline numbers >= 48 px, every other text >= 20 px,
  nothing clipped or overlapping (bounding boxes measured; each chart's legend measured against
  its plot area through ECharts) at 1024x768, 1366x768, 1920x1080 and at 150% zoom (Chrome's
  device scale factor 1.5 on a 1366x768 screen: a 911x512 CSS-pixel page, as the browser's own
  zoom gives);
- a lever change dims every number at once (a MutationObserver records each state the page
  went through), Reveal stays disabled until the answer for the new setting is complete, and
  the numbers revealed equal `regsim run` on the exported settings;
- the settings live in the address: opening it elsewhere restores them; the HTML snapshot's
  numbers are the screen's, the PNG snapshot is a picture, both with descriptive names;
- the page's text has no exponent notation, snake_case names or codes.

Needs `/usr/bin/chromium` and the `playwright` pip package; skipped otherwise.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterator

import pytest
from browser_support import (
    CHROMIUM,
    REPO,
    VIEWPORT,
    RequestLog,
    app_server,
    chromium_browser,
    lever,
    open_details,
    slide,
    status_key,
    toggle,
    wait_ready,
)
from test_app_browser import _download, _expected_headlines, _regsim_run

IMAGES = REPO / "docs" / "images"
ARTIFACTS = REPO / "tests" / "artifacts"
UI_TIMEOUT_MS = 120_000
KILL_SWITCH = "regulators.california.policies.kill_switch.enabled"
LICENCE = "regulators.us_federal.policies.open_weight_licence.enabled"
EXPORT_CONTROLS = "regulators.us_federal.policies.weight_export_controls.enabled"
SIZES = [(1024, 768), (1366, 768), (1920, 1080)]
ZOOM = 1.5
MAX_BYTES_PER_CHANGE = 500_000
"""What the page may receive for one change (the first draws' answer and the complete one)."""

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def url(tmp_path_factory) -> Iterator[str]:
    if not CHROMIUM.exists():
        pytest.skip("needs /usr/bin/chromium (apt-get install -y chromium)")
    pytest.importorskip("playwright.sync_api", reason="needs the playwright pip package")
    with app_server("baseline", tmp_path_factory.mktemp("app") / "server.log") as address:
        yield address + "?draws=5"  # a link's settings: 5 draws keep the module light


@pytest.fixture(scope="module")
def chromium():
    with chromium_browser() as browser:
        yield browser


@pytest.fixture
def open_page(chromium):
    """Open a fresh session (its own browser context) on a viewport; checks no request left
    the machine."""
    contexts, logs = [], []

    def opener(address: str, width: int = VIEWPORT["width"], height: int = VIEWPORT["height"],
               scale: float = 1.0):
        context = chromium.new_context(viewport={"width": width, "height": height},
                                       device_scale_factor=scale, accept_downloads=True)
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(UI_TIMEOUT_MS)
        log = RequestLog()
        log.attach(page)
        logs.append(log)
        received = [0]  # websocket bytes the page received
        page.on("websocket", lambda socket_: socket_.on(
            "framereceived", lambda payload: received.__setitem__(0, received[0] + len(
                payload.encode() if isinstance(payload, str) else payload))))
        page.regsim_received = received
        page.goto(address)
        wait_ready(page)
        return page

    yield opener
    for context in contexts:
        context.close()
    assert all(log.off_machine() == [] for log in logs), "a request left the machine"


def _screenshot(page, name: str, docs: bool = False) -> None:
    for folder in (ARTIFACTS, IMAGES) if docs else (ARTIFACTS,):
        folder.mkdir(exist_ok=True)
        page.screenshot(path=str(folder / name))


# The presenter view ----------------------------------------------------------------------------

TEXTS = """() => {
  const out = [];
  const main = document.querySelector('.regsim-main');
  for (const el of main.querySelectorAll('*')) {
    const own = [...el.childNodes].filter(n => n.nodeType === 3 && n.textContent.trim());
    if (!own.length || el.offsetParent === null) continue;
    const r = el.getBoundingClientRect();
    if (!r.width || !r.height) continue;
    const style = getComputedStyle(el);
    out.push({name: el.className, text: own.map(n => n.textContent.trim()).join(' '),
              x: r.x, right: r.right, y: r.y, bottom: r.bottom,
              font: parseFloat(style.fontSize),
              clipped: style.overflowX !== 'visible' && el.scrollWidth > el.clientWidth + 1
                || style.textOverflow === 'ellipsis' && el.scrollWidth > el.clientWidth + 1});
  }
  return out;
}"""

BOXES = """selector => [...document.querySelectorAll(selector)].filter(el => el.offsetParent)
  .map(el => { const r = el.getBoundingClientRect();
               return {name: el.className, x: r.x, y: r.y, right: r.right, bottom: r.bottom}; })"""

LEGENDS = """() => {
  const defined = window.requirejs.s.contexts._.defined;
  const echarts = defined[Object.keys(defined).find(k => k.includes('echarts'))];
  return [...document.querySelectorAll('.regsim-chart-canvas')].filter(el => el.offsetParent)
    .map(el => {
      const chart = echarts.getInstanceByDom(el);
      const legend = chart.getModel().getComponent('legend');
      const grid = chart.getModel().getComponent('grid').coordinateSystem.getRect();
      const view = legend && legend.get('show') ? chart.getViewOfComponentModel(legend) : null;
      const box = view ? view.group.getBoundingRect() : null;
      if (box && view) { box.x += view.group.x; box.y += view.group.y; }
      return {legend: box && {x: box.x, y: box.y, right: box.x + box.width,
                               bottom: box.y + box.height},
              grid: {x: grid.x, y: grid.y, right: grid.x + grid.width,
                     bottom: grid.y + grid.height},
              width: el.clientWidth, font: [].concat(chart.getOption().textStyle)[0].fontSize};
    });
}"""


def _overlap(a: dict, b: dict) -> float:
    width = min(a["right"], b["right"]) - max(a["x"], b["x"])
    height = min(a["bottom"], b["bottom"]) - max(a["y"], b["y"])
    return max(0.0, width) * max(0.0, height)


def _check_presenter(page, width: int, label: str) -> None:
    """Font sizes, clipping and overlaps of the presenter view at this size."""
    page.wait_for_function("document.querySelectorAll('.regsim-presenter-charts "
                           ".regsim-chart-canvas[data-drawn]').length === 2")
    page.wait_for_timeout(400)  # ECharts redraws on resize (ResizeObserver)
    texts = page.evaluate(TEXTS)
    assert len(texts) > 20, label
    for item in texts:
        assert item["x"] >= -0.5 and item["right"] <= width + 0.5, (label, item)
        assert not item["clipped"], (label, item)
        assert item["font"] >= 20, (label, item)
    values = [t for t in texts if "regsim-headline-value" in t["name"]]
    assert len(values) == 3 and all(v["font"] >= 48 for v in values), (label, values)
    cards = page.evaluate(BOXES, ".regsim-headline, .regsim-legend, .regsim-tools, "
                                 ".regsim-top, .regsim-presenter-charts .regsim-chart, "
                                 ".regsim-question")
    for index, first in enumerate(cards):
        for second in cards[index + 1:]:
            assert _overlap(first, second) == 0, (label, first["name"], second["name"])
    inner = page.evaluate(BOXES, ".regsim-presenter-charts .regsim-chart-title, "
                                 ".regsim-presenter-charts .regsim-chart-canvas, "
                                 ".regsim-presenter-charts .regsim-caption")
    for index, first in enumerate(inner):
        for second in inner[index + 1:]:
            assert _overlap(first, second) == 0, (label, first["name"], second["name"])
    for chart in page.evaluate(LEGENDS):
        assert chart["font"] >= 20, label
        if chart["legend"]:
            assert _overlap(chart["legend"], chart["grid"]) == 0, (label, chart)
            assert chart["legend"]["x"] >= 0 and chart["legend"]["right"] <= chart["width"]


def test_the_presenter_view_is_readable_with_nothing_clipped_or_overlapping(url, open_page):
    page = open_page(url)
    page.keyboard.press("p")  # the facilitator's shortcut
    page.wait_for_selector(".regsim-presenting")
    assert not page.locator(".regsim-side").is_visible(), "the levers fold away"
    for width, height in SIZES:
        page.set_viewport_size({"width": width, "height": height})
        _check_presenter(page, width, f"{width}x{height}")
        if (width, height) == (1366, 768):
            _screenshot(page, "dashboard-presenter.png", docs=True)
    page.keyboard.press("n")  # the next pair of charts
    page.wait_for_selector(".regsim-chart-derivatives")
    _check_presenter(page, 1920, "1920x1080, second page")
    page.get_by_role("button", name="Show the levers (P)").click()
    page.wait_for_selector(".regsim-side", state="visible")

    zoomed = open_page(url, round(1366 / ZOOM), round(768 / ZOOM), ZOOM)
    zoomed.get_by_role("button", name="Presenter view (P)").click()
    zoomed.wait_for_selector(".regsim-presenting")
    _check_presenter(zoomed, round(1366 / ZOOM), "1366x768 at 150%")


# Stale numbers and Reveal ----------------------------------------------------------------------

RECORD = """() => {
  window.regsimStates = [];
  const record = () => {
    const status = document.querySelector('.regsim-status');
    const reveal = document.querySelector('.regsim-reveal');
    const strip = document.querySelector('.regsim-headlines');
    window.regsimStates.push({key: status && status.dataset.key,
      state: status && status.dataset.state, text: status && status.innerText,
      stale: parseFloat(getComputedStyle(document.querySelector('.regsim-results')).opacity)
             < 0.6,
      strip: strip && strip.dataset.key,
      reveal: !reveal ? 'none' : reveal.disabled
        || getComputedStyle(reveal).pointerEvents === 'none' ? 'disabled' : 'enabled'});
  };
  new MutationObserver(record).observe(document.body, {subtree: true, childList: true,
    attributes: true, characterData: true});
  record();
}"""


def test_a_change_dims_the_numbers_at_once_and_reveal_waits_for_the_complete_answer(
        url, open_page, tmp_path):
    page = open_page(url)
    old = status_key(page)
    page.get_by_role("button", name="predict").click()
    page.wait_for_selector(".regsim-reveal")
    page.evaluate(RECORD)
    before = page.regsim_received[0]
    toggle(page, EXPORT_CONTROLS)  # a setting never computed in this module
    page.wait_for_function("document.querySelector('.regsim-reveal') && "
                           "!document.querySelector('.regsim-reveal').disabled && "
                           "document.querySelector('.regsim-status').dataset.key !== "
                           f"'{old}'")
    states = page.evaluate("window.regsimStates")
    new = status_key(page)
    changed = [s for s in states if s["key"] == new]
    computing = [s for s in changed if s["state"] == "computing"]
    assert computing, "the page showed the new setting computing (5 draws take a while)"
    assert all(s["stale"] for s in computing), ("every state while computing is dimmed",
                                               [[s["stale"], s["text"]] for s in changed])
    assert all(s["reveal"] != "enabled" for s in computing), "no Reveal before complete"
    assert any(re.search(r"computing: \d of 5 draws", s["text"] or "") for s in computing)
    # the dimming lifts with the complete answer (the same page update, applied a moment
    # later under load): wait for it rather than read it at once
    page.locator(".regsim-results.regsim-stale").wait_for(state="detached", timeout=30_000)
    shipped = page.regsim_received[0] - before
    assert shipped <= MAX_BYTES_PER_CHANGE, f"{shipped:,} bytes to the page for one change"
    page.locator(".regsim-reveal").click()
    page.wait_for_function("['.regsim-headlines', '.regsim-facts'].every(css => "
                           "!document.querySelector(css).innerText.includes('?'))")
    shown = _numbers(page)
    exported = _download(page, "Export these settings as a scenario", tmp_path)
    assert shown == _expected_headlines(_regsim_run(exported, tmp_path), 119)


def _numbers(page) -> dict[str, str]:
    from sim.dashboard.headlines import strip, table

    shown = {entry.key: page.locator(f".regsim-headline-{entry.key} .regsim-headline-value")
             .inner_text() for entry in strip()}
    for entry in table():
        shown[entry.key] = page.locator(f".regsim-fact-{entry.key} .regsim-fact-value"
                                        ).inner_text()
    return shown


# Sharing ---------------------------------------------------------------------------------------


def test_a_link_restores_the_settings_and_snapshots_hold_the_screens_numbers(url, open_page,
                                                                             tmp_path):
    page = open_page(url)
    key = status_key(page)
    toggle(page, KILL_SWITCH)
    wait_ready(page, key)
    page.wait_for_function(f"location.search.includes('{KILL_SWITCH}=on')")
    link = page.url
    assert "draws=5" in link
    shown = _numbers(page)

    elsewhere = open_page(link)  # another session, as a participant opening the link
    assert lever(elsewhere, KILL_SWITCH).locator("input").is_checked()
    assert _numbers(elsewhere) == shown

    saved = _download(page, "Snapshot (HTML page)", tmp_path)
    assert saved.name == "regsim-baseline-california-kill-switch-on-dec-2033.html"
    text = saved.read_text()
    assert "<script" not in text
    from sim.dashboard.headlines import strip, table

    in_file = {}
    for entry in strip():
        in_file[entry.key] = _cell(text, f"headline-{entry.key}")
    for entry in table():
        in_file[entry.key] = _cell(text, f"fact-{entry.key}")
    assert in_file == shown
    with page.expect_download() as download:
        page.get_by_role("button", name="Snapshot (PNG)").click()
    picture = tmp_path / download.value.suggested_filename
    download.value.save_as(picture)
    assert picture.name == "regsim-baseline-california-kill-switch-on-dec-2033.png"
    assert picture.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and picture.stat().st_size > 20_000


def _cell(page_text: str, row_class: str) -> str:
    found = re.search(rf'<tr class="{row_class}">.*?<td class="value">(.*?)</td>', page_text,
                      re.S)
    assert found, row_class
    return html.unescape(found.group(1))


# Plain words -----------------------------------------------------------------------------------


def test_the_page_reads_without_exponents_codes_or_internal_names(url, open_page):
    from test_dashboard_present import jargon

    page = open_page(url)
    key = status_key(page)
    toggle(page, LICENCE)
    wait_ready(page, key)
    text = page.locator("body").inner_text()
    text += " ".join(page.locator(".regsim-story-draws, .regsim-narrative").all_inner_texts())
    assert "What happened" in text and len(text) > 2000
    assert jargon(text) == []
    _screenshot(page, "dashboard-licence.png")


def test_switching_an_instrument_off_after_moving_its_slider_is_answered_from_the_cache(
        url, open_page):
    """The key ignores a switched-off instrument's parameters: the reference's answer shows at
    once, with the reference's own key."""
    page = open_page(url)
    reference = status_key(page)
    toggle(page, KILL_SWITCH)
    on = wait_ready(page, reference)
    open_details(page, "California--kill-switch")
    slide(page, "regulators.california.policies.kill_switch.penalty_musd", 0.5)
    moved = wait_ready(page, on)
    toggle(page, KILL_SWITCH)
    assert wait_ready(page, moved) == reference
