"""Executors: the same sweep gives the same table in this process, on a process pool, and on a
Dask cluster; a lost run stops the sweep without losing what finished."""

from __future__ import annotations

import contextlib
import sys
import tomllib
from concurrent.futures import Executor, Future
from pathlib import Path

import pytest

from sim.experiments.design import Parameter, make_design
from sim.experiments.engine import EngineError, execute, run_tasks
from sim.experiments.executors import (
    START_METHOD,
    ExecutorInfo,
    ExecutorUnavailableError,
    SerialExecutor,
    open_executor,
)
from sim.experiments.models import RunTask, ScenarioModel
from sim.experiments.sweep import create_sweep, run_sweep, sweep_status
from sim.scenario.loader import load_scenario

REPO = Path(__file__).resolve().parent.parent
TABLES = ("runs.csv", "points.csv", "sensitivity.csv")


def small_sweep(folder: Path) -> Path:
    """A sweep of 4 design points x 3 replicates of a 24-month baseline (not run yet)."""
    scenario = load_scenario(REPO / "scenarios" / "baseline.toml",
                             ["scenario.months=24", "world.ecosystem.adopters=500"])
    parameters = [Parameter("world.theft.hazard_per_month_at_parity", low=0.001, high=0.02),
                  Parameter("states.prc.attacker_tier", kind="lever", values=(3, 5))]
    design = make_design(parameters, "lhs", 2, root_seed=4)
    create_sweep(folder, ScenarioModel(tomllib.loads(scenario.to_toml())), design, 99, 3,
                 "small", save_timeseries=True)
    return folder


def run_with(folder: Path, info: ExecutorInfo) -> None:
    run_sweep(small_sweep(folder), info)


@pytest.fixture(scope="module")
def serial_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("serial") / "sweep"
    with open_executor(1) as info:
        run_with(folder, info)
    return folder


def assert_same_tables(folder: Path, reference: Path) -> None:
    for name in TABLES:
        assert (folder / name).read_bytes() == (reference / name).read_bytes(), name
    import pandas as pd

    pd.testing.assert_frame_equal(pd.read_parquet(folder / "timeseries.parquet"),
                                  pd.read_parquet(reference / "timeseries.parquet"))


def test_one_and_two_workers_give_identical_tables(tmp_path: Path, serial_folder: Path) -> None:
    with open_executor(2) as info:
        assert info.description == {"kind": "process_pool", "workers": 2,
                                    "start_method": START_METHOD}
        run_with(tmp_path / "pool", info)
    assert_same_tables(tmp_path / "pool", serial_folder)


def test_a_dask_local_cluster_gives_identical_tables(tmp_path: Path,
                                                       serial_folder: Path) -> None:
    distributed = pytest.importorskip("distributed")
    cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=False,
                                       protocol="tcp", host="127.0.0.1", dashboard_address=None)
    with cluster, open_executor(scheduler=cluster.scheduler_address) as info:
        assert info.description["kind"] == "dask" and info.description["workers"] == 2
        run_with(tmp_path / "dask", info)
    assert_same_tables(tmp_path / "dask", serial_folder)


def test_missing_dask_says_how_to_install_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "distributed", None)  # import fails as if not installed
    expected = pytest.raises(ExecutorUnavailableError, match=r"pip install -e '\.\[cluster\]'")
    with expected, open_executor(scheduler="tcp://127.0.0.1:8786"):
        pass


def test_serial_executor_delivers_results_and_errors_through_futures() -> None:
    executor = SerialExecutor()
    assert executor.submit(pow, 2, 10).result() == 1024
    with pytest.raises(ZeroDivisionError):
        executor.submit(divmod, 1, 0).result()


class FlakyExecutor(Executor):
    """A stand-in for another engine that loses its third run (a worker dying)."""

    def __init__(self) -> None:
        self.submitted = 0

    def submit(self, fn, /, *args, **kwargs) -> Future:
        self.submitted += 1
        future: Future = Future()
        if self.submitted == 3:
            future.set_exception(BrokenPipeError("worker lost"))
        else:
            future.set_result(fn(*args, **kwargs))
        return future


def square(task: RunTask) -> dict:
    return {"y": task.values["x"] ** 2}


def test_a_lost_run_stops_the_engine_and_keeps_what_finished() -> None:
    records: list[dict] = []
    jobs = [(square, RunTask(i, 0, 0, {"x": i})) for i in range(5)]
    with pytest.raises(EngineError, match="worker lost"):
        run_tasks(jobs, FlakyExecutor(), records.append, max_in_flight=1)
    assert [r["outcomes"]["y"] for r in records] == [0, 1]


def test_an_interrupted_sweep_on_another_engine_resumes(tmp_path: Path) -> None:
    folder = small_sweep(tmp_path / "sweep")
    with pytest.raises(EngineError):
        run_sweep(folder, ExecutorInfo(FlakyExecutor(), {"kind": "flaky"}, 1))
    assert sweep_status(folder).recorded_runs == 2
    with open_executor(1) as info:
        summary = run_sweep(folder, info)
    assert summary.ok_runs == summary.total_runs == 12 and summary.session_runs == 10


def test_execute_turns_a_model_error_into_a_failed_record() -> None:
    record = execute(square, RunTask(0, 1, 5, {"x": "text"}))
    assert record["status"] == "failed" and record["replicate"] == 1
    assert record["error"].startswith("TypeError") and "square" in record["traceback"]


# Orphans (issue 8, item 10) --------------------------------------------------------------------


def _children(pid: int) -> list[int]:
    """Every process descended from `pid` (workers may be its grandchildren, forked by its
    fork server)."""
    parents = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            parents[int(entry.name)] = int(stat.rsplit(")", 1)[1].split()[1])
    found, frontier = [], [pid]
    while frontier:
        parent = frontier.pop()
        children = [child for child, of in parents.items() if of == parent]
        found += children
        frontier += children
    return found


@pytest.mark.slow
@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs /proc (Linux)")
def test_workers_and_the_resource_tracker_die_with_a_killed_sweep(tmp_path: Path) -> None:
    import os
    import signal
    import subprocess
    import time

    folder = tmp_path / "sweep"
    process = subprocess.Popen(
        [sys.executable, "-m", "sim.cli", "sweep", str(REPO / "scenarios" / "baseline.toml"),
         "--set", "world.ecosystem.adopters=500", "--set", "scenario.months=60", "--param",
         "world.theft.hazard_per_month_at_parity=0.001:0.02", "--samples", "40", "-n", "2",
         "-j", "2", "-q", "--no-plots", "--out", str(folder)],
        cwd=tmp_path, start_new_session=True, stderr=subprocess.DEVNULL)
    children: list[int] = []
    try:
        deadline = time.monotonic() + 180
        journal = folder / "runs.jsonl"
        while time.monotonic() < deadline and process.poll() is None:
            if journal.exists() and journal.read_bytes().count(b"\n") >= 2:
                break
            time.sleep(0.1)
        children = _children(process.pid)
        # two workers and multiprocessing's resource tracker (and the workers' fork server)
        assert len(children) >= 3
        os.kill(process.pid, signal.SIGKILL)  # the parent only, as `kill -9 PID` does
        process.wait()
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline and any(Path(f"/proc/{c}").exists()
                                                  for c in children):
            time.sleep(0.2)
        alive = [c for c in children if Path(f"/proc/{c}").exists()]
        assert alive == [], "processes outlived the killed sweep"
    finally:
        for child in children:
            with contextlib.suppress(ProcessLookupError):
                os.kill(child, signal.SIGKILL)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)


def _worker_start() -> dict:
    """In a worker: the CPU seconds it has spent so far, its parent, and that parent's own
    parent and threads."""
    import os
    import time

    parent = os.getppid()
    return {"cpu_s": time.process_time(), "parent": parent,
            "grandparent": _parent_of(parent),
            "parent_threads": len(list(Path(f"/proc/{parent}/task").iterdir()))}


def _parent_of(pid: int) -> int:
    return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="fork server: Linux only")
def test_workers_are_forked_warm_from_a_single_threaded_server_not_from_this_process() -> None:
    """Issue 17: a worker does not pay for importing the model again (each spawned worker
    spent ~1 CPU-s on it, 15% of a 200-run sweep); it is forked from a fork server that
    imported it once, a process of its own with one thread (this process, which holds
    threads, is never forked)."""
    import os

    with open_executor(2) as info:
        started = [info.executor.submit(_worker_start).result(timeout=300) for _ in range(4)]
    for worker in started:
        assert worker["parent"] != os.getpid() and worker["grandparent"] == os.getpid()
        assert worker["parent_threads"] == 1
        assert worker["cpu_s"] < 0.4, worker  # importing Mesa, pandas and scipy takes ~1 s


def test_lost_runs_are_described_in_one_line() -> None:
    from concurrent.futures import CancelledError
    from concurrent.futures.process import BrokenProcessPool

    from sim.experiments.engine import lost_run_message

    assert lost_run_message(BrokenProcessPool("x")).startswith("a worker process was lost")
    assert lost_run_message(CancelledError()) == "a run was cancelled"
    assert lost_run_message(OSError(28, "No space left on device", "p")) == (
        "a run could not finish: No space left on device (p)")


def test_an_environment_error_in_a_run_is_raised_not_recorded() -> None:
    def full_disk(task: RunTask) -> dict:
        raise OSError(28, "No space left on device")

    with pytest.raises(OSError):
        execute(full_disk, RunTask(0, 0, 0, {}))
