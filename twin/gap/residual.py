"""A learned residual model: the model's physics plus a correction fitted to the error it leaves.

After calibration the model's *parameters* are as good as its equations allow; what remains comes
from effects it has no term for. A residual model learns that remainder from data: at each step it
predicts the velocity error the physics will make, ``r = W^T phi(q, qd, u)``, from a few features
(``FEATURES``), fitted by ridge regression on one-step prediction errors. It can only learn what
its features can express, and only where the data went: both limits show on held-out experiments.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from twin.core.types import DEFAULT_TIME_STEP
from twin.gap.record import GapRecord
from twin.sim.plant import DynamicsParameters, SimulatedRobot

FEATURES = ("1", "sin q", "cos q", "qd", "tanh(qd / 0.05)", "u")
FRICTION_VELOCITY = 0.05  # rad/s: how sharply the smooth sign of the velocity switches


def features(positions: np.ndarray, velocities: np.ndarray, torques: np.ndarray) -> np.ndarray:
    """phi(q, qd, u) for a batch (rows = samples): per joint, the terms of ``FEATURES``; joints side by side."""
    q, qd, u = (np.atleast_2d(np.asarray(a, dtype=float)) for a in (positions, velocities, torques))
    blocks = [np.ones_like(q), np.sin(q), np.cos(q), qd, np.tanh(qd / FRICTION_VELOCITY), u]
    return np.concatenate(blocks, axis=1)


@dataclass(frozen=True)
class ResidualModel:
    """Velocity correction per step: ``features(q, qd, u) @ weights`` (rad/s), one column per joint."""

    weights: np.ndarray
    training_rmse: float
    samples: int

    def correction(self, positions: np.ndarray, velocities: np.ndarray, torques: np.ndarray) -> np.ndarray:
        """The velocity error (rad/s) the physics is predicted to make on this step."""
        return (features(positions, velocities, torques) @ self.weights)[0]


def one_step_errors(
    record: GapRecord,
    robot: str,
    parameters: DynamicsParameters,
    time_step: float = DEFAULT_TIME_STEP,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Per measured step: (q, qd, u, velocity error = measured next velocity - the model's one-step prediction)."""
    q, qd, u = record.measured_positions, record.measured_velocities, record.commands
    errors = np.empty((len(q) - 1, q.shape[1]))
    with SimulatedRobot(robot, parameters, time_step) as model:
        for k in range(len(q) - 1):
            model.set_state(q[k], qd[k])
            model.step(u[k + 1])
            errors[k] = qd[k + 1] - model.state().velocities
    return q[:-1], qd[:-1], u[1:], errors


def fit_residual(
    records: Sequence[GapRecord],
    robot: str,
    parameters: DynamicsParameters,
    regularisation: float = 1e-3,
    time_step: float = DEFAULT_TIME_STEP,
) -> ResidualModel:
    """Ridge regression of the one-step velocity errors of ``records`` on ``features``.

    ``regularisation`` (lambda) shrinks the weights towards zero: min |Phi W - R|^2 + lambda n |W|^2.
    """
    if not records:
        raise ValueError("need at least one recorded experiment to learn a residual from.")
    if regularisation < 0:
        raise ValueError(f"regularisation={regularisation} must be >= 0.")
    parts = [one_step_errors(r, robot, parameters, time_step) for r in records]
    phi = np.vstack([features(q, qd, u) for q, qd, u, _ in parts])
    target = np.vstack([e for *_, e in parts])
    n = len(phi)
    weights = np.linalg.solve(phi.T @ phi + regularisation * n * np.eye(phi.shape[1]), phi.T @ target)
    rmse = float(np.sqrt(np.mean((phi @ weights - target) ** 2)))
    return ResidualModel(weights, rmse, n)


def rollout(
    robot: str,
    parameters: DynamicsParameters,
    commands: np.ndarray,
    initial_positions: Sequence[float] | np.ndarray | None = None,
    residual: ResidualModel | None = None,
    time_step: float = DEFAULT_TIME_STEP,
) -> np.ndarray:
    """Open-loop positions (steps x joints, rad) of the model, corrected by ``residual`` at every step if given.

    The correction is added to the velocity after each physics step, and its effect on the position
    over that step (dt x correction) with it.
    """
    commands = np.asarray(commands, dtype=float)
    with SimulatedRobot(robot, parameters, time_step, initial_positions=initial_positions) as model:
        positions = np.empty_like(commands)
        for k, u in enumerate(commands):
            if residual is None:
                model.step(u)
            else:
                before = model.state()
                model.step(u)
                after = model.state()
                fix = residual.correction(before.positions, before.velocities, u)
                model.set_state(after.positions + time_step * fix, after.velocities + fix)
            positions[k] = model.state().positions
    return positions
