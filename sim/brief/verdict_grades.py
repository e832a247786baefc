"""Verdicts graded for a policy brief: which effects matter, how large they are, which way.

A comparison row (one policy, one outcome; `sim.experiments.compare.COMPARISON_COLUMNS`) gets a
grade from its 95% interval of the mean paired difference and its size relative to the
baseline:

- *clear effect*: the interval excludes zero and the effect is at least `SMALL_EFFECT_SHARE`
  of the baseline's value (for capability in log10 units: at least that much more or less
  effective compute; from a baseline of zero, any effect);
- *small effect*: the interval excludes zero, but the effect is smaller than that;
- *no clear effect*: the interval includes zero;
- *no difference in any pair*: every paired difference is zero;
- *too few pairs to judge*: fewer than two pairs define the outcome.

Whether an effect is better or worse is the regulator's view
(`sim.experiments.compare.outcome_direction`); outcomes without a direction are trade-offs.
Costs are the outcomes measured in money (unit "USD M"), whatever they are called.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import pandas as pd

from sim.experiments.compare import outcome_direction
from sim.presentation.compare_report import verdict as verdict_sentence
from sim.presentation.tables import format_number, outcome_name_and_unit
from sim.presentation.wording import no_exponents, power_of_ten

CLEAR, SMALL, UNCLEAR = "clear effect", "small effect", "no clear effect"
NO_DIFFERENCE, UNJUDGED = "no difference in any pair", "too few pairs to judge"
GRADE_ORDER = (CLEAR, SMALL, UNCLEAR, NO_DIFFERENCE, UNJUDGED)
MATTERS = (CLEAR, SMALL)
"""Grades of the effects a brief reports as findings: the interval excludes zero."""
SMALL_EFFECT_SHARE = 0.10
"""Below a tenth of the baseline's value an effect can be real yet too small to weigh in a
decision; the brief still reports it, but not in bold."""
MONEY_UNIT = "USD M"
LOG_UNIT_MARK = "log10"
DIFFERENCE_COLUMNS = ("difference_mean", "mean_difference")
VERDICT_COLUMNS = ("policy", "outcome", "direction", "n_pairs", "n_pairs_defined",
                   "n_baseline_defined", "n_policy_defined", "difference_mean", "ci95_low",
                   "ci95_high", "n_ordered", "share_better")
"""Columns `compare_report.verdict` needs to phrase a verdict itself."""


@dataclass(frozen=True)
class GradedVerdict:
    """One policy's effect on one outcome, graded.

    `relative` is the effect's size relative to the baseline (0.4 = 40%; inf from a baseline
    of zero; NaN when unknown); `effect` is +1 when the policy does better for the regulator,
    -1 worse, 0 for a trade-off or no effect.
    """

    policy: str
    outcome: str
    name: str
    unit: str
    grade: str
    sentence: str
    relative: float
    relative_text: str
    effect: int
    difference: float
    low: float
    high: float
    baseline_mean: float
    n_pairs: int
    n_pairs_defined: int

    @property
    def matters(self) -> bool:
        return self.grade in MATTERS

    @property
    def is_cost(self) -> bool:
        return self.unit == MONEY_UNIT


def grade_comparison(comparison: pd.DataFrame,
                     state_labels: Mapping[str, str] | None = None) -> list[GradedVerdict]:
    """Every row of a comparison table graded, in the table's order."""
    difference = next((c for c in DIFFERENCE_COLUMNS if c in comparison.columns), None)
    if difference is None:
        return []
    labels = dict(state_labels or {})
    return [_grade_row(row, difference, labels) for row in comparison.to_dict(orient="records")]


def ranked(verdicts: Sequence[GradedVerdict]) -> list[GradedVerdict]:
    """Grades in `GRADE_ORDER`; within a grade, the largest effect relative to the baseline
    first (an effect from zero counts as largest; unknown sizes last)."""
    def key(item: GradedVerdict) -> tuple[int, float]:
        size = -1.0 if math.isnan(item.relative) else item.relative
        return (GRADE_ORDER.index(item.grade), -size)

    return sorted(verdicts, key=key)


def _grade_row(row: Mapping, difference: str, labels: dict[str, str]) -> GradedVerdict:
    outcome = str(row["outcome"])
    name, unit = outcome_name_and_unit(outcome, labels)
    name = no_exponents(name)  # '1e27 effective FLOP' as a multiple of GPT-4 (the reader's words)
    mean, low, high = (_float(row.get(c)) for c in (difference, "ci95_low", "ci95_high"))
    base = _float(row.get("baseline_mean"))
    # A bare table (no counts) is judged by its interval alone.
    known = 2 if math.isfinite(low) and math.isfinite(high) else 0
    n_defined = _count(row["n_pairs_defined"]) if "n_pairs_defined" in row else known
    n_pairs = _count(row["n_pairs"]) if "n_pairs" in row else n_defined
    relative, relative_text = relative_size(mean, base, unit)
    grade = _grade(mean, low, high, relative, n_defined)
    direction = int(_float(row.get("direction"))) if _finite(row.get("direction")) else (
        outcome_direction(outcome))
    effect = 0 if grade in (NO_DIFFERENCE, UNJUDGED) or not mean else (
        direction * (1 if mean > 0 else -1))
    return GradedVerdict(
        policy=str(row.get("policy", "")), outcome=outcome, name=name, unit=unit, grade=grade,
        sentence=no_exponents(_sentence(row, labels, name, mean, low, high)), relative=relative,
        relative_text=relative_text, effect=effect, difference=mean, low=low, high=high,
        baseline_mean=base, n_pairs=n_pairs, n_pairs_defined=n_defined)


def relative_size(difference: float, baseline: float, unit: str) -> tuple[float, str]:
    """The effect's size relative to the baseline, and that size in words.

    log10 units compare effective compute (+0.3 OOM = 2x = +100%); other units compare with the
    baseline's mean (an effect from zero is infinitely large, from an unknown baseline NaN).
    """
    if not math.isfinite(difference):
        return math.nan, ""
    if LOG_UNIT_MARK in unit:
        factor = power_of_ten(abs(difference))
        return factor - 1.0, f"x{format_number(factor)} {'more' if difference > 0 else 'less'} " \
                             "effective compute"
    if not math.isfinite(baseline):
        return math.nan, ""
    if baseline == 0:
        return (math.inf, "from 0 in the baseline") if difference else (0.0, "")
    share = abs(difference) / abs(baseline)
    return share, f"{_share_words(share)} the baseline's {format_number(baseline)}"


def _grade(mean: float, low: float, high: float, relative: float, n_defined: int) -> str:
    if n_defined < 2 or not (math.isfinite(low) and math.isfinite(high)):
        return UNJUDGED
    if low == high == 0.0 and mean == 0.0:
        return NO_DIFFERENCE
    if low <= 0.0 <= high:
        return UNCLEAR
    return SMALL if relative < SMALL_EFFECT_SHARE else CLEAR  # NaN sizes count as clear


def _sentence(row: Mapping, labels: dict[str, str], name: str, mean: float, low: float,
              high: float) -> str:
    """The folder's verdict sentence, else one phrased here from the row."""
    given = row.get("verdict")
    if isinstance(given, str) and given.strip():
        return given.strip()
    if all(column in row for column in VERDICT_COLUMNS):
        return verdict_sentence(row, labels)
    policy = str(row.get("policy", "the policy"))
    if not (math.isfinite(low) and math.isfinite(high)):
        return f"{policy}: too few pairs to judge {name}"
    if low <= 0.0 <= high:
        return f"{policy}: no clear effect on {name} (95% CI {_interval(low, high)})"
    verb = "raises" if mean > 0 else "lowers"
    return f"{policy} {verb} {name} by {format_number(abs(mean))} (95% CI {_interval(low, high)})"


def _interval(low: float, high: float) -> str:
    return f"{format_number(low)} to {format_number(high)}"


def _share_words(share: float) -> str:
    """'40% of', '0.5% of', '12 times'."""
    if share >= 10:
        return f"{share:,.0f} times"
    return f"{share * 100:.0f}% of" if share >= 0.1 else f"{share * 100:.1f}% of"


def _float(value: object) -> float:
    try:
        return float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return math.nan


def _finite(value: object) -> bool:
    return math.isfinite(_float(value))


def _count(value: object) -> int:
    number = _float(value)
    return int(number) if math.isfinite(number) else 0
