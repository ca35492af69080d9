"""Experiments on the data connection: a twin balancing over an impaired link, a recording replayed.

These drive whole twins and models, so they live here rather than in ``twin.link``, which must run on a
robot's computer without a physics engine or a model.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from twin.control.pd import JointPD
from twin.core.messages import StateMeasurement
from twin.core.protocols import Model
from twin.core.types import DEFAULT_TIME_STEP
from twin.digital_twin import DigitalTwin, TwinRun
from twin.link.impaired_link import ImpairedLink
from twin.link.impairments import Impairments
from twin.link.telemetry_log import Recording


def balance_under_impairments(
    impairments: Impairments,
    seconds: float = 3.0,
    robot: str = "pendulum",
    tilt: float = 0.2,
    seed: int = 0,
    correction: str = "on_arrival",
) -> tuple[TwinRun, ImpairedLink]:
    """Twin-in-the-loop balancing: the twin's PD controller holds the pendulum upright (pi rad), starting
    ``tilt`` rad off, with ``impairments`` on both directions of the link. ``correction`` is the twin's
    (``"on_arrival"`` or ``"timestamped"``, see ``DigitalTwin``). Returns ``(TwinRun, link)``."""
    if robot != "pendulum":
        raise ValueError(f"robot={robot!r}: this experiment balances the 'pendulum' upright.")
    link = ImpairedLink(impairments, impairments, seed=seed)
    steps = int(round(seconds / DEFAULT_TIME_STEP))
    with DigitalTwin(
        robot,
        "twin",
        controller=JointPD([np.pi]),
        link=link,
        initial_positions=[np.pi - tilt],
        seed=seed,
        correction=correction,
    ) as twin:
        run = twin.run(steps)
    return run, link


@dataclass(frozen=True)
class ReplayResult:
    """What a replay did: the model's prediction error (rad) at each recorded state, and the counts."""

    times: np.ndarray
    prediction_errors: np.ndarray
    states: int
    commands: int

    def rmse(self) -> float:
        return float(np.sqrt(np.mean(self.prediction_errors**2))) if self.states else float("nan")


def replay_into(model: Model, recording: Recording, gain: float = 0.3) -> ReplayResult:
    """Feed a recorded lock-step session to a virtual model, in recorded order: each ``state`` is first
    compared with the model's prediction, then corrects it (``gain``); each ``command`` advances the model
    ``steps`` steps under its torques. The result is the prediction error the twin would have seen."""
    times, errors, states, commands = [], [], 0, 0
    for topic, _, message in recording.rows:
        if message.type == "state":
            measurement = StateMeasurement(message.get("sim_t", message.t), message["q"], message["qd"])
            errors.append(model.state().positions - measurement.positions)
            times.append(measurement.time)
            model.correct(measurement, gain)
            states += 1
        elif message.type == "command" and topic == "command":
            for _ in range(message["steps"]):
                model.predict(np.asarray(message["tau"]))
            commands += 1
    return ReplayResult(np.array(times), np.array(errors), states, commands)
