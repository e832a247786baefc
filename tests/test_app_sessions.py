"""Saved game sessions as hostile input, without a browser (issue 15).

Every session the dashboard saves loads back and gives a scenario the engine can compute; every
malformed one (nesting bombs, wrong types, nulls, huge numbers, unknown keys, oversized files,
random mutations of a real session) raises `SessionError` with one short line and nothing
else. A team name with control characters is cleaned, so the game's export works.
"""

from __future__ import annotations

import json
import random

import pytest
from conftest import SCENARIOS

from sim.dashboard import game as games
from sim.dashboard.workshop import load_workshop
from sim.scenario.loader import load_scenario

KILL_SWITCH = "regulators.california.policies.kill_switch.enabled"
START = "regulators.california.policies.kill_switch.start"
THRESHOLD = "regulators.california.policies.kill_switch.threshold_flop"
CHIPS = "regulators.us_federal.policies.chip_export_controls.strength"


@pytest.fixture(scope="module")
def short(tmp_path_factory):
    path = tmp_path_factory.mktemp("short") / "short.toml"
    path.write_text(f'extends = "{SCENARIOS / "baseline.toml"}"\n'
                    '[scenario]\nname = "short"\nquestion = "A short world?"\nmonths = 48\n'
                    '[world.ecosystem]\nadopters = 2000\n')
    return load_workshop(str(path))


def _teams(workshop):
    return [games.Team(role.key, role.title) for role in workshop.roles]


def _saved(workshop, draws=10, moves=((KILL_SWITCH, True),)):
    game = games.new_game(workshop, _teams(workshop), workshop.defaults(), draws)
    for path, value in moves:
        game = games.set_lever(workshop, game, path, value)
    return game, games.save(workshop, game)


@pytest.mark.parametrize(("draws", "moves"), [
    (10, ()),
    (10, ((KILL_SWITCH, True),)),
    (20, ()),
    (5, ((KILL_SWITCH, True), (START, "2025-06"), (THRESHOLD, 1e25))),
])
def test_every_session_the_dashboard_saves_loads_and_replays(short, draws, moves):
    game, text = _saved(short, draws, moves)
    loaded = games.load(short, text)
    assert loaded.rounds == game.rounds and loaded.draws == draws
    scenario = games.game_scenario(short, games.replay(loaded))
    assert scenario.scenario.replicates == draws


def test_a_later_rounds_session_loads_and_replays(short):
    game, _ = _saved(short)
    game = games.set_lever(short, games.next_round(short, games.play_round(game)), CHIPS, 0.9)
    loaded = games.load(short, games.save(short, game))
    assert loaded.rounds == game.rounds
    assert games.game_scenario(short, loaded).changes


def _session(short) -> dict:
    return json.loads(_saved(short)[1])


def _round(set_: dict) -> list[dict]:
    return [{"month": "2024-01", "set": set_}]


MALFORMED = {
    "array bomb": lambda s: "[" * 200_000 + "]" * 200_000,
    "object bomb": lambda s: '{"a":' * 50_000 + "1" + "}" * 50_000,
    "bomb inside a round": lambda s: json.dumps({**s, "rounds": _round({KILL_SWITCH: 1})})
    .replace("1}", "[" * 5000 + "]" * 5000 + "}"),
    "start null": lambda s: json.dumps({**s, "rounds": _round({START: None})}),
    "switch null": lambda s: json.dumps({**s, "rounds": _round({KILL_SWITCH: None})}),
    "draws null": lambda s: json.dumps({**s, "draws": None}),
    "teams null": lambda s: json.dumps({**s, "teams": None}),
    "rounds null": lambda s: json.dumps({**s, "rounds": None}),
    "set null": lambda s: json.dumps({**s, "rounds": [{"month": "2024-01", "set": None}]}),
    "current null": lambda s: json.dumps({**s, "current": None}),
    "top level null": lambda s: "null",
    "top level list": lambda s: "[]",
    "top level string": lambda s: '"session"',
    "empty": lambda s: "",
    "draws string": lambda s: json.dumps({**s, "draws": "10"}),
    "draws float": lambda s: json.dumps({**s, "draws": 10.5}),
    "draws huge": lambda s: json.dumps({**s, "draws": 10**300}),
    "draws too many digits": lambda s: json.dumps(s).replace('"draws": 10',
                                                             '"draws": ' + "9" * 5000),
    "threshold huge": lambda s: json.dumps({**s, "rounds": _round({THRESHOLD: 1e308})}),
    "threshold tiny": lambda s: json.dumps({**s, "rounds": _round({THRESHOLD: -1e308})}),
    "threshold infinite": lambda s: json.dumps({**s, "rounds": _round({THRESHOLD: 1e999})}),
    "threshold NaN": lambda s: json.dumps({**s, "rounds": _round({THRESHOLD: float("nan")})}),
    "threshold string": lambda s: json.dumps({**s, "rounds": _round({THRESHOLD: "1e25"})}),
    "threshold list": lambda s: json.dumps({**s, "rounds": _round({THRESHOLD: [1e25]})}),
    "share above one": lambda s: json.dumps({**s, "rounds": _round({CHIPS: 1e9})}),
    "start not a month": lambda s: json.dumps({**s, "rounds": _round({START: "2024-13"})}),
    "start object": lambda s: json.dumps({**s, "rounds": _round({START: {"y": 1}})}),
    "switch number": lambda s: json.dumps({**s, "rounds": _round({KILL_SWITCH: 1})}),
    "unknown lever": lambda s: json.dumps({**s, "rounds": _round({"world.x" * 10_000: 1})}),
    "unknown key": lambda s: json.dumps({**s, "surprise": True}),
    "unknown round key": lambda s: json.dumps({**s, "rounds": [{"month": "2024-01", "x": 1}]}),
    "unknown team key": lambda s: json.dumps({**s, "teams": [{"role": "r", "name": "n",
                                                             "x": 1}]}),
    "missing key": lambda s: json.dumps({k: v for k, v in s.items() if k != "rounds"}),
    "no rounds": lambda s: json.dumps({**s, "rounds": []}),
    "too many rounds": lambda s: json.dumps({**s, "rounds": s["rounds"] * 100}),
    "too many teams": lambda s: json.dumps({**s, "teams": s["teams"] * 100}),
    "negative current": lambda s: json.dumps({**s, "current": -1}),
    "other format": lambda s: json.dumps({**s, "format": "x" * 100_000}),
    "other scenario": lambda s: json.dumps({**s, "scenario_sha256": "0" * 64}),
    "version string": lambda s: json.dumps({**s, "version": "1"}),
    "not utf-8": lambda s: b"\xff\xfe" + json.dumps(s).encode("utf-16-le"),
    "oversized": lambda s: " " * (games.MAX_SESSION_BYTES + 1),
    "not text": lambda s: 12,
}


@pytest.mark.parametrize("case", sorted(MALFORMED))
def test_a_malformed_session_is_refused_in_one_short_line(short, case):
    with pytest.raises(games.SessionError) as error:
        games.load(short, MALFORMED[case](_session(short)))
    message = str(error.value)
    assert message and "\n" not in message and len(message) <= games.MAX_MESSAGE_CHARS


def _mutations(session: dict, rng: random.Random):
    """Random edits of a real session: a value replaced by another type, a key dropped or
    added, the text cut or a byte flipped."""
    weird = [None, True, -1, 0, 2**70, 1e308, -0.0, "", "x" * 300, [], {}, [[[]]], {"a": {}}]
    text = json.dumps(session)
    for _ in range(300):
        edit = rng.randrange(4)
        if edit == 0:
            changed = json.loads(text)
            target, key = _random_slot(changed, rng)
            target[key] = rng.choice(weird)
            yield json.dumps(changed)
        elif edit == 1:
            cut = rng.randrange(len(text))
            yield text[:cut]
        elif edit == 2:
            at = rng.randrange(len(text))
            yield text[:at] + chr(rng.randrange(32, 127)) + text[at + 1:]
        else:
            changed = json.loads(text)
            target, key = _random_slot(changed, rng)
            if isinstance(target, dict):
                target.pop(key, None)
                target[rng.choice(["x", "month", "set", "name"])] = rng.choice(weird)
            yield json.dumps(changed)


def _random_slot(data, rng):
    """A (container, key) somewhere in `data`."""
    container = data
    while True:
        keys = list(container) if isinstance(container, dict) else list(range(len(container)))
        if not keys:
            return container, 0 if isinstance(container, list) else "x"
        key = rng.choice(keys)
        child = container[key]
        if isinstance(child, dict | list) and child and rng.random() < 0.6:
            container = child
            continue
        if isinstance(container, list):
            return container, key
        return container, key


def test_random_mutations_of_a_saved_session_raise_only_session_errors(short):
    game, text = _saved(short, moves=((KILL_SWITCH, True), (THRESHOLD, 1e25)))
    session = json.loads(text)
    loaded_or_refused = 0
    for mutated in _mutations(session, random.Random(15)):
        try:
            loaded = games.load(short, mutated)
        except games.SessionError as error:
            assert "\n" not in str(error)
        else:
            games.game_scenario(short, loaded)  # what loads can be computed
        loaded_or_refused += 1
    assert loaded_or_refused == 300


def test_a_team_name_with_control_characters_is_cleaned_and_the_game_exports(short,
                                                                             tmp_path):
    """Regression: a control character in a team name made the export 'could not export'."""
    teams = [games.Team(short.roles[0].key, "Team\x00 A\x1b[31m\u202e\x85 \x7f!")]
    game = games.new_game(short, teams, short.defaults(), 5)
    assert game.teams[0].name == "Team A [31m !"
    exported = tmp_path / "game.toml"
    exported.write_text(games.export_toml(short, game), encoding="utf-8")
    assert "Team A [31m !" in load_scenario(exported).scenario.description
    saved = json.loads(games.save(short, game))
    saved["teams"][0]["name"] = "Loaded\x07 team"
    assert games.load(short, json.dumps(saved)).teams[0].name == "Loaded team"


def test_a_game_of_many_long_named_teams_exports(short, tmp_path):
    """The export's description names every team and move; it is cut to the scenario's
    limit rather than failing ('# could not export')."""
    teams = [games.Team(short.roles[i % len(short.roles)].key, f"{i:02d} " + "n" * 80)
             for i in range(80)]
    game = games.new_game(short, teams, short.defaults(), 5)
    exported = tmp_path / "game.toml"
    exported.write_text(games.export_toml(short, game), encoding="utf-8")
    assert load_scenario(exported).scenario.description.startswith("Exported from")
