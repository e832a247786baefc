"""The dashboard's charts and headline numbers: ECharts options drawn in the browser.

Every chart shows the reference (bold grey, its mean over draws: the bundled 2024 baseline, or
the settings the facilitator pinned; `sim.dashboard.reference`) under the current settings (a
colour, the mean over draws with the band of the middle 80% of draws). The baseline spans the
whole horizon; the current settings show only the months revealed (`shown`), so play draws the
road taken over the road not taken. In predict mode the current settings are hidden. The x axis
is calendar dates; capability is in multiples of GPT-4's training compute on a log axis (no
exponent anywhere), in words in the hover text.

Options are plain data (JSON): no JavaScript functions, so nothing from a scenario file can run
in the browser. Text is drawn on the canvas (`renderMode: richText`), never as markup. What is
drawn comes from `sim.dashboard.headlines`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from sim.dashboard.headlines import (
    BASELINE_COLOR,
    CHANNEL_COLORS,
    CHANNEL_WORDS,
    CHARTS,
    ChartSpec,
    Headline,
    fill,
    mean_to_month,
    strip,
    table,
)
from sim.dashboard.runs import BAND_PERCENTILES, RunSet, percentile
from sim.presentation import wording

FONT_PX = 14
"""Every chart text: readable from the back of a room at 1366 px wide."""
TITLE_PX = 16
BASELINE_WIDTH = 4
POLICY_WIDTH = 3
BAND_OPACITY = 0.22
BASELINE_NAME = "reference"
POLICY_NAME = "your settings"


@dataclass(frozen=True)
class Actor:
    """The competitor state charts and headlines speak of: name (columns) and label (words)."""

    name: str | None
    label: str

    def column(self, pattern: str) -> str:
        return fill(pattern, self.name)

    def words(self, pattern: str) -> str:
        return fill(pattern, self.label)


def actor_of(state_names: Sequence[str], labels: dict[str, str]) -> Actor:
    """The first competitor state (or a placeholder when the scenario has none)."""
    if not state_names:
        return Actor(None, "the competitor")
    name = state_names[0]
    return Actor(name, labels.get(name) or name)


# Headlines ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class HeadlineValue:
    """A headline at the month shown: the number in words, the baseline and the difference."""

    key: str
    label: str
    value: float
    baseline: float
    text: str
    baseline_text: str
    difference_text: str
    tone: str
    explanation: str
    statistic_words: str = ""
    group: str = ""
    unit: str = ""
    band_text: str = ""


STATISTIC_WORDS = {"mean_to_month": "average to date", "at_month": "", "share_at_month": ""}
"""How a headline's statistic reads beside its reference ('2024 policies: 12 · average to
date'): the one definition of a lag on a screen (the lag charts' captions average from the
first month to the month shown too)."""

TONES = ("neutral", "regulator")
"""Colour schemes: neutral (the default: no colour says better or worse) or the view of a
regulator seeking security at least cost (green what it would welcome, red what not; the
page then says so)."""


def headline_values(policy: RunSet | None, baseline: RunSet, month: int, actor: Actor,
                    hidden: bool = False, headlines: Sequence[Headline] | None = None,
                    tones: str = "neutral", assumptions_moved: bool = False
                    ) -> list[HeadlineValue]:
    """The headlines of the strip (or `headlines`) at month index `month`, policy against
    baseline. With `tones` 'regulator' a difference is coloured by what a security-minded
    regulator would welcome, unless `assumptions_moved` (then it is no policy's effect)."""
    entries = strip() if headlines is None else headlines
    colour = tones == "regulator" and not assumptions_moved
    return [_headline(entry, policy, baseline, month, actor, hidden, colour)
            for entry in entries]


def table_values(policy: RunSet | None, baseline: RunSet, month: int, actor: Actor,
                 hidden: bool = False, tones: str = "neutral",
                 assumptions_moved: bool = False) -> list[HeadlineValue]:
    """The side table's rows (labs' answers, costs) at month index `month`."""
    return headline_values(policy, baseline, month, actor, hidden, table(), tones,
                           assumptions_moved)


def _headline(entry: Headline, policy: RunSet | None, baseline: RunSet, month: int,
              actor: Actor, hidden: bool, colour: bool = False) -> HeadlineValue:
    measure = entry.measure.filled(actor.name)
    ours = policy.statistic(measure, month) if policy else math.nan
    theirs = baseline.statistic(measure, month)
    difference = ours - theirs
    band = ""
    if hidden:
        text, difference_text, tone = "?", "make your prediction", "hidden"
    else:
        text = in_unit(entry.unit, ours)
        difference_text = _difference(entry.unit, difference)
        tone = _tone(entry.better, difference) if colour else "neutral"
        band = band_words(entry.unit, policy, measure, month)
    label = actor.words(entry.label)
    return HeadlineValue(entry.key, label[:1].upper() + label[1:], ours, theirs, text,
                         in_unit(entry.unit, theirs), difference_text, tone,
                         actor.words(entry.explanation),
                         STATISTIC_WORDS.get(measure.statistic, ""), entry.group, entry.unit,
                         band)


def without_reference(values: Sequence[HeadlineValue]) -> list[HeadlineValue]:
    """Headlines with nothing of the reference: its number, and the difference from it (the
    reference hidden until a game's last round; `sim.dashboard.game.reference_shown`)."""
    return [replace(value, baseline=math.nan, baseline_text="", difference_text="",
                    tone="neutral" if value.tone != "hidden" else value.tone)
            for value in values]


def band_words(unit: str, runs: RunSet | None, measure, month: int) -> str:
    """The spread of a headline over draws: '80% of draws: 5.1 to 7.3' ('' with one draw)."""
    values = runs.per_draw(measure, month) if runs is not None else None
    if values is None or len(values) < 2 or np.isnan(values).all():
        return ""
    low, high = (float(percentile(values.reshape(-1, 1), q)[0]) for q in BAND_PERCENTILES)
    if in_unit(unit, low) == in_unit(unit, high):
        return f"80% of draws: about {in_unit(unit, low)}"
    return f"80% of draws: {in_unit(unit, low)} to {in_unit(unit, high)}"


def in_unit(unit: str, value: float) -> str:
    """A headline number in its unit's words, two significant figures (months, counts,
    shares, money, capability): honest precision for a mean over a few draws."""
    if not wording.is_number(value):
        return wording.NOT_AVAILABLE
    if unit == "share":
        return wording.percent(wording.significant(value, 2))
    if unit == "capability":
        return wording.multiple(value)
    if unit == "USD M":
        return wording.musd(wording.significant(value, 2))
    return wording.two_figures(value)


def change_words(unit: str, change: float) -> str:
    """A signed change in its unit's words ('+0.4 months', '−$1.2bn', '+3.0%')."""
    magnitude = in_unit(unit, abs(change))
    sign = "+" if change > 0 else "−"
    suffix = " months" if unit == "months" else ""
    return f"{sign}{magnitude}{suffix}"


def _difference(unit: str, difference: float) -> str:
    if not wording.is_number(difference):
        return "no comparison"
    if abs(difference) < 1e-9:
        return "same as the reference"
    return f"{change_words(unit, difference)} vs reference"


def _tone(better: str, difference: float) -> str:
    if better == "neither" or not wording.is_number(difference) or abs(difference) < 1e-9:
        return "neutral"
    good = difference < 0 if better == "lower" else difference > 0
    return "better" if good else "worse"


# Charts ---------------------------------------------------------------------------------------

POLICY_ID = "policy"
"""Series ids starting with this are the current settings: `reveal` cuts them to the months
shown; the baseline's series are drawn whole."""


def primary_charts() -> list[ChartSpec]:
    return [spec for spec in CHARTS if spec.primary]


def secondary_charts() -> list[ChartSpec]:
    return [spec for spec in CHARTS if not spec.primary]


def chart_option(spec: ChartSpec, policy: RunSet | None, baseline: RunSet, actor: Actor,
                 hidden: bool = False, font_px: int = FONT_PX, reference: bool = True
                 ) -> dict[str, Any]:
    """The ECharts option of one chart over the whole horizon (see `reveal` for play);
    `font_px` sizes every text on the canvas (larger in the presenter view). Without
    `reference` no series of the reference is in the option (only its calendar is used)."""
    dates = _dates(baseline.months)
    if spec.kind == "channels":
        series = _channel_series(spec, policy, actor, dates, hidden)
        y_axis = _value_axis(percent=True, font_px=font_px)
    else:
        scale, suffix = _scale(spec, baseline if reference or policy is None else policy,
                               actor)
        series = []
        for index, line in enumerate(spec.series):
            series += _line_series(spec, line, index, policy, baseline, dates, actor, hidden,
                                   single=len(spec.series) == 1, scale=scale,
                                   reference=reference)
        y_axis = _value_axis(percent=spec.unit == "share", multiples=spec.kind == "capability",
                             money=suffix, font_px=font_px)
        if spec.kind == "capability":
            y_axis["min"] = _log_floor(series)
    return {
        "animation": False,
        "textStyle": {"fontSize": font_px},
        "grid": {"left": 8, "right": 18, "top": 2 * font_px + 4, "bottom": 6, "containLabel": True},
        "legend": {"show": spec.kind != "lines" or len(spec.series) > 1, "top": 0,
                   "left": 0, "type": "scroll", "itemWidth": 18, "textStyle": {"fontSize": font_px},
                   "data": _legend(spec, actor)},
        "tooltip": {"trigger": "axis", "renderMode": "richText",
                    "textStyle": {"fontSize": font_px}},
        "xAxis": {"type": "category", "data": dates, "boundaryGap": False,
                  "axisLabel": {"fontSize": font_px, "interval": _label_every(dates),
                                "hideOverlap": True},
                  "axisTick": {"interval": _label_every(dates)},
                  "splitLine": {"show": False}},
        "yAxis": y_axis,
        "series": series,
    }


def reveal(option: dict[str, Any], shown: int) -> dict[str, Any]:
    """`option` with the current settings' series cut to the first `shown` months (cheap: the
    data lists are shared, not copied)."""
    series = [{**entry, "data": entry["data"][:shown]}
              if str(entry.get("id", "")).startswith(POLICY_ID) else entry
              for entry in option["series"]]
    return {**option, "series": series}


def _legend(spec: ChartSpec, actor: Actor) -> list[str]:
    if spec.kind == "channels":
        return [CHANNEL_WORDS[c] for c in CHANNEL_ORDER]
    return [actor.words(line.label) for line in spec.series]


def _value_axis(percent: bool = False, multiples: bool = False, money: str = "",
                font_px: int = FONT_PX) -> dict[str, Any]:
    """A value axis; `percent` for shares (0-100%), `multiples` for multiples of GPT-4's
    training compute on a log axis (labelled '1,000×', never a power of ten), `money` the unit
    of dollar amounts ('M' or 'bn')."""
    label: dict[str, Any] = {"fontSize": font_px}
    axis: dict[str, Any] = {"type": "value", "scale": not percent, "axisLabel": label,
                            "splitLine": {"lineStyle": {"color": "#e9ecef"}}}
    if percent:
        axis.update({"min": 0, "max": 100})
        label["formatter"] = "{value}%"
    elif multiples:
        axis.update({"type": "log", "logBase": 10})
        axis.pop("scale")
        label.update({"formatter": "{value}×", "hideOverlap": True})
    elif money:
        label["formatter"] = "${value}" + money
    return axis


def _scale(spec: ChartSpec, baseline: RunSet, actor: Actor):
    """How a chart's values are drawn: (function of the model's values, money unit or '').
    Capability as powers of ten above GPT-4; shares in percent; USD M in billions once the
    scenario as written reaches a billion."""
    if spec.kind == "capability":
        return _orders, ""
    if spec.unit == "share":
        return _percent, ""
    if spec.unit == "USD M":
        means = [baseline.mean(actor.column(line.column)) for line in spec.series]
        largest = max((float(np.nanmax(m)) for m in means
                       if m is not None and np.isfinite(m).any()), default=0.0)
        return (_billions, "bn") if largest >= 1000.0 else (_plain, "M")
    return _plain, ""


def _line_series(spec: ChartSpec, line, index: int, policy: RunSet | None, baseline: RunSet,
                 dates: list[str], actor: Actor, hidden: bool, single: bool, scale,
                 reference: bool = True) -> list[dict[str, Any]]:
    column = actor.column(line.column)
    of = tuple(actor.column(c) for c in line.of)
    label = actor.words(line.label)
    capability = spec.kind == "capability"
    frontier = column == "frontier_capability"
    out = []
    base = baseline.mean(column, of)
    if base is not None and not frontier and reference:
        name = BASELINE_NAME if single else f"{label}: {BASELINE_NAME}"
        out.append(_line(f"baseline {index}", name, dates, scale(base), BASELINE_COLOR,
                         BASELINE_WIDTH, base if capability else None, z=2))
    # The frontier is drawn from the reference's draws, whole; with the reference hidden, from
    # the current settings' draws, cut like them to the months shown.
    runs = baseline if frontier and reference else policy
    if runs is None or (hidden and not (frontier and reference)):
        return out
    mean = runs.mean(column, of)
    if mean is None:
        return out
    if frontier:  # policies barely move the frontier: one thin dashed line for reference
        return [_line("frontier" if reference else f"{POLICY_ID} frontier", label, dates,
                      scale(mean), line.color, 1.5, mean, z=1, dashed=True)]
    band = policy.band(column, of)
    if band is not None:
        low, high = (scale(part) for part in band)
        out += _band(f"{POLICY_ID} band {index}", dates, low, high, line.color)
    name = POLICY_NAME if single else label
    out.append(_line(f"{POLICY_ID} {index}", name, dates, scale(mean), line.color,
                     POLICY_WIDTH, mean if capability else None, z=4))
    return out


def _line(series_id: str, name: str, dates: list[str], values: np.ndarray, color: str,
          width: float, capability: np.ndarray | None, z: int, dashed: bool = False
          ) -> dict[str, Any]:
    extra: dict[str, Any] = {}
    if capability is not None:  # the hover text says it in words
        words = [wording.multiple(v) + " GPT-4" if math.isfinite(v) else "none"
                 for v in capability]
        data = [[d, v, w] for d, v, w in zip(dates, _significant(values), words, strict=False)]
        extra = {"dimensions": ["month", "multiple of GPT-4", "in words"],
                 "encode": {"x": 0, "y": 1, "tooltip": [2]}}
    else:
        data = _pairs(dates, values)
    return {"id": series_id, "type": "line", "name": name, "data": data, "showSymbol": False,
            "z": z, "color": color, "connectNulls": False,
            "lineStyle": {"color": color, "width": width, "type": "dashed" if dashed else "solid"},
            "emphasis": {"disabled": True}, **extra}


def _band(series_id: str, dates: list[str], low: np.ndarray, high: np.ndarray, color: str
          ) -> list[dict[str, Any]]:
    """The replicate band as two stacked lines: the floor (invisible) and the width (filled)."""
    common = {"type": "line", "stack": series_id, "showSymbol": False, "silent": True, "z": 3,
              "lineStyle": {"opacity": 0}, "tooltip": {"show": False},
              "emphasis": {"disabled": True}}
    return [
        {**common, "id": f"{series_id} floor", "name": f"{series_id} floor",
         "data": _pairs(dates, low)},
        {**common, "id": f"{series_id} width", "name": f"{series_id} width",
         "data": _pairs(dates, high - low),
         "areaStyle": {"color": color, "opacity": BAND_OPACITY}},
    ]


CHANNEL_ORDER = ("domestic", "open_weights", "distillation", "theft")


def _channel_series(spec: ChartSpec, policy: RunSet | None, actor: Actor, dates: list[str],
                    hidden: bool) -> list[dict[str, Any]]:
    if policy is None or hidden:
        return []
    shares = policy.channel_shares(actor.column(spec.series[0].column))
    out = []
    for channel in CHANNEL_ORDER:
        share = shares.get(channel, np.zeros(len(dates)))
        color = CHANNEL_COLORS.get(channel, "#adb5bd")
        out.append({"id": f"{POLICY_ID} {channel}", "type": "line",
                    "name": CHANNEL_WORDS.get(channel, channel), "stack": "channels",
                    "showSymbol": False, "color": color, "lineStyle": {"width": 0},
                    "areaStyle": {"color": color, "opacity": 0.8},
                    "data": _pairs(dates, share * 100.0), "emphasis": {"disabled": True}})
    return out


def chart_caption(spec: ChartSpec, policy: RunSet | None, baseline: RunSet, month: int,
                  actor: Actor, hidden: bool = False, reference: bool = True) -> str:
    """One sentence under a chart: the month shown, the current settings against the baseline
    (without `reference`: the current settings alone)."""
    if not baseline.months:
        return ""
    when = wording.month(baseline.months[min(month, len(baseline.months) - 1)])
    if spec.kind == "channels":
        caption = _channels_caption(spec, policy, baseline, month, actor, hidden, when)
        return caption if reference else caption.split(" (reference: ")[0] + "."
    if not reference:
        return _caption_alone(spec, policy, month, actor, hidden, when)
    parts = []
    for position, line in enumerate(spec.series):
        column = actor.column(line.column)
        of = tuple(actor.column(c) for c in line.of)
        if baseline.mean(column, of) is None or column == "frontier_capability":
            continue
        if spec.unit == "months":  # one definition of "months behind" per screen
            theirs = _average_to(baseline, column, month)
            ours = (_average_to(policy, column, month) if policy is not None and not hidden
                    else math.nan)
        else:
            theirs = _at(baseline, column, month, of)
            ours = (_at(policy, column, month, of) if policy is not None and not hidden
                    else math.nan)
        words = _words(spec)
        if spec.unit == "months":  # the unit once, then bare numbers: two lines at most
            words = _months if not parts else wording.two_figures
        mine = "?" if hidden else words(ours)
        if spec.unit == "months":
            words = wording.two_figures
        if spec.kind == "capability":
            mine += " GPT-4" if position == 0 else ""
            part = f"{actor.words(line.label)} {mine}"
            parts.append(part + (f" (reference {words(theirs)})" if position == 0 else ""))
        elif len(spec.series) > 1:
            parts.append(f"{actor.words(line.label)} {mine} (reference {words(theirs)})")
        else:
            parts.append(f"{mine} (reference {words(theirs)})")
    if not parts:
        return f"{when}: not in this model's outputs."
    if spec.unit == "months":
        return f"Average to {when}: " + "; ".join(parts) + "."
    return f"{when}: " + "; ".join(parts) + "."


def _caption_alone(spec: ChartSpec, policy: RunSet | None, month: int, actor: Actor,
                   hidden: bool, when: str) -> str:
    """A chart's caption with the reference hidden: the current settings' values only."""
    parts = []
    for line in spec.series:
        column = actor.column(line.column)
        of = tuple(actor.column(c) for c in line.of)
        if column == "frontier_capability" or policy is None or policy.mean(column, of) is None:
            continue
        if hidden:
            value = "?"
        elif spec.unit == "months":
            value = _months(_average_to(policy, column, month))
        else:
            value = _words(spec)(_at(policy, column, month, of))
            value += " GPT-4" if spec.kind == "capability" else ""
        parts.append(f"{actor.words(line.label)} {value}" if len(spec.series) > 1
                     or spec.kind == "capability" else value)
    if not parts:
        return f"{when}: not in this model's outputs." if not hidden else f"{when}: hidden."
    lead = f"Average to {when}: " if spec.unit == "months" else f"{when}: "
    return lead + "; ".join(parts) + "."


def _months(value: float) -> str:
    """Months as the headlines give them (two significant figures), with the unit."""
    return f"{wording.two_figures(value)} months" if wording.is_number(value) else "n/a"


def _words(spec: ChartSpec):
    if spec.kind == "capability":
        return wording.multiple
    if spec.unit == "share":
        return wording.percent
    if spec.unit == "months":
        return wording.months
    if spec.unit == "USD M":
        return wording.musd
    return wording.two_figures  # a mean over a few draws: two figures, as the headlines


def _channels_caption(spec, policy, baseline, month, actor, hidden, when) -> str:
    column = actor.column(spec.series[0].column)
    if not baseline.has(column):
        return f"{when}: not in this model's outputs."

    def top(runs: RunSet | None) -> str:
        if runs is None or hidden:
            return "?"
        shares = {c: float(v[min(month, len(v) - 1)])
                  for c, v in runs.channel_shares(column).items()}
        if not shares:
            return "n/a"
        best = max(shares, key=lambda c: shares[c])
        return f"{CHANNEL_WORDS.get(best, best)} in {wording.percent(shares[best])} of draws"

    return (f"{when}: {actor.label}'s best model came from {top(policy)} "
            f"(reference: {top(baseline)}).")


def _average_to(runs: RunSet, column: str, month: int) -> float:
    """A series' mean over the months to `month`, averaged over draws: the headlines'
    'months behind'."""
    return runs.statistic(mean_to_month(column, ""), month)


def _at(runs: RunSet, column: str, month: int, of: tuple[str, ...] = ()) -> float:
    mean = runs.mean(column, of)
    if mean is None or not len(mean):
        return math.nan
    return float(mean[min(month, len(mean) - 1)])


def _dates(months: Sequence[str]) -> list[str]:
    """The x axis's categories: one per month, in words ('Jan 2024'), sent once per chart
    (each series is then a plain list of numbers: a third of the bytes of date-value pairs)."""
    return [wording.month(month) for month in months]


def _label_every(dates: Sequence[str]) -> int:
    """Label every 24th month when the horizon is long, every 12th or 6th when shorter."""
    return 23 if len(dates) > 72 else 11 if len(dates) > 24 else 5


def _plain(values: np.ndarray) -> np.ndarray:
    return values


def _percent(values: np.ndarray) -> np.ndarray:
    return values * 100.0


def _billions(values: np.ndarray) -> np.ndarray:
    return values / 1000.0


def _orders(values: np.ndarray) -> np.ndarray:
    """Capability (log10 effective FLOP) as a multiple of GPT-4's training compute."""
    return np.power(10.0, values - wording.GPT4_LOG10_FLOP)


def _numbers(values: np.ndarray) -> list[float | None]:
    """Numbers for JSON to three significant figures (what a chart and its tooltip can show:
    12.4 months, 80.5%, 49,900 copies; the page ships a third fewer bytes): None for NaN or
    infinity (a gap in the line)."""
    array = np.asarray(values, dtype=float)
    return [float(f"{v:.3g}") if math.isfinite(v) else None for v in array.tolist()]


def _log_floor(series: list[dict[str, Any]]) -> float | None:
    """The power of ten below the lowest line of a log chart (the band's stacked widths are no
    values: they would stretch the axis to 0.0000000001x)."""
    lowest = [point[1] for entry in series if "stack" not in entry
              for point in entry["data"] if isinstance(point, list)
              and point[1] is not None and point[1] > 0]
    return 10.0 ** math.floor(math.log10(min(lowest))) if lowest else None


def _significant(values: np.ndarray) -> list[float | None]:
    """Numbers for JSON to three significant figures (a log axis spans many powers of ten):
    None for NaN, infinity or a value a log axis cannot draw."""
    return [float(f"{v:.3g}") if math.isfinite(v) and v > 0 else None
            for v in np.asarray(values, dtype=float)]


def _pairs(dates: list[str], values: np.ndarray) -> list[float | None]:
    """A series' values, one per month of the category axis (`dates` gives the length)."""
    return _numbers(values)[: len(dates)]
