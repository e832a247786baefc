"""What page one answers first: the scenarios' plain titles, the outcomes the question is
about (`[scenario] focus`), findings ranked by absolute size against their uncertainty, the
bottom line in one or two sentences, the cost per unit of effect and the channel line.

The bottom line names the first focus outcome's effect with its 95% interval, says whether it
holds under every formulation (from `formulations.csv`) or was run under one, and adds the
largest clear cost. Plain names only: scenario keys are replaced by their titles.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence

import pandas as pd

from sim.brief.verdict_grades import MATTERS, GradedVerdict
from sim.presentation.tables import format_number
from sim.presentation.wording import no_exponents

DEFAULT_FOCUS = ("state_mean_lag_months__{state}",)
OPEN_LAG = "mean_open_lag_months"
LAG_UNIT = "months"


def scenario_title(raw: Mapping, name: str) -> str:
    """The scenario's `[scenario] title` (in a reader's words: no exponent notation), else its
    name in words ('kill switch')."""
    meta = raw.get("scenario") if isinstance(raw.get("scenario"), Mapping) else {}
    title = meta.get("title") if isinstance(meta, Mapping) else None
    if isinstance(title, str) and title.strip():
        return no_exponents(title.strip())
    return name.replace("_", " ").strip() or "the scenario"


def focus_keys(raw: Mapping, fallback: Mapping, state_names: Sequence[str]) -> list[str]:
    """The outcomes the question is about: the policy's `[scenario] focus`, else the
    baseline's, else each state's mean lag and then the open ecosystem's."""
    for source in (raw, fallback):
        meta = source.get("scenario") if isinstance(source.get("scenario"), Mapping) else {}
        focus = meta.get("focus") if isinstance(meta, Mapping) else None
        if isinstance(focus, list) and focus:
            return [str(key) for key in focus]
    keys = [template.format(state=s) for template in DEFAULT_FOCUS for s in state_names]
    return [*keys, OPEN_LAG]


def strength(verdict: GradedVerdict) -> float:
    """Absolute size against uncertainty: |mean| over the interval's half-width (an effect
    whose interval has no width counts as strongest; unknown as weakest)."""
    mean, half = abs(verdict.difference), (verdict.high - verdict.low) / 2
    if not (math.isfinite(mean) and math.isfinite(half)):
        return -1.0
    return math.inf if half <= 0 and mean > 0 else (mean / half if half > 0 else 0.0)


def by_strength(verdicts: Sequence[GradedVerdict]) -> list[GradedVerdict]:
    return sorted(verdicts, key=lambda v: -strength(v))


def plain(text: str, titles: Mapping[str, str]) -> str:
    """`text` with every scenario key replaced by its title (longest keys first)."""
    for key in sorted(titles, key=len, reverse=True):
        text = re.sub(rf"(?<![A-Za-z0-9_]){re.escape(key)}(?![A-Za-z0-9_])", titles[key], text)
    return text


def effect_clause(verdict: GradedVerdict) -> str:
    """'widens the PRC's mean lag behind the frontier by 0.21 months (95% CI 0.10-0.31)' or
    'has no clear effect on ...': the verdict sentence without its policy and pair count."""
    sentence = verdict.sentence.split("; ", 1)[0]
    head, _, rest = sentence.partition(verdict.policy)
    rest = rest.lstrip(": ").strip() if not head else sentence
    return rest or sentence


def robustness_words(formulations: pd.DataFrame | None, policy: str, outcome: str) -> str:
    """', under every formulation of ...' / ', but not under every ...' / one formulation."""
    if formulations is None or formulations.empty:
        return (" (run under one formulation of the model's decisive mechanisms; not tested "
                "under the others)")
    rows = formulations[(formulations["policy"] == policy) & (formulations["outcome"] == outcome)]
    if rows.empty:
        return ""
    signs = {float(s) for s in pd.to_numeric(rows["sign"], errors="coerce").dropna()}
    blocks = rows["block"].nunique()
    if len(signs) == 1 and signs != {0.0}:
        return f" under every one of {blocks} formulations of the decisive mechanisms"
    if signs <= {0.0}:
        return f", and is unclear under all {blocks} formulations of the decisive mechanisms"
    return f"; this depends on the formulation ({blocks} tested, see the robustness section)"


def cost_clause(costs: Sequence[GradedVerdict], years: float) -> str:
    """'It raises cash spent complying by 2,722 USD M over 10 years (95% CI ...).' for the
    largest clear cost, or '' when no cost is clear."""
    clear = [v for v in costs if v.grade in MATTERS and v.difference > 0]
    if not clear:
        return ""
    top = max(clear, key=lambda v: v.difference)
    span = f" over {years:.3g} years" if years > 0 else ""
    return (f" It costs the labs about {format_number(top.difference)} {top.unit} in "
            f"{top.name}{span} (95% CI {format_number(top.low)} to {format_number(top.high)}).")


def cost_per_unit(cost: GradedVerdict, effect: GradedVerdict | None) -> str:
    """Cost per month of lag gained, with the range the two 95% intervals allow, or why it is
    not defined."""
    if effect is None:
        return "cost per month of lag: not defined (no lag outcome in the comparison)"
    what = "per month of lag gained"
    if cost.grade not in MATTERS:
        return f"{what}: not defined (no clear cost)"
    if effect.grade not in MATTERS:
        return f"{what}: not defined (no clear effect on {effect.name})"
    if effect.effect < 0:
        return f"{what}: not defined (the policy narrows {effect.name})"
    size, near, far = abs(effect.difference), *sorted((abs(effect.low), abs(effect.high)))
    ratio = cost.difference / size
    low, high = cost.low / far, cost.high / near
    return (f"{format_number(ratio)} {cost.unit} {what} (range {format_number(low)} to "
            f"{format_number(high)}, from the two 95% intervals)")


def channel_line(channels: pd.DataFrame | None, policy: str, state: str,
                 state_label: str) -> str:
    """'Where the change in the PRC's mean lag came from (months): own labs +0.10, ...'."""
    if channels is None or channels.empty:
        return ""
    rows = channels[(channels["policy"] == policy) & (channels["state"] == state)
                    & (channels["outcome"] == "mean_lag_months")]
    if rows.empty:
        return ""
    parts = []
    for _, row in rows.iterrows():
        mean = pd.to_numeric(pd.Series([row["mean"]]), errors="coerce").iloc[0]
        if math.isfinite(mean):
            sign = "+" if mean > 0 else ""
            parts.append(f"{row['label']} {sign}{format_number(mean)}")
    if not parts:
        return ""
    return (f"Where the change in {state_label}'s mean lag came from (months, Shapley "
            f"decomposition): {', '.join(parts)}.")
