"""The policy brief as one self-contained HTML page: sections, tables, figures and styles.

Page one is the summary (`sim.presentation.brief_summary`), printed alone on the first A4
page; then the evidence: time series of policy against baseline, the key events across
replicates, the folder's plots, the assumptions, the full tables (folded on screen, printed
open), a glossary and the provenance. Every string from a folder is escaped here (`_e`), and
every image goes through `sim.presentation.embed` (nothing refers to another file or address).
"""

from __future__ import annotations

import html
import math
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from sim.presentation.assumptions import Assumption
from sim.presentation.brief_summary import (
    MAX_PAGE_ONE_ASSUMPTIONS,
    PolicyFindings,
    Summary,
    key_outcome_keys,
)
from sim.presentation.embed import png_data_uri, safe_image_bytes
from sim.presentation.event_timeline import (
    EventTally,
    Labels,
    Occurrence,
    TimelineRow,
    events_from_jsonl,
    events_from_parquet,
    first_of_each,
    labels_from_scenario,
    timeline,
)
from sim.presentation.glossary import glossary_entries
from sim.presentation.narrative import plain_text
from sim.presentation.report_folder import DIFFERENCE_COLUMNS, ReportError, ReportInput
from sim.presentation.tables import (
    MILESTONE_PREFIXES,
    format_number,
    outcome_name_and_unit,
    outcome_series,
    series_label,
)
from sim.presentation.verdict_grades import (
    CLEAR,
    SMALL,
    GradedVerdict,
    grade_comparison,
    ranked,
)

PLOT_CAPTIONS = {
    "capability": "Capability over time: the frontier, the closed- and open-weight frontiers "
    "and the best model each competitor state holds (median over replicates, 5-95% band).",
    "lags": "Months behind the frontier: the best open-weight model and each competitor state.",
    "diffusion": "Diffusion to downstream adopters; shares that stay flat are named under the "
    "plot instead of drawn.",
    "kill_switch": "Kill-switch coverage: the share of covered-model copies a shutdown can "
    "reach, and the copies beyond any switch.",
    "channels": "Where each competitor state's best model came from: share of replicates.",
    "comparison": "Paired differences, policy minus baseline, for each replicate (dots) with "
    "their mean and 95% interval (bar); zero means no effect.",
}
MAX_PAGE_ONE_INSTRUMENT_TERMS = 5
NARRATIVE_LINES = 12
"""A single run's story in brief: the first occurrence of at most this many key events."""
GRADE_CLASSES = {CLEAR: "grade-clear", SMALL: "grade-small"}
EFFECT_WORDS = {1: "better", -1: "worse", 0: "trade-off"}


# Page one -----------------------------------------------------------------------------------


def compare_page_one(report: ReportInput, summary: Summary, title: str) -> str:
    """The summary page of a comparison: question, findings, costs, caveats, assumptions."""
    question = _compare_question(report, summary)
    parts = [f"<h1>{_e(title)}</h1>", _lede(report),
             _section("question", "The question", question)]
    parts.append(_section("findings", "Findings", _findings_html(summary.policies)))
    parts.append(_section("costs", "Costs", _costs_html(summary.policies)))
    parts.append(_section("caveats", "Caveats", _list(summary.caveats)))
    parts.append(_section("rests-on", "What the findings rest on", _rests_on_html(summary)))
    return '<div class="page-one">\n' + "\n".join(parts) + "\n</div>"


def run_page_one(report: ReportInput, summary: Summary, title: str) -> str:
    """The summary page of a single run: question, key outcomes in words, caveats."""
    question = report.questions[0][1] if report.questions else ""
    parts = [
        f"<h1>{_e(title)}</h1>",
        _lede(report),
        _section("question", "The question", f'<p class="question">{_e(question or NO_Q)}</p>'),
        _section("outcomes", "Key outcomes", _key_outcomes_html(summary)),
        _section("caveats", "Caveats", _list(summary.caveats)),
        _section("rests-on", "What these numbers rest on", _rests_on_html(summary)),
    ]
    return '<div class="page-one">\n' + "\n".join(parts) + "\n</div>"


NO_Q = "(the scenario states no question)"


def _lede(report: ReportInput) -> str:
    months = _int(_scenario_meta(report, report.baseline).get("months"))
    start = report.starts.get(report.baseline, "")
    span = f", {months} months from {start}" if months and start else ""
    n = sorted({v for v in report.replicates.values() if v})
    count = f"{n[0]} replicates" if len(n) == 1 else "replicates"
    if report.kind == "comparison":
        what = f"{', '.join(report.policies)} against {report.baseline}"
        return f'<p class="lede">{_e(what)}: {_e(count)} each{_e(span)}, simulated by regsim.</p>'
    return f'<p class="lede">{_e(report.baseline)}: {_e(count)}{_e(span)}, simulated by regsim.</p>'


def _compare_question(report: ReportInput, summary: Summary) -> str:
    questions = dict(report.questions)
    items = []
    for findings in summary.policies:
        prefix = f'<span class="scenario">{_e(findings.policy)}</span> ' if len(
            summary.policies) > 1 else ""
        items.append(f'<p class="question">{prefix}{_e(findings.question or NO_Q)}</p>')
        if findings.changes:
            items.append(f'<p class="changes">{_e(findings.policy)} adds or changes: '
                         f"{_e('; '.join(findings.changes))}.</p>")
    base = questions.get(report.baseline, "")
    items.append(f'<p class="note">Compared with {_e(report.baseline)}'
                 f"{': ' + _e(base) if base else ''}</p>")
    return "\n".join(items)


def _findings_html(policies: Sequence[PolicyFindings]) -> str:
    blocks = []
    for findings in policies:
        if len(policies) > 1:
            blocks.append(f"<h3>{_e(findings.policy)}</h3>")
        items = [_verdict_item(v) for v in findings.findings]
        if items:
            blocks.append('<ul class="verdicts">\n' + "\n".join(items) + "\n</ul>")
        else:
            blocks.append(_note(f"{findings.policy} has no clear effect on any key outcome."))
        if findings.more:
            noun = "effect" if findings.more == 1 else "effects"
            blocks.append(_note(f"And {findings.more} more {noun} of {findings.policy} whose "
                                "interval excludes zero: see the full tables."))
        blocks += _unclear_lines(findings, together=len(policies) > 1)
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
        return [f'<p class="unclear">{_e("; ".join(parts))}.</p>']
    return [f'<p class="unclear">{_e(part)}.</p>' for part in parts]


def _verdict_item(verdict: GradedVerdict) -> str:
    css = GRADE_CLASSES.get(verdict.grade, "grade-none")
    effect = EFFECT_WORDS[verdict.effect] if verdict.matters else ""
    badge = verdict.grade + (f" · {effect}" if effect else "")
    size = f' <span class="size">({_e(verdict.relative_text)})</span>' if (
        verdict.relative_text and verdict.matters) else ""
    return (f'<li class="{css} effect-{_e(effect or "none")}"><span class="badge">'
            f"{_e(badge)}</span> <span class=\"sentence\">{_e(verdict.sentence)}</span>"
            f"{size}</li>")


def _costs_html(policies: Sequence[PolicyFindings]) -> str:
    """Each policy's costs: a graded item each, or one line per policy when there are several."""
    blocks = []
    for findings in policies:
        if not findings.costs:
            continue
        if len(policies) == 1:
            items = "\n".join(_verdict_item(v) for v in findings.costs)
            blocks.append(f'<ul class="verdicts costs">\n{items}\n</ul>')
            continue
        items = "; ".join(_cost_words(v) for v in findings.costs)
        blocks.append(f'<p class="cost-line"><span class="scenario">{_e(findings.policy)}'
                      f"</span> {items}.</p>")
    return "\n".join(blocks) or _note("The comparison has no outcome measured in money.")


def _cost_words(verdict: GradedVerdict) -> str:
    """'compliance cost +2,722 USD M (95% CI 2,144 to 3,299): clear effect', graded by style."""
    css = GRADE_CLASSES.get(verdict.grade, "grade-none")
    sign = "+" if verdict.difference > 0 else ""
    value = f" {sign}{format_number(verdict.difference)} {verdict.unit}" if verdict.matters \
        else ""
    interval = f" (95% CI {_interval(verdict.low, verdict.high)})" if verdict.matters else ""
    return (f'<span class="{css}">{_e(verdict.name)}{_e(value)}{_e(interval)}: '
            f"{_e(verdict.grade)}</span>")


def _key_outcomes_html(summary: Summary) -> str:
    if not summary.key_outcomes and not summary.zero_everywhere:
        return _note("No outcomes recorded in this folder.")
    rows = "\n".join(
        f'<tr><td>{_e(o.name)}</td><td class="value">{_e(o.value)}'
        + (f'<span class="note"> ({_e(o.note)})</span>' if o.note else "") + "</td></tr>"
        for o in summary.key_outcomes)
    parts = [_note("Mean over replicates with the 95% confidence interval of the mean."),
             f'<table class="key-outcomes"><tbody>\n{rows}\n</tbody></table>']
    if summary.zero_everywhere:
        parts.append(f'<p class="unclear">Zero in every replicate: '
                     f"{_e(', '.join(summary.zero_everywhere))}.</p>")
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
        return _note("No unsourced parameter of this scenario bears on the reported outcomes.")
    every = summary.assumptions
    varied = [a for a in every if a.varied]
    if varied:
        fixed = len(every) - len(varied)
        parts.append(f'<p class="deep">Varied in this run: {_e(_names(varied))}. Held fixed: '
                     f"{fixed} of these {len(every)} deep uncertainties.</p>")
    else:
        parts.append(f'<p class="deep">None of these {len(every)} deep uncertainties was '
                     "varied in this run; `regsim sweep` shows how much each one matters.</p>")
    return "\n".join(parts)


def _assumption_line(lead: str, assumptions: Sequence[Assumption], limit: int) -> str:
    shown = assumptions[:limit]
    text = "; ".join(f"{a.label} {a.value}" for a in shown)
    more = len(assumptions) - len(shown)
    tail = f"; and {more} more (see Assumptions)" if more > 0 else ""
    return f"<p><strong>{_e(lead)}:</strong> {_e(text)}{_e(tail)}.</p>"


def _names(assumptions: Sequence[Assumption]) -> str:
    return ", ".join(a.label for a in assumptions)


# Time series --------------------------------------------------------------------------------


def timeseries_html(report: ReportInput, summary: Summary) -> str:
    """Each policy against the baseline over time, with paired-difference bands."""
    if report.timeseries_path is None:
        return _note("This folder keeps no monthly series (compared with --no-series, or by an "
                     "older regsim): run `regsim compare` again for this section.")
    columns = _parquet_columns(report.timeseries_path)
    blocks = [_note("Left: the median over replicates with its 5-95% band. Right: policy minus "
                    "baseline in the same replicate, its median and 5-95% band each month.")]
    for findings in summary.policies:
        try:
            blocks.append(_policy_timeseries(report, findings, columns))
        except (KeyError, TypeError, ValueError) as error:  # a table not as compare writes it
            raise ReportError(f"{report.timeseries_path}: unexpected contents: "
                              f"{type(error).__name__}: {error}") from None
    return "\n".join(blocks)


def _policy_timeseries(report: ReportInput, findings: PolicyFindings, columns: set[str]) -> str:
    from sim.presentation.brief_plots import MAX_ROWS, difference_figure, no_difference
    from sim.presentation.brief_plots import paired_differences as differences_of

    chosen = _series_for(report, findings, columns)
    if not chosen:
        return _note(f"No monthly series shows the outcomes of {findings.policy}.")
    frame = _read_series(report, findings.policy, chosen)
    drawn, unchanged = [], []
    for column in chosen:
        if no_difference(differences_of(frame, report.baseline, findings.policy, column)):
            unchanged.append(column)
        else:
            drawn.append(column)
    labels = [(column, _series_label(column, report.state_labels)) for column in drawn]
    parts = [f"<h3>{_e(findings.policy)}</h3>"] if len(report.policies) > 1 else []
    if labels:
        png = difference_figure(frame, report.baseline, findings.policy, labels[:MAX_ROWS])
        caption = (f"{findings.policy} against {report.baseline}, month by month, for the "
                   "outcomes on page one (findings first).")
        parts.append(_figure(png, f"{findings.policy} against {report.baseline}", caption))
    if unchanged:
        names = ", ".join(_series_label(c, report.state_labels) for c in unchanged)
        parts.append(f'<p class="unclear">No difference in any pair, in any month: '
                     f"{_e(names)}.</p>")
    if len(labels) > MAX_ROWS:
        rest = ", ".join(label for _, label in labels[MAX_ROWS:])
        parts.append(_note(f"Also different, not drawn: {rest}."))
    return "\n".join(parts)


def _series_for(report: ReportInput, findings: PolicyFindings, columns: set[str]) -> list[str]:
    """The series of the policy's outcomes: findings first, then the other key outcomes."""
    assert report.comparison is not None
    graded = [v for v in grade_comparison(report.comparison, report.state_labels)
              if v.policy == findings.policy]
    keys = key_outcome_keys([v.outcome for v in graded], report.state_names)
    ordered = [v.outcome for v in ranked(findings.findings + findings.costs) if v.matters]
    ordered += [v.outcome for v in ranked(graded) if v.outcome in set(keys)]
    chosen: list[str] = []
    for outcome in ordered:
        column = outcome_series(outcome, columns)
        if column is not None and column not in chosen:
            chosen.append(column)
    return chosen


def _read_series(report: ReportInput, policy: str, columns: list[str]) -> pd.DataFrame:
    import pyarrow.parquet as pq

    assert report.timeseries_path is not None
    wanted = ["scenario", "replicate", "step", "month", *columns]
    try:
        table = pq.read_table(report.timeseries_path, columns=wanted,
                              filters=[("scenario", "in", [report.baseline, policy])])
    except (OSError, ValueError) as error:  # pyarrow raises ArrowInvalid, a ValueError
        raise ReportError(f"{report.timeseries_path}: cannot read: {error}") from None
    return table.to_pandas()


def _parquet_columns(path: Path) -> set[str]:
    import pyarrow.parquet as pq

    try:
        return set(pq.read_schema(path).names)
    except (OSError, ValueError) as error:
        raise ReportError(f"{path}: cannot read: {error}") from None


def _series_label(column: str, state_labels: dict[str, str]) -> str:
    label = series_label(column)
    for state, display in state_labels.items():
        label = label.replace(f"{state}:", f"{display}:")
    return label


# Key events ---------------------------------------------------------------------------------


def timeline_html(report: ReportInput) -> str:
    """How often and when each kind of key event happens, over every replicate."""
    if report.events_path is None:
        return _note("This folder keeps no event log (compared with --no-series, or by an "
                     "older regsim).")
    labels = {name: labels_from_scenario(report.raws.get(name, {})) for name in report.names}
    tally = EventTally(labels)
    first_run: list[dict[str, Any]] = []
    try:
        if report.kind == "run":
            for replicate, event in events_from_jsonl(report.events_path):
                tally.add(report.baseline, replicate, event)
                if replicate == 0:
                    first_run.append(event)
        else:
            for scenario, replicate, event in events_from_parquet(report.events_path):
                tally.add(scenario, replicate, event)
    except (OSError, KeyError, TypeError, ValueError) as error:  # UnicodeDecodeError too
        raise ReportError(f"{report.events_path}: cannot read: {error}") from None
    replicates = {name: report.replicates.get(name) or _seen(tally, name)
                  for name in report.names}
    rows = timeline(tally, replicates, report.starts, report.names)
    if not rows:
        return _note("No key event happened in any replicate.")
    table = _timeline_table(rows, report.names)
    if report.kind == "run":
        return table + "\n" + _narrative_html(first_run, labels[report.baseline])
    return table


def _seen(tally: EventTally, scenario: str) -> int:
    replicates = set()
    for track in tally.tracks.get(scenario, {}).values():
        replicates |= set(track.first_step)
    return len(replicates)


def _timeline_table(rows: Sequence[TimelineRow], names: Sequence[str]) -> str:
    compare = len(names) > 1
    head = "".join(f"<th>{_e(name)}</th>" for name in names) if compare else (
        "<th>replicates</th><th>first month: median (earliest to latest)</th>"
        "<th>per replicate</th>")
    body = []
    for row in rows:
        css = ' class="differs"' if compare and row.differs else (' class="same"' if compare
                                                                  else "")
        preferred = [*names[1:], names[0]]  # who a policy's events involve, if it has them
        who = next((o for n in preferred if (o := row.occurrences.get(n)) and o.who), None)
        who_text = f"{who.who} ({who.who_share * 100:.0f}%)" if who else ""
        if compare:
            cells = "".join(f"<td>{_occurrence_cell(row.occurrences.get(n))}</td>" for n in names)
        else:
            cells = _occurrence_columns(row.occurrences.get(names[0]))
        body.append(f"<tr{css}><td>{_e(row.words)}</td>{cells}<td>{_e(who_text)}</td></tr>")
    note = ("Every replicate, from the first simulated month; routine releases left out. "
            "Per replicate: how many times on average. ")
    if compare:
        note += "In bold: key events whose frequency or timing differs between the scenarios."
    return (_note(note) + f'\n<table class="timeline"><thead><tr><th>key event</th>{head}'
            f"<th>most often involves</th></tr></thead>\n<tbody>\n" + "\n".join(body)
            + "\n</tbody></table>")


def _occurrence_cell(found: Occurrence | None) -> str:
    if found is None:
        return '<span class="never">never</span>'
    return (f"{found.replicates} of {found.n}; {_e(format_number(found.per_replicate))} per "
            f"replicate<br><span class=\"month\">first {_e(_when(found))}</span>")


def _occurrence_columns(found: Occurrence | None) -> str:
    if found is None:
        return "<td>0</td><td></td><td>0</td>"
    return (f"<td>{found.replicates} of {found.n}</td><td>{_e(_when(found))}</td>"
            f'<td class="number">{_e(format_number(found.per_replicate))}</td>')


def _when(found: Occurrence) -> str:
    if found.first_earliest == found.first_latest:
        return found.first_median
    return f"{found.first_median} ({found.first_earliest} to {found.first_latest})"


def _narrative_html(events: list[dict[str, Any]], labels: Labels) -> str:
    told = first_of_each(events, labels, NARRATIVE_LINES)
    if not told:
        return ""
    items = "\n".join(f'<li><span class="month">{_e(e.get("month", ""))}</span> '
                      f"{_e(plain_text(e))}</li>" for e in told)
    return ("<h3>One replicate in brief</h3>\n" + _note(
        "Replicate 0: the first time each key event happened, oldest first.")
        + f'\n<ol class="narrative">\n{items}\n</ol>')


# Plots --------------------------------------------------------------------------------------


def plots_html(report: ReportInput) -> str:
    """The folder's own plots, each embedded only if it is a safe PNG inside the folder."""
    if not report.plots:
        return _note("No plots in this folder (it was run with --no-plots).")
    figures = []
    for plot in report.plots:
        data = safe_image_bytes(report.folder, plot)
        if data is None:
            figures.append(_note(f"{plot.name} left out: not a PNG file inside the folder."))
            continue
        caption = PLOT_CAPTIONS.get(plot.stem, plot.stem.replace("_", " "))
        figures.append(_figure(data, f"{plot.stem} plot", caption))
    return "\n".join(figures)


def _figure(png: bytes, alt: str, caption: str) -> str:
    return (f'<figure><img alt="{_e(alt)}" src="{png_data_uri(png)}">'
            f"<figcaption>{_e(caption)}</figcaption></figure>")


# Assumptions, tables, glossary ----------------------------------------------------------------


def assumptions_html(summary: Summary) -> str:
    every = summary.assumptions
    if not every:
        return _note("No unsourced parameter of this scenario bears on the reported outcomes.")
    rows = "\n".join(
        f"<tr><td>{_e(a.label)}</td><td>{_e(a.value)}</td><td>{_e(', '.join(a.why))}</td>"
        f"<td>{_e(a.description)}</td><td>{'varied' if a.varied else 'fixed'}</td></tr>"
        for a in every)
    return (_note("Parameters the schema marks as assumptions (no published source), with the "
                  "value this run used and what depends on them. Source texts are the scenario "
                  "reference's (docs/scenarios.md).")
            + '\n<table class="assumptions"><thead><tr><th>parameter</th><th>value</th>'
            "<th>what depends on it</th><th>source</th><th>in this run</th></tr></thead>"
            f"\n<tbody>\n{rows}\n</tbody></table>")


def tables_html(report: ReportInput) -> str:
    """Every outcome, folded: the comparison table, and each scenario's outcomes."""
    parts = []
    if report.comparison is not None:
        parts.append(_details(f"Every paired comparison ({len(report.comparison)} rows)",
                              _comparison_table(report)))
    for name, table in report.outcomes:
        parts.append(_details(f"Outcomes of {name}: mean, 95% CI, 5th to 95th percentile "
                              f"({len(table)} outcomes)", _outcomes_table(table, report)))
    return "\n".join(parts) or _note("No tables in this folder.")


def _details(summary: str, body: str) -> str:
    return (f'<details class="table"><summary>{_e(summary)}</summary>\n{body}\n</details>')


def _comparison_table(report: ReportInput) -> str:
    assert report.comparison is not None
    graded = grade_comparison(report.comparison, report.state_labels)
    rows = report.comparison.to_dict(orient="records")
    difference = next(c for c in DIFFERENCE_COLUMNS if c in report.comparison.columns)
    body = []
    for row, verdict in zip(rows, graded, strict=True):
        better = ""
        if _finite(row.get("share_better")) and _finite(row.get("n_ordered")):
            better = f"{round(_f(row['share_better']) * _f(row['n_ordered']))}/" \
                     f"{int(_f(row['n_ordered']))}"
        cells = [row.get("policy", ""), _outcome_text(verdict), _num(row.get("baseline_mean")),
                 _num(row.get("policy_mean")), _num(row.get(difference)),
                 _interval(row.get("ci95_low"), row.get("ci95_high")), verdict.grade, better]
        css = GRADE_CLASSES.get(verdict.grade, "grade-none")
        body.append(f'<tr class="{css}">' + "".join(f"<td>{_e(c)}</td>" for c in cells)
                    + "</tr>")
    head = "".join(f"<th>{_e(h)}</th>" for h in ("policy", "outcome", "baseline mean",
                                                  "policy mean", "difference", "95% CI",
                                                  "grade", "better in"))
    return (f'<table class="comparison"><thead><tr>{head}</tr></thead>\n<tbody>\n'
            + "\n".join(body) + "\n</tbody></table>")


def _outcome_text(verdict: GradedVerdict) -> str:
    return f"{verdict.name} ({verdict.unit})" if verdict.unit else verdict.name


def _outcomes_table(table: pd.DataFrame, report: ReportInput) -> str:
    body = []
    for row in table.to_dict(orient="records"):
        key = str(row["outcome"])
        name, unit = outcome_name_and_unit(key, report.state_labels)
        defined = f"{_int(row.get('n_defined'))}/{_int(row.get('n'))}" if "n" in row else ""
        if key.startswith(MILESTONE_PREFIXES) and defined:
            defined += " reached"
        cells = [f"{name} ({unit})" if unit else name, _num(row.get("mean")),
                 _interval(row.get("ci95_low"), row.get("ci95_high")),
                 _interval(row.get("p05"), row.get("p95")), defined]
        body.append("<tr>" + "".join(f"<td>{_e(c)}</td>" for c in cells) + "</tr>")
    head = "".join(f"<th>{_e(h)}</th>" for h in ("outcome", "mean", "95% CI",
                                                  "5th to 95th percentile", "replicates"))
    return (f'<table class="outcomes"><thead><tr>{head}</tr></thead>\n<tbody>\n'
            + "\n".join(body) + "\n</tbody></table>")


def glossary_html() -> str:
    items = "\n".join(f"<dt>{_e(term)}</dt><dd>{_e(text)}</dd>"
                      for term, text in glossary_entries())
    return f'<dl class="glossary">\n{items}\n</dl>'


# Small helpers ------------------------------------------------------------------------------


def _section(anchor: str, heading: str, body: str) -> str:
    return f'<section id="{anchor}">\n<h2>{_e(heading)}</h2>\n{body}\n</section>'


def section(anchor: str, heading: str, body: str) -> str:
    """A top-level section of the brief with its h2 heading."""
    return _section(anchor, heading, body)


def _note(text: str) -> str:
    return f'<p class="note">{_e(text)}</p>'


def _list(items: Iterable[str]) -> str:
    return "<ul>\n" + "\n".join(f"<li>{_e(item)}</li>" for item in items) + "\n</ul>"


def _scenario_meta(report: ReportInput, name: str) -> dict[str, Any]:
    meta = report.raws.get(name, {}).get("scenario")
    return meta if isinstance(meta, dict) else {}


def _e(text: Any) -> str:
    return html.escape(str(text), quote=True)


def _f(value: Any) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        return math.nan


def _finite(value: Any) -> bool:
    return math.isfinite(_f(value))


def _int(value: Any) -> int:
    number = _f(value)
    return int(number) if math.isfinite(number) else 0


def _num(value: Any) -> str:
    return format_number(_f(value))


def _interval(low: Any, high: Any) -> str:
    low_text, high_text = _num(low), _num(high)
    if "n/a" in (low_text, high_text):
        return "n/a"
    return f"{low_text} to {high_text}"
