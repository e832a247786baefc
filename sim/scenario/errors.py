"""Scenario problems: what was wrong, where (file and dotted key path), and how to fix it.

Every check in the scenario language reports a `Problem`; a `ScenarioError` carries all of them
at once, so a user fixes a file in one pass rather than one error per run. pydantic's validation
errors are translated here into Problems that name agents and policies and say, from the schema,
what a valid value looks like.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
import types
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Annotated, Any, Literal, Union, get_args, get_origin

from pydantic import BaseModel, ValidationError
from pydantic.fields import FieldInfo

from sim.scenario import types as scenario_types

FOUND_MAX_CHARS = 60
"""Longest `found` text shown before it is cut with '...'."""


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a scenario.

    `file` is the scenario file that set the offending value (or "--set" for a command-line
    override); `key` is the dotted path, with agent and policy names instead of list indices
    ("" for the whole file). Either `expected` (and usually `found`) or `message` says what is
    wrong; `hint` says how to fix it, e.g. "did you mean 'security_level'?".
    """

    file: str
    key: str = ""
    expected: str = ""
    found: str = ""
    hint: str = ""
    message: str = ""

    def format(self) -> str:
        """One line: `file: key: expected X; found Y; hint` (or `file: key: message; hint`)."""
        parts = [self.message] if self.message else []
        if self.expected:
            parts.append(f"expected {self.expected}")
        if self.found:
            parts.append(f"found {self.found}")
        if self.hint:
            parts.append(self.hint)
        where = f"{self.file}: {self.key}: " if self.key else f"{self.file}: "
        return where + "; ".join(parts)


class ScenarioError(Exception):
    """A scenario that cannot be loaded, with every problem found."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems = list(dict.fromkeys(problems))  # drop exact duplicates, keep order
        super().__init__(self.format())

    def format(self) -> str:
        """One line per problem."""
        return "\n".join(problem.format() for problem in self.problems)


def short_repr(value: Any, max_chars: int = FOUND_MAX_CHARS) -> str:
    """A value as written in a scenario (repr; dates as ISO), cut to `max_chars`."""
    text = value.isoformat() if isinstance(value, dt.date | dt.time) else repr(value)
    if len(text) > max_chars:
        text = text[: max_chars - 3] + "..."
    return text


def nearest(word: str, choices: Iterable[str]) -> str | None:
    """The choice closest to `word`, or None if none is close.

    A choice that starts with `word` comes first (`hazard_per_month` is short for
    `hazard_per_month_at_parity`), then one that contains it, then difflib's closest; among
    several, the shortest.
    """
    options = [str(c) for c in choices]
    if len(word) >= 3:
        for matches in ([c for c in options if c.startswith(word)],
                        [c for c in options if word in c]):
            if matches:
                return min(matches, key=lambda c: (len(c), c))
    close = difflib.get_close_matches(word, options, n=1, cutoff=0.6)
    return close[0] if close else None


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """A hint "did you mean 'x'?" naming the nearest choice, or "" if none is close."""
    match = nearest(word, choices)
    return f"did you mean {match!r}?" if match else ""


def policy_kind_hint(kind: str) -> str:
    """A hint for an unknown policy kind: the nearest registered kind and the full list."""
    from sim.model.policies import POLICY_KINDS

    known = "known kinds: " + ", ".join(sorted(POLICY_KINDS))
    suggestion = did_you_mean(kind, POLICY_KINDS)
    return f"{suggestion} {known}" if suggestion else known


# Translating pydantic's errors ---------------------------------------------------------------
# pydantic reports `loc` tuples with list indices, e.g. ('regulators', 0, 'policies', 1,
# 'kill_switch', 'threshold_flop'); users think in names: regulators.california.policies.
# kill_switch.threshold_flop. The schema itself says what a valid value looks like.


def problems_from_validation(
    error: ValidationError,
    raw: dict[str, Any],
    provenance: dict[str, str],
    default_file: str,
) -> list[Problem]:
    """One Problem per pydantic error, with named key paths and the file that set each value.

    `raw` is the dict that was validated; `provenance` maps dotted paths to the file (or "--set")
    that set them; `default_file` is named for keys no file set (e.g. a missing key).
    """
    return [
        _problem_from(err, raw, provenance, default_file) for err in error.errors(include_url=False)
    ]


def _problem_from(err: Any, raw: dict, provenance: dict[str, str], default_file: str) -> Problem:
    # Imported here because `overrides` imports this module for `Problem`.
    from sim.scenario.overrides import join_path

    loc, kind = tuple(err["loc"]), err["type"]
    path = _named_path(loc, raw)
    file = _source_of(path, provenance, default_file)
    if kind == "missing":
        described = _field_description(loc).rstrip(".")
        message = f"missing required key {path[-1]!r}" + (f" ({described})" if described else "")
        return Problem(file, join_path(path[:-1]), message=message)
    if kind == "extra_forbidden":
        return Problem(
            file,
            join_path(path[:-1]),
            message=f"unknown key {path[-1]!r}",
            hint=did_you_mean(path[-1], _valid_keys(loc[:-1])),
        )
    if kind in ("union_tag_invalid", "union_tag_not_found"):
        tag = str(err.get("ctx", {}).get("tag", ""))
        message = f"unknown policy kind {tag!r}" if tag else "missing required key 'kind'"
        return Problem(
            file, join_path((*path, "kind")), message=message, hint=policy_kind_hint(tag)
        )
    located = _type_at(loc)
    message = _clean_message(err["msg"])
    if kind in ("value_error", "assertion_error") and (located is None or _is_model(located[0])):
        # A check across several keys of one table: name the file that last changed the table.
        file = _latest_source_within(path, provenance, file)
        return Problem(file, join_path(path), message=message)
    found = short_repr(err["input"])
    expected = _describe(*located) if located is not None else None
    if expected is None:
        expected = message.removeprefix("Input should be ")
        return Problem(file, join_path(path), expected=expected, found=found)
    hint = ""
    if kind == "value_error" and not message.startswith("expected"):
        hint = re.sub(r", found .*$", "", message)  # the value is shown as `found` already
    return Problem(file, join_path(path), expected=expected, found=found, hint=hint)


def _clean_message(message: str) -> str:
    """pydantic's message without its 'Value error, ' prefix."""
    for prefix in ("Value error, ", "Assertion failed, "):
        message = message.removeprefix(prefix)
    return message


def _named_path(loc: tuple, raw: dict[str, Any]) -> tuple[str, ...]:
    """The segments of a pydantic `loc`, naming list entries and dropping union tags."""
    from sim.scenario.overrides import child_path

    path: tuple[str, ...] = ()
    node: Any = raw
    in_policy = False
    for item in loc:
        if item == "[key]":  # the error is about a dict key, already the last segment
            continue
        if isinstance(item, int):
            entry = node[item] if isinstance(node, list) and 0 <= item < len(node) else None
            in_policy = path[-1:] == ("policies",)
            path, node = child_path(path, item, entry), entry
            continue
        is_tag = in_policy and isinstance(node, dict) and item == node.get("kind")
        in_policy = False
        if is_tag and item not in node:
            continue
        path += (str(item),)
        node = node.get(item) if isinstance(node, dict) else None
    return path


def _source_of(path: tuple[str, ...], provenance: dict[str, str], default_file: str) -> str:
    """The file that set `path`, or the nearest enclosing table it set."""
    from sim.scenario.overrides import join_path

    exact = provenance.get(join_path(path))
    if exact is not None or not path:
        return exact or default_file
    # A table that only an override created (e.g. by a misspelt key): whoever set inside it.
    inside = _latest_source_within(path, provenance, "")
    if inside:
        return inside
    for length in range(len(path) - 1, 0, -1):
        source = provenance.get(join_path(path[:length]))
        if source is not None:
            return source
    return default_file


def _latest_source_within(path: tuple[str, ...], provenance: dict[str, str], default: str) -> str:
    """The source that most recently set any key at or inside `path` (provenance is ordered)."""
    from sim.scenario.overrides import join_path

    prefix = join_path(path)
    latest = default
    for key, source in provenance.items():
        if key == prefix or key.startswith(prefix + ".") or key.startswith(prefix + "["):
            latest = source
    return latest


# What the schema expects at a location -----------------------------------------------------


def _type_at(loc: tuple) -> tuple[Any, list[Any]] | None:
    """The annotation and constraints the schema has at `loc`, or None if it has none."""
    from sim.scenario.schema import Scenario

    if loc[-1:] == ("[key]",):  # a bad key of a table: loc is (..., table, key, "[key]")
        table = _type_at(loc[:-2])
        is_dict = table is not None and get_origin(table[0]) is dict
        return _unwrap(get_args(table[0])[0], []) if is_dict else None
    located: tuple[Any, list[Any]] | None = (Scenario, [])
    for item in loc:
        if located is None:
            return None
        located = _step(_unwrap(*located)[0], item)
    return _unwrap(*located) if located is not None else None


def _unwrap(annotation: Any, metadata: list[Any]) -> tuple[Any, list[Any]]:
    """Strip `Annotated` (collecting its constraints) and `| None`."""
    metadata = list(metadata)
    while True:
        origin = get_origin(annotation)
        if origin is Annotated:
            annotation, *extras = get_args(annotation)
            for extra in extras:
                metadata.extend(extra.metadata if isinstance(extra, FieldInfo) else [extra])
        elif origin in (Union, types.UnionType) and type(None) in get_args(annotation):
            members = [a for a in get_args(annotation) if a is not type(None)]
            if len(members) != 1:
                return annotation, metadata
            annotation = members[0]
        else:
            return annotation, metadata


def _step(annotation: Any, item: Any) -> tuple[Any, list[Any]] | None:
    """The annotation one `loc` item inside `annotation`."""
    origin, args = get_origin(annotation), get_args(annotation)
    if _is_model(annotation):
        field = annotation.model_fields.get(item) if isinstance(item, str) else None
        return (field.annotation, list(field.metadata)) if field is not None else None
    if origin is list and args:
        return args[0], []
    if origin is tuple and isinstance(item, int) and item < len(args) and args[item] is not ...:
        return args[item], []
    if origin is dict and len(args) == 2:
        return args[1], []
    if origin in (Union, types.UnionType):
        member = _union_member(args, item)
        return (member, []) if member is not None else None
    return None


def _union_member(members: tuple, kind: Any) -> type[BaseModel] | None:
    """The member of a union of policy parameter classes whose `kind` is `kind`."""
    for member in members:
        member = _unwrap(member, [])[0]
        field = member.model_fields.get("kind") if _is_model(member) else None
        if field is not None and kind in get_args(field.annotation):
            return member
    return None


def _is_model(annotation: Any) -> bool:
    return isinstance(annotation, type) and issubclass(annotation, BaseModel)


def _valid_keys(loc: tuple) -> list[str]:
    located = _type_at(loc)
    if located is None or not _is_model(located[0]):
        return []
    return list(located[0].model_fields)


def _field_description(loc: tuple) -> str:
    located = _type_at(loc[:-1])
    if located is None or not _is_model(located[0]):
        return ""
    field = located[0].model_fields.get(loc[-1])
    return (field.description or "") if field is not None else ""


def _describe(annotation: Any, metadata: list[Any]) -> str | None:
    """A human description of what `annotation` accepts, e.g. 'an integer from 1 to 5'."""
    origin, args = get_origin(annotation), get_args(annotation)
    if any(getattr(m, "func", None) is scenario_types._normalise_month for m in metadata):
        first, last = scenario_types.FIRST_MONTH, scenario_types.LAST_MONTH
        return f"a month from {first} to {last}, as 'YYYY-MM'"
    if origin is Literal:
        choices = ", ".join(repr(a) for a in args)
        return f"one of {choices}" if len(args) > 1 else choices
    if annotation is bool:
        return "true or false"
    if annotation in (int, float):
        return ("an integer" if annotation is int else "a number") + _bounds(metadata, annotation)
    if annotation is str:
        return _describe_string(metadata)
    if origin is tuple and args and all(a is int for a in args):
        return "a pair of integers [min, max]" if len(args) == 2 else "an array of integers"
    if origin is list and args:
        item_type, item_metadata = _unwrap(args[0], [])
        item = _describe(item_type, item_metadata)
        at_least = _constraint(metadata, "min_length")
        at_most = _constraint(metadata, "max_length")
        if at_least == at_most == 2 and item_type is int:
            return "a pair of integers [min, max]" + _bounds(item_metadata, int).replace(
                " from", ", each from")
        distinct = any(getattr(m, "func", None) is scenario_types._no_repeats for m in metadata)
        noun = "distinct items" if distinct else "item(s)"
        if at_least and at_most is not None:
            described = f"an array of {at_least} to {at_most} {noun}"
        elif at_least or at_most is not None:
            described = f"an array of at {'least' if at_least else 'most'} "
            described += f"{at_least or at_most} {noun}"
        else:
            described = "an array of distinct items" if distinct else "an array"
        return described + (f", each item {item}" if item else "")
    if origin is dict and len(args) == 2:
        key, value = (_describe(*_unwrap(a, [])) for a in args)
        return f"a table, each key {key} and each value {value}"
    if _is_model(annotation) or origin in (Union, types.UnionType):
        return "a table"
    return None


def _bounds(metadata: list[Any], number_type: type) -> str:
    """' from 1 to 5' for integers, else ' >= 0 and <= 1'; '' if unbounded."""
    low, high = _constraint(metadata, "ge"), _constraint(metadata, "le")
    above, below = _constraint(metadata, "gt"), _constraint(metadata, "lt")
    integer = number_type is int
    if integer:  # an integer > 0 is an integer >= 1
        low = above + 1 if above is not None else low
        high = below - 1 if below is not None else high
        above = below = None
    if low is not None and high is not None:
        return f" from {_number(low, integer)} to {_number(high, integer)}"
    parts = [
        f"{symbol} {_number(bound)}"
        for symbol, bound in ((">=", low), (">", above), ("<=", high), ("<", below))
        if bound is not None
    ]
    return " " + " and ".join(parts) if parts else ""


def _constraint(metadata: list[Any], name: str) -> Any:
    for item in metadata:
        value = getattr(item, name, None)
        if value is not None:
            return value
    return None


def _number(value: float, integer: bool = False) -> str:
    if integer or (float(value).is_integer() and abs(value) < 1e7):
        return str(int(value))
    return f"{value:g}"


def _describe_string(metadata: list[Any]) -> str:
    pattern = _constraint(metadata, "pattern")
    if pattern is not None:
        return _pattern_words().get(pattern, f"a string matching {pattern}")
    one_line = any(getattr(m, "func", None) is scenario_types._one_line for m in metadata)
    words = "one line of text" if one_line else "a string"
    if _constraint(metadata, "min_length"):
        words = "a non-empty " + words.removeprefix("a ") if not one_line else words
    at_most = _constraint(metadata, "max_length")
    return words + (f" of at most {at_most} characters" if at_most else "")


def _pattern_words() -> dict[str, str]:
    """Plain words for the patterns of `sim.scenario.types`."""
    name_pattern = _constraint(_unwrap(scenario_types.Name, [])[1], "pattern")
    code_pattern = _constraint(_unwrap(scenario_types.Jurisdiction, [])[1], "pattern")
    return {
        name_pattern: "a name: a letter, then letters, digits or underscores",
        code_pattern: "a jurisdiction code such as 'US', 'US-CA', 'EU', 'CN' or 'ROW'",
    }


def describe_field(field: FieldInfo) -> str:
    """What a schema field accepts, in words (e.g. 'a number >= 0 and <= 1')."""
    annotation, metadata = _unwrap(field.annotation, list(field.metadata))
    return _describe(annotation, metadata) or "a value"
