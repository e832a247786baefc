"""The downstream ecosystem: a vectorised population of fine-tuners, firms and researchers.

Open-weight models spread by the Bass model, in months (released weights spread within days and
derivatives appear in thousands a week: domain-facts-2 §6). Successive open models are
generations: the best open model diffuses, and F is the share already holding a model at least
that capable. Each month a non-holder adopts with the exact conditional probability of the
continuous Bass curve advanced by one month from the current F, so a large population follows
F(t) = (1 - e^{-(p+q)t}) / (1 + (q/p) e^{-(p+q)t}). Open weights are obtainable everywhere:
withholding an open model from a market does not stop adoption there.

Closed models reach adopters only as API access, per jurisdiction: the best closed model
offered there diffuses the same way (with its own, slower coefficients), and access ends when
its lab stops offering it there (withheld, left or barred).

Every outcome is a share of the population, or a share scaled to a sourced real unit
(`derivatives_at_saturation`), so no outcome depends on the simulated population size.
Copies of open weights are permanent: an adopter that moves on to a newer open model still
holds the weights it had, so `ever_covered_open` (has held covered open weights) never turns
false, while `open_covered` describes only its current best open model. A step
costs O(adopters), whatever the number of releases.
"""

from __future__ import annotations

import math

import numpy as np

from sim.scenario.schema import EcosystemParams

NO_ARTIFACT = -1


def bass_advance(share: float, p: float, q: float, periods: float) -> float:
    """The Bass curve's adopted share `periods` after it stood at `share` (exact solution);
    `p` and `q` per period."""
    if share >= 1.0:
        return 1.0
    rate = p + q
    if rate == 0.0:
        return share
    decay = math.exp(-rate * periods)
    if p == 0.0 or q > p * 1e12:  # pure imitation (q / p would overflow): the logistic curve
        grown = share * math.exp(q * periods)
        return grown / (1.0 - share + grown)
    ratio = q / p
    offset = (1.0 - share) / (1.0 + ratio * share)
    return (1.0 - offset * decay) / (1.0 + ratio * offset * decay)


def bass_closed_form(months: np.ndarray, p_per_month: float, q_per_month: float) -> np.ndarray:
    """F(t) from zero adoption, for t in months."""
    t = np.asarray(months, dtype=float)
    decay = np.exp(-(p_per_month + q_per_month) * t)
    return (1.0 - decay) / (1.0 + (q_per_month / p_per_month) * decay)


def _adoption_hazard(share: float, p: float, q: float) -> float:
    target = bass_advance(share, p, q, 1.0)
    return 0.0 if share >= 1.0 else (target - share) / (1.0 - share)


class Ecosystem:
    def __init__(self, params: EcosystemParams) -> None:
        self.params = params
        self.adopters = params.adopters
        self.jurisdictions = sorted(params.jurisdiction_shares)
        counts = _apportion(self.adopters, [params.jurisdiction_shares[j]
                                            for j in self.jurisdictions])
        self.place = np.repeat(np.arange(len(self.jurisdictions)), counts)
        ends = np.cumsum(counts)
        self.slices = [slice(int(end - count), int(end)) for end, count in zip(ends, counts,
                                                                                strict=True)]
        """Adopters are ordered by jurisdiction: each one's contiguous slice."""
        self.place_counts = counts
        self.open_capability = np.full(self.adopters, -np.inf)
        self.open_covered = np.zeros(self.adopters, dtype=bool)
        self.open_train_flop = np.full(self.adopters, -np.inf)
        self.ever_covered_open = np.zeros(self.adopters, dtype=bool)
        """Adopters that have held copies of covered open weights (a stock: never cleared)."""
        self.api_capability = np.full(self.adopters, -np.inf)
        self.api_artifact = np.full(self.adopters, NO_ARTIFACT, dtype=np.int64)
        self.api_covered = np.zeros(self.adopters, dtype=bool)
        self.api_shutdown = np.zeros(self.adopters, dtype=bool)
        self._open_holding: tuple[float, int] | None = None
        """(capability, adopters holding open weights at least that capable) after the last
        month of open adoption: only adoption changes the open holdings."""

    def diffuse_open(self, capability: float, covered: bool, uniforms: np.ndarray,
                     train_flop: float = -np.inf) -> None:
        """One month of Bass adoption of the best open model (log10 effective FLOP; its size
        in log10 training FLOP)."""
        p = self.params
        waiting = self.open_capability < capability  # not holding it (capabilities: no NaN)
        holding = self._open_holding
        if holding is not None and holding[0] == capability:
            holders = holding[1]
        else:
            holders = self.adopters - np.count_nonzero(waiting)
        hazard = _adoption_hazard(holders / self.adopters, p.bass_p_per_month,
                                  p.bass_q_per_month)
        if hazard <= 0.0:  # everyone holds it already: no uniform falls below the hazard
            self._open_holding = (capability, holders)
            return
        chosen = uniforms < hazard
        chosen &= waiting
        adopting = np.flatnonzero(chosen)
        self.open_capability[adopting] = capability
        self.open_covered[adopting] = covered
        self.open_train_flop[adopting] = train_flop
        if covered:
            self.ever_covered_open[adopting] = True
        self._open_holding = (capability, holders + adopting.size)

    def diffuse_api(self, offers: dict[str, object], uniforms: np.ndarray) -> None:
        """One month of API adoption: `offers` maps each jurisdiction to the best closed artifact
        offered there (or None)."""
        p = self.params
        for place, where in zip(self.jurisdictions, self.slices, strict=True):
            artifact = offers.get(place)
            size = where.stop - where.start
            if artifact is None or size == 0:
                continue
            capability = artifact.capability
            waiting = self.api_capability[where] < capability  # not holding it (no NaN)
            hazard = _adoption_hazard((size - np.count_nonzero(waiting)) / size,
                                      p.api_bass_p_per_month, p.api_bass_q_per_month)
            if hazard <= 0.0:  # all hold it: no uniform falls below the hazard
                continue
            chosen = uniforms[where] < hazard
            chosen &= waiting
            adopting = np.flatnonzero(chosen) + where.start
            self.api_capability[adopting] = capability
            self.api_artifact[adopting] = artifact.artifact_id
            self.api_covered[adopting] = artifact.covered
            self.api_shutdown[adopting] = artifact.shutdown_capable

    def revoke_api(self, artifact_ids: list[int], place: str) -> None:
        """End API access in `place` to the given artifacts (their lab left that market)."""
        if place not in self.jurisdictions:
            return
        where = self.slices[self.jurisdictions.index(place)]
        lost = np.isin(self.api_artifact[where], artifact_ids)
        self.api_capability[where][lost] = -np.inf
        self.api_artifact[where][lost] = NO_ARTIFACT
        self.api_covered[where][lost] = False
        self.api_shutdown[where][lost] = False

    # Outcomes (shares of the population) ------------------------------------------------------
    def open_share_at_least(self, capability: float) -> float:
        holding = self._open_holding
        if holding is not None and holding[0] == capability:  # counted by `diffuse_open`
            return holding[1] / self.adopters
        return _share(self.open_capability >= capability)

    def api_share_at_least(self, capability: float) -> float:
        return _share(self.api_capability >= capability)

    def any_share_at_least(self, capability: float) -> float:
        return _share((self.open_capability >= capability) | (self.api_capability >= capability))

    def tier_shares(self, capability: float) -> tuple[float, float, float]:
        """Shares holding at least `capability` as open weights, through an API, and either way
        (one comparison of each population array)."""
        open_holders = self.open_capability >= capability
        api_holders = self.api_capability >= capability
        return _share(open_holders), _share(api_holders), _share(open_holders | api_holders)

    def open_share_trained_above(self, train_flop: float) -> float:
        """Share holding open weights of a model trained with at least `train_flop` (log10)."""
        return _share(self.open_train_flop >= train_flop)

    def covered_open_share(self) -> float:
        """Share that has ever held copies of covered open weights: copies beyond any switch,
        which they keep (a stock that never falls)."""
        return _share(self.ever_covered_open)

    def covered_open_current_share(self) -> float:
        """Share whose current best open model is covered (falls when holders move on to a
        newer open model trained with less compute)."""
        return _share(self.open_covered)

    def kill_switch_coverage(self) -> float:
        """Of adopters holding covered capability, the share a shutdown can reach: those whose
        only covered capability is a shutdown-capable API model (NaN if nobody holds any).
        Covered open weights once held count as held: the copies do not go away."""
        count = np.count_nonzero(self.ever_covered_open | self.api_covered)
        if count == 0:
            return math.nan
        reachable = self.api_covered & self.api_shutdown & ~self.ever_covered_open
        return np.count_nonzero(reachable) / count


def _share(mask: np.ndarray) -> float:
    """The share of True in a non-empty mask: exactly `mask.mean()` (an integer count over the
    size, correctly rounded either way), several times faster."""
    return np.count_nonzero(mask) / mask.size


def _apportion(total: int, shares: list[float]) -> np.ndarray:
    """Whole counts summing to `total` in proportion to `shares` (largest remainders)."""
    raw = np.asarray(shares, dtype=float) * total
    counts = np.floor(raw).astype(int)
    remainder = total - int(counts.sum())
    order = np.argsort(-(raw - counts), kind="stable")
    counts[order[:remainder]] += 1
    return counts
