"""The game mode: teams play roles in two-year rounds; the model computes what follows.

A `Game` holds the teams (a role each, see `sim.dashboard.roles`), the lever values of every
round so far, the round being set and how many rounds have been played (revealed). Round k
covers months [24k, 24k + 23]. The first round's values are the scenario's settings; each later
round's moves become a dated change at the round's first month, in the scenario language's
`[[changes]]` table (keys are `--set` paths). The computation runs the whole horizon with the
rounds decided so far (the current settings carry on to the end), and the dashboard reveals
only the rounds played.

A session saves as a small JSON file (and loads back, validated, never evaluated) and exports
as a scenario file with its dated changes, which `regsim run` reproduces.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from sim.calendar import format_month, parse_month
from sim.dashboard.live_charts import Actor, HeadlineValue, change_words, headline_values
from sim.dashboard.runs import RunSet
from sim.dashboard.workshop import DEFAULT_DRAWS, MAX_DRAWS, Workshop
from sim.presentation.narrative import (
    DigestLine,
    Frequency,
    compare_frequencies,
    digest,
    with_change_notes,
)
from sim.scenario.schema import Scenario

ROUND_MONTHS = 24
"""Months per round: two years, as in Intelligence Rising."""
SESSION_FORMAT = "regsim-workshop-session"
SESSION_VERSION = 1
MAX_SESSION_BYTES = 1_000_000
MAX_SESSION_DEPTH = 8
"""Deepest nesting of arrays and objects a session may hold (a saved one has 4): deeper JSON is
refused before parsing (Python's parser recurses, so a nesting bomb raised RecursionError)."""
MAX_MESSAGE_CHARS = 300
"""A refusal quotes at most this much of the file (a message is one line for the room)."""
MAX_TEAM_NAME = 60


class SessionError(ValueError):
    """A saved session that cannot be loaded; the message is one line for the room."""


@dataclass(frozen=True)
class Team:
    """A team's name and the key of the role it plays."""

    role: str
    name: str


@dataclass(frozen=True)
class Game:
    """Teams, the lever values of each round (full dicts, scenario units), the round being set
    (`current`, 0-based) and the number of rounds played (revealed). `hide_reference`: the
    facilitator chose to hide the reference (the future with no action) until the last round
    is played; `reference_revealed`: the facilitator showed it earlier."""

    teams: tuple[Team, ...]
    rounds: tuple[Mapping[str, Any], ...]
    current: int = 0
    played: int = 0
    draws: int = DEFAULT_DRAWS
    hide_reference: bool = False
    reference_revealed: bool = False

    @property
    def values(self) -> Mapping[str, Any]:
        """The lever values of the round being set."""
        return self.rounds[self.current]

    @property
    def current_played(self) -> bool:
        return self.played > self.current


def round_count(months: int) -> int:
    return max(1, math.ceil(months / ROUND_MONTHS))


def round_window(months: int, index: int) -> tuple[int, int]:
    """The month indices [first, last] of round `index` (0-based)."""
    first = index * ROUND_MONTHS
    return first, min(first + ROUND_MONTHS, months) - 1


def round_dates(workshop: Workshop, index: int) -> tuple[str, str]:
    """The first and last month of round `index`, as 'YYYY-MM'."""
    first, last = round_window(workshop.months, index)
    start = parse_month(workshop.start)
    return format_month(start + first), format_month(start + last)


def new_game(workshop: Workshop, teams: Sequence[Team], values: Mapping[str, Any],
             draws: int = DEFAULT_DRAWS, hide_reference: bool = False) -> Game:
    """A game starting from `values` (the current levers) in round 1, nothing played;
    `hide_reference` hides the reference until the last round is played."""
    known = {role.key for role in workshop.roles}
    teams = tuple(Team(t.role, _team_name(t.name)) for t in teams if t.role in known)
    return Game(teams, (dict(workshop.values(values)),), 0, 0, int(draws),
                hide_reference=bool(hide_reference))


def reference_shown(workshop: Workshop, game: Game) -> bool:
    """Whether the game's screens show the reference: always, unless the facilitator chose to
    hide it; then once the last round is played, or once the facilitator reveals it."""
    return (not game.hide_reference or game.reference_revealed
            or is_over(workshop, game))


def reveal_reference(game: Game) -> Game:
    """The game with its hidden reference shown from now on (the facilitator's choice)."""
    return replace(game, reference_revealed=True)


def controlled_paths(workshop: Workshop, game: Game) -> set[str]:
    """The levers the teams hold (the roles in play)."""
    roles = {role.key: role for role in workshop.roles}
    return {lever.path for team in game.teams if team.role in roles
            for lever in roles[team.role].levers(workshop.levers)}


def set_lever(workshop: Workshop, game: Game, path: str, value: Any) -> Game:
    """The game with one lever of the current round set. Played rounds are history: a lever
    change after the current round was played is refused (ValueError), as is a lever no team
    holds."""
    if game.current_played:
        raise ValueError("this round has been played: start the next round to change levers")
    if path not in controlled_paths(workshop, game):
        raise ValueError(f"no team holds the lever {path}")
    values = dict(game.values)
    values[path] = workshop.lever(path).coerce(value)
    rounds = (*game.rounds[: game.current], values)
    return replace(game, rounds=rounds)


def play_round(game: Game) -> Game:
    return replace(game, played=max(game.played, game.current + 1))


def next_round(workshop: Workshop, game: Game) -> Game:
    """Move to the next round (the levers start where the last round left them)."""
    if not game.current_played:
        raise ValueError("play this round first")
    if game.current + 1 >= round_count(workshop.months):
        raise ValueError("that was the last round")
    rounds = game.rounds[: game.current + 1]
    if len(game.rounds) > game.current + 1:  # a replayed session: the next round is stored
        rounds = game.rounds[: game.current + 2]
    else:
        rounds = (*rounds, dict(rounds[-1]))
    return replace(game, rounds=rounds, current=game.current + 1)


def is_over(workshop: Workshop, game: Game) -> bool:
    return game.current_played and game.current + 1 >= round_count(workshop.months)


# The scenario of a game ---------------------------------------------------------------------


def moves(workshop: Workshop, game: Game, index: int) -> dict[str, Any]:
    """What round `index` changed: {path: value} against the previous round (round 1: against
    the scenario)."""
    before = workshop.defaults() if index == 0 else game.rounds[index - 1]
    now = game.rounds[index]
    levers = {lever.path: lever for lever in workshop.levers}
    return {path: value for path, value in now.items()
            if value is not None and not _same(levers[path], before.get(path), value)}


def dated_changes(workshop: Workshop, game: Game, upto: int | None = None
                  ) -> list[dict[str, Any]]:
    """The `[[changes]]` entries of rounds 2 .. `upto` + 1 (default: the round being set)."""
    last = game.current if upto is None else upto
    entries = []
    for index in range(1, last + 1):
        changed = moves(workshop, game, index)
        if changed:
            month = round_dates(workshop, index)[0]
            entries.append({"month": month, "set": changed})
    return entries


def game_scenario(workshop: Workshop, game: Game) -> Scenario:
    """The scenario the game has decided so far: round 1's levers, later rounds as dated
    changes. Raises ValueError if the result is invalid."""
    return workshop.scenario_with(game.rounds[0], game.draws, _extra(workshop, game))


def export_toml(workshop: Workshop, game: Game) -> str:
    """The game as a scenario file with dated changes; `regsim run` reproduces it."""
    teams = ", ".join(f"{team.name} as {_role_title(workshop, team.role)}" for team in game.teams)
    note = (f"Game of {game.current + 1} round(s) of {ROUND_MONTHS} months"
            + (f"; teams: {teams}" if teams else "") + ".")
    return workshop.export_toml(game.rounds[0], game.draws, _extra(workshop, game), note=note)


def _extra(workshop: Workshop, game: Game) -> dict[str, Any]:
    changes = dated_changes(workshop, game)
    return {"changes": changes} if changes else {}


def _same(lever: Any, before: Any, now: Any) -> bool:
    if isinstance(before, float) and isinstance(now, int | float) and not isinstance(now, bool):
        return math.isclose(before, float(now), rel_tol=1e-9, abs_tol=1e-12)
    return before == now


def _role_title(workshop: Workshop, key: str) -> str:
    return next((role.title for role in workshop.roles if role.key == key), key)


def _team_name(name: str) -> str:
    """The name on one line without control or format characters (a control character made
    the exported scenario invalid; bidi marks reverse the text around them)."""
    shown = "".join(" " if unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp") else ch
                    for ch in str(name))
    text = " ".join(shown.split())[:MAX_TEAM_NAME]
    return text or "a team"


# Round summaries --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Decision:
    """What one team (or the facilitator) changed at a round's start, in words."""

    who: str
    changes: tuple[str, ...]


def decisions(workshop: Workshop, game: Game, index: int) -> list[Decision]:
    """Each team's moves at the start of round `index`, in plain words; the teams that moved
    nothing share one line ('No change'); moves on levers no team holds are the facilitator's."""
    changed = moves(workshop, game, index)
    levers = {lever.path: lever for lever in workshop.levers}
    roles = {role.key: role for role in workshop.roles}
    told: list[Decision] = []
    still: list[str] = []
    claimed: set[str] = set()
    for team in game.teams:
        role = roles.get(team.role)
        if role is None:
            continue
        paths = [lever.path for lever in role.levers(workshop.levers)]
        words = tuple(levers[p].describe(changed[p]) for p in paths if p in changed)
        claimed.update(paths)
        if words:
            told.append(Decision(f"{team.name} ({role.title})", words))
        else:
            still.append(team.name)
    others = tuple(levers[p].describe(v) for p, v in changed.items() if p not in claimed)
    if others:
        told.append(Decision("The facilitator", others))
    if still:
        told.append(Decision("No change", (", ".join(still),)))
    return told


@dataclass(frozen=True)
class Outcome:
    """A headline at a round's end: the current settings, as written, and the change since the
    previous round's end (words)."""

    label: str
    value: str
    baseline: str
    since_last_round: str


@dataclass(frozen=True)
class RoundSummary:
    """What happened in one round and why: the decisions, the headlines at its end, the events
    whose frequency over the draws differs most from the scenario as written, and the story of
    the draw shown."""

    number: int
    first_month: str
    last_month: str
    decisions: tuple[Decision, ...]
    outcomes: tuple[Outcome, ...]
    frequencies: tuple[Frequency, ...]
    story: tuple[DigestLine, ...]
    draws: int
    reference: bool = True
    """False while the reference is hidden: no outcome or frequency names its value."""
    reference_label: str = "as written"
    """The reference's name on the page ('2024 policies'), which the summary's figures cite."""


def round_summary(workshop: Workshop, game: Game, index: int, policy: RunSet,
                  baseline: RunSet, actor: Actor, story_draw: int = 0,
                  reference: bool = True, reference_label: str = "as written") -> RoundSummary:
    """The summary of round `index` (0-based) from the game's computed draws; without
    `reference` nothing of the reference is in it (the events are picked by frequency alone,
    not by their difference from the reference)."""
    first, last = round_window(workshop.months, index)
    at_end = headline_values(policy, baseline, last, actor)
    before = headline_values(policy, baseline, first - 1, actor) if first > 0 else None
    outcomes = []
    for position, entry in enumerate(at_end):
        if before is None:
            since = "first round"
        else:
            change = entry.value - before[position].value
            since = _since(entry, change)
        outcomes.append(Outcome(entry.label, entry.text,
                                entry.baseline_text if reference else "", since))
    events = [draw.events for draw in policy.draws]
    written = [draw.events for draw in baseline.draws] if reference else []
    draw = policy.draws[min(max(story_draw, 0), policy.size - 1)]
    start, end = round_dates(workshop, index)
    notes = {change.month: change.note for change in workshop.original.changes if change.note}
    return RoundSummary(index + 1, start, end, tuple(decisions(workshop, game, index)),
                        tuple(outcomes), tuple(compare_frequencies(events, written, first, last)),
                        tuple(digest(with_change_notes(draw.events, notes), first, last)),
                        policy.size, reference, reference_label)


def revealed_summaries(workshop: Workshop, game: Game, policy: RunSet, baseline: RunSet,
                       actor: Actor, story_draw: int, shown: int,
                       reference_label: str = "as written") -> list[RoundSummary]:
    """The summaries of the rounds played whose last month has been revealed (`shown`
    months), without the reference while it is hidden (`reference_shown`); the reference's
    figures are cited by its name on the page, `reference_label`."""
    reference = reference_shown(workshop, game)
    done = []
    for index in range(min(game.played, game.current + 1)):
        last = round_window(workshop.months, index)[1]
        if last < shown:
            done.append(round_summary(workshop, game, index, policy, baseline, actor,
                                      story_draw, reference, reference_label))
    return done


def _since(entry: HeadlineValue, change: float) -> str:
    if not math.isfinite(change):
        return "n/a"
    if abs(change) < 1e-9:
        return "unchanged this round"
    return f"{change_words(entry.unit, change)} this round"


# Saving and loading a session ---------------------------------------------------------------------


class _SavedRound(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)
    month: str
    set: dict[str, Any] = Field(default_factory=dict)


class _SavedTeam(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)
    role: str = Field(max_length=100)
    name: str = Field(max_length=200)


class _SavedSession(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)
    format: str
    version: int
    scenario: str
    scenario_sha256: str
    draws: int
    teams: list[_SavedTeam] = Field(max_length=20)
    rounds: list[_SavedRound] = Field(min_length=1, max_length=100)
    current: int = Field(ge=0)
    played: int = Field(ge=0)
    hide_reference: bool = False
    """Absent in sessions saved before the choice existed: they showed the reference."""


def scenario_digest(workshop: Workshop) -> str:
    """The SHA-256 of the scenario as written, to tell a session of another scenario apart."""
    return hashlib.sha256(workshop.original.to_toml().encode()).hexdigest()


def save(workshop: Workshop, game: Game) -> str:
    """The session as JSON: teams, and each round's moves against the scenario."""
    levers = {lever.path: lever for lever in workshop.levers}
    rounds = []
    for index, values in enumerate(game.rounds):
        moved = {path: value for path, value in values.items()
                 if value is not None and not levers[path].is_default(value)}
        rounds.append({"month": round_dates(workshop, index)[0], "set": moved})
    session = {
        "format": SESSION_FORMAT, "version": SESSION_VERSION, "scenario": workshop.name,
        "scenario_sha256": scenario_digest(workshop), "draws": game.draws,
        "teams": [{"role": team.role, "name": team.name} for team in game.teams],
        "rounds": rounds, "current": game.current, "played": game.played,
        "hide_reference": game.hide_reference,
    }
    return json.dumps(session, indent=1, sort_keys=False)


def load(workshop: Workshop, text: str | bytes) -> Game:
    """A saved session, checked against this scenario. Raises SessionError (one short line)
    for anything else: no other exception escapes, whatever the bytes."""
    try:
        return _load(workshop, text)
    except SessionError as error:
        message = " ".join(str(error).split())
        if len(message) > MAX_MESSAGE_CHARS:
            message = message[: MAX_MESSAGE_CHARS - 1] + "…"
        raise SessionError(message) from None


def _load(workshop: Workshop, text: str | bytes) -> Game:
    if not isinstance(text, str | bytes):
        raise SessionError("not a saved session (not text)")
    if len(text) > MAX_SESSION_BYTES:
        raise SessionError(f"the session file is larger than {MAX_SESSION_BYTES:,} bytes")
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8")
        except UnicodeDecodeError:
            raise SessionError("not a saved session (not UTF-8 text)") from None
    if _nesting_depth(text) > MAX_SESSION_DEPTH:
        raise SessionError(f"not a saved session (nested deeper than {MAX_SESSION_DEPTH} "
                           "levels)")
    try:
        data = json.loads(text, parse_constant=_refuse_constant)
    except (ValueError, RecursionError) as error:
        raise SessionError(f"not a saved session (not JSON: {error})") from None
    try:
        saved = _SavedSession.model_validate(data)
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or "file"
        raise SessionError(f"not a saved session: {where}: {first['msg']}") from None
    if saved.format != SESSION_FORMAT or saved.version != SESSION_VERSION:
        raise SessionError(f"not a saved session of this dashboard (format {saved.format!r} "
                           f"version {saved.version})")
    if saved.scenario_sha256 != scenario_digest(workshop):
        raise SessionError(f"this session was played on scenario {saved.scenario!r}, which "
                           f"differs from {workshop.name!r}: open that scenario first")
    if not 1 <= saved.draws <= MAX_DRAWS:
        raise SessionError(f"draws: expected 1 to {MAX_DRAWS}, found {saved.draws}")
    if len(saved.rounds) > round_count(workshop.months):
        raise SessionError(f"{len(saved.rounds)} rounds do not fit the scenario's horizon")
    rounds = []
    for index, entry in enumerate(saved.rounds):
        unset = sorted(path for path, value in entry.set.items() if value is None)
        if unset:
            raise SessionError(f"round {index + 1}: {unset[0]}: expected a value, found null")
        try:
            rounds.append(workshop.values(entry.set))
        except ValueError as error:
            raise SessionError(f"round {index + 1}: {error}") from None
    current = min(saved.current, len(rounds) - 1)
    played = min(saved.played, current + 1)
    teams = [Team(team.role, team.name) for team in saved.teams]
    game = new_game(workshop, teams, rounds[0], saved.draws, saved.hide_reference)
    game = replace(game, rounds=tuple(rounds), current=current, played=played)
    _check_playable(workshop, game)
    return game


def _check_playable(workshop: Workshop, game: Game) -> None:
    """Refuse a session whose rounds, all of them, do not make a valid scenario (values out of
    range): it is refused when loaded, not when a later round is played."""
    whole = replace(game, current=len(game.rounds) - 1)
    try:
        game_scenario(workshop, whole)
    except ValueError as error:  # pydantic's ValidationError is a ValueError
        lines = str(error).splitlines()
        detail = "; ".join(line.strip() for line in lines[1:3]) if len(lines) > 1 else lines[0]
        raise SessionError(f"the session's settings are not a valid scenario: {detail}") \
            from None


_JSON_STRING = re.compile(r'"(?:[^"\\]|\\.)*"')


def _nesting_depth(text: str) -> int:
    """How deeply arrays and objects nest in JSON text (strings skipped), without parsing it."""
    depth = deepest = 0
    for bracket in re.findall(r"[\[\]{}]", _JSON_STRING.sub("", text)):
        if bracket in "[{":
            depth += 1
            deepest = max(deepest, depth)
        else:
            depth -= 1
    return deepest


def _refuse_constant(name: str) -> None:
    raise ValueError(f"{name} is not a number JSON allows")


def replay(game: Game) -> Game:
    """The same session from its first round, nothing played (to step through it again); a
    reference hidden in the session is hidden again until the last round."""
    return replace(game, current=0, played=0, reference_revealed=False)
