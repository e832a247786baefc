"""A game's optional hidden reference (issue 18): the facilitator's choice and reveal.

In a game the reference (the future with no action: the bundled 2024 policies, or pinned
settings) can be hidden from the projector and the teams' pages until the last round is
played, so the room does not see the no-action future before it decides; the debrief then
compares the road taken with it. The choice is made when the game starts (on by default: see
docs/workshop_game.md), is saved in the session (`sim.dashboard.game.Game.hide_reference`)
and replays; the facilitator may show the reference earlier. While it is hidden, no
reference line, number, difference or label reaches the browser: the page's data leave it
out (`live_charts.without_reference`, `chart_option(reference=False)`, round summaries
without it), not only the display.
"""

# Solara components are named like classes (PascalCase).
# ruff: noqa: N802

from __future__ import annotations

import solara

from sim.dashboard import game as games
from sim.dashboard.parts import text
from sim.dashboard.workshop import Workshop

HIDE_BY_DEFAULT = True
"""A new game hides the reference until its last round unless the facilitator unticks it."""

hide_wanted = solara.reactive(HIDE_BY_DEFAULT)
"""The choice in the game's set-up (per page session)."""


def blind(workshop: Workshop, game: games.Game | None) -> bool:
    """Whether the screens now hide the reference (a game that hides it, before its end)."""
    return game is not None and not games.reference_shown(workshop, game)


@solara.component
def ReferenceChoice() -> None:
    """The switch, in the game's set-up, that hides the reference until the last round."""
    solara.Switch(label="Hide the future with no action until the last round",
                  value=hide_wanted, classes=["regsim-hide-reference"])


@solara.component
def RevealReference(workshop: Workshop, game: solara.Reactive, room=None) -> None:
    """While the reference is hidden: a line saying so and a button that shows it now (in a
    room game the room's game is changed, so the next round keeps it shown)."""
    current: games.Game | None = game.value
    if current is None or not blind(workshop, current):
        return

    def reveal() -> None:
        if room is not None:
            game.set(room.reveal_reference())
        else:
            game.set(games.reveal_reference(game.value))

    with solara.Div(classes=["regsim-reference-hidden"]):
        text("The future with no action is hidden until the last round is played.",
             ["regsim-lever-explanation"])
        solara.Button("Show it now", text=True, on_click=reveal,
                      classes=["regsim-reveal-reference"])
