"""How a competitor's labs catch up and how many chips it makes: the formulations of
`world.follower.catch_up` and `world.chip_supply.formulation` (sim/model/catch_up.py,
sim/model/chip_supply.py), each runnable in every bundled scenario, calibrated by one procedure,
and acting as their mechanisms say (docs/model.md §7.3, §7.4, §9.1)."""

from __future__ import annotations

import copy
import math

import numpy as np
import pytest

from sim.experiments.runner import run_replicate, run_scenario
from sim.model import chip_supply
from sim.model.world import RegSimModel
from sim.scenario.loader import find_scenario, load_scenario, resolve_raw
from sim.scenario.schema import ChipSupplyParams, Scenario, formulation_options
from sim.validity import calibration

CATCH_UP = ("proxy_learning", "compute_bound", "open_weight_base")
SUPPLY = ("substitution_rate", "production_bound", "hbm_bound")
BUNDLED = ("baseline", "chatbit_2023", "crackdown", "eu_code", "export_controls",
           "kill_switch", "kill_switch_open_exempt", "open_weight_licence", "sb53",
           "sensitivity")
SEEDS = range(4)


def small_raw(name: str, months: int = 36, catch_up: str | None = None,
              supply: str | None = None) -> dict:
    raw = resolve_raw(find_scenario(name))
    raw["scenario"]["months"] = months
    raw.setdefault("world", {}).setdefault("ecosystem", {})["adopters"] = 200
    if catch_up:
        raw["world"].setdefault("follower", {})["catch_up"] = catch_up
    if supply:
        raw["world"].setdefault("chip_supply", {})["formulation"] = supply
    return raw


def chip_strength(raw: dict, strength: float) -> Scenario:
    changed = copy.deepcopy(raw)
    federal = next(r for r in changed["regulators"] if r["name"] == "us_federal")
    next(p for p in federal["policies"] if p["kind"] == "chip_export_controls")[
        "strength"] = strength
    return Scenario.model_validate(changed)


# The formulation fields ---------------------------------------------------------------------
def test_formulation_options_lists_every_formulation_with_its_default_first():
    options = formulation_options()
    assert options == {"world.follower.catch_up": CATCH_UP,
                       "world.chip_supply.formulation": SUPPLY,
                       "world.distillation.formulation": ("reseller_chain", "proxy_leakage"),
                       "world.compliance.utilities": ("stated", "revealed"),
                       "world.money_growth": ("run_budget", "revenue_path")}
    world = Scenario.model_validate(small_raw("baseline")).world
    assert world.follower.catch_up == "proxy_learning"
    assert world.chip_supply.formulation == "substitution_rate"


def test_a_formulation_that_does_not_exist_is_refused():
    raw = small_raw("baseline", catch_up="telepathy")
    with pytest.raises(ValueError, match="proxy_learning"):
        Scenario.model_validate(raw)


@pytest.mark.parametrize("name", BUNDLED)
@pytest.mark.parametrize("catch_up", CATCH_UP)
def test_each_catch_up_formulation_runs_every_bundled_scenario(name, catch_up):
    scenario = Scenario.model_validate(small_raw(name, 24, catch_up))
    result = run_replicate(scenario, 0)
    lag = result.timeseries["state_domestic_lag_months__prc"].to_numpy(float)
    assert np.isfinite(lag).all() and (lag >= 0).all()


@pytest.mark.parametrize("supply", SUPPLY[1:])
@pytest.mark.parametrize("name", ("baseline", "export_controls", "chatbit_2023"))
def test_each_chip_supply_formulation_runs_the_scenarios_with_chip_controls(name, supply):
    for catch_up in CATCH_UP:
        scenario = Scenario.model_validate(small_raw(name, 24, catch_up, supply))
        assert run_replicate(scenario, 1).summary["state_mean_domestic_lag_months__prc"] >= 0


# The default is today's model -----------------------------------------------------------------
def frozen_proxy_learning(model: RegSimModel, lab) -> float:
    """`RegSimModel.learned_capability` as it was at a4b566a (model v2), copied verbatim."""
    discount = lab.params.follower_discount_oom
    if discount is None:
        return -math.inf
    follower = model.params.world.follower
    best, now = -math.inf, model.step_index
    for artifact in model.registry.by_capability:
        if artifact.capability - discount <= best:
            break
        if artifact.developer == lab.name:
            continue
        age = now - artifact.release_step
        if artifact.open_weights:
            if age >= follower.delay_months:
                best = artifact.capability - discount
            continue
        loss = discount + follower.closed_teacher_extra_oom
        if artifact.capability - loss <= best:
            continue
        teacher = model.developer_named(artifact.developer)
        served = teacher.sells_into(lab.jurisdiction) and artifact.offered_in(lab.jurisdiction)
        access = (1.0 if served else follower.leakage_share) * \
            model.distillation_access_factor([lab.jurisdiction], teacher)
        if access > 0 and age >= follower.delay_months / access:
            best = artifact.capability - loss
    return best


def test_the_default_formulations_are_model_v2_unchanged():
    """proxy_learning learns exactly as v2's fast followers did, month by month, and
    substitution_rate gives v2's compute access, so the default's outputs are unchanged (the
    bundled scenarios were also compared byte for byte with a4b566a when this was written)."""
    scenario = load_scenario(find_scenario("export_controls"),
                             ["scenario.months=60", "world.ecosystem.adopters=200",
                              # v2's distillation access (the default, reseller_chain, lets
                              # the export control's serving ban cut the proxy route too)
                              'world.distillation.formulation="proxy_leakage"'])
    model = RegSimModel(scenario, seed=3)
    controls = next(p for p in model.policies if p.kind == "chip_export_controls")
    followers = [d for d in model.developer_list if d.params.follower_discount_oom is not None]
    compared = 0
    for _ in range(60):
        model.step()
        for lab in followers:
            assert model.learned_capability(lab) == frozen_proxy_learning(model, lab)
            compared += 1
        p = controls.params
        years = (model.month - chip_supply.SUBSTITUTION_REFERENCE_MONTH) / 12.0
        substitution = min(1.0, max(0.0, p.domestic_substitution_2024
                                    + p.domestic_substitution_growth_per_year * years))
        v2 = 1.0 - p.strength * (1.0 - p.smuggling_leak_share) * (1.0 - substitution)
        assert controls.compute_access_factor("CN", model.month) == v2
    assert compared > 0


# Chip controls act through compute where compute binds ------------------------------------------
def domestic_compute_and_capability(scenario: Scenario, seed: int) -> tuple[np.ndarray, ...]:
    """Each month: the largest run (log10 FLOP) of the PRC's labs and its own-lab capability."""
    model = RegSimModel(scenario, seed=seed, series=False)
    state = model.state_list[0]
    domestic = [d for d in model.developer_list if state.is_domestic(d.jurisdiction)]
    compute, capability = [], []
    for _ in range(model.months):
        model.step()
        compute.append(max(d.run_flop for d in domestic))
        capability.append(state.domestic_capability)
    return np.array(compute), np.array(capability)


@pytest.mark.parametrize("supply", SUPPLY)
def test_under_compute_bound_a_stricter_chip_control_never_raises_compute_or_capability(supply):
    raw = small_raw("baseline", 96, "compute_bound", supply)
    weak, strict = chip_strength(raw, 0.5), chip_strength(raw, 1.0)
    lower = False
    for seed in SEEDS:
        compute_a, capability_a = domestic_compute_and_capability(weak, seed)
        compute_b, capability_b = domestic_compute_and_capability(strict, seed)
        assert np.all(compute_b <= compute_a + 1e-12), f"compute rose (seed {seed})"
        assert np.all(capability_b <= capability_a + 1e-12), f"capability rose (seed {seed})"
        lower |= bool(np.any(capability_b < capability_a - 1e-9))
    assert lower  # the controls bite on the state's own labs


def test_chip_controls_widen_the_own_lab_lag_more_under_compute_bound_than_proxy_learning():
    effects = {}
    for catch_up in ("proxy_learning", "compute_bound"):
        raw = small_raw("baseline", 120, catch_up)
        free, embargo = chip_strength(raw, 0.0), chip_strength(raw, 1.0)
        key = "state_mean_domestic_lag_months__prc"
        effects[catch_up] = np.mean([run_replicate(embargo, s).summary[key]
                                     - run_replicate(free, s).summary[key] for s in SEEDS])
    assert effects["compute_bound"] > effects["proxy_learning"] > 0


@pytest.mark.parametrize("supply", SUPPLY)
def test_domestic_supply_never_gives_more_compute_to_a_stricter_control(supply):
    params = ChipSupplyParams(formulation=supply)
    for month in range(chip_supply.SUBSTITUTION_REFERENCE_MONTH, 2040 * 12, 7):
        shares = [chip_supply.access_share(denied, params, month, 0.1, 0.05)
                  for denied in np.linspace(0.0, 1.0, 21)]
        assert shares[0] == 1.0
        assert all(0 < b <= a for a, b in zip(shares, shares[1:], strict=False))


def test_the_hbm_bound_caps_output_from_2026_only():
    free = ChipSupplyParams(formulation="production_bound", hbm_bound_chips_per_year=3e5)
    capped = free.model_copy(update={"formulation": "hbm_bound"})
    before, after = chip_supply.HBM_BINDS_FROM - 1, chip_supply.HBM_BINDS_FROM + 24
    assert chip_supply.domestic_output_chips_per_year(capped, before) == \
        chip_supply.domestic_output_chips_per_year(free, before)
    assert chip_supply.domestic_output_chips_per_year(capped, after) == 3e5
    assert chip_supply.domestic_output_chips_per_year(free, after) > 3e5


# Open weights as a base ----------------------------------------------------------------------
def without_foreign_open_weights(raw: dict, state_jurisdiction: str = "CN") -> Scenario:
    """Every lab outside the state releases closed."""
    changed = copy.deepcopy(raw)
    for lab in [*changed["developers"], *changed.get("developer_groups", [])]:
        if lab["jurisdiction"] != state_jurisdiction and lab["release_strategy"] != "closed":
            lab["release_strategy"] = "closed"
    return Scenario.model_validate(changed)


def test_under_open_weight_base_removing_foreign_open_weights_never_narrows_the_own_lab_lag():
    raw = small_raw("baseline", 96, "open_weight_base")
    with_them, without = Scenario.model_validate(raw), without_foreign_open_weights(raw)
    wider = False
    key = "state_domestic_lag_months__prc"
    for seed in SEEDS:
        a = run_replicate(with_them, seed).timeseries[key].to_numpy(float)
        b = run_replicate(without, seed).timeseries[key].to_numpy(float)
        assert np.nanmean(b) >= np.nanmean(a) - 1e-9, f"the lag narrowed (seed {seed})"
        wider |= bool(np.nanmean(b) > np.nanmean(a) + 1e-9)
    assert wider  # foreign open weights are a base the state's labs build on


def test_followers_cannot_ratchet_each_other_up_on_open_weights():
    """A base that was itself built on another lab's model gives no second post-training gain,
    so the followers' capability stays within the gain of some lab's own run."""
    scenario = load_scenario(find_scenario("baseline"), [
        "scenario.months=60", "world.ecosystem.adopters=200",
        'world.follower.catch_up="open_weight_base"'])
    model = RegSimModel(scenario, seed=0, series=False)
    model.run()
    gain = scenario.world.follower.open_weight_base.post_training_gain_oom
    own_best = max(a.capability for a in model.registry.by_capability
                   if a.artifact_id not in model.derived_artifacts)
    assert model.derived_artifacts  # followers did build on open bases
    assert max(a.capability for a in model.registry.by_capability) <= own_best + gain + 1e-9


# Calibration ---------------------------------------------------------------------------------
def test_each_formulations_calibrated_value_is_its_default():
    world = Scenario.model_validate(small_raw("baseline")).world
    for formulation, spec in calibration.CALIBRATED.items():
        assert spec.formulation == formulation
        value = world
        for part in spec.key.split(".")[1:]:
            value = getattr(value, part)
        if formulation == "proxy_learning":  # the baseline file sets v2's value
            assert value == spec.chosen
        assert spec.grid[0] <= spec.chosen <= spec.grid[-1] and spec.chosen in spec.grid


def test_calibrate_chooses_the_grid_value_whose_lag_is_nearest_the_target(monkeypatch):
    """One procedure for every formulation: it runs the grid and takes the nearest lag."""
    tried: list[float] = []

    def fake_lag(run) -> float:
        return run

    def fake_run(scenario: Scenario, replicates: int):
        value = scenario.world.follower.open_weight_base.post_training_gain_oom
        assert scenario.world.follower.catch_up == "open_weight_base"
        assert scenario.scenario.months == calibration.WINDOW_MONTHS
        tried.append(value)
        return 10.0 - 4.0 * value  # the lag falls with the gain

    monkeypatch.setattr(calibration, "mean_domestic_lag", fake_lag)
    baseline = Scenario.model_validate(small_raw("baseline"))
    result = calibration.calibrate("open_weight_base", baseline, 2, fake_run)
    assert tried == list(calibration.CALIBRATED["open_weight_base"].grid)
    assert result.chosen == 0.8 and result.lag_months == pytest.approx(6.8)


def test_the_check_reports_each_formulations_lag_rows():
    baseline = Scenario.model_validate(small_raw("baseline"))
    replay = load_scenario(find_scenario("chatbit_2023"))
    runs = calibration.formulation_runs(baseline, replay, lambda s: run_scenario(s, replicates=2))
    checks = calibration.formulation_checks(runs, replay)
    for formulation in CATCH_UP:
        rows = [c for c in checks if c.name.endswith(f"[{formulation}]")]
        assert len(rows) == 4
        assert all(c.section == "calibration" for c in rows)
        # The formulation's parameter is set against the baseline's lag rows (calibration); the
        # replay's rows keep the kind their own declarations give them.
        key = calibration.CALIBRATED[formulation].key
        assert sum(key in c.calibrated and c.kind == "calibration" for c in rows) == 1
        assert sum(key in c.calibrated for c in rows) == 1
        assert all(c.passed or c.explanation for c in rows)  # a miss says why
        assert "chosen from" in rows[0].note


def test_restricting_us_open_weights_acts_on_the_own_labs_only_where_they_build_on_them():
    """The kill switch's effect on the PRC's own labs comes out of the mechanism: large under
    open_weight_base, none under compute_bound (knowledge diffuses from closed models too)."""
    key = "state_mean_domestic_lag_months__prc"
    effects = {}
    for catch_up in ("compute_bound", "open_weight_base"):
        baseline = Scenario.model_validate(small_raw("baseline", 120, catch_up))
        mandate = Scenario.model_validate(small_raw("kill_switch", 120, catch_up))
        effects[catch_up] = np.mean([run_replicate(mandate, s).summary[key]
                                     - run_replicate(baseline, s).summary[key]
                                     for s in range(3)])
    assert effects["open_weight_base"] > 1.0
    assert abs(effects["compute_bound"]) < 0.05
