"""A projector window that follows the facilitator's screen (issue 18, item 1).

The facilitator keeps the whole dashboard on their own screen (levers, the game's round
controls, who is ready) and opens a second window for the projector: `/?screen=CODE`. That
window shows the presenter view (headline numbers, one page of charts or the round summaries)
of whatever the facilitator's page shows, live, and has no control at all: no lever, button,
key or field that changes anything. Nobody touches the projector.

How: the facilitator's page opens a `Projection` (a plain object in this server's registry,
found by a random code like a game's join code: `sim.dashboard.room`) and, on every redraw,
publishes a `Frame`: the numbers, charts' draws and words it shows, computed on the
facilitator's page (so the projector's numbers are the facilitator's). Each projector page
subscribes and redraws on its own event loop. A projector page holds the frame only: it has
no reference to the facilitator's settings, so nothing sent from it can change them.

The same rules as the game: the server answers loopback only unless `regsim app --host` opened
the room's network on purpose (`sim.dashboard.origin_guard` refuses foreign hosts and
origins); the projector's address needs the code (a page without it gets a form, refused
after `MAX_CODE_TRIES` wrong codes); the code lets a page watch, never act.
"""

# Solara components are named like classes (PascalCase).
# ruff: noqa: N802

from __future__ import annotations

import secrets
import threading
from dataclasses import dataclass, replace
from typing import Any

import solara
import solara.server.kernel_context as kernel_context

from sim.dashboard import game as games
from sim.dashboard import present
from sim.dashboard import room as rooms
from sim.dashboard.followers import Followed
from sim.dashboard.headlines import ChartSpec
from sim.dashboard.live_charts import Actor, HeadlineValue
from sim.dashboard.parts import ChartCard, HeadlineStrip, RoundSummaries, text
from sim.dashboard.runs import RunSet
from sim.presentation import wording

QUERY = "screen"
"""A projector window's address: the dashboard's with `?screen=CODE`."""
MAX_PROJECTIONS = 20
"""Open projector links per server; the oldest is closed when one more is opened."""
MAX_CODE_TRIES = rooms.MAX_JOIN_TRIES


@dataclass(frozen=True, eq=False)
class Frame:
    """What the projector shows, as the facilitator's page computed it: the question, the
    headline numbers at the month shown, one page of charts (or the round summaries) drawn
    from the same draws, and whether the answer is still computing (dimmed) or hidden."""

    question: str
    key: str
    """The answer's key (with the draws in, while partial): the projector's widgets carry it."""
    month: str
    """The month shown, 'YYYY-MM'."""
    first_month: str
    headlines: tuple[HeadlineValue, ...]
    draws: int
    reference_label: str
    progress: str
    tones_note: str
    conceal: bool
    blind: bool
    computing: bool
    status: str
    policy: RunSet
    baseline: RunSet
    shown: int
    actor: Actor
    page: tuple[ChartSpec, ...] | str
    summaries: tuple[games.RoundSummary, ...]
    played: int


class Projection(Followed):
    """The frame a facilitator's page shows, shared with its projector windows (thread-safe)."""

    def __init__(self, code: str) -> None:
        super().__init__()
        self.code = code
        self._frame: Frame | None = None
        self._closed = False

    @property
    def frame(self) -> Frame | None:
        with self._lock:
            return self._frame

    @property
    def closed(self) -> bool:
        with self._lock:
            return self._closed

    def publish(self, frame: Frame | None) -> None:
        with self._lock:
            if self._closed:
                return
            self._frame = frame
        self._notify()

    def close(self) -> None:
        with self._lock:
            self._closed = True
            self._frame = None
        self._notify()



# The server's projector links ----------------------------------------------------------------

_PROJECTIONS: dict[str, Projection] = {}
_LOCK = threading.Lock()


def open_projection() -> Projection:
    """A new projection under a fresh random code (the oldest closed beyond the limit)."""
    with _LOCK:
        while len(_PROJECTIONS) >= MAX_PROJECTIONS:
            _PROJECTIONS.pop(next(iter(_PROJECTIONS))).close()
        code = rooms.new_code()
        while code in _PROJECTIONS:
            code = rooms.new_code()
        projection = Projection(code)
        _PROJECTIONS[code] = projection
        return projection


def find(typed: Any) -> Projection | None:
    """The open projection with this code, else None (compared in constant time)."""
    code = rooms.normal_code(typed)
    with _LOCK:
        found = next((projection for stored, projection in _PROJECTIONS.items()
                      if secrets.compare_digest(stored, code)), None)
    return None if found is None or found.closed else found


def close_projection(projection: Projection) -> None:
    with _LOCK:
        if _PROJECTIONS.get(projection.code) is projection:
            del _PROJECTIONS[projection.code]
    projection.close()


def is_projector_query(search: str | None) -> bool:
    """Whether the page's query string (after '?') asks for a projector window."""
    return bool(search) and search.split("&", 1)[0].split("=", 1)[0] == QUERY


def given_code(search: str | None) -> str:
    """The code in a `?screen=CODE` address ('' if none)."""
    first = (search or "").split("&", 1)[0]
    return rooms.normal_code(first.split("=", 1)[1]) if "=" in first else ""


def projector_path(code: str) -> str:
    return f"/?{QUERY}={code}"


def projector_urls(code: str) -> list[str]:
    """The projector window's full addresses (this server's, as the teams' join addresses)."""
    from sim.dashboard.team_page import JOIN_PATH, join_urls

    return [url.removesuffix(JOIN_PATH) + projector_path(code) for url in join_urls()]


# The facilitator's side -------------------------------------------------------------------------

own_projection: solara.Reactive[Projection | None] = solara.reactive(None)
"""The projection this facilitator's page opened (per page session)."""


def frame_of(screen: present.Screen, game: games.Game | None, story_draw: int
             ) -> Frame | None:
    """The frame of what the facilitator's page shows now (None before the first answer)."""
    results = screen.results
    if results is None or not results.baseline.months:
        return None
    state = screen.playback
    month = state.month_index
    months = results.baseline.months
    key = results.key if results.complete else f"{results.key}~{results.done}"
    pages = present.chart_pages(game is not None)
    page = pages[screen.view.value.page % len(pages)]
    summaries: tuple[games.RoundSummary, ...] = ()
    if game is not None and page == "summaries":
        summaries = tuple(games.revealed_summaries(
            screen.workshop, game, results.policy, results.baseline, screen.actor,
            story_draw, state.shown, screen.reference_label))
    return Frame(
        question=screen.workshop.question, key=key, month=months[month], first_month=months[0],
        headlines=tuple(screen.headlines(results.policy, results.baseline, month)),
        draws=results.policy.size, reference_label=screen.reference_label,
        progress=screen.progress, tones_note=screen.tones_note, conceal=screen.conceal,
        blind=screen.blind, computing=screen.computing, status=_status(screen),
        policy=results.policy, baseline=results.baseline, shown=state.shown,
        actor=screen.actor, page=page, summaries=summaries,
        played=game.played if game is not None else 0)


def _status(screen: present.Screen) -> str:
    if screen.request.error:
        return "these settings cannot be computed"
    if screen.computing:
        return "computing: dimmed numbers will change"
    return f"{screen.results.policy.size} draws ready"


def use_projector(screen: present.Screen, game: games.Game | None, story_draw: int) -> None:
    """On the facilitator's page: publish what it shows to its projector window (if open) on
    every redraw (a plain call: no hook, so it may sit anywhere in the page's body)."""
    projection = own_projection.value
    if projection is not None and not projection.closed:
        projection.publish(frame_of(screen, game, story_draw))


def open_own() -> None:
    """Open this facilitator page's projection; it closes with the page session (not with the
    dashboard's redraw for another scenario: the projector keeps following)."""
    projection = open_projection()
    kernel_context.get_current_context().on_close(lambda: close_projection(projection))
    own_projection.set(projection)


def page_words(page: tuple[ChartSpec, ...] | str, actor: Actor) -> str:
    """What a page of the presenter view shows, in words."""
    if page == "summaries":
        return "the round summaries"
    return " and ".join(actor.words(spec.title) for spec in page)


@solara.component
def ProjectorControls(screen: present.Screen, in_game: bool) -> None:
    """The facilitator's panel: open a projector window, pick what it shows, close it
    (`in_game`: a game is running, so the round summaries are a page)."""
    projection = own_projection.value
    with solara.Div(classes=["regsim-lever-group", "regsim-projector-controls"]):
        text("Projector window", ["regsim-panel-title"])
        if projection is None or projection.closed:
            text("A second window for the projector: it follows this screen, without the "
                 "levers.", ["regsim-lever-explanation"])
            solara.Button("Open a projector window", text=True,
                          classes=["regsim-projector-open"],
                          on_click=open_own)
            return
        path = projector_path(projection.code)
        text("Open this link in a new window and move it to the projector's screen:",
             ["regsim-lever-explanation"])
        solara.v.Html(tag="a", children=[path], class_="regsim-projector-link",
                      attributes={"href": path, "target": "_blank", "rel": "noopener"})
        text("Its full address: " + " or ".join(projector_urls(projection.code)),
             ["regsim-lever-explanation"], style={"overflow-wrap": "anywhere"})
        pages = present.chart_pages(in_game)
        view: present.View = screen.view.value
        current = pages[view.page % len(pages)]
        text(f"The projector shows: {page_words(current, screen.actor)}.",
             ["regsim-lever-explanation", "regsim-projector-page"])

        def turn(step: int) -> None:
            now: present.View = screen.view.value
            screen.view.set(replace(now, page=(now.page + step) % len(pages)))

        with solara.Row(classes=["regsim-projector-turn"]):
            solara.Button("Previous page", text=True, on_click=lambda: turn(-1),
                          classes=["regsim-projector-previous"])
            solara.Button("Next page", text=True, on_click=lambda: turn(1),
                          classes=["regsim-projector-next"])

        def close() -> None:
            close_projection(projection)
            own_projection.set(None)

        solara.Button("Close the projector window", text=True, on_click=close,
                      classes=["regsim-projector-close"])


# The projector's side ---------------------------------------------------------------------------

updates = solara.reactive(0)
"""Bumped when the projection this page follows changes (per page session)."""
admitted_code = solara.reactive("")
code_tries = solara.reactive(0)


def use_updates(projection: Projection | None) -> int:
    """Redraw the calling component whenever `projection` changes, on this page's own loop."""
    context = kernel_context.get_current_context()

    def bump() -> None:
        with context:
            updates.set(updates.value + 1)

    def follow():
        if projection is None:
            return None
        return projection.subscribe(
            context.id, lambda: context.event_loop.call_soon_threadsafe(bump))

    solara.use_effect(follow, [projection])
    return updates.value


@solara.component
def ProjectorPage(style: str) -> None:
    """A projector window: the code (from its address, or typed), then the facilitator's
    screen in the presenter view. No control changes anything."""
    solara.Title("regsim: projector")
    solara.Style(style)
    given = given_code(solara.use_router().search)
    projection = find(admitted_code.value or given)
    use_updates(projection)
    if projection is None:
        CodeForm(known=bool(admitted_code.value or given))
        return
    frame = projection.frame
    with (solara.Div(classes=["regsim-page", "regsim-presenting", "regsim-projector"]),
          solara.Div(classes=["regsim-main"])):
        if frame is None:
            text("Waiting for the facilitator's screen…", ["regsim-question"])
            return
        ProjectorBody(frame)


@solara.component
def CodeForm(known: bool) -> None:
    """The code form of a projector window opened without a valid code."""
    typed = solara.use_reactive("")
    with solara.Div(classes=["regsim-team-page", "regsim-projector-form"]):
        text("Projector window", ["regsim-question"])
        if known:
            text("No projector window has that code (or the facilitator closed it).",
                 ["regsim-warning", "regsim-projector-refused"])
        if code_tries.value >= MAX_CODE_TRIES:
            text("Too many wrong codes: ask the facilitator.",
                 ["regsim-warning", "regsim-projector-refused"])
            return

        def show() -> None:
            if code_tries.value >= MAX_CODE_TRIES:
                return
            if find(typed.value) is not None:
                admitted_code.set(rooms.normal_code(typed.value))
            else:
                code_tries.set(code_tries.value + 1)

        text("Type the code of the projector link shown on the facilitator's screen.",
             ["regsim-lever-explanation"])
        solara.InputText("Code", value=typed, continuous_update=True,
                         classes=["regsim-projector-code"])
        solara.Button("Show", on_click=show, color="primary")
        if code_tries.value:
            text("No projector window has that code.",
                 ["regsim-warning", "regsim-projector-refused"])


@solara.component
def ProjectorBody(frame: Frame) -> None:
    """The presenter view of a frame: question, status, headline numbers, one page."""
    text(frame.question, ["regsim-question"])
    with solara.Div(classes=["regsim-top"]):
        text(f"{wording.month(frame.first_month)} → {wording.month(frame.month)}",
             ["regsim-month"])
        solara.v.Html(tag="span", children=[frame.status], class_="regsim-status",
                      attributes={"data-key": frame.key,
                                  "data-state": "computing" if frame.computing else "ready"})
    with solara.Div(classes=["regsim-results"] + (["regsim-stale"] if frame.computing else [])):
        HeadlineStrip(list(frame.headlines), frame.key, frame.month, frame.conceal, frame.draws,
                      frame.reference_label, frame.progress, frame.tones_note)
        if frame.page == "summaries":
            RoundSummaries(list(frame.summaries), frame.played)
            return
        with solara.Div(classes=["regsim-charts", "regsim-presenter-charts"]):
            for spec in frame.page:
                ChartCard(spec, frame.policy, frame.baseline, frame.shown, frame.actor,
                          frame.conceal, frame.key, height=present.PRESENTER_CHART_PX,
                          font_px=present.PRESENTER_FONT_PX, reference=not frame.blind)
