"""The physical robot's stand-in for walking: the same biped with parameters the twin does not know.

``PhysicalBiped(seed)`` draws its hidden ``WalkerDynamics`` (heavier, slipperier soles, weaker motors,
some latency) from ``HIDDEN_REALITY``; a student's code only sees what it walks. The transfer gap of a gait
is how much less far it walks on the stand-in than in the twin, on the same terrains.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from twin.core.checks import check_seed
from twin.fleet.executors import Executor
from twin.walking.evaluation import TerrainScore, evaluate_gait
from twin.walking.walker import NOMINAL, DynamicsRanges, Gait, WalkerDynamics

# Where the stand-ins' hidden parameters come from: inside the training ranges of ``DynamicsRanges()``
# but away from the nominal model the twin assumes.
HIDDEN_REALITY = DynamicsRanges(
    mass_scale=(1.1, 1.25), foot_friction=(0.45, 0.65), motor_strength=(0.7, 0.85), latency=(0.01, 0.03)
)


class PhysicalBiped:
    """A biped whose masses, sole friction, motor strength and latency are hidden (drawn from ``seed``)."""

    def __init__(self, seed: int = 0) -> None:
        seed = check_seed(seed)
        self._dynamics = HIDDEN_REALITY.sample(np.random.default_rng(10_000 + seed))
        self.seed = seed

    def __repr__(self) -> str:
        return f"PhysicalBiped(seed={self.seed}, parameters hidden)"

    def walk_terrains(
        self,
        gait: Gait,
        difficulties: Sequence[float],
        seeds: Sequence[int],
        duration: float = 8.0,
        workers: int | Executor = 1,
    ) -> list[TerrainScore]:
        """Walk ``gait`` on every terrain (difficulty x seed) with the hidden parameters, on ``workers`` processes."""
        return evaluate_gait(gait, difficulties, seeds, dynamics=self._dynamics, duration=duration, workers=workers)

    def reveal(self) -> WalkerDynamics:
        """The hidden parameters (for the instructor's debrief, not for training)."""
        return self._dynamics


@dataclass(frozen=True)
class TransferGap:
    """Mean distance (m) and success rate in the twin and on the stand-in, over the same terrains."""

    twin_distance: float
    robot_distance: float
    twin_success: float
    robot_success: float

    @property
    def distance_gap(self) -> float:
        """How much less far (m) the gait walks on the robot than in the twin."""
        return self.twin_distance - self.robot_distance


def transfer_gap(
    gait: Gait,
    robot: PhysicalBiped,
    difficulties: Sequence[float],
    seeds: Sequence[int],
    *,
    twin_dynamics: WalkerDynamics = NOMINAL,
    duration: float = 8.0,
    workers: int | Executor = 1,
) -> TransferGap:
    """The gait in the twin (``twin_dynamics``) and on ``robot``, on the same terrains (walks in seconds)."""
    twin = evaluate_gait(gait, difficulties, seeds, dynamics=twin_dynamics, duration=duration, workers=workers)
    real = robot.walk_terrains(gait, difficulties, seeds, duration, workers)

    def pooled(scores: list[TerrainScore]) -> tuple[float, float]:
        walks = [w for s in scores for w in s.walks]
        return float(np.mean([w.distance for w in walks])), float(np.mean([not w.fell for w in walks]))

    (td, ts), (rd, rs) = pooled(twin), pooled(real)
    return TransferGap(td, rd, ts, rs)
