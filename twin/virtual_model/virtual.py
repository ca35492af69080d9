"""The virtual model: a simulation with the parameters we believe, kept in step by measurements."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from twin.core.checks import check_count
from twin.core.messages import StateMeasurement
from twin.core.types import DEFAULT_TIME_STEP, JointState
from twin.sim.plant import DynamicsParameters, SimulatedRobot


@dataclass(frozen=True)
class Forecast:
    """A predicted trajectory: times (s), joint positions (rad) and velocities (rad/s), one row per step."""

    times: np.ndarray
    positions: np.ndarray
    velocities: np.ndarray
    torques: np.ndarray


class VirtualModel:
    """The twin's model of the robot.

    It predicts one step at a time (``predict``), is pulled towards each measurement by ``correct``
    (a fixed-gain observer), and can look ahead without disturbing itself (``forecast``).

    Args:
        robot: catalogue name (a fixed-base robot: pendulum, cartpole, arm).
        parameters: what the engineers believe the dynamics are; default the URDF's nominal values.
        time_step: seconds per step; must match the physical system's.
        initial_positions: where the model thinks the robot starts, rad.
    """

    def __init__(
        self,
        robot: str,
        parameters: DynamicsParameters | None = None,
        time_step: float = DEFAULT_TIME_STEP,
        initial_positions: Sequence[float] | np.ndarray | None = None,
    ) -> None:
        self.plant = SimulatedRobot(robot, parameters, time_step=time_step, initial_positions=initial_positions)
        self.robot = self.plant.robot
        self.corrections = 0

    def __repr__(self) -> str:
        return f"VirtualModel({self.robot.name!r}, {self.plant.parameters}, t={self.plant.time:.3f} s)"

    @property
    def parameters(self) -> DynamicsParameters:
        return self.plant.parameters

    def set_parameters(self, parameters: DynamicsParameters) -> None:
        """Replace the believed parameters (what calibration does)."""
        self.plant.set_parameters(parameters)

    def state(self) -> JointState:
        """The model's joint state now (rad, rad/s)."""
        return self.robot.state()

    def predict(self, torques: np.ndarray) -> JointState:
        """Advance the model one step under ``torques`` (N m); returns the predicted state."""
        self.plant.step(torques)
        return self.plant.state()

    def advance(self, torques: np.ndarray) -> None:
        """``predict`` for a loop: no checks (``torques`` is a float array of finite N m, one per joint, checked
        where it came in) and no read-back of the state (the loop reads it when it needs it)."""
        self.plant.advance(torques)

    def correct(self, measurement: StateMeasurement, gain: float) -> np.ndarray:
        """Pull the model's state towards a measurement: x <- x + gain (y - x). Returns the innovation y - x.

        ``gain`` 0 ignores the measurement (a digital model), 1 copies it (noise included).
        """
        state = self.plant.state()
        self.correct_each([measurement], gain, state)
        return measurement.positions - state.positions

    def correct_each(
        self, measurements: Sequence[StateMeasurement], gain: float, state: JointState
    ) -> tuple[list[np.ndarray], JointState]:
        """Pull the model towards each measurement in turn (x <- x + gain (y - x)), writing pybullet once.

        Args:
            measurements: what arrived, oldest first; each must have one position and velocity per joint.
            gain: 0..1; 0 ignores measurements (a digital model), 1 copies them (noise included).
            state: the model's state now, as the caller has just read it (``state()``).

        Returns:
            The model's positions (rad) before each pull, and its state after all of them.
        """
        if not 0.0 <= gain <= 1.0:
            raise ValueError(f"correction gain={gain} must lie in [0, 1]: 0 ignores measurements, 1 copies them.")
        if not measurements:
            return [], state
        x = state.rows  # positions over velocities: both pulled in one numpy operation
        before = []
        for m in measurements:
            if m.positions.shape != state.positions.shape:  # a StateMeasurement's two vectors have one length
                raise ValueError(
                    f"a measurement of {m.positions.size} joints cannot correct {self.robot.name}, which has "
                    f"{self.robot.dof} joints {list(self.robot.joint_names)}."
                )
            before.append(x[0])
            x = x + gain * (m.rows - x)
        self.robot.write_rows(x)  # StateMeasurement holds finite numbers, so x is finite
        self.corrections += len(measurements)
        return before, JointState.from_rows(x)

    def gravity_torques(self, positions: np.ndarray) -> np.ndarray:
        """Torques (N m) that the model says hold the robot still at ``positions``."""
        return self.plant.gravity_torques(positions)

    def forecast(self, torques: np.ndarray | Callable[[float, JointState], np.ndarray], steps: int) -> Forecast:
        """Simulate ``steps`` steps ahead from the current state and come back unchanged.

        ``torques`` is either an array (steps x joints) or a controller ``f(t, state) -> torques``.
        """
        steps = check_count("steps", steps, "time steps", low=1)
        if not callable(torques):
            plan = np.asarray(torques, dtype=float)
            if plan.shape != (steps, self.robot.dof):
                raise ValueError(f"torque plan has shape {plan.shape}; expected ({steps}, {self.robot.dof}).")
        client = self.plant.world.client
        snapshot = client.saveState()
        saved_steps = self.plant.world.steps_taken
        saved_torques = self.plant.last_torques
        t0 = self.plant.time
        times = t0 + self.plant.time_step * np.arange(1, steps + 1)
        q = np.empty((steps, self.robot.dof))
        qd = np.empty_like(q)
        applied = np.empty_like(q)
        try:
            for k in range(steps):
                tau = torques(self.plant.time, self.plant.state()) if callable(torques) else plan[k]
                self.plant.step(tau)
                applied[k] = self.plant.last_torques
                state = self.plant.state()
                q[k], qd[k] = state.positions, state.velocities
        finally:
            client.restoreState(stateId=snapshot)
            client.removeState(snapshot)
            self.plant.world.steps_taken = saved_steps
            self.plant.last_torques = saved_torques
        return Forecast(times=times, positions=q, velocities=qd, torques=applied)

    def close(self) -> None:
        self.plant.close()

    def __enter__(self) -> VirtualModel:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()
