"""Run many independent tasks: the one execution path for replicates, comparisons and sweeps.

*What* runs is a module-level function and an iterable of small picklable tasks (for a comparison,
:class:`RunSpec` and :func:`run_spec`; for a sweep, :class:`sim.experiments.sweep.RunTask` and
:func:`sim.experiments.sweep.run_task`). *How* it runs is an :class:`Executor`, chosen by
:func:`make_executor`:

* :class:`SerialExecutor`: one task after another in this process (debugging, profiling,
  notebooks);
* :class:`PoolExecutor`: a pool of local worker processes, started once with "spawn" and reused
  for every task, so each worker pays the import of Mesa (over a second) once, not per run;
* :class:`DaskExecutor`: a Dask distributed cluster, by scheduler address, or a local cluster
  started for the occasion (``"local"``); ``distributed`` is imported only here.

Every executor yields ``(index, result)`` pairs as tasks finish, keeping at most a bounded
number of tasks in flight and never holding results the caller has not taken, so memory stays
flat however many tasks there are. :func:`run_many` collects them back into task order; serial,
pooled and Dask runs give identical tables (tests hold this).
"""

from __future__ import annotations

import math
import multiprocessing
import multiprocessing.connection
import os
import signal
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from itertools import islice
from types import TracebackType
from typing import TYPE_CHECKING, Any, Self

if TYPE_CHECKING:
    from sim.runs.results import RunResult


LOCAL_SCHEDULER = "local"
"""Scheduler "address" that starts a Dask ``LocalCluster`` on this machine."""

IN_FLIGHT_PER_WORKER = 2
"""Tasks submitted ahead per worker: enough to keep each busy, few enough to bound memory."""

BROKEN_POOL = (
    "a worker process ended abruptly. Either it was killed (out of memory, or by a signal), or "
    "a script started the pool from its top-level code: each worker imports the script again "
    "and would start a pool of its own, which Python refuses. Keep a script's top-level code "
    'under `if __name__ == "__main__":` (the partnersim command, pytest and notebooks need nothing)'
)
"""Why a pool broke, for :class:`PoolExecutor` to say instead of Python's bare message."""


class Executor:
    """Runs a function over tasks and yields results as they finish; use as a context manager.

    Subclasses implement :meth:`imap`; :meth:`close` releases workers (a no-op by default).
    """

    workers: int = 1
    """How many tasks run at once."""

    def imap(self, fn: Callable[[Any], Any], tasks: Iterable[Any]) -> Iterator[tuple[int, Any]]:
        """Run ``fn`` on every task; yield ``(index of the task, result)`` as each finishes.

        Args:
            fn: A module-level function (worker processes import it by name).
            tasks: The tasks, consumed lazily (a generator is fine).

        Yields:
            The index of a task in ``tasks`` and ``fn(task)``, in order of completion.
        """
        raise NotImplementedError

    def describe(self) -> str:
        """Return a short description for logs and manifests, e.g. ``"pool of 2 processes"``."""
        raise NotImplementedError

    def close(self, *, wait: bool = True) -> None:
        """Release the workers, dropping unfinished tasks.

        Args:
            wait: Wait for the workers to stop; False returns at once (on an interruption),
                leaving running tasks to finish in the background with their results dropped.
        """

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.close(wait=kind is None)


class SerialExecutor(Executor):
    """Runs every task in this process, one after another, in order."""

    def imap(self, fn: Callable[[Any], Any], tasks: Iterable[Any]) -> Iterator[tuple[int, Any]]:
        """Run ``fn`` on each task in turn (see :meth:`Executor.imap`)."""
        for index, task in enumerate(tasks):
            yield index, fn(task)

    def describe(self) -> str:
        """Return ``"serial"``."""
        return "serial"


def _start_worker() -> None:
    """Pool worker initialiser: leave Ctrl-C to the parent, and end with the parent.

    A terminal sends SIGINT to the whole process group; without ignoring it every worker would
    die with its own traceback while the parent is still saving what finished. And a worker
    whose parent is killed (SIGKILL, out of memory) would otherwise wait for tasks forever, so
    a watcher thread ends it as soon as the parent is gone.
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    parent = multiprocessing.parent_process()
    if parent is not None:
        threading.Thread(target=_exit_with, args=(parent,), daemon=True).start()


def _exit_with(parent: multiprocessing.process.BaseProcess) -> None:
    """Wait until ``parent`` has ended, then end this process at once."""
    multiprocessing.connection.wait([parent.sentinel])
    os._exit(1)


class PoolExecutor(Executor):
    """A pool of local worker processes, started with "spawn" on first use and reused.

    Args:
        workers: Worker processes (at least 1).

    Note:
        "spawn" starts each worker by importing the calling program's main module, so a script
        that uses a pool must keep its top-level code under ``if __name__ == "__main__":``
        (the ``partnersim`` command, pytest and notebooks do). Functions and tasks are pickled
        by reference: they must be importable (not defined in a notebook cell or a lambda).
    """

    def __init__(self, workers: int) -> None:
        if workers < 1:
            raise ValueError(f"workers must be at least 1; got {workers}")
        self.workers = workers
        self._pool: ProcessPoolExecutor | None = None

    def _started(self) -> ProcessPoolExecutor:
        if self._pool is None:
            self._pool = ProcessPoolExecutor(
                max_workers=self.workers,
                mp_context=multiprocessing.get_context("spawn"),
                initializer=_start_worker,
            )
        return self._pool

    def imap(self, fn: Callable[[Any], Any], tasks: Iterable[Any]) -> Iterator[tuple[int, Any]]:
        """Run ``fn`` in the pool, a bounded number in flight (see :meth:`Executor.imap`).

        Raises:
            BrokenProcessPool: A worker ended abruptly; the message says the likely causes
                (:data:`BROKEN_POOL`). What was yielded before stays with the caller.
        """
        try:
            yield from self._imap(fn, tasks)
        except BrokenProcessPool as err:
            raise BrokenProcessPool(BROKEN_POOL) from err

    def _imap(self, fn: Callable[[Any], Any], tasks: Iterable[Any]) -> Iterator[tuple[int, Any]]:
        pool = self._started()
        pending: dict[Future, int] = {}
        finished: deque[tuple[int, Future]] = deque()
        numbered = enumerate(tasks)
        limit = self.workers * IN_FLIGHT_PER_WORKER
        while True:
            # A result not yet handed over counts as in flight; each one handed over frees a
            # slot at once, so the workers stay busy while the caller handles it.
            room = limit - len(pending) - len(finished)
            for index, task in islice(numbered, room):
                pending[pool.submit(fn, task)] = index
            if finished:
                index, future = finished.popleft()
                yield index, future.result()
                continue
            if not pending:
                return
            done, _ = wait(pending, return_when=FIRST_COMPLETED)
            finished.extend((pending.pop(future), future) for future in done)

    def describe(self) -> str:
        """Return e.g. ``"pool of 2 processes"``."""
        return f"pool of {self.workers} process{'es' if self.workers > 1 else ''}"

    def close(self, *, wait: bool = True) -> None:
        """Shut the pool down, cancelling queued tasks (see :meth:`Executor.close`)."""
        if self._pool is not None:
            self._pool.shutdown(wait=wait, cancel_futures=True)
            self._pool = None


class DaskExecutor(Executor):
    """Tasks on a Dask distributed cluster.

    Args:
        scheduler: The scheduler's address (``tcp://host:8786``), or :data:`LOCAL_SCHEDULER`
            to start a ``LocalCluster`` of ``workers`` single-threaded worker processes here.
        workers: Workers of a local cluster; ignored for a remote scheduler, whose workers are
            counted when connecting.

    Raises:
        ImportError: ``distributed`` is not installed (``pip install partnersim[cluster]``).
        OSError: The scheduler cannot be reached.

    Note:
        Workers import the task function by module name, so ``sim`` must be installed in the
        workers' environment (as it is when dask-jobqueue starts them from the same one).
    """

    def __init__(self, scheduler: str, workers: int = 1) -> None:
        if workers < 1:
            raise ValueError(f"workers must be at least 1; got {workers}")
        try:
            from distributed import Client, LocalCluster
        except ImportError as err:  # the ``cluster`` extra is optional
            raise ImportError(
                "a Dask scheduler needs the 'distributed' package: "
                "pip install 'partnersim[cluster]'"
            ) from err
        self.scheduler = scheduler
        self._cluster = None
        if scheduler == LOCAL_SCHEDULER:
            self._cluster = LocalCluster(
                n_workers=workers,
                threads_per_worker=1,
                processes=True,
                dashboard_address=None,
            )
            self._client = Client(self._cluster)
        else:
            self._client = Client(scheduler)
        self._counted = -math.inf
        self._capacity()

    def imap(self, fn: Callable[[Any], Any], tasks: Iterable[Any]) -> Iterator[tuple[int, Any]]:
        """Submit tasks to the cluster, a bounded number at a time (see :meth:`Executor.imap`)."""
        from distributed import as_completed

        numbered = enumerate(tasks)
        index_of: dict[Any, int] = {}
        running = as_completed()

        def top_up() -> None:
            for index, task in islice(numbered, self._capacity() - len(index_of)):
                future = self._client.submit(fn, task, pure=False)
                index_of[future] = index
                running.add(future)

        top_up()
        for future in running:
            index = index_of.pop(future)
            result = future.result()
            future.release()
            top_up()
            yield index, result

    def _capacity(self) -> int:
        """Return how many tasks to keep in flight, recounting the workers at most once a second.

        Workers of a cluster may join (or leave) while a sweep runs, e.g. as SLURM starts jobs.
        """
        now = time.monotonic()
        if now - self._counted >= 1.0:
            self.workers = max(1, sum(self._client.nthreads().values()))
            self._counted = now
        return self.workers * IN_FLIGHT_PER_WORKER

    def describe(self) -> str:
        """Return e.g. ``"dask local cluster (2 workers)"``."""
        where = "local cluster" if self._cluster is not None else self.scheduler
        return f"dask {where} ({self.workers} worker{'s' if self.workers > 1 else ''})"

    def close(self, *, wait: bool = True) -> None:
        """Disconnect, and stop the local cluster if this executor started one."""
        self._client.close()
        if self._cluster is not None:
            self._cluster.close()


def make_executor(workers: int = 1, scheduler: str | None = None) -> Executor:
    """Return the executor for a number of workers and an optional Dask scheduler.

    Args:
        workers: 1 runs serially here; more runs a local process pool of that many (or, with
            ``scheduler="local"``, a local Dask cluster of that many workers).
        scheduler: A Dask scheduler address, :data:`LOCAL_SCHEDULER`, or None for no Dask.

    Returns:
        A :class:`DaskExecutor`, :class:`PoolExecutor` or :class:`SerialExecutor`.

    Raises:
        ValueError: ``workers`` is less than 1.
    """
    if workers < 1:
        raise ValueError(f"workers must be at least 1; got {workers}")
    if scheduler is not None:
        return DaskExecutor(scheduler, workers)
    if workers > 1:
        return PoolExecutor(workers)
    return SerialExecutor()


@dataclass(frozen=True)
class RunSpec:
    """One run to do: small and picklable, so it can be sent to a worker process.

    Attributes:
        scenario: The fully resolved scenario, ``Scenario.model_dump(mode="json")``.
        seed: Run seed.
        replicate: Replicate number, written into every table as the ``replicate`` column.
        steps: Steps to run, or None for the scenario's ``time.steps``.
    """

    scenario: dict[str, Any]
    seed: int
    replicate: int
    steps: int | None = None


def run_spec(spec: RunSpec) -> RunResult:
    """Run one spec and return its result, with a ``replicate`` column after ``seed``.

    Module-level (not a closure or lambda) so that worker processes can unpickle it.

    Args:
        spec: What to run.

    Returns:
        The run's :class:`RunResult`; every table carries ``scenario``, ``seed`` and
        ``replicate``, and the manifest records the replicate.
    """
    from sim.runs.runner import run
    from sim.scenario.schema import Scenario

    result = run(Scenario.model_validate(spec.scenario), seed=spec.seed, steps=spec.steps)
    for table in result.tables.values():
        table.insert(table.columns.get_loc("seed") + 1, "replicate", spec.replicate)
    result.manifest["replicate"] = spec.replicate
    return result


def run_many(
    tasks: Sequence[RunSpec], *, workers: int = 1, progress: bool | None = False, desc: str = "runs"
) -> list[RunResult]:
    """Run every spec and return the results in the order of ``tasks``.

    Args:
        tasks: The runs to do.
        workers: 1 runs the specs serially in this process; more runs them in a
            :class:`PoolExecutor` of at most that many worker processes.
        progress: True draws a bar with the time left, None a bar on a terminal and log lines
            otherwise, False nothing (see :mod:`sim.runs.progress`).
        desc: What runs, for the progress lines.

    Returns:
        One :class:`RunResult` per spec, in the order of ``tasks``.

    Raises:
        ValueError: ``workers`` is less than 1.
    """
    from sim.runs.progress import Progress, choose_mode

    if workers < 1:
        raise ValueError(f"workers must be at least 1; got {workers}")
    results: list[Any] = [None] * len(tasks)
    with (
        make_executor(min(workers, max(len(tasks), 1))) as executor,
        Progress(len(tasks), desc=desc, mode=choose_mode(progress)) as shown,
    ):
        for index, result in executor.imap(run_spec, tasks):
            results[index] = result
            shown.update()
    return results
