"""A joint step response through an actuator: the experiment that shows what an actuator model changes.

The catalogue pendulum (or any fixed-base catalogue robot) holds still, then its position servo is asked to
jump to a new angle. The same servo gains run once with an ideal actuator and once through a modelled one;
the difference is what the model adds: delay, slower rise under saturation and back-EMF, a dead band.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from twin.actuators.actuator_model import ActuatorModel, ActuatorParameters
from twin.actuators.servo import PositionServo
from twin.core.types import DEFAULT_TIME_STEP
from twin.sim.plant import SimulatedRobot
from twin.sim.robots import Robot


@dataclass(frozen=True)
class StepResponse:
    """One step response. ``times`` (s); ``positions``, ``commanded`` and ``delivered`` have one column per
    joint (rad, N m, N m); ``start`` and ``target`` are the joint angles before and after the step (rad)."""

    times: np.ndarray
    positions: np.ndarray
    commanded: np.ndarray
    delivered: np.ndarray
    start: np.ndarray
    target: np.ndarray
    step_time: float

    def first_motion_time(self, joint: int = 0, threshold: float = 1e-6) -> float:
        """Seconds after the step until the joint has moved ``threshold`` rad (nan if it never does)."""
        moved = np.abs(self.positions[:, joint] - self.start[joint]) > threshold
        after = moved & (self.times > self.step_time - 1e-12)
        return float(self.times[np.argmax(after)] - self.step_time) if after.any() else math.nan

    def rise_time(self, joint: int = 0) -> float:
        """Seconds from 10 % to 90 % of the step (nan if 90 % is never reached)."""
        span = self.target[joint] - self.start[joint]
        progress = (self.positions[:, joint] - self.start[joint]) / span
        if not (progress >= 0.9).any():
            return math.nan
        return float(self.times[np.argmax(progress >= 0.9)] - self.times[np.argmax(progress >= 0.1)])

    def overshoot(self, joint: int = 0) -> float:
        """Largest excursion past the target, as a fraction of the step (0 = none)."""
        span = self.target[joint] - self.start[joint]
        return float(max(0.0, np.max((self.positions[:, joint] - self.target[joint]) / span)))

    def final_error(self, joint: int = 0) -> float:
        """Target minus the final angle, rad."""
        return float(self.target[joint] - self.positions[-1, joint])

    def peak_delivered(self, joint: int = 0) -> float:
        """Largest absolute torque the joint received, N m."""
        return float(np.max(np.abs(self.delivered[:, joint])))


def _per_joint(robot: Robot, name: str, value: float | Sequence[float]) -> np.ndarray:
    """One angle for every joint (rad), or one per joint: checked by the robot's own ``joint_vector``."""
    return robot.joint_vector(name, np.full(robot.dof, value, dtype=float) if np.ndim(value) == 0 else value)


def joint_step_response(
    actuator: ActuatorParameters | None = None,
    target: float | Sequence[float] = 0.5,
    kp: float | Sequence[float] = 60.0,
    kd: float | Sequence[float] = 6.0,
    seconds: float = 1.5,
    robot: str = "pendulum",
    start: float | Sequence[float] = 0.0,
    step_time: float = 0.1,
    encoder: str = "joint",
    time_step: float = DEFAULT_TIME_STEP,
) -> StepResponse:
    """Step the servo's target from ``start`` to ``target`` (rad) at ``step_time`` s and record ``seconds`` s.

    The servo adds the robot's own gravity torque as feed-forward (a perfect model of gravity), so whatever
    differs between an ideal and a modelled actuator comes from the actuator alone.
    """
    if not (isinstance(seconds, int | float) and 0 < seconds < math.inf):
        raise ValueError(f"seconds={seconds!r} must be a duration > 0 in s.")
    if not (isinstance(step_time, int | float) and 0 <= step_time < seconds):
        raise ValueError(f"step_time={step_time!r} must be in [0, seconds={seconds}) s.")
    parameters = ActuatorParameters() if actuator is None else actuator
    with SimulatedRobot(robot, time_step=time_step) as plant:
        n = plant.dof
        start_vector, target_vector = _per_joint(plant.robot, "start", start), _per_joint(plant.robot, "target", target)
        plant.set_state(start_vector)
        servo = PositionServo(ActuatorModel(parameters, n, time_step), kp, kd, encoder=encoder)
        steps = int(round(seconds / time_step))
        times = time_step * np.arange(steps)
        positions, commanded, delivered = (np.empty((steps, n)) for _ in range(3))
        for k in range(steps):
            state = plant.state()
            aim = target_vector if times[k] >= step_time - 1e-12 else start_vector
            torque = servo.torques(aim, state.positions, state.velocities, plant.gravity_torques(state.positions))
            positions[k], commanded[k], delivered[k] = state.positions, servo.last_command, torque
            plant.step(torque)
    return StepResponse(times, positions, commanded, delivered, start_vector, target_vector, float(step_time))
