"""Which keys a scenario's `[uncertainty]` table may name, checked when the scenario loads.

A key drawn per replicate must be a model parameter: a value a `[[changes]]` entry could change
(under `world`, `developers`, `developer_groups`, `states` or `regulators`, not the population
size) that is a number: `scenario.months` drawn per replicate would
give replicates of different lengths under a manifest that says 12, and a name or a label is no
quantity. Each option, or both ends of a range, must be a value the parameter accepts.

One exception keeps room for alternative model formulations: a field whose schema metadata says
`json_schema_extra={"formulation": True}` (a `Literal[...]` of named options) may be uncertain
over a list of its options (`"world.follower.catch_up" = ["a", "b"]`); each replicate then runs
one of them. A developer group's member count may be uncertain: it makes an assumed, unnamed
actor an uncertain part of the roster (its draws are recorded like any other; each member's
draws are keyed by its name, so the other agents' draws do not move).
"""

from __future__ import annotations

import functools
import types
import typing
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, TypeAdapter, ValidationError
from pydantic.fields import FieldInfo

from sim.scenario.changes import CHANGEABLE_SECTIONS, FIXED_KEYS
from sim.scenario.errors import Problem, describe_field, short_repr

FORMULATION = "formulation"
"""The `json_schema_extra` flag of a field that names a choice among model formulations."""


def uncertainty_problems(scenario: Any, provenance: dict[str, str], file: str) -> list[Problem]:
    """A problem for each `[uncertainty]` key of a validated scenario that may not be drawn per
    replicate, or whose options or range the parameter does not accept."""
    problems = []
    for key, spec in scenario.uncertainty.items():
        where = f"uncertainty.{key}"
        problem = _problem(scenario, key, spec)
        if problem is not None:
            problems.append(Problem(provenance.get(where, file), where, **problem))
    return problems


def _problem(scenario: Any, key: str, spec: Any) -> dict[str, str] | None:
    segments = key.split(".")
    if segments[0] not in CHANGEABLE_SECTIONS or key in FIXED_KEYS:
        return {"message": "is not a model parameter: only numeric parameters under "
                + ", ".join(CHANGEABLE_SECTIONS) + " may be uncertain (not the scenario's "
                "timing or population)"}
    field = _field_at(scenario, segments)
    if field is None:
        return {"message": "names no parameter of this scenario",
                "hint": "keys are --set paths, e.g. world.theft.hazard_per_month_at_parity"}
    if _is_formulation(field):
        if spec.values is None:
            return {"expected": "a list of the formulations to draw from, not a range",
                    "found": f"low = {spec.low}, high = {spec.high}"}
        return _check_values(field, spec.values)
    if _numeric_type(field) is None:
        return {"message": f"is {describe_field(field)}: only numeric model parameters (and "
                "formulation choices) may be uncertain"}
    if spec.values is not None:
        return _check_values(field, spec.values)
    if _numeric_type(field) is int and (spec.scale == "log" or not all(
            isinstance(end, int) for end in (spec.low, spec.high))):
        return {"expected": "integer low and high on a linear scale (the parameter is a whole "
                "number)", "found": f"low = {spec.low}, high = {spec.high}, scale = {spec.scale}"}
    return _check_values(field, [spec.low, spec.high])


def _field_at(scenario: Any, segments: list[str]) -> FieldInfo | None:
    """The schema field a dotted key names on a validated scenario (entries by name), or None
    if it names none or a part inside a value (a table's entry, a list's item)."""
    node, field = scenario, None
    for segment in segments:
        if isinstance(node, BaseModel):
            field = type(node).model_fields.get(segment)
            if field is None:
                return None
            node = getattr(node, segment)
        elif isinstance(node, list):
            node = next((e for e in node if _entry_name(e) == segment), None)
            field = None
            if node is None:
                return None
        else:
            return None
    return field


def _entry_name(entry: Any) -> Any:
    return getattr(entry, "name", None) or getattr(entry, "kind", None)


def _is_formulation(field: FieldInfo) -> bool:
    extra = field.json_schema_extra
    return isinstance(extra, dict) and extra.get(FORMULATION) is True


def _numeric_type(field: FieldInfo) -> type | None:
    """int or float if the field holds a number (None allowed beside it), else None."""
    kinds = {arg for arg in _union_members(field.annotation) if arg is not type(None)}
    if kinds and kinds <= {int, float}:
        return float if float in kinds else int
    return None


def _union_members(annotation: Any) -> tuple[Any, ...]:
    if typing.get_origin(annotation) is Annotated:
        return _union_members(typing.get_args(annotation)[0])
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        return tuple(m for arg in typing.get_args(annotation) for m in _union_members(arg))
    return (annotation,)


def _check_values(field: FieldInfo, values: list[Any]) -> dict[str, str] | None:
    adapter = _adapter(field)
    for value in values:
        try:
            adapter.validate_python(value)
        except ValidationError:
            return {"expected": f"options the parameter accepts: {describe_field(field)}",
                    "found": short_repr(value)}
    return None


@functools.cache
def _adapter(field: FieldInfo) -> TypeAdapter:
    """A validator of one value of `field`, with its bounds, as strict as a scenario file."""
    annotated = (Annotated[(field.annotation, *field.metadata)] if field.metadata
                 else field.annotation)
    return TypeAdapter(annotated, config=ConfigDict(strict=True))
