"""The dashboard in front of a room, without a browser: the cache key of switched-off
instruments, what a change ships, partial answers and background neighbours (the compute
engine), the fixed reference, plain words and honest precision, settings in a link and the
take-home snapshot. The browser side is `test_app_present_browser.py`."""

from __future__ import annotations

import pickle
import re
import time
from pathlib import Path

import numpy as np
import pytest

from sim.dashboard import game as games
from sim.dashboard import live_charts, snapshot, url_state, widgets
from sim.dashboard.compute import Engine, scenario_key, simulate, simulate_packed, unpacked
from sim.dashboard.neighbours import neighbours, notch
from sim.dashboard.reference import reference_for
from sim.dashboard.runs import RunSet
from sim.dashboard.workshop import load_workshop
from sim.presentation import wording
from sim.presentation.narrative import digest

SCENARIOS = Path(__file__).resolve().parent.parent / "scenarios"
KILL_SWITCH = "regulators.california.policies.kill_switch.enabled"
THRESHOLD = "regulators.california.policies.kill_switch.threshold_flop"
PENALTY = "regulators.california.policies.kill_switch.penalty_musd"
LICENCE = "regulators.us_federal.policies.open_weight_licence.enabled"


@pytest.fixture(scope="module")
def short(tmp_path_factory):
    """The baseline over 36 months with 2,000 adopters."""
    path = tmp_path_factory.mktemp("short") / "short.toml"
    path.write_text(f'extends = "{SCENARIOS / "baseline.toml"}"\n'
                    '[scenario]\nname = "short"\nquestion = "A short world?"\nmonths = 36\n'
                    '[world.ecosystem]\nadopters = 2000\n')
    return load_workshop(str(path))


# The cache key ---------------------------------------------------------------------------------


def test_the_cache_key_ignores_a_switched_off_instruments_parameters(short):
    """Moving the kill switch's threshold and fine, then switching it off, is the reference:
    same key (no recomputation), and the outputs are indeed identical."""
    moved_then_off = {KILL_SWITCH: False, THRESHOLD: 1e24, PENALTY: 2000.0}
    scenario = short.scenario_with(moved_then_off, 1)
    reference = short.baseline(1)
    assert scenario != reference, "the scenarios differ in the switched-off instrument"
    assert scenario_key(scenario) == scenario_key(reference)
    seed = short.seeds(1)[0]
    ours, theirs = simulate(scenario, seed), simulate(reference, seed)
    assert ours.numbers.keys() == theirs.numbers.keys()
    for column in ours.numbers:
        assert np.array_equal(ours.numbers[column], theirs.numbers[column], equal_nan=True)
    on = short.scenario_with({**moved_then_off, KILL_SWITCH: True}, 1)
    assert scenario_key(on) != scenario_key(short.scenario_with({KILL_SWITCH: True}, 1)), (
        "an instrument in force keeps every parameter in its key")


def test_an_instrument_a_dated_change_switches_on_keeps_its_parameters_in_the_key(short):
    raw = short.scenario_with({THRESHOLD: 1e24}, 1).to_toml_dict()
    raw["changes"] = [{"month": "2025-01", "set": {KILL_SWITCH: True}}]
    from sim.scenario.schema import Scenario

    later = Scenario.model_validate(raw)
    raw["regulators"] = short.baseline(1).to_toml_dict()["regulators"]
    default_threshold = Scenario.model_validate(raw)
    assert scenario_key(later) != scenario_key(default_threshold)


# What a change ships -----------------------------------------------------------------------------

MAX_BYTES_PER_CHANGE = 500_000
"""Issue 17: the page ships at most 0.5 MB per change (10 draws)."""


def test_a_change_ships_at_most_half_a_megabyte_for_ten_draws():
    """One draw of the full bundled baseline (120 months), as the worker sends it, times ten
    draws, stays under 0.5 MB (it was ~1 MB: every output series and the figures of every
    decision went back, uncompressed); unpacked, it is the same draw."""
    workshop = load_workshop("baseline")
    scenario = workshop.scenario_with({KILL_SWITCH: True}, 1)
    seed = workshop.seeds(1)[0]
    packed = simulate_packed(scenario, seed)
    assert 10 * len(packed) <= MAX_BYTES_PER_CHANGE / 2
    draw, again = unpacked(packed), simulate(scenario, seed)
    assert 10 * len(pickle.dumps(draw)) <= 1.3 * MAX_BYTES_PER_CHANGE, "slim even unpacked"
    assert draw.events == again.events and draw.events, "the story's events still travel"
    assert all(np.array_equal(draw.numbers[c], again.numbers[c], equal_nan=True)
               for c in again.numbers)


# The engine: partial answers and background neighbours -------------------------------------------


@pytest.fixture(scope="module")
def pool():
    engine = Engine(workers=1)
    yield engine
    engine.shutdown(terminate_running=True)


def test_the_first_draws_arrive_before_the_rest(short, pool):
    import asyncio

    scenario = short.scenario_with({KILL_SWITCH: True, THRESHOLD: 3e25}, 3)
    seen: list[int] = []
    result = asyncio.run(pool.run(scenario, short.seeds(3), on_draws=lambda first:
                                  seen.append(first.size)))
    assert result.size == 3
    assert seen and seen[0] >= 1 and seen == sorted(seen) and seen[-1] < 3
    # A partial answer is the first draws of the complete one, in seed order.
    assert [d.seed for d in result.draws][: seen[0]] == short.seeds(3)[: seen[0]]


def test_neighbours_are_computed_in_the_background_so_a_toggle_is_cached(short, pool):
    values = short.defaults()
    settings = neighbours(short.levers, values, limit=2)
    assert settings[0] == {**values, KILL_SWITCH: True}, "toggles come first"
    seeds = short.seeds(2)
    before = pool.background_submitted
    pool.background([lambda s=s: short.scenario_with(s, 2) for s in settings], seeds)
    toggled = short.scenario_with(settings[0], 2)
    deadline = time.monotonic() + 300
    while pool.cached(toggled, seeds) is None and time.monotonic() < deadline:
        time.sleep(0.2)
    assert pool.cached(toggled, seeds) is not None, "the toggle's answer waits in the cache"
    assert pool.background_submitted > before


def _children_niceness() -> dict[int, int]:
    """The niceness of each child process of this one (Linux /proc)."""
    import os

    found = {}
    for entry in Path("/proc").iterdir():
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if entry.name.isdigit() and fields[1] == str(os.getpid()):
            found[int(entry.name)] = int(fields[16])
    return found


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads /proc")
def test_neighbours_run_in_niced_workers_of_their_own_so_a_lever_never_waits_for_them(short):
    """Background replicates run at the lowest priority in a pool of their own: the page's
    replicates get the cores at once (on main they shared the page's workers, so a lever
    moved while two neighbours ran waited for both)."""
    import os

    if os.nice(0) >= 19:
        pytest.skip("this test already runs at the lowest priority")
    engine = Engine(workers=1)
    others = set(_children_niceness())  # other tests' workers
    try:
        engine.warm()[0].result(timeout=300)
        page_workers = set(_children_niceness()) - others
        assert page_workers
        seeds = short.seeds(2)
        engine.background([lambda: short.scenario_with({KILL_SWITCH: True, THRESHOLD: 2e25}, 2)],
                          seeds)
        deadline = time.monotonic() + 300
        niced: dict[int, int] = {}
        while not niced and time.monotonic() < deadline:
            niced = {pid: nice for pid, nice in _children_niceness().items()
                     if pid not in page_workers | others and nice == 19}
            time.sleep(0.1)
        assert niced, "a background worker at niceness 19"
        assert all(nice < 19 for pid, nice in _children_niceness().items() if pid in page_workers)
        answer = engine.run_blocking(short.scenario_with({LICENCE: True}, 2), seeds)
        assert answer.size == 2
    finally:
        engine.shutdown(terminate_running=True)


def test_a_slider_notch_is_one_step_and_stops_at_the_ends(short):
    threshold = short.lever(THRESHOLD)
    assert notch(threshold, 1e26, 1) == threshold.value_at(26.1) == 1.3e26  # as the slider
    assert notch(threshold, 10 ** threshold.high, 1) is None


# The reference -----------------------------------------------------------------------------------


def test_the_reference_is_the_2024_baseline_whatever_scenario_is_picked():
    baseline = load_workshop("baseline")
    crackdown = load_workshop("crackdown")
    ours = reference_for(crackdown, 10)
    assert ours.label == "2024 policies"
    assert scenario_key(ours.scenario) == scenario_key(baseline.baseline(10))
    assert "same 10 draws" in reference_for(crackdown, 20).detail.replace("20", "10")
    pinned = reference_for(crackdown, 10, {LICENCE: True})
    assert pinned.label == "pinned settings"


def test_a_scenario_of_another_world_keeps_its_own_reference_and_says_so(short):
    reference = reference_for(short, 3)
    assert reference.label == "as written" and "differs" in reference.detail


# Plain words and honest precision ----------------------------------------------------------------

EXPONENT = re.compile(r"\d(?:\.\d+)?e[+-]?\d|10\^")
SNAKE = re.compile(r"\b[a-z]+_[a-z_]+\b")
CODES = re.compile(r"\b(?:US-[A-Z]{2}|OC\d|SL\d)\b|\b(?:from|to|in|leaves) (?:US|EU|CN)\b"
                   r"|\b(?:developer|lab|start-up|model) \d+\b")


def jargon(text: str) -> list[str]:
    """Exponent notation, snake_case identifiers and codes in a text a participant reads."""
    return EXPONENT.findall(text) + SNAKE.findall(text) + CODES.findall(text)


def test_the_scan_finds_the_jargon_the_workshop_report_quoted():
    for quoted in ("1e24.95 FLOP", "withholds it from US-CA", "OC4 against SL3",
                   "another closed developer 4 model 14", "10^8x GPT-4", "as_planned"):
        assert jargon(quoted), quoted


def test_event_sentences_read_in_plain_words():
    assert wording.plain_words("the PRC steals the weights of Anthropic model 16 (OC4 "
                               "against SL3; not yet public)") == (
        "the PRC steals the weights of Anthropic's model (a state hacking operation against "
        "security level 3 of 5; not yet public)")
    assert wording.plain_words("Google DeepMind releases Google DeepMind model 3, closed "
                               "(API), 1e26.54 FLOP") == (
        "Google DeepMind releases Google DeepMind's model, closed (API), about 17× GPT-4's "
        "training compute")
    assert wording.plain_words("the PRC distils another closed developer 4 model 14 through "
                               "its API") == ("the PRC distils another closed developer's "
                                              "model through its API")
    assert wording.plain_words("leaves US-CA for good") == "leaves California for good"
    assert wording.plain_words("does not place this model on US-CA's market") == (
        "does not place this model on California's market")
    assert wording.plain_words("controls on US chips") == "controls on US chips"
    assert wording.plain_words("submits it to a 2-month evaluation") == (
        "submits it to a 2-month evaluation")


def test_headline_numbers_have_two_significant_figures_and_their_band():
    assert [wording.two_figures(v) for v in (49_874, 8.18, -0.00209, 0, 1_234_567)] == [
        "50,000", "8.2", "-0.0021", "0", "1,200,000"]


def test_a_whole_run_reads_without_jargon_on_screen_and_in_round_summaries(short):
    """The story, headlines, table, captions and a round summary of a real run."""
    policy = RunSet("p", tuple(simulate(short.scenario_with({KILL_SWITCH: True,
                                                              THRESHOLD: 1e25}, 2), seed)
                               for seed in short.seeds(2)))
    baseline = RunSet("b", tuple(simulate(short.baseline(2), seed) for seed in short.seeds(2)))
    actor = live_charts.actor_of(["prc"], {"prc": "the PRC"})
    month = short.months - 1
    texts = [line.text for draw in policy.draws for line in digest(draw.events)]
    assert len(texts) > 5
    for value in (live_charts.headline_values(policy, baseline, month, actor)
                  + live_charts.table_values(policy, baseline, month, actor)):
        texts += [value.label, value.text, value.baseline_text, value.difference_text,
                  value.band_text, value.explanation]
        number = value.text.lstrip("$").rstrip("%MbnK").replace(",", "")
        if re.fullmatch(r"-?[0-9.]+", number) and float(number):
            assert len(number.replace(".", "").replace("-", "").lstrip("0").rstrip("0")) <= 2
    for spec in live_charts.CHARTS:
        texts.append(live_charts.chart_caption(spec, policy, baseline, month, actor))
        texts.append(actor.words(spec.title))
    game = games.play_round(games.set_lever(short, games.new_game(
        short, [games.Team("regulator:california", "CA")], short.defaults(), 2),
        KILL_SWITCH, True))
    summary = widgets.summary_data(games.round_summary(short, game, 0, policy, baseline, actor))
    texts += [summary["title"]] + [row["text"] for row in summary["frequencies"]]
    texts += [row["text"] for row in summary["story"]]
    texts += [lever.label + " " + lever.explanation + " " + lever.shown(lever.default)
              for lever in short.levers]
    found = [(text, jargon(text)) for text in texts if jargon(text)]
    assert found == []


def test_one_definition_of_months_behind_per_screen(short):
    policy = RunSet("p", tuple(simulate(short.baseline(2), seed) for seed in short.seeds(2)))
    actor = live_charts.actor_of(["prc"], {"prc": "the PRC"})
    lag = next(v for v in live_charts.headline_values(policy, policy, 20, actor)
               if v.key == "competitor_lag")
    caption = live_charts.chart_caption(live_charts.CHARTS[0], policy, policy, 20, actor)
    assert caption.startswith("Average to Sep 2025: any means ")
    assert f"any means {lag.text} months" in caption.replace(".0 months", " months")


def test_chart_captions_give_counts_to_two_figures_as_the_headlines_do(short):
    policy = RunSet("p", tuple(simulate(short.baseline(2), seed) for seed in short.seeds(2)))
    actor = live_charts.actor_of(["prc"], {"prc": "the PRC"})
    counts = [spec for spec in live_charts.CHARTS if spec.unit not in (
        "months", "share", "USD M") and spec.kind not in ("capability", "channels")]
    assert counts
    for spec in counts:
        caption = live_charts.chart_caption(spec, policy, policy, short.months - 1, actor)
        for number in re.findall(r"\d[\d,]*(?:\.\d+)?", caption.split(": ", 1)[1]):
            digits = number.replace(",", "").replace(".", "").lstrip("0").rstrip("0")
            assert len(digits) <= 2, (spec.key, caption)


# Colours -----------------------------------------------------------------------------------------


def test_colours_are_neutral_unless_the_facilitator_picks_a_view_and_never_for_assumptions(
        short):
    draws = [simulate(short.scenario_with({KILL_SWITCH: True, THRESHOLD: 1e24}, 1), seed)
             for seed in short.seeds(1)]
    policy = RunSet("p", tuple(draws))
    baseline = RunSet("b", tuple(simulate(short.baseline(1), s) for s in short.seeds(1)))
    actor = live_charts.actor_of(["prc"], {})
    neutral = live_charts.table_values(policy, baseline, 35, actor)
    assert {v.tone for v in neutral} == {"neutral"}
    judged = live_charts.table_values(policy, baseline, 35, actor, tones="regulator")
    assert {"better", "worse"} & {v.tone for v in judged}
    assumed = live_charts.table_values(policy, baseline, 35, actor, tones="regulator",
                                       assumptions_moved=True)
    assert {v.tone for v in assumed} == {"neutral"}


# Settings in a link and the snapshot -------------------------------------------------------------


def test_a_link_holds_the_settings_and_restores_them_and_bad_entries_are_refused():
    workshop = load_workshop("baseline")
    values = {**workshop.defaults(), KILL_SWITCH: True, THRESHOLD: 3e25}
    search = url_state.encode(workshop, values, 20)
    assert url_state.scenario_name(search) == "baseline"
    assert url_state.decode(workshop, search) == (values, 20, [])
    restored, draws, problems = url_state.decode(
        workshop, f"draws=7&nonsense=1&{KILL_SWITCH}=maybe&{THRESHOLD}=__import__")
    assert restored == workshop.defaults() and draws is None and len(problems) == 4


def test_the_snapshot_page_escapes_every_text_and_names_itself(short):
    hostile = "<script>alert(1)</script>"
    value = live_charts.HeadlineValue("derivatives", hostile, 1.0, 2.0, "1.0", "2.0", "−1.0",
                                      "neutral", hostile, band_text="80% of draws: 1 to 2")
    shot = snapshot.Snapshot(hostile, hostile, (hostile,), "2033-12", 10, "2024 policies",
                             hostile, (value,), (value,), f"# {hostile}\n")
    page = snapshot.to_html(shot)
    assert "<script" not in page and "&lt;script&gt;" in page
    assert snapshot.file_stem("baseline", ["California: kill switch on"], "2033-12") == (
        "regsim-baseline-california-kill-switch-on-dec-2033")


def test_the_presenter_view_pages_two_charts_at_a_time_and_gives_summaries_a_page():
    from sim.dashboard.headlines import CHARTS
    from sim.dashboard.present import chart_pages

    pages = chart_pages(in_game=False)
    assert all(1 <= len(page) <= 2 for page in pages)
    assert [spec.key for page in pages for spec in page] == [spec.key for spec in CHARTS]
    assert chart_pages(in_game=True)[0] == "summaries", "the round summary, full screen"
