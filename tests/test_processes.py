"""The processes regsim starts (issue 15): worker processes import nothing from the working
directory, Ctrl-C ends every command with one line and exit status 130 (no traceback from the
command or its workers, the folder untouched or resumable), and a script that starts workers
without an `if __name__ == "__main__":` guard is told what to do."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from sim.cli import main
from sim.experiments.executors import open_executor
from sim.experiments.sweep import sweep_status

REGSIM = str(Path(sys.executable).parent / "regsim")
"""The console script, as a user runs it (`python -m sim.cli` would itself put the working
directory on sys.path)."""
SMALL = ["--set", "scenario.months=12", "--set", "world.ecosystem.adopters=2000"]
HOSTILE_MODULES = ("multiprocessing", "numpy", "sim", "mesa")
HAZARD = "world.theft.hazard_per_month_at_parity"
INTERRUPTED_EXIT_STATUS = 130  # 128 + SIGINT, as a shell reports it


def plant_hostile_modules(folder: Path) -> None:
    """Modules named like ones regsim's processes import, each leaving a marker if imported."""
    for name in HOSTILE_MODULES:
        (folder / f"{name}.py").write_text(
            "import os\n"
            f"open(os.path.join({str(folder)!r}, 'IMPORTED-{name}-' + str(os.getpid())), "
            "'w').close()\n", encoding="utf-8")


def regsim(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([REGSIM, *args], cwd=cwd, capture_output=True, text=True,
                          timeout=600)


# The working directory ---------------------------------------------------------------------

@pytest.mark.slow
def test_worker_processes_import_nothing_from_the_working_directory(tmp_path: Path) -> None:
    hostile = tmp_path / "hostile"
    hostile.mkdir()
    plant_hostile_modules(hostile)
    out = tmp_path / "out"
    ran = regsim("run", "baseline", "-n", "2", *SMALL, "-j", "2", "--no-plots", "-q",
                 "--out", str(out / "run"), cwd=hostile)
    swept = regsim("sweep", "baseline", "--param", f"{HAZARD}=0.0005,0.001", "-n", "2",
                   *SMALL, "-j", "2", "--no-plots", "-q", "--out", str(out / "sweep"),
                   cwd=hostile)
    compared = regsim("compare", "baseline", "kill_switch", "-n", "2", *SMALL, "-j", "2",
                      "--no-plots", "--no-series", "-q", "--out", str(out / "compare"),
                      cwd=hostile)
    assert sorted(p.name for p in hostile.iterdir() if p.name.startswith("IMPORTED")) == []
    for completed in (ran, swept, compared):
        assert completed.returncode == 0, completed.stderr
        # Nothing on stderr but the inert-lever warnings of the shortened scenarios.
        assert all(line.startswith("warning: ") for line in completed.stderr.splitlines())
    # Results as usual: the same as one process in a clean folder.
    clean = tmp_path / "clean"
    clean.mkdir()
    serial = regsim("run", "baseline", "-n", "2", *SMALL, "--no-plots", "-q", "--out",
                    str(out / "serial"), cwd=clean)
    assert serial.returncode == 0, serial.stderr
    for name in ("summaries.csv", "outcomes.csv", "timeseries.csv"):
        assert (out / "run" / name).read_bytes() == (out / "serial" / name).read_bytes(), name
    runs = pd.read_csv(out / "sweep" / "runs.csv")
    assert len(runs) == 4 and set(runs["status"]) == {"ok"}
    assert len(pd.read_csv(out / "compare" / "runs.csv")) == 4


# Ctrl-C ------------------------------------------------------------------------------------

def test_worker_processes_leave_ctrl_c_to_their_parent(capfd: pytest.CaptureFixture) -> None:
    """SIGINT reaches every process of the terminal's group: a worker, starting or working,
    ignores it (no KeyboardInterrupt traceback, no lost worker); the parent stops the work."""
    with open_executor(2) as info:
        pool = info.executor
        starting = list(pool._processes)  # noqa: SLF001 (the pids, for the test only)
        for pid in starting:  # while they start up: importing, not yet running anything
            os.kill(pid, signal.SIGINT)
        assert [f.result(timeout=120) for f in [pool.submit(abs, -1) for _ in range(4)]] \
            == [1, 1, 1, 1]
        for pid in starting:  # started, waiting for work
            os.kill(pid, signal.SIGINT)
        time.sleep(0.5)
        assert sorted(pool.submit(abs, -n).result(timeout=120) for n in range(4)) == \
            [0, 1, 2, 3]
        assert sorted(pool._processes) == sorted(starting)  # noqa: SLF001
    assert "KeyboardInterrupt" not in capfd.readouterr().err


def children_cpu_s(pid: int) -> tuple[int, float]:
    """(how many worker processes `pid` has, their CPU seconds so far), from /proc: its
    spawned children, or the children of its fork server."""
    tick = os.sysconf("SC_CLK_TCK")
    processes = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            command = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        processes[int(entry.name)] = (int(fields[1]), command,
                                      (int(fields[11]) + int(fields[12])) / tick)
    servers = {child for child, (parent, command, _) in processes.items()
               if parent == pid and b"forkserver" in command}
    workers = [cpu for parent, command, cpu in processes.values()
               if (parent == pid and b"spawn_main" in command) or parent in servers]
    return len(workers), sum(workers)


def interrupt(args: list[str], started, cwd: Path) -> subprocess.CompletedProcess:
    """Run regsim in its own process group, send SIGINT to the whole group (as Ctrl-C in a
    terminal does) once `started(process)` is true, and wait for it."""
    process = subprocess.Popen([REGSIM, *args], cwd=cwd, start_new_session=True, text=True,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 300
    try:
        while not started(process):
            if process.poll() is not None:
                pytest.fail(f"regsim ended before it was interrupted: {process.stderr.read()}")
            if time.monotonic() > deadline:
                pytest.fail("regsim did not start work in time")
            time.sleep(0.02)
        os.killpg(process.pid, signal.SIGINT)
        stdout, stderr = process.communicate(timeout=120)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
    return subprocess.CompletedProcess(process.args, process.returncode, stdout, stderr)


def workers_busy(process: subprocess.Popen) -> bool:
    """Two workers exist and have spent more CPU time than their imports take (they run)."""
    workers, cpu_s = children_cpu_s(process.pid)
    return workers >= 2 and cpu_s >= 5.0


def assert_one_clean_line(completed: subprocess.CompletedProcess, line: str) -> None:
    assert completed.returncode == INTERRUPTED_EXIT_STATUS, completed.stderr
    assert completed.stderr.splitlines() == [line]
    assert "Traceback" not in completed.stderr + completed.stdout


@pytest.mark.slow
def test_ctrl_c_stops_a_parallel_run_with_one_line_and_nothing_written(tmp_path: Path) -> None:
    out = tmp_path / "results" / "run"
    completed = interrupt(["run", "baseline", "-n", "400", "-j", "2", "-q", "--out", str(out)],
                          workers_busy, tmp_path)
    assert_one_clean_line(completed, "interrupted: nothing written")
    assert list((tmp_path / "results").iterdir()) == []  # no folder, no temporary folder


@pytest.mark.slow
def test_ctrl_c_stops_a_parallel_comparison_with_one_line(tmp_path: Path) -> None:
    completed = interrupt(["compare", "baseline", "kill_switch", "-n", "400", "-j", "2", "-q",
                           "--no-plots", "--out", str(tmp_path / "compare")],
                          workers_busy, tmp_path)
    assert completed.returncode == INTERRUPTED_EXIT_STATUS, completed.stderr
    # One line, after the warnings `compare` prints for levers that cannot act.
    lines = [line for line in completed.stderr.splitlines() if not line.startswith("warning: ")]
    assert lines == ["interrupted: nothing written"], completed.stderr


SWEEP_ARGS = ["--param", f"{HAZARD}=0.0001:0.002", "--lever",
              "states.prc.attacker_tier=3,5", "--sampler", "lhs", "--samples", "30", "-n", "3",
              *SMALL, "--no-plots", "-q"]


@pytest.mark.slow
def test_ctrl_c_stops_a_parallel_sweep_with_one_line_and_it_resumes(tmp_path: Path) -> None:
    folder = tmp_path / "interrupted"

    def runs_recorded(process: subprocess.Popen) -> bool:
        journal = folder / "runs.jsonl"
        return journal.exists() and journal.read_bytes().count(b"\n") >= 2

    completed = interrupt(["sweep", "baseline", *SWEEP_ARGS, "-j", "2", "--out", str(folder)],
                          runs_recorded, tmp_path)
    assert_one_clean_line(completed, "interrupted: finished runs are saved; resume with: "
                                     f"regsim sweep --resume {folder}")
    status = sweep_status(folder)
    assert status.status == "running" and 0 < status.recorded_runs < status.total_runs
    resumed = CliRunner().invoke(main, ["sweep", "--resume", str(folder), "-j", "1", "-q"])
    assert resumed.exit_code == 0, resumed.output
    whole = tmp_path / "whole"
    result = CliRunner().invoke(main, ["sweep", "baseline", *SWEEP_ARGS, "-j", "1", "--out",
                                       str(whole)])
    assert result.exit_code == 0, result.output
    for name in ("runs.csv", "points.csv", "sensitivity.csv", "design.csv"):
        assert (folder / name).read_bytes() == (whole / name).read_bytes(), name


INTERRUPTED_AT = {
    "run": ("sim.scenario.loader.find_scenario", ["run", "baseline"]),
    "compare": ("sim.scenario.loader.find_scenario", ["compare", "baseline", "kill_switch"]),
    "sweep": ("sim.scenario.loader.find_scenario", ["sweep", "sensitivity"]),
    "validate": ("sim.scenario.loader.find_scenario", ["validate", "baseline"]),
    "show": ("sim.scenario.loader.find_scenario", ["show", "baseline"]),
    "list": ("sim.scenario.loader.bundled_scenarios", ["list"]),
    "schema": ("sim.scenario.schema.json_schema", ["schema"]),
    "report": ("sim.brief.report.write_report", ["report", "FOLDER"]),
    "discover": ("sim.analysis.sweep_data.load_sweep",
                 ["discover", "FOLDER", "--outcome", "x", "--below", "1"]),
    "robustness": ("sim.analysis.robustness.robustness", ["robustness", "FOLDER"]),
    "check": ("sim.validity.report.run_checks", ["check", "--quick", "--out", "FOLDER/c"]),
}
"""Each command (but `app`, whose server stops itself), where Ctrl-C interrupts it."""


@pytest.mark.parametrize("command", sorted(INTERRUPTED_AT))
def test_ctrl_c_in_any_command_prints_one_line_and_exits_130(
        command: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target, args = INTERRUPTED_AT[command]

    def interrupted(*args: object, **kwargs: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(target, interrupted)
    result = CliRunner().invoke(main, [a.replace("FOLDER", str(tmp_path)) for a in args])
    assert result.exit_code == INTERRUPTED_EXIT_STATUS, result.output
    assert result.stderr == "interrupted: nothing written\n"
    assert "Aborted" not in result.output
    assert list(tmp_path.iterdir()) == []


# Scripts without a __main__ guard ----------------------------------------------------------

def test_a_pool_broken_before_a_call_is_submitted_is_told_as_a_lost_worker() -> None:
    """On a busy machine an unguarded script's workers stop while regsim is still submitting,
    so `submit` itself raises BrokenProcessPool. On 4e3bc60 it escaped as it was (CI,
    Python 3.12); now it is an EngineError saying why, as a call lost later is."""
    from concurrent.futures import Executor
    from concurrent.futures.process import BrokenProcessPool

    from sim.experiments import executors
    from sim.experiments.engine import EngineError, run_calls, run_tasks
    from sim.experiments.executors import ExecutorInfo

    class Broken(Executor):
        def submit(self, *args, **kwargs):
            raise BrokenProcessPool("A child process terminated abruptly")

    info = ExecutorInfo(Broken(), max_in_flight=2)
    for call in (lambda: run_calls([(print, ())], info, lambda result: None),
                 lambda: run_tasks([(object(), object())], info, lambda record: None)):
        executors._STARTED.clear()  # no worker with a known reason: the plain message
        with pytest.raises(EngineError, match="a worker process was lost"):
            call()


def test_why_a_worker_was_lost_is_known_after_its_pool_dropped_it() -> None:
    """The exit status that says why a pool broke outlives the pool's own references to its
    workers. On f7c5411 regsim held its workers weakly; a broken pool drops them as it shuts
    down, and on a busy machine they were collected before the parent asked, so a script
    without a __main__ guard got a bare BrokenProcessPool (CI, Python 3.12)."""
    import gc

    from sim.experiments import executors

    context = executors.pool_context() if executors.FORK_SERVER_PLATFORM \
        else executors.worker_context()
    worker = context.Process(target=os._exit, args=(executors.UNGUARDED_MAIN_EXIT_STATUS,))
    worker.start()
    worker.join(timeout=60)
    assert worker.exitcode == executors.UNGUARDED_MAIN_EXIT_STATUS
    del worker  # as the broken pool drops it
    gc.collect()
    assert "put the code that calls sim under" in (executors.lost_worker_reason() or "")
    # Said once: a later lost worker is judged on its own exit status.
    assert executors.lost_worker_reason() is None


@pytest.mark.slow
def test_a_script_starting_workers_without_a_main_guard_is_told_what_to_do(
        tmp_path: Path) -> None:
    script = tmp_path / "study.py"
    script.write_text("import sim\n\n"
                      "result = sim.run('baseline', replicates=2, workers=2,\n"
                      "                 set={'scenario.months': 12})\n", encoding="utf-8")
    completed = subprocess.run([sys.executable, str(script)], cwd=tmp_path,
                               capture_output=True, text=True, timeout=300)
    assert completed.returncode == 1
    last = completed.stderr.strip().splitlines()[-1]
    assert last.startswith("sim.experiments.engine.EngineError: worker processes could not "
                           "start: each one re-runs study.py as it starts")
    assert 'under `if __name__ == "__main__":`' in last
    # The workers stopped quietly: no bootstrapping RuntimeError, no worker traceback.
    assert "RuntimeError" not in completed.stderr
    assert "SpawnProcess" not in completed.stderr
