"""The room's shared game (`sim.dashboard.room`) and the role sheets, without a browser:
join codes, seats, secret moves, readiness without moves, concurrent updates, collection into
the game's rounds (saved in the session format every session uses), printable role sheets
(text escaped) and `regsim app --role-sheets`."""

from __future__ import annotations

import threading

import pytest
from click.testing import CliRunner

from sim.cli import main
from sim.dashboard import game as games
from sim.dashboard import room as rooms
from sim.dashboard.role_sheets import sheet, sheets_html, write_role_sheets
from sim.dashboard.roles import ROLE_SHEETS, Role
from sim.dashboard.workshop import load_workshop

KILL_SWITCH = "regulators.california.policies.kill_switch.enabled"
LICENCE = "regulators.us_federal.policies.open_weight_licence.enabled"


@pytest.fixture(scope="module")
def workshop():
    return load_workshop("baseline")


@pytest.fixture
def room(workshop):
    teams = [games.Team("regulator:california", "Bears"),
             games.Team("regulator:us_federal", "Eagles")]
    opened = rooms.open_room(workshop, games.new_game(workshop, teams, {}, 5))
    yield opened
    rooms.close_room(opened)


def test_a_room_is_found_only_by_its_code(room):
    assert len(room.code) == rooms.CODE_LENGTH
    assert set(room.code) <= set(rooms.CODE_ALPHABET)
    assert rooms.find(room.code) is room
    assert rooms.find(f" {room.code[:3].lower()}-{room.code[3:]} ") is room
    assert rooms.find("") is None and rooms.find(None) is None
    assert rooms.find(room.code[:-1]) is None
    rooms.close_room(room)
    assert rooms.find(room.code) is None


def test_codes_are_random(workshop):
    assert len({rooms.new_code() for _ in range(200)}) == 200


def test_moves_are_secret_until_collected_and_readiness_shows_no_move(room):
    assert room.claim(0, "page-a") and room.claim(1, "page-b")
    assert not room.claim(0, "page-c")  # a taken seat
    room.set_move("page-a", KILL_SWITCH, True)
    room.set_ready("page-a", True)
    assert room.moves_of("page-a") == {KILL_SWITCH: True}
    assert room.moves_of("page-b") == {} and room.moves_of("page-c") == {}
    assert not room.game.values[KILL_SWITCH]  # not in the game before collection
    statuses = room.readiness()
    assert [(s.name, s.taken, s.ready) for s in statuses] == [("Bears", True, True),
                                                              ("Eagles", True, False)]
    assert "kill" not in repr(statuses)
    with pytest.raises(ValueError, match="does not hold"):
        room.set_move("page-b", KILL_SWITCH, True)  # another team's lever
    with pytest.raises(ValueError, match="no team"):
        room.set_move("page-c", KILL_SWITCH, True)
    game = room.collect()
    assert game.values[KILL_SWITCH] is True
    with pytest.raises(ValueError, match="collected"):
        room.set_move("page-a", KILL_SWITCH, False)
    room.play()
    room.next_round()
    assert room.moves_of("page-a") == {} and not room.is_ready("page-a")
    room.set_move("page-b", LICENCE, True)
    room.collect()
    saved = games.save(room.workshop, room.game)
    loaded = games.load(room.workshop, saved)  # the session format every session uses
    assert loaded.rounds == room.game.rounds
    assert games.dated_changes(room.workshop, loaded) == [
        {"month": "2026-01", "set": {LICENCE: True}}]


def test_a_closed_pages_seat_is_freed_and_can_be_retaken(room):
    assert room.claim(0, "old-page")
    room.release("old-page")
    assert room.free_seats() == [0, 1]
    assert room.claim(0, "new-page") and room.seat_of("new-page") == 0


def test_concurrent_moves_and_readiness_are_all_kept(room):
    assert room.claim(0, "page-a")
    calls = []
    room.subscribe("watcher", lambda: calls.append(1))
    lever = room.workshop.lever("regulators.california.policies.kill_switch.penalty_musd")

    def move(index: int) -> None:
        room.set_move("page-a", lever.path, lever.value_at(index / 100))

    threads = [threading.Thread(target=move, args=(i,)) for i in range(50)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(calls) == 50
    assert list(room.moves_of("page-a")) == [lever.path]


def test_role_sheets_come_from_the_role_definitions_and_are_escaped(workshop):
    california = next(role for role in workshop.roles if role.key == "regulator:california")
    content = sheet(workshop, california)
    assert content.goals == ROLE_SHEETS["regulator:california"].goals
    assert content.private and any("kill switch" in line.label for line in content.levers)
    hostile = Role("regulator:x", "<script>alert(1)</script>", "<b>brief</b>",
                   california.owners)
    page = sheets_html(workshop, [sheet(workshop, hostile)])
    assert "<script>alert" not in page and "&lt;script&gt;" in page
    assert "<b>brief" not in page


def test_regsim_app_writes_the_role_sheets(tmp_path, workshop):
    result = CliRunner().invoke(main, ["app", "baseline", "--role-sheets", str(tmp_path)])
    assert result.exit_code == 0, result.output
    every = (tmp_path / "role-sheets.html").read_text()
    for role in workshop.roles:
        assert role.title.replace("'", "&#x27;") in every
    assert len(write_role_sheets(workshop, tmp_path / "again")) == len(workshop.roles) + 1


def test_the_join_address_is_the_address_opened_with_host(monkeypatch):
    pytest.importorskip("solara", reason="needs the app extra: pip install -e '.[app]'")
    from sim.dashboard.team_page import _given_code, is_join_query, join_urls

    monkeypatch.setenv("SERVER_NAME", "192.168.1.5")
    monkeypatch.setenv("SERVER_PORT", "8765")
    assert join_urls() == ["http://192.168.1.5:8765/?join"]
    monkeypatch.setenv("SERVER_NAME", "0.0.0.0")
    assert all(not url.startswith("http://127.") for url in join_urls())
    assert is_join_query("join") and is_join_query("join=AB3DEF&x=1")
    assert not is_join_query(None) and not is_join_query("joint") and not is_join_query("")
    assert _given_code("join=ab3-def") == "AB3DEF" and _given_code("join") == ""
