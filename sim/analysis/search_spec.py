"""What a policy search optimises: its objectives, the robustness measure that scores a
candidate over the futures, and the scores themselves.

An *objective* is an outcome with a direction (`KEY:higher`, `KEY:lower`, or `KEY` alone for
an outcome whose direction regsim knows, as `regsim robustness` reads them), or, for the
satisficing measure, a threshold (`KEY>=V`, `KEY>V`, `KEY<=V`, `KEY<V`, in the outcome's
units: `>` and `>=` mean higher is better).

A *measure* turns one candidate's outcome in each future into one score:

- `mean`: the mean over the futures, in the outcome's units;
- `percentile:Q` (Q from 1 to 99): the level the candidate reaches or betters in Q% of the
  futures: the (100 - Q)th percentile where higher is better, the Qth where lower is
  better (linear interpolation), in the outcome's units;
- `regret`: the largest shortfall, over the futures, behind the best candidate evaluated in
  that same future (`sim.analysis.robustness`'s regret; 0 for a candidate best in every
  future), in the outcome's units; lower is better;
- `satisfice`: the share of futures (0 to 1) in which the outcome meets the objective's
  threshold; higher is better. An undefined milestone ("not reached") meets `>`/`>=`.

A failed run makes its candidate infeasible (a constraint, never a score); so does an
undefined outcome under `mean`, `percentile` and `regret` (the satisficing criterion says
what an undefined outcome means).
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from sim.analysis.robustness import DIRECTION_WORDS, Criterion, parse_criterion
from sim.analysis.sweep_data import SweepDataError
from sim.experiments.compare import HIGHER_IS_BETTER, LOWER_IS_BETTER, outcome_direction

MEASURES = ("mean", "percentile", "regret", "satisfice")
DEFAULT_MEASURE = "mean"
_PERCENTILE = re.compile(r"^(percentile:|p)(?P<level>\d{1,2})$")


class SearchSpecError(ValueError):
    """A bad objective or measure; the message names the option and what was expected."""


@dataclass(frozen=True)
class Objective:
    """One outcome to optimise: its key, direction (+1 higher / -1 lower is better) and, for
    the satisficing measure, its threshold."""

    outcome: str
    direction: int
    criterion: Criterion | None = None

    @property
    def text(self) -> str:
        if self.criterion is not None:
            return self.criterion.text
        return f"{self.outcome}:{'higher' if self.direction == HIGHER_IS_BETTER else 'lower'}"


@dataclass(frozen=True)
class Measure:
    """A robustness measure (`kind` one of MEASURES; `level` the percentile's Q)."""

    kind: str
    level: int | None = None

    @property
    def text(self) -> str:
        return f"percentile:{self.level}" if self.kind == "percentile" else self.kind

    def score_higher_is_better(self, objective: Objective) -> bool:
        """Whether a larger score is better (regret: never; satisficing: always)."""
        if self.kind == "regret":
            return False
        if self.kind == "satisfice":
            return True
        return objective.direction == HIGHER_IS_BETTER


def parse_measure(text: str) -> Measure:
    """`mean`, `percentile:Q` (or `pQ`), `regret` or `satisfice`; SearchSpecError."""
    text = str(text).strip().lower()
    matched = _PERCENTILE.match(text)
    if matched:
        level = int(matched["level"])
        if not 1 <= level <= 99:
            raise SearchSpecError(f"--measure: a percentile from 1 to 99, found {level}")
        return Measure("percentile", level)
    if text in ("mean", "regret", "satisfice"):
        return Measure(text)
    raise SearchSpecError(f"--measure: expected mean, percentile:Q (1-99), regret or "
                          f"satisfice, found {text[:60]!r}")


def parse_objective(text: str, measure: Measure) -> Objective:
    """One `--objective`: `KEY:higher`/`KEY:lower`, `KEY`, or `KEY>=V` (satisfice only)."""
    text = str(text).strip()
    if any(op in text for op in ("<", ">")):
        if measure.kind != "satisfice":
            raise SearchSpecError(f"--objective {text[:60]!r}: a threshold is for --measure "
                                  "satisfice; otherwise write KEY:higher or KEY:lower")
        try:
            criterion = parse_criterion(text)
        except SweepDataError as error:
            raise SearchSpecError(str(error).replace("--satisfice", "--objective")) from None
        direction = HIGHER_IS_BETTER if criterion.op.startswith(">") else LOWER_IS_BETTER
        return Objective(criterion.outcome, direction, criterion)
    if measure.kind == "satisfice":
        raise SearchSpecError(f"--objective {text[:60]!r}: --measure satisfice needs a "
                              "threshold, e.g. KEY>=6 or KEY<=100")
    key, colon, word = text.rpartition(":")
    if colon:
        if word.lower() not in DIRECTION_WORDS:
            raise SearchSpecError(f"--objective {text[:60]!r}: expected KEY:higher or "
                                  f"KEY:lower, found the direction {word[:20]!r}")
        return Objective(key, DIRECTION_WORDS[word.lower()])
    direction = outcome_direction(text)
    if direction not in (HIGHER_IS_BETTER, LOWER_IS_BETTER):
        raise SearchSpecError(f"--objective {text[:60]!r}: this outcome has no known "
                              f"direction; write {text[:60]}:higher or {text[:60]}:lower")
    return Objective(text, direction)


def parse_objectives(texts: Sequence[str], measure: Measure) -> tuple[Objective, ...]:
    """Every `--objective`, each outcome once, at least two (a search trades them off)."""
    objectives = tuple(parse_objective(text, measure) for text in texts)
    keys = [o.outcome for o in objectives]
    if len(set(keys)) != len(keys):
        twice = sorted({k for k in keys if keys.count(k) > 1})
        raise SearchSpecError(f"--objective: each outcome once, found {', '.join(twice)} twice")
    if len(objectives) < 2:
        raise SearchSpecError("--objective: name at least two outcomes to trade off, e.g. "
                              "--objective state_mean_lag_months__prc:higher --objective "
                              "cash_compliance_musd:lower")
    return objectives


def check_outcomes(objectives: Sequence[Objective], known: Sequence[str]) -> None:
    """SearchSpecError naming the first objective that is not one of the `known` outcomes."""
    from sim.scenario.errors import did_you_mean

    for objective in objectives:
        if objective.outcome not in known:
            hint = did_you_mean(objective.outcome, list(known))
            raise SearchSpecError(f"--objective: unknown outcome {objective.outcome[:80]!r}"
                                  + (f" ({hint})" if hint else ""))


# Scores --------------------------------------------------------------------------------------


def outcome_value(outcomes: Mapping[str, Any] | None, key: str) -> float:
    """An outcome as a float (NaN where missing, undefined or not a number)."""
    value = (outcomes or {}).get(key)
    if isinstance(value, bool) or not isinstance(value, int | float):
        return math.nan
    return float(value)


def candidate_scores(values: np.ndarray, best: np.ndarray | None, objective: Objective,
                     measure: Measure) -> float:
    """One candidate's score for one objective from its outcome in each future (`values`;
    `best`: the best outcome of any candidate in each future, for regret). NaN if it cannot
    be scored (an undefined outcome, outside the satisficing measure)."""
    if measure.kind == "satisfice":
        assert objective.criterion is not None
        return float(np.mean(objective.criterion.met(values)))
    if np.isnan(values).any():
        return math.nan
    if measure.kind == "mean":
        return float(np.mean(values))
    if measure.kind == "percentile":
        assert measure.level is not None
        level = 100 - measure.level if objective.direction == HIGHER_IS_BETTER else measure.level
        return float(np.percentile(values, level))
    assert best is not None
    return float(np.max((best - values) * objective.direction)) + 0.0  # no -0.0


def best_per_future(matrix: np.ndarray, objective: Objective) -> np.ndarray:
    """The best outcome in each future (column) over the candidates (rows) defined in every
    future; NaN where no candidate is."""
    rows = matrix[~np.isnan(matrix).any(axis=1)] if len(matrix) else matrix
    if not len(rows):
        return np.full(matrix.shape[1] if matrix.ndim == 2 else 0, np.nan)
    return rows.max(axis=0) if objective.direction == HIGHER_IS_BETTER else rows.min(axis=0)


def minimised(score: float, objective: Objective, measure: Measure) -> float:
    """The score as the optimiser minimises it."""
    return -score if measure.score_higher_is_better(objective) else score
