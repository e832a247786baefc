"""What the browser does per lever change, in Debian's headless chromium: each chart is drawn
once per result (the option and the key arrive in one update; drawing in each of their
watchers built every chart twice), and a change sends one partial answer at most before the
complete one (`sim.dashboard.app.PARTIAL_ANSWERS`).

Needs `/usr/bin/chromium` and the `playwright` pip package; skipped otherwise.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator

import pytest
from browser_support import CHARTS, CHROMIUM, VIEWPORT, app_server, launch, toggle, wait_ready

from sim.dashboard.app import PARTIAL_ANSWERS

KILL_SWITCH = "regulators.california.policies.kill_switch.enabled"

pytestmark = pytest.mark.slow

RECORD = """() => {
  window.regsimDrawn = [];
  new MutationObserver(records => records.forEach(record => window.regsimDrawn.push(
      [record.target.closest('.regsim-chart').className, record.target.dataset.drawn])))
    .observe(document.body, {attributes: true, subtree: true, attributeFilter: ['data-drawn']});
}"""
"""Record every stamp of `data-drawn` (each chart stamps it after each ECharts draw)."""


@pytest.fixture(scope="module")
def page() -> Iterator:
    if not CHROMIUM.exists():
        pytest.skip("needs /usr/bin/chromium (apt-get install -y chromium)")
    sync_api = pytest.importorskip("playwright.sync_api", reason="needs the playwright package")
    import tempfile
    from pathlib import Path

    log = Path(tempfile.mkdtemp(prefix="regsim-speed-")) / "server.log"
    with app_server("baseline", log) as url, sync_api.sync_playwright() as playwright:
        browser = launch(playwright)
        try:
            page = browser.new_page(viewport=VIEWPORT)
            page.goto(url + "?draws=5")
            wait_ready(page)
            yield page
        finally:
            browser.close()


def test_each_chart_is_drawn_once_per_result_and_one_partial_answer_at_most(page):
    key = wait_ready(page, "")
    page.evaluate(RECORD)
    toggle(page, KILL_SWITCH)  # a setting never computed: first draws, then all of them
    key = wait_ready(page, key)
    page.wait_for_timeout(500)  # any late draw would be recorded too
    stamps = [tuple(stamp) for stamp in page.evaluate("window.regsimDrawn")]
    twice = [stamp for stamp, count in Counter(stamps).items() if count > 1]
    assert not twice, f"charts drawn twice for one result: {twice[:3]}"
    results = {drawn for _, drawn in stamps}
    assert key in results
    assert len(results) <= 1 + PARTIAL_ANSWERS, f"results drawn: {sorted(results)}"
    assert len(stamps) <= CHARTS * (1 + PARTIAL_ANSWERS)
