"""The room's game: one shared game per join code, played by teams from their own devices.

Solara keeps state per connection (a module-level `solara.reactive` is per page session), so
the game every page of a room sees is a plain object here: `Room`, found by its join code in
this server's registry. Its updates take a lock; after each one every subscribed page is told
(its listener only schedules the redraw on that page's own event loop, so no page renders
inside another page's event handler or off its loop).

Secrecy: a team's moves for the round being set are held in its seat, apart from the game, and
only that seat's holder reads them (`moves_of`); the facilitator reads who is ready, never what
they chose (`readiness`). `collect` writes every team's moves into the round (the game's
dated changes, `sim.dashboard.game`); from then on they are the game's, shown when the round
is played. The join code is random (`secrets`), 6 characters of an alphabet without look-alike
letters (31^6, about 8.9e8 codes); a page that tries `MAX_JOIN_TRIES` wrong codes is refused.

Nothing here imports Solara: the callbacks are given by the pages (`sim.dashboard.team_page`).
"""

from __future__ import annotations

import secrets
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from sim.dashboard import game as games
from sim.dashboard.followers import Followed
from sim.dashboard.roles import Role
from sim.dashboard.workshop import Workshop

CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
"""Upper-case letters and digits without 0/O and 1/I (read aloud and typed on phones)."""
CODE_LENGTH = 6
MAX_JOIN_TRIES = 5
"""Wrong join codes a page may try before it is refused (guessing one of ~1e9 codes)."""
MAX_ROOMS = 20
"""Open rooms per server; the oldest is closed when a facilitator opens one more."""


@dataclass
class Seat:
    """A team's place in the room: who holds it (a page's token), whether it is ready, and its
    moves for the round being set ({lever path: value}, this team's levers only)."""

    team: games.Team
    holder: str = ""
    ready: bool = False
    moves: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class SeatStatus:
    """What the facilitator sees of a seat: never its moves."""

    name: str
    role: str
    taken: bool
    ready: bool


class Room(Followed):
    """One game shared by the facilitator's page and the teams' pages (thread-safe)."""

    def __init__(self, code: str, workshop: Workshop, game: games.Game) -> None:
        super().__init__()
        self.code = code
        self.workshop = workshop
        self._game = game
        self._seats = [Seat(team) for team in game.teams]
        self._collected = False
        self._closed = False

    # Reading ----------------------------------------------------------------------------------

    @property
    def game(self) -> games.Game:
        with self._lock:
            return self._game

    @property
    def collected(self) -> bool:
        """Whether this round's moves have been collected (locked until the next round)."""
        with self._lock:
            return self._collected

    @property
    def closed(self) -> bool:
        with self._lock:
            return self._closed

    def role_of(self, seat: int) -> Role | None:
        key = self._seats[seat].team.role
        return next((role for role in self.workshop.roles if role.key == key), None)

    def teams(self) -> list[games.Team]:
        return [seat.team for seat in self._seats]

    def free_seats(self) -> list[int]:
        with self._lock:
            return [i for i, seat in enumerate(self._seats) if not seat.holder]

    def seat_of(self, holder: str) -> int | None:
        with self._lock:
            return next((i for i, seat in enumerate(self._seats)
                         if holder and seat.holder == holder), None)

    def moves_of(self, holder: str) -> dict[str, Any]:
        """The moves of the holder's own seat (nothing for anyone else)."""
        with self._lock:
            index = self.seat_of(holder)
            return {} if index is None else dict(self._seats[index].moves)

    def is_ready(self, holder: str) -> bool:
        with self._lock:
            index = self.seat_of(holder)
            return index is not None and self._seats[index].ready

    def readiness(self) -> list[SeatStatus]:
        """Each team, its role's title, whether a device holds its seat and whether it is
        ready: what the facilitator's screen shows (not the moves)."""
        with self._lock:
            return [SeatStatus(seat.team.name, _title(self.role_of(i), seat.team.role),
                               bool(seat.holder), seat.ready)
                    for i, seat in enumerate(self._seats)]

    # Changing ---------------------------------------------------------------------------------

    def claim(self, index: int, holder: str) -> bool:
        """Seat `holder` (a page) at team `index` if that seat is free; a page holds one seat."""
        with self._lock:
            if self._closed or not 0 <= index < len(self._seats) or not holder:
                return False
            if self._seats[index].holder not in ("", holder):
                return False
            for seat in self._seats:
                if seat.holder == holder:
                    seat.holder = ""
            self._seats[index].holder = holder
        self._notify()
        return True

    def release(self, holder: str) -> None:
        """Free the seat a page held (the page closed, or the facilitator freed it)."""
        with self._lock:
            for seat in self._seats:
                if holder and seat.holder == holder:
                    seat.holder = ""
        self._notify()

    def free(self, index: int) -> None:
        """The facilitator frees a seat (a team's device was lost): moves are kept."""
        with self._lock:
            if 0 <= index < len(self._seats):
                self._seats[index].holder = ""
        self._notify()

    def set_move(self, holder: str, path: str, value: Any) -> None:
        """The holder's team sets one of its own levers for the round being set. Raises
        ValueError: no seat, a lever this team does not hold, the round collected or played."""
        with self._lock:
            index = self.seat_of(holder)
            if index is None:
                raise ValueError("this page holds no team's seat")
            if self._collected or self._game.current_played:
                raise ValueError("the moves of this round have been collected")
            role = self.role_of(index)
            paths = {lever.path for lever in role.levers(self.workshop.levers)} if role else set()
            if path not in paths:
                raise ValueError("your team does not hold that lever")
            seat = self._seats[index]
            coerced = self.workshop.lever(path).coerce(value)
            seat.moves[path] = coerced
            seat.ready = False
        self._notify()

    def set_ready(self, holder: str, ready: bool) -> None:
        with self._lock:
            index = self.seat_of(holder)
            if index is None or self._collected:
                return
            self._seats[index].ready = bool(ready)
        self._notify()

    def collect(self) -> games.Game:
        """Write every team's moves into the round being set; they are locked until the next
        round. Raises ValueError if the round was played."""
        with self._lock:
            game = self._game
            if game.current_played:
                raise ValueError("this round has been played")
            for seat in self._seats:
                for path, value in seat.moves.items():
                    game = games.set_lever(self.workshop, game, path, value)
            self._game = game
            self._collected = True
        self._notify()
        return game

    def play(self) -> games.Game:
        with self._lock:
            if not self._collected:
                raise ValueError("collect the teams' moves first")
            self._game = games.play_round(self._game)
            game = self._game
        self._notify()
        return game

    def next_round(self) -> games.Game:
        """The next round: moves cleared (levers start where the last round left them)."""
        with self._lock:
            self._game = games.next_round(self.workshop, self._game)
            self._collected = False
            for seat in self._seats:
                seat.moves.clear()
                seat.ready = False
            game = self._game
        self._notify()
        return game

    def reveal_reference(self) -> games.Game:
        """Show the game's hidden reference from now on (the facilitator's choice)."""
        with self._lock:
            self._game = games.reveal_reference(self._game)
            game = self._game
        self._notify()
        return game

    def close(self) -> None:
        with self._lock:
            self._closed = True
        self._notify()



def _title(role: Role | None, key: str) -> str:
    return role.title if role is not None else key


# The server's rooms -------------------------------------------------------------------------

_ROOMS: dict[str, Room] = {}
_ROOMS_LOCK = threading.Lock()


def new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def open_room(workshop: Workshop, game: games.Game) -> Room:
    """A new room for `game` under a fresh join code."""
    with _ROOMS_LOCK:
        while len(_ROOMS) >= MAX_ROOMS:
            oldest = next(iter(_ROOMS))
            _ROOMS.pop(oldest).close()
        code = new_code()
        while code in _ROOMS:
            code = new_code()
        room = Room(code, workshop, replace(game))
        _ROOMS[code] = room
        return room


def normal_code(typed: Any) -> str:
    """A typed code as stored: upper case, spaces and dashes dropped ('' if not text)."""
    if not isinstance(typed, str):
        return ""
    return "".join(ch for ch in typed.upper() if ch not in " -\t")[:CODE_LENGTH + 4]


def find(typed: Any) -> Room | None:
    """The open room with this join code, else None."""
    code = normal_code(typed)
    with _ROOMS_LOCK:
        found = next((room for stored, room in _ROOMS.items()
                      if secrets.compare_digest(stored, code)), None)
    return None if found is None or found.closed else found


def close_room(room: Room) -> None:
    with _ROOMS_LOCK:
        if _ROOMS.get(room.code) is room:
            del _ROOMS[room.code]
    room.close()


def seat_values(room: Room, holder: str) -> Mapping[str, Any]:
    """The lever values a seat's page shows: the round's values with its own moves on top."""
    return {**room.game.values, **room.moves_of(holder)}
