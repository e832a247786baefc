"""The policy brief's parts: verdict grades, assumptions from the schema, the key-event
timeline, paired-difference series and safe image embedding."""

from __future__ import annotations

import math
import os
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import small_world, with_policy

from sim.brief.assumptions import (
    assumptions_for,
    changed_policies,
    dependencies,
    instances,
    key_words,
    policy_label,
    schema_fields,
    value_text,
    varied_parameters,
)
from sim.brief.charts import no_difference, paired_differences
from sim.brief.embed import PNG_SIGNATURE, png_data_uri, safe_image_bytes
from sim.brief.event_timeline import (
    EventTally,
    Labels,
    first_of_each,
    key_events,
    labels_from_scenario,
    timeline,
)
from sim.brief.verdict_grades import (
    CLEAR,
    NO_DIFFERENCE,
    SMALL,
    UNCLEAR,
    UNJUDGED,
    grade_comparison,
    ranked,
    relative_size,
)

KILL_SWITCH = {"kind": "kill_switch", "start": "2024-07", "threshold_flop": 1e26,
               "enforcement_probability": 0.3}


# Verdict grades ------------------------------------------------------------------------------


def comparison_row(outcome: str, difference: float, low: float, high: float,
                   baseline: float, **extra) -> dict:
    return {"policy": "pol", "outcome": outcome, "difference_mean": difference,
            "ci95_low": low, "ci95_high": high, "baseline_mean": baseline, "n_pairs": 10,
            "n_pairs_defined": 10, **extra}


def graded(*rows: dict) -> dict:
    return {v.outcome: v for v in grade_comparison(pd.DataFrame(list(rows)))}


def test_grades_follow_the_interval_and_the_size_relative_to_the_baseline() -> None:
    verdicts = graded(
        comparison_row("thefts", -2.0, -3.0, -1.0, 10.0),  # 20% of the baseline
        comparison_row("incidents", -0.5, -0.8, -0.2, 10.0),  # 5%: real but small
        comparison_row("defections", 0.5, -0.2, 1.2, 2.0),  # spans zero
        comparison_row("relocations", 0.0, 0.0, 0.0, 0.0),  # zero in every pair
        comparison_row("withdrawals", 1.0, math.nan, math.nan, 0.0, n_pairs_defined=1),
        comparison_row("mean_kill_switch_coverage", 0.7, 0.6, 0.8, 0.0),  # from zero
    )
    assert verdicts["thefts"].grade == CLEAR and verdicts["thefts"].effect == 1
    assert verdicts["incidents"].grade == SMALL
    assert verdicts["defections"].grade == UNCLEAR
    assert verdicts["relocations"].grade == NO_DIFFERENCE
    assert verdicts["withdrawals"].grade == UNJUDGED
    coverage = verdicts["mean_kill_switch_coverage"]
    assert coverage.grade == CLEAR and coverage.relative_text == "from 0 in the baseline"
    order = [v.outcome for v in ranked(list(verdicts.values()))]
    assert order[:3] == ["mean_kill_switch_coverage", "thefts", "incidents"]


def test_capability_in_log10_units_is_compared_as_compute() -> None:
    share, words = relative_size(0.3, 36.6, "log10 FLOP")
    assert share == pytest.approx(10**0.3 - 1)  # twice the compute, not 0.8% of 36.6
    assert words == "x2.00 more effective compute"
    assert relative_size(-2.0, 10.0, "count") == (0.2, "20% of the baseline's 10.0")


def test_money_outcomes_are_costs_and_unknown_outcomes_are_named_in_words() -> None:
    verdicts = graded(
        comparison_row("penalties_musd", 50.0, 10.0, 90.0, 100.0),
        comparison_row("cash_compliance_spending__usd", 5.0, 1.0, 9.0, 10.0),
    )
    assert verdicts["penalties_musd"].is_cost and verdicts["penalties_musd"].effect == -1
    unknown = verdicts["cash_compliance_spending__usd"]
    assert unknown.name == "cash compliance spending: usd" and not unknown.is_cost
    assert unknown.grade == CLEAR and unknown.effect == 0  # no direction known: a trade-off
    assert unknown.sentence == (
        "pol raises cash compliance spending: usd by 5.00 (95% CI 1.00 to 9.00)")


# Assumptions ---------------------------------------------------------------------------------


def test_the_schema_says_which_parameters_are_unsourced() -> None:
    fields = {field.pattern: field for field in schema_fields()}
    assert fields["world.theft.hazard_per_month_at_parity"].unsourced
    assert not fields["world.algo_efficiency_growth_oom_per_year"].unsourced  # Ho et al.
    assert fields["regulators.*.policies.kill_switch.compliance_cost_musd"].unsourced
    assert "states.*.distillation_hazard_per_month" in fields
    assert not [p for p in fields if p.startswith(("scenario.", "sweep."))]


def test_the_instrument_a_policy_adds_and_its_unsourced_terms_are_found() -> None:
    baseline = small_world()
    policy = with_policy(baseline, "california", KILL_SWITCH)
    paths = changed_policies(baseline, policy)
    assert paths == ["regulators.california.policies.kill_switch"]
    assert policy_label(policy, paths[0]) == "california's kill switch"
    found = assumptions_for(policy, [("the mandate", [f"{paths[0]}.*"])])
    by_label = {a.label: a for a in found}
    assert by_label["california's kill switch: enforcement probability"].value == "0.3"
    assert all(a.why == ("the mandate",) for a in found)


def test_an_outcomes_assumptions_carry_the_runs_values_and_whether_it_varied_them() -> None:
    raw = small_world()
    raw["states"][0]["distillation_hazard_per_month"] = 0.25
    varied = varied_parameters({"uncertainty": {"states.rival.distillation_hazard_per_month":
                                                {"low": 0.1, "high": 0.3}}})
    found = assumptions_for(raw, [("rival's lag", dependencies("state_mean_lag_months__rival"))],
                            varied)
    hazard = next(a for a in found if a.pattern == "states.*.distillation_hazard_per_month")
    assert hazard.label == "rival: distillation hazard per month" and hazard.value == "0.25"
    assert hazard.varied
    theft = next(a for a in found if a.pattern == "world.theft.hazard_per_month_at_parity")
    assert not theft.varied and theft.value == "0.0005"


def test_values_read_in_words() -> None:
    assert value_text(1e26) == "100 trillion trillion" and value_text(0.002) == "0.002"
    assert value_text(1e26, "threshold_flop") == "4.8× GPT-4's training compute"
    assert value_text(1.4e-18, "usd_per_flop_2024") == "$29.4M for GPT-4's training compute"
    assert value_text(2e-7) == "0.0000002"
    assert value_text(10000.0) == "10,000" and value_text([6, 12]) == "6 to 12"
    assert value_text(True) == "yes"
    assert key_words("capability_value_musd_per_oom") == "capability value (USD M per OOM)"
    developers = instances(small_world(), "developers.*.openness_value_musd", default=0.0)
    assert [(owner, value) for _, owner, value in developers] == [
        ("closedlab", 0.0), ("OpenLab A", 1000.0), ("cnlab", 0.0)]  # left out: the default
    assert developers[1][0] == "developers.openlab.openness_value_musd"


def test_a_sweeps_design_counts_as_varied() -> None:
    manifest = {"design": {"parameters": [{"key": "world.theft.hazard_per_month_at_parity"}]}}
    assert varied_parameters(manifest) == {"world.theft.hazard_per_month_at_parity"}
    assert varied_parameters({}) == frozenset()


# The key-event timeline ----------------------------------------------------------------------


LABELS = labels_from_scenario(with_policy(small_world(), "california", KILL_SWITCH))


def event(step: int, kind: str, actors: list[str], **details) -> dict:
    return {"step": step, "month": "", "kind": kind, "actors": actors, "text": kind, **details}


def test_each_decision_counts_once_per_regulator_and_routine_releases_not_at_all():
    choice = event(3, "decision", ["openlab", "california", "eu"], design="closed",
                   relocate=False, actions={"california": "defy", "eu": "withhold"},
                   policies=["california.kill_switch", "eu.pre_deployment_evaluation"])
    words = [w for _, w, _ in key_events(choice, LABELS)]
    assert words == ["A lab releases closed a model it meant to open",
                     "A lab defies california's instruments",
                     "A lab withholds a model from eu's market (and keeps selling others)"]
    assert key_events(event(3, "release", ["openlab"], open_weights=True, covered=False),
                      LABELS) == []
    covered = key_events(event(3, "release", ["openlab"], open_weights=True, covered=True),
                         LABELS)
    assert covered[0][1:] == ("A covered model's weights are published openly", "OpenLab A")
    unknown = key_events(event(3, "market_exit", ["closedlab"]), LABELS)
    assert unknown[0][1] == "Market exit"  # a new kind is named, not dropped


def test_the_timeline_counts_replicates_and_the_month_of_the_first_occurrence() -> None:
    tally = EventTally({"pol": LABELS})
    for replicate, steps in enumerate([[2, 9], [4], [], [30]]):
        for step in steps:
            tally.add("pol", replicate, event(step, "theft", ["rival", "closedlab"]))
    tally.add("pol", 2, event(-3, "theft", ["rival", "closedlab"]))  # before the start: ignored
    tally.add("pol", 2, event("x", "theft", ["rival", "closedlab"]))  # type: ignore[arg-type]
    (row,) = timeline(tally, {"pol": 4}, {"pol": "2024-11"})
    found = row.occurrences["pol"]
    assert row.words == "rival steals a model's weights".capitalize()
    assert (found.replicates, found.n) == (3, 4)
    assert (found.first_earliest, found.first_median, found.first_latest) == (
        "2025-01", "2025-03", "2027-05")
    assert found.per_replicate == pytest.approx(4 / 4)
    assert (found.who, found.who_share) == ("closedlab", 1.0)


def test_a_comparisons_timeline_marks_what_differs_and_what_never_happens() -> None:
    tally = EventTally()
    for replicate in range(2):
        tally.add("base", replicate, event(0, "incident", ["rival", "openlab"]))
        tally.add("pol", replicate, event(0, "incident", ["rival", "openlab"]))
        tally.add("pol", replicate, event(5, "policy_activated", ["california"],
                                          policy="california.kill_switch"))
    rows = {row.words: row for row in timeline(tally, {"base": 2, "pol": 2},
                                               {"base": "2024-01", "pol": "2024-01"})}
    activation = rows["California's kill switch takes effect"]
    assert activation.occurrences["base"] is None and activation.differs
    assert not rows["A military fine-tune by rival is publicised (an incident)"].differs


def test_one_replicate_in_brief_tells_each_key_event_once() -> None:
    events = [event(step, "theft", ["rival", "closedlab"]) for step in (1, 2, 3)]
    events += [event(0, "release", ["openlab"]), event(2, "incident", ["rival", "openlab"])]
    told = first_of_each(events, Labels(), limit=10)
    assert [(e["step"], e["kind"]) for e in told] == [(1, "theft"), (2, "incident")]


# Paired differences over time ---------------------------------------------------------------


def test_paired_differences_subtract_the_same_replicate_and_month() -> None:
    rows = []
    for scenario, offset in (("base", 0.0), ("pol", 1.0)):
        for replicate in range(3):
            for step in range(4):
                value = replicate * 10 + step + offset * step
                rows.append({"scenario": scenario, "replicate": replicate, "step": step,
                             "month": f"2024-0{step + 1}", "x": value,
                             "same": float(replicate), "inf": -np.inf})
    frame = pd.DataFrame(rows)
    differences = paired_differences(frame, "base", "pol", "x")
    assert differences.sort_values(["replicate", "step"])["difference"].tolist() == [
        0.0, 1.0, 2.0, 3.0] * 3
    assert no_difference(paired_differences(frame, "base", "pol", "same"))
    assert not no_difference(paired_differences(frame, "base", "pol", "inf"))  # undefined


# Safe embedding ------------------------------------------------------------------------------


def test_only_png_files_inside_the_folder_are_embedded(tmp_path: Path) -> None:
    folder = tmp_path / "results"
    (folder / "plots").mkdir(parents=True)
    png = PNG_SIGNATURE + b"rest of a png"
    (folder / "plots" / "good.png").write_bytes(png)
    (folder / "plots" / "fake.png").write_text("<script>alert(1)</script>")
    secret = tmp_path / "secret.png"
    secret.write_bytes(PNG_SIGNATURE + b"secret")
    (folder / "plots" / "link.png").symlink_to(secret)
    (folder / "linked").symlink_to(tmp_path)
    os.mkfifo(folder / "plots" / "fifo.png")
    assert safe_image_bytes(folder, folder / "plots" / "good.png") == png
    assert safe_image_bytes(folder, "plots/good.png") == png
    for bad in ("plots/fake.png", "plots/link.png", "plots/fifo.png", "linked/secret.png",
                "plots/../../secret.png", str(secret), "plots", "plots/missing.png"):
        assert safe_image_bytes(folder, bad) is None, bad
    assert png_data_uri(png).startswith("data:image/png;base64,")
    with pytest.raises(ValueError):
        png_data_uri(b"GIF89a")
