"""Calendar months: the model's clock is an integer month index from the scenario start."""

from __future__ import annotations

import datetime as dt
import re

_MONTH_RE = re.compile(r"^(\d{4})-(\d{2})$")


def parse_month(text: str | dt.date) -> int:
    """Return an absolute month number (year * 12 + month - 1) for 'YYYY-MM' or a TOML date."""
    if isinstance(text, dt.date):
        return text.year * 12 + text.month - 1
    match = _MONTH_RE.match(str(text))
    if not match:
        raise ValueError(f"expected a month as 'YYYY-MM', found {text!r}")
    year, month = int(match.group(1)), int(match.group(2))
    if not 1 <= month <= 12:
        raise ValueError(f"month must be 01-12, found {text!r}")
    return year * 12 + month - 1


def format_month(absolute_month: int) -> str:
    """Inverse of :func:`parse_month`: 'YYYY-MM'."""
    year, month0 = divmod(int(absolute_month), 12)
    return f"{year:04d}-{month0 + 1:02d}"


def years_since(absolute_month: float, reference: str = "2024-01") -> float:
    """Fractional years between a reference month and an absolute month."""
    return (absolute_month - parse_month(reference)) / 12.0
