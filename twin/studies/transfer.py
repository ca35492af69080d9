"""The transfer experiment: tune a controller in simulation, then try it on many stand-ins.

The task and one scored run of it live with the gap (``twin.gap.task``: ``ReachTask``, ``Gains``, ``run_episode``;
the controller is ``twin.control.JointPID`` plus gravity compensation from the *model's* masses). This driver
builds the stand-ins and runs the study: gains tuned on a grid of candidates (small enough to draw as a heat
map), on the nominal model alone or over randomised models; ``transfer`` then runs every controller on stand-ins
drawn from a "reality" distribution and reports success rates and costs with 95 % confidence intervals
(``twin.analytics.statistics``).

Parallel work goes through ``twin.fleet``'s executors: pass ``executor=`` (serial, processes or Dask; the caller
keeps it open across calls and closes it), or ``workers=`` for a process pool made and closed per call. Stand-in
``j`` always gets sensor seed ``seed + j``, so every executor and every worker count gives identical numbers.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from twin.analytics.statistics import mean_interval, wilson_interval
from twin.fleet.executors import Executor, make_executor
from twin.gap.randomization import Randomization
from twin.gap.reality import Reality
from twin.gap.task import Episode, Gains, ReachTask, run_episode
from twin.physical_system.standin import PhysicalStandIn
from twin.sim.plant import SimulatedRobot
from twin.studies.gap_experiment import GapExperiment
from twin.tables import Table, make_table


def trial(task: ReachTask, gains: Gains, reality: Reality, seed: int = 0) -> Episode:
    """One trial on a fresh stand-in that behaves like ``reality``, with its trajectory kept for plotting."""
    with (
        SimulatedRobot(task.robot, task.model_parameters, task.time_step) as model,
        PhysicalStandIn.from_reality(
            reality, task.robot, seed=seed, time_step=task.time_step, initial_positions=task.start
        ) as standin,
    ):
        hold = reality.hold_steps(task.time_step)
        return run_episode(task, gains, standin, model, sensor_seed=seed, keep_trajectory=True, hold_steps=hold)


def _evaluate_chunk(
    task: ReachTask, controllers: Sequence[Gains], realities: Sequence[Reality], seeds: Sequence[int]
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Every controller on every reality of this chunk: (success, cost, settling time), controllers x realities."""
    success = np.zeros((len(controllers), len(realities)), dtype=bool)
    cost = np.zeros((len(controllers), len(realities)))
    settling = np.zeros((len(controllers), len(realities)))
    with SimulatedRobot(task.robot, task.model_parameters, task.time_step) as model:
        for j, (reality, seed) in enumerate(zip(realities, seeds, strict=True)):
            standin = PhysicalStandIn.from_reality(
                reality, task.robot, seed=seed, time_step=task.time_step, initial_positions=task.start
            )
            try:
                hold = reality.hold_steps(task.time_step)
                for i, gains in enumerate(controllers):
                    episode = run_episode(task, gains, standin, model, sensor_seed=seed, hold_steps=hold)
                    success[i, j], cost[i, j], settling[i, j] = episode.success, episode.cost, episode.settling_time
            finally:
                standin.close()
    return success, cost, settling


@dataclass(frozen=True)
class _Chunk:
    """A few stand-ins for one job: what ``function`` runs on them, named for the executor's report."""

    name: str
    function: Callable[..., Any]
    arguments: tuple


def _run_chunk(chunk: _Chunk) -> Any:
    return chunk.function(*chunk.arguments)


def _map_chunks(
    chunks: Sequence[_Chunk], executor: Executor | None, workers: int, bar: Any, sizes: Sequence[int]
) -> list[Any]:
    """Every chunk's result, in order, on ``executor`` (or on one made for ``workers`` and closed here).

    A failed chunk raises its error. With a progress bar the chunks go in batches (a few per worker), each
    batch ticking the bar when it is done."""
    own = executor is None
    if executor is None:
        executor = make_executor("serial") if workers == 1 else make_executor("processes", workers)
    try:
        # without a bar, all at once; with one, a batch per tick: one chunk in this process, four per worker
        batch = len(chunks) if isinstance(bar, _NoBar) else (1 if executor.workers == 1 else 4 * executor.workers)
        results: list[Any] = []
        for start in range(0, len(chunks), batch):
            for outcome in executor.map(_run_chunk, chunks[start : start + batch]):
                if not outcome.ok:
                    raise outcome.error  # type: ignore[misc]
                results.append(outcome.result)
            bar.update(sum(sizes[start : start + batch]))
        return results
    finally:
        if own:
            executor.close()


def _check_executor(executor: object) -> None:
    if executor is not None and not isinstance(executor, Executor):
        raise TypeError(
            f"executor must be a twin.fleet executor, e.g. twin.fleet.make_executor('processes', 4), "
            f"got {type(executor).__name__}; or leave it out and pass workers=."
        )


def _split(count: int, pieces: int) -> list[tuple[int, int]]:
    bounds = np.linspace(0, count, pieces + 1).round().astype(int)
    return [(int(a), int(b)) for a, b in zip(bounds[:-1], bounds[1:], strict=True) if b > a]


def evaluate(
    task: ReachTask,
    controllers: Sequence[Gains],
    realities: Sequence[Reality],
    seed: int = 0,
    workers: int | None = 1,
    progress: bool = False,
    executor: Executor | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Run every controller on every reality; returns (success (bool), cost (s), settling time (s)), each an array
    controllers x realities.

    ``executor`` (a ``twin.fleet`` executor) runs the stand-ins; without one, ``workers`` processes share them
    (``None`` = every core, 1 = this process). Each job builds its own worlds. Reality ``j`` always gets sensor
    seed ``seed + j``, so the numbers depend neither on the executor nor on ``workers``.
    ``progress`` shows a progress bar (tqdm) over the stand-ins.
    """
    controllers, realities = list(controllers), list(realities)
    if not controllers or not realities:
        raise ValueError("need at least one controller and one reality to evaluate.")
    _check_executor(executor)
    workers = _worker_count(workers, len(realities)) if executor is None else executor.workers
    seeds = [seed + j for j in range(len(realities))]
    # One chunk per stand-in when a progress bar wants to tick; otherwise a few chunks per worker.
    pieces = len(realities) if progress else (1 if workers == 1 else min(len(realities), 4 * workers))
    spans = _split(len(realities), pieces)
    chunks = [
        _Chunk(f"stand-ins {a}-{b - 1}", _evaluate_chunk, (task, controllers, realities[a:b], seeds[a:b]))
        for a, b in spans
    ]
    bar = _progress_bar(len(realities), progress)
    try:
        parts = _map_chunks(chunks, executor, workers, bar, [b - a for a, b in spans])
    finally:
        bar.close()
    return tuple(np.concatenate([p[i] for p in parts], axis=1) for i in range(3))


class _NoBar:
    def update(self, n: int) -> None:
        pass

    def close(self) -> None:
        pass


def _progress_bar(total: int, show: bool) -> object:
    if not show:
        return _NoBar()
    from twin.core.progress import tqdm

    return tqdm(total=total, desc="stand-ins", unit="stand-in")


def _worker_count(workers: int | None, jobs: int) -> int:
    if workers is None:
        workers = os.cpu_count() or 1
    if not isinstance(workers, int) or workers < 1:
        raise ValueError(f"workers={workers!r} must be a positive integer, or None for every core.")
    return min(workers, jobs)


# -- tuning ----------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Tuning:
    """What random search found: the best gains, and every candidate tried with its mean cost and success rate."""

    best: Gains
    candidates: tuple[Gains, ...]
    mean_cost: np.ndarray
    success_rate: np.ndarray
    trained_on: int

    @property
    def episodes(self) -> int:
        """Simulated trials the search cost: candidates x training models."""
        return len(self.candidates) * self.trained_on

    def table(self, top: int = 5) -> Table:
        """The ``top`` candidates by mean cost: gains, mean cost (s) and success rate on the training models."""
        order = np.argsort(self.mean_cost, kind="stable")[:top]
        rows = [(str(self.candidates[i]), float(self.mean_cost[i]), float(self.success_rate[i])) for i in order]
        title = f"best of {len(self.candidates)} candidates on {self.trained_on} model(s)"
        return make_table(("gains", "mean cost [s]", "success rate"), rows, title)


def gain_grid(kps: Sequence[float], kis: Sequence[float], inertia: float, damping_ratio: float = 1.0) -> list[Gains]:
    """Every (kp, ki) pair, with kd = 2 zeta sqrt(kp I) so the PD part has damping ratio ``damping_ratio``.

    ``inertia`` (kg m^2) is the model's joint inertia (``model_inertia``); kp in N m/rad, ki in N m/(rad s).
    """
    if inertia <= 0 or damping_ratio <= 0:
        raise ValueError(f"inertia={inertia} kg m^2 and damping_ratio={damping_ratio} must be > 0.")
    return [Gains(kp, 2 * damping_ratio * math.sqrt(kp * inertia), ki) for kp in kps for ki in kis]


def model_inertia(task: ReachTask) -> float:
    """The joint inertia (kg m^2) the model believes at the target: what the gains are scaled by."""
    with SimulatedRobot(task.robot, task.model_parameters, task.time_step) as model:
        return float(np.max(np.diag(model.mass_matrix(task.target))))


def tune(
    task: ReachTask,
    realities: Sequence[Reality],
    candidates: Sequence[Gains],
    seed: int = 0,
    workers: int | None = 1,
    executor: Executor | None = None,
) -> Tuning:
    """Search: the candidate with the lowest mean cost over ``realities`` (the models it is tuned on).

    Pass ``[Reality.matching(task.model_parameters)]`` to tune on the nominal model only, or
    ``Randomization.sample(...)`` to tune over randomised models. Ties go to the earlier candidate.
    """
    candidates, realities = tuple(candidates), list(realities)
    success, cost, _ = evaluate(task, candidates, realities, seed=seed, workers=workers, executor=executor)
    mean_cost = cost.mean(axis=1)
    return Tuning(candidates[int(np.argmin(mean_cost))], candidates, mean_cost, success.mean(axis=1), len(realities))


# -- the results of a transfer experiment ----------------------------------------------------------------
@dataclass(frozen=True)
class TransferResult:
    """Every controller on the same stand-ins: success, cost (s) and settling time (s), controllers x stand-ins.

    ``controllers`` holds each row's gains, or a description where each stand-in got its own (``with_row``)."""

    names: tuple[str, ...]
    controllers: tuple[Gains | str, ...]
    success: np.ndarray
    cost: np.ndarray
    settling: np.ndarray

    @property
    def standins(self) -> int:
        return int(self.success.shape[1])

    def success_rate(self, name: str) -> tuple[float, float, float]:
        """(rate, low, high): the success rate of controller ``name`` with its 95 % Wilson interval."""
        row = self.success[self.names.index(name)]
        low, high = wilson_interval(int(row.sum()), row.size)
        return float(row.mean()), low, high

    def mean_cost(self, name: str) -> tuple[float, float, float]:
        """(mean, low, high): mean cost (s) with a 95 % normal-approximation interval."""
        return mean_interval(self.cost[self.names.index(name)], normal=True)

    def settling_time(self, name: str) -> float:
        """Mean settling time (s) over the stand-ins where the controller succeeded (nan if none)."""
        i = self.names.index(name)
        won = self.success[i]
        return float(self.settling[i][won].mean()) if won.any() else float("nan")

    def with_row(
        self, name: str, controller: Gains | str, success: np.ndarray, cost: np.ndarray, settling: np.ndarray
    ) -> TransferResult:
        """This result plus one more controller's row, measured on the same stand-ins (one value per stand-in)."""
        rows = [np.asarray(a).reshape(1, -1) for a in (success, cost, settling)]
        if any(r.shape[1] != self.standins for r in rows):
            raise ValueError(f"the new row needs one value per stand-in ({self.standins}), got {rows[0].shape[1]}.")
        if name in self.names:
            raise ValueError(f"a row named {name!r} is already in the result {self.names}; choose another name.")
        stacked = (
            np.concatenate([old, new]) for old, new in zip((self.success, self.cost, self.settling), rows, strict=True)
        )
        return TransferResult((*self.names, name), (*self.controllers, controller), *stacked)

    def table(self) -> Table:
        """Per controller: gains, success rate and mean cost (s) with 95 % intervals, and settling time (s)."""
        rows = []
        for name, gains in zip(self.names, self.controllers, strict=True):
            rate, low, high = self.success_rate(name)
            cost, c_low, c_high = self.mean_cost(name)
            rows.append(
                (
                    name,
                    str(gains),
                    f"{100 * rate:.0f} % [{100 * low:.0f}, {100 * high:.0f}]",
                    f"{cost:.3f} [{c_low:.3f}, {c_high:.3f}]",
                    self.settling_time(name),
                )
            )
        return make_table(
            ("controller", "gains", "success (95 % CI)", "mean cost [s] (95 % CI)", "settling time if successful [s]"),
            rows,
            f"transfer to {self.standins} stand-ins",
        )


def transfer(
    task: ReachTask,
    controllers: Mapping[str, Gains],
    realities: Sequence[Reality],
    seed: int = 10_000,
    workers: int | None = None,
    progress: bool = False,
    executor: Executor | None = None,
) -> TransferResult:
    """Run each named controller on the same ``realities`` (in parallel over stand-ins) and collect the numbers."""
    names = tuple(controllers)
    controllers_in_order = [controllers[n] for n in names]
    success, cost, settling = evaluate(task, controllers_in_order, realities, seed, workers, progress, executor)
    return TransferResult(names, tuple(controllers[n] for n in names), success, cost, settling)


# -- the price of randomising too wide ----------------------------------------------------------------
@dataclass(frozen=True)
class WidthSweep:
    """Tuning over ranges widened by each factor, repeated for several training seeds, judged on the same stand-ins.

    Attributes:
        widths: the factors the ranges were widened by (1 = as given).
        seeds: the training seeds: each draws its own training models.
        chosen: the tuned gains, widths x seeds.
        success, cost, settling: widths x seeds x stand-ins (bool, s, s).
    """

    widths: tuple[float, ...]
    seeds: tuple[int, ...]
    chosen: tuple[tuple[Gains, ...], ...]
    success: np.ndarray
    cost: np.ndarray
    settling: np.ndarray

    def success_rate(self, i: int) -> tuple[float, float, float]:
        """(rate, low, high) at width ``widths[i]``, pooled over seeds and stand-ins, 95 % Wilson interval.

        The pooled trials share stand-ins across seeds, so they are not fully independent: read the interval
        as the spread over stand-ins, and compare widths by the table's per-seed columns too."""
        row = self.success[i].ravel()
        low, high = wilson_interval(int(row.sum()), row.size)
        return float(row.mean()), low, high

    def mean_cost(self, i: int) -> float:
        """Mean cost (s) at width ``widths[i]`` over seeds and stand-ins."""
        return float(self.cost[i].mean())

    def settling_time(self, i: int) -> float:
        """Mean settling time (s) over the successful trials at width ``widths[i]`` (nan if none)."""
        won = self.success[i]
        return float(self.settling[i][won].mean()) if won.any() else float("nan")

    def mean_gain(self, i: int, name: str = "kp") -> float:
        """The tuned gain ``name`` (kp, kd or ki) averaged over the training seeds at width ``widths[i]``."""
        return float(np.mean([getattr(g, name) for g in self.chosen[i]]))

    def table(self) -> Table:
        """Per width factor: mean tuned kp (N m/rad) and ki (N m/(rad s)), success rate with its 95 % interval and
        per training seed, mean cost (s) and settling time when successful (s)."""
        rows = []
        for i, width in enumerate(self.widths):
            rate, low, high = self.success_rate(i)
            per_seed = ", ".join(f"{100 * s.mean():.0f}" for s in self.success[i])
            rows.append(
                (
                    f"x{width:g}",
                    self.mean_gain(i, "kp"),
                    self.mean_gain(i, "ki"),
                    f"{100 * rate:.0f} % [{100 * low:.0f}, {100 * high:.0f}]",
                    per_seed,
                    self.mean_cost(i),
                    self.settling_time(i),
                )
            )
        return make_table(
            (
                "width",
                "mean kp",
                "mean ki",
                "success (95 % CI)",
                "success per seed [%]",
                "mean cost [s]",
                "settling if successful [s]",
            ),
            rows,
            f"{len(self.seeds)} training seeds x {self.success.shape[2]} stand-ins per width",
        )


def width_sweep(
    task: ReachTask,
    randomization: Randomization,
    widths: Sequence[float],
    candidates: Sequence[Gains],
    standins: Sequence[Reality],
    seeds: Sequence[int] = (1, 2, 3),
    models: int = 12,
    workers: int | None = 1,
    seed: int = 10_000,
    executor: Executor | None = None,
) -> WidthSweep:
    """For each width and training seed: tune over ``models`` realities drawn from ``randomization.widened(width)``
    , then run the chosen gains on the same ``standins``.

    Each distinct controller is evaluated once; stand-in ``j`` gets sensor seed ``seed + j`` as in ``transfer``."""
    widths, seeds = tuple(float(w) for w in widths), tuple(int(s) for s in seeds)
    if not widths or not seeds:
        raise ValueError("need at least one width and one training seed.")
    if not isinstance(models, int) or models < 1:
        raise ValueError(f"models={models!r} must be a positive number of training models per seed.")
    chosen = tuple(
        tuple(
            tune(
                task, randomization.widened(w).sample(models, seed=s), candidates, workers=workers, executor=executor
            ).best
            for s in seeds
        )
        for w in widths
    )
    distinct = list(dict.fromkeys(g for row in chosen for g in row))
    success, cost, settling = evaluate(task, distinct, standins, seed=seed, workers=workers, executor=executor)
    index = [[distinct.index(g) for g in row] for row in chosen]
    return WidthSweep(widths, seeds, chosen, success[index], cost[index], settling[index])


# -- calibration as a remedy for the task -----------------------------------------------------------------
def _calibrated_chunk(
    task: ReachTask,
    candidates: Sequence[Gains],
    excitation: np.ndarray,
    realities: Sequence[Reality],
    seeds: Sequence[int],
) -> tuple[np.ndarray, np.ndarray, np.ndarray, list[Gains]]:
    from twin.calibration import calibrate  # the calibration loads scipy's optimisers: only where used

    experiment = GapExperiment(task.robot, excitation, task.model_parameters, task.start, task.time_step)
    success, cost, settling, chosen = [], [], [], []
    for reality, seed in zip(realities, seeds, strict=True):
        estimate = calibrate(experiment.run(reality, seed=seed).trajectory(), task.robot).estimate
        on_estimate = replace(task, model_parameters=estimate)  # gravity compensation from the calibrated model
        gains = tune(on_estimate, [Reality.matching(estimate)], candidates).best
        s, c, t = _evaluate_chunk(on_estimate, [gains], [reality], [seed])
        success.append(s[0, 0]), cost.append(c[0, 0]), settling.append(t[0, 0]), chosen.append(gains)
    return np.array(success), np.array(cost), np.array(settling), chosen


def calibrated_transfer(
    task: ReachTask,
    realities: Sequence[Reality],
    candidates: Sequence[Gains],
    excitation: np.ndarray,
    seed: int = 10_000,
    workers: int | None = 1,
    executor: Executor | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, list[Gains]]:
    """Calibration as the remedy, robot by robot: on each reality, record ``excitation`` (torques, steps x joints),
    calibrate the model's parameters from it (``twin.calibration.calibrate``), tune the gains on the calibrated
    model (its gravity compensation too), then run the task on that reality.

    Returns (success, cost (s), settling time (s), gains), one entry per reality; reality ``j`` gets sensor seed
    ``seed + j``, as in ``transfer``, so the rows line up with a ``TransferResult`` on the same realities."""
    realities = list(realities)
    if not realities:
        raise ValueError("need at least one reality to calibrate on.")
    _check_executor(executor)
    workers = _worker_count(workers, len(realities)) if executor is None else executor.workers
    seeds = [seed + j for j in range(len(realities))]
    spans = _split(len(realities), min(len(realities), 4 * workers))
    chunks = [
        _Chunk(f"stand-ins {a}-{b - 1}", _calibrated_chunk, (task, candidates, excitation, realities[a:b], seeds[a:b]))
        for a, b in spans
    ]
    parts = _map_chunks(chunks, executor, workers, _NoBar(), [b - a for a, b in spans])
    arrays = tuple(np.concatenate([p[i] for p in parts]) for i in range(3))
    return (*arrays, [g for p in parts for g in p[3]])
