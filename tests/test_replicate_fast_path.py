"""The summaries-only fast path (issue 12 §5): `run_replicate(..., timeseries=False)` records only
what the summary reads, and gives exactly the full path's summary and events."""

from __future__ import annotations

import json

import pytest

from sim.experiments.runner import run_replicate
from sim.model.outputs import summary_columns
from sim.scenario.loader import find_scenario, load_scenario

CASES = [
    ("baseline", []),
    ("kill_switch", ["regulators.california.policies.kill_switch.threshold_usd=1000000.0"]),
    ("eu_code", []),
    ("open_weight_licence", []),
]
"""Scenarios whose runs cover releases, answer instruments and move states' channels."""


def scenario(name: str, overrides: list[str]):
    return load_scenario(find_scenario(name),
                         ["scenario.months=48", "world.ecosystem.adopters=500", *overrides])


@pytest.mark.parametrize("name,overrides", CASES)
@pytest.mark.parametrize("seed", [0, 3])
def test_summaries_only_gives_the_full_paths_summary_and_events(name, overrides, seed):
    built = scenario(name, overrides)
    full = run_replicate(built, seed, 2)
    quick = run_replicate(built, seed, 2, timeseries=False)
    assert quick.timeseries is None
    assert (quick.replicate, quick.seed) == (full.replicate, full.seed)
    # Byte-for-byte, NaNs and key order included.
    assert json.dumps(quick.summary) == json.dumps(full.summary)
    assert json.dumps(quick.events) == json.dumps(full.events)


def test_summaries_only_records_just_the_summarys_columns():
    from sim.experiments.runner import build_model, release_model

    built = scenario("baseline", [])
    model = build_model(built, 1, series=False)
    try:
        model.run()
        recorded = set(model.observer.frame().columns) - {"step", "month"}
    finally:
        release_model(model)
    assert recorded == set(summary_columns([s.name for s in built.states]))
    assert "regulator_pressure__eu" not in recorded
