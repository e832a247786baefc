"""Robust policy search: the trade-off (Pareto) set of lever settings over sampled futures.

The levers (the scenario's `[sweep]` levers or `--lever` options: switches and options as
choices, ranges as real or integer variables) are searched by pymoo's NSGA-II (NSGA-III for
four or more objectives) with its mixed-variable operators. Every candidate is run in the
same futures (common random numbers): future f has one seed and one draw of the scenario's
`[uncertainty]` parameters (a Latin hypercube seeded from the search's seed), the same for
every candidate. Each objective is scored over the futures by the chosen robustness measure
(`sim.analysis.search_spec`).

The runs go through the sweep engine (`sim.experiments.engine.run_tasks`: a process pool or a
Dask cluster) and are appended to a journal (`runs.jsonl`) as they finish. The optimiser is
never saved: `run_search` always replays it from generation 0 with its seed, and takes each
run it asks for from the journal when it is there (running it otherwise). pymoo is
deterministic for a seed and the same scores, so a search killed anywhere (even by SIGKILL)
and resumed asks for the same candidates and writes the same tables as one never stopped.
Nothing in a folder is ever imported or unpickled.

Under `regret`, the best outcome in each future is taken over every candidate evaluated so far
(the reference policies included), and the parents are re-scored before each generation's
survival, since a new candidate may set a new best; the final tables use every candidate
evaluated. The Pareto set is over the searched candidates: the reference policies are scored
and marked on the plots, not members of it.

A search folder holds:

- `manifest.json`: the settings (levers, objectives, measure, population, generations,
  futures, seeds), each future's seed and drawn values, the model, versions, sessions;
- `scenario.toml` (scenario searches): the resolved base scenario, its SHA-256 in the manifest;
- `runs.jsonl`: the journal, one line per finished run (candidate x future) with its values;
- `runs.csv`: one row per run sorted by candidate and future (candidate, future, set, seed,
  lever values, status, outcomes, error);
- `futures.csv`: each future's set (`search` or `fresh`), seed and drawn values;
- `candidates.csv`: every candidate evaluated: the generation that first asked for it
  (references: -1), its lever values, its score for each objective on the search futures,
  feasibility and whether it is in the Pareto set;
- `convergence.csv`: per generation, candidates evaluated so far and the hypervolume of the
  non-dominated scores (pymoo's indicator, in the minimised scores' units);
- `held.csv`: the Pareto set re-scored on fresh futures (a new seed): each objective's score
  on the search and the fresh futures, and whether the candidate stays non-dominated;
- `summary.json` and `plots/` (convergence, the trade-off set with the references marked).
"""

from __future__ import annotations

import json
import math
import os
import platform
import sys
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

import sim
from sim.analysis.search_spec import (
    Measure,
    Objective,
    SearchSpecError,
    best_per_future,
    candidate_scores,
    minimised,
    outcome_value,
    parse_measure,
    parse_objectives,
)
from sim.experiments.design import Parameter
from sim.experiments.engine import OK, RunRecord, is_environment_failure, run_tasks
from sim.experiments.executors import ExecutorInfo
from sim.experiments.experiment_folder import (
    LOCK_NAME,
    create_folder,
    locked,
    utc_now,
    write_json,
    write_scenario,
)
from sim.experiments.journal import RunJournal, format_cell, plain_values, read_records
from sim.experiments.models import (
    FunctionModel,
    Model,
    RunTask,
    ScenarioModel,
    registered_function_model,
    registered_name,
)
from sim.experiments.seeds import replicate_seeds
from sim.experiments.storage import (
    MANIFEST_NAME,
    RECORDED_PACKAGES,
    git_state,
    package_versions,
)
from sim.experiments.sweep_folder import (
    SCENARIO_NAME,
    SweepFolderError,
    check_journal,
    read_json_file,
)

KIND = "search"
RUNNING, COMPLETE = "running", "complete"
JOURNAL_NAME, RUNS_NAME, FUTURES_NAME = "runs.jsonl", "runs.csv", "futures.csv"
CANDIDATES_NAME, CONVERGENCE_NAME, HELD_NAME = "candidates.csv", "convergence.csv", "held.csv"
SUMMARY_NAME, PLOTS_DIR = "summary.json", "plots"
FOLDER_FILES = (MANIFEST_NAME, SCENARIO_NAME, JOURNAL_NAME, RUNS_NAME, FUTURES_NAME,
                CANDIDATES_NAME, CONVERGENCE_NAME, HELD_NAME, SUMMARY_NAME, LOCK_NAME)
SEARCH_PACKAGES = (*RECORDED_PACKAGES, "pymoo", "pyarrow", "distributed")
FRESH_STREAM = 0xF2E5_4F07
"""Mixed into the search's seed to seed the fresh futures, apart from the search futures."""
REFERENCE_GENERATION = -1
HV_MARGIN = 0.1
"""The hypervolume's reference point: the worst first-generation score of each objective plus
this share of its spread (plus this share of its size, or of 1, when all agree), fixed for
every generation so the hypervolumes compare."""
NSGA3_OBJECTIVES = 4
MAX_POPULATION, MAX_GENERATIONS, MAX_FUTURES = 10_000, 10_000, 10_000
DEFAULTS = {"population": 20, "generations": 10, "futures": 8, "fresh_futures": 8}
"""Default sizes: assumption, enough for a first look at 2-3 objectives (the runs are
population x generations x futures at most); raise them for a decision."""

PlotWriter = Callable[[Path], list[Path]]


class SearchError(RuntimeError):
    """A search folder that cannot be run now (another process holds it)."""


class SearchFolderError(SweepFolderError):
    """A folder that is not a search regsim can resume; the message names the file and key."""


@dataclass(frozen=True)
class SearchSettings:
    """A search's settings: levers, objectives, measure, sizes and seeds."""

    levers: tuple[Parameter, ...]
    objectives: tuple[Objective, ...]
    measure: Measure
    population: int = DEFAULTS["population"]
    generations: int = DEFAULTS["generations"]
    futures: int = DEFAULTS["futures"]
    fresh_futures: int = DEFAULTS["fresh_futures"]
    seed: int = 0
    fresh_seed: int | None = None

    def __post_init__(self) -> None:
        for name, value, low, high in (
                ("population", self.population, 4, MAX_POPULATION),
                ("generations", self.generations, 1, MAX_GENERATIONS),
                ("futures", self.futures, 1, MAX_FUTURES),
                ("fresh_futures", self.fresh_futures, 0, MAX_FUTURES)):
            if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
                raise SearchSpecError(f"--{name.replace('_', '-')}: expected a whole number "
                                      f"from {low} to {high}, found {value!r:.40}")
        if not self.levers:
            raise SearchSpecError("no levers to search: give --lever KEY=LO:HI or KEY=V1,V2, "
                                  "or a [sweep] table with levers")
        keys = [p.key for p in self.levers]
        if len(set(keys)) != len(keys):
            raise SearchSpecError(f"--lever: a key is given twice: {sorted(set(keys))[0]}")

    @property
    def fresh_root(self) -> int:
        """The root seed of the fresh futures."""
        if self.fresh_seed is not None:
            return self.fresh_seed
        sequence = np.random.SeedSequence([int(self.seed), FRESH_STREAM])
        return int(sequence.generate_state(1, np.uint64)[0] >> np.uint64(1))

    @property
    def algorithm(self) -> str:
        return "NSGA-III" if len(self.objectives) >= NSGA3_OBJECTIVES else "NSGA-II"

    def max_candidates(self) -> int:
        """At most this many candidates: the first population, then one per offspring."""
        return self.population * self.generations

    def describe(self) -> dict[str, Any]:
        return {"levers": [p.describe() for p in self.levers],
                "objectives": [o.text for o in self.objectives], "measure": self.measure.text,
                "population": self.population, "generations": self.generations,
                "futures": self.futures, "fresh_futures": self.fresh_futures,
                "seed": self.seed, "fresh_seed": self.fresh_seed,
                "algorithm": self.algorithm}

    @classmethod
    def from_description(cls, described: Mapping[str, Any]) -> SearchSettings:
        measure = parse_measure(described["measure"])
        return cls(levers=tuple(Parameter.from_description(p) for p in described["levers"]),
                   objectives=parse_objectives(described["objectives"], measure),
                   measure=measure, population=described["population"],
                   generations=described["generations"], futures=described["futures"],
                   fresh_futures=described["fresh_futures"], seed=described["seed"],
                   fresh_seed=described.get("fresh_seed"))


@dataclass(frozen=True)
class Futures:
    """Every future a search runs in: the search futures, then the fresh ones; each with
    its seed and its drawn uncertain values (`--set` key -> value)."""

    seeds: tuple[int, ...]
    draws: tuple[Mapping[str, Any], ...]
    search_count: int

    def set_of(self, future: int) -> str:
        return "search" if future < self.search_count else "fresh"

    @property
    def search_ids(self) -> list[int]:
        return list(range(self.search_count))

    @property
    def fresh_ids(self) -> list[int]:
        return list(range(self.search_count, len(self.seeds)))


def make_futures(settings: SearchSettings, uncertainties: Sequence[Parameter]) -> Futures:
    """The search futures (seeded by `settings.seed`) and the fresh futures (by its
    `fresh_root`): seeds from `replicate_seeds`, draws a Latin hypercube of `uncertainties`
    (`sim.experiments.uncertainty.draws`), so future f is what replicate f of a `--uncertainty`
    run with that seed would face."""
    from sim.experiments.uncertainty import draws

    seeds = replicate_seeds(settings.seed, settings.futures)
    drawn = draws(uncertainties, settings.seed, settings.futures)
    if settings.fresh_futures:
        seeds += replicate_seeds(settings.fresh_root, settings.fresh_futures)
        drawn += draws(uncertainties, settings.fresh_root, settings.fresh_futures)
    return Futures(tuple(seeds), tuple(dict(d) for d in drawn), settings.futures)


@dataclass(frozen=True)
class FutureModel:
    """A model run in one future: the task's replicate is the future, whose drawn values
    the candidate's lever values join (a lever wins over a draw of the same key)."""

    model: Model
    draws: tuple[Mapping[str, Any], ...]

    def __call__(self, task: RunTask) -> Mapping[str, Any]:
        values = {**self.draws[task.replicate], **task.values}
        return self.model(RunTask(task.point_id, task.replicate, task.seed, values))


@dataclass(frozen=True)
class SearchSummary:
    """A finished search: its folder, counts, the Pareto set's candidate ids, this session's
    runs and time."""

    folder: Path
    candidates: int
    runs: int
    failed_runs: int
    pareto: tuple[int, ...]
    session_runs: int
    session_s: float


# Creating a search -------------------------------------------------------------------------


def create_search(folder: Path, model: ScenarioModel | FunctionModel, settings: SearchSettings,
                  futures: Futures, name: str, references: Mapping[str, Mapping[str, Any]],
                  auto_name: bool = False) -> Path:
    """Write the folder of a new search (manifest, scenario); nothing runs yet. The folder
    appears whole or not at all. `references` are named lever settings (the scenario's own,
    ...) evaluated with the search and marked on its plots. ResultsExistError if `folder`
    exists and is not empty (with `auto_name`, the next free name is taken)."""
    return create_folder(folder, KIND, lambda temporary: _write_json(
        temporary / MANIFEST_NAME,
        _new_manifest(temporary, model, settings, futures, name, references)), auto_name)


def _new_manifest(folder: Path, model: ScenarioModel | FunctionModel, settings: SearchSettings,
                  futures: Futures, name: str,
                  references: Mapping[str, Mapping[str, Any]]) -> dict[str, Any]:
    commit, dirty = git_state()
    return {
        "regsim_version": sim.__version__, "kind": KIND, "status": RUNNING, "name": name,
        "created_utc": utc_now(), "settings": settings.describe(),
        "future_seeds": list(futures.seeds), "future_draws": [dict(d) for d in futures.draws],
        "references": {str(k): dict(v) for k, v in references.items()},
        "model": _describe_model(model, folder),
        "python_version": platform.python_version(), "platform": platform.platform(),
        "packages": package_versions(SEARCH_PACKAGES), "git_commit": commit,
        "git_dirty": dirty, "command_line": list(sys.argv), "sessions": [],
    }


def _describe_model(model: Model, folder: Path) -> dict[str, Any]:
    if isinstance(model, ScenarioModel):
        return write_scenario(model.raw, folder)
    if isinstance(model, FunctionModel):
        return {"kind": "function", "name": registered_name(model), "outcome": model.outcome,
                "pass_seed": model.pass_seed}
    raise TypeError(f"cannot store a {type(model).__name__} for resuming; pass the model to "
                    "run_search instead")


# Checking a folder before resuming it -------------------------------------------------------


@dataclass(frozen=True)
class VerifiedSearch:
    """A checked search folder: its manifest, settings, futures, references and (scenario
    searches) resolved scenario."""

    folder: Path
    manifest: dict[str, Any]
    settings: SearchSettings
    futures: Futures
    references: dict[str, dict[str, Any]]
    scenario_raw: dict[str, Any] | None


def verify_search_folder(folder: Path) -> VerifiedSearch:
    """Check everything a resumed search reads: no link or special file, the manifest's
    fields and settings (parsed by the rules of the command line), the future seeds those of
    the seed, the scenario's SHA-256, every journal line. SearchFolderError naming the file
    and key at the first problem."""
    try:
        return _verify(Path(folder))
    except SearchFolderError:
        raise
    except SweepFolderError as error:  # the checks shared with sweep folders
        raise SearchFolderError(str(error)) from None


def _verify(folder: Path) -> VerifiedSearch:
    from sim.experiments.sweep_folder import _draws, _scenario

    if not folder.is_dir():
        raise SearchFolderError(f"{folder} is not a search folder: no such folder")
    _check_entries(folder)
    path = folder / MANIFEST_NAME
    if not path.exists():
        raise SearchFolderError(f"{folder} is not a search folder: no {MANIFEST_NAME}")
    manifest = read_json_file(path, 64 * 1024 * 1024)
    if not isinstance(manifest, dict) or manifest.get("kind") != KIND:
        raise SearchFolderError(f"{folder} holds results of another kind, not a search")
    if manifest.get("status") not in (RUNNING, COMPLETE):
        raise SearchFolderError(f"{path}: status: expected running or complete")
    described = manifest.get("settings")
    _check_settings(described, path)
    try:
        settings = SearchSettings.from_description(described)  # type: ignore[arg-type]
    except (SearchSpecError, TypeError, KeyError, AttributeError, ValueError) as error:
        raise SearchFolderError(f"{path}: settings: not the settings of a search "
                                f"({str(error)[:120]})") from None
    seeds = manifest.get("future_seeds")
    expected = list(make_futures_seeds(settings))
    if seeds != expected:
        raise SearchFolderError(f"{path}: future_seeds: expected the seeds of settings.seed")
    draws = manifest.get("future_draws")
    if not _draws(draws, len(expected)):
        raise SearchFolderError(f"{path}: future_draws: expected one table of --set keys and "
                                "plain values per future")
    references = manifest.get("references")
    if not isinstance(references, dict) or not _draws(list(references.values()),
                                                      len(references)) or not all(
            isinstance(k, str) and len(k) <= 200 for k in references):
        raise SearchFolderError(f"{path}: references: expected named tables of lever values")
    lever_keys = {lever.key for lever in settings.levers}
    if any(not set(values) <= lever_keys for values in references.values()):
        raise SearchFolderError(f"{path}: references: a value of a key that is not a lever")
    model = manifest.get("model")
    raw = None
    if not isinstance(model, dict) or model.get("kind") not in ("scenario", "function"):
        raise SearchFolderError(f"{path}: model: expected kind scenario or function")
    if model["kind"] == "scenario":
        sha = model.get("scenario_sha256")
        if not isinstance(sha, str) or len(sha) != 64:
            raise SearchFolderError(f"{path}: model.scenario_sha256: expected 64 hex digits")
        raw = _scenario(folder, sha)
        if [dict(d) for d in make_futures(settings, _uncertain(raw, settings)).draws] != draws:
            raise SearchFolderError(f"{path}: future_draws: not the draws of the scenario's "
                                    "[uncertainty] for settings.seed")
    if not isinstance(manifest.get("sessions"), list):
        raise SearchFolderError(f"{path}: sessions: expected a list")
    check_journal(folder / JOURNAL_NAME, settings.max_candidates() + len(references), expected)
    futures = Futures(tuple(expected), tuple(draws), settings.futures)
    return VerifiedSearch(folder, manifest, settings, futures, dict(references), raw)


def _check_settings(described: Any, path: Path) -> None:
    """The stored settings' types and ranges, each lever by the rules of a sweep's design
    (options or finite ranges, dotted keys), before anything is built from them."""
    from sim.experiments.sweep_folder import _integer, _parameter

    if not isinstance(described, dict):
        raise SearchFolderError(f"{path}: settings: expected a table")
    levers = described.get("levers")
    if not isinstance(levers, list) or not 0 < len(levers) <= 1000:
        raise SearchFolderError(f"{path}: settings.levers: expected a list of levers")
    for index, lever in enumerate(levers):
        _parameter(lever, path, f"settings.levers[{index}]")
    for key in ("seed", "fresh_seed"):
        value = described.get(key)
        if not (_integer(value, 0, 2**63 - 1) or (key == "fresh_seed" and value is None)):
            raise SearchFolderError(f"{path}: settings.{key}: expected a whole number from 0 "
                                    "to 2**63 - 1")
    objectives = described.get("objectives")
    if not isinstance(objectives, list) or not all(isinstance(o, str) and len(o) <= 300
                                                   for o in objectives):
        raise SearchFolderError(f"{path}: settings.objectives: expected a list of texts")
    if not isinstance(described.get("measure"), str):
        raise SearchFolderError(f"{path}: settings.measure: expected a text")


def _uncertain(raw: Mapping[str, Any], settings: SearchSettings) -> list[Parameter]:
    """The uncertain parameters a search of the scenario `raw` draws (its declared ones that
    are not levers)."""
    from sim.experiments.uncertainty import declared
    from sim.scenario.loader import validate_resolved

    levers = {lever.key for lever in settings.levers}
    return [p for p in declared(validate_resolved(dict(raw), SCENARIO_NAME))
            if p.key not in levers]


def make_futures_seeds(settings: SearchSettings) -> list[int]:
    """The seed of every future (search, then fresh)."""
    seeds = replicate_seeds(settings.seed, settings.futures)
    if settings.fresh_futures:
        seeds += replicate_seeds(settings.fresh_root, settings.fresh_futures)
    return seeds


def _check_entries(folder: Path) -> None:
    for path in sorted(folder.iterdir()):
        if path.is_symlink():
            raise SearchFolderError(f"{path}: is a symbolic link; a search folder holds only "
                                    "its own files")
        if path.name == PLOTS_DIR:
            if not path.is_dir():
                raise SearchFolderError(f"{path}: expected the search's plots folder")
            continue
        if path.is_dir():
            continue  # a folder of the user's own: never read, never written
        if not path.is_file():
            raise SearchFolderError(f"{path}: is not a regular file")


def load_model(verified: VerifiedSearch) -> Model:
    """The model a checked folder describes: its scenario, or a registered function model
    (a folder cannot name code to run)."""
    described = verified.manifest["model"]
    if described["kind"] == "scenario":
        assert verified.scenario_raw is not None
        return ScenarioModel(verified.scenario_raw)
    name = described.get("name")
    model = registered_function_model(name) if isinstance(name, str) else None
    if model is None:
        raise SearchFolderError(f"{verified.folder / MANIFEST_NAME}: model: a function model "
                                "this regsim has not registered; pass the model to run_search")
    return model


# Running -------------------------------------------------------------------------------------


def run_search(folder: Path, executor: ExecutorInfo,
               progress: Callable[[int], None] | None = None,
               report: Callable[[str], None] | None = None,
               plot_writer: PlotWriter | None = None,
               model: Model | None = None) -> SearchSummary:
    """Run (or resume) the search in `folder` and write its tables; see the module docstring.

    `progress(n)` is called as runs finish; `report(line)` once per generation with its
    hypervolume. Raises SearchFolderError (nothing runs) for a folder that is not a search
    regsim can resume, SearchError if another process holds it, EngineError if the executor
    loses a run (what finished stays in the journal; resume runs the rest).
    """
    folder = Path(folder)
    started = time.perf_counter()
    with locked(folder, KIND, SearchError, SearchFolderError):
        verified = verify_search_folder(folder)
        manifest = verified.manifest
        model = FutureModel(model or load_model(verified), verified.futures.draws)
        manifest["sessions"].append({"started_utc": utc_now(), "executor": executor.description})
        _write_json(folder / MANIFEST_NAME, manifest)
        with RunJournal(folder / JOURNAL_NAME) as journal:
            state = _SearchState(verified, journal, model, executor, progress)
            result = state.run(report)
        write_tables(folder, result)
        if plot_writer is not None:
            plot_writer(folder)
        manifest.update(status=COMPLETE, finished_utc=utc_now())
        _write_json(folder / MANIFEST_NAME, manifest)
    return SearchSummary(folder, len(result.candidates), result.run_count,
                         result.failed_runs, tuple(result.pareto), state.session_runs,
                         time.perf_counter() - started)


@dataclass
class SearchResult:
    """Everything the tables are written from (in memory, rebuilt identically on resume)."""

    settings: SearchSettings
    futures: Futures
    candidates: list[dict[str, Any]]
    """Per candidate: `values` (lever key -> value), `generation`, `reference` (its name or
    None)."""
    records: dict[tuple[int, int], RunRecord]
    scores: np.ndarray
    """Candidates x objectives, on the search futures (NaN: not scored)."""
    infeasible: np.ndarray
    """Per candidate, runs failed or outcomes undefined (0: feasible)."""
    pareto: list[int]
    convergence: list[dict[str, Any]]
    reference_point: list[float]
    held: list[dict[str, Any]] = field(default_factory=list)

    @property
    def run_count(self) -> int:
        return len(self.records)

    @property
    def failed_runs(self) -> int:
        return sum(1 for r in self.records.values() if r.get("status") != OK)


class _SearchState:
    """One pass of a search: the optimiser replayed from generation 0, the runs taken from
    the journal or run now."""

    def __init__(self, verified: VerifiedSearch, journal: RunJournal, model: Model,
                 executor: ExecutorInfo, progress: Callable[[int], None] | None) -> None:
        self.settings, self.futures = verified.settings, verified.futures
        self.references = verified.references
        self.journal, self.model, self.executor, self.progress = (journal, model, executor,
                                                                  progress)
        self.records = _journal_records(journal.path)
        self.candidates: list[dict[str, Any]] = []
        self.ids: dict[str, int] = {}
        self.session_runs = 0

    # candidates and their runs

    def candidate(self, values: Mapping[str, Any], generation: int,
                  reference: str | None = None) -> int:
        key = _canonical(values)
        if key not in self.ids:
            self.ids[key] = len(self.candidates)
            self.candidates.append({"values": dict(values), "generation": generation,
                                    "reference": reference})
        return self.ids[key]

    def evaluate(self, ids: Sequence[int], futures: Sequence[int]) -> None:
        """Run every (candidate, future) not yet in the journal."""
        missing = []
        for cid in dict.fromkeys(ids):
            values = self.candidates[cid]["values"]
            for future in futures:
                record = self.records.get((cid, future))
                if record is None:
                    missing.append((cid, future))
                elif _canonical(record.get("values") or {}) != _canonical(values):
                    raise SearchFolderError(
                        f"{self.journal.path}: candidate {cid}: its recorded lever values are "
                        "not those the search asks for (a folder from another regsim or "
                        "edited); start a new search")
        if not missing:
            return

        def jobs() -> Iterator[tuple[Model, RunTask]]:
            for cid, future in missing:
                yield self.model, RunTask(cid, future, self.futures.seeds[future],
                                          self.candidates[cid]["values"])

        def record(run: RunRecord) -> None:
            run = {**run, "values": self.candidates[run["point_id"]]["values"]}
            self.journal.append(run)
            # what a resumed search reads back from the journal, exactly
            self.records[(run["point_id"], run["replicate"])] = json.loads(json.dumps(
                plain_values(run), default=str))
            self.session_runs += 1
            if self.progress is not None:
                self.progress(1)

        run_tasks(jobs(), self.executor, record, total_runs=len(missing))

    # scores

    def outcome_matrix(self, ids: Sequence[int], objective: Objective,
                       futures: Sequence[int]) -> np.ndarray:
        return np.array([[outcome_value(self.records[(cid, f)].get("outcomes"),
                                        objective.outcome) for f in futures] for cid in ids],
                        dtype=float).reshape(len(ids), len(futures))

    def failures(self, ids: Sequence[int], futures: Sequence[int]) -> np.ndarray:
        return np.array([sum(self.records[(cid, f)].get("status") != OK for f in futures)
                         for cid in ids], dtype=float)

    def score(self, ids: Sequence[int], futures: Sequence[int],
              pool: Sequence[int] | None = None) -> tuple[np.ndarray, np.ndarray]:
        """(scores: ids x objectives, infeasibility per id) in `futures`; regret is against
        the best of `pool` (default: every candidate so far) in each future."""
        measure = self.settings.measure
        pool = list(range(len(self.candidates))) if pool is None else list(pool)
        scores = np.full((len(ids), len(self.settings.objectives)), np.nan)
        infeasible = self.failures(ids, futures)
        for j, objective in enumerate(self.settings.objectives):
            matrix = self.outcome_matrix(ids, objective, futures)
            best = None
            if measure.kind == "regret":
                pool_ok = [c for c in pool if not self.failures([c], futures)[0]]
                best = best_per_future(self.outcome_matrix(pool_ok, objective, futures),
                                       objective)
            for i in range(len(ids)):
                if infeasible[i]:
                    continue
                scores[i, j] = candidate_scores(matrix[i], best, objective, measure)
            infeasible += np.isnan(scores[:, j]) & (infeasible == 0)
        return scores, infeasible

    def minimised(self, scores: np.ndarray, infeasible: np.ndarray) -> np.ndarray:
        objectives, measure = self.settings.objectives, self.settings.measure
        out = np.zeros_like(scores)
        for j, objective in enumerate(objectives):
            out[:, j] = [minimised(s, objective, measure) for s in scores[:, j]]
        out[infeasible > 0] = 0.0  # ranked by the constraint alone
        return out

    # the search

    def run(self, report: Callable[[str], None] | None) -> SearchResult:
        from pymoo.core.evaluator import Evaluator
        from pymoo.problems.static import StaticProblem

        settings, search_futures = self.settings, self.futures.search_ids
        reference_ids = [self.candidate(values, REFERENCE_GENERATION, name)
                         for name, values in self.references.items()]
        self.evaluate(reference_ids, search_futures)
        problem, decode = _problem(settings)
        algorithm = _algorithm(settings)
        algorithm.setup(problem, termination=("n_gen", settings.generations),
                        seed=settings.seed % 2**32)
        convergence: list[dict[str, Any]] = []
        reference_point: np.ndarray | None = None
        for generation in range(settings.generations):
            population = algorithm.ask() if algorithm.has_next() else None
            if population is None or not len(population):
                if report is not None:  # pymoo stops when mating finds no new candidate
                    report(f"generation {generation + 1}: no new candidate (the lever settings "
                           "are exhausted); the search stops")
                break
            known = len(self.candidates)
            ids = [self.candidate(decode(x), generation) for x in population.get("X")]
            self.evaluate(ids, search_futures)
            scores, infeasible = self.score(ids, search_futures)
            if settings.measure.kind == "regret" and algorithm.pop is not None:
                self._rescore(algorithm.pop, decode)  # the best in each future may have moved
            objective_matrix = self.minimised(scores, infeasible)
            static = StaticProblem(problem, F=objective_matrix, G=infeasible[:, None])
            Evaluator().eval(static, population)
            algorithm.tell(infills=population)
            searched = [c for c in range(len(self.candidates))
                        if self.candidates[c]["reference"] is None]
            all_scores, all_infeasible = self.score(searched, search_futures)
            front = self.minimised(all_scores, all_infeasible)[all_infeasible == 0]
            if reference_point is None:
                reference_point = _reference_point(front, len(settings.objectives))
            volume = _hypervolume(front, reference_point)
            convergence.append({"generation": generation, "candidates": len(searched),
                                "new_candidates": len(self.candidates) - known,
                                "hypervolume": volume})
            if report is not None:
                report(f"generation {generation + 1}/{settings.generations}: "
                       f"{len(searched)} candidates, hypervolume {volume:.6g}")
        return self._finish(convergence, reference_point)

    def _rescore(self, population: Any, decode: Callable[[Any], dict[str, Any]]) -> None:
        ids = [self.ids[_canonical(decode(x))] for x in population.get("X")]
        scores, infeasible = self.score(ids, self.futures.search_ids)
        population.set("F", self.minimised(scores, infeasible))

    def _finish(self, convergence: list[dict[str, Any]],
                reference_point: np.ndarray | None) -> SearchResult:
        all_ids = list(range(len(self.candidates)))
        scores, infeasible = self.score(all_ids, self.futures.search_ids)
        searched = [c for c in all_ids if self.candidates[c]["reference"] is None]
        pareto = non_dominated(self.minimised(scores, infeasible), infeasible, searched)
        result = SearchResult(self.settings, self.futures, self.candidates, self.records,
                              scores, infeasible, pareto, convergence,
                              [] if reference_point is None else
                              [float(v) for v in reference_point])
        if pareto and self.futures.fresh_ids:
            self.evaluate(pareto, self.futures.fresh_ids)
            result.held = self._held(pareto, scores)
        return result

    def _held(self, pareto: list[int], search_scores: np.ndarray) -> list[dict[str, Any]]:
        """The Pareto set on fresh futures: each objective's score there (regret against the
        best of the set in each fresh future), and whether each stays non-dominated."""
        fresh, infeasible = self.score(pareto, self.futures.fresh_ids, pool=pareto)
        kept = set(non_dominated(self.minimised(fresh, infeasible), infeasible,
                                 list(range(len(pareto)))))
        rows = []
        for i, cid in enumerate(pareto):
            for j, objective in enumerate(self.settings.objectives):
                before, after = search_scores[cid, j], fresh[i, j]
                rows.append({"candidate": cid, "objective": objective.outcome,
                             "measure": self.settings.measure.text,
                             "search_futures": before, "fresh_futures": after,
                             "change": after - before, "feasible_fresh": not infeasible[i],
                             "non_dominated_fresh": i in kept})
        return rows


def non_dominated(minimised_scores: np.ndarray, infeasible: np.ndarray,
                  among: Sequence[int]) -> list[int]:
    """The ids in `among` (rows of the matrices) whose scores no other feasible one there
    dominates (pymoo's non-dominated sorting), feasible only, in id order."""
    from pymoo.util.nds.non_dominated_sorting import NonDominatedSorting

    feasible = [c for c in among if not infeasible[c]]
    if not feasible:
        return []
    front = NonDominatedSorting().do(minimised_scores[feasible], only_non_dominated_front=True)
    return sorted(feasible[i] for i in front)


def _problem(settings: SearchSettings) -> tuple[Any, Callable[[Any], dict[str, Any]]]:
    """pymoo's mixed-variable problem over the levers, and the decoder of one solution:
    options as choices of their index, integer ranges as integers, other ranges as reals on
    the unit interval mapped by the lever's scale (`Parameter.from_unit`)."""
    from pymoo.core.problem import Problem
    from pymoo.core.variable import Choice, Integer, Real

    variables: dict[str, Any] = {}
    for index, lever in enumerate(settings.levers):
        name = f"v{index}"
        if not lever.is_range:
            variables[name] = Choice(options=list(range(len(lever.values))))
        elif lever.is_integer:
            variables[name] = Integer(bounds=(int(lever.low), int(lever.high)))
        else:
            variables[name] = Real(bounds=(0.0, 1.0))
    problem = Problem(vars=variables, n_obj=len(settings.objectives), n_ieq_constr=1)

    def decode(solution: Mapping[str, Any]) -> dict[str, Any]:
        values: dict[str, Any] = {}
        for index, lever in enumerate(settings.levers):
            raw = solution[f"v{index}"]
            if not lever.is_range:
                values[lever.key] = lever.values[int(raw)]
            elif lever.is_integer:
                values[lever.key] = int(min(max(int(round(float(raw))), lever.low), lever.high))
            else:
                values[lever.key] = lever.from_unit(min(max(float(raw), 0.0), 1.0))
        return values

    return problem, decode


def _algorithm(settings: SearchSettings) -> Any:
    """NSGA-II (NSGA-III for four or more objectives) with pymoo's mixed-variable sampling,
    mating and duplicate elimination."""
    from pymoo.core.mixed import (
        MixedVariableDuplicateElimination,
        MixedVariableMating,
        MixedVariableSampling,
    )

    parts = {"sampling": MixedVariableSampling(),
             "mating": MixedVariableMating(
                 eliminate_duplicates=MixedVariableDuplicateElimination()),
             "eliminate_duplicates": MixedVariableDuplicateElimination()}
    objectives = len(settings.objectives)
    if objectives < NSGA3_OBJECTIVES:
        from pymoo.algorithms.moo.nsga2 import NSGA2

        return NSGA2(pop_size=settings.population, **parts)
    from pymoo.algorithms.moo.nsga3 import NSGA3
    from pymoo.util.ref_dirs import get_reference_directions

    partitions = 1
    while math.comb(partitions + objectives, objectives - 1) <= settings.population:
        partitions += 1
    directions = get_reference_directions("das-dennis", objectives, n_partitions=partitions)
    return NSGA3(ref_dirs=directions, pop_size=settings.population, **parts)


def _reference_point(front: np.ndarray, objectives: int) -> np.ndarray:
    if not len(front):
        return np.ones(objectives)
    worst, best = front.max(axis=0), front.min(axis=0)
    spread = worst - best
    margin = np.where(spread > 0, spread, np.maximum(np.abs(worst), 1.0)) * HV_MARGIN
    return worst + margin


def _hypervolume(front: np.ndarray, reference_point: np.ndarray) -> float:
    from pymoo.indicators.hv import HV

    inside = front[(front < reference_point).all(axis=1)] if len(front) else front
    if not len(inside):
        return 0.0
    return float(HV(ref_point=reference_point)(inside))


# The tables ----------------------------------------------------------------------------------


def write_tables(folder: Path, result: SearchResult) -> None:
    """runs.csv, futures.csv, candidates.csv, convergence.csv, held.csv and summary.json,
    each written whole (temporary file, then rename), floats in one fixed format."""
    import pandas as pd

    _write_csv(runs_frame(result), folder / RUNS_NAME)
    _write_csv(futures_frame(result), folder / FUTURES_NAME)
    _write_csv(candidates_frame(result), folder / CANDIDATES_NAME)
    _write_csv(pd.DataFrame(result.convergence,
                            columns=["generation", "candidates", "new_candidates",
                                     "hypervolume"]), folder / CONVERGENCE_NAME)
    _write_csv(pd.DataFrame(result.held, columns=[
        "candidate", "objective", "measure", "search_futures", "fresh_futures", "change",
        "feasible_fresh", "non_dominated_fresh"]), folder / HELD_NAME)
    _write_json(folder / SUMMARY_NAME, summary(result))


def summary(result: SearchResult) -> dict[str, Any]:
    """A JSON-able summary: settings, counts, the Pareto set, the hypervolume's reference
    point and its last value."""
    last = result.convergence[-1]["hypervolume"] if result.convergence else None
    held = [r for r in result.held if r["objective"] == result.settings.objectives[0].outcome]
    return {"settings": result.settings.describe(), "candidates": len(result.candidates),
            "runs": result.run_count, "failed_runs": result.failed_runs,
            "pareto": list(result.pareto), "hypervolume": last,
            "hypervolume_reference_point": result.reference_point,
            "held_non_dominated": sum(1 for r in held if r["non_dominated_fresh"]),
            "fresh_seed": result.settings.fresh_root if result.futures.fresh_ids else None}


def lever_label(values: Mapping[str, Any], keys: Sequence[str]) -> str:
    """`strength=0.75, enabled=true`: each lever (in the order of `keys`) by its key's last
    part."""
    return ", ".join(f"{key.rsplit('.', 1)[-1]}={_short(values[key])}" for key in keys
                     if key in values)


def _short(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return f"{value:.4g}" if isinstance(value, float) else str(value)


def runs_frame(result: SearchResult):
    import pandas as pd

    levers = [p.key for p in result.settings.levers]
    outcomes: dict[str, None] = {}
    keys = sorted(result.records)
    for key in keys:
        outcomes.update(dict.fromkeys(result.records[key].get("outcomes") or {}))
    rows = []
    for cid, future in keys:
        record = result.records[(cid, future)]
        values = result.candidates[cid]["values"] if cid < len(result.candidates) else {}
        out = record.get("outcomes") or {}
        rows.append([cid, future, result.futures.set_of(future), record.get("seed"),
                     *(values.get(k) for k in levers), record.get("status"),
                     *(out.get(k) for k in outcomes), record.get("error")])
    columns = ["candidate", "future", "set", "seed", *levers, "status", *outcomes, "error"]
    return pd.DataFrame(rows, columns=columns)


def futures_frame(result: SearchResult):
    import pandas as pd

    futures = result.futures
    keys = list(dict.fromkeys(k for d in futures.draws for k in d))
    rows = [[f, futures.set_of(f), futures.seeds[f], *(futures.draws[f].get(k) for k in keys)]
            for f in range(len(futures.seeds))]
    return pd.DataFrame(rows, columns=["future", "set", "seed", *keys])


def candidates_frame(result: SearchResult):
    """One row per candidate: id, generation, reference name, label, lever values, each
    objective's score (`score__KEY`), failed or undefined runs, and Pareto membership."""
    import pandas as pd

    levers = [p.key for p in result.settings.levers]
    pareto = set(result.pareto)
    rows = []
    for cid, candidate in enumerate(result.candidates):
        values = candidate["values"]
        rows.append([cid, candidate["generation"], candidate["reference"] or "",
                     lever_label(values, levers), *(values.get(k) for k in levers),
                     *result.scores[cid], int(result.infeasible[cid]), cid in pareto])
    scores = [f"score__{o.outcome}" for o in result.settings.objectives]
    return pd.DataFrame(rows, columns=["candidate", "generation", "reference", "label",
                                       *levers, *scores, "infeasible_runs", "pareto"])


def _write_csv(frame: Any, path: Path) -> None:
    temporary = path.with_name(f".{path.name}.tmp")
    with open(temporary, "w", encoding="utf-8", newline="") as stream:
        stream.write(",".join(_csv_cell(c) for c in frame.columns) + "\n")
        for row in frame.itertuples(index=False):
            stream.write(",".join(_csv_cell(format_cell(_unwrap(v))) for v in row) + "\n")
    os.replace(temporary, path)


def _unwrap(value: Any) -> Any:
    if isinstance(value, np.generic):
        return value.item()
    return value


def _csv_cell(text: str) -> str:
    text = str(text)
    if any(c in text for c in ',"\n\r'):
        return '"' + text.replace('"', '""') + '"'
    return text


# Small helpers -------------------------------------------------------------------------------


def _journal_records(path: Path) -> dict[tuple[int, int], RunRecord]:
    """The journal's runs by (candidate, future), the last record of each kept; runs the
    machine failed (a full disk) are left out, so they run again."""
    if not path.exists():
        return {}
    records = {}
    for _, record in read_records(path):
        key = (record["point_id"], record["replicate"])
        if is_environment_failure(record):
            records.pop(key, None)
            continue
        records[key] = record
    return records


def _canonical(values: Mapping[str, Any]) -> str:
    return json.dumps(plain_values(dict(values)), sort_keys=True, default=str)


def _write_json(path: Path, data: Mapping[str, Any]) -> None:
    """`write_json` of `data` with numpy scalars as plain numbers."""
    write_json(path, plain_values(data))
