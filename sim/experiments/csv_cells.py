"""CSV files as regsim writes them: fixed float format, and no text cell a spreadsheet runs.

Tables carry text from scenarios (a lever's value, a label, an error message), and a cell that
starts with `=`, `+`, `-`, `@`, a tab or a carriage return is run as a formula by Excel,
LibreOffice and Google Sheets ("CSV injection"). As OWASP recommends, such a text cell is
written with a single quote in front, which spreadsheets show as text. Only text is touched:
numbers (-0.5 stays -0.5) are written as numbers. A text cell that already starts with a quote
gets one more, so that `read_back` recovers exactly the text that was meant.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

FLOAT_FORMAT = "%.10g"  # fixed, so identical inputs give byte-identical CSVs
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
QUOTE = "'"


class NumberText(str):
    """A number already formatted as text (`sim.experiments.journal.format_cell`): written as
    it is, never neutralised."""

    __slots__ = ()


def neutralise(text: str) -> str:
    """`text` as written to a CSV cell: a quote in front if a spreadsheet would run it (or if
    it starts with a quote itself); a NumberText as it is."""
    if isinstance(text, NumberText):
        return text
    return QUOTE + text if text.startswith((*FORMULA_STARTS, QUOTE)) else text


def restore(text: str) -> str:
    """The inverse of `neutralise`: the text that was meant."""
    return text[1:] if text.startswith(QUOTE) else text


def cell(value: Any) -> Any:
    """A value to write: text neutralised, anything else as it is."""
    return neutralise(value) if isinstance(value, str) else value


def safe_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """`frame` with every text cell (and column name) neutralised; numeric columns as they
    are."""
    text_columns = [c for c in frame.columns if not _numeric(frame[c])]
    if not text_columns and not any(isinstance(c, str) and c != neutralise(c)
                                    for c in frame.columns):
        return frame
    safe = frame.copy()
    for column in text_columns:
        safe[column] = safe[column].map(cell)
    safe.columns = [cell(c) for c in safe.columns]
    return safe


def read_back(frame: pd.DataFrame) -> pd.DataFrame:
    """A table read from a CSV regsim wrote, with its text cells restored (`restore`)."""
    columns = [c for c in frame.columns if frame[c].dtype == object]
    if not columns and not any(isinstance(c, str) and c.startswith(QUOTE)
                               for c in frame.columns):
        return frame
    frame = frame.copy()
    for column in columns:
        frame[column] = frame[column].map(lambda v: restore(v) if isinstance(v, str) else v)
    frame.columns = [restore(c) if isinstance(c, str) else c for c in frame.columns]
    return frame


def write_csv(frame: pd.DataFrame, path: str | Path, float_format: str | None = FLOAT_FORMAT
              ) -> None:
    """Write `frame` (no index, `\\n` line ends, floats in `float_format`) with its text
    cells neutralised."""
    safe_frame(frame).to_csv(path, index=False, float_format=float_format, lineterminator="\n")


def _numeric(column: pd.Series) -> bool:
    return (pd.api.types.is_numeric_dtype(column) or pd.api.types.is_bool_dtype(column)
            or pd.api.types.is_datetime64_any_dtype(column))
