"""Policy instruments. Importing this package registers every kind in `POLICY_KINDS`."""

from sim.model.policies import (  # noqa: F401  (imported to register)
    api_kyc,
    chip_export_controls,
    kill_switch,
    open_weight_licence,
    pre_deployment_evaluation,
    security_standard,
    weight_export_controls,
)
from sim.model.policies.base import POLICY_KINDS, Compliance, Policy, PolicyParams

__all__ = ["POLICY_KINDS", "Compliance", "Policy", "PolicyParams"]
