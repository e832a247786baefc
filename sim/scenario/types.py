"""Reusable field types for scenario files: months, probabilities, FLOP, names."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from pydantic import BeforeValidator, Field

from sim.calendar import format_month, parse_month


def _normalise_month(value: object) -> str:
    if isinstance(value, dt.datetime):
        value = value.date()
    if isinstance(value, dt.date):
        return format_month(parse_month(value))
    if not isinstance(value, str):
        raise ValueError("expected a month as 'YYYY-MM'")
    parse_month(value)  # raises ValueError with a clear message
    return value


Month = Annotated[
    str, BeforeValidator(_normalise_month), Field(json_schema_extra={"format": "YYYY-MM"})
]
"""A calendar month, written 'YYYY-MM' (a TOML date such as 2025-01-01 is accepted too)."""

Probability = Annotated[float, Field(ge=0.0, le=1.0)]
"""A probability or share in [0, 1]."""

NonNegative = Annotated[float, Field(ge=0.0)]
Flop = Annotated[float, Field(gt=1.0, lt=1e40)]
"""A raw FLOP count (e.g. 1e26); stored internally as log10."""

Name = Annotated[str, Field(pattern=r"^[A-Za-z][A-Za-z0-9_]*$", max_length=64)]
"""An agent or policy name: letters, digits and underscores, used in `--set` key paths."""

Jurisdiction = Annotated[str, Field(pattern=r"^[A-Z]{2,4}(-[A-Z]{2,4})?$")]
"""A jurisdiction code such as 'US', 'US-CA', 'EU', 'CN' or 'ROW'."""

SecurityLevel = Annotated[int, Field(ge=1, le=5)]
"""RAND weight-security level SL1-SL5 (or operational-capacity tier OC1-OC5)."""

MonthRange = Annotated[list[int], Field(min_length=2, max_length=2)]
"""[min, max] months, both >= 1 (checked by the owning model)."""

