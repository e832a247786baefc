"""Executors: where runs execute. Every engine is a `concurrent.futures.Executor`.

- one worker: `SerialExecutor`, in this process (no start-up cost, no pickling);
- N workers: a local process pool (`pool_context`). On Linux its workers are forked from a
  fork server, a single-threaded process of its own that imports what a run needs once
  (`PRELOAD_MODULES`), so no worker pays for the imports again; the regsim process itself is
  never forked (it holds threads). Elsewhere, and for the dashboard, workers are spawned
  (`worker_context`): each starts a fresh interpreter and imports the model itself. Either way
  the choice does not depend on Mesa (3.3 sets spawn globally on import), a worker imports
  nothing from the working directory, leaves Ctrl-C to its parent and dies with it;
- `tcp://HOST:PORT`: a Dask distributed cluster through `Client.get_executor(pure=False)`.
  Dask is optional (`pip install -e '.[cluster]'`); it is imported only when asked for.

Another engine (MPI's `mpi4py.futures.MPIPoolExecutor`, loky, ...) fits by wrapping its executor
in an `ExecutorInfo`: the sweep engine only calls `submit` and waits on the futures.
"""

from __future__ import annotations

import atexit
import ctypes
import importlib
import multiprocessing
import os
import signal
import sys
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Executor, Future, ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from multiprocessing import resource_tracker
from multiprocessing.context import BaseContext, SpawnContext, SpawnProcess
from typing import Any

from sim.extras import MissingExtraError, require_extra

FORK_SERVER_PLATFORM = sys.platform.startswith("linux")
"""Whether local pools fork their workers from a fork server. Linux only: macOS's system
libraries (Accelerate, which numpy may use) are not safe to use in a forked child, and Windows
cannot fork."""
START_METHOD = "forkserver" if FORK_SERVER_PLATFORM else "spawn"
"""How `pool_context` starts workers (recorded in each sweep's manifest)."""
IN_FLIGHT_PER_WORKER = 2
"""Chunks of runs submitted ahead per worker: one running and one waiting keeps each busy;
few enough to keep memory flat."""
CHUNK_TARGET_S = 0.25
"""Seconds of runs one submission to a pool or cluster carries (`sim.experiments.engine`):
a message costs about a millisecond, so the overhead stays under 1% for a fast model, and a
lost chunk costs little to run again."""
DASK_CONNECT_TIMEOUT_S = 15
PRELOAD_MODULES = ("sim.experiments.runner", "sim.model.world", "sim.model.outputs",
                   "sim.experiments.engine", "sim.experiments.design",
                   "sim.experiments.uncertainty", "sim.scenario.loader")
"""Imported by each local worker as it starts: everything running a regsim scenario imports,
so that no run pays for an import (a worker serves every run of a sweep, and with
`warm_executor` every experiment of a session)."""
SAFE_PATH_VARIABLE = "PYTHONSAFEPATH"
"""Set while a worker (or the fork server) starts: its interpreter then puts no working
directory on `sys.path`.
Spawned workers (and multiprocessing's resource tracker) start as `python -c ...`, which would
otherwise import `multiprocessing`, and later numpy or mesa, from whatever folder regsim was
run in. A worker's `sys.path` is then its parent's (multiprocessing copies it), so it imports
exactly what its parent imports."""
FORK_SERVER_ENVIRONMENT = {"OPENBLAS_NUM_THREADS": "1",
                           "JE_ARROW_MALLOC_CONF": "background_thread:false"}
"""The fork server's environment, beyond its parent's: without them numpy's and scipy's
OpenBLAS and pyarrow's jemalloc (which pandas imports) each start a thread when imported, and
the server would fork a threaded process. Its workers inherit them: a worker runs one run at a
time on one core, so a single BLAS thread is what it should use anyway (the model's BLAS calls
are far too small to be split between threads)."""
LOST_WORKER_WAIT_S = 15.0
"""Longest wait, seconds, for a lost worker's exit status before saying why it was lost
(`lost_worker_reason`)."""
UNGUARDED_MAIN_EXIT_STATUS = 87
"""Exit status of a worker that found its parent's script starting workers at import (no
`if __name__ == "__main__":` guard): it stops at once, and the parent says why."""
PR_SET_PDEATHSIG = 1  # linux/prctl.h
WATCHDOG_INTERVAL_S = 1.0
"""How often a worker checks that the process that started it is still alive."""


class ExecutorUnavailableError(RuntimeError):
    """The requested engine cannot be used (not installed, or the scheduler unreachable)."""


@dataclass
class ExecutorInfo:
    """An executor, a JSON-able description for manifests, how many submissions to keep
    queued, and how runs are chunked (`sim.experiments.engine.ChunkSizer`)."""

    executor: Executor
    description: dict[str, Any] = field(default_factory=dict)
    max_in_flight: int = 1
    chunk_target_s: float | None = None
    """Seconds of runs per submission; None: one run per submission (an executor that runs
    each call where it is submitted gains nothing from chunks)."""
    slots: int = 1
    """How many runs execute at once (worker processes, cluster threads)."""


class SerialExecutor(Executor):
    """Runs each call when it is submitted, in this process, and returns a finished future."""

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future:
        future: Future = Future()
        try:
            result = fn(*args, **kwargs)
        except Exception as error:  # delivered through the future, as a pool would
            future.set_exception(error)
        else:
            future.set_result(result)
        return future


@contextmanager
def open_executor(
    workers: int = 1, scheduler: str | None = None, preload: Sequence[str] = PRELOAD_MODULES
) -> Iterator[ExecutorInfo]:
    """The executor for `workers` local processes (1: in this process), or for the Dask
    scheduler at `scheduler` (e.g. "tcp://10.0.0.5:8786"), shut down on exit.

    Local worker processes start at once and import the `preload` modules, so their start-up
    overlaps with whatever the caller does before submitting runs. Raises
    ExecutorUnavailableError if Dask is missing or the scheduler cannot be reached, and
    ValueError for fewer than one worker.
    """
    if scheduler:
        with dask_executor(scheduler) as info:
            yield info
        return
    if workers < 1:
        raise ValueError(f"workers must be at least 1, found {workers}")
    if workers == 1:
        yield ExecutorInfo(SerialExecutor(), {"kind": "serial", "workers": 1}, 1)
        return
    pool = start_pool(workers, preload)
    try:
        yield pool_info(pool, workers)
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def start_pool(workers: int, preload: Sequence[str] = PRELOAD_MODULES) -> ProcessPoolExecutor:
    """A process pool of `workers` processes (`pool_context`), each started now and holding
    the `preload` modules."""
    context = pool_context(preload)
    pool = ProcessPoolExecutor(max_workers=workers, mp_context=context,
                               initializer=start_worker, initargs=(os.getpid(), tuple(preload)))
    from concurrent.futures.process import BrokenProcessPool

    for _ in range(workers):  # start every worker now rather than at the first runs
        try:
            pool.submit(_import_all, ())
        except BrokenProcessPool:  # a worker already lost: the first run's submission says why
            break
    return pool


class WorkerProcess(SpawnProcess):
    """A spawned process that imports nothing from the working directory and ignores Ctrl-C
    (SIGINT): its parent stops the work and says so in one line, rather than every worker
    printing a KeyboardInterrupt traceback."""

    @staticmethod
    def _Popen(process_obj: Any) -> Any:  # noqa: N802 (multiprocessing's name)
        _STARTED.append(process_obj)
        with _child_start():
            return SpawnProcess._Popen(process_obj)

    def run(self) -> None:
        _ignore_interrupts()
        super().run()


class WorkerContext(SpawnContext):
    """multiprocessing's spawn context, starting `WorkerProcess`es."""

    Process = WorkerProcess


if FORK_SERVER_PLATFORM:
    from multiprocessing import forkserver
    from multiprocessing.context import ForkServerContext, ForkServerProcess

    class ForkedWorkerProcess(ForkServerProcess):
        """A worker forked from the fork server, ignoring Ctrl-C as a `WorkerProcess` does
        (SIGINT stays blocked from the server's start until the worker ignores it)."""

        @staticmethod
        def _Popen(process_obj: Any) -> Any:  # noqa: N802 (multiprocessing's name)
            _STARTED.append(process_obj)
            # (as `pool_context` starts the server: multiprocessing restarts a lost one here)
            with _child_start(_fork_server_environment()):
                return ForkServerProcess._Popen(process_obj)

        def run(self) -> None:
            _ignore_interrupts()
            super().run()

    class ForkedWorkerContext(ForkServerContext):
        """multiprocessing's forkserver context, starting `ForkedWorkerProcess`es."""

        Process = ForkedWorkerProcess


STARTED_KEPT = 32
"""Worker processes remembered for `lost_worker_reason` (the most recently started): every
worker of an unguarded script stops alike, so the last few say why."""
_STARTED: deque[multiprocessing.process.BaseProcess] = deque(maxlen=STARTED_KEPT)
"""The workers this process started most recently, held strongly: a broken pool drops its
own references to its workers as it shuts down (ProcessPoolExecutor.shutdown), and a weak set
then lost, on a busy machine, the one exit status that said why the pool broke."""
_START_LOCK = threading.Lock()


def worker_context() -> WorkerContext:
    """The context every process pool regsim starts uses (sweeps, runs, the dashboard).

    Starts multiprocessing's resource tracker the same way if it is not running yet. Stops a
    process that is itself a worker re-running its parent's unguarded script
    (`UNGUARDED_MAIN_EXIT_STATUS`), before it starts workers of its own."""
    _stop_if_inheriting()
    if sys.platform != "win32":  # Windows has no resource tracker process
        with _child_start():
            resource_tracker.ensure_running()
    return WorkerContext()


def pool_context(preload: Sequence[str] = PRELOAD_MODULES) -> BaseContext:
    """The context of regsim's local pools (sweeps, runs, comparisons, searches): on Linux,
    workers forked from this process's fork server, which imports `preload` once as it
    starts (`FORK_SERVER_PLATFORM`); elsewhere `worker_context()`.

    The server starts now if it is not running (once per process; a server already running
    keeps the modules it was started with: workers import what else they need). Like every
    child, it starts with `SAFE_PATH_VARIABLE` set and SIGINT blocked, and imports what this
    process would: its `PYTHONPATH` is this process's `sys.path`."""
    context = worker_context()
    if not FORK_SERVER_PLATFORM:
        return context
    with _child_start(_fork_server_environment()):
        forkserver.set_forkserver_preload(list(preload))
        forkserver.ensure_running()
    return ForkedWorkerContext()


def _fork_server_environment() -> dict[str, str]:
    """`FORK_SERVER_ENVIRONMENT`, and this process's `sys.path` as `PYTHONPATH`."""
    path = os.pathsep.join(entry for entry in sys.path if entry)
    return {**FORK_SERVER_ENVIRONMENT, "PYTHONPATH": path}


def _stop_if_inheriting() -> None:
    """In a worker re-running its parent's unguarded script as it starts: stop it with
    `UNGUARDED_MAIN_EXIT_STATUS` before it starts workers of its own (at once: a worker forked
    by the fork server would otherwise report a plain failure)."""
    if getattr(multiprocessing.current_process(), "_inheriting", False):
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(UNGUARDED_MAIN_EXIT_STATUS)


@contextmanager
def _child_start(environment: dict[str, str] | None = None) -> Iterator[None]:
    """While a child process starts: `SAFE_PATH_VARIABLE` (and `environment`) set in the
    environment it inherits, and SIGINT blocked in the signal mask it inherits (unblocked once
    it ignores SIGINT, so a Ctrl-C while it starts up cannot interrupt it either)."""
    variables = {SAFE_PATH_VARIABLE: "1", **(environment or {})}
    with _START_LOCK:
        previous = {name: os.environ.get(name) for name in variables}
        os.environ.update(variables)
        mask = _block_interrupts()
        try:
            yield
        finally:
            if mask is not None:
                signal.pthread_sigmask(signal.SIG_SETMASK, mask)
            for name, value in previous.items():
                if value is None:
                    del os.environ[name]
                else:
                    os.environ[name] = value


def _block_interrupts() -> set[signal.Signals] | None:
    if not hasattr(signal, "pthread_sigmask"):
        return None  # Windows: no signal masks (and no SIGINT from the terminal's group)
    return signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})


def _ignore_interrupts() -> None:
    """In a worker: ignore SIGINT, then discard one that arrived while it started."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if hasattr(signal, "pthread_sigmask"):
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})


def lost_worker_reason() -> str | None:
    """Why a worker process of this process was lost, if regsim knows; else None. Knows one
    cause: the script run as `__main__` starts workers when imported, and every worker
    re-imports it as it starts (as multiprocessing's spawn and forkserver methods do), so each
    one stopped."""
    started = list(_STARTED)
    # The pool may see a worker gone before its exit status arrives (through the fork server,
    # late on a busy machine: 2 s was not always enough). Wait for it, up to LOST_WORKER_WAIT_S
    # or until every worker has its status (an error path: waiting costs nothing that matters).
    deadline = time.monotonic() + LOST_WORKER_WAIT_S
    while not any(process.exitcode == UNGUARDED_MAIN_EXIT_STATUS for process in started):
        if (time.monotonic() > deadline
                or all(process.exitcode is not None for process in started)):
            return None
        time.sleep(0.05)
    _STARTED.clear()  # said once: a later pool's workers are judged on their own statuses
    main = sys.modules.get("__main__")
    script = os.path.basename(getattr(main, "__file__", None) or "your script")
    return (f"worker processes could not start: each one re-runs {script} as it starts, and "
            f"{script} starts workers again when it runs; put the code that calls sim under "
            f"`if __name__ == \"__main__\":` (see docs/python.md), or pass workers=1")


def pool_info(pool: Executor, workers: int) -> ExecutorInfo:
    """The ExecutorInfo of a local pool of `workers` processes."""
    description = {"kind": "process_pool", "workers": workers, "start_method": START_METHOD}
    return ExecutorInfo(pool, description, workers * IN_FLIGHT_PER_WORKER, CHUNK_TARGET_S,
                        workers)


_WARM_POOLS: dict[int, ProcessPoolExecutor] = {}


@contextmanager
def warm_executor(workers: int = 1) -> Iterator[ExecutorInfo]:
    """Like `open_executor(workers)`, but a pool outlives the block: the next call with as many
    workers reuses its processes, their imports already paid. For the Python API, where one
    session runs experiment after experiment. A pool that lost a worker is replaced; every
    pool shuts down when the interpreter exits (or with `shutdown_warm_executors`).
    """
    if workers < 1:
        raise ValueError(f"workers must be at least 1, found {workers}")
    if workers == 1:
        yield ExecutorInfo(SerialExecutor(), {"kind": "serial", "workers": 1}, 1)
        return
    pool = _WARM_POOLS.get(workers)
    if pool is None or getattr(pool, "_broken", False):
        if pool is not None:
            pool.shutdown(wait=False, cancel_futures=True)
        if not _WARM_POOLS:
            atexit.register(shutdown_warm_executors)
        pool = _WARM_POOLS[workers] = start_pool(workers)
    try:
        yield pool_info(pool, workers)
    except BaseException:
        if getattr(pool, "_broken", False):
            _WARM_POOLS.pop(workers, None)
            pool.shutdown(wait=False, cancel_futures=True)
        raise


def shutdown_warm_executors() -> None:
    """Shut down the pools `warm_executor` keeps."""
    while _WARM_POOLS:
        _, pool = _WARM_POOLS.popitem()
        pool.shutdown(wait=True, cancel_futures=True)


def start_worker(parent_pid: int, modules: Sequence[str]) -> None:
    """Initialise a local worker: die with the parent, then import `modules` (at once if the
    fork server imported them).

    A worker must not outlive the sweep that started it (after `kill -9` of the parent it would
    otherwise wait forever, and keep multiprocessing's resource tracker and the fork server
    alive). On Linux the kernel sends SIGKILL when the process that started it dies
    (PR_SET_PDEATHSIG: the parent, or the fork server); everywhere, a watchdog thread exits the
    worker once its parent is gone.
    """
    die_with_parent(parent_pid)
    _import_all(modules)


def die_with_parent(parent_pid: int) -> None:
    """Make this process exit when `parent_pid` dies, even by SIGKILL: its parent, or the
    parent of the fork server that forked it (a server outlives its parent while its workers
    live, so each worker watches that parent itself)."""
    if sys.platform.startswith("linux"):
        try:
            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        except (OSError, AttributeError):
            pass  # the watchdog below still applies
    direct = os.getppid()
    if not _parent_alive(parent_pid, direct):  # it died before the signal was armed
        os._exit(1)
    watchdog = threading.Thread(target=_watch_parent, args=(parent_pid, direct),
                                name="regsim-parent-watchdog", daemon=True)
    watchdog.start()


def _parent_alive(parent_pid: int, direct: int) -> bool:
    """Whether this worker's parent `direct` is still its parent and is `parent_pid` or its
    child (the fork server): a process whose parent dies is re-parented at once."""
    if os.getppid() != direct:
        return False
    return direct == parent_pid or _parent_of(direct) == parent_pid


def _parent_of(pid: int) -> int | None:
    """The parent process id of `pid` (Linux's /proc), or None if it cannot be read."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as stat:
            return int(stat.read().rsplit(")", 1)[1].split()[1])
    except (OSError, IndexError, ValueError):
        return None


def _watch_parent(parent_pid: int, direct: int) -> None:
    while _parent_alive(parent_pid, direct):
        time.sleep(WATCHDOG_INTERVAL_S)
    os._exit(1)  # orphaned: re-parented to init or a subreaper


def _import_all(modules: Sequence[str]) -> None:
    for module in modules:
        importlib.import_module(module)


@contextmanager
def dask_executor(address: str) -> Iterator[ExecutorInfo]:
    """A Dask distributed executor connected to the scheduler at `address`."""
    try:
        require_extra("cluster", "a Dask scheduler (--scheduler)",
                      also="and the same on every worker machine")
    except MissingExtraError as error:
        raise ExecutorUnavailableError(str(error)) from None
    from distributed import Client

    try:
        client = Client(address, timeout=DASK_CONNECT_TIMEOUT_S, set_as_default=False)
    except (OSError, TimeoutError) as error:
        message = f"cannot reach the Dask scheduler at {address}: {error}"
        raise ExecutorUnavailableError(message) from None
    try:
        threads = sum(client.nthreads().values())
        description = {"kind": "dask", "scheduler": address,
                       "workers": len(client.nthreads()), "threads": threads}
        executor = client.get_executor(pure=False)
        yield ExecutorInfo(executor, description, max(threads, 1) * IN_FLIGHT_PER_WORKER,
                           CHUNK_TARGET_S, max(threads, 1))
    finally:
        client.close()
