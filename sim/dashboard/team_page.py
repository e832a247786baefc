"""The room's pages: a team's page (`/?join`, on its own laptop or phone) and the
facilitator's room panel (join code, who is ready, collect, play, next round).

State per page stays per page: the join code a team typed, its tries and its seat are
module-level `solara.reactive` values, which Solara keeps per page session (kernel). The game
itself is shared: a `sim.dashboard.room.Room`, found only by its join code; each page
subscribes to it with its own Solara context and redraws when it changes. A page without the
code gets the join form and nothing else (no team, role or move). Every string from the
scenario, the role definitions or a team name is shown as text, never markup.
"""

# Solara components are named like classes (PascalCase).
# ruff: noqa: N802

from __future__ import annotations

import os
import socket
from typing import Any

import solara
import solara.server.kernel_context as kernel_context

from sim.dashboard import game as games
from sim.dashboard import playback as play
from sim.dashboard import role_sheets
from sim.dashboard import room as rooms
from sim.dashboard.levers import grouped
from sim.dashboard.parts import LeverPanel, text
from sim.dashboard.workshop import Workshop
from sim.presentation import wording

JOIN_PATH = "/?join"
"""A team's page: the dashboard's address with `?join` (Solara serves one route, `/`)."""

STYLE = """
.regsim-team-page { max-width: 760px; margin: 0 auto; padding: 10px 14px; font-size: 17px;
  color: #212529; }
.regsim-team-page .regsim-lever-explanation { font-size: 15px; }
.regsim-team-title { font-size: 22px; font-weight: 700; display: block; margin: 6px 0; }
.regsim-sheet-head { font-size: 18px; font-weight: 700; display: block; margin: 10px 0 2px; }
.regsim-sheet-line { display: block; margin: 2px 0 2px 12px; }
.regsim-private { border: 2px solid #495057; border-radius: 6px; padding: 2px 8px;
  margin: 8px 0; }
.regsim-join-code-shown { font-size: 40px; font-weight: 800; letter-spacing: 4px;
  display: block; }
.regsim-seat-row { display: flex; justify-content: space-between; gap: 8px; font-size: 15px; }
.regsim-room-status { display: block; font-size: 16px; margin: 6px 0; }
"""

# Per page session (Solara keeps a module-level reactive per kernel) ------------------------------
joined_code = solara.reactive("")
"""The join code this team's page was admitted with."""
join_tries = solara.reactive(0)
room_updates = solara.reactive(0)
"""Bumped when the page's room changes (from another page's thread, in this page's context)."""
facilitator_room: solara.Reactive[rooms.Room | None] = solara.reactive(None)
"""The room this facilitator's page opened (None: the game is played on this screen)."""
room_wanted = solara.reactive(False)


def is_join_query(search: str | None) -> bool:
    """Whether the page's query string (after '?') asks for a team's page."""
    return bool(search) and search.split("&", 1)[0].split("=", 1)[0] == "join"


def _page_token() -> str:
    """This page session's id: a team's seat is held by it (never shown to anyone)."""
    return kernel_context.get_current_context().id


def use_room_updates(room: rooms.Room | None) -> int:
    """Redraw the calling component whenever `room` changes; the update count."""
    context = kernel_context.get_current_context()
    token = context.id

    def bump() -> None:
        with context:
            room_updates.set(room_updates.value + 1)

    def follow():
        if room is None:
            return None
        # Redraw on this page's own event loop (a computation it starts needs that loop).
        unsubscribe = room.subscribe(token, lambda: context.event_loop.call_soon_threadsafe(bump))

        def stop() -> None:
            unsubscribe()
            room.release(token)  # the page closed: its seat is free for the team's new device

        return stop

    solara.use_effect(follow, [room])
    return room_updates.value


# The team's page --------------------------------------------------------------------------------


@solara.component
def TeamPage() -> None:
    """A team's page: join with the code, pick the team, read the role sheet, set the moves in
    secret, say ready; after each round, what every team decided."""
    solara.Title("regsim game: your team")
    solara.Style(STYLE)
    search = solara.use_router().search
    room = rooms.find(joined_code.value) if joined_code.value else None
    # The room's state is passed down with its update count: a child component whose
    # arguments are unchanged is not redrawn.
    version = use_room_updates(room)
    with solara.Div(classes=["regsim-team-page"]):
        if room is None:
            JoinForm(closed=bool(joined_code.value),
                     given=_given_code(search))
            return
        token = _page_token()
        seat = room.seat_of(token)
        if seat is None:
            SeatPicker(room, token, version)
        else:
            TeamSeat(room, token, seat, version)


def _given_code(search: str | None) -> str:
    """The code in a `?join=CODE` address (typed for the team; still checked on Join)."""
    first = (search or "").split("&", 1)[0]
    return rooms.normal_code(first.split("=", 1)[1]) if "=" in first else ""


@solara.component
def JoinForm(closed: bool, given: str = "") -> None:
    typed = solara.use_reactive(given)
    text("Join the game", ["regsim-team-title"])
    if closed:
        text("The facilitator has ended that game.", ["regsim-warning"])
    if join_tries.value >= rooms.MAX_JOIN_TRIES:
        text("Too many wrong codes: ask the facilitator.", ["regsim-warning",
                                                            "regsim-join-refused"])
        return

    def join() -> None:
        if join_tries.value >= rooms.MAX_JOIN_TRIES:
            return  # refused: the form is gone, but a late click must not try again
        if rooms.find(typed.value) is not None:
            joined_code.set(rooms.normal_code(typed.value))
        else:
            join_tries.set(join_tries.value + 1)

    text("Type the code shown on the facilitator's screen.", ["regsim-lever-explanation"])
    solara.InputText("Join code", value=typed, continuous_update=True,
                     classes=["regsim-join-code"])
    solara.Button("Join", on_click=join, color="primary", classes=["regsim-join"])
    if join_tries.value:
        text("No game has that code.", ["regsim-warning", "regsim-join-refused"])


@solara.component
def SeatPicker(room: rooms.Room, token: str, version: int) -> None:
    text("Which team are you?", ["regsim-team-title"])
    free = room.free_seats()
    if not free:
        text("Every team has joined; ask the facilitator to free your team's seat.",
             ["regsim-muted"])
    for index in free:
        team = room.teams()[index]
        role = room.role_of(index)
        label = f"{team.name}: {role.title if role else team.role}"
        solara.Button(label, on_click=lambda i=index: room.claim(i, token), text=True,
                      classes=["regsim-seat", f"regsim-seat-{index}"])


@solara.component
def TeamSeat(room: rooms.Room, token: str, seat: int, version: int) -> None:
    message = solara.use_reactive("")
    workshop = room.workshop
    game = room.game
    role = room.role_of(seat)
    team = room.teams()[seat]
    total = games.round_count(workshop.months)
    first, last = games.round_dates(workshop, game.current)
    title = f"{team.name}: {role.title}" if role else team.name
    text(title, ["regsim-team-title"])
    locked = room.collected or game.current_played
    ready = room.is_ready(token)
    if game.current_played:
        status = (f"Round {game.current + 1} has been played: the consequences are on the "
                  "screen. Wait for the next round.")
    elif locked:
        status = f"Round {game.current + 1}: moves collected; the round is about to be played."
    elif ready:
        status = f"Round {game.current + 1}: you are ready. You can still change your moves."
    else:
        status = (f"Round {game.current + 1} of {total} ({wording.month(first)} to "
                  f"{wording.month(last)}): set your moves, then press Ready.")
    text(status, ["regsim-room-status", "regsim-team-status"])
    if role is not None:
        RoleSheet(role_sheets.sheet(workshop, role))
        levers = [lever for lever in role.levers(workshop.levers)
                  if lever.spec.field_name != "start"]

        def on_lever(path: str, value: Any) -> None:
            try:
                room.set_move(token, path, value)
                message.set("")
            except ValueError as error:
                message.set(str(error))

        text("Your moves (only your team sees them until the round is played)",
             ["regsim-sheet-head"])
        values = rooms.seat_values(room, token)  # only this team's levers reach its page
        LeverPanel(grouped(levers), {lever.path: values[lever.path] for lever in levers},
                   on_lever, disabled=locked)
        if message.value:
            text(message.value, ["regsim-warning"])
    if not locked:
        solara.Button("Not ready yet" if ready else "Ready",
                      on_click=lambda: room.set_ready(token, not ready),
                      color="secondary" if ready else "primary", classes=["regsim-ready"])
    PlayedRounds(workshop, game)


@solara.component
def RoleSheet(sheet: role_sheets.Sheet) -> None:
    with solara.Div(classes=["regsim-role-sheet"]):
        text(sheet.brief, ["regsim-sheet-line"])
        text("Your goals", ["regsim-sheet-head"])
        for goal in sheet.goals:
            text(f"• {goal}", ["regsim-sheet-line"])
        with solara.Div(classes=["regsim-private"]):
            text("Only your team knows", ["regsim-sheet-head"])
            for line in sheet.private:
                text(f"• {line}", ["regsim-sheet-line"])


@solara.component
def PlayedRounds(workshop: Workshop, game: games.Game) -> None:
    """What every team decided in the rounds played (public once a round is played)."""
    if not game.played:
        return
    with solara.Div(classes=["regsim-decisions"]):
        for index in reversed(range(game.played)):
            first, last = games.round_dates(workshop, index)
            text(f"Round {index + 1} ({wording.month(first)} to {wording.month(last)}): "
                 "what the teams decided", ["regsim-sheet-head"])
            for decision in games.decisions(workshop, game, index):
                text(f"{decision.who}: {'; '.join(decision.changes)}", ["regsim-sheet-line"])


# The facilitator's side -------------------------------------------------------------------------


def open_if_wanted(workshop: Workshop, game: games.Game) -> None:
    """Open a room for a game just started on the facilitator's page, if asked for."""
    close_own()
    if room_wanted.value:
        facilitator_room.set(rooms.open_room(workshop, game))


def close_own() -> None:
    """Close the room this page opened (the game ended, or the facilitator left game mode)."""
    if facilitator_room.value is not None:
        rooms.close_room(facilitator_room.value)
        facilitator_room.set(None)


def own_room(workshop: Workshop) -> rooms.Room | None:
    found = facilitator_room.value
    return found if found is not None and found.workshop.path == workshop.path else None


@solara.component
def RoomChoice() -> None:
    """The switch, in the game's set-up, that opens the game to the teams' own devices."""
    solara.Switch(label="Teams play from their own devices (a join code)", value=room_wanted,
                  classes=["regsim-room-choice"])


def join_urls() -> list[str]:
    """The addresses a team types: this server's (`regsim app --host`), on every interface
    when opened on all of them; loopback when the room's network is not open."""
    host = os.environ.get("SERVER_NAME", "127.0.0.1")
    port = os.environ.get("SERVER_PORT", "8765")
    names = [host]
    if host in ("0.0.0.0", "::"):
        try:
            names = sorted({info[4][0] for info in socket.getaddrinfo(
                socket.gethostname(), None, type=socket.SOCK_STREAM)
                if not info[4][0].startswith(("127.", "::1"))}) or ["this machine's address"]
        except OSError:
            names = ["this machine's address"]
    return [f"http://{f'[{name}]' if ':' in name else name}:{port}{JOIN_PATH}"
            for name in names]


@solara.component
def RoomPanel(workshop: Workshop, room: rooms.Room, game: solara.Reactive,
              playback: solara.Reactive, message: solara.Reactive, computing: bool) -> None:
    """The facilitator's controls of a room: the join code, who is ready (never their moves),
    collect the moves, play the round, next round, save and export."""
    use_room_updates(room)
    current = room.game
    with solara.Div(classes=["regsim-room"]):
        text("Join at " + " or ".join(join_urls()) + " with the code", ["regsim-muted"])
        text(room.code, ["regsim-join-code-shown"])
        for index, status in enumerate(room.readiness()):
            state = ("ready" if status.ready else "setting its moves" if status.taken
                     else "not joined")
            with solara.Div(classes=["regsim-seat-row", f"regsim-seat-status-{index}",
                                     "regsim-seat-ready" if status.ready else "regsim-seat-wait"]):
                text(f"{status.name} ({status.role})")
                text(state, ["regsim-strong" if status.ready else "regsim-muted",
                             "regsim-seat-state"])
                if status.taken:
                    solara.Button("free", text=True, x_small=True,
                                  on_click=lambda i=index: room.free(i))

    def act(step) -> None:
        try:
            game.set(step())
            message.set("")
        except ValueError as error:
            message.set(str(error))

    def play_round() -> None:
        act(room.play)
        start, end = games.round_window(workshop.months, current.current)
        playback.set(play.play(play.window(playback.value, start + 1, end + 1, start + 1)))

    with solara.Div(classes=["regsim-transport"]):
        if not current.current_played and not room.collected:
            solara.Button("Collect the moves", on_click=lambda: act(room.collect),
                          color="primary", classes=["regsim-collect"])
        elif not current.current_played:
            solara.Button(f"Play round {current.current + 1}", on_click=play_round,
                          color="primary", classes=["regsim-play-round"], disabled=computing)
        elif not games.is_over(workshop, current):
            solara.Button("Next round", on_click=lambda: act(room.next_round), color="primary",
                          classes=["regsim-next-round"])
        else:
            text("The game is over.", ["regsim-strong"])
    with solara.Div(classes=["regsim-game-files"]):
        solara.FileDownload(lambda: games.save(workshop, room.game).encode(),
                            filename=f"{workshop.name}-session.json", label="Save session",
                            mime_type="application/json")
        solara.FileDownload(lambda: _export(workshop, room.game),
                            filename=f"{workshop.name}-game.toml", label="Export scenario",
                            mime_type="application/toml")
        solara.FileDownload(lambda: role_sheets.sheets_html(workshop).encode(),
                            filename=f"{workshop.name}-role-sheets.html",
                            label="Role sheets (print to PDF)", mime_type="text/html")
        solara.Button("End the game", text=True, on_click=lambda: _end(workshop, game,
                                                                       playback))


def _export(workshop: Workshop, current: games.Game) -> bytes:
    try:
        return games.export_toml(workshop, current).encode()
    except ValueError as error:
        return f"# could not export: {error}\n".encode()


def _end(workshop: Workshop, game: solara.Reactive, playback: solara.Reactive) -> None:
    close_own()
    game.set(None)
    playback.set(play.full(workshop.months))
