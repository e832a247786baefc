"""The validity report: run every check (`run_checks`), print it, and write its folder.

The folder (default `results/check-<UTC time>`) holds `checks.csv` and `checks.md` (one row per
check), `replay_dates.csv` (each replicate's month of each replay event), `manifest.json` and
`plots/*.png`. Like a run's results folder it is built in a hidden sibling directory and
renamed into place (`sim.experiments.storage`), so it is complete or absent.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import platform
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

import pandas as pd

import sim
from sim.experiments.results import RunResult
from sim.experiments.runner import run_scenario
from sim.experiments.storage import (
    FLOAT_FORMAT,
    MANIFEST_NAME,
    git_state,
    package_versions,
    write_atomically,
)
from sim.scenario.schema import Scenario
from sim.validity import calibration, docking, replay
from sim.validity.checks import KINDS, PASS, Check, format_value
from sim.validity.sources import SOURCES

SECTIONS = {
    "calibration": "Calibration: baseline, 2024-01 to 2026-12",
    "replay": "Historical replay: chatbit_2023 from 2023-07",
    "docking": "Docking with closed-form models",
}


@dataclass(frozen=True)
class CheckSettings:
    """How much work `run_checks` does. Replicates are per scenario (baseline, replay)."""

    replicates: int = 20
    theft_replicates: int = 1000
    theft_hazard_per_month: float = 0.05
    bass_adopters: int = 1_000_000
    bass_months: int = 24

    @classmethod
    def quick(cls, replicates: int | None = None) -> CheckSettings:
        """Fewer replicates, for CI (the Bass docking keeps its million adopters)."""
        return cls(replicates=replicates or 5, theft_replicates=300)


@dataclass
class ValidityReport:
    """Every check with the runs behind it (for plots and the folder)."""

    checks: list[Check]
    settings: CheckSettings
    calibration_run: RunResult
    replay_run: RunResult
    replay_scenario: Scenario
    bass: docking.BassDocking
    theft: docking.TheftDocking
    compute: list[docking.ComputeDocking]
    timings_s: dict[str, float] = field(default_factory=dict)

    def section(self, name: str) -> list[Check]:
        return [check for check in self.checks if check.section == name]

    @property
    def undocumented_failures(self) -> list[Check]:
        """Failed checks with no documented reason: the ones that should stop a release."""
        return [check for check in self.checks if not check.passed and not check.explanation]


def load_bundled(name: str) -> Scenario:
    """A bundled scenario (`scenarios/<name>.toml`), resolved and validated."""
    from sim.scenario.loader import find_scenario, load_scenario

    return load_scenario(find_scenario(name))


def run_checks(
    settings: CheckSettings | None = None, progress: Callable[[str], None] | None = None
) -> ValidityReport:
    """Run the calibration, replay and docking checks; `progress(stage)` after each stage."""
    settings = settings or CheckSettings()
    timings: dict[str, float] = {}
    report_progress = progress or (lambda stage: None)

    def timed(stage: str, work):
        started = time.perf_counter()
        result = work()
        timings[stage] = round(time.perf_counter() - started, 3)
        report_progress(stage)
        return result

    baseline = load_bundled("baseline")
    replay_scenario = load_bundled(replay.SCENARIO)
    calibration_run = timed("calibration", lambda: run_scenario(baseline, settings.replicates))
    replay_run = timed("replay", lambda: run_scenario(replay_scenario, settings.replicates))
    bass = timed("bass", lambda: docking.bass_docking(settings.bass_adopters, settings.bass_months))
    theft = timed(
        "theft",
        lambda: docking.theft_docking(settings.theft_hazard_per_month, settings.theft_replicates),
    )
    formulations = timed("formulations", lambda: calibration.formulation_checks(
        baseline, replay_scenario, lambda scenario: run_scenario(scenario, settings.replicates)))
    compute = timed("compute", lambda: [
        docking.compute_docking(),
        docking.compute_docking(strength=0.75),
        docking.compute_docking(budget_musd=1e6, label="at the feasibility ceiling"),
    ])
    checks = (
        calibration.check_calibration(calibration_run)
        + formulations
        + replay.check_replay(replay_run, replay_scenario)
        + [bass.check()]
        + theft.checks()
        + [c.check() for c in compute]
    )
    return ValidityReport(
        checks,
        settings,
        calibration_run,
        replay_run,
        replay_scenario,
        bass,
        theft,
        compute,
        timings,
    )


# Tables ---------------------------------------------------------------------------------------
def source_numbers(checks: list[Check]) -> dict[str, int]:
    """Reference number of each source, in order of first citation."""
    numbers: dict[str, int] = {}
    for check in checks:
        for key in check.sources:
            numbers.setdefault(key, len(numbers) + 1)
    return numbers


def checks_frame(report: ValidityReport) -> pd.DataFrame:
    """One row per check, with numbers and words (the CSV)."""
    rows = []
    for check in report.checks:
        e = check.estimate
        rows.append(
            {
                "section": check.section,
                "kind": check.kind,
                "check": check.name,
                "target": check.target,
                "sources": "; ".join(SOURCES[k].citation for k in check.sources),
                "statistic": e.statistic,
                "value": e.value,
                "low_95": e.low,
                "high_95": e.high,
                "unit": check.unit,
                "model": check.model_text,
                "n_defined": e.n,
                "replicates": e.replicates,
                "status": check.status,
                "explanation": check.explanation,
                "note": check.note,
            }
        )
    return pd.DataFrame(rows)


def format_report(report: ValidityReport) -> str:
    """The console report: one table per section, then failures' reasons and the sources."""
    numbers = source_numbers(report.checks)
    lines: list[str] = []
    for section, title in SECTIONS.items():
        checks = report.section(section)
        lines += ["", f"{title} ({_section_size(report, section)})"]
        rows = [("check", "kind", "target [source]", "model (95% interval)", "n", "result")]
        rows += [
            (
                c.name,
                c.kind,
                f"{c.target} {_refs(c, numbers)}",
                _with_unit(c),
                f"{c.estimate.n}/{c.estimate.replicates}",
                c.status,
            )
            for c in checks
        ]
        lines += _aligned(rows)
    explained = [c for c in report.checks if c.explanation and not c.passed]
    if explained:
        lines += ["", "Why these targets are not met (see docs/model.md, Calibration):"]
        lines += [f"- {c.name}: {c.explanation}" for c in explained]
    borderline = [c for c in report.checks if c.explanation and c.passed]
    if borderline:
        lines += ["", "Met here but borderline (may fail with other seeds or settings):"]
        lines += [f"- {c.name}: {c.explanation}" for c in borderline]
    lines += ["", "Kinds: " + "; ".join(f"{k}: {v}" for k, v in KINDS.items())]
    lines += ["", "Sources:"]
    lines += [f"[{n}] {SOURCES[key].citation}" for key, n in numbers.items()]
    lines += ["", summary_line(report)]
    return "\n".join(lines)


def summary_line(report: ValidityReport) -> str:
    counts = pd.Series([c.status for c in report.checks]).value_counts()
    parts = [f"{counts.get(status, 0)} {status}" for status in (PASS, "fail (documented)", "FAIL")]
    kinds = pd.Series([c.kind for c in report.checks]).value_counts()
    by_kind = ", ".join(f"{kinds.get(k, 0)} {k}" for k in KINDS)
    return f"{len(report.checks)} checks: " + ", ".join(parts) + f" ({by_kind})"


def to_markdown(report: ValidityReport) -> str:
    """The report as Markdown tables with full citations."""
    numbers = source_numbers(report.checks)
    out = ["# regsim validity report", "", summary_line(report), ""]
    for section, title in SECTIONS.items():
        out += [
            f"## {title} ({_section_size(report, section)})",
            "",
            "| check | kind | target | source | model (95% interval) | n | result | note |",
            "|---|---|---|---|---|---|---|---|",
        ]
        for c in report.section(section):
            note = c.explanation or c.note
            out.append(
                f"| {c.name} | {c.kind} | {c.target} | {_refs(c, numbers)} | {_with_unit(c)} | "
                f"{c.estimate.n}/{c.estimate.replicates} | {c.status} | {note} |"
            )
        out.append("")
    out += ["## Sources", ""] + [f"{n}. {SOURCES[k].citation}" for k, n in numbers.items()]
    return "\n".join(out) + "\n"


def _refs(check: Check, numbers: dict[str, int]) -> str:
    return "[" + ",".join(str(numbers[k]) for k in check.sources) + "]"


def _with_unit(check: Check) -> str:
    text = check.model_text
    return text if check.unit in ("date", "p-value") else f"{text} {check.unit}"


def _section_size(report: ValidityReport, section: str) -> str:
    s = report.settings
    if section == "docking":
        return (
            f"Bass {s.bass_adopters:,} adopters x {s.bass_months} months; theft "
            f"{s.theft_replicates} replicates"
        )
    return f"{s.replicates} replicates"


def _aligned(rows: list[tuple[str, ...]]) -> list[str]:
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return [
        "  " + "  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip()
        for row in rows
    ]


# The folder -----------------------------------------------------------------------------------
PlotWriter = Callable[[ValidityReport, Path], list[Path]]


def write_report(
    report: ValidityReport,
    out_dir: Path,
    force: bool = False,
    plot_writer: PlotWriter | None = None,
) -> Path:
    """Write the report's folder atomically; raises ResultsExistError if it exists (unless
    `force`, which replaces only a regsim results folder)."""
    return write_atomically(
        out_dir, force, lambda folder: _write_contents(report, folder, plot_writer)
    )


def replay_dates_frame(report: ValidityReport) -> pd.DataFrame:
    """Each replicate's month of each replay event ('' when it does not happen)."""
    rows = []
    for replicate in report.replay_run.replicates:
        row: dict[str, object] = {"replicate": replicate.replicate}
        for event in replay.EVENTS:
            month = event.measure(replicate, report.replay_scenario)
            row[event.key] = "" if math.isnan(month) else format_value(month, "date")
        rows.append(row)
    return pd.DataFrame(rows)


def _write_contents(report: ValidityReport, folder: Path, plot_writer: PlotWriter | None) -> None:
    checks_frame(report).to_csv(
        folder / "checks.csv", index=False, float_format=FLOAT_FORMAT, lineterminator="\n"
    )
    replay_dates_frame(report).to_csv(folder / "replay_dates.csv", index=False, lineterminator="\n")
    (folder / "checks.md").write_text(to_markdown(report), encoding="utf-8")
    if plot_writer is not None:
        plot_writer(report, folder / "plots")
    manifest = _manifest(report)
    (folder / MANIFEST_NAME).write_text(
        json.dumps(manifest, indent=2, sort_keys=True) + "\n", encoding="utf-8"
    )


def _manifest(report: ValidityReport) -> dict[str, object]:
    commit, dirty = git_state()
    return {
        "kind": "validity_report",
        "status": "ok",
        "regsim_version": sim.__version__,
        "created_utc": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "settings": asdict(report.settings),
        "timings_s": report.timings_s,
        "calibration_seed": report.calibration_run.root_seed,
        "replay_seed": report.replay_run.root_seed,
        "summary": summary_line(report),
        "python_version": platform.python_version(),
        "packages": package_versions(),
        "git_commit": commit,
        "git_dirty": dirty,
        "command_line": list(sys.argv),
    }
