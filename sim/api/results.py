"""The results the Python API returns (`sim.api`): tables as pandas DataFrames, plots as
matplotlib Figures, and `.save(folder)` writing the folder the matching command writes.

Units are the model's (docs/model.md, "Outputs"); every outcome table has `label` (the
outcome in words) and `unit` columns beside its `outcome` key, and every DataFrame a result
returns carries `df.attrs["units"]` ({column: unit}, `sim.api.units`).
"""

from __future__ import annotations

import functools
import json
import os
import shutil
import tempfile
import weakref
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from sim.api.units import UnitTables
from sim.experiments.results import RunResult
from sim.experiments.storage import MANIFEST_NAME, write_atomically
from sim.scenario.toml_guard import loads as toml_loads

EVENT_FRAME_COLUMNS = ["replicate", "step", "month", "kind", "actors", "text", "details"]
"""`.events` of a run: one row per event, replicate first; `details` holds the event's other
fields as a JSON object (as in a comparison's events.parquet)."""
RUN_PLOTS = ("capability", "lags", "diffusion", "kill_switch", "channels")
NOT_COPIED = {".lock"}
"""Files of a results folder that `.save` leaves behind (a sweep's lock)."""


class Scratch:
    """A temporary folder that lives as long as the result holding it (or the interpreter)."""

    def __init__(self, kind: str) -> None:
        self.path = Path(tempfile.mkdtemp(prefix=f"regsim-{kind}-"))
        self._finalizer = weakref.finalize(self, shutil.rmtree, self.path, True)


def scratch_folder(kind: str) -> tuple[Path, Scratch]:
    """`(folder, owner)`: a new temporary folder for an experiment's results, removed once
    `owner` is garbage-collected."""
    scratch = Scratch(kind)
    return scratch.path / "results", scratch


def events_frame(events: Sequence[dict[str, Any]]) -> pd.DataFrame:
    """Events (dicts with `replicate`, `step`, `month`, `kind`, `actors`, `text` and any other
    fields) as a table with `EVENT_FRAME_COLUMNS`."""
    from sim.experiments.models import event_row

    rows = [(int(event.get("replicate", 0)), *event_row(event)) for event in events]
    frame = pd.DataFrame(rows, columns=EVENT_FRAME_COLUMNS)
    return frame.astype({"replicate": "int64", "step": "int64"})


def labelled(frame: pd.DataFrame, state_labels: dict[str, str] | None = None) -> pd.DataFrame:
    """`frame` with `label` and `unit` after its `outcome` column."""
    from sim.presentation.tables import with_labels

    return with_labels(frame, state_labels)


def copy_folder(source: Path, target: str | os.PathLike[str], force: bool) -> Path:
    """Copy the results folder `source` to `target`, whole or not at all (never over other
    results without `force`, and with it only over a regsim results folder)."""
    def fill(folder: Path) -> None:
        for entry in Path(source).iterdir():
            if entry.name in NOT_COPIED:
                continue
            if entry.is_dir() and not entry.is_symlink():
                shutil.copytree(entry, folder / entry.name, symlinks=True)
            elif entry.is_file() and not entry.is_symlink():
                shutil.copy2(entry, folder / entry.name)

    return write_atomically(Path(target), force, fill)


# A run ---------------------------------------------------------------------------------------


class RunResults(UnitTables):
    """The replicates of one scenario (`sim.run`, or a run folder from `sim.open`).

    Tables: `timeseries` (one row per replicate and month: `replicate`, `step`, `month` and
    the model's monthly outputs), `summaries` (one row per replicate: `replicate`, `seed`
    and every outcome, NaN where undefined), `outcomes` (per numeric outcome: `label`,
    `unit`, mean, 95% CI of the mean, 5th and 95th percentiles over replicates,
    `n_defined`, `n`) and `events` (`EVENT_FRAME_COLUMNS`). A folder read back holds its
    files' numbers (10 significant digits).
    """

    def __init__(self, result: RunResult, folder: Path | None = None,
                 outcomes: pd.DataFrame | None = None) -> None:
        self.result = result
        self.folder = folder
        self._outcomes = outcomes

    name = property(lambda self: self.result.scenario_name, doc="The scenario's name.")
    question = property(lambda self: self.result.question, doc="The scenario's question.")
    seeds = property(lambda self: list(self.result.replicate_seeds),
                     doc="Each replicate's seed, in replicate order.")
    interval_kind = property(lambda self: self.result.interval_kind,
                             doc="What the intervals over replicates include, in words.")
    scenario_toml = property(lambda self: self.result.resolved_scenario_toml,
                             doc="The resolved scenario (after extends and set) as TOML.")

    @property
    def replicates(self) -> int:
        """The number of replicates."""
        return len(self.result.replicates)

    @functools.cached_property
    def scenario(self):
        """The resolved scenario, validated (`sim.scenario.schema.Scenario`)."""
        from sim.scenario.loader import validate_resolved

        return validate_resolved(toml_loads(self.scenario_toml), "scenario.toml")

    @functools.cached_property
    def state_labels(self) -> dict[str, str]:
        """State name -> its label in words (the name where it has none)."""
        raw = toml_loads(self.scenario_toml)
        labels = {str(s.get("name")): str(s.get("label") or s.get("name"))
                  for s in raw.get("states", []) if isinstance(s, dict)}
        return {name: labels.get(name, name) for name in self.result.state_names}

    @functools.cached_property
    def timeseries(self) -> pd.DataFrame:
        return self.result.timeseries_frame()

    @functools.cached_property
    def summaries(self) -> pd.DataFrame:
        return self.result.summaries_frame()

    @functools.cached_property
    def outcomes(self) -> pd.DataFrame:
        from sim.experiments.stats import outcomes_table
        from sim.experiments.storage import numeric_summary_keys

        table = self._outcomes
        if table is None:
            table = outcomes_table(self.summaries, numeric_summary_keys(self.summaries))
        return labelled(table, self.state_labels)

    @functools.cached_property
    def events(self) -> pd.DataFrame:
        return events_frame([{**event, "replicate": replicate.replicate}
                             for replicate in self.result.replicates
                             for event in replicate.events])

    def plot(self, name: str = "capability"):
        """One of the run's figures as a matplotlib Figure: capability, lags, diffusion,
        kill_switch or channels (the PNGs of a results folder)."""
        from sim.plots.runs import figures

        if name not in RUN_PLOTS:
            raise ValueError(f"plot: expected one of {', '.join(RUN_PLOTS)}, found {name!r:.40}")
        return figures(self.result)[name]

    def save(self, folder: str | os.PathLike[str], force: bool = False,
             plots: bool = True) -> Path:
        """Write the results folder `regsim run` writes (its files equal for the same seed);
        return its path. Raises `ResultsExistError` if `folder` exists and not `force`."""
        from sim.experiments.storage import write_run

        writer = None
        if plots:
            from sim.plots.runs import write_plots as writer
        return write_run(self.result, Path(folder), force, writer)

    def __repr__(self) -> str:
        return (f"<RunResults {self.name}: {self.replicates} replicates, "
                f"{self.result.months} months>")


# A comparison --------------------------------------------------------------------------------


class ComparisonResults(UnitTables):
    """Policies against a baseline on paired replicates (`sim.compare`, or a compare folder).

    `comparison`: one row per policy and outcome: the paired difference policy - baseline
    (`difference_mean`, `ci95_low`, `ci95_high`, in the outcome's units), counts of pairs,
    `share_better`/`share_worse` (0..1, for outcomes with a direction), `verdict` (one
    plain-language line), `label` and `unit`. `verdicts` is the short form. `runs` has one row
    per scenario and replicate (`runs.csv`); `timeseries` and `events` every successful
    run's monthly series and event log, when the comparison kept them; `channels` each
    effect on each state decomposed by channel (`channels.csv`). A comparison run per
    formulation adds `formulations`, `formulation_channels` and `robustness`.
    """

    def __init__(self, folder: Path, runs: pd.DataFrame, table: pd.DataFrame,
                 state_labels: dict[str, str], scratch: Scratch | None = None) -> None:
        self.folder = Path(folder)
        self.runs = runs
        self.comparison = labelled(table, state_labels)
        self.state_labels = state_labels
        self._scratch = scratch

    @functools.cached_property
    def manifest(self) -> dict[str, Any]:
        from sim.api.readers import read_json

        return read_json(self.folder / MANIFEST_NAME)

    @property
    def baseline(self) -> str:
        return str(self.manifest.get("baseline", ""))

    @property
    def policies(self) -> list[str]:
        return [str(p) for p in self.manifest.get("policies", [])]

    @property
    def verdicts(self) -> pd.DataFrame:
        """`policy`, `outcome`, `label`, `unit` and `verdict` of every comparison row."""
        return self.comparison[["policy", "outcome", "label", "unit", "verdict"]]

    @functools.cached_property
    def timeseries(self) -> pd.DataFrame | None:
        """Every successful run's months (`scenario`, `replicate`, then the series), or None
        if the comparison did not keep them."""
        from sim.api.readers import read_parquet

        return read_parquet(self.folder / "timeseries.parquet")

    @functools.cached_property
    def events(self) -> pd.DataFrame | None:
        """Every successful run's events (`scenario`, `replicate`, `EVENT_COLUMNS`), or None."""
        from sim.api.readers import read_parquet

        return read_parquet(self.folder / "events.parquet")

    @functools.cached_property
    def channels(self) -> pd.DataFrame | None:
        """Where each policy's effect on each state came from (`channels.csv`): per policy,
        state, outcome (`mean_lag_months` in months, `final_capability` in log10 effective
        FLOP, in `unit`) and component (own labs `domestic`, `open_weights` fine-tunes,
        `distillation`, `theft`, `frontier` for the frontier's own move, and `total`), the
        mean over pairs of its exact Shapley contribution with a 95% CI; the components sum
        to the total. None if the comparison kept no monthly series."""
        path = self.folder / "channels.csv"
        return pd.read_csv(path) if path.exists() else None

    @functools.cached_property
    def formulations(self) -> pd.DataFrame | None:
        """Each effect under each formulation (`formulations.csv`), when the comparison ran
        per formulation: per policy, outcome (`label`, `unit`), formulation `field` and
        `option` (the reference block's row under each field; `block` names the run), the
        paired difference with its 95% CI, `share_better`/`share_worse` of the block's
        pairs, its `sign` (+1 above zero, -1 below, 0 no clear
        effect), the `robustness` over blocks (robust, flips, partial, none, undefined) and
        the plain `verdict`. None for a plain comparison."""
        path = self.folder / "formulations.csv"
        return pd.read_csv(path) if path.exists() else None

    @functools.cached_property
    def formulation_channels(self) -> pd.DataFrame | None:
        """Each formulation block's channel decomposition (`formulation_channels.csv`: the
        `channels` columns after `block` and each formulation field's value), or None."""
        path = self.folder / "formulation_channels.csv"
        return pd.read_csv(path) if path.exists() else None

    @property
    def robustness(self) -> pd.DataFrame | None:
        """One row per policy and outcome: `label`, `unit`, `robustness` and `verdict` over
        the formulations (the short form of `formulations`), or None."""
        table = self.formulations
        if table is None:
            return None
        return table.drop_duplicates(["policy", "outcome"])[
            ["policy", "outcome", "label", "unit", "robustness", "verdict"]].reset_index(
                drop=True)

    def plot(self, outcomes: Sequence[str] = ()):
        """The comparison of `outcomes` (default: the key outcomes) as a matplotlib Figure."""
        from sim.api.comparison import key_outcomes
        from sim.plots.compare import comparison_figure

        shown = list(outcomes) or key_outcomes(self.runs, self.state_labels)
        return comparison_figure(self.runs, self.comparison, self.baseline, shown,
                                 self.state_labels)

    def save(self, folder: str | os.PathLike[str], force: bool = False) -> Path:
        """Copy the comparison's folder (what `regsim compare` writes) to `folder`."""
        return copy_folder(self.folder, folder, force)

    def __repr__(self) -> str:
        return (f"<ComparisonResults {', '.join(self.policies)} vs {self.baseline}: "
                f"{self.runs['replicate'].nunique()} paired replicates>")


# A sweep -------------------------------------------------------------------------------------


class FolderTables(UnitTables):
    """Results read lazily from a finished folder (a sweep's or a search's): its CSV tables
    through the safe readers; a scratch folder goes with the object unless saved."""

    def __init__(self, folder: Path, scratch: Scratch | None = None) -> None:
        self.folder = Path(folder)
        self._scratch = scratch

    def _table(self, name: str) -> pd.DataFrame:
        from sim.api.readers import read_csv

        return read_csv(self.folder / name)


class SweepResults(FolderTables):
    """A finished sweep (`sim.sweep`, or a sweep folder): `runs` (one row per run: point,
    replicate, seed, design values, status, outcomes), `points` (per design point: its values,
    runs ok and failed, each outcome's mean over replicates), `sensitivity` (tidy indices with
    `label` and `unit`), `design` (one row per point) and `timeseries` when saved."""

    @functools.cached_property
    def manifest(self) -> dict[str, Any]:
        from sim.api.readers import read_json

        return read_json(self.folder / MANIFEST_NAME)

    @functools.cached_property
    def runs(self) -> pd.DataFrame:
        return self._table("runs.csv")

    @functools.cached_property
    def points(self) -> pd.DataFrame:
        return self._table("points.csv")

    @functools.cached_property
    def design(self) -> pd.DataFrame:
        return self._table("design.csv")

    @functools.cached_property
    def sensitivity(self) -> pd.DataFrame:
        return labelled(self._table("sensitivity.csv"))

    @functools.cached_property
    def timeseries(self) -> pd.DataFrame | None:
        """Every successful run's months (`point_id`, `replicate`, the series), or None."""
        from sim.api.readers import read_parquet

        return read_parquet(self.folder / "timeseries.parquet")

    def discover(self, outcome: str | None = None, **settings: Any) -> DiscoveryResults:
        """`sim.discover` on this sweep."""
        return discover_in(self.folder, outcome, **settings)

    def robustness(self, outcomes: Sequence[str] = (),
                   satisfice: Sequence[str] = ()) -> RobustnessResults:
        """`sim.robustness` on this sweep."""
        return robustness_in(self.folder, outcomes, satisfice)

    def plot(self, outcome: str, kind: str = "tornado"):
        """The sensitivity of `outcome` as a matplotlib Figure: `tornado` (any sampler),
        `sobol` or `morris` (when the sampler gives them)."""
        from sim.plots import sensitivity as sensitivity_plots

        tornado = functools.partial(sensitivity_plots.tornado_figure,
                                    ends=sensitivity_plots.option_ends(self.folder))
        draw = {"tornado": ("swing", tornado),
                "sobol": ("sobol", sensitivity_plots.sobol_figure),
                "morris": ("morris", sensitivity_plots.morris_figure)}
        if kind not in draw:
            raise ValueError(f"kind: expected tornado, sobol or morris, found {kind!r:.40}")
        method, figure = draw[kind]
        rows = self.sensitivity[self.sensitivity["outcome"] == outcome]
        if rows.empty:
            known = ", ".join(dict.fromkeys(str(o) for o in self.sensitivity["outcome"]))
            raise ValueError(f"unknown outcome {outcome!r:.80}; the sweep's outcomes: {known}")
        if not (rows["method"] == method).any():
            raise ValueError(f"no {kind} indices for {outcome!r:.80} in this sweep")
        return figure(rows, outcome)

    def save(self, folder: str | os.PathLike[str], force: bool = False) -> Path:
        """Copy the sweep's folder (what `regsim sweep` writes) to `folder`."""
        return copy_folder(self.folder, folder, force)

    def __repr__(self) -> str:
        design = self.manifest.get("design", {})
        return (f"<SweepResults {self.manifest.get('name')}: {design.get('points')} points x "
                f"{self.manifest.get('replicates')} replicates ({design.get('sampler')})>")


def write_sweep_plots(folder: Path) -> list[Path]:
    """The sweep's plots for its first key outcomes that vary (as `regsim sweep` draws them)."""
    from sim.plots.sensitivity import default_outcomes
    from sim.plots.sensitivity import write_sweep_plots as write

    indices = pd.read_csv(Path(folder) / "sensitivity.csv")
    swings = indices[(indices["index"] == "swing") & (indices["value"].abs() > 0)]
    return write(folder, default_outcomes(list(dict.fromkeys(swings["outcome"]))))


# Analyses of a sweep -------------------------------------------------------------------------


class _SweepAnalysis(UnitTables):
    """What a discovery and a robustness analysis share: the analysis result, the sweep it
    read, its `summary` (a dict, as the command's --json prints) and its named plots."""

    PLOTS: tuple[str, ...] = ()

    def __init__(self, result: Any, sweep_folder: Path) -> None:
        self.result = result
        self.sweep_folder = Path(sweep_folder)

    @property
    def summary(self) -> dict[str, Any]:
        return self.result.summary()

    def plot(self, name: str | None = None):
        """One of `PLOTS` (default the first) as a matplotlib Figure."""
        from sim.plots import discovery as discovery_plots

        name = name or self.PLOTS[0]
        if name not in self.PLOTS:
            raise ValueError(f"plot: expected one of {', '.join(self.PLOTS)}, found "
                             f"{name!r:.40}")
        return getattr(discovery_plots, f"{name}_figure")(self.result)


class DiscoveryResults(_SweepAnalysis):
    """A PRIM scenario discovery (`sim.discover`): `box` (the chosen box's restricted
    parameters with their ranges or levels and quasi-p values), `trajectory` (every box of
    the peeling trajectory with coverage, density and mass, shares 0..1), `limits`,
    `feature_scores`, `cart` (CART's leaves as boxes, with method "cart" or "both"),
    `resampling` and `drops` (with resamples > 0; else None), `warnings` (PRIM stopped
    peeling early), and `summary` (a dict, as `regsim discover --json` prints)."""

    PLOTS = ("tradeoff", "box_limits", "feature_scores")

    def __init__(self, result: Any, sweep_folder: Path) -> None:
        super().__init__(result, sweep_folder)
        self.box, self.trajectory = result.box, result.trajectory
        self.limits, self.feature_scores = result.limits, result.feature_scores
        self.cart, self.resampling, self.drops = result.cart, result.resampling, result.drops
        self.warnings = result.warnings

    coverage = property(lambda self: float(self.result.chosen["coverage"]),
                        doc="Share of all cases of interest inside the chosen box.")
    density = property(lambda self: float(self.result.chosen["density"]),
                       doc="Share of the cases in the chosen box that are of interest.")


    def save(self, folder: str | os.PathLike[str] | None = None, force: bool = False,
             plots: bool = True) -> Path:
        """Write the analysis folder `regsim discover` writes (default: inside the sweep)."""
        from sim.analysis.folders import default_folder, write_analysis
        from sim.plots.discovery import write_discovery_plots

        result = self.result
        target = folder or default_folder(self.sweep_folder, "discover", *result.folder_parts())
        tables = result.tables()
        writer = (lambda plots_dir: write_discovery_plots(result, plots_dir)) if plots else None
        return write_analysis(Path(target), "discovery", self.sweep_folder, self.summary,
                              tables, force, writer)

    def __repr__(self) -> str:
        result = self.result
        return (f"<DiscoveryResults {result.question}: coverage {self.coverage:.2f}, density "
                f"{self.density:.2f}>")


class RobustnessResults(_SweepAnalysis):
    """Regret and satisficing per lever combination (`sim.robustness`): `table` (per
    combination and outcome: mean, max, 90th-percentile and mean regret in the outcome's
    units), `satisficing` (shares of futures meeting each criterion), `regret` (per future),
    `combinations`, `futures` and `summary`."""

    PLOTS = ("regret_heatmap", "satisficing")

    def __init__(self, result: Any, sweep_folder: Path) -> None:
        super().__init__(result, sweep_folder)
        self.table, self.satisficing, self.regret = result.table, result.satisficing, \
            result.regret
        self.combinations, self.futures = result.combinations, result.futures


    def save(self, folder: str | os.PathLike[str] | None = None, force: bool = False,
             plots: bool = True) -> Path:
        """Write the analysis folder `regsim robustness` writes (default: inside the sweep)."""
        from sim.analysis.folders import default_folder, write_analysis
        from sim.plots.discovery import write_robustness_plots

        result = self.result
        tables = {"robustness": self.table, "satisficing": self.satisficing,
                  "regret": self.regret, "combinations": self.combinations,
                  "futures": self.futures}
        writer = (lambda plots_dir: write_robustness_plots(result, plots_dir)) if plots else None
        return write_analysis(Path(folder or default_folder(self.sweep_folder, "robustness")),
                              "robustness", self.sweep_folder, self.summary, tables, force,
                              writer)

    def __repr__(self) -> str:
        return (f"<RobustnessResults {len(self.combinations)} combinations x "
                f"{len(self.futures)} futures>")


class AnalysisFolder(UnitTables):
    """A discovery or robustness folder read back: its `kind`, `manifest`, `summary` (dict)
    and `tables` (name -> DataFrame, one per CSV it lists)."""

    def __init__(self, folder: Path, manifest: dict[str, Any], summary: dict[str, Any],
                 tables: dict[str, pd.DataFrame]) -> None:
        self.folder, self.manifest, self.summary, self.tables = folder, manifest, summary, tables
        self.kind = str(manifest.get("kind"))

    def __repr__(self) -> str:
        return f"<AnalysisFolder {self.kind}: {', '.join(self.tables)}>"


def summary_json(summary: dict[str, Any]) -> str:
    """A summary dict as JSON text (NaN as null)."""
    from sim.analysis.folders import jsonable

    return json.dumps(jsonable(summary), indent=2, allow_nan=False)


def discover_in(folder: Path, outcome: str | None, **options: Any) -> DiscoveryResults:
    """Scenario discovery on the finished sweep in `folder` (`sim.discover` documents it)."""
    from sim.analysis.discovery import discover as run_discovery
    from sim.analysis.sweep_data import load_sweep
    from sim.extras import require_extra

    require_extra("analysis", "sim.discover")
    data = load_sweep(folder)
    return DiscoveryResults(run_discovery(data, outcome, **options), folder)


def robustness_in(folder: Path, outcomes: Sequence[str] | dict[str, int | None] = (),
                  satisfice: Sequence[str] = ()) -> RobustnessResults:
    """Regret and satisficing on the finished sweep in `folder` (`sim.robustness`)."""
    from sim.analysis.robustness import robustness as run_robustness

    return RobustnessResults(run_robustness(folder, outcomes, satisfice), folder)
