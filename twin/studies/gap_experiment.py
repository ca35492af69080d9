"""The gap experiment (a study: it builds the stand-ins): the same command sequence on the twin's model and on the
physical stand-in, recorded as a ``twin.gap.record.GapRecord``.

Both start from the same state and receive the same torques, step by step, open loop. Whatever
differs afterwards is the reality gap, and nothing else: with every cause switched off they agree
to the last bit (``tests/test_gap_measure.py`` checks it).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from twin.core.checks import check_count
from twin.core.messages import JointCommand
from twin.core.types import DEFAULT_TIME_STEP, JointState
from twin.gap.reality import Reality
from twin.gap.record import GapRecord
from twin.physical_system.standin import PhysicalStandIn
from twin.sim.plant import DynamicsParameters, SimulatedRobot


class GapExperiment:
    """Replays one command sequence on the model and on any number of stand-ins.

    Args:
        robot: catalogue name of a fixed-base robot (pendulum, cartpole, arm).
        commands: torques, steps x joints (N m; N for prismatic joints).
        model_parameters: what the twin's model believes.
        initial_positions: where both start, rad.
        time_step: seconds per step.
    """

    def __init__(
        self,
        robot: str,
        commands: np.ndarray,
        model_parameters: DynamicsParameters | None = None,
        initial_positions: Sequence[float] | np.ndarray | None = None,
        time_step: float = DEFAULT_TIME_STEP,
    ) -> None:
        self.robot = robot
        self.model_parameters = model_parameters if model_parameters is not None else DynamicsParameters()
        self.initial_positions = None if initial_positions is None else np.asarray(initial_positions, dtype=float)
        self.time_step = time_step
        commands = np.asarray(commands, dtype=float)
        with SimulatedRobot(robot, self.model_parameters, time_step, initial_positions=initial_positions) as model:
            if commands.ndim != 2 or commands.shape[1] != model.dof or commands.shape[0] < 1:
                raise ValueError(
                    f"commands must be (steps x {model.dof}) torques for {robot!r}, got shape {commands.shape}."
                )
            self.joint_names = model.robot.joint_names
            self.commands = commands
            self.model_positions, self.model_velocities = _replay(model.step, model.state, commands)
        self.times = time_step * np.arange(1, commands.shape[0] + 1)

    def __repr__(self) -> str:
        return f"GapExperiment({self.robot!r}, {len(self.commands)} steps, model {self.model_parameters})"

    @property
    def steps(self) -> int:
        return int(self.commands.shape[0])

    def run(self, reality: Reality, seed: int = 0) -> GapRecord:
        """Replay the commands on a stand-in that behaves like ``reality`` (``seed`` drives its sensor noise).

        With ``reality.control_period`` the stand-in receives only every ``hold_steps``-th command and holds it.
        """
        with_standin = PhysicalStandIn.from_reality(
            reality, self.robot, seed=seed, time_step=self.time_step, initial_positions=self.initial_positions
        )
        try:
            n = self.steps
            hold = reality.hold_steps(self.time_step)  # the robot's controller sends a new command every `hold` steps
            true_q, true_qd = np.empty_like(self.commands), np.empty_like(self.commands)
            meas_q, meas_qd = np.empty_like(self.commands), np.empty_like(self.commands)
            delivered = np.empty_like(self.commands)
            for k in range(n):
                if k % hold == 0:
                    with_standin.apply(JointCommand(with_standin.time, self.commands[k]))
                with_standin.step()
                delivered[k] = with_standin.delivered_torques
                state = with_standin.true_state()
                true_q[k], true_qd[k] = state.positions, state.velocities
                reading = with_standin.measure()
                meas_q[k], meas_qd[k] = reading.positions, reading.velocities
        finally:
            with_standin.close()
        return GapRecord(
            joint_names=self.joint_names,
            times=self.times,
            commands=self.commands,
            delivered_torques=delivered,
            model_positions=self.model_positions,
            model_velocities=self.model_velocities,
            true_positions=true_q,
            true_velocities=true_qd,
            measured_positions=meas_q,
            measured_velocities=meas_qd,
        )


def _replay(
    step: Callable[[np.ndarray], None], state: Callable[[], JointState], commands: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    q, qd = np.empty_like(commands), np.empty_like(commands)
    for k, torques in enumerate(commands):
        step(torques)
        s = state()
        q[k], qd[k] = s.positions, s.velocities
    return q, qd


def planned_commands(
    robot: str,
    controller: Callable[[float, np.ndarray, np.ndarray, np.ndarray | None], np.ndarray],
    steps: int,
    model_parameters: DynamicsParameters | None = None,
    initial_positions: Sequence[float] | np.ndarray | None = None,
    time_step: float = DEFAULT_TIME_STEP,
) -> np.ndarray:
    """Torques a controller ``f(t, q, qd, gravity)`` sends when run on the model: the plan engineers would ship."""
    steps = check_count("steps", steps, "time steps", low=1)
    with SimulatedRobot(robot, model_parameters, time_step, initial_positions=initial_positions) as model:
        plan = np.empty((steps, model.dof))
        for k in range(steps):
            s = model.state()
            plan[k] = controller(model.time, s.positions, s.velocities, model.gravity_torques(s.positions))
            model.step(plan[k])
    return plan


def multisine_torques(
    steps: int,
    joints: int,
    amplitude: float | Sequence[float],
    frequencies_hz: Sequence[float] = (0.3, 0.7, 1.3),
    time_step: float = DEFAULT_TIME_STEP,
    seed: int = 0,
) -> np.ndarray:
    """An excitation: per joint, a sum of sines with seeded random phases, peak about ``amplitude`` (N m)."""
    steps = check_count("steps", steps, "time steps", low=1)
    joints = check_count("joints", joints, "joints", low=1)
    rng = np.random.default_rng(seed)
    amplitudes = np.broadcast_to(np.asarray(amplitude, dtype=float), (joints,))
    t = time_step * np.arange(steps)[:, None]
    phases = rng.uniform(0, 2 * np.pi, size=(len(frequencies_hz), joints))
    signal = sum(np.sin(2 * np.pi * f * t + phases[i]) for i, f in enumerate(frequencies_hz))
    return amplitudes * signal / len(frequencies_hz)
