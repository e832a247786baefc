"""Loading scenario files: reading TOML, following `extends`, merging, overriding, validating.

A scenario may start with `extends = "baseline.toml"` (relative to the extending file; chains
are followed, cycles reported). Merging the extending file onto its base:

- tables merge key by key, at any depth;
- the arrays of named tables `developers`, `states`, `regulators` and each regulator's
  `policies` merge BY NAME (a policy's name defaults to its `kind`): an entry whose name is
  already there changes only the keys it gives; a new name is appended; an entry with
  `remove = true` deletes the entry of that name. A policy given a different `kind` replaces
  the old one wholesale;
- any other array, and any other value, is replaced wholesale.

Each dotted key remembers the file (or `--set`) that set it last, so a problem names the file to
edit. Scenario files are data: they are read with `tomllib` and nothing in them is executed.
"""

from __future__ import annotations

import copy
import os
import tomllib
import typing
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError

import sim
from sim.files import MIB, UnreadableFileError, kind_of, read_regular_file
from sim.scenario.changes import change_snapshots
from sim.scenario.errors import (
    Problem,
    ScenarioError,
    did_you_mean,
    problems_from_validation,
    short_repr,
)
from sim.scenario.overrides import (
    OVERRIDE_SOURCE,
    apply_overrides,
    child_path,
    entry_name,
    entry_word,
    is_named_array,
    join_path,
    record_sources,
)
from sim.scenario.schema import Scenario
from sim.scenario.toml_guard import TomlShapeError
from sim.scenario.toml_guard import loads as toml_loads
from sim.scenario.uncertain_keys import uncertainty_problems

MAX_SCENARIO_BYTES = MIB
"""Largest scenario file read (the bundled baseline is 12 KB)."""
UTF8_BOM = b"\xef\xbb\xbf"
TOML_SYNTAX_ERROR = "TOML syntax error"

NAMED_ARRAYS = ("developers", "developer_groups", "states", "regulators")
"""Top-level arrays of named tables (each regulator's `policies` is one too)."""


@dataclass(frozen=True)
class BundledScenario:
    """A scenario shipped with regsim: its name, file, question, and error if it fails to load."""

    name: str
    path: Path
    question: str
    error: str | None = None


@dataclass
class _Resolved:
    """A merged raw scenario, who set each key, and the problems found before validation."""

    raw: dict[str, Any]
    file: str
    provenance: dict[str, str] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)


# Public API -------------------------------------------------------------------------------


def load_scenario(path: str | os.PathLike[str], overrides: Sequence[str] = ()) -> Scenario:
    """Read, merge (`extends`), override (`--set KEY=VALUE`) and validate a scenario file.

    Raises ScenarioError listing every problem found; never any other exception for bad input.
    """
    with _guard(path):
        resolved = _resolve(Path(path), str(path), overrides)
        return _validate(resolved)


def validate_resolved(
    raw: dict[str, Any], source: str, provenance: dict[str, str] | None = None
) -> Scenario:
    """Validate a resolved scenario dict with every rule a file meets (schema and unique names).

    For dicts changed after loading: a `--set`, a design point. `source` names the origin of
    problems no `provenance` entry explains. Raises ScenarioError.
    """
    with _guard(source):
        problems = _duplicate_names(raw, source)
        return _validate(_Resolved(raw, source, dict(provenance or {}), problems))


def resolve_raw(path: str | os.PathLike[str], overrides: Sequence[str] = ()) -> dict[str, Any]:
    """The scenario as merged from its `extends` chain and overrides, before validation.

    Raises ScenarioError for problems found on the way (unreadable files, bad `extends`,
    duplicate names, bad overrides), but does not check the values against the schema.
    """
    with _guard(path):
        resolved = _resolve(Path(path), str(path), overrides)
    if resolved.problems:
        raise ScenarioError(resolved.problems)
    return resolved.raw


def bundled_dir() -> Path:
    """Where the bundled scenarios live: `sim/scenarios`, or the repo's `scenarios/`."""
    package = Path(sim.__file__).parent
    inside = package / "scenarios"
    return inside if inside.is_dir() else package.parent / "scenarios"


def find_scenario(name_or_path: str | os.PathLike[str]) -> Path:
    """An existing file, or a bundled scenario named with or without `.toml` ('baseline')."""
    path = Path(name_or_path)
    if _kind_of(path) is not None:
        return path  # whatever it is: reading it says what is wrong with it
    text = str(name_or_path)
    if text and os.sep not in text and "/" not in text:
        for candidate in (text, text + ".toml"):
            if _kind_of(bundled_dir() / candidate) == "file":
                return bundled_dir() / candidate
    names = [scenario.stem for scenario in _bundled_files()]
    hint = did_you_mean(Path(text).stem, names)
    listing = "bundled scenarios: " + ", ".join(names) if names else "no bundled scenarios"
    raise ScenarioError(
        [
            Problem(
                text,
                message="no such file or bundled scenario",
                hint=f"{hint} {listing}" if hint else listing,
            )
        ]
    )


def bundled_scenarios() -> list[BundledScenario]:
    """Every bundled scenario with its one-line question (or its error if it does not load)."""
    found = []
    for path in _bundled_files():
        try:
            question = load_scenario(path).scenario.question
        except ScenarioError as error:
            found.append(BundledScenario(path.stem, path, "", _summary(error)))
        else:
            found.append(BundledScenario(path.stem, path, question))
    return found


# Reading files ----------------------------------------------------------------------------


@contextmanager
def _guard(path: str | os.PathLike[str]) -> Iterator[None]:
    """Turn the failure deep input can cause anywhere (RecursionError) into a ScenarioError."""
    try:
        yield
    except RecursionError:
        raise ScenarioError([Problem(str(path), message="nested too deeply to read")]) from None


def _read_toml(path: Path, file: str) -> dict[str, Any]:
    """The TOML document at `path`; a ScenarioError naming `file` if it cannot be read."""
    return _parse_toml(_read_bytes(path, file), file)


def _read_bytes(path: Path, file: str) -> bytes:
    try:
        return read_regular_file(path, MAX_SCENARIO_BYTES)
    except UnreadableFileError as error:
        message = error.reason.replace("not a file", "not a scenario file")
    raise ScenarioError([Problem(file, message=message)])


def _parse_toml(data: bytes, file: str) -> dict[str, Any]:
    data = data.removeprefix(UTF8_BOM)  # editors on Windows may start a UTF-8 file with one
    try:
        return toml_loads(data.decode("utf-8"))
    except UnicodeDecodeError as error:
        message = f"not UTF-8 text (undecodable byte at offset {error.start})"
    except TomlShapeError as error:  # a key or nesting that would take tomllib GBs
        message = str(error)
    except tomllib.TOMLDecodeError as error:  # its message names the line and column
        message = f"{TOML_SYNTAX_ERROR}: {error}"
    except ValueError as error:  # e.g. an integer literal too long to convert
        message = f"TOML value error: {error}"
    raise ScenarioError([Problem(file, message=message)])


def _read_chain(path: Path, file: str) -> list[tuple[str, dict[str, Any]]]:
    """The files of an `extends` chain, base first, each with its label and document."""
    chain: list[tuple[str, dict[str, Any]]] = []
    seen: list[Path] = []
    while True:
        document = _read_base(path, file, chain) if chain else _read_toml(path, file)
        chain.insert(0, (file, document))
        seen.append(_identity(path))
        base = document.pop("extends", None)
        if base is None:
            return chain
        path, file = _base_of(base, path, file, seen, [label for label, _ in reversed(chain)])


def _read_base(path: Path, file: str, chain: list[tuple[str, dict[str, Any]]]) -> dict[str, Any]:
    """The document of a base named by `extends`, refused whole, without a word of its content,
    unless it reads as a scenario: `extends` may name any file (`../x.toml`, an absolute path),
    and errors and `show --raw` print a base's values, so a file that is no scenario (a
    password file, another program's settings) must never get that far."""
    extending = chain[0][0]
    labels = " -> ".join([*(label for label, _ in reversed(chain)), file])
    try:
        document = _read_toml(path, file)
    except ScenarioError as error:
        reason = error.problems[0].message if error.problems else "unreadable"
        if reason.startswith(TOML_SYNTAX_ERROR):  # tomllib's words may quote a character
            reason = f"{TOML_SYNTAX_ERROR}; `regsim validate {file}` says where"
    else:
        if _scenario_shaped(document):
            return document
        reason = "it holds keys or values no scenario has"
    raise ScenarioError([Problem(extending, "extends",
                                 message=f"{file}: not a scenario file ({reason}); nothing from "
                                 "it is used or shown", hint=f"extends chain: {labels}")])


def _scenario_shaped(document: dict[str, Any]) -> bool:
    """Whether every top-level key is a scenario's, holding a table or an array of tables as
    a scenario's does (`extends` a file name)."""
    for key, value in document.items():
        field = Scenario.model_fields.get(key)
        if key == "extends":
            shaped = isinstance(value, str)
        elif field is None:
            shaped = False
        elif typing.get_origin(field.annotation) is list:
            shaped = isinstance(value, list) and all(isinstance(item, dict) for item in value)
        else:
            shaped = isinstance(value, dict)
        if not shaped:
            return False
    return True


def _base_of(
    base: Any, path: Path, file: str, seen: list[Path], labels: list[str]
) -> tuple[Path, str]:
    """The file an `extends` value names, checked for type, existence and cycles."""
    if not isinstance(base, str) or not base:
        raise ScenarioError(
            [
                Problem(
                    file,
                    "extends",
                    expected="a file name such as 'baseline.toml'",
                    found=short_repr(base),
                )
            ]
        )
    base_path = path.parent / base
    base_file = os.path.normpath(os.path.join(os.path.dirname(file), base))
    chain_text = " -> ".join([*labels, base_file])
    if _identity(base_path) in seen:
        raise ScenarioError([Problem(file, "extends", message=f"forms a cycle: {chain_text}")])
    state = kind_of(base_path)
    if state is not None:
        problem = Problem(
            file, "extends", message=f"{base_file}: {state}", hint=f"extends chain: {chain_text}"
        )
        raise ScenarioError([problem])
    return base_path, base_file


def _kind_of(path: Path) -> str | None:
    """'file', 'directory', 'other' (a device, pipe, symlink loop...), or None if nothing is
    there."""
    try:
        if path.is_file():
            return "file"
        if path.is_dir():
            return "directory"
        return "other" if os.path.lexists(path) else None
    except (OSError, ValueError):  # a name too long, a NUL byte
        return None


def _identity(path: Path) -> Path:
    """The absolute, symlink-free path, to spot a file met twice; as given if it has none."""
    try:
        return path.resolve()
    except (OSError, RuntimeError, ValueError):  # a symlink loop, a NUL byte
        return Path(os.path.abspath(path))


# Checking and merging ---------------------------------------------------------------------


def _duplicate_names(document: dict[str, Any], file: str) -> list[Problem]:
    """Names used twice within one array of named tables of one file."""
    problems = []
    for key in NAMED_ARRAYS:
        problems += _duplicates_in(document.get(key), (key,), file)
    regulators = document.get("regulators")
    if isinstance(regulators, list):
        for index, regulator in enumerate(regulators):
            if isinstance(regulator, dict):
                array_path = (*child_path(("regulators",), index, regulator), "policies")
                problems += _duplicates_in(regulator.get("policies"), array_path, file)
    return problems


def _duplicates_in(entries: Any, array_path: tuple[str, ...], file: str) -> list[Problem]:
    if not isinstance(entries, list):
        return []
    seen: set[str] = set()
    problems = []
    for entry in entries:
        name = entry_name(entry, array_path)
        if name in seen:
            defaulted = array_path[-1] == "policies" and "name" not in entry
            hint = (
                "a policy's name defaults to its kind: give each a distinct `name`"
                if defaulted
                else f"names must be unique within {array_path[-1]}"
            )
            problems.append(
                Problem(
                    file,
                    join_path((*array_path, name)),
                    message=f"duplicate {entry_word(array_path)} name {name!r}",
                    hint=hint,
                )
            )
        elif name is not None:
            seen.add(name)
    return problems


@dataclass
class _Merger:
    """Merges one file's document onto the scenario built so far (see the module docstring)."""

    file: str
    problems: list[Problem]

    def merge(self, base: Any, over: Any, path: tuple[str, ...]) -> Any:
        if isinstance(base, dict) and isinstance(over, dict):
            merged = dict(base)
            for key, value in over.items():
                merged[key] = self.merge(base.get(key), value, (*path, key))
            return merged
        if is_named_array(path) and isinstance(over, list):
            return self.merge_named(base if isinstance(base, list) else [], over, path)
        return copy.deepcopy(over)

    def merge_named(self, base: list[Any], over: list[Any], path: tuple[str, ...]) -> list[Any]:
        merged = list(base)
        for entry in over:
            name = entry_name(entry, path)
            index = _index_named(merged, name, path)
            if isinstance(entry, dict) and "remove" in entry:
                entry = self.remove(merged, entry, index, path)
                if entry is None:
                    continue
            if index is None:
                merged.append(self.merge(None, entry, (*path, name or f"[{len(merged)}]")))
            elif _kind_changed(merged[index], entry):
                merged[index] = copy.deepcopy(entry)
            else:
                merged[index] = self.merge(merged[index], entry, (*path, name))
        return merged

    def remove(
        self, merged: list[Any], entry: dict[str, Any], index: int | None, path: tuple[str, ...]
    ) -> dict[str, Any] | None:
        """Apply `remove = true`: None if the entry is removed, else the entry without the key."""
        name, remove = entry_name(entry, path), entry["remove"]
        key = join_path((*path, name or "?"))
        if not isinstance(remove, bool):
            self.problems.append(
                Problem(
                    self.file, f"{key}.remove", expected="true or false", found=short_repr(remove)
                )
            )
            return None
        if not remove:
            return {k: v for k, v in entry.items() if k != "remove"}
        if index is None:
            names = [n for n in (entry_name(e, path) for e in merged) if n]
            self.problems.append(
                Problem(
                    self.file,
                    key,
                    message=f"no {entry_word(path)} named {name!r} to remove",
                    hint=did_you_mean(name or "", names),
                )
            )
        else:
            del merged[index]
        return None


def _index_named(entries: list[Any], name: str | None, path: tuple[str, ...]) -> int | None:
    if name is None:
        return None
    return next((i for i, e in enumerate(entries) if entry_name(e, path) == name), None)


def _kind_changed(old: Any, new: Any) -> bool:
    """A policy given another kind is a new policy, not a change to the old one's keys."""
    return (
        isinstance(old, dict)
        and isinstance(new, dict)
        and "kind" in new
        and old.get("kind") != new["kind"]
    )


# Putting it together ----------------------------------------------------------------------


def _resolve(path: Path, file: str, overrides: Sequence[str]) -> _Resolved:
    """Read the `extends` chain, check names, merge base-first, then apply overrides."""
    resolved = _Resolved(raw={}, file=file)
    for label, document in _read_chain(path, file):
        resolved.problems += _duplicate_names(document, label)
        record_sources(resolved.provenance, (), document, label)
        resolved.raw = _Merger(label, resolved.problems).merge(resolved.raw, document, ())
    resolved.raw, override_problems = apply_overrides(resolved.raw, overrides, resolved.provenance)
    resolved.problems += override_problems
    if overrides:  # a renamed entry, or a whole array set, may repeat a name
        resolved.problems += _duplicate_names(resolved.raw, OVERRIDE_SOURCE)
    return resolved


def _validate(resolved: _Resolved) -> Scenario:
    """The validated scenario; a ScenarioError with every problem found before and now."""
    problems = list(resolved.problems)
    try:
        scenario = Scenario.model_validate(resolved.raw)
    except ValidationError as error:
        problems += problems_from_validation(
            error, resolved.raw, resolved.provenance, resolved.file
        )
    else:
        try:
            change_snapshots(scenario)
        except ScenarioError as error:
            problems += error.problems
        if not problems:  # else its keys may fail only because of those (a renamed lab)
            problems += uncertainty_problems(scenario, resolved.provenance, resolved.file)
        if not problems:
            return scenario
    raise ScenarioError(problems)


def _bundled_files() -> list[Path]:
    directory = bundled_dir()
    return sorted(directory.glob("*.toml")) if directory.is_dir() else []


def _summary(error: ScenarioError) -> str:
    """The first problem, and how many more."""
    first = error.problems[0].format() if error.problems else "invalid"
    more = len(error.problems) - 1
    return first + (f" (and {more} more)" if more else "")
