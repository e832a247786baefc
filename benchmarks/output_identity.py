"""Dump every output of a set of replicates, to check that a speed-up changed no number.

For each bundled scenario and seeds 0-4 (plus a few variants that exercise dated changes,
parameter uncertainty and tiny or large populations), one replicate's time series
(`to_csv()`, its dtypes and the raw bytes of each column), summary and event log (JSON, keys
in order) are written under `--out`, with a manifest of SHA-256 digests. `--compare OTHER`
then reports every file whose bytes differ from the same file under OTHER.

    python benchmarks/output_identity.py --out /tmp/before
    python benchmarks/output_identity.py --out /tmp/after --compare /tmp/before

`--fast-path` also checks, for every case, that `run_replicate(..., timeseries=False)` gives a
summary byte-identical to the full path's (where the runner supports it).
"""

from __future__ import annotations

import argparse
import copy
import hashlib
import inspect
import json
import sys
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
SEEDS = range(5)


def cases() -> list[tuple[str, object]]:
    """(case name, Scenario) for every bundled scenario and the variants."""
    from sim.scenario.loader import load_scenario
    from sim.scenario.schema import Scenario

    found = []
    for path in sorted((REPO / "scenarios").glob("*.toml")):
        found.append((path.stem, load_scenario(path)))
    baseline = load_scenario(REPO / "scenarios" / "baseline.toml")
    found.append(("baseline_adopters_37", load_scenario(
        REPO / "scenarios" / "baseline.toml", ["world.ecosystem.adopters=37"])))
    found.append(("kill_switch_short_cadence", load_scenario(
        REPO / "scenarios" / "kill_switch.toml",
        ["regulators.california.policies.kill_switch.threshold_usd=1000000.0",
         "world.compliance.planning_horizon_months=6"])))
    raw = copy.deepcopy(baseline.to_toml_dict())
    raw["changes"] = [
        {"month": "2026-01", "set": {
            "regulators.us_federal.policies.chip_export_controls.strength": 0.95,
            "developers.meta.security_level": 4,
            "world.follower.leakage_share": 0.4}},
        {"month": "2027-06", "set": {"developers.meta.markets": ["US", "ROW"]}},
    ]
    found.append(("baseline_with_changes", Scenario.model_validate(raw)))
    return found


def uncertain_cases():
    """Baseline replicates with parameters drawn (`regsim run --uncertainty`)."""
    from sim.experiments import uncertainty
    from sim.scenario.loader import load_scenario

    baseline = load_scenario(REPO / "scenarios" / "baseline.toml")
    parameters = uncertainty.declared(baseline)
    drawn = uncertainty.draws(parameters, 11, len(SEEDS))
    raw = baseline.to_toml_dict()
    return [(f"baseline_uncertain_{i}", uncertainty.with_values(raw, drawn[i]))
            for i in range(len(SEEDS))]


def frame_bytes(frame) -> str:
    """A digest of the frame's column names, dtypes and raw values (beyond what CSV shows)."""
    digest = hashlib.sha256()
    for name in frame.columns:
        column = frame[name]
        digest.update(f"{name}|{column.dtype}|".encode())
        values = column.to_numpy()
        if values.dtype == object:
            digest.update(repr(values.tolist()).encode())
        else:
            digest.update(np.ascontiguousarray(values).tobytes())
    return digest.hexdigest()


def dump_one(out: Path, name: str, scenario, seed: int, fast_path: bool) -> list[str]:
    """Write one replicate's outputs; return any problems found with the fast path."""
    from sim.experiments.runner import run_replicate

    result = run_replicate(scenario, seed, 0)
    stem = out / f"{name}__seed{seed}"
    stem.with_suffix(".timeseries.csv").write_text(result.timeseries.to_csv())
    stem.with_suffix(".timeseries.sha256").write_text(frame_bytes(result.timeseries) + "\n")
    stem.with_suffix(".summary.json").write_text(json.dumps(result.summary, indent=1) + "\n")
    stem.with_suffix(".events.json").write_text(json.dumps(result.events, indent=1) + "\n")
    if not fast_path:
        return []
    quick = run_replicate(scenario, seed, 0, timeseries=False)
    problems = []
    if json.dumps(quick.summary) != json.dumps(result.summary):
        problems.append(f"{name} seed {seed}: the fast path's summary differs")
    if json.dumps(quick.events) != json.dumps(result.events):
        problems.append(f"{name} seed {seed}: the fast path's events differ")
    if quick.timeseries is not None and len(quick.timeseries.columns):
        problems.append(f"{name} seed {seed}: the fast path returned a time series")
    return problems


def manifest(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.iterdir()) if p.name != "MANIFEST"}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--compare", type=Path)
    parser.add_argument("--fast-path", action="store_true")
    args = parser.parse_args()
    if args.fast_path:
        from sim.experiments.runner import run_replicate

        if "timeseries" not in inspect.signature(run_replicate).parameters:
            parser.error("this runner has no summaries-only fast path")
    args.out.mkdir(parents=True, exist_ok=True)
    problems = []
    everything = cases()
    for name, scenario in everything:
        for seed in SEEDS:
            problems += dump_one(args.out, name, scenario, seed, args.fast_path)
    for name, scenario in uncertain_cases():
        problems += dump_one(args.out, name, scenario, 0, args.fast_path)
    digests = manifest(args.out)
    (args.out / "MANIFEST").write_text(
        "".join(f"{digest}  {name}\n" for name, digest in digests.items()))
    print(f"{len(digests)} files written to {args.out}")
    if args.compare:
        theirs = manifest(args.compare)
        differing = sorted(n for n in digests.keys() | theirs.keys()
                           if digests.get(n) != theirs.get(n))
        problems += [f"differs from {args.compare}: {n}" for n in differing]
        print(f"compared {len(digests)} files with {args.compare}: {len(differing)} differ")
    for problem in problems:
        print(problem)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
