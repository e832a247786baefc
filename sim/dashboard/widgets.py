"""The dashboard's browser widgets: Vue templates (`*.vue` beside this file) fed plain data.

A page of sliders, numbers and sentences built from one widget per element costs hundreds of
widgets, and creating them is most of a page load. Each panel here is one widget instead: the
lever panel, the headline strip, the table of what the labs did, a chart card, the narrative,
the round summaries. Python sends
lists of plain values (the `*_data` functions, testable without a browser); the template draws
them with `{{ }}` interpolation, which Vue escapes, so a scenario's text is always shown as
text. Scenario text is data, never part of a template. Browser events come back through the
`vue_*` methods to a Python callback. The two big payloads (a chart's option, the lever panel)
travel as one JSON string, which Solara passes through without walking every number.

Charts are drawn by ECharts 5.4.0's "common" build (line charts, legend, tooltip), served from
this machine by `solara-assets` (the full build Solara's `FigureEcharts` loads is 5x larger).
"""

from __future__ import annotations

import functools
import json
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import ipyvuetify
import traitlets

from sim.dashboard.levers import Lever
from sim.dashboard.live_charts import HeadlineValue
from sim.presentation import wording
from sim.presentation.narrative import DigestLine

MAX_WORDS_STEPS = 240
"""Sliders with at most this many steps show each step's value in words while dragging."""

TAG_COLOURS = {
    "policy": "#1864ab", "repeal": "#5c3d2e", "change": "#1864ab", "choice": "#2b8a3e",
    "licence": "#5f3dc4", "penalty": "#c92a2a", "injunction": "#c92a2a",
    "relocation": "#d9480f", "security": "#495057", "absorption": "#862e9c",
    "distillation": "#0b7285", "theft": "#a61e4d", "incident": "#e8590c", "release": "#495057",
}
"""The colour of each event tag (`sim.presentation.narrative.KIND_TAGS`); others are grey."""


class _Template(ipyvuetify.VuetifyTemplate):
    """A template widget whose `vue_*` events call `on_event(name, data)` if set."""

    on_event = traitlets.Callable(None, allow_none=True)

    def _emit(self, name: str, data: Any) -> None:
        if self.on_event is not None:
            self.on_event(name, data)


class ChartCard(ipyvuetify.VuetifyTemplate):
    """Title, ECharts chart and caption; `data-drawn` on the chart after each redraw."""

    template_file = (__file__, "chart.vue")
    name = traitlets.Unicode("").tag(sync=True)
    title = traitlets.Unicode("").tag(sync=True)
    caption = traitlets.Unicode("").tag(sync=True)
    key = traitlets.Unicode("").tag(sync=True)
    height = traitlets.Int(180).tag(sync=True)
    option_json = traitlets.Unicode("").tag(sync=True)
    cdn = traitlets.Unicode(None, allow_none=True).tag(sync=True)

    @traitlets.default("cdn")
    def _cdn(self) -> str | None:
        import solara.settings

        # With Solara's asset proxy on (the default), assets come from this server.
        return None if solara.settings.assets.proxy else solara.settings.assets.cdn


class LeverPanel(_Template):
    """Lever groups (`lever_groups_data`); `on_event('lever', {path, value|position})`."""

    template_file = (__file__, "lever_panel.vue")
    groups_json = traitlets.Unicode("[]").tag(sync=True)

    def vue_set_lever(self, data: Any) -> None:
        self._emit("lever", data)


class HeadlineStrip(ipyvuetify.VuetifyTemplate):
    template_file = (__file__, "headline_strip.vue")
    cards = traitlets.List([]).tag(sync=True)
    key = traitlets.Unicode("").tag(sync=True)
    when = traitlets.Unicode("").tag(sync=True)
    month = traitlets.Unicode("").tag(sync=True)
    draws = traitlets.Int(0).tag(sync=True)
    hidden = traitlets.Bool(False).tag(sync=True)
    reference = traitlets.Unicode("reference").tag(sync=True)
    progress = traitlets.Unicode("").tag(sync=True)
    tones = traitlets.Unicode("").tag(sync=True)


class LabTable(ipyvuetify.VuetifyTemplate):
    """The side table of what the labs did (`table_data`)."""

    template_file = (__file__, "lab_table.vue")
    groups = traitlets.List([]).tag(sync=True)
    key = traitlets.Unicode("").tag(sync=True)
    hidden = traitlets.Bool(False).tag(sync=True)
    reference = traitlets.Unicode("reference").tag(sync=True)


class Story(_Template):
    """The narrative; `on_event('draw', index)` when another draw is picked."""

    template_file = (__file__, "story.vue")
    lines = traitlets.List([]).tag(sync=True)
    draws = traitlets.List([]).tag(sync=True)
    draw = traitlets.Int(0).tag(sync=True)
    note = traitlets.Unicode("").tag(sync=True)

    def vue_set_draw(self, data: Any) -> None:
        self._emit("draw", data)


class SessionFile(_Template):
    """A drop zone and a file chooser for a saved session; `on_event('session', {name, size,
    text})` with the file's text (None when it is larger than `max_bytes`)."""

    template_file = (__file__, "session_file.vue")
    label = traitlets.Unicode("").tag(sync=True)
    max_bytes = traitlets.Int(0).tag(sync=True)

    def vue_load_session(self, data: Any) -> None:
        self._emit("session", data)


class RoundSummaries(ipyvuetify.VuetifyTemplate):
    template_file = (__file__, "round_summaries.vue")
    summaries = traitlets.List([]).tag(sync=True)
    note = traitlets.Unicode("").tag(sync=True)


# Data for the templates ---------------------------------------------------------------------------


def to_json(data: Any) -> str:
    """Plain data as JSON for a template (NaN is refused: it is not JSON)."""
    return json.dumps(data, allow_nan=False, separators=(",", ":"))


def lever_data(lever: Lever, value: Any, disabled: bool = False,
               note: str = "") -> dict[str, Any]:
    """One lever as the panel draws it: label, value in words, control and its settings, and
    `note`: why it cannot change anything in the settings on screen ('' if it can;
    `sim.dashboard.lever_notes`)."""
    data: dict[str, Any] = {
        "path": lever.path, "css": lever.css_name, "label": lever.label,
        "control": lever.control, "explanation": lever.explanation,
        "shown": lever.shown(value), "disabled": bool(disabled), "note": note,
    }
    if lever.control == "slider":
        data.update(position=lever.position(value), min=lever.low, max=lever.high,
                    step=lever.step, words=list(_step_words(lever)))
    elif lever.control == "switch":
        data["value"] = bool(value)
    else:
        data["value"] = value
        data["choices"] = [{"text": words, "value": choice}
                           for choice, words in lever.spec.choices]
    return data


@functools.lru_cache(maxsize=512)
def _step_words(lever: Lever) -> tuple[str, ...]:
    low, high, step = float(lever.low), float(lever.high), lever.step
    steps = int(round((high - low) / step))
    if steps > MAX_WORDS_STEPS:
        return ()
    return tuple(lever.shown(lever.value_at(round(low + k * step, 9))) for k in range(steps + 1))


def lever_groups_data(groups: Iterable[tuple[str, Sequence[Lever]]], values: Mapping[str, Any],
                      disabled: bool = False, heading: Mapping[str, str] | None = None,
                      notes: Mapping[str, str] | None = None) -> list[dict[str, Any]]:
    """The panel's groups: each with its title, one-line explanation, its instrument switch
    (if any) and its other levers. `heading` puts a team's title above a group; `notes` (lever
    path -> words) says beside a lever why it cannot change anything, and `inert` counts a
    group's levers with a note (shown on its closed details button)."""
    notes = notes or {}
    out = []
    for title, levers in groups:
        switch = next((lever for lever in levers if lever.switches_instrument), None)
        others = [lever for lever in levers if lever is not switch]
        out.append({
            "title": title,
            "css": _css(title),
            "heading": (heading or {}).get(title, ""),
            "explanation": levers[0].group_explanation if levers else "",
            "switch": (lever_data(switch, values[switch.path], disabled,
                                  notes.get(switch.path, "")) if switch else None),
            "levers": [lever_data(lever, values[lever.path], disabled, notes.get(lever.path, ""))
                       for lever in others],
            "inert": sum(1 for lever in others if notes.get(lever.path)),
        })
    return out


def headline_data(values: Iterable[HeadlineValue]) -> list[dict[str, Any]]:
    return [{"key": v.key, "label": v.label, "text": v.text, "baseline": v.baseline_text,
             "difference": v.difference_text, "tone": v.tone, "explanation": v.explanation,
             "note": v.statistic_words, "band": v.band_text}
            for v in values]


def table_data(values: Iterable[HeadlineValue]) -> list[dict[str, Any]]:
    """The side table's rows by group, in order: label, value, as written, tone."""
    groups: dict[str, list[dict[str, Any]]] = {}
    for v in values:
        groups.setdefault(v.group, []).append(
            {"key": v.key, "label": v.label, "text": v.text, "baseline": v.baseline_text,
             "tone": v.tone, "explanation": v.explanation})
    return [{"title": title, "rows": rows} for title, rows in groups.items()]


def story_data(lines: Iterable[DigestLine], limit: int | None = None) -> list[dict[str, Any]]:
    """Story lines newest first: when ('Apr 2033 · theft'), colour and sentence."""
    rows = [{"when": f"{wording.month(line.month)} · {line.tag}",
             "color": TAG_COLOURS.get(line.tag, "#495057"),
             "text": line.text + (f" {line.repeats}" if line.repeats else "")}
            for line in reversed(list(lines))]
    return rows if limit is None else rows[:limit]


def summary_data(summary: Any) -> dict[str, Any]:
    """A `sim.dashboard.game.RoundSummary` for the template."""
    return {
        "number": summary.number,
        "title": f"Round {summary.number}: {wording.month(summary.first_month)} to "
                 f"{wording.month(summary.last_month)}",
        "decisions": [{"who": d.who, "changes": "; ".join(d.changes)} for d in summary.decisions],
        "outcomes": [{"label": o.label, "text": f"{o.value} (" + (
                          f"{summary.reference_label} {o.baseline}; " if summary.reference
                          else "")
                      + f"{o.since_last_round})"}
                     for o in summary.outcomes],
        "across": f"Across the {summary.draws} draws, this round:",
        "frequencies": [{"count": f"{row.draws} of {row.total} draws" + (
                             f" ({summary.reference_label} {row.baseline_draws}):"
                             if summary.reference
                             else ":"), "text": row.text}
                        for row in summary.frequencies],
        "story": story_data(summary.story, limit=8),
    }


def _css(text: str) -> str:
    return "".join(ch if ch.isalnum() else "-" for ch in text)


class PageTools(_Template):
    """Presenter view toggle (and the P key), next charts (N), PNG snapshot and the settings in
    the address bar (`search`); `on_event('presenter' | 'charts', data)`."""

    template_file = (__file__, "page_tools.vue")
    presenting = traitlets.Bool(False).tag(sync=True)
    page = traitlets.Int(0).tag(sync=True)
    pages = traitlets.Int(1).tag(sync=True)
    search = traitlets.Unicode("").tag(sync=True)
    file_name = traitlets.Unicode("regsim-snapshot").tag(sync=True)
    title = traitlets.Unicode("").tag(sync=True)
    subtitle = traitlets.Unicode("").tag(sync=True)
    reference = traitlets.Unicode("").tag(sync=True)

    def vue_toggle_presenter(self, data: Any = None) -> None:
        self._emit("presenter", None)

    def vue_next_charts(self, data: Any = 1) -> None:
        self._emit("charts", -1 if data == -1 else 1)
