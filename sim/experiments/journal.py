"""The run journal: one JSON line per finished run, appended as each run completes, and the
final results table built from it.

The journal (`runs.jsonl`) is in completion order, which depends on the executor. Each line
is written with one unbuffered write, so a killed sweep leaves whole lines plus at most one
torn last line; reopening the journal cuts that torn tail, and the run it held is run again.
The final table (`runs.csv`) is built from the journal with rows sorted by point and
replicate and floats in one fixed format, so it is identical whatever the number of workers,
the executor, or interruptions and resumes. Building it streams the journal: memory grows
with the number of runs only by one small index entry per run.
"""

from __future__ import annotations

import csv
import errno
import json
import math
import os
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from sim.experiments.csv_cells import FLOAT_FORMAT, NumberText, neutralise
from sim.experiments.design import toml_literal

RunKey = tuple[int, int]
"""(point id, replicate)."""
LEADING_COLUMNS = ["point_id", "replicate", "seed"]
TRAILING_COLUMNS = ["error", "traceback"]
_SCAN_BLOCK_BYTES = 65536


class RunJournal:
    """Append-only JSON Lines journal of run records (see `sim.experiments.engine`)."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        cut_torn_tail(self.path)
        self._file = open(self.path, "ab", buffering=0)  # noqa: SIM115 (closed in close())

    def append(self, record: Mapping[str, Any]) -> None:
        """Write one record as one line, in a single write (repeated if the system writes only
        part of it). Raises OSError (a full disk) with at most a torn line left behind, which
        reopening cuts."""
        line = (json.dumps(plain_values(record), default=str) + "\n").encode("utf-8")
        view = memoryview(line)
        while view:
            written = self._file.write(view)
            if not written:
                raise OSError(errno.ENOSPC, "nothing written", str(self.path))
            view = view[written:]

    def close(self) -> None:
        self._file.close()

    def __enter__(self) -> RunJournal:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def cut_torn_tail(path: Path) -> int:
    """Cut a last line that has no newline (a write interrupted by a kill); return the bytes
    cut. Creates the file if it does not exist."""
    path = Path(path)
    if not path.exists():
        path.touch()
        return 0
    with open(path, "rb+") as stream:
        size = stream.seek(0, os.SEEK_END)
        end = _after_last_newline(stream, size)
        if end < size:
            stream.truncate(end)
        return size - end


def _after_last_newline(stream: Any, size: int) -> int:
    position = size
    while position > 0:
        start = max(0, position - _SCAN_BLOCK_BYTES)
        stream.seek(start)
        block = stream.read(position - start)
        index = block.rfind(b"\n")
        if index >= 0:
            return start + index + 1
        position = start
    return 0


def read_records(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    """`(byte offset, record)` for each whole, readable line of the journal."""
    with open(path, "rb") as stream:
        offset = 0
        for line in stream:
            if line.endswith(b"\n"):
                record = _parse(line)
                if record is not None:
                    yield offset, record
            offset += len(line)


def _parse(line: bytes) -> dict[str, Any] | None:
    try:
        record = json.loads(line)
    except ValueError:
        return None
    if isinstance(record, dict) and {"point_id", "replicate", "status"} <= set(record):
        return record
    return None


def completed_runs(path: Path) -> dict[RunKey, int]:
    """(point id, replicate) -> offset of its record, for every run in the journal (a run
    recorded twice keeps its last record)."""
    if not Path(path).exists():
        return {}
    return {(r["point_id"], r["replicate"]): offset for offset, r in read_records(path)}


def sorted_records(path: Path) -> Iterator[dict[str, Any]]:
    """The journal's records sorted by point and replicate, read one at a time."""
    index = completed_runs(path)
    with open(path, "rb") as stream:
        for key in sorted(index):
            stream.seek(index[key])
            record = _parse(stream.readline())
            if record is not None:
                yield record


def write_runs_table(
    journal_path: Path,
    table_path: Path,
    design_columns: Sequence[str],
    design_values: Callable[[int], Mapping[str, Any]],
    run_values: Callable[[int, int], Mapping[str, Any]] | None = None,
) -> int:
    """Write the final table: one row per run, sorted by point and replicate.

    Columns: point_id, replicate, seed, the design columns, status, every outcome (in order of
    first appearance in sorted order), error, traceback. `run_values(point_id, replicate)` adds
    values of design columns that depend on the run (a sweep's future id). Returns the number
    of rows. Written to a temporary file and renamed, so the table is whole or absent.
    """
    outcome_columns: dict[str, None] = {}
    for record in sorted_records(journal_path):
        outcome_columns.update(dict.fromkeys(record.get("outcomes") or {}))
    header = [*LEADING_COLUMNS, *design_columns, "status", *outcome_columns, *TRAILING_COLUMNS]
    temporary = table_path.with_name(f".{table_path.name}.tmp")
    rows = 0
    with open(temporary, "w", encoding="utf-8", newline="") as stream:
        writer = csv.writer(stream, lineterminator="\n")
        writer.writerow([neutralise(column) for column in header])
        for record in sorted_records(journal_path):
            outcomes = record.get("outcomes") or {}
            design = design_values(record["point_id"])
            if run_values is not None:
                design = {**design, **run_values(record["point_id"], record["replicate"])}
            row = [record["point_id"], record["replicate"], record["seed"]]
            row += [design.get(column) for column in design_columns]
            row += [record["status"]]
            row += [outcomes.get(column) for column in outcome_columns]
            row += [record.get("error"), record.get("traceback")]
            writer.writerow([neutralise(format_cell(value)) for value in row])
            rows += 1
    os.replace(temporary, table_path)
    return rows


def format_cell(value: Any) -> str:
    """One CSV cell: floats in the fixed format (as NumberText, which is never neutralised
    against spreadsheet formulas), NaN and None empty, arrays as TOML."""
    if isinstance(value, np.generic):
        value = value.item()
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float):
        return "" if math.isnan(value) else NumberText(FLOAT_FORMAT % value)
    if isinstance(value, int):
        return NumberText(value)
    if isinstance(value, str):
        return value
    return toml_literal(value)


def plain_values(value: Any) -> Any:
    """JSON types: numpy scalars unwrapped (non-finite floats stay, as JSON's NaN/Infinity)."""
    if isinstance(value, Mapping):
        return {str(k): plain_values(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain_values(v) for v in value]
    if isinstance(value, np.generic):
        return value.item()
    return value
