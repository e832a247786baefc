"""docs/model.md must match the code: its parameter table lists every scenario parameter (the
pydantic schema walked recursively, with each policy kind's Params) with its current default,
a unit and a source, and every source it cites is in its reference list."""

from __future__ import annotations

import re
import typing
from typing import Any

from conftest import REPO
from pydantic import BaseModel
from pydantic.fields import FieldInfo

from sim.model.policies import POLICY_KINDS, PolicyParams
from sim.scenario.schema import Scenario

MODEL_DOC = REPO / "docs" / "model.md"
PARAMETERS_HEADING = re.compile(r"^## .*Parameters", re.IGNORECASE)
ROW = re.compile(r"^\|\s*`(?P<path>[^`]+)`\s*\|(?P<rest>.*)\|\s*$")
KEY = r"[A-Z][A-Za-z]*\d+[a-z]?"
REFERENCE = re.compile(rf"\[({KEY})\]")


# The schema's parameters ----------------------------------------------------------------------
def schema_parameters() -> list[tuple[str, FieldInfo]]:
    """(dotted path, field) for every leaf parameter: `world.theft.hazard_per_month_at_parity`,
    `developers[].cadence_months`, `regulators[].policies[].start` (common to every instrument),
    `regulators[].policies[kill_switch].threshold_flop` (one kind's own or changed default),
    `sweep.levers.<key>.low` (a table of tables keyed by name)."""
    rows: list[tuple[str, FieldInfo]] = []
    _walk(Scenario, "", rows)
    return rows


def _walk(model: type[BaseModel], prefix: str, rows: list[tuple[str, FieldInfo]]) -> None:
    for name, field in model.model_fields.items():
        path = prefix + name
        inner, container = _inner_models(field.annotation)
        if any(issubclass(m, PolicyParams) for m in inner):
            _walk_policies(path + "[", rows)
        elif len(inner) == 1 and inner[0].model_fields:
            _walk(inner[0], path + {"list": "[].", "dict": ".<key>.", "": "."}[container], rows)
        else:
            rows.append((path, field))


def _walk_policies(prefix: str, rows: list[tuple[str, FieldInfo]]) -> None:
    common = PolicyParams.model_fields
    rows += [(f"{prefix}].{name}", field) for name, field in common.items()]
    for kind, cls in sorted(POLICY_KINDS.items()):
        for name, field in cls.Params.model_fields.items():
            if name == "kind":
                continue
            if name not in common or _default(field) != _default(common[name]):
                rows.append((f"{prefix}{kind}].{name}", field))


def _inner_models(annotation: Any) -> tuple[list[type[BaseModel]], str]:
    """The pydantic models inside an annotation (through Optional, list, dict, Annotated,
    Union) and the container holding them: "list", "dict" or ""."""
    found: list[type[BaseModel]] = []
    container = ""

    def visit(item: Any) -> None:
        nonlocal container
        if isinstance(item, type) and issubclass(item, BaseModel):
            found.append(item)
            return
        origin = typing.get_origin(item)
        if origin in (list, dict):
            container = origin.__name__
        for argument in typing.get_args(item):
            visit(argument)

    visit(annotation)
    return found, container


def format_default(field: FieldInfo) -> str:
    """A default as docs/model.md writes it: `required`, `none`, `true`, `1e26`, `[6, 12]`."""
    if field.is_required():
        return "required"
    return _format(_default(field))


def _default(field: FieldInfo) -> Any:
    return None if field.is_required() else field.get_default(call_default_factory=True)


def _format(value: Any) -> str:
    if value is None:
        return "none"
    if value == "":
        return '""'
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if value != 0 and (abs(value) >= 1e5 or abs(value) < 1e-3):
            mantissa, exponent = f"{value:e}".split("e")
            return f"{mantissa.rstrip('0').rstrip('.')}e{int(exponent)}"
        return f"{value:g}"
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_format(item) for item in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k} = {_format(v)}" for k, v in value.items()) + "}"
    return str(value)


# The document ---------------------------------------------------------------------------------
def documented_rows() -> dict[str, list[str]]:
    """Parameter-table rows of docs/model.md: path -> [default, range, unit, source]."""
    rows: dict[str, list[str]] = {}
    inside = False
    for line in MODEL_DOC.read_text(encoding="utf-8").splitlines():
        if line.startswith("## "):
            inside = bool(PARAMETERS_HEADING.match(line))
            continue
        match = ROW.match(line) if inside else None
        if match:
            cells = [cell.strip() for cell in match["rest"].split("|")]
            rows[match["path"]] = cells
    return rows


def reference_keys() -> set[str]:
    """Keys defined in the References section, as `- [Key24] Author (year). Title. URL`."""
    text = MODEL_DOC.read_text(encoding="utf-8")
    return set(re.findall(rf"^- \[({KEY})\] \S", text, flags=re.MULTILINE))


def test_every_scenario_parameter_is_in_the_parameter_table():
    documented = documented_rows()
    missing = [path for path, _ in schema_parameters() if path not in documented]
    assert not missing, "add to docs/model.md's parameter table: " + ", ".join(missing)


def test_parameter_table_has_no_parameter_the_schema_lacks():
    known = {path for path, _ in schema_parameters()}
    stale = [path for path in documented_rows() if path not in known]
    assert not stale, "remove from docs/model.md's parameter table: " + ", ".join(stale)


def test_parameter_table_defaults_match_the_schema():
    documented = documented_rows()
    wrong = [
        f"{path}: docs say {documented[path][0]!r}, schema has {format_default(field)!r}"
        for path, field in schema_parameters()
        if path in documented and documented[path][0].strip("`") != format_default(field)
    ]
    assert not wrong, "\n".join(wrong)


def test_every_row_has_a_range_a_unit_and_a_source():
    for path, cells in documented_rows().items():
        assert len(cells) == 4 and all(cells), f"{path}: needs default | range | unit | source"


def test_cited_sources_are_in_the_reference_list():
    keys = reference_keys()
    cited = set(REFERENCE.findall(MODEL_DOC.read_text(encoding="utf-8")))
    assert keys, "docs/model.md has no reference list"
    assert not cited - keys, f"cited but not listed: {sorted(cited - keys)}"


def test_the_walk_reaches_nested_tables_and_every_policy_kind():
    paths = {path for path, _ in schema_parameters()}
    assert "world.theft.hazard_per_month_at_parity" in paths
    assert "developers[].cadence_months" in paths
    assert "regulators[].policies[].start" in paths
    for kind in POLICY_KINDS:
        assert any(path.startswith(f"regulators[].policies[{kind}].") for path in paths), kind
