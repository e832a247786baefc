"""sim.ema: regsim as an EMA Workbench model. perform_experiments on a tiny scenario gives the
outcomes regsim's own sweep gives for the same values and seeds. Skipped where EMA Workbench
does not install (it needs Python 3.12; `pip install 'regsim[ema]'`)."""

from __future__ import annotations

import math

import numpy as np
import pytest

import sim

SMALL = {"scenario.months": 24, "world.ecosystem.adopters": 2000}
UNCERTAIN = "world.algo_efficiency_growth_oom_per_year"
LEVER = "regulators.us_federal.policies.chip_export_controls.strength"
OUTCOMES = ["state_mean_lag_months__prc", "mean_open_lag_months", "cash_compliance_musd"]


def test_the_model_reads_uncertainties_levers_and_outcomes_from_the_scenario():
    pytest.importorskip("ema_workbench", reason="needs EMA Workbench (Python 3.12+)")
    from sim.ema import ema_model

    model = ema_model("sensitivity", set=SMALL, outcomes=OUTCOMES)
    loaded = sim.load("sensitivity")
    assert {u.name for u in model.uncertainties} == {
        key.replace(".", "__") for key in loaded.uncertainty}
    assert [lever.name for lever in model.levers] == [LEVER.replace(".", "__")]
    assert [o.name for o in model.outcomes] == OUTCOMES


def test_perform_experiments_gives_what_the_sweep_gives():
    ema = pytest.importorskip("ema_workbench", reason="needs EMA Workbench (Python 3.12+)")
    from sim.ema import ema_model

    model = ema_model("sensitivity", replicates=1, set=SMALL, outcomes=OUTCOMES,
                      uncertainties=[UNCERTAIN])
    # The two policies are given, not sampled: EMA's Latin hypercube over the lever's three
    # options picks the same option for both policies about one time in four. The four
    # scenarios are sampled, from a fixed seed.
    lever = LEVER.replace(".", "__")
    policies = [ema.Sample(name=f"strength {value}", **{lever: value}) for value in (0.5, 0.9)]
    experiments, outcomes = ema.perform_experiments(
        model, scenarios=4, policies=policies, uncertainty_sampling_kwargs={"rng": 2024})
    assert len(experiments) == 8
    values = sorted(set(float(v) for v in experiments[UNCERTAIN.replace(".", "__")]))
    levers = sorted(set(float(v) for v in experiments[LEVER.replace(".", "__")]))
    assert len(values) == 4 and len(levers) == 2
    swept = sim.sweep("sensitivity", params={UNCERTAIN: values}, levers={LEVER: levers},
                      sampler="grid", replicates=1, set=SMALL, workers=1)
    points = swept.points
    for index, row in experiments.iterrows():
        # The sweep's points table holds values to 10 significant digits (its CSV), so match
        # to within that rounding.
        found = points[np.isclose(points[UNCERTAIN], float(row[UNCERTAIN.replace(".", "__")]),
                                  rtol=1e-9, atol=0)
                       & np.isclose(points[LEVER], float(row[LEVER.replace(".", "__")]),
                                    rtol=1e-9, atol=0)]
        assert len(found) == 1
        for key in OUTCOMES:
            ours, theirs = float(found[key].iloc[0]), float(outcomes[key][index])
            assert (math.isnan(ours) and math.isnan(theirs)) or ours == pytest.approx(
                theirs, rel=1e-9, abs=1e-12), (key, ours, theirs)
