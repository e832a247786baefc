"""The dashboard's logic without a browser: levers, lever -> scenario, the live model, the cached
baseline, the narrative, the charts and the `regsim app` command line."""

from __future__ import annotations

import math
import sys
import tomllib

import pytest
from conftest import SCENARIOS, scenario_from, small_world, with_policy

from sim.presentation import workshop as ws
from sim.presentation.live_charts import CHARTS, caption, format_capability, latest
from sim.presentation.narrative import is_meaningful, plain_text, story
from sim.presentation.workshop import (
    WORKSHOP_KILL_SWITCH,
    LeverSettings,
    WorkshopModel,
    levers_of,
    load_workshop,
    with_kill_switch,
)

KILL_SWITCH_ON = {"california__kill_switch__enabled": True}


@pytest.fixture
def baseline():
    return load_workshop("baseline")


def run(model: WorkshopModel, months: int) -> WorkshopModel:
    for _ in range(months):
        model.step()
    return model


# Levers -----------------------------------------------------------------------------------------


def test_baseline_gets_a_california_kill_switch_that_is_off(baseline):
    assert not any(p.kind == "kill_switch" for r in baseline.original.regulators
                   for p in r.policies)
    lever = baseline.lever("california__kill_switch__enabled")
    assert lever.default is False
    assert baseline.levers[0] is lever, "the kill switch tops the lever list"
    keys = {lever.key for lever in baseline.levers}
    assert {"california__kill_switch__threshold_flop",
            "california__kill_switch__exempt_open_weights",
            "california__kill_switch__enforcement_probability",
            "us_federal__chip_export_controls__strength",
            "california__reach"} <= keys


def test_the_added_kill_switch_is_the_bundled_kill_switch_scenarios_mandate():
    with (SCENARIOS / "kill_switch.toml").open("rb") as stream:
        bundled = tomllib.load(stream)["regulators"][0]["policies"][0]
    assert {**bundled, "enabled": False} == WORKSHOP_KILL_SWITCH


def test_switching_the_kill_switch_on_in_the_baseline_gives_the_kill_switch_scenario(baseline):
    switched = baseline.scenario_with(KILL_SWITCH_ON)
    reference = load_workshop("kill_switch").original
    assert _policies(switched) == _policies(reference)


def test_a_scenario_that_has_a_kill_switch_gets_no_second_one():
    workshop = load_workshop("kill_switch_open_exempt")
    kill_switches = [p for r in workshop.scenario.regulators for p in r.policies
                     if p.kind == "kill_switch"]
    assert len(kill_switches) == 1
    assert workshop.lever("california__kill_switch__exempt_open_weights").default is True
    assert workshop.lever("california__kill_switch__enabled").default is True


def test_a_scenario_without_california_gets_its_regulator():
    raw = small_world(regulators=[])
    scenario = with_kill_switch(scenario_from(raw))
    (california,) = scenario.regulators
    assert (california.name, california.jurisdiction, california.reach) == (
        "california", "US-CA", "market")
    assert california.policies[0].enabled is False


def test_levers_cover_on_off_threshold_reach_enforcement_strength_and_exemption():
    raw = with_policy(small_world(), "california",
                      {"kind": "open_weight_licence", "threshold_flop": 1e25})
    raw = with_policy(raw, "california", {"kind": "chip_export_controls", "strength": 0.4})
    levers = {lever.key: lever for lever in levers_of(scenario_from(raw))}
    threshold = levers["california__open_weight_licence__threshold_flop"]
    assert (threshold.kind, threshold.default, threshold.log10) == ("slider", 25.0, True)
    assert levers["california__chip_export_controls__strength"].default == 0.4
    assert "california__open_weight_licence__enforcement_probability" in levers
    # Chip controls shape compute growth, not releases: no enforcement lever for them.
    assert "california__chip_export_controls__enforcement_probability" not in levers
    assert levers["california__reach"].choices == ("domicile", "market")


@pytest.mark.parametrize(("key", "value", "expected"), [
    ("california__kill_switch__enabled", True,
     "regulators.california.policies.kill_switch.enabled=true"),
    ("california__kill_switch__threshold_flop", 25.0,
     "regulators.california.policies.kill_switch.threshold_flop=1e+25"),
    ("us_federal__chip_export_controls__strength", 0.6,
     "regulators.us_federal.policies.chip_export_controls.strength=0.6"),
    ("california__reach", "domicile", 'regulators.california.reach="domicile"'),
])
def test_each_moved_lever_becomes_a_set_override(baseline, key, value, expected):
    assert baseline.overrides({key: value}) == [expected]


def test_lever_values_reach_the_validated_scenario(baseline):
    scenario = baseline.scenario_with({
        **KILL_SWITCH_ON,
        "california__kill_switch__threshold_flop": 25.0,
        "california__kill_switch__exempt_open_weights": True,
        "california__kill_switch__enforcement_probability": 0.9,
        "california__reach": "domicile",
        "us_federal__chip_export_controls__strength": 0.6,
        "eu__pre_deployment_evaluation__enabled": False,
    })
    regulators = {r.name: r for r in scenario.regulators}
    kill_switch = regulators["california"].policies[0]
    assert kill_switch.enabled and kill_switch.exempt_open_weights
    assert math.isclose(kill_switch.threshold_flop, 1e25)
    assert kill_switch.enforcement_probability == 0.9
    assert regulators["california"].reach == "domicile"
    assert regulators["us_federal"].policies[0].strength == 0.6
    assert regulators["eu"].policies[0].enabled is False


def test_unmoved_levers_leave_the_scenario_untouched(baseline):
    assert baseline.scenario_with(baseline.defaults()) is baseline.scenario
    assert baseline.changes({}) == []


def test_changes_are_told_in_plain_words(baseline):
    changes = baseline.changes({**KILL_SWITCH_ON, "california__kill_switch__threshold_flop": 25.0})
    assert changes == ["California's kill switch: on",
                       "California's kill switch: threshold 1e25.0 FLOP"]


def test_unknown_or_invalid_lever_values_are_refused(baseline):
    with pytest.raises(ValueError, match="unknown levers"):
        baseline.values({"nonsense": 1})
    with pytest.raises(ValueError, match="not one of"):
        baseline.scenario_with({"california__reach": "everywhere"})


def test_lever_groups_keep_a_policys_levers_together(baseline):
    groups = dict(baseline.groups())
    assert [lever.name for lever in groups["California's kill switch"]] == [
        "on", "threshold", "open weights exempt", "enforcement probability"]


# The live model and its baseline ---------------------------------------------------------------


def test_the_live_run_with_unmoved_levers_matches_the_cached_baseline(baseline):
    model = run(WorkshopModel(baseline.path), 36)
    live = model.live_frame()
    reference = model.baseline_frame().iloc[: len(live)]
    assert live.drop(columns=["month"]).equals(reference.drop(columns=["month"]))


def test_the_baseline_is_run_once_per_scenario_and_seed(baseline, monkeypatch):
    ws.baseline_frame.cache_clear()
    calls = []
    import sim.experiments.runner as runner

    original = runner.run_replicate

    def counting(scenario, seed, replicate=0):
        calls.append(seed)
        return original(scenario, seed, replicate)

    monkeypatch.setattr(runner, "run_replicate", counting)
    first = WorkshopModel(baseline.path, LeverSettings(dict(KILL_SWITCH_ON)))
    second = WorkshopModel(baseline.path)
    assert first.baseline_frame() is second.baseline_frame()
    lucky = WorkshopModel(baseline.path, LeverSettings(draw=3))
    lucky.baseline_frame()
    assert calls == [baseline.seed(0), baseline.seed(3)]


def test_the_kill_switch_lever_changes_the_open_frontier(baseline):
    months = 24
    off = run(WorkshopModel(baseline.path), months).live_frame()
    on = run(WorkshopModel(baseline.path, LeverSettings(dict(KILL_SWITCH_ON))),
             months).live_frame()
    assert not off["open_frontier_capability"].equals(on["open_frontier_capability"])
    assert on["kill_switch_coverage"].iloc[-1] > 0.0


def test_the_model_stops_at_the_horizon():
    model = WorkshopModel("chatbit_2023")
    run(model, model.months + 5)
    assert model.step_index == model.months - 1
    assert model.running is False
    assert len(model.live_frame()) == model.months


def test_the_model_accepts_exactly_what_solaraviz_passes_on_reset(baseline):
    settings = LeverSettings(dict(KILL_SWITCH_ON), draw=2)
    model = WorkshopModel(**{"scenario_path": baseline.path, "settings": settings})
    assert model.seed == baseline.seed(2)
    assert model.changes() == ["California's kill switch: on", "draw of chance 2"]
    assert model.live_frame() is None


def test_the_scenario_comes_from_the_environment_variable(monkeypatch):
    monkeypatch.setenv(ws.SCENARIO_ENV_VAR, str(SCENARIOS / "crackdown.toml"))
    assert WorkshopModel().workshop.name == "crackdown"


def test_the_picker_lists_every_bundled_scenario_with_its_question(tmp_path):
    choices = ws.picker_choices()
    names = {choice.name for choice in choices}
    assert {"baseline", "kill_switch", "kill_switch_open_exempt", "open_weight_licence",
            "export_controls", "crackdown", "chatbit_2023"} <= names
    assert all(choice.question for choice in choices)
    own = tmp_path / "mine.toml"
    own.write_text('extends = "' + str(SCENARIOS / "baseline.toml") + '"\n'
                   '[scenario]\nname = "mine"\nquestion = "My own question?"\n')
    assert ws.picker_choices(str(own))[0].question == "My own question?"


# The narrative ---------------------------------------------------------------------------------


def event(kind, step=0, text="x", **details):
    return {"kind": kind, "step": step, "month": f"2024-{step + 1:02d}", "text": text,
            "actors": [], **details}


def test_routine_releases_are_left_out_and_meaningful_events_kept():
    assert not is_meaningful(event("release", open_weights=True, covered=False, defied=[]))
    assert is_meaningful(event("release", open_weights=True, covered=True, defied=[]))
    assert is_meaningful(event("release", open_weights=False, covered=False, defied=["ca.ks"]))
    for kind in ("compliance", "absorption", "theft", "incident", "policy_activated",
                 "policy_repealed", "distillation", "relocation", "enforcement"):
        assert is_meaningful(event(kind))


def test_story_is_plain_newest_first_and_limited():
    events = [event("policy_activated", 0, "the US's chip export controls takes effect"),
              event("release", 1, "routine", open_weights=False, covered=False, defied=[]),
              event("compliance", 2, "Meta shades the open release to 1e25.95 FLOP to comply "
                    "with California's kill switch (expected utilities: comply -12M, defy -160M)"),
              event("theft", 3, "the PRC steals the weights of OpenAI model 3")]
    lines = story(events, newest_first=True, limit=2)
    assert [line.kind for line in lines] == ["theft", "compliance"]
    assert lines[1].text == ("Meta shades the open release to 1e25.95 FLOP to comply with "
                             "California's kill switch")
    assert lines[0].text.startswith("The PRC steals")
    assert [line.step for line in story(events)] == [0, 2, 3]
    assert len(story(events, include_routine=True)) == 4


def test_plain_text_keeps_sentences_without_utilities():
    assert plain_text({"text": "a Chinese closed lab is penalised USD 200M"}) == (
        "A Chinese closed lab is penalised USD 200M")


def test_a_real_run_tells_compliance_and_policy_events(baseline):
    model = run(WorkshopModel(baseline.path, LeverSettings(dict(KILL_SWITCH_ON))), 24)
    kinds = {line.kind for line in story(model.events.events)}
    assert {"policy_activated", "compliance"} <= kinds
    assert "release" not in {line.kind for line in story(model.events.events)
                             if "defiance" not in line.text and "open weights" not in line.text}


# Charts and captions -----------------------------------------------------------------------------


def test_every_chart_draws_before_and_during_a_run(baseline):
    model = WorkshopModel(baseline.path, LeverSettings(dict(KILL_SWITCH_ON)))
    labels = {s.name: s.label for s in model.state_list}
    for live in (None, run(model, 14).live_frame()):
        for chart in CHARTS:
            figure = chart.draw(live, model.baseline_frame(), labels)
            assert figure.axes, chart.key
            text = caption(chart.key, live, model.baseline_frame(), labels)
            assert text.startswith("2025-02:") if live is not None else "Press Step" in text


def test_captions_put_the_live_value_beside_the_baseline(baseline):
    model = run(WorkshopModel(baseline.path), 12)
    live, base = model.live_frame(), model.baseline_frame()
    value = format_capability(latest(live, "open_frontier_capability"))
    labels = {s.name: s.label for s in model.state_list}
    assert f"open-weight frontier {value} (baseline {value})" in caption(
        "capability", live, base, labels)
    assert format_capability(math.nan) == "none"


# The command line -------------------------------------------------------------------------------


def test_app_command_serves_the_page_module_on_loopback_without_a_browser():
    from sim.cli.app_command import DEFAULT_HOST, solara_command

    command = solara_command(DEFAULT_HOST, 9999)
    assert DEFAULT_HOST == "127.0.0.1"
    assert command[:5] == [sys.executable, "-m", "solara", "run", "sim.presentation.app"]
    assert {"--production", "--no-open", "--no-check-version"} <= set(command)
    assert command[command.index("--host") + 1] == "127.0.0.1"
    assert command[command.index("--port") + 1] == "9999"


def test_app_command_passes_the_scenario_and_turns_telemetry_off():
    from sim.cli.app_command import server_environment

    env = server_environment("/x/baseline.toml")
    assert env[ws.SCENARIO_ENV_VAR] == "/x/baseline.toml"
    assert env["SOLARA_TELEMETRY_MIXPANEL_ENABLE"] == "False"


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
            "CliRunner().invoke(sim.cli.main, ['report', '--help']); "
            "print(sorted(m for m in ('solara', 'matplotlib', 'mesa') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout
    assert out.strip() == "[]"


# The page, rendered without a browser -----------------------------------------------------------


def test_the_page_renders_with_levers_charts_and_narrative():
    solara = pytest.importorskip("solara")
    pytest.importorskip("mesa.visualization")
    from sim.presentation import app

    @solara.component
    def Root():  # noqa: N802 (a Solara component); the layout `solara run` wraps a page in, which shows the sidebar
        with solara.AppLayout():
            app.Page()

    box, context = solara.render(Root(), handle_error=False)
    try:
        texts, classes = _widget_texts_and_classes(box)
    finally:
        context.close()
    for text in ("Scenario", "Policy levers", "Reset", "Step", "What happened, newest first",
                 *(chart.title for chart in CHARTS)):
        assert text in texts
    assert "regsim-lever-california__kill_switch__enabled" in classes
    assert {f"regsim-chart-{chart.key}" for chart in CHARTS} <= classes


def _widget_texts_and_classes(root) -> tuple[set[str], set[str]]:
    """Every string child and CSS class in a widget tree (grid items included)."""
    import ipywidgets

    texts: set[str] = set()
    classes: set[str] = set()
    pending = [root]
    while pending:
        widget = pending.pop()
        classes.update((getattr(widget, "class_", None) or "").split())
        for child in [*(getattr(widget, "children", None) or []),
                      *(getattr(widget, "items", None) or [])]:
            if isinstance(child, str):
                texts.add(child)
            elif isinstance(child, ipywidgets.Widget):
                pending.append(child)
    return texts, classes


def _policies(scenario):
    return {(r.name, p.kind): p.model_dump() for r in scenario.regulators for p in r.policies}
