"""Page one of a brief, as data: the findings that matter, costs, caveats and assumptions.

A comparison's findings are first the outcomes the question is about (`[scenario] focus`,
by default each state's mean lag and the open lag; whatever their grade), then the key
outcomes whose 95% interval excludes zero, by absolute size against their uncertainty
(`sim.brief.bottom_line.strength`; never by size relative to a baseline that may be near
zero); costs are
every outcome in money; outcomes with no clear effect or no difference in any pair are named
in one line each. A single run's page one gives its key outcomes in words with their
intervals. Both list their caveats and the unsourced parameters their numbers rest on
(`sim.brief.assumptions`), saying whether the run varied them.

Which outcomes are "key" comes from the outcome registry (`tables.KEY_OUTCOMES`); when none of
them is in a folder (renamed outcomes), every outcome is.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass, field

import pandas as pd

from sim.brief.assumptions import (
    Assumption,
    assumptions_for,
    changed_policies,
    dependencies,
    policy_label,
    varied_parameters,
)
from sim.brief.bottom_line import by_strength, focus_keys, scenario_title
from sim.brief.folder import ReportInput
from sim.brief.verdict_grades import (
    LOG_UNIT_MARK,
    NO_DIFFERENCE,
    UNCLEAR,
    GradedVerdict,
    grade_comparison,
    ranked,
)
from sim.presentation import wording
from sim.presentation.tables import (
    KEY_OUTCOMES,
    MILESTONE_PREFIXES,
    format_number,
    outcome_name_and_unit,
)
from sim.presentation.wording import GPT4_COMPUTE, GPT4_EFFECTIVE, NOT_AVAILABLE, no_exponents

MAX_FINDINGS, MAX_FINDINGS_SHARED = 8, 6
"""Findings on page one for one policy; for several, this many shared (at least 2 each). The
rest are counted, so that page one stays one A4 page for up to three policies."""
MAX_KEY_OUTCOMES = 14
"""A single run's outcomes on page one (the registry has about a dozen key outcomes; a folder
whose outcomes it does not know shows its first ones, the rest are in the full tables)."""
MAX_PAGE_ONE_ASSUMPTIONS = 6
"""Assumptions named on page one (the instruments' first, at most 3 of them; the bottom line,
charts and cost per unit need the room)."""


@dataclass
class PolicyFindings:
    """One policy's page-one findings: graded verdicts that matter (ranked, at most the page's
    share), how many more there are, the outcomes with no clear effect or no difference, its
    costs, and what the scenario changes."""

    policy: str
    question: str
    changes: list[str]
    findings: list[GradedVerdict]
    more: int
    unclear: list[str]
    unchanged: list[str]
    costs: list[GradedVerdict]
    title: str = ""
    focus: list[GradedVerdict] = field(default_factory=list)
    """The verdicts on the outcomes the question is about (`[scenario] focus`), whatever their
    grade: they open the findings."""


@dataclass(frozen=True)
class KeyOutcome:
    """A single run's key outcome in words: name, value with unit and interval, and a note
    (how many replicates reach a milestone)."""

    name: str
    value: str
    note: str


@dataclass
class Summary:
    """Page one: per-policy findings (comparisons) or key outcomes (runs), the outcomes that
    are zero everywhere, caveats, the assumptions behind it, and whether any was varied."""

    policies: list[PolicyFindings] = field(default_factory=list)
    titles: dict[str, str] = field(default_factory=dict)
    """Each scenario's plain title by name (`[scenario] title`, else its name in words)."""
    key_outcomes: list[KeyOutcome] = field(default_factory=list)
    more_outcomes: int = 0
    zero_everywhere: list[str] = field(default_factory=list)
    caveats: list[str] = field(default_factory=list)
    instrument_assumptions: list[Assumption] = field(default_factory=list)
    outcome_assumptions: list[Assumption] = field(default_factory=list)
    varied: frozenset[str] = frozenset()

    @property
    def assumptions(self) -> list[Assumption]:
        seen = {a.pattern for a in self.instrument_assumptions}
        return self.instrument_assumptions + [a for a in self.outcome_assumptions
                                              if a.pattern not in seen]


def key_outcome_keys(available: list[str], states: list[str]) -> list[str]:
    """The registry's key outcomes among `available`, in its order; all of them if none is."""
    keys = [key for key, _ in KEY_OUTCOMES(states) if key in set(available)]
    return keys or list(available)


# Comparisons --------------------------------------------------------------------------------


def compare_summary(report: ReportInput) -> Summary:
    """Page one of a comparison brief."""
    assert report.comparison is not None
    graded = grade_comparison(report.comparison, report.state_labels)
    keys = key_outcome_keys(list(dict.fromkeys(report.comparison["outcome"].astype(str))),
                            report.state_names)
    count = max(1, len(report.policies))
    per_policy = MAX_FINDINGS if count == 1 else max(2, MAX_FINDINGS_SHARED // count)
    summary = Summary(varied=varied_parameters(report.manifest))
    summary.titles = {name: scenario_title(raw, name) for name, raw in report.raws.items()}
    questions = dict(report.questions)
    for policy in report.policies or sorted({v.policy for v in graded}):
        mine = [v for v in graded if v.policy == policy]
        summary.policies.append(_policy_findings(report, policy, mine, keys, per_policy,
                                                 questions.get(policy, "")))
    summary.caveats = _compare_caveats(report, summary)
    _add_assumptions(report, summary)
    return summary


def _policy_findings(report: ReportInput, policy: str, graded: list[GradedVerdict],
                     keys: list[str], limit: int, question: str) -> PolicyFindings:
    raw, base = report.raws.get(policy, {}), report.raws.get(report.baseline, {})
    focus_order = focus_keys(raw, base, report.state_names)
    by_outcome = {v.outcome: v for v in graded if not v.is_cost}
    focus = [by_outcome[k] for k in dict.fromkeys(focus_order) if k in by_outcome]
    shown = {v.outcome for v in focus}
    key_set = set(keys)
    costs = [v for v in graded if v.is_cost]
    key = [v for v in graded if v.outcome in key_set and not v.is_cost
           and v.outcome not in shown]
    order = {outcome: index for index, outcome in enumerate(keys)}
    key.sort(key=lambda v: order[v.outcome])
    # The question's outcomes first, then by absolute size against uncertainty (never by
    # size relative to a baseline that may be near zero).
    matters = by_strength([v for v in key if v.matters])
    room = max(0, limit - len(focus))
    return PolicyFindings(
        policy=policy, question=question,
        changes=[policy_label(raw, path) for path in changed_policies(base, raw)],
        findings=focus + matters[:room], more=max(0, len(matters) - room),
        unclear=[v.name for v in key if v.grade == UNCLEAR],
        unchanged=[v.name for v in key if v.grade == NO_DIFFERENCE],
        costs=ranked(costs), title=scenario_title(raw, policy), focus=focus)


def _compare_caveats(report: ReportInput, summary: Summary) -> list[str]:
    n = sorted(set(report.replicates.values())) or [_int(report.manifest.get("replicates"))]
    pairing = str(report.manifest.get("pairing") or "common random numbers")
    caveats = [f"{_replicates_text(n)} per scenario, paired by seed ({pairing})."]
    if report.failed_runs:
        caveats.append(f"{report.failed_runs} runs failed and are left out (see runs.csv).")
    caveats.append(_interval_caveat(summary.varied))
    findings = [v for p in summary.policies for v in p.findings]
    for verdict in findings:
        if verdict.n_pairs_defined < verdict.n_pairs:
            caveats.append(f"{_capitalised(verdict.name)} is defined in only "
                           f"{verdict.n_pairs_defined} of {verdict.n_pairs} pairs (a milestone "
                           "not reached within the horizon is undefined).")
    trade_offs = sorted({v.name for v in findings if v.effect == 0 and v.matters})
    if trade_offs:
        caveats.append(f"No better or worse for: {', '.join(trade_offs)}; each trades "
                       "security against openness or capability.")
    caveats.append(MODEL_CAVEAT)
    return caveats


MODEL_CAVEAT = ("The numbers are the model's: they hold as far as its mechanisms and "
                "parameters do (docs/model.md; `regsim check` tests it against history).")


def _interval_caveat(varied: frozenset[str]) -> str:
    if varied:
        return (f"The intervals include the variation of {len(varied)} uncertain parameters "
                "drawn for each replicate, as well as chance.")
    return ("The 95% intervals show chance variation between replicates only: every replicate "
            "uses the same parameter values, so they leave out doubt about those values.")


# Single runs ------------------------------------------------------------------------------


def run_summary(report: ReportInput) -> Summary:
    """Page one of a single run's brief."""
    summary = Summary(varied=varied_parameters(report.manifest))
    if report.outcomes:
        _, table = report.outcomes[0]
        keys = key_outcome_keys(list(table["outcome"].astype(str)), report.state_names)
        rows = table.set_index("outcome", drop=False)
        summary.more_outcomes = max(0, len(keys) - MAX_KEY_OUTCOMES)
        for key in keys[:MAX_KEY_OUTCOMES]:
            row = rows.loc[key]
            if _zero_everywhere(row):
                summary.zero_everywhere.append(no_exponents(
                    outcome_name_and_unit(key, report.state_labels)[0]))
            else:
                summary.key_outcomes.append(_key_outcome(row, report.state_labels))
    n = report.replicates.get(report.baseline) or 0
    summary.caveats = [f"{_replicates_text([n])} of one scenario.",
                       _interval_caveat(summary.varied)]
    summary.caveats += [f"{_capitalised(o.name)}: {o.note}; its value is the mean over those."
                        for o in summary.key_outcomes if o.note]
    summary.caveats.append(MODEL_CAVEAT)
    _add_assumptions(report, summary)
    return summary


def _zero_everywhere(row: pd.Series) -> bool:
    values = [_float(row.get(c)) for c in ("mean", "p05", "p95")]
    defined = _float(row.get("n_defined"))
    return all(v == 0.0 for v in values) and (math.isnan(defined) or defined > 0)


def _key_outcome(row: pd.Series, state_labels: dict[str, str]) -> KeyOutcome:
    key = str(row["outcome"])
    name, unit = outcome_name_and_unit(key, state_labels)
    mean, low, high = (_float(row.get(c)) for c in ("mean", "ci95_low", "ci95_high"))
    shown, unit_text = value_in_words(mean, unit)
    value = f"{shown}{unit_text}"
    if math.isfinite(low) and math.isfinite(high):
        value += f" (95% CI {value_in_words(low, unit)[0]} to {value_in_words(high, unit)[0]})"
    note = ""
    n, defined = _float(row.get("n")), _float(row.get("n_defined"))
    if key.startswith(MILESTONE_PREFIXES) and math.isfinite(n) and defined < n:
        note = f"reached in {int(defined)} of {int(n)} replicates"
    return KeyOutcome(_capitalised(no_exponents(name)), value, note)


def value_in_words(value: float, unit: str) -> tuple[str, str]:
    """A value and its unit as page one shows them: capability and compute (log10 FLOP) as a
    multiple of GPT-4's training compute, orders of magnitude as a factor ('5.1×' a year), any
    other unit as the number with its unit (a count without one)."""
    if LOG_UNIT_MARK in unit:
        yardstick = GPT4_EFFECTIVE if "effective" in unit else GPT4_COMPUTE
        return wording.multiple(value), f" {yardstick}"
    if unit in ("OOM", "OOM/yr"):
        factor = (wording.times(wording.power_of_ten(value)) if math.isfinite(value)
                  else NOT_AVAILABLE)
        return factor, " a year" if unit == "OOM/yr" else " as much compute"
    return format_number(value), f" {unit}" if unit and unit != "count" else ""


# Assumptions ------------------------------------------------------------------------------


def _add_assumptions(report: ReportInput, summary: Summary) -> None:
    """The unsourced parameters of the compared instruments, then of the outcomes reported."""
    if report.kind == "comparison":
        raw = report.raws.get(report.baseline, {})
        per_policy = []
        for findings in summary.policies:
            policy_raw = report.raws.get(findings.policy, {})
            reasons = [(policy_label(policy_raw, path), [f"{path}.*"])
                       for path in changed_policies(raw, policy_raw)]
            per_policy.append(assumptions_for(policy_raw, reasons, summary.varied))
        # In turn, so that a short list names every policy's instruments.
        summary.instrument_assumptions = [a for row in itertools.zip_longest(*per_policy)
                                          for a in row if a is not None]
        outcomes = [(v.name, dependencies(v.outcome)) for p in summary.policies
                    for v in [*p.findings, *p.costs] if v.matters]
    else:
        raw = report.raws.get(report.baseline, {})
        table = report.outcomes[0][1] if report.outcomes else pd.DataFrame({"outcome": []})
        keys = key_outcome_keys(list(table["outcome"].astype(str)), report.state_names)
        outcomes = [(no_exponents(outcome_name_and_unit(k, report.state_labels)[0]),
                     dependencies(k))
                    for k in keys]
    summary.outcome_assumptions = assumptions_for(raw, [o for o in outcomes if o[1]],
                                                  summary.varied)


# Small helpers ----------------------------------------------------------------------------


def _replicates_text(counts: list[int]) -> str:
    counts = [c for c in counts if c] or [0]
    shown = f"{counts[0]}" if len(counts) == 1 else f"{counts[0]} to {counts[-1]}"
    return f"{shown} replicate{'s' if counts[-1] != 1 else ''}"


def _capitalised(text: str) -> str:
    return text[:1].upper() + text[1:]


def _float(value: object) -> float:
    try:
        return float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return math.nan


def _int(value: object) -> int:
    number = _float(value)
    return int(number) if math.isfinite(number) else 0
