"""Every number a scenario holds has a finite, documented range; lists that are sets repeat
nothing; months stay in the calendar window. So a file `validate` accepts cannot make a run
fail or give nonsense on its values (issue 8, item 6)."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Annotated, get_args, get_origin

import pytest
from pydantic import BaseModel, TypeAdapter

from sim.model.policies import POLICY_KINDS
from sim.scenario import schema
from sim.scenario.errors import ScenarioError, _constraint, _unwrap
from sim.scenario.loader import load_scenario
from sim.scenario.reference import field_rows

BASELINE = Path(__file__).resolve().parent.parent / "scenarios" / "baseline.toml"

MODELS = [schema.ScenarioMeta, schema.WorldParams, schema.EcosystemParams, schema.TheftParams,
          schema.ComplianceParams, schema.ComputeParams, schema.FollowerParams,
          schema.DeveloperSpec, schema.DeveloperGroupSpec, schema.StateSpec,
          schema.RegulatorSpec, *(cls.Params for cls in POLICY_KINDS.values())]


def numeric_fields():
    """(model, field name, number type, constraints) for every int or float field, list items
    included."""
    for model in MODELS:
        for name, field in model.model_fields.items():
            annotation, metadata = _unwrap(field.annotation, list(field.metadata))
            if get_origin(annotation) is list:
                annotation, metadata = _unwrap(get_args(annotation)[0], [])
            if get_origin(annotation) is dict:
                annotation, metadata = _unwrap(get_args(annotation)[1], [])
            if annotation in (int, float):
                yield model, name, annotation, metadata


FIELDS = list(numeric_fields())


def test_the_fields_are_found():
    names = {name for _, name, _, _ in FIELDS}
    assert {"bass_p_per_month", "usd_per_flop_2024", "threshold_usd", "cadence_months",
            "capability_milestones_flop", "jurisdiction_shares"} <= names
    assert len(FIELDS) > 60


@pytest.mark.parametrize(("model", "name", "number", "metadata"), FIELDS,
                         ids=[f"{m.__name__}.{n}" for m, n, _, _ in FIELDS])
def test_every_number_has_a_finite_lower_and_upper_bound(model, name, number, metadata):
    low = _constraint(metadata, "ge") if _constraint(metadata, "ge") is not None else (
        _constraint(metadata, "gt"))
    high = _constraint(metadata, "le") if _constraint(metadata, "le") is not None else (
        _constraint(metadata, "lt"))
    assert low is not None and high is not None, f"{model.__name__}.{name} is unbounded"
    assert math.isfinite(low) and math.isfinite(high) and low < high
    if number is float:
        assert _constraint(metadata, "allow_inf_nan") is False, f"{name} takes inf or nan"


@pytest.mark.parametrize("model", MODELS, ids=[m.__name__ for m in MODELS])
def test_every_range_is_documented_in_the_reference(model):
    for key, accepts, _, _ in field_rows(model):
        annotation = model.model_fields[key].annotation
        if _is_number(annotation):
            assert " from " in accepts or (">" in accepts and "<=" in accepts), (key, accepts)


def _is_number(annotation) -> bool:
    return _unwrap(annotation, [])[0] in (int, float)


ISSUE_VALUES = [
    "world.ecosystem.bass_p_per_year=inf",
    "world.usd_per_flop_2024=inf",
    "world.flop_price_decline_per_year=1e308",
    "world.theft.hazard_multiplier_per_tier=1e308",
    "world.compliance.logit_temperature_musd=5e-324",
    "world.open_spillover=1e400",
    "developers.meta.capability_value_musd_per_oom=1e308",
    "regulators.us_federal.policies.chip_export_controls.penalty_musd=inf",
    "regulators.eu.market_value_musd=nan",
    'scenario.start="9999-12"',
    'scenario.start="1999-12"',
]


@pytest.mark.parametrize("override", ISSUE_VALUES)
def test_the_issues_values_are_refused(override):
    with pytest.raises(ScenarioError) as caught:
        load_scenario(BASELINE, [override])
    assert caught.value.problems[0].file == "--set"


def test_start_plus_months_stays_in_the_calendar():
    assert load_scenario(BASELINE, ['scenario.start="2090-01"']).scenario.months == 120
    with pytest.raises(ScenarioError, match="the run would end in 2104-12"):
        load_scenario(BASELINE, ['scenario.start="2095-01"'])


@pytest.mark.parametrize("override", [
    'developers.meta.markets=["US", "EU", "US"]',
    'states.prc.jurisdictions=["CN", "CN"]',
    "world.capability_milestones_flop=[1e27, 1e28, 1e27]",
    'regulators.us_federal.policies.chip_export_controls.target_jurisdictions=["CN", "CN"]',
])
def test_lists_that_are_sets_repeat_nothing(override):
    with pytest.raises(ScenarioError, match="is listed twice"):
        load_scenario(BASELINE, [override])


@pytest.mark.parametrize("override", [
    'scenario.question="two\\nlines"',
    f'scenario.question="{"q" * 301}"',
    f'developers.meta.label="{"l" * 81}"',
    'developers.meta.label="tab\\there"',
])
def test_texts_are_one_line_and_bounded(override):
    with pytest.raises(ScenarioError, match="one line of text"):
        load_scenario(BASELINE, [override])


@pytest.mark.parametrize("model", MODELS, ids=[m.__name__ for m in MODELS])
def test_every_default_is_inside_its_range(model):
    for name, field in model.model_fields.items():
        if field.is_required() or name == "kind":
            continue
        default = field.get_default(call_default_factory=True)
        if isinstance(default, BaseModel):
            continue
        annotation = field.annotation
        if field.metadata:
            annotation = Annotated[annotation, *field.metadata]
        adapter = TypeAdapter(annotation)
        adapter.validate_python(default, strict=True)
