"""Robustness across formulations in plain words: one verdict line per policy and outcome, the
console table of each state's lag per formulation with its channel decomposition, and the
one sentence page one of the brief gives (`sim.experiments.formulations` computes the
numbers; the dashboard can call `robustness_verdict` on the rows of `formulations.csv`).

A verdict reads "robust: kill_switch widens the PRC's mean lag behind the frontier under every
formulation (+0.05 to +0.12 months)", "depends on the formulation: kill_switch widens ... under
follower.catch_up=compute_bound (+0.9 months); narrows it under ...; no clear effect under the
reference", or "no clear effect on ... under any formulation".
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import pandas as pd

from sim.experiments.formulations import FLIPS, NONE, PARTIAL, REFERENCE, ROBUST
from sim.presentation.compare_report import SILENT_UNITS, _name_and_unit, _verb
from sim.presentation.tables import NOT_AVAILABLE, format_number

WORDS = {ROBUST: "robust", FLIPS: "depends on the formulation (flips)",
         PARTIAL: "depends on the formulation", NONE: "no clear effect under any formulation"}
CHANNEL_ORDER = ("domestic", "open_weights", "distillation", "theft", "frontier")
CHANNEL_HEADERS = ("own labs", "open weights", "distillation", "theft", "frontier")
LAG_OUTCOME = "state_mean_lag_months__{state}"


def block_label(block: str) -> str:
    """A block's name for people: `reference`, or its settings without the `world.` prefix."""
    if block == REFERENCE:
        return "the reference formulations"
    return ", ".join(part.removeprefix("world.") for part in block.split(","))


def robustness_verdict(rows: pd.DataFrame, state_labels: Mapping[str, str] | None = None
                       ) -> str:
    """One plain-language line for one policy and outcome from its `formulations.csv` rows
    (any number of rows per block; `robustness` must be the same on every row)."""
    labels = dict(state_labels or {})
    blocks = rows.drop_duplicates("block")
    first = blocks.iloc[0]
    policy, outcome, kind = first["policy"], first["outcome"], first["robustness"]
    name, unit = _name_and_unit(outcome, labels)
    unit_text = "" if unit in SILENT_UNITS or not unit else f" {unit}"
    _, thing = _verb(outcome, 1.0, name, labels)
    if kind == NONE:
        return f"no clear effect under any formulation: {policy} on {thing}"
    groups = {sign: blocks[blocks["sign"] == sign] for sign in (1.0, -1.0, 0.0)}
    if kind == ROBUST:
        sign = 1.0 if not groups[1.0].empty else -1.0
        verb, _ = _verb(outcome, sign, name, labels)
        return (f"robust: {policy} {verb} {thing} under every formulation "
                f"({_range(groups[sign], unit_text)})")
    if kind in (FLIPS, PARTIAL):
        parts = []
        for sign in (1.0, -1.0):
            if groups[sign].empty:
                continue
            verb, _ = _verb(outcome, sign, name, labels)
            where = ", ".join(block_label(b) for b in groups[sign]["block"])
            parts.append(f"{verb} {'it' if parts else thing} under {where} "
                         f"({_range(groups[sign], unit_text)})")
        if not groups[0.0].empty:
            where = ", ".join(block_label(b) for b in groups[0.0]["block"])
            parts.append(f"no clear effect under {where}")
        undefined = blocks[blocks["sign"].isna()]
        if not undefined.empty:
            parts.append("too few pairs under "
                         + ", ".join(block_label(b) for b in undefined["block"]))
        return f"{WORDS[kind]}: {policy} " + "; ".join(parts)
    return f"too few pairs to judge {thing} under any formulation: {policy}"


def robustness_lines(rows: pd.DataFrame) -> list[str]:
    """One policy's verdicts over formulations (`formulations.csv` rows with `verdict` and
    `label`), robust ones first, then those that flip or depend on the formulation, and the
    outcomes with no clear effect under any formulation named on one line."""
    unique = rows.drop_duplicates(["policy", "outcome"])
    lines = []
    for kind in (ROBUST, FLIPS, PARTIAL):
        lines += list(unique.loc[unique["robustness"] == kind, "verdict"])
    unclear = unique[~unique["robustness"].isin([ROBUST, FLIPS, PARTIAL])]
    if not unclear.empty:
        lines.append("no clear effect under any formulation (or too few pairs): "
                     + "; ".join(unclear["label"]))
    return lines


def _range(rows: pd.DataFrame, unit: str) -> str:
    means = rows["difference_mean"].astype(float)
    low, high = _signed(means.min()), _signed(means.max())
    return f"{low}{unit}" if low == high else f"{low} to {high}{unit}"


def _signed(value: float) -> str:
    if value is None or math.isnan(value):
        return NOT_AVAILABLE
    return ("+" if value > 0 else "") + format_number(value)


def add_verdicts(frame: pd.DataFrame, state_labels: Mapping[str, str] | None = None
                 ) -> pd.DataFrame:
    """`formulations.csv` rows with `label`, `unit` and `verdict` (the columns of
    `sim.experiments.formulations.COLUMNS`, in that order)."""
    from sim.experiments.formulations import COLUMNS
    from sim.presentation.tables import with_labels

    labelled = with_labels(frame, dict(state_labels or {}))
    verdicts = {key: robustness_verdict(rows, state_labels)
                for key, rows in labelled.groupby(["policy", "outcome"], sort=False)}
    labelled["verdict"] = [verdicts[(p, o)] for p, o in zip(labelled["policy"],
                                                            labelled["outcome"], strict=True)]
    return labelled[COLUMNS]


def format_lag_table(formulations: pd.DataFrame, channels: pd.DataFrame | None, policy: str,
                     state: str, state_label: str) -> str:
    """Plain-text table: the policy's effect on the state's mean lag under each formulation
    (paired mean, 95% CI) and its decomposition by channel (mean contributions, months)."""
    outcome = LAG_OUTCOME.format(state=state)
    rows = formulations[(formulations["policy"] == policy)
                        & (formulations["outcome"] == outcome)]
    if rows.empty:
        return ""
    header = ("formulation", "effect", "95% CI", *CHANNEL_HEADERS)
    cells = [header]
    for row in rows.to_dict(orient="records"):
        name = (f"{str(row['field']).removeprefix('world.')}={row['option']}"
                + (" (reference)" if row["reference"] else ""))
        interval = (NOT_AVAILABLE if pd.isna(row["ci95_low"]) else
                    f"{format_number(row['ci95_low'])} to {format_number(row['ci95_high'])}")
        parts = _channel_means(channels, row["block"], policy, state)
        cells.append((name, _signed(row["difference_mean"]), interval,
                      *(_signed(parts.get(c, math.nan)) for c in CHANNEL_ORDER)))
    widths = [max(len(c[i]) for c in cells) for i in range(len(header))]
    lines = [f"{policy}: effect on {state_label}'s mean lag (months) per formulation, and "
             "where it came from (Shapley decomposition, paired)"]
    for cell in cells:
        lines.append("  ".join(text.ljust(widths[i]) if i in (0, 2) else
                               text.rjust(widths[i]) for i, text in enumerate(cell)).rstrip())
    verdict = rows["verdict"].iloc[0] if "verdict" in rows else ""
    return "\n".join(lines + ([f"- {verdict}"] if verdict else []))


def _channel_means(channels: pd.DataFrame | None, block: str, policy: str,
                   state: str) -> dict[str, float]:
    if channels is None or channels.empty:
        return {}
    mine = channels[(channels["block"] == block) & (channels["policy"] == policy)
                    & (channels["state"] == state) & (channels["outcome"] == "mean_lag_months")]
    return {str(c): float(m) for c, m in zip(mine["component"], mine["mean"], strict=True)}


def robust_sentence(formulations: pd.DataFrame, outcomes: Sequence[str],
                    headline: Sequence[str] = (),
                    state_labels: Mapping[str, str] | None = None) -> str:
    """One sentence for page one: each policy's verdict on the `headline` outcomes (e.g. the
    states' lag) in words, then how many of `outcomes`' effects (each policy's) hold under
    every formulation, depend on one, flip, or are unclear under all; '' if none apply."""
    chosen = formulations[formulations["outcome"].isin(list(outcomes))]
    if chosen.empty:
        return ""
    unique = chosen.drop_duplicates(["policy", "outcome"])
    blocks = formulations["block"].nunique()
    named = [_headline_words(rows, blocks, state_labels or {})
             for _, rows in formulations[formulations["outcome"].isin(list(headline))]
             .groupby(["policy", "outcome"], sort=False)]
    counts = {kind: int((unique["robustness"] == kind).sum()) for kind in
              (ROBUST, PARTIAL, FLIPS)}
    unclear = len(unique) - sum(counts.values())
    tally = (f"of {len(unique)} key effects, {counts[ROBUST]} hold under every formulation, "
             f"{counts[PARTIAL]} are clear under some only, {counts[FLIPS]} flip sign and "
             f"{unclear} are unclear under all")
    lead = f"Across {blocks} formulations of the decisive mechanisms (same seeds): "
    return lead + "; ".join([*named, tally]) + "."


def _headline_words(rows: pd.DataFrame, blocks: int, state_labels: Mapping[str, str]) -> str:
    """'kill_switch's effect on the PRC's mean lag behind the frontier is robust (+0.16 to
    +1.31 months)', or 'depends on the formulation (clear under 4 of 5)'."""
    first = rows.iloc[0]
    policy, outcome, kind = first["policy"], first["outcome"], first["robustness"]
    name, unit = _name_and_unit(outcome, dict(state_labels))
    _, thing = _verb(outcome, 1.0, name, dict(state_labels))
    unit_text = "" if unit in SILENT_UNITS or not unit else f" {unit}"
    per_block = rows.drop_duplicates("block")
    clear = per_block[per_block["sign"].isin([1.0, -1.0])]
    words = {ROBUST: f"is robust ({_range(clear, unit_text)})" if not clear.empty else
             "is robust",
             PARTIAL: f"depends on the formulation (clear under {len(clear)} of {blocks})",
             FLIPS: "flips sign between formulations",
             NONE: "is unclear under every formulation"}.get(kind, "has too few pairs")
    return f"{policy}'s effect on {thing} {words}"
