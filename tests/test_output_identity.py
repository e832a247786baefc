"""Every output of every bundled scenario (5 seeds, plus variants) is byte-identical to the
digests committed in `benchmarks/output_digests.json`: a speed-up that changes any number, event
or word fails here. A change meant to alter outputs regenerates the file
(`python benchmarks/output_identity.py --write-digests benchmarks/output_digests.json`) and says
so in its commit."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DIGESTS = ROOT / "benchmarks" / "output_digests.json"


def _identity_module():
    spec = importlib.util.spec_from_file_location(
        "output_identity", ROOT / "benchmarks" / "output_identity.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_outputs_match_the_committed_digests():
    identity = _identity_module()
    expected = json.loads(DIGESTS.read_text())
    scenarios = {path.stem for path in (ROOT / "scenarios").glob("*.toml")}
    covered = {name.split("__seed")[0] for name in expected}
    assert scenarios <= covered, "every bundled scenario has digests"
    assert identity.differing_digests(expected) == []
