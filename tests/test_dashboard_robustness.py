"""What the dashboard says about robustness (issue 16, items 3 and 7; issue 18, item 4):

- notes beside the levers that cannot change anything in the settings on screen
  (`sim.dashboard.lever_notes`), one per reason `sim.scenario.inert` gives, in plain words, on
  the lever the reason is about, and gone when another lever makes it live again;
- the per-formulation verdicts on the competitor's lag (`sim.dashboard.verdicts`): the same
  blocks, paired differences, signs and verdict as `regsim compare --formulations` on the
  exported settings, and sentences in plain words for every kind of verdict.
"""

from __future__ import annotations

import math
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner
from conftest import scenario_from, small_world, with_policy
from test_dashboard_present import jargon

from sim.dashboard import lever_notes, verdicts, widgets
from sim.dashboard.workshop import load_workshop
from sim.experiments.formulations import FLIPS, NONE, PARTIAL, ROBUST, UNDEFINED
from sim.scenario.loader import find_scenario, load_scenario

KILL_SWITCH = "regulators.california.policies.kill_switch"
LICENCE = "regulators.us_federal.policies.open_weight_licence"
EXPORT_CONTROLS = "regulators.us_federal.policies.weight_export_controls"


# Notes beside inert levers ---------------------------------------------------------------------


def _small(policies: list[dict], **world) -> object:
    raw = small_world()
    for policy in policies:
        raw = with_policy(raw, "california", policy)
    raw.update(world)
    return scenario_from(raw)


def _japan() -> object:
    raw = small_world()
    raw["regulators"].append({"name": "japan", "jurisdiction": "JP", "reach": "market",
                              "policies": [{"kind": "transparency"}]})
    return scenario_from(raw)


def _no_open_lab() -> object:
    raw = small_world()
    raw["developers"] = [d for d in raw["developers"] if d["release_strategy"] == "closed"]
    return scenario_from(with_policy(raw, "california", {"kind": "open_weight_licence"}))


def _no_state() -> object:
    raw = with_policy(small_world(), "california", {"kind": "api_kyc"})
    raw["states"] = []
    return scenario_from(raw)


CASES = {
    # name: (scenario, lever path that gets the note, words the note must hold)
    "cost test": (lambda: load_scenario(find_scenario("kill_switch")),
                  f"{KILL_SWITCH}.threshold_flop", ("$100M", "6.4× GPT-4's")),
    "after the horizon": (lambda: load_scenario(find_scenario("kill_switch"),
                                                ["scenario.months=12"]),
                          f"{KILL_SWITCH}.enabled", ("after the last month shown",)),
    "reaches nobody": (_japan, "regulators.japan.policies.transparency.enabled",
                       ("No lab is based in or selling to Japan",)),
    "nobody applies": (_no_open_lab, "regulators.california.policies.open_weight_licence."
                       "enabled", ("nobody ever applies",)),
    "fines deter": (lambda: _small([{"kind": "open_weight_licence", "penalty_musd": 1e5,
                                     "enforcement_probability": 0.3}]),
                    "regulators.california.policies.open_weight_licence.penalty_musd",
                    ("no lab defies", "$30bn")),
    "serving ban": (lambda: load_scenario(find_scenario("export_controls"),
                                          ['world.distillation.formulation="proxy_leakage"']),
                    f"{EXPORT_CONTROLS}.enabled", ("serves China", "proxies")),
    "chip controls": (lambda: _small([{"kind": "chip_export_controls",
                                       "target_jurisdictions": ["JP"]}]),
                      "regulators.california.policies.chip_export_controls.enabled",
                      ("No lab is based in Japan",)),
    "no state": (_no_state, "regulators.california.policies.api_kyc.enabled",
                 ("no competitor state",)),
    "no state there": (lambda: _small([{"kind": "api_kyc", "target_jurisdictions": ["JP"]}]),
                       "regulators.california.policies.api_kyc.enabled",
                       ("No competitor state is in Japan",)),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_each_reason_becomes_a_plain_note_beside_its_lever(case):
    build, path, words = CASES[case]
    notes = lever_notes.notes(build())
    assert path in notes, notes
    note = notes[path]
    for expected in words:
        assert expected in note, note
    assert lever_notes.GENERIC not in note
    assert jargon(note) == [], note
    for hidden in ("threshold_", "proxy_leakage", "--set", "FLOP", "USD ", "1e"):
        assert hidden not in note, (hidden, note)


def test_the_fines_note_goes_beside_every_lever_that_only_raises_the_fine():
    notes = lever_notes.notes(_small([{"kind": "open_weight_licence", "penalty_musd": 1e5,
                                       "enforcement_probability": 0.3}]))
    prefix = "regulators.california.policies.open_weight_licence"
    for field in lever_notes.FINE_LEVERS:
        assert "no lab defies" in notes[f"{prefix}.{field}"]
    assert f"{prefix}.licence_delay_months" not in notes


def test_notes_follow_the_settings_on_screen():
    """The kill switch's compute line is inert under SB 1047's $100M cost test, live again
    once the cost test is lowered; a switched-off instrument has no note."""
    workshop = load_workshop("baseline")
    values = workshop.defaults()
    assert lever_notes.notes(workshop.scenario_with(values, 3)) == {}
    values[f"{KILL_SWITCH}.enabled"] = True
    notes = lever_notes.notes(workshop.scenario_with(values, 3))
    assert list(notes) == [f"{KILL_SWITCH}.threshold_flop"]
    values[f"{KILL_SWITCH}.threshold_usd"] = 1e7
    assert lever_notes.notes(workshop.scenario_with(values, 3)) == {}


def test_the_lever_panel_carries_each_note_and_counts_them_on_a_closed_group():
    workshop = load_workshop("baseline")
    values = {**workshop.defaults(), f"{KILL_SWITCH}.enabled": True}
    notes = lever_notes.notes(workshop.scenario_with(values, 3))
    groups = widgets.lever_groups_data(workshop.panel("policy"), values, notes=notes)
    kill_switch = next(g for g in groups if g["switch"]
                       and g["switch"]["path"] == f"{KILL_SWITCH}.enabled")
    by_path = {lever["path"]: lever for lever in kill_switch["levers"]}
    assert "cost test" in by_path[f"{KILL_SWITCH}.threshold_flop"]["note"]
    assert by_path[f"{KILL_SWITCH}.penalty_musd"]["note"] == ""  # a live lever: no note
    assert kill_switch["inert"] == 1
    assert all(g["inert"] == 0 for g in groups if g is not kill_switch)


# Verdicts across the ways of catching up ----------------------------------------------------------


def test_every_way_of_catching_up_has_words():
    from sim.scenario.schema import formulation_options

    options = formulation_options()[verdicts.CATCH_UP]
    assert len(options) == 3 and set(options) <= set(verdicts.OPTION_WORDS)
    assert all(jargon(words) == [] for words in verdicts.OPTION_WORDS.values())


def _rows(signs: list[float], means: list[float]) -> pd.DataFrame:
    options = ["proxy_learning", "compute_bound", "open_weight_base"]
    return pd.DataFrame({"option": options, "sign": signs, "difference_mean": means,
                         "block": options})


@pytest.mark.parametrize("kind, signs, means, expected", [
    (ROBUST, [1.0, 1.0, 1.0], [0.41, 1.4, 0.9],
     "Widens the PRC's lag under all 3 ways of catching up (+0.41 to +1.4 months)"),
    (ROBUST, [-1.0, -1.0, -1.0], [-0.3, -0.3, -0.3],
     "Narrows the PRC's lag under all 3 ways of catching up (-0.30 months)"),
    (PARTIAL, [0.0, 0.0, 1.0], [0.1, 0.02, 0.9],
     "Depends on how the PRC catches up: +0.90 months if it builds on open models; no clear "
     "effect otherwise"),
    (PARTIAL, [1.0, 1.0, 0.0], [1.3, 0.78, 0.68],
     "Depends on how the PRC catches up: +1.3 months if it learns from any better model it "
     "can reach; +0.78 months if it must train with its own chips; no clear effect if it "
     "builds on open models"),
    (FLIPS, [1.0, -1.0, 0.0], [0.5, -0.2, 0.0],
     "Goes opposite ways depending on how the PRC catches up: widens the PRC's lag if it "
     "learns from any better model it can reach (+0.50 months); narrows it if it must train "
     "with its own chips (-0.20 months); no clear effect if it builds on open models"),
    (NONE, [0.0, 0.0, 0.0], [0.1, -0.1, 0.0],
     "No clear effect on the PRC's lag under any of the 3 ways of catching up"),
    (UNDEFINED, [math.nan] * 3, [math.nan] * 3,
     "Too few draws to tell whether the settings move the PRC's lag"),
])
def test_verdicts_read_in_plain_words(kind, signs, means, expected):
    sentence = verdicts.sentence(kind, _rows(signs, means), "the PRC")
    assert sentence == expected
    assert jargon(sentence) == []


class _InProcess:
    """A stand-in for the dashboard's engine: every replicate computed here, once, by the
    function its workers run (`sim.dashboard.compute.simulate`)."""

    def __init__(self) -> None:
        self.draws: dict[tuple[str, int], object] = {}

    def cached(self, scenario, seeds):
        from sim.dashboard.compute import scenario_key, simulate
        from sim.dashboard.runs import RunSet

        key = scenario_key(scenario)
        for seed in seeds:
            if (key, seed) not in self.draws:
                self.draws[(key, seed)] = simulate(scenario, seed)
        return RunSet(key, tuple(self.draws[(key, seed)] for seed in seeds))


@pytest.fixture(scope="module")
def export_controls_on():
    from sim.dashboard.app import plan

    workshop = load_workshop("baseline")
    values = {**workshop.defaults(), f"{EXPORT_CONTROLS}.enabled": True}
    return workshop, values, plan(workshop, values, 3, None)


def test_no_verdict_is_asked_for_until_a_lever_moves(export_controls_on):
    from sim.dashboard.app import plan

    workshop, _, request = export_controls_on
    untouched = plan(workshop, workshop.defaults(), 3, None)
    assert verdicts.plan_for(untouched) is None and verdicts.background_jobs(untouched) == []
    found = verdicts.plan_for(request)
    assert [block.name for block in found.blocks] == [
        "reference", "world.follower.catch_up=compute_bound",
        "world.follower.catch_up=open_weight_base"]
    assert found.pairs[0] == (request.baseline, request.policy)  # the main answer's own runs
    jobs = verdicts.background_jobs(request)
    built = [job() for job in jobs]
    assert built[:2] == [request.policy, request.baseline]
    assert [s.world.follower.catch_up for s in built[2:]] == ["compute_bound"] * 2 + [
        "open_weight_base"] * 2
    assert built[2].regulators == request.policy.regulators  # the settings, then the reference
    assert built[3].regulators == request.baseline.regulators
    assert found.total == 2 * 2 * 3


def test_the_dashboards_verdict_is_regsim_compares(export_controls_on, tmp_path: Path):
    """The same blocks, paired differences, intervals, signs and verdict as `regsim compare
    --formulations world.follower.catch_up` on the exported settings and reference (3 draws)."""

    workshop, values, request = export_controls_on
    found = verdicts.plan_for(request)
    pool = _InProcess()
    runs = verdicts.collected(found, pool)
    assert runs is not None and verdicts.done_count(found, pool) == found.total
    mine = verdicts.effects(found, runs)
    (verdict,) = verdicts.verdicts(found, mine)

    result = _compare_exported(tmp_path, request, workshop, values)
    assert result.exit_code == 0, result.output
    _assert_compare_gives(mine, tmp_path / "out", verdict)


# The verdict over the uncertain parameters too -------------------------------------------------

def _short_world(folder: Path, uncertainty: dict | None = None) -> object:
    """The baseline over 36 months with 2,000 adopters (quick); with `uncertainty`, that
    instead of the baseline's `[uncertainty]` table."""
    from sim.scenario.schema import Scenario

    path = folder / "short.toml"
    raw = load_scenario(find_scenario("baseline"), ["scenario.months=36",
                                                    "world.ecosystem.adopters=2000"]
                        ).to_toml_dict()
    raw["scenario"].update(name="short", question="A short world?")
    if uncertainty is not None:
        raw["uncertainty"] = uncertainty
    path.write_text(Scenario.model_validate(raw).to_toml())
    return load_workshop(str(path))


@pytest.fixture(scope="module")
def short_export_controls_on(tmp_path_factory):
    from sim.dashboard.app import plan

    workshop = _short_world(tmp_path_factory.mktemp("short"))
    values = {**workshop.defaults(), f"{EXPORT_CONTROLS}.enabled": True}
    return workshop, values, plan(workshop, values, 3, None)


def test_the_uncertain_parameters_are_drawn_only_when_asked_for(short_export_controls_on):
    """Without the page's request the background computes the chance-only verdicts alone;
    asked for, it then computes each block's reference and settings with replicate r's draws
    for replicate r's seed only: every block, both sides, 2 x 3 x 3 runs."""
    _, _, request = short_export_controls_on
    plain = verdicts.background_jobs(request)
    asked = verdicts.background_jobs(request, uncertain=True)
    assert len(asked) == len(plain) + 2 * 3 * 3
    assert asked[: len(plain)] and len(plain) == 2 + 2 * 2
    found = verdicts.drawn_plan(request)
    assert verdicts.drawn_plan(request) is found, "the page and the background share one plan"
    assert found.total == 2 * 3 * 3 and len(found.drawn) == 3
    assert found.drawn[0] != found.drawn[1], "each replicate its own draws"
    jobs = [job() for job in asked[len(plain):]]
    assert {seeds for _, seeds in jobs} == {(seed,) for seed in request.seeds}
    scenario, (seed,) = jobs[0]  # the settings with replicate 0's draws, reference block
    key, value = next(iter(found.drawn[0].items()))
    node = scenario.to_toml_dict()
    for part in key.split("."):
        node = node[part] if isinstance(node, dict) else next(
            item for item in node if item.get("name") == part)
    assert node == pytest.approx(value) and seed == request.seeds[0]
    assert scenario.regulators == found.pairs[0][1][0].get().regulators
    assert verdicts.CATCH_UP not in found.drawn[0], "fixed per block"


def test_an_engine_job_may_ask_for_its_own_seeds(short_export_controls_on):
    """A background job that returns (scenario, seeds) is computed for those seeds only (one
    replicate's parameter draws are meant for that replicate's seed)."""
    from sim.dashboard.compute import Engine

    workshop, values, request = short_export_controls_on
    one = workshop.scenario_with({**values, f"{EXPORT_CONTROLS}.enabled": False}, 3)
    engine = Engine(workers=1)
    try:
        engine.background([lambda: (one, (request.seeds[1],))], request.seeds)
        deadline = time.monotonic() + 300
        while engine.cached(one, request.seeds[1:2]) is None and time.monotonic() < deadline:
            time.sleep(0.2)
        assert engine.cached(one, request.seeds[1:2]) is not None
        assert engine.background_submitted == 1
        assert engine.cached(one, request.seeds[:1]) is None
    finally:
        engine.shutdown(terminate_running=True)


def test_a_scenario_without_uncertain_parameters_beyond_the_formulations_has_nothing_to_draw(
        tmp_path):
    from sim.dashboard.app import plan

    workshop = _short_world(tmp_path, {verdicts.CATCH_UP: {"values": ["proxy_learning",
                                                                      "compute_bound"]}})
    values = {**workshop.defaults(), f"{EXPORT_CONTROLS}.enabled": True}
    request = plan(workshop, values, 3, None)
    assert verdicts.uncertain_parameters(request.baseline) == []
    assert verdicts.plan_for(request, uncertain=True) is None
    assert verdicts.plan_for(request) is not None



def test_the_check_says_when_the_settings_move_an_assumption_it_draws(
        short_export_controls_on):
    """An assumption lever the `[uncertainty]` table also draws is drawn alike for the settings
    and the reference in the check (as by `regsim compare --uncertainty`): the page says so."""
    from sim.dashboard.app import plan

    workshop, values, request = short_export_controls_on
    assert verdicts.drawn_over_settings(request) == 0
    growth = "world.algo_efficiency_growth_oom_per_year"
    assert growth in {p.key for p in verdicts.uncertain_parameters(request.baseline)}
    moved = plan(workshop, {**values, growth: 0.6}, 3, None)
    assert verdicts.drawn_over_settings(moved) == 1
    words = verdicts._moved_words(1)
    assert "does not show" in words and jargon(words) == []
    assert verdicts._moved_words(0) == ""


def test_the_request_is_forgotten_once_other_settings_are_on_screen():
    """Asked for on one setting, the check is dropped when a lever moves (the background's
    jobs then leave it out: `present.use_neighbours` asks `use_asked`), and coming back to the
    setting does not restart it unasked."""
    from types import SimpleNamespace

    import solara

    shown = solara.reactive(SimpleNamespace(key="a"))
    seen: list[bool] = []

    @solara.component
    def Probe():  # noqa: N802 (a Solara component)
        seen.append(verdicts.use_asked(shown.value))
        return solara.Text("probe")

    _, context = solara.render(Probe(), handle_error=False)
    try:
        assert seen[-1] is False
        verdicts.uncertain_asked.set("a")
        assert seen[-1] is True
        shown.set(SimpleNamespace(key="b"))
        assert verdicts.uncertain_asked.value == "" and seen[-1] is False
        shown.set(SimpleNamespace(key="a"))
        assert seen[-1] is False, "coming back needs a new request"
    finally:
        context.close()
        verdicts.uncertain_asked.set("")

@pytest.mark.slow
def test_the_dashboards_verdict_over_the_uncertain_parameters_is_regsim_compares(
        short_export_controls_on, tmp_path: Path):
    """The same draws, blocks, paired differences, intervals, signs and verdict as `regsim
    compare --formulations world.follower.catch_up --uncertainty` on the exported settings
    and reference (3 draws, 36 months, 2,000 adopters)."""

    workshop, values, request = short_export_controls_on
    found = verdicts.plan_for(request, uncertain=True)
    pool = _InProcess()
    runs = verdicts.collected(found, pool)
    assert runs is not None and verdicts.done_count(found, pool) == found.total
    mine = verdicts.effects(found, runs)
    (verdict,) = verdicts.verdicts(found, mine)
    chance_only = verdicts.effects(verdicts.plan_for(request),
                                   verdicts.collected(verdicts.plan_for(request), pool))

    result = _compare_exported(tmp_path, request, workshop, values, "--uncertainty")
    assert result.exit_code == 0, result.output
    drawn = pd.read_csv(tmp_path / "out" / "runs.csv")
    drawn = drawn[drawn["scenario"] == drawn["scenario"].iloc[0]].sort_values("replicate")
    for replicate, values_drawn in enumerate(found.drawn):
        for key, value in values_drawn.items():
            assert drawn[f"drawn__{key}"].iloc[replicate] == pytest.approx(value), key
    _assert_compare_gives(mine, tmp_path / "out", verdict)
    mine, chance_only = mine.set_index("block"), chance_only.set_index("block")
    assert not np.allclose(mine["ci95_low"], chance_only["ci95_low"]), (
        "the parameter draws change the intervals")


def _assert_compare_gives(mine: pd.DataFrame, folder: Path, verdict) -> None:
    """The dashboard's blocks (`mine`: one row per block) are those of `regsim compare`'s
    formulations.csv in `folder` on the PRC's mean lag: the same difference, interval and
    sign, and the same verdict, worded without jargon."""
    theirs = pd.read_csv(folder / "formulations.csv")
    theirs = theirs[theirs["outcome"] == "state_mean_lag_months__prc"].set_index("block")
    mine = mine.set_index("block")
    assert list(mine.index) == list(theirs.index)
    for block in mine.index:
        for column in ("difference_mean", "ci95_low", "ci95_high"):
            assert mine.loc[block, column] == pytest.approx(theirs.loc[block, column],
                                                            abs=1e-5), (block, column)
        assert mine.loc[block, "sign"] == theirs.loc[block, "sign"], block
    assert set(theirs["robustness"]) == {verdict.kind}
    assert jargon(verdict.text) == []


def _compare_exported(tmp_path: Path, request, workshop, values, *options: str):
    """`regsim compare` of the dashboard's reference and exported settings (3 draws) over the
    ways of catching up, into tmp_path/out."""
    from sim.cli import main
    from sim.dashboard import verdicts

    reference = tmp_path / "reference.toml"
    reference.write_text(request.baseline.to_toml())
    settings = tmp_path / "settings.toml"
    settings.write_text(workshop.export_toml(values, 3))
    return CliRunner().invoke(main, [
        "compare", str(reference), str(settings), "--formulations", verdicts.CATCH_UP,
        *options, "-n", "3", "-j", "1", "-q", "--no-plots", "--no-series", "--out",
        str(tmp_path / "out")])
