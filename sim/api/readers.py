"""Reading the files of a results folder as data, for the Python API: each file a regular file
(no link, device or pipe), size-capped, parsed as bytes, text, JSON, CSV or Parquet and never
imported or evaluated. Problems raise ResultsFolderError, one line naming the file.

`sim.api.folders` opens whole folders with these; `sim.api.results` reads tables lazily with
them. Neither is imported here, so the package has no import circle.
"""

from __future__ import annotations

import io
import json
import os
from pathlib import Path
from typing import Any

import pandas as pd

from sim.experiments.csv_cells import read_back
from sim.files import MIB, UnreadableFileError, folder_entry, read_regular_file

MAX_TABLE_BYTES = 1024 * MIB
"""Largest file read back (a run's timeseries.csv of 1,000 replicates is some 150 MiB)."""


class ResultsFolderError(ValueError):
    """A folder that cannot be read back as regsim results; the message names the file."""


def read_bytes(path: Path) -> bytes:
    try:
        return read_regular_file(path, MAX_TABLE_BYTES, follow_symlinks=False)
    except UnreadableFileError as error:
        raise ResultsFolderError(f"{path}: {error.reason}") from None


def read_text(path: Path) -> str:
    try:
        return read_bytes(path).decode("utf-8")
    except UnicodeDecodeError:
        raise ResultsFolderError(f"{path}: not UTF-8 text") from None


def read_json(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(read_text(path))
    except (ValueError, RecursionError) as error:
        raise ResultsFolderError(f"{path}: expected JSON: {first_line(error)}") from None
    if not isinstance(data, dict):
        raise ResultsFolderError(f"{path}: expected a JSON object")
    return data


def read_csv(path: Path, required: tuple[str, ...] = ()) -> pd.DataFrame:
    try:
        frame = read_back(pd.read_csv(io.BytesIO(read_bytes(path))))
    except (UnicodeDecodeError, ValueError, pd.errors.ParserError,
            pd.errors.EmptyDataError) as error:
        raise ResultsFolderError(f"{path}: expected a CSV table: {first_line(error)}") from None
    missing = [column for column in required if column not in frame.columns]
    if missing:
        raise ResultsFolderError(f"{path}: missing columns {', '.join(missing)}")
    return frame


def read_parquet(path: Path) -> pd.DataFrame | None:
    """A Parquet table, or None if the folder has none; refused if not a regular file."""
    try:
        if folder_entry(path) is None:
            return None
    except UnreadableFileError as error:
        raise ResultsFolderError(f"{path}: {error.reason}") from None
    try:
        return pd.read_parquet(path)
    except (OSError, ValueError) as error:
        raise ResultsFolderError(f"{path}: expected a Parquet table: "
                                 f"{first_line(error)}") from None


def read_events(path: Path) -> list[dict[str, Any]]:
    """A run's events.jsonl: one JSON object per line (an empty list if there is none)."""
    if not os.path.lexists(path):
        return []
    events = []
    for number, line in enumerate(read_text(path).splitlines(), start=1):
        try:
            event = json.loads(line)
        except (ValueError, RecursionError):
            event = None
        if not isinstance(event, dict):
            raise ResultsFolderError(f"{path}: line {number}: expected a JSON object")
        events.append(event)
    return events


def first_line(error: BaseException) -> str:
    text = str(error).strip().splitlines()
    return text[0] if text else type(error).__name__
