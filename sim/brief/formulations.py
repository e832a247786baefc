"""The brief's account of robustness across formulations: on the evidence pages, each key
effect under each formulation with its verdict and each state's lag per formulation by
channel; on page one, one sentence saying which verdicts hold under every formulation and
which depend on one. Read from `formulations.csv` and `formulation_channels.csv`; every string
from the folder is escaped."""

from __future__ import annotations

import pandas as pd

from sim.brief.bottom_line import scenario_title
from sim.brief.folder import ReportInput
from sim.brief.html_parts import (
    bullets,
    escape,
    interval_text,
    note,
    number_text,
    to_float,
)
from sim.presentation.formulation_report import (
    CHANNEL_HEADERS,
    CHANNEL_ORDER,
    LAG_OUTCOME,
    block_label,
    robust_sentence,
    robustness_lines,
)
from sim.presentation.wording import no_exponents

SIGN_CLASSES = {1.0: "sign-up", -1.0: "sign-down", 0.0: "sign-none"}


def key_outcomes(report: ReportInput) -> list[str]:
    """The key outcomes whose robustness the brief reports (those in `formulations.csv`)."""
    from sim.presentation.tables import KEY_OUTCOMES

    present = set(report.formulations["outcome"]) if report.formulations is not None else set()
    return [key for key, _ in KEY_OUTCOMES(report.state_names) if key in present]


def page_one_sentence(report: ReportInput) -> str:
    """The page-one paragraph (HTML), or '' for a comparison not run per formulation."""
    if report.formulations is None or report.formulations.empty:
        return ""
    headline = [LAG_OUTCOME.format(state=state) for state in report.state_names]
    text = robust_sentence(report.formulations, key_outcomes(report), headline,
                           report.state_labels)
    return f'<p class="robustness">{escape(no_exponents(text))} (See "Does it hold under every ' \
           'formulation?")</p>' if text else ""


def _title(report: ReportInput, policy: str) -> str:
    """The policy's plain title (never its file name)."""
    return scenario_title(report.raws.get(policy, {}), policy)


def formulations_html(report: ReportInput) -> str:
    """The evidence section: per policy, a table of each key effect under each formulation
    with its verdict, each state's lag per formulation by channel, and the verdicts."""
    table = report.formulations
    if table is None or table.empty:
        return note("Not run per formulation: `regsim compare --formulations all` (the default "
                    "with --uncertainty) runs the comparison once per formulation of the "
                    "model's decisive mechanisms, on the same seeds.")
    blocks = list(dict.fromkeys(table["block"]))
    parts = [note(f"The comparison ran once per formulation block ({len(blocks)} blocks, the "
                  "same seeds and parameter draws in each). A cell is the mean paired "
                  "difference with its 95% interval; bold: clearly above or below zero, "
                  "grey: no clear effect. 'Robust' means the same clear direction "
                  "under every formulation (docs/model.md, robustness across "
                  "formulations).")]
    keys = key_outcomes(report)
    for policy in dict.fromkeys(table["policy"]):
        mine = table[(table["policy"] == policy) & table["outcome"].isin(keys)]
        parts.append(f"<h3>{escape(_title(report, policy))}</h3>")
        parts.append(_effects_table(mine, blocks))
        for state in report.state_names:
            parts.append(_lag_table(report, policy, state))
        lines = robustness_lines(mine)
        if lines:
            parts.append(bullets([no_exponents(line) for line in lines]))
    return "\n".join(part for part in parts if part)


def _effects_table(rows: pd.DataFrame, blocks: list[str]) -> str:
    head = "<th>outcome</th>" + "".join(f"<th>{escape(block_label(b))}</th>" for b in blocks) \
        + "<th>verdict</th>"
    body = []
    for _, group in rows.groupby("outcome", sort=False):
        by_block = group.drop_duplicates("block").set_index("block")
        first = group.iloc[0]
        cells = [f"<td>{escape(no_exponents(str(first['label'])))} "
                 f"({escape(first['unit'])})</td>"]
        for block in blocks:
            if block not in by_block.index:
                cells.append("<td></td>")
                continue
            row = by_block.loc[block]
            css = SIGN_CLASSES.get(to_float(row["sign"]), "sign-none")
            interval = interval_text(row["ci95_low"], row["ci95_high"])
            cells.append(f'<td class="{css}">{escape(number_text(row["difference_mean"]))}'
                         f'<br><span class="ci">{escape(interval)}</span></td>')
        cells.append(f"<td>{escape(first['robustness'])}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    return (f'<table class="formulations"><thead><tr>{head}</tr></thead>\n<tbody>\n'
            + "\n".join(body) + "\n</tbody></table>")


def _lag_table(report: ReportInput, policy: str, state: str) -> str:
    """The policy's effect on the state's mean lag per formulation, by channel."""
    table = report.formulations
    rows = table[(table["policy"] == policy)
                 & (table["outcome"] == LAG_OUTCOME.format(state=state))].drop_duplicates(
                     "block")
    if rows.empty:
        return ""
    channels = report.formulation_channels
    head = "<th>formulation</th><th>effect on the mean lag (months)</th><th>95% CI</th>" + \
        "".join(f"<th>{escape(h)}</th>" for h in CHANNEL_HEADERS)
    body = []
    for row in rows.to_dict(orient="records"):
        parts = {}
        if channels is not None:
            found = channels[(channels["block"] == row["block"])
                             & (channels["policy"] == policy) & (channels["state"] == state)
                             & (channels["outcome"] == "mean_lag_months")]
            parts = dict(zip(found["component"].astype(str), found["mean"], strict=True))
        cells = [block_label(str(row["block"])), number_text(row["difference_mean"]),
                 interval_text(row["ci95_low"], row["ci95_high"]),
                 *(number_text(parts.get(c, float("nan"))) for c in CHANNEL_ORDER)]
        body.append("<tr>" + "".join(f"<td>{escape(c)}</td>" for c in cells) + "</tr>")
    label = report.state_labels.get(state, state)
    return (f"<p><strong>{escape(_title(report, policy))}: {escape(label)}'s mean lag per "
            "formulation, by channel (Shapley decomposition, months)</strong></p>"
            f'<table class="channels formulation-lags"><thead><tr>{head}</tr></thead>\n'
            "<tbody>\n" + "\n".join(body) + "\n</tbody></table>")
