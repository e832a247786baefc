"""A scenario's text aimed at the browser reaches the dashboard as text, never as markup.

The hostile scenario below puts HTML, a Vue template expression and a `javascript:` link in
every string a scenario gives the page: the question and description (question line and the
scenario picker), the labels of labs (the narrative, the game's roles), the competitor state
(headlines, chart titles, legends, captions, hover text) and a regulator (lever panel, the
game's roles). Issue 8 found the first dashboard's Markdown question card letting HTML and Vue
templates through (chromium raised dialogs 2 and 3 on load, 4 on a click); the dashboard
rebuilt for issue 11 shows every string through Vue's `{{ }}` interpolation (escaped) or as
plain data drawn on ECharts' canvas. The test serves the dashboard on a free loopback port
(`regsim app`), drives it with Debian's chromium at 1366x768, clicks and hovers over the text
and every chart, switches a lever, steps the months so that the narrative names the labs,
opens the picker and the game's roles, and asserts that no dialog fired, that no injected
element exists, that the text is shown literally and that no request left the machine.

Needs /usr/bin/chromium and the playwright pip package (never `playwright install`).
"""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from browser_support import (
    REPO,
    VIEWPORT,
    RequestLog,
    app_server,
    launch,
    month_shown,
    require_browser,
    toggle,
    wait_ready,
)

UI_TIMEOUT_MS = 120_000
STEPS = 4
KILL_SWITCH = "regulators.california.policies.kill_switch.enabled"

QUESTION = ("x \"><img src=x onerror=alert(2)> {{ constructor.constructor('alert(3)')() }} "
            "[a](javascript:alert(4))")
LAB_LABEL = "<img src=y onerror=alert(5)>Google DeepMind"
STATE_LABEL = "{{ constructor.constructor('alert(6)')() }} PRC $\\frac$"
REGULATOR_LABEL = "<b onmouseover=alert(7)>California</b>"
LINK_LABEL = "[b](javascript:alert(8))"
OPEN_LAB_LABEL = "<svg onload=alert(9)>Meta</svg>"
HOSTILE_SCENARIO = f"""\
extends = "{REPO / 'scenarios' / 'baseline.toml'}"

[scenario]
name = "hostile"
question = {json.dumps(QUESTION)}
description = {json.dumps(QUESTION)}
months = 36

[world.ecosystem]
adopters = 500

[world.theft]  # thefts every month, so that the narrative names the labs at once
hazard_per_month_at_parity = 1.0
max_hazard_per_month = 1.0

[[developers]]
name = "google_deepmind"
label = {json.dumps(LAB_LABEL)}

[[developers]]
name = "openai"
label = {json.dumps(LINK_LABEL)}

[[developers]]
name = "meta"
label = {json.dumps(OPEN_LAB_LABEL)}

[[states]]
name = "prc"
label = {json.dumps(STATE_LABEL)}
absorption_months = [1, 2]

[[regulators]]
name = "california"
label = {json.dumps(REGULATOR_LABEL)}
"""
INJECTED = """() => ({
    images: [...document.querySelectorAll('img')]
        .filter(i => ['x', 'y'].includes(i.getAttribute('src'))).length,
    links: document.querySelectorAll('a[href^="javascript"]').length,
    bold: [...document.querySelectorAll('b')].filter(b => b.getAttribute('onmouseover')).length,
    svg: [...document.querySelectorAll('svg')].filter(s => s.getAttribute('onload')).length,
})"""
NONE_INJECTED = {"images": 0, "links": 0, "bold": 0, "svg": 0}

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def hostile_url(tmp_path_factory) -> Iterator[str]:
    require_browser()
    folder = tmp_path_factory.mktemp("hostile")
    scenario = folder / "hostile.toml"
    scenario.write_text(HOSTILE_SCENARIO, encoding="utf-8")
    with app_server(str(scenario), folder / "server.log") as url:
        yield url


def test_hostile_scenario_text_is_shown_literally_and_runs_nothing(hostile_url):
    from playwright.sync_api import sync_playwright

    dialogs: list[str] = []
    requests = RequestLog()
    with sync_playwright() as playwright:
        browser = launch(playwright)
        try:
            page = browser.new_page(viewport=VIEWPORT)
            page.set_default_timeout(UI_TIMEOUT_MS)
            requests.attach(page)
            page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
            page.goto(hostile_url)
            key = wait_ready(page)
            assert QUESTION in page.locator(".regsim-question").inner_text()
            page.get_by_text("javascript:alert(4)", exact=False).first.click()
            page.get_by_text("California</b>", exact=False).first.hover()
            toggle(page, KILL_SWITCH)
            wait_ready(page, key)
            for chart in page.locator(".regsim-chart-canvas").all():  # legends, hover text
                chart.scroll_into_view_if_needed()
                chart.hover()
                page.wait_for_timeout(150)
            page.locator(".regsim-reset").click()
            for done in range(2, STEPS + 2):  # the narrative grows month by month
                page.locator(".regsim-step").click()
                page.wait_for_function("m => document.querySelector('.regsim-headlines')"
                                       ".dataset.month === m", arg=f"2024-{done:02d}")
            assert month_shown(page) == f"2024-{STEPS + 1:02d}"
            body = page.locator("body").inner_text()
            story = page.locator(".regsim-narrative").inner_text()
            page.locator(".regsim-picker .v-select__slot").click()
            page.locator(".v-menu__content .v-list-item").first.wait_for()
            listed = page.locator(".v-menu__content .v-list-item").all_inner_texts()
            page.keyboard.press("Escape")
            page.get_by_role("button", name="game").click()
            page.wait_for_selector(".regsim-start-game")
            roles = page.locator(".regsim-side").inner_text()
            page.wait_for_timeout(500)
            injected = page.evaluate(INJECTED)
        finally:
            browser.close()
    assert dialogs == [], f"the page ran script from the scenario: {dialogs}"
    assert injected == NONE_INJECTED
    assert requests.off_machine() == [], "a request left this machine"
    assert any(QUESTION in item for item in listed), listed
    assert REGULATOR_LABEL in body  # the lever panel's groups name the regulator literally
    state = "{{ constructor.constructor('alert(6)')() }} PRC $\\frac$"
    assert f"{state}: months behind" in body  # the headline strip
    assert f"How far behind is {state}?" in body  # a chart title
    assert LAB_LABEL in story and LINK_LABEL in story, story  # the labs in the narrative
    assert f"A frontier lab ({LAB_LABEL})" in roles  # the game's roles name the labs
    assert f"An open-weight lab ({OPEN_LAB_LABEL})" in roles
    assert f"The competitor state ({state})" in roles
