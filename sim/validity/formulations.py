"""Formulation fields of the scenario schema, for checking a model per formulation.

A formulation field is a schema field whose pydantic `json_schema_extra` contains
`"formulation": True` (e.g. a choice among named ways a state's labs catch up); its allowed
names are its `Literal` values. `regsim check --formulation KEY=NAME` runs the whole check with
that field set in both checked scenarios, one report per formulation given. The discovery walks
the schema, so any such field works without changes here. If a formulation's calibrated values
are not selected by the field itself (for instance a per-formulation table the calibration
writes), `formulation_overrides` is the one place to add them: both scenarios get its overrides.
"""

from __future__ import annotations

import types
import typing
from typing import Any, Literal

from pydantic import BaseModel

FLAG = "formulation"


def formulation_fields(model: type[BaseModel] | None = None, prefix: str = ""
                       ) -> dict[str, tuple[str, ...]]:
    """{dotted key: allowed names} of every formulation field of `model` (default: the
    scenario schema) and its nested tables; () where the field's values are not a Literal."""
    if model is None:
        from sim.scenario.schema import Scenario

        model = Scenario
    fields: dict[str, tuple[str, ...]] = {}
    for name, info in model.model_fields.items():
        key = f"{prefix}{name}"
        extra = info.json_schema_extra
        if isinstance(extra, dict) and extra.get(FLAG) is True:
            fields[key] = _literal_values(info.annotation)
        for nested in _models_in(info.annotation):
            fields.update(formulation_fields(nested, f"{key}."))
    return fields


def _literal_values(annotation: Any) -> tuple[str, ...]:
    if typing.get_origin(annotation) is Literal:
        return tuple(str(v) for v in typing.get_args(annotation))
    values: list[str] = []
    for argument in typing.get_args(annotation):
        values += _literal_values(argument)
    return tuple(values)


def _models_in(annotation: Any) -> list[type[BaseModel]]:
    """Pydantic models a field holds directly or in an Optional/Union (not in lists: the
    formulations of a scenario are world-wide)."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    origin = typing.get_origin(annotation)
    if origin in (typing.Union, types.UnionType):
        return [m for a in typing.get_args(annotation) for m in _models_in(a)]
    if origin is typing.Annotated:
        return _models_in(typing.get_args(annotation)[0])
    return []


def parse_formulation(text: str, fields: dict[str, tuple[str, ...]] | None = None
                      ) -> tuple[str, str]:
    """'KEY=NAME' -> (key, name); ValueError saying what was expected if KEY is not a
    formulation field or NAME not one of its values."""
    fields = formulation_fields() if fields is None else fields
    key, equals, name = (part.strip() for part in text.partition("="))
    if not equals or not key or not name:
        raise ValueError(f"--formulation {text!r}: expected KEY=NAME, e.g. "
                         f"{next(iter(fields), 'world.follower.catch_up')}=NAME")
    if key not in fields:
        known = ", ".join(sorted(fields)) or "none in this version's schema"
        raise ValueError(f"--formulation {text!r}: {key!r} is not a formulation field "
                         f"(formulation fields: {known})")
    allowed = fields[key]
    if allowed and name not in allowed:
        raise ValueError(f"--formulation {text!r}: {name!r} is not a formulation of {key} "
                         f"(expected one of: {', '.join(allowed)})")
    return key, name


def formulation_overrides(formulation: dict[str, str]) -> list[str]:
    """The `--set` overrides that select `formulation` ({key: name}) in a scenario."""
    from sim.experiments.design import override_text

    return [override_text(key, name) for key, name in formulation.items()]
