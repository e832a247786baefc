"""Page one of the brief in HTML: the question, graded findings, costs, caveats and the
assumptions they rest on (the content is `sim.brief.summary`'s).

Findings are graded visually: a clear effect is a bold item with a coloured bar and badge
(better, worse, or a trade-off), a small effect a plain item with a dashed bar, and the
outcomes with no clear effect one grey line. Several policies share the page: fewer findings
each, one line of costs per policy.
"""

from __future__ import annotations

from collections.abc import Sequence

from sim.brief.assumptions import Assumption, key_words
from sim.brief.bottom_line import (
    LAG_UNIT,
    channel_line,
    cost_clause,
    cost_per_unit,
    effect_clause,
    plain,
    robustness_words,
)
from sim.brief.folder import ReportInput
from sim.brief.formulations import page_one_sentence
from sim.brief.html_parts import (
    bullets,
    escape,
    interval_text,
    note,
    section,
    to_int,
)
from sim.brief.interval_chart import interval_svg
from sim.brief.summary import MAX_PAGE_ONE_ASSUMPTIONS, PolicyFindings, Summary
from sim.brief.verdict_grades import CLEAR, NO_DIFFERENCE, SMALL, UNCLEAR, GradedVerdict
from sim.presentation.tables import format_number

MAX_PAGE_ONE_INSTRUMENT_TERMS = 3
GRADE_CLASSES = {CLEAR: "grade-clear", SMALL: "grade-small"}
EFFECT_WORDS = {1: "better", -1: "worse", 0: "trade-off"}


# Page one -----------------------------------------------------------------------------------


def compare_page_one(report: ReportInput, summary: Summary, title: str) -> str:
    """The summary page of a comparison: question, bottom line, findings (the question's
    outcomes first, each with its chart), costs with the cost per unit of effect, what the
    answer rests on, caveats."""
    question = _compare_question(report, summary)
    parts = [f"<h1>{escape(title)}</h1>", _lede(report, summary.titles),
             section("question", "The question", question),
             section("bottom-line", "Bottom line", _bottom_line_html(report, summary))]
    parts.append(section("findings", "Findings", _findings_html(summary.policies, summary.titles)
                         + _channels_html(report, summary)))
    parts.append(section("costs", "Costs", _costs_html(summary.policies, summary.titles)))
    parts.append(section("rests-on", "What the answer rests on",
                         _formulation_html(report, summary) + _rests_on_html(summary)))
    parts.append(section("caveats", "Caveats", bullets(summary.caveats)))
    shared = " shared" if len(summary.policies) > 1 else ""
    return f'<div class="page-one{shared}">\n' + "\n".join(parts) + "\n</div>"


def run_page_one(report: ReportInput, summary: Summary, title: str) -> str:
    """The summary page of a single run: question, key outcomes in words, caveats."""
    question = report.questions[0][1] if report.questions else ""
    parts = [
        f"<h1>{escape(title)}</h1>",
        _lede(report, {report.baseline: title}),
        section("question", "The question", f'<p class="question">{escape(question or NO_Q)}</p>'),
        section("outcomes", "Key outcomes", _key_outcomes_html(summary)),
        section("caveats", "Caveats", bullets(summary.caveats)),
        section("rests-on", "What these numbers rest on", _rests_on_html(summary)),
    ]
    return '<div class="page-one">\n' + "\n".join(parts) + "\n</div>"


NO_Q = "(the scenario states no question)"


def _lede(report: ReportInput, titles: dict[str, str] | None = None) -> str:
    meta = report.raws.get(report.baseline, {}).get("scenario")
    months = to_int(meta.get("months")) if isinstance(meta, dict) else 0
    start = report.starts.get(report.baseline, "")
    span = f", {months} months from {start}" if months and start else ""
    n = sorted({v for v in report.replicates.values() if v})
    count = f"{n[0]} replicates" if len(n) == 1 else "replicates"
    titles = titles or {}
    if report.kind == "comparison":
        what = f"{count} of each scenario, paired"  # the title names the scenarios
    else:
        what = f"{titles.get(report.baseline, report.baseline)}: {count}"
    return f'<p class="lede">{escape(what + span)}, simulated by regsim.</p>'


def _compare_question(report: ReportInput, summary: Summary) -> str:
    questions = dict(report.questions)
    items = []
    for findings in summary.policies:
        prefix = f'<span class="scenario">{escape(findings.title)}</span> ' if len(
            summary.policies) > 1 else ""
        changes = f' <span class="changes">Adds or changes: ' \
            f"{escape('; '.join(findings.changes))}.</span>" if findings.changes else ""
        items.append(f'<p class="question">{prefix}{escape(findings.question or NO_Q)}'
                     f"{changes}</p>")
    base = questions.get(report.baseline, "")
    del base  # the title names the baseline; its question is in the evidence pages
    items.append(f'<p class="note">Compared with '
                 f'{escape(summary.titles.get(report.baseline, report.baseline))}.</p>')
    return "\n".join(items)


def _bottom_line_html(report: ReportInput, summary: Summary) -> str:
    """One or two sentences per policy: its effect on the first outcome the question is about,
    whether that holds under every formulation, and its largest clear cost."""
    months = to_int((report.raws.get(report.baseline, {}).get("scenario") or {}).get("months"))
    lines = []
    for findings in summary.policies:
        if not findings.focus:
            lines.append(f"{findings.title}: the comparison holds none of the outcomes the "
                         "question is about.")
            continue
        first = findings.focus[0]
        clause = plain(effect_clause(first), summary.titles)
        clause = clause.replace("no clear effect", "has no clear effect", 1).replace(
            "no difference in", "makes no difference to", 1)
        robust = robustness_words(report.formulations, findings.policy, first.outcome) \
            if report.formulations is not None else ""
        lines.append(f"{findings.title} {clause}{robust}."
                     + cost_clause(findings.costs, months / 12 if months else 0))
    if report.formulations is None and summary.policies:
        lines.append("Run under one formulation of the model's decisive mechanisms; not "
                     "tested under the others.")
    return "\n".join(f'<p class="bottom-line">{escape(line)}</p>' for line in lines)


def _channels_html(report: ReportInput, summary: Summary) -> str:
    """Where the change in each state's lag came from, one line per policy and state."""
    channels = _read_channels(report)
    lines = [channel_line(channels, f.policy, state, report.state_labels.get(state, state))
             for f in summary.policies for state in report.state_names]
    titled = [(f"{f.title}: " if len(summary.policies) > 1 else "") for f in summary.policies
              for _ in report.state_names]
    return "\n".join(f'<p class="channels-line">{escape(t + line)}</p>'
                     for t, line in zip(titled, lines, strict=True) if line)


def _read_channels(report: ReportInput):
    import pandas as pd

    from sim.brief.evidence import CHANNEL_COLUMNS

    path = report.folder / "channels.csv"
    if path.is_symlink() or not path.is_file():
        return None  # the evidence section refuses a link
    try:
        table = pd.read_csv(path, dtype={"policy": str, "state": str, "outcome": str,
                                         "label": str}, keep_default_na=False)
    except (OSError, ValueError):
        return None  # the evidence section names a bad file
    if any(column not in table.columns for column in CHANNEL_COLUMNS):
        return None  # ... and one that lacks a column
    return table


def _formulation_html(report: ReportInput, summary: Summary) -> str:
    sentence = page_one_sentence(report)
    if sentence:
        return plain(sentence, {f.policy: escape(f.title) for f in summary.policies})
    return note("Run under one formulation of the model's decisive mechanisms; "
                "`regsim compare --formulations all` runs it under each and says which "
                "verdicts hold under all.")


def _findings_html(policies: Sequence[PolicyFindings], titles: dict[str, str]) -> str:
    blocks = []
    for findings in policies:
        if len(policies) > 1:
            blocks.append(f"<h3>{escape(findings.title)}</h3>")
        shared = len(policies) > 1
        items = [_verdict_item(v, titles, short=shared) for v in findings.findings]
        if items:
            blocks.append('<ul class="verdicts">\n' + "\n".join(items) + "\n</ul>")
        else:
            blocks.append(note(f"{findings.title} has no clear effect on any key outcome."))
        if findings.more:
            noun = "effect" if findings.more == 1 else "effects"
            blocks.append(note(f"And {findings.more} more {noun} of {findings.title} whose "
                                "interval excludes zero: see the full tables."))
        if shared:
            count = len(findings.unclear) + len(findings.unchanged)
            if count:
                blocks.append(f'<p class="unclear">{count} other key outcomes without a clear '
                              "effect (see the full tables).</p>")
        else:
            blocks += _unclear_lines(findings, together=False)
    return "\n".join(blocks)


def _unclear_lines(findings: PolicyFindings, together: bool) -> list[str]:
    """The outcomes without a clear effect, named: a line each, or one line for both kinds
    (several policies share page one)."""
    parts = []
    if findings.unclear:
        parts.append(f"No clear effect (the 95% interval includes zero): "
                     f"{', '.join(findings.unclear)}")
    if findings.unchanged:
        lead = "no" if together and parts else "No"
        parts.append(f"{lead} difference in any pair: {', '.join(findings.unchanged)}")
    if together and parts:
        return [f'<p class="unclear">{escape("; ".join(parts))}.</p>']
    return [f'<p class="unclear">{escape(part)}.</p>' for part in parts]


def _verdict_item(verdict: GradedVerdict, titles: dict[str, str], extra: str = "",
                  short: bool = False) -> str:
    css = GRADE_CLASSES.get(verdict.grade, "grade-none")
    effect = EFFECT_WORDS[verdict.effect] if verdict.matters else ""
    badge = verdict.grade + (f" · {effect}" if effect else "")
    size = f' <span class="size">({escape(verdict.relative_text)})</span>' if (
        verdict.relative_text and verdict.matters) else ""
    more = f' <span class="per-unit">{escape(extra)}</span>' if extra else ""
    chart = interval_svg(verdict.difference, verdict.low, verdict.high, verdict.effect)
    return (f'<li class="{css} effect-{escape(effect or "none")}">{chart}<span class="badge">'
            f"{escape(badge)}</span> <span class=\"sentence\">"
            f"{escape(_sentence(verdict, titles, short))}</span>{size}{more}</li>")


def _sentence(verdict: GradedVerdict, titles: dict[str, str], short: bool) -> str:
    """The verdict's sentence with the policy's title, or without the policy (short: under
    the policy's own heading)."""
    if not short:
        return plain(verdict.sentence, titles)
    clause = plain(effect_clause(verdict), titles)
    return clause[:1].upper() + clause[1:]


def _lag_effect(findings: PolicyFindings) -> GradedVerdict | None:
    """The first outcome the question is about that is measured in months of lag."""
    return next((v for v in findings.focus if v.unit == LAG_UNIT and "lag" in v.outcome), None)


def _costs_html(policies: Sequence[PolicyFindings], titles: dict[str, str]) -> str:
    """Each policy's costs with the cost per month of lag gained: a graded item each, or one
    line per policy when there are several."""
    blocks = []
    for findings in policies:
        if not findings.costs:
            continue
        lag = _lag_effect(findings)
        if len(policies) == 1:
            clear = [v for v in findings.costs if v.matters]
            items = "\n".join(_verdict_item(v, titles, cost_per_unit(v, lag)) for v in clear)
            if items:
                blocks.append(f'<ul class="verdicts costs">\n{items}\n</ul>')
            rest = PolicyFindings(findings.policy, "", [], [], 0,
                                  [v.name for v in findings.costs if v.grade == UNCLEAR],
                                  [v.name for v in findings.costs if v.grade == NO_DIFFERENCE],
                                  [])
            blocks += _unclear_lines(rest, together=True)
            continue
        items = "; ".join(_cost_words(v) + (f" ({escape(cost_per_unit(v, lag))})" if v.matters
                                            else "") for v in findings.costs)
        blocks.append(f'<p class="cost-line"><span class="scenario">{escape(findings.title)}'
                      f"</span> {items}.</p>")
    return "\n".join(blocks) or note("The comparison has no outcome measured in money.")


def _cost_words(verdict: GradedVerdict) -> str:
    """'compliance cost +2,722 USD M (95% CI 2,144 to 3,299): clear effect', graded by style."""
    css = GRADE_CLASSES.get(verdict.grade, "grade-none")
    sign = "+" if verdict.difference > 0 else ""
    value = f" {sign}{format_number(verdict.difference)} {verdict.unit}" if verdict.matters \
        else ""
    interval = f" (95% CI {interval_text(verdict.low, verdict.high)})" if verdict.matters else ""
    return (f'<span class="{css}">{escape(verdict.name)}{escape(value)}{escape(interval)}: '
            f"{escape(verdict.grade)}</span>")


def _key_outcomes_html(summary: Summary) -> str:
    if not summary.key_outcomes and not summary.zero_everywhere:
        return note("No outcomes recorded in this folder.")
    rows = "\n".join(
        f'<tr><td>{escape(o.name)}</td><td class="value">{escape(o.value)}'
        + (f'<span class="note"> ({escape(o.note)})</span>' if o.note else "") + "</td></tr>"
        for o in summary.key_outcomes)
    parts = [note("Mean over replicates with the 95% confidence interval of the mean."),
             f'<table class="key-outcomes"><tbody>\n{rows}\n</tbody></table>']
    if summary.zero_everywhere:
        parts.append(f'<p class="unclear">Zero in every replicate: '
                     f"{escape(', '.join(summary.zero_everywhere))}.</p>")
    if summary.more_outcomes:
        parts.append(note(f"And {summary.more_outcomes} more outcomes in the full tables."))
    return "\n".join(parts)


def _rests_on_html(summary: Summary) -> str:
    parts = []
    instruments = summary.instrument_assumptions
    seen = {a.pattern for a in instruments}
    behind = [a for a in summary.outcome_assumptions if a.pattern not in seen]
    room = MAX_PAGE_ONE_ASSUMPTIONS - min(len(instruments), MAX_PAGE_ONE_INSTRUMENT_TERMS)
    if instruments:
        parts.append(_assumption_line("Unsourced terms of the instruments compared",
                                      instruments, MAX_PAGE_ONE_INSTRUMENT_TERMS))
    if behind:
        parts.append(_assumption_line("Unsourced parameters the reported outcomes depend on",
                                      behind, room))
    if not parts:
        return note("No unsourced parameter of this scenario bears on the reported outcomes.")
    every = summary.assumptions
    if summary.varied:
        # The same list the caveat counts: every parameter the run drew.
        names = ", ".join(_parameter_words(path) for path in sorted(summary.varied))
        fixed = len([a for a in every if not a.varied])
        parts.append(f'<p class="deep">Varied in this run ({len(summary.varied)} parameters): '
                     f"{escape(names)}. Held fixed: {fixed} of these {len(every)} deep "
                     "uncertainties.</p>")
    else:
        parts.append(f'<p class="deep">None of these {len(every)} deep uncertainties was '
                     "varied in this run; `regsim sweep` shows how much each one matters.</p>")
    return "\n".join(parts)


def _parameter_words(path: str) -> str:
    """'world.follower.delay_months' -> 'follower: delay months'."""
    segments = [part for part in path.split(".") if part and not part.isdigit()]
    last = key_words(segments[-1]) if segments else path
    parent = segments[-2].replace("_", " ") if len(segments) > 1 else ""
    return f"{parent}: {last}" if parent else last


def _assumption_line(lead: str, assumptions: Sequence[Assumption], limit: int) -> str:
    shown = assumptions[:limit]
    text = "; ".join(f"{a.label} {a.value}" for a in shown)
    more = len(assumptions) - len(shown)
    tail = f"; and {more} more (see Assumptions)" if more > 0 else ""
    return f"<p><strong>{escape(lead)}:</strong> {escape(text)}{escape(tail)}.</p>"


def _names(assumptions: Sequence[Assumption]) -> str:
    return ", ".join(a.label for a in assumptions)


