"""The workshop dashboard and the HTML report in a real headless browser (Debian's chromium).

`regsim app` is started on a free loopback port and driven with Playwright: the charts render,
switching California's kill switch on and stepping changes the open-weight frontier, the
narrative tells events, and no request leaves the machine (every request is recorded and checked,
and any non-loopback request is aborted). The report of a small run opens with every section and
an embedded plot, again without any request beyond the file itself.

Needs `/usr/bin/chromium` (`apt-get install -y chromium`) and the `playwright` pip package (never
`playwright install`); skipped when either is missing. Screenshots go to tests/artifacts/.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlparse

import pytest

from sim.scenario.loader import bundled_scenarios

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--headless", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
REPO = Path(__file__).resolve().parent.parent
ARTIFACTS = REPO / "tests" / "artifacts"
LOOPBACK = {"127.0.0.1", "localhost", "::1", "[::1]"}
LOCAL_SCHEMES = {"data", "blob", "about", "file"}
SERVER_START_S = 90.0
UI_TIMEOUT_MS = 60_000
STEPS = 24  # 2024-01 .. 2025-12: the kill switch starts 2025-01 and Meta shades its 2025 release

pytestmark = pytest.mark.slow


def _require_browser() -> None:
    if not CHROMIUM.exists():
        pytest.skip("needs /usr/bin/chromium (apt-get install -y chromium)")
    pytest.importorskip("playwright.sync_api", reason="needs the playwright pip package")
    pytest.importorskip("solara", reason="needs the app extra: pip install 'regsim[app]'")


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _wait_for_http(url: str, process: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + SERVER_START_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"regsim app exited with {process.returncode}:\n{log.read_text()}")
        with contextlib.suppress(OSError), urllib.request.urlopen(url, timeout=2) as response:
            if response.status == 200:
                return
        time.sleep(0.5)
    pytest.fail(f"regsim app did not answer at {url} within {SERVER_START_S} s:\n{log.read_text()}")


def _stop(process: subprocess.Popen) -> None:
    """Stop the server and its solara child: the process group this test started."""
    if process.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=15)


@pytest.fixture(scope="module")
def app_url(tmp_path_factory) -> Iterator[str]:
    """`regsim app baseline` on a free loopback port, stopped by its process group afterwards."""
    _require_browser()
    port = _free_port()
    log = tmp_path_factory.mktemp("app") / "server.log"
    with log.open("w") as stream:
        process = subprocess.Popen(
            [sys.executable, "-m", "sim.cli", "app", "baseline", "--port", str(port)],
            cwd=REPO, stdout=stream, stderr=subprocess.STDOUT, start_new_session=True,
        )
    try:
        url = f"http://127.0.0.1:{port}/"
        _wait_for_http(url, process, log)
        yield url
    finally:
        _stop(process)


class RequestLog:
    """Every URL the page asked for; anything off this machine is aborted and remembered."""

    def __init__(self) -> None:
        self.urls: list[str] = []
        self.blocked: list[str] = []

    def attach(self, page) -> None:
        page.on("request", lambda request: self.urls.append(request.url))
        page.on("websocket", lambda socket_: self.urls.append(socket_.url))
        page.route("**/*", self._route)

    def _route(self, route) -> None:
        if is_local(route.request.url):
            route.continue_()
        else:
            self.blocked.append(route.request.url)
            route.abort()

    def off_machine(self) -> list[str]:
        return [url for url in self.urls if not is_local(url)] + self.blocked


def is_local(url: str) -> bool:
    parsed = urlparse(url)
    if parsed.scheme in LOCAL_SCHEMES:
        return True
    return parsed.hostname in LOOPBACK


@pytest.fixture
def browser_page() -> Iterator[tuple[object, RequestLog]]:
    _require_browser()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.set_default_timeout(UI_TIMEOUT_MS)
            requests = RequestLog()
            requests.attach(page)
            yield page, requests
        finally:
            browser.close()


def test_is_local_accepts_only_this_machine():
    assert is_local("http://127.0.0.1:8765/static/x.js")
    assert is_local("ws://localhost:1/jupyter/api/kernels")
    assert is_local("data:image/png;base64,AAAA")
    assert is_local("blob:http://127.0.0.1:8765/abc")
    assert not is_local("https://cdn.jsdelivr.net/npm/vue")
    assert not is_local("http://10.0.0.1/")


# The dashboard ----------------------------------------------------------------------------------


def _caption(page, key: str) -> str:
    return page.locator(f".regsim-chart-{key} .regsim-caption").inner_text()


def _open_frontier(page) -> str:
    return page.locator(".regsim-open-frontier").inner_text().rsplit(" ", 1)[-1]


def _month_after(steps: int, start: str = "2024-01") -> str:
    year, month = (int(part) for part in start.split("-"))
    index = year * 12 + month - 1 + steps - 1
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def _step_to(page, steps: int) -> None:
    """Press Step `steps` times, waiting each time for the charts to show the new month."""
    button = page.get_by_role("button", name="Step")
    for done in range(1, steps + 1):
        button.click()
        month = _month_after(done)
        page.wait_for_function(
            """month => {
                const node = document.querySelector('.regsim-chart-capability .regsim-caption');
                return node && node.innerText.startsWith(month + ':');
            }""",
            arg=month,
        )


def _capability_chart_png(page) -> bytes:
    return page.locator(".regsim-chart-capability img").screenshot()


def test_dashboard_runs_offline_and_the_kill_switch_changes_the_open_frontier(
    app_url, browser_page
):
    page, requests = browser_page
    page.goto(app_url)
    page.wait_for_selector(".regsim-chart img")
    page.wait_for_function("document.querySelectorAll('.regsim-chart img').length >= 5")
    page.locator(".regsim-picker .v-select__slot").click()
    menu = page.locator(".v-menu__content .v-list-item")
    menu.first.wait_for()
    listed = menu.all_inner_texts()
    assert any(item.startswith("kill_switch: What if California") for item in listed)
    assert len(listed) == len(bundled_scenarios())
    page.keyboard.press("Escape")
    assert "Nothing yet" in page.locator(".regsim-narrative").inner_text()

    _step_to(page, STEPS)
    without = _open_frontier(page)
    caption = _caption(page, "capability")
    assert f"open-weight frontier {without} (baseline {without})" in caption
    chart_without = _capability_chart_png(page)
    assert page.locator(".regsim-event").count() > 0

    page.locator(".regsim-lever-california__kill_switch__enabled label").click()
    page.wait_for_function(
        "document.querySelector('.regsim-changes').innerText.includes(\"kill switch: on\")"
    )
    page.wait_for_function(  # the run restarted from the first month
        "document.querySelector('.regsim-open-frontier').innerText.endsWith('none')"
    )
    _step_to(page, STEPS)
    with_switch = _open_frontier(page)
    assert with_switch != without
    assert f"(baseline {without})" in _caption(page, "capability")
    assert _capability_chart_png(page) != chart_without
    narrative = page.locator(".regsim-narrative").inner_text()
    assert "California's kill switch" in narrative
    assert "to comply with California's kill switch" in narrative

    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "dashboard.png"))

    # Mesa's Reset keeps the levers; play runs on by itself until paused.
    page.get_by_role("button", name="Reset").click()
    page.wait_for_function(
        "document.querySelector('.regsim-open-frontier').innerText.endsWith('none')"
    )
    assert "kill switch: on" in page.locator(".regsim-changes").inner_text()
    page.get_by_role("button", name="▶").click()
    page.wait_for_function(
        """() => {
            const node = document.querySelector('.regsim-chart-capability .regsim-caption');
            return node && /^2024-0[3-9]:/.test(node.innerText);
        }"""
    )
    page.get_by_role("button", name="❚❚").click()
    assert requests.urls, "the request log recorded nothing"
    assert requests.off_machine() == []


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


def test_report_opens_offline_with_every_section_and_embedded_plots(report_file, browser_page):
    page, requests = browser_page
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
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "report.png"))
    assert all(urlparse(url).scheme in LOCAL_SCHEMES for url in requests.urls)
    assert requests.off_machine() == []
