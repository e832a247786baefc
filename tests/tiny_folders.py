"""Three small real results folders (a run, a comparison, a sweep), built once per test module
and copied by each test that crafts or damages one.

Small on purpose (2 replicates, 12 months or fewer, 200 adopters, one worker, in-process): a
run and a comparison take some 3 s of CPU each, the sweep (2 x 2 x 2 points) about as much.
The sweep's lever `scenario.question` holds spreadsheet formulas, so that its CSV files carry
text a spreadsheet would run.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from click.testing import CliRunner

SMALL_SET = {"scenario.months": 12, "world.ecosystem.adopters": 200}
SMALL = [arg for key, value in SMALL_SET.items() for arg in ("--set", f"{key}={value}")]
FORMULAS = ["=cmd|' /C calc'!A0", "@SUM(1+1)"]
"""Lever values that a spreadsheet would run as formulas (OWASP's CSV injection examples)."""
SWEEP_LEVERS = {"scenario.question": FORMULAS,
                "regulators.us_federal.policies.chip_export_controls.strength": [0.5, 0.9]}
SWEEP_PARAMS = {"world.theft.hazard_per_month_at_parity": [0.0001, 0.05]}
DISCOVER_ARGS = ["--outcome", "state_mean_lag_months__prc", "--above", "9.5"]
"""A discovery the tiny sweep supports: some points are above the value, some below."""


def build(base: Path) -> dict[str, Path]:
    """Build the run, comparison and sweep folders under `base`; return them by kind."""
    import sim
    from sim.cli import main

    base.mkdir(parents=True, exist_ok=True)
    folders = {"run": base / "run", "compare": base / "compare", "sweep": base / "sweep"}
    for kind, arguments in (("run", ["run", "baseline"]),
                            ("compare", ["compare", "baseline", "kill_switch"])):
        result = CliRunner().invoke(main, [*arguments, "-n", "2", *SMALL, "-j", "1", "-q",
                                           "--out", str(folders[kind])])
        assert result.exit_code == 0, result.output
    sim.sweep("baseline", set=SMALL_SET, params=SWEEP_PARAMS, levers=SWEEP_LEVERS,
              replicates=2, workers=1, out=folders["sweep"])
    return folders


def copy(folder: Path, target: Path) -> Path:
    """A copy of `folder` at `target` (links copied as links)."""
    shutil.copytree(folder, target, symlinks=True)
    return target
