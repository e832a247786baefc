"""Numbers in words a room of non-programmers reads: money, compute, shares, months, multiples.

Every function takes a value in the model's units and returns a short string; NaN (undefined)
reads "n/a". Capability is shown as a multiple of GPT-4's training compute, the yardstick people
know, with the log10 effective FLOP kept for detail views and hover text.
"""

from __future__ import annotations

import math

NOT_AVAILABLE = "n/a"

GPT4_TRAINING_FLOP = 2.1e25
"""GPT-4's training compute, FLOP (Epoch AI database; the baseline's `openai` initial model).
Capability in regsim is log10 *effective* FLOP, so a multiple of GPT-4 counts algorithmic
progress since the scenario's start as extra compute."""

GPT4_LOG10_FLOP = math.log10(GPT4_TRAINING_FLOP)


def is_number(value: object) -> bool:
    """Whether `value` is a finite real number (bools excluded)."""
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def significant(value: float, digits: int = 2) -> float:
    """`value` rounded to `digits` significant figures (0 stays 0)."""
    if value == 0 or not math.isfinite(value):
        return value
    return float(f"{value:.{digits - 1}e}")


def scientific(value: float) -> str:
    """1e26 as '1e26', 2.5e25 as '2.5e25' (two significant figures, no '+')."""
    if not is_number(value) or value <= 0:
        return NOT_AVAILABLE
    mantissa, exponent = f"{significant(value):.1e}".split("e")
    mantissa = mantissa.rstrip("0").rstrip(".")
    prefix = "" if mantissa == "1" else mantissa
    return f"{prefix}e{int(exponent)}" if prefix else f"1e{int(exponent)}"


def flop(value: float) -> str:
    """Raw FLOP in words: '1e26 FLOP (4.8× GPT-4)'."""
    if not is_number(value) or value <= 0:
        return NOT_AVAILABLE
    return f"{scientific(value)} FLOP ({multiple(math.log10(value))} GPT-4)"


LARGE_NUMBERS = ((1e12, "trillion"), (1e9, "billion"), (1e6, "million"), (1e3, "thousand"))


def multiple(log10_flop: float) -> str:
    """How many times GPT-4's training compute a capability (log10 effective FLOP) is, in
    words: '5×', '0.3×', '1,200×', '34 million×'."""
    if not is_number(log10_flop):
        return NOT_AVAILABLE
    return times(10.0 ** (log10_flop - GPT4_LOG10_FLOP))


def times(value: float) -> str:
    """A multiple in words: '5×', '0.3×', '1,200×', '34 million×', '2.5 billion×'."""
    if not is_number(value):
        return NOT_AVAILABLE
    for size, word in LARGE_NUMBERS[:3]:
        if value >= size:
            scaled = significant(value / size)
            shown = f"{scaled:.0f}" if scaled >= 10 else f"{scaled:.2g}"
            return f"{shown} {word}×"
    if value >= 100:
        return f"{significant(value):,.0f}×"
    if value >= 10:
        return f"{value:.0f}×"
    if value >= 1:
        return f"{value:.1f}×"
    return f"{significant(value):g}×"


def usd(value: float) -> str:
    """Dollars: '$100M', '$1.5bn', '$20k'."""
    if not is_number(value):
        return NOT_AVAILABLE
    if abs(value) >= 1e9:
        return f"${value / 1e9:,.3g}bn"
    if abs(value) >= 1e6:
        return f"${value / 1e6:,.3g}M"
    if abs(value) >= 1e3:
        return f"${value / 1e3:,.3g}k"
    return f"${value:,.0f}"


def musd(value: float) -> str:
    """Millions of dollars: 1000 -> '$1bn', 50 -> '$50M'."""
    return usd(value * 1e6) if is_number(value) else NOT_AVAILABLE


MONTH_NAMES = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov",
               "Dec")


def month(text: str) -> str:
    """'2033-12' as 'Dec 2033' (anything else unchanged)."""
    year, _, number_text = str(text).partition("-")
    if not (year.isdigit() and number_text.isdigit() and 1 <= int(number_text) <= 12):
        return str(text)
    return f"{MONTH_NAMES[int(number_text) - 1]} {year}"


def percent(share: float, digits: int = 0) -> str:
    """A share in [0, 1] as '35%' (more digits for small shares: '0.2%')."""
    if not is_number(share):
        return NOT_AVAILABLE
    if 0 < abs(share) < 0.01 and digits == 0:
        return f"{share * 100:.2g}%"
    return f"{share * 100:.{digits}f}%"


def months(value: float) -> str:
    """'6.2 months', '1 month'."""
    if not is_number(value):
        return NOT_AVAILABLE
    if float(value).is_integer():
        count = int(value)
        return f"{count} month" if count == 1 else f"{count} months"
    return f"{value:.1f} months"


def count(value: float) -> str:
    """A count: '7,938', '3.4' (a mean over draws keeps one decimal below 100)."""
    if not is_number(value):
        return NOT_AVAILABLE
    if abs(value) >= 100 or float(value).is_integer():
        return f"{value:,.0f}"
    return f"{value:.1f}"


def number(value: float) -> str:
    """About three significant figures, no exponent."""
    if not is_number(value):
        return NOT_AVAILABLE
    magnitude = abs(value)
    if magnitude >= 100 or magnitude == 0:
        return f"{value:,.0f}"
    if magnitude >= 10:
        return f"{value:.1f}"
    if magnitude >= 1:
        return f"{value:.2f}"
    return f"{value:.3g}"
