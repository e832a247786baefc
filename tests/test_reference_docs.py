"""docs/scenarios.md is generated from the schema: it must match what the code accepts."""

from __future__ import annotations

from conftest import REPO

from sim.model.policies import POLICY_KINDS
from sim.scenario.reference import render


def test_scenario_reference_is_up_to_date():
    written = (REPO / "docs" / "scenarios.md").read_text(encoding="utf-8")
    assert written == render(), "regenerate: python -m sim.scenario.reference > docs/scenarios.md"


def test_reference_documents_every_policy_kind():
    text = render()
    for kind in POLICY_KINDS:
        assert f'kind = "{kind}"' in text
