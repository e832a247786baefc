"""Checking a sweep folder before resuming it: a results folder is data, never instructions.

People e-mail and unzip sweep folders, so resuming one must not trust it. Before anything
runs, `verify_sweep_folder` checks every file the sweep will read and refuses (SweepFolderError,
exit status 2) a folder that is not exactly what `create_sweep` and the journal write:

- no symbolic link, device or named pipe in the folder, its plots or its time-series parts, and
  sizes capped;
- `manifest.json`: each field of the right type and range, the replicate seeds those of its
  root seed, the run count that of the design and no more than a new sweep may have, the
  model a kind this regsim knows (a function model is named, and found only in the registry of
  `sim.experiments.models`, never imported);
- `scenario.toml`: the SHA-256 the manifest stores (an edited scenario is refused) and a valid
  scenario by the same rules as any scenario file;
- `design.json`: its structure, and every point inside its parameters' options or ranges (a
  value the scenario rejects fails only its runs, as in any sweep);
- `runs.jsonl`: every whole line a run record with a point id and replicate in range and the
  seed of its replicate (a torn last line, left by a kill, is allowed: it is cut and rerun).
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sim.experiments.budget import MAX_SWEEP_RUNS
from sim.experiments.design import (
    LEVER,
    RESERVED_KEYS,
    SAMPLERS,
    UNCERTAINTY,
    Design,
    design_from_description,
)
from sim.experiments.seeds import replicate_seeds
from sim.files import MIB, UnreadableFileError, read_regular_file
from sim.scenario.toml_guard import loads as toml_loads

MANIFEST_NAME, SCENARIO_NAME, DESIGN_JSON, JOURNAL_NAME = (
    "manifest.json", "scenario.toml", "design.json", "runs.jsonl")
FOLDER_FILES = (MANIFEST_NAME, SCENARIO_NAME, DESIGN_JSON, JOURNAL_NAME, "design.csv",
                "runs.csv", "points.csv", "sensitivity.csv", "timeseries.parquet", ".lock")
FOLDER_DIRECTORIES = ("plots", "timeseries.parts")
MAX_MANIFEST_BYTES = 64 * MIB
MAX_DESIGN_BYTES = 512 * MIB
MAX_SCENARIO_BYTES = MIB
MAX_JOURNAL_LINE_BYTES = 16 * MIB
MAX_REPLICATES = 100_000
MAX_POINTS = 1_000_000
MAX_PARAMETERS = 1_000
SEED_LIMIT = 2**63
STATUSES = ("running", "complete")
RUN_STATUSES = ("ok", "failed")
_SHA256 = re.compile(r"^[0-9a-f]{64}$")
_PART = re.compile(r"^(p\d{7}-r\d{6}\.parquet|\.p\d{7}-r\d{6}\.parquet\.\d+\.tmp)$")
_KEY = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]*(\.[A-Za-z_][A-Za-z0-9_-]*)*$")


class SweepFolderError(ValueError):
    """A folder that is not a sweep regsim can resume; the message names the file and field."""


@dataclass(frozen=True)
class VerifiedSweep:
    """A checked sweep folder: its manifest, design and (scenario sweeps) resolved scenario."""

    folder: Path
    manifest: dict[str, Any]
    design: Design
    scenario_raw: dict[str, Any] | None


def verify_sweep_folder(folder: Path) -> VerifiedSweep:
    """Check everything a resumed sweep reads (see the module docstring); SweepFolderError
    naming the file and field at the first problem."""
    folder = Path(folder)
    if not folder.is_dir():
        raise SweepFolderError(f"{folder} is not a sweep folder: no such folder")
    _check_entries(folder)
    manifest = _manifest(folder)
    seeds = manifest["replicate_seeds"]
    design = _design(folder, manifest)
    if manifest["total_runs"] != len(design) * len(seeds):
        raise _problem(folder / MANIFEST_NAME, "total_runs", f"{len(design)} points x "
                       f"{len(seeds)} replicates = {len(design) * len(seeds)}",
                       manifest["total_runs"])
    raw = None
    if manifest["model"]["kind"] == "scenario":
        raw = _scenario(folder, manifest["model"]["scenario_sha256"])
    check_journal(folder / JOURNAL_NAME, len(design), seeds)
    return VerifiedSweep(folder, manifest, design, raw)


def read_json_file(path: Path, max_bytes: int) -> Any:
    """The JSON document in the regular file `path` (no symbolic link); SweepFolderError."""
    try:
        data = read_regular_file(path, max_bytes, follow_symlinks=False)
    except UnreadableFileError as error:
        raise SweepFolderError(f"{path}: {error.reason}") from None
    try:
        return json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError) as error:
        raise SweepFolderError(f"{path}: not valid JSON ({_first_line(error)})") from None


# The folder's entries ------------------------------------------------------------------------


def _check_entries(folder: Path) -> None:
    """No link and no special file anywhere the sweep reads or writes: a planted link (even at
    a temporary name such as `.runs.csv.tmp`) would make it write outside the folder."""
    for path in sorted(folder.iterdir()):
        if path.name in FOLDER_DIRECTORIES:
            if path.is_symlink() or not path.is_dir():
                raise SweepFolderError(f"{path}: expected a folder of the sweep's own, not a "
                                       "link or a file")
            for entry in sorted(path.iterdir()):
                _regular(entry)
            continue
        _regular(path)
    parts = folder / "timeseries.parts"
    if parts.is_dir():
        for part in parts.iterdir():
            if not (_PART.match(part.name) and _starts_with(part, b"PAR1")):
                raise SweepFolderError(f"{part}: not a time-series part this sweep wrote")


def _regular(path: Path) -> None:
    if path.is_symlink():
        raise SweepFolderError(f"{path}: is a symbolic link; a sweep folder holds only its own "
                               "files")
    if path.is_dir() and path.name not in FOLDER_DIRECTORIES:
        return  # a folder of the user's own: never read, never written
    if not path.is_file():
        raise SweepFolderError(f"{path}: is not a regular file")


def _starts_with(path: Path, magic: bytes) -> bool:
    try:
        with open(path, "rb") as stream:
            return stream.read(len(magic)) == magic
    except OSError:
        return False


# manifest.json -------------------------------------------------------------------------------


def _manifest(folder: Path) -> dict[str, Any]:
    path = folder / MANIFEST_NAME
    if not path.exists():
        raise SweepFolderError(f"{folder} is not a sweep folder: no {MANIFEST_NAME}")
    manifest = read_json_file(path, MAX_MANIFEST_BYTES)
    if not isinstance(manifest, dict):
        raise _problem(path, "", "a JSON object", manifest)
    if manifest.get("kind") != "sweep":
        raise SweepFolderError(f"{folder} holds results of another kind, not a sweep "
                               f"({path}: kind is {_short(manifest.get('kind'))})")
    _field(manifest, path, "status", lambda v: v in STATUSES, "one of " + ", ".join(STATUSES))
    _field(manifest, path, "root_seed", lambda v: _integer(v, 0, SEED_LIMIT - 1),
           f"an integer from 0 to {SEED_LIMIT - 1}")
    _field(manifest, path, "replicates", lambda v: _integer(v, 1, MAX_REPLICATES),
           f"an integer from 1 to {MAX_REPLICATES}")
    expected_seeds = replicate_seeds(manifest["root_seed"], manifest["replicates"])
    _field(manifest, path, "replicate_seeds", lambda v: v == expected_seeds,
           "the replicate seeds of root_seed")
    _field(manifest, path, "total_runs", lambda v: _integer(v, 0, MAX_SWEEP_RUNS),
           f"a number of runs up to {MAX_SWEEP_RUNS:,} (as a new sweep may have)")
    _field(manifest, path, "design", lambda v: isinstance(v, dict), "a table")
    _field(manifest, path, "sessions", lambda v: isinstance(v, list)
           and all(isinstance(s, dict) for s in v), "a list of sessions")
    _field(manifest, path, "name", lambda v: isinstance(v, str) and 0 < len(v) <= 200,
           "a name")
    _model(manifest, path)
    if manifest["status"] == "complete":
        _field(manifest, path, "runs", _run_counts, "counts ok, failed and recorded")
    return manifest


def _model(manifest: dict[str, Any], path: Path) -> None:
    model = manifest.get("model")
    if not isinstance(model, dict) or model.get("kind") not in ("scenario", "function"):
        raise _problem(path, "model", "a table with kind 'scenario' or 'function'", model)
    if model["kind"] == "scenario":
        _field(model, path, "scenario_sha256", lambda v: isinstance(v, str)
               and bool(_SHA256.match(v)), "a SHA-256 as 64 hex digits", prefix="model.")
        if "uncertainty_draws" in model:
            replicates = manifest.get("replicates")
            _field(model, path, "uncertainty_draws", lambda v: _draws(v, replicates),
                   "one table of --set keys and plain values per replicate", prefix="model.")
    else:
        _field(model, path, "name", lambda v: v is None or (isinstance(v, str) and len(v) < 200),
               "the registered name of a function model", prefix="model.")
    _field(model, path, "save_timeseries", lambda v: isinstance(v, bool), "true or false",
           prefix="model.")


def _draws(value: Any, replicates: Any) -> bool:
    """Parameter draws: a list, one per replicate, of {--set key: number, string or bool}."""
    plain = (int, float, str, bool)
    return isinstance(value, list) and len(value) == replicates and all(
        isinstance(row, dict) and len(row) <= 1000 and all(
            isinstance(key, str) and len(key) <= 300 and isinstance(item, plain)
            and not (isinstance(item, float) and not math.isfinite(item))
            for key, item in row.items())
        for row in value)


def _run_counts(value: Any) -> bool:
    return isinstance(value, dict) and all(
        _integer(value.get(key), 0, MAX_POINTS * MAX_REPLICATES)
        for key in ("ok", "failed", "recorded"))


# design.json ---------------------------------------------------------------------------------


def _design(folder: Path, manifest: Mapping[str, Any]) -> Design:
    path = folder / DESIGN_JSON
    described = read_json_file(path, MAX_DESIGN_BYTES)
    if not isinstance(described, dict):
        raise _problem(path, "", "a JSON object", described)
    _field(described, path, "sampler", lambda v: v in SAMPLERS, "one of " + ", ".join(SAMPLERS))
    _field(described, path, "samples", lambda v: _integer(v, 1, MAX_POINTS),
           f"an integer from 1 to {MAX_POINTS}")
    _field(described, path, "seed", lambda v: _integer(v, 0, 2**32 - 1),
           "the sampler's seed, an integer from 0 to 2**32 - 1")
    parameters = described.get("parameters")
    if not isinstance(parameters, list) or not 0 < len(parameters) <= MAX_PARAMETERS:
        raise _problem(path, "parameters", f"a list of 1 to {MAX_PARAMETERS} parameters",
                       parameters)
    for index, parameter in enumerate(parameters):
        _parameter(parameter, path, f"parameters[{index}]")
    keys = [parameter["key"] for parameter in parameters]
    if len(set(keys)) != len(keys):
        raise _problem(path, "parameters", "each key once", keys)
    points = described.get("points")
    if not isinstance(points, list) or not 0 < len(points) <= MAX_POINTS:
        raise _problem(path, "points", f"a list of 1 to {MAX_POINTS} points", points)
    for point_id, point in enumerate(points):
        _point(point, parameters, path, point_id)
    _unit(described.get("unit"), described["sampler"], len(points), len(parameters), path)
    shown = manifest["design"]
    if shown.get("points") != len(points) or shown.get("sampler") != described["sampler"]:
        raise SweepFolderError(f"{folder / MANIFEST_NAME}: design: does not describe "
                               f"{DESIGN_JSON} ({len(points)} {described['sampler']} points)")
    return design_from_description(described)


def _parameter(parameter: Any, path: Path, where: str) -> None:
    if not isinstance(parameter, dict):
        raise _problem(path, where, "a table", parameter)
    key = parameter.get("key")
    if not isinstance(key, str) or not _KEY.match(key) or len(key) > 300:
        raise _problem(path, f"{where}.key", "a dotted scenario key", key)
    if any(key == reserved or key.startswith(reserved + ".") for reserved in RESERVED_KEYS):
        raise _problem(path, f"{where}.key", "a key a design may set (not seeds, replicates "
                       "or [sweep])", key)
    if parameter.get("kind") not in (UNCERTAINTY, LEVER):
        raise _problem(path, f"{where}.kind", f"{UNCERTAINTY!r} or {LEVER!r}",
                       parameter.get("kind"))
    values = parameter.get("values")
    if values is not None:
        if not isinstance(values, list) or not 0 < len(values) <= 10_000:
            raise _problem(path, f"{where}.values", "a list of 1 to 10000 options", values)
        for value in values:
            _plain_value(value, path, f"{where}.values")
        return
    low, high = parameter.get("low"), parameter.get("high")
    if not (_number(low) and _number(high) and low < high):
        raise _problem(path, where, "values, or finite numbers low < high", [low, high])
    scale = parameter.get("scale", "linear")
    if scale not in ("linear", "log") or (scale == "log" and low <= 0):
        raise _problem(path, f"{where}.scale", "'linear', or 'log' with low > 0", scale)


def _point(point: Any, parameters: list[dict[str, Any]], path: Path, point_id: int) -> None:
    where = f"points[{point_id}]"
    if not isinstance(point, list) or len(point) != len(parameters):
        raise _problem(path, where, f"a list of {len(parameters)} values", point)
    for value, parameter in zip(point, parameters, strict=True):
        key = f"{where} ({parameter['key']})"
        values = parameter.get("values")
        if values is not None:
            if not any(_same(value, option) for option in values):
                raise _problem(path, key, "one of the parameter's values", value)
            continue
        low, high = parameter["low"], parameter["high"]
        integer = isinstance(low, int) and isinstance(high, int) and parameter.get(
            "scale", "linear") == "linear"
        valid = _integer(value, low, high) if integer else (
            _number(value) and low <= value <= high)
        if not valid:
            raise _problem(path, key, f"a number from {low} to {high}", value)


def _unit(unit: Any, sampler: str, points: int, parameters: int, path: Path) -> None:
    if unit is None:
        if sampler in ("sobol", "morris"):
            raise _problem(path, "unit", f"the {sampler} sample's unit hypercube", unit)
        return
    if not isinstance(unit, list) or len(unit) != points:
        raise _problem(path, "unit", f"a list of {points} rows", unit)
    for row in unit:
        if not isinstance(row, list) or len(row) != parameters or not all(
                _number(u) and 0.0 <= u <= 1.0 for u in row):
            raise _problem(path, "unit", f"rows of {parameters} numbers from 0 to 1", row)


def _plain_value(value: Any, path: Path, where: str, depth: int = 0) -> None:
    """A design value as a scenario holds it: a number, string, boolean, or a short list or
    table of them."""
    if depth > 2:
        raise _problem(path, where, "a value nested at most two levels", value)
    if isinstance(value, bool | str) or _number(value):
        if isinstance(value, str) and len(value) > 1000:
            raise _problem(path, where, "a string of at most 1000 characters", value)
        return
    if isinstance(value, list) and len(value) <= 100:
        for item in value:
            _plain_value(item, path, where, depth + 1)
        return
    if isinstance(value, dict) and len(value) <= 100:
        for item in value.values():
            _plain_value(item, path, where, depth + 1)
        return
    raise _problem(path, where, "a number, string, boolean, or a short list or table", value)


# scenario.toml -------------------------------------------------------------------------------


def _scenario(folder: Path, expected_sha256: str) -> dict[str, Any]:
    from sim.scenario.errors import ScenarioError
    from sim.scenario.loader import validate_resolved

    path = folder / SCENARIO_NAME
    try:
        data = read_regular_file(path, MAX_SCENARIO_BYTES, follow_symlinks=False)
    except UnreadableFileError as error:
        raise SweepFolderError(f"{path}: {error.reason}") from None
    if hashlib.sha256(data).hexdigest() != expected_sha256:
        raise SweepFolderError(f"{path}: changed since the sweep started (its SHA-256 is not "
                               "the manifest's); restore it, or start a new sweep from it")
    try:
        raw = toml_loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError) as error:
        raise SweepFolderError(f"{path}: not valid TOML ({_first_line(error)})") from None
    try:
        validate_resolved(raw, str(path))
    except ScenarioError as error:
        more = len(error.problems) - 1
        raise SweepFolderError(error.problems[0].format()
                               + (f" (and {more} more)" if more else "")) from None
    return raw


# runs.jsonl ----------------------------------------------------------------------------------


def check_journal(path: Path, points: int, seeds: list[int]) -> int:
    """Check every whole line of a run journal; return how many there are. SweepFolderError
    naming the line at the first that is not a run record of this sweep."""
    if not path.exists():
        return 0
    count = 0
    for number, line in _whole_lines(path):
        try:
            record = json.loads(line)
        except (UnicodeDecodeError, ValueError, RecursionError):
            raise SweepFolderError(f"{path}:{number}: not a JSON run record") from None
        _record(record, path, number, points, seeds)
        count += 1
    return count


def _whole_lines(path: Path) -> Iterator[tuple[int, bytes]]:
    try:
        stream = open(path, "rb")  # noqa: SIM115 (closed below; checked regular above)
    except OSError as error:
        raise SweepFolderError(f"{path}: cannot read: {error.strerror or error}") from None
    with stream:
        number = 0
        while True:
            line = stream.readline(MAX_JOURNAL_LINE_BYTES + 1)
            if not line:
                return
            number += 1
            if len(line) > MAX_JOURNAL_LINE_BYTES:
                raise SweepFolderError(f"{path}:{number}: a line longer than "
                                       f"{MAX_JOURNAL_LINE_BYTES // MIB} MiB")
            if line.endswith(b"\n"):
                yield number, line
            # else: a torn last line, cut when the journal is reopened


def _record(record: Any, path: Path, number: int, points: int, seeds: list[int]) -> None:
    where = f"{path}:{number}"
    if not isinstance(record, dict):
        raise SweepFolderError(f"{where}: expected a JSON object; found {_short(record)}")
    checks = (
        ("point_id", lambda v: _integer(v, 0, points - 1), f"an integer from 0 to {points - 1}"),
        ("replicate", lambda v: _integer(v, 0, len(seeds) - 1),
         f"an integer from 0 to {len(seeds) - 1}"),
        ("status", lambda v: v in RUN_STATUSES, "'ok' or 'failed'"),
        ("outcomes", _outcomes, "a table of outcome names and numbers"),
        ("error", lambda v: v is None or isinstance(v, str), "a string or null"),
        ("traceback", lambda v: v is None or isinstance(v, str), "a string or null"),
    )
    for key, valid, expected in checks:
        value = record.get(key)
        if key in ("outcomes", "error", "traceback") and key not in record:
            continue
        if not valid(value):
            raise SweepFolderError(f"{where}: {key}: expected {expected}; found {_short(value)}")
    if record.get("seed") != seeds[record["replicate"]]:
        raise SweepFolderError(f"{where}: seed: expected the seed of replicate "
                               f"{record['replicate']}; found {_short(record.get('seed'))}")


def _outcomes(value: Any) -> bool:
    if value is None:
        return True
    return isinstance(value, dict) and len(value) <= 10_000 and all(
        isinstance(k, str) and (v is None or isinstance(v, bool | int | float | str))
        for k, v in value.items())


# Small helpers -------------------------------------------------------------------------------


def _field(table: Mapping[str, Any], path: Path, key: str, valid: Any, expected: str,
           prefix: str = "") -> None:
    value = table.get(key)
    if not valid(value):
        raise _problem(path, prefix + key, expected, value)


def _problem(path: Path, key: str, expected: str, found: Any) -> SweepFolderError:
    where = f"{path}: {key}: " if key else f"{path}: "
    return SweepFolderError(f"{where}expected {expected}; found {_short(found)}")


def _integer(value: Any, low: int, high: int) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and low <= value <= high


def _number(value: Any) -> bool:
    return (isinstance(value, int | float) and not isinstance(value, bool)
            and math.isfinite(value))


def _same(value: Any, option: Any) -> bool:
    return type(value) is type(option) and value == option


def _short(value: Any) -> str:
    from sim.scenario.errors import short_repr

    return short_repr(value)


def _first_line(error: BaseException) -> str:
    text = str(error).strip().splitlines()
    return text[0] if text else type(error).__name__
