"""Policy instruments. Importing this package registers every kind in `POLICY_KINDS`."""

from sim.model.policies import (  # noqa: F401  (imported to register)
    api_kyc,
    chip_export_controls,
    gpai_obligations,
    kill_switch,
    open_weight_licence,
    pre_deployment_evaluation,
    security_standard,
    transparency,
    weight_export_controls,
)
from sim.model.policies.base import POLICY_KINDS, Policy, PolicyParams, Terms

__all__ = ["POLICY_KINDS", "Policy", "PolicyParams", "Terms"]
