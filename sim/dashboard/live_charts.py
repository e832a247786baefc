"""The dashboard's charts and headline numbers: ECharts options drawn in the browser.

Every chart shows the scenario as written (the baseline, bold grey, its mean over draws) under
the current settings (a colour, the mean over draws with the band of the middle 80% of draws).
The baseline spans the whole horizon; the current settings show only the months revealed
(`shown`), so play draws the road taken over the road not taken. In predict mode the current
settings are hidden. The x axis is calendar dates; capability is in multiples of GPT-4 on a
log axis, with log10 effective FLOP in the hover text.

Options are plain data (JSON): no JavaScript functions, so nothing from a scenario file can run
in the browser. Text is drawn on the canvas (`renderMode: richText`), never as markup.
What is drawn comes from `sim.dashboard.headlines`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
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
    strip,
    table,
)
from sim.dashboard.runs import RunSet
from sim.presentation import wording

FONT_PX = 14
"""Every chart text: readable from the back of a room at 1366 px wide."""
TITLE_PX = 16
BASELINE_WIDTH = 4
POLICY_WIDTH = 3
BAND_OPACITY = 0.22
BASELINE_NAME = "as written"
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


STATISTIC_WORDS = {"mean_to_month": "avg to date", "at_month": "", "share_at_month": ""}
"""How a headline's statistic reads beside its baseline ('as written: 11.8 · avg to date')."""


def headline_values(policy: RunSet | None, baseline: RunSet, month: int, actor: Actor,
                    hidden: bool = False, headlines: Sequence[Headline] | None = None
                    ) -> list[HeadlineValue]:
    """The headlines of the strip (or `headlines`) at month index `month`, policy against
    baseline."""
    entries = strip() if headlines is None else headlines
    return [_headline(entry, policy, baseline, month, actor, hidden) for entry in entries]


def table_values(policy: RunSet | None, baseline: RunSet, month: int, actor: Actor,
                 hidden: bool = False) -> list[HeadlineValue]:
    """The side table's rows (labs' answers, costs) at month index `month`."""
    return headline_values(policy, baseline, month, actor, hidden, table())


def _headline(entry: Headline, policy: RunSet | None, baseline: RunSet, month: int,
              actor: Actor, hidden: bool) -> HeadlineValue:
    measure = entry.measure.filled(actor.name)
    ours = policy.statistic(measure, month) if policy else math.nan
    theirs = baseline.statistic(measure, month)
    difference = ours - theirs
    if hidden:
        text, difference_text, tone = "?", "make your prediction", "hidden"
    else:
        text = in_unit(entry.unit, ours)
        difference_text = _difference(entry.unit, difference)
        tone = _tone(entry.better, difference)
    label = actor.words(entry.label)
    return HeadlineValue(entry.key, label[:1].upper() + label[1:], ours, theirs, text,
                         in_unit(entry.unit, theirs), difference_text, tone,
                         actor.words(entry.explanation),
                         STATISTIC_WORDS.get(measure.statistic, ""), entry.group, entry.unit)


def in_unit(unit: str, value: float) -> str:
    """A headline number in its unit's words (months, counts, shares, money, capability)."""
    if unit == "months":
        return wording.number(value) if wording.is_number(value) else wording.NOT_AVAILABLE
    if unit == "share":
        return wording.percent(value)
    if unit == "capability":
        return wording.multiple(value)
    if unit == "USD M":
        return wording.musd(value)
    return wording.count(value)


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
        return "same as written"
    return f"{change_words(unit, difference)} vs as written"


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
                 hidden: bool = False) -> dict[str, Any]:
    """The ECharts option of one chart over the whole horizon (see `reveal` for play)."""
    dates = _dates(baseline.months)
    if spec.kind == "channels":
        series = _channel_series(spec, policy, actor, dates, hidden)
        y_axis = _value_axis(percent=True)
    else:
        scale, suffix = _scale(spec, baseline, actor)
        series = []
        for index, line in enumerate(spec.series):
            series += _line_series(spec, line, index, policy, baseline, dates, actor, hidden,
                                   single=len(spec.series) == 1, scale=scale)
        y_axis = _value_axis(percent=spec.unit == "share", powers=spec.kind == "capability",
                             money=suffix)
    return {
        "animation": False,
        "textStyle": {"fontSize": FONT_PX},
        "grid": {"left": 8, "right": 18, "top": 30, "bottom": 6, "containLabel": True},
        "legend": {"show": spec.kind != "lines" or len(spec.series) > 1, "top": 0,
                   "right": 0, "itemWidth": 18, "textStyle": {"fontSize": FONT_PX},
                   "data": _legend(spec, actor)},
        "tooltip": {"trigger": "axis", "renderMode": "richText",
                    "textStyle": {"fontSize": FONT_PX}},
        "xAxis": {"type": "time", "min": dates[0] if dates else None,
                  "max": dates[-1] if dates else None, "splitNumber": 4,
                  "axisLabel": {"fontSize": FONT_PX, "formatter": "{yyyy}",
                                "hideOverlap": True},
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


def _value_axis(percent: bool = False, powers: bool = False, money: str = "") -> dict[str, Any]:
    """A value axis; `percent` for shares (0-100%), `powers` for powers of ten above GPT-4
    (whole steps, labelled '10^3×'), `money` the unit of dollar amounts ('M' or 'bn')."""
    label: dict[str, Any] = {"fontSize": FONT_PX}
    axis: dict[str, Any] = {"type": "value", "scale": not percent, "axisLabel": label,
                            "splitLine": {"lineStyle": {"color": "#e9ecef"}}}
    if percent:
        axis.update({"min": 0, "max": 100})
        label["formatter"] = "{value}%"
    elif powers:
        axis["minInterval"] = 1
        label["formatter"] = "10^{value}×"
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
                 dates: list[str], actor: Actor, hidden: bool, single: bool, scale
                 ) -> list[dict[str, Any]]:
    column = actor.column(line.column)
    of = tuple(actor.column(c) for c in line.of)
    label = actor.words(line.label)
    capability = spec.kind == "capability"
    frontier = column == "frontier_capability"
    out = []
    base = baseline.mean(column, of)
    if base is not None and not frontier:
        name = BASELINE_NAME if single else f"{label}: {BASELINE_NAME}"
        out.append(_line(f"baseline {index}", name, dates, scale(base), BASELINE_COLOR,
                         BASELINE_WIDTH, base if capability else None, z=2))
    runs = baseline if frontier else policy
    if runs is None or (hidden and not frontier):
        return out
    mean = runs.mean(column, of)
    if mean is None:
        return out
    if frontier:  # policies barely move the frontier: one thin dashed line for reference
        return [_line("frontier", label, dates, scale(mean), line.color, 1.5, mean, z=1,
                      dashed=True)]
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
    if capability is not None:  # the hover text says it in words and in log10 FLOP
        words = [wording.multiple(v) + " GPT-4" if math.isfinite(v) else "none"
                 for v in capability]
        flop = [f"1e{v:.1f}" if math.isfinite(v) else "none" for v in capability]
        data = [[d, v, w, f] for d, v, w, f in zip(dates, _numbers(values), words, flop,
                                                   strict=False)]
        extra = {"dimensions": ["month", "powers of ten above GPT-4", "multiple",
                                "effective FLOP"],
                 "encode": {"x": 0, "y": 1, "tooltip": [2, 3]}}
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
                  actor: Actor, hidden: bool = False) -> str:
    """One sentence under a chart: the month shown, the current settings against the baseline."""
    if not baseline.months:
        return ""
    when = wording.month(baseline.months[min(month, len(baseline.months) - 1)])
    if spec.kind == "channels":
        return _channels_caption(spec, policy, baseline, month, actor, hidden, when)
    parts = []
    for position, line in enumerate(spec.series):
        column = actor.column(line.column)
        of = tuple(actor.column(c) for c in line.of)
        if baseline.mean(column, of) is None or column == "frontier_capability":
            continue
        theirs = _at(baseline, column, month, of)
        ours = (_at(policy, column, month, of) if policy is not None and not hidden
                else math.nan)
        words = _words(spec)
        mine = "?" if hidden else words(ours)
        if spec.kind == "capability":
            mine += " GPT-4" if position == 0 else ""
            part = f"{actor.words(line.label)} {mine}"
            parts.append(part + (f" (as written {words(theirs)})" if position == 0 else ""))
        elif len(spec.series) > 1:
            parts.append(f"{actor.words(line.label)} {mine} (as written {words(theirs)})")
        else:
            parts.append(f"{mine} (as written {words(theirs)})")
    if not parts:
        return f"{when}: not in this model's outputs."
    return f"{when}: " + "; ".join(parts) + "."


def _words(spec: ChartSpec):
    if spec.kind == "capability":
        return wording.multiple
    if spec.unit == "share":
        return wording.percent
    if spec.unit == "months":
        return wording.months
    if spec.unit == "USD M":
        return wording.musd
    return wording.count


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
            f"(as written: {top(baseline)}).")


def _at(runs: RunSet, column: str, month: int, of: tuple[str, ...] = ()) -> float:
    mean = runs.mean(column, of)
    if mean is None or not len(mean):
        return math.nan
    return float(mean[min(month, len(mean) - 1)])


def _dates(months: Sequence[str]) -> list[str]:
    return [f"{month}-01" for month in months]


def _plain(values: np.ndarray) -> np.ndarray:
    return values


def _percent(values: np.ndarray) -> np.ndarray:
    return values * 100.0


def _billions(values: np.ndarray) -> np.ndarray:
    return values / 1000.0


def _orders(values: np.ndarray) -> np.ndarray:
    return values - wording.GPT4_LOG10_FLOP


def _numbers(values: np.ndarray) -> list[float | None]:
    """Numbers for JSON, rounded: None for NaN or infinity (a gap in the line)."""
    array = np.asarray(values, dtype=float)
    rounded = np.round(array, 2)  # what a tooltip should show: 12.43 months, 80.5%
    return [float(v) if ok else None for v, ok in zip(rounded, np.isfinite(array),
                                                      strict=False)]


def _pairs(dates: list[str], values: np.ndarray) -> list[list[Any]]:
    return [[d, v] for d, v in zip(dates, _numbers(values), strict=False)]
