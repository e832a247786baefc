"""One written definition, with its unit, of every per-replicate outcome (`sim.model.outputs.
summarise`): the labels the CLI, the API and the brief print, and the table in docs/model.md
§7.11 (`python -m sim.presentation.outcome_definitions` prints it; `tests/test_outcomes.py`
fails if the docs are stale or an outcome has no definition).

A label is the outcome in words with its unit in parentheses; per-state labels hold `{state}`.
"""

from __future__ import annotations

from typing import NamedTuple


class Outcome(NamedTuple):
    label: str
    """The outcome in words, its unit in parentheses (per-state: with `{state}`)."""
    definition: str
    """What exactly is measured, and over which months."""


COPIES_UNIT = ("adopters that have held covered open weights, as a share, times "
               "`world.ecosystem.derivatives_at_saturation` (50,000: the derivatives a leading "
               "open family accumulates, Llama ~27,000 and Qwen >113,000 by mid-2025)")

OUTCOMES: dict[str, Outcome] = {
    "mean_open_lag_months": Outcome(
        "open-weight models: mean lag behind the frontier (months)",
        "Mean over months of the open-weight frontier's lag behind the frontier (Epoch's "
        "measure: months since the frontier first reached the best open model's capability)."),
    "final_open_lag_months": Outcome(
        "open-weight models: final lag (months)", "The open-weight lag in the last month."),
    "final_frontier_capability": Outcome(
        "final frontier capability (log10 effective FLOP)",
        "Capability of the most capable model released by the last month."),
    "final_frontier_train_flop": Outcome(
        "largest training run at the end (log10 FLOP)",
        "Training compute of the largest model released by the last month."),
    "final_frontier_run_cost_musd": Outcome(
        "cost of the largest run at the end (USD M)",
        "Market cost of the largest run released by the last month, at its release month's "
        "FLOP price."),
    "frontier_train_flop_growth_oom_per_year": Outcome(
        "frontier compute growth, first 3 years (OOM/yr)",
        "Least-squares slope of the largest run's log10 FLOP over the first 36 months, x12."),
    "frontier_train_flop_growth_oom_per_year_4y": Outcome(
        "frontier compute growth, first 4 years (OOM/yr)",
        "Least-squares slope of the largest run's log10 FLOP over the first 48 months, x12."),
    "mean_kill_switch_coverage": Outcome(
        "kill-switch coverage of covered-model holders (share)",
        "Mean over months of: of adopters holding covered capability (covered open weights "
        "ever held, or a covered API model), the share whose only covered capability is a "
        "shutdown-capable API model; months where nobody holds any are skipped."),
    "final_covered_open_copies": Outcome(
        "copies of covered open weights beyond any switch (count)",
        "A stock that never falls: " + COPIES_UNIT + ", in the last month. An adopter counts "
        "once it has adopted an open model at or above `world.covered_model_threshold_flop` "
        "(1e26) and keeps counting after moving on to a newer model: published weights are "
        "permanent and no shutdown reaches them."),
    "mean_covered_open_copies": Outcome(
        "copies of covered open weights beyond any switch, mean over months (count)",
        "Mean over months of the stock above: how early the copies accumulate (a policy that "
        "only delays covered open releases lowers it even when the final stock is the same)."),
    "final_covered_open_copies_share": Outcome(
        "adopters that have held covered open weights (share)",
        "Share of adopters that have ever adopted a covered open model, in the last month "
        "(a stock that never falls)."),
    "final_covered_open_current_share": Outcome(
        "adopters whose current best open model is covered (share)",
        "Share of adopters whose newest, best open model is covered, in the last month; it "
        "falls when they move on to a newer model trained with less compute (a flow measure, "
        "not the copies in existence)."),
    "mean_ecosystem_frontier_tier_share": Outcome(
        "adopters with frontier-tier capability (share)",
        "Mean over months of the share of adopters holding, as open weights or through an API, "
        "a model at least as capable as the frontier `world.frontier_tier_months` earlier."),
    "first_open_above_1e26_month": Outcome(
        "months to the first open model above 1e26 FLOP (months)",
        "Months from the start to the first open-weight release trained with >= 1e26 FLOP "
        "(undefined: not within the horizon)."),
    "first_model_above_1e26_month": Outcome(
        "months to the first model above 1e26 FLOP (months)",
        "Months from the start to the first release trained with >= 1e26 FLOP (undefined: not "
        "within the horizon)."),
    "releases": Outcome("releases (count)", "Models released during the run."),
    "open_releases": Outcome("open releases (count)",
                             "Open-weight models released during the run."),
    "models_above_1e25_flop_first_year": Outcome(
        "models above 1e25 FLOP in the first year (count)",
        "Releases trained with >= 1e25 FLOP in the first 12 months."),
    "covered_releases": Outcome(
        "releases answering a policy (count)",
        "Planned releases that instruments in force covered (each answered once, or again "
        "after a refused licence or a move)."),
    "share_comply": Outcome("answers that comply (share)",
                            "Of every (covered release, regulator) answer, the share comply."),
    "share_withhold": Outcome(
        "answers that withhold the model from a market (share)",
        "Of every (covered release, regulator) answer, the share withhold."),
    "share_exit": Outcome("answers that leave a market for good (share)",
                          "Of every (covered release, regulator) answer, the share exit."),
    "share_defy": Outcome("answers that defy (share)",
                          "Of every (covered release, regulator) answer, the share defy."),
    "share_relocate": Outcome("covered releases answered by moving abroad (share)",
                              "Moves of domicile started over covered releases."),
    "relocations_started": Outcome("moves of domicile started (count)",
                                   "Moves started during the run (running total)."),
    "relocations": Outcome("moves of domicile completed (count)",
                           "Moves completed during the run (running total)."),
    "injunctions": Outcome("injunctions and market bars (count)",
                           "Court injunctions on domestic labs and bars on foreign labs."),
    "markets_left": Outcome("markets left for good (count)",
                            "(lab, market) exits during the run."),
    "cash_compliance_musd": Outcome(
        "cash spent complying (USD M)",
        "Money spent complying (compliance costs, security upgrades, relocation), total."),
    "penalties_musd": Outcome("fines paid (USD M)", "Fines collected, total."),
    "private_value_forgone_musd": Outcome(
        "private value forgone by labs (USD M)",
        "Value labs gave up (openness, capability shaded away, sales withheld or lost, "
        "delay), by their own valuation, total."),
    "thefts": Outcome("thefts of weights (count)", "Thefts of closed weights by states."),
    "thefts_disclosed": Outcome("thefts made public (count)",
                                "Thefts that became public during the run."),
    "open_base_upgrades": Outcome(
        "military fine-tunes moved to a better foreign open base (count of increments)",
        "Times a state fielded a military fine-tune of a foreign open model better than every "
        "one before it. An increment, not a model: a lab that opens a slightly better model "
        "each time adds one each time; read the state's fine-tune capability, gain and "
        "families instead."),
    "distillations": Outcome("distillations by the state (count)",
                             "Distillations of foreign closed models finished by states."),
    "incidents": Outcome("publicised incidents (count)",
                         "Military fine-tunes of foreign models that became public."),
    "policy_activations": Outcome("instruments enacted (count)",
                                  "Instruments that came into force (including re-enactments)."),
    "policy_repeals": Outcome("instruments repealed or lapsed (count)",
                              "Instruments that were repealed or reached their end."),
}

STATE_OUTCOMES: dict[str, Outcome] = {
    "state_mean_lag_months": Outcome(
        "{state}: mean lag, every channel (months)",
        "Mean over months of the lag of the state's accessible capability (the best of its "
        "own labs, military fine-tunes of foreign open weights, theft and distillation)."),
    "state_min_lag_months": Outcome("{state}: min lag, every channel (months)",
                                    "Smallest monthly lag of its accessible capability."),
    "state_final_lag_months": Outcome("{state}: final lag, every channel (months)",
                                      "Lag of its accessible capability in the last month."),
    "state_mean_domestic_lag_months": Outcome(
        "{state}: own labs' mean lag (months)",
        "Mean over months of the lag of its own labs' best model (Epoch's US-China lag)."),
    "state_final_domestic_lag_months": Outcome("{state}: own labs' final lag (months)",
                                               "Own labs' lag in the last month."),
    "state_final_open_weights_capability": Outcome(
        "{state}: capability through military fine-tunes of open weights "
        "(log10 effective FLOP)",
        "Its best military fine-tune of a foreign open model at the end: the base model's "
        "capability minus `absorption_discount_oom` (a running maximum)."),
    "state_final_open_weights_gain_oom": Outcome(
        "{state}: fine-tunes' margin over its other channels at the end (OOM)",
        "max(0, fine-tune capability - the best of its own labs, theft and distillation) in the "
        "last month: what the fine-tunes add at the end."),
    "state_mean_open_weights_gain_months": Outcome(
        "{state}: months of lag the fine-tunes save (months)",
        "Mean over months of (its lag without the open-weights channel - its lag with every "
        "channel): how much closer military fine-tunes of foreign open weights bring it."),
    "state_fine_tune_families": Outcome(
        "{state}: distinct open model families fine-tuned (count)",
        "Developers whose open models it fielded a military fine-tune of during the run. A "
        "family, not an increment: successive, slightly better models of one lab are one "
        "base family (one architecture and training pipeline to adapt)."),
}
STATE_PATTERNS: dict[str, Outcome] = {
    "state_months_to_": Outcome(
        "{state}: months to {milestone} effective FLOP (months)",
        "Months from the start to the first month its accessible capability reaches the "
        "milestone (`world.capability_milestones_flop`; undefined: not within the horizon)."),
    "state_best_channel_share_": Outcome(
        "{state}: months its best channel is {milestone} (share)",
        "Share of months in which that channel gives its accessible capability (ties go to "
        "the earlier channel of domestic, open_weights, distillation, theft)."),
}
ENACTED = Outcome(
    "{state}: months until enacted by pressure (months)",
    "Months from the start to the first enactment of a pressure-triggered instrument "
    "(undefined: never enacted); the key names the regulator and instrument.")
NON_NUMERIC = {"state_final_channel": Outcome(
    "{state}: best channel in the last month (name)",
    "The channel that gives its accessible capability in the last month.")}


def find(key: str) -> tuple[Outcome, str, str] | None:
    """(definition, the state or instrument it is about, the milestone or channel) of a
    summary key; None if the key has no definition."""
    if key in OUTCOMES:
        return OUTCOMES[key], "", ""
    prefix, separator, owner = key.partition("__")
    if not separator:
        return None
    if prefix == "instrument_enacted_month":
        return ENACTED, owner, ""
    if prefix in STATE_OUTCOMES or prefix in NON_NUMERIC:
        return {**STATE_OUTCOMES, **NON_NUMERIC}[prefix], owner, ""
    for start, outcome in STATE_PATTERNS.items():
        if prefix.startswith(start):
            return outcome, owner, prefix.removeprefix(start)
    return None


def label(key: str) -> str | None:
    """The label with units of a summary key (None without a definition)."""
    found = find(key)
    if found is None:
        return None
    outcome, owner, detail = found
    return outcome.label.format(state=owner.replace("__", "'s "), milestone=detail)


def markdown_table() -> str:
    """The docs table: key, label with unit, definition (per-state keys end `__<state>`)."""
    lines = ["| outcome key | label (unit) | definition |", "|---|---|---|"]
    rows = [(key, o) for key, o in OUTCOMES.items()]
    rows += [(f"{key}__<state>", o) for key, o in {**STATE_OUTCOMES, **NON_NUMERIC}.items()]
    rows += [(f"{key}<milestone>__<state>", o) for key, o in STATE_PATTERNS.items()]
    rows += [("instrument_enacted_month__<regulator>__<instrument>", ENACTED)]
    for key, outcome in rows:
        text = outcome.label.format(state="<state>", milestone="<milestone>")
        lines.append(f"| `{key}` | {text} | {outcome.definition} |")
    return "\n".join(lines)


if __name__ == "__main__":
    print(markdown_table())
