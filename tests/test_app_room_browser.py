"""A game played by a room (issue 18, item 3) in Debian's headless chromium, on one server
for the module (a 48-month world of 500 adopters: two rounds).

The facilitator opens a game with three teams (California, the US federal government, the
PRC) on their own devices; three browser contexts join at /?join with the code shown on the
facilitator's screen, each takes its team's seat, sees its own role sheet and levers only,
moves in secret and says it is ready; the facilitator's screen shows who is ready, never
the moves. A fourth context with a wrong code is refused and sees nothing of the game. The
facilitator collects the moves and plays the round: the teams then see every team's
decisions, the screen's numbers equal `regsim run` on the exported scenario, and the saved
session loads in a fresh page, replays and shows the same numbers.

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
    lever,
    require_browser,
    toggle,
    wait_ready,
)

UI_TIMEOUT_MS = 120_000
SMALL = f"""\
extends = "{REPO / 'scenarios' / 'baseline.toml'}"

[scenario]
name = "small"
question = "A small world?"
months = 48

[world.ecosystem]
adopters = 500
"""
TEAMS = {  # role key -> (team name, the switch it flips, what the round summary then says)
    "regulator:california": ("Bears", "regulators.california.policies.kill_switch.enabled",
                             "California: kill switch on"),
    "regulator:us_federal": ("Eagles",
                             "regulators.us_federal.policies.open_weight_licence.enabled",
                             "The US: open-weight licence on"),
    "competitor": ("Dragons", "regulators.china.policies.pre_deployment_evaluation.enabled",
                   "pre-release evaluation off"),
}
DROP = """([text, name]) => {
  const data = new DataTransfer();
  data.items.add(new File([text], name, {type: 'application/json'}));
  document.querySelector('.regsim-session-drop').dispatchEvent(
      new DragEvent('drop', {dataTransfer: data, bubbles: true, cancelable: true}));
}"""

pytestmark = pytest.mark.slow


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


def _page(chromium, logs: list[RequestLog]):
    """A page in its own browser context (its own cookies: another device)."""
    context = chromium.new_context(viewport=VIEWPORT, accept_downloads=True)
    page = context.new_page()
    page.set_default_timeout(UI_TIMEOUT_MS)
    log = RequestLog()
    log.attach(page)
    logs.append(log)
    return page


def _download(page, button: str, folder: Path) -> Path:
    with page.expect_download() as download:
        page.get_by_role("button", name=button).click()
    path = folder / download.value.suggested_filename
    download.value.save_as(path)
    return path


def _numbers(page) -> dict[str, str]:
    from sim.dashboard.headlines import strip, table

    shown = {entry.key: page.locator(
        f".regsim-headline-{entry.key} .regsim-headline-value").inner_text()
        for entry in strip()}
    for entry in table():
        shown[entry.key] = page.locator(f".regsim-fact-{entry.key} .regsim-fact-value"
                                        ).inner_text()
    return shown


def _switch_on(page, path: str, on: bool) -> None:
    from playwright.sync_api import expect

    expect(lever(page, path).locator("input").first).to_have_attribute(
        "aria-checked", "true" if on else "false", timeout=UI_TIMEOUT_MS)


def _open_room(page, url: str) -> str:
    """The facilitator starts a room game with the three teams; the join code shown."""
    page.goto(url)
    wait_ready(page)
    page.get_by_role("button", name="game").click()
    page.locator(".regsim-room-choice input").first.check(force=True)
    for box in page.locator(".regsim-game-setup .regsim-role").all():
        classes = box.get_attribute("class")
        keep = next((key for key in TEAMS if f"regsim-role-{_css(key)}" in classes.split()),
                    None)
        if keep is None:
            box.locator("input[type=checkbox]").uncheck(force=True)
        else:
            box.locator("input[type=text]").fill(TEAMS[keep][0])
    page.get_by_role("button", name="Start the game").click()
    code = page.locator(".regsim-join-code-shown").inner_text().strip()
    assert len(code) == 6
    return code


def _css(key: str) -> str:
    return "".join(ch if ch.isalnum() else "-" for ch in key)


def _join(page, url: str, code: str, team: str) -> None:
    page.goto(url.rstrip("/") + "/?join")
    page.locator(".regsim-join-code input").fill(code)
    page.get_by_role("button", name="Join").click()
    page.locator(".regsim-seat", has_text=team).click()
    page.wait_for_selector(".regsim-role-sheet")


def test_three_teams_play_a_secret_round_and_the_session_replays(url, small, chromium,
                                                                 tmp_path):
    from playwright.sync_api import expect

    expect.set_options(timeout=UI_TIMEOUT_MS)

    from sim.dashboard import game as games
    from sim.dashboard.workshop import load_workshop

    workshop = load_workshop(str(small))
    titles = {role.key: role.title for role in workshop.roles}
    logs: list[RequestLog] = []
    host = _page(chromium, logs)
    code = _open_room(host, url)
    teams = {}
    for key, (name, _, _) in TEAMS.items():
        teams[key] = _page(chromium, logs)
        _join(teams[key], url, code, name)

    # Each team sees its own role sheet and levers, and nothing of the others'.
    for key, page in teams.items():
        name, switch, _ = TEAMS[key]
        words = page.locator(".regsim-team-page").inner_text()
        assert f"{name}: {titles[key]}" in words and "Your goals" in words
        assert "Only your team knows" in words
        for other, (other_name, other_switch, _) in TEAMS.items():
            if other != key:
                assert other_name not in words and titles[other] not in words
                assert lever(page, other_switch).count() == 0
        toggle(page, switch)
        _switch_on(page, switch, key != "competitor")
        page.get_by_role("button", name="Ready").click()
        expect(page.locator(".regsim-team-status")).to_contain_text("you are ready")

    # The facilitator's screen: everyone ready, no move shown.
    expect(host.locator(".regsim-seat-ready")).to_have_count(3)
    shown = host.locator("body").inner_text()
    assert not any(said in shown for _, _, said in TEAMS.values())
    # A team's page does not show another team's move either.
    for key, page in teams.items():
        words = page.locator(".regsim-team-page").inner_text()
        assert not any(said in words for other, (_, _, said) in TEAMS.items() if other != key)

    # A fourth device without the code: refused, and nothing of the game on its page.
    stranger = _page(chromium, logs)
    stranger.goto(url.rstrip("/") + "/?join")
    stranger.locator(".regsim-join-code input").fill("AAAAAA" if code != "AAAAAA" else "BBBBBB")
    stranger.get_by_role("button", name="Join").click()
    expect(stranger.locator(".regsim-join-refused")).to_have_count(1)
    seen = stranger.locator("body").inner_text()
    assert not any(name in seen for name, _, _ in TEAMS.values())
    assert not any(title in seen for title in titles.values())
    assert stranger.locator(".regsim-role-sheet, .regsim-seat, .regsim-lever").count() == 0

    # Collect, compute, play: the teams now see every team's decisions.
    host.get_by_role("button", name="Collect the moves").click()
    host.wait_for_function("document.querySelector('.regsim-play-round') && "
                           "!document.querySelector('.regsim-play-round').disabled && "
                           "document.querySelector('.regsim-status').dataset.state === 'ready'")
    host.locator(".regsim-play-round").click()
    host.wait_for_selector(".regsim-round-1")
    host.wait_for_function("document.querySelector('.regsim-headlines').dataset.month "
                           "=== '2025-12'")
    for page in teams.values():
        expect(page.locator(".regsim-team-status")).to_contain_text("has been played")
        decided = page.locator(".regsim-decisions").inner_text()
        assert all(said in decided for _, _, said in TEAMS.values()), decided
    summary = host.locator(".regsim-round-1").inner_text()
    assert all(said in summary for _, _, said in TEAMS.values()), summary
    on_screen = _numbers(host)

    # The exported scenario, run by `regsim run`, gives the screen's numbers.
    from test_app_browser import _expected_headlines, _regsim_run

    exported = _download(host, "Export scenario", tmp_path)
    assert on_screen == _expected_headlines(_regsim_run(exported, tmp_path), 23)

    # The saved session loads (the file format of every session), and replays in a fresh page.
    saved = _download(host, "Save session", tmp_path)
    loaded = games.load(workshop, saved.read_text())
    assert [team.name for team in loaded.teams] == [name for name, _, _ in TEAMS.values()]
    assert games.export_toml(workshop, loaded) == exported.read_text()
    assert json.loads(saved.read_text())["played"] == 1
    stranger.goto(url)
    wait_ready(stranger)
    stranger.get_by_role("button", name="game").click()
    stranger.wait_for_selector(".regsim-session-drop")
    stranger.evaluate(DROP, [saved.read_text(), saved.name])
    stranger.wait_for_function("document.querySelector('.regsim-play-round') && "
                               "!document.querySelector('.regsim-play-round').disabled && "
                               "document.querySelector('.regsim-status').dataset.state "
                               "=== 'ready'")
    stranger.locator(".regsim-play-round").click()
    stranger.wait_for_selector(".regsim-round-1")
    stranger.wait_for_function("document.querySelector('.regsim-headlines').dataset.month "
                               "=== '2025-12'")
    assert _numbers(stranger) == on_screen
    for log in logs:
        assert log.off_machine() == [], "a request left this machine"
