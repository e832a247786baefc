"""The run engine: submit runs to an executor, a bounded number at a time, and hand each
finished run's record to a callback as it arrives (which appends it to disk).

Nothing accumulates in the parent: at most `max_in_flight` runs are pending, and a record is
dropped once the callback has it. A model error inside a run is caught in the worker
(`execute`) and becomes a record with status "failed" and its traceback; the other runs go
on. A failure of the engine itself (a worker process lost, a cluster gone, a cancelled run)
or of the machine (`ENVIRONMENT_ERRORS`: a full disk, a read-only folder, memory exhausted),
in a worker or while recording, stops the sweep with `EngineError`: that run is not recorded,
what finished is already on disk, and `--resume` continues from there, running it again.
"""

from __future__ import annotations

import traceback
from collections.abc import Callable, Iterable
from concurrent.futures import FIRST_COMPLETED, Executor, Future, wait
from typing import Any

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


def run_tasks(
    jobs: Iterable[tuple[Model, RunTask]],
    executor: Executor,
    on_record: Callable[[RunRecord], None],
    max_in_flight: int = 1,
) -> int:
    """Run every `(model, task)` job on `executor`, calling `on_record` in completion order.

    Returns the number of runs recorded. Raises EngineError if a run is lost (its record is
    not delivered); pending runs are cancelled first.
    """
    pending: set[Future] = set()
    recorded = 0
    try:
        for model, task in jobs:
            while len(pending) >= max(1, max_in_flight):
                recorded += _drain(pending, on_record, FIRST_COMPLETED)
            pending.add(executor.submit(execute, model, task))
        while pending:
            recorded += _drain(pending, on_record, FIRST_COMPLETED)
    except BaseException:
        for future in pending:
            future.cancel()
        raise
    return recorded


def _drain(pending: set[Future], on_record: Callable[[RunRecord], None], when: str) -> int:
    done, _ = wait(pending, return_when=when)
    for future in done:
        pending.discard(future)
        try:
            record = future.result()
        except Exception as error:
            raise EngineError(lost_run_message(error)) from error
        try:
            on_record(record)
        except ENVIRONMENT_ERRORS as error:
            raise EngineError(f"a finished run could not be recorded: "
                              f"{_describe(error)}") from error
    return len(done)


def lost_run_message(error: BaseException) -> str:
    """Why a run was not delivered, in one line."""
    from concurrent.futures import CancelledError
    from concurrent.futures.process import BrokenProcessPool

    if isinstance(error, BrokenProcessPool):
        return "a worker process was lost (killed, or out of memory)"
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
