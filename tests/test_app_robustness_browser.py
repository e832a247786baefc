"""What the dashboard says about robustness, in Debian's headless chromium (one `regsim app`
for the module, 5 draws per setting to keep it light; no neighbouring settings computed):

- a lever that cannot change anything in the settings on screen carries a plain note (the
  kill switch's compute line under SB 1047's $100M cost test), a live lever none, and the note
  goes once another lever makes the line count (the cost test lowered);
- once the answer is complete, the verdict on the PRC's lag over the ways it may catch up is
  pending, then one plain line (the same as `sim.dashboard.verdicts` computes for the
  setting); the presenter view keeps it to one line at the presenter's font size;
- the side panel and the verdict read without exponents, codes or internal names.

Needs `/usr/bin/chromium` and the `playwright` pip package; skipped otherwise.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from browser_support import (
    app_server,
    chromium_browser,
    dashboard_page,
    lever,
    open_details,
    slide,
    status_key,
    toggle,
    wait_ready,
)

UI_TIMEOUT_MS = 180_000
KILL_SWITCH = "regulators.california.policies.kill_switch"
EXPORT_CONTROLS = "regulators.us_federal.policies.weight_export_controls"
DRAWS = 5

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def page(tmp_path_factory) -> Iterator:
    with app_server("baseline", tmp_path_factory.mktemp("app") / "server.log") as address, \
            chromium_browser() as browser, \
            dashboard_page(browser, f"{address}?draws={DRAWS}", UI_TIMEOUT_MS) as opened:
        yield opened


def _note(page, path: str) -> str:
    notes = lever(page, path).locator(".regsim-lever-note")
    return notes.inner_text() if notes.count() else ""


def test_an_inert_lever_says_why_and_a_live_one_says_nothing(page):
    from test_dashboard_present import jargon

    key = status_key(page)
    assert page.locator(".regsim-lever-note").count() == 0  # nothing inert in 2024's policies
    toggle(page, f"{KILL_SWITCH}.enabled")
    key = wait_ready(page, key)
    details = page.locator(".regsim-group-California--kill-switch .regsim-details")
    details.click()  # switching it on opened its details: close them
    assert "1 changing nothing here" in details.inner_text().lower()  # buttons: capitals
    open_details(page, "California--kill-switch")
    note = _note(page, f"{KILL_SWITCH}.threshold_flop")
    assert "cost test" in note and "$100M" in note, note
    assert _note(page, f"{KILL_SWITCH}.penalty_musd") == ""  # a live lever
    assert _note(page, f"{KILL_SWITCH}.enforcement_probability") == ""
    side = page.locator(".regsim-side").inner_text()
    assert jargon(side) == [], jargon(side)

    slide(page, f"{KILL_SWITCH}.threshold_usd", 0.0)  # the cost test at its lowest: $10M
    wait_ready(page, key)
    page.wait_for_function("!document.querySelector('.regsim-lever-note')")
    assert _note(page, f"{KILL_SWITCH}.threshold_flop") == ""
    slide(page, f"{KILL_SWITCH}.threshold_usd", 0.34)  # back to about $100M: inert again
    page.locator(f".regsim-lever-{KILL_SWITCH.replace('.', '__')}__threshold_flop "
                 ".regsim-lever-note").wait_for()


def test_the_verdict_over_the_ways_of_catching_up_comes_after_the_answer(page):
    from test_dashboard_present import jargon

    from sim.dashboard import verdicts

    key = status_key(page)
    page.evaluate("""() => { window.regsimPending = false;
      new MutationObserver(() => { if (document.querySelector('.regsim-verdict-pending'))
        window.regsimPending = true; }).observe(document.body, {subtree: true,
        childList: true, characterData: true}); }""")
    toggle(page, f"{EXPORT_CONTROLS}.enabled")  # a setting of its own: computed afresh
    wait_ready(page, key)
    panel = page.locator(".regsim-verdicts")
    panel.wait_for()
    page.wait_for_selector(".regsim-verdict:not(.regsim-verdict-pending)",
                           timeout=UI_TIMEOUT_MS)
    assert page.evaluate("window.regsimPending"), "pending while the formulations compute"
    lines = page.locator(".regsim-verdict").all_inner_texts()
    assert len(lines) == 1, lines
    words = lines[0]
    assert words.startswith("Does it hold however the PRC catches up?"), words
    kinds = ("under all 3 ways of catching up", "Depends on how the PRC catches up",
             "Goes opposite ways", "No clear effect on the PRC's lag")
    assert any(kind in words for kind in kinds), words
    assert jargon(words) == [] and verdicts.CATCH_UP not in words

    page.keyboard.press("p")
    page.wait_for_selector(".regsim-presenting")
    shown = page.locator(".regsim-verdict")
    shown.first.wait_for()
    assert shown.count() == 1
    font = page.evaluate("parseFloat(getComputedStyle(document.querySelector("
                         "'.regsim-verdict')).fontSize)")
    assert font >= 20
    page.keyboard.press("p")
    page.wait_for_selector(".regsim-side", state="visible")
