"""The workshop dashboard page (served by `regsim app`, i.e. `solara run sim.presentation.app`).

This module only wires things together: Mesa's SolaraViz (Reset, Step, play and speed), a
scenario picker, the policy levers, the question card, the live charts and the event narrative.
The levers live in the sidebar below Mesa's controls; moving one rebuilds the model at once, and
Mesa's Reset rebuilds it from the same lever settings (handed over as a fixed model parameter).
The logic lives in `sim.presentation.workshop` (levers, scenario, model, baseline),
`sim.presentation.live_charts` (figures, captions) and `sim.presentation.narrative`.
The scenario to open comes from the REGSIM_APP_SCENARIO environment variable.
"""

# Solara components are named like classes (PascalCase), and Solara serves the one named Page.
# ruff: noqa: N802

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import solara
from mesa.visualization import SolaraViz
from mesa.visualization.utils import update_counter

from sim.experiments.runner import release_model
from sim.presentation.live_charts import CHARTS, caption, chart, format_capability, latest
from sim.presentation.narrative import story
from sim.presentation.workshop import (
    MAX_DRAW,
    Lever,
    LeverSettings,
    Workshop,
    WorkshopModel,
    default_scenario_path,
    load_workshop,
    picker_choices,
)

NARRATIVE_LIMIT = 60
PLAY_INTERVAL_MS = 250
TAG_COLOURS = {
    "policy": "#1565c0", "repeal": "#6d4c41", "compliance": "#2e7d32", "penalty": "#c62828",
    "relocation": "#ef6c00", "security": "#455a64", "absorption": "#6a1b9a",
    "distillation": "#00838f", "theft": "#b71c1c", "incident": "#d84315", "release": "#616161",
}

STYLE = """
/* Mesa's "Model Parameters" card stays empty: the levers have their own panel. */
.v-card:has(> .v-card__text > .v-sheet:empty) { display: none; }
.regsim-chart img { width: 100%; }
.v-card__title { word-break: normal; }
"""

selected_path = solara.reactive("")


def _labels(model: WorkshopModel) -> dict[str, str]:
    return {state.name: state.label for state in model.state_list}


@solara.component
def ChartCard(model: WorkshopModel, key: str) -> None:
    """One chart: the live run over its faint baseline, and this month's values in words."""
    update_counter.get()
    entry = chart(key)
    live, baseline = model.live_frame(), model.baseline_frame()
    version = [id(model), model.step_index]
    figure = solara.use_memo(lambda: entry.draw(live, baseline, _labels(model)), version)
    with solara.Card(entry.title, classes=["regsim-chart", f"regsim-chart-{key}"]):
        solara.FigureMatplotlib(figure, format="png", dependencies=version)
        solara.Text(caption(key, live, baseline, _labels(model)),
                    classes=["regsim-caption"], style={"font-size": "0.9em"})
        if key == "capability":
            value = format_capability(latest(live, "open_frontier_capability"))
            solara.Text(f"Open-weight frontier now: {value}", classes=["regsim-open-frontier"],
                        style={"display": "block", "font-size": "0.9em"})


@solara.component
def QuestionCard(model: WorkshopModel) -> None:
    """The scenario's question and what the levers changed in this run."""
    update_counter.get()
    changes = model.changes()
    with solara.Card(model.workshop.name, classes=["regsim-question"]):
        # Text, never Markdown: a scenario's question is data and may hold HTML or templates.
        solara.Text(model.workshop.question, classes=["regsim-question-text"],
                    style={"display": "block", "font-weight": "bold", "margin-bottom": "8px"})
        if changes:
            solara.Text("This run changes: " + "; ".join(changes) + ".",
                        classes=["regsim-changes"])
        else:
            solara.Text("This run is the scenario as written (it matches the dashed baseline).",
                        classes=["regsim-changes"])
        solara.Text("Move a lever on the left: the run restarts from the first month with it. "
                    "Dashed lines show the scenario as written, with the same luck.",
                    style={"display": "block", "font-size": "0.85em", "color": "#666"})


@solara.component
def Narrative(model: WorkshopModel) -> None:
    """What happened and why, newest first, in the model's own words."""
    update_counter.get()
    # Mesa 3.3 keeps every model alive in a class-level dict: let go of the previous one.
    solara.use_effect(lambda: functools.partial(release_model, model), [model])
    lines = story(model.events.events, newest_first=True, limit=NARRATIVE_LIMIT)
    with (solara.Card("What happened, newest first", classes=["regsim-narrative-card"]),
          solara.Div(classes=["regsim-narrative"],
                     style={"max-height": "300px", "overflow-y": "auto"})):
            if not lines:
                solara.Text("Nothing yet: press Step or play.")
            for line in lines:
                _story_line(line.month, line.tag, line.text)


def _story_line(month: str, tag: str, text: str) -> None:
    colour = TAG_COLOURS.get(tag, "#616161")
    with solara.Div(classes=["regsim-event"], style={"margin-bottom": "4px"}):
        solara.Text(month, style={"font-weight": "bold", "margin-right": "6px"})
        solara.Text(tag, style={"background": colour, "color": "white", "border-radius": "4px",
                                "padding": "0 4px", "margin-right": "6px",
                                "font-size": "0.8em"})
        solara.Text(text)


@solara.component
def ScenarioPicker(current: str) -> None:
    """The bundled scenarios with their questions; picking one reloads the dashboard."""
    items = [{"text": f"{entry.name}: {entry.question}", "value": str(entry.path.resolve())}
             for entry in picker_choices(current)]
    with solara.Card("Scenario", classes=["regsim-picker"]):
        solara.v.Select(label="Pick a scenario", items=items, v_model=current,
                        on_v_model=selected_path.set, hide_details=True)


@solara.component
def LeverPanel(workshop: Workshop, values: dict[str, Any], draw: int,
               on_lever: Callable[[str, Any], None], on_draw: Callable[[int], None]) -> None:
    """The scenario's policy levers, each showing its value; a change restarts the run."""
    with solara.Card("Policy levers", classes=["regsim-levers"]):
        solara.Text("Changing a lever restarts the run from the first month (after a finished "
                    "run, press Reset).", style={"font-size": "0.85em", "color": "#666"})
        for group, levers in workshop.groups():
            with solara.Div(classes=["regsim-lever-group"], style={"margin-top": "12px"}):
                solara.Text(group, style={"font-weight": "bold"})
                for lever in levers:
                    _lever_control(lever, values[lever.key], on_lever)
        solara.SliderInt(f"Draw of chance: {draw} (0 = the scenario's own seed)", value=draw,
                         min=0, max=MAX_DRAW, on_value=on_draw)


SIDEBAR_DEPTH_BELOW_MESA = 3
"""Solara orders sidebar content by the depth of the component that adds it (offset
2 ** depth); SolaraViz adds its controls two levels below the Dashboard, so the levers are added
three levels below it to come after Reset, play and Step."""


@solara.component
def LaterInSidebar(render: Callable[[], None], levels: int = SIDEBAR_DEPTH_BELOW_MESA) -> None:
    """Put what `render` draws in the sidebar, `levels` components deeper (so further down)."""
    if levels > 1:
        LaterInSidebar(render, levels - 1)
        return
    with solara.Sidebar():
        render()


def _lever_control(lever: Lever, value: Any, on_lever: Callable[[str, Any], None]) -> None:
    def change(new: Any) -> None:
        on_lever(lever.key, new)

    with solara.Div(classes=["regsim-lever", f"regsim-lever-{lever.key}"]):
        if lever.kind == "switch":
            solara.Checkbox(label=lever.name, value=bool(value), on_value=change)
        elif lever.kind == "choice":
            solara.Select(label=lever.name, values=list(lever.choices), value=value,
                          on_value=change)
        else:
            solara.SliderFloat(f"{lever.name}: {lever.shown(value)}", value=float(value),
                               min=lever.minimum, max=lever.maximum, step=lever.step,
                               on_value=change)


def _chart_component(key: str) -> Any:
    def component(model: WorkshopModel) -> Any:
        return ChartCard(model, key)

    component.__name__ = f"{key}_chart"
    return component


COMPONENTS = [QuestionCard, Narrative, *(_chart_component(entry.key) for entry in CHARTS)]


@solara.component
def Dashboard(path: str) -> None:
    """SolaraViz for one scenario, with its levers; lever changes rebuild the model."""
    workshop = load_workshop(path)
    values = solara.use_reactive(workshop.defaults())
    draw = solara.use_reactive(0)
    settings = solara.use_memo(lambda: LeverSettings(dict(values.value), draw.value), [])
    model = solara.use_memo(lambda: solara.reactive(WorkshopModel(path, settings)), [])

    def restart() -> None:
        settings.values, settings.draw = dict(values.value), draw.value
        model.value = WorkshopModel(path, settings)

    def on_lever(key: str, value: Any) -> None:
        values.value = {**values.value, key: value}
        restart()

    def on_draw(value: int) -> None:
        draw.value = int(value)
        restart()

    with solara.Sidebar():
        ScenarioPicker(path)
    LaterInSidebar(lambda: LeverPanel(workshop, values.value, draw.value, on_lever, on_draw))
    SolaraViz(
        model,
        components=list(COMPONENTS),
        model_params={"scenario_path": path, "settings": settings},
        name=f"regsim workshop: {workshop.name}",
        play_interval=PLAY_INTERVAL_MS,
    )


@solara.component
def Page() -> None:
    """The dashboard for the picked scenario (the `regsim app` one at first)."""
    path = load_workshop(selected_path.value or default_scenario_path()).path
    solara.Title(f"regsim workshop: {load_workshop(path).name}")
    solara.Style(STYLE)
    Dashboard(path).key(path)
