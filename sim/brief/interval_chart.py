"""A finding's chart on page one: a small inline SVG of the mean paired difference and its 95%
interval against zero (one per finding, so the list reads as small multiples).

Each chart has its own scale (the larger of |low| and |high|), so the chart says the effect's
sign and whether its interval clears zero, not its size against another finding's; the numbers
are in the sentence beside it. Only numbers reach the SVG, never text from the folder.
"""

from __future__ import annotations

import math

WIDTH_PX, HEIGHT_PX = 120, 14
COLORS = {1: "#1a7f37", -1: "#b42318", 0: "#555555"}


def interval_svg(mean: float, low: float, high: float, effect: int) -> str:
    """The chart as an inline SVG element (empty when the mean is not a number)."""
    if not math.isfinite(mean):
        return ""
    bounds = [abs(v) for v in (mean, low, high) if math.isfinite(v)]
    scale = max(bounds) or 1.0
    half = WIDTH_PX / 2 - 4

    def x(value: float) -> float:
        return round(WIDTH_PX / 2 + half * value / scale, 1)

    color = COLORS.get(effect, COLORS[0])
    mid = HEIGHT_PX / 2
    parts = [f'<line x1="{WIDTH_PX / 2}" y1="1" x2="{WIDTH_PX / 2}" y2="{HEIGHT_PX - 1}" '
             'stroke="#999" stroke-width="1"/>']
    if math.isfinite(low) and math.isfinite(high):
        parts.append(f'<line x1="{x(low)}" y1="{mid}" x2="{x(high)}" y2="{mid}" '
                     f'stroke="{color}" stroke-width="3" stroke-opacity="0.45"/>')
    parts.append(f'<circle cx="{x(mean)}" cy="{mid}" r="3" fill="{color}"/>')
    return (f'<svg class="interval-chart" width="{WIDTH_PX}" height="{HEIGHT_PX}" '
            f'viewBox="0 0 {WIDTH_PX} {HEIGHT_PX}" role="img" aria-label="mean paired '
            f'difference with its 95% interval, against zero">{"".join(parts)}</svg>')
