"""The brief's evidence in HTML, after page one: each policy against the baseline over time,
the key events across replicates, the folder's plots, the assumptions in full, the full
tables (folded), and the glossary.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from sim.brief.bottom_line import scenario_title
from sim.brief.embed import in_folder, safe_image_bytes, why_not_embedded
from sim.brief.event_timeline import (
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
from sim.brief.folder import DIFFERENCE_COLUMNS, ReportError, ReportInput
from sim.brief.glossary import glossary_entries
from sim.brief.html_parts import (
    details,
    escape,
    figure,
    interval_text,
    is_finite,
    note,
    number_text,
    to_float,
    to_int,
)
from sim.brief.page_one import GRADE_CLASSES
from sim.brief.summary import PolicyFindings, Summary, key_outcome_keys
from sim.brief.verdict_grades import GradedVerdict, grade_comparison, ranked
from sim.presentation.narrative import spoken_text
from sim.presentation.tables import (
    MILESTONE_PREFIXES,
    format_number,
    outcome_name_and_unit,
    outcome_series,
    series_label,
)
from sim.presentation.wording import no_exponents

PLOT_CAPTIONS = {
    "capability": "Capability over time: the frontier, the closed- and open-weight frontiers "
    "and the best model each competitor state holds (median over replicates, 5-95% band).",
    "lags": "Months behind the frontier: the best open-weight model and each competitor state.",
    "diffusion": "Diffusion to downstream adopters; shares that stay flat are named under the "
    "plot instead of drawn.",
    "kill_switch": "Kill-switch coverage: the share of covered-model copies a shutdown can "
    "reach, and the copies beyond any switch.",
    "channels": "Where each competitor state's best model came from: share of replicates.",
    "channel_effects": "Where each policy's change in each state's mean lag came from: the "
    "exact Shapley contribution of each channel (and of the frontier's own move), mean over "
    "paired replicates with its 95% interval, beside the total.",
    "comparison": "Paired differences, policy minus baseline, for each replicate (dots) with "
    "their mean and 95% interval (bar); zero means no effect.",
}
NARRATIVE_LINES = 12
"""A single run's story in brief: the first occurrence of at most this many key events."""


# Time series --------------------------------------------------------------------------------


def timeseries_html(report: ReportInput, summary: Summary) -> str:
    """Each policy against the baseline over time, with paired-difference bands."""
    if report.timeseries_path is None:
        return note("This folder keeps no monthly series (compared with --no-series, or by an "
                     "older regsim): run `regsim compare` again for this section.")
    columns = _parquet_columns(report.timeseries_path)
    blocks = [note("Left: the median over replicates with its 5-95% band. Right: policy minus "
                    "baseline in the same replicate, its median and 5-95% band each month.")]
    for findings in summary.policies:
        try:
            blocks.append(_policy_timeseries(report, findings, columns, summary.titles))
        except (KeyError, TypeError, ValueError) as error:  # a table not as compare writes it
            raise ReportError(f"{report.timeseries_path}: unexpected contents: "
                              f"{type(error).__name__}: {error}") from None
    return "\n".join(blocks)


def _policy_timeseries(report: ReportInput, findings: PolicyFindings, columns: set[str],
                       titles: dict[str, str]) -> str:
    from sim.brief.charts import MAX_ROWS, difference_figure, no_difference
    from sim.brief.charts import paired_differences as differences_of

    chosen = _series_for(report, findings, columns)
    if not chosen:
        return note(f"No monthly series shows the outcomes of {findings.policy}.")
    frame = _read_series(report, findings.policy, chosen)
    drawn, unchanged = [], []
    for column in chosen:
        if no_difference(differences_of(frame, report.baseline, findings.policy, column)):
            unchanged.append(column)
        else:
            drawn.append(column)
    labels = [(column, _series_label(column, report.state_labels)) for column in drawn]
    policy, baseline = (titles.get(n, n) for n in (findings.policy, report.baseline))
    parts = [f"<h3>{escape(policy)}</h3>"] if len(report.policies) > 1 else []
    if labels:
        png = difference_figure(frame, report.baseline, findings.policy, labels[:MAX_ROWS],
                                titles)
        caption = (f"{policy} against {baseline}, month by month, for the outcomes on page "
                   "one (findings first).")
        parts.append(figure(png, f"{policy} against {baseline}", caption))
    if unchanged:
        names = ", ".join(_series_label(c, report.state_labels) for c in unchanged)
        parts.append(f'<p class="unclear">No difference in any pair, in any month: '
                     f"{escape(names)}.</p>")
    if len(labels) > MAX_ROWS:
        rest = ", ".join(label for _, label in labels[MAX_ROWS:])
        parts.append(note(f"Also different, not drawn: {rest}."))
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
    label = no_exponents(series_label(column))
    for state, display in state_labels.items():
        label = label.replace(f"{state}:", f"{display}:")
    return label


# Key events ---------------------------------------------------------------------------------


def timeline_html(report: ReportInput) -> str:
    """How often and when each kind of key event happens, over every replicate."""
    if report.events_path is None:
        return note("This folder keeps no event log (compared with --no-series, or by an "
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
        return note("No key event happened in any replicate.")
    table = _timeline_table(rows, report.names, _titles(report))
    if report.kind == "run":
        return table + "\n" + _narrative_html(first_run, labels[report.baseline])
    return table


def _seen(tally: EventTally, scenario: str) -> int:
    replicates = set()
    for track in tally.tracks.get(scenario, {}).values():
        replicates |= set(track.first_step)
    return len(replicates)


def _titles(report: ReportInput) -> dict[str, str]:
    """Each scenario's plain title (never its file name)."""
    return {name: scenario_title(report.raws.get(name, {}), name) for name in report.names}


def _timeline_table(rows: Sequence[TimelineRow], names: Sequence[str],
                    titles: dict[str, str]) -> str:
    compare = len(names) > 1
    head = "".join(f"<th>{escape(titles.get(name, name))}</th>" for name in names) if compare \
        else (
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
        body.append(f"<tr{css}><td>{escape(row.words)}</td>{cells}<td>{escape(who_text)}</td></tr>")
    explained = ("Every replicate, from the first simulated month; routine releases left out. "
                 "Per replicate: how many times on average. ")
    if compare:
        explained += "In bold: key events whose frequency or timing differs between scenarios."
    return (note(explained) + f'\n<table class="timeline"><thead><tr><th>key event</th>{head}'
            f"<th>most often involves</th></tr></thead>\n<tbody>\n" + "\n".join(body)
            + "\n</tbody></table>")


def _occurrence_cell(found: Occurrence | None) -> str:
    if found is None:
        return '<span class="never">never</span>'
    return (f"{found.replicates} of {found.n}; {escape(format_number(found.per_replicate))} per "
            f"replicate<br><span class=\"month\">first {escape(_when(found))}</span>")


def _occurrence_columns(found: Occurrence | None) -> str:
    if found is None:
        return "<td>0</td><td></td><td>0</td>"
    return (f"<td>{found.replicates} of {found.n}</td><td>{escape(_when(found))}</td>"
            f'<td class="number">{escape(format_number(found.per_replicate))}</td>')


def _when(found: Occurrence) -> str:
    if found.first_earliest == found.first_latest:
        return found.first_median
    return f"{found.first_median} ({found.first_earliest} to {found.first_latest})"


def _narrative_html(events: list[dict[str, Any]], labels: Labels) -> str:
    told = first_of_each(events, labels, NARRATIVE_LINES)
    if not told:
        return ""
    items = "\n".join(f'<li><span class="month">{escape(e.get("month", ""))}</span> '
                      f"{escape(spoken_text(e))}</li>" for e in told)
    return ("<h3>One replicate in brief</h3>\n" + note(
        "Replicate 0: the first time each key event happened, oldest first.")
        + f'\n<ol class="narrative">\n{items}\n</ol>')


# Plots --------------------------------------------------------------------------------------


def plots_html(report: ReportInput) -> str:
    """The folder's own plots, each embedded only if it is a safe PNG inside the folder."""
    if not report.plots:
        return note("No plots in this folder (it was run with --no-plots).")
    figures = []
    for plot in report.plots:
        if report.kind == "comparison" and plot.stem == CHANNEL_PLOT:
            continue  # drawn in its own section
        figures.append(_plot_figure(report, plot))
    return "\n".join(figures) or note("No other plots in this folder.")


def _plot_figure(report: ReportInput, plot: Path) -> str:
    """One of the folder's plots as an embedded figure with its caption."""
    where = in_folder(report.folder, plot)
    data = safe_image_bytes(report.folder, where)
    if data is None:  # a link, a pipe, or not a PNG: never embed what a folder points at
        raise ReportError(f"{plot}: not a PNG image of this folder: "
                          f"{why_not_embedded(report.folder, where)}; "
                          "a report embeds only PNG images that are the folder's own "
                          "regular files")
    caption = PLOT_CAPTIONS.get(plot.stem, plot.stem.replace("_", " "))
    return figure(data, f"{plot.stem} plot", caption)


# Effects by channel -------------------------------------------------------------------------

CHANNEL_PLOT = "channel_effects"
CHANNEL_COLUMNS = ("policy", "state", "outcome", "unit", "component", "label", "n_pairs",
                   "mean", "ci95_low", "ci95_high")


def channels_html(report: ReportInput) -> str:
    """Each policy's effect on each state decomposed by channel (`channels.csv`): a table per
    policy and state, and the plot."""
    path = report.folder / "channels.csv"
    if path.is_symlink():
        raise ReportError(f"{path}: is a symbolic link; a report reads only the folder's own "
                          "regular files")
    if not path.is_file():
        return note("Not available: the comparison kept no monthly series (--no-series), "
                    "from which the decomposition is computed.")
    try:
        table = pd.read_csv(path, dtype=str, keep_default_na=False)
    except (OSError, ValueError) as error:
        raise ReportError(f"{path}: not a readable CSV table ({error})") from None
    missing = [c for c in CHANNEL_COLUMNS if c not in table.columns]
    if missing:
        raise ReportError(f"{path}: missing column {missing[0]!r}; expected "
                          f"{', '.join(CHANNEL_COLUMNS)}")
    parts = [note("How much of each policy's effect on a state came from its own labs, "
                  "military fine-tunes of foreign open weights, distillation and theft, and "
                  "how much from the frontier moving: an exact Shapley decomposition of each "
                  "paired difference over the channels' changes (they sum to the total), mean "
                  "over pairs with its 95% interval (docs/model.md §7.12).")]
    for (policy, state), rows in table.groupby(["policy", "state"], sort=False):
        label = report.state_labels.get(state, state)
        title = _titles(report).get(policy, policy)
        parts.append(f"<h3>{escape(title)}: {escape(label)}</h3>\n" + _channel_table(rows))
    plot = next((p for p in report.plots if p.stem == CHANNEL_PLOT), None)
    if plot is not None:
        parts.append(_plot_figure(report, plot))
    return "\n".join(parts)


def _channel_table(rows: pd.DataFrame) -> str:
    outcomes = list(dict.fromkeys(rows["outcome"]))
    head = "<th>channel</th>" + "".join(
        f"<th>{escape(_channel_outcome(rows, o))}</th><th>95% CI</th>" for o in outcomes)
    body = []
    for component in dict.fromkeys(rows["component"]):
        mine = rows[rows["component"] == component]
        cells = [escape(str(mine["label"].iloc[0]))]
        for outcome in outcomes:
            found = mine[mine["outcome"] == outcome]
            if found.empty:
                cells += ["", ""]
                continue
            row = found.iloc[0]
            cells += [escape(number_text(row["mean"])),
                      escape(interval_text(row["ci95_low"], row["ci95_high"]))]
        body.append("<tr>" + "".join(f"<td>{c}</td>" for c in cells) + "</tr>")
    return (f'<table class="channels"><thead><tr>{head}</tr></thead>\n<tbody>\n'
            + "\n".join(body) + "\n</tbody></table>")


def _channel_outcome(rows: pd.DataFrame, outcome: str) -> str:
    unit = str(rows.loc[rows["outcome"] == outcome, "unit"].iloc[0])
    name = {"mean_lag_months": "change in mean lag",
            "final_capability": "change in final capability"}.get(outcome, outcome)
    return f"{name} ({unit})"


# Assumptions, tables, glossary ----------------------------------------------------------------


def assumptions_html(summary: Summary) -> str:
    every = summary.assumptions
    if not every:
        return note("No unsourced parameter of this scenario bears on the reported outcomes.")
    rows = "\n".join(
        f"<tr><td>{escape(a.label)}</td><td>{escape(a.value)}</td>"
        f"<td>{escape(', '.join(a.why))}</td><td>{escape(no_exponents(a.description))}</td>"
        f"<td>{'varied' if a.varied else 'fixed'}</td></tr>"
        for a in every)
    return (note("Parameters the schema marks as assumptions (no published source), with the "
                  "value this run used and what depends on them. Source texts are the scenario "
                  "reference's (docs/scenarios.md).")
            + '\n<table class="assumptions"><thead><tr><th>parameter</th><th>value</th>'
            "<th>what depends on it</th><th>source</th><th>in this run</th></tr></thead>"
            f"\n<tbody>\n{rows}\n</tbody></table>")


def tables_html(report: ReportInput) -> str:
    """Every outcome, folded: the comparison table, and each scenario's outcomes."""
    parts = []
    titles = _titles(report)
    if report.comparison is not None:
        which = f" of {titles.get(report.policies[0], report.policies[0])}" if len(
            report.policies) == 1 else ""
        parts.append(details(f"Every paired comparison{which} ({len(report.comparison)} rows)",
                              _comparison_table(report)))
    for name, table in report.outcomes:
        parts.append(details(f"Outcomes of {titles.get(name, name)}: mean, 95% CI, 5th to "
                             f"95th percentile ({len(table)} outcomes)",
                             _outcomes_table(table, report)))
    return "\n".join(parts) or note("No tables in this folder.")


def _comparison_table(report: ReportInput) -> str:
    assert report.comparison is not None
    graded = grade_comparison(report.comparison, report.state_labels)
    rows = report.comparison.to_dict(orient="records")
    difference = next(c for c in DIFFERENCE_COLUMNS if c in report.comparison.columns)
    titles = _titles(report)
    several = len(report.policies) > 1  # one policy: the section's heading names it
    body = []
    for row, verdict in zip(rows, graded, strict=True):
        better = ""
        if is_finite(row.get("share_better")) and is_finite(row.get("n_ordered")):
            better = f"{round(to_float(row['share_better']) * to_float(row['n_ordered']))}/" \
                     f"{int(to_float(row['n_ordered']))}"
        policy = str(row.get("policy", ""))
        cells = [titles.get(policy, policy)] if several else []
        cells += [_outcome_text(verdict),
                 number_text(row.get("baseline_mean")), number_text(row.get("policy_mean")),
                 number_text(row.get(difference)),
                 interval_text(row.get("ci95_low"), row.get("ci95_high")), verdict.grade, better]
        css = GRADE_CLASSES.get(verdict.grade, "grade-none")
        body.append(f'<tr class="{css}">' + "".join(f"<td>{escape(c)}</td>" for c in cells)
                    + "</tr>")
    names = ("outcome", "baseline mean", "policy mean", "difference", "95% CI", "grade",
             "better in")
    head = "".join(f"<th>{escape(h)}</th>" for h in (("policy",) if several else ()) + names)
    return (f'<table class="comparison"><thead><tr>{head}</tr></thead>\n<tbody>\n'
            + "\n".join(body) + "\n</tbody></table>")


def _outcome_text(verdict: GradedVerdict) -> str:
    return f"{verdict.name} ({verdict.unit})" if verdict.unit else verdict.name


def _outcomes_table(table: pd.DataFrame, report: ReportInput) -> str:
    body = []
    for row in table.to_dict(orient="records"):
        key = str(row["outcome"])
        name, unit = outcome_name_and_unit(key, report.state_labels)
        name = no_exponents(name)
        defined = f"{to_int(row.get('n_defined'))}/{to_int(row.get('n'))}" if "n" in row else ""
        if key.startswith(MILESTONE_PREFIXES) and defined:
            defined += " reached"
        cells = [f"{name} ({unit})" if unit else name, number_text(row.get("mean")),
                 interval_text(row.get("ci95_low"), row.get("ci95_high")),
                 interval_text(row.get("p05"), row.get("p95")), defined]
        body.append("<tr>" + "".join(f"<td>{escape(c)}</td>" for c in cells) + "</tr>")
    head = "".join(f"<th>{escape(h)}</th>" for h in ("outcome", "mean", "95% CI",
                                                  "5th to 95th percentile", "replicates"))
    return (f'<table class="outcomes"><thead><tr>{head}</tr></thead>\n<tbody>\n'
            + "\n".join(body) + "\n</tbody></table>")


def glossary_html() -> str:
    items = "\n".join(f"<dt>{escape(term)}</dt><dd>{escape(text)}</dd>"
                      for term, text in glossary_entries())
    return f'<dl class="glossary">\n{items}\n</dl>'


