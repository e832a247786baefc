"""The dashboard's logic without a browser: levers, the workshop scenario and its export, the
compute engine, statistics, playback, the narrative, charts and headlines, the game and its
sessions, the template data, the page, and the `regsim app` command line."""

from __future__ import annotations

import asyncio
import json
import math
import re
import sys
import tomllib
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import SCENARIOS, scenario_from, small_world, with_policy

from sim.dashboard import game as games
from sim.dashboard import live_charts, playback, widgets
from sim.dashboard import workshop as ws
from sim.dashboard.compute import Engine, scenario_key, simulate
from sim.dashboard.headlines import (
    BASELINE_COLOR,
    CHARTS,
    HEADLINES,
    POLICY_COLORS,
    Headline,
    at_month,
    strip,
    table,
)
from sim.dashboard.levers import LEVERS, instrument_words, levers_for, toml_literal
from sim.dashboard.runs import RunSet, mean_of_defined, percentile
from sim.dashboard.workshop import load_workshop
from sim.presentation import wording
from sim.presentation.narrative import compare_frequencies, digest, shape, told
from sim.scenario.loader import load_scenario

KILL_SWITCH = "regulators.california.policies.kill_switch.enabled"
THRESHOLD = "regulators.california.policies.kill_switch.threshold_flop"
LICENCE = "regulators.us_federal.policies.open_weight_licence.enabled"
WEIGHT_CONTROLS = "regulators.us_federal.policies.weight_export_controls.enabled"
CHIPS = "regulators.us_federal.policies.chip_export_controls.strength"
DRAWS = 3


@pytest.fixture
def baseline():
    return load_workshop("baseline")


@pytest.fixture(scope="module")
def short(tmp_path_factory):
    """The baseline over 36 months with 2,000 adopters: a workshop that runs in a blink."""
    path = tmp_path_factory.mktemp("short") / "short.toml"
    path.write_text(f'extends = "{SCENARIOS / "baseline.toml"}"\n'
                    '[scenario]\nname = "short"\nquestion = "A short world?"\nmonths = 36\n'
                    '[world.ecosystem]\nadopters = 2000\n')
    return load_workshop(str(path))


def runs(workshop, values=None, draws=DRAWS, scenario=None) -> RunSet:
    """The draws of a workshop's settings, computed in this process."""
    scenario = scenario or (workshop.scenario_with(values, draws) if values is not None
                            else workshop.baseline(draws))
    return RunSet(scenario_key(scenario),
                  tuple(simulate(scenario, seed) for seed in workshop.seeds(draws)))


# Levers -----------------------------------------------------------------------------------------


def test_every_scenario_offers_the_kill_switch_licence_and_weight_controls_switched_off(baseline):
    assert baseline.lever(KILL_SWITCH).default is False
    assert baseline.lever(LICENCE).default is False
    assert baseline.lever(WEIGHT_CONTROLS).default is False
    original = {(r.name, p.kind) for r in baseline.original.regulators for p in r.policies}
    assert ("california", "kill_switch") not in original


@pytest.mark.parametrize(("path", "bundled"), [
    (KILL_SWITCH, "kill_switch"),
    (LICENCE, "open_weight_licence"),
])
def test_switching_an_added_instrument_on_replays_its_bundled_scenario(baseline, path, bundled):
    switched = baseline.scenario_with({path: True})
    reference = load_workshop(bundled).original
    ours = {(r.name, p.kind): p.model_dump() for r in switched.regulators for p in r.policies
            if p.enabled}
    theirs = {(r.name, p.kind): p.model_dump() for r in reference.regulators for p in r.policies}
    assert ours == theirs


def test_a_scenario_keeps_its_own_instrument_and_gets_no_second_one():
    workshop = load_workshop("kill_switch_open_exempt")
    kinds = [p.kind for r in workshop.scenario.regulators for p in r.policies]
    assert kinds.count("kill_switch") == 1
    assert workshop.lever(KILL_SWITCH).default is True
    exempt = "regulators.california.policies.kill_switch.exempt_open_weights"
    assert workshop.lever(exempt).default is True


def test_levers_follow_the_policies_a_scenario_has():
    crackdown = load_workshop("crackdown")
    trigger = "regulators.us_federal.policies.open_weight_licence.trigger_pressure"
    assert crackdown.lever(trigger).default == 1.5
    assert trigger not in {lever.path for lever in load_workshop("baseline").levers}
    paths = {lever.path for lever in crackdown.levers}
    for field in ("approval_probability", "licence_delay_months", "penalty_musd",
                  "enforcement_probability", "threshold_flop", "start"):
        assert f"regulators.us_federal.policies.open_weight_licence.{field}" in paths
    # Chip controls shape compute growth, not releases: no enforcement lever for them.
    assert ("regulators.us_federal.policies.chip_export_controls.enforcement_probability"
            not in paths)


def test_every_row_of_the_lever_table_binds_in_a_world_with_every_instrument():
    raw = small_world()
    raw["regulators"][0]["policies"] = [
        {"kind": "kill_switch"}, {"kind": "open_weight_licence", "trigger_pressure": 2.0},
        {"kind": "chip_export_controls"}, {"kind": "weight_export_controls"},
        {"kind": "pre_deployment_evaluation"}, {"kind": "security_standard"},
        {"kind": "api_kyc"}, {"kind": "gpai_obligations"}, {"kind": "transparency"}]
    bound = {lever.spec.path for lever in levers_for(scenario_from(raw))}
    assert {spec.path for spec in LEVERS} == bound


def test_every_lever_has_words_units_and_an_explanation():
    for spec in LEVERS:
        assert spec.label and spec.explanation, spec.path
        assert spec.control != "slider" or spec.step, spec.path
    from sim.model.policies import POLICY_KINDS

    for kind in POLICY_KINDS:  # every instrument the model has
        name, explanation = instrument_words(kind)
        assert name and explanation and "_" not in name, kind


@pytest.mark.parametrize(("path", "value", "words"), [
    (THRESHOLD, 1e26, "4.8× GPT-4's training compute"),
    ("regulators.california.policies.kill_switch.threshold_usd", 1e8, "$100M"),
    ("regulators.california.policies.kill_switch.penalty_musd", 1000.0, "$1bn"),
    ("regulators.california.policies.kill_switch.enforcement_probability", 0.5, "50%"),
    ("regulators.california.policies.kill_switch.start", "2025-01", "2025-01"),
    ("regulators.us_federal.policies.chip_export_controls.start", None, "from the start"),
    ("world.theft.hazard_per_month_at_parity", 0.002, "0.2%"),
    ("world.theft.hazard_per_month_at_parity", 0.0005, "0.05%"),
    ("world.derivative_publicity_per_month", 0.05, "5%"),
    ("world.compute.ceiling_flop_2030", 2e29, "9,500× GPT-4's training compute"),
    ("regulators.eu.policies.gpai_obligations.penalty_share_of_revenue", 0.03, "3%"),
    ("regulators.eu.policies.gpai_obligations.penalty_musd", 16.0, "$16M"),
    ("world.algo_efficiency_growth_oom_per_year", 0.45, "2.8x a year"),
    ("states.prc.attacker_tier", 4, "level 4 of 5"),
    ("regulators.california.reach", "market", "labs selling there"),
    (KILL_SWITCH, True, "on"),
])
def test_lever_values_read_in_plain_words(baseline, path, value, words):
    assert baseline.lever(path).shown(value) == words


def test_slider_positions_round_trip_to_the_values_the_scenario_holds(baseline):
    for lever in baseline.levers:
        if lever.control != "slider" or lever.default is None:
            continue
        assert lever.is_default(lever.value_at(lever.position(lever.default))), lever.path
        assert lever.low <= lever.position(lever.default) <= lever.high, lever.path
    threshold = baseline.lever(THRESHOLD)
    assert threshold.value_at(25.0) == 1e25
    assert threshold.value_at(25.3) == 2e25
    months = baseline.lever("regulators.california.policies.kill_switch.start")
    assert months.value_at(18) == "2025-07"
    whole = next(lever for lever in baseline.levers if lever.spec.transform == "int")
    assert whole.value_at(2.4) == 2


def test_moved_levers_become_set_overrides_and_reach_the_validated_scenario(baseline):
    values = {KILL_SWITCH: True, THRESHOLD: 1e25, CHIPS: 0.6,
              "regulators.california.reach": "domicile",
              "regulators.california.policies.kill_switch.start": "2026-03",
              "world.theft.hazard_per_month_at_parity": 0.01,
              "developers.meta.release_strategy": "closed"}
    assert sorted(baseline.overrides(values)) == sorted([
        f"{KILL_SWITCH}=true", f"{THRESHOLD}=1e+25", f"{CHIPS}=0.6",
        'regulators.california.reach="domicile"',
        'regulators.california.policies.kill_switch.start="2026-03"',
        "world.theft.hazard_per_month_at_parity=0.01",
        'developers.meta.release_strategy="closed"'])
    scenario = baseline.scenario_with(values, draws=5)
    regulators = {r.name: r for r in scenario.regulators}
    kill_switch = regulators["california"].policies[0]
    assert kill_switch.enabled and kill_switch.threshold_flop == 1e25
    assert kill_switch.start == "2026-03" and regulators["california"].reach == "domicile"
    assert regulators["us_federal"].policies[0].strength == 0.6
    assert scenario.world.theft.hazard_per_month_at_parity == 0.01
    assert {d.name: d for d in scenario.developers}["meta"].release_strategy == "closed"
    assert scenario.scenario.replicates == 5


def test_changes_are_told_in_plain_words(baseline):
    assert baseline.changes({KILL_SWITCH: True, THRESHOLD: 1e25}) == [
        "California: kill switch on",
        "California: kill switch: covers models trained with at least 0.48× GPT-4's training "
        "compute"]
    assert baseline.changes({}) == []


def test_unknown_levers_and_values_that_do_not_fit_are_refused(baseline):
    with pytest.raises(ValueError, match="unknown levers"):
        baseline.values({"regulators.nobody.reach": "market"})
    with pytest.raises(ValueError, match="expected one of"):
        baseline.values({"regulators.california.reach": "everywhere"})
    with pytest.raises(ValueError, match="expected true or false"):
        baseline.values({KILL_SWITCH: "yes"})
    with pytest.raises(ValueError, match="whole number"):
        baseline.values({"states.prc.attacker_tier": 3.5})
    with pytest.raises(ValueError, match="a number"):
        baseline.values({THRESHOLD: float("nan")})


def test_toml_literals_are_parsed_back_as_the_same_values():
    for value in (True, 1e25, 0.35, 3, "2025-01", 'a "quoted" word'):
        assert tomllib.loads("v = " + toml_literal(value))["v"] == value


def test_only_the_role_labs_get_actor_levers(baseline):
    paths = {lever.path for lever in baseline.levers if lever.owner[0] == "developer"}
    assert paths == {"developers.google_deepmind.security_level",
                     "developers.google_deepmind.release_strategy",
                     "developers.meta.security_level", "developers.meta.release_strategy"}
    closed = dict(baseline.lever("developers.google_deepmind.release_strategy").spec.choices)
    assert "hybrid" not in closed  # a lab without a size limit cannot be hybrid
    assert "hybrid" in dict(baseline.lever("developers.meta.release_strategy").spec.choices)


# Roles ------------------------------------------------------------------------------------------


def test_the_roles_of_the_baseline_and_the_levers_each_holds(baseline):
    roles = {role.key: role for role in baseline.roles}
    assert list(roles) == ["regulator:california", "regulator:us_federal", "regulator:eu",
                           "frontier_lab", "open_lab", "competitor"]
    assert roles["frontier_lab"].title == "A frontier lab (Google DeepMind)"  # 5e25 FLOP
    assert roles["open_lab"].title == "An open-weight lab (Meta)"
    competitor = {lever.path for lever in roles["competitor"].levers(baseline.levers)}
    assert "states.prc.attacker_tier" in competitor
    assert "regulators.china.policies.pre_deployment_evaluation.enabled" in competitor
    california = roles["regulator:california"].levers(baseline.levers)
    assert KILL_SWITCH in {lever.path for lever in california}
    held = [lever.path for role in baseline.roles for lever in role.levers(baseline.levers)]
    assert len(held) == len(set(held)), "a lever belongs to one role"
    assert "world.theft.hazard_per_month_at_parity" not in held  # the facilitator's


# The workshop scenario and its export -----------------------------------------------------------


def test_an_added_instrument_switched_off_changes_no_number(short):
    """What makes "switch it on in the baseline" mean "the bundled policy scenario"."""
    ours = runs(short, short.defaults(), draws=2)
    written = short.original.model_copy(update={})
    raw = written.to_toml_dict()
    raw["scenario"]["replicates"] = 2
    theirs = runs(short, scenario=type(written).model_validate(raw), draws=2)
    for column in theirs.draws[0].numbers:  # every output the model writes
        assert np.array_equal(ours.matrix(column), theirs.matrix(column), equal_nan=True), column


@pytest.fixture(scope="module")
def short_kill_switch(tmp_path_factory):
    """The bundled kill_switch scenario shortened as `short` is."""
    path = tmp_path_factory.mktemp("short") / "short_kill_switch.toml"
    path.write_text(f'extends = "{SCENARIOS / "kill_switch.toml"}"\n'
                    '[scenario]\nname = "short"\nquestion = "A short world?"\nmonths = 36\n'
                    '[world.ecosystem]\nadopters = 2000\n')
    return load_workshop(str(path))


def test_switching_the_kill_switch_on_gives_the_bundled_scenarios_numbers(short,
                                                                          short_kill_switch):
    """"Switch it on in the baseline" is the bundled kill_switch scenario, to the last bit,
    although the dashboard's baseline also holds the licence and the weight controls (off)."""
    ours = runs(short, {KILL_SWITCH: True}, draws=2)
    theirs = runs(short_kill_switch, scenario=short_kill_switch.original.model_copy(
        update={"scenario": short_kill_switch.original.scenario.model_copy(
            update={"replicates": 2})}), draws=2)
    assert ours.draws[0].numbers.keys() == theirs.draws[0].numbers.keys()
    for column in theirs.draws[0].numbers:  # every output the model writes
        assert np.array_equal(ours.matrix(column), theirs.matrix(column), equal_nan=True), column
    assert [d.events for d in ours.draws] == [d.events for d in theirs.draws]
    assert not np.array_equal(ours.matrix("cash_compliance_musd"),
                              runs(short, draws=2).matrix("cash_compliance_musd")), (
        "the kill switch bites in these draws")


def test_the_grey_baseline_is_the_settings_with_no_lever_moved(short):
    assert scenario_key(short.baseline(4)) == scenario_key(short.scenario_with({}, 4))
    assert scenario_key(short.baseline(4)) != scenario_key(short.scenario_with(
        {KILL_SWITCH: True}, 4))


def test_draws_use_the_seeds_regsim_run_gives_its_replicates(baseline):
    from sim.experiments.seeds import replicate_seeds

    assert baseline.seeds(10) == replicate_seeds(baseline.original.scenario.seed, 10)


def test_the_export_reproduces_the_dashboards_numbers_with_regsim_run(short, tmp_path):
    from click.testing import CliRunner

    from sim.cli import main

    values = {KILL_SWITCH: True, THRESHOLD: 5e25, CHIPS: 0.5}
    exported = tmp_path / "exported.toml"
    exported.write_text(short.export_toml(values, DRAWS))
    text = exported.read_text()
    assert text.startswith("# regsim workshop export")
    assert "covers models trained with at least 2.4× GPT-4's training compute" in text
    result = CliRunner().invoke(main, ["run", str(exported), "--out", str(tmp_path / "run"),
                                       "--no-plots", "--quiet"])
    assert result.exit_code == 0, result.output
    outcomes = pd.read_csv(tmp_path / "run" / "outcomes.csv").set_index("outcome")["mean"]
    _assert_headlines_match(runs(short, values), outcomes, short.months - 1)


def _assert_headlines_match(dashboard: RunSet, outcomes: pd.Series, last: int) -> None:
    """Every headline and table row over the whole horizon equals the sum of its `regsim run`
    outcomes (outcomes.csv keeps 10 significant digits; the exact match is tested below)."""
    for entry in HEADLINES:
        measure = entry.measure.filled("prc")
        value = dashboard.statistic(measure, last)
        expected = sum(outcomes[key] for key in measure.summary_keys)
        assert value == pytest.approx(expected, rel=1e-9, abs=1e-9), entry.key


def test_an_exported_scenario_loads_and_names_itself(short, tmp_path):
    exported = tmp_path / "e.toml"
    exported.write_text(short.export_toml({KILL_SWITCH: True}, 5))
    scenario = load_scenario(exported)
    assert scenario.scenario.name == "short_workshop"
    assert scenario.scenario.replicates == 5
    assert scenario.scenario.seed == short.original.scenario.seed


def test_the_scenario_comes_from_the_environment_variable(monkeypatch):
    monkeypatch.setenv(ws.SCENARIO_ENV_VAR, str(SCENARIOS / "crackdown.toml"))
    assert load_workshop(ws.default_scenario_path()).name == "crackdown"


def test_the_picker_lists_every_bundled_scenario_with_its_question(tmp_path):
    names = {choice.name for choice in ws.picker_choices()}
    assert {"baseline", "kill_switch", "kill_switch_open_exempt", "open_weight_licence",
            "export_controls", "crackdown", "chatbit_2023"} <= names
    own = tmp_path / "mine.toml"
    own.write_text(f'extends = "{SCENARIOS / "baseline.toml"}"\n'
                   '[scenario]\nname = "mine"\nquestion = "My own question?"\n')
    assert ws.picker_choices(str(own))[0].question == "My own question?"


# The compute engine -----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def engine():
    pool = Engine(workers=1)
    yield pool
    pool.shutdown()


def test_the_engine_computes_in_a_worker_and_caches_by_settings(engine, short):
    scenario = short.scenario_with({KILL_SWITCH: True}, DRAWS)
    first = engine.run_blocking(scenario, short.seeds(DRAWS))
    submitted = engine.submitted
    again = engine.run_blocking(scenario, short.seeds(DRAWS))
    assert engine.submitted == submitted, "cached: nothing recomputed"
    assert engine.cached(scenario, short.seeds(DRAWS)) is not None
    assert [d.seed for d in again.draws] == short.seeds(DRAWS)
    inline = runs(short, {KILL_SWITCH: True})
    assert np.array_equal(first.matrix("covered_open_copies"),
                          inline.matrix("covered_open_copies"))


def test_a_superseded_request_is_withdrawn_from_the_pool(engine, short):
    scenario = short.scenario_with({KILL_SWITCH: True, THRESHOLD: 3e25}, 20)
    seeds = short.seeds(20)

    async def supersede() -> None:
        task = asyncio.ensure_future(engine.run(scenario, seeds))
        await asyncio.sleep(0.05)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    asyncio.run(supersede())
    engine.run_blocking(short.baseline(1), short.seeds(1))  # the worker is free again
    finished = sum(engine.cached(scenario, [seed]) is not None for seed in seeds)
    assert finished < len(seeds), "the replicates not started were never run"


def test_two_requests_for_the_same_settings_share_the_work(engine, short):
    scenario = short.scenario_with({CHIPS: 0.9}, 2)
    before = engine.submitted

    async def both():
        return await asyncio.gather(engine.run(scenario, short.seeds(2)),
                                    engine.run(scenario, short.seeds(2)))

    first, second = asyncio.run(both())
    assert engine.submitted - before == 2
    assert first.key == second.key


def test_workers_exit_when_the_server_dies_without_stopping_them(tmp_path):
    import subprocess
    import time

    script = tmp_path / "server.py"
    script.write_text(
        "import os\n"
        "from sim.dashboard.compute import Engine\n"
        "if __name__ == '__main__':\n"
        "    pool = Engine(workers=2)\n"
        "    print(' '.join(str(f.result()) for f in pool.warm()), flush=True)\n"
        "    os._exit(0)  # as if killed: no shutdown of the pool\n")
    out = subprocess.run([sys.executable, str(script)], capture_output=True, text=True,
                         check=True, timeout=120, cwd=Path(__file__).parent.parent).stdout
    workers = [int(pid) for pid in out.split()]
    deadline = time.monotonic() + 30
    alive = workers
    while alive and time.monotonic() < deadline:
        time.sleep(0.5)
        alive = [pid for pid in workers if _alive(pid)]
    assert not alive, "orphaned workers linger"


def _alive(pid: int) -> bool:
    import os

    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    status = Path(f"/proc/{pid}/stat")
    return not (status.exists() and status.read_text().split()[2] == "Z")


def test_scenario_keys_tell_settings_apart(short):
    assert scenario_key(short.baseline()) == scenario_key(short.baseline())
    assert scenario_key(short.scenario_with({KILL_SWITCH: True})) != scenario_key(
        short.scenario_with({}))


# Statistics -------------------------------------------------------------------------------------


def test_over_the_whole_horizon_each_headline_is_regsim_runs_outcome(short):
    from sim.experiments.stats import outcomes_table

    dashboard = runs(short, {KILL_SWITCH: True})
    summaries = pd.DataFrame([draw.summary for draw in dashboard.draws])
    measures = [entry.measure.filled("prc") for entry in HEADLINES]
    keys = sorted({key for measure in measures for key in measure.summary_keys})
    outcomes = outcomes_table(summaries, keys).set_index("outcome")["mean"]
    for entry, measure in zip(HEADLINES, measures, strict=True):
        ours = dashboard.statistic(measure, short.months - 1)
        if len(measure.summary_keys) == 1:  # exactly: same arithmetic as regsim run
            assert ours == outcomes[measure.summary_keys[0]], entry.key
        else:  # a total: the mean of sums is the sum of means, to rounding
            expected = sum(outcomes[key] for key in measure.summary_keys)
            assert ours == pytest.approx(expected, rel=1e-12), entry.key


def test_the_answer_shares_are_the_covered_answers_by_action_month_by_month(short):
    dashboard = runs(short, {KILL_SWITCH: True})
    rows = {entry.key: entry.measure for entry in table()}
    month = 30
    answers = sum(dashboard.matrix(f"responses_{a}")[:, month]
                  for a in ("comply", "withhold", "exit", "defy"))
    assert (answers > 0).all(), "every draw has covered answers by then"
    comply = dashboard.matrix("responses_comply")[:, month] / answers
    assert dashboard.statistic(rows["share_comply"], month) == pytest.approx(comply.mean())
    shares = [dashboard.statistic(rows[f"share_{a}"], month)
              for a in ("comply", "withhold", "exit", "defy")]
    assert sum(shares) == pytest.approx(1.0)


def test_a_share_with_nothing_to_share_is_undefined_not_zero():
    from sim.dashboard.runs import Draw

    def draw(comply, others):
        numbers = {"responses_comply": np.array(comply, float),
                   **{f"responses_{a}": np.array(others, float)
                      for a in ("withhold", "exit", "defy")}}
        return Draw(0, ("2024-01", "2024-02"), numbers, {}, (), {})

    measure = next(entry.measure for entry in table() if entry.key == "share_comply")
    runset = RunSet("k", (draw([0, 2], [0, 1]), draw([0, 0], [0, 1])))
    assert np.isnan(runset.per_draw(measure, 0)).all()
    assert math.isnan(runset.statistic(measure, 0))
    assert runset.statistic(measure, 1) == pytest.approx((2 / 5 + 0 / 3) / 2)


def test_the_replicate_band_is_numpys_percentile_without_its_loop():
    rng = np.random.default_rng(1)
    matrix = rng.normal(size=(10, 50))
    matrix[rng.random(matrix.shape) < 0.2] = np.nan
    matrix[:, 3] = np.nan
    with np.errstate(all="ignore"), pytest.warns(RuntimeWarning):
        expected = np.nanpercentile(matrix, 10, axis=0)
    assert np.allclose(percentile(matrix, 10), expected, equal_nan=True)
    assert mean_of_defined([1.0, math.nan, 3.0]) == 2.0
    assert math.isnan(mean_of_defined([math.nan]))


# Playback ---------------------------------------------------------------------------------------


def test_step_reveals_exactly_one_month_and_wraps_after_the_end():
    state = playback.reset(playback.full(120))
    assert state.shown == 1
    assert playback.step(state).shown == 2
    at_end = playback.full(120)
    assert playback.step(at_end).shown == 1, "Step after the end starts again"


def test_play_works_after_the_end_and_pauses_by_itself():
    state = playback.play(playback.full(12))
    assert state.playing and state.shown == 1, "Play after the end starts again, no Reset"
    for _ in range(20):
        state = playback.tick(state)
    assert state.shown == 12 and not state.playing
    paused = playback.pause(playback.play(playback.reset(state)))
    assert not paused.playing and playback.tick(paused) == paused


def test_a_round_window_limits_play_to_the_round():
    state = playback.window(playback.full(120), 25, 48, 25)
    state = playback.play(state)
    for _ in range(40):
        state = playback.tick(state)
    assert state.shown == 48 and not state.playing
    assert playback.with_speed(state, "nonsense").speed == playback.DEFAULT_SPEED
    assert playback.with_speed(state, "fast").interval_s == pytest.approx(1 / 12)


# The narrative ----------------------------------------------------------------------------------


def event(kind, step=0, text="x", **details):
    return {"kind": kind, "step": step, "month": f"2024-{step + 1:02d}", "text": text,
            "actors": details.pop("actors", ["meta"]), **details}


def decision(step, text, design="as_planned", **actions):
    """A lab's decision as the model logs it (`sim.model.decisions`)."""
    return event("decision", step, text + " (expected cost by option, USD: as_planned 12M, "
                 "shaded 9M)", design=design, relocate=False, actions=actions)


def test_the_digest_tells_each_story_once_with_how_often_and_until_when():
    events = [
        decision(1, "Meta shades it to 1e25.95 FLOP; keeps full shutdown capability to comply "
                 "with California", design="shaded", california="comply"),
        event("theft", 2, "the PRC steals the weights of OpenAI model 3"),
        decision(5, "Meta shades it to 1e25.96 FLOP; keeps full shutdown capability to comply "
                 "with California", design="shaded", california="comply"),
        event("absorption", 7, "the PRC fields a military fine-tune of Meta model 4"),
    ]
    lines = digest(events)
    assert [line.kind for line in lines] == ["decision", "theft", "absorption"]
    shading = lines[0]
    assert shading.count == 2 and shading.last_month == "2024-06"
    assert shading.repeats == "(2 times, to 2024-06)"
    assert "expected cost" not in shading.text and shading.tag == "choice"
    assert digest(events, 2, 5)[0].kind == "theft"


def test_a_decision_is_told_only_when_it_did_more_than_comply_as_planned():
    events = [
        decision(1, "OpenAI releases it as planned; complies", california="comply"),
        decision(2, "Qwen releases it as planned; withholds this model from EU", eu="withhold"),
        decision(3, "Meta releases it closed (API only) instead of open", design="closed",
                 california="comply"),
        decision(4, "xAI releases it as planned; defies California", california="defy"),
        {**decision(5, "Mistral moves its domicile to ROW"), "relocate": True},
    ]
    assert [e["step"] for e in told(events)] == [2, 3, 4, 5]
    from sim.presentation.narrative import story

    assert [line.step for line in story(events)] == [2, 3, 4, 5]  # the report's timeline too


def test_the_digest_keeps_only_story_releases():
    releases = [
        event("release", 1, "routine", covered=False, open_weights=True, defied=[]),
        event("release", 2, "first covered", covered=True, open_weights=False, defied=[]),
        event("release", 3, "second covered closed", covered=True, open_weights=False,
              defied=[]),
        event("release", 4, "Meta open covered", covered=True, open_weights=True, defied=[]),
        event("release", 5, "Meta open covered again", covered=True, open_weights=True,
              defied=[]),
        event("release", 6, "defiant", covered=True, open_weights=False, defied=["ca.ks"]),
        event("security_upgrade", 7, "not part of the story"),
        event("a_kind_the_model_adds_later", 8, "left out until the table lists it"),
    ]
    assert [e["text"] for e in told(releases)] == ["first covered", "Meta open covered",
                                                   "defiant"]


def test_event_frequencies_compare_the_draws_with_the_scenario_as_written():
    theft = event("theft", 3, "the PRC steals the weights of OpenAI model 3")
    shading = decision(3, "Meta shades it to 1e25.9 FLOP", design="shaded", california="comply")
    policy = [[theft, shading], [shading], [shading]]
    written = [[theft], [theft], []]
    rows = compare_frequencies(policy, written, 0, 10)
    by_text = {row.text: row for row in rows}
    shaded = "Meta shades it to about 3.8× GPT-4's training compute"  # no exponent
    assert (by_text[shaded].draws, by_text[shaded].baseline_draws) == (3, 0)
    stolen = "The PRC steals the weights of OpenAI's model"  # no internal model number
    assert (by_text[stolen].draws, by_text[stolen].baseline_draws) == (1, 2)
    assert rows[0].text.startswith("Meta shades"), "the biggest difference first"
    assert shape(theft) == shape(event("theft", 9, "the PRC steals the weights of OpenAI "
                                                    "model 12"))


def test_a_real_run_tells_the_kill_switch_and_the_labs_choices(short):
    draw = runs(short, {KILL_SWITCH: True}, draws=1).draws[0]
    lines = digest(draw.events)
    kinds = {line.kind for line in lines}
    assert {"policy_activated", "decision"} <= kinds
    assert "California's kill switch takes effect" in {line.text for line in lines}
    assert len(lines) < len(told(draw.events)), "repeats are folded"
    assert len({(line.kind, line.text) for line in lines}) == len(lines)


# Charts and headlines --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def pair(tmp_path_factory):
    """The kill switch and the baseline over six years (by then covered open weights are out)."""
    path = tmp_path_factory.mktemp("six") / "six.toml"
    path.write_text(f'extends = "{SCENARIOS / "baseline.toml"}"\n'
                    '[scenario]\nname = "six"\nquestion = "Six years?"\nmonths = 72\n'
                    '[world.ecosystem]\nadopters = 2000\n')
    workshop = load_workshop(str(path))
    return runs(workshop, {KILL_SWITCH: True}), runs(workshop)


def _font_sizes(node):
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "fontSize":
                yield value
            else:
                yield from _font_sizes(value)
    elif isinstance(node, list):
        for value in node:
            yield from _font_sizes(value)


def test_every_chart_is_plain_data_with_readable_fonts(pair):
    policy, baseline = pair
    actor = live_charts.actor_of(["prc"], {"prc": "the PRC"})
    for spec in CHARTS:
        option = live_charts.chart_option(spec, policy, baseline, actor)
        text = widgets.to_json(option)  # raises on NaN: every gap is null
        assert "function" not in text
        assert min(_font_sizes(option)) >= live_charts.FONT_PX, spec.key
        assert option["tooltip"]["renderMode"] == "richText"
        assert option["xAxis"]["type"] == "category"
        assert option["xAxis"]["data"][0] == "Jan 2024", "dates in words, sent once"
        assert option["series"], spec.key


def test_the_baseline_is_bold_grey_and_the_settings_coloured_with_a_band(pair):
    policy, baseline = pair
    actor = live_charts.actor_of(["prc"], {})
    option = live_charts.chart_option(live_charts.primary_charts()[0], policy, baseline, actor)
    grey = [s for s in option["series"] if s["id"].startswith("baseline")]
    ours = [s for s in option["series"] if s["id"].startswith(live_charts.POLICY_ID)]
    assert grey[0]["lineStyle"] == {"color": BASELINE_COLOR, "width": 4, "type": "solid"}
    assert any("areaStyle" in s for s in ours), "the replicate band"
    assert {s["lineStyle"]["color"] for s in ours if "color" in s["lineStyle"]} == {
        POLICY_COLORS[0], POLICY_COLORS[3]}  # the state by any means, and its own labs
    assert option["legend"]["data"] == ["any means", "own labs"]


def test_reveal_cuts_only_the_current_settings_to_the_months_shown(pair):
    policy, baseline = pair
    actor = live_charts.actor_of(["prc"], {})
    option = live_charts.chart_option(live_charts.primary_charts()[0], policy, baseline, actor)
    cut = live_charts.reveal(option, 7)
    for before, after in zip(option["series"], cut["series"], strict=True):
        expected = 7 if before["id"].startswith(live_charts.POLICY_ID) else len(before["data"])
        assert len(after["data"]) == expected


def test_hidden_results_draw_only_the_baseline(pair):
    policy, baseline = pair
    actor = live_charts.actor_of(["prc"], {})
    for spec in CHARTS:
        option = live_charts.chart_option(spec, policy, baseline, actor, hidden=True)
        assert not [s for s in option["series"] if s["id"].startswith(live_charts.POLICY_ID)]
    values = live_charts.headline_values(policy, baseline, 10, actor, hidden=True)
    values += live_charts.table_values(policy, baseline, 10, actor, hidden=True)
    assert {value.text for value in values} == {"?"}
    assert all(value.baseline_text != "?" for value in values)


def test_capability_is_shown_as_multiples_of_gpt4_never_as_powers_of_ten(pair):
    policy, baseline = pair
    actor = live_charts.actor_of(["prc"], {"prc": "the PRC"})
    option = live_charts.chart_option(live_charts.primary_charts()[3], policy, baseline, actor)
    point = option["series"][0]["data"][-1]
    assert point[2].endswith("GPT-4") and len(point) == 3, "words on hover, no FLOP exponent"
    assert point[1] == pytest.approx(10 ** (float(baseline.mean("state_capability__prc")[-1])
                                            - wording.GPT4_LOG10_FLOP), rel=1e-2)
    assert option["yAxis"]["type"] == "log"
    assert option["yAxis"]["axisLabel"]["formatter"] == "{value}×"
    assert wording.multiple(wording.GPT4_LOG10_FLOP) == "1.0×"
    assert wording.multiple(wording.GPT4_LOG10_FLOP + 9.5) == "3.2 billion×"


def test_headlines_compare_with_the_baseline_in_words(pair, short):
    policy, baseline = pair
    actor = live_charts.actor_of(["prc"], {"prc": "the PRC"})
    values = {v.key: v for v in live_charts.headline_values(policy, baseline, 71, actor)}
    assert list(values) == [entry.key for entry in strip()]
    derivatives = values["derivatives"]
    assert derivatives.value < derivatives.baseline
    assert derivatives.difference_text.startswith("−") and derivatives.tone == "neutral"
    assert "costs" not in values, "cash, fines and value forgone are never added up"
    assert values["competitor_lag"].label == "The PRC: months behind"
    assert values["competitor_lag"].statistic_words == "average to date"
    assert "the PRC can use" in values["competitor_lag"].explanation
    assert derivatives.band_text.startswith("80% of draws: ")
    caption = live_charts.chart_caption(CHARTS[0], policy, baseline, 35, actor)
    assert caption.startswith("Average to Dec 2026: any means ")
    assert "own labs" in caption


def test_the_side_table_tells_how_labs_answered_and_what_it_cost(pair):
    policy, baseline = pair
    actor = live_charts.actor_of(["prc"], {"prc": "the PRC"})
    rows = live_charts.table_values(policy, baseline, 35, actor)
    groups = widgets.table_data(rows)
    assert [group["title"] for group in groups] == [
        "How labs answer", "Cost to labs so far, never added up"]
    assert [row["label"] for row in groups[0]["rows"]] == [
        "Comply", "Withhold from a market", "Defy", "Leave a market for good", "Move abroad"]
    assert [row["label"] for row in groups[1]["rows"]] == [
        "Cash spent complying", "Fines paid", "Value forgone"]
    assert groups[0]["rows"][0]["text"].endswith("%")
    assert groups[1]["rows"][0]["text"].startswith("$")
    assert json.loads(widgets.to_json(groups)) == groups


def test_answer_shares_and_costs_chart_in_percent_and_dollars(pair):
    policy, baseline = pair
    actor = live_charts.actor_of(["prc"], {})
    charts = {spec.key: spec for spec in CHARTS}
    answers = live_charts.chart_option(charts["answers"], policy, baseline, actor)
    comply = next(s for s in answers["series"] if s["id"] == f"{live_charts.POLICY_ID} 0")
    values = [v for v in comply["data"] if v is not None]
    assert values and all(0 <= v <= 100 for v in values)
    assert answers["yAxis"]["axisLabel"]["formatter"] == "{value}%"
    costs = live_charts.chart_option(charts["costs"], policy, baseline, actor)
    assert costs["yAxis"]["axisLabel"]["formatter"] in ("${value}bn", "${value}M")
    caption = live_charts.chart_caption(charts["costs"], policy, baseline, 35, actor)
    assert "cash $" in caption and "fines $" in caption


def test_a_headline_or_chart_the_model_does_not_write_reads_not_available(pair):
    policy, baseline = pair
    missing = Headline("gone", "a retired output", "count",
                       at_month("no_such_column", "no_such_key"), "It was renamed.")
    (value,) = live_charts.headline_values(policy, baseline, 5, live_charts.actor_of([], {}),
                                           headlines=(missing,))
    assert value.text == wording.NOT_AVAILABLE
    spec = live_charts.primary_charts()[0]
    from dataclasses import replace

    from sim.dashboard.headlines import Series
    gone = replace(spec, series=(Series("no_such_column", "gone", "#000"),))
    assert live_charts.chart_option(gone, policy, baseline, live_charts.actor_of([], {}))
    assert "not in this model's outputs" in live_charts.chart_caption(
        gone, policy, baseline, 5, live_charts.actor_of([], {}))


# The game ---------------------------------------------------------------------------------------


def _game(workshop):
    teams = [games.Team("regulator:california", "  Team   Sacramento  "),
             games.Team("regulator:us_federal", "Team DC"), games.Team("nonsense", "x")]
    return games.new_game(workshop, teams, workshop.defaults(), DRAWS)


def test_a_game_has_teams_rounds_of_two_years_and_levers_per_team(short):
    game = _game(short)
    assert [team.name for team in game.teams] == ["Team Sacramento", "Team DC"]
    assert games.round_count(short.months) == 2
    assert games.round_dates(short, 1) == ("2026-01", "2026-12")
    with pytest.raises(ValueError, match="no team holds"):
        games.set_lever(short, game, "developers.meta.security_level", 4)
    game = games.set_lever(short, game, KILL_SWITCH, True)
    game = games.play_round(game)
    with pytest.raises(ValueError, match="has been played"):
        games.set_lever(short, game, THRESHOLD, 1e25)
    game = games.next_round(short, game)
    assert game.current == 1 and game.values[KILL_SWITCH] is True
    game = games.set_lever(short, game, THRESHOLD, 1e25)
    assert games.dated_changes(short, game) == [
        {"month": "2026-01", "set": {THRESHOLD: 1e25}}]
    decisions = games.decisions(short, game, 1)
    assert decisions[0].who == "Team Sacramento (California)"
    assert "0.48× GPT-4's training compute" in decisions[0].changes[0]
    assert (decisions[1].who, decisions[1].changes) == ("No change", ("Team DC",))
    game = games.play_round(game)
    assert games.is_over(short, game)
    with pytest.raises(ValueError, match="last round"):
        games.next_round(short, game)


def test_the_first_round_needs_no_dated_changes_and_later_rounds_do(short):
    game = games.play_round(games.set_lever(short, _game(short), KILL_SWITCH, True))
    scenario = games.game_scenario(short, game)  # round 1: the scenario's own settings
    assert next(p for r in scenario.regulators for p in r.policies
                if p.kind == "kill_switch").enabled
    assert scenario.changes == []
    later = games.set_lever(short, games.next_round(short, game), THRESHOLD, 1e25)
    (change,) = games.game_scenario(short, later).changes
    assert (change.month, change.set) == ("2026-01", {THRESHOLD: 1e25})


def test_round_summaries_say_what_was_decided_and_what_happened(short, pair):
    policy, baseline = pair
    game = games.play_round(games.set_lever(short, _game(short), KILL_SWITCH, True))
    summary = games.round_summary(short, game, 0, policy, baseline,
                                  live_charts.actor_of(["prc"], {"prc": "the PRC"}))
    assert (summary.number, summary.first_month, summary.last_month) == (1, "2024-01",
                                                                         "2025-12")
    assert summary.decisions[0].changes == ("California: kill switch on",)
    assert len(summary.outcomes) == len(strip())
    assert summary.outcomes[0].since_last_round == "first round"
    assert 0 < len(summary.frequencies) <= 6
    data = widgets.summary_data(summary)
    assert json.loads(widgets.to_json(data))["title"] == "Round 1: Jan 2024 to Dec 2025"


def test_a_later_rounds_summary_words_each_change_in_its_unit(short, pair):
    """Regression: the change since the last round read '+8,034 this round' for a cost in
    USD M; it reads as money, and months as months."""
    policy, baseline = pair
    game = games.play_round(games.set_lever(short, _game(short), KILL_SWITCH, True))
    summary = games.round_summary(short, games.play_round(games.next_round(short, game)), 1,
                                  policy, baseline, live_charts.actor_of(["prc"],
                                                                        {"prc": "the PRC"}))
    since = {o.label: o.since_last_round for o in summary.outcomes}
    assert re.fullmatch(r"[+−][0-9.,]+ months this round|unchanged this round",
                        since["The PRC: months behind"]), since
    assert re.fullmatch(r"[+−][0-9.,]+ this round|unchanged this round",
                        since["Copies beyond any kill switch"]), since


def test_a_saved_session_loads_back_the_same_game(short):
    game = games.play_round(games.set_lever(short, _game(short), KILL_SWITCH, True))
    game = games.set_lever(short, games.next_round(short, game), THRESHOLD, 1e25)
    text = games.save(short, game)
    saved = json.loads(text)
    assert saved["rounds"][1] == {"month": "2026-01",
                                  "set": {KILL_SWITCH: True, THRESHOLD: 1e25}}
    loaded = games.load(short, text)
    assert loaded.rounds == game.rounds and loaded.teams == game.teams
    assert (loaded.current, loaded.played) == (game.current, game.played)
    replayed = games.replay(loaded)
    assert (replayed.current, replayed.played) == (0, 0)
    stepped = games.next_round(short, games.play_round(replayed))
    assert stepped.values == game.rounds[1], "replay steps through the stored rounds"


@pytest.mark.parametrize(("change", "message"), [
    (lambda s: "not json", "not JSON"),
    (lambda s: json.dumps({**s, "format": "other"}), "not a saved session of this"),
    (lambda s: json.dumps({**s, "scenario_sha256": "0" * 64}), "differs from"),
    (lambda s: json.dumps({**s, "extra": 1}), "extra"),
    (lambda s: json.dumps({**s, "draws": 0}), "draws"),
    (lambda s: json.dumps({**s, "rounds": [{"month": "2024-01",
                                            "set": {"regulators.x.reach": "market"}}]}),
     "unknown levers"),
    (lambda s: json.dumps({**s, "rounds": [{"month": "2024-01", "set": {KILL_SWITCH: "on"}}]}),
     "expected true or false"),
    (lambda s: json.dumps({**s, "rounds": s["rounds"] * 3}), "do not fit"),
    (lambda s: " " * (games.MAX_SESSION_BYTES + 1), "larger than"),
])
def test_a_bad_session_file_is_refused_in_one_line(short, change, message):
    saved = json.loads(games.save(short, _game(short)))
    with pytest.raises(games.SessionError, match=message) as error:
        games.load(short, change(saved))
    assert "\n" not in str(error.value)


def test_a_three_round_game_exports_a_scenario_regsim_run_reproduces(tmp_path):
    """Round 1 enacts the kill switch, round 2 a federal open-weight licence, round 3
    tightens chip controls: the export holds rounds 2 and 3 as dated changes, and `regsim run`
    on it gives the dashboard's numbers."""
    from click.testing import CliRunner

    from sim.cli import main

    path = tmp_path / "long.toml"
    path.write_text(f'extends = "{SCENARIOS / "baseline.toml"}"\n'
                    '[scenario]\nname = "long"\nquestion = "Three rounds?"\nmonths = 72\n'
                    '[world.ecosystem]\nadopters = 2000\n')
    workshop = load_workshop(str(path))
    game = games.new_game(workshop, [games.Team(r.key, r.title) for r in workshop.roles],
                          workshop.defaults(), DRAWS)
    for lever_path, value in ((KILL_SWITCH, True), (LICENCE, True), (CHIPS, 0.8)):
        game = games.play_round(games.set_lever(workshop, game, lever_path, value))
        if not games.is_over(workshop, game):
            game = games.next_round(workshop, game)
    exported = tmp_path / "game.toml"
    exported.write_text(games.export_toml(workshop, game))
    changes = load_scenario(exported).changes
    assert [(c.month, c.set) for c in changes] == [("2026-01", {LICENCE: True}),
                                                  ("2028-01", {CHIPS: 0.8})]
    result = CliRunner().invoke(main, ["run", str(exported), "--out", str(tmp_path / "run"),
                                       "--no-plots", "--quiet"])
    assert result.exit_code == 0, result.output
    outcomes = pd.read_csv(tmp_path / "run" / "outcomes.csv").set_index("outcome")["mean"]
    dashboard = runs(workshop, scenario=games.game_scenario(workshop, game))
    _assert_headlines_match(dashboard, outcomes, 71)
    first_round_only = runs(workshop, {KILL_SWITCH: True})
    assert not np.array_equal(dashboard.matrix("open_lag_months"),
                              first_round_only.matrix("open_lag_months"), equal_nan=True), (
        "round 2's licence holds back open releases")


# Template data ----------------------------------------------------------------------------------


def test_the_lever_panel_data_is_plain_json_with_words_for_every_step(baseline):
    groups = widgets.lever_groups_data(baseline.panel("policy"),
                                       baseline.values({KILL_SWITCH: True}))
    data = json.loads(widgets.to_json(groups))
    kill_switch = next(g for g in data if g["title"] == "California: kill switch")
    assert kill_switch["switch"]["path"] == KILL_SWITCH and kill_switch["switch"]["value"]
    threshold = next(lever for lever in kill_switch["levers"] if lever["path"] == THRESHOLD)
    steps = round((threshold["max"] - threshold["min"]) / threshold["step"]) + 1
    assert len(threshold["words"]) == steps
    assert threshold["words"][0] == "0.0048× GPT-4's training compute"
    assert threshold["shown"] == "4.8× GPT-4's training compute"


def test_story_data_is_newest_first():
    lines = digest([event("theft", 1, "first"), event("incident", 4, "later")])
    rows = widgets.story_data(lines)
    assert [row["text"] for row in rows] == ["Later", "First"]
    assert rows[0]["when"] == "May 2024 · incident"


# The page, rendered without a browser -----------------------------------------------------------


def test_the_page_renders_its_panels_as_a_few_widgets():
    solara = pytest.importorskip("solara")
    import ipywidgets

    from sim.dashboard import app

    async def render():
        box, context = solara.render(app.Page(), handle_error=False)
        try:
            return _widgets(box, ipywidgets.Widget)
        finally:
            context.close()

    from sim.dashboard.compute import engine

    workshop = load_workshop(ws.default_scenario_path())
    pool = engine()
    try:
        pool.run_blocking(workshop.baseline(), workshop.seeds())  # the page finds it cached
        found = asyncio.run(render())
    finally:
        pool.shutdown()
    kinds = [type(widget).__name__ for widget in found]
    assert kinds.count("LeverPanel") == 2 and "Story" in kinds
    panels = "".join(w.groups_json for w in found if type(w).__name__ == "LeverPanel")
    assert KILL_SWITCH in panels and "world.theft.hazard_per_month_at_parity" in panels
    assert len(found) < 120, "panels are single widgets"


def _widgets(root, widget_type):
    found, pending = [], [root]
    while pending:
        widget = pending.pop()
        found.append(widget)
        pending += [child for child in (getattr(widget, "children", None) or [])
                    if isinstance(child, widget_type)]
    return found


# The command line -------------------------------------------------------------------------------


def test_app_command_serves_the_page_module_on_loopback_without_a_browser():
    from sim.cli.app_command import DEFAULT_HOST, server_command
    from sim.dashboard import serve

    command = server_command(DEFAULT_HOST, 9999)
    assert DEFAULT_HOST == "127.0.0.1"
    assert command == [sys.executable, "-P", "-m", "sim.dashboard.serve", "127.0.0.1",
                       "9999"]
    assert serve.PAGE_MODULE == "sim.dashboard.app"


def test_app_command_passes_the_scenario_and_hides_solaras_chrome():
    from sim.cli.app_command import server_environment

    env = server_environment("/x/baseline.toml")
    assert env[ws.SCENARIO_ENV_VAR] == "/x/baseline.toml"
    assert env["SOLARA_TELEMETRY_MIXPANEL_ENABLE"] == "False"
    assert env["SOLARA_THEME_SHOW_BANNER"] == "False"


def test_app_command_rejects_a_bad_scenario_with_status_2():
    from click.testing import CliRunner

    from sim.cli import main

    result = CliRunner().invoke(main, ["app", "no_such_scenario"])
    assert result.exit_code == 2
    assert "no such file or bundled scenario" in result.output


def test_the_cli_imports_neither_solara_nor_matplotlib():
    import subprocess

    code = ("import sys, sim.cli; from click.testing import CliRunner; "
            "CliRunner().invoke(sim.cli.main, ['--help']); "
            "CliRunner().invoke(sim.cli.main, ['app', '--help']); "
            "print(sorted(m for m in ('solara', 'matplotlib', 'mesa') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, cwd=Path(__file__).parent.parent).stdout
    assert out.strip() == "[]"


def test_scenarios_with_policies_and_small_worlds_load_as_workshops(tmp_path):
    raw = with_policy(small_world(), "california", {"kind": "open_weight_licence"})
    path = tmp_path / "small.toml"
    import tomli_w

    path.write_text(tomli_w.dumps(raw))
    workshop = load_workshop(str(path))
    assert workshop.lever(KILL_SWITCH).default is False
    assert workshop.roles
