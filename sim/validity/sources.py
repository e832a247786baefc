"""The publications behind calibration targets and replay dates (from domain-facts.md)."""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Source:
    """One publication: who, what, when and where."""

    key: str
    author: str
    title: str
    year: int
    url: str
    """Empty where domain-facts.md records none."""

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


SOURCES: dict[str, Source] = _sources(
    Source(
        "epoch_compute",
        "Epoch AI",
        "Training compute of frontier AI models grows by 4-5x per year",
        2024,
        "https://epoch.ai/blog/training-compute-of-frontier-ai-models-grows-by-4-5x-per-year",
    ),
    Source(
        "epoch_open_report",
        "Cottier, You, Martemianova, Owen (Epoch AI)",
        "How far behind are open models?",
        2024,
        "https://epoch.ai/blog/open-models-report",
    ),
    Source(
        "epoch_eci_gap",
        "Epoch AI",
        "Open models lag state-of-the-art closed models by 4 months",
        2026,
        "https://epoch.ai/data-insights/open-closed-eci-gap",
    ),
    Source(
        "epoch_us_china",
        "Epoch AI",
        "US vs China ECI",
        2026,
        "https://epoch.ai/data-insights/us-vs-china-eci",
    ),
    Source(
        "epoch_1e25",
        "Epoch AI",
        "Over 30 AI models have been trained at the scale of GPT-4",
        2025,
        "https://epoch.ai/data-insights/models-over-1e25-flop",
    ),
    Source(
        "epoch_open_1e26",
        "Epoch AI",
        "Frontier open models may surpass 1e26 FLOP before 2026",
        2025,
        "https://epoch.ai/data-insights/open-models-threshold",
    ),
    Source(
        "chatbit",
        "Reuters (via GZERO)",
        "Exclusive: Chinese researchers develop AI model "
        "for military use on back of Meta's Llama (1 Nov 2024)",
        2024,
        "https://www.gzeromedia.com/gzero-ai/metas-ai-is-being-used-by-chinese-military-"
        "researchers",
    ),
    Source(
        "llama2_licence",
        "Meta",
        "Llama 2 Community License Agreement (Version Release "
        "Date: July 18, 2023) and Acceptable Use Policy",
        2023,
        "https://ai.meta.com/llama/use-policy",
    ),
    Source(
        "epoch_database",
        "Epoch AI (as quoted by RAND Forecasting Initiative)",
        "Notable AI "
        "models database: GPT-4 2.1e25 FLOP (Mar 2023), Llama 3.1-405B 3.8e25 (Jul 2024)",
        2024,
        "https://epoch.ai/data-insights/models-over-1e25-flop",
    ),
    Source(
        "lesswrong_open_gap",
        "LessWrong",
        "How far behind are open models? (May 2026; gap smallest around DeepSeek-R1, Jan 2025)",
        2026,
        "",
    ),
    Source(
        "bass1969",
        "Bass, F. M.",
        "A new product growth for model consumer durables, Management Science 15(5):215-227",
        1969,
        "https://doi.org/10.1287/mnsc.15.5.215",
    ),
    Source(
        "cottier_costs",
        "Cottier, Rahman et al.",
        "The rising costs of training frontier AI models (arXiv:2405.21015): amortised cost of "
        "the largest runs 2.4x/yr, > $1B by 2027",
        2024,
        "https://arxiv.org/abs/2405.21015",
    ),
    Source(
        "epoch_2030",
        "Sevilla et al. (Epoch AI)",
        "Can AI scaling continue through 2030? (~2e29 FLOP feasible by 2030, power-limited)",
        2024,
        "https://epoch.ai/blog/can-ai-scaling-continue-through-2030",
    ),
    Source(
        "epoch_thresholds",
        "Cottier and Owen (Epoch AI)",
        "How many AI models will exceed compute thresholds? (Grok-3, Feb 2025: the first model "
        "estimated above 1e26 FLOP)",
        2025,
        "https://epoch.ai/blog/model-counts-compute-thresholds",
    ),
    Source(
        "meta_eu_2024",
        "Silicon UK (Meta statement to The Verge and Axios; domain-facts-2 §4A)",
        "Meta withholds multimodal Llama from the EU 'due to the unpredictable nature of the "
        "European regulatory environment' (17-18 Jul 2024); root cause GDPR (EU training "
        "paused, Jun 2024)",
        2024,
        "https://www.silicon.co.uk/ai/meta-refuses-eu-release-of-multimodal-llama-ai-model-572200",
    ),
    Source(
        "theft_record",
        "domain-facts-2 §3A (DOJ, Bloomberg Law, the-decoder)",
        "No public, confirmed theft of frontier weights by a state in 2023-25 (Ding case: not "
        "weights; miqu leak: a customer's employee)",
        2026,
        "",
    ),
    Source(
        "rand_weights",
        "Nevo, Lahav et al. (RAND)",
        "Securing AI Model Weights (RR-A2849-1)",
        2024,
        "https://www.rand.org/pubs/research_reports/RRA2849-1.html",
    ),
)
