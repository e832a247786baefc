"""What API access learning from a foreign closed model has: the distillation-access formulation.

Learning from a closed model's outputs (a state's distillation, a fast follower's imitation)
needs API access at scale. Where the lab serves the model in one of the learner's
jurisdictions the learner has full access (share 1). Where it does not, the learner goes through
fraudulent accounts, proxies and resellers abroad, and how much of that a serving ban cuts is
the open question (`world.distillation.formulation`, docs/model.md §7.6):

- `proxy_leakage` (model v2): proxies leak `world.follower.leakage_share` of full access
  wherever the model is not served, whether or not a law forbids serving it there. A serving
  ban cuts only direct access, which is nil where the lab does not serve the learner anyway
  (OpenAI blocked China in Jul 2024, Anthropic barred Chinese-controlled firms in Sep 2025,
  and distillation through "hydra" proxy networks went on into 2026: Anthropic 2026).
- `reseller_chain`: unserved access runs through accounts and resellers in the markets the lab
  does serve. A serving ban made law (an export control on the model's service to a
  jurisdiction, binding on resellers and cloud intermediaries as re-exports are) cuts that
  chain by `serving_ban_proxy_cut`; a lab's own choice not to serve (withholding, terms of
  service) does not. The US proposed such know-your-customer duties for foreign users of US
  cloud services (BIS proposed rule, Jan 2024) and a bill to extend export controls to remote
  access (Remote Access Security Act, 2025).

API know-your-customer rules (`api_kyc`) then cut whatever access is left, in both.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sim.model.jurisdiction import within_any

if TYPE_CHECKING:
    from sim.model.developers import Developer
    from sim.model.registry import ModelArtifact
    from sim.model.world import RegSimModel

FORMULATIONS = ("proxy_leakage", "reseller_chain")
"""The distillation-access formulations, in the order docs/model.md describes them."""


def api_access_share(model: RegSimModel, lab: Developer, artifact: ModelArtifact,
                     jurisdictions: list[str]) -> float:
    """Share (0-1) of full API access that learners in `jurisdictions` have to `lab`'s closed
    model `artifact`, under the scenario's distillation-access formulation."""
    for place in jurisdictions:
        if lab.sells_into(place) and artifact.offered_in(place):
            direct = 1.0
            break
    else:
        direct = model.params.world.follower.leakage_share * proxy_share_left(
            model, artifact, jurisdictions)
    return direct * model.distillation_access_factor(jurisdictions, lab)


def proxy_share_left(model: RegSimModel, artifact: ModelArtifact,
                     jurisdictions: list[str]) -> float:
    """Share of the proxy route left for learners in `jurisdictions` (1 under
    `proxy_leakage`; cut by `serving_ban_proxy_cut` under `reseller_chain` where a serving ban
    covers the model there)."""
    params = model.params.world.distillation
    if params.formulation == "proxy_leakage":
        return 1.0
    banned = any(within_any(j, artifact.blocked) for j in jurisdictions)
    return 1.0 - params.serving_ban_proxy_cut if banned else 1.0
