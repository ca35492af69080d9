"""A learned actuator model: a small neural network from command history and joint speed to delivered torque.

Hwangbo et al. (Science Robotics 2019) trained ANYmal's policy in simulation with the rigid-body model plus an
*actuator network*: a small multilayer perceptron (softsign units) fitted to data recorded on the real drives, which
maps a short history of what the drive was asked to do and how the joint moved to the torque it delivered. Here the
same idea in miniature, in numpy: the input at step ``k`` is the commanded torque at steps ``k, k-1, ...,
k-history+1`` (so a delay of up to ``history - 1`` steps can be learned) and the joint's velocity before the step;
the output is the torque delivered over the step. The model's physics stays as it is; only the ideal actuator
(delivered = commanded) is replaced.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from twin.core.types import DEFAULT_TIME_STEP, DynamicsParameters
from twin.sim.plant import SimulatedRobot


def actuator_features(commands: np.ndarray, velocities_before: np.ndarray, history: int) -> np.ndarray:
    """Inputs for one joint, one row per step: commands k, k-1, ..., k-history+1 (N m; zero before the start)
    and the joint velocity before the step (rad/s)."""
    if isinstance(history, bool) or not isinstance(history, int) or history < 1:
        raise ValueError(f"history={history!r} must be a whole number of steps >= 1 (1 = the current command only).")
    u = np.asarray(commands, dtype=float).reshape(-1)
    qd = np.asarray(velocities_before, dtype=float).reshape(-1)
    if u.shape != qd.shape:
        raise ValueError(f"commands {u.shape} and velocities_before {qd.shape} need one value per step each.")
    padded = np.concatenate([np.zeros(history - 1), u])
    lags = np.stack([padded[history - 1 - j : history - 1 - j + u.size] for j in range(history)], axis=1)
    return np.column_stack([lags, qd])


def _softsign(x: np.ndarray) -> np.ndarray:
    return x / (1.0 + np.abs(x))


@dataclass(frozen=True)
class ActuatorNetwork:
    """A fitted actuator network for one joint: ``torque(features)`` in N m.

    Attributes:
        history: commands per input row (steps).
        weights, biases: the layers, input to output (softsign between hidden layers, linear output).
        mean, scale: the inputs' normalisation (from the training data).
        torque_scale: the output's scale, N m.
        training_rmse: torque error on the training data, N m.
    """

    history: int
    weights: tuple[np.ndarray, ...]
    biases: tuple[np.ndarray, ...]
    mean: np.ndarray
    scale: np.ndarray
    torque_scale: float
    training_rmse: float

    def torque(self, features: np.ndarray) -> np.ndarray:
        """Delivered torque, N m, for rows of ``actuator_features``."""
        x = (np.atleast_2d(features) - self.mean) / self.scale
        for w, b in zip(self.weights[:-1], self.biases[:-1], strict=True):
            x = _softsign(x @ w + b)
        return (x @ self.weights[-1] + self.biases[-1])[:, 0] * self.torque_scale


def fit_actuator_network(
    commands: np.ndarray,
    velocities_before: np.ndarray,
    delivered: np.ndarray,
    history: int = 8,
    hidden: Sequence[int] = (32, 32),
    iterations: int = 3000,
    learning_rate: float = 3e-3,
    seed: int = 0,
) -> ActuatorNetwork:
    """Fit an actuator network by full-batch Adam on the mean square torque error.

    ``commands``, ``velocities_before`` and ``delivered`` hold one value per recorded step (N m, rad/s, N m); the
    velocity is the one measured *before* the step, as the drive saw it. ``seed`` fixes the initial weights.
    """
    x = actuator_features(commands, velocities_before, history)
    y = np.asarray(delivered, dtype=float).reshape(-1)
    if y.size != x.shape[0]:
        raise ValueError(f"delivered has {y.size} values for {x.shape[0]} steps of commands; record them together.")
    if y.size < 10 * (history + 1):
        raise ValueError(f"{y.size} samples is too few to fit a network with {history + 1} inputs; record longer.")
    if not (np.all(np.isfinite(x)) and np.all(np.isfinite(y))):
        raise ValueError("commands, velocities and torques must be finite (no NaN or inf).")
    if not hidden or any(isinstance(h, bool) or not isinstance(h, int) or h < 1 for h in hidden):
        raise ValueError(f"hidden={hidden!r} must list at least one layer width, each a whole number >= 1.")
    if isinstance(iterations, bool) or not isinstance(iterations, int) or iterations < 1:
        raise ValueError(f"iterations={iterations!r} must be a whole number >= 1.")
    if not (isinstance(learning_rate, int | float) and 0 < learning_rate < math.inf):
        raise ValueError(f"learning_rate={learning_rate!r} must be a finite number > 0 (e.g. 3e-3).")
    mean, scale = x.mean(axis=0), x.std(axis=0) + 1e-9
    torque_scale = float(np.std(y)) + 1e-9
    xs, ys = (x - mean) / scale, (y / torque_scale)[:, None]
    rng = np.random.default_rng(seed)
    sizes = [x.shape[1], *hidden, 1]
    weights = [rng.normal(0.0, 1.0 / math.sqrt(a), size=(a, b)) for a, b in zip(sizes[:-1], sizes[1:], strict=True)]
    biases = [np.zeros(b) for b in sizes[1:]]
    params = [*weights, *biases]
    first, second = [np.zeros_like(p) for p in params], [np.zeros_like(p) for p in params]
    beta1, beta2, n = 0.9, 0.999, len(weights)
    for t in range(1, iterations + 1):
        activations, pre = [xs], []
        for w, b in zip(weights[:-1], biases[:-1], strict=True):
            pre.append(activations[-1] @ w + b)
            activations.append(_softsign(pre[-1]))
        error = activations[-1] @ weights[-1] + biases[-1] - ys
        grad = 2.0 * error / len(ys)
        grads_w, grads_b = [None] * n, [None] * n
        for layer in range(n - 1, -1, -1):
            grads_w[layer] = activations[layer].T @ grad
            grads_b[layer] = grad.sum(axis=0)
            if layer:
                grad = (grad @ weights[layer].T) / (1.0 + np.abs(pre[layer - 1])) ** 2
        for i, (p, g) in enumerate(zip(params, [*grads_w, *grads_b], strict=True)):
            first[i] = beta1 * first[i] + (1 - beta1) * g
            second[i] = beta2 * second[i] + (1 - beta2) * g * g
            p -= learning_rate * (first[i] / (1 - beta1**t)) / (np.sqrt(second[i] / (1 - beta2**t)) + 1e-8)
    network = ActuatorNetwork(history, tuple(weights), tuple(biases), mean, scale, torque_scale, 0.0)
    rmse = float(np.sqrt(np.mean((network.torque(x) - y) ** 2)))
    return ActuatorNetwork(history, tuple(weights), tuple(biases), mean, scale, torque_scale, rmse)


def rollout_with_actuator(
    robot: str,
    parameters: DynamicsParameters,
    commands: np.ndarray,
    network: ActuatorNetwork | None = None,
    initial_positions: Sequence[float] | np.ndarray | None = None,
    time_step: float = DEFAULT_TIME_STEP,
) -> np.ndarray:
    """Open-loop positions (steps x 1, rad) of a one-joint model driven through ``network`` (``None``: the ideal
    actuator, every command delivered exactly)."""
    commands = np.asarray(commands, dtype=float)
    with SimulatedRobot(robot, parameters, time_step, initial_positions=initial_positions) as model:
        if model.dof != 1 or commands.ndim != 2 or commands.shape[1] != 1:
            raise ValueError(
                f"the actuator network drives one joint: {robot!r} has {model.dof}, commands have shape "
                f"{commands.shape} (need steps x 1)."
            )
        positions = np.empty_like(commands)
        history = np.zeros(network.history if network is not None else 1)
        for k, u in enumerate(commands):
            if network is None:
                model.step(u)
            else:
                history = np.roll(history, 1)
                history[0] = u[0]
                qd = model.state().velocities[0]
                model.step(network.torque(np.append(history, qd)))
            positions[k] = model.state().positions
    return positions
