"""What `regsim report` reads from a results or compare folder: data only, never code.

Two kinds of folder are read (a sweep folder is refused):

- a results folder (`regsim run`): ``manifest.json`` (required), ``outcomes.csv``,
  ``plots/*.png``, ``events.jsonl`` (every replicate) and ``scenario.toml``;
- a compare folder (`regsim compare`): ``comparison.csv`` (required: one row per policy and
  outcome with ``outcome``, the mean difference and its ``ci95_low``/``ci95_high``),
  ``manifest.json``, ``runs.csv`` (each scenario's outcomes are summarised from it),
  ``scenarios/*.toml``, ``plots/*.png``, and ``timeseries.parquet`` / ``events.parquet``
  (each run's monthly series and event log; older folders and `--no-series` have none),
  and, for a comparison run per formulation, ``formulations.csv`` (each effect under each
  formulation with its robustness verdict) and ``formulation_channels.csv``.

Scenario files are parsed as TOML data for their question, start month and labels; event
logs are streamed later, by the timeline, from the paths recorded here.
"""

from __future__ import annotations

import datetime as dt
import io
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import pandas as pd

from sim.experiments.csv_cells import read_back
from sim.experiments.manifests import (
    ManifestError,
    comparison_manifest,
    is_month,
    is_scenario_name,
    read_manifest,
    run_manifest,
)
from sim.experiments.stats import outcomes_table
from sim.files import MIB, UnreadableFileError, folder_entry, read_regular_file
from sim.presentation.wording import no_exponents
from sim.scenario.toml_guard import TomlShapeError, check_shape
from sim.scenario.toml_guard import loads as toml_loads

MANIFEST = "manifest.json"
COMPARISON = "comparison.csv"
TIMESERIES, EVENTS_PARQUET, EVENTS_JSONL = "timeseries.parquet", "events.parquet", "events.jsonl"
FORMULATIONS, FORMULATION_CHANNELS = "formulations.csv", "formulation_channels.csv"
FORMULATION_COLUMNS = ("policy", "outcome", "label", "unit", "field", "option", "block",
                       "reference", "difference_mean", "ci95_low", "ci95_high", "sign",
                       "robustness", "verdict")
FORMULATION_CHANNEL_COLUMNS = ("block", "policy", "state", "outcome", "component", "mean")
PLOT_ORDER = ("capability", "lags", "diffusion", "kill_switch", "channels", "comparison")
DIFFERENCE_COLUMNS = ("mean_difference", "difference_mean")
"""The mean paired difference is read from whichever of these comparison.csv has."""
MAX_INPUT_BYTES = 256 * MIB
"""Largest file of a folder read for a report (tables, event log, manifest)."""
DEFAULT_START = "2024-01"
"""The schema's default first month, for a folder whose scenario does not say."""


class ReportError(ValueError):
    """The folder cannot be reported on: missing, not a results or compare folder, unreadable."""


@dataclass
class ReportInput:
    """What a brief is made of, read from a results or compare folder.

    `names` lists the scenarios, baseline first; `questions`, `outcomes` and `scenario_texts`
    hold one entry per scenario (name first); `outcomes` frames have the columns of
    `sim.experiments.stats.outcomes_table` for every numeric outcome. `raws` are the resolved
    scenarios as TOML data; `replicates` the successful runs per scenario; `starts` each
    scenario's first month ('YYYY-MM').
    """

    folder: Path
    kind: Literal["run", "comparison"]
    manifest: dict[str, Any]
    names: list[str] = field(default_factory=list)
    questions: list[tuple[str, str]] = field(default_factory=list)
    outcomes: list[tuple[str, pd.DataFrame]] = field(default_factory=list)
    state_names: list[str] = field(default_factory=list)
    state_labels: dict[str, str] = field(default_factory=dict)
    comparison: pd.DataFrame | None = None
    plots: list[Path] = field(default_factory=list)
    scenario_texts: list[tuple[str, str]] = field(default_factory=list)
    raws: dict[str, dict[str, Any]] = field(default_factory=dict)
    replicates: dict[str, int] = field(default_factory=dict)
    starts: dict[str, str] = field(default_factory=dict)
    failed_runs: int = 0
    timeseries_path: Path | None = None
    events_path: Path | None = None
    formulations: pd.DataFrame | None = None
    formulation_channels: pd.DataFrame | None = None

    @property
    def baseline(self) -> str:
        return self.names[0] if self.names else ""

    @property
    def policies(self) -> list[str]:
        return self.names[1:]


def read_folder(folder: str | os.PathLike[str]) -> ReportInput:
    """Read a results folder or a compare folder. Raises ReportError when it is neither."""
    path = Path(folder)
    if not path.exists():
        raise ReportError(f"{path}: no such folder")
    if not path.is_dir():
        raise ReportError(f"{path}: not a folder (give a results or compare folder)")
    if (path / COMPARISON).is_file():
        return read_compare_folder(path)
    if (path / MANIFEST).is_file():
        return read_run_folder(path)
    raise ReportError(
        f"{path}: not a regsim results folder (no {MANIFEST}) nor a compare "
        f"folder (no {COMPARISON})"
    )


def read_run_folder(path: Path) -> ReportInput:
    """A `regsim run` results folder; only `manifest.json` is required."""
    raw = _manifest(path / MANIFEST)
    if raw.get("kind") == "sweep":
        raise ReportError(f"{path} is a sweep folder; `regsim report` writes briefs of run and "
                          "compare folders (a sweep's results are its sensitivity.csv, "
                          "points.csv and plots/)")
    if raw.get("kind") == "comparison":  # no comparison.csv: its runs never finished
        raise ReportError(_incomplete(path))
    if raw.get("kind") is not None:
        raise ReportError(f"{path / MANIFEST}: kind: expected a run or comparison; found "
                          f"{str(raw.get('kind'))[:60]!r}")
    manifest = _checked(run_manifest, raw, path / MANIFEST)
    name = manifest.scenario_name
    report = ReportInput(path, "run", raw, names=[name], plots=_plots(path))
    text = _scenario_text(path / "scenario.toml")
    _add_scenario(report, name, text, manifest.question, path / "scenario.toml")
    report.state_names = list(manifest.state_names)
    report.state_labels = _state_labels(report.raws.get(name, {}), report.state_names)
    report.starts[name] = manifest.start or report.starts[name]
    report.replicates[name] = manifest.replicates or 0
    if (path / "outcomes.csv").is_file():
        report.outcomes.append(
            (name, _read_csv(path / "outcomes.csv", ("outcome", "mean", "ci95_low", "ci95_high")))
        )
    report.events_path = _entry(path / EVENTS_JSONL)
    return report


def read_compare_folder(path: Path) -> ReportInput:
    """A `regsim compare` folder; only `comparison.csv` is required."""
    comparison = _read_csv(path / COMPARISON, ("outcome", "ci95_low", "ci95_high"))
    if not any(column in comparison.columns for column in DIFFERENCE_COLUMNS):
        raise ReportError(f"{path / COMPARISON}: missing column mean_difference")
    manifest = _manifest(path / MANIFEST) if os.path.lexists(path / MANIFEST) else {}
    names = _compared_names(manifest, comparison, path)
    report = ReportInput(path, "comparison", manifest, names=names, comparison=comparison,
                         plots=_plots(path))
    for name in names:
        scenario = path / "scenarios" / f"{name}.toml"
        _add_scenario(report, name, _scenario_text(scenario), "", scenario)
    report.state_names = _states_in(comparison["outcome"])
    report.state_labels = _state_labels(report.raws.get(report.baseline, {}),
                                        report.state_names)
    if (path / "runs.csv").is_file():
        _add_runs(report, path / "runs.csv")
    report.timeseries_path = _entry(path / TIMESERIES)
    report.events_path = _entry(path / EVENTS_PARQUET)
    if os.path.lexists(path / FORMULATIONS):
        report.formulations = _read_csv(path / FORMULATIONS, FORMULATION_COLUMNS)
    if os.path.lexists(path / FORMULATION_CHANNELS):
        report.formulation_channels = _read_csv(path / FORMULATION_CHANNELS,
                                                FORMULATION_CHANNEL_COLUMNS)
    return report


def _add_scenario(report: ReportInput, name: str, text: str | None, question: str,
                  path: Path) -> None:
    raw = _toml(text)
    meta = raw.get("scenario") if isinstance(raw.get("scenario"), dict) else {}
    start = meta.get("start", DEFAULT_START)
    if isinstance(start, dt.date):  # a TOML date
        start = f"{start.year:04d}-{start.month:02d}"
    if not is_month(start):
        raise ReportError(f"{path}: scenario.start: expected a month as 'YYYY-MM' (month "
                          f"01-12); found {str(start)[:40]!r}")
    report.raws[name] = raw
    # The question as a reader reads it: '1e25 FLOP' as a multiple of GPT-4's training compute.
    report.questions.append((name, no_exponents(question or str(meta.get("question") or ""))))
    report.starts[name] = start
    if text is not None:
        report.scenario_texts.append((name, text))


def _add_runs(report: ReportInput, path: Path) -> None:
    from sim.experiments.compare import numeric_outcomes

    runs = _read_csv(path, ("scenario", "status"))
    report.failed_runs = int((runs["status"] != "ok").sum())
    try:
        keys = numeric_outcomes(runs)
    except ValueError:  # no status or error column: a foreign table
        keys = []
    ok = runs[runs["status"] == "ok"]
    for name in report.names:
        mine = ok[ok["scenario"] == name]
        report.replicates[name] = len(mine)
        if len(mine):
            report.outcomes.append((name, outcomes_table(mine, keys)))


def _compared_names(manifest: dict[str, Any], comparison: pd.DataFrame,
                    folder: Path) -> list[str]:
    if manifest:
        checked = _checked(comparison_manifest, manifest, folder / MANIFEST)
        if not checked.complete:
            raise ReportError(_incomplete(folder))
        return [checked.baseline, *checked.policies]
    names = []
    if "policy" in comparison.columns:  # an old folder without a manifest
        names = ["baseline"] + [str(policy) for policy in comparison["policy"].unique()]
    for name in names:  # each names a file scenarios/NAME.toml: no "../" out of the folder
        if not is_scenario_name(name):
            raise ReportError(f"{folder / COMPARISON}: policy: expected scenario names; found "
                              f"{name!r:.60}")
    if not names:
        raise ReportError(f"{folder / COMPARISON}: policy: expected at least one policy")
    return names


def _incomplete(folder: Path) -> str:
    return (f"{folder}: an incomplete comparison (its runs did not finish); run the "
            "comparison again, with --force to replace this folder")


def _manifest(path: Path) -> dict[str, Any]:
    try:
        return read_manifest(path)
    except ManifestError as error:
        raise ReportError(str(error)) from None


def _checked(reader: Any, manifest: dict[str, Any], path: Path) -> Any:
    try:
        return reader(manifest, path)
    except ManifestError as error:
        raise ReportError(str(error)) from None


def _scenario_text(path: Path) -> str | None:
    """A saved scenario's text, if there is one; ReportError if its shape would make reading
    it take GBs (`sim.scenario.toml_guard`)."""
    text = _read_text(path, missing_ok=True)
    if text is not None:
        try:
            check_shape(text)
        except TomlShapeError as error:
            raise ReportError(f"{path}: {error}") from None
    return text


def _toml(text: str | None) -> dict[str, Any]:
    if text is None:
        return {}
    try:
        return toml_loads(text)
    except (ValueError, RecursionError):  # not TOML
        return {}


def _state_labels(raw: dict[str, Any], names: list[str]) -> dict[str, str]:
    labels = {str(s.get("name")): str(s["label"]) for s in raw.get("states") or []
              if isinstance(s, dict) and s.get("label")}
    return {name: labels.get(name, name) for name in names}


def _states_in(outcomes: pd.Series) -> list[str]:
    prefix = "state_mean_lag_months__"
    return sorted({str(o)[len(prefix) :] for o in outcomes if str(o).startswith(prefix)})


def _plots(folder: Path) -> list[Path]:
    plots_dir = folder / "plots"
    if plots_dir.is_symlink() or not plots_dir.is_dir():  # a link would list another folder
        return []
    return sorted(plots_dir.glob("*.png"), key=_plot_rank)


def _plot_rank(path: Path) -> tuple[int, str]:
    stem = path.stem
    return (PLOT_ORDER.index(stem) if stem in PLOT_ORDER else len(PLOT_ORDER), stem)


def _entry(path: Path) -> Path | None:
    """A file read later by path (streamed), if the folder has it: its own regular file only."""
    try:
        return folder_entry(path)
    except UnreadableFileError as error:
        raise ReportError(f"{path}: {error.reason}") from None


def _read_bytes(path: Path) -> bytes:
    """A file of the folder: a regular file (no link, device or pipe), size-capped."""
    try:
        return read_regular_file(path, MAX_INPUT_BYTES, follow_symlinks=False)
    except UnreadableFileError as error:
        raise ReportError(f"{path}: {error.reason}") from None


def _read_text(path: Path, missing_ok: bool = False) -> str | None:
    if missing_ok and not os.path.lexists(path):
        return None
    return _read_bytes(path).decode("utf-8", errors="replace")


def _read_csv(path: Path, required: tuple[str, ...]) -> pd.DataFrame:
    data = _read_bytes(path)
    try:
        frame = read_back(pd.read_csv(io.BytesIO(data)))
    except (UnicodeDecodeError, ValueError, pd.errors.ParserError,
            pd.errors.EmptyDataError) as error:
        raise ReportError(f"{path}: cannot read: {_first_line(error)}") from None
    missing = [column for column in required if column not in frame.columns]
    if missing:
        raise ReportError(f"{path}: missing columns {', '.join(missing)}")
    return frame


def _first_line(error: BaseException) -> str:
    text = str(error).strip().splitlines()
    return text[0] if text else type(error).__name__
