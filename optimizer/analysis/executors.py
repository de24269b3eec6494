"""Where a sweep's tasks run: in this process, in a local process pool, or on Dask.

`ordered_map(fn, shared, tasks, ...)` calls `fn(shared, task)` for every task and yields the
results in task order, whatever order they finish in. `shared` (the base scenario) is sent
once per worker, not once per task. At most `WINDOW` tasks per worker are in flight, so
the results waiting to be yielded (and the memory they hold) stay bounded however many
tasks there are. On an interrupt (Ctrl-C) or an error, pending tasks are cancelled and the
pool or cluster is shut down before the exception goes on.

- "serial": here, one task after another.
- "processes": a `ProcessPoolExecutor` of `workers` processes (default: the CPU count),
  started with "spawn" (a forked HiGHS may hold locks of threads that do not exist in the
  child).
- "dask": a `distributed.LocalCluster` of `workers` single-threaded worker processes, or,
  with `scheduler` ("tcp://host:8786"), the running cluster behind that scheduler
  (docs/sweeps.md says how to start one). Dask is an optional extra: `chanopt[dask]`.
"""

from __future__ import annotations

import os
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from typing import Any, TypeVar

from ..errors import ChanoptError

T = TypeVar("T")
R = TypeVar("R")
EXECUTORS = ("serial", "processes", "dask")
WINDOW = 3


class ExecutorError(ChanoptError):
    """An executor cannot be used: Dask missing, a scheduler not reachable."""


def default_workers() -> int:
    return max(1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity")
               else (os.cpu_count() or 1))


def ordered_map(fn: Callable[[Any, T], R], shared: Any, tasks: Iterable[T],
                executor: str = "serial", workers: int | None = None,
                scheduler: str | None = None) -> Iterator[R]:
    if executor not in EXECUTORS:
        raise ExecutorError(f"unknown executor {executor!r}; choose one of "
                            f"{', '.join(EXECUTORS)}")
    if executor == "serial":
        for task in tasks:
            yield fn(shared, task)
    elif executor == "processes":
        yield from _processes(fn, shared, tasks, workers or default_workers())
    else:
        yield from _dask(fn, shared, tasks, workers or default_workers(), scheduler)


# ---------------------------------------------------------------- processes

_SHARED: Any = None


def _keep(shared: Any) -> None:
    global _SHARED
    _SHARED = shared


def _call(fn: Callable[[Any, T], R], task: T) -> R:
    return fn(_SHARED, task)


def _processes(fn: Callable[[Any, T], R], shared: Any, tasks: Iterable[T], workers: int
               ) -> Iterator[R]:
    import multiprocessing
    from concurrent.futures import Future, ProcessPoolExecutor

    pool = ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("spawn"),
                               initializer=_keep, initargs=(shared,))
    from concurrent.futures.process import BrokenProcessPool

    pending: deque[Future[R]] = deque()
    try:
        for task in tasks:
            pending.append(pool.submit(_call, fn, task))
            if len(pending) >= WINDOW * workers:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()
    except BrokenProcessPool as exc:
        raise ExecutorError(f"a worker process died ({exc}); nothing was written. Too "
                            "little memory for this many workers? Try fewer --workers") from None
    finally:
        for future in pending:
            future.cancel()
        pool.shutdown(wait=True, cancel_futures=True)


# ---------------------------------------------------------------- dask


def _dask(fn: Callable[[Any, T], R], shared: Any, tasks: Iterable[T], workers: int,
          scheduler: str | None) -> Iterator[R]:
    try:
        from distributed import Client, LocalCluster
    except ImportError:
        raise ExecutorError("--executor dask needs Dask: pip install 'chanopt[dask]'") from None
    import dask

    # the workers' statistical profiler (a thread sampling every 10 ms) slowed millisecond
    # solves by a quarter: off in the cluster started here (for the whole run: workers
    # read the setting as they start)
    with dask.config.set({"distributed.worker.profile.enabled": False}):
        yield from _dask_run(fn, shared, tasks, workers, scheduler, Client, LocalCluster)


def _dask_run(fn: Callable[[Any, T], R], shared: Any, tasks: Iterable[T], workers: int,
              scheduler: str | None, Client: Any, LocalCluster: Any) -> Iterator[R]:
    cluster = None
    try:
        if scheduler is None:
            cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                                   dashboard_address=None, silence_logs=40)
            client = Client(cluster, set_as_default=False)
        else:
            client = Client(scheduler, timeout="20s", set_as_default=False)
    except OSError as exc:
        if cluster is not None:
            cluster.close()
        raise ExecutorError(f"cannot reach the Dask scheduler at {scheduler}: {exc}; start "
                            "one with `dask scheduler` and workers with `dask worker "
                            f"{scheduler}`") from None
    pending: deque[Any] = deque()
    try:
        width = WINDOW * max(1, len(client.scheduler_info().get("workers", {})) or workers)
        remote = client.scatter(shared, broadcast=True)
        for task in tasks:
            pending.append(client.submit(fn, remote, task, pure=False))
            if len(pending) >= width:
                yield _result(pending.popleft())
        while pending:
            yield _result(pending.popleft())
    finally:
        if pending:
            client.cancel(list(pending))
        client.close()
        if cluster is not None:
            cluster.close()


def _result(future: Any) -> Any:
    """A Dask task's result; a lost worker or a failed task is an ExecutorError."""
    from distributed import CancelledError
    from distributed.scheduler import KilledWorker

    try:
        return future.result()
    except (KilledWorker, CancelledError, OSError) as exc:
        raise ExecutorError(f"a Dask task failed ({type(exc).__name__}: {exc}); nothing was "
                            "written. Are the workers running the same chanopt version?") from None
