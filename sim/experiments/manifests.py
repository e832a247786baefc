"""Reading a results folder's `manifest.json` back: the one checked reader every command uses.

A folder is data that may have been crafted or damaged, so nothing in its manifest is trusted:
`read_manifest` reads the file (a regular file, no link, size-capped, JSON with no NaN or
Infinity), and `run_manifest` / `comparison_manifest` check every field a reader uses for type
and range, returning typed values. A missing optional field (an older folder) takes its
default; a present field of the wrong type or out of range raises ManifestError naming the
file and the field. Fields no reader uses (package versions, timings, command line) are kept
in `raw` and only ever shown as text.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sim.files import MIB, UnreadableFileError, read_regular_file

MANIFEST_NAME = "manifest.json"
MAX_MANIFEST_BYTES = 64 * MIB
SEED_LIMIT = 2**63
MAX_REPLICATES = 100_000
MAX_MONTHS = 12 * 1000
MAX_NAMES = 1000
MAX_TEXT_CHARS = 10_000
SCENARIO_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]{0,63}")
"""A compared scenario's name: it names the file `scenarios/NAME.toml`, so no path parts."""
COMPLETE = "complete"
_MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")


class ManifestError(ValueError):
    """A manifest that cannot be read back; the message names the file and the field."""


@dataclass(frozen=True)
class RunManifest:
    """A `regsim run` folder's manifest: `start` as 'YYYY-MM', counts as plain ints."""

    raw: dict[str, Any]
    scenario_name: str
    question: str = ""
    scenario_sha256: str = ""
    start: str | None = None
    months: int | None = None
    replicates: int | None = None
    root_seed: int = 0
    state_names: list[str] = field(default_factory=list)
    regulator_names: list[str] = field(default_factory=list)
    uncertain_parameters: list[str] = field(default_factory=list)
    timings_s: dict[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class ComparisonManifest:
    """A `regsim compare` folder's manifest: the baseline and policies (checked names),
    `complete` false only for a folder whose runs did not finish."""

    raw: dict[str, Any]
    baseline: str
    policies: list[str]
    complete: bool = True
    root_seed: int = 0
    pairing: str = ""


def read_manifest(path: Path) -> dict[str, Any]:
    """The JSON object in `path` (a regular file, no link): ManifestError if it is not one.
    NaN and Infinity are read as floats, so that the field checks name the field."""
    try:
        data = read_regular_file(path, MAX_MANIFEST_BYTES, follow_symlinks=False)
    except UnreadableFileError as error:
        raise ManifestError(f"{path}: {error.reason}") from None
    try:
        manifest = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError) as error:
        raise ManifestError(f"{path}: cannot read: not valid JSON "
                            f"({_first_line(error)})") from None
    if not isinstance(manifest, dict):
        raise ManifestError(f"{path}: expected a JSON object; found {_short(manifest)}")
    return manifest


def run_manifest(manifest: dict[str, Any], path: Path) -> RunManifest:
    """A run folder's manifest, every field a reader uses checked (see the module docstring)."""
    get = _Fields(manifest, path)
    return RunManifest(
        raw=manifest,
        scenario_name=get("scenario_name", _text(200, empty=False), "a scenario name",
                          required=True),
        question=get("question", _text(MAX_TEXT_CHARS), "text", default="") or "",
        scenario_sha256=get("scenario_sha256", _text(200), "text", default="") or "",
        start=get("start", is_month, "a month as 'YYYY-MM' (month 01-12)"),
        months=get("months", _integer(1, MAX_MONTHS), f"an integer from 1 to {MAX_MONTHS}"),
        replicates=get("replicates", _integer(0, MAX_REPLICATES),
                       f"an integer from 0 to {MAX_REPLICATES}"),
        root_seed=get("root_seed", _integer(0, SEED_LIMIT - 1),
                      f"an integer from 0 to {SEED_LIMIT - 1}", default=0),
        state_names=get("state_names", _names, "a list of names", default=[]),
        regulator_names=get("regulator_names", _names, "a list of names", default=[]),
        uncertain_parameters=get("uncertain_parameters", _names, "a list of names",
                                 default=[]),
        timings_s=get("timings_s", _timings, "a table of names and seconds", default={}),
    )


def comparison_manifest(manifest: dict[str, Any], path: Path) -> ComparisonManifest:
    """A compare folder's manifest: baseline and at least one policy, distinct scenario names
    (each names a file), and whether it is complete."""
    get = _Fields(manifest, path)
    expected_name = "a scenario name (a letter, then letters, digits or _; at most 64)"
    baseline = get("baseline", is_scenario_name, expected_name, required=True)
    policies = get("policies", lambda v: isinstance(v, list) and 0 < len(v) <= MAX_NAMES
                   and all(is_scenario_name(p) for p in v),
                   f"a list of 1 to {MAX_NAMES} scenario names", required=True)
    if len({baseline, *policies}) != 1 + len(policies):
        raise ManifestError(f"{path}: policies: expected names distinct from each other and "
                            f"from the baseline; found {_short(policies)}")
    status = get("status", lambda v: v in ("running", COMPLETE), "'running' or 'complete'",
                 default=COMPLETE)
    return ComparisonManifest(
        raw=manifest, baseline=baseline, policies=list(policies), complete=status == COMPLETE,
        root_seed=get("root_seed", _integer(0, SEED_LIMIT - 1),
                      f"an integer from 0 to {SEED_LIMIT - 1}", default=0),
        pairing=get("pairing", _text(200), "text", default="") or "",
    )


def is_month(value: Any) -> bool:
    """A calendar month as 'YYYY-MM' with the month 01-12."""
    return isinstance(value, str) and bool(_MONTH.match(value))


def is_scenario_name(value: Any) -> bool:
    return isinstance(value, str) and bool(SCENARIO_NAME.fullmatch(value))


# Checks ---------------------------------------------------------------------------------------


class _Fields:
    """Reads fields of one manifest: each checked, ManifestError naming file and field."""

    def __init__(self, manifest: dict[str, Any], path: Path) -> None:
        self.manifest, self.path = manifest, path

    def __call__(self, key: str, valid: Callable[[Any], bool], expected: str,
                 required: bool = False, default: Any = None) -> Any:
        if key not in self.manifest or (self.manifest[key] is None and not required):
            if required:
                raise ManifestError(f"{self.path}: {key}: expected {expected}; missing")
            return default
        value = self.manifest[key]
        if not valid(value):
            raise ManifestError(f"{self.path}: {key}: expected {expected}; found "
                                f"{_short(value)}")
        return value


def _integer(low: int, high: int) -> Callable[[Any], bool]:
    return lambda v: isinstance(v, int) and not isinstance(v, bool) and low <= v <= high


def _text(max_chars: int, empty: bool = True) -> Callable[[Any], bool]:
    return lambda v: isinstance(v, str) and len(v) <= max_chars and (empty or bool(v))


def _names(value: Any) -> bool:
    return isinstance(value, list) and len(value) <= MAX_NAMES and all(
        isinstance(name, str) and 0 < len(name) <= 300 for name in value)


def _timings(value: Any) -> bool:
    return isinstance(value, dict) and all(
        isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v)
        for v in value.values())


def _short(value: Any) -> str:
    from sim.scenario.errors import short_repr

    return short_repr(value)


def _first_line(error: BaseException) -> str:
    text = str(error).strip().splitlines()
    return text[0] if text else type(error).__name__
