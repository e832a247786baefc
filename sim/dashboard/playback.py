"""Playback: which computed months the room sees, and Reset / Play / Step / speed.

The dashboard computes the whole horizon at once; playback only reveals it. `shown` is how many
months are revealed (1 .. `months`; the default view shows them all). Every control works in
every state, so there is no dead end in front of the room:

- Reset goes back to the first month and pauses.
- Step reveals exactly one more month; from the last month it starts again at the first.
- Play reveals a month per tick at `speed` months a second; from the last month it starts
  again at the first, and it pauses by itself at `limit` (the horizon, or a game round's end).
- A lever change keeps the position (the new numbers show at once, up to the same month).

Nothing here knows Solara: each operation returns a new `Playback`.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

SPEEDS = {"slow": 2.0, "normal": 6.0, "fast": 12.0, "very fast": 24.0}
"""Play speeds in months revealed per second (120 months: 60 s, 20 s, 10 s, 5 s)."""
DEFAULT_SPEED = "normal"


@dataclass(frozen=True)
class Playback:
    """`shown` months revealed of `months`, playing or not, at `speed` (a SPEEDS key);
    `first` is the first month play may start from and `limit` the last it may reach (a game
    round's window; the whole horizon otherwise)."""

    months: int
    shown: int
    playing: bool = False
    speed: str = DEFAULT_SPEED
    first: int = 1
    limit: int | None = None

    @property
    def end(self) -> int:
        return self.months if self.limit is None else min(self.limit, self.months)

    @property
    def at_end(self) -> bool:
        return self.shown >= self.end

    @property
    def interval_s(self) -> float:
        """Seconds between two revealed months while playing."""
        return 1.0 / SPEEDS.get(self.speed, SPEEDS[DEFAULT_SPEED])

    @property
    def month_index(self) -> int:
        """The index of the last month shown (0-based)."""
        return self.shown - 1


def full(months: int) -> Playback:
    """Every month shown, paused: the instant answer."""
    return Playback(months, months)


def reset(playback: Playback) -> Playback:
    return replace(playback, shown=playback.first, playing=False)


def step(playback: Playback) -> Playback:
    """Exactly one month more; from the end, back to the first month."""
    if playback.at_end:
        return replace(playback, shown=playback.first, playing=False)
    return replace(playback, shown=playback.shown + 1, playing=False)


def play(playback: Playback) -> Playback:
    """Start playing (from the first month if at the end)."""
    shown = playback.first if playback.at_end else playback.shown
    return replace(playback, shown=shown, playing=True)


def pause(playback: Playback) -> Playback:
    return replace(playback, playing=False)


def tick(playback: Playback) -> Playback:
    """One tick of play: a month more, pausing at the end."""
    if not playback.playing:
        return playback
    shown = min(playback.shown + 1, playback.end)
    return replace(playback, shown=shown, playing=shown < playback.end)


def with_speed(playback: Playback, speed: str) -> Playback:
    return replace(playback, speed=speed if speed in SPEEDS else DEFAULT_SPEED)


def window(playback: Playback, first: int, limit: int | None, shown: int | None = None
           ) -> Playback:
    """Limit play to months [first, limit] (a game round), showing `shown` months."""
    target = playback.shown if shown is None else shown
    return replace(playback, first=max(1, first), limit=limit, shown=max(1, target),
                   playing=False)
