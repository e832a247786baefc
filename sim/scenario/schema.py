"""The scenario schema: every key a scenario file may hold, its type, unit, default and source.

Defaults carry their source in the field description ("assumption" where none exists); the
descriptions flow into the JSON Schema (`regsim schema`) and docs/model.md's parameter table.
Training compute is written as raw FLOP (1e26) in files and held as log10 inside the model.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal, Union

from pydantic import BaseModel, ConfigDict, Field, model_validator

from sim.calendar import format_month, parse_month
from sim.model.policies import POLICY_KINDS
from sim.scenario.types import (
    LAST_MONTH,
    BassCoefficientPerYear,
    Description,
    ExtraGrowthShare,
    FactorPerTier,
    Flop,
    FlopSet,
    GrowthFactorPerYear,
    HazardPerMonth,
    Jurisdiction,
    JurisdictionSet,
    Label,
    MarginOom,
    MoneyMusd,
    Month,
    MonthRange,
    Multiplier,
    Name,
    Oom,
    OomPerYear,
    PositiveOom,
    PositiveOomPerYear,
    Pressure,
    Probability,
    Question,
    SecurityLevel,
    SignedOom,
    TemperatureMusd,
    UsdPerFlop,
)

MAX_DEVELOPERS, MAX_STATES, MAX_REGULATORS, MAX_POLICIES = 200, 50, 50, 20
"""Most agents of each kind in one scenario (far above the world's frontier labs)."""
MAX_SWEEP_VALUE = 1e40
"""Largest magnitude of a swept range's end (the largest value any scenario key takes)."""


class Strict(BaseModel):
    """Unknown keys are errors, and values are not coerced ("12" is not a number, true not 1)."""

    model_config = ConfigDict(extra="forbid", strict=True)


def _month_range(value: list[int], what: str) -> list[int]:
    low, high = value
    if low < 1 or high < low:
        raise ValueError(f"{what} must be [min, max] with 1 <= min <= max, found {list(value)}")
    return value


class ScenarioMeta(Strict):
    name: Name = Field(description="Short name, used for the results folder.")
    question: Question = Field(description="The question the scenario answers, one line.")
    description: Description = Field("", description="Longer description.")
    start: Month = Field("2024-01", description="First simulated month.")
    months: int = Field(120, gt=0, le=1200, description="Horizon in months (one step = a month).")
    seed: int = Field(12345, ge=0, lt=2**63, description="Root seed of the replicates.")
    replicates: int = Field(20, ge=1, le=100_000, description="Replicates per run.")

    @model_validator(mode="after")
    def _ends_in_the_calendar(self) -> ScenarioMeta:
        last = parse_month(self.start) + self.months - 1
        if last > parse_month(LAST_MONTH):
            raise ValueError(f"the run would end in {format_month(last)}: start + months must "
                             f"end by {LAST_MONTH}")
        return self


class EcosystemParams(Strict):
    adopters: int = Field(10_000, ge=1, le=50_000_000,
                          description="Downstream fine-tuners, firms and researchers simulated.")
    bass_p_per_year: BassCoefficientPerYear = Field(
        0.15, description="Bass innovation coefficient, per year. GenAI fit p~0.15 ([D], "
        "Bick et al. 2024); meta-analytic average 0.03 (Sultan et al. 1990).")
    bass_q_per_year: BassCoefficientPerYear = Field(
        0.5, description="Bass imitation coefficient, per year. GenAI fit q~0.5 ([D]); "
        "meta-analytic average 0.38 (Sultan et al. 1990).")
    jurisdiction_shares: dict[Jurisdiction, Probability] = Field(
        {"US": 0.35, "EU": 0.2, "CN": 0.25, "ROW": 0.2},
        description="Share of adopters in each jurisdiction (assumption); must sum to 1.")

    @model_validator(mode="after")
    def _shares_sum_to_one(self) -> EcosystemParams:
        total = sum(self.jurisdiction_shares.values())
        if abs(total - 1.0) > 1e-6:
            raise ValueError(f"jurisdiction_shares must sum to 1, found {total:.4g}")
        return self


class TheftParams(Strict):
    hazard_per_month_at_parity: HazardPerMonth = Field(
        0.002, description="Monthly theft success when attacker tier OC equals the lab's SL "
        "(RAND: SLn 'can likely thwart' OCn; assumption).")
    hazard_multiplier_per_tier: FactorPerTier = Field(
        3.0, description="Factor per tier of OC above SL (RAND feasibility scale "
        "<=20% ... >80%; assumption).")
    max_hazard_per_month: HazardPerMonth = Field(0.2, description="Cap on the monthly hazard "
                                              "(assumption).")


class ComplianceParams(Strict):
    logit_temperature_musd: TemperatureMusd = Field(
        50.0, description="Scale of utility noise in the compliance logit, USD M "
        "(assumption): lower means more deterministic choices.")
    shade_margin_oom: MarginOom = Field(0.05, description="How far below a threshold a "
                                "shaded release lands, OOM (assumption).")


class WorldParams(Strict):
    algo_efficiency_growth_oom_per_year: OomPerYear = Field(
        0.45, description="Algorithmic efficiency growth, OOM/yr (Ho et al. 2024: 2.8x/yr).")
    open_spillover: ExtraGrowthShare = Field(
        0.1, description="Extra algorithmic growth, as a share, when every frontier lab "
        "publishes open weights (assumption; modest).")
    usd_per_flop_2024: UsdPerFlop = Field(
        1.4e-18, description="Training cost per FLOP in 2024-01, USD ([D]: 1e26 FLOP on "
        "H100s ~$140M).")
    flop_price_decline_per_year: GrowthFactorPerYear = Field(
        1.4, description="Factor by which a FLOP gets cheaper each year (Hobbhahn & "
        "Besiroglu 2022: price-performance x1.4/yr).")
    prehistory_frontier_growth_oom_per_year: PositiveOomPerYear = Field(
        1.1, description="Frontier capability growth before the start, for lags "
        "([D]: 4.5x/yr compute x 2.8x/yr algorithms).")
    frontier_tier_oom: PositiveOom = Field(0.5, description="Within this many OOM of the "
                                     "frontier counts as frontier-tier capability (assumption).")
    covered_model_threshold_flop: Flop = Field(
        1e26, description="Which models count as covered for kill-switch coverage when the "
        "scenario has no kill-switch mandate (SB 1047: 1e26).")
    capability_milestones_flop: FlopSet = Field(
        [1e27, 1e28], description="Effective-compute levels whose first state access is reported.")
    incident_detection_per_month: HazardPerMonth = Field(
        0.2, description="Monthly chance a state military derivative is publicised (ChatBIT: "
        "paper Jun 2024, Reuters Nov 2024, ~4-5 months; [D]).")
    aup_detection_multiplier: Multiplier = Field(
        1.5, description="Detection is this many times likelier for a model whose licence "
        "bans military use (assumption).")
    ecosystem: EcosystemParams = Field(default_factory=EcosystemParams)
    theft: TheftParams = Field(default_factory=TheftParams)
    compliance: ComplianceParams = Field(default_factory=ComplianceParams)


class DeveloperSpec(Strict):
    name: Name
    label: Label | None = Field(None, description="Display name in narratives.")
    jurisdiction: Jurisdiction = Field(description="Domicile, e.g. US-CA, US, EU, CN, ROW.")
    release_strategy: Literal["open", "closed", "hybrid"]
    initial_run_flop: Flop = Field(description="Training FLOP of its next frontier run at start.")
    initial_model_flop: Flop | None = Field(None, description="Its latest model before the start.")
    initial_model_age_months: int = Field(0, ge=0, le=240, description="Months since that release.")
    compute_growth_per_year: GrowthFactorPerYear = Field(
        4.5, description="Growth of its frontier-run compute, x/yr "
        "(Epoch 2024: 4-5x/yr at the frontier).")
    cadence_months: MonthRange = Field(
        [6, 12], description="[min, max] months between releases (assumption; uniform).")
    capability_offset_oom: SignedOom = Field(0.0, description="Lab-specific algorithmic "
                                         "edge, OOM of effective compute (assumption).")
    security_level: SecurityLevel = Field(2, description="RAND weight-security level (AI-2027: "
                                          "leading labs near SL2-SL3).")
    markets: JurisdictionSet = Field(["US", "EU", "CN", "ROW"], description="Where it sells.")
    open_size_limit_flop: Flop | None = Field(None, description="Hybrid labs: open below this, "
                                              "closed at or above.")
    openness_value_musd: MoneyMusd = Field(0.0, description="Value it puts on releasing a model "
                                             "open rather than closed, USD M (assumption).")
    capability_value_musd_per_oom: MoneyMusd = Field(
        500.0, description="Value of one OOM more training compute in a release, USD M "
        "(assumption).")
    delay_cost_musd_per_month: MoneyMusd = Field(5.0, description="Cost of a month's delay, "
                                                   "USD M (assumption).")
    relocation_cost_musd: MoneyMusd = Field(500.0, description="Cost of moving domicile, USD M "
                                              "(assumption).")
    relocation_months: int = Field(12, ge=1, le=120, description="Months a move takes "
                                   "(assumption).")
    relocation_jurisdiction: Jurisdiction = Field("ROW", description="Where it would move.")
    aup_bans_military: bool = Field(False, description="Its licence bans military use (Llama AUP).")

    @model_validator(mode="after")
    def _check(self) -> DeveloperSpec:
        _month_range(self.cadence_months, "cadence_months")
        if self.release_strategy == "hybrid" and self.open_size_limit_flop is None:
            raise ValueError("a hybrid developer needs open_size_limit_flop")
        return self


class StateSpec(Strict):
    name: Name
    label: Label | None = Field(None, description="Display name in narratives.")
    jurisdictions: JurisdictionSet = Field(min_length=1, description="Its territory; labs "
                                              "domiciled there are its domestic labs.")
    attacker_tier: SecurityLevel = Field(4, description="RAND operational capacity OC1-OC5 "
                                         "(state groups: OC4 routine, OC5 top priority).")
    absorption_months: MonthRange = Field(
        [6, 12], description="[min, max] months from an open release to a military fine-tune "
        "(Llama 2 Jul 2023 -> ChatBIT Jun 2024: ~11).")
    absorption_discount_oom: Oom = Field(0.0, description="Capability lost in the "
                                                 "fine-tune, OOM (assumption).")
    distillation_hazard_per_month: HazardPerMonth = Field(
        0.1, description="Monthly chance of distilling an accessible closed model (assumption).")
    distillation_months: int = Field(3, ge=0, le=60, description="Months a distillation takes "
                                     "(assumption).")
    distillation_discount_oom: Oom = Field(
        0.5, description="Capability lost by distilling through an API, OOM (assumption).")

    @model_validator(mode="after")
    def _check(self) -> StateSpec:
        _month_range(self.absorption_months, "absorption_months")
        return self


def _policy_union():
    params = tuple(cls.Params for cls in POLICY_KINDS.values())
    return Annotated[Union[params], Field(discriminator="kind")]  # noqa: UP007


PolicySpec = _policy_union()


class RegulatorSpec(Strict):
    name: Name
    label: Label | None = Field(None, description="Display name in narratives.")
    jurisdiction: Jurisdiction
    reach: Literal["domicile", "market"] = Field(
        description="Labs based there (domicile) or selling there (market, as SB 1047 and the "
        "EU AI Act).")
    market_value_musd: MoneyMusd = Field(
        1000.0, description="What a lab gives up by withdrawing from this market, USD M "
        "(assumption).")
    pressure_per_incident: Pressure = Field(1.0, description="Pressure added by a publicised "
                                               "incident involving its labs (assumption).")
    pressure_decay_per_month: Probability = Field(0.05, description="Share of pressure lost each "
                                                  "month (assumption).")
    initial_pressure: Pressure = Field(0.0, description="Pressure at the start.")
    policies: list[PolicySpec] = Field(  # type: ignore[valid-type]
        default_factory=list, max_length=MAX_POLICIES)


class SweepParameter(Strict):
    """One swept value: a list of options, or a range `{ low = .., high = .., scale = .. }`.

    Written in a file either as an array (`[2, 3, 4]`, the options) or as a table (the range).
    Integer `low` and `high` on a linear scale give integer samples.
    """

    values: list[Any] | None = Field(None, min_length=1, max_length=10_000,
                                     description="The options, in order.")
    low: int | float | None = Field(None, ge=-MAX_SWEEP_VALUE, le=MAX_SWEEP_VALUE,
                                    allow_inf_nan=False,
                                    description="Lower end of the range (inclusive).")
    high: int | float | None = Field(None, ge=-MAX_SWEEP_VALUE, le=MAX_SWEEP_VALUE,
                                     allow_inf_nan=False,
                                     description="Upper end of the range (inclusive).")
    scale: Literal["linear", "log"] = Field("linear", description="Sample the range uniformly "
                                            "(linear) or log-uniformly (log, e.g. for FLOP).")

    @model_validator(mode="before")
    @classmethod
    def _array_is_values(cls, data: Any) -> Any:
        if isinstance(data, list):
            return {"values": data}
        if not isinstance(data, dict):
            raise ValueError("expected an array of values [v1, v2, ...] or a range table "
                             "{ low = ..., high = ... }")
        return data

    @model_validator(mode="after")
    def _one_form(self) -> SweepParameter:
        is_range = self.low is not None or self.high is not None
        if self.values is not None and is_range:
            raise ValueError("give either values or low and high, not both")
        if self.values is None and (self.low is None or self.high is None):
            raise ValueError("a range needs both low and high")
        if is_range and not self.low < self.high:  # type: ignore[operator]
            raise ValueError(f"low must be below high, found low={self.low} high={self.high}")
        if self.scale == "log" and (self.values is not None or self.low <= 0):  # type: ignore
            raise ValueError("scale = 'log' needs a range with low > 0")
        return self


def _flatten_dotted(table: Any, prefix: str = "") -> Any:
    """`{world = {theft = {hazard = [..]}}}` (TOML dotted keys) as `{"world.theft.hazard": [..]}`.

    A table holding `values`, `low`, `high` or `scale` is one parameter, not a nesting level.
    """
    if not isinstance(table, dict):
        return table
    flat: dict[str, Any] = {}
    for key, value in table.items():
        path = f"{prefix}.{key}" if prefix else str(key)
        is_level = isinstance(value, dict) and value and not set(value) & set(
            SweepParameter.model_fields)
        flat.update(_flatten_dotted(value, path) if is_level else {path: value})
    return flat


class SweepSpec(Strict):
    """Experiment design for `regsim sweep`, in EMA Workbench's vocabulary.

    Keys are `--set` paths (`world.theft.hazard_per_month_at_parity`,
    `regulators.california.policies.kill_switch.threshold_flop`), quoted or as TOML dotted keys.
    Uncertainties are what the analyst cannot control; levers are policy knobs. Under `grid`
    and `lhs` each combination of the list-valued levers faces the same sample of futures;
    `sobol` and `morris` sample every parameter jointly, as their indices require.
    """

    sampler: Literal["grid", "lhs", "sobol", "morris"] = Field(
        "lhs", description="grid (full factorial), lhs (Latin hypercube), sobol (Saltelli "
        "sample for Sobol indices) or morris (trajectories for elementary effects).")
    samples: int | None = Field(
        None, ge=1, le=1_000_000, description="grid: levels per range (default 5); lhs: points "
        "(default 50); sobol: base sample N, a power of 2 (default 64; N x (parameters + 2) "
        "points); morris: trajectories (default 10; (parameters + 1) points each).")
    replicates: int | None = Field(None, ge=1, le=100_000, description="Replicates per design "
                                   "point (default: the scenario's).")
    uncertainties: dict[str, SweepParameter] = Field(
        default_factory=dict, description="What cannot be controlled: key -> values or range.")
    levers: dict[str, SweepParameter] = Field(
        default_factory=dict, description="Policy knobs: key -> values or range.")

    @model_validator(mode="before")
    @classmethod
    def _flatten_keys(cls, data: Any) -> Any:
        if isinstance(data, dict):
            data = dict(data)
            for group in ("uncertainties", "levers"):
                data[group] = _flatten_dotted(data.get(group, {}))
        return data

    @model_validator(mode="after")
    def _keys_once(self) -> SweepSpec:
        both = sorted(set(self.uncertainties) & set(self.levers))
        if both:
            raise ValueError(f"a key is either an uncertainty or a lever, not both: {both}")
        return self


class Scenario(Strict):
    scenario: ScenarioMeta
    world: WorldParams = Field(default_factory=WorldParams)
    developers: list[DeveloperSpec] = Field(min_length=1, max_length=MAX_DEVELOPERS)
    states: list[StateSpec] = Field(default_factory=list, max_length=MAX_STATES)
    regulators: list[RegulatorSpec] = Field(default_factory=list, max_length=MAX_REGULATORS)
    sweep: SweepSpec | None = None

    def to_toml_dict(self) -> dict[str, Any]:
        """The resolved scenario as a TOML-writable dict (no None values)."""
        return _drop_none(self.model_dump(mode="json"))

    def to_toml(self) -> str:
        """The resolved scenario as TOML text: a file that reproduces this run on its own."""
        import tomli_w

        # tomli_w writes plain values before tables: an empty `states = []` would top the file.
        data = {key: value for key, value in self.to_toml_dict().items() if value != []}
        return tomli_w.dumps(data)


def _drop_none(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _drop_none(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_drop_none(v) for v in value]
    return value


def json_schema() -> dict[str, Any]:
    """The JSON Schema of scenario files, for editors and `regsim schema`."""
    schema = Scenario.model_json_schema()
    schema["title"] = "regsim scenario"
    return schema
