"""Numbers in words a room of non-programmers reads: money, compute, shares, months, multiples.

Every function takes a value in the model's units and returns a short string; NaN (undefined)
reads "n/a". Capability is shown as a multiple of GPT-4's training compute, the yardstick people
know, with the log10 effective FLOP kept for detail views and hover text.
"""

from __future__ import annotations

import math
import re

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
    """Raw FLOP in words a room reads, no exponent: 1e26 -> '4.8× GPT-4's training compute'."""
    if not is_number(value) or value <= 0:
        return NOT_AVAILABLE
    return f"{multiple(math.log10(value))} {GPT4_COMPUTE}"


GPT4_COMPUTE = "GPT-4's training compute"


LARGE_NUMBERS = ((1e12, "trillion"), (1e9, "billion"), (1e6, "million"), (1e3, "thousand"))


def power_of_ten(exponent: float) -> float:
    """10 ** `exponent`, infinite where a float cannot hold it (a crafted '1e400' or a log10
    of 400 read from a results folder) rather than an OverflowError."""
    try:
        return 10.0 ** exponent
    except OverflowError:
        return math.inf


def multiple(log10_flop: float) -> str:
    """How many times GPT-4's training compute a capability (log10 effective FLOP) is, in
    words: '5×', '0.3×', '1,200×', '34 million×'."""
    if not is_number(log10_flop):
        return NOT_AVAILABLE
    return times(power_of_ten(log10_flop - GPT4_LOG10_FLOP))


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


def two_figures(value: float) -> str:
    """A headline number rounded to two significant figures, no exponent: 49,874 -> '50,000',
    8.18 -> '8.2', 0.00209 -> '0.0021'."""
    if not is_number(value):
        return NOT_AVAILABLE
    rounded = significant(float(value), 2)
    magnitude = abs(rounded)
    if magnitude >= 10 or rounded == 0:
        return f"{rounded:,.0f}"
    if magnitude >= 1:
        return f"{rounded:.1f}"
    decimals = -math.floor(math.log10(magnitude)) + 1
    return f"{rounded:.{decimals}f}"


# Plain words for the model's event sentences ---------------------------------------------------

JURISDICTION_WORDS = {
    "US-CA": "California", "US-NY": "New York", "US": "the US", "EU": "the EU", "CN": "China",
    "UK": "the UK", "GB": "the UK", "ROW": "the rest of the world", "JP": "Japan",
    "KR": "South Korea", "IN": "India", "CA": "Canada", "FR": "France", "DE": "Germany",
    "AE": "the UAE", "SG": "Singapore", "IL": "Israel", "TW": "Taiwan",
}
"""Jurisdiction codes in plain words (a code not listed stays as written)."""

ATTACKER_WORDS = {1: "an amateur attacker", 2: "a professional hacking team",
                  3: "a criminal syndicate or insider", 4: "a state hacking operation",
                  5: "a top-priority state hacking operation"}
"""RAND's operational-capacity tiers OC1-OC5 in words (Nevo et al. 2024)."""

_FLOP = re.compile(r"\b(\d+(?:\.\d+)?)e\+?(\d+(?:\.\d+)?) (effective )?FLOP\b")
_EXPONENT = re.compile(r"\b(\d+(?:\.\d+)?)[eE]([+-]?\d+(?:\.\d+)?)\b")
_ATTACK = re.compile(r"\bOC([1-5]) against SL([1-5])\b")
_SECURITY = re.compile(r"\bSL([1-5])\b")
_NOT_A_NAME = r"(?!(?:model|of|by|against|level|in|to|from|for|and|the|with)\b)"
_MEMBER = re.compile(r"\b(a|an|another) (" + _NOT_A_NAME + r"[A-Za-z][\w\-]*(?: " + _NOT_A_NAME
                     + r"[A-Za-z][\w\-]*){0,3}) \d+\b")
_MODEL = re.compile(r"(?<=[\w\-]) model \d+\b")
_CODE = re.compile(r"\b(from|to|in|leaves|leave|enters|under|on(?= \S+'s)) (" + "|".join(
    sorted(JURISDICTION_WORDS, key=len, reverse=True)) + r")(?![\w-])")


def plain_words(text: str) -> str:
    """A model sentence with no exponent notation, codes or internal names: FLOP as a multiple
    of GPT-4's training compute, jurisdiction codes as places, 'OC4 against SL3' in words,
    numbered members of a group of labs ('another closed developer 4') and model numbers
    dropped ('Meta model 2' -> 'Meta's model')."""
    text = _MEMBER.sub(lambda m: f"{m.group(1)} {m.group(2)}", text)
    text = _MODEL.sub("'s model", text)
    text = no_exponents(text)
    text = _ATTACK.sub(lambda m: f"{ATTACKER_WORDS[int(m.group(1))]} against security level "
                                 f"{m.group(2)} of 5", text)
    text = _SECURITY.sub(lambda m: f"level {m.group(1)} of 5", text)
    text = text.replace("gpai obligations", "duties for general-purpose AI models")
    return _CODE.sub(lambda m: f"{m.group(1)} {JURISDICTION_WORDS[m.group(2)]}", text)


def no_exponents(text: str) -> str:
    """`text` with no exponent notation, nothing else changed: '1e26 FLOP' as 'about 4.8×
    GPT-4's training compute' ('1e27 effective FLOP': '... GPT-4's effective compute'), any
    other '2.5e25' or '1e-6' as a number in words (`plain_number`)."""
    text = _FLOP.sub(lambda m: f"about {_flop_multiple(m)} "
                               f"{GPT4_EFFECTIVE if m.group(3) else GPT4_COMPUTE}", text)
    return _EXPONENT.sub(
        lambda m: plain_number(float(m.group(1)) * power_of_ten(float(m.group(2)))), text)


GPT4_EFFECTIVE = "GPT-4's effective compute"
"""Capability (log10 *effective* FLOP) in words: a multiple of GPT-4's training compute that
counts algorithmic progress as extra compute."""


def plain_number(value: float) -> str:
    """Any number without exponent notation: 2.5e25 -> '25 trillion trillion', 1.4e-18 ->
    '0.0000000000000000014', 1234.5 -> '1,234'."""
    if not is_number(value):
        return NOT_AVAILABLE
    if abs(value) >= 1e6:
        return ("-" if value < 0 else "") + _large(abs(value))
    if value != 0 and abs(value) < 1e-3:
        rounded = significant(float(value), 2)
        decimals = -math.floor(math.log10(abs(rounded))) + 1
        return f"{rounded:.{decimals}f}".rstrip("0")
    return number(value)


def _flop_multiple(match: re.Match) -> str:
    mantissa = float(match.group(1))
    if mantissa <= 0:
        return NOT_AVAILABLE
    return multiple(math.log10(mantissa) + float(match.group(2)))


def _large(value: float) -> str:
    """A large number in words: 2.5e25 -> '25 million billion billion'... kept short: the
    number with a word for its size ('25 trillion trillion')."""
    if value < 1e6:
        return number(value)
    scaled, words = value, []
    while scaled >= 1e12:
        scaled /= 1e12
        words.append("trillion")
    for size, word in LARGE_NUMBERS:
        if scaled >= size:
            scaled /= size
            words.insert(0, word)
            break
    return f"{two_figures(scaled)} {' '.join(words)}"
