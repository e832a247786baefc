"""Does the settings' effect on the competitor's lag hold however the competitor catches up?

Model v3 offers several formulations of how a competitor state's labs catch up
(`world.follower.catch_up`: learning from any better model it can reach, training with its own
chips, building on open models; docs/model.md section 7.3). The dashboard's main answer uses
the reference's formulation. Once that answer is complete, the settings and the reference are
also computed under each other formulation, on the same draws (seeds), in the background
(`sim.dashboard.compute.Engine.background`, queued before the neighbouring settings, so the
page's own requests always come first), and the page says in one line per headline competitor
outcome whether the effect holds under all of them.

The verdict follows `regsim compare --formulations` exactly (`sim.experiments.formulations`):
the same blocks (the reference block, then one block per other option), the same paired
differences and 95% t-intervals (`sim.experiments.compare.paired_comparison`), the same sign
per block (`effect_sign`) and the same verdict over blocks (`robustness`): *robust* (the same
clear direction under every formulation), *partial* (clear under some, no clear effect under
the others), *flips* (clearly opposite under some), *none* (no clear effect under any). Only
the words differ: the dashboard's are for a room ("Widens the PRC's lag under all 3 ways of
catching up (+0.4 to +1.4 months)"). Like the dashboard's other numbers, these intervals
cover the draws of chance only.

On request (a button under the verdict, `UncertainVerdict`), the same verdict over the
uncertain parameters too, as `regsim compare --formulations --uncertainty` gives it: replicate
r draws the reference's uncertain parameters (`uncertain_parameters`: its `[uncertainty]`
table, else the model's documented ranges, less the formulation fields) from the same Latin
hypercube with the same root seed (`replicate_draws`), applied alike to the settings and the
reference of every block, and runs with replicate r's seed. Each side of a block is then one
scenario per replicate (`Plan.drawn`); the same `collected`, `effects`, `verdicts` and
`sentence` judge and word it. The page's request is kept per session (`uncertain_asked`) and
forgotten once a lever moves; only then do the background jobs include these runs
(`drawn_jobs`, each for its own seed), after the chance-only verdicts', so a lever moved
withdraws them as it withdraws the neighbours.

Cost: 2 formulations x N draws of the settings per new setting (the reference's once per
number of draws), ~0.13 CPU-s each: about twice the main answer's CPU (docs/workshop.md). The
check over the uncertain parameters, only when asked: 2 x 3 x N draws (every block, both
sides: the main answer draws no parameters), ~0.2 CPU-s each (about 13 CPU-s at 10 draws).
"""

# Solara components are named like classes (PascalCase).
# ruff: noqa: N802

from __future__ import annotations

import asyncio
import functools
import math
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import solara
import solara.lab

from sim.dashboard.compute import engine, scenario_key
from sim.dashboard.headlines import fill, strip
from sim.dashboard.parts import text
from sim.presentation import wording

CATCH_UP = "world.follower.catch_up"
"""The formulation field the verdicts vary: how a competitor's labs catch up."""

OPTION_WORDS = {
    "proxy_learning": "if it learns from any better model it can reach",
    "compute_bound": "if it must train with its own chips",
    "open_weight_base": "if it builds on open models",
}
"""Each way of catching up in words, as the condition of a verdict ("... if it builds on open
models"; `sim.scenario.schema.FollowerParams.catch_up`)."""

POLL_S = 0.5
"""How often the page looks whether the background has finished the formulations' draws."""

VERDICT_STYLE = """
.regsim-verdicts { background: #fff; border: 1px solid #dee2e6; border-radius: 6px;
  padding: 3px 10px; margin: 0 0 6px; }
.regsim-verdict { display: block; font-size: 14px; line-height: 1.3; }
.regsim-verdict-title { font-weight: 700; }
.regsim-verdict-pending { color: #6c757d; }
.regsim-verdict-how { display: block; font-size: 13px; color: #6c757d; line-height: 1.25; }
.regsim-verdicts .regsim-verdict-ask { text-transform: none; letter-spacing: normal;
  padding: 0 4px; height: 24px; }
.regsim-presenting .regsim-verdicts { margin-top: 8px; }
.regsim-presenting .regsim-verdict { font-size: 20px; }
"""


# What to compute ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Plan:
    """A per-formulation comparison of one request: its blocks (`sim.experiments.formulations.
    Block`, the reference block first, as `blocks` orders them), each block's (reference,
    settings) scenarios (the main answer's own for the reference block, `_Lazy` builders for
    the others), the seeds, and the outcomes judged (summary keys, with words)."""

    blocks: tuple[Any, ...]
    pairs: tuple[tuple[Any, Any], ...]
    seeds: tuple[int, ...]
    outcomes: tuple[tuple[str, str], ...]
    """(summary key, whose lag in words: 'the PRC')."""
    drawn: tuple[dict[str, Any], ...] = ()
    """Each replicate's draws of the uncertain parameters (`--set` key -> value), as `regsim
    compare --formulations --uncertainty` draws them; empty: chance only. With draws, each
    side of a pair is a tuple of one scenario per replicate (its own draws applied)."""

    @property
    def total(self) -> int:
        """Replicates the verdicts need beyond the main answer (both sides of every other
        block; of every block with parameter draws: the main answer draws none)."""
        extra = len(self.blocks) - (0 if self.drawn else 1)
        return 2 * len(self.seeds) * extra


_built: dict[tuple[str, tuple], Any] = {}
_built_lock = threading.Lock()
BUILT_LIMIT = 64
"""Block scenarios kept (each built once: the page polls them, the background computes them)."""


def block_scenario(scenario: Any, settings: dict[str, str]) -> Any:
    """`scenario` with a block's formulation settings, validated exactly as `regsim compare
    --formulations` builds it (`sim.experiments.uncertainty.with_values`); built once."""
    if not settings:
        return scenario
    from sim.experiments.uncertainty import with_values

    key = (scenario_key(scenario), tuple(sorted(settings.items())))
    with _built_lock:
        if key in _built:
            return _built[key]
    built = with_values(scenario.to_toml_dict(), settings, "--formulations")
    with _built_lock:
        if len(_built) >= BUILT_LIMIT:
            _built.pop(next(iter(_built)))
        _built[key] = built
    return built


def plan_for(request: Any, uncertain: bool = False) -> Plan | None:
    """The per-formulation plan of a dashboard request (`sim.dashboard.app.Request`), or None
    when there is nothing to judge: no lever moved, settings that cannot be computed, no
    competitor state, or a model without the catch-up formulations. With `uncertain`, each
    replicate also draws the uncertain parameters (`replicate_draws`; None if there are none
    to draw)."""
    from sim.experiments.formulations import ONE_AT_A_TIME, blocks, reference_values
    from sim.scenario.schema import formulation_options

    if request is None or request.error or request.policy is None:
        return None
    options = formulation_options().get(CATCH_UP)
    outcomes = headline_outcomes(request.baseline)
    if not options or len(options) < 2 or not outcomes:
        return None
    reference = reference_values(request.baseline, [CATCH_UP])
    design = blocks(ONE_AT_A_TIME, {CATCH_UP: options}, reference)
    seeds = tuple(int(s) for s in request.seeds)
    if uncertain:
        drawn = replicate_draws(request.baseline, len(seeds))
        if not drawn or not drawn[0]:
            return None
        pairs = tuple(tuple(tuple(_Lazy(side, {**block.settings, **values}, kept=False)
                                  for values in drawn)
                            for side in (request.baseline, request.policy))
                      for block in design)
        return Plan(tuple(design), pairs, seeds, outcomes, drawn)
    pairs = tuple((request.baseline, request.policy) if block.is_reference else
                  (_Lazy(request.baseline, dict(block.settings)),
                   _Lazy(request.policy, dict(block.settings))) for block in design)
    return Plan(tuple(design), pairs, seeds, outcomes)


class _Lazy:
    """A block scenario built on first use (so a plan costs nothing until it is needed), then
    kept. `kept=False`: not in the shared `block_scenario` store (one replicate's parameter
    draws: many, each used once by the background and the page)."""

    def __init__(self, scenario: Any, settings: dict[str, Any], kept: bool = True) -> None:
        self.scenario, self.settings, self.kept = scenario, settings, kept
        self._built: Any = None

    def get(self) -> Any:
        if self._built is None:
            if self.kept:
                self._built = block_scenario(self.scenario, self.settings)
            else:
                from sim.experiments.uncertainty import with_values

                self._built = with_values(self.scenario.to_toml_dict(), self.settings,
                                          "--uncertainty")
        return self._built


def _scenario(side: Any) -> Any:
    return side.get() if isinstance(side, _Lazy) else side


# The uncertain parameters ------------------------------------------------------------------


def uncertain_parameters(scenario: Any) -> list[Any]:
    """The parameters `regsim compare --formulations --uncertainty` draws per replicate for
    this reference (`sim.experiments.uncertainty.declared`: its `[uncertainty]` table, or the
    model's documented ranges without one), less the formulation fields (fixed per block)."""
    from sim.experiments.formulations import strip_formulations
    from sim.experiments.uncertainty import declared
    from sim.scenario.schema import formulation_options

    return strip_formulations(declared(scenario), list(formulation_options()))


_draws: dict[tuple[str, int, int], tuple[dict[str, Any], ...]] = {}
_draws_lock = threading.Lock()
DRAWS_KEPT = 8
"""Sets of parameter draws kept (one per reference and number of draws)."""


def replicate_draws(reference: Any, replicates: int) -> tuple[dict[str, Any], ...]:
    """Each replicate's values of the uncertain parameters: those `regsim compare
    --formulations --uncertainty` draws for this reference with its own root seed and
    `replicates` (`sim.experiments.formulations.uncertainty_draws`); computed once."""
    from sim.experiments.formulations import uncertainty_draws

    key = (scenario_key(reference), int(reference.scenario.seed), int(replicates))
    with _draws_lock:
        if key in _draws:
            return _draws[key]
    found = tuple(uncertainty_draws(reference, int(reference.scenario.seed), int(replicates),
                                    True, True))
    with _draws_lock:
        if len(_draws) >= DRAWS_KEPT:
            _draws.pop(next(iter(_draws)))
        _draws[key] = found
    return found


def drawn_over_settings(request: Any) -> int:
    """How many uncertain parameters the settings set apart from the reference: drawn alike
    for both in the check over the uncertain parameters (as `regsim compare --uncertainty`
    applies a replicate's draws to every scenario), so their effect does not show there."""
    keys = [parameter.key for parameter in uncertain_parameters(request.baseline)]
    if request.policy is None or not keys:
        return 0
    reference, settings = request.baseline.to_toml_dict(), request.policy.to_toml_dict()
    return sum(1 for key in keys if _value_at(reference, key) != _value_at(settings, key))


def _value_at(raw: Any, key: str) -> Any:
    """The value at a `--set` key of a scenario's TOML dict (named array entries by their
    `name`); None if absent."""
    node = raw
    for part in key.split("."):
        if isinstance(node, list):
            node = next((entry for entry in node
                         if isinstance(entry, dict) and entry.get("name") == part), None)
        elif isinstance(node, dict):
            node = node.get(part)
        else:
            return None
        if node is None:
            return None
    return node


_drawn_plans: dict[str, Plan | None] = {}
_drawn_plans_lock = threading.Lock()
DRAWN_PLANS_KEPT = 2
"""Plans with parameter draws kept, by request: the page and the background share one (and
so the scenarios it builds, one per replicate, block and side)."""


def drawn_plan(request: Any) -> Plan | None:
    """`plan_for(request, uncertain=True)`, made once per request."""
    with _drawn_plans_lock:
        if request.key in _drawn_plans:
            return _drawn_plans[request.key]
    made = plan_for(request, uncertain=True)
    with _drawn_plans_lock:
        made = _drawn_plans.setdefault(request.key, made)
        while len(_drawn_plans) > DRAWN_PLANS_KEPT:
            _drawn_plans.pop(next(iter(_drawn_plans)))
    return made


def headline_outcomes(scenario: Any) -> tuple[tuple[str, str], ...]:
    """The headline strip's competitor outcomes as summary keys, for the first competitor state
    (the one the headlines speak of), with its name in words."""
    if not scenario.states:
        return ()
    state = scenario.states[0]
    label = state.label or state.name
    return tuple((fill(key, state.name), label) for entry in strip()
                 for key in entry.measure.summary_keys if "{state}" in key)


def background_jobs(request: Any, uncertain: bool = False) -> list[Callable[[], Any]]:
    """Scenario builders for `Engine.background`: every block scenario the verdicts need (the
    settings first, then the reference, block by block). The main answer's own come first: the
    background skips them while they are cached, and recomputes them should the cache have let
    them go. With `uncertain` (asked for on the page), then every scenario of the verdicts
    with the uncertain parameters drawn, each for its own replicate's seed (`drawn_jobs`)."""
    plan = plan_for(request)
    if plan is None:
        return []
    jobs: list[Callable[[], Any]] = [lambda: request.policy, lambda: request.baseline]
    for reference, settings in plan.pairs[1:]:
        jobs += [settings.get, reference.get]
    return jobs + (drawn_jobs(request, len(plan.blocks)) if uncertain else [])


def drawn_jobs(request: Any, block_count: int) -> list[Callable[[], Any]]:
    """One job per replicate, block and side of `drawn_plan(request)`: (its scenario, its
    seed). The plan (its parameter draws) is made by the first job, in the background's
    thread; a job whose draws make the scenario invalid computes nothing (the page says so)."""
    from sim.scenario.errors import ScenarioError

    def job(block: int, side: int, replicate: int) -> Any:
        plan = drawn_plan(request)
        if plan is None:
            return None
        try:
            scenario = plan.pairs[block][side][replicate].get()
        except ScenarioError:
            return None
        return scenario, (plan.seeds[replicate],)

    return [functools.partial(job, block, side, replicate) for block in range(block_count)
            for replicate in range(len(request.seeds)) for side in (1, 0)]


# The verdicts ------------------------------------------------------------------------------


def collected(plan: Plan, pool: Any = None) -> dict[str, tuple[Any, Any]] | None:
    """Block name -> (reference, settings) run sets, once every draw of every block is cached;
    None before."""
    pool = pool or engine()
    out = {}
    for block, (reference, settings) in zip(plan.blocks, plan.pairs, strict=True):
        both = (_run_of(reference, plan.seeds, pool), _run_of(settings, plan.seeds, pool))
        if both[0] is None or both[1] is None:
            return None
        out[block.name] = both
    return out


def _run_of(side: Any, seeds: tuple[int, ...], pool: Any) -> Any:
    """One side's run set if every draw is cached (else None): one scenario for every seed,
    or with parameter draws (a tuple) replicate r's own scenario for seed r."""
    from sim.dashboard.runs import RunSet

    if not isinstance(side, tuple):
        return pool.cached(_scenario(side), seeds)
    draws = []
    for replicate, seed in zip(side, seeds, strict=True):
        found = pool.cached(_scenario(replicate), (seed,))
        if found is None:
            return None
        draws.append(found.draws[0])
    return RunSet("drawn", tuple(draws))


def done_count(plan: Plan, pool: Any = None) -> int:
    """How many of the verdicts' extra replicates are cached, counted by whole scenarios (all
    their draws in or not: a cheap look for the pending line)."""
    pool = pool or engine()
    if plan.drawn:
        return sum(1 for pair in plan.pairs for side in pair
                   for replicate, seed in zip(side, plan.seeds, strict=True)
                   if pool.cached(_scenario(replicate), (seed,)) is not None)
    sides = [_scenario(side) for pair in plan.pairs[1:] for side in pair]
    return len(plan.seeds) * sum(1 for side in sides if pool.cached(side, plan.seeds) is not None)


def effects(plan: Plan, runs: dict[str, tuple[Any, Any]]) -> Any:
    """`formulations.csv`'s rows (without words) for the plan's outcomes: per block the paired
    difference settings - reference with its 95% interval and sign, and the verdict over
    blocks, computed by `regsim compare`'s own functions."""
    import pandas as pd

    from sim.experiments.compare import paired_comparison
    from sim.experiments.engine import OK
    from sim.experiments.formulations import ONE_AT_A_TIME
    from sim.experiments.formulations import effects as block_effects

    keys = [key for key, _ in plan.outcomes]
    tables = {}
    for name, (reference, settings) in runs.items():
        rows = [{"scenario": side, "replicate": index, "status": OK,
                 **{key: _number(draw.summary.get(key)) for key in keys}}
                for side, run in (("reference", reference), ("settings", settings))
                for index, draw in enumerate(run.draws)]
        tables[name] = paired_comparison(pd.DataFrame(rows), "reference", ["settings"], keys)
    return block_effects(list(plan.blocks), tables, ONE_AT_A_TIME)


def _number(value: Any) -> float:
    return float(value) if wording.is_number(value) else math.nan


@dataclass(frozen=True)
class Verdict:
    """One outcome's verdict: `kind` (`sim.experiments.formulations`: robust, partial, flips,
    none, undefined) and the line the page shows."""

    outcome: str
    kind: str
    text: str


def verdicts(plan: Plan, table: Any) -> list[Verdict]:
    """One plain line per outcome of the plan from its `effects` rows."""
    found = []
    for key, label in plan.outcomes:
        rows = table[table["outcome"] == key].drop_duplicates("block")
        if rows.empty:
            continue
        kind = str(rows["robustness"].iloc[0])
        found.append(Verdict(key, kind, sentence(kind, rows, label)))
    return found


def sentence(kind: str, rows: Any, whose: str) -> str:
    """A verdict in words (`rows`: one per block with `option`, `sign`, `difference_mean`)."""
    from sim.experiments.formulations import FLIPS, NONE, PARTIAL, ROBUST

    count = len(rows)
    lag = f"{whose}'s lag"
    if kind == ROBUST:
        sign = 1.0 if (rows["sign"] == 1.0).any() else -1.0
        verb = "Widens" if sign > 0 else "Narrows"
        return f"{verb} {lag} under all {count} ways of catching up ({_range(rows)})"
    if kind == NONE:
        return f"No clear effect on {lag} under any of the {count} ways of catching up"
    if kind in (PARTIAL, FLIPS):
        lead = (f"Depends on how {whose} catches up" if kind == PARTIAL
                else f"Goes opposite ways depending on how {whose} catches up")
        parts = []
        for sign, verb in ((1.0, "widens"), (-1.0, "narrows")):
            clear = rows[rows["sign"] == sign]
            for option, mean in zip(clear["option"], clear["difference_mean"], strict=True):
                if kind == PARTIAL:
                    parts.append(f"{_signed(mean)} months {_words(option)}")
                else:
                    parts.append(f"{verb} {'it' if parts else lag} {_words(option)} "
                                 f"({_signed(mean)} months)")
        unclear = rows[rows["sign"] == 0.0]
        undefined = rows[rows["sign"].isna()]
        if not unclear.empty:
            # several: "otherwise" (every other way); one: named
            parts.append("no clear effect otherwise" if undefined.empty and len(unclear) > 1
                         else "no clear effect " + " or ".join(_words(o)
                                                              for o in unclear["option"]))
        if not undefined.empty:
            parts.append("too few draws to tell "
                         + " or ".join(_words(o) for o in undefined["option"]))
        return f"{lead}: " + "; ".join(parts)
    return f"Too few draws to tell whether the settings move {lag}"


def _words(option: str) -> str:
    return OPTION_WORDS.get(str(option), "under another way of catching up")


def _range(rows: Any) -> str:
    means = [float(m) for m, s in zip(rows["difference_mean"], rows["sign"], strict=True)
             if s in (1.0, -1.0)]
    low, high = _signed(min(means)), _signed(max(means))
    return f"{low} months" if low == high else f"{low} to {high} months"


def _signed(value: float) -> str:
    shown = wording.two_figures(float(value))
    return shown if shown.startswith("-") or shown == wording.NOT_AVAILABLE else f"+{shown}"


# The page ----------------------------------------------------------------------------------


@solara.component
def VerdictPanel(request: Any, ready: bool, conceal: bool, presenting: bool) -> None:
    """The verdicts for the settings on screen, below the headline numbers: pending while the
    formulations compute (after the main answer: `ready`), hidden while the answer is
    (`conceal`), one line per outcome; in the presenter view only the first line. Then the
    verdict over the uncertain parameters too, once asked for (`UncertainVerdict`)."""
    plan = solara.use_memo(lambda: plan_for(request), [request.key])
    # (request key, extra runs cached), set by the task below: the line redraws as the
    # background's runs come in.
    progress = solara.use_reactive(("", 0))

    async def wait() -> None:
        # The background computes the draws (queued by `present.use_neighbours`); this only
        # looks whether they are in, so the line turns from pending to the verdict.
        while plan is not None and ready:
            if collected(plan) is not None:
                progress.set((request.key, plan.total))
                return
            progress.set((request.key, done_count(plan)))
            await asyncio.sleep(POLL_S)

    solara.lab.use_task(wait, dependencies=[request.key, ready], prefer_threaded=False,
                        raise_error=False)
    key, done = progress.value
    done = done if key == request.key and ready else 0
    found = solara.use_memo(  # computed once per answer, not at every tick of Play
        lambda: _verdicts_once_in(plan) if plan is not None and done >= plan.total else None,
        [request.key, done])
    if plan is None:
        return
    solara.Style(VERDICT_STYLE)
    title = f"Does it hold however {plan.outcomes[0][1]} catches up? "
    with solara.Div(classes=["regsim-verdicts"]):
        if conceal:
            line(title, "Hidden until the answer is shown.", pending=True)
            return
        if found is None:
            line(title, f"Checking the {len(plan.blocks)} ways of catching up on the same "
                        f"draws ({done} of {plan.total} extra runs)…", pending=True)
            return
        for verdict in found[:1] if presenting else found:
            line(title, verdict.text, kind=verdict.kind)
        if not presenting:
            text("Each way of catching up is computed on the same draws of chance; no clear "
                 "effect: the 95% interval of the difference includes zero.",
                 ["regsim-verdict-how"])
        UncertainVerdict(request, plan, presenting)


def _verdicts_once_in(plan: Plan) -> list[Verdict] | None:
    """The plan's verdicts if every draw is cached (else None)."""
    runs = collected(plan)
    return None if runs is None else verdicts(plan, effects(plan, runs))


def line(title: str, words: str, pending: bool = False, kind: str = "",
         extra: list[str] | None = None) -> None:
    """One verdict line: its title in bold, then the words."""
    classes = ["regsim-verdict"] + (["regsim-verdict-pending"] if pending else [])
    if kind:
        classes.append(f"regsim-verdict-{kind}")
    classes += extra or []
    with solara.Div(classes=classes):
        text(title, ["regsim-verdict-title"])
        text(words)


# Over the uncertain parameters too -----------------------------------------------------------

uncertain_asked = solara.reactive("")
"""The request key (`sim.dashboard.app.Request.key`) of the settings whose verdict over the
uncertain parameters the page asked for; one per browser session (Solara keeps a module's
reactive variable per session). Forgotten once other settings are on screen (a lever moved:
`use_asked`), so the background drops their draws (`sim.dashboard.present.use_neighbours`);
coming back to these settings needs a new request (the draws computed so far stay cached)."""


def asked_for(request: Any) -> bool:
    """Whether the page asked for the verdict over the uncertain parameters of `request`."""
    return bool(request is not None and uncertain_asked.value == request.key)


def use_asked(request: Any) -> bool:
    """`asked_for(request)`, forgetting the request of other settings once these are on
    screen (a hook: call it where every change of the settings renders)."""

    def forget() -> None:
        if uncertain_asked.value and uncertain_asked.value != request.key:
            uncertain_asked.set("")

    solara.use_effect(forget, [request.key])
    return asked_for(request)


UNCERTAIN_TITLE = "Over the uncertain assumptions too? "
UNCERTAIN_POLL_S = 1.0
"""How often the page looks whether the background has finished the draws with parameters
(slower than `POLL_S`: each look keys one scenario per replicate, block and side)."""


@solara.component
def UncertainVerdict(request: Any, plan: Plan, presenting: bool) -> None:
    """The verdict with the uncertain parameters drawn per replicate, as `regsim compare
    --formulations --uncertainty` gives it: a button until `asked` (computed only then: it
    costs 2 x 3 x N draws), pending with progress while the background computes, then one
    line per outcome (the first in the presenter view, which shows no button). Plain words
    instead of a button when there is nothing to draw."""
    parameters = solara.use_memo(lambda: len(uncertain_parameters(request.baseline)),
                                 [request.key])
    listed = bool(request.baseline.uncertainty)
    asked = asked_for(request)
    # (request key, extra runs cached, verdicts or an error in words, assumptions the settings
    # move that the check draws), set by the task below
    progress = solara.use_reactive(("", 0, None, 0))

    async def wait() -> None:
        from sim.scenario.errors import ScenarioError

        if not asked:
            return
        # Off the event loop: the first look draws the parameters and builds the scenarios.
        drawn = await asyncio.to_thread(drawn_plan, request)
        moved = await asyncio.to_thread(drawn_over_settings, request)
        while drawn is not None:
            try:
                found = await asyncio.to_thread(_verdicts_once_in, drawn)
            except ScenarioError as error:  # a draw the scenario refuses: say so
                progress.set((request.key, 0, _refused(error), moved))
                return
            if found is not None:
                progress.set((request.key, drawn.total, found, moved))
                return
            done = await asyncio.to_thread(done_count, drawn)
            progress.set((request.key, done, None, moved))
            await asyncio.sleep(UNCERTAIN_POLL_S)

    solara.lab.use_task(wait, dependencies=[request.key, asked], prefer_threaded=False,
                        raise_error=False)
    if parameters == 0:
        if not presenting:
            line(UNCERTAIN_TITLE, "This scenario lists no uncertain assumptions to draw "
                                  "(beyond the ways of catching up).", kind="uncertain")
        return
    key, done, found, moved = progress.value
    if not asked:
        if not presenting:
            whose = (f"the scenario's {parameters} uncertain assumptions" if listed else
                     f"the model's {parameters} uncertain assumptions (this scenario "
                     f"lists none of its own)")
            solara.Button(f"Check over {whose} too",
                          on_click=lambda: uncertain_asked.set(request.key), text=True,
                          color="primary", classes=["regsim-verdict-ask"])
        return
    mine = key == request.key
    total = 2 * len(plan.seeds) * len(plan.blocks)  # every block: the main answer draws none
    if not mine or found is None:
        line(UNCERTAIN_TITLE, f"Checking the ways of catching up with {parameters} uncertain "
                              f"assumptions drawn for each draw ({done if mine else 0} of "
                              f"{total} runs)…", pending=True, kind="uncertain")
        return
    if isinstance(found, str):
        line(UNCERTAIN_TITLE, found, kind="uncertain")
        return
    for verdict in found[:1] if presenting else found:
        line(UNCERTAIN_TITLE, verdict.text, kind=verdict.kind, extra=["regsim-verdict-uncertain"])
    if not presenting:
        text(f"Each draw of chance also draws the {parameters} uncertain assumptions from their "
             "ranges, the same values under each way of catching up and for the reference."
             + _moved_words(moved), ["regsim-verdict-how"])


def _moved_words(moved: int) -> str:
    """A warning when the settings move assumptions the check draws (alike for both sides)."""
    if not moved:
        return ""
    which, its = ("an assumption", "its") if moved == 1 else (f"{moved} assumptions", "their")
    return (f" Your settings move {which} that this check draws too: drawn alike for your "
            f"settings and the reference, {its} effect does not show here.")


def _refused(error: Exception) -> str:
    """Why the check cannot run, in one line: a draw the scenario refuses."""
    first = str(error).splitlines()[0] if str(error) else type(error).__name__
    return f"Cannot be checked: a draw of the uncertain assumptions is refused ({first})"
