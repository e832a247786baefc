"""The publications behind checks, and what each one measured (its identity).

Each source records the **measurement** it supplies: the dataset and the quantity measured on
it (`identity`), and the scenario parameters that were set from it (`sets`). A check is
labelled validation only if no parameter was set against it and none of its sources' identities
is one a parameter was set from (`sim.validity.checks.label_checks`), so the identities are data
a test can compare. Two sources from one publisher with different quantities (Epoch's ECI lag of
2023 and its 2024-26 mean) are different measurements; the same quantity cited twice is one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Source:
    """One publication: who, what, when, where, and the measurement it supplies."""

    key: str
    author: str
    title: str
    year: int
    url: str
    """Empty where domain-facts.md records none."""
    dataset: str = ""
    """The data the measurement is made on (e.g. 'Epoch Capabilities Index')."""
    quantity: str = ""
    """What was measured on it (e.g. "China's lag in 2023")."""
    sets: tuple[str, ...] = ()
    """Scenario parameters whose default or baseline value was set from this measurement
    ('developers[].x' for every lab's x, 'developers.NAME.x' for one lab's)."""

    @property
    def identity(self) -> str:
        """The measurement: '<dataset> / <quantity>' (two sources with one identity are one
        measurement)."""
        return f"{self.dataset or self.author} / {self.quantity or self.title}"

    @property
    def short(self) -> str:
        """'Epoch AI 2024': how a table cell cites it."""
        return f"{re.split(r',| [(]', self.author)[0]} {self.year}"

    @property
    def citation(self) -> str:
        """Author (year), "title", URL."""
        where = self.url or "no URL recorded in domain-facts.md"
        return f'{self.author} ({self.year}), "{self.title}", {where}'


def _sources(*items: Source) -> dict[str, Source]:
    return {item.key: item for item in items}


ECI = "Epoch Capabilities Index"
EPOCH_DB = "Epoch AI models database (training compute per model)"
ARENA = "LMArena (Chatbot Arena) Elo, as compiled by the Stanford AI Index 2025"
US_CHINA_URL = "https://epoch.ai/data-insights/us-vs-china-eci"

SOURCES: dict[str, Source] = _sources(
    Source(
        "epoch_compute", "Epoch AI",
        "Training compute of frontier AI models grows by 4-5x per year", 2024,
        "https://epoch.ai/blog/training-compute-of-frontier-ai-models-grows-by-4-5x-per-year",
        EPOCH_DB, "growth of frontier training compute",
        sets=("world.compute.flop_price_decline_per_year",)),
    Source(
        "epoch_open_report", "Cottier, You, Martemianova, Owen (Epoch AI)",
        "How far behind are open models?", 2024, "https://epoch.ai/blog/open-models-report",
        "Epoch benchmark compilation", "open-closed lag (benchmarks), mean"),
    Source(
        "epoch_eci_gap", "Epoch AI", "Open models lag state-of-the-art closed models by 4 months",
        2026, "https://epoch.ai/data-insights/open-closed-eci-gap", ECI,
        "open-closed lag, mean 2023-26"),
    Source(
        "epoch_us_china", "Epoch AI", "US vs China ECI (China's lag ~7 months, 4-14; 6-8 from "
        "2024)", 2026, US_CHINA_URL, ECI, "China's lag, mean 2024-26"),
    Source(
        "epoch_us_china_2023", "Epoch AI", "US vs China ECI (China's lag 12-14 months in 2023)",
        2026, US_CHINA_URL, ECI, "China's lag in 2023"),
    Source(
        "epoch_us_china_gpt4", "Epoch AI", "US vs China ECI (first Chinese model above GPT-4: "
        "May 2024)", 2026, US_CHINA_URL, ECI, "month a Chinese model first passes GPT-4"),
    Source(
        "epoch_1e25", "Epoch AI", "Over 30 AI models have been trained at the scale of GPT-4",
        2025, "https://epoch.ai/data-insights/models-over-1e25-flop", EPOCH_DB,
        "models above 1e25 FLOP by date"),
    Source(
        "epoch_open_1e26", "Epoch AI", "Frontier open models may surpass 1e26 FLOP before 2026",
        2025, "https://epoch.ai/data-insights/open-models-threshold", EPOCH_DB,
        "largest open-weight model by date",
        sets=("developers.meta.open_size_limit_flop", "developers.nvidia.open_size_limit_flop",
              "developers.mistral.open_size_limit_flop")),
    Source(
        "chatbit", "Reuters (via GZERO)",
        "Exclusive: Chinese researchers develop AI model "
        "for military use on back of Meta's Llama (1 Nov 2024)", 2024,
        "https://www.gzeromedia.com/gzero-ai/metas-ai-is-being-used-by-chinese-military-"
        "researchers", "public record of military fine-tunes (ChatBIT)",
        "release -> military fine-tune -> publicity",
        sets=("states[].absorption_months", "world.derivative_publicity_per_month")),
    Source(
        "llama2_licence", "Meta", "Llama 2 Community License Agreement (Version Release "
        "Date: July 18, 2023) and Acceptable Use Policy", 2023,
        "https://ai.meta.com/llama/use-policy", "Meta's licence", "Llama 2's release date"),
    Source(
        "epoch_database", "Epoch AI (as quoted by RAND Forecasting Initiative)",
        "Notable AI models database: GPT-4 2.1e25 FLOP (Mar 2023), Llama 3.1-405B 3.8e25 (Jul "
        "2024), Grok 4 ~5e26 (mid-2025)", 2024,
        "https://epoch.ai/data-insights/models-over-1e25-flop", EPOCH_DB,
        "training compute of individual models",
        sets=("developers[].initial_run_flop", "developers[].run_budget_musd",
              "developers[].initial_model_flop")),
    Source(
        "lesswrong_open_gap", "LessWrong",
        "How far behind are open models? (May 2026; gap smallest around DeepSeek-R1, Jan 2025)",
        2026, "https://www.lesswrong.com/posts/rJcCrXyEsJKmmDpWG/how-far-behind-are-open-models",
        "17 public and private benchmarks (LessWrong compilation)",
        "month of the smallest open-closed gap"),
    Source(
        "bass1969", "Bass, F. M.",
        "A new product growth for model consumer durables, Management Science 15(5):215-227",
        1969, "https://doi.org/10.1287/mnsc.15.5.215", "Bass (1969)", "diffusion closed form"),
    Source(
        "cottier_costs", "Cottier, Rahman et al.",
        "The rising costs of training frontier AI models (arXiv:2405.21015): amortised cost of "
        "the largest runs 2.4x/yr, > $1B by 2027", 2024, "https://arxiv.org/abs/2405.21015",
        "Epoch training-cost estimates", "cost growth of the largest runs",
        sets=("developers[].spending_growth_per_year",
              "world.compute.flop_price_decline_per_year")),
    Source(
        "epoch_2030", "Sevilla et al. (Epoch AI)",
        "Can AI scaling continue through 2030? (~2e29 FLOP feasible by 2030, power-limited)",
        2024, "https://epoch.ai/blog/can-ai-scaling-continue-through-2030",
        "Epoch scaling constraints", "largest feasible run in 2030",
        sets=("world.compute.ceiling_flop_2030",)),
    Source(
        "epoch_thresholds", "Cottier and Owen (Epoch AI)",
        "How many AI models will exceed compute thresholds? (Grok-3, Feb 2025: the first model "
        "estimated above 1e26 FLOP)", 2025,
        "https://epoch.ai/blog/model-counts-compute-thresholds", EPOCH_DB,
        "first model above 1e26 FLOP"),
    Source(
        "meta_eu_2024",
        "Silicon UK (Meta statement to The Verge and Axios; domain-facts-2 §4A)",
        "Meta withholds multimodal Llama from the EU 'due to the unpredictable nature of the "
        "European regulatory environment' (17-18 Jul 2024); root cause GDPR (EU training "
        "paused, Jun 2024)",
        2024,
        "https://www.silicon.co.uk/ai/meta-refuses-eu-release-of-multimodal-llama-ai-model-572200",
        "Meta's product announcements", "whether Meta withheld a model from the EU in 2024"),
    Source(
        "theft_record", "domain-facts-2 §3A (DOJ, Bloomberg Law, the-decoder)",
        "No public, confirmed theft of frontier weights by a state in 2023-25 (Ding case: not "
        "weights; miqu leak: a customer's employee)", 2026, "", "public record of weight thefts",
        "state thefts made public, 2023-25", sets=("world.theft.hazard_per_month_at_parity",)),
    Source(
        "rand_weights", "Nevo, Lahav et al. (RAND)", "Securing AI Model Weights (RR-A2849-1)",
        2024, "https://www.rand.org/pubs/research_reports/RRA2849-1.html",
        "RAND security levels", "attack feasibility by tier",
        sets=("world.theft.hazard_multiplier_per_tier",)),
    # Independent measurements (validation) ----------------------------------------------------
    Source(
        "atom_report", "Brand, F. and Lambert, N.",
        "The ATOM Report: Measuring the Open Language Model Ecosystem (arXiv:2604.07190): "
        "Chinese open models overtook US ones in Hugging Face downloads and derivatives in "
        "summer 2025", 2026, "https://arxiv.org/abs/2604.07190",
        "Hugging Face downloads and derivatives of ~1.5k open models (ATOM)",
        "month Chinese open models overtake US ones in adoption"),
    Source(
        "atom_project", "The ATOM Project (Lambert et al.)",
        "American Truly Open Models: 'the PRC currently has at least five labs producing and "
        "releasing open models at or beyond the capabilities of the best U.S. open model'",
        2025, "https://atomproject.ai", "ATOM Project's survey of open labs",
        "Chinese labs at or above the best US open model, Aug 2025"),
    Source(
        "caisi_deepseek_v4", "NIST Center for AI Standards and Innovation (CAISI)",
        "CAISI Evaluation of DeepSeek V4 Pro (1 May 2026): evaluated in April 2026, its "
        "capabilities lag behind the frontier by about 8 months (IRT-style aggregate of 16 "
        "benchmarks over 35 models, some non-public)", 2026,
        "https://www.nist.gov/news-events/news/2026/05/caisi-evaluation-deepseek-v4-pro",
        "CAISI's benchmark suite (item-response aggregate, non-public items)",
        "best Chinese model's lag behind the US frontier, Apr-May 2026"),
    Source(
        "ai_index_us_china", "Stanford HAI (Maslej et al.)",
        "AI Index Report 2025: the top US and Chinese models' Chatbot Arena gap fell from 103 "
        "Elo points (Jan 2024) to 23 (Feb 2025)", 2025,
        "https://hai.stanford.edu/ai-index/2025-ai-index-report", ARENA,
        "US-China gap, Jan 2024 vs Feb 2025"),
    Source(
        "ai_index_open_closed", "Stanford HAI (Maslej et al.)",
        "AI Index Report 2025: the gap between the best closed and open-weight models on "
        "Chatbot Arena fell to 1.7% by Feb 2025 (from about 8% in Jan 2024 [R])", 2025,
        "https://hai.stanford.edu/ai-index/2025-ai-index-report", ARENA,
        "open-closed gap, Jan 2024 vs Feb 2025"),
)


def calibration_identities(calibrated_sources: set[str] | frozenset[str] = frozenset()
                           ) -> set[str]:
    """Identities some parameter was set from: every source that `sets` a parameter, plus the
    sources (keys) of checks a parameter was set against."""
    identities = {s.identity for s in SOURCES.values() if s.sets}
    identities |= {SOURCES[key].identity for key in calibrated_sources}
    return identities
