"""Dated changes (`[[changes]]`): the scenario as it stands after each change, validated.

Each change sets `--set` keys to new values from its month on; changes apply cumulatively in
month order. A change may alter any value of an existing agent or policy (including `enabled`),
but not add or remove entries, rename them or change a policy's kind, nor change the scenario's
timing, population size or design tables: the model swaps parameter values, it does not rebuild
the world. Problems name the change (`changes[i]`) and the key.
"""

from __future__ import annotations

import copy
import weakref
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from sim.calendar import format_month, parse_month
from sim.scenario.errors import Problem, ScenarioError, problems_from_validation
from sim.scenario.overrides import set_value

if TYPE_CHECKING:
    from sim.scenario.schema import Scenario

_SNAPSHOTS: dict[int, list] = {}
"""Resolved changes per live scenario object (dropped when the scenario is collected)."""

CHANGEABLE_SECTIONS = ("world", "developers", "developer_groups", "states", "regulators")
FIXED_KEYS = ("world.ecosystem.adopters", "world.ecosystem.jurisdiction_shares")


def change_snapshots(scenario: Scenario) -> list[tuple[str, Scenario]]:
    """(month, scenario from that month on) for each distinct change month, in order; cached
    on the scenario. Raises ScenarioError with every problem found."""
    key = id(scenario)
    if key not in _SNAPSHOTS:
        _SNAPSHOTS[key] = _resolve(scenario)
        weakref.finalize(scenario, _SNAPSHOTS.pop, key, None)
    return _SNAPSHOTS[key]


def _resolve(scenario: Scenario) -> list[tuple[str, Scenario]]:
    from sim.scenario.schema import Scenario

    if not scenario.changes:
        return []
    base = scenario.model_dump(mode="json", exclude_none=True)
    raw = {k: v for k, v in base.items() if k not in ("changes", "uncertainty", "sweep")}
    start = parse_month(scenario.scenario.start)
    end = start + scenario.scenario.months
    order = sorted(range(len(scenario.changes)),
                   key=lambda i: parse_month(scenario.changes[i].month))
    problems: list[Problem] = []
    snapshots: list[tuple[str, Scenario]] = []
    for index in order:
        change = scenario.changes[index]
        source = f"changes[{index}] ({change.month})"
        month = parse_month(change.month)
        if not start <= month < end:
            problems.append(Problem(source, "month", expected=f"a month from "
                                    f"{format_month(start)} to {format_month(end - 1)}",
                                    found=change.month))
            continue
        before = copy.deepcopy(raw)
        for key, value in change.set.items():
            problem = _check_key(key, source) or set_value(raw, key, value, source)
            if problem is not None:
                problems.append(problem)
        problems += _structure_problems(before, raw, source)
        try:
            snapshot = Scenario.model_validate(raw)
        except ValidationError as error:
            problems += problems_from_validation(error, raw, {}, source)
            continue
        if snapshots and snapshots[-1][0] == change.month:
            snapshots[-1] = (change.month, snapshot)
        else:
            snapshots.append((change.month, snapshot))
    if problems:
        raise ScenarioError(problems)
    return snapshots


def _check_key(key: str, source: str) -> Problem | None:
    section = key.split(".", 1)[0]
    if section not in CHANGEABLE_SECTIONS:
        return Problem(source, f"set.{key}", expected="a key under "
                       + ", ".join(CHANGEABLE_SECTIONS), found=repr(section))
    if key in FIXED_KEYS or any(key.startswith(k + ".") for k in FIXED_KEYS):
        return Problem(source, f"set.{key}", message="cannot change during a run")
    return None


def _structure_problems(before: dict[str, Any], after: dict[str, Any],
                        source: str) -> list[Problem]:
    """Entries may not be added, removed, renamed or change kind."""
    problems = []
    for section in ("developers", "developer_groups", "states", "regulators"):
        old, new = before.get(section, []), after.get(section, [])
        if [_name(e) for e in old] != [_name(e) for e in new]:
            problems.append(Problem(source, section, message="a change may not add, remove or "
                                    "rename entries"))
            continue
        if section == "regulators":
            for old_r, new_r in zip(old, new, strict=True):
                if [_policy_id(p) for p in old_r.get("policies", [])] != [
                        _policy_id(p) for p in new_r.get("policies", [])]:
                    problems.append(Problem(source, f"regulators.{_name(old_r)}.policies",
                                            message="a change may not add, remove or rename "
                                            "policies or change their kind"))
    return problems


def _name(entry: Any) -> Any:
    return entry.get("name") if isinstance(entry, dict) else entry


def _policy_id(policy: Any) -> Any:
    if not isinstance(policy, dict):
        return policy
    return (policy.get("name") or policy.get("kind"), policy.get("kind"))
