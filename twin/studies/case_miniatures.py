"""Two published sim-to-real techniques in miniature, on the kit's pendulum stand-ins (notebook 13, section 2).

- ``actuator_network_study`` (after Hwangbo et al. 2019): record commanded and delivered torque on a stand-in
  whose actuator is far from ideal (latency, the Minitaur motor's saturating torque curve, gear friction), fit a
  small actuator network (``twin.gap.actuator_net``), and compare the model's open-loop prediction on held-out
  motions with the ideal actuator, with the network, and with the kit's generic residual model
  (``twin.gap.residual``), which has no memory of past commands.
- ``latency_study`` (after Tan et al. 2018, with Peng et al.'s dynamics randomisation): tune a fast reach
  controller on the ideal model, and over models whose latency is drawn from Tan et al.'s 0-40 ms, then judge both
  on hidden stand-ins with their own latency, mass and friction (``twin.studies.transfer``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from twin.actuators import MINITAUR_MOTOR, ActuatorParameters
from twin.core.types import DynamicsParameters
from twin.fleet.executors import Executor
from twin.gap.actuator_net import ActuatorNetwork, actuator_features, fit_actuator_network, rollout_with_actuator
from twin.gap.randomization import TAN_2018_RANGES, Randomization, Range
from twin.gap.reality import Reality
from twin.gap.record import GapRecord
from twin.gap.residual import fit_residual, rollout
from twin.gap.task import Gains, ReachTask
from twin.physical_system import UnmodeledEffects
from twin.studies.gap_experiment import GapExperiment, multisine_torques
from twin.studies.transfer import TransferResult, Tuning, gain_grid, model_inertia, transfer, trial, tune
from twin.tables import Table, make_table

ROBOT = "pendulum"
NOMINAL = DynamicsParameters()  # what the twin's model believes; both studies' stand-ins start from it

# -- 2a: an actuator network (Hwangbo et al. 2019) ----------------------------------------------------------
# The rigid body is modelled exactly (truth = the model), so the whole gap is the actuator: a 12.5 ms delay
# (3 steps at 240 Hz), the Minitaur motor's measured torque-current curve (saturating at 3.5 N m) and gear friction.
ACTUATOR_REALITY = Reality(
    truth=NOMINAL,
    effects=UnmodeledEffects(actuator=ActuatorParameters(latency=0.0125, motor=MINITAUR_MOTOR, gear_friction=0.03)),
    velocity_noise_std=0.02,
)
EXCITATION_AMPLITUDE = 4.0  # N m: peaks reach past the motor's 3.5 N m, so saturation is in the data


def velocities_before(record: GapRecord) -> np.ndarray:
    """The measured velocity before each step (rad/s; at rest before the first): what the drive saw."""
    return np.concatenate([[0.0], record.measured_velocities[:-1, 0]])


@dataclass(frozen=True)
class ActuatorNetStudy:
    """The actuator network against the ideal actuator on held-out motions.

    Attributes:
        network: the fitted actuator network.
        labels: the held-out experiments.
        torque_rmse: per predictor ("ideal actuator", "actuator network"), the torque error per experiment, N m.
        trajectory_rmse: per model ("ideal actuator", "generic residual", "actuator network"), the open-loop
            position error against the stand-in per experiment, rad.
        times: the first held-out experiment's sample times, s.
        commanded, delivered, predicted: its commanded, delivered and network-predicted torques, N m.
        positions: its positions, rad: "stand-in" and one entry per model.
    """

    network: ActuatorNetwork
    labels: tuple[str, ...]
    torque_rmse: dict[str, np.ndarray]
    trajectory_rmse: dict[str, np.ndarray]
    times: np.ndarray
    commanded: np.ndarray
    delivered: np.ndarray
    predicted: np.ndarray
    positions: dict[str, np.ndarray]

    def gap_closed(self, model: str = "actuator network") -> float:
        """The fraction of the ideal actuator's mean trajectory error that ``model`` removes (1 = all of it)."""
        if model not in self.trajectory_rmse:
            raise KeyError(f"no model {model!r}; choose one of {list(self.trajectory_rmse)}.")
        return 1.0 - float(np.mean(self.trajectory_rmse[model]) / np.mean(self.trajectory_rmse["ideal actuator"]))

    def table(self) -> Table:
        """Torque and open-loop trajectory errors on each held-out motion."""
        rows = [
            (
                label,
                self.torque_rmse["ideal actuator"][i],
                self.torque_rmse["actuator network"][i],
                *(errors[i] for errors in self.trajectory_rmse.values()),
            )
            for i, label in enumerate(self.labels)
        ]
        columns = (
            "held-out motion",
            "torque error, ideal [N m]",
            "torque error, network [N m]",
            *(f"trajectory error, {name} [rad]" for name in self.trajectory_rmse),
        )
        return make_table(columns, rows, "RMSE against the stand-in (never seen in training)")


def actuator_network_study(
    reality: Reality = ACTUATOR_REALITY,
    training_seeds: Sequence[int] = (0, 1),
    held_out_seeds: Sequence[int] = (10, 11),
    steps: int = 720,
    history: int = 8,
    hidden: Sequence[int] = (16, 16),
    iterations: int = 1000,
    seed: int = 0,
) -> ActuatorNetStudy:
    """Record multi-sine excitations (``steps`` each, 240 Hz) on a stand-in like ``reality``, fit an actuator
    network on the ``training_seeds`` runs, and judge it on the ``held_out_seeds`` runs (new phases, new noise)."""
    if not training_seeds or not held_out_seeds or set(training_seeds) & set(held_out_seeds):
        raise ValueError(
            f"training_seeds {tuple(training_seeds)} and held_out_seeds {tuple(held_out_seeds)} must each name at "
            "least one experiment, and none in both: judging on training data hides overfitting."
        )

    def record(s: int) -> tuple[GapExperiment, GapRecord]:
        experiment = GapExperiment(ROBOT, multisine_torques(steps, 1, [EXCITATION_AMPLITUDE], seed=s), NOMINAL)
        return experiment, experiment.run(reality, seed=s)

    training = [record(s)[1] for s in training_seeds]
    network = fit_actuator_network(
        np.concatenate([r.commands[:, 0] for r in training]),
        np.concatenate([velocities_before(r) for r in training]),
        np.concatenate([r.delivered_torques[:, 0] for r in training]),
        history=history,
        hidden=hidden,
        iterations=iterations,
        seed=seed,
    )
    residual = fit_residual(training, ROBOT, NOMINAL)
    torque = {"ideal actuator": [], "actuator network": []}
    trajectory = {"ideal actuator": [], "generic residual": [], "actuator network": []}
    shown: dict[str, np.ndarray] = {}
    for i, s in enumerate(held_out_seeds):
        experiment, run = record(s)
        delivered = run.delivered_torques[:, 0]
        predicted = network.torque(actuator_features(run.commands[:, 0], velocities_before(run), network.history))
        torque["ideal actuator"].append(_rmse(run.commands[:, 0], delivered))
        torque["actuator network"].append(_rmse(predicted, delivered))
        models = {
            "ideal actuator": rollout_with_actuator(ROBOT, NOMINAL, experiment.commands),
            "generic residual": rollout(ROBOT, NOMINAL, experiment.commands, residual=residual),
            "actuator network": rollout_with_actuator(ROBOT, NOMINAL, experiment.commands, network),
        }
        for name, positions in models.items():
            trajectory[name].append(_rmse(positions, run.true_positions))
        if i == 0:
            shown = {"stand-in": run.true_positions[:, 0], **{n: p[:, 0] for n, p in models.items()}}
            first = (run.times, run.commands[:, 0], delivered, predicted)
    return ActuatorNetStudy(
        network,
        tuple(f"multi-sine, seed {s}" for s in held_out_seeds),
        {k: np.array(v) for k, v in torque.items()},
        {k: np.array(v) for k, v in trajectory.items()},
        *first,
        shown,
    )


def _rmse(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.sqrt(np.mean((np.asarray(a) - np.asarray(b)) ** 2)))


# -- 2b: latency and its randomisation (Tan et al. 2018; Peng et al. 2018) ----------------------------------
# A small, fast move: 0.1 rad in well under a second, settled within 0.01 rad. High gains win on an ideal model;
# a few tens of milliseconds of delay turn them into oscillation.
LATENCY_TASK = ReachTask(target=(0.1,), tolerance=0.01, duration=1.0, hold=0.4)
LATENCY_KPS = (20.0, 40.0, 70.0, 100.0, 140.0)  # N m/rad
LATENCY_KIS = (0.0, 20.0)  # N m/(rad s)
DAMPING_RATIOS = (0.5, 0.7, 1.0)  # kd from each, on the model's inertia
TAN_LATENCY = Randomization({"latency": TAN_2018_RANGES["latency"]}, name="latency 0-40 ms (Tan et al. 2018)")
HIDDEN_ROBOTS = Randomization(
    {"latency": Range(0.015, 0.040), "mass_scale": Range(0.9, 1.2), "joint_friction": Range(0.0, 0.05)},
    name="hidden robots (latency, mass and friction unknown to the twin)",
)


def latency_candidates(task: ReachTask = LATENCY_TASK) -> list[Gains]:
    """The PID gains both tuners choose from: every kp and ki, with kd for each damping ratio."""
    inertia = model_inertia(task)
    return [g for ratio in DAMPING_RATIOS for g in gain_grid(LATENCY_KPS, LATENCY_KIS, inertia, damping_ratio=ratio)]


@dataclass(frozen=True)
class LatencyStudy:
    """Two tunings of the same controller and their transfer to the same hidden stand-ins."""

    task: ReachTask
    on_ideal_model: Tuning
    over_latency: Tuning
    result: TransferResult
    standins: tuple[Reality, ...]

    def latencies(self) -> np.ndarray:
        """Each hidden stand-in's latency, s."""
        return np.array([r.effects.actuator.latency for r in self.standins])

    def example_trials(self) -> tuple[Reality, dict[str, np.ndarray]]:
        """Both controllers on the hidden stand-in with the longest latency: that stand-in, and each controller's
        true joint positions (rad, one per 1/240 s step)."""
        slowest = self.standins[int(np.argmax(self.latencies()))]
        seed = 10_000 + int(np.argmax(self.latencies()))  # the sensor seed ``transfer`` gave this stand-in
        runs = {
            name: trial(self.task, gains, slowest, seed=seed).positions[:, 0]
            for name, gains in zip(self.result.names, self.result.controllers, strict=True)
        }
        return slowest, runs


def latency_study(
    training_models: int = 8,
    standins: int = 40,
    seed: int = 1,
    workers: int | None = 1,
    progress: bool = False,
    executor: Executor | None = None,
) -> LatencyStudy:
    """Tune on the ideal model and over ``training_models`` models with Tan et al.'s latency range, then run both
    controllers on ``standins`` hidden robots (drawn with seed 2026, never used in training)."""
    if isinstance(training_models, bool) or not isinstance(training_models, int) or training_models < 1:
        raise ValueError(f"training_models={training_models!r} must be a whole number >= 1.")
    task, candidates = LATENCY_TASK, latency_candidates()
    on_ideal = tune(task, [Reality.matching(task.model_parameters)], candidates, workers=1)
    over_latency = tune(task, TAN_LATENCY.sample(training_models, seed=seed), candidates, workers=workers)
    hidden = tuple(HIDDEN_ROBOTS.sample(standins, seed=2026))
    controllers = {"tuned on the ideal model": on_ideal.best, "tuned over latency 0-40 ms": over_latency.best}
    result = transfer(task, controllers, hidden, workers=workers, progress=progress, executor=executor)
    return LatencyStudy(task, on_ideal, over_latency, result, hidden)
