"""The physical system's stand-in: a second simulation whose true parameters the twin never sees.

There is no real robot on a student's laptop, so this class plays one, honestly: it runs the same
URDF with *different* masses, friction and damping (the "truth") and reports only noisy
measurements through its sensor. Swap it for hardware that sends the same messages and the twin
does not notice.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from twin.link.messages import JointCommand, StateMeasurement
from twin.sensors.joint_state import JointStateSensor
from twin.sim.plant import DynamicsParameters, SimulatedRobot
from twin.sim.robots import JointState, Robot
from twin.sim.world import DEFAULT_TIME_STEP

# What each robot is "really" like: heavier than its URDF says, with friction and damping the
# nominal model lacks. Amounts are chosen to be plainly visible within a few seconds.
DEFAULT_TRUTH: dict[str, DynamicsParameters] = {
    "pendulum": DynamicsParameters(mass_scale=1.2, joint_friction=0.02, joint_damping=0.03),
    "cartpole": DynamicsParameters(mass_scale=1.2, joint_friction=0.01, joint_damping=0.02),
    "arm": DynamicsParameters(mass_scale=1.15, joint_friction=0.3, joint_damping=0.1),
}


class PhysicalStandIn:
    """A pretend physical robot: true dynamics, a noisy sensor, and a command input.

    Args:
        robot: catalogue name (pendulum, cartpole, arm).
        truth: its true dynamics; default ``DEFAULT_TRUTH[robot]``. The twin never reads it.
        sensor: how it measures itself; default a ``JointStateSensor`` seeded with ``seed``.
        time_step: seconds per step.
        seed: seed for the sensor noise.
        initial_positions: joint positions to start from, rad.
    """

    def __init__(
        self,
        robot: str,
        truth: DynamicsParameters | None = None,
        sensor: JointStateSensor | None = None,
        time_step: float = DEFAULT_TIME_STEP,
        seed: int = 0,
        initial_positions: Sequence[float] | np.ndarray | None = None,
    ) -> None:
        self._truth = truth if truth is not None else DEFAULT_TRUTH.get(robot, DynamicsParameters())
        self._plant = SimulatedRobot(
            robot, self._truth, time_step=time_step, seed=seed, initial_positions=initial_positions
        )
        self.sensor = sensor if sensor is not None else JointStateSensor(seed=seed)
        self._torques = np.zeros(self._plant.dof)

    def __repr__(self) -> str:
        return f"PhysicalStandIn({self.robot.name!r}, t={self.time:.3f} s, truth hidden, {self.sensor})"

    @property
    def robot(self) -> Robot:
        """The stand-in's robot, for drawing it. The twin itself only sees measurements."""
        return self._plant.robot

    @property
    def time(self) -> float:
        return self._plant.time

    @property
    def truth(self) -> DynamicsParameters:
        """The true parameters: for the teacher and the grader, never for the twin."""
        return self._truth

    def update_truth(self, **changes: float) -> DynamicsParameters:
        """Change the true dynamics while running (wear, a payload, ...): ``update_truth(joint_friction=0.1)``."""
        proposed = self._truth.with_changes(**changes)
        self._plant.set_parameters(proposed)  # validates first: a refused value changes nothing
        self._truth = proposed
        return self._truth

    def true_state(self) -> JointState:
        """The exact state, no noise: for plots that show what really happened, never for the twin."""
        return self._plant.state()

    def measure(self) -> StateMeasurement:
        """Read the sensor: a noisy, timestamped measurement of the joint state."""
        return self.sensor.measure(self._plant.time, self._plant.state())

    def apply(self, command: JointCommand) -> None:
        """Latch a command; it acts from the next ``step`` until replaced."""
        if command.torques.shape != (self._plant.dof,):
            raise ValueError(
                f"command has {command.torques.size} torques; {self.robot.name} has {self._plant.dof} joints "
                f"{list(self.robot.joint_names)}."
            )
        self._torques = command.torques

    def step(self) -> None:
        """Advance the real dynamics one time step under the latched command."""
        self._plant.step(self._torques)

    def close(self) -> None:
        self._plant.close()
