"""Sweeps: every design point x every replicate, streamed to a results folder as runs finish.

A sweep folder holds:

- `manifest.json`: status ("running" until finalised, then "complete"), root seed and
  replicate seeds, the design (sampler, samples, sampler seed, parameters), the model, counts,
  package versions, git commit, and one entry per session with its executor;
- `scenario.toml` (scenario sweeps): the resolved base scenario the design overrides;
- `design.json` (the exact design, for resuming) and `design.csv` (one row per point);
- `runs.jsonl`: the journal, one line per finished run in completion order;
- `runs.csv`: the final table, one row per run sorted by point and replicate: point_id,
  replicate, seed, future_id, design values, status, outcomes, error, traceback;
- `points.csv`: per point, its future_id, design values, runs ok/failed and the mean of each
  numeric outcome;
- `sensitivity.csv`: tidy sensitivity indices (`sim.experiments.sensitivity`);
- `timeseries.parquet` (with `save_timeseries`): monthly series of every successful run,
  with `point_id` and `replicate` columns (`pandas.read_parquet(path)`);
- `plots/`: sensitivity plots, drawn by the presentation layer.

Replicate r of every point has the same seed (common random numbers). `future_id` names the
future a point faces (its uncertainty values, `sim.experiments.design.future_ids`) or a run
faces (its point's future and its replicate), so lever settings pair on the same futures. A
sweep interrupted anywhere, even by SIGKILL, is finished by `run_sweep` on the same folder:
runs already in the journal are skipped and the final tables are the ones an uninterrupted
sweep writes. A run the machine failed (a full disk, a lost worker) is never recorded, so it is
run again. Before anything runs, the whole folder is checked (`sim.experiments.sweep_folder`):
a folder is data, and nothing named in it is ever imported.
"""

from __future__ import annotations

import json
import os
import platform
import shutil
import sys
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

import sim
from sim.experiments.csv_cells import write_csv
from sim.experiments.design import FUTURE_ID, Design, future_ids, run_future_id
from sim.experiments.engine import OK, EngineStats, is_environment_failure, run_tasks
from sim.experiments.executors import ExecutorInfo
from sim.experiments.experiment_folder import (
    create_folder,
    locked,
    utc_now,
    write_json,
    write_scenario,
)
from sim.experiments.journal import RunJournal, completed_runs, format_cell, write_runs_table
from sim.experiments.models import (
    FunctionModel,
    Model,
    RunTask,
    ScenarioModel,
    registered_function_model,
    registered_name,
)
from sim.experiments.seeds import replicate_seeds
from sim.experiments.sensitivity import analyse, point_means
from sim.experiments.storage import (
    MANIFEST_NAME,
    RECORDED_PACKAGES,
    git_state,
    package_versions,
)
from sim.experiments.sweep_folder import (
    DESIGN_JSON,
    JOURNAL_NAME,
    SweepFolderError,
    VerifiedSweep,
    read_json_file,
    verify_sweep_folder,
)

RUNNING, COMPLETE = "running", "complete"
DESIGN_CSV = "design.csv"
RUNS_NAME, POINTS_NAME = "runs.csv", "points.csv"
SENSITIVITY_NAME, TIMESERIES_NAME = "sensitivity.csv", "timeseries.parquet"
PARTS_DIR = "timeseries.parts"
__all__ = ["SweepFolderError"]  # re-exported: callers catch it from here
SWEEP_PACKAGES = (*RECORDED_PACKAGES, "SALib", "pyarrow", "distributed")

PlotWriter = Callable[[Path], list[Path]]
"""Draws the plots of a finished sweep folder (given the folder) and returns their paths."""


class SweepError(RuntimeError):
    """A sweep folder that cannot be run now (another process holds it)."""


@dataclass(frozen=True)
class SweepStatus:
    """Where a sweep folder stands: runs in the design, runs recorded, its manifest status."""

    folder: Path
    status: str
    total_runs: int
    recorded_runs: int

    @property
    def remaining_runs(self) -> int:
        return self.total_runs - self.recorded_runs


@dataclass(frozen=True)
class SweepSummary:
    """A finished sweep: its folder, run counts by status, and this session's runs and time;
    `engine`: what the engine measured in this session (the runs' own CPU time, chunks, models
    sent to workers)."""

    folder: Path
    total_runs: int
    ok_runs: int
    failed_runs: int
    session_runs: int
    session_s: float
    engine: EngineStats | None = None


# Creating a sweep ----------------------------------------------------------------------------


def create_sweep(
    folder: Path,
    model: ScenarioModel | FunctionModel,
    design: Design,
    root_seed: int,
    replicates: int,
    name: str,
    save_timeseries: bool = False,
    auto_name: bool = False,
) -> Path:
    """Write the folder of a new sweep (manifest, design, scenario) and return its path;
    nothing runs yet. The folder appears whole or not at all.

    Raises ResultsExistError if `folder` exists and is not an empty folder; with `auto_name`
    (a default name), the next free name is taken instead. OSError if it cannot be written.
    """
    return create_folder(folder, "sweep", lambda temporary: _write_new_sweep(
        temporary, model, design, root_seed, replicates, name, save_timeseries), auto_name)


def _write_new_sweep(folder: Path, model: ScenarioModel | FunctionModel, design: Design,
                     root_seed: int, replicates: int, name: str, save_timeseries: bool) -> None:
    model_description = _describe_model(model, folder, save_timeseries)
    write_json(folder / DESIGN_JSON, design.describe())
    write_csv(_design_frame(design), folder / DESIGN_CSV, float_format=None)
    commit, dirty = git_state()
    manifest = {
        "regsim_version": sim.__version__, "kind": "sweep", "status": RUNNING, "name": name,
        "created_utc": utc_now(), "root_seed": int(root_seed), "replicates": int(replicates),
        "replicate_seeds": replicate_seeds(root_seed, replicates),
        "design": {k: v for k, v in design.describe().items() if k not in ("points", "unit")}
        | {"points": len(design)},
        "total_runs": len(design) * replicates, "model": model_description,
        "uncertain_parameters": sorted({k for v in getattr(model, "replicate_values", ())
                                        for k in v}),
        "python_version": platform.python_version(), "platform": platform.platform(),
        "packages": package_versions(SWEEP_PACKAGES), "git_commit": commit, "git_dirty": dirty,
        "command_line": list(sys.argv), "sessions": [],
    }
    write_json(folder / MANIFEST_NAME, manifest)


def _describe_model(model: Model, folder: Path, save_timeseries: bool) -> dict[str, Any]:
    if isinstance(model, ScenarioModel):
        described = write_scenario(model.raw, folder) | {"save_timeseries": save_timeseries}
        if model.replicate_values:  # parameter uncertainty: replicate r's draws at every point
            described["uncertainty_draws"] = [dict(v) for v in model.replicate_values]
        return described
    if isinstance(model, FunctionModel):
        # Only a registered name is ever used to find the model again; the function's own
        # name is kept for the reader, never imported.
        function = model.function
        return {"kind": "function", "name": registered_name(model),
                "function": f"{function.__module__}:{function.__qualname__}",
                "outcome": model.outcome, "pass_seed": model.pass_seed,
                "save_timeseries": False}
    raise TypeError(f"cannot store a {type(model).__name__} for resuming; pass the model to "
                    "run_sweep instead")


def _design_frame(design: Design) -> pd.DataFrame:
    rows = [{"point_id": i, **{k: format_cell(v) for k, v in design.values(i).items()}}
            for i in range(len(design))]
    return pd.DataFrame(rows, columns=["point_id", *design.keys])


# Running and resuming -------------------------------------------------------------------------


def sweep_status(folder: Path) -> SweepStatus:
    """The status of the sweep in `folder`, checked whole (`verify_sweep_folder`);
    SweepFolderError if it is not a sweep folder regsim can run."""
    verified = verify_sweep_folder(Path(folder))
    return _status_of(verified)


def _status_of(verified: VerifiedSweep) -> SweepStatus:
    recorded = len(_done_runs(verified.folder / JOURNAL_NAME))
    manifest = verified.manifest
    return SweepStatus(verified.folder, manifest["status"], manifest["total_runs"], recorded)


def read_manifest(folder: Path) -> dict[str, Any]:
    """The manifest of a sweep folder as stored (unchecked beyond being a sweep's JSON object);
    SweepFolderError if there is none or it is not a sweep's."""
    path = Path(folder) / MANIFEST_NAME
    if not path.exists():
        raise SweepFolderError(f"{folder} is not a sweep folder: no {MANIFEST_NAME}")
    manifest = read_json_file(path, 64 * 1024 * 1024)
    if not isinstance(manifest, dict) or manifest.get("kind") != "sweep":
        raise SweepFolderError(f"{folder} holds results of another kind, not a sweep")
    return manifest


def run_sweep(
    folder: Path,
    executor: ExecutorInfo,
    progress: Callable[[int], None] | None = None,
    plot_writer: PlotWriter | None = None,
    model: Model | None = None,
) -> SweepSummary:
    """Run every run of the sweep in `folder` not yet recorded, then write the final tables.

    Works the same for a new sweep and for one interrupted at any point. The folder is checked
    first (`verify_sweep_folder`: SweepFolderError, nothing runs). `model` defaults to the one
    the folder describes: its scenario, or a function model registered under the name it gives
    (nothing named in a folder is ever imported). Raises SweepError if another process holds
    the folder, and EngineError if the executor loses a run or the machine fails it (what
    finished stays recorded; those runs are run again on resume).
    """
    folder = Path(folder)
    started = time.perf_counter()
    read_manifest(folder)  # a sweep's folder, before anything (the lock) is written in it
    with locked(folder, "sweep", SweepError, SweepFolderError):
        verified = verify_sweep_folder(folder)
        manifest, design = verified.manifest, verified.design
        session_runs, stats = 0, EngineStats()
        if manifest["status"] != COMPLETE:
            model = model or load_model(verified)
            _add_session(folder, manifest, executor)
            session_runs = _run_remaining(folder, manifest, design, model, executor, progress,
                                          stats)
            manifest = finalise(folder, design, manifest, plot_writer)
    runs = manifest["runs"]
    return SweepSummary(folder, manifest["total_runs"], runs["ok"], runs["failed"],
                        session_runs, time.perf_counter() - started, stats)


def load_design(folder: Path) -> Design:
    """The exact design stored in a sweep folder (checked with the whole folder)."""
    return verify_sweep_folder(Path(folder)).design


def load_model(verified: VerifiedSweep) -> Model:
    """The model a checked sweep folder describes: its scenario, or the function model
    registered under its name. SweepFolderError for a function model this process has not
    registered (a folder cannot name code to run)."""
    described = verified.manifest["model"]
    if described["kind"] == "scenario":
        assert verified.scenario_raw is not None
        parts = str(verified.folder.resolve() / PARTS_DIR) if described["save_timeseries"] else None
        draws = tuple(described.get("uncertainty_draws") or ())
        return ScenarioModel(verified.scenario_raw, parts, replicate_values=draws)
    name = described.get("name")
    model = registered_function_model(name) if isinstance(name, str) else None
    if model is None:
        shown = name or described.get("function") or "?"
        raise SweepFolderError(
            f"{verified.folder / MANIFEST_NAME}: model: a function model {str(shown)[:80]!r} "
            "that this regsim has not registered; only scenario sweeps resume from the "
            "command line (from Python, pass the model to run_sweep)")
    if (model.outcome, model.pass_seed) != (described.get("outcome"), described.get("pass_seed")):
        raise SweepFolderError(f"{verified.folder / MANIFEST_NAME}: model: outcome or pass_seed "
                               f"differ from the registered model {name!r}")
    return model


def _run_remaining(folder: Path, manifest: Mapping[str, Any], design: Design, model: Model,
                   executor: ExecutorInfo, progress: Callable[[int], None] | None,
                   stats: EngineStats | None = None) -> int:
    seeds = manifest["replicate_seeds"]
    with RunJournal(folder / JOURNAL_NAME) as journal:
        done = _done_runs(journal.path)

        def jobs() -> Iterator[tuple[Model, RunTask]]:
            for point_id in range(len(design)):
                values = design.values(point_id)
                for replicate, seed in enumerate(seeds):
                    if (point_id, replicate) not in done:
                        yield model, RunTask(point_id, replicate, seed, values)

        def record(run: dict[str, Any]) -> None:
            journal.append(run)
            if progress is not None:
                progress(1)

        remaining = len(design) * len(seeds) - len(done)
        return run_tasks(jobs(), executor, record, total_runs=max(remaining, 0), stats=stats)


def _done_runs(journal_path: Path) -> set[tuple[int, int]]:
    """The runs recorded for good: all but those an environment failure stopped (journals
    written before regsim told the two apart recorded e.g. a full disk as a failed run)."""
    if not journal_path.exists():
        return set()
    return {key for key, offset in completed_runs(journal_path).items()
            if not is_environment_failure(_record_at(journal_path, offset))}


def _add_session(folder: Path, manifest: dict[str, Any], executor: ExecutorInfo) -> None:
    recorded = len(_done_runs(folder / JOURNAL_NAME))
    manifest["sessions"].append({"started_utc": utc_now(), "executor": executor.description,
                                 "runs_already_recorded": recorded})
    write_json(folder / MANIFEST_NAME, manifest)


# Finalising ---------------------------------------------------------------------------------


def finalise(folder: Path, design: Design, manifest: dict[str, Any],
             plot_writer: PlotWriter | None = None) -> dict[str, Any]:
    """Write runs.csv, points.csv, sensitivity.csv, the merged time series and the plots, then
    mark the manifest complete. Returns the updated manifest."""
    counts = _write_tables(folder, design, int(manifest["replicates"]))
    if manifest["model"].get("save_timeseries"):
        merge_timeseries(folder / PARTS_DIR, folder / JOURNAL_NAME, folder / TIMESERIES_NAME)
    if plot_writer is not None:
        plot_writer(folder)
    manifest.update(status=COMPLETE, finished_utc=utc_now(), runs=counts)
    write_json(folder / MANIFEST_NAME, manifest)
    shutil.rmtree(folder / PARTS_DIR, ignore_errors=True)  # merged; only now safe to drop
    return manifest


def _write_tables(folder: Path, design: Design, replicates: int) -> dict[str, int]:
    futures = future_ids(design)

    def run_future(point_id: int, replicate: int) -> dict[str, int]:
        return {FUTURE_ID: run_future_id(futures[point_id], replicate, replicates)}

    write_runs_table(folder / JOURNAL_NAME, folder / RUNS_NAME, [FUTURE_ID, *design.keys],
                     design.values, run_future)
    means = point_means(folder / RUNS_NAME)
    frame = _design_frame(design)
    frame.insert(1, FUTURE_ID, futures)
    points = pd.concat([frame.set_index("point_id"), means], axis=1)
    points.index.name = "point_id"
    _atomic_csv(points.reset_index(), folder / POINTS_NAME)
    outcomes = [c for c in means.columns if c not in ("n_ok", "n_failed")]
    _atomic_csv(analyse(design, means, outcomes), folder / SENSITIVITY_NAME)
    ok, failed = int(means["n_ok"].sum()), int(means["n_failed"].sum())
    return {"ok": ok, "failed": failed, "recorded": ok + failed}


def _atomic_csv(frame: pd.DataFrame, path: Path) -> None:
    temporary = path.with_name(f".{path.name}.tmp")
    write_csv(frame, temporary)
    os.replace(temporary, path)


def merge_timeseries(parts_dir: Path, journal_path: Path, out_path: Path) -> int:
    """Merge the Parquet part of each successful run, in point and replicate order, into one
    file, one part at a time. Returns the number of parts merged."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    from sim.experiments.models import timeseries_part_name

    ok_runs = sorted(key for key, offset in completed_runs(journal_path).items()
                     if _status_at(journal_path, offset) == OK)
    paths = [parts_dir / timeseries_part_name(*key) for key in ok_runs]
    paths = [path for path in paths if path.exists()]
    if not paths:
        return 0
    schema = pa.unify_schemas([pq.read_schema(p) for p in paths],
                              promote_options="permissive").remove_metadata()
    temporary = out_path.with_name(f".{out_path.name}.tmp")
    with pq.ParquetWriter(temporary, schema) as writer:
        for path in paths:
            writer.write_table(_conform(pq.read_table(path), schema))
    os.replace(temporary, out_path)
    return len(paths)


def _conform(table: Any, schema: Any) -> Any:
    import pyarrow as pa

    columns = [table.column(f.name) if f.name in table.column_names
               else pa.nulls(table.num_rows, f.type) for f in schema]
    return pa.Table.from_arrays(columns, schema=schema.remove_metadata()).cast(schema)


def _status_at(journal_path: Path, offset: int) -> str | None:
    return _record_at(journal_path, offset).get("status")


def _record_at(journal_path: Path, offset: int) -> dict[str, Any]:
    with open(journal_path, "rb") as stream:
        stream.seek(offset)
        return json.loads(stream.readline())
