"""The dashboard in front of a room: presenter view, colours, reference, sharing, background.

- **Presenter view** (`View.presenting`): the lever panel folds away (a button, or the P key
  from the facilitator's keyboard), the headline numbers grow to 56 px and every other text to
  at least 20 px, and one pair of charts at a time fills the screen (N or the right arrow: the
  next pair; in a game, the round summaries get a page of their own). `PRESENTER_STYLE`.
- **Colours** (`View.tones`): neutral by default; the facilitator may colour differences as a
  security-minded regulator would judge them, and the legend then says whose view that is.
  Moving an assumption takes the colour away: what an assumption changes is no policy's effect.
- **Reference**: `sim.dashboard.reference` (the 2024 baseline, or pinned settings).
- **Share**: the settings live in the address bar (`sim.dashboard.url_state`); snapshots as a
  self-contained HTML page (`sim.dashboard.snapshot`) and a PNG drawn in the browser.
- **Background**: once an answer is complete, its verdicts over the ways a competitor catches
  up (`sim.dashboard.verdicts`), then the neighbouring settings, are computed while the room
  talks (`sim.dashboard.neighbours`).
"""

# Solara components are named like classes (PascalCase).
# ruff: noqa: N802

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

import solara

from sim.dashboard import live_charts, snapshot, url_state, verdicts, widgets
from sim.dashboard.compute import engine
from sim.dashboard.headlines import CHARTS, ChartSpec
from sim.dashboard.live_charts import Actor, HeadlineValue
from sim.dashboard.neighbours import neighbours
from sim.dashboard.parts import ChartCard, HeadlineStrip, RoundSummaries, text
from sim.dashboard.runs import RunSet
from sim.dashboard.workshop import Workshop
from sim.presentation import wording

PRESENTER_FONT_PX = 20
"""Every text of the presenter view at least this large (charts' canvases included)."""
CHARTS_PER_PAGE = 2
TONE_WORDS = {"neutral": "Neutral colours",
              "regulator": "Colour for a security-minded regulator"}
REGULATOR_NOTE = ("Green: what a regulator seeking security at least cost would welcome; red: "
                  "what it would not. Other teams may judge otherwise.")
ASSUMPTION_NOTE = "Assumptions moved: differences are not a policy's effect (no colour)."

PRESENTER_STYLE = """
.regsim-tools { display: flex; gap: 8px; flex-wrap: wrap; align-items: center; margin: 2px 0; }
.regsim-tools .v-btn { text-transform: none; font-size: 14px; }
.regsim-stale { opacity: 0.45; }
.regsim-main:has(.regsim-status[data-state="computing"]) .regsim-results { opacity: 0.45; }
.regsim-top:has(.regsim-status[data-state="computing"]) .regsim-reveal {
  pointer-events: none; opacity: 0.5; }
.regsim-headline-main { display: flex; align-items: baseline; gap: 4px 10px; flex-wrap: wrap; }
.regsim-headline-band { font-size: 14px; color: #495057; }
.regsim-tone-assumption .regsim-headline-difference { font-style: italic; }
.regsim-headline-note { font-size: 14px; color: #6b6b6b; }
.regsim-presenting { grid-template-columns: minmax(0, 1fr); }
.regsim-presenting .regsim-side { display: none; }
.regsim-presenting .regsim-main { font-size: 20px; padding: 6px 18px; }
.regsim-presenting .regsim-question { font-size: 26px; }
.regsim-presenting .regsim-tools .v-btn, .regsim-presenting .regsim-transport .v-btn,
.regsim-presenting .regsim-status, .regsim-presenting .regsim-month,
.regsim-presenting .regsim-speed, .regsim-presenting .regsim-speed .v-select__selection,
.regsim-presenting .regsim-speed .v-label { font-size: 20px !important; }
.regsim-presenting .regsim-status { white-space: normal; }
.regsim-presenting .regsim-speed { width: 150px; }
.regsim-presenting .regsim-headlines {
  grid-template-columns: repeat(auto-fit, minmax(min(100%, 270px), 1fr)); gap: 10px; }
.regsim-presenting .regsim-headline { padding: 6px 14px; }
.regsim-presenting .regsim-headline-label, .regsim-presenting .regsim-headline-baseline,
.regsim-presenting .regsim-headline-difference, .regsim-presenting .regsim-headline-band,
.regsim-presenting .regsim-headline-note {
  font-size: 20px; white-space: normal; overflow: visible; }
.regsim-presenting .regsim-headline-value { font-size: 56px; line-height: 1.1; }
.regsim-presenting .regsim-legend { font-size: 20px; width: auto; white-space: normal; }
.regsim-presenting .regsim-legend .regsim-muted { font-size: 20px; }
.regsim-presenting .regsim-charts { grid-template-columns: repeat(auto-fit,
  minmax(min(100%, 420px), 1fr)); gap: 12px; margin-top: 8px; }
.regsim-presenting .regsim-chart-title { font-size: 24px; white-space: normal; }
.regsim-presenting .regsim-presenter-charts .regsim-chart-canvas {
  height: max(200px, calc(100vh - 540px)) !important; }
.regsim-presenting .regsim-caption { font-size: 20px; height: auto; }
.regsim-presenting .regsim-summaries { font-size: 20px; margin-top: 8px; }
.regsim-presenting .regsim-summaries-list { height: auto; }
.regsim-presenting .regsim-round-summary, .regsim-presenting .regsim-event,
.regsim-presenting .regsim-event-tag, .regsim-presenting .regsim-muted,
.regsim-presenting .regsim-panel-title { font-size: 20px; }
"""
"""Presenter view and the marks of a stale answer (added to the page's style). The dimming and
Reveal's lock follow the status's `data-state` through CSS `:has()`, so they change in the very
DOM update that says "computing", not in a later widget message."""


@dataclass(frozen=True)
class View:
    """How the screen is shown: presenter view, its page of charts, the colour scheme."""

    presenting: bool = False
    page: int = 0
    tones: str = "neutral"


@dataclass
class Screen:
    """What the page shows, computed once per render for the panels, tools and snapshots."""

    workshop: Workshop
    values: dict[str, Any]
    draws: int
    request: Any
    results: Any
    computing: bool
    actor: Actor
    view: solara.Reactive
    pinned: solara.Reactive
    playback: Any
    conceal: bool
    mode: str
    blind: bool = False
    """The reference is hidden (a game before its last round): nothing of it is shown."""
    _assumptions: bool = field(init=False)

    @property
    def month_index(self) -> int:
        return self.playback.month_index

    def __post_init__(self) -> None:
        self._assumptions = any(lever.spec.panel == "assumption"
                                for lever in self.workshop.moved(self.values))

    # Words -------------------------------------------------------------------------------------
    @property
    def reference_label(self) -> str:
        if self.blind:
            return ""  # the widgets then draw no reference label, line or number
        reference = self.request.reference
        return reference.label if reference is not None else "reference"

    @property
    def reference_detail(self) -> str:
        if self.blind:
            return ""
        reference = self.request.reference
        return reference.detail if reference is not None else ""

    @property
    def progress(self) -> str:
        results = self.results
        if results is None:
            return ""
        if results.key == self.request.key and not results.complete:
            return f"first {results.done} of {results.total} draws (dimmed)"
        if self.computing:
            return "previous settings (dimmed)"
        return f"mean of {results.policy.size} draws"

    @property
    def tones(self) -> str:
        return self.view.value.tones

    @property
    def tones_note(self) -> str:
        if self._assumptions:
            return ASSUMPTION_NOTE
        return REGULATOR_NOTE if self.tones == "regulator" else ""

    def headlines(self, policy: RunSet, baseline: RunSet, month: int) -> list[HeadlineValue]:
        values = live_charts.headline_values(policy, baseline, month, self.actor, self.conceal,
                                             tones=self.tones,
                                             assumptions_moved=self._assumptions)
        return live_charts.without_reference(values) if self.blind else values

    def table(self, policy: RunSet, baseline: RunSet, month: int) -> list[HeadlineValue]:
        values = live_charts.table_values(policy, baseline, month, self.actor, self.conceal,
                                          tones=self.tones, assumptions_moved=self._assumptions)
        return live_charts.without_reference(values) if self.blind else values

    # Sharing -----------------------------------------------------------------------------------
    @property
    def search(self) -> str:
        if self.mode == "game":
            return ""
        return url_state.encode(self.workshop, self.values, self.draws)

    def changes(self) -> tuple[str, ...]:
        return tuple(self.workshop.changes(self.values))

    def month(self) -> str:
        results = self.results
        if results is None or not results.baseline.months:
            return self.workshop.start
        months = results.baseline.months
        return months[min(self.month_index, len(months) - 1)]

    def file_stem(self) -> str:
        return snapshot.file_stem(self.workshop.name, self.changes(), self.month())

    def snapshot_html(self) -> bytes:
        """The HTML snapshot of the complete answer on screen (refused while computing:
        never a stale or partial number in a take-home file)."""
        results = self.results
        if results is None or self.computing or self.conceal:
            return (b"<!DOCTYPE html><title>not ready</title><p>The answer was still "
                    b"computing or hidden: take the snapshot once the numbers are shown.</p>")
        month = self.month_index
        shot = snapshot.Snapshot(
            self.workshop.name, self.workshop.question, self.changes(), self.month(),
            results.policy.size, self.reference_label, self.reference_detail,
            tuple(self.headlines(results.policy, results.baseline, month)),
            tuple(self.table(results.policy, results.baseline, month)),
            self.workshop.export_toml(self.values, self.draws))
        return snapshot.to_html(shot).encode()


# Components ---------------------------------------------------------------------------------------


@solara.component
def ToolBar(screen: Screen) -> None:
    """Presenter toggle (P), next charts (N), PNG snapshot; keeps the address bar current."""
    view: View = screen.view.value
    pages = len(chart_pages(screen.mode == "game"))

    def on_event(name: str, data: Any) -> None:
        current: View = screen.view.value
        if name == "presenter":
            screen.view.set(replace(current, presenting=not current.presenting))
        elif name == "charts":
            step = -1 if data == -1 else 1
            screen.view.set(replace(current, page=(current.page + step) % max(1, pages)))

    widgets.PageTools.element(
        presenting=view.presenting, page=view.page % max(1, pages), pages=pages,
        search=screen.search, file_name=screen.file_stem(),
        title=f"regsim: {screen.workshop.question}",
        subtitle=f"{screen.workshop.name} · {wording.month(screen.month())} · "
                 + ("; ".join(screen.changes()) or "no lever moved"),
        reference=screen.reference_detail, on_event=on_event)


@solara.component
def ScreenTools(screen: Screen) -> None:
    """The facilitator's tools in the side panel: snapshot, colours, the reference."""
    view: View = screen.view.value
    with solara.Div(classes=["regsim-lever-group", "regsim-screen-tools"]):
        text("Share and reference", ["regsim-panel-title"])
        solara.FileDownload(screen.snapshot_html, filename=f"{screen.file_stem()}.html",
                            label="Snapshot (HTML page)", mime_type="text/html",
                            icon_name="mdi-camera")
        solara.ToggleButtonsSingle(
            value=view.tones, values=list(TONE_WORDS),
            on_value=lambda tones: screen.view.set(replace(screen.view.value, tones=tones)),
            dense=True, classes=["regsim-tones"])
        text(TONE_WORDS[view.tones] + (": " + REGULATOR_NOTE if view.tones == "regulator"
                                       else "."), ["regsim-lever-explanation"])
        if screen.pinned.value is None:
            solara.Button("Pin these settings as the reference", text=True,
                          classes=["regsim-pin"],
                          on_click=lambda: screen.pinned.set(dict(screen.values)))
        else:
            solara.Button("Unpin: back to the 2024 reference", text=True,
                          classes=["regsim-unpin"], on_click=lambda: screen.pinned.set(None))
        text(screen.reference_detail, ["regsim-lever-explanation"])


def chart_pages(in_game: bool) -> list[tuple[ChartSpec, ...] | str]:
    """The presenter view's pages: pairs of charts, then (in a game) the round summaries."""
    pages: list[tuple[ChartSpec, ...] | str] = [
        tuple(CHARTS[i:i + CHARTS_PER_PAGE]) for i in range(0, len(CHARTS), CHARTS_PER_PAGE)]
    if in_game:
        pages.insert(0, "summaries")
    return pages


@solara.component
def PresenterBody(screen: Screen, policy: RunSet, baseline: RunSet, key: str, state: Any,
                  game_now: Any, summaries: list | None) -> None:
    """The presenter view: headline numbers, then one page: two charts or the summaries."""
    month = state.month_index
    HeadlineStrip(screen.headlines(policy, baseline, month), key, baseline.months[month],
                  screen.conceal, policy.size, screen.reference_label, screen.progress,
                  screen.tones_note)
    pages = chart_pages(game_now is not None)
    page = pages[screen.view.value.page % len(pages)]
    if page == "summaries":
        RoundSummaries(summaries or [], game_now.played)
        return
    with solara.Div(classes=["regsim-charts", "regsim-presenter-charts"]):
        for spec in page:
            ChartCard(spec, policy, baseline, state.shown, screen.actor, screen.conceal, key,
                      height=PRESENTER_CHART_PX, font_px=PRESENTER_FONT_PX,
                      reference=not screen.blind)


PRESENTER_CHART_PX = 330
"""Chart height in the presenter view (two side by side fill a 1366x768 screen below the
numbers; narrower screens stack them and scroll)."""


def use_neighbours(workshop: Workshop, values: dict[str, Any], draws: int, request: Any,
                   busy: bool) -> None:
    """Once the answer is complete (not `busy`), compute in the background (replacing the
    previous setting's work) the settings and reference under the other ways a competitor
    catches up (`sim.dashboard.verdicts`), if the page asked for it the same with the
    uncertain parameters drawn (`verdicts.asked_for`), then the neighbouring settings."""
    uncertain = verdicts.use_asked(request)

    def start() -> None:
        if busy or request.error:
            return
        # first: the answer on screen's verdicts
        jobs = verdicts.background_jobs(request, uncertain)
        jobs += [lambda setting=setting: workshop.scenario_with(setting, draws)
                 for setting in neighbours(workshop.levers, values)]
        if jobs:
            engine().background(jobs, request.seeds)

    solara.use_effect(start, [request.key, busy, uncertain])
