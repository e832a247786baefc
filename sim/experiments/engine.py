"""The run engine: submit runs to an executor, a bounded number at a time, and hand each
finished run's record to a callback as it arrives (which appends it to disk).

Nothing accumulates in the parent: at most `max_in_flight` submissions are pending, and a
record is dropped once the callback has it. A model error inside a run is caught in the worker
(`execute`) and becomes a record with status "failed" and its traceback; the other runs go
on. A failure of the engine itself (a worker process lost, a cluster gone, a cancelled run)
or of the machine (`ENVIRONMENT_ERRORS`: a full disk, a read-only folder, memory exhausted),
in a worker or while recording, stops the sweep with `EngineError`: that run is not recorded,
what finished is already on disk, and `--resume` continues from there, running it again.

On a process pool or a cluster, runs travel in chunks (`ChunkSizer`): one submission carries
as many runs as take about `ExecutorInfo.chunk_target_s` seconds, so a fast model does not
spend its time in inter-process messages, while the last chunks shrink so that every worker
stays busy to the end. Chunking changes only which process runs what and when: each run's
record depends on its task alone, and the tables built from the journal are sorted.

Workers stay warm: a model (a scenario) travels to each worker once, not with every chunk
(`ModelParcel`: after a worker has confirmed it holds the model, chunks carry only its token;
a worker that lacks it answers so, and the chunk is sent again with the model), and each run
reports its own CPU time, so that `EngineStats` can tell the runs' CPU from the engine's.
"""

from __future__ import annotations

import itertools
import math
import os
import socket
import time
import traceback
import uuid
from collections import Counter, OrderedDict
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Executor, Future, wait
from dataclasses import dataclass, field
from typing import Any

from sim.experiments.executors import ExecutorInfo
from sim.experiments.models import Model, RunTask

OK, FAILED = "ok", "failed"
RunRecord = dict[str, Any]
"""`point_id`, `replicate`, `seed`, `status` ("ok"/"failed"), `outcomes` (name -> value),
`error` (one line) and `traceback` (None when ok)."""


ENVIRONMENT_ERRORS = (OSError, MemoryError)
"""Failures of the machine, not of the model: a full or read-only disk, no permission, a lost
connection, memory exhausted. They stop the experiment and are never recorded as failed runs."""


def _names_of(classes: tuple[type[BaseException], ...]) -> frozenset[str]:
    names: set[str] = set()
    pending = list(classes)
    while pending:
        cls = pending.pop()
        names.add(cls.__name__)
        pending += cls.__subclasses__()
    return frozenset(names)


ENVIRONMENT_ERROR_NAMES = _names_of(ENVIRONMENT_ERRORS)
"""Their class names, as a failed record's `error` starts (`OSError: [Errno 28] ...`)."""


class EngineError(RuntimeError):
    """The executor could not deliver a run, or the machine failed it (not a model error): the
    experiment stopped."""


def execute(model: Model, task: RunTask) -> RunRecord:
    """Worker side: run one task and return its small record. A model error becomes a failed
    record; an environment error (ENVIRONMENT_ERRORS) is raised, so the run is not recorded."""
    record: RunRecord = {"point_id": task.point_id, "replicate": task.replicate,
                         "seed": task.seed}
    try:
        outcomes = dict(model(task))
    except ENVIRONMENT_ERRORS:
        raise
    except Exception as error:
        return {**record, "status": FAILED, "outcomes": {},
                "error": f"{type(error).__name__}: {error}".splitlines()[0],
                "traceback": traceback.format_exc()}
    return {**record, "status": OK, "outcomes": outcomes, "error": None, "traceback": None}


def is_environment_failure(record: dict[str, Any]) -> bool:
    """Whether a failed record is really an environment failure (journals written before
    regsim told them apart recorded e.g. `OSError: [Errno 28] No space left on device`)."""
    if record.get("status") != FAILED:
        return False
    error = str(record.get("error") or "")
    return error.partition(":")[0] in ENVIRONMENT_ERROR_NAMES


MAX_CHUNK_RUNS = 1000
"""The most runs one submission carries (a fast function model): bounds the size of one
message and what a lost chunk costs."""
TAIL_CHUNKS_PER_SLOT = 2
"""Near the end, chunks shrink so that at least this many remain per worker slot: no worker
idles while another finishes a long chunk."""


CHUNK_WALL_FACTOR = 4
"""A chunk also holds at most this many times `target_s` of wall time: a model that waits on
something else (little CPU per run) is not sent in huge chunks."""


@dataclass
class ChunkSizer:
    """How many runs the next submission carries.

    About `target_s` seconds of runs' CPU time, from the mean CPU time of the runs measured so
    far (the cost a chunk's messages are spread over; on a shared machine a run's wall time
    says more about the load than about the run), but at most CHUNK_WALL_FACTOR x `target_s`
    of their mean wall time; one run per chunk until a chunk has come back. Without CPU times
    (`observe` given none), `target_s` of wall time. At most MAX_CHUNK_RUNS, and, when
    `total_runs` is known, at most the remaining runs / (`slots` x TAIL_CHUNKS_PER_SLOT).
    With `target_s` None, every submission carries one run.
    """

    target_s: float | None = None
    slots: int = 1
    total_runs: int | None = None
    submitted: int = 0
    measured_runs: int = 0
    measured_s: float = 0.0
    measured_cpu_s: float | None = None

    def next_size(self) -> int:
        """Runs in the next chunk (at least 1)."""
        if not self.target_s or not self.measured_runs:
            return 1
        per_run_s = max(self.measured_s / self.measured_runs, 1e-9)
        runs = self.target_s / per_run_s
        if self.measured_cpu_s is not None:
            per_run_cpu_s = max(self.measured_cpu_s / self.measured_runs, 1e-9)
            runs = min(self.target_s / per_run_cpu_s, CHUNK_WALL_FACTOR * runs)
        size = min(MAX_CHUNK_RUNS, max(1, int(runs)))
        if self.total_runs is not None:
            remaining = max(self.total_runs - self.submitted, 1)
            size = min(size, max(1, math.ceil(remaining / (max(1, self.slots)
                                                           * TAIL_CHUNKS_PER_SLOT))))
        return size

    def observe(self, runs: int, seconds: float, cpu_s: float | None = None) -> None:
        """Learn from a chunk that came back: `runs` runs in `seconds` (wall, in the worker),
        of which `cpu_s` CPU seconds (their own, if known)."""
        self.measured_runs += runs
        self.measured_s += max(seconds, 0.0)
        if cpu_s is not None:
            self.measured_cpu_s = (self.measured_cpu_s or 0.0) + max(cpu_s, 0.0)


@dataclass
class ChunkResult:
    """A worker's answer for one chunk: the records of the runs it finished, in task order,
    their wall time in seconds, the environment error that stopped the chunk (None if every
    run finished; the runs after it were not run), the runs' own CPU time in seconds
    (`time.process_time` around each model call), which worker ran it, whether the chunk
    brought it the model, and whether the worker lacked the model (nothing ran: send the
    chunk again with it)."""

    records: list[RunRecord] = field(default_factory=list)
    seconds: float = 0.0
    error: BaseException | None = None
    cpu_s: float = 0.0
    worker: str = ""
    received_model: bool = False
    missing_model: bool = False


@dataclass(frozen=True)
class ModelParcel:
    """What a chunk carries of its model: its `token`, and the model itself until the worker
    is known to hold it (then None, and the worker takes it from `_WORKER_MODELS`)."""

    token: str
    model: Model | None = None


MODELS_KEPT_PER_WORKER = 8
"""Models (scenarios) a worker keeps for later chunks: the recent ones of a warm worker's
experiments; older ones are dropped, and sent again if needed."""
_WORKER_MODELS: OrderedDict[str, Model] = OrderedDict()
_WORKER_ID: list[str] = []


def worker_id() -> str:
    """This process, as the engine names workers (host, process id and a random tag, so that a
    reused process id is another worker)."""
    if not _WORKER_ID or not _WORKER_ID[0].endswith(f"/{os.getpid()}"):
        _WORKER_ID[:] = [f"{socket.gethostname()}/{uuid.uuid4().hex[:8]}/{os.getpid()}"]
    return _WORKER_ID[0]


def _unpack(parcel: ModelParcel | Model) -> tuple[Model | None, bool]:
    """Worker side: the parcel's model (kept for the next chunks) and whether it came with
    this chunk; (None, False) if the worker does not hold it. A bare model is used as is."""
    if not isinstance(parcel, ModelParcel):
        return parcel, True
    if parcel.model is not None:
        _WORKER_MODELS[parcel.token] = parcel.model
        _WORKER_MODELS.move_to_end(parcel.token)
        while len(_WORKER_MODELS) > MODELS_KEPT_PER_WORKER:
            _WORKER_MODELS.popitem(last=False)
        return parcel.model, True
    model = _WORKER_MODELS.get(parcel.token)
    if model is not None:
        _WORKER_MODELS.move_to_end(parcel.token)
    return model, False


def execute_chunk(parcel: ModelParcel | Model, tasks: list[RunTask]) -> ChunkResult:
    """Worker side: run each task of a chunk (`execute`), stopping at an environment error,
    and sum the runs' own CPU time. `parcel` is a `ModelParcel` (or the model itself)."""
    started = time.perf_counter()
    model, received = _unpack(parcel)
    if model is None:
        return ChunkResult(worker=worker_id(), missing_model=True)
    records, cpu_s, error = [], 0.0, None
    for task in tasks:
        cpu_started = time.process_time()
        try:
            records.append(execute(model, task))
        except ENVIRONMENT_ERRORS as stopped:
            error = stopped
        cpu_s += time.process_time() - cpu_started
        if error is not None:
            break
    return ChunkResult(records, time.perf_counter() - started, error, cpu_s, worker_id(),
                       received)


@dataclass
class EngineStats:
    """What the engine measured while running tasks (`run_tasks(stats=...)`), to tell the
    runs' own CPU time from the engine's: runs recorded, the sum of their CPU seconds (in
    their workers), chunk sizes submitted (size -> count), models sent with a chunk, how
    often a worker lacked the model, and how many chunks each worker received a model with
    (worker -> count). A run's CPU is its process's (`time.process_time`): exact in a local
    worker, which runs one run at a time; on a cluster worker running several runs in threads
    at once, it includes theirs too."""

    runs: int = 0
    run_cpu_s: float = 0.0
    chunk_sizes: Counter[int] = field(default_factory=Counter)
    model_shipments: int = 0
    missing_model: int = 0
    received: Counter[str] = field(default_factory=Counter)

    @property
    def chunks(self) -> int:
        return sum(self.chunk_sizes.values())


MODELS_TRACKED = 64
"""Models the parent remembers the holders of (the most recent): a model met again after
that is sent to the workers again, so that a run over many models keeps its memory flat."""


class _Shipper:
    """Parent side: which workers hold which model. A model goes with a chunk while fewer
    workers hold it (or are being sent it) than there are slots; a worker that lacked it gets
    the chunk again with the model. Tokens are unique to this call (and random), so a warm
    worker never confuses two experiments' models."""

    def __init__(self, slots: int, stats: EngineStats) -> None:
        self.slots, self.stats = max(1, slots), stats
        self._tokens: OrderedDict[int, tuple[Model, str]] = OrderedDict()
        self._holders: dict[str, set[str]] = {}
        self._sending: Counter[str] = Counter()

    def parcel(self, model: Model, force: bool = False) -> ModelParcel:
        known = self._tokens.get(id(model))
        if known is None or known[0] is not model:
            known = self._tokens[id(model)] = (model, uuid.uuid4().hex)
            while len(self._tokens) > MODELS_TRACKED:
                _, (_, dropped) = self._tokens.popitem(last=False)
                self._holders.pop(dropped, None)
                self._sending.pop(dropped, None)
        self._tokens.move_to_end(id(model))
        token = known[1]
        holders = self._holders.setdefault(token, set())
        if force or len(holders) + self._sending[token] < self.slots:
            self._sending[token] += 1
            self.stats.model_shipments += 1
            return ModelParcel(token, model)
        return ModelParcel(token)

    def returned(self, parcel: ModelParcel, result: ChunkResult) -> None:
        if parcel.model is not None and self._sending.get(parcel.token, 0) > 0:
            self._sending[parcel.token] -= 1
        if result.received_model:
            self.stats.received[result.worker] += 1
        if not result.missing_model and parcel.token in self._holders:
            self._holders[parcel.token].add(result.worker)


def run_tasks(
    jobs: Iterable[tuple[Model, RunTask]],
    executor: Executor | ExecutorInfo,
    on_record: Callable[[RunRecord], None],
    max_in_flight: int | None = None,
    total_runs: int | None = None,
    stats: EngineStats | None = None,
) -> int:
    """Run every `(model, task)` job on `executor`, calling `on_record` in completion order.

    `executor` is an `ExecutorInfo` (its `max_in_flight` and chunking apply) or a bare
    Executor (one run per submission); `max_in_flight` overrides how many submissions may be
    pending (default: the ExecutorInfo's, else 1). `total_runs`, the number of jobs if known,
    lets the last chunks shrink so that every worker stays busy. Consecutive jobs of the same
    model travel together. `stats`, if given, accumulates what the engine measured
    (`EngineStats`). Returns the number of runs recorded. Raises EngineError if a run is
    lost (its record is not delivered); pending runs are cancelled first.
    """
    if isinstance(executor, ExecutorInfo):
        pool, in_flight = executor.executor, max_in_flight or executor.max_in_flight
        sizer = ChunkSizer(executor.chunk_target_s, executor.slots, total_runs)
    else:
        pool, in_flight = executor, max_in_flight or 1
        sizer = ChunkSizer(None)
    stats = stats if stats is not None else EngineStats()
    shipper = _Shipper(sizer.slots, stats)
    source = _Jobs(jobs)
    pending: dict[Future, tuple[ModelParcel, Model, list[RunTask]]] = {}

    def submit(model: Model, tasks: list[RunTask], force: bool = False) -> None:
        parcel = shipper.parcel(model, force)
        pending[submit_to(pool, execute_chunk, parcel, tasks)] = (parcel, model, tasks)

    recorded = 0
    try:
        while True:
            while len(pending) >= max(1, in_flight):
                recorded += _drain(pending, on_record, sizer, shipper, submit)
            chunk = source.take(sizer.next_size())
            if chunk is None:
                break
            sizer.submitted += len(chunk[1])
            stats.chunk_sizes[len(chunk[1])] += 1
            submit(*chunk)
        while pending:
            recorded += _drain(pending, on_record, sizer, shipper, submit)
    except BaseException:
        for future in pending:
            future.cancel()
        raise
    return recorded


class _Jobs:
    """The jobs, taken a chunk at a time: up to `size` consecutive jobs of one model."""

    def __init__(self, jobs: Iterable[tuple[Model, RunTask]]) -> None:
        self._jobs: Iterator[tuple[Model, RunTask]] = iter(jobs)
        self._held: tuple[Model, RunTask] | None = None

    def take(self, size: int) -> tuple[Model, list[RunTask]] | None:
        first = self._held or next(self._jobs, None)
        self._held = None
        if first is None:
            return None
        model, tasks = first[0], [first[1]]
        for job in itertools.islice(self._jobs, size - 1):
            if job[0] is not model:  # another model: it starts the next chunk
                self._held = job
                break
            tasks.append(job[1])
        return model, tasks


def _drain(pending: dict[Future, tuple[ModelParcel, Model, list[RunTask]]],
           on_record: Callable[[RunRecord], None], sizer: ChunkSizer, shipper: _Shipper,
           submit: Callable[..., None]) -> int:
    """Record every finished chunk's runs (a chunk whose worker lacked the model is sent again
    with it); then raise EngineError for the first chunk that was lost or stopped by the
    machine (the runs that did finish are recorded first)."""
    done, _ = wait(pending, return_when=FIRST_COMPLETED)
    recorded, failure = 0, None
    for future in done:
        parcel, model, tasks = pending.pop(future)
        try:
            chunk = future.result()
        except Exception as error:
            failure = failure or error
            continue
        shipper.returned(parcel, chunk)
        if chunk.missing_model:
            shipper.stats.missing_model += 1
            submit(model, tasks, force=True)
            continue
        sizer.observe(len(chunk.records), chunk.seconds, chunk.cpu_s)
        shipper.stats.runs += len(chunk.records)
        shipper.stats.run_cpu_s += chunk.cpu_s
        for record in chunk.records:
            _record(on_record, record)
            recorded += 1
        failure = failure or chunk.error
    if failure is not None:
        raise EngineError(lost_run_message(failure)) from failure
    return recorded


def _record(on_record: Callable[[RunRecord], None], record: RunRecord) -> None:
    try:
        on_record(record)
    except ENVIRONMENT_ERRORS as error:
        raise EngineError(f"a finished run could not be recorded: "
                          f"{_describe(error)}") from error


def run_calls(
    calls: Iterable[tuple[Callable[..., Any], tuple[Any, ...]]],
    executor: ExecutorInfo,
    on_result: Callable[[Any], None],
) -> int:
    """Submit each `(function, arguments)` call to `executor`, at most its `max_in_flight` at
    once, and hand each result to `on_result` in completion order. Returns the number of calls.

    For work whose every result is needed (a run's replicates): an exception raised by a call
    is raised here as it is (a model error, an OSError), after cancelling the pending calls;
    a call lost by the executor (a worker killed, a cancelled call) raises EngineError.
    """
    from concurrent.futures import CancelledError
    from concurrent.futures.process import BrokenProcessPool

    pending: set[Future] = set()
    delivered = 0

    def drain() -> int:
        done, _ = wait(pending, return_when=FIRST_COMPLETED)
        for future in done:
            pending.discard(future)
            try:
                result = future.result()
            except (BrokenProcessPool, CancelledError) as error:
                raise EngineError(lost_run_message(error)) from error
            on_result(result)
        return len(done)

    try:
        for function, arguments in calls:
            while len(pending) >= max(1, executor.max_in_flight):
                delivered += drain()
            pending.add(submit_to(executor.executor, function, *arguments))
        while pending:
            delivered += drain()
    except BaseException:
        for future in pending:
            future.cancel()
        raise
    return delivered


def submit_to(pool: Executor, function: Callable[..., Any], *arguments: Any) -> Future:
    """`pool.submit(function, *arguments)`; a pool already broken when the call is submitted
    (a worker lost while earlier calls were still being submitted: on a busy machine an
    unguarded script's workers stop that early) raises EngineError saying why, as a call lost
    later does."""
    from concurrent.futures.process import BrokenProcessPool

    try:
        return pool.submit(function, *arguments)
    except BrokenProcessPool as error:
        raise EngineError(lost_run_message(error)) from error


def lost_run_message(error: BaseException) -> str:
    """Why a run was not delivered, in one line."""
    from concurrent.futures import CancelledError
    from concurrent.futures.process import BrokenProcessPool

    if isinstance(error, BrokenProcessPool):
        from sim.experiments.executors import lost_worker_reason

        return lost_worker_reason() or "a worker process was lost (killed, or out of memory)"
    if isinstance(error, CancelledError):
        return "a run was cancelled"
    if isinstance(error, ENVIRONMENT_ERRORS):
        return f"a run could not finish: {_describe(error)}"
    return f"a run was lost by the executor: {type(error).__name__}: {error}".splitlines()[0]


def _describe(error: BaseException) -> str:
    if isinstance(error, OSError) and error.strerror:
        return error.strerror + (f" ({error.filename})" if error.filename else "")
    if isinstance(error, MemoryError):
        return "out of memory"
    return f"{type(error).__name__}: {error}".splitlines()[0]
