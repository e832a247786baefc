"""Analysis folders: the tables, summary and plots of one analysis of a sweep, written as a
subfolder of the sweep folder (or elsewhere), atomically and never over existing results.

A folder holds `manifest.json` (what was analysed, with which settings and package versions),
`summary.json`, one CSV per table and `plots/*.png`. It is built in a hidden sibling folder and
renamed into place (`sim.experiments.storage.write_atomically`), so it is whole or absent.
With `force`, only an analysis folder of the same kind is replaced, never a sweep or run.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import re
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

import sim
from sim.analysis.sweep_data import SweepDataError
from sim.experiments.csv_cells import write_csv
from sim.experiments.storage import (
    MANIFEST_NAME,
    RECORDED_PACKAGES,
    ResultsExistError,
    package_versions,
    write_atomically,
)

SUMMARY_NAME, PLOTS_DIR = "summary.json", "plots"
ANALYSIS_PACKAGES = (*RECORDED_PACKAGES, "prim", "scikit-learn")

PlotWriter = Callable[[Path], list[Path]]
"""Draws the plots of an analysis folder (given its plots folder) and returns their paths."""


def default_folder(sweep_folder: Path, *parts: str) -> Path:
    """`<sweep folder>/<parts joined by '-'>`, made safe for a file name."""
    name = "-".join(re.sub(r"[^A-Za-z0-9._-]+", "_", part) for part in parts if part)
    return Path(sweep_folder) / name.strip(".-")


def check_target(out_dir: Path, sweep_folder: Path, kind: str, force: bool) -> None:
    """SweepDataError unless the analysis may be written to `out_dir`: not the sweep folder or
    one of its parents, and, if it exists, replaced only with `force` and only if it holds an
    analysis of the same `kind`."""
    out, sweep = Path(out_dir).resolve(), Path(sweep_folder).resolve()
    if out == sweep or out in sweep.parents:
        raise SweepDataError(f"--out {out_dir}: would replace the sweep folder itself; choose "
                             "another folder")
    if not Path(out_dir).exists():
        return
    if not force:
        raise SweepDataError(f"{out_dir} already exists; choose another --out or pass --force "
                             "to replace it")
    try:
        existing = json.loads((Path(out_dir) / MANIFEST_NAME).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        existing = {}
    if not isinstance(existing, dict) or existing.get("kind") != kind:
        raise SweepDataError(f"{out_dir} does not hold a regsim {kind} analysis; not "
                             "replacing it")


def write_analysis(
    out_dir: Path,
    kind: str,
    sweep_folder: Path,
    summary: Mapping[str, Any],
    tables: Mapping[str, pd.DataFrame],
    force: bool = False,
    plot_writer: PlotWriter | None = None,
) -> Path:
    """Write an analysis folder: `manifest.json`, `summary.json`, `<name>.csv` per table and
    the plots; return its path. SweepDataError if the target may not be written."""
    check_target(out_dir, sweep_folder, kind, force)

    def fill(folder: Path) -> None:
        for name, frame in tables.items():
            write_csv(frame, folder / f"{name}.csv")
        _write_json(folder / SUMMARY_NAME, summary)
        if plot_writer is not None:
            (folder / PLOTS_DIR).mkdir()
            plot_writer(folder / PLOTS_DIR)
        _write_json(folder / MANIFEST_NAME, {
            "kind": kind, "regsim_version": sim.__version__,
            "sweep": str(Path(sweep_folder).resolve()),
            "created_utc": dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "settings": summary.get("settings", {}),
            "packages": package_versions(ANALYSIS_PACKAGES),
            "tables": [f"{name}.csv" for name in tables],
        })

    try:
        return write_atomically(Path(out_dir), force, fill)
    except ResultsExistError as error:
        raise SweepDataError(str(error)) from None


def jsonable(value: Any) -> Any:
    """Plain JSON types: numpy scalars unwrapped, non-finite floats as null."""
    if isinstance(value, Mapping):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    if isinstance(value, np.generic):
        return jsonable(value.item())
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, Path):
        return str(value)
    return value


def records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """A table's rows as plain JSON-able dicts (NaN as None)."""
    return [jsonable(row) for row in frame.to_dict(orient="records")]


def _write_json(path: Path, data: Mapping[str, Any]) -> None:
    text = json.dumps(jsonable(data), indent=2, allow_nan=False)
    path.write_text(text + "\n", encoding="utf-8")
