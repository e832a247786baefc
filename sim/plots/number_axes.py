"""Tick labels a reader reads without exponent notation (the brief embeds these figures).

Capability and compute are stored as log10 FLOP; on an axis they read as multiples of GPT-4's
training compute ('48×'), the dashboard's words (`sim.presentation.wording`), and a paired
difference of them as a change in compute ('+12%'). Every other number on an axis is written
out in full: matplotlib would otherwise switch to '1e5' or an offset ('×10⁻³') on its own.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from sim.presentation import wording

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

LOG_UNIT_MARK = "log10"
"""Units of values stored as log10 FLOP ('log10 effective FLOP', 'log10 FLOP')."""


def is_log_unit(unit: str) -> bool:
    """Whether values in `unit` are log10 FLOP."""
    return LOG_UNIT_MARK in unit


def capability_unit(unit: str) -> str:
    """The axis label of a log10 FLOP unit in words: 'GPT-4's effective compute = 1×'."""
    yardstick = wording.GPT4_EFFECTIVE if "effective" in unit else wording.GPT4_COMPUTE
    return f"× {yardstick}"


def multiples_axis(axes: Axes, which: str = "y") -> None:
    """Ticks of log10 FLOP values as multiples of GPT-4's training compute, at round
    multiples ('1×', '100×', '10,000×', '1 million×')."""
    from matplotlib.ticker import FuncFormatter, Locator, MaxNLocator

    class RoundMultiples(Locator):
        """Ticks where the multiple of GPT-4 is a round power of ten (or a round fraction of
        one on a short axis)."""

        def __init__(self) -> None:
            self.inner = MaxNLocator(nbins=7, steps=[1, 2, 5, 10])

        def __call__(self):
            return self.tick_values(*self.axis.get_view_interval())

        def tick_values(self, vmin, vmax):
            low, high = sorted((vmin, vmax))
            span = high - low
            if span >= 2:  # whole orders of magnitude: 1×, 10×, 100×...
                self.inner.set_params(integer=True)
            else:
                self.inner.set_params(integer=False)
            shifted = self.inner.tick_values(low - wording.GPT4_LOG10_FLOP,
                                             high - wording.GPT4_LOG10_FLOP)
            return shifted + wording.GPT4_LOG10_FLOP

    axis = _axis(axes, which)
    axis.set_major_locator(RoundMultiples())
    axis.set_major_formatter(FuncFormatter(lambda value, _: wording.multiple(value)))


def change_axis(axes: Axes, which: str = "y") -> None:
    """Ticks of differences of log10 FLOP as the change in compute they mean ('+12%')."""
    from matplotlib.ticker import FuncFormatter

    _axis(axes, which).set_major_formatter(FuncFormatter(lambda value, _: change_words(value)))


def change_words(log10_difference: float) -> str:
    """A difference of log10 FLOP as a change in compute: 0.05 -> '+12%', 0 -> '0%'."""
    if not math.isfinite(log10_difference):
        return wording.NOT_AVAILABLE
    percent = (wording.power_of_ten(log10_difference) - 1.0) * 100.0
    if not math.isfinite(percent):
        return wording.NOT_AVAILABLE
    if abs(percent) < 5e-4:
        return "0%"
    if abs(percent) >= 10:
        return f"{percent:+,.0f}%"
    return f"{percent:+.1f}%" if abs(percent) >= 0.1 else f"{percent:+.3f}%".rstrip("0")


def no_exponent_ticks(figure: Figure) -> Figure:
    """Every plain-number axis of `figure` written out in full (no '1e5', no offset); axes
    with their own formatter (dates, multiples) are left alone. Returns `figure`."""
    from matplotlib.ticker import ScalarFormatter

    for axes in figure.get_axes():
        for axis in (axes.xaxis, axes.yaxis):
            formatter = axis.get_major_formatter()
            if isinstance(formatter, ScalarFormatter):
                formatter.set_scientific(False)
                formatter.set_useOffset(False)
    return figure


def _axis(axes: Axes, which: str):
    return axes.yaxis if which == "y" else axes.xaxis
