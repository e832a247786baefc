"""Across the bundled scenarios labs use every option real labs use (issue 9, acceptance):
withholding a model from a market, moving abroad, and defying each happen in a majority of the
replicates of at least one scenario, each with its reason in the event log, and none happens
where no instrument covers a release."""

from __future__ import annotations

import copy

import pytest

from sim.experiments.runner import run_scenario
from sim.scenario.loader import find_scenario, load_scenario, resolve_raw
from sim.scenario.schema import Scenario

REPLICATES = 20
FAST = ["world.ecosystem.adopters=500"]


def options_used(result) -> list[set[str]]:
    """Per replicate, the options chosen, with their reasons checked on the way."""
    used = []
    for replicate in result.replicates:
        chosen: set[str] = set()
        for event in replicate.events:
            if event["kind"] != "decision":
                continue
            assert "expected cost by option" in event["text"]
            chosen |= set(event["actions"].values())
            if event["relocate"]:
                chosen.add("relocate")
                assert "moves its domicile" in event["text"]
        used.append(chosen)
    return used


@pytest.fixture(scope="module")
def occurrence() -> dict[str, dict[str, int]]:
    counts = {}
    for name in ("baseline", "open_weight_licence"):
        result = run_scenario(load_scenario(find_scenario(name), FAST), replicates=REPLICATES)
        used = options_used(result)
        counts[name] = {option: sum(option in u for u in used)
                        for option in ("withhold", "relocate", "defy")}
    return counts


@pytest.mark.parametrize("option", ["withhold", "relocate", "defy"])
def test_each_option_occurs_in_a_majority_of_replicates_of_some_scenario(occurrence, option):
    best = max(counts[option] for counts in occurrence.values())
    assert best > REPLICATES / 2, f"{option}: {occurrence}"


def test_no_option_is_taken_where_no_instrument_covers_a_release():
    raw = copy.deepcopy(resolve_raw(find_scenario("baseline"), FAST))
    for regulator in raw["regulators"]:
        regulator["policies"] = []
    result = run_scenario(Scenario.model_validate(raw), replicates=4)
    kinds = {e["kind"] for r in result.replicates for e in r.events}
    assert not kinds & {"decision", "enforcement", "injunction", "relocation", "licence"}
    assert all(result.replicates[i].summary["covered_releases"] == 0 for i in range(4))
