"""Small HTML pieces of the brief: escaping, sections, notes, lists, figures, numbers.

Everything that puts folder text into the page goes through `escape`, and every image
through `figure` (PNG bytes checked by `sim.brief.embed.png_data_uri`).
"""

from __future__ import annotations

import html
import math
from collections.abc import Iterable
from typing import Any

from sim.brief.embed import png_data_uri
from sim.presentation.tables import format_number


def escape(text: Any) -> str:
    """Text as HTML text, never markup (quotes escaped too, for attributes)."""
    return html.escape(str(text), quote=True)


def section(anchor: str, heading: str, body: str) -> str:
    """A section of the brief with its h2 heading (`body` is HTML, already escaped)."""
    return f'<section id="{anchor}">\n<h2>{escape(heading)}</h2>\n{body}\n</section>'


def note(text: str) -> str:
    """A grey note paragraph."""
    return f'<p class="note">{escape(text)}</p>'


def bullets(items: Iterable[str]) -> str:
    """A bulleted list of plain-text items."""
    return "<ul>\n" + "\n".join(f"<li>{escape(item)}</li>" for item in items) + "\n</ul>"


def details(summary: str, body: str) -> str:
    """A folded table: closed on screen, printed open (see the style sheet)."""
    return f'<details class="table"><summary>{escape(summary)}</summary>\n{body}\n</details>'


def figure(png: bytes, alt: str, caption: str) -> str:
    """An embedded PNG with its caption."""
    return (f'<figure><img alt="{escape(alt)}" src="{png_data_uri(png)}">'
            f"<figcaption>{escape(caption)}</figcaption></figure>")


def to_float(value: Any) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        return math.nan


def is_finite(value: Any) -> bool:
    return math.isfinite(to_float(value))


def to_int(value: Any) -> int:
    number = to_float(value)
    return int(number) if math.isfinite(number) else 0


def number_text(value: Any) -> str:
    return format_number(to_float(value))


def interval_text(low: Any, high: Any) -> str:
    """'1.25 to 5.75', or n/a when either end is undefined."""
    low_text, high_text = number_text(low), number_text(high)
    if "n/a" in (low_text, high_text):
        return "n/a"
    return f"{low_text} to {high_text}"
