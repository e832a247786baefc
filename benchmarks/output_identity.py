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

`--write-digests FILE` writes one SHA-256 per replicate (over its series and event log, byte for
byte, and its summary with floats to 10 significant digits) at small settings (`SMALL_ADOPTERS`
adopters, the full horizon), and `--check-digests FILE` compares a fresh run with them: the test
suite does so against the committed `output_digests.json` (tests/test_output_identity.py), so
any change of any output fails CI on both interpreters.
Regenerate the file only for a change meant to alter outputs, and say so in its commit. The
summary is rounded there because a few of its fitted rates (least squares in numpy) differ in the
last bits between numpy versions (Python 3.11/numpy 2.4 against 3.12/numpy 2.5): the digests are
the same on both interpreters; the series and the events are identical bit for bit on both. The
`--out`/`--compare` check compares the summary's exact bytes, on one interpreter.

    python benchmarks/output_identity.py --check-digests benchmarks/output_digests.json
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
SMALL_ADOPTERS = 300
"""Adopters in every case of the digest check (the model's other agents are the scenario's
own): small, so the suite's check costs seconds, with the full horizon and every decision."""


def _loader(small: bool):
    """`load_scenario`, at small settings (`SMALL_ADOPTERS`) when `small`: later overrides win,
    so a case that sets its own adopters keeps them."""
    from sim.scenario.loader import load_scenario

    def load(path: Path, overrides: list[str] | None = None):
        extra = [f"world.ecosystem.adopters={SMALL_ADOPTERS}"] if small else []
        return load_scenario(path, extra + list(overrides or []))

    return load


def cases(small: bool = False) -> list[tuple[str, object]]:
    """(case name, Scenario) for every bundled scenario and the variants."""
    from sim.scenario.schema import Scenario

    load_scenario = _loader(small)
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


def uncertain_cases(small: bool = False):
    """Baseline replicates with parameters drawn (`regsim run --uncertainty`)."""
    from sim.experiments import uncertainty

    baseline = _loader(small)(REPO / "scenarios" / "baseline.toml")
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


def replicate_files(result) -> dict[str, str]:
    """One replicate's output files (suffix: text): its series (CSV and raw bytes), its summary
    and its event log."""
    return {
        ".timeseries.csv": result.timeseries.to_csv(),
        ".timeseries.sha256": frame_bytes(result.timeseries) + "\n",
        ".summary.json": json.dumps(result.summary, indent=1) + "\n",
        ".events.json": json.dumps(result.events, indent=1) + "\n",
    }


def dump_one(out: Path, name: str, scenario, seed: int, fast_path: bool) -> list[str]:
    """Write one replicate's outputs; return any problems found with the fast path."""
    from sim.experiments.runner import run_replicate

    result = run_replicate(scenario, seed, 0)
    stem = out / f"{name}__seed{seed}"
    for suffix, text in replicate_files(result).items():
        stem.with_suffix(suffix).write_text(text)
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


def all_cases(small: bool) -> list[tuple[str, object, int]]:
    """(case name, Scenario, seed) for every replicate the check runs."""
    runs = [(name, scenario, seed) for name, scenario in cases(small) for seed in SEEDS]
    return runs + [(name, scenario, 0) for name, scenario in uncertain_cases(small)]


def portable_summary(summary: dict) -> str:
    """The summary as JSON with floats to 10 significant digits: the same on every platform
    this project supports (see the module's docstring)."""
    rounded = {key: float(f"{value:.10g}") if isinstance(value, float) else value
               for key, value in summary.items()}
    return json.dumps(rounded, indent=1) + "\n"


def replicate_digests() -> dict[str, str]:
    """'case__seedN': SHA-256 over the replicate's outputs (`portable_summary`), at small
    settings."""
    from sim.experiments.runner import run_replicate

    found = {}
    for name, scenario, seed in all_cases(small=True):
        result = run_replicate(scenario, seed, 0)
        files = replicate_files(result)
        files[".summary.json"] = portable_summary(result.summary)
        digest = hashlib.sha256()
        for suffix, text in files.items():
            digest.update(f"{suffix}\n{len(text)}\n{text}".encode())
        found[f"{name}__seed{seed}"] = digest.hexdigest()
    return found


def differing_digests(expected: dict[str, str]) -> list[str]:
    """The replicates whose digest differs from `expected` (or is missing on either side)."""
    found = replicate_digests()
    return sorted(n for n in found.keys() | expected.keys() if found.get(n) != expected.get(n))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path)
    parser.add_argument("--compare", type=Path)
    parser.add_argument("--fast-path", action="store_true")
    parser.add_argument("--write-digests", type=Path, metavar="FILE")
    parser.add_argument("--check-digests", type=Path, metavar="FILE")
    args = parser.parse_args()
    if args.write_digests:
        found = replicate_digests()
        args.write_digests.write_text(json.dumps(found, indent=1, sort_keys=True) + "\n")
        print(f"digests written to {args.write_digests}")
        return 0
    if args.check_digests:
        differing = differing_digests(json.loads(args.check_digests.read_text()))
        print(f"{len(differing)} replicates differ from {args.check_digests}")
        for name in differing:
            print(f"differs: {name}")
        return 1 if differing else 0
    if args.out is None:
        parser.error("--out is required unless --write-digests or --check-digests is given")
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
