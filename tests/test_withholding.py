"""Withholding counts only where it keeps something out (issue 16, item 6).

Open weights released anywhere are obtainable everywhere: an open model kept off a market is a
non-release there, not an answer counted as withholding. And the claim that the model
reproduces Meta's 2024 EU withholding is a row of `regsim check` on the baseline, which says
it is not reproduced and why.
"""

from __future__ import annotations

from sim.experiments.runner import build_model, run_scenario
from sim.scenario.loader import find_scenario, resolve_raw
from sim.scenario.schema import Scenario
from sim.validity.calibration import CLOSED_DESIGNS, TARGETS
from sim.validity.checks import DOCUMENTED


def baseline(months: int) -> Scenario:
    raw = resolve_raw(find_scenario("baseline"))
    raw["scenario"]["months"] = months
    raw["world"]["ecosystem"]["adopters"] = 2000
    return Scenario.model_validate(raw)


def withholds(model, open_weights: bool) -> int:
    """(release, regulator) answers that withhold, by whether the chosen design is open."""
    count = 0
    for event in model.events.events:
        if event["kind"] != "decision":
            continue
        is_open = event["open_weights"] and event["design"] not in CLOSED_DESIGNS
        if is_open == open_weights:
            count += sum(action == "withhold" for action in event["actions"].values())
    return count


def test_open_weights_kept_off_a_market_are_not_counted_as_withholding():
    model = build_model(baseline(60), seed=1, series=False)
    model.run()
    assert withholds(model, open_weights=True) > 0  # Chinese open labs and the EU's duties
    assert model.counters["responses_withhold"] == withholds(model, open_weights=False)


def test_meta_2024_eu_withholding_is_reported_as_not_reproduced():
    target = next(t for t in TARGETS if t.key == "meta_eu_withholding_2024")
    run = run_scenario(baseline(24), replicates=3, seed=5)
    check = target.check(run)
    assert check.estimate.value == 0.0
    assert check.status == DOCUMENTED and "not reproduced" in check.explanation
