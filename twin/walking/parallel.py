"""Walks on every core through the fleet's executors (``twin.fleet``): one parallel mechanism in the kit.

``walk_executor(workers)`` is a ``twin.fleet`` executor: serial in this process for one worker, else a pool of
spawned processes. ``map_walks(function, items, executor)`` is ``[function(item) for item in items]`` on it, in
the input order, so a seeded computation gives the same answer serial or parallel; a walk that fails raises
its error here instead of coming back as a missing result.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from typing import TypeVar

from twin.fleet.executors import Executor, make_executor

T = TypeVar("T")
R = TypeVar("R")


def walk_executor(workers: int) -> Executor:
    """A ``twin.fleet`` executor for ``workers`` processes (1: a plain loop in this process).

    Close it (``with walk_executor(2) as executor: ...``); the pool then stops its worker processes.
    """
    if isinstance(workers, bool) or not isinstance(workers, int) or workers < 1:
        raise ValueError(f"workers={workers!r} must be a positive integer (1 runs everything in this process).")
    return make_executor("serial") if workers == 1 else make_executor("processes", workers)


def map_walks(function: Callable[[T], R], items: Iterable[T], executor: Executor) -> list[R]:
    """``[function(item) for item in items]`` on ``executor``, in input order; the first failure is raised.

    ``function`` must be a module-level function (it travels to the worker processes by name).
    """
    outcomes = executor.map(function, list(items))
    for outcome in outcomes:
        if outcome.error is not None:
            raise outcome.error
    return [outcome.result for outcome in outcomes]


def default_workers() -> int:
    """How many processes to use: the cores this process may run on."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # macOS, Windows
        return max(1, os.cpu_count() or 1)
