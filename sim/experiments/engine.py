"""The run engine: submit runs to an executor, a bounded number at a time, and hand each
finished run's record to a callback as it arrives (which appends it to disk).

Nothing accumulates in the parent: at most `max_in_flight` runs are pending, and a record is
dropped once the callback has it. A model error inside a run is caught in the worker
(`execute`) and becomes a record with status "failed" and its traceback; the other runs go
on. A failure of the engine itself (a worker process lost, a cluster gone) stops the sweep
with `EngineError`; what finished is already on disk, and `--resume` continues from there.
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


class EngineError(RuntimeError):
    """The executor could not deliver a run (not a model error): the experiment stopped."""


def execute(model: Model, task: RunTask) -> RunRecord:
    """Worker side: run one task and return its small record (never raises for model errors)."""
    record: RunRecord = {"point_id": task.point_id, "replicate": task.replicate,
                         "seed": task.seed}
    try:
        outcomes = dict(model(task))
    except Exception as error:
        return {**record, "status": FAILED, "outcomes": {},
                "error": f"{type(error).__name__}: {error}".splitlines()[0],
                "traceback": traceback.format_exc()}
    return {**record, "status": OK, "outcomes": outcomes, "error": None, "traceback": None}


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
            raise EngineError(f"a run was lost by the executor: {type(error).__name__}: "
                                f"{error}") from error
        on_record(record)
    return len(done)
