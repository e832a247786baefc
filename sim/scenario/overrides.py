"""`--set KEY=VALUE` overrides, and how a dotted key path addresses agents and policies by name.

A key is a dotted path. After `developers`, `states`, `regulators` and a regulator's `policies`
the next segment is the NAME of an entry (a policy's name defaults to its `kind`):

    scenario.months=24
    world.ecosystem.adopters=1000
    developers.meta.security_level=3
    regulators.california.policies.kill_switch.threshold_flop=1e25

VALUE is a TOML literal, parsed as `v = VALUE` (`sim.scenario.toml_guard`; never evaluated):
`3`, `1e25`, `true`, `"a string"`, `[1, 2]`, `{ US = 0.5, EU = 0.5 }`, `2025-01-01`. Two
conveniences for values that are not valid TOML: a bare word such as `open` or `kill_switch`
(regex `[A-Za-z_][A-Za-z0-9_-]*`) is taken as that string, and so is a month such as `2025-03`.
Anything else that is not valid TOML (e.g. a string with spaces) needs quotes, which the shell
needs quoted in turn: `--set 'scenario.description="two words"'`. Key segments are bare words
(TOML's quoted keys are not supported); a table missing along the way is created.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Sequence
from typing import Any

from sim.scenario.errors import Problem, did_you_mean, short_repr
from sim.scenario.toml_guard import MAX_KEY_CHARS, MAX_KEY_PARTS, TomlShapeError
from sim.scenario.toml_guard import loads as toml_loads

OVERRIDE_SOURCE = "--set"
"""The `file` named in problems and provenance for command-line overrides."""

BARE_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*")
MONTH_WORD = re.compile(r"\d{4}-\d{2}")
INDEXED_SEGMENT = re.compile(r"(?P<array>[A-Za-z_][A-Za-z0-9_-]*)\[(?P<index>\d+)\]")
KEY_EXPECTED = (f"a dotted key such as developers.meta.security_level (at most {MAX_KEY_PARTS} "
                f"parts and {MAX_KEY_CHARS} characters)")
TOML_VALUE_EXAMPLES = 'a TOML value (3, 1e25, true, "text", [1, 2], { a = 1 })'

KeyPath = tuple[str, ...]
"""A key path as segments, with entry names (or "[i]" for an unnamed entry) for list items."""

_ENTRY_WORDS = {"developers": "developer", "developer_groups": "developer group",
                "states": "state", "regulators": "regulator"}


def is_named_array(path: KeyPath) -> bool:
    """Whether the array at `path` holds named tables (addressed and merged by name)."""
    if len(path) == 1:
        return path[0] in _ENTRY_WORDS
    return len(path) == 3 and path[0] == "regulators" and path[2] == "policies"


def entry_name(entry: Any, array_path: KeyPath) -> str | None:
    """The name of one entry of a named array (a policy's name defaults to its kind)."""
    if not isinstance(entry, dict):
        return None
    name = entry.get("name")
    if name is None and array_path[-1:] == ("policies",):
        name = entry.get("kind")
    return name if isinstance(name, str) and name else None


def entry_word(array_path: KeyPath) -> str:
    """What one entry of a named array is called in messages: 'developer', 'policy', ..."""
    return _ENTRY_WORDS.get(array_path[-1], "policy")


def join_path(path: KeyPath) -> str:
    """Segments as a dotted key ("[i]" segments attach without a dot)."""
    text = ""
    for segment in path:
        text += segment if segment.startswith("[") or not text else "." + segment
    return text


def child_path(array_path: KeyPath, index: int, entry: Any) -> KeyPath:
    """The path of entry `index` of the array at `array_path`: by name if it has one."""
    name = entry_name(entry, array_path) if is_named_array(array_path) else None
    return (*array_path, name or f"[{index}]")


def record_sources(provenance: dict[str, str], path: KeyPath, value: Any, source: str) -> None:
    """Note that `source` set `value` at `path`, and every key inside it.

    The latest setting moves to the end, so `provenance` lists keys in the order last set.
    """
    key = join_path(path)
    provenance.pop(key, None)
    provenance[key] = source
    if isinstance(value, dict):
        for key, item in value.items():
            record_sources(provenance, (*path, str(key)), item, source)
    elif isinstance(value, list) and is_named_array(path):
        for index, entry in enumerate(value):
            record_sources(provenance, child_path(path, index, entry), entry, source)


def parse_value(text: str) -> Any:
    """A `--set` value: a TOML literal, or a bare word or month taken as a string.

    Raises ValueError if it is neither.
    """
    if "\n" in text or "\r" in text:
        raise ValueError("a value must be on one line")
    try:
        document = toml_loads("v = " + text)
    except TomlShapeError:  # nested too deep to read: not a word either
        raise
    except ValueError:  # TOMLDecodeError, or an integer too long to convert
        if BARE_WORD.fullmatch(text) or MONTH_WORD.fullmatch(text):
            return text
        raise ValueError("not a TOML value") from None
    if set(document) != {"v"}:
        raise ValueError("not a single TOML value")
    return document["v"]


def apply_overrides(
    raw: dict[str, Any],
    overrides: Sequence[str],
    provenance: dict[str, str] | None = None,
) -> tuple[dict[str, Any], list[Problem]]:
    """Apply `KEY=VALUE` overrides to a copy of a raw scenario dict.

    Returns the new dict and the problems found (file "--set"); a bad override is skipped and
    the others still apply. If `provenance` is given, each key set is recorded as "--set".
    """
    result = copy.deepcopy(raw)
    problems: list[Problem] = []
    for text in overrides:
        problem = _apply_one(result, text, provenance)
        if problem is not None:
            problems.append(problem)
    return result, problems


def _apply_one(raw: dict[str, Any], text: str, provenance: dict[str, str] | None) -> Problem | None:
    key_text, equals, value_text = text.partition("=")
    key_text, value_text = key_text.strip(), value_text.strip()
    if not equals:
        return Problem(
            OVERRIDE_SOURCE, expected="KEY=VALUE, e.g. scenario.months=24", found=short_repr(text)
        )
    segments = _segments(key_text)
    if segments is None:
        return Problem(
            OVERRIDE_SOURCE,
            expected=KEY_EXPECTED,
            found=short_repr(key_text),
        )
    try:
        value = parse_value(value_text)
    except TomlShapeError as error:
        return Problem(OVERRIDE_SOURCE, key_text, message=f"value: {error.what}; refused")
    except ValueError:
        return Problem(
            OVERRIDE_SOURCE,
            key_text,
            expected=TOML_VALUE_EXAMPLES,
            found=short_repr(value_text),
            hint="quote strings that are not a single word, e.g. '\"two words\"'",
        )
    problem = _set(raw, segments, value)
    if problem is None and provenance is not None:
        record_sources(provenance, segments, value, OVERRIDE_SOURCE)
    return problem


def _segments(key: str) -> KeyPath | None:
    """The segments of a dotted key; None if one is empty or padded, or the key is longer than
    a scenario file's keys may be (`sim.scenario.toml_guard`)."""
    segments = tuple(key[: MAX_KEY_CHARS + 1].split("."))
    if len(key) > MAX_KEY_CHARS or len(segments) > MAX_KEY_PARTS:
        return None
    if not all(segment and segment.strip() == segment for segment in segments):
        return None
    return segments


def _set(raw: dict[str, Any], segments: KeyPath, value: Any) -> Problem | None:
    """Set `value` at `segments` (names address named-array entries); a Problem if impossible."""
    node: Any = raw
    for depth, segment in enumerate(segments):
        here, last = segments[:depth], depth == len(segments) - 1
        if isinstance(node, list) and is_named_array(here):
            index = _index_of(node, segment, here)
            if index is None:
                return _unknown_name(node, segment, here)
            if last:
                node[index] = _keep_name(value, node[index])
                return None
            node = node[index]
        elif isinstance(node, dict):
            indexed = INDEXED_SEGMENT.fullmatch(segment)
            if indexed and is_named_array((*here, indexed["array"])):
                return _indexed_entry(node, segments, depth, indexed)
            if last:
                node[segment] = value
                return None
            if segment not in node and is_named_array((*here, segment)):
                return _unknown_name([], segments[depth + 1], (*here, segment))
            node = node.setdefault(segment, {})
        else:
            return _not_a_table(segments, here, node)
    return None


def _indexed_entry(node: dict[str, Any], segments: KeyPath, depth: int, indexed: Any) -> Problem:
    """A `developers[0]` segment: entries are addressed by name; suggest the key to use."""
    array_path = (*segments[:depth], indexed["array"])
    entries = node.get(indexed["array"])
    entries = entries if isinstance(entries, list) else []
    names = [entry_name(entry, array_path) for entry in entries]
    index = int(indexed["index"])
    hint = f"no {entry_word(array_path)} is defined"
    if 0 <= index < len(names) and names[index]:
        hint = "e.g. " + join_path((*array_path, names[index], *segments[depth + 1 :]))
    elif any(names):
        hint = "defined: " + ", ".join(name for name in names if name)
    return Problem(
        OVERRIDE_SOURCE,
        join_path(segments),
        message=f"{entry_word(array_path)} entries are addressed by name, not by index",
        hint=hint,
    )


def _not_a_table(segments: KeyPath, here: KeyPath, node: Any) -> Problem:
    hint = f"set the whole array instead: {join_path(here)}=[...]" if isinstance(node, list) else ""
    return Problem(
        OVERRIDE_SOURCE,
        join_path(segments),
        message=f"{join_path(here)} is {short_repr(node)}, not a table",
        hint=hint,
    )


def _index_of(entries: list[Any], name: str, array_path: KeyPath) -> int | None:
    for index, entry in enumerate(entries):
        if entry_name(entry, array_path) == name:
            return index
    return None


def _keep_name(value: Any, old_entry: Any) -> Any:
    """A whole entry replaced by an inline table keeps its name unless the table gives one."""
    named = isinstance(old_entry, dict) and "name" in old_entry
    if named and isinstance(value, dict) and "name" not in value:
        return {"name": old_entry["name"], **value}
    return value


def _unknown_name(entries: list[Any], name: str, array_path: KeyPath) -> Problem:
    names = [n for n in (entry_name(e, array_path) for e in entries) if n is not None]
    word = entry_word(array_path)
    hint = did_you_mean(name, names)
    if not hint:
        hint = f"defined: {', '.join(names)}" if names else f"no {word} with a name is defined"
    return Problem(
        OVERRIDE_SOURCE,
        join_path((*array_path, name)),
        message=f"unknown {word} name {name!r}",
        hint=hint,
    )


def set_value(raw: dict[str, Any], key: str, value: Any, source: str) -> Problem | None:
    """Set an already-parsed `value` at the dotted `key` of `raw` in place (as `--set` does);
    a Problem naming `source` if the key cannot be set."""
    segments = _segments(key)
    if segments is None:
        return Problem(source, expected=KEY_EXPECTED, found=short_repr(key))
    problem = _set(raw, segments, copy.deepcopy(value))
    return None if problem is None else Problem(source, problem.key, problem.expected,
                                                problem.found, problem.hint, problem.message)
