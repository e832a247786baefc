"""A scenario's text aimed at the browser reaches the dashboard as text, never as markup.

The hostile scenario below puts HTML, a Vue template expression and a `javascript:` link in
every string a scenario gives the page: the question (question card and scenario picker), the
labels of labs, the competitor state and the regulators (lever panel, captions, legends and
the event narrative). Before the fix, the question card's Markdown widget let HTML and Vue
templates through: chromium raised dialogs 3 and 2 on load, and 4 on a click. The test serves
the dashboard on a free loopback port (`regsim app`), drives it with Debian's chromium, clicks
and hovers over the text, steps the model so that the narrative tells events naming the labs,
opens the picker, and asserts that no dialog fired, that no injected element exists, and that
the text is shown literally.

Kept apart from the other browser tests so that it can be pointed at a rewritten dashboard:
it relies only on the page showing the question, the labels and the narrative as text.
Needs /usr/bin/chromium and the playwright pip package (never `playwright install`).
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--headless", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
REPO = Path(__file__).resolve().parent.parent
SERVER_START_S = 120.0
UI_TIMEOUT_MS = 90_000
STEPS = 4

QUESTION = ("x \"><img src=x onerror=alert(2)> {{ constructor.constructor('alert(3)')() }} "
            "[a](javascript:alert(4))")
LAB_LABEL = "<img src=y onerror=alert(5)>Mistral"
STATE_LABEL = "{{ constructor.constructor('alert(6)')() }} PRC $\\frac$"
REGULATOR_LABEL = "<b onmouseover=alert(7)>California</b>"
HOSTILE_SCENARIO = f"""\
extends = "{REPO / 'scenarios' / 'baseline.toml'}"

[scenario]
name = "hostile"
question = {json.dumps(QUESTION)}
description = {json.dumps(QUESTION)}
months = 24

[world.ecosystem]
adopters = 500

[world.theft]  # thefts and fine-tunes every month, so that the narrative names the labs at once
hazard_per_month_at_parity = 1.0
max_hazard_per_month = 1.0

[[developers]]
name = "mistral"
label = {json.dumps(LAB_LABEL)}

[[developers]]
name = "openai"
label = "[b](javascript:alert(8))"

[[states]]
name = "prc"
label = {json.dumps(STATE_LABEL)}
absorption_months = [1, 2]

[[regulators]]
name = "california"
label = {json.dumps(REGULATOR_LABEL)}
"""

pytestmark = pytest.mark.slow


def _require_browser() -> None:
    if not CHROMIUM.exists():
        pytest.skip("needs /usr/bin/chromium (apt-get install -y chromium)")
    pytest.importorskip("playwright.sync_api", reason="needs the playwright pip package")
    pytest.importorskip("solara", reason="needs the app extra: pip install -e '.[app]'")


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
    pytest.fail(f"regsim app did not answer at {url}:\n{log.read_text()}")


@pytest.fixture(scope="module")
def hostile_url(tmp_path_factory) -> Iterator[str]:
    _require_browser()
    folder = tmp_path_factory.mktemp("hostile")
    scenario = folder / "hostile.toml"
    scenario.write_text(HOSTILE_SCENARIO, encoding="utf-8")
    port = _free_port()
    log = folder / "server.log"
    with log.open("w") as stream:
        process = subprocess.Popen(
            [sys.executable, "-m", "sim.cli", "app", str(scenario), "--port", str(port)],
            cwd=REPO, stdout=stream, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        url = f"http://127.0.0.1:{port}/"
        _wait_for_http(url, process, log)
        yield url
    finally:
        if process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=20)


def test_hostile_scenario_text_is_shown_literally_and_runs_nothing(hostile_url):
    from playwright.sync_api import sync_playwright

    dialogs: list[str] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.set_default_timeout(UI_TIMEOUT_MS)
            page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
            page.goto(hostile_url)
            page.wait_for_selector(".regsim-chart img")
            page.wait_for_function("document.querySelectorAll('.regsim-chart img').length >= 5")

            question = page.locator(".regsim-question")
            assert QUESTION in question.inner_text()
            question.get_by_text("javascript:alert(4)", exact=False).click()
            page.get_by_text("California</b>", exact=False).first.hover()

            step = page.get_by_role("button", name="Step")
            for done in range(1, STEPS + 1):
                step.click()
                page.wait_for_function(
                    """month => {
                        const node = document.querySelector(
                            '.regsim-chart-capability .regsim-caption');
                        return node && node.innerText.startsWith(month + ':');
                    }""", arg=f"2024-{done:02d}")
            page.locator(".regsim-picker .v-select__slot").click()
            page.locator(".v-menu__content .v-list-item").first.wait_for()
            listed = page.locator(".v-menu__content .v-list-item").all_inner_texts()
            page.keyboard.press("Escape")
            page.wait_for_timeout(1000)

            body = page.locator("body").inner_text()
            injected = page.evaluate(
                """() => ({
                    images: Array.from(document.querySelectorAll('img'))
                        .filter(i => ['x', 'y'].includes(i.getAttribute('src'))).length,
                    links: document.querySelectorAll('a[href^="javascript"]').length,
                    bold: Array.from(document.querySelectorAll('b'))
                        .filter(b => b.getAttribute('onmouseover')).length,
                })"""
            )
        finally:
            browser.close()
    assert dialogs == [], f"the page ran script from the scenario: {dialogs}"
    assert injected == {"images": 0, "links": 0, "bold": 0}
    assert any(QUESTION in item for item in listed), listed
    assert REGULATOR_LABEL in body  # the lever panel's group names the regulator literally
    assert "{{ constructor.constructor('alert(6)')() }} PRC" in body  # captions name the state
    events = page_text_of_events(body)
    assert LAB_LABEL in events and "[b](javascript:alert(8))" in events


def page_text_of_events(body: str) -> str:
    """The page's text from the narrative on (where the labs' labels appear in events)."""
    marker = "What happened, newest first"
    return body[body.index(marker):] if marker in body else body
