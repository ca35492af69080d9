"""One API over three ways of running many independent jobs: serial, local processes, Dask.

Each job is ``function(item)``; ``item`` names what it runs (a robot) through ``job_name(item)``. Every
executor returns one ``JobOutcome`` per item, in the items' order, holding either the result or the error, so
that one failing robot never costs the rest of the fleet its results:

- ``SerialExecutor``: a plain loop in this process; the reference the others must match bit for bit.
- ``ProcessExecutor`` (the default on one machine): ``concurrent.futures.ProcessPoolExecutor`` with 'spawn'
  workers (a fresh interpreter each: pybullet state is never shared). A worker process that dies (a crash in
  C, ``os._exit``, the out-of-memory killer) breaks the whole pool in ``concurrent.futures``; the executor then
  re-runs each job that was in flight on its own, so the job that kills its worker again is reported as
  ``WorkerDied`` naming its item, and every other job still gets its result.
- ``DaskExecutor``: ``distributed`` with a ``LocalCluster`` on 127.0.0.1 (one single-threaded worker process
  per core) or, given ``address="tcp://scheduler:8786"``, an existing cluster: the same code then runs on
  many machines. A job whose worker dies is reported the same way (Dask's ``KilledWorker``).

Jobs must be deterministic functions of their item (seeded), so every executor returns identical results.
Executors own their workers and close them in ``close()``, on ``with`` exit and at interpreter exit.
"""

from __future__ import annotations

import multiprocessing
import os
import time
import weakref
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from dataclasses import dataclass
from types import TracebackType
from typing import Any

from twin.core.checks import check_count

LOOPBACK = "127.0.0.1"
EXECUTOR_KINDS = ("serial", "processes", "dask")


class WorkerDied(RuntimeError):
    """The process running a job vanished (crash, ``os._exit``, out of memory) before returning."""


@dataclass(frozen=True)
class JobOutcome:
    """What became of one job: its ``result``, or the ``error`` it raised (then ``result`` is None).

    ``seconds`` is the job's own wall time in its worker (0 when it never returned), ``worker`` the process
    id that ran it.
    """

    name: str
    result: Any = None
    error: BaseException | None = None
    seconds: float = 0.0
    worker: int = 0

    @property
    def ok(self) -> bool:
        return self.error is None


def job_name(item: object) -> str:
    """The name an item is reported by: its ``name`` attribute when it has one, else ``repr``."""
    return str(getattr(item, "name", None) or repr(item))


_started_jobs: Any = None  # in a pool worker: the queue on which it announces each job it starts


def _announce_to(queue: Any) -> None:
    global _started_jobs
    _started_jobs = queue


def _timed(function: Callable[[Any], Any], item: object, index: int = -1) -> tuple[Any, float, int]:
    """Run one job where it lands; returns (result, seconds, process id). Announces ``index`` when asked to."""
    if _started_jobs is not None and index >= 0:
        _started_jobs.put(index)
    started = time.perf_counter()
    result = function(item)
    return result, time.perf_counter() - started, os.getpid()


class Executor:
    """The interface: ``map(function, items) -> list[JobOutcome]``, ``workers``, ``close()``, context manager."""

    kind = "base"
    workers = 1

    def map(self, function: Callable[[Any], Any], items: Sequence[object]) -> list[JobOutcome]:  # pragma: no cover
        raise NotImplementedError

    def close(self) -> None:
        """Stop every worker this executor started; safe to call twice."""

    def __enter__(self) -> Executor:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, value: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"{type(self).__name__}(workers={self.workers})"


class SerialExecutor(Executor):
    """Every job in this process, one after the other."""

    kind = "serial"

    def map(self, function: Callable[[Any], Any], items: Sequence[object]) -> list[JobOutcome]:
        outcomes = []
        for item in items:
            try:
                result, seconds, pid = _timed(function, item)
                outcomes.append(JobOutcome(job_name(item), result, None, seconds, pid))
            except Exception as error:  # one job's failure is reported, the others still run
                outcomes.append(JobOutcome(job_name(item), None, error))
        return outcomes


def default_workers() -> int:
    """How many worker processes to use: the cores this process may run on."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # macOS, Windows
        return max(1, os.cpu_count() or 1)


def _check_workers(workers: int) -> int:
    return check_count("workers", workers, "worker processes (e.g. os.cpu_count())", low=1)


def _shutdown_pool(pool: ProcessPoolExecutor) -> None:
    pool.shutdown(wait=True, cancel_futures=True)


class ProcessExecutor(Executor):
    """Jobs in ``workers`` 'spawn' processes on this machine (``concurrent.futures``).

    The pool starts on first use and is kept for later ``map`` calls (starting a spawn worker costs about a
    second); ``close()`` stops it.
    """

    kind = "processes"

    def __init__(self, workers: int | None = None) -> None:
        self.workers = _check_workers(workers if workers is not None else default_workers())
        self._pool: ProcessPoolExecutor | None = None
        self._started: Any = None  # queue on which workers announce each job index they start
        self._finalizer: weakref.finalize | None = None

    def _new_pool(self, workers: int, announce: Any = None) -> ProcessPoolExecutor:
        context = multiprocessing.get_context("spawn")
        if announce is None:
            return ProcessPoolExecutor(workers, mp_context=context)
        return ProcessPoolExecutor(workers, mp_context=context, initializer=_announce_to, initargs=(announce,))

    def _ensure_pool(self) -> ProcessPoolExecutor:
        if self._pool is None:
            # SimpleQueue writes synchronously: an announcement is in the pipe before the job can kill its worker.
            self._started = multiprocessing.get_context("spawn").SimpleQueue()
            self._pool = self._new_pool(self.workers, self._started)
            self._finalizer = weakref.finalize(self, _shutdown_pool, self._pool)
        return self._pool

    def _drop_pool(self) -> None:
        if self._finalizer is not None:
            self._finalizer()  # shuts the pool down (also a broken one) and is then inert
        self._pool, self._finalizer = None, None
        if self._started is not None:
            self._started.close()
            self._started = None

    def map(self, function: Callable[[Any], Any], items: Sequence[object]) -> list[JobOutcome]:
        items = list(items)
        outcomes: dict[int, JobOutcome] = {}
        pending = list(range(len(items)))
        while pending:
            broken = self._run_until_broken(function, items, pending, outcomes)
            if not broken:
                break
            started = self._drain_started()
            self._drop_pool()
            # The pool broke: every unfinished job lost its future. Those that had started (announced on the queue)
            # were in flight when a worker died: run each alone in a fresh one-worker pool, so only the job that
            # kills its own worker is reported dead. The others go round again in a fresh pool. Jobs are
            # deterministic, so a re-run gives the result the first run would have given.
            in_flight = (set(broken) & started) or set(broken)  # (nothing announced: isolate them all)
            for index in sorted(in_flight):
                outcomes[index] = self._run_alone(function, items[index])
            pending = [i for i in pending if i not in outcomes]
        return [outcomes[i] for i in range(len(items))]

    def _run_until_broken(
        self, function: Callable[[Any], Any], items: list, pending: list[int], outcomes: dict[int, JobOutcome]
    ) -> list[int]:
        """Submit ``pending``; fill ``outcomes``. Returns the jobs lost when the pool broke (empty if it did not)."""
        pool = self._ensure_pool()
        futures = {pool.submit(_timed, function, items[i], i): i for i in pending}
        lost: list[int] = []
        remaining = set(futures)
        while remaining:
            done, remaining = wait(remaining, return_when=FIRST_COMPLETED)
            for future in done:
                index = futures[future]
                try:
                    result, seconds, pid = future.result()
                    outcomes[index] = JobOutcome(job_name(items[index]), result, None, seconds, pid)
                except BrokenProcessPool:
                    lost.append(index)
                except Exception as error:
                    outcomes[index] = JobOutcome(job_name(items[index]), None, error)
        return sorted(lost)

    def _drain_started(self) -> set[int]:
        started = set()
        while not self._started.empty():
            started.add(self._started.get())
        return started

    def _run_alone(self, function: Callable[[Any], Any], item: object) -> JobOutcome:
        with self._new_pool(1) as pool:
            try:
                result, seconds, pid = pool.submit(_timed, function, item).result()
                return JobOutcome(job_name(item), result, None, seconds, pid)
            except BrokenProcessPool:
                message = f"the worker process running {job_name(item)!r} died before returning (crash or os._exit)"
                return JobOutcome(job_name(item), None, WorkerDied(message))
            except Exception as error:
                return JobOutcome(job_name(item), None, error)

    def close(self) -> None:
        self._drop_pool()


def _close_dask(client: Any, cluster: Any) -> None:
    client.close()
    if cluster is not None:
        cluster.close()


class DaskExecutor(Executor):
    """Jobs on a Dask ``distributed`` cluster: a ``LocalCluster`` on 127.0.0.1 started here, or ``address``.

    Args:
        workers: worker processes of the local cluster (one thread each); ignored with ``address``.
        address: a running scheduler, e.g. ``"tcp://10.0.0.5:8786"`` on a lab cluster (started there with
            ``dask scheduler`` and ``dask worker tcp://10.0.0.5:8786``); None starts a local one.

    The local cluster listens on 127.0.0.1 only, with no dashboard, and is closed by ``close()`` (and at exit).
    A job whose worker dies is not retried on another worker (that worker would die too): it is reported.
    """

    kind = "dask"

    def __init__(self, workers: int | None = None, address: str | None = None) -> None:
        import dask
        from distributed import Client, LocalCluster

        self.address = address
        self._cluster = None
        with dask.config.set({"distributed.scheduler.allowed-failures": 0}):
            if address is None:
                self.workers = _check_workers(workers if workers is not None else default_workers())
                self._cluster = LocalCluster(
                    n_workers=self.workers,
                    threads_per_worker=1,
                    processes=True,
                    host=LOOPBACK,
                    dashboard_address=None,
                    silence_logs=40,  # logging.ERROR: a killed worker is reported by map, not logged at length
                )
                self._client = Client(self._cluster)
            else:
                self._client = Client(address)
                self.workers = max(1, len(self._client.scheduler_info()["workers"]))
        self._finalizer = weakref.finalize(self, _close_dask, self._client, self._cluster)

    def map(self, function: Callable[[Any], Any], items: Sequence[object]) -> list[JobOutcome]:
        from distributed import KilledWorker

        items = list(items)
        futures = [
            self._client.submit(_timed, function, item, key=f"{job_name(item)}-{i}-{time.monotonic_ns()}", pure=False)
            for i, item in enumerate(items)
        ]
        outcomes = []
        for item, future in zip(items, futures, strict=True):
            try:
                result, seconds, pid = future.result()
                outcomes.append(JobOutcome(job_name(item), result, None, seconds, pid))
            except KilledWorker:
                message = f"the Dask worker running {job_name(item)!r} died before returning (crash or os._exit)"
                outcomes.append(JobOutcome(job_name(item), None, WorkerDied(message)))
            except Exception as error:
                outcomes.append(JobOutcome(job_name(item), None, error))
        return outcomes

    def close(self) -> None:
        self._finalizer()


def make_executor(kind: str = "processes", workers: int | None = None, address: str | None = None) -> Executor:
    """``"serial"``, ``"processes"`` (default) or ``"dask"`` (``address`` reaches an existing cluster)."""
    if kind == "serial":
        return SerialExecutor()
    if kind == "processes":
        return ProcessExecutor(workers)
    if kind == "dask":
        return DaskExecutor(workers, address)
    raise ValueError(f"kind={kind!r}; choose one of {EXECUTOR_KINDS} (processes is the default on one machine).")


def executor_for(workers: int) -> Executor:
    """A plain loop in this process for ``workers=1``, else a pool of ``workers`` processes. Close it
    (``with executor_for(2) as executor: ...``); the pool then stops its worker processes."""
    workers = check_count("workers", workers, "worker processes (1 runs everything in this process)", low=1)
    return SerialExecutor() if workers == 1 else ProcessExecutor(workers)


@contextmanager
def borrowed_or_new(workers: int | Executor) -> Iterator[Executor]:
    """For a study that takes ``workers``: an open executor passed in is used and left open (its owner reuses it
    for the next study and closes it); a number starts ``executor_for(workers)`` for this block only."""
    if isinstance(workers, Executor):
        yield workers
        return
    with executor_for(workers) as executor:
        yield executor


def map_or_raise(function: Callable[[Any], Any], items: Sequence[object], executor: Executor) -> list[Any]:
    """``[function(item) for item in items]`` on ``executor``, in input order, so a seeded computation gives the
    same answer serial or parallel; the first job's error is raised here (for studies that need every result,
    unlike a fleet, which keeps the others). ``function`` must be a module-level function (it travels to the
    worker processes by name)."""
    outcomes = executor.map(function, list(items))
    for outcome in outcomes:
        if outcome.error is not None:
            raise outcome.error
    return [outcome.result for outcome in outcomes]
