"""A game's hidden reference and the projector window's plumbing, without a browser (issue 18):
when the reference is hidden, what the page is sent (headlines, chart options, captions, round
summaries) holds nothing of it; the choice is saved in the session and replays; the
projector's links are found only by their code and hold no control."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest

from sim.dashboard import game as games
from sim.dashboard import live_charts, projector, widgets
from sim.dashboard import room as rooms
from sim.dashboard.compute import simulate
from sim.dashboard.runs import RunSet
from sim.dashboard.workshop import load_workshop

SCENARIOS = Path(__file__).resolve().parent.parent / "scenarios"
KILL_SWITCH = "regulators.california.policies.kill_switch.enabled"
ACTOR = live_charts.actor_of(["prc"], {"prc": "the PRC"})


@pytest.fixture(scope="module")
def short(tmp_path_factory):
    """The baseline over 48 months (two rounds) with 500 adopters."""
    path = tmp_path_factory.mktemp("short") / "short.toml"
    path.write_text(f'extends = "{SCENARIOS / "baseline.toml"}"\n'
                    '[scenario]\nname = "short"\nquestion = "A short world?"\nmonths = 48\n'
                    '[world.ecosystem]\nadopters = 500\n')
    return load_workshop(str(path))


@pytest.fixture(scope="module")
def runs(short):
    """(current settings: the kill switch on, reference) over 2 draws."""
    policy = RunSet("p", tuple(simulate(short.scenario_with({KILL_SWITCH: True}, 2), seed)
                               for seed in short.seeds(2)))
    baseline = RunSet("b", tuple(simulate(short.baseline(2), seed) for seed in short.seeds(2)))
    return policy, baseline


def _game(short, hide: bool) -> games.Game:
    teams = [games.Team("regulator:california", "Bears")]
    return games.new_game(short, teams, short.defaults(), 2, hide_reference=hide)


# When the reference shows ----------------------------------------------------------------------


def test_a_hidden_reference_shows_once_the_last_round_is_played_or_revealed(short):
    game = _game(short, hide=True)
    assert games.round_count(short.months) == 2
    assert not games.reference_shown(short, game)
    game = games.play_round(game)
    assert not games.reference_shown(short, game)  # round 1 of 2 played
    game = games.next_round(short, game)
    assert not games.reference_shown(short, game)
    last = games.play_round(game)
    assert games.reference_shown(short, last)  # the last round played
    assert games.reference_shown(short, games.reveal_reference(game))  # shown early
    assert not games.reference_shown(short, games.replay(games.reveal_reference(last)))
    assert games.reference_shown(short, _game(short, hide=False))


def test_the_choice_is_saved_in_the_session_and_replays(short):
    hidden = games.play_round(_game(short, hide=True))
    saved = json.loads(games.save(short, hidden))
    assert saved["hide_reference"] is True
    loaded = games.replay(games.load(short, json.dumps(saved)))
    assert loaded.hide_reference and not games.reference_shown(short, loaded)
    shown = games.load(short, games.save(short, _game(short, hide=False)))
    assert not shown.hide_reference and games.reference_shown(short, shown)
    # A session saved before the choice existed showed the reference: it replays so.
    del saved["hide_reference"]
    assert not games.load(short, json.dumps(saved)).hide_reference
    with pytest.raises(games.SessionError):
        games.load(short, json.dumps({**saved, "hide_reference": "yes"}))


def test_a_room_game_reveals_its_reference_for_every_page(short):
    room = rooms.open_room(short, _game(short, hide=True))
    try:
        assert room.game.hide_reference and not games.reference_shown(short, room.game)
        revealed = room.reveal_reference()
        assert games.reference_shown(short, revealed) and room.game is revealed
    finally:
        rooms.close_room(room)


# What the page is sent while it is hidden -----------------------------------------------------


def test_hidden_headlines_carry_no_reference_number_or_difference(runs):
    policy, baseline = runs
    month = policy.months.__len__() - 1
    shown = live_charts.headline_values(policy, baseline, month, ACTOR, tones="regulator")
    hidden = live_charts.without_reference(shown)
    assert [v.text for v in hidden] == [v.text for v in shown]  # the settings' own numbers
    assert any(v.baseline_text for v in shown) and any(v.difference_text for v in shown)
    for value in hidden:
        assert value.baseline_text == "" and value.difference_text == ""
        assert value.tone == "neutral"  # a colour would say better or worse than the reference
    data = widgets.headline_data(hidden) + [row for group in widgets.table_data(
        live_charts.without_reference(live_charts.table_values(policy, baseline, month, ACTOR)))
        for row in group["rows"]]
    assert all(row["baseline"] == "" for row in data)


def test_hidden_charts_draw_no_reference_series_and_captions_name_none(runs):
    policy, baseline = runs
    for spec in live_charts.CHARTS:
        whole = live_charts.chart_option(spec, policy, baseline, ACTOR)
        option = live_charts.chart_option(spec, policy, baseline, ACTOR, reference=False)
        ids = [str(entry["id"]) for entry in option["series"]]
        assert not [i for i in ids if not i.startswith(live_charts.POLICY_ID)], (spec.key, ids)
        assert not [e for e in option["series"]
                    if live_charts.BASELINE_NAME in str(e["name"])], spec.key
        # Every series is cut to the months shown: nothing of the future is sent.
        cut = live_charts.reveal(option, 5)
        assert all(len(entry["data"]) <= 5 for entry in cut["series"]), spec.key
        if spec.kind != "channels":
            assert any(str(e["id"]).startswith("baseline") for e in whole["series"]), spec.key
        caption = live_charts.chart_caption(spec, policy, baseline, 20, ACTOR, reference=False)
        assert "reference" not in caption and caption, (spec.key, caption)
        assert "reference" in live_charts.chart_caption(spec, policy, baseline, 20, ACTOR)


def test_hidden_round_summaries_pick_events_without_the_reference(short, runs):
    policy, baseline = runs
    game = games.play_round(games.set_lever(short, _game(short, hide=True), KILL_SWITCH, True))
    summaries = games.revealed_summaries(short, game, policy, baseline, ACTOR, 0, 24)
    assert len(summaries) == 1 and not summaries[0].reference
    data = widgets.summary_data(summaries[0])
    words = json.dumps(data)
    assert "as written" not in words and "reference" not in words
    assert all(row.baseline_draws == 0 for row in summaries[0].frequencies)
    # The same summary with another reference's draws: identical (nothing of it is used).
    other = games.revealed_summaries(short, game, policy, policy, ACTOR, 0, 24)
    assert widgets.summary_data(other[0]) == data
    shown = games.revealed_summaries(short, replace(game, hide_reference=False), policy,
                                     baseline, ACTOR, 0, 24)
    assert "as written" in json.dumps(widgets.summary_data(shown[0]))


# The projector's links ----------------------------------------------------------------------------


def test_a_projector_link_is_found_only_by_its_code_and_closes():
    projection = projector.open_projection()
    try:
        assert len(projection.code) == rooms.CODE_LENGTH
        assert projector.find(projection.code) is projection
        assert projector.find(projection.code.lower()) is projection
        assert projector.find(projection.code[:-1]) is None and projector.find(None) is None
        assert projector.is_projector_query(f"screen={projection.code}")
        assert projector.given_code(f"screen={projection.code}") == projection.code
        assert not projector.is_projector_query("join") and not projector.is_projector_query("")
        assert projector.projector_path(projection.code) == f"/?screen={projection.code}"
        heard = []
        projection.subscribe("a page", lambda: heard.append(1))
        projection.publish(None)
        assert heard == [1]
    finally:
        projector.close_projection(projection)
    assert projector.find(projection.code) is None and projection.closed
    projection.publish(None)  # a closed projection takes nothing more
    assert projection.frame is None


def test_a_server_holds_a_bounded_number_of_projector_links():
    opened = [projector.open_projection() for _ in range(projector.MAX_PROJECTIONS + 3)]
    try:
        assert sum(not p.closed for p in opened) == projector.MAX_PROJECTIONS
        assert all(p.closed for p in opened[:3])
    finally:
        for projection in opened:
            projector.close_projection(projection)


def test_round_summaries_cite_the_reference_by_its_name_on_the_page(short, runs):
    """The summary cites the reference by the name the page gives it ('2024 policies'), not a
    fixed 'as written' beside a headline strip that says otherwise."""
    policy, baseline = runs
    game = replace(games.play_round(games.set_lever(short, _game(short, hide=False),
                                                    KILL_SWITCH, True)), hide_reference=False)
    summaries = games.revealed_summaries(short, game, policy, baseline, ACTOR, 0, 24,
                                         "2024 policies")
    words = json.dumps(widgets.summary_data(summaries[0]))
    assert "2024 policies" in words and "as written" not in words
