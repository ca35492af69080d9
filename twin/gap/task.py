"""The task of the transfer experiment, and one run of it: reach a target with PID plus gravity compensation.

The task (``ReachTask``): swing the pendulum from hanging (0 rad) to 1 rad and hold it there, within
0.05 rad, for the last half second of two, never commanding more torque than the motor's rating.
``run_episode`` runs it once on a physical system it is given (it builds none) and scores it as an ``Episode``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from twin.control.pid import JointPID
from twin.core.messages import JointCommand
from twin.core.types import DEFAULT_TIME_STEP, DynamicsParameters

if TYPE_CHECKING:  # only types: the task and its scores load without the simulator
    from twin.physical_system.standin import PhysicalStandIn
    from twin.sim.plant import SimulatedRobot

FAILURE_PENALTY = 2.0  # s added to the cost of a failed trial, so that any success beats any failure


@dataclass(frozen=True)
class Gains:
    """PID gains: kp (N m/rad), kd (N m s/rad), ki (N m/(rad s))."""

    kp: float
    kd: float
    ki: float = 0.0

    def __post_init__(self) -> None:
        for name in ("kp", "kd", "ki"):
            value = getattr(self, name)
            if not isinstance(value, int | float | np.floating) or not math.isfinite(value) or value < 0:
                raise ValueError(f"gain {name}={value!r} must be a finite number >= 0.")

    def __str__(self) -> str:
        return f"kp={self.kp:.3g}, kd={self.kd:.3g}, ki={self.ki:.3g}"

    def controller(self, task: ReachTask, period: float) -> JointPID:
        """The PID these gains make for ``task``: its target, its integral band, a call every ``period`` s."""
        return JointPID(task.target, self.kp, self.kd, self.ki, period=period, integral_band=task.integral_band)


@dataclass(frozen=True)
class ReachTask:
    """Reach ``target`` from ``start`` and hold it (positions in rad).

    Success: the true position stays within ``tolerance`` of the target for the last ``hold`` seconds
    of ``duration``, and no commanded torque exceeds ``torque_limit`` (N m). Cost: the settling time
    (s, from the start until the robot last entered the tolerance band) plus ``effort_weight`` times
    the mean square feedback torque (N^2 m^2) on success, ``duration + FAILURE_PENALTY`` on failure.
    The controller integrates the error only within ``integral_band`` (rad) of the target, so the
    integral term fixes a steady offset without winding up on the way.
    """

    robot: str = "pendulum"
    start: tuple[float, ...] = (0.0,)
    target: tuple[float, ...] = (1.0,)
    duration: float = 2.0
    hold: float = 0.5
    tolerance: float = 0.05
    torque_limit: float = 15.0
    integral_band: float = 0.2
    effort_weight: float = 0.01
    model_parameters: DynamicsParameters = field(default_factory=DynamicsParameters)
    time_step: float = DEFAULT_TIME_STEP

    def __post_init__(self) -> None:
        if len(self.start) != len(self.target):
            raise ValueError(f"start {self.start} and target {self.target} need one value per joint each.")
        if not 0 < self.hold < self.duration:
            raise ValueError(f"hold={self.hold} s must be positive and shorter than duration={self.duration} s.")
        if self.tolerance <= 0 or self.torque_limit <= 0:
            raise ValueError("tolerance (rad) and torque_limit (N m) must be > 0.")

    @property
    def steps(self) -> int:
        return round(self.duration / self.time_step)


@dataclass(frozen=True)
class Episode:
    """One trial: did it succeed, its cost (s), settling time (s), peak commanded torque (N m), final error (rad)."""

    success: bool
    cost: float
    settling_time: float
    peak_torque: float
    final_error: float
    positions: np.ndarray | None = None


def run_episode(
    task: ReachTask,
    gains: Gains,
    standin: PhysicalStandIn,
    model: SimulatedRobot,
    sensor_seed: int = 0,
    keep_trajectory: bool = False,
    hold_steps: int = 1,
) -> Episode:
    """Run one trial of ``task`` on ``standin`` (its sensor reseeded with ``sensor_seed``); ``model`` supplies
    the gravity compensation. The controller reads the sensor and sends a new command every ``hold_steps``
    simulation steps (a control period of ``hold_steps * task.time_step`` s) and the stand-in holds it between."""
    if isinstance(hold_steps, bool) or not isinstance(hold_steps, int | np.integer) or hold_steps < 1:
        raise ValueError(f"hold_steps={hold_steps!r} must be a whole number >= 1 (1 = a command every step).")
    dt = task.time_step
    target = np.asarray(task.target, dtype=float)
    standin.reset(task.start, sensor_seed=sensor_seed)
    controller = gains.controller(task, period=dt * hold_steps)
    peak = effort = 0.0
    trajectory = np.empty((task.steps, target.size))
    for k in range(task.steps):
        if k % hold_steps == 0:
            reading = standin.measure()
            feedback = controller.feedback(reading.positions, reading.velocities)
            torques = feedback + model.gravity_torques(reading.positions)
            peak = max(peak, float(np.max(np.abs(torques))))
            standin.apply(JointCommand(standin.time, torques))
        effort += float(feedback @ feedback) / task.steps
        standin.step()
        trajectory[k] = standin.true_state().positions
    outside = np.nonzero(np.max(np.abs(trajectory - target), axis=1) > task.tolerance)[0]
    settling_time = 0.0 if outside.size == 0 else float((outside[-1] + 1) * dt)
    settled = settling_time <= task.duration - task.hold and outside.size < task.steps
    success = bool(settled and peak <= task.torque_limit)
    cost = settling_time + task.effort_weight * effort if success else task.duration + FAILURE_PENALTY
    final_error = float(np.max(np.abs(trajectory[-1] - target)))
    return Episode(success, cost, settling_time, peak, final_error, trajectory if keep_trajectory else None)
