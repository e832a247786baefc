"""The run engine: runs travel in chunks sized to their run time, every run is recorded once
whatever the chunking, chunks never mix models, the tail keeps every worker busy, a machine
failure inside a chunk keeps the runs that finished and stops the experiment, and a run's
replicates come back whole from any executor."""

from __future__ import annotations

import os
import time
from concurrent.futures import Executor, Future

import pytest

from sim.experiments.engine import (
    MAX_CHUNK_RUNS,
    ChunkSizer,
    EngineError,
    execute,
    run_calls,
    run_tasks,
)
from sim.experiments.executors import (
    ExecutorInfo,
    SerialExecutor,
    shutdown_warm_executors,
    warm_executor,
)
from sim.experiments.models import FunctionModel, RunTask


def square(x: float) -> float:
    return x * x


def slow_process_id(x: float) -> float:
    """The worker's process id, after a fifth of a second (long enough for both workers of a
    pool to have started and taken runs)."""
    time.sleep(0.2)
    return float(os.getpid())


class CountingExecutor(Executor):
    """Runs each submission at once, in this process, and remembers how many runs it held."""

    def __init__(self) -> None:
        self.chunks: list[list[RunTask]] = []

    def submit(self, fn, /, *args, **kwargs) -> Future:
        self.chunks.append(list(args[1]))
        return SerialExecutor().submit(fn, *args, **kwargs)


def chunked(executor: Executor, slots: int = 2) -> ExecutorInfo:
    return ExecutorInfo(executor, {"kind": "test"}, 2 * slots, 0.25, slots)


def jobs(model, count: int, first: int = 0):
    return [(model, RunTask(i, 0, i, {"x": float(i)})) for i in range(first, first + count)]


# Chunk sizes ---------------------------------------------------------------------------------


def test_one_run_per_chunk_until_a_run_time_is_known() -> None:
    sizer = ChunkSizer(0.25, slots=2)
    assert sizer.next_size() == 1
    sizer.observe(4, 0.4)  # 0.1 s per run: 0.25 s is two runs
    assert sizer.next_size() == 2


def test_fast_runs_travel_in_large_chunks_but_not_without_bound() -> None:
    sizer = ChunkSizer(0.25, slots=2)
    sizer.observe(10, 1e-5)
    assert sizer.next_size() == MAX_CHUNK_RUNS


def test_the_last_chunks_shrink_so_that_every_worker_gets_some() -> None:
    sizer = ChunkSizer(0.25, slots=2, total_runs=100)
    sizer.observe(10, 1e-5)
    sizer.submitted = 10
    assert sizer.next_size() == 23  # 90 left, 2 slots x 2 chunks each
    sizer.submitted = 99
    assert sizer.next_size() == 1


def test_without_a_target_every_submission_carries_one_run() -> None:
    sizer = ChunkSizer(None, slots=8)
    sizer.observe(100, 0.001)
    assert sizer.next_size() == 1


# Running in chunks ---------------------------------------------------------------------------


def test_fast_runs_are_chunked_and_each_is_recorded_once() -> None:
    counting = CountingExecutor()
    records: list[dict] = []
    model = FunctionModel(square)
    recorded = run_tasks(jobs(model, 500), chunked(counting), records.append, total_runs=500)
    assert recorded == 500
    assert sorted(r["point_id"] for r in records) == list(range(500))
    assert all(r["outcomes"]["y"] == r["point_id"] ** 2 for r in records)
    assert len(counting.chunks) < 50  # not 500 messages
    assert max(len(chunk) for chunk in counting.chunks) > 10


def test_chunking_gives_the_records_of_one_run_per_submission() -> None:
    model = FunctionModel(square, pass_seed=False)
    one_by_one: list[dict] = []
    run_tasks(jobs(model, 200), SerialExecutor(), one_by_one.append)
    in_chunks: list[dict] = []
    run_tasks(jobs(model, 200), chunked(CountingExecutor()), in_chunks.append, total_runs=200)
    assert sorted(in_chunks, key=lambda r: r["point_id"]) == one_by_one


def test_a_chunk_never_mixes_two_models() -> None:
    counting = CountingExecutor()
    first, second = FunctionModel(square), FunctionModel(square, outcome="z")
    records: list[dict] = []
    run_tasks(jobs(first, 300) + jobs(second, 300, first=300), chunked(counting),
              records.append)
    assert len(records) == 600
    for chunk in counting.chunks:
        assert len({task.point_id < 300 for task in chunk}) == 1
    assert {r["point_id"] < 300 for r in records if "z" in r["outcomes"]} == {False}


@pytest.fixture(scope="module")
def warm_pools():
    """Pools kept warm for this module's tests (two pools started in all), then shut down."""
    yield
    shutdown_warm_executors()


def test_a_process_pool_runs_chunks_and_gives_the_serial_records(warm_pools) -> None:
    model = FunctionModel(square)
    serial: list[dict] = []
    run_tasks(jobs(model, 400), SerialExecutor(), serial.append)
    pooled: list[dict] = []
    with warm_executor(2) as info:
        assert info.chunk_target_s and info.slots == 2
        run_tasks(jobs(model, 400), info, pooled.append, total_runs=400)
    assert sorted(pooled, key=lambda r: r["point_id"]) == serial


def test_both_workers_are_busy_and_stay_warm_for_the_next_experiment(warm_pools) -> None:
    first: list[dict] = []
    with warm_executor(2) as info:
        run_tasks(jobs(FunctionModel(slow_process_id), 12), info, first.append, total_runs=12)
    pids = {r["outcomes"]["y"] for r in first}
    assert len(pids) == 2
    second: list[dict] = []
    with warm_executor(2) as info:
        run_tasks(jobs(FunctionModel(slow_process_id), 12), info, second.append)
    assert {r["outcomes"]["y"] for r in second} == pids  # the same processes: imports paid once


class FullDiskAfter:
    """A model whose runs from `point_id` on fail as a full disk would."""

    def __init__(self, point_id: int) -> None:
        self.point_id = point_id

    def __call__(self, task: RunTask) -> dict:
        if task.point_id >= self.point_id:
            raise OSError(28, "No space left on device")
        return {"y": task.point_id}


def test_a_full_disk_inside_a_chunk_keeps_the_runs_before_it_and_stops() -> None:
    counting = CountingExecutor()
    records: list[dict] = []
    model = FullDiskAfter(30)
    with pytest.raises(EngineError, match="No space left on device"):
        run_tasks(jobs(model, 100), chunked(counting), records.append, total_runs=100)
    assert sorted(r["point_id"] for r in records) == list(range(30))
    assert all(r["status"] == "ok" for r in records)
    assert any(len(chunk) > 1 and chunk[0].point_id < 30 <= chunk[-1].point_id
               for chunk in counting.chunks), "the failure was not inside a chunk"


def test_a_model_error_in_a_chunk_is_one_failed_record() -> None:
    def fails_at_seven(x: float) -> float:
        if x == 7:
            raise ValueError("seven")
        return x

    records: list[dict] = []
    run_tasks(jobs(FunctionModel(fails_at_seven), 20), chunked(CountingExecutor()),
              records.append)
    failed = [r for r in records if r["status"] == "failed"]
    assert [r["point_id"] for r in failed] == [7] and failed[0]["error"] == "ValueError: seven"
    assert len(records) == 20


def test_execute_still_raises_an_environment_error() -> None:
    with pytest.raises(OSError):
        execute(FullDiskAfter(0), RunTask(0, 0, 0, {}))


# Whole results (a run's replicates) ----------------------------------------------------------


def test_run_calls_delivers_every_result_and_raises_a_model_error_as_it_is() -> None:
    results: list[int] = []
    info = ExecutorInfo(SerialExecutor(), {}, 2)
    assert run_calls(((pow, (2, n)) for n in range(5)), info, results.append) == 5
    assert sorted(results) == [1, 2, 4, 8, 16]
    with pytest.raises(ZeroDivisionError):
        run_calls([(divmod, (1, 0))], info, results.append)


def test_a_lost_worker_is_an_engine_error_and_the_warm_pool_is_replaced(warm_pools) -> None:
    with warm_executor(2) as info, pytest.raises(EngineError, match="worker process was lost"):
        run_calls([(os._exit, (3,))], info, lambda result: None)
    results: list[int] = []
    with warm_executor(2) as info:
        run_calls([(pow, (3, 2))], info, results.append)
    assert results == [9]
