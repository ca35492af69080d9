"""Judge a gait on terrains it never trained on: success rate and distance, with 95 % confidence intervals.

Held-out terrain seeds start at ``HELD_OUT_START``; training draws its seeds below it, so the two never meet.
Success (no fall in the walk) is a binomial count: its interval is Wilson's. Distance is a mean over walks:
its interval is Student's t. Both come from ``twin.analytics.statistics``, as the transfer experiment's do.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from twin.analytics.statistics import mean_interval, wilson_interval
from twin.core.checks import check_count, check_number, check_seed
from twin.fleet.executors import Executor, borrowed_or_new, map_or_raise
from twin.walking.optimise import HELD_OUT_START, Episode, run_episode
from twin.walking.terrain import difficulty_spec
from twin.walking.walker import NOMINAL, Gait, WalkerDynamics, WalkResult


def held_out_seeds(count: int, offset: int = 0) -> list[int]:
    """``count`` terrain seeds no training run draws (>= ``HELD_OUT_START``)."""
    count = check_count("count", count, "terrains, e.g. 10", low=1)
    offset = check_count("offset", offset, "seeds past HELD_OUT_START (a negative one reaches training seeds)")
    return [HELD_OUT_START + offset + k for k in range(count)]


@dataclass(frozen=True)
class TerrainScore:
    """A gait's record at one difficulty: walks, successes and distances (m), with 95 % intervals."""

    difficulty: float
    walks: tuple[WalkResult, ...]

    @property
    def success_rate(self) -> float:
        return sum(not w.fell for w in self.walks) / len(self.walks)

    @property
    def success_interval(self) -> tuple[float, float]:
        return wilson_interval(sum(not w.fell for w in self.walks), len(self.walks))

    @property
    def distance(self) -> tuple[float, float, float]:
        """(mean, low, high) distance walked (m)."""
        return mean_interval([w.distance for w in self.walks])

    def row(self) -> str:
        lo, hi = self.success_interval
        d, dlo, dhi = self.distance
        return (
            f"difficulty {self.difficulty:.2f}: success {self.success_rate:4.0%} [{lo:.0%}, {hi:.0%}], "
            f"distance {d:5.2f} m [{dlo:.2f}, {dhi:.2f}]"
        )


def evaluate_gait(
    gait: Gait,
    difficulties: Sequence[float],
    seeds: Sequence[int],
    *,
    dynamics: WalkerDynamics = NOMINAL,
    duration: float = 8.0,
    workers: int | Executor = 1,
) -> list[TerrainScore]:
    """Walk ``gait`` on every terrain (difficulty x seed) with the robot's ``dynamics``, on ``workers`` processes
    (or on an open ``twin.fleet`` executor, kept open for the next call)."""
    if not isinstance(gait, Gait):
        raise ValueError(f"gait must be a Gait, got {type(gait).__name__}.")
    if np.ndim(difficulties) != 1 or np.ndim(seeds) != 1 or len(difficulties) == 0 or len(seeds) == 0:
        raise ValueError("give a list of difficulties and a list of terrain seeds, e.g. [0.0, 0.3] and [1, 2].")
    seeds = [check_seed(s, "terrain seed") for s in seeds]
    for d in difficulties:
        difficulty_spec(d)  # checks the range here, not in a worker
    check_number("duration", duration, "s", low=0.0, high=120.0, low_open=True, hint="e.g. 8")
    tasks = [(gait.as_vector(), Episode(float(d), s, dynamics, float(duration))) for d in difficulties for s in seeds]
    with borrowed_or_new(workers) as executor:
        walks = map_or_raise(run_episode, tasks, executor)
    n = len(seeds)
    return [TerrainScore(float(d), tuple(walks[i * n : (i + 1) * n])) for i, d in enumerate(difficulties)]
