"""What one run of the gap experiment recorded, and the gaps read from it (the experiment itself is a study:
``twin.studies.gap_experiment``).

Model and stand-in start from the same state and receive the same torques, step by step, open loop; a
``GapRecord`` holds both trajectories and the stand-in's sensor readings, one row per time step.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from twin.gap.metrics import SensorGap, TrajectoryGap, sensor_gap, trajectory_gap

if TYPE_CHECKING:
    from twin.calibration import Trajectory


@dataclass(frozen=True)
class GapRecord:
    """One run of the gap experiment, one row per time step (after the step).

    Positions in rad (m for prismatic joints), velocities in rad/s, torques in N m.
    ``true_*`` is the stand-in's exact state (for teaching); ``measured_*`` is what its sensor said.
    """

    joint_names: tuple[str, ...]
    times: np.ndarray
    commands: np.ndarray
    delivered_torques: np.ndarray
    model_positions: np.ndarray
    model_velocities: np.ndarray
    true_positions: np.ndarray
    true_velocities: np.ndarray
    measured_positions: np.ndarray
    measured_velocities: np.ndarray

    def gap(self, what: str = "measured") -> TrajectoryGap:
        """Position gap, stand-in minus model: ``measured`` (what a twin sees) or ``true`` trajectory."""
        observed = {"measured": self.measured_positions, "true": self.true_positions}
        if what not in observed:
            raise ValueError(f"what={what!r}; choose 'measured' or 'true'.")
        return trajectory_gap(self.model_positions, observed[what], self.joint_names)

    def velocity_gap(self) -> TrajectoryGap:
        """Velocity gap (measured minus model), rad/s."""
        return trajectory_gap(self.model_velocities, self.measured_velocities, self.joint_names)

    def sensor_gap(self) -> SensorGap:
        """The stand-in's sensor against its own truth: bias and noise of the position readings."""
        return sensor_gap(self.true_positions, self.measured_positions, self.joint_names)

    def trajectory(self) -> Trajectory:
        """The stand-in's measurements as a ``twin.calibration.Trajectory``: row k pairs the measured state
        with the command applied *from* it (the next one in this record), as calibration expects."""
        from twin.calibration import Trajectory

        return Trajectory(
            self.times[:-1], self.measured_positions[:-1], self.measured_velocities[:-1], self.commands[1:]
        )

    @property
    def errors(self) -> np.ndarray:
        """Measured minus model positions, steps x joints: the gap as a signal."""
        return self.measured_positions - self.model_positions
