"""A setting shown before is shown again without being rebuilt: the same draws give the same
run set (its statistics computed once), the same settings the same plan (no scenario rebuilt),
and a chart's payload is kept under its result's key (`sim.dashboard.payloads`) and equals the
one built afresh, to the last digit."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from sim.dashboard import live_charts, widgets
from sim.dashboard.compute import Engine
from sim.dashboard.headlines import CHARTS
from sim.dashboard.live_charts import actor_of
from sim.dashboard.payloads import PayloadCache, payloads
from sim.dashboard.workshop import load_workshop

SCENARIOS = Path(__file__).resolve().parent.parent / "scenarios"
KILL_SWITCH = "regulators.california.policies.kill_switch.enabled"
DRAWS = 2


@pytest.fixture(scope="module")
def short(tmp_path_factory):
    """The baseline over 24 months with 2,000 adopters."""
    path = tmp_path_factory.mktemp("short") / "short.toml"
    path.write_text(f'extends = "{SCENARIOS / "baseline.toml"}"\n'
                    '[scenario]\nname = "short"\nquestion = "A short world?"\nmonths = 24\n'
                    '[world.ecosystem]\nadopters = 2000\n')
    return load_workshop(str(path))


@pytest.fixture(scope="module")
def pool():
    engine = Engine(workers=1)
    yield engine
    engine.shutdown()


@pytest.fixture(scope="module")
def results(short, pool):
    """The reference and the kill switch on, both computed."""
    seeds = short.seeds(DRAWS)
    return (pool.run_blocking(short.baseline(DRAWS), seeds),
            pool.run_blocking(short.scenario_with({KILL_SWITCH: True}, DRAWS), seeds))


def test_the_same_cached_draws_give_the_same_run_set(short, pool, results):
    """Its means and bands are then computed once, however often the page shows them."""
    seeds = short.seeds(DRAWS)
    scenario = short.scenario_with({KILL_SWITCH: True}, DRAWS)
    first = pool.cached(scenario, seeds)
    assert first is results[1], "the run set the computation returned"
    assert pool.cached(scenario, seeds) is first
    assert pool.cached(short.baseline(DRAWS), seeds) is results[0]
    assert pool.cached(scenario, seeds[:1]) is not first, "other draws, another run set"


def test_the_same_settings_give_the_same_plan():
    """Moving a lever back rebuilds no scenario; any other value is another plan."""
    from sim.dashboard.app import plan

    workshop = load_workshop("baseline")
    on = plan(workshop, {KILL_SWITCH: True}, 10, None)
    assert plan(workshop, {KILL_SWITCH: True}, 10, None) is on
    off = plan(workshop, {KILL_SWITCH: False}, 10, None)
    assert off is not on and off.key != on.key
    assert plan(workshop, {KILL_SWITCH: True}, 5, None) is not on
    assert plan(workshop, {KILL_SWITCH: True}, 10, None, {}) is not on, "pinned: another"
    assert plan(workshop, {KILL_SWITCH: 1}, 10, None) is not on, "told apart by type"
    assert off.reference is on.reference, "a new setting's reference is not rebuilt"
    assert plan(workshop, {}, 10, None, {KILL_SWITCH: True}).reference is not on.reference


def _chart_json(spec, policy, baseline, actor, key: str, shown: int) -> str:
    """The option a ChartCard sends, rendered without a browser."""
    solara = pytest.importorskip("solara")
    from sim.dashboard.parts import ChartCard

    async def render():
        box, context = solara.render(ChartCard(spec, policy, baseline, shown, actor, False, key),
                                     handle_error=False)
        try:
            return _find(box, widgets.ChartCard).option_json
        finally:
            context.close()

    return asyncio.run(render())


def _find(root, widget_type):
    pending = [root]
    while pending:
        widget = pending.pop()
        if isinstance(widget, widget_type):
            return widget
        pending += list(getattr(widget, "children", None) or [])
    raise AssertionError(f"no {widget_type.__name__}")


def test_a_chart_shown_before_is_sent_again_without_being_rebuilt(short, results,
                                                                  monkeypatch):
    baseline, policy = results
    actor = actor_of([state.name for state in short.original.states], {})
    spec, months = CHARTS[0], len(baseline.months)
    built = []
    original = live_charts.chart_option

    def counted(*args, **kwargs):
        built.append(args[0].key)
        return original(*args, **kwargs)

    monkeypatch.setattr(live_charts, "chart_option", counted)
    payloads.clear()
    first = _chart_json(spec, policy, baseline, actor, "on", months)
    again = _chart_json(spec, policy, baseline, actor, "on", months)
    assert again == first and built == [spec.key], "built once, sent twice"
    fresh = widgets.to_json(live_charts.reveal(original(spec, policy, baseline, actor), months))
    assert first == fresh, "the kept payload is the one built afresh, every number the same"
    earlier = _chart_json(spec, policy, baseline, actor, "on", 3)
    assert built == [spec.key], "another month shown reuses the whole horizon's option"
    assert earlier == widgets.to_json(live_charts.reveal(original(spec, policy, baseline, actor),
                                                         3))
    other = _chart_json(spec, baseline, baseline, actor, "off", months)
    assert len(built) == 2, "another result's key: built for it"
    assert other == widgets.to_json(live_charts.reveal(original(spec, baseline, baseline, actor),
                                                       months))


def test_the_payload_cache_drops_the_least_recently_used():
    cache = PayloadCache(size=2)
    assert cache.get("a", lambda: 1) == 1 and cache.get("b", lambda: 2) == 2
    assert cache.get("a", lambda: 0) == 1, "kept"
    cache.get("c", lambda: 3)
    assert cache.get("b", lambda: 20) == 20, "dropped: the least recently used"
    assert cache.built == 4
