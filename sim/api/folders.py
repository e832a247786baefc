"""Reading a results folder back for the Python API (`sim.open`): a run's, a comparison's,
a finished sweep's or search's, or a discovery or robustness analysis.

A folder is data that may come from anyone: every file is read as a regular file (no link,
device or pipe), size-capped (`sim.files.read_regular_file`), parsed as CSV, JSON or TOML,
never imported or evaluated; scenario names are checked before they name a file; a sweep
folder is checked whole (`sim.analysis.sweep_data.load_sweep`). Problems raise
ResultsFolderError, one line naming the file and what was expected.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

from sim.api.readers import (
    ResultsFolderError,
    first_line,
    read_csv,
    read_events,
    read_json,
    read_text,
)
from sim.experiments.manifests import (
    ManifestError,
    comparison_manifest,
    read_manifest,
    run_manifest,
)
from sim.scenario.toml_guard import loads as toml_loads

MANIFEST, COMPARISON = "manifest.json", "comparison.csv"
ANALYSIS_KINDS = ("discovery", "robustness")


def open_folder(folder: Path):
    """The results in `folder`, by kind (see the module docstring)."""
    if not folder.is_dir():
        raise ResultsFolderError(f"{folder}: not a folder; expected a regsim results folder")
    manifest = read_manifest_of(folder) if os.path.lexists(folder / MANIFEST) else {}
    kind = manifest.get("kind")
    if kind == "sweep":
        return open_sweep(folder)
    if kind == "search":
        return open_search(folder, manifest)
    if kind in ANALYSIS_KINDS:
        return open_analysis(folder, manifest)
    if kind == "comparison" or os.path.lexists(folder / COMPARISON):
        return open_comparison(folder, manifest)
    if manifest.get("scenario_name") is not None:
        return open_run(folder, manifest)
    raise ResultsFolderError(f"{folder}: not a regsim results folder (no {MANIFEST} of a run, "
                             "comparison, sweep, search or analysis)")


def open_search(folder: Path, manifest: dict[str, Any]):
    """A finished policy search (`sim.api.search_results.SearchResults`)."""
    from sim.api.search_results import SearchResults

    if manifest.get("status") != "complete" or not os.path.lexists(folder / "summary.json"):
        raise ResultsFolderError(f"{folder}: a search that has not finished; finish it with "
                                 f"regsim search --resume {folder}")
    return SearchResults(folder)


# Readers -------------------------------------------------------------------------------------


def read_manifest_of(folder: Path) -> dict[str, Any]:
    """The folder's manifest.json as a JSON object (`sim.experiments.manifests`)."""
    return _checked(read_manifest, folder / MANIFEST)


def _checked(reader: Any, *args: Any) -> Any:
    """`reader(*args)` with its ManifestError raised as ResultsFolderError."""
    try:
        return reader(*args)
    except ManifestError as error:
        raise ResultsFolderError(str(error)) from None


# A run -------------------------------------------------------------------------------------


def open_run(folder: Path, manifest: dict[str, Any]):
    """A `regsim run` folder as RunResults: its tables as written (10 significant digits)."""
    from sim.api.results import RunResults
    from sim.experiments.results import ReplicateResult, RunResult

    checked = _checked(run_manifest, manifest, folder / MANIFEST)
    text = read_text(folder / "scenario.toml")
    _parse_toml(text, folder / "scenario.toml")
    summaries = read_csv(folder / "summaries.csv", ("replicate", "seed"))
    series = read_csv(folder / "timeseries.csv", ("replicate",))
    events = read_events(folder / "events.jsonl")
    outcomes = (read_csv(folder / "outcomes.csv", ("outcome", "mean", "ci95_low", "ci95_high"))
                if os.path.lexists(folder / "outcomes.csv") else None)
    by_replicate: dict[int, list[dict[str, Any]]] = {}
    for event in events:
        by_replicate.setdefault(_int(event.get("replicate"), folder / "events.jsonl"),
                                []).append({k: v for k, v in event.items() if k != "replicate"})
    replicates = []
    for row in summaries.to_dict(orient="records"):
        index = _int(row.pop("replicate"), folder / "summaries.csv")
        seed = _int(row.pop("seed"), folder / "summaries.csv")
        own = series[series["replicate"] == index].drop(columns="replicate")
        replicates.append(ReplicateResult(index, seed, own.reset_index(drop=True), row,
                                          by_replicate.get(index, [])))
    months = checked.months
    if months is None:
        months = int(series["replicate"].value_counts().max()) if len(series) else 0
    result = RunResult(
        scenario_name=checked.scenario_name, question=checked.question,
        resolved_scenario_toml=text, scenario_sha256=checked.scenario_sha256,
        root_seed=checked.root_seed,
        replicate_seeds=[r.seed for r in replicates], replicates=replicates,
        timings_s=dict(checked.timings_s), state_names=list(checked.state_names),
        regulator_names=list(checked.regulator_names), start=checked.start or "2024-01",
        months=months, uncertain_parameters=list(checked.uncertain_parameters))
    return RunResults(result, folder, outcomes)


def _parse_toml(text: str, path: Path) -> dict[str, Any]:
    try:
        return toml_loads(text)  # refuses a shape that would take GBs to read, before parsing
    except (ValueError, RecursionError) as error:
        raise ResultsFolderError(f"{path}: expected TOML: {first_line(error)}") from None


def _int(value: Any, path: Path) -> int:
    if isinstance(value, bool):
        raise ResultsFolderError(f"{path}: expected a whole number, found {value!r}")
    try:
        return int(value)
    except (TypeError, ValueError):
        raise ResultsFolderError(f"{path}: expected a whole number, found {value!r:.40}") from None


# A comparison ------------------------------------------------------------------------------


def open_comparison(folder: Path, manifest: dict[str, Any]):
    """A `regsim compare` folder as ComparisonResults."""
    from sim.api.results import ComparisonResults

    checked = _checked(comparison_manifest, manifest, folder / MANIFEST)
    if not checked.complete:
        raise ResultsFolderError(f"{folder}: an incomplete comparison (its runs did not "
                                 "finish); run it again")
    names = [checked.baseline, *checked.policies]
    runs = read_csv(folder / "runs.csv", ("scenario", "replicate", "status"))
    table = read_csv(folder / COMPARISON, ("policy", "outcome", "difference_mean", "ci95_low",
                                           "ci95_high"))
    if "verdict" not in table.columns:
        table["verdict"] = ""
    return ComparisonResults(folder, runs, table, _state_labels(folder, names[0]))


def _state_labels(folder: Path, baseline: str) -> dict[str, str]:
    path = folder / "scenarios" / f"{baseline}.toml"
    if not os.path.lexists(path):
        return {}
    raw = _parse_toml(read_text(path), path)
    states = raw.get("states") if isinstance(raw.get("states"), list) else []
    return {str(s["name"]): str(s.get("label") or s["name"]) for s in states
            if isinstance(s, dict) and isinstance(s.get("name"), str)}


# A sweep and its analyses ------------------------------------------------------------------


def open_sweep(folder: Path):
    """A finished `regsim sweep` folder as SweepResults, checked whole first."""
    from sim.analysis.sweep_data import SweepDataError, load_sweep
    from sim.api.results import SweepResults

    try:
        load_sweep(folder)
    except SweepDataError as error:
        raise ResultsFolderError(str(error)) from None
    return SweepResults(folder)


def open_analysis(folder: Path, manifest: dict[str, Any]):
    """A discovery or robustness folder: its summary and the tables its manifest lists."""
    from sim.api.results import AnalysisFolder

    tables = {}
    for name in manifest.get("tables") or []:
        if not isinstance(name, str) or not re.fullmatch(r"[A-Za-z0-9_]{1,64}\.csv", name):
            raise ResultsFolderError(f"{folder / MANIFEST}: tables: expected file names such as "
                                     f"box.csv; found {name!r:.60}")
        tables[name.removesuffix(".csv")] = read_csv(folder / name)
    return AnalysisFolder(folder, manifest, read_json(folder / "summary.json"), tables)
