"""How a fast-follower lab catches up: three formulations (`world.follower.catch_up`).

A fast follower is a lab with a `follower_discount_oom` (the Chinese labs). Its release reaches
the better of its own run (`run_flop + algorithms + offset`) and what it can build from others'
models, `learned`, computed here (log10 effective FLOP; -inf where nothing helps). Epoch
("Keeping up with the GPTs", 2025) names three routes for compute-poor labs: own algorithms,
replicating the frontier's innovations, and leveraging the frontier's models. Each formulation
rests on a different mix:

- `proxy_learning` (routes 3 and part of 2): from any better model of another lab, an open one
  after `follower.delay_months`, a closed one through its API after delay / access (access 1
  where it is served in the follower's domicile, else `leakage_share`, times API KYC), at
  `capability - discount` (closed: also `closed_teacher_extra_oom`). Needs no compute of the
  follower's own, so chip controls barely act on it.
- `compute_bound` (routes 1 and 2): from its own compute. Innovations behind any released model
  become replicable after `compute_bound.knowledge_lag_months`; matching a capability the
  frontier reached `a` years ago takes `catch_up_algorithmic_progress_oom_per_year x a` OOM less
  compute than it took then (Scher 2025: ~12.7x/yr), i.e. `excess x a` OOM less than the
  frontier's own algorithmic progress already gives, so the follower reaches
  `min(capability - discount, own + excess x a)` from each model. Bounded by its compute, so
  chip controls and domestic supply bite.
- `open_weight_base`: from its own compute, or by building on the best open weights of another
  lab after `follower.delay_months`, at `capability - discount + post_training_gain_oom` (the
  gain only on a base that was not itself built on another's model, so followers cannot ratchet
  each other up). Closed models teach nothing, so restricting open weights can matter, and
  whether other followers publish open weights decides by how much.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sim.model.developers import Developer
    from sim.model.world import RegSimModel


def learned_capability(model: RegSimModel, lab: Developer) -> float:
    """The best capability `lab` can build from others' models now, under the scenario's
    catch-up formulation (log10 effective FLOP; -inf for a lab that is no follower)."""
    discount = lab.params.follower_discount_oom
    if discount is None:
        return -math.inf
    formulation = model.params.world.follower.catch_up
    if formulation == "compute_bound":
        return _compute_bound(model, lab, discount)
    if formulation == "open_weight_base":
        return _open_weight_base(model, lab, discount)
    return _proxy_learning(model, lab, discount)


def own_capability(model: RegSimModel, lab: Developer) -> float:
    """What the lab's own current run reaches with today's algorithms (log10 effective FLOP)."""
    return lab.run_flop + model.algo_efficiency_oom + lab.params.capability_offset_oom


def _proxy_learning(model: RegSimModel, lab: Developer, discount: float) -> float:
    follower = model.params.world.follower
    best, now = -math.inf, model.step_index
    for artifact in model.registry.by_capability:  # most capable first: stop early
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


def catch_up_excess_oom_per_year(model: RegSimModel) -> float:
    """How much faster than frontier algorithmic progress the compute needed to match an
    existing capability falls, OOM/yr (>= 0)."""
    world = model.params.world
    catch_up = world.follower.compute_bound.catch_up_algorithmic_progress_oom_per_year
    return max(0.0, catch_up - world.algo_efficiency_growth_oom_per_year)


def _compute_bound(model: RegSimModel, lab: Developer, discount: float) -> float:
    params = model.params.world.follower.compute_bound
    own = own_capability(model, lab)
    excess_per_month = catch_up_excess_oom_per_year(model) / 12.0
    best, now = -math.inf, model.step_index
    for artifact in model.registry.by_capability:  # most capable first: stop early
        target = artifact.capability - discount
        if target <= best:
            break
        age = now - artifact.release_step
        if artifact.developer == lab.name or age < params.knowledge_lag_months:
            continue
        best = max(best, min(target, own + excess_per_month * age))
    return best


def _open_weight_base(model: RegSimModel, lab: Developer, discount: float) -> float:
    follower = model.params.world.follower
    gain = follower.open_weight_base.post_training_gain_oom
    derived = model.derived_artifacts
    best, now = -math.inf, model.step_index
    for artifact in model.registry.by_capability:  # most capable first: stop early
        if artifact.capability - discount + gain <= best:
            break
        if not artifact.open_weights or artifact.developer == lab.name:
            continue
        if now - artifact.release_step < follower.delay_months:
            continue
        bonus = 0.0 if artifact.artifact_id in derived else gain
        best = max(best, artifact.capability - discount + bonus)
    return best
