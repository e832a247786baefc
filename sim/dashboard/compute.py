"""The dashboard's compute engine: whole-horizon runs in a warm worker pool, cached, cancellable.

A lever change asks for one scenario over N seeds. Each replicate is one task for a process
pool started once per server (spawned workers, kept warm: the model is imported before the
first request), so the page never waits on the model in its own thread. Finished replicates are
cached by (scenario, seed): the unchanged baseline is computed once, and moving a lever back is
instant. A request superseded by a newer lever change is cancelled: its replicates that have not
started are withdrawn from the pool unless another request is waiting for them.

The neighbouring settings (`Engine.background`) run in a second pool whose workers are niced
(`BACKGROUND_NICENESS`): the operating system gives the page's own replicates the cores at
once, so a lever moved while neighbours compute never waits for one of them, and a setting
the background has not finished is computed afresh in the page's pool.

`Engine.run` is a coroutine (Solara awaits it in its event loop); `Engine.run_blocking` is the
same for scripts and tests.
"""

from __future__ import annotations

import asyncio
import concurrent.futures as cf
import hashlib
import json
import os
import pickle
import threading
import time
import zlib
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any

from sim.dashboard.runs import Draw, RunSet, draw_from
from sim.experiments.executors import worker_context
from sim.scenario.errors import ScenarioError
from sim.scenario.schema import Scenario

WORKERS = max(1, min(2, os.cpu_count() or 1))
"""Worker processes: the machine's cores, at most 2 (a workshop laptop; the model is serial)."""

PARENT_CHECK_S = 1.0
"""How often a worker checks that the server which started it still runs."""

BACKGROUND_NICENESS = 19
"""Niceness of the background workers: the lowest priority, so they take only the CPU the
page's own replicates leave idle (a niced process gets ~1.5% of a core a normal one wants)."""

CACHE_DRAWS = 1000
"""Replicates kept in memory (about 100 lever settings of 10 draws, the neighbours computed in
the background included; ~60 kB each)."""

RUN_SETS = 32
"""Run sets kept with their statistics (`Engine._run_set`): the settings of a session's last
lever moves and their references."""


def scenario_key(scenario: Scenario) -> str:
    """A stable digest of everything that determines a scenario's numbers: a switched-off
    instrument counts only by its kind and name (its other parameters change no number), so
    moving a slider and then switching its instrument off finds the reference in the cache."""
    text = json.dumps(_determining(scenario.model_dump(mode="json")), sort_keys=True,
                      separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()[:20]


def _determining(raw: dict[str, Any]) -> dict[str, Any]:
    """`raw` (a scenario dumped as JSON data) with each switched-off instrument reduced to its
    kind and name. An instrument that a dated change touches keeps every parameter (the change
    may switch it on). A disabled instrument never activates (`Regulator._due`) and draws are
    keyed by purpose, so the rest of its table is inert (`tests/test_dashboard_present.py`
    checks the outputs are identical)."""
    touched = {key.split(".policies.", 1)[1].split(".", 1)[0]
               for change in raw.get("changes") or [] for key in change.get("set", {})
               if ".policies." in key}
    regulators = []
    for regulator in raw.get("regulators") or []:
        policies = []
        for policy in regulator.get("policies") or []:
            name = policy.get("name") or policy.get("kind")
            if policy.get("enabled") is False and name not in touched:
                policy = {"kind": policy.get("kind"), "name": name, "enabled": False}
            policies.append(policy)
        regulators.append({**regulator, "policies": policies})
    return {**raw, "regulators": regulators}


def simulate(scenario: Scenario, seed: int) -> Draw:
    """One replicate of `scenario` with `seed` (what a worker runs), as a compact `Draw`: only
    the series the page shows cross back to the server (~10x smaller than the whole run)."""
    from sim.dashboard.headlines import shown_columns
    from sim.experiments.runner import run_replicate

    states = tuple(state.name for state in scenario.states)
    return draw_from(run_replicate(scenario, int(seed)), shown_columns(states))


def simulate_packed(scenario: Scenario, seed: int) -> bytes:
    """`simulate`, pickled and compressed in the worker: what crosses to the server per draw
    (~10 kB instead of ~60 kB: the page's series and story compress ~6x for ~1 ms)."""
    return zlib.compress(pickle.dumps(simulate(scenario, seed), pickle.HIGHEST_PROTOCOL), 6)


def unpacked(result: Draw | bytes) -> Draw:
    """A draw from what a worker sent (`simulate_packed`), or the draw itself."""
    if isinstance(result, bytes):
        return pickle.loads(zlib.decompress(result))  # from our own worker, never outside
    return result


def _watch_parent(parent_pid: int) -> None:
    """Worker initializer: exit when the server that started this worker is gone (killed
    without the chance to stop its pool), instead of lingering as an orphan."""

    def watch() -> None:
        while os.getppid() == parent_pid:
            time.sleep(PARENT_CHECK_S)
        os._exit(0)

    threading.Thread(target=watch, name="regsim-parent-watch", daemon=True).start()


def _background_worker(parent_pid: int) -> None:
    """Background worker initializer: lowest priority, and exit with the server."""
    if hasattr(os, "nice"):  # not on Windows: the background then only waits its turn
        os.nice(BACKGROUND_NICENESS)
    _watch_parent(parent_pid)


def _warm_up() -> int:
    """Import the model in a fresh worker, so the first real request does not pay for it."""
    import sim.experiments.runner  # noqa: F401
    import sim.model.world  # noqa: F401

    return os.getpid()


class _Pending:
    """A replicate submitted to the pool and how many requests are waiting for it."""

    def __init__(self, future: cf.Future) -> None:
        self.future = future
        self.waiters = 0


class Engine:
    """Runs and caches replicates (see the module docstring). Thread-safe."""

    def __init__(self, workers: int = WORKERS, cache_draws: int = CACHE_DRAWS) -> None:
        self.workers = workers
        self.cache_draws = cache_draws
        self._pool: cf.ProcessPoolExecutor | None = None
        self._background_pool: cf.ProcessPoolExecutor | None = None
        self._lock = threading.RLock()
        self._cache: OrderedDict[tuple[str, int], Draw] = OrderedDict()
        self._run_sets: OrderedDict[tuple[str, tuple[int, ...]], RunSet] = OrderedDict()
        """The run sets handed out (`_run_set`): the same draws give the same object, whose
        statistics are computed once however often the page shows them."""
        self._pending: dict[tuple[str, int], _Pending] = {}
        self.submitted = 0
        """Replicates handed to the pool so far (cache misses), for tests and benchmarks."""
        self.background_submitted = 0
        """Of which background replicates (`background`)."""
        self._jobs: Iterator[Callable[[], Scenario | None]] | None = None
        self._job_seeds: list[int] = []
        self._job_queue: list[tuple[Scenario, str, int]] = []
        self._background: dict[tuple[str, int], cf.Future] = {}
        """Background replicates submitted and not done (their own pool, `_background_pool`)."""
        self._wake = threading.Event()
        self._pumper: threading.Thread | None = None

    # The pool -------------------------------------------------------------------------------
    def _executor(self) -> cf.ProcessPoolExecutor:
        with self._lock:
            if self._pool is None:
                # spawn (no fork of a threaded server), importing nothing from the working
                # directory, as every pool regsim starts
                context = worker_context()
                self._pool = cf.ProcessPoolExecutor(self.workers, mp_context=context,
                                                    initializer=_watch_parent,
                                                    initargs=(os.getpid(),))
            return self._pool

    def _background_executor(self) -> cf.ProcessPoolExecutor:
        with self._lock:
            if self._background_pool is None:
                self._background_pool = cf.ProcessPoolExecutor(
                    self.workers, mp_context=worker_context(), initializer=_background_worker,
                    initargs=(os.getpid(),))
            return self._background_pool

    def warm(self) -> list[cf.Future]:
        """Start the workers and import the model in each (returns at once)."""
        pool = self._executor()
        return [pool.submit(_warm_up) for _ in range(self.workers)]

    def shutdown(self, terminate_running: bool = False) -> None:
        """Stop the workers (pending replicates are cancelled; running ones are waited for,
        or with `terminate_running` stopped at once)."""
        with self._lock:
            pools = [self._pool, self._background_pool]
            self._pool = self._background_pool = None
            self._pending.clear()
            self._jobs, self._job_queue = None, []
            self._background.clear()
        for pool in pools:
            if pool is not None:
                _stop(pool, terminate_running)

    # The cache ------------------------------------------------------------------------------
    def cached(self, scenario: Scenario, seeds: Sequence[int]) -> RunSet | None:
        """The run set if every replicate is cached already, else None."""
        key = scenario_key(scenario)
        with self._lock:
            draws = [self._cache.get((key, int(seed))) for seed in seeds]
            if any(draw is None for draw in draws):
                return None
            for seed in seeds:
                self._cache.move_to_end((key, int(seed)))
        return self._run_set(key, draws)  # type: ignore[arg-type]

    def _run_set(self, key: str, draws: Sequence[Draw]) -> RunSet:
        """The run set of these draws: the one handed out before if it holds the very same
        draws (its means and bands are then already computed), else a new one."""
        item = (key, tuple(draw.seed for draw in draws))
        with self._lock:
            known = self._run_sets.get(item)
            if known is not None and all(a is b for a, b in zip(known.draws, draws, strict=True)):
                self._run_sets.move_to_end(item)
                return known
            run_set = self._run_sets[item] = RunSet(key, tuple(draws))
            while len(self._run_sets) > RUN_SETS:
                self._run_sets.popitem(last=False)
            return run_set

    def _store(self, item: tuple[str, int], future: cf.Future) -> None:
        with self._lock:
            background = self._background.get(item) is future
            if background:
                self._background.pop(item)
            elif self._pending.get(item) is not None and self._pending[item].future is future:
                self._pending.pop(item)
            if future.cancelled():
                return
            if future.exception() is not None:
                if isinstance(future.exception(), cf.process.BrokenProcessPool):
                    # a worker died: the next request starts a new pool
                    if background:
                        self._background_pool = None
                    else:
                        self._pool = None
                return
            if item in self._cache:  # the page's pool and the background both computed it
                return
            self._cache[item] = unpacked(future.result())
            self._cache.move_to_end(item)
            while len(self._cache) > self.cache_draws:
                self._cache.popitem(last=False)
        self._pump()

    def _claim(self, scenario: Scenario, key: str, seed: int) -> cf.Future:
        """The future of one replicate: cached, already pending, or newly submitted."""
        item = (key, seed)
        with self._lock:
            if item in self._cache:
                done: cf.Future = cf.Future()
                done.set_result(self._cache[item])
                return done
            pending = self._pending.get(item)
            if pending is None:
                behind = self._background.get(item)
                if behind is not None:
                    behind.cancel()  # not started: withdrawn; running: it loses the race
                future = self._executor().submit(simulate_packed, scenario, seed)
                self.submitted += 1
                pending = self._pending[item] = _Pending(future)
                future.add_done_callback(lambda f, item=item: self._store(item, f))
            pending.waiters += 1
            return pending.future

    def _release(self, key: str, seed: int) -> None:
        """A request stopped waiting for a replicate: withdraw it if nobody else waits."""
        item = (key, seed)
        with self._lock:
            pending = self._pending.get(item)
            if pending is None:
                return
            pending.waiters -= 1
            if pending.waiters <= 0 and pending.future.cancel():
                self._pending.pop(item, None)

    # Requests -------------------------------------------------------------------------------
    async def run(self, scenario: Scenario, seeds: Sequence[int],
                  on_draws: Callable[[RunSet], None] | None = None) -> RunSet:
        """Every replicate of `scenario` for `seeds` (cached ones at once, the rest from the
        pool). `on_draws` is called with the first k draws (in seed order) each time k grows
        and k < len(seeds): an answer from the first draws while the rest compute. Cancelling
        the awaiting task withdraws the replicates not started yet."""
        key = scenario_key(scenario)
        seeds = [int(seed) for seed in seeds]
        futures = [self._claim(scenario, key, seed) for seed in seeds]
        self._withdraw_background()
        waiting = set(range(len(seeds)))
        try:
            draws: list[Draw] = []
            for index, future in enumerate(futures):
                if on_draws is not None and draws and not future.done():
                    on_draws(RunSet(key, tuple(draws)))
                draws.append(self._draw(key, seeds[index], await _wrapped(future)))
                waiting.discard(index)
                self._release(key, seeds[index])
            return self._run_set(key, draws)
        finally:
            for index in waiting:
                self._release(key, seeds[index])
            self._pump()

    def _draw(self, key: str, seed: int, result: Draw | bytes) -> Draw:
        """The draw of a finished replicate: the one `_store` unpacked into the cache (its
        callback runs first), so the page never unpacks a draw twice."""
        with self._lock:
            draw = self._cache.get((key, seed))
        return draw if draw is not None else unpacked(result)

    def _withdraw_background(self) -> None:
        """A page is waiting: withdraw the background replicates not started yet (those
        running are niced: they take no CPU the page's workers want)."""
        with self._lock:
            for item, future in list(self._background.items()):
                if future.cancel():
                    self._background.pop(item, None)

    # Background work ----------------------------------------------------------------------------
    def background(self, jobs: Iterable[Callable[[], Scenario | tuple[Scenario, Sequence[int]]
                                                  | None]],
                   seeds: Sequence[int]) -> None:
        """Compute these scenarios (each built lazily by its job; None skips it) into the
        cache while no page waits, at most one replicate per worker at a time, in the niced
        background pool (so a request from the page never waits for one). Replaces the
        previous jobs (the neighbours of a setting the page has left are no longer wanted).
        A job computes its scenario for `seeds`, or for its own seeds if it returns
        (scenario, seeds): one replicate's parameter draws (`sim.dashboard.verdicts`)."""
        with self._lock:
            self._jobs = iter(list(jobs))
            self._job_seeds = [int(seed) for seed in seeds]
            self._job_queue = []
            if self._pumper is None:
                self._pumper = threading.Thread(target=self._background_loop, daemon=True,
                                                name="regsim-background")
                self._pumper.start()
        self._pump()

    def _busy(self) -> bool:
        """Whether a page is waiting for a replicate."""
        return any(pending.waiters > 0 for pending in self._pending.values())

    def _pump(self) -> None:
        """Wake the background thread (after a replicate ends or a request is done)."""
        if self._pumper is not None:
            self._wake.set()

    def _background_loop(self) -> None:
        """The background thread: hand background replicates to idle workers. It never runs
        in the pool's own callback thread (submitting from there can deadlock)."""
        while True:
            self._wake.wait()
            self._wake.clear()
            while self._feed_one():
                pass

    def _feed_one(self) -> bool:
        """Submit one background replicate if a worker is free; whether to try again."""
        with self._lock:
            if self._busy() or len(self._background) >= self.workers:
                return False
            if not self._job_queue:
                job = next(self._jobs, None) if self._jobs is not None else None
                if job is None:
                    self._jobs = None
                    return False
            else:
                job = None
        if job is not None:
            try:
                scenario = job()  # outside the lock: building a scenario takes a while
            except (ValueError, ScenarioError):
                # A neighbour a lever's bounds rule out: skip it; the thread goes on.
                scenario = None
            own_seeds = None
            if isinstance(scenario, tuple):  # a job with its own seeds
                scenario, own_seeds = scenario
            if scenario is not None:
                key = scenario_key(scenario)
                with self._lock:
                    seeds = self._job_seeds if own_seeds is None else [int(s) for s in own_seeds]
                    self._job_queue.extend((scenario, key, seed) for seed in seeds
                                           if (key, seed) not in self._cache)
            return True
        with self._lock:
            scenario, key, seed = self._job_queue.pop(0)
            item = (key, seed)
            if (item in self._cache or item in self._pending or item in self._background
                    or self._busy()):
                if self._busy():
                    self._job_queue.insert(0, (scenario, key, seed))
                    return False
                return True
            future = self._background_executor().submit(simulate_packed, scenario, seed)
            self.submitted += 1
            self.background_submitted += 1
            self._background[item] = future
        future.add_done_callback(lambda f, item=item: self._store(item, f))
        return True

    def prefetch(self, scenario: Scenario, seeds: Sequence[int]) -> None:
        """Compute replicates into the cache without waiting for them (at server start)."""
        key = scenario_key(scenario)
        for seed in seeds:
            self._claim(scenario, key, int(seed))

    def run_blocking(self, scenario: Scenario, seeds: Sequence[int]) -> RunSet:
        """`run` for callers without an event loop."""
        return asyncio.run(self.run(scenario, seeds))


def _stop(pool: cf.ProcessPoolExecutor, terminate_running: bool) -> None:
    """Stop a pool's workers (pending replicates cancelled; running ones waited for, or with
    `terminate_running` stopped at once)."""
    if terminate_running:
        if hasattr(pool, "terminate_workers"):  # Python 3.14+
            pool.terminate_workers()
            return
        # No public way before 3.14: the executor's own record of its processes.
        for process in list((getattr(pool, "_processes", None) or {}).values()):
            process.terminate()
    pool.shutdown(wait=True, cancel_futures=True)


async def _wrapped(future: cf.Future) -> Any:
    """Await a pool future without cancelling it when the awaiting task is cancelled (other
    requests may share it; `Engine._release` decides)."""
    loop = asyncio.get_running_loop()
    waiter = loop.create_future()

    def transfer(done: cf.Future) -> None:
        def settle() -> None:
            if waiter.done():
                return
            if done.cancelled():
                waiter.cancel()
            elif done.exception() is not None:
                waiter.set_exception(done.exception())
            else:
                waiter.set_result(done.result())

        if not loop.is_closed():
            loop.call_soon_threadsafe(settle)

    future.add_done_callback(transfer)
    return await waiter


_engine: Engine | None = None
_engine_lock = threading.Lock()


def engine() -> Engine:
    """The server's one engine (every dashboard session shares its workers and cache)."""
    global _engine
    with _engine_lock:
        if _engine is None:
            _engine = Engine()
        return _engine


def shutdown_engine() -> None:
    """Stop the server's engine's workers at once, if it was started (at server exit: the
    replicates still running are not waited for, so the server stops within seconds and
    releases the pool's semaphores)."""
    with _engine_lock:
        pool = _engine
    if pool is not None:
        pool.shutdown(terminate_running=True)
