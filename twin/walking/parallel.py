"""Run independent evaluations on every core, in input order: the one place that knows about processes.

``parallel_map(function, items, workers)`` is ``[function(item) for item in items]``, spread over
``workers`` processes. The results come back in the input order, so a seeded computation gives the same
answer serial or parallel. The fleet executors can replace this function without touching its callers.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable, Iterable
from concurrent.futures import Executor, ProcessPoolExecutor
from typing import TypeVar

T = TypeVar("T")
R = TypeVar("R")


def default_workers() -> int:
    """How many processes to use: the cores this process may run on."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # macOS, Windows
        return max(1, os.cpu_count() or 1)


def make_executor(workers: int) -> Executor | None:
    """A pool of ``workers`` fresh (spawned) processes, or None for one worker (run in this process).

    Spawned workers share nothing with a notebook kernel and end with ``executor.shutdown()`` (a
    forkserver would outlive the pool).
    """
    if isinstance(workers, bool) or not isinstance(workers, int) or workers < 1:
        raise ValueError(f"workers={workers!r} must be a positive integer (1 runs everything in this process).")
    if workers == 1:
        return None
    return ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("spawn"))


def parallel_map(
    function: Callable[[T], R], items: Iterable[T], executor: Executor | None = None, chunksize: int = 1
) -> list[R]:
    """``[function(item) for item in items]``, on ``executor``'s processes when given, in input order.

    ``function`` must be a module-level function (it travels to the worker processes by name).
    """
    items = list(items)
    if executor is None:
        return [function(item) for item in items]
    return list(executor.map(function, items, chunksize=chunksize))
