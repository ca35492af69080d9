"""Transfer results as a report reads them: the spread between training seeds, a subset of stand-ins, and the
long experiments run in steps with a progress bar.

A width sweep's pooled success rate (``WidthSweep.success_rate``) treats every (seed, stand-in) pair as an
independent trial. It is not: the seeds share the stand-ins, and which dozen models a seed drew moves its
controller's success far more than the stand-ins' noise does. ``seed_spread`` reports what each training seed's
controller achieved on its own, so the spread across seeds is in plain sight.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from twin.gap.randomization import Randomization
from twin.gap.reality import Reality
from twin.gap.task import Gains, ReachTask
from twin.studies.transfer import TransferResult, WidthSweep, calibrated_transfer, width_sweep


@dataclass(frozen=True)
class SeedSpread:
    """Success rates (0..1) of the controllers tuned from each training seed at one width, on the same stand-ins.

    Attributes:
        width: the factor the ranges were widened by.
        rates: one success rate per training seed, in the sweep's seed order.
    """

    width: float
    rates: tuple[float, ...]

    @property
    def mean(self) -> float:
        """Mean over the training seeds."""
        return float(np.mean(self.rates))

    @property
    def low(self) -> float:
        """The worst seed's success rate."""
        return float(min(self.rates))

    @property
    def high(self) -> float:
        """The best seed's success rate."""
        return float(max(self.rates))

    def __str__(self) -> str:
        per_seed = ", ".join(f"{100 * r:.0f}" for r in self.rates)
        spread = 100 * (self.high - self.low)
        return f"x{self.width:g}: mean {100 * self.mean:.0f} %, seeds {per_seed} % (range {spread:.0f} points)"


def seed_success_rates(sweep: WidthSweep) -> np.ndarray:
    """Success rate (0..1) of each training seed's controller on the stand-ins: an array widths x seeds."""
    return np.asarray(sweep.success, dtype=float).mean(axis=2)


def seed_spread(sweep: WidthSweep, i: int) -> SeedSpread:
    """The success rate of each training seed's controller at width ``sweep.widths[i]``."""
    if not 0 <= i < len(sweep.widths):
        raise IndexError(f"width index {i} is out of range: the sweep has {len(sweep.widths)} widths {sweep.widths}.")
    return SeedSpread(sweep.widths[i], tuple(float(r) for r in seed_success_rates(sweep)[i]))


def first_standins(result: TransferResult, count: int) -> TransferResult:
    """The same result restricted to its first ``count`` stand-ins (every controller's row), without rerunning."""
    if isinstance(count, bool) or not isinstance(count, int) or not 1 <= count <= result.standins:
        raise ValueError(f"count={count!r} must be a whole number of stand-ins from 1 to {result.standins}.")
    return TransferResult(
        result.names,
        result.controllers,
        result.success[:, :count],
        result.cost[:, :count],
        result.settling[:, :count],
    )


def _bar(total: int, show: bool, description: str, unit: str):
    from twin.core.progress import tqdm

    return tqdm(total=total, desc=description, unit=unit, disable=not show)


def width_sweep_in_steps(
    task: ReachTask,
    randomization: Randomization,
    widths: Sequence[float],
    candidates: Sequence[Gains],
    standins: Sequence[Reality],
    seeds: Sequence[int] = (1, 2, 3),
    models: int = 12,
    workers: int | None = 1,
    seed: int = 10_000,
    progress: bool = True,
) -> WidthSweep:
    """``twin.gap.transfer.width_sweep``, one width at a time, with a progress bar; the same numbers."""
    widths = [float(w) for w in widths]
    if not widths:
        raise ValueError("need at least one width.")
    parts = []
    with _bar(len(widths), progress, "range widths", "width") as bar:
        for width in widths:
            parts.append(width_sweep(task, randomization, [width], candidates, standins, seeds, models, workers, seed))
            bar.update(1)
    return WidthSweep(
        tuple(widths),
        parts[0].seeds,
        tuple(p.chosen[0] for p in parts),
        np.concatenate([p.success for p in parts]),
        np.concatenate([p.cost for p in parts]),
        np.concatenate([p.settling for p in parts]),
    )


def calibrated_transfer_in_steps(
    task: ReachTask,
    realities: Sequence[Reality],
    candidates: Sequence[Gains],
    excitation: np.ndarray,
    seed: int = 10_000,
    workers: int | None = 1,
    progress: bool = True,
    per_step: int = 8,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, list[Gains]]:
    """``twin.gap.transfer.calibrated_transfer`` on ``per_step`` realities at a time, with a progress bar.

    Reality ``j`` keeps sensor seed ``seed + j``, so the numbers are those of one call on all realities."""
    realities = list(realities)
    if not realities:
        raise ValueError("need at least one reality to calibrate on.")
    if isinstance(per_step, bool) or not isinstance(per_step, int) or per_step < 1:
        raise ValueError(f"per_step={per_step!r} must be a positive whole number of realities.")
    parts = []
    with _bar(len(realities), progress, "calibrate, tune, run", "robot") as bar:
        for start in range(0, len(realities), per_step):
            chunk = realities[start : start + per_step]
            parts.append(calibrated_transfer(task, chunk, candidates, excitation, seed + start, workers))
            bar.update(len(chunk))
    arrays = tuple(np.concatenate([p[i] for p in parts]) for i in range(3))
    return (*arrays, [g for p in parts for g in p[3]])
