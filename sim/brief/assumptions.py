"""Which assumptions a brief's findings rest on, read from the scenario schema.

Every scenario key's description says where its default comes from, and "assumption" where
no source exists (`sim.scenario.schema`). A brief names the unsourced parameters that matter
for it:

- the parameters of each instrument a policy scenario adds or changes (`changed_policies`);
- the parameters each reported outcome depends on most directly (`OUTCOME_DEPENDENCIES`, by
  the model's mechanisms in docs/model.md), for the outcomes with findings.

For each it gives the value the run used and whether the run varied it (a sweep's design, or
the parameter draws a run records in its manifest) or held it fixed, so a reader knows which
deep uncertainties the intervals cover and which they do not.

Parameters are named by `--set` path patterns: `world.theft.hazard_per_month_at_parity`,
`states.*.distillation_hazard_per_month` (every state), `regulators.*.policies.kill_switch.
enforcement_probability` (every kill switch). A pattern that matches nothing in the schema (a
renamed key) is skipped.
"""

from __future__ import annotations

import fnmatch
import functools
import math
import typing
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sim.presentation import wording
from sim.presentation.wording import GPT4_COMPUTE

UNSOURCED_MARK = "assumption"
STATE_CHANNELS = ("world.theft.*", "world.follower.*", "states.*.distillation_*",
                  "states.*.absorption_*", "states.*.attacker_tier")
DOMESTIC = ("world.follower.*", "developers.*.follower_discount_oom", "world.compute.*",
            "developers.*.run_budget_musd", "developers.*.spending_growth_per_year",
            "regulators.*.policies.chip_export_controls.*")
"""What the competitor's own labs' capability rests on (fast following, compute)."""
COMPLIANCE = ("developers.*.openness_value_musd", "developers.*.capability_value_musd_per_oom",
              "world.compliance.*", "developers.*.delay_cost_musd_per_month",
              "developers.*.relocation_*", "developers.*.annual_revenue_musd",
              "developers.*.defiance_reputation_share", "developers.*.sales_shares")
"""What a lab's choice weighs (the instruments' own terms are listed with them)."""
ENFORCEMENT = ("regulators.*.policies.*.enforcement_probability*",
               "regulators.*.policies.*.collectable_share_foreign",
               "regulators.*.policies.*.injunction_after_violations",
               "regulators.*.policies.*.foreign_block_after_violations")
ECOSYSTEM = ("world.ecosystem.*", "world.frontier_tier_months")
ROSTER = ("developer_groups.*.count", "developer_groups.*.run_budget_musd",
          "developer_groups.*.max_run_budget_musd")
"""Unnamed, assumed labs (a group's size and budgets): in the baseline a US open start-up
releases the first open model above 1e26 FLOP and supplies most fine-tuned US open bases."""
OUTCOME_DEPENDENCIES: dict[str, tuple[str, ...]] = {
    "state_mean_lag_months": (*STATE_CHANNELS, *DOMESTIC, *ROSTER),
    "state_min_lag_months": (*STATE_CHANNELS, *DOMESTIC, *ROSTER),
    "state_final_lag_months": (*STATE_CHANNELS, *DOMESTIC, *ROSTER),
    "state_mean_domestic_lag_months": DOMESTIC,
    "state_final_domestic_lag_months": DOMESTIC,
    "state_months_to": (*STATE_CHANNELS, *DOMESTIC, *ROSTER),
    "thefts": ("world.theft.*", "states.*.attacker_tier", "developers.*.security_level"),
    "open_base_upgrades": ("states.*.absorption_*", *ROSTER),
    "state_final_open_weights_capability": ("states.*.absorption_*", *ROSTER),
    "state_final_open_weights_gain_oom": (*STATE_CHANNELS, *DOMESTIC),
    "state_mean_open_weights_gain_months": (*STATE_CHANNELS, *DOMESTIC),
    "state_fine_tune_families": ("states.*.absorption_*", *ROSTER),
    "distillations": ("states.*.distillation_*", "world.follower.leakage_share"),
    "incidents": ("world.derivative_publicity_per_month", "world.derivative_newsworthy_months",
                  "world.aup_detection_multiplier", "states.*.absorption_*"),
    "mean_open_lag_months": (*COMPLIANCE, "developers.*.cadence_months",
                             "developers.*.open_size_limit_flop", "world.follower.*", *ROSTER),
    "final_open_lag_months": (*COMPLIANCE, "developers.*.cadence_months",
                              "developers.*.open_size_limit_flop", "world.follower.*", *ROSTER),
    "mean_kill_switch_coverage": (*COMPLIANCE, *ECOSYSTEM),
    "final_covered_open_copies": (*ECOSYSTEM, *COMPLIANCE),
    "mean_covered_open_copies": (*ECOSYSTEM, *COMPLIANCE),
    "final_covered_open_copies_share": (*ECOSYSTEM, *COMPLIANCE),
    "final_covered_open_current_share": (*ECOSYSTEM, *COMPLIANCE),
    "share_comply": (*COMPLIANCE, *ENFORCEMENT),
    "share_withhold": (*COMPLIANCE, *ENFORCEMENT),
    "share_exit": (*COMPLIANCE, *ENFORCEMENT),
    "share_defy": (*COMPLIANCE, *ENFORCEMENT),
    "share_relocate": COMPLIANCE,
    "relocations": COMPLIANCE,
    "markets_left": (*COMPLIANCE, *ENFORCEMENT),
    "injunctions": ENFORCEMENT,
    "penalties_musd": (*COMPLIANCE, *ENFORCEMENT),
    "cash_compliance_musd": COMPLIANCE,
    "private_value_forgone_musd": COMPLIANCE,
}
"""Outcome key (or its prefix before `__` / `_1e..`) -> the parameters it depends on most
directly, as `--set` path patterns."""
ENTITY_LISTS = ("developers", "states", "regulators")


@dataclass(frozen=True)
class SchemaField:
    """One scenario key: its path pattern, description and whether it is unsourced."""

    pattern: str
    description: str
    default: Any

    @property
    def unsourced(self) -> bool:
        return UNSOURCED_MARK in self.description.lower()


@dataclass(frozen=True)
class Assumption:
    """An unsourced parameter a brief rests on, with the value(s) the run used.

    `label` is in words ("the PRC: distillation hazard per month"), `value` as the run used it
    ("0.1", or "0 to 3,000 across 9 developers"), `why` says what depends on it, `varied`
    whether the run sampled it rather than holding it fixed.
    """

    pattern: str
    label: str
    value: str
    description: str
    why: tuple[str, ...]
    varied: bool


# The schema ----------------------------------------------------------------------------------


@functools.cache
def schema_fields() -> tuple[SchemaField, ...]:
    """Every leaf key of a scenario file, as path patterns (`*` for an entry of a list of
    named entities; a policy's segment is its kind)."""
    from sim.scenario.schema import Scenario

    return tuple(_walk(Scenario, ""))


def _walk(model: Any, prefix: str) -> Iterator[SchemaField]:
    for name, info in model.model_fields.items():
        if prefix == "" and name in ("scenario", "sweep"):
            continue  # the question and the design, not the world
        path = f"{prefix}.{name}" if prefix else name
        nested = _models_in(info.annotation)
        if not nested:
            default = None if info.default_factory is not None else info.default
            yield SchemaField(path, info.description or "", default)
            continue
        listed = typing.get_origin(info.annotation) is list
        for sub in nested:
            segment = f"{path}.*" if listed else path
            kind = _policy_kind(sub)
            if kind is not None:
                segment = f"{path}.{kind}"
            yield from _walk(sub, segment)


def _models_in(annotation: Any) -> list[Any]:
    """The pydantic model classes an annotation holds (through lists, unions, Annotated)."""
    from pydantic import BaseModel

    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    found = []
    for argument in typing.get_args(annotation):
        found += _models_in(argument)
    return found


def _policy_kind(model: Any) -> str | None:
    field = model.model_fields.get("kind")
    if field is None:
        return None
    values = typing.get_args(field.annotation)
    return str(values[0]) if len(values) == 1 else None


# Values in a scenario -----------------------------------------------------------------------


_MISSING = object()


def instances(raw: Mapping[str, Any], pattern: str,
              default: Any = _MISSING) -> list[tuple[str, str, Any]]:
    """``(path, owner label, value)`` of every key of a resolved scenario matching `pattern`
    (a schema pattern, possibly with wildcards); the owner is the entity's label (a developer,
    state, regulator or policy) or '' for world keys. A key an entity leaves out has
    `default`, when one is given (a scenario written before the key existed)."""
    found: list[tuple[str, str, Any]] = []
    _collect(raw, pattern.split("."), [], "", found, default)
    return found


def _collect(node: Any, segments: list[str], path: list[str], owner: str,
             found: list[tuple[str, str, Any]], default: Any) -> None:
    if not segments:
        found.append((".".join(path), owner, node))
        return
    head, rest = segments[0], segments[1:]
    if isinstance(node, list):  # a list of named entries: the segment matches names or kinds
        for entry in node:
            if not isinstance(entry, Mapping):
                continue
            name = str(entry.get("name") or entry.get("kind") or "")
            kind = str(entry.get("kind", ""))
            if fnmatch.fnmatchcase(name, head) or (kind and fnmatch.fnmatchcase(kind, head)):
                _collect(entry, rest, [*path, name], _owner(entry, owner), found, default)
        return
    if not isinstance(node, Mapping):
        return
    if head not in node and not any(c in head for c in "*?[") and default is not _MISSING:
        if rest:
            _collect({}, rest, [*path, head], owner, found, default)  # a table left out
        else:
            found.append((".".join([*path, head]), owner, default))
        return
    for key, value in node.items():
        if fnmatch.fnmatchcase(str(key), head):
            _collect(value, rest, [*path, str(key)], owner, found, default)


def _owner(entry: Mapping[str, Any], parent: str) -> str:
    if entry.get("kind"):  # a policy: its regulator's
        kind = str(entry.get("kind", "")).replace("_", " ")
        return f"{parent}'s {kind}" if parent else kind
    return str(entry.get("label") or entry.get("name") or "")


def changed_policies(baseline: Mapping[str, Any], policy: Mapping[str, Any]) -> list[str]:
    """`--set` path prefixes (`regulators.california.policies.kill_switch`) of the instruments
    that `policy` adds or sets differently from `baseline`."""
    def policies(raw: Mapping[str, Any]) -> dict[str, Mapping[str, Any]]:
        found = {}
        for regulator in raw.get("regulators") or []:
            if not isinstance(regulator, Mapping):
                continue
            for entry in regulator.get("policies") or []:
                if isinstance(entry, Mapping):
                    name = entry.get("name") or entry.get("kind")
                    found[f"regulators.{regulator.get('name')}.policies.{name}"] = entry
        return found

    before = policies(baseline)
    return [path for path, entry in policies(policy).items() if before.get(path) != entry]


def policy_label(raw: Mapping[str, Any], path: str) -> str:
    """'California's kill switch' for `regulators.california.policies.kill_switch`."""
    parts = path.split(".")
    if len(parts) < 4:
        return path
    for regulator in raw.get("regulators") or []:
        if isinstance(regulator, Mapping) and str(regulator.get("name")) == parts[1]:
            for entry in regulator.get("policies") or []:
                if isinstance(entry, Mapping) and str(entry.get("name") or entry.get(
                        "kind")) == parts[3]:
                    owner = str(regulator.get("label") or regulator.get("name"))
                    return f"{owner}'s {str(entry.get('kind', parts[3])).replace('_', ' ')}"
    return path


# Assumptions --------------------------------------------------------------------------------


def dependencies(outcome: str) -> tuple[str, ...]:
    """The parameter patterns an outcome depends on most directly (none if unknown)."""
    prefix = outcome.partition("__")[0]
    if prefix.startswith("state_months_to_"):
        prefix = "state_months_to"
    return OUTCOME_DEPENDENCIES.get(prefix, ())


def assumptions_for(
    raw: Mapping[str, Any],
    reasons: Sequence[tuple[str, Sequence[str]]],
    varied: set[str] | frozenset[str] = frozenset(),
) -> list[Assumption]:
    """The unsourced parameters behind each `(reason, patterns)` pair, once each, in turn: the
    first-listed parameter of every reason, then the second of each, and so on (so a short list
    names something behind every reason).

    A pattern is a schema pattern (`states.*.distillation_*`: every state's) or a concrete path
    (`regulators.california.policies.kill_switch.*`: that instrument's). `raw` is the resolved
    scenario whose values are shown; `varied` holds the `--set` paths the run sampled.
    """
    chosen: dict[str, tuple[SchemaField, dict[str, tuple[str, Any]], list[str]]] = {}
    rank: dict[str, tuple[int, int]] = {}
    fields = [(field, instances(raw, field.pattern, field.default)) for field in schema_fields()
              if field.unsourced]
    for reason_index, (reason, patterns) in enumerate(reasons):
        for field, found in fields:
            for path, owner, value in found:
                position = _first_match(path, field.pattern, patterns)
                if position is None:
                    continue
                _, selected, why = chosen.setdefault(field.pattern, (field, {}, []))
                selected[path] = (owner, value)
                if reason not in why:
                    why.append(reason)
                rank[field.pattern] = min(rank.get(field.pattern, (position, reason_index)),
                                          (position, reason_index))
    found = [_assumption(field, selected, why, varied)
             for field, selected, why in chosen.values()]
    # Each reason's first-listed parameter first (round robin), then the next...
    return sorted(found, key=lambda a: rank[a.pattern])


def _first_match(path: str, pattern: str, patterns: Sequence[str]) -> int | None:
    """The position of the first of `patterns` that names `path` or its schema `pattern`."""
    for position, candidate in enumerate(patterns):
        if fnmatch.fnmatchcase(path, candidate) or fnmatch.fnmatchcase(pattern, candidate):
            return position
    return None


def _assumption(field: SchemaField, selected: dict[str, tuple[str, Any]], why: list[str],
                varied: set[str] | frozenset[str]) -> Assumption:
    owners = sorted({owner for owner, _ in selected.values() if owner})
    values = [value for _, value in selected.values()]
    return Assumption(field.pattern, _label(field.pattern, owners),
                      _values(values, field.pattern.rsplit(".", 1)[-1]),
                      field.description, tuple(why), any(path in varied for path in selected))


MAX_OWNERS_NAMED = 2
UNIT_WORDS = {"musd": "USD M", "usd": "USD", "oom": "OOM", "flop": "FLOP"}
"""Unit suffixes of key names, in words."""


def key_words(key: str) -> str:
    """A key in words, its unit in brackets: 'capability_value_musd_per_oom' -> 'capability
    value (USD M per OOM)'."""
    words = key.split("_")
    at = next((i for i, word in enumerate(words) if word in UNIT_WORDS and i > 0), None)
    if at is None:
        return " ".join(words)
    unit = " ".join(UNIT_WORDS.get(word, word) for word in words[at:])
    return " ".join(words[:at]) + f" ({unit})"


def _label(pattern: str, owners: list[str]) -> str:
    key = key_words(pattern.rsplit(".", 1)[-1])
    if not owners:
        section = pattern.rsplit(".", 1)[0].removeprefix("world").strip(".").replace("_", " ")
        return f"{section}: {key}" if section else key
    if len(owners) <= MAX_OWNERS_NAMED:
        return f"{' and '.join(owners)}: {key}"
    return f"{len(owners)} {pattern.split('.', 1)[0]}: {key}"


def _values(values: list[Any], key: str = "") -> str:
    texts = [value_text(value, key) for value in values]
    if len(set(texts)) == 1:
        return texts[0] + (" each" if len(values) > 1 else "")
    numbers = [v for v in values if isinstance(v, int | float) and not isinstance(v, bool)]
    if len(numbers) == len(values):
        return f"{value_text(min(numbers), key)} to {value_text(max(numbers), key)}"
    return "; ".join(sorted(set(texts)))


def value_text(value: Any, key: str = "") -> str:
    """A scenario value in words, never in exponent notation: numbers to about three figures
    (a `*_flop` key's FLOP as a multiple of GPT-4's training compute, a `*_per_flop` price as
    the price of that compute, other large or tiny numbers in words), ranges [6, 12] as '6 to
    12', booleans as yes/no. `key` is the parameter's name (its last part)."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int | float):
        number = float(value)
        if not math.isfinite(number):
            return str(number)
        if key.endswith("usd_per_flop") or "usd_per_flop_" in key:
            return f"{wording.usd(number * wording.GPT4_TRAINING_FLOP)} for {GPT4_COMPUTE}"
        if (key.endswith("_flop") or "_flop_" in key) and number > 0:
            return wording.flop(number)
        if number != 0 and not 1e-3 <= abs(number) < 1e6:
            return wording.plain_number(number)
        return f"{number:,.0f}" if number.is_integer() else f"{number:,.4g}"
    if isinstance(value, Mapping):
        return ", ".join(f"{name} {value_text(item, key)}" for name, item in value.items())
    if isinstance(value, list) and len(value) == 2 and all(
            isinstance(v, int | float) for v in value):
        return f"{value_text(value[0], key)} to {value_text(value[1], key)}"
    if isinstance(value, list):
        return ", ".join(value_text(v, key) for v in value)
    return str(value)


def varied_parameters(manifest: Mapping[str, Any]) -> frozenset[str]:
    """The `--set` paths a run sampled: a sweep's design parameters, or the uncertain
    parameters a run or comparison records under `uncertainty` (a list of paths, or a table
    keyed by path); empty when it varied none."""
    found: set[str] = set()
    design = manifest.get("design")
    if isinstance(design, Mapping):
        for group in ("parameters", "uncertainties", "levers"):
            found |= _keys(design.get(group))
    for key in ("uncertainty", "uncertain_parameters"):
        found |= _keys(manifest.get(key))
    return frozenset(found)


def _keys(value: Any) -> set[str]:
    if isinstance(value, Mapping):
        nested = value.get("parameters")
        return _keys(nested) if nested is not None else {str(k) for k in value}
    if isinstance(value, list):
        keys = set()
        for item in value:
            if isinstance(item, str):
                keys.add(item)
            elif isinstance(item, Mapping) and "key" in item:
                keys.add(str(item["key"]))
        return keys
    return set()
