"""The dashboard's levers, defined in ONE table: what a workshop may move, in plain words.

Each row of `LEVERS` is a `LeverSpec`: the `--set` path pattern it sets, a label and a one-line
explanation in plain words, the unit, the control (switch, slider, choice), the slider's range
and step in display units, and the display transform between the scenario's value and the
slider's position (log10 for FLOP, percent for shares, a month index for dates). Path patterns
name agents by placeholder: `{regulator}`, `{policy}`, `{state}`, `{developer}`.

`levers_for(scenario)` builds the levers a loaded scenario has: a policy row applies to every
policy whose parameters include the field (optionally only to the listed `kinds`), so a new
instrument or a new parameter gets its lever by adding a row here and nothing else.
Lever values are always held in the scenario's own units (FLOP, shares in [0, 1], 'YYYY-MM'),
keyed by their `--set` path, so they turn into overrides and dated changes as they are.

Nothing here imports Solara or the model's agents.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from typing import Any, Literal

import tomli_w

from sim.calendar import format_month, parse_month
from sim.presentation import wording
from sim.scenario.schema import Scenario

Control = Literal["switch", "slider", "choice"]
Panel = Literal["policy", "assumption"]
Transform = Literal["identity", "log10", "percent", "int", "month", "growth"]


@dataclass(frozen=True)
class LeverSpec:
    """One row of the lever table (see the module docstring).

    `low`, `high` and `step` are in display units: log10 for `log10`, percent for `percent`, a
    month offset from the scenario start for `month`. `when_set` keeps the lever only where the
    scenario gives the field a value (e.g. a crackdown's trigger pressure). `choices` pairs each
    value with its words.
    """

    path: str
    label: str
    unit: str
    explanation: str
    control: Control = "slider"
    panel: Panel = "policy"
    transform: Transform = "identity"
    low: float | None = None
    high: float | None = None
    step: float | None = None
    choices: tuple[tuple[str, str], ...] = ()
    kinds: tuple[str, ...] = ()
    when_set: bool = False

    @property
    def field_name(self) -> str:
        return self.path.rsplit(".", 1)[1]

    @property
    def scope(self) -> str:
        """What the lever belongs to: 'policy', 'regulator', 'state', 'developer' or 'world'."""
        if ".policies." in self.path:
            return "policy"
        head = self.path.split(".", 1)[0]
        return {"regulators": "regulator", "states": "state", "developers": "developer"}.get(
            head, "world")


# The table ------------------------------------------------------------------------------------

_POLICY = "regulators.{regulator}.policies.{policy}."
_RELEASE_RULES = ("kill_switch", "open_weight_licence", "pre_deployment_evaluation",
                  "security_standard", "weight_export_controls", "gpai_obligations",
                  "transparency")
"""Instruments that a release complies with, withholds from or defies (so enforcement and
fines matter); chip controls and API checks act on compute and access instead."""
_REACH_CHOICES = (("market", "labs selling there"), ("domicile", "only labs based there"))

LEVERS: tuple[LeverSpec, ...] = (
    # Every instrument.
    LeverSpec(_POLICY + "enabled", "In force", "", "Switch this instrument on or off.",
              control="switch"),
    LeverSpec(_POLICY + "start", "Takes effect from", "month",
              "The month the rule starts to apply.", transform="month", step=1),
    LeverSpec(_POLICY + "trigger_pressure", "Enacted when political pressure reaches", "pressure",
              "Pressure rises by about 1 with each publicised incident and fades over time.",
              low=0.5, high=5.0, step=0.1, when_set=True),
    # Who and what a rule covers.
    LeverSpec(_POLICY + "threshold_flop", "Covers models trained with at least", "FLOP",
              "Training compute that brings a model under the rule (SB 1047: about 5x GPT-4's).",
              transform="log10", low=23.0, high=28.0, step=0.1),
    LeverSpec(_POLICY + "threshold_usd", "... and costing at least", "USD",
              "Covered only if the run also cost this much (SB 1047: $100M): with both "
              "tests, lowering the compute line alone may cover nothing more.",
              transform="log10", low=7.0, high=10.0, step=0.1, when_set=True),
    LeverSpec(_POLICY + "exempt_open_weights", "Open-weight releases exempt", "",
              "If on, models whose weights are published are not covered.", control="switch"),
    # Enforcement.
    LeverSpec(_POLICY + "enforcement_probability", "Chance a home lab's defiance is caught",
              "share", "Share of defiant releases by labs based there that are detected and "
              "penalised.", transform="percent", low=0, high=100, step=5, kinds=_RELEASE_RULES),
    LeverSpec(_POLICY + "enforcement_probability_foreign",
              "Chance a foreign lab's defiance is caught", "share",
              "The same for labs that only sell there (Italy blocked DeepSeek within days).",
              transform="percent", low=0, high=100, step=5, kinds=_RELEASE_RULES),
    LeverSpec(_POLICY + "penalty_musd", "Fine when caught", "USD M",
              "A fixed penalty for a first detected violation (later ones cost more).",
              low=0, high=5_000, step=50, kinds=_RELEASE_RULES),
    LeverSpec(_POLICY + "penalty_share_of_training_cost", "Fine as a share of training cost",
              "share", "A penalty that grows with the model's training cost (SB 1047: 10%).",
              transform="percent", low=0, high=100, step=5, kinds=_RELEASE_RULES),
    LeverSpec(_POLICY + "penalty_share_of_revenue", "Fine as a share of yearly revenue",
              "share", "A penalty that grows with the lab's revenue (EU AI Act: up to 3%).",
              transform="percent", low=0, high=10, step=0.5, kinds=_RELEASE_RULES),
    LeverSpec(_POLICY + "compliance_cost_musd", "Cost of complying, per release", "USD M",
              "Cash a lab spends to comply for one covered release (evaluations, reports, "
              "shutdown capability).", low=0, high=100, step=1, kinds=_RELEASE_RULES),
    LeverSpec(_POLICY + "repeal_hazard_per_month", "Chance of repeal each month", "share",
              "US AI rules lasted 4-15 months: about 3-6% a month.", transform="percent",
              low=0, high=20, step=1),
    # Instrument-specific.
    LeverSpec(_POLICY + "approval_probability", "Chance a licence is granted", "share",
              "Share of licence applications approved.", transform="percent", low=0, high=100,
              step=5),
    LeverSpec(_POLICY + "licence_delay_months", "Wait for a licence decision", "months",
              "Months between applying and a decision.", transform="int", low=0, high=24,
              step=1),
    LeverSpec(_POLICY + "delay_months", "Evaluation delay", "months",
              "Months a covered model waits for its evaluation before release.",
              transform="int", low=0, high=12, step=1),
    LeverSpec(_POLICY + "required_security_level", "Weight security required", "SL",
              "RAND security level labs must reach, 1 to 5 (3 stops most criminals; 5 top states).",
              transform="int", low=1, high=5, step=1),
    LeverSpec(_POLICY + "strength", "Share of the target's frontier compute denied", "share",
              "Labs there can buy only the rest, so their runs are smaller (Epoch's 4-year "
              "hardware lead: about three quarters).", transform="percent", low=0, high=100,
              step=5),
    LeverSpec(_POLICY + "smuggling_leak_share", "Share smuggled in anyway", "share",
              "Share of the denied compute that leaks back through smuggling (CNAS: ~10%).",
              transform="percent", low=0, high=50, step=1),
    LeverSpec(_POLICY + "effectiveness", "Share of state API access blocked", "share",
              "How much know-your-customer checks cut a state's distillation of APIs.",
              transform="percent", low=0, high=100, step=5),
    # Regulators.
    LeverSpec("regulators.{regulator}.reach", "The rules reach", "",
              "Labs based in the jurisdiction, or also every lab selling there (SB 1047, EU).",
              control="choice", choices=_REACH_CHOICES),
    # Assumptions: the key uncertainties.
    LeverSpec("world.algo_efficiency_growth_oom_per_year", "Algorithmic progress", "x/yr",
              "How fast better methods multiply effective compute (Epoch: about 3x a year).",
              panel="assumption", transform="growth", low=0.1, high=0.8, step=0.05),
    LeverSpec("world.compute.ceiling_flop_2030", "Largest training run possible in 2030",
              "FLOP", "What power and chips allow on one campus (Epoch: about 10,000x GPT-4).",
              panel="assumption", transform="log10", low=27.0, high=30.5, step=0.1),
    LeverSpec("world.theft.hazard_per_month_at_parity", "Monthly chance of weight theft",
              "share", "When the attacker's skill matches the lab's security level (none "
              "was made public in 2023-25).", panel="assumption", transform="percent", low=0,
              high=1, step=0.01),
    LeverSpec("world.follower.leakage_share", "API access left where a model is not served",
              "share", "Proxies and resellers: how much of a blocked API still leaks through.",
              panel="assumption", transform="percent", low=0, high=100, step=5),
    LeverSpec("world.derivative_publicity_per_month", "Chance a military fine-tune is publicised",
              "share", "Each month while it is news (ChatBIT surfaced in Reuters months after "
              "its paper).", panel="assumption", transform="percent", low=0, high=50, step=1),
    LeverSpec("states.{state}.attacker_tier", "Hacking capacity", "OC",
              "RAND's scale of attackers, 1 (amateur) to 5 (a state's top priority); 4: a "
              "cyber-capable state's routine operation.",
              panel="assumption", transform="int", low=1, high=5, step=1),
    LeverSpec("states.{state}.distillation_hazard_per_month", "Monthly chance of distilling an API",
              "share", "Copying a closed model's skills through its API.", panel="assumption",
              transform="percent", low=0, high=50, step=1),
    LeverSpec("developers.{developer}.security_level", "Weight security", "SL",
              "RAND security level of the lab's weights, 1 to 5 (leading labs: 2 to 3).",
              panel="assumption", transform="int", low=1, high=5, step=1),
    LeverSpec("developers.{developer}.release_strategy", "Releases", "",
              "Whether the lab publishes its weights or serves them through an API.",
              control="choice", panel="assumption",
              choices=(("open", "open weights"), ("closed", "closed (API only)"),
                       ("hybrid", "open below a size, closed above"))),
)
"""Every lever the dashboard offers, in display order within each group."""

INSTRUMENTS: dict[str, tuple[str, str]] = {
    "kill_switch": ("kill switch", "Covered models must keep the ability to shut them down."),
    "open_weight_licence": ("open-weight licence",
                            "Publishing large models' weights needs a licence."),
    "chip_export_controls": ("chip export controls",
                             "Advanced chips are not sold to the target."),
    "weight_export_controls": ("controls on closed weights",
                               "Large closed models are not served to the target."),
    "pre_deployment_evaluation": ("pre-release evaluation",
                                  "Large models are evaluated before release."),
    "security_standard": ("security standard", "Labs must protect their weights."),
    "api_kyc": ("API customer checks", "API users are screened."),
    "gpai_obligations": ("AI Act duties for large models",
                         "Models above about half GPT-4's training compute sold in the EU are "
                         "evaluated and documented; the code of practice's signatories comply "
                         "more cheaply."),
    "transparency": ("transparency duties",
                     "Frontier labs publish a safety framework and a report for each large "
                     "release (SB 53); fines up to $1M."),
}
"""Each instrument kind in words, with what it does in one line (unknown kinds: the kind)."""

UNIT_WORDS = {"SL": "RAND security level", "OC": "RAND attacker tier"}


# Levers of a loaded scenario -------------------------------------------------------------------


@dataclass(frozen=True)
class Lever:
    """One lever of one scenario: a `LeverSpec` bound to a concrete `--set` path.

    `default` is the scenario's value (None where the scenario leaves it unset); `group` is what
    the lever belongs to ("California: kill switch"), `owner` the agent (`("regulator",
    "california")`, `("state", "prc")`, `("world", "")`). `low` and `high` are the slider's
    range in display units, widened to hold the default. `start_month` and `months` place the
    scenario's calendar for month levers.
    """

    spec: LeverSpec
    path: str
    group: str
    owner: tuple[str, str]
    default: Any
    low: float | None = None
    high: float | None = None
    start_month: int = 0
    months: int = 1
    group_explanation: str = ""

    @property
    def label(self) -> str:
        return self.spec.label

    @property
    def control(self) -> Control:
        return self.spec.control

    @property
    def explanation(self) -> str:
        return self.spec.explanation

    @property
    def step(self) -> float:
        return float(self.spec.step or 1)

    @property
    def switches_instrument(self) -> bool:
        return self.spec.field_name == "enabled" and self.spec.scope == "policy"

    @property
    def css_name(self) -> str:
        """The path as a CSS class fragment: dots become double underscores."""
        return re.sub(r"[^A-Za-z0-9_-]", "__", self.path)

    # Value <-> slider position ----------------------------------------------------------------
    def position(self, value: Any) -> float:
        """Where `value` (scenario units) sits on the slider (display units)."""
        transform = self.spec.transform
        if transform == "month":
            month = self.start_month if value is None else parse_month(str(value))
            return float(min(max(month - self.start_month, 0), self.months - 1))
        number = float(value)
        if transform in ("log10",):
            return math.log10(number)
        if transform == "percent":
            return number * 100.0
        return number

    def value_at(self, position: float) -> Any:
        """The scenario value of a slider position, rounded to what the slider can show."""
        transform = self.spec.transform
        position = float(position)
        if transform == "month":
            offset = int(round(min(max(position, 0), self.months - 1)))
            return format_month(self.start_month + offset)
        if transform == "log10":
            return wording.significant(10.0**position)
        if transform == "percent":
            return round(position / 100.0, 6)
        if transform == "int":
            return int(round(position))
        return round(position, 6)

    def coerce(self, value: Any) -> Any:
        """A value given from outside (a saved session, a test) in the type the scenario takes.

        Raises ValueError naming the lever when the value does not fit.
        """
        spec = self.spec
        if spec.control == "switch":
            if not isinstance(value, bool):
                raise ValueError(f"{self.path}: expected true or false, found {value!r}")
            return value
        if spec.control == "choice":
            allowed = [choice for choice, _ in spec.choices]
            if value not in allowed:
                raise ValueError(f"{self.path}: expected one of {allowed}, found {value!r}")
            return value
        if spec.transform == "month":
            if value is None:
                return None
            try:
                parse_month(str(value))
            except ValueError:
                raise ValueError(f"{self.path}: expected a month 'YYYY-MM', found {value!r}") \
                    from None
            return str(value)
        if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(
                value):
            raise ValueError(f"{self.path}: expected a number, found {value!r}")
        if spec.transform == "int":
            if float(value) != int(value):
                raise ValueError(f"{self.path}: expected a whole number, found {value!r}")
            return int(value)
        return float(value)

    def is_default(self, value: Any) -> bool:
        """Whether `value` is the scenario's own (an unset start is the scenario's first month)."""
        default = self.default
        if self.spec.transform == "month":
            first = format_month(self.start_month)
            return (value or first) == (default or first)
        if isinstance(default, float) and isinstance(value, int | float) and not isinstance(
                value, bool):
            return math.isclose(float(value), default, rel_tol=1e-9, abs_tol=1e-12)
        return value == default

    # Words ------------------------------------------------------------------------------------
    def shown(self, value: Any) -> str:
        """The value in plain words with its unit: 'on', '4.8× GPT-4's training compute', '50%'."""
        spec = self.spec
        if spec.control == "switch":
            if self.switches_instrument:
                return "on" if value else "off"
            return "yes" if value else "no"
        if spec.control == "choice":
            return dict(spec.choices).get(value, str(value))
        if value is None:
            return "from the start" if spec.transform == "month" else "not set"
        return _format(spec.unit, spec.transform, value)

    def describe(self, value: Any) -> str:
        """'California: kill switch on'; 'California: kill switch: fine when caught $1bn'."""
        if self.switches_instrument:
            return f"{self.group} {self.shown(value)}"
        return f"{self.group}: {self.label.lower()} {self.shown(value)}"

    def override(self, value: Any) -> str:
        """A `--set` override (KEY=VALUE, VALUE a TOML literal) for a scenario value."""
        return f"{self.path}={toml_literal(value)}"


def toml_literal(value: Any) -> str:
    """`value` written as a TOML literal (never evaluated: parsed back by `--set`)."""
    return tomli_w.dumps({"v": value})[len("v = "):].strip()


def _format(unit: str, transform: Transform, value: Any) -> str:
    if unit == "month":
        return str(value)
    number = float(value)
    if unit == "FLOP":
        return wording.flop(number)
    if unit == "USD":
        return wording.usd(number)
    if unit == "USD M":
        return wording.musd(number)
    if unit == "share":  # '0.05%', '2.5%', '70%'
        points = number * 100
        return wording.percent(number, digits=1 if 1 <= points < 10 and
                               not float(points).is_integer() else 0)
    if unit == "months":
        return wording.months(number)
    if unit in ("SL", "OC"):  # RAND's scales, in words (no codes on screen)
        return f"level {int(number)} of 5"
    if unit == "x/yr" and transform == "growth":
        return f"{10.0**number:.1f}x a year"
    return wording.number(number)


# Building the levers of a scenario ---------------------------------------------------------------


@dataclass
class _Target:
    path: str
    group: str
    owner: tuple[str, str]
    value: Any
    present: bool
    group_explanation: str = ""
    kind: str | None = None


def levers_for(scenario: Scenario, developers: Iterable[str] | None = None,
               table: Iterable[LeverSpec] = LEVERS) -> list[Lever]:
    """Every lever of `scenario`, grouped: each policy's levers (its regulator's reach after
    them), then the assumption levers. `developers` limits developer levers to those names."""
    wanted = None if developers is None else frozenset(developers)
    table = tuple(table)
    start, months = parse_month(scenario.scenario.start), scenario.scenario.months
    levers: list[Lever] = []
    for regulator in scenario.regulators:
        if not regulator.policies:
            continue
        for index, policy in enumerate(regulator.policies):
            for spec in table:
                if spec.scope == "policy":
                    levers += _bind(spec, _policy_target(spec, regulator, policy, index),
                                    start, months)
        for spec in table:
            if spec.scope == "regulator":
                levers += _bind(spec, _agent_target(spec, "regulator", regulator), start, months)
    for spec in table:
        if spec.scope == "world":
            levers += _bind(spec, _world_target(spec, scenario), start, months)
    for state in scenario.states:
        for spec in table:
            if spec.scope == "state":
                levers += _bind(spec, _agent_target(spec, "state", state), start, months)
    for developer in scenario.developers:
        if wanted is not None and developer.name not in wanted:
            continue
        for spec in table:
            if spec.scope == "developer":
                levers += _bind(spec, _agent_target(spec, "developer", developer), start, months)
    return levers


def instrument_words(kind: str) -> tuple[str, str]:
    """(name, one-line explanation) of an instrument kind; the kind itself when unknown."""
    return INSTRUMENTS.get(kind, (kind.replace("_", " "), ""))


def _policy_target(spec: LeverSpec, regulator: Any, policy: Any, index: int) -> _Target | None:
    if spec.kinds and policy.kind not in spec.kinds:
        return None
    name = policy.name or policy.kind
    present = spec.field_name in type(policy).model_fields
    owner_label = regulator.label or regulator.name
    words, explanation = instrument_words(policy.kind)
    path = spec.path.format(regulator=regulator.name, policy=name)
    return _Target(path, f"{_capitalised(owner_label)}: {words}", ("regulator", regulator.name),
                   getattr(policy, spec.field_name, None), present, explanation, policy.kind)


def _agent_target(spec: LeverSpec, kind: str, agent: Any) -> _Target:
    label = getattr(agent, "label", None) or agent.name
    path = spec.path.format(**{kind: agent.name})
    group = _capitalised(label) + (": who the rules reach" if kind == "regulator" else "")
    return _Target(path, group, (kind, agent.name), getattr(agent, spec.field_name, None),
                   spec.field_name in type(agent).model_fields)


def _world_target(spec: LeverSpec, scenario: Scenario) -> _Target:
    node: Any = scenario
    *parents, name = spec.path.split(".")
    for part in parents:
        node = getattr(node, part, None)
        if node is None:
            return _Target(spec.path, "The world", ("world", ""), None, False)
    return _Target(spec.path, "The world", ("world", ""), getattr(node, name, None),
                   name in type(node).model_fields)


def _bind(spec: LeverSpec, target: _Target | None, start: int, months: int) -> list[Lever]:
    if target is None or not target.present:
        return []
    if spec.when_set and target.value is None:
        return []
    if spec.control == "choice" and target.value not in dict(spec.choices):
        return []
    if spec.field_name == "release_strategy" and target.value != "hybrid":
        spec = _without_choice(spec, "hybrid")  # hybrid needs a size limit the lab lacks
    lever = Lever(spec, target.path, target.group, target.owner, target.value, spec.low,
                  spec.high, start, months, target.group_explanation)
    if spec.control != "slider":
        return [lever]
    if spec.transform == "month":
        low, high = 0.0, float(months - 1)
    else:
        position = lever.position(target.value) if target.value is not None else None
        low = _widened(spec.low, position, min)
        high = _widened(spec.high, position, max)
    return [replace(lever, low=low, high=high)]


def _widened(bound: float | None, position: float | None, pick) -> float | None:
    if position is None:
        return bound
    return position if bound is None else pick(bound, position)


def _without_choice(spec: LeverSpec, choice: str) -> LeverSpec:
    return replace(spec, choices=tuple(c for c in spec.choices if c[0] != choice))


def _capitalised(text: str) -> str:
    return text[:1].upper() + text[1:]


def by_path(levers: Iterable[Lever]) -> dict[str, Lever]:
    return {lever.path: lever for lever in levers}


def grouped(levers: Iterable[Lever]) -> list[tuple[str, list[Lever]]]:
    """The levers by group, in order of first appearance."""
    groups: dict[str, list[Lever]] = {}
    for lever in levers:
        groups.setdefault(lever.group, []).append(lever)
    return list(groups.items())


def changed(levers: Iterable[Lever], values: Mapping[str, Any]) -> list[Lever]:
    """The levers whose value in `values` differs from the scenario's."""
    return [lever for lever in levers
            if lever.path in values and not lever.is_default(values[lever.path])]
