"""Driving the dashboard in Debian's headless chromium: shared by the browser tests and
`benchmarks/dashboard_speed.py`.

`regsim app` runs on a free loopback port in its own process group (stopped by that group's id);
every page request is recorded and any request off this machine is aborted; `wait_ready` waits
until the page shows a new result everywhere: the status says ready, and every chart card and
the headline strip carry that result's key (each chart stamps `data-drawn` after ECharts has
drawn it). Never downloads a browser: needs `/usr/bin/chromium` and the `playwright` package.
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

from sim.dashboard.headlines import CHARTS as HEADLINE_CHARTS
from sim.dashboard.neighbours import NEIGHBOURS_ENV_VAR

REPO = Path(__file__).resolve().parent.parent
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--headless", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
VIEWPORT = {"width": 1366, "height": 768}
LOOPBACK = {"127.0.0.1", "localhost", "::1", "[::1]"}
LOCAL_SCHEMES = {"data", "blob", "about", "file"}
SERVER_START_S = 120.0
CHARTS = len(HEADLINE_CHARTS)
"""Chart cards on the page: every chart of `sim.dashboard.headlines`."""

READY = """old => {
  const status = document.querySelector('.regsim-status');
  const strip = document.querySelector('.regsim-headlines');
  const table = document.querySelector('.regsim-facts');
  if (!status || !strip || !table || status.dataset.state !== 'ready') return false;
  const key = status.dataset.key;
  if (key === old || strip.dataset.key !== key || table.dataset.key !== key) return false;
  const charts = [...document.querySelectorAll('.regsim-chart-canvas')];
  return charts.length >= CHARTS && charts.every(c => c.dataset.drawn === key);
}""".replace("CHARTS", str(CHARTS))
"""True once the page shows a result other than `old` in every chart, headline and table row."""


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def is_local(url: str) -> bool:
    parsed = urlparse(url)
    return parsed.scheme in LOCAL_SCHEMES or parsed.hostname in LOOPBACK


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


@contextlib.contextmanager
def app_server(scenario: str, log: Path, env: dict[str, str] | None = None,
               repo: Path = REPO) -> Iterator[str]:
    """`regsim app SCENARIO` on a free loopback port (`env` added to this environment; no
    background neighbours unless `env` asks: they would compete with the test for the CPU);
    yields its URL; stops its process group. Another checkout `repo` (a benchmark's reference
    commit) serves its own `sim` package: it comes first on the server's `PYTHONPATH`."""
    port = free_port()
    path = {} if repo == REPO else {"PYTHONPATH": os.pathsep.join(
        filter(None, [str(repo.resolve()), os.environ.get("PYTHONPATH")]))}
    with log.open("w") as stream:
        process = subprocess.Popen(
            [sys.executable, "-m", "sim.cli", "app", scenario, "--port", str(port)],
            cwd=repo, stdout=stream, stderr=subprocess.STDOUT, start_new_session=True,
            env={**os.environ, NEIGHBOURS_ENV_VAR: "0", **path, **(env or {})})
    url = f"http://127.0.0.1:{port}/"
    try:
        _wait_for_http(url, process, log)
        yield url
    finally:
        stop(process)


def _wait_for_http(url: str, process: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + SERVER_START_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"regsim app exited with {process.returncode}:\n{log.read_text()}")
        with contextlib.suppress(OSError), urllib.request.urlopen(url, timeout=2) as response:
            if response.status == 200:
                return
        time.sleep(0.5)
    raise RuntimeError(f"regsim app did not answer at {url}:\n{log.read_text()}")


def stop(process: subprocess.Popen) -> None:
    """Stop the server and its children: the process group this helper started."""
    if process.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=20)


def launch(playwright):
    return playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)


def require_browser() -> None:
    """Skip the calling test unless Debian's chromium, playwright and the app extra are here."""
    import pytest

    if not CHROMIUM.exists():
        pytest.skip("needs /usr/bin/chromium (apt-get install -y chromium)")
    pytest.importorskip("playwright.sync_api", reason="needs the playwright pip package")
    pytest.importorskip("solara", reason="needs the app extra: pip install -e '.[app]'")


@contextlib.contextmanager
def chromium_browser() -> Iterator:
    """Debian's headless chromium under playwright, closed on exit (skips as
    `require_browser`)."""
    require_browser()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = launch(playwright)
        try:
            yield browser
        finally:
            browser.close()


@contextlib.contextmanager
def dashboard_page(browser, url: str, timeout_ms: float,
                   viewport: dict[str, int] | None = None) -> Iterator:
    """A page of its own context in `browser`, opened at `url` with every chart drawn; on exit
    the context closes, and no request may have left the machine."""
    context = browser.new_context(viewport=viewport or VIEWPORT)
    opened = context.new_page()
    opened.set_default_timeout(timeout_ms)
    log = RequestLog()
    log.attach(opened)
    opened.goto(url)
    wait_ready(opened)
    try:
        yield opened
    finally:
        context.close()
    assert log.off_machine() == [], "a request left the machine"


def status_key(page) -> str:
    return page.evaluate("document.querySelector('.regsim-status').dataset.key")


def wait_ready(page, old: str = "", timeout_ms: float = 120_000) -> str:
    """Wait until every chart and headline shows a result other than `old`; its key."""
    page.wait_for_function(READY, arg=old, timeout=timeout_ms)
    return status_key(page)


def lever(page, path: str):
    """The container of the lever with `--set` path `path`."""
    css = "".join(ch if ch.isalnum() or ch in "_-" else "__" for ch in path)
    return page.locator(f".regsim-lever-{css}")


def toggle(page, path: str) -> None:
    """Click a switch or checkbox lever."""
    lever(page, path).locator(".v-input--selection-controls__ripple").first.click()


def slide(page, path: str, fraction: float) -> None:
    """Click a slider lever's track at `fraction` (0 left .. 1 right)."""
    track = lever(page, path).locator(".v-slider").first
    track.scroll_into_view_if_needed()  # a click off screen would land nowhere
    box = track.bounding_box()
    page.mouse.click(box["x"] + box["width"] * fraction, box["y"] + box["height"] / 2)


def open_details(page, group_css: str) -> None:
    """Open a lever group's details (its levers beyond the on/off switch), if closed."""
    button = page.locator(f".regsim-group-{group_css} .regsim-details")
    if not button.inner_text().strip().lower().startswith("hide"):
        button.click()


def month_shown(page) -> str:
    return page.evaluate("document.querySelector('.regsim-headlines').dataset.month")
