"""The downstream ecosystem: a vectorised population of fine-tuners, firms and researchers.

Open-weight models spread by the Bass model. Successive open models are generations (Norton-Bass
style): the best open model diffuses, and F is the share already holding a model at least that
capable. Each month a non-holder adopts with the exact conditional probability of the
continuous Bass curve advanced by one month from the current F, so a large population follows
F(t) = (1 - e^{-(p+q)t}) / (1 + (q/p) e^{-(p+q)t}). Closed models reach the ecosystem only as API
access, per jurisdiction. A step costs O(adopters), whatever the number of releases.
"""

from __future__ import annotations

import math

import numpy as np

from sim.scenario.schema import EcosystemParams

MONTH_YEARS = 1.0 / 12.0


def bass_advance(share: float, p_per_year: float, q_per_year: float, years: float) -> float:
    """The Bass curve's adopted share `years` after it stood at `share` (exact solution)."""
    if share >= 1.0:
        return 1.0
    rate = p_per_year + q_per_year
    if rate == 0.0:
        return share
    decay = math.exp(-rate * years)
    if p_per_year == 0.0:  # pure imitation: the logistic curve
        grown = share * math.exp(q_per_year * years)
        return grown / (1.0 - share + grown)
    ratio = q_per_year / p_per_year
    offset = (1.0 - share) / (1.0 + ratio * share)
    return (1.0 - offset * decay) / (1.0 + ratio * offset * decay)


def bass_closed_form(months: np.ndarray, p_per_year: float, q_per_year: float) -> np.ndarray:
    """F(t) from zero adoption, for t in months."""
    t = np.asarray(months, dtype=float) / 12.0
    decay = np.exp(-(p_per_year + q_per_year) * t)
    return (1.0 - decay) / (1.0 + (q_per_year / p_per_year) * decay)


class Ecosystem:
    def __init__(self, params: EcosystemParams, rng: np.random.Generator) -> None:
        self.params = params
        self.rng = rng
        self.adopters = params.adopters
        self.jurisdictions = sorted(params.jurisdiction_shares)
        self.shares = np.array([params.jurisdiction_shares[j] for j in self.jurisdictions])
        self.held_capability = np.full(self.adopters, -np.inf)
        self.holds_covered = np.zeros(self.adopters, dtype=bool)
        self.best_open_share = 0.0

    def diffuse(self, capability: float, covered: bool) -> None:
        """One month of Bass adoption of the best open model (log10 effective FLOP)."""
        holders = self.held_capability >= capability
        share = float(holders.mean())
        target = bass_advance(
            share, self.params.bass_p_per_year, self.params.bass_q_per_year, MONTH_YEARS
        )
        hazard = 0.0 if share >= 1.0 else (target - share) / (1.0 - share)
        adopting = ~holders & (self.rng.random(self.adopters) < hazard)
        self.held_capability[adopting] = capability
        if covered:
            self.holds_covered |= adopting
        self.best_open_share = share + adopting.sum() / self.adopters

    def open_share_at_least(self, capability: float) -> float:
        """Share of adopters holding an open model of at least `capability`."""
        return float((self.held_capability >= capability).mean())

    def uncontrolled_covered_copies(self) -> int:
        """Adopters holding a copy of a covered open-weight model."""
        return int(self.holds_covered.sum())

    def api_share_at_least(self, api_capability: dict[str, float], capability: float) -> float:
        """Share of adopters whose jurisdiction has API access to at least `capability`."""
        served = np.array(
            [api_capability.get(j, -np.inf) >= capability for j in self.jurisdictions]
        )
        return float(self.shares[served].sum())

    def tier_share(self, api_capability: dict[str, float], capability: float) -> float:
        """Share with at least `capability` through open weights or API access."""
        open_share = self.open_share_at_least(capability)
        api_share = self.api_share_at_least(api_capability, capability)
        # API access is by jurisdiction and independent of holdings: combine per jurisdiction
        # under the assumption that holders are spread evenly across jurisdictions.
        return api_share + (1.0 - api_share) * open_share
