"""Shared fixtures: small scenarios built in code, so model tests do not depend on files."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parent.parent
SCENARIOS = REPO / "scenarios"

SMALL_WORLD: dict[str, Any] = {
    "scenario": {
        "name": "small",
        "question": "A small test world.",
        "months": 48,
        "seed": 7,
        "replicates": 3,
    },
    "world": {"ecosystem": {"adopters": 2000}},
    "developers": [
        {
            "name": "closedlab",
            "jurisdiction": "US-CA",
            "release_strategy": "closed",
            "initial_run_flop": 8e25,
            "cadence_months": [3, 6],
            "markets": ["US", "EU", "ROW"],
        },
        {
            "name": "openlab",
            "label": "OpenLab A",
            "jurisdiction": "US-CA",
            "release_strategy": "open",
            "initial_run_flop": 8e25,
            "cadence_months": [3, 6],
            "markets": ["US", "EU", "ROW"],
            "openness_value_musd": 1000.0,
            "aup_bans_military": True,
        },
        {
            "name": "cnlab",
            "jurisdiction": "CN",
            "release_strategy": "open",
            "initial_run_flop": 1e25,
            "cadence_months": [4, 8],
            "markets": ["CN", "ROW"],
        },
    ],
    "states": [{"name": "rival", "jurisdictions": ["CN"], "attacker_tier": 4}],
    "regulators": [
        {"name": "california", "jurisdiction": "US-CA", "reach": "market", "policies": []},
    ],
}


def small_world(**changes: Any) -> dict[str, Any]:
    """A deep copy of SMALL_WORLD; keyword arguments replace top-level sections."""
    raw = copy.deepcopy(SMALL_WORLD)
    raw.update(copy.deepcopy(changes))
    return raw


def scenario_from(raw: dict[str, Any]):
    from sim.scenario.schema import Scenario

    return Scenario.model_validate(raw)


def with_policy(raw: dict[str, Any], regulator: str, policy: dict[str, Any]) -> dict[str, Any]:
    raw = copy.deepcopy(raw)
    for entry in raw["regulators"]:
        if entry["name"] == regulator:
            entry.setdefault("policies", []).append(policy)
    return raw


@pytest.fixture
def small_raw() -> dict[str, Any]:
    return small_world()
