"""The dashboard's Solara components: headline strip, chart cards, narrative, levers, playback
controls and the game's panels. `sim.dashboard.app` wires them to the session.

The heavy panels are single template widgets (`sim.dashboard.widgets`) fed plain data;
every string from a scenario or a saved session (questions, labels, team names, event
sentences) reaches the browser as data and is shown as text, never as markup.
"""

# Solara components are named like classes (PascalCase).
# ruff: noqa: N802

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import solara

from sim.dashboard import game as games
from sim.dashboard import lever_notes, live_charts, widgets
from sim.dashboard.headlines import ChartSpec
from sim.dashboard.levers import Lever
from sim.dashboard.live_charts import Actor, HeadlineValue
from sim.dashboard.payloads import payloads
from sim.dashboard.playback import SPEEDS, Playback
from sim.dashboard.roles import Role
from sim.dashboard.runs import RunSet
from sim.presentation import wording
from sim.presentation.narrative import DigestLine

CHART_HEIGHT_PX = 160
"""Chart height in the lever view (the presenter view's charts fill the screen)."""
NARRATIVE_LIMIT = 30


def text(value: str, classes: list[str] | None = None, style: dict | None = None) -> None:
    """A piece of literal text (scenario strings are never markup)."""
    solara.Text(str(value), classes=classes or [], style=style or {})


@solara.component
def HeadlineStrip(values: list[HeadlineValue], key: str, month: str, hidden: bool,
                  draws: int, reference: str = "reference", progress: str = "",
                  tones: str = "") -> None:
    """The big numbers, current settings against the reference (named `reference`), at the
    month shown ('YYYY-MM'), and the key to every chart's lines; `progress` says over how many
    draws, `tones` whose view the colours take (empty: neutral)."""
    widgets.HeadlineStrip.element(cards=widgets.headline_data(values), key=key, month=month,
                                  when=wording.month(month), draws=draws, hidden=hidden,
                                  reference=reference,
                                  progress=progress or f"mean of {draws} draws", tones=tones)


@solara.component
def LabTable(values: list[HeadlineValue], key: str, hidden: bool,
             reference: str = "reference") -> None:
    """What the labs did: their answers to the rules and the cost to them so far."""
    widgets.LabTable.element(groups=widgets.table_data(values), key=key, hidden=hidden,
                             reference=reference)


@solara.component
def ChartCard(spec: ChartSpec, policy: RunSet | None, baseline: RunSet, shown: int,
              actor: Actor, hidden: bool, key: str, height: int = CHART_HEIGHT_PX,
              font_px: int = live_charts.FONT_PX, reference: bool = True) -> None:
    """One chart with its title and a caption for the month shown. The whole horizon's option
    is built once per result; play only cuts the current settings' lines (`reveal`). Without
    `reference` nothing of the reference is drawn or said (a game that hides it). The result's
    `key` names its numbers, so the payloads are kept under it (`sim.dashboard.payloads`): a
    result shown before is sent again without being rebuilt."""
    drawn = (spec.key, key, hidden, actor, font_px, reference)

    def whole() -> dict:
        return payloads.get(("option", *drawn), lambda: live_charts.chart_option(
            spec, policy, baseline, actor, hidden, font_px, reference))

    option = payloads.get(("json", shown, *drawn),
                          lambda: widgets.to_json(live_charts.reveal(whole(), shown)))
    caption = payloads.get(("caption", shown, *drawn), lambda: live_charts.chart_caption(
        spec, policy, baseline, shown - 1, actor, hidden, reference))
    widgets.ChartCard.element(name=spec.key, title=actor.words(spec.title), caption=caption,
                              key=key, height=height, option_json=option)


@solara.component
def Narrative(lines: list[DigestLine], draw: int, draws: int, on_draw: Callable[[int], None],
              hidden: bool) -> None:
    """What happened in one draw, newest first, filtered and deduplicated."""
    if hidden:
        note, rows = "Hidden until you reveal the results.", []
    else:
        rows = widgets.story_data(lines, NARRATIVE_LIMIT)
        note = "" if rows else "Nothing that changes the story yet."
    widgets.Story.element(
        lines=rows, draw=draw, note=note,
        draws=[{"text": f"draw {i + 1} of {draws}", "value": i} for i in range(draws)],
        on_event=lambda name, data: on_draw(int(data)) if name == "draw" else None)


@solara.component
def Transport(playback: Playback, months: tuple[str, ...], on_reset: Callable[[], None],
              on_play: Callable[[], None], on_step: Callable[[], None],
              on_speed: Callable[[str], None]) -> None:
    """Reset, Play/Pause, Step (one month) and speed, with the months shown."""
    with solara.Div(classes=["regsim-transport"]):
        solara.Button("Reset", on_click=on_reset, classes=["regsim-reset"], outlined=True)
        solara.Button("Pause" if playback.playing else "Play", on_click=on_play,
                      classes=["regsim-play"], color="primary")
        solara.Button("Step +1 month", on_click=on_step, classes=["regsim-step"], outlined=True)
        solara.v.Select(items=list(SPEEDS), v_model=playback.speed, on_v_model=on_speed,
                        dense=True, hide_details=True, class_="regsim-speed", label="speed")
        if months:
            shown = months[min(playback.month_index, len(months) - 1)]
            text(f"{wording.month(months[0])} → {wording.month(shown)}", ["regsim-month"])


@solara.component
def LeverPanel(groups: Sequence[tuple[str, Sequence[Lever]]], values: dict[str, Any],
               on_lever: Callable[[str, Any], None], disabled: bool = False,
               heading: dict[str, str] | None = None) -> None:
    """Lever groups in one widget. A regulator's reach shows only while one of its
    instruments is on (it changes nothing otherwise)."""
    shown = [(title, levers) for title, levers in groups if _relevant(levers, values)]
    levers = {lever.path: lever for _, group in shown for lever in group}

    def on_event(name: str, data: Any) -> None:
        if name != "lever" or not isinstance(data, dict) or not isinstance(
                data.get("path"), str) or data["path"] not in levers:
            return  # the browser sends only the panel's own levers; ignore anything else
        lever = levers[data["path"]]
        if data.get("toggle") is True and lever.control == "switch":
            on_lever(lever.path, not values.get(lever.path))  # every click flips: none lost
        elif "position" in data:
            position = data["position"]
            if isinstance(position, int | float) and not isinstance(position, bool):
                on_lever(lever.path, lever.value_at(float(position)))
        else:
            on_lever(lever.path, data.get("value"))

    notes = solara.use_context(lever_notes.NOTES)  # why a lever changes nothing, if it can't
    data = widgets.lever_groups_data(shown, values, disabled, heading, notes)
    widgets.LeverPanel.element(groups_json=widgets.to_json(data), on_event=on_event)


def _relevant(levers: Sequence[Lever], values: dict[str, Any]) -> bool:
    if not levers or not all(lever.spec.scope == "regulator" for lever in levers):
        return True
    prefix = f"regulators.{levers[0].owner[1]}.policies."
    return any(value for path, value in values.items()
               if path.startswith(prefix) and path.endswith(".enabled"))


# The game ---------------------------------------------------------------------------------------


@solara.component
def SessionFile(label: str, max_bytes: int, on_event: Callable[[str, Any], None]) -> None:
    """A drop zone and a "choose" button for a saved session (see `widgets.SessionFile`)."""
    widgets.SessionFile.element(label=label, max_bytes=max_bytes, on_event=on_event)


@solara.component
def GameSetup(roles: list[Role], on_start: Callable[[list[games.Team]], None]) -> None:
    """Pick the roles in play and name the teams; then start."""
    chosen = solara.use_reactive({role.key: True for role in roles})
    names = solara.use_reactive({role.key: "" for role in roles})
    with solara.Div(classes=["regsim-game-setup"]):
        text("Teams play roles in two-year rounds. Each round, every team sets its levers; "
             "then the model plays the two years out over every draw.",
             ["regsim-lever-explanation"])
        for role in roles:
            with solara.Div(classes=["regsim-role", f"regsim-role-{_css(role.key)}"]):
                solara.Checkbox(label=role.title, value=chosen.value[role.key],
                                on_value=lambda v, k=role.key: chosen.set({**chosen.value,
                                                                           k: bool(v)}))
                text(role.brief, ["regsim-lever-explanation"])
                solara.InputText("team name", value=names.value[role.key],
                                 continuous_update=True,
                                 on_value=lambda v, k=role.key: names.set({**names.value, k: v}))

        def start() -> None:
            on_start([games.Team(role.key, names.value[role.key] or f"Team {i + 1}")
                      for i, role in enumerate(roles) if chosen.value[role.key]])

        solara.Button("Start the game", on_click=start, color="primary",
                      classes=["regsim-start-game"])


@solara.component
def RoundSummaries(summaries: list[games.RoundSummary], played: int) -> None:
    """What happened in each round played, latest first, and why."""
    note = "" if played else "Teams set their levers; then press Play round 1."
    widgets.RoundSummaries.element(
        summaries=[widgets.summary_data(summary) for summary in reversed(summaries)], note=note)


def _css(key: str) -> str:
    return "".join(ch if ch.isalnum() else "-" for ch in key)
