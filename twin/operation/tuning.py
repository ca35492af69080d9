"""Optimisation: tune a controller on the twin's model, then measure the gain on the physical stand-in.

The task: make a joint follow a target trajectory. A controller is judged by one number,

    cost = tracking RMSE (rad) + effort_weight * RMS feedback torque (N m)

so that "stiffer" is not automatically "better": torque costs energy, heat and wear. (The feedback torque
is the PD's part, without the gravity compensation that every controller needs alike.) On the robot the
controller also turns sensor noise into torque (kp times the angle noise plus kd times the velocity
noise); the model is noise-free, so its cost adds that expected noise torque from the sensor's data sheet,
``sigma_tau = sqrt((kp sigma_q)^2 + (kd sigma_qd)^2)``, to the RMS torque it predicts. The search runs
only on the ``VirtualModel`` (cheap, safe, faster than real time); the stand-in runs just twice, once
with the old and once with the tuned gains, on the same sensor noise, to measure what the tuning bought.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from twin.control.pd import JointPD
from twin.core.messages import JointCommand
from twin.physical_system.standin import PhysicalStandIn
from twin.virtual_model.virtual import VirtualModel


def _sine_target(t: float | np.ndarray) -> np.ndarray:
    return np.array([0.6 + 0.3 * np.sin(2 * np.pi * 0.5 * np.asarray(t, dtype=float))])


@dataclass(frozen=True)
class TrackingTask:
    """Follow ``target(t)`` (rad) for ``seconds`` from ``initial_positions`` (rad), at rest.

    Attributes:
        target: a function of time (s) giving the joint targets (rad); default a 0.5 Hz sine around 0.6 rad.
        seconds: duration of one trial, s.
        initial_positions: start, rad.
        effort_weight: rad of tracking error that one N m of RMS torque is worth.
        damping_ratio: the PD's kd is chosen as 2 * damping_ratio * sqrt(kp * inertia).
        position_noise_std, velocity_noise_std: the robot's sensor noise (rad, rad/s), from its data sheet.
    """

    target: Callable[[float], np.ndarray] = _sine_target
    seconds: float = 3.0
    initial_positions: tuple[float, ...] = (0.6,)
    effort_weight: float = 0.1
    damping_ratio: float = 1.0
    position_noise_std: float = 0.002
    velocity_noise_std: float = 0.02

    def __post_init__(self) -> None:
        if not self.seconds > 0:
            raise ValueError(f"seconds={self.seconds!r} must be > 0.")
        if not self.effort_weight >= 0:
            raise ValueError(f"effort_weight={self.effort_weight!r} must be >= 0 (0 = torque is free).")
        if not self.damping_ratio > 0:
            raise ValueError(f"damping_ratio={self.damping_ratio!r} must be > 0 (1 = critically damped).")

    def controller(self, kp: float, inertia: np.ndarray | float) -> JointPD:
        """The PD for stiffness ``kp`` (N m/rad) on a joint of ``inertia`` (kg m^2)."""
        if not (isinstance(kp, int | float | np.floating) and np.isfinite(kp) and kp > 0):
            raise ValueError(f"kp={kp!r} must be a positive finite stiffness in N m/rad.")
        kd = 2 * self.damping_ratio * np.sqrt(kp * np.asarray(inertia, dtype=float))
        return JointPD(self.target, kp=float(kp), kd=kd)

    def noise_torque(self, controller: JointPD) -> float:
        """RMS torque (N m) that the sensor noise will add through the PD gains: sqrt((kp s_q)^2 + (kd s_qd)^2)."""
        kp, kd = np.asarray(controller.kp, dtype=float), np.asarray(controller.kd, dtype=float)
        return float(np.sqrt(np.mean((kp * self.position_noise_std) ** 2 + (kd * self.velocity_noise_std) ** 2)))

    def cost(self, times: np.ndarray, positions: np.ndarray, torques: np.ndarray, extra_torque: float = 0.0) -> float:
        """Tracking RMSE (rad) + effort_weight x RMS feedback torque (N m) of one trial; ``extra_torque`` is an RMS
        torque (N m) known to come on top, uncorrelated (the model's missing noise torque)."""
        targets = np.array([self.target(t) for t in times]).reshape(positions.shape)
        tracking = np.sqrt(np.mean((positions - targets) ** 2))
        effort = np.sqrt(np.mean(torques**2) + extra_torque**2)
        return float(tracking + self.effort_weight * effort)


def joint_inertia(model: VirtualModel, positions: Sequence[float]) -> np.ndarray:
    """Diagonal of the model's mass matrix at ``positions``, kg m^2 (what the PD's damping is scaled by)."""
    return np.diag(model.plant.mass_matrix(np.asarray(positions, dtype=float)))


def cost_on_model(model: VirtualModel, task: TrackingTask, kp: float) -> float:
    """The task's cost as the model predicts it for stiffness ``kp``; the model's state is left unchanged."""
    inertia = joint_inertia(model, task.initial_positions)
    controller = task.controller(kp, inertia)
    saved = model.state()
    model.plant.set_state(task.initial_positions)
    try:
        law = lambda t, s: controller(t - t0, s.positions, s.velocities, model.gravity_torques(s.positions))  # noqa: E731
        t0 = model.plant.time
        steps = max(1, round(task.seconds / model.plant.time_step))
        forecast = model.forecast(law, steps)
    finally:
        model.plant.set_state(saved.positions, saved.velocities)
    gravity = np.array([model.gravity_torques(q) for q in forecast.positions])
    feedback = forecast.torques - gravity
    return task.cost(forecast.times - t0, forecast.positions, feedback, task.noise_torque(controller))


def cost_on_standin(
    robot: PhysicalStandIn, model: VirtualModel, task: TrackingTask, kp: float, sensor_seed: int = 0
) -> float:
    """The task's cost *measured* on the stand-in: its sensor closes the loop, the model gives gravity.

    The robot is reset to the task's start and its sensor noise restarted with ``sensor_seed``, so two
    gains compared with the same seed see the very same noise.
    """
    inertia = joint_inertia(model, task.initial_positions)
    controller = task.controller(kp, inertia)
    robot.reset(task.initial_positions, sensor_seed=sensor_seed)
    steps = max(1, round(task.seconds / model.plant.time_step))
    times = np.empty(steps)
    measured = np.empty((steps, model.robot.dof))
    feedback = np.empty_like(measured)
    t0 = robot.time
    for k in range(steps):
        reading = robot.measure()  # the only thing a real robot offers: a noisy measurement
        gravity = model.gravity_torques(reading.positions)
        tau = np.asarray(controller(robot.time - t0, reading.positions, reading.velocities, gravity), dtype=float)
        robot.apply(JointCommand(robot.time, tau))
        times[k], measured[k], feedback[k] = robot.time - t0, reading.positions, tau - gravity
        robot.step()
    return task.cost(times, measured, feedback)


@dataclass(frozen=True)
class TuningResult:
    """A grid search on the model: each candidate stiffness (N m/rad) and its predicted cost."""

    candidates: np.ndarray
    model_costs: np.ndarray

    @property
    def best(self) -> float:
        """The stiffness with the lowest predicted cost, N m/rad."""
        return float(self.candidates[int(np.argmin(self.model_costs))])


def tune_on_model(
    model: VirtualModel, task: TrackingTask, candidates: Sequence[float] | np.ndarray, progress: bool = False
) -> TuningResult:
    """Try every candidate stiffness on the model only; the robot is not touched."""
    kps = np.asarray(candidates, dtype=float).reshape(-1)
    if kps.size < 2:
        raise ValueError(f"give at least 2 candidate stiffnesses to compare, got {kps.size}.")
    if not np.all(np.isfinite(kps)) or np.any(kps <= 0):
        raise ValueError("candidate stiffnesses must be positive finite numbers in N m/rad.")
    iterator = kps
    if progress:
        from twin.core.progress import tqdm

        iterator = tqdm(kps, desc="tuning on the model", unit="design")
    return TuningResult(kps, np.array([cost_on_model(model, task, float(kp)) for kp in iterator]))
