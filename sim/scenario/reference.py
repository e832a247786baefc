"""The scenario-file reference (docs/scenarios.md), generated from the schema so it stays true.

python -m sim.scenario.reference > docs/scenarios.md
"""

from __future__ import annotations

import json
import sys
from typing import Any

from pydantic import BaseModel
from pydantic.fields import FieldInfo

from sim.model.policies import POLICY_KINDS
from sim.scenario import schema
from sim.scenario.errors import describe_field

INTRO = """\
# Scenario files: reference

A scenario is one TOML file (read with Python's `tomllib`; nothing in it is ever executed). This
reference is generated from the schema in `sim/scenario/schema.py` and the policy classes in
`sim/model/policies/` by `python -m sim.scenario.reference`; a test fails when it is out of date.
`regsim schema` prints the same information as a JSON Schema for editors.

## Writing scenarios
- **Units.** Training compute is written in FLOP (`1e26`); money in millions of USD (`_musd`);
  durations in months; probabilities and shares in [0, 1]; months as `"YYYY-MM"`.
- **Ranges.** Every number has a finite range, given below: wide enough for any plausible world,
  but `inf`, `nan` and absurd magnitudes (`1e308`, `5e-324`) are refused, so a file that
  validates cannot make a run fail on its values. Simulated months run from 2000-01 to 2100-12
  (`start` plus `months` included). Lists that are sets (markets, milestones, target
  jurisdictions) may not repeat an item. A scenario holds at most 200 developers, 50 states,
  50 regulators and 20 policies per regulator, and a scenario file at most 1 MiB, with keys of
  at most 10 dotted parts and 1,000 characters, nested at most 16 deep (deeper files are
  refused before they are read).
- **`extends = "baseline.toml"`** (first line, path relative to the file) starts from another
  scenario; a file that does not read as one (not TOML, or keys no scenario has) is refused
  without showing its content. Tables merge key by key. `[[developers]]`, `[[states]]`,
  `[[regulators]]` and each regulator's `[[regulators.policies]]` merge **by name** (a policy's
  name defaults to its `kind`): an entry with an existing name changes only the keys it sets, a
  new name adds an entry, and `remove = true` deletes the named entry. Other arrays are replaced
  whole.
- **`--set KEY=VALUE`** on any command overrides one value after `extends`. Keys are dotted paths
  that address agents and policies by name, e.g.
  `--set regulators.california.policies.kill_switch.threshold_flop=1e25`,
  `--set developers.meta.security_level=3`, `--set scenario.months=60`. VALUE is a TOML literal
  (`1e25`, `true`, `[6, 12]`, `"ROW"`); a bare word (`ROW`, `2025-03`) is taken as a string.
- **Validation** reports every problem at once, each with the file (or `--set`) that set the
  value, the dotted key, what was expected and what was found, and the nearest valid key for a
  typo; the command then exits with status 2. Values are not coerced: `"12"` is not a number.
"""

SECTIONS: list[tuple[str, type[BaseModel], str]] = [
    ("[scenario]", schema.ScenarioMeta, "What the scenario is and how it runs."),
    ("[world]", schema.WorldParams, "Global dynamics."),
    ("[world.compute]", schema.ComputeParams, "The cost of training compute and the largest "
     "feasible run."),
    ("[world.follower]", schema.FollowerParams, "How fast-follower labs learn from others' "
     "models."),
    ("[world.distillation]", schema.DistillationParams, "What API access learning from a "
     "foreign closed model has, and what a serving ban cuts (a formulation)."),
    ("[world.revenue_path]", schema.RevenuePathParams, "The labs' sourced revenue path, used "
     "when `world.money_growth` is `revenue_path` (a formulation)."),
    ("[world.ecosystem]", schema.EcosystemParams, "The downstream population (Bass adoption)."),
    ("[world.theft]", schema.TheftParams, "Theft of closed weights by state attackers."),
    ("[world.compliance]", schema.ComplianceParams, "The labs' compliance choice."),
    ("[[developers]]", schema.DeveloperSpec, "Labs: one entry each (at least one)."),
    ("[[developer_groups]]", schema.DeveloperGroupSpec, "A group of similar unnamed labs "
     "(`count` members named `<name>_01`...), with every `[[developers]]` key plus these."),
    ("[[states]]", schema.StateSpec, "State actors."),
    ("[[regulators]]", schema.RegulatorSpec, "Regulators and their instruments."),
    ("[[changes]]", schema.DatedChange, "Dated changes: from `month` on, each `--set` key in "
     "`set` takes its new value (the scenario is validated with every change applied)."),
    ("[uncertainty]", schema.SweepParameter, "Parameters drawn per replicate under "
     "`--uncertainty`: each entry is a `--set` key (quoted) with an array of options or a "
     "range table, as in `[sweep.uncertainties]`. Only numeric model parameters (under `world`, "
     "`developers`, `developer_groups`, `states`, `regulators`; not the population size or a "
     "group's `count`) may be uncertain, and a formulation choice (a field marked as one) over "
     "a list of its options."),
    ("[sweep]", schema.SweepSpec, "The experiment design for `regsim sweep` (optional; "
     "`regsim run` ignores it)."),
    ("[sweep.uncertainties] and [sweep.levers] entries", schema.SweepParameter,
     "Each entry is a `--set` key (quoted) with an array of options, or a range table "
     '`{ low = 0.001, high = 0.02, scale = "log" }`.'),
]


def field_rows(model: type[BaseModel]) -> list[tuple[str, str, str, str]]:
    """(key, accepted values, default, description) for each field that is not a sub-table."""
    rows = []
    for name, field in model.model_fields.items():
        if _is_table(field) or name == "policies":  # sections of their own
            continue
        rows.append((name, describe_field(field), _default(field), field.description or ""))
    return rows


def _is_table(field: FieldInfo) -> bool:
    annotation = field.annotation
    return isinstance(annotation, type) and issubclass(annotation, BaseModel)


def _default(field: FieldInfo) -> str:
    if field.is_required():
        return "**required**"
    value: Any = field.get_default(call_default_factory=True)
    if isinstance(value, BaseModel):
        return "(table)"
    if value is None:
        return "none"
    return f"`{json.dumps(value)}`"


def table(rows: list[tuple[str, str, str, str]]) -> str:
    lines = ["| key | accepts | default | meaning and source |", "|---|---|---|---|"]
    for key, accepts, default, description in rows:
        cells = (f"`{key}`", accepts, default, description)
        lines.append("| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |")
    return "\n".join(lines)


def render() -> str:
    parts = [INTRO]
    for title, model, blurb in SECTIONS:
        parts.append(f"## `{title}`\n\n{blurb}\n\n{table(field_rows(model))}\n")
    parts.append(
        "## `[[regulators.policies]]`\n\nEach instrument has a `kind` and the common keys below, "
        "then its own keys. One class per kind in `sim/model/policies/`.\n\n"
        + table(
            [r for r in field_rows(POLICY_KINDS["kill_switch"].Params.__base__) if r[0] != "kind"]
        )
        + "\n"
    )
    common = set(POLICY_KINDS["kill_switch"].Params.__base__.model_fields)
    for kind, cls in sorted(POLICY_KINDS.items()):
        doc = (sys.modules[cls.__module__].__doc__ or "").strip()
        own = [r for r in field_rows(cls.Params) if r[0] not in common or _overrides(cls, r[0])]
        own = [r for r in own if r[0] != "kind"]
        parts.append(f'### `kind = "{kind}"`\n\n{doc}\n\n{table(own)}\n')
    return "\n".join(parts)


def _overrides(cls, name: str) -> bool:
    """A common key whose default or description this kind changes."""
    base = cls.Params.__base__.model_fields[name]
    mine = cls.Params.model_fields[name]
    return (base.default, base.description) != (mine.default, mine.description)


if __name__ == "__main__":
    print(render(), end="")
