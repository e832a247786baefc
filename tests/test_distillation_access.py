"""Distillation access (issue 16, items 1 and 7): what a closed-weight serving ban cuts.

The export-control scenario's serving ban (`weight_export_controls`, without its security
requirement so only the ban differs) against the same world without it, on paired seeds:
under `reseller_chain` (the default) the ban cuts the PRC's API distillation; under
`proxy_leakage` (model v2) it cannot, because no US lab serves China, and the runs are
identical to the last digit.
"""

from __future__ import annotations

import typing

import numpy as np
import pytest

from sim.experiments.runner import run_replicate
from sim.experiments.stats import mean_ci
from sim.scenario.loader import find_scenario, resolve_raw
from sim.scenario.schema import DistillationParams, Scenario

SEEDS = range(6)
MONTHS = 72
WORLD_OUTCOMES = ("state_", "distillations", "thefts", "absorptions", "open_", "frontier_")
"""Summary outcomes of the world (not the labs' answers to the ban, which it does change)."""


def serving_ban_world(formulation: str, ban: bool) -> Scenario:
    """export_controls, 2024-29, with or without its serving ban (no security requirement)."""
    raw = resolve_raw(find_scenario("export_controls"))
    raw["scenario"]["months"] = MONTHS
    raw["world"].setdefault("ecosystem", {})["adopters"] = 2000
    raw["world"]["distillation"] = {"formulation": formulation}
    for regulator in raw["regulators"]:
        for policy in regulator.get("policies", []):
            if policy["kind"] == "weight_export_controls":
                policy.pop("required_security_level", None)
                policy["enabled"] = ban
    return Scenario.model_validate(raw)


def paired(formulation: str, key: str) -> np.ndarray:
    """Per seed: `key` with the ban minus without."""
    values = {}
    for ban in (False, True):
        scenario = serving_ban_world(formulation, ban)
        values[ban] = np.array([run_replicate(scenario, seed, timeseries=False).summary[key]
                                for seed in SEEDS], dtype=float)
    return values[True] - values[False]


def test_serving_ban_cuts_distillation_under_reseller_chain():
    difference = paired("reseller_chain", "distillations")
    mean, _, high, _ = mean_ci(difference)
    assert mean < 0 and high < 0, difference


def test_serving_ban_widens_the_states_lag_under_reseller_chain():
    difference = paired("reseller_chain", "state_mean_lag_months__prc")
    assert difference.mean() > 0, difference


def test_serving_ban_is_inert_under_proxy_leakage_where_nobody_serves_the_state():
    for seed in SEEDS[:3]:
        runs = [run_replicate(serving_ban_world("proxy_leakage", ban), seed, timeseries=False)
                for ban in (False, True)]
        world = [{k: v for k, v in run.summary.items() if k.startswith(WORLD_OUTCOMES)}
                 for run in runs]
        assert world[0] == world[1]


def test_formulations_agree_without_a_serving_ban():
    """The baseline has no serving ban, so its calibration holds under both."""
    raw = resolve_raw(find_scenario("baseline"))
    raw["scenario"]["months"] = 48
    summaries = []
    for formulation in ("proxy_leakage", "reseller_chain"):
        raw["world"]["distillation"] = {"formulation": formulation}
        summaries.append(run_replicate(Scenario.model_validate(raw), 3, timeseries=False).summary)
    assert summaries[0] == summaries[1]


def test_the_formulation_is_a_categorical_schema_field():
    field = DistillationParams.model_fields["formulation"]
    assert field.json_schema_extra["formulation"] is True
    assert set(typing.get_args(field.annotation)) == {"proxy_leakage", "reseller_chain"}


@pytest.mark.parametrize("formulation", ["proxy_leakage", "reseller_chain"])
def test_every_bundled_scenario_runs_under_each_formulation(formulation):
    from tests.conftest import SCENARIOS

    for path in sorted(SCENARIOS.glob("*.toml")):
        raw = resolve_raw(path)
        raw["scenario"]["months"] = 24
        raw["world"]["distillation"] = {"formulation": formulation}
        run_replicate(Scenario.model_validate(raw), 1, timeseries=False)
