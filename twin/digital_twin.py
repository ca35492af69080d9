"""``DigitalTwin``: the chapter's four components wired together, in their simplest honest form.

::

    physical system  --measurements-->  data connection  -->  virtual model  -->  analytics engine
    (PhysicalStandIn)  <--commands----  (InProcessLink)       (VirtualModel)     (PredictionErrorTracker)

``mode`` picks how much data flows, after Kritzinger et al. (2018):

- ``"model"``  (digital model): nothing flows automatically. The model runs open loop from the same
  start and the same planned commands as the robot; whatever it gets wrong accumulates (drift).
- ``"shadow"`` (digital shadow): measurements flow physical -> virtual and correct the model every
  step, so it follows the robot; the robot still runs the plan it was given.
- ``"twin"``   (digital twin): measurements flow in *and* the twin's controller sends commands back,
  computed on the synchronised model, so the robot benefits from what the twin knows.

One step hands the sample on once, in the chapter's order: physical (measure) -> link (deliver, or
lose) -> model (correct, predict) -> analytics (judge what arrived). In ``shadow`` and ``twin`` mode the
analytics engine judges exactly the measurements the model received; in ``model`` mode, where nothing
flows, it compares the model with every measurement offline, so the modes can be judged on the same numbers.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from types import TracebackType

import numpy as np

from twin.analytics.prediction_error import PredictionErrorTracker
from twin.control.pd import JointPD
from twin.core.checks import check_count
from twin.core.messages import JointCommand, StateMeasurement
from twin.core.protocols import Link, PhysicalSystem
from twin.core.types import DEFAULT_TIME_STEP, DynamicsParameters, JointState, all_finite
from twin.link.in_process import InProcessLink
from twin.physical_system.standin import DEFAULT_TRUTH, PhysicalStandIn
from twin.sensors.joint_state import JointStateSensor
from twin.virtual_model.virtual import VirtualModel

MODES: dict[str, str] = {
    "model": "digital model: no automatic data flow; the model runs open loop beside the robot",
    "shadow": "digital shadow: measurements flow physical -> virtual and keep the model in step",
    "twin": "digital twin: measurements flow in and the twin's commands flow back to the robot",
}

Controller = Callable[[float, np.ndarray, np.ndarray, np.ndarray | None], np.ndarray]


@dataclass(frozen=True)
class TwinRun:
    """What happened during a run, one row per time step (angles in rad, torques in N m).

    ``true_positions`` is the stand-in's exact state, shown for teaching; the twin never saw it.
    ``predicted_positions`` is the model's prediction *before* the measurement corrected it;
    ``estimated_positions`` is the model's state after correction.
    """

    mode: str
    joint_names: tuple[str, ...]
    times: np.ndarray
    true_positions: np.ndarray
    measured_positions: np.ndarray
    predicted_positions: np.ndarray
    estimated_positions: np.ndarray
    torques: np.ndarray
    targets: np.ndarray

    @property
    def prediction_errors(self) -> np.ndarray:
        """Model prediction minus measurement, rad."""
        return self.predicted_positions - self.measured_positions

    @property
    def tracking_errors(self) -> np.ndarray:
        """Where the real robot is minus where the controller wanted it, rad."""
        return self.true_positions - self.targets

    def rmse(self, what: str = "prediction") -> float:
        """Root-mean-square of the ``prediction`` or ``tracking`` error over the run, rad."""
        errors = {"prediction": self.prediction_errors, "tracking": self.tracking_errors}
        if what not in errors:
            raise ValueError(f"what={what!r}; choose 'prediction' or 'tracking'.")
        return float(np.sqrt(np.mean(errors[what] ** 2)))


class DigitalTwin:
    """A physical stand-in, a data connection, a virtual model and an analytics engine, stepped together.

    Args:
        robot: catalogue name of a fixed-base robot: ``pendulum``, ``cartpole`` or ``arm``.
        mode: ``"model"``, ``"shadow"`` or ``"twin"`` (see the module docstring).
        controller: ``f(t, q, qd, gravity) -> torques``, e.g. ``twin.control.JointPD(target)``. In
            ``twin`` mode it runs on the synchronised model every step and its commands go to the robot.
            In ``model``/``shadow`` mode it is run on the nominal model beforehand to make a plan of
            torques, which the robot then replays without feedback. Default: no torque at all.
        truth: the stand-in's hidden true dynamics (default ``twin.physical_system.DEFAULT_TRUTH[robot]``).
        model_parameters: what the model believes (default: the URDF's nominal values).
        sensor: the stand-in's sensor (default: a ``JointStateSensor`` seeded with ``seed``).
        link: the data connection, any ``twin.core.Link`` (default: ``InProcessLink()`` with no delay; an
            ``ImpairedLink`` adds latency, loss and reordering). Not with ``standin="process"``, whose
            ZeroMQ connection is the link.
        correction_gain: how far each measurement pulls the model, 0..1 (shadow and twin modes).
        initial_positions: where the robot starts, rad; the model starts there too.
        time_step: seconds per step.
        seed: seed for every random choice (sensor noise).
        standin: ``"in_process"`` (default) runs the stand-in in this process; ``"process"`` runs it in
            its own process and talks to it over ZeroMQ on 127.0.0.1 in lock-step
            (``twin.physical_system.process.ProcessStandIn``, the physical system's proxy): the same run, bit for
            bit, through a real transport, which is then the only link (``self.link`` is ``None``).
            ``close()`` stops that process. A custom ``sensor`` needs ``"in_process"``.
        correction: ``"on_arrival"`` (default) pulls the model towards each measurement when it arrives, as
            if it were current; ``"timestamped"`` uses the measurement's timestamp: it rolls the model back
            to the step the measurement was taken, corrects it there and re-predicts up to now with the
            torques it applied since (rollback and replay). The same when the link has no delay; better
            when it has. Measurement times must be the stand-in's step times (``k * time_step``).
    """

    def __init__(
        self,
        robot: str = "pendulum",
        mode: str = "twin",
        *,
        controller: Controller | None = None,
        truth: DynamicsParameters | None = None,
        model_parameters: DynamicsParameters | None = None,
        sensor: JointStateSensor | None = None,
        link: Link | None = None,
        correction_gain: float = 0.3,
        initial_positions: Sequence[float] | np.ndarray | None = None,
        time_step: float = DEFAULT_TIME_STEP,
        seed: int = 0,
        standin: str = "in_process",
        correction: str = "on_arrival",
    ) -> None:
        if correction not in ("on_arrival", "timestamped"):
            raise ValueError(f"correction={correction!r}; choose 'on_arrival' or 'timestamped' (rollback and replay).")
        if standin not in ("in_process", "process"):
            raise ValueError(f"standin={standin!r}; choose 'in_process' or 'process' (its own process, over ZeroMQ).")
        if mode not in MODES:
            raise ValueError(f"mode={mode!r} is not one of {list(MODES)}: " + "; ".join(MODES.values()) + ".")
        if not 0.0 <= correction_gain <= 1.0:
            raise ValueError(f"correction_gain={correction_gain} must lie in [0, 1]: 0 ignores measurements.")
        self.mode = mode
        self.correction = correction
        self._past: dict[int, tuple[np.ndarray, np.ndarray, np.ndarray]] = {}  # step -> (q, qd, tau) of the model
        self.controller = controller
        self.correction_gain = correction_gain
        self.physical: PhysicalSystem
        if standin == "process":
            if sensor is not None:
                raise ValueError("A custom sensor object cannot cross into another process; use standin='in_process'.")
            if link is not None:
                raise ValueError(
                    "standin='process' talks to its stand-in over ZeroMQ, which is then the only link; "
                    "an extra link= would carry every sample twice. Use standin='in_process' with link=."
                )
            from twin.physical_system.process import ProcessStandIn

            truth = truth if truth is not None else DEFAULT_TRUTH.get(robot)
            self.physical = ProcessStandIn(
                robot, truth, time_step=time_step, seed=seed, initial_positions=initial_positions
            )
        else:
            self.physical = PhysicalStandIn(
                robot, truth, sensor, time_step=time_step, seed=seed, initial_positions=initial_positions
            )
        self.model: VirtualModel | None = None
        self._planner: VirtualModel | None = None
        try:
            self.model = VirtualModel(robot, model_parameters, time_step=time_step, initial_positions=initial_positions)
            if mode != "twin":  # model and shadow replay a plan made on a second, untouched nominal model
                self._planner = VirtualModel(
                    robot, model_parameters, time_step=time_step, initial_positions=initial_positions
                )
        except BaseException:
            self.close()  # nothing half-built stays open
            raise
        self.link: Link | None = None if standin == "process" else (link if link is not None else InProcessLink())
        self.analytics = PredictionErrorTracker(self.model.robot.joint_names)
        self._time_step = self.model.plant.time_step
        self._dof_shape = (self.model.robot.dof,)  # of every joint vector the loop hands on
        self._unknown = np.full(self.model.robot.dof, np.nan)  # NaN per joint: what the history keeps for
        self._unknown.setflags(write=False)  # a value nobody can tell (no true state, no target); read-only, shared
        self._true_state = getattr(self.physical, "true_state", None)  # None for a robot that cannot tell
        self.steps_taken = 0
        self._plan: list[np.ndarray] = []
        self._history: list[tuple[np.ndarray, ...]] = []
        self._times: list[float] = []

    def __repr__(self) -> str:
        return (
            f"DigitalTwin({self.model.robot.name!r}, mode={self.mode!r}, t={self.time:.3f} s, "
            f"prediction RMSE={self.analytics.rmse():.4g} rad)"
        )

    # -- convenience -----------------------------------------------------------------------------
    @property
    def time(self) -> float:
        """Simulated seconds since the twin started."""
        return self.steps_taken * self._time_step

    @property
    def time_step(self) -> float:
        return self._time_step

    @property
    def target(self) -> np.ndarray | None:
        """The controller's joint targets (rad) when it is a ``JointPD``; settable."""
        if isinstance(self.controller, JointPD):
            return self.controller.target_at(self.time)
        return None

    @target.setter
    def target(self, value: Sequence[float] | np.ndarray) -> None:
        if not isinstance(self.controller, JointPD):
            raise TypeError("Only a twin whose controller is a twin.control.JointPD has a settable target.")
        target = self.model.robot.joint_vector("target", value)
        self.model.robot.warn_if_degrees("target", target)
        if self._planner is not None and self._plan:
            raise RuntimeError(
                f"In mode={self.mode!r} the robot replays a plan made on the model; a new target needs a "
                "new DigitalTwin. In mode='twin' targets can change while running."
            )
        self.controller.target = target

    # -- the loop --------------------------------------------------------------------------------
    def _planned_torques(self) -> np.ndarray:
        """The next torque of the plan made on the nominal model (model and shadow modes)."""
        if self.controller is None or self._planner is None:
            return np.zeros(self.model.robot.dof)
        planner = self._planner
        while len(self._plan) <= self.steps_taken:
            t = planner.plant.time
            state = planner.state()
            gravity = planner.plant.gravity_torques_at(state.positions)
            tau = self._checked_command(t, self.controller(t, state.positions, state.velocities, gravity)).torques
            planner.advance(tau)
            self._plan.append(tau)
        return self._plan[self.steps_taken]

    def _checked_command(self, t: float, torques: object) -> JointCommand:
        """The controller's output at ``t`` (s) as the command to send: a float array of finite N m, one per joint.
        ``JointCommand`` checks that the values are finite; this adds the length: the loop's one check on it."""
        if type(torques) is np.ndarray and torques.dtype == np.float64 and torques.shape == self._dof_shape:
            if all_finite(torques):  # the usual case, a float array of the right length, checked in one pass
                torques = torques.copy()  # the controller's own array stays the controller's, writable
                torques.setflags(write=False)
                return JointCommand._trusted(t, torques)
        try:
            command = JointCommand(t, torques)
        except (TypeError, ValueError):
            command = None
        if command is None or command.torques.shape != (self.model.robot.dof,):
            robot = self.model.robot
            raise ValueError(
                f"the controller returned {torques!r}; it must return {robot.dof} finite torques (N m), one per "
                f"joint {list(robot.joint_names)}."
            )
        return command

    def step(self) -> np.ndarray:
        """One time step of the whole twin, in the chapter's order; each component hands the sample on once:

        1. physical system: ``measure()``;
        2. data connection: the measurement goes up the link and whatever arrives now comes out (late,
           lost or reordered on an impaired link; in ``standin="process"`` mode the stand-in's own ZeroMQ
           connection already carried it, and is the only link);
        3. virtual model: each arrived measurement corrects it (``shadow``, ``twin``);
        4. analytics: judges exactly the measurements the model received, against the model's
           prediction before each corrected it (in ``model`` mode, where no data flows, it compares the
           robot's measurement offline);

        then the command goes back (down the link in ``twin`` mode) and the robot steps. Nothing is
        written to the twin's history, the analytics or the model's prediction until ``physical.step()``
        has returned, so a stand-in that dies mid-step leaves every record one row per completed step.

        The loop is lean: everything that comes from outside (the controller's torques, every measurement) is
        checked once where it comes in, and each simulation's state is read from pybullet once per step.

        Returns the prediction error (rad per joint) of the newest measurement judged this step, or NaN
        per joint when none arrived (lost or still in flight).
        """
        k = self.steps_taken
        t = k * self._time_step
        model, physical, analytics = self.model, self.physical, self.analytics
        measurement = physical.measure()  # 1. physical
        prediction = model.state()
        if self.mode == "model":
            judged = [(measurement.time, prediction.positions, measurement.positions)]
            estimate = prediction
        else:
            arrived = self._deliver_measurement(measurement, k)  # 2. link
            judged, estimate = self._correct_with(arrived, k, prediction)  # 3. model
        tau = self._command(t, estimate, k)
        true_state = self._true_state
        true_positions = self._unknown if true_state is None else true_state().positions
        physical.step()

        # The robot stepped: now the twin writes its records for step k, all of them or none.
        record = analytics.record
        errors = [record(time, q_model, q_measured) for time, q_model, q_measured in judged]  # 4.
        controller = self.controller
        target = controller.target_at(t) if isinstance(controller, JointPD) else self._unknown
        self._times.append(t)
        self._history.append(
            (true_positions, measurement.positions, prediction.positions, estimate.positions, tau, target)
        )
        if self.correction == "timestamped":
            self._past[k] = (estimate.positions, estimate.velocities, tau)
            self._past.pop(k - self.ROLLBACK_STEPS, None)
        model.advance(tau)
        self.steps_taken = k + 1
        return errors[-1].copy() if errors else np.full(self.model.robot.dof, np.nan)  # yours to change

    def _deliver_measurement(self, measurement: StateMeasurement, k: int) -> list[StateMeasurement]:
        """The data connection's turn: what arrives at step ``k`` after ``measurement`` was sent."""
        link = self.link
        if link is None:  # the process stand-in's ZeroMQ link carried it already
            return [measurement]
        uplink = link.uplink
        uplink.send(measurement, k)
        return uplink.receive(k)

    def _correct_with(
        self, arrived: list[StateMeasurement], k: int, prediction: JointState
    ) -> tuple[list[tuple[float, np.ndarray, np.ndarray]], JointState]:
        """The model's turn: correct with each arrived measurement, starting from ``prediction`` (the model's
        state now). Returns what analytics will judge, ``(time s, model's prediction before the correction
        rad, measured rad)`` per measurement, and the model's state after the corrections."""
        if self.correction == "timestamped" and arrived:
            judged = [(m.time, prediction.positions, m.positions) for m in arrived]
            self._correct_in_the_past(arrived, k)
            return judged, self.model.state()
        before, estimate = self.model.correct_each(arrived, self.correction_gain, prediction)
        if len(arrived) == 1:  # the usual case, one measurement per step
            m = arrived[0]
            return [(m.time, before[0], m.positions)], estimate
        judged = [(m.time, q, m.positions) for m, q in zip(arrived, before, strict=True)]
        return judged, estimate

    def _command(self, t: float, estimate: JointState, k: int) -> np.ndarray:
        """The torques (N m) for this step, and their way to the robot."""
        if self.mode != "twin":
            tau = self._planned_torques()
            self.physical.apply(JointCommand(t, tau))  # pre-programmed on the robot: no data link involved
            return tau
        controller, link, physical = self.controller, self.link, self.physical
        if controller is None:
            command = JointCommand(t, np.zeros(self.model.robot.dof))
        else:
            positions = estimate.positions
            gravity = self.model.plant.gravity_torques_at(positions)
            command = self._checked_command(t, controller(t, positions, estimate.velocities, gravity))
        if link is None:  # process stand-in: apply() sends it over its own ZeroMQ link
            physical.apply(command)
            return command.torques
        downlink = link.downlink
        downlink.send(command, k)
        for arrived in downlink.receive(k):
            physical.apply(arrived)
        return command.torques

    ROLLBACK_STEPS = 240  # how far back (steps) a timestamped correction may reach; older ones apply on arrival

    def _correct_in_the_past(self, measurements: list, now_step: int) -> None:
        """Rollback and replay: correct each measurement at the step it was taken, re-predict up to now."""
        by_step: dict[int, list] = {}
        for m in measurements:
            step = int(round(m.time / self.time_step))
            by_step.setdefault(step if step in self._past else now_step, []).append(m)
        first = min(by_step)
        for step in range(first, now_step):
            q, qd, tau = self._past[step]
            if step != first:
                q, qd = self.model.state().positions, self.model.state().velocities
            self.model.plant.set_state(q, qd)
            for m in by_step.get(step, []):
                self.model.correct(m, self.correction_gain)
            state = self.model.state()
            self._past[step] = (state.positions, state.velocities, tau)
            self.model.predict(tau)
        for m in by_step.get(now_step, []):
            self.model.correct(m, self.correction_gain)

    def run(self, steps: int, progress: bool = False) -> TwinRun:
        """Run ``steps`` time steps; returns the record of just those steps. ``progress`` shows a bar."""
        steps = check_count("steps", steps, "time steps")
        start = len(self._times)
        iterator = range(steps)
        if progress:
            from twin.core.progress import tqdm

            iterator = tqdm(iterator, desc=f"{self.mode} run", unit="step")
        for _ in iterator:
            self.step()
        return self._record(start)

    def history(self) -> TwinRun:
        """Everything since the twin started."""
        return self._record(0)

    def _record(self, start: int) -> TwinRun:
        rows = self._history[start:]
        dof = self.model.robot.dof
        columns = [np.array([r[i] for r in rows]).reshape(len(rows), dof) for i in range(6)]
        return TwinRun(self.mode, self.model.robot.joint_names, np.array(self._times[start:]), *columns)

    # -- lifecycle -------------------------------------------------------------------------------
    def close(self) -> None:
        """Close every simulation this twin owns. Safe to call twice."""
        for part in (self.physical, self.model, self._planner):
            if part is not None:
                part.close()

    def __enter__(self) -> DigitalTwin:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()
