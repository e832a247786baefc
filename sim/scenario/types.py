"""Reusable field types for scenario files, each with its unit and a finite, meaningful range.

Every number a scenario holds has an upper and a lower bound, so that a file `regsim validate`
accepts cannot make a run fail or give nonsense on its values: no `inf`, `nan`, `1e308` or
`5e-324`. The bounds are wide (they admit any plausible world and a good deal beyond) but
physical: money up to USD 10 trillion, FLOP from 1e10 to 1e40, growth up to 100x a year, and a
calendar from 2000-01 to 2100-12. Lists that are sets (markets, milestones, target
jurisdictions) may not repeat an item.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from pydantic import AfterValidator, BeforeValidator, Field

from sim.calendar import format_month, parse_month

FIRST_MONTH, LAST_MONTH = "2000-01", "2100-12"
"""The calendar window every simulated month must fall in."""
MAX_MONEY_MUSD = 1e7
"""USD 10 trillion, in USD M: about a tenth of world GDP, above any AI budget or penalty."""
MAX_QUESTION_CHARS, MAX_LABEL_CHARS, MAX_DESCRIPTION_CHARS = 300, 80, 5000


def _normalise_month(value: object) -> str:
    if isinstance(value, dt.datetime):
        value = value.date()
    if isinstance(value, dt.date):
        value = format_month(parse_month(value))
    if not isinstance(value, str):
        raise ValueError("expected a month as 'YYYY-MM'")
    month = parse_month(value)  # raises ValueError with a clear message
    if not parse_month(FIRST_MONTH) <= month <= parse_month(LAST_MONTH):
        raise ValueError(f"expected a month from {FIRST_MONTH} to {LAST_MONTH}, found {value!r}")
    return value


def _no_repeats(items: list[Any]) -> list[Any]:
    seen: list[Any] = []
    for item in items:
        if item in seen:
            raise ValueError(f"{item!r} is listed twice; each item may appear once")
        seen.append(item)
    return items


BIDI_CONTROLS = frozenset("\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
"""Marks and overrides that reorder the text around them (U+202E shows `txet` reversed): in a
label they would turn the words of a verdict or a narrative around them."""


def is_control(char: str) -> bool:
    """Whether `char` is a control character text must not hold: C0 (below U+0020), DEL, C1
    (U+0080-U+009F, e.g. U+009B, a terminal's escape) or a bidirectional control."""
    code = ord(char)
    return code < 32 or 127 <= code <= 159 or char in BIDI_CONTROLS


def _one_line(text: str) -> str:
    if any(is_control(char) for char in text):
        raise ValueError("must be one line of text, without control characters (including "
                         "C1 and bidirectional controls)")
    return text


def _text_block(text: str) -> str:
    if any(is_control(char) and char not in "\n\t" for char in text):
        raise ValueError("must be text without control characters (newlines and tabs allowed; "
                         "no C1 or bidirectional controls)")
    return text


def bounded(low: float, high: float, *, above: bool = False) -> Any:
    """A finite float from `low` (exclusive with `above`) to `high` inclusive."""
    lower = {"gt": low} if above else {"ge": low}
    return Annotated[float, Field(**lower, le=high, allow_inf_nan=False)]


Month = Annotated[
    str, BeforeValidator(_normalise_month), Field(json_schema_extra={"format": "YYYY-MM"})
]
"""A calendar month from 2000-01 to 2100-12, written 'YYYY-MM' (a TOML date is accepted)."""

Probability = bounded(0.0, 1.0)
"""A probability or share in [0, 1]."""
HazardPerMonth = Probability
"""The chance an event happens in a given month, in [0, 1]."""
NonNegative = bounded(0.0, 1e6)
"""A finite non-negative amount without a natural unit (kept for the policy classes)."""
MoneyMusd = bounded(0.0, MAX_MONEY_MUSD)
"""An amount of money in millions of USD, from 0 to 1e7 (USD 10 trillion)."""
MoneyUsd = bounded(1.0, MAX_MONEY_MUSD * 1e6)
"""An amount of money in USD (not millions), from 1 to 1e13."""
UsdPerFlop = bounded(1e-24, 1e-12)
"""A price in USD per FLOP (2024: ~1.4e-18), from 1e-24 to 1e-12."""
GrowthFactorPerYear = bounded(1.0, 100.0)
"""A yearly growth factor (x/yr), from 1 (no growth) to 100."""
OomPerYear = bounded(0.0, 5.0)
"""Growth in orders of magnitude per year, from 0 to 5 (100,000x a year)."""
PositiveOomPerYear = bounded(0.0, 5.0, above=True)
"""Growth in orders of magnitude per year, above 0 and at most 5."""
Oom = bounded(0.0, 10.0)
"""A distance in orders of magnitude (log10) of effective compute, from 0 to 10."""
PositiveOom = bounded(0.0, 10.0, above=True)
"""A distance in orders of magnitude, above 0 and at most 10."""
Multiplier = bounded(0.0, 100.0)
"""A dimensionless factor from 0 to 100."""
ShareOfCost = bounded(0.0, 100.0)
"""A multiple of a cost (0.1 = 10% of it), from 0 to 100."""
Pressure = bounded(0.0, 1e6)
"""Political pressure, in incident-equivalents, from 0 to 1e6."""
PositivePressure = bounded(0.0, 1e6, above=True)
"""Political pressure above 0 and at most 1e6."""
TemperatureMusd = bounded(0.01, 1e6)
"""The scale of utility noise in a logit choice, USD M, from 0.01 to 1e6."""
BassCoefficientPerYear = bounded(0.0, 10.0)
"""A Bass diffusion coefficient (innovation p or imitation q), per year, from 0 to 10."""
FactorPerTier = bounded(1.0, 100.0)
"""A factor applied per security tier, from 1 to 100."""
SignedOom = bounded(-3.0, 3.0)
"""An edge or handicap in orders of magnitude of effective compute, from -3 to 3."""
MarginOom = bounded(0.0, 1.0, above=True)
"""A small margin in orders of magnitude, above 0 and at most 1."""
ExtraGrowthShare = bounded(0.0, 10.0)
"""Extra growth as a share of the base rate (0.1 = 10% faster), from 0 to 10."""

Flop = Annotated[float, Field(ge=1e10, le=1e40, allow_inf_nan=False)]
"""A raw FLOP count (e.g. 1e26) from 1e10 to 1e40; stored internally as log10."""
FlopSet = Annotated[list[Flop], Field(max_length=20), AfterValidator(_no_repeats)]
"""Distinct FLOP levels, at most 20."""

Name = Annotated[str, Field(pattern=r"^[A-Za-z][A-Za-z0-9_]*$", max_length=64)]
"""An agent or policy name: letters, digits and underscores, used in `--set` key paths."""

Jurisdiction = Annotated[str, Field(pattern=r"^[A-Z]{2,4}(-[A-Z]{2,4})?$")]
"""A jurisdiction code such as 'US', 'US-CA', 'EU', 'CN' or 'ROW'."""
JurisdictionSet = Annotated[list[Jurisdiction], Field(max_length=50), AfterValidator(_no_repeats)]
"""Distinct jurisdiction codes, at most 50."""

SecurityLevel = Annotated[int, Field(ge=1, le=5)]
"""RAND weight-security level SL1-SL5 (or operational-capacity tier OC1-OC5)."""

MonthCount = Annotated[int, Field(ge=1, le=10_000)]
MonthRange = Annotated[list[MonthCount], Field(min_length=2, max_length=2)]
"""[min, max] months, each from 1 to 10,000 (beyond the longest horizon, 1,200 months: "never
again"); min <= max is checked by the owning model."""

Question = Annotated[
    str, Field(min_length=1, max_length=MAX_QUESTION_CHARS), AfterValidator(_one_line)
]
"""One line of text, at most 300 characters."""
Label = Annotated[str, Field(min_length=1, max_length=MAX_LABEL_CHARS), AfterValidator(_one_line)]
"""A display name: one line of text, at most 80 characters."""
Description = Annotated[str, Field(max_length=MAX_DESCRIPTION_CHARS), AfterValidator(_text_block)]
"""Free text, at most 5000 characters (newlines allowed)."""

BassCoefficientPerMonth = bounded(0.0, 30.0)
"""A Bass diffusion coefficient (innovation p or imitation q), per month, from 0 to 30."""
DelayMonths = Annotated[int, Field(ge=0, le=120)]
"""A delay in whole months, from 0 to 120."""
Count = Annotated[int, Field(ge=1, le=1000)]
"""A whole number of events, from 1 to 1000."""
RevenueShares = Annotated[dict[Jurisdiction, Probability], Field(max_length=50)]
"""Shares by jurisdiction code, each in [0, 1]."""
