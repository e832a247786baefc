"""Docking: stripped-down worlds in which the model must reproduce a closed-form model.

- Bass: one open release, a large population, nothing else moving; the adopted share must
  follow F(t) = (1 - e^{-(p+q)t}) / (1 + (q/p) e^{-(p+q)t}). The share recorded at step s has
  had s + 1 months of diffusion (the release diffuses in its own month).
- Theft: one closed lab, one state whose attacker tier equals the lab's security level, so the
  monthly theft hazard is the constant h; the month of the first theft (1 = the first month) is
  geometric with mean 1/h.
- Compute: a lab that gets a new compute generation every month runs, at step s,
  min(log10(budget x spending_growth^(s/12) / usd_per_flop(month)) + log10(access(month)),
  ceiling(month)): the cost model of `sim.model.compute`, with chip export controls' access
  share and the feasibility ceiling.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from sim.experiments.runner import build_model, release_model, run_replicate
from sim.experiments.seeds import replicate_seeds
from sim.model.ecosystem import bass_closed_form
from sim.scenario.schema import EcosystemParams, Scenario
from sim.validity.checks import Check, Estimate, mean_estimate

CODE = "the code against a closed form of its own equations"

BASS_TOLERANCE = 0.01
"""Largest acceptable |model share - F(t)| (absolute)."""

THEFT_MEAN_SIGMAS = 3.0
"""The mean time to theft must lie within this many standard errors of 1/h."""

THEFT_CHI2_ALPHA = 0.01
"""The chi-square test of the geometric distribution must not reject at this level."""

COMPUTE_TOLERANCE_OOM = 1e-9


def _world(
    name: str, months: int, world: dict[str, Any], developers: list[dict[str, Any]], **sections: Any
) -> Scenario:
    raw = {
        "scenario": {
            "name": name,
            "question": f"Docking: {name}.",
            "months": months,
            "seed": 1,
            "replicates": 1,
        },
        "world": world,
        "developers": developers,
        **sections,
    }
    return Scenario.model_validate(raw)


NEVER_MONTHS = [600, 600]
"""A cadence or compute interval longer than any docking horizon."""


def _lab(name: str, strategy: str, jurisdiction: str = "US", **fields: Any) -> dict[str, Any]:
    """A lab whose one model exists at step 0 and which never releases or grows again."""
    return {
        "name": name,
        "jurisdiction": jurisdiction,
        "release_strategy": strategy,
        "initial_run_flop": 1e25,
        "initial_model_flop": 1e25,
        "initial_model_age_months": 0,
        "cadence_months": NEVER_MONTHS,
        "cluster_interval_months": NEVER_MONTHS,
        "first_cluster_months": NEVER_MONTHS,
        **fields,
    }


# Bass -----------------------------------------------------------------------------------------
@dataclass
class BassDocking:
    p_per_month: float
    q_per_month: float
    adopters: int
    months: np.ndarray
    """Months of diffusion behind each recorded share (1, 2, ...)."""
    model_share: np.ndarray
    closed_form: np.ndarray

    @property
    def max_abs_error(self) -> float:
        return float(np.max(np.abs(self.model_share - self.closed_form)))

    def check(self) -> Check:
        error = self.max_abs_error
        estimate = Estimate(error, math.nan, math.nan, 1, 1, "max")
        return Check(
            "docking",
            "Bass diffusion of one open release",
            f"max |share - F(t)| < {BASS_TOLERANCE} (p={self.p_per_month:g}/month, "
            f"q={self.q_per_month:g}/month)",
            ("bass1969",),
            estimate,
            "abs. error",
            error < BASS_TOLERANCE,
            construction=CODE,
            margin=BASS_TOLERANCE - error,
        )


def bass_docking(
    adopters: int = 1_000_000,
    months: int = 24,
    seed: int = 1,
    p_per_month: float | None = None,
    q_per_month: float | None = None,
) -> BassDocking:
    """One open release at step 0 diffusing through `adopters` for `months` (default p, q: the
    scenario defaults)."""
    defaults = EcosystemParams()
    p = defaults.bass_p_per_month if p_per_month is None else p_per_month
    q = defaults.bass_q_per_month if q_per_month is None else q_per_month
    ecosystem = {"adopters": adopters, "bass_p_per_month": p, "bass_q_per_month": q}
    scenario = _world("bass_docking", months, {"ecosystem": ecosystem}, [_lab("openlab", "open")])
    share = run_replicate(scenario, seed).timeseries["ecosystem_best_open_share"].to_numpy(float)
    elapsed = np.arange(1, months + 1)
    return BassDocking(p, q, adopters, elapsed, share, bass_closed_form(elapsed, p, q))


# Theft ----------------------------------------------------------------------------------------
@dataclass
class TheftDocking:
    hazard: float
    months_to_theft: np.ndarray
    """Month of the first theft per replicate, 1 = the first month; NaN if none by the horizon."""
    horizon: int
    chi2_p_value: float = math.nan
    bins: list[tuple[int, float, int, float]] = field(default_factory=list)
    """(first month, last month or inf, observed, expected) per chi-square bin."""

    @property
    def expected_mean(self) -> float:
        return 1.0 / self.hazard

    def mean(self) -> Estimate:
        return mean_estimate(self.months_to_theft)

    @property
    def standard_error(self) -> float:
        defined = self.months_to_theft[~np.isnan(self.months_to_theft)]
        return float(defined.std(ddof=1) / math.sqrt(defined.size))

    def checks(self) -> list[Check]:
        mean = self.mean()
        standard_error = self.standard_error
        mean_ok = abs(mean.value - self.expected_mean) <= THEFT_MEAN_SIGMAS * standard_error
        n = len(self.months_to_theft)
        note = f"{n} replicates; standard error {standard_error:.2f} months"
        return [
            Check(
                "docking",
                "theft: mean months to first theft",
                f"1/h = {self.expected_mean:g} months (h = {self.hazard:g}) within "
                f"{THEFT_MEAN_SIGMAS:g} s.e.",
                ("rand_weights",),
                mean,
                "months",
                bool(mean_ok),
                note=note,
                construction=CODE,
                margin=THEFT_MEAN_SIGMAS * standard_error - abs(mean.value - self.expected_mean),
            ),
            Check(
                "docking",
                "theft: geometric distribution",
                f"chi-square fit to Geometric(h): p >= {THEFT_CHI2_ALPHA:g}",
                ("rand_weights",),
                Estimate(self.chi2_p_value, math.nan, math.nan, n, n, "p-value"),
                "p-value",
                self.chi2_p_value >= THEFT_CHI2_ALPHA,
                construction=CODE,
                margin=self.chi2_p_value - THEFT_CHI2_ALPHA,
            ),
        ]


def theft_docking(
    hazard: float = 0.05, replicates: int = 1000, seed: int = 2024, horizon: int = 600
) -> TheftDocking:
    """Months to the first theft in `replicates` runs of the one-lab, one-state world."""
    world = {
        "ecosystem": {"adopters": 1},
        "theft": {"hazard_per_month_at_parity": hazard, "max_hazard_per_month": 1.0},
    }
    state = {
        "name": "rival",
        "jurisdictions": ["CN"],
        "attacker_tier": 3,
        "distillation_hazard_per_month": 0.0,
    }
    scenario = _world(
        "theft_docking",
        horizon,
        world,
        [_lab("closedlab", "closed", security_level=3)],
        states=[state],
    )
    months = np.array(
        [_months_to_first_theft(scenario, s) for s in replicate_seeds(seed, replicates)],
        dtype=float,
    )
    result = TheftDocking(hazard, months, horizon)
    result.chi2_p_value, result.bins = geometric_chi_square(months, hazard, horizon)
    return result


def _months_to_first_theft(scenario: Scenario, seed: int) -> float:
    model = build_model(scenario, seed)
    try:
        while model.step_index < model.months - 1:
            model.step()
            if model.counters["thefts"]:
                return float(model.step_index + 1)
        return math.nan
    finally:
        release_model(model)


def geometric_chi_square(
    months: np.ndarray, hazard: float, horizon: int, min_expected: float = 10.0
):
    """Chi-square test of `months` (1, 2, ...; NaN = none by `horizon`) against Geometric(h).

    Bins are runs of consecutive months, each holding at least `min_expected` expected counts;
    the last bin is open-ended and includes the censored replicates. Returns (p-value, bins).
    """
    from scipy.stats import chisquare

    n = len(months)
    observed_months = np.where(np.isnan(months), np.inf, months)
    bins, first = [], 1
    while True:
        last, mass = first, _geometric_mass(first, first, hazard)
        while n * mass < min_expected and last < horizon:
            last += 1
            mass = _geometric_mass(first, last, hazard)
        tail = n * _geometric_mass(last + 1, math.inf, hazard)
        if tail < min_expected or last >= horizon:
            bins.append((first, math.inf))
            break
        bins.append((first, last))
        first = last + 1
    observed = [int(((observed_months >= a) & (observed_months <= b)).sum()) for a, b in bins]
    expected = [n * _geometric_mass(a, b, hazard) for a, b in bins]
    if len(bins) < 2:
        return math.nan, []
    p_value = float(chisquare(observed, expected).pvalue)
    table = [(a, b, o, e) for (a, b), o, e in zip(bins, observed, expected, strict=True)]
    return p_value, table


def _geometric_mass(first: float, last: float, hazard: float) -> float:
    """P(first <= T <= last) for T geometric on 1, 2, ... with success probability `hazard`."""
    survive = 1.0 - hazard
    upper = 0.0 if math.isinf(last) else survive**last
    return survive ** (first - 1) - upper


# Compute -------------------------------------------------------------------------------------
@dataclass
class ComputeDocking:
    label: str
    run_flop: np.ndarray
    """The lab's run (log10 FLOP) at steps 0, 1, ..."""
    expected: np.ndarray

    @property
    def max_abs_error(self) -> float:
        return float(np.max(np.abs(self.run_flop - self.expected)))

    @property
    def fitted_oom_per_year(self) -> float:
        steps = np.arange(len(self.run_flop))
        return float(np.polyfit(steps, self.run_flop, 1)[0] * 12.0)

    def check(self) -> Check:
        estimate = Estimate(self.fitted_oom_per_year, math.nan, math.nan, 1, 1, "slope")
        return Check(
            "docking",
            f"compute: {self.label}",
            f"the cost model's run at every step (|error| < {COMPUTE_TOLERANCE_OOM:g} OOM)",
            ("epoch_compute", "cottier_costs"),
            estimate,
            "OOM/yr",
            self.max_abs_error < COMPUTE_TOLERANCE_OOM,
            note=f"max |error| = {self.max_abs_error:.2g} OOM",
            construction=CODE,
            margin=COMPUTE_TOLERANCE_OOM - self.max_abs_error,
        )


def compute_docking(
    months: int = 60,
    budget_musd: float = 100.0,
    strength: float = 0.0,
    label: str = "",
) -> ComputeDocking:
    """A lab in CN with a new compute generation every month, under chip export controls if
    `strength` > 0; its run against the cost model's closed form."""
    from sim.calendar import parse_month
    from sim.model.compute import CostModel
    from sim.model.policies.chip_export_controls import ChipExportControls

    regulators = []
    if strength > 0:
        policy = {"kind": "chip_export_controls", "target_jurisdictions": ["CN"],
                  "strength": strength}
        regulators = [
            {"name": "us", "jurisdiction": "US", "reach": "domicile", "policies": [policy]}
        ]
    lab = _lab("lab", "closed", "CN", run_budget_musd=budget_musd,
               cluster_interval_months=[1, 1], first_cluster_months=[1, 1])
    scenario = _world(
        "compute_docking", months, {"ecosystem": {"adopters": 1}}, [lab], regulators=regulators
    )
    model = build_model(scenario, 1)
    developer = model.developer_list[0]
    trajectory = []
    try:
        for _ in range(months):
            model.step()
            trajectory.append(developer.run_flop)
    finally:
        release_model(model)
    costs = CostModel(scenario.world.compute)
    controls = (ChipExportControls(scenario.regulators[0].policies[0], None)
                if strength > 0 else None)
    start = parse_month(scenario.scenario.start)
    expected, run = [], math.log10(lab["initial_run_flop"])
    growth = scenario.developers[0].spending_growth_per_year
    for step in range(months):
        month = start + step
        if step >= 1:
            access = 1.0
            if controls is not None:
                controls.active = True
                access = controls.compute_access_factor("CN", month)
            bought = costs.affordable_log10_flop(budget_musd * growth ** (step / 12), month,
                                                 access)
            run = max(run, bought)
        expected.append(run)
    name = label or ("free" if strength == 0 else f"under chip controls (strength {strength:g})")
    return ComputeDocking(name, np.array(trajectory), np.array(expected))
