"""docs/model.md must match the code: its parameter table is the one generated from the schema
(every scenario parameter, walked recursively with each policy kind's Params, with its current
default, a range, a unit and a source), every numeric default names its source or says
"assumption", and every source the document cites is in its reference list."""

from __future__ import annotations

import re

from conftest import REPO

from sim.model.policies import POLICY_KINDS
from sim.scenario import parameter_table
from sim.scenario.parameter_table import format_default, needs_source, schema_parameters

MODEL_DOC = REPO / "docs" / "model.md"
ROW = re.compile(r"^\|\s*`(?P<path>[^`]+)`\s*\|(?P<rest>.*)\|\s*$")
KEY = r"[A-Z][A-Za-z]*\d+[a-z]?"
REFERENCE = re.compile(rf"\[({KEY})\]")


def documented_rows() -> dict[str, list[str]]:
    """Parameter-table rows of docs/model.md: path -> [default, range, unit, source]."""
    block = parameter_table.embedded(MODEL_DOC.read_text(encoding="utf-8"))
    rows: dict[str, list[str]] = {}
    for line in block.splitlines():
        match = ROW.match(line)
        if match:
            rows[match["path"]] = [cell.strip() for cell in match["rest"].split("|")]
    return rows


def reference_keys() -> set[str]:
    """Keys defined in the References section, as `- [Key24] Author (year). Title. URL`."""
    text = MODEL_DOC.read_text(encoding="utf-8")
    return set(re.findall(rf"^- \[({KEY})\] \S", text, flags=re.MULTILINE))


def test_the_parameter_table_is_the_generated_one():
    block = parameter_table.embedded(MODEL_DOC.read_text(encoding="utf-8"))
    assert block, "docs/model.md lacks the generated parameter table markers"
    assert block == parameter_table.render(), (
        "docs/model.md's parameter table is stale: replace it with the output of "
        "python -m sim.scenario.parameter_table"
    )


def test_every_scenario_parameter_is_in_the_parameter_table():
    documented = documented_rows()
    missing = [path for path, _ in schema_parameters() if path not in documented]
    assert not missing, "add to docs/model.md's parameter table: " + ", ".join(missing)


def test_parameter_table_defaults_match_the_schema():
    documented = documented_rows()
    wrong = [
        f"{path}: docs say {documented[path][0]!r}, schema has {format_default(field)!r}"
        for path, field in schema_parameters()
        if path in documented and documented[path][0].strip("`") != format_default(field)
    ]
    assert not wrong, "\n".join(wrong)


def test_every_numeric_default_names_its_source_or_says_assumption():
    unsourced = [path for path, field in schema_parameters() if needs_source(field)]
    assert not unsourced, "say where these defaults come from: " + ", ".join(unsourced)


def test_the_source_check_catches_an_unsourced_number():
    from pydantic import BaseModel, Field

    class Probe(BaseModel):
        rate: float = Field(0.3, description="How fast it goes.")
        sourced: float = Field(0.3, description="How fast it goes (assumption).")

    assert needs_source(Probe.model_fields["rate"])
    assert not needs_source(Probe.model_fields["sourced"])


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
    assert "world.compute.ceiling_flop_2030" in paths
    assert "developers[].cadence_months" in paths
    assert "developer_groups[].count" in paths
    assert "changes[].set" in paths
    assert "regulators[].policies[].start" in paths
    for kind in POLICY_KINDS:
        assert any(path.startswith(f"regulators[].policies[{kind}].") for path in paths), kind
