"""The validity report: run every check (`run_checks`), print it, and write its folder.

The folder (default `results/check-<UTC time>`) holds `checks.csv` and `checks.md` (one row per
check), `replay_dates.csv` (each replicate's month of each replay event), `manifest.json` and
`plots/*.png`. Like a run's results folder it is built in a hidden sibling directory and
renamed into place (`sim.experiments.storage`), so it is complete or absent.

With several formulations (`run_checks(..., formulation={key: name})`, one report each) the
folder holds one `checks.csv`/`checks.md` over all of them (a `formulation` column, a section
each) and one subfolder per formulation with its replay dates and plots.

`CheckSettings.also_at` re-evaluates every row on the first N replicates of the same runs (the
replicates of `regsim check --replicates N`, whose seeds are a prefix of the larger run's): a
row whose status differs between the counts is borderline, and the report says so with both
figures.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import platform
import re
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

import pandas as pd

import sim
from sim.experiments.csv_cells import write_csv
from sim.experiments.results import RunResult
from sim.experiments.runner import run_scenario
from sim.experiments.storage import (
    MANIFEST_NAME,
    git_state,
    package_versions,
    write_atomically,
)
from sim.scenario.schema import Scenario
from sim.validity import calibration, docking, evidence, replay
from sim.validity.checks import DATE, KINDS, PASS, Check, format_value, label_checks
from sim.validity.sources import SOURCES

SECTIONS = {
    "calibration": "Calibration: baseline, 2024-01 to 2026-12",
    "evidence": "Independent measurements: baseline from 2024-01",
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
    also_at: tuple[int, ...] = ()
    """Smaller replicate counts at which every row is re-evaluated (on the first N replicates)."""

    @classmethod
    def quick(cls, replicates: int | None = None, also_at: tuple[int, ...] = ()
              ) -> CheckSettings:
        """Fewer replicates, for CI (the Bass docking keeps its million adopters)."""
        return cls(replicates=replicates or 5, theft_replicates=300, also_at=also_at)


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
    formulation: dict[str, str] = field(default_factory=dict)
    """The formulation checked ({} for the scenarios as bundled)."""
    at_fewer: dict[int, list[Check]] = field(default_factory=dict)
    """The same rows evaluated on the first N replicates (`CheckSettings.also_at`)."""

    @property
    def label(self) -> str:
        """'world.follower.catch_up=NAME' (several joined by ', '), or 'as bundled'."""
        return ", ".join(f"{k}={v}" for k, v in self.formulation.items()) or "as bundled"

    def section(self, name: str) -> list[Check]:
        return [check for check in self.checks if check.section == name]

    def unstable(self) -> list[tuple[Check, int, Check]]:
        """(row, N, row at N replicates) where the status differs between the counts."""
        out = []
        for count, rows in sorted(self.at_fewer.items()):
            for full, fewer in zip(self.checks, rows, strict=True):
                if full.status != fewer.status:
                    out.append((full, count, fewer))
        return out

    @property
    def undocumented_failures(self) -> list[Check]:
        """Failed checks with no documented reason: the ones that should stop a release."""
        return [check for check in self.checks if not check.passed and not check.explanation]


def load_bundled(name: str, overrides: list[str] | None = None) -> Scenario:
    """A bundled scenario (`scenarios/<name>.toml`), resolved, overridden and validated."""
    from sim.scenario.loader import find_scenario, load_scenario

    return load_scenario(find_scenario(name), overrides or ())


def run_checks(
    settings: CheckSettings | None = None,
    progress: Callable[[str], None] | None = None,
    formulation: dict[str, str] | None = None,
) -> ValidityReport:
    """Run the calibration, evidence, replay and docking checks; `progress(stage)` after each
    stage. `formulation` ({schema key: name}) sets formulation fields in both scenarios."""
    from sim.validity.formulations import formulation_overrides

    settings = settings or CheckSettings()
    formulation = dict(formulation or {})
    overrides = formulation_overrides(formulation)
    timings: dict[str, float] = {}
    report_progress = progress or (lambda stage: None)

    def timed(stage: str, work):
        started = time.perf_counter()
        result = work()
        timings[stage] = round(time.perf_counter() - started, 3)
        report_progress(stage)
        return result

    baseline = load_bundled("baseline", overrides)
    replay_scenario = load_bundled(replay.SCENARIO, overrides)
    calibration_run = timed("calibration", lambda: run_scenario(baseline, settings.replicates))
    replay_run = timed("replay", lambda: run_scenario(replay_scenario, settings.replicates))
    bass = timed("bass", lambda: docking.bass_docking(settings.bass_adopters, settings.bass_months))
    theft = timed(
        "theft",
        lambda: docking.theft_docking(settings.theft_hazard_per_month, settings.theft_replicates),
    )
    formulation_runs = timed("formulations", lambda: calibration.formulation_runs(
        baseline, replay_scenario, lambda scenario: run_scenario(scenario, settings.replicates)))
    compute = timed("compute", lambda: [
        docking.compute_docking(),
        docking.compute_docking(strength=0.75),
        docking.compute_docking(budget_musd=1e6, label="at the feasibility ceiling"),
    ])
    docked = [bass.check(), *theft.checks(), *(c.check() for c in compute)]

    def rows(count: int) -> list[Check]:
        """Every model row measured on the first `count` replicates of each run."""
        return _model_checks(
            _first(calibration_run, count), _first(replay_run, count), replay_scenario,
            {name: (_first(base, count), _first(short, count))
             for name, (base, short) in formulation_runs.items()})

    checks = rows(settings.replicates) + docked
    at_fewer = {count: rows(count) + docked
                for count in settings.also_at if 2 <= count < settings.replicates}
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
        formulation,
        at_fewer,
    )


def _model_checks(calibration_run: RunResult, replay_run: RunResult, replay_scenario: Scenario,
                  formulation_runs: dict[str, tuple[RunResult, RunResult]]) -> list[Check]:
    """Rows measured on the baseline, each catch-up formulation and the replay, labelled (kinds
    derived from data)."""
    rows = (calibration.check_calibration(calibration_run)
            + calibration.formulation_checks(formulation_runs, replay_scenario)
            + evidence.check_evidence(calibration_run)
            + replay.check_replay(replay_run, replay_scenario))
    return label_checks(rows)


def _first(run: RunResult, count: int) -> RunResult:
    """The run's first `count` replicates (those of a run with `count` replicates)."""
    from dataclasses import replace

    return replace(run, replicates=run.replicates[:count],
                   replicate_seeds=run.replicate_seeds[:count])


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
                "formulation": report.label,
                "section": check.section,
                "kind": check.kind,
                "basis": check.basis,
                "check": check.name,
                "target": check.target,
                "sources": "; ".join(SOURCES[k].citation for k in check.sources),
                "source_identities": "; ".join(SOURCES[k].identity for k in check.sources),
                "statistic": e.statistic,
                "value": e.value,
                "low_95": e.low,
                "high_95": e.high,
                "value_low_95": e.value_low,
                "value_high_95": e.value_high,
                "unit": check.unit,
                "model": check.model_text,
                "n_defined": e.n,
                "replicates": e.replicates,
                "status": check.status,
                "margin": check.margin,
                "borderline": borderline_text(report, check),
                "explanation": check.explanation,
                "note": check.note,
            }
        )
    return pd.DataFrame(rows)


def margin_text(check: Check) -> str:
    """The margin in the row's unit ('+2 months', '-0.05 OOM/yr')."""
    if math.isnan(check.margin):
        return ""
    if math.isinf(check.margin):
        return "+inf" if check.margin > 0 else "-inf"
    unit = "months" if check.unit == DATE else check.unit
    return f"{check.margin:+.3g} {unit}"


def borderline_text(report: ValidityReport, check: Check) -> str:
    """Why a passing row is borderline ('' if it is not): its interval reaches past a bound, or
    its status differs at a smaller replicate count (with that count's figures)."""
    reasons = []
    if check.passed and check.borderline:
        e = check.estimate
        if check.unit == DATE and 0 <= check.margin < 1:
            reasons.append("it passes with no month to spare")
        else:
            reasons.append(f"the 95% interval of its {e.statistic} "
                           f"({format_value(e.value_low, check.unit)} to "
                           f"{format_value(e.value_high, check.unit)}) reaches past the "
                           "acceptance")
    for count, rows in sorted(report.at_fewer.items()):
        fewer = next((row for row in rows if row.name == check.name), None)
        if fewer is None or not check.passed:
            continue
        if fewer.status != check.status:
            reasons.append(f"{fewer.status} at {count} replicates: {_with_unit(fewer)}, margin "
                           f"{margin_text(fewer)}")
        elif fewer.borderline:
            reasons.append(f"borderline at {count} replicates: {_with_unit(fewer)}, margin "
                           f"{margin_text(fewer)}")
    return "; ".join(reasons)


def format_report(report: ValidityReport) -> str:
    """The console report: one table per section, then borderline rows, failures' reasons,
    what each row rests on and the sources."""
    numbers = source_numbers(report.checks)
    lines: list[str] = []
    if report.formulation:
        lines += ["", f"=== Formulation: {report.label} ==="]
    for section, title in SECTIONS.items():
        checks = report.section(section)
        lines += ["", f"{title} ({_section_size(report, section)})"]
        rows = [("check", "kind", "target [source]", "model (95% interval)", "n", "margin",
                 "result")]
        rows += [
            (
                c.name,
                c.kind,
                f"{c.target} {_refs(c, numbers)}",
                _with_unit(c),
                f"{c.estimate.n}/{c.estimate.replicates}",
                margin_text(c),
                c.status + (" (borderline)" if borderline_text(report, c) else ""),
            )
            for c in checks
        ]
        lines += _aligned(rows)
    borderline = [(c, borderline_text(report, c)) for c in report.checks]
    borderline = [(c, why) for c, why in borderline if why]
    if borderline:
        lines += ["", "Borderline (passes here, may fail with other seeds or replicate counts):"]
        for c, why in borderline:
            lines.append(f"- {c.name}: {_with_unit(c)}, margin {margin_text(c)}; {why}"
                         + (f". {c.explanation}" if c.explanation else ""))
    explained = [c for c in report.checks if c.explanation and not c.passed]
    if explained:
        lines += ["", "Why these targets are not met (see docs/model.md, Validity):"]
        lines += [f"- {c.name}: {c.explanation}" for c in explained]
    lines += ["", "What each row rests on (its kind is derived from this):"]
    lines += [f"- {c.name}: {c.basis}" for c in report.checks if c.section != "docking"]
    lines += ["- docking rows: by construction: the code against closed forms of its equations"]
    lines += ["", "Kinds: " + "; ".join(f"{k}: {v}" for k, v in KINDS.items())]
    lines += ["", "Sources:"]
    lines += [f"[{n}] {SOURCES[key].citation}" for key, n in numbers.items()]
    lines += ["", summary_line(report)]
    return "\n".join(lines)


def format_reports(reports: list[ValidityReport]) -> str:
    """Several formulations' reports, one after the other, then a line per formulation."""
    if len(reports) == 1:
        return format_report(reports[0])
    text = "\n".join(format_report(report) for report in reports)
    return text + "\n\nBy formulation:\n" + "\n".join(
        f"- {report.label}: {summary_line(report)}" for report in reports)


def summary_line(report: ValidityReport) -> str:
    counts = pd.Series([c.status for c in report.checks]).value_counts()
    parts = [f"{counts.get(status, 0)} {status}" for status in (PASS, "fail (documented)", "FAIL")]
    kinds = pd.Series([c.kind for c in report.checks]).value_counts()
    by_kind = ", ".join(f"{kinds.get(k, 0)} {k}" for k in KINDS)
    border = sum(1 for c in report.checks if borderline_text(report, c))
    return (f"{len(report.checks)} checks: " + ", ".join(parts) + f" ({by_kind}); "
            f"{border} borderline")


def to_markdown(report: ValidityReport, title: str = "# regsim validity report") -> str:
    """The report as Markdown tables with full citations."""
    numbers = source_numbers(report.checks)
    out = [title, "", f"Formulation: {report.label}", "", summary_line(report), ""]
    for section, heading in SECTIONS.items():
        out += [
            f"## {heading} ({_section_size(report, section)})",
            "",
            "| check | kind | target | source | model (95% interval) | n | margin | result | "
            "note |",
            "|---|---|---|---|---|---|---|---|---|",
        ]
        for c in report.section(section):
            note = "; ".join(x for x in (borderline_text(report, c), c.explanation or c.note,
                                         c.basis) if x)
            out.append(
                f"| {c.name} | {c.kind} | {c.target} | {_refs(c, numbers)} | {_with_unit(c)} | "
                f"{c.estimate.n}/{c.estimate.replicates} | {margin_text(c)} | {c.status} | "
                f"{note} |"
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


def write_reports(
    reports: list[ValidityReport],
    out_dir: Path,
    force: bool = False,
    plot_writer: PlotWriter | None = None,
) -> Path:
    """One folder for one report (`write_report`) or for several formulations' reports: the
    tables over all of them, and a subfolder per formulation with its replay dates and plots."""
    if len(reports) == 1:
        return write_report(reports[0], out_dir, force, plot_writer)
    return write_atomically(
        out_dir, force, lambda folder: _write_several(reports, folder, plot_writer)
    )


def formulation_slug(report: ValidityReport) -> str:
    """A folder name for a formulation: its label with every other character as '_'."""
    return re.sub(r"[^A-Za-z0-9._=-]+", "_", report.label).strip("_") or "as_bundled"


def _write_several(reports: list[ValidityReport], folder: Path,
                   plot_writer: PlotWriter | None) -> None:
    frame = pd.concat([checks_frame(report) for report in reports], ignore_index=True)
    write_csv(frame, folder / "checks.csv")
    markdown = "\n".join(to_markdown(r, f"# regsim validity report: {r.label}") for r in reports)
    (folder / "checks.md").write_text(markdown, encoding="utf-8")
    for report in reports:
        sub = folder / formulation_slug(report)
        sub.mkdir()
        write_csv(replay_dates_frame(report), sub / "replay_dates.csv", float_format=None)
        if plot_writer is not None:
            plot_writer(report, sub / "plots")
    manifest = _manifest(reports[0])
    manifest["formulations"] = {r.label: summary_line(r) for r in reports}
    manifest["summary"] = "; ".join(f"{r.label}: {summary_line(r)}" for r in reports)
    (folder / MANIFEST_NAME).write_text(
        json.dumps(manifest, indent=2, sort_keys=True) + "\n", encoding="utf-8"
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
    write_csv(checks_frame(report), folder / "checks.csv")
    write_csv(replay_dates_frame(report), folder / "replay_dates.csv", float_format=None)
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
        "formulation": report.formulation,
        "python_version": platform.python_version(),
        "packages": package_versions(),
        "git_commit": commit,
        "git_dirty": dirty,
        "command_line": list(sys.argv),
    }
