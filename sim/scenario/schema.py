"""The scenario schema: every key a scenario file may hold, its type, unit, default and source.

Defaults carry their source in the field description ("assumption" where none exists); the
descriptions flow into the JSON Schema (`regsim schema`), docs/scenarios.md and docs/model.md's
parameter table. A field whose value is uncertain within a documented range carries that range
as `json_schema_extra={"range": [low, high]}` (plus `"scale": "log"` where it spans orders of
magnitude): `regsim run --uncertainty` draws from it (`sim.experiments.uncertainty`).
Training compute is written as raw FLOP (1e26) in files and held as log10 inside the model.
"""

from __future__ import annotations

from collections import Counter
from typing import Annotated, Any, Literal, Union

from pydantic import BaseModel, ConfigDict, Field, model_validator

from sim.calendar import format_month, parse_month
from sim.model.policies import POLICY_KINDS
from sim.scenario.types import (
    LAST_MONTH,
    BassCoefficientPerMonth,
    Description,
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
    MonthCount,
    MonthRange,
    Multiplier,
    Name,
    Oom,
    PositiveOomPerYear,
    Pressure,
    Probability,
    Question,
    RevenueShares,
    SecurityLevel,
    SignedOom,
    UsdPerFlop,
)

MAX_DEVELOPERS, MAX_STATES, MAX_REGULATORS, MAX_POLICIES = 200, 50, 50, 20
"""Most agents of each kind in one scenario (far above the world's frontier labs)."""
MAX_SWEEP_VALUE = 1e40
"""Largest magnitude of a swept range's end (the largest value any scenario key takes)."""

class Strict(BaseModel):
    """Unknown keys are errors, and values are not coerced ("12" is not a number, true not 1)."""

    model_config = ConfigDict(extra="forbid", strict=True)


def uncertain(low: float, high: float, scale: str = "linear") -> dict[str, Any]:
    """Field metadata: the documented range of an uncertain parameter."""
    return {"range": [low, high], "scale": scale}


def formulation(options: tuple[str, ...]) -> dict[str, Any]:
    """Field metadata: a categorical choice between named formulations of one mechanism, each
    sourced in docs/model.md; `--uncertainty` may draw it like a range (`[uncertainty]`
    `"world.follower.catch_up" = ["proxy_learning", "compute_bound"]`)."""
    return {"formulation": True, "options": list(options)}


CATCH_UP_FORMULATIONS = ("proxy_learning", "compute_bound", "open_weight_base")
"""How a competitor's own labs catch up (docs/model.md §7.3)."""
CHIP_SUPPLY_FORMULATIONS = ("substitution_rate", "production_bound", "hbm_bound")
"""How much of the compute denied by chip controls domestic chips replace (§7.4)."""
DISTILLATION_FORMULATIONS = ("proxy_leakage", "reseller_chain")
"""What API access distillation needs and what a serving ban cuts (§7.6)."""
UTILITY_FORMULATIONS = ("stated", "revealed")
"""The labs' choice utilities (§4.1)."""
MONEY_GROWTH_FORMULATIONS = ("run_budget", "revenue_path")
"""How a lab's revenue and other money values grow (§4.1, `sim.model.revenue`)."""


def _month_range(value: list[int], what: str) -> list[int]:
    low, high = value
    if low < 1 or high < low:
        raise ValueError(f"{what} must be [min, max] with 1 <= min <= max, found {list(value)}")
    return value


class ScenarioMeta(Strict):
    name: Name = Field(description="Short name, used for the results folder.")
    question: Question = Field(description="The question the scenario answers, one line.")
    description: Description = Field("", description="Longer description.")
    title: Label | None = Field(
        None, description="Plain title the brief uses for this scenario, e.g. \"California's "
        "kill switch (SB 1047, 2025)\" (default: the name).")
    focus: list[Name] = Field(
        default_factory=list, max_length=20,
        description="Outcomes the question is about, by key (e.g. "
        "\"state_mean_lag_months__prc\"): the brief reports them first and its bottom line "
        "answers with them (default: each state's mean lag, then the open ecosystem's).")
    start: Month = Field("2024-01", description="First simulated month.")
    months: int = Field(120, gt=0, le=1200,
                        description="Horizon in months (one step = a month; run setting).")
    seed: int = Field(12345, ge=0, lt=2**63,
                      description="Root seed of the replicates (run setting).")
    replicates: int = Field(20, ge=1, le=100_000, description="Replicates per run (run setting).")

    @model_validator(mode="after")
    def _ends_in_the_calendar(self) -> ScenarioMeta:
        last = parse_month(self.start) + self.months - 1
        if last > parse_month(LAST_MONTH):
            raise ValueError(f"the run would end in {format_month(last)}: start + months must "
                             f"end by {LAST_MONTH}")
        return self


class ComputeParams(Strict):
    usd_per_flop_2024: UsdPerFlop = Field(
        1.4e-18, description="Market cost of one training FLOP in 2024-01, USD ([D]: 1e26 FLOP on "
        "H100s at 40% utilisation and $2/GPU-hour ~ $140M; DeepSeek-V3's 3.3e24 FLOP for $5.6M "
        "gives 1.7e-18).")
    flop_price_decline_per_year: GrowthFactorPerYear = Field(
        1.9, description="Factor by which a training FLOP gets cheaper each year ([D]: frontier "
        "compute 4.5x/yr (Epoch 2024) over frontier-run spending 2.4x/yr (Cottier et al. 2024); "
        "GPU price-performance alone gives 1.4x/yr (Hobbhahn & Besiroglu 2022), the rest is "
        "number formats and utilisation).",
        json_schema_extra=uncertain(1.4, 2.5))
    ceiling_flop_2025: Flop = Field(
        1e27, description="Largest training run feasible in 2025-01, FLOP (assumption: a few "
        "times Grok-3's 4.6e26 of Feb 2025, Epoch's largest run on record then).",
        json_schema_extra=uncertain(6e26, 3e27, "log"))
    ceiling_flop_2030: Flop = Field(
        2e29, description="Largest training run feasible in 2030-01, FLOP (Sevilla et al. 2024, "
        "'Can AI scaling continue through 2030?': ~2e29, power-limited; 1e28-3e29 on one "
        "campus). The ceiling grows log-linearly between the 2025 and 2030 values.",
        json_schema_extra=uncertain(1e28, 3e29, "log"))
    ceiling_growth_after_2030_per_year: GrowthFactorPerYear = Field(
        2.0, description="Growth of the largest feasible run after 2030, x/yr (assumption: "
        "hardware efficiency ~1.3-1.4x/yr plus slower growth of power per campus).",
        json_schema_extra=uncertain(1.3, 3.0))

    @model_validator(mode="after")
    def _check(self) -> ComputeParams:
        if self.ceiling_flop_2030 < self.ceiling_flop_2025:
            raise ValueError("ceiling_flop_2030 must be at least ceiling_flop_2025")
        return self


class EcosystemParams(Strict):
    adopters: int = Field(10_000, ge=1, le=50_000_000,
                          description="Downstream fine-tuners, firms and researchers simulated. "
                          "Outcomes are shares or scaled to real units, so this sets precision, "
                          "not results (run setting).")
    bass_p_per_month: BassCoefficientPerMonth = Field(
        0.1, description="Bass innovation coefficient of open-weight adoption, per month ([D] "
        "from DeepSeek-R1: derivatives grew ~30%/day in the first week and spread over months "
        "(domain-facts-2 §6)).", json_schema_extra=uncertain(0.03, 0.3, "log"))
    bass_q_per_month: BassCoefficientPerMonth = Field(
        1.0, description="Bass imitation coefficient of open-weight adoption, per month ([D], as "
        "p: launch-phase q 3-8/month, long-tail q 0.3-0.6/month).",
        json_schema_extra=uncertain(0.3, 3.0, "log"))
    api_bass_p_per_month: BassCoefficientPerMonth = Field(
        0.05, description="Bass innovation coefficient of adopting a new API model, per month "
        "(assumption: integrating an API takes longer than downloading weights).")
    api_bass_q_per_month: BassCoefficientPerMonth = Field(
        0.5, description="Bass imitation coefficient of API adoption, per month (assumption).")
    jurisdiction_shares: RevenueShares = Field(
        {"US": 0.35, "EU": 0.2, "CN": 0.25, "ROW": 0.2},
        description="Share of adopters in each jurisdiction (assumption; Hugging Face download "
        "shares Aug 2024-Aug 2025: China 17.1%, US 15.8% (MIT/HF 2025)); must sum to 1.")
    derivatives_at_saturation: float = Field(
        50_000, ge=1, le=1e8, allow_inf_nan=False,
        description="Derivative models a leading open family accumulates once every adopter holds "
        "it: the real unit of 'copies beyond any switch' (Hugging Face retrospective 2026: "
        "Llama ~27,000, Qwen >113,000 derivatives by mid-2025).",
        json_schema_extra=uncertain(27_000, 180_000, "log"))

    @model_validator(mode="after")
    def _shares_sum_to_one(self) -> EcosystemParams:
        total = sum(self.jurisdiction_shares.values())
        if abs(total - 1.0) > 1e-6:
            raise ValueError(f"jurisdiction_shares must sum to 1, found {total:.4g}")
        return self


class TheftParams(Strict):
    hazard_per_month_at_parity: HazardPerMonth = Field(
        0.0005, description="Monthly chance an attacker of tier OC steals a lab's best closed "
        "weights when OC equals the lab's SL (assumption, bounded by the public record: no "
        "state theft of frontier weights was made public in 2023-25, so the public hazard is "
        "<= 0.8% per lab-month at 95% [D]).", json_schema_extra=uncertain(0.0, 0.002))
    hazard_multiplier_per_tier: FactorPerTier = Field(
        2.0, description="Factor per tier of OC above SL (RAND 2024 feasibility scale, <=20% to "
        ">80%; assumption).", json_schema_extra=uncertain(1.5, 4.0))
    max_hazard_per_month: Probability = Field(
        0.05, description="Cap on the monthly hazard (assumption; range 0.02-0.1: an OC5 "
        "attacker against SL1 succeeds within a few years, not months; not decisive in the "
        "screening, docs/screening.md).", json_schema_extra=uncertain(0.02, 0.1, "log"))
    public_detection_probability: Probability = Field(
        0.3, description="Share of thefts that ever become public (assumption; the Ding case "
        "and OpenAI's 2023 breach came out; most intrusions are never disclosed).",
        json_schema_extra=uncertain(0.1, 0.7))
    detection_delay_months: MonthRange = Field(
        [7, 20], description="[min, max] months from a theft to its public disclosure ([D]: "
        "Ding ~22 months from exfiltration to indictment, OpenAI breach ~15 months).")

    @model_validator(mode="after")
    def _check(self) -> TheftParams:
        _month_range(self.detection_delay_months, "detection_delay_months")
        return self


class ComplianceParams(Strict):
    utilities: Literal["stated", "revealed"] = Field(
        "stated", description="How the labs value what a choice gives up (docs/model.md §4.1). "
        "stated (model v2): each lab's openness value is a fixed strategic stake (assumption), "
        "and withholding a model loses all its sales in that market. revealed: set from "
        "observed decisions: openness grows with the lab like its other money values (Meta "
        "kept Llama open from Llama 2 to the 405B model as its spending grew >10x; DeepSeek "
        "and Qwen stayed open; OpenAI opened gpt-oss in Aug 2025), and withholding loses only "
        "`withhold_loss_share` of those sales, because labs withhold for months and then ship "
        "(Bard ~4, Apple Intelligence ~10, Meta AI ~18 months; domain-facts-2 §4A).",
        json_schema_extra=formulation(UTILITY_FORMULATIONS))
    openness_value_scale: Multiplier = Field(
        1.0, description="Multiplies every lab's openness_value_musd (assumption: the per-lab "
        "values are unsourced; the range spans a third to three times them, so that drawing it "
        "shows how much an answer rests on them).", json_schema_extra=uncertain(0.3, 3.0, "log"))
    delay_cost_scale: Multiplier = Field(
        1.0, description="Multiplies every lab's delay_cost_musd_per_month (assumption: the "
        "per-lab values are a quarter of a month's revenue or guesses; range a third to three "
        "times).", json_schema_extra=uncertain(0.3, 3.0, "log"))
    openness_value_max_run_cost_multiple: Multiplier = Field(
        1.0, description="revealed utilities: the most a lab's openness value grows to, as a "
        "multiple of what its current frontier run costs (USD M per USD M); a lab whose stated "
        "stake is larger keeps its stake. Without it the value grew with the lab's spending to "
        "~140 times the run's cost (USD 2.2 trillion a release for Meta in 2033). Assumption: the "
        "largest runs of 2025 were not opened (Llama 4 Behemoth stayed unreleased; OpenAI "
        "opened only the small gpt-oss) and Meta would open a '$10B model' only while it pays "
        "back, citing community efficiency savings of billions as Open Compute's were "
        "(Dwarkesh Patel podcast, Apr 2024); so one release's openness is worth about its "
        "training cost, a third to three times (docs/model.md §4.1).",
        json_schema_extra=uncertain(0.3, 3.0, "log"))
    withhold_loss_share: Probability = Field(
        0.5, description="revealed utilities: share of a model's sales in a market lost by "
        "withholding it there (withholding episodes of 1-18 months, median ~7, against a "
        "release's ~6-12 months on top: domain-facts-2 §4A; assumption for the value).",
        json_schema_extra=uncertain(0.2, 1.0))
    relative_temperature: Probability = Field(
        0.25, description="Scale of utility noise in a lab's choices, relative to the cheapest "
        "option's cost (assumption): an option 25% costlier than the cheapest is chosen e^-1 as "
        "often. Relative noise keeps big and small stakes equally decisive. Range 0.1-0.5 "
        "(assumption: from near-deterministic choices to a coin toss between options 50% apart; "
        "no study measures it).", json_schema_extra=uncertain(0.1, 0.5))
    temperature_floor_share: Probability = Field(
        0.01, description="Least noise, as a share of what one release is worth, so that free "
        "options do not make choices exact (assumption; range 0.003-0.03, a factor 3 either "
        "way).", json_schema_extra=uncertain(0.003, 0.03, "log"))
    shade_margin_oom: MarginOom = Field(
        0.05, description="How far below a threshold a shaded release lands, OOM (assumption; "
        "range 0.02-0.2: from just under the line to a fifth of an OOM, the precision of a "
        "lab's FLOP accounting).", json_schema_extra=uncertain(0.02, 0.2))
    planning_horizon_months: MonthCount = Field(
        36, description="Months of future covered releases a lab weighs against a permanent "
        "choice (relocating, leaving a market) (assumption; range 12-60: one to five years, "
        "the span of a lab's published roadmaps and of a compute generation or two).",
        json_schema_extra=uncertain(12, 60))
    split_openness_kept_share: Probability = Field(
        0.5, description="Share of a release's openness value a lab keeps when it releases the "
        "big model closed and a smaller one open (assumption; range 0.2-0.8: Meta kept Llama 4 "
        "Scout/Maverick open and Behemoth unreleased, which says the share is neither 0 nor 1).",
        json_schema_extra=uncertain(0.2, 0.8))
    exit_cost_multiplier: Multiplier = Field(
        3.0, description="Leaving a market for good costs this many times the sales it gives up "
        "(other products, partners, reputation; assumption: no lab has left a major "
        "jurisdiction, domain-facts-2 §4A; range 1-10: at 1 an exit costs only the sales, which "
        "would make exits common; 10 makes them as rare as observed at any stake).",
        json_schema_extra=uncertain(1.0, 10.0, "log"))


class ComputeBoundParams(Strict):
    """Parameters of the `compute_bound` catch-up formulation (docs/model.md §7.3)."""

    catch_up_algorithmic_progress_oom_per_year: PositiveOomPerYear = Field(
        1.78, description="How fast the training compute needed to reach a capability the "
        "frontier already has falls, OOM/yr (Scher 2025, LessWrong, 'Catch-up algorithmic "
        "progress might actually be 60x per year': 16-60x/yr over 2023-25 including "
        "post-training, ~12.7x/yr in another fit, possibly too high; the range runs from 3x/yr, "
        "frontier algorithmic progress (Ho et al. 2024), i.e. no catch-up advantage, to 60x/yr). "
        "Calibrated per formulation (docs/model.md §9.1.1): it ends at the top of the range with "
        "the competitor's lag still above 7 months.",
        json_schema_extra=uncertain(0.48, 1.78))
    knowledge_lag_months: MonthCount = Field(
        3, description="Months before an innovation behind a released model can be replicated "
        "by others (papers, staff, inspection of outputs; assumption: DeepSeek-V3 matched "
        "GPT-4o-class models ~7 months after GPT-4o, R1 matched o1 ~4 months after it).",
        json_schema_extra=uncertain(1, 9))


class OpenWeightBaseParams(Strict):
    """Parameters of the `open_weight_base` catch-up formulation (docs/model.md §7.3)."""

    post_training_gain_oom: Oom = Field(
        0.8, description="Capability a follower adds to a released open model it builds on, by "
        "its own post-training and data, OOM of effective compute (Davidson et al. 2023: "
        "post-training enhancements are worth 5-30x training compute, 0.7-1.5 OOM, most "
        "already in the released model; assumption for the share left to a follower). "
        "Calibrated per formulation (docs/model.md §9.1.1).",
        json_schema_extra=uncertain(0.0, 1.2))


class FollowerParams(Strict):
    catch_up: Literal["proxy_learning", "compute_bound", "open_weight_base"] = Field(
        "proxy_learning", description="How a fast-follower lab (one with a "
        "follower_discount_oom) catches up (docs/model.md §7.3; Epoch 2025, 'Keeping up with "
        "the GPTs': own algorithms, replicating the frontier's innovations, leveraging its "
        "models). proxy_learning: from any better model, closed ones through proxies, with no "
        "compute of its own; compute_bound: its own compute plus innovations that diffuse "
        "after knowledge_lag_months, faster for capabilities the frontier already has (catch-up "
        "algorithmic progress, Scher 2025), so chip controls bite; open_weight_base: its own "
        "compute or the best open weights it can build on.",
        json_schema_extra=formulation(CATCH_UP_FORMULATIONS))
    delay_months: MonthCount = Field(
        2, description="Months a fast-follower lab needs to build on a better model it can "
        "reach (distillation, fine-tuning, imitation; calibrated, docs/model.md §9; range 1-7: "
        "R1-distilled models came days after R1, DeepSeek-V3 ~7 months after GPT-4o).",
        json_schema_extra=uncertain(1, 7))
    closed_teacher_extra_oom: Oom = Field(
        0.1, description="Extra capability lost when learning from a closed model's outputs "
        "rather than from open weights, OOM (assumption; Gudibande et al. 2023: imitation "
        "copies style more than knowledge; range 0-0.3, up to the distillation discount).",
        json_schema_extra=uncertain(0.0, 0.3))
    leakage_share: Probability = Field(
        0.8, description="Share of API access left where a closed model is not served "
        "(proxies, resellers); learning through leakage takes delay / share months "
        "(assumption: distillation continued through proxy networks into 2026, Anthropic "
        "2026).", json_schema_extra=uncertain(0.3, 0.95))


    compute_bound: ComputeBoundParams = Field(default_factory=ComputeBoundParams)
    open_weight_base: OpenWeightBaseParams = Field(default_factory=OpenWeightBaseParams)


class ChipSupplyParams(Strict):
    """Domestic AI accelerators in a state targeted by chip export controls: how much of the
    compute the controls deny they replace (docs/model.md §7.4). Used by chip_export_controls."""

    formulation: Literal["substitution_rate", "production_bound", "hbm_bound"] = Field(
        "substitution_rate", description="substitution_rate: a share of the denied compute "
        "replaced, growing linearly (the instrument's domestic_substitution_* values; "
        "assumption); production_bound: domestic output (chips/yr, from 200k (BIS, Jun 2025) to "
        "805k (SemiAnalysis, Sep 2025) in 2025, growing with SMIC's advanced-node capacity) "
        "against the demand the controls deny; hbm_bound: the same, capped from 2026 by the "
        "HBM stacks the targets can obtain (SemiAnalysis 2025: HBM, not logic, binds).",
        json_schema_extra=formulation(CHIP_SUPPLY_FORMULATIONS))
    domestic_output_2025_chips: float = Field(
        4e5, ge=0.0, le=1e9, allow_inf_nan=False,
        description="Domestic AI accelerators (Ascend-class) produced in 2025, chips (BIS, House "
        "testimony Jun 2025: <= 200k; FT/Digitimes plan 2025: 100k 910C + 300k 910B; "
        "SemiAnalysis Sep 2025: ~805k; the default is the plan, near the range's geometric "
        "mean).", json_schema_extra=uncertain(2e5, 8.05e5, "log"))
    production_growth_per_year: GrowthFactorPerYear = Field(
        1.33, description="Growth of domestic accelerator output, x/yr (SemiAnalysis 2025: SMIC "
        "advanced-node capacity ~45k wafers/month end-2025, 60k in 2026, 80k in 2027, i.e. "
        "~1.33x/yr; yields 20-40% rising, 2026 reports of up to 1.6M dies (weak) give the top "
        "of the range).", json_schema_extra=uncertain(1.1, 2.0))
    h100_equivalent_per_chip: float = Field(
        0.6, gt=0.0, le=10.0, allow_inf_nan=False,
        description="Compute of one domestic accelerator in H100s (Ascend 910C ~60% of an H100 "
        "in inference, alternative claims ~half, domain-facts-2 §5A; 910B lower).",
        json_schema_extra=uncertain(0.3, 0.8))
    hbm_bound_chips_per_year: float = Field(
        3e5, ge=0.0, le=1e9, allow_inf_nan=False,
        description="hbm_bound: most accelerators a year the HBM the targets can obtain supports "
        "from 2026-01, chips (SemiAnalysis Sep 2025: output falls to ~300k in 2026 unless HBM "
        "is found; ~13M stockpiled stacks suffice for ~1.6M 910C in all, the top of the range).",
        json_schema_extra=uncertain(3e5, 1.6e6, "log"))
    denied_demand_2025_h100e: float = Field(
        1e6, gt=0.0, le=1e9, allow_inf_nan=False,
        description="Accelerators the targets' labs would buy abroad in 2025 without controls, "
        "H100-equivalents (assumption bounded by Nvidia's China sales: ~13% of FY-Jan-2025 "
        "revenue, ~$17B, ~0.7M H100s at ~$25k; Bernstein: ~1.5M H20 in 2025).",
        json_schema_extra=uncertain(5e5, 2e6, "log"))
    demand_growth_per_year: GrowthFactorPerYear = Field(
        2.0, description="Growth of that demand in H100-equivalents, x/yr ([D]: Chinese "
        "training compute ~3x/yr (Epoch, Jan 2025) over chip price-performance ~1.4x/yr "
        "(Hobbhahn & Besiroglu 2022)).", json_schema_extra=uncertain(1.5, 3.0))


class DistillationParams(Strict):
    formulation: Literal["proxy_leakage", "reseller_chain"] = Field(
        "reseller_chain", description="What API access learning from a foreign closed model "
        "needs, and what a serving ban cuts (`sim/model/distillation.py`, docs/model.md §7.6). "
        "proxy_leakage (model v2): proxies leak `follower.leakage_share` wherever a model is "
        "not served, so a serving ban does nothing where the lab does not serve the learner "
        "anyway (Anthropic 2026: distillation through proxy networks after the 2024-25 "
        "corporate blocks). reseller_chain: the proxy route runs through resellers and "
        "accounts in served markets, which a serving ban made law cuts by "
        "`serving_ban_proxy_cut` (BIS's Jan 2024 proposed KYC rule for US cloud resellers; "
        "the Remote Access Security Act, passed by the House Jan 2026). The two agree wherever "
        "no serving ban is in force (the baseline).",
        json_schema_extra=formulation(DISTILLATION_FORMULATIONS))
    serving_ban_proxy_cut: Probability = Field(
        0.5, description="reseller_chain: share of proxy access a legal serving ban removes "
        "(assumption: no such ban has been enforced yet; the range runs from leaky KYC, as the "
        "24,000 fraudulent accounts Anthropic found in 2026 suggest, to a ban that binds "
        "resellers as re-export controls do).", json_schema_extra=uncertain(0.2, 0.9))


class RevenuePathParams(Strict):
    """Parameters of the `revenue_path` money growth (`sim.model.revenue`, docs/model.md
    §4.1): the labs' AI revenue from sourced figures and projections, not their run budgets."""

    growth_2024_per_year: GrowthFactorPerYear = Field(
        3.5, description="How many times a lab's AI revenue grows from 2024 to 2025, x/yr "
        "(OpenAI: USD 3.7B in 2024, ~13B in 2025, The Decoder Oct 2025; range 1.7-4.7: from "
        "Google's fastest five years, ~1.7x/yr over 2003-08 (Battelle 2025), to Anthropic's "
        "USD ~1B in 2024 (Amodei, Dwarkesh Podcast 2026) to 4.7B in 2025 (The Information via "
        "The Decoder, Nov 2025)).",
        json_schema_extra=uncertain(1.7, 4.7))
    growth_half_life_years: float = Field(
        2.0, ge=0.1, le=50.0, allow_inf_nan=False,
        description="Years in which the log of a year's revenue growth halves, yr (fitted to "
        "the labs' own projections: OpenAI's USD 13B in 2025 to 125B in 2029 (The Information, "
        "Apr 2025) gives 2.0 years after its 3.5x of 2025, its 174B in 2030 2.6; Anthropic's "
        "3.2x, 2.6x and 1.8x over 2026-28 (The Information, Nov 2025) 3.1 and 1.5; range "
        "1.3-3.1: that spread, widened a little (assumption)).",
        json_schema_extra=uncertain(1.3, 3.1))
    max_annual_revenue_musd: MoneyMusd = Field(
        213_000.0, description="Most a lab's AI revenue reaches a year, USD M (HSBC, Nov 2025: "
        "OpenAI's revenue > USD 213B in 2030, the highest independent forecast for any lab; "
        "range 100,000-515,000 on a log scale: from OpenAI's 'USD 100B by 2028-29' to HSBC's "
        "whole 2030 market for consumer and enterprise AI, USD 129B + 386B, which one lab "
        "cannot exceed). A lab that starts above it keeps its start value.",
        json_schema_extra=uncertain(100_000.0, 515_000.0, "log"))


class WorldParams(Strict):
    algo_efficiency_growth_oom_per_year: PositiveOomPerYear = Field(
        0.45, description="Algorithmic efficiency growth, OOM/yr (Ho et al. 2024: 2.8x/yr, "
        "95% CI 1.8-5.3x/yr).", json_schema_extra=uncertain(0.26, 0.72))
    prehistory_frontier_growth_oom_per_year: PositiveOomPerYear = Field(
        1.1, description="Frontier capability growth before the start, for lags "
        "([D]: 4.5x/yr compute x 2.8x/yr algorithms).")
    frontier_tier_months: MonthCount = Field(
        6, description="Capability the frontier had at most this many months ago counts as "
        "frontier-tier (assumption).")
    covered_model_threshold_flop: Flop = Field(
        1e26, description="Models at or above this training compute count as covered for "
        "kill-switch coverage and copies of covered open weights beyond any switch: a "
        "measurement line, the same "
        "in every scenario of a comparison whatever its instruments (SB 1047: 1e26).")
    capability_milestones_flop: FlopSet = Field(
        [1e27, 1e28], description="Effective-compute levels whose first state access is "
        "reported (run setting: "
        "what to measure).")
    market_shares: RevenueShares = Field(
        {"US": 0.45, "US-CA": 0.07, "EU": 0.2, "CN": 0.2, "ROW": 0.15},
        description="Share of world AI sales in each jurisdiction; a sub-jurisdiction (US-CA) is "
        "part of its parent (assumption; California ~15% of US GDP [R]).")
    derivative_publicity_per_month: HazardPerMonth = Field(
        0.05, description="Monthly chance that a state's military fine-tune of a foreign model "
        "is publicised while it is news (assumption; ChatBIT: paper ~11 months after Llama 2, "
        "Reuters 4-5 months later, the one such case on record).",
        json_schema_extra=uncertain(0.02, 0.2, "log"))
    derivative_newsworthy_months: MonthCount = Field(
        24, description="A military fine-tune stops being news once the state fields a newer one "
        "or after this many months (assumption; range 12-36; ChatBIT was reported ~16 months "
        "after Llama 2; not decisive in the screening).", json_schema_extra=uncertain(12, 36))
    aup_detection_multiplier: Multiplier = Field(
        1.5, description="Publicity is this many times likelier for a model whose licence bans "
        "military use (assumption; range 1-3; the one case on record, ChatBIT, was a Llama "
        "model; not decisive in the screening).", json_schema_extra=uncertain(1.0, 3.0))
    compute: ComputeParams = Field(default_factory=ComputeParams)
    follower: FollowerParams = Field(default_factory=FollowerParams)
    chip_supply: ChipSupplyParams = Field(default_factory=ChipSupplyParams)
    distillation: DistillationParams = Field(default_factory=DistillationParams)
    ecosystem: EcosystemParams = Field(default_factory=EcosystemParams)
    theft: TheftParams = Field(default_factory=TheftParams)
    compliance: ComplianceParams = Field(default_factory=ComplianceParams)
    money_growth: Literal["run_budget", "revenue_path"] = Field(
        "run_budget", description="How a lab's revenue and its other money values (a "
        "release's value, the value of capability, delay and relocation costs; openness under "
        "the revealed utilities) grow (docs/model.md §4.1). run_budget (model v2): with its "
        "frontier-run budget (2.4x/yr for the US labs, Cottier et al. 2024), unsourced as a "
        "revenue path past 2027 (Meta's AI revenue reaches USD 1.8 trillion a year by 2033 at "
        "the baseline's values, more in some draws); revenue_path: along the labs' sourced "
        "revenue path (`world.revenue_path`: OpenAI 3.5x in 2025, growth halving in log every "
        "~2 years as OpenAI's and Anthropic's projections do, capped at HSBC's USD 213B "
        "forecast for OpenAI in 2030).",
        json_schema_extra=formulation(MONEY_GROWTH_FORMULATIONS))
    revenue_path: RevenuePathParams = Field(default_factory=RevenuePathParams)

    @model_validator(mode="after")
    def _check(self) -> WorldParams:
        if abs(sum(v for k, v in self.market_shares.items() if "-" not in k) - 1.0) > 1e-6:
            raise ValueError("market_shares of top-level jurisdictions (no '-') must sum to 1")
        return self


class DeveloperSpec(Strict):
    name: Name
    label: Label | None = Field(None, description="Display name in narratives.")
    jurisdiction: Jurisdiction = Field(description="Domicile, e.g. US-CA, US, EU, CN, ROW.")
    release_strategy: Literal["open", "closed", "hybrid"] = Field(
        description="open weights, closed (API), or hybrid: open below open_size_limit_flop; "
        "above it, the big model closed and a smaller one open at the limit.")
    open_size_limit_flop: Flop | None = Field(None, description="Hybrid labs: largest open "
                                              "release.")
    initial_run_flop: Flop = Field(description="Training FLOP of the releases its compute "
                                   "supports at the start (its current cluster).")
    initial_model_flop: Flop | None = Field(None, description="Its latest model before the start.")
    initial_model_age_months: int = Field(
        0, ge=0, le=240, description="Months since that release (per lab: Epoch's release dates).")
    run_budget_musd: MoneyMusd = Field(
        100.0, description="What its next, bigger frontier run would cost at the start, USD M "
        "(assumption, scaled from its largest run in Epoch's database).")
    spending_growth_per_year: GrowthFactorPerYear = Field(
        2.4, description="Growth of its frontier-run budget, x/yr (Cottier et al. 2024: amortised "
        "cost of the largest runs 2.4x/yr, 90% CI 2.0-2.9).",
        json_schema_extra=uncertain(2.0, 2.9))
    max_run_budget_musd: MoneyMusd | None = Field(
        None, description="Most it can ever spend on one run, USD M (none: only the world's "
        "feasibility ceiling binds; assumption).")
    cluster_interval_months: MonthRange = Field(
        [12, 24], description="[min, max] months between its compute generations: each bigger "
        "run becomes releasable this long after the last (assumption; Pilz et al. 2025: the "
        "largest AI supercomputer doubles every 9 months).")
    first_cluster_months: MonthRange | None = Field(
        None, description="[min, max] months from the start to its next compute generation "
        "(default: 1 to the interval's max).")
    cadence_months: MonthRange = Field(
        [4, 8], description="[min, max] months between releases (assumption: frontier labs "
        "released a new model every ~4-6 months in 2023-25, Epoch database).")
    capability_offset_oom: SignedOom = Field(
        0.0, description="Lab-specific algorithmic edge, OOM of effective compute (assumption; "
        "range -0.3 to 0.3 for the Chinese labs in the baseline's [uncertainty]: the replay "
        "dates their first model above GPT-4 four months early, so a handicap is plausible).",
        json_schema_extra=uncertain(-0.3, 0.3))
    follower_discount_oom: Oom | None = Field(
        None, description="A fast follower: its releases reach at least the best model it can "
        "learn from, less this many OOM (none: only its own compute counts; calibrated, see "
        "docs/model.md §9).", json_schema_extra=uncertain(0.1, 0.6))
    security_level: SecurityLevel = Field(2, description="RAND weight-security level (AI-2027: "
                                          "leading labs near SL2-SL3).")
    markets: JurisdictionSet = Field(["US", "EU", "CN", "ROW"], description="Where it sells.")
    sales_shares: RevenueShares | None = Field(
        None, description="Its sales by jurisdiction (default: the world's market_shares over its "
        "markets; assumption).")
    annual_revenue_musd: MoneyMusd = Field(
        1000.0, description="Its AI revenue per year at the start, USD M: what its releases and "
        "markets are worth (assumption; OpenAI's ~$3.7B in 2024 is the one sourced value; the "
        "baseline draws each lab's x1/2-2 under --uncertainty). This and its other money values "
        "grow with its frontier-run budget, or along world.revenue_path (world.money_growth).")
    openness_value_musd: MoneyMusd = Field(
        0.0, description="Value it puts on releasing a model open rather than closed, USD M per "
        "release (assumption: no lab states one; the baseline draws each lab's x1/4-4 under "
        "--uncertainty, an order of magnitude either side of the stated guess).")
    capability_value_musd_per_oom: MoneyMusd = Field(
        500.0, description="Value of one OOM more training compute in a release, USD M "
        "(assumption; the baseline draws each lab's x1/4-4 under --uncertainty).")
    delay_cost_musd_per_month: MoneyMusd = Field(
        5.0, description="Cost of a month's delay of a release, USD M (assumption; the baseline "
        "draws each lab's x1/4-4 under --uncertainty: from a week's to a month's revenue).")
    relocation_cost_musd: MoneyMusd = Field(500.0, description="Cost of moving domicile, USD M "
                                            "(assumption).")
    defiance_reputation_share: Probability = Field(
        0.2, description="Share of a release's sales in a jurisdiction it loses in reputation, "
        "partners and legal exposure by openly defying that jurisdiction's rules (assumption; "
        "range 0.05-0.5: DeepSeek kept operating after Italy's block, an established lab's "
        "partners would not).", json_schema_extra=uncertain(0.05, 0.5))
    relocation_months: MonthCount = Field(12, description="Months a move takes (assumption).")
    relocation_jurisdiction: Jurisdiction = Field("ROW", description="Where it would move.")
    aup_bans_military: bool = Field(False, description="Its licence bans military use (Llama AUP).")
    active_until: Month | None = Field(None, description="Last month it releases models "
                                       "(none: throughout).")

    @model_validator(mode="after")
    def _check(self) -> DeveloperSpec:
        _month_range(self.cadence_months, "cadence_months")
        _month_range(self.cluster_interval_months, "cluster_interval_months")
        if self.first_cluster_months is not None:
            _month_range(self.first_cluster_months, "first_cluster_months")
        if self.release_strategy == "hybrid" and self.open_size_limit_flop is None:
            raise ValueError("a hybrid developer needs open_size_limit_flop")
        return self


class DeveloperGroupSpec(DeveloperSpec):
    """A long tail of similar, unnamed developers, represented compactly: `count` members
    named `<name>_01`, `<name>_02`, ... that share every value except their budget and current
    run, which are spread log-evenly from 1/`budget_spread` to `budget_spread` times the
    group's (so the group's median member has the group's values)."""

    count: int = Field(ge=1, le=100, description="Members of the group (for unnamed labs an "
                       "assumption: the brief lists it among the assumptions the outcomes rest "
                       "on).")
    budget_spread: float = Field(
        3.0, ge=1.0, le=100.0, allow_inf_nan=False,
        description="The largest member's budget and run over the group's (and the group's over "
        "the smallest member's), x (assumption: the spread of the group's members in Epoch's "
        "database is about 3x either way).")

    def members(self) -> list[DeveloperSpec]:
        """The members as developers."""
        data = self.model_dump(exclude={"count", "budget_spread"})
        label = data.pop("label") or self.name
        members = []
        for index in range(self.count):
            position = 0.0 if self.count == 1 else 2.0 * index / (self.count - 1) - 1.0
            factor = self.budget_spread ** position
            member = dict(data, name=f"{self.name}_{index + 1:02d}",
                          label=f"{label} {index + 1}",
                          run_budget_musd=self.run_budget_musd * factor,
                          initial_run_flop=min(1e40, self.initial_run_flop * factor))
            if self.max_run_budget_musd is not None:
                member["max_run_budget_musd"] = self.max_run_budget_musd * factor
            members.append(DeveloperSpec.model_validate(member))
        return members


class StateSpec(Strict):
    name: Name
    label: Label | None = Field(None, description="Display name in narratives.")
    jurisdictions: JurisdictionSet = Field(min_length=1, description="Its territory; labs "
                                           "domiciled there are its domestic labs.")
    attacker_tier: SecurityLevel = Field(4, description="RAND operational capacity OC1-OC5 "
                                         "(state groups: OC4 routine, OC5 top priority).")
    absorption_months: MonthRange = Field(
        [3, 12], description="[min, max] months from an open release to a military fine-tune "
        "(Llama 2 -> ChatBIT paper ~11 months; Norinco used DeepSeek-R1 within a month).")
    absorption_discount_oom: Oom = Field(
        0.0, description="Capability lost in the fine-tune, OOM (assumption; range 0-0.3: "
        "ChatBIT claimed ~90% of GPT-4 from Llama 13B, CSET judged it of limited use).",
        json_schema_extra=uncertain(0.0, 0.3))
    distillation_hazard_per_month: HazardPerMonth = Field(
        0.3, description="Monthly chance of distilling the best foreign closed model it can "
        "reach (assumption; distillation campaigns ran continuously in 2024-26: Microsoft "
        "2025, Anthropic 2026).", json_schema_extra=uncertain(0.05, 0.6))
    distillation_months: int = Field(
        3, ge=0, le=60, description="Months a distillation takes (assumption; range 1-6: "
        "R1-distilled students came within days of R1, a campaign of 16M exchanges ran for "
        "months, Anthropic 2026).", json_schema_extra=uncertain(1, 6))
    distillation_discount_oom: Oom = Field(
        0.3, description="Capability lost by distilling through an API, OOM (assumption; "
        "DeepSeek-R1's distilled students reach 87-97% of the teacher on reasoning tasks, "
        "imitation closes little of the gap on broad knowledge).",
        json_schema_extra=uncertain(0.1, 0.8))
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
        description="Labs based there (domicile) or also labs selling there (market, as SB 1047 "
        "and the EU AI Act).")
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


class DatedChange(Strict):
    """Values that change at the start of a month during a run (a policy enacted or tightened,
    a lab changing strategy): `set` maps `--set` keys to TOML values. A change may alter any
    value of an existing agent or policy, including `enabled`, but not add or remove entries,
    rename them, or change the scenario's timing, population or design tables."""

    month: Month = Field(description="Month the change takes effect (at the start of it).")
    set: dict[str, Any] = Field(min_length=1, max_length=200,
                                description="`--set` key -> new value.")
    note: Description = Field("", description="Why (shown in the narrative).")


class Scenario(Strict):
    scenario: ScenarioMeta
    world: WorldParams = Field(default_factory=WorldParams)
    developers: list[DeveloperSpec] = Field(min_length=1, max_length=MAX_DEVELOPERS)
    developer_groups: list[DeveloperGroupSpec] = Field(
        default_factory=list, max_length=50, description="Long tails of unnamed developers.")
    states: list[StateSpec] = Field(default_factory=list, max_length=MAX_STATES)
    regulators: list[RegulatorSpec] = Field(default_factory=list, max_length=MAX_REGULATORS)
    changes: list[DatedChange] = Field(default_factory=list, max_length=500,
                                       description="Dated changes, applied in month order.")
    uncertainty: dict[str, SweepParameter] = Field(
        default_factory=dict, description="Parameters drawn per replicate under --uncertainty: "
        "`--set` key -> range (default with no table: every documented range).")
    sweep: SweepSpec | None = None

    @model_validator(mode="before")
    @classmethod
    def _flatten_uncertainty(cls, data: Any) -> Any:
        if isinstance(data, dict) and isinstance(data.get("uncertainty"), dict):
            data = dict(data)
            data["uncertainty"] = _flatten_dotted(data["uncertainty"])
        return data

    @model_validator(mode="after")
    def _member_names_unique(self) -> Scenario:
        total = len(self.developers) + sum(g.count for g in self.developer_groups)
        if total > MAX_DEVELOPERS:
            raise ValueError(f"at most {MAX_DEVELOPERS} developers in all, counting group "
                             f"members; found {total}")
        names = [d.name for d in self.developers]
        names += [m.name for g in self.developer_groups for m in g.members()]
        counts, named = Counter(names), Counter(d.name for d in self.developers)
        # Repeats among named developers alone are the loader's to report (with their file).
        repeated = sorted(n for n, count in counts.items() if count > max(1, named[n]))
        if repeated:
            raise ValueError(f"developer names must be unique, including group members "
                             f"(<group>_01, ...); repeated: {', '.join(repeated)}")
        return self

    @model_validator(mode="after")
    def _runs_feasible_at_the_start(self) -> Scenario:
        import math

        from sim.calendar import parse_month
        from sim.model.compute import CostModel

        ceiling = CostModel(self.world.compute).ceiling_log10_flop(
            parse_month(self.scenario.start))
        for developer in self.all_developers():
            if math.log10(developer.initial_run_flop) > ceiling + 1e-9:
                raise ValueError(
                    f"developer {developer.name}: initial_run_flop "
                    f"{developer.initial_run_flop:.3g} is above the largest feasible run at the "
                    f"start ({10 ** ceiling:.3g} FLOP from world.compute's ceiling)")
        return self

    def all_developers(self) -> list[DeveloperSpec]:
        """The named developers and every group's members, in that order."""
        return [*self.developers, *(m for g in self.developer_groups for m in g.members())]

    def to_toml_dict(self) -> dict[str, Any]:
        """The resolved scenario as a TOML-writable dict (no None values)."""
        return _drop_none(self.model_dump(mode="json"))

    def to_toml(self) -> str:
        """The resolved scenario as TOML text: a file that reproduces this run on its own."""
        import tomli_w

        # tomli_w writes plain values before tables: an empty `states = []` would top the file.
        data = {key: value for key, value in self.to_toml_dict().items() if value not in ([], {})}
        return tomli_w.dumps(data)


def _drop_none(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _drop_none(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_drop_none(v) for v in value]
    return value


def formulation_options() -> dict[str, tuple[str, ...]]:
    """Every categorical formulation field of a scenario: `--set` key -> its options, default
    first (`"world.follower.catch_up"` -> ("proxy_learning", "compute_bound", ...)). A field is
    a formulation when its metadata says so (`formulation(...)`)."""
    found: dict[str, tuple[str, ...]] = {}
    _walk_formulations(WorldParams, "world", found)
    return found


def _walk_formulations(model: type[BaseModel], prefix: str,
                       found: dict[str, tuple[str, ...]]) -> None:
    for name, field in model.model_fields.items():
        extra = field.json_schema_extra if isinstance(field.json_schema_extra, dict) else {}
        if extra.get("formulation"):
            default = field.get_default()
            options = tuple(extra["options"])
            found[f"{prefix}.{name}"] = (default, *(o for o in options if o != default))
        annotation = field.annotation
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            _walk_formulations(annotation, f"{prefix}.{name}", found)


def json_schema() -> dict[str, Any]:
    """The JSON Schema of scenario files, for editors and `regsim schema`."""
    schema = Scenario.model_json_schema()
    schema["title"] = "regsim scenario"
    return schema
