"""What the dashboard reads from the model, in ONE table: headline numbers and chart series.

The model's monthly output columns (`sim.model.outputs`) will change as the model grows; the
dashboard reads them only through this module. A `Headline` names a column, a plain-words
label, a unit and a statistic (`at_month`: the value in the month shown; `mean_to_month`: the
mean of the months so far). Over the whole horizon each headline equals a summary outcome of
`regsim run` (`summary_key`), so an exported scenario reproduces the dashboard's numbers.
A `ChartSpec` names the series a chart draws, by column, with a label and unit.

Column names may hold `{state}`, filled with each competitor state's name. Columns the model
does not write are skipped (a headline then reads "n/a"): the table can run ahead of, or behind,
the model without breaking the page. To repoint the dashboard at new outputs, edit the tables.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Statistic = Literal["at_month", "mean_to_month"]
Better = Literal["lower", "higher", "neither"]
Unit = Literal["months", "copies", "count", "share", "capability", "USD M"]


@dataclass(frozen=True)
class Headline:
    """One big number of the headline strip, policy against baseline.

    `better` says which direction a regulator seeking security would welcome ("neither" for
    trade-offs such as the open-weight lag, which costs the open ecosystem what it buys).
    """

    key: str
    label: str
    unit: Unit
    column: str
    statistic: Statistic
    summary_key: str
    explanation: str
    better: Better = "neither"


HEADLINES: tuple[Headline, ...] = (
    Headline("copies_beyond_switch", "copies beyond any switch", "copies",
             "uncontrolled_covered_copies", "at_month", "final_uncontrolled_covered_copies",
             "Copies of covered models no shutdown can reach: published weights, their users "
             "and stolen copies.", better="lower"),
    Headline("competitor_lag", "{state}: months behind", "months",
             "state_lag_months__{state}", "mean_to_month", "state_mean_lag_months__{state}",
             "How many months ago the frontier had the competitor's best model, on average.",
             better="higher"),
    Headline("open_lag", "open models: months behind", "months", "open_lag_months",
             "mean_to_month", "mean_open_lag_months",
             "How many months ago the frontier had the best open-weight model, on average.",
             better="neither"),
    Headline("incidents", "incidents", "count", "incidents", "at_month", "incidents",
             "Military fine-tunes of released models that were publicised, so far.",
             better="lower"),
)
"""The headline strip, left to right (the first state fills `{state}`)."""


@dataclass(frozen=True)
class Series:
    """One line of a chart: a column, its label ('{state}' filled) and a colour."""

    column: str
    label: str
    color: str


@dataclass(frozen=True)
class ChartSpec:
    """One chart: `kind` is 'lines' (policy with band over the grey baseline), 'capability'
    (lines on a log axis in multiples of GPT-4) or 'channels' (share of draws by category).
    `primary` charts sit above the fold. `caption` words the month shown ('{value}' and
    '{baseline}' filled per series)."""

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
              (Series("state_lag_months__{state}", "{state}", POLICY_COLORS[0]),),
              per_state=True),
    ChartSpec("open_lag", "How far behind are open models?", "months", "lines",
              (Series("open_lag_months", "open models", POLICY_COLORS[1]),)),
    ChartSpec("copies", "Copies beyond any kill switch", "copies", "lines",
              (Series("uncontrolled_covered_copies", "copies", POLICY_COLORS[0]),)),
    ChartSpec("capability", "Best models, in multiples of GPT-4", "capability", "capability",
              (Series("state_capability__{state}", "{state}", POLICY_COLORS[0]),
               Series("open_frontier_capability", "open models", POLICY_COLORS[1]),
               Series("frontier_capability", "frontier", "#212529"))),
    ChartSpec("coverage", "Share of covered copies a shutdown reaches", "share", "lines",
              (Series("kill_switch_coverage", "coverage", POLICY_COLORS[2]),), primary=False),
    ChartSpec("channels", "Where {state}'s best model came from", "share", "channels",
              (Series("state_best_channel__{state}", "{state}", POLICY_COLORS[3]),),
              primary=False, per_state=True),
    ChartSpec("incidents", "Publicised incidents so far", "count", "lines",
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

