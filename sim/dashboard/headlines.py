"""What the dashboard reads from the model, in ONE table: headline numbers and chart series.

The model's monthly output columns (`sim.model.outputs`) change as the model grows; the
dashboard reads them only through this module. A `Measure` says how one number per draw is
computed at a month from the monthly columns (`at_month`: their sum in the month shown;
`mean_to_month`: a column's mean over the months so far; `share_at_month`: their sum over the
sum of other columns, e.g. the share of covered answers that comply). Over the whole horizon a
measure equals the sum of `regsim run` summary outcomes (`summary_keys`), so an exported
scenario reproduces the dashboard's numbers.

A `Headline` words a measure: label, unit, a one-line explanation and which direction is
better. Its `place` puts it in the strip of big numbers or in the side table of what the labs
did ("labs' answers", "cost to labs"), grouped by `group`. A `ChartSpec` names the series a
chart draws, by column, with a label and colour.

Column names may hold `{state}`, filled with the first competitor state's name. Columns the
model does not write are skipped (a headline then reads "n/a"): the table can run ahead of, or
behind, the model without breaking the page. To repoint the dashboard at new outputs, edit the
tables.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Literal

Statistic = Literal["at_month", "mean_to_month", "share_at_month"]
Better = Literal["lower", "higher", "neither"]
Unit = Literal["months", "count", "share", "capability", "USD M"]
Place = Literal["strip", "table"]


@dataclass(frozen=True)
class Measure:
    """One number per draw at a month (see the module docstring). `columns` are summed;
    `of` is the denominator of `share_at_month` (summed; NaN where it is 0)."""

    columns: tuple[str, ...]
    statistic: Statistic
    summary_keys: tuple[str, ...]
    of: tuple[str, ...] = ()

    def filled(self, state: str | None) -> Measure:
        """The measure with `{state}` replaced in every column and summary key."""
        return replace(self, columns=tuple(fill(c, state) for c in self.columns),
                       summary_keys=tuple(fill(k, state) for k in self.summary_keys),
                       of=tuple(fill(c, state) for c in self.of))


def at_month(column: str, summary_key: str) -> Measure:
    """A running total or level in the month shown (e.g. incidents so far)."""
    return Measure((column,), "at_month", (summary_key,))


def mean_to_month(column: str, summary_key: str) -> Measure:
    """A series' mean over the months so far (e.g. the mean lag)."""
    return Measure((column,), "mean_to_month", (summary_key,))


def total_at_month(columns: tuple[str, ...]) -> Measure:
    """The sum of running totals that are summary outcomes of the same names (the costs)."""
    return Measure(columns, "at_month", columns)


def share_at_month(column: str, of: tuple[str, ...], summary_key: str) -> Measure:
    """`column` over the sum of `of`, both running totals, in the month shown."""
    return Measure((column,), "share_at_month", (summary_key,), of)


@dataclass(frozen=True)
class Headline:
    """One number, current settings against the scenario as written.

    `better` says which direction a regulator seeking security at least cost would welcome
    ("neither" for trade-offs such as the open-weight lag, which costs the open ecosystem
    what it buys, or for how labs answer). The page colours by it only when the facilitator
    picks that view, which then says whose view it is (`sim.dashboard.present`). `place` is
    the strip of big numbers or the side table ("table"), where `group` heads the rows that
    follow it.
    """

    key: str
    label: str
    unit: Unit
    measure: Measure
    explanation: str
    better: Better = "neither"
    place: Place = "strip"
    group: str = ""


ANSWER_COLUMNS = ("responses_comply", "responses_withhold", "responses_exit", "responses_defy")
"""Every answer of a covered release to a regulator, by action (`sim.model.outputs`)."""
COST_COLUMNS = ("cash_compliance_musd", "penalties_musd", "private_value_forgone_musd")
"""The three costs the rules put on labs, USD M so far."""

_ANSWERS = "How labs answer"
_COSTS = "Cost to labs so far, never added up"

HEADLINES: tuple[Headline, ...] = (
    Headline("derivatives", "copies beyond any kill switch", "count",
             at_month("covered_open_copies", "final_covered_open_copies"),
             "Copies of covered open weights (models at or above the covered size, about 5x "
             "GPT-4's training compute), counted as derivatives and never lost: published "
             "weights no shutdown can reach (Llama had ~27,000 derivatives by mid-2025).",
             better="lower"),
    Headline("competitor_lag", "{state}: months behind", "months",
             mean_to_month("state_lag_months__{state}", "state_mean_lag_months__{state}"),
             "Months behind the frontier: how many months ago the frontier had the best model "
             "{state} can use (its own, stolen, distilled or open weights), averaged over the "
             "months so far.",
             better="higher"),
    Headline("open_lag", "open models: months behind", "months",
             mean_to_month("open_lag_months", "mean_open_lag_months"),
             "Months behind the frontier: how many months ago the frontier had the best "
             "open-weight model, averaged over the months so far.", better="neither"),
    # The costs are never added up (cash, fines and value forgone are different things):
    # they are the side table's three rows, apart.
    # The side table: who answers how, and the three costs.
    Headline("share_comply", "comply", "share",
             share_at_month("responses_comply", ANSWER_COLUMNS, "share_comply"),
             "Share of covered releases' answers to a regulator that comply.",
             place="table", group=_ANSWERS),
    Headline("share_withhold", "withhold from a market", "share",
             share_at_month("responses_withhold", ANSWER_COLUMNS, "share_withhold"),
             "Answers that keep the model out of the regulator's market.",
             place="table", group=_ANSWERS),
    Headline("share_defy", "defy", "share",
             share_at_month("responses_defy", ANSWER_COLUMNS, "share_defy"),
             "Answers that release in defiance and risk the fine.",
             place="table", group=_ANSWERS),
    Headline("share_exit", "leave a market for good", "share",
             share_at_month("responses_exit", ANSWER_COLUMNS, "share_exit"),
             "Answers that leave the regulator's market for good.",
             place="table", group=_ANSWERS),
    Headline("share_relocate", "move abroad", "share",
             share_at_month("relocations_started", ("covered_releases",), "share_relocate"),
             "Share of covered releases answered by moving the lab's domicile.",
             place="table", group=_ANSWERS),
    Headline("cash", "cash spent complying", "USD M",
             at_month("cash_compliance_musd", "cash_compliance_musd"),
             "Evaluations, reports, shutdown capability and security upgrades.",
             better="lower", place="table", group=_COSTS),
    Headline("fines", "fines paid", "USD M", at_month("penalties_musd", "penalties_musd"),
             "Penalties for defiance that was caught.", better="lower", place="table",
             group=_COSTS),
    Headline("forgone", "value forgone", "USD M",
             at_month("private_value_forgone_musd", "private_value_forgone_musd"),
             "Sales and openness given up: withheld, delayed, shrunk or closed releases, "
             "markets left, moves abroad.", better="lower", place="table", group=_COSTS),
)
"""The headline strip, left to right, then the side table's rows (the first state fills
`{state}`)."""


def strip() -> tuple[Headline, ...]:
    return tuple(entry for entry in HEADLINES if entry.place == "strip")


def table() -> tuple[Headline, ...]:
    return tuple(entry for entry in HEADLINES if entry.place == "table")


@dataclass(frozen=True)
class Series:
    """One line of a chart: a column, its label ('{state}' filled) and a colour; with `of`,
    the column's share of the sum of those columns (running totals), month by month."""

    column: str
    label: str
    color: str
    of: tuple[str, ...] = ()


@dataclass(frozen=True)
class ChartSpec:
    """One chart: `kind` is 'lines' (policy with band over the grey baseline), 'capability'
    (lines on a log axis in multiples of GPT-4) or 'channels' (share of draws by category).
    `primary` charts sit above the fold."""

    key: str
    title: str
    unit: Unit
    kind: Literal["lines", "capability", "channels"]
    series: tuple[Series, ...]
    primary: bool = True
    per_state: bool = False


POLICY_COLORS = ("#d9480f", "#1971c2", "#2f9e44", "#ae3ec9")
"""Policy lines: strong colours that read on a projector (orange, blue, green, purple)."""
BASELINE_COLOR = "#6b6b6b"
"""The baseline: bold grey."""

CHARTS: tuple[ChartSpec, ...] = (
    ChartSpec("competitor_lag", "How far behind is {state}?", "months", "lines",
              (Series("state_lag_months__{state}", "any means", POLICY_COLORS[0]),
               Series("state_domestic_lag_months__{state}", "own labs", POLICY_COLORS[3])),
              per_state=True),
    ChartSpec("open_lag", "How far behind are open models?", "months", "lines",
              (Series("open_lag_months", "open models", POLICY_COLORS[1]),)),
    ChartSpec("derivatives", "Copies beyond any kill switch", "count",
              "lines", (Series("covered_open_copies", "copies", POLICY_COLORS[0]),)),
    ChartSpec("capability", "Best models: × GPT-4's training compute", "capability",
              "capability",
              (Series("state_capability__{state}", "{state}", POLICY_COLORS[0]),
               Series("open_frontier_capability", "open models", POLICY_COLORS[1]),
               Series("frontier_capability", "frontier", "#212529"))),
    ChartSpec("answers", "How labs answer the rules", "share", "lines",
              (Series("responses_comply", "comply", POLICY_COLORS[2], ANSWER_COLUMNS),
               Series("responses_withhold", "withhold", POLICY_COLORS[1], ANSWER_COLUMNS),
               Series("responses_defy", "defy", POLICY_COLORS[0], ANSWER_COLUMNS)),
              primary=False),
    ChartSpec("costs", "Cost to labs so far", "USD M", "lines",
              (Series("cash_compliance_musd", "cash", POLICY_COLORS[1]),
               Series("penalties_musd", "fines", POLICY_COLORS[0]),
               Series("private_value_forgone_musd", "value forgone", POLICY_COLORS[3])),
              primary=False),
    ChartSpec("coverage", "Share of covered copies a shutdown reaches", "share", "lines",
              (Series("kill_switch_coverage", "coverage", POLICY_COLORS[2]),), primary=False),
    ChartSpec("channels", "Where {state}'s best model came from", "share", "channels",
              (Series("state_best_channel__{state}", "{state}", POLICY_COLORS[3]),),
              primary=False, per_state=True),
    ChartSpec("incidents", "Publicised military fine-tunes so far", "count", "lines",
              (Series("incidents", "incidents", POLICY_COLORS[0]),), primary=False),
    ChartSpec("ecosystem", "Share of users with frontier-tier models", "share", "lines",
              (Series("ecosystem_frontier_tier_share", "users", POLICY_COLORS[1]),),
              primary=False),
)
"""The charts in display order: the primary ones above the fold, 2 x 2."""

CHANNEL_WORDS = {
    "none": "nothing yet",
    "domestic": "its own labs",
    "open_weights": "open weights",
    "distillation": "distilling an API",
    "theft": "stolen weights",
}
"""The competitor's channels to its best model, in plain words (unknown channels: as named)."""
CHANNEL_COLORS = {"domestic": "#868e96", "open_weights": "#1971c2", "distillation": "#f08c00",
                  "theft": "#c92a2a", "none": "#dee2e6"}


def fill(text: str, state: str | None) -> str:
    """`text` with `{state}` replaced (by nothing sensible when there is no state)."""
    return text.replace("{state}", state or "the competitor")


def shown_columns(states: tuple[str, ...]) -> frozenset[str]:
    """Every output column a headline, table row or chart reads, `{state}` filled for each of
    `states`: all the page needs of a replicate's monthly series (the rest stays in the
    worker)."""
    patterns = set()
    for entry in HEADLINES:
        patterns.update(entry.measure.columns + entry.measure.of)
    for spec in CHARTS:
        for line in spec.series:
            patterns.add(line.column)
            patterns.update(line.of)
    return frozenset(fill(pattern, state) for pattern in patterns
                     for state in (states or (None,)))
