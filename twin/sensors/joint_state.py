"""Joint-state sensing with Gaussian noise: the simplest model of encoders plus velocity estimation."""

from __future__ import annotations

import numpy as np

from twin.core.checks import check_number
from twin.core.messages import StateMeasurement, _time
from twin.core.types import JointState
from twin.sensors._common import check_seed


class JointStateSensor:
    """Measures joint positions and velocities with additive white Gaussian noise.

    Args:
        position_noise_std: standard deviation of position noise, rad (m for prismatic joints).
        velocity_noise_std: standard deviation of velocity noise, rad/s.
        seed: seed of this sensor's own random generator (same seed, same noise).
    """

    def __init__(self, position_noise_std: float = 0.002, velocity_noise_std: float = 0.02, seed: int = 0) -> None:
        position_noise_std = check_number(
            "position_noise_std", position_noise_std, "rad", low=0, hint="a standard deviation: 0 = ideal sensor"
        )
        velocity_noise_std = check_number(
            "velocity_noise_std", velocity_noise_std, "rad/s", low=0, hint="a standard deviation: 0 = ideal sensor"
        )
        self._noise_std = np.array([[position_noise_std], [velocity_noise_std]])  # rows: q, qd
        self._noise_std_rows = self._noise_std  # the same, one column per joint of the last reading
        self.seed = check_seed(seed)
        self.rng = np.random.default_rng(self.seed)

    @property
    def position_noise_std(self) -> float:
        """Standard deviation of position noise, rad (fixed: make a new sensor for another)."""
        return float(self._noise_std[0, 0])

    @property
    def velocity_noise_std(self) -> float:
        """Standard deviation of velocity noise, rad/s (fixed: make a new sensor for another)."""
        return float(self._noise_std[1, 0])

    def __repr__(self) -> str:
        return (
            f"JointStateSensor(position_noise_std={self.position_noise_std} rad, "
            f"velocity_noise_std={self.velocity_noise_std} rad/s, seed={self.seed})"
        )

    def measure(self, time: float, true_state: JointState) -> StateMeasurement:
        """A noisy reading of ``true_state`` stamped with ``time`` (s)."""
        # one draw for both rows: the same numbers, in the same order, as drawing positions then velocities
        rows = true_state.rows
        if self._noise_std_rows.shape != rows.shape:  # numpy scales same-shaped arrays faster than it broadcasts
            self._noise_std_rows = np.repeat(self._noise_std, rows.shape[1], axis=1)
        reading = self.rng.standard_normal(rows.shape)
        reading *= self._noise_std_rows
        reading += rows
        return StateMeasurement._from_reading(_time(time), reading)  # a new (2, joints) float array: no shape to check
