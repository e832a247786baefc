"""The workshop dashboard page (served by `regsim app`, i.e. `solara run sim.dashboard.app`).

Built from Solara components (Mesa is the model; none of Mesa's developer controls are shown).
On every lever change the page asks the compute engine (`sim.dashboard.compute`: a warm
worker pool, a cache, cancellation of superseded requests) for the whole horizon of the
current settings and of the scenario as written, over N draws with the same seeds, and redraws
every chart and headline at once. Play, Step and Reset only reveal computed months
(`sim.dashboard.playback`). Three modes: explore; predict, then reveal (results hidden
until the facilitator reveals them); and the game (`sim.dashboard.game`).

Layout for a 1366x768 projector: levers on the left (policies, then assumptions), and on the
right the question and playback controls, a strip of four headline numbers, four charts, a
table of what the labs did (their answers to the rules, the cost to them) and the narrative
above the fold, the lower-priority charts below.
The scenario to open comes from the REGSIM_APP_SCENARIO environment variable.
"""

# Solara components are named like classes (PascalCase), and Solara serves the one named Page.
# ruff: noqa: N802

from __future__ import annotations

import asyncio
import contextlib
import os
from dataclasses import dataclass
from typing import Any

import solara
import solara.lab

from sim.dashboard import game as games
from sim.dashboard import (
    hidden_reference,
    lever_notes,
    live_charts,
    present,
    projector,
    url_state,
    verdicts,
)
from sim.dashboard import playback as play
from sim.dashboard import team_page as room_pages
from sim.dashboard.compute import engine, scenario_key
from sim.dashboard.levers import grouped
from sim.dashboard.live_charts import Actor, actor_of
from sim.dashboard.parts import (
    ChartCard,
    GameSetup,
    HeadlineStrip,
    LabTable,
    LeverPanel,
    Narrative,
    RoundSummaries,
    SessionFile,
    Transport,
    text,
)
from sim.dashboard.payloads import PayloadCache
from sim.dashboard.reference import Reference, reference_for
from sim.dashboard.runs import RunSet
from sim.dashboard.workshop import (
    DEFAULT_DRAWS,
    DRAW_CHOICES,
    SCENARIO_ENV_VAR,
    Workshop,
    default_scenario_path,
    load_workshop,
    picker_choices,
)
from sim.presentation import wording
from sim.presentation.narrative import digest, with_change_notes

MODES = {"explore": "Explore", "predict": "Predict, then reveal", "game": "Game"}

STYLE = """
html, body { overflow: hidden; }
.v-application--wrap { min-height: 0 !important; }
.regsim-page { display: grid; grid-template-columns: 340px minmax(0, 1fr); height: 100vh;
  font-size: 15px; color: #212529; }
.regsim-side { overflow-y: auto; border-right: 1px solid #dee2e6; padding: 8px 12px;
  background: #f8f9fa; }
.regsim-main { overflow-y: auto; padding: 6px 14px 14px 14px; }
.regsim-brand { font-size: 16px; font-weight: 700; }
.regsim-panel-title { font-size: 16px; font-weight: 700; display: block; margin: 6px 0 4px; }
.regsim-question { font-size: 18px; font-weight: 700; line-height: 1.25; display: block;
  margin: 2px 0 4px; }
.regsim-top { display: flex; align-items: center; gap: 14px; flex-wrap: wrap; }
.regsim-transport { display: flex; align-items: center; gap: 6px; flex: 0 0 auto; }
.regsim-transport .v-btn { font-size: 14px; }
.regsim-speed { width: 104px; flex: 0 0 auto; }
.regsim-month { font-size: 15px; font-weight: 600; white-space: nowrap; }
.regsim-status { white-space: nowrap; font-size: 14px; color: #495057; }
.regsim-legend { display: flex; flex-direction: column; font-size: 14px; justify-content: center;
  white-space: nowrap; width: 122px; line-height: 1.25; }
.regsim-export { margin: 8px 0 0; }
.regsim-export .v-btn { text-transform: none; font-size: 14px; }
.regsim-legend-row { display: flex; align-items: center; gap: 6px; }
.regsim-swatch { width: 26px; height: 5px; display: inline-block; border-radius: 2px; }
.regsim-swatch-baseline { background: #6b6b6b; }
.regsim-swatch-policy { background: #d9480f; }
.regsim-headlines { display: grid; grid-template-columns: repeat(4, minmax(0, 1fr)) auto;
  gap: 6px; margin: 4px 0 6px; align-items: stretch; }
.regsim-headline { background: #fff; border: 1px solid #dee2e6; border-radius: 6px;
  padding: 4px 10px; display: flex; flex-direction: column; min-width: 0; }
.regsim-headline-label { font-size: 14px; font-weight: 700; line-height: 1.2; }
.regsim-headline-value { font-size: 32px; font-weight: 800; line-height: 1.1; }
.regsim-headline-baseline, .regsim-headline-difference { font-size: 14px; white-space: nowrap;
  overflow: hidden; text-overflow: ellipsis; }
.regsim-headline-baseline { color: #6b6b6b; }
.regsim-tone-better .regsim-headline-difference { color: #2b8a3e; font-weight: 700; }
.regsim-tone-worse .regsim-headline-difference { color: #c92a2a; font-weight: 700; }
.regsim-tone-hidden .regsim-headline-value { color: #adb5bd; }
.regsim-body { display: grid; grid-template-columns: minmax(0, 1fr) 300px; gap: 10px; }
.regsim-charts { display: grid; grid-template-columns: repeat(2, minmax(0, 1fr)); gap: 8px; }
.regsim-secondary { grid-template-columns: repeat(2, minmax(0, 1fr)); margin-top: 10px; }
.regsim-chart { background: #fff; border: 1px solid #dee2e6; border-radius: 6px;
  padding: 4px 8px; min-width: 0; }
.regsim-chart-title { font-size: 16px; font-weight: 700; display: block; white-space: nowrap;
  overflow: hidden; text-overflow: ellipsis; }
.regsim-caption { font-size: 14px; color: #343a40; display: block; line-height: 1.3;
  height: 36px; overflow: hidden; }
.regsim-narrative-card, .regsim-summaries { background: #fff; border: 1px solid #dee2e6;
  border-radius: 6px; padding: 4px 10px; min-width: 0; }
.regsim-narrative-head { display: flex; align-items: center; justify-content: space-between; }
.regsim-draw-select { max-width: 130px; font-size: 14px; }
.regsim-right { display: flex; flex-direction: column; gap: 6px; min-width: 0; }
.regsim-facts { background: #fff; border: 1px solid #dee2e6; border-radius: 6px;
  padding: 2px 8px; }
.regsim-facts-table { width: 100%; border-collapse: collapse; font-size: 14px;
  line-height: 1.3; }
.regsim-facts-title { text-align: left; font-size: 14px; font-weight: 700; }
.regsim-facts-column { text-align: right; font-size: 14px; font-weight: 400; color: #6c757d;
  white-space: nowrap; padding-left: 6px; }
.regsim-fact-label { padding-left: 8px; }
.regsim-fact-value { text-align: right; font-weight: 700; white-space: nowrap; }
.regsim-fact-baseline { text-align: right; color: #6b6b6b; white-space: nowrap; }
.regsim-tone-better .regsim-fact-value { color: #2b8a3e; }
.regsim-tone-worse .regsim-fact-value { color: #c92a2a; }
.regsim-narrative, .regsim-summaries-list { height: 220px; overflow-y: auto; }
.regsim-event { font-size: 14px; margin-bottom: 5px; line-height: 1.3; }
.regsim-event-tag { color: #fff; border-radius: 4px; padding: 0 4px; font-size: 13px;
  font-weight: 600; white-space: nowrap; }
.regsim-muted { color: #6c757d; font-size: 14px; }
.regsim-warning { color: #c92a2a; font-size: 14px; display: block; margin: 4px 0; }
.regsim-strong { font-weight: 700; }
.regsim-lever-group { background: #fff; border: 1px solid #dee2e6; border-radius: 6px;
  padding: 4px 8px; margin: 6px 0; }
.regsim-lever-group-head { display: flex; align-items: center; justify-content: space-between;
  gap: 6px; }
.regsim-lever-group-title { font-size: 15px; font-weight: 700; }
.regsim-lever-group-head .v-input--switch { margin-top: 0; padding-top: 0; }
.regsim-lever-group-head .v-input__slot { margin-bottom: 0; }
.regsim-lever { margin: 4px 0 6px; }
.regsim-lever .v-label { font-size: 14px; }
.regsim-lever-row { display: flex; justify-content: space-between; gap: 6px; }
.regsim-lever-label { font-size: 14px; }
.regsim-lever > .regsim-lever-label,
.regsim-lever-group > .regsim-lever-label { display: block; }
.regsim-lever-value { font-size: 14px; font-weight: 700; text-align: right; }
.regsim-lever-explanation { font-size: 13px; color: #6c757d; display: block;
  line-height: 1.25; }
.regsim-modes .v-btn { font-size: 13px; text-transform: none; }
.regsim-round-summary { border-bottom: 1px solid #dee2e6; padding: 4px 0 8px; font-size: 14px; }
.regsim-round-summary > * { display: block; }
.regsim-role { border: 1px solid #dee2e6; border-radius: 6px; padding: 2px 8px; margin: 6px 0;
  background: #fff; }
.regsim-team-title { font-size: 15px; font-weight: 700; display: block; }
"""

selected_path = solara.reactive("")


@dataclass(frozen=True)
class Results:
    """The computed draws for one request: current settings and the reference. While the
    draws arrive, `done` < `total`: an answer from the first `done` draws of both (paired)."""

    key: str
    policy: RunSet
    baseline: RunSet
    done: int = 0
    total: int = 0

    @property
    def complete(self) -> bool:
        return self.done >= self.total


@dataclass(frozen=True)
class Request:
    """What to compute for the settings on screen (`error` when they cannot be computed)."""

    key: str
    policy: Any
    baseline: Any
    seeds: tuple[int, ...]
    error: str = ""
    reference: Reference | None = None


PLANS = 256
"""Plans kept (`plan`): building a setting's scenario and its reference's takes ~20 ms, most of
the server's time for a setting shown before."""

_plans = PayloadCache(PLANS)
_references = PayloadCache(PLANS)
"""The reference of each workshop, number of draws and pinned settings, with its key: every
new setting's plan needs it (a scenario built and digested, ~20 ms)."""


def plan(workshop: Workshop, values: dict[str, Any], draws: int,
         game: games.Game | None, pinned: dict[str, Any] | None = None) -> Request:
    """The scenarios to compute for these settings and their reference (`sim.dashboard.
    reference`; its run is reused when the settings equal it). A game keeps the draws it was
    started (or saved) with. Outside a game the plan is kept under the settings (the same
    settings give the same scenarios), so moving a lever back rebuilds nothing."""
    if game is not None:
        return _plan(workshop, values, draws, game, pinned)
    key = (workshop.path, _settings_key(values), int(draws),
           None if pinned is None else _settings_key(pinned))
    return _plans.get(key, lambda: _plan(workshop, values, draws, None, pinned))


def _keyed(reference: Reference) -> tuple[Reference, str]:
    return reference, scenario_key(reference.scenario)


def _settings_key(values: dict[str, Any]) -> tuple:
    """Lever values as a key that tells apart every value (`repr` of each, with its type)."""
    return tuple(sorted((path, type(value).__name__, repr(value))
                        for path, value in values.items()))


def _plan(workshop: Workshop, values: dict[str, Any], draws: int,
          game: games.Game | None, pinned: dict[str, Any] | None = None) -> Request:
    """`plan`, computed."""
    draws = game.draws if game is not None else draws
    reference, base_key = _references.get(
        (workshop.path, int(draws), None if pinned is None else _settings_key(pinned)),
        lambda: _keyed(reference_for(workshop, draws, pinned)))
    baseline = reference.scenario
    seeds = tuple(workshop.seeds(draws))
    try:
        if game is not None:
            scenario = games.game_scenario(workshop, game)
        else:
            scenario = workshop.scenario_with(values, draws)
    except ValueError as error:
        return Request(f"{base_key}-{draws}-error", None, baseline, seeds, str(error),
                       reference)
    key = scenario_key(scenario)
    return Request(f"{key}-{base_key}-{draws}", None if key == base_key else scenario,
                   baseline, seeds, reference=reference)


def cached_results(request: Request) -> Results | None:
    """The results at once if every draw is cached (no flash while the task starts)."""
    pool = engine()
    baseline = pool.cached(request.baseline, request.seeds)
    if baseline is None:
        return None
    total = len(request.seeds)
    if request.policy is None:
        return Results(request.key, baseline, baseline, total, total)
    policy = pool.cached(request.policy, request.seeds)
    return None if policy is None else Results(request.key, policy, baseline, total, total)


PARTIAL_ANSWERS = 1
"""Partial answers (from the first draws) per change before the complete one: each redraws
every chart and headline, in the server and in the browser (~0.1 s of CPU each on a 2-core
laptop, taken from the workers computing the rest), so one: the first draws at once."""


async def compute(request: Request, on_partial=None) -> Results:
    """The request's results; `on_partial(Results)` gets the answer from the first draws (of
    the settings and of the reference, paired) while the others compute."""
    pool = engine()
    total = len(request.seeds)
    baseline = await pool.run(request.baseline, request.seeds)
    if request.policy is None:
        return Results(request.key, baseline, baseline, total, total)
    sent: list[int] = []

    def partial(first: RunSet) -> None:
        done = first.size
        if on_partial is None or len(sent) >= PARTIAL_ANSWERS:
            return
        sent.append(done)
        on_partial(Results(request.key, first, RunSet(baseline.key, baseline.draws[:done]),
                           done, total))

    policy = await pool.run(request.policy, request.seeds, on_draws=partial)
    return Results(request.key, policy, baseline, total, total)


# The page ---------------------------------------------------------------------------------------


@solara.component
def Dashboard(path: str, search: str | None = None) -> None:
    """The dashboard for one scenario; `search` is the page address's query string (the
    settings of a shared link: `sim.dashboard.url_state`)."""
    workshop = load_workshop(path)
    linked = solara.use_memo(lambda: url_state.decode(workshop, search), [])
    values = solara.use_reactive(linked[0])
    draws = solara.use_reactive(linked[1] or DEFAULT_DRAWS)
    mode = solara.use_reactive("explore")
    hidden = solara.use_reactive(False)
    playback = solara.use_reactive(play.full(workshop.months))
    game = solara.use_reactive(None)
    story_draw = solara.use_reactive(0)
    message = solara.use_reactive("; ".join(linked[2][:3]))
    view = solara.use_reactive(present.View())
    pinned = solara.use_reactive(None)
    partial = solara.use_reactive(None)

    request = solara.use_memo(lambda: plan(workshop, values.value, draws.value, game.value,
                                           pinned.value),
                              [values.value, draws.value, game.value, pinned.value])
    notes = solara.use_memo(lambda: lever_notes.notes_for(request), [request.key])
    solara.provide_context(lever_notes.NOTES, notes)  # read by every lever panel below
    ready = cached_results(request)

    async def run_request() -> Results:
        return await compute(request, on_partial=partial.set)

    task = solara.lab.use_task(run_request, dependencies=[request.key], prefer_threaded=False,
                               raise_error=False)
    results: Results | None = ready or (task.value if task.finished else None)
    if results is None or results.key != request.key:
        shown_partial = partial.value
        if shown_partial is not None and shown_partial.key == request.key:
            results = shown_partial
        else:
            results = results or task.latest or shown_partial
    computing = results is None or results.key != request.key or not results.complete

    game_now: games.Game | None = game.value
    in_game = mode.value == "game" and game_now is not None
    present.use_neighbours(workshop, values.value, draws.value, request,
                           computing or in_game or bool(request.error))
    # Hidden: predict mode before the reveal, a game before its first round, and settings that
    # cannot be computed (the baseline alone is then shown, never passed off as the settings).
    conceal = hidden.value or (in_game and game_now.played == 0) or bool(request.error)

    def set_lever(path_: str, value: Any) -> None:
        message.set("")
        if in_game:
            try:
                game.set(games.set_lever(workshop, game_now, path_, value))
            except ValueError as error:
                message.set(str(error))
            return
        values.set({**values.value, path_: value})
        if mode.value == "predict":
            hidden.set(True)

    def set_mode(new: str) -> None:
        mode.set(new)
        hidden.set(new == "predict")
        if new != "game":
            room_pages.close_own()
            game.set(None)
            playback.set(play.window(playback.value, 1, None, workshop.months))

    def start_game(teams: list[games.Team]) -> None:
        game.set(games.new_game(workshop, teams, values.value, draws.value,
                                hidden_reference.hide_wanted.value))
        room_pages.open_if_wanted(workshop, game.value)  # teams on their own devices
        playback.set(play.window(playback.value, 1, 1, 1))

    actor = _actor(workshop)
    screen = present.Screen(workshop, values.value, draws.value, request, results, computing,
                            actor, view, pinned, playback.value, conceal, mode.value,
                            blind=in_game and hidden_reference.blind(workshop, game_now))
    projector.use_projector(screen, game_now if in_game else None, story_draw.value)
    classes = ["regsim-page"] + (["regsim-presenting"] if view.value.presenting else [])
    with solara.Div(classes=classes):
        with solara.Div(classes=["regsim-side"]):
            if not view.value.presenting:  # the P key works from the first moment
                present.ToolBar(screen)
            SidePanel(workshop, values.value, draws, mode.value, set_mode, set_lever, game,
                      start_game, playback, message, computing)
            if not in_game:
                present.ScreenTools(screen)
            projector.ProjectorControls(screen, in_game)
        with solara.Div(classes=["regsim-main"]):
            if view.value.presenting:
                present.ToolBar(screen)
            MainPanel(workshop, results, request, computing, task, playback, hidden, conceal,
                      actor, story_draw, draws.value, game_now if in_game else None, message,
                      values.value, screen)


def _actor(workshop: Workshop) -> Actor:
    labels = {state.name: state.label or state.name for state in workshop.original.states}
    return actor_of([state.name for state in workshop.original.states], labels)


@solara.component
def Player(playback: solara.Reactive[play.Playback]) -> None:
    """While playing, reveal one month per tick (an asyncio task in Solara's event loop).
    Only the main panel reads the playback, so a tick redraws the charts, not the levers."""

    async def loop() -> None:
        while playback.value.playing:
            await asyncio.sleep(playback.value.interval_s)
            playback.set(play.tick(playback.value))

    solara.lab.use_task(loop, dependencies=[playback.value.playing, playback.value.speed],
                        prefer_threaded=False, raise_error=False)


@solara.component
def SidePanel(workshop: Workshop, values: dict[str, Any], draws: solara.Reactive[int],
              mode: str, set_mode, set_lever, game: solara.Reactive, start_game,
              playback: solara.Reactive, message: solara.Reactive, computing: bool) -> None:
    """Scenario picker, modes, and the levers (or the game's teams)."""
    text("regsim workshop", ["regsim-brand"])
    items = [{"text": f"{entry.name}: {entry.question}", "value": str(entry.path.resolve())}
             for entry in picker_choices(workshop.path)]
    offered = {item["value"] for item in items}

    def pick(value: Any) -> None:
        # The browser may send anything as the value: open only a scenario the picker offered.
        if isinstance(value, str) and value in offered:
            selected_path.set(value)

    solara.v.Select(label="Scenario", items=items, v_model=workshop.path, on_v_model=pick,
                    dense=True, hide_details=True, class_="regsim-picker")
    solara.ToggleButtonsSingle(value=mode, values=list(MODES), on_value=set_mode,
                               classes=["regsim-modes"], dense=True)
    if mode == "game":
        GamePanel(workshop, game, start_game, set_lever, playback, message, computing)
        return
    with solara.Div(classes=["regsim-export"]):
        solara.FileDownload(lambda: _export(workshop, values, draws.value),
                            filename=f"{workshop.name}-workshop.toml",
                            label="Export these settings as a scenario",
                            mime_type="application/toml", icon_name="mdi-download")
    text("Policies", ["regsim-panel-title"])
    LeverPanel(workshop.panel("policy"), values, set_lever)
    text("Assumptions (what nobody controls)", ["regsim-panel-title"])
    LeverPanel(workshop.panel("assumption"), values, set_lever)
    with solara.Div(classes=["regsim-lever-group"]):
        text("Draws of chance per setting", ["regsim-lever-label"])
        solara.ToggleButtonsSingle(value=draws.value, values=list(DRAW_CHOICES),
                                   on_value=draws.set, dense=True)
        text("More draws: steadier averages, slower answers. The reference is re-averaged over "
             "the same draws, so its numbers move a little too.", ["regsim-lever-explanation"])


@solara.component
def GamePanel(workshop: Workshop, game: solara.Reactive, start_game, set_lever,
              playback: solara.Reactive, message: solara.Reactive, computing: bool) -> None:
    """The game's controls: set up, each team's levers, play a round, next, save, export."""
    current: games.Game | None = game.value
    if current is None:
        room_pages.RoomChoice()
        hidden_reference.ReferenceChoice()
        GameSetup(list(workshop.roles), start_game)
        SessionLoader(workshop, game, playback, message)
        return
    total = games.round_count(workshop.months)
    first, last = games.round_dates(workshop, current.current)
    text(f"Round {current.current + 1} of {total}: {wording.month(first)} to "
         f"{wording.month(last)}", ["regsim-panel-title"])
    if message.value:
        text(message.value, ["regsim-warning"])
    room = room_pages.own_room(workshop)
    hidden_reference.RevealReference(workshop, game, room)
    if room is not None:  # the teams move on their own devices
        room_pages.RoomPanel(workshop, room, game, playback, message, computing)
        return

    def play_round() -> None:
        updated = games.play_round(current)
        game.set(updated)
        start, end = games.round_window(workshop.months, current.current)
        playback.set(play.play(play.window(playback.value, start + 1, end + 1, start + 1)))

    def next_round() -> None:
        try:
            game.set(games.next_round(workshop, current))
        except ValueError as error:
            message.set(str(error))

    with solara.Div(classes=["regsim-transport"]):
        if not current.current_played:
            # The round plays only once its settings are computed: never old numbers.
            solara.Button(f"Play round {current.current + 1}", on_click=play_round,
                          color="primary", classes=["regsim-play-round"], disabled=computing)
        elif not games.is_over(workshop, current):
            solara.Button("Next round", on_click=next_round, color="primary",
                          classes=["regsim-next-round"])
        else:
            text("The game is over.", ["regsim-strong"])
    roles = {role.key: role for role in workshop.roles}
    groups, heading = [], {}
    for team in current.teams:
        role = roles.get(team.role)
        if role is None:
            continue
        levers = [lever for lever in role.levers(workshop.levers)
                  if lever.spec.field_name != "start"]  # a round's start is the start
        for index, (title, members) in enumerate(grouped(levers)):
            groups.append((title, members))
            if index == 0:
                heading[title] = f"{team.name}: {role.title}"
    LeverPanel(groups, dict(current.values), set_lever, disabled=current.current_played,
               heading=heading)
    with solara.Div(classes=["regsim-game-files"]):
        solara.FileDownload(lambda: games.save(workshop, current).encode(),
                            filename=f"{workshop.name}-session.json", label="Save session",
                            mime_type="application/json")
        solara.FileDownload(lambda: _export_game(workshop, current),
                            filename=f"{workshop.name}-game.toml", label="Export scenario",
                            mime_type="application/toml")
        solara.Button("Replay from round 1", text=True,
                      on_click=lambda: (game.set(games.replay(current)),
                                        playback.set(play.window(playback.value, 1, 1, 1))))
        solara.Button("End the game", text=True,
                      on_click=lambda: (game.set(None),
                                        playback.set(play.full(workshop.months))))


def _export_game(workshop: Workshop, current: games.Game) -> bytes:
    try:
        return games.export_toml(workshop, current).encode()
    except ValueError as error:
        return f"# could not export: {error}\n".encode()


@solara.component
def SessionLoader(workshop: Workshop, game: solara.Reactive, playback: solara.Reactive,
                  message: solara.Reactive) -> None:
    """Load a saved session (JSON, validated, never evaluated) to replay it: dropped on the
    zone or chosen with the button. The file's text arrives as a widget event, handled in the
    page's event loop like a lever change (Solara's FileDrop calls back from a thread, where
    starting the computation raised "no running event loop")."""

    def on_event(name: str, data: Any) -> None:
        if name != "session" or not isinstance(data, dict):
            return
        shown = session_file_name(data.get("name"))
        try:
            loaded = games.load(workshop, _session_text(data))
        except games.SessionError as error:
            message.set(f"{shown}: {error}")
            return
        message.set("")
        game.set(games.replay(loaded))
        playback.set(play.window(playback.value, 1, 1, 1))

    SessionFile("Or drop a saved session here to replay it", games.MAX_SESSION_BYTES, on_event)
    if message.value:
        text(message.value, ["regsim-warning"])


def _session_text(data: dict) -> str:
    """The file's text from the browser's message (refused when the browser sent none: too
    large to send)."""
    content = data.get("text")
    if not isinstance(content, str):
        raise games.SessionError(f"the session file is larger than "
                                 f"{games.MAX_SESSION_BYTES:,} bytes")
    return content


def session_file_name(name: Any, limit: int = 80) -> str:
    """A file name from the browser, on one line and short (it is only shown, as text)."""
    shown = " ".join("".join(ch if ch.isprintable() else " " for ch in str(name or "")).split())
    return (shown[: limit - 1] + "…" if len(shown) > limit else shown) or "file"


@solara.component
def MainPanel(workshop: Workshop, results: Results | None, request: Request, computing: bool,
              task, playback: solara.Reactive, hidden: solara.Reactive, conceal: bool,
              actor: Actor, story_draw: solara.Reactive, draws: int,
              game_now: games.Game | None, message: solara.Reactive,
              values: dict[str, Any], screen: present.Screen) -> None:
    """Question and controls, headlines, charts and the narrative (or the round summaries).
    While the settings shown are not the ones computed (or only their first draws are), every
    number and chart is dimmed (`regsim-stale`) and the status says how many draws are in."""
    state = playback.value
    Player(playback)
    text(workshop.question, ["regsim-question"])
    with solara.Div(classes=["regsim-top"]):
        Transport(state, tuple(results.baseline.months) if results else (),
                  lambda: playback.set(play.reset(playback.value)),
                  lambda: playback.set(play.pause(playback.value) if playback.value.playing
                                       else play.play(playback.value)),
                  lambda: playback.set(play.step(playback.value)),
                  lambda speed: playback.set(play.with_speed(playback.value, speed)))
        status = _status(request, results, computing, task)
        solara.v.Html(tag="span", children=[status], class_="regsim-status",
                      attributes={"data-key": request.key,
                                  "data-state": "computing" if computing else "ready"})
        if hidden.value:
            # Only once the answer for these settings is complete: never an older answer.
            # A click already on its way when a lever moved is ignored here, on the server.
            solara.Button("Reveal", on_click=lambda: None if computing else hidden.set(False),
                          color="warning", classes=["regsim-reveal"], disabled=computing)
    if results is None:
        text("Computing the first answer…", ["regsim-muted"])
        return
    month = state.month_index
    # A partial answer's widgets carry another key: a test (or the eye) never mistakes it for
    # the complete one.
    key = results.key if results.complete else f"{results.key}~{results.done}"
    policy = results.policy
    stale = ["regsim-stale"] if computing else []
    with solara.Div(classes=["regsim-results"] + stale):
        if screen.view.value.presenting:
            present.PresenterBody(screen, results.policy, results.baseline, key, state,
                                  game_now, _summaries(workshop, game_now, results, actor,
                                                       story_draw.value, state.shown,
                                                       screen.reference_label)
                                  if game_now is not None else None)
            if game_now is None:
                verdicts.VerdictPanel(request, not computing, conceal, presenting=True)
            return
        HeadlineStrip(screen.headlines(policy, results.baseline, month), key,
                      results.baseline.months[month], conceal, policy.size,
                      screen.reference_label, screen.progress, screen.tones_note)
        if game_now is None:
            verdicts.VerdictPanel(request, not computing, conceal, presenting=False)
        with solara.Div(classes=["regsim-body"]):
            with solara.Div(classes=["regsim-charts", "regsim-primary"]):
                for spec in live_charts.primary_charts():
                    ChartCard(spec, policy, results.baseline, state.shown, actor, conceal, key,
                              reference=not screen.blind)
            with solara.Div(classes=["regsim-right"]):
                LabTable(screen.table(policy, results.baseline, month), key, conceal,
                         screen.reference_label)
                if game_now is not None:
                    RoundSummaries(_summaries(workshop, game_now, results, actor,
                                              story_draw.value, state.shown,
                                              screen.reference_label), game_now.played)
                else:
                    draw = min(story_draw.value, policy.size - 1)
                    lines = digest(with_change_notes(policy.draws[draw].events,
                                                     _change_notes(request)), 0, month)
                    Narrative(lines, draw, policy.size, story_draw.set, conceal)
        with solara.Div(classes=["regsim-charts", "regsim-secondary"]):
            for spec in live_charts.secondary_charts():
                ChartCard(spec, policy, results.baseline, state.shown, actor, conceal, key,
                          reference=not screen.blind)


def _change_notes(request: Request) -> dict[str, str]:
    """Month -> note of the dated changes of the settings shown."""
    scenario = request.policy if request.policy is not None else request.baseline
    return {change.month: change.note for change in scenario.changes if change.note}


def _summaries(workshop: Workshop, game_now: games.Game, results: Results, actor: Actor,
               story_draw: int, shown: int, reference_label: str) -> list[games.RoundSummary]:
    """The summaries of the rounds played whose last month has been revealed."""
    return games.revealed_summaries(workshop, game_now, results.policy, results.baseline,
                                    actor, story_draw, shown, reference_label)


def _status(request: Request, results: Results | None, computing: bool, task) -> str:
    if request.error:
        return f"cannot compute: {request.error}"
    if computing and task.error:
        return f"the computation failed ({task.exception}); move a lever to retry"
    if computing:
        total = len(request.seeds)
        done = results.done if results is not None and results.key == request.key else 0
        return f"computing: {done} of {total} draws (dimmed numbers will change)"
    return f"{results.policy.size} draws ready" if results else ""


def _export(workshop: Workshop, values: dict[str, Any], draws: int) -> bytes:
    return workshop.export_toml(values, draws).encode()


def _css(key: str) -> str:
    return "".join(ch if ch.isalnum() else "-" for ch in key)


@solara.component
def Page() -> None:
    """The dashboard for the picked scenario (the `regsim app` one at first, or the one a
    shared link names, with its settings); a team's page at /?join."""
    search = solara.use_router().search
    linked = solara.use_memo(lambda: _linked_path(search), [])  # every hook before a return
    if room_pages.is_join_query(search):  # the query never changes within one page session
        room_pages.TeamPage()
        return
    if projector.is_projector_query(search):  # a projector window: it follows, never controls
        projector.ProjectorPage(STYLE + present.PRESENTER_STYLE)
        return
    path = load_workshop(picked(selected_path.value or linked)).path
    solara.Title(f"regsim workshop: {load_workshop(path).name}")
    solara.Style(STYLE + present.PRESENTER_STYLE)
    Dashboard(path, search if path == linked or not selected_path.value else None).key(path)


def _linked_path(search: str | None) -> str:
    """The path of the bundled scenario a link names ('' if none or not offered)."""
    name = url_state.scenario_name(search)
    for entry in picker_choices(default_scenario_path()):
        if name is not None and entry.name == name:
            return str(entry.path.resolve())
    return ""


def picked(value: str) -> str:
    """The scenario to open: the picked one if the picker offers it, else `regsim app`'s."""
    default = default_scenario_path()
    offered = {str(entry.path.resolve()) for entry in picker_choices(default)}
    return value if value in offered else default


def _warm_start() -> None:
    """Start the workers, compute the default scenario's baseline and list the scenario picker's
    choices before the first visit."""
    with contextlib.suppress(Exception):  # a bad scenario is reported by the page itself
        workshop = load_workshop(default_scenario_path())
        pool = engine()
        pool.warm()
        pool.prefetch(workshop.baseline(), workshop.seeds())
        picker_choices(workshop.path)  # loads every bundled scenario: not on the first visit


if os.environ.get(SCENARIO_ENV_VAR):  # served by `regsim app` (not imported by a test)
    _warm_start()
