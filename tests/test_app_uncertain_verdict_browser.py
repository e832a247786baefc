"""The dashboard's verdict over the uncertain parameters, in a real browser (issue 16, item 3;
one server for the module, the baseline over 36 months with 2,000 adopters and 5 draws per
setting to keep it light; no neighbouring settings computed):

- once the verdict over the ways of catching up is shown, a button offers the same check with
  the scenario's uncertain assumptions drawn; nothing of it is computed until it is clicked;
- clicked, it is pending (dimmed, with progress), then one plain line per outcome;
- a lever moved withdraws it: the new settings show the button again, no line and no pending
  check;
- in predict mode nothing of it shows until Reveal.

Needs `/usr/bin/chromium` and the `playwright` pip package; skipped otherwise.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from browser_support import (
    app_server,
    chromium_browser,
    dashboard_page,
    status_key,
    toggle,
    wait_ready,
)

UI_TIMEOUT_MS = 300_000
KILL_SWITCH = "regulators.california.policies.kill_switch"
EXPORT_CONTROLS = "regulators.us_federal.policies.weight_export_controls"
DRAWS = 5
ASK = ".regsim-verdict-ask"
LINE = ".regsim-verdict-uncertain"
CHANCE_ONLY = ".regsim-verdict:not(.regsim-verdict-pending):not(.regsim-verdict-uncertain)"

pytestmark = pytest.mark.slow


def _short_scenario(folder: Path) -> Path:
    from sim.scenario.loader import find_scenario, load_scenario

    raw = load_scenario(find_scenario("baseline"), ["scenario.months=36",
                                                    "world.ecosystem.adopters=2000"]
                        ).to_toml_dict()
    raw["scenario"].update(name="short", question="A short world?")
    path = folder / "short.toml"
    from sim.scenario.schema import Scenario

    path.write_text(Scenario.model_validate(raw).to_toml())
    return path


@pytest.fixture(scope="module")
def page(tmp_path_factory) -> Iterator:
    folder = tmp_path_factory.mktemp("app")
    scenario = _short_scenario(folder)
    with app_server(str(scenario), folder / "server.log") as address, \
            chromium_browser() as browser, \
            dashboard_page(browser, f"{address}?draws={DRAWS}", UI_TIMEOUT_MS) as opened:
        yield opened


def _watch_pending(page) -> None:
    page.evaluate("""() => { window.regsimUncertainPending = false;
      new MutationObserver(() => {
        if (document.querySelector('.regsim-verdict-uncertain.regsim-verdict-pending'))
          window.regsimUncertainPending = true; }).observe(document.body, {subtree: true,
        childList: true, characterData: true}); }""")


def _verdict_shown(page, old: str) -> str:
    """Move on to a new answer and wait for its verdict over the ways of catching up."""
    key = wait_ready(page, old)
    page.wait_for_selector(CHANCE_ONLY, timeout=UI_TIMEOUT_MS)
    return key


def test_the_check_over_the_uncertain_assumptions_runs_on_request(page):
    from test_dashboard_present import jargon

    from sim.dashboard import verdicts

    key = status_key(page)
    toggle(page, f"{EXPORT_CONTROLS}.enabled")
    _verdict_shown(page, key)
    button = page.locator(ASK)
    button.wait_for()
    assert "uncertain assumptions" in button.inner_text()
    assert page.locator(LINE).count() == 0, "computed only when asked for"
    _watch_pending(page)
    button.click()
    page.wait_for_selector(f"{LINE}:not(.regsim-verdict-pending)", timeout=UI_TIMEOUT_MS)
    assert page.evaluate("window.regsimUncertainPending"), "pending while the draws compute"
    assert page.locator(ASK).count() == 0
    lines = page.locator(LINE).all_inner_texts()
    assert len(lines) == 1, lines
    words = lines[0]
    assert words.startswith(verdicts.UNCERTAIN_TITLE.strip()), words
    kinds = ("under all 3 ways of catching up", "Depends on how the PRC catches up",
             "Goes opposite ways", "No clear effect on the PRC's lag")
    assert any(kind in words for kind in kinds), words
    assert jargon(words) == [] and verdicts.CATCH_UP not in words


def test_a_lever_moved_withdraws_the_check(page):
    key = status_key(page)
    toggle(page, f"{KILL_SWITCH}.enabled")  # another setting: the check is not asked for
    key = _verdict_shown(page, key)
    page.locator(ASK).wait_for()
    assert page.locator(LINE).count() == 0
    # Asked for, then withdrawn by a lever moved while it computes.
    _watch_pending(page)
    page.locator(ASK).click()
    page.wait_for_function("window.regsimUncertainPending")
    toggle(page, f"{KILL_SWITCH}.enabled")
    _verdict_shown(page, key)
    page.locator(ASK).wait_for()
    page.wait_for_timeout(1500)  # a few looks of the page at the background
    assert page.locator(LINE).count() == 0, "the new settings were not asked for"


def test_nothing_of_it_shows_before_reveal_in_predict_mode(page):
    key = status_key(page)
    page.get_by_role("button", name="predict").click()
    page.wait_for_selector(".regsim-reveal")
    toggle(page, f"{KILL_SWITCH}.enabled")
    wait_ready(page, key)
    page.locator(".regsim-verdicts").wait_for()
    assert page.locator(ASK).count() == 0 and page.locator(LINE).count() == 0
    page.locator(".regsim-reveal").click()
    page.wait_for_selector(CHANCE_ONLY, timeout=UI_TIMEOUT_MS)
    page.locator(ASK).wait_for()
