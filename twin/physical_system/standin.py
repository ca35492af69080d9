"""The physical system's stand-in: a second simulation whose true parameters the twin never sees.

There is no real robot on a student's laptop, so this class plays one, honestly: it runs the same
URDF with *different* masses, friction and damping (the "truth") and reports only noisy
measurements through its sensor. Swap it for hardware that sends the same messages and the twin
does not notice.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, fields, replace
from typing import TYPE_CHECKING, Protocol

import numpy as np

from twin.core.messages import JointCommand, StateMeasurement
from twin.core.types import DEFAULT_TIME_STEP
from twin.sensors.joint_state import JointStateSensor
from twin.sim.plant import DynamicsParameters, SimulatedRobot
from twin.sim.robots import JointState, Robot

if TYPE_CHECKING:
    from twin.actuators import ActuatorParameters

# What each robot is "really" like: heavier than its URDF says, with friction and damping the
# nominal model lacks. Amounts are chosen to be plainly visible within a few seconds.
DEFAULT_TRUTH: dict[str, DynamicsParameters] = {
    "pendulum": DynamicsParameters(mass_scale=1.2, joint_friction=0.02, joint_damping=0.03),
    "cartpole": DynamicsParameters(mass_scale=1.2, joint_friction=0.01, joint_damping=0.02),
    "arm": DynamicsParameters(mass_scale=1.15, joint_friction=0.3, joint_damping=0.1),
}


@dataclass(frozen=True)
class UnmodeledEffects:
    """Effects the twin's model does not have at all, each off by default (calibration cannot fit them).

    Attributes:
        sensor_bias: constant offset added to every measured joint position, rad (m for prismatic joints).
        payload: extra mass carried at the last link's centre of mass, kg: a mass error that is *not* a
            uniform scale of every link, so ``mass_scale`` cannot represent it on a multi-link robot.
        actuator: a ``twin.actuators.ActuatorParameters`` (torque saturation, latency, backlash, gear
            friction, motor strength) between the command and the joint; ``None`` delivers torques exactly.
    """

    sensor_bias: float = 0.0
    payload: float = 0.0
    actuator: ActuatorParameters | None = None

    def __post_init__(self) -> None:
        for name in ("sensor_bias", "payload"):
            value = getattr(self, name)
            if not isinstance(value, int | float | np.floating) or isinstance(value, bool) or not math.isfinite(value):
                raise ValueError(f"{name}={value!r} must be a finite number.")
        if self.payload < 0:
            raise ValueError(f"payload={self.payload} kg must be >= 0 (0 means no payload).")

    @property
    def any_on(self) -> bool:
        """True when at least one effect is switched on."""
        return bool(self.sensor_bias or self.payload or self.actuator is not None)

    def with_changes(self, **changes: object) -> UnmodeledEffects:
        """A copy with some fields changed; unknown names raise an error listing the valid ones."""
        valid = {f.name for f in fields(self)}
        unknown = set(changes) - valid
        if unknown:
            raise TypeError(f"Unknown unmodeled effect(s) {sorted(unknown)}; valid: {sorted(valid)}.")
        return replace(self, **changes)


NO_EFFECTS = UnmodeledEffects()


class StandInDescription(Protocol):
    """What a stand-in is made of: its hidden truth, unmodeled effects and sensor noise (``twin.gap.Reality`` is
    one; any object with these attributes will do)."""

    @property
    def truth(self) -> DynamicsParameters: ...

    @property
    def effects(self) -> UnmodeledEffects: ...

    @property
    def position_noise_std(self) -> float: ...  # rad

    @property
    def velocity_noise_std(self) -> float: ...  # rad/s


class PhysicalStandIn:
    """A pretend physical robot: true dynamics, a noisy sensor, and a command input.

    Args:
        robot: catalogue name (pendulum, cartpole, arm).
        truth: its true dynamics; default ``DEFAULT_TRUTH[robot]``. The twin never reads it.
        sensor: how it measures itself; default a ``JointStateSensor`` seeded with ``seed``.
        time_step: seconds per step.
        seed: seed for the sensor noise.
        initial_positions: joint positions to start from, rad.
        effects: unmodeled effects (sensor bias, payload, actuator); default none, see ``UnmodeledEffects``.
    """

    def __init__(
        self,
        robot: str,
        truth: DynamicsParameters | None = None,
        sensor: JointStateSensor | None = None,
        time_step: float = DEFAULT_TIME_STEP,
        seed: int = 0,
        initial_positions: Sequence[float] | np.ndarray | None = None,
        *,
        effects: UnmodeledEffects | None = None,
    ) -> None:
        self._truth = truth if truth is not None else DEFAULT_TRUTH.get(robot, DynamicsParameters())
        self._plant = SimulatedRobot(
            robot, self._truth, time_step=time_step, seed=seed, initial_positions=initial_positions
        )
        self.sensor = sensor if sensor is not None else JointStateSensor(seed=seed)
        self._torques = np.zeros(self._plant.dof)
        self.delivered_torques = np.zeros(self._plant.dof)
        self._effects = NO_EFFECTS
        self._actuator = None
        self._state_now: JointState | None = None  # read from pybullet once per step, see _exact_state
        self._payload_applied = False
        try:
            self.set_effects(effects if effects is not None else NO_EFFECTS)
        except BaseException:
            self._plant.close()
            raise

    @classmethod
    def from_reality(
        cls,
        reality: StandInDescription,
        robot: str,
        *,
        seed: int = 0,
        time_step: float = DEFAULT_TIME_STEP,
        initial_positions: Sequence[float] | np.ndarray | None = None,
    ) -> PhysicalStandIn:
        """A stand-in that behaves like ``reality`` (for example a ``twin.gap.Reality``): its truth, its unmodeled
        effects, and a joint sensor with its noise, seeded with ``seed``. Close it, or use ``with``."""
        sensor = JointStateSensor(reality.position_noise_std, reality.velocity_noise_std, seed=seed)
        return cls(
            robot,
            reality.truth,
            sensor,
            time_step=time_step,
            seed=seed,
            initial_positions=initial_positions,
            effects=reality.effects,
        )

    def __repr__(self) -> str:
        return f"PhysicalStandIn({self.robot.name!r}, t={self.time:.3f} s, truth hidden, {self.sensor})"

    @property
    def robot(self) -> Robot:
        """The stand-in's robot, for drawing it. The twin itself only sees measurements."""
        return self._plant.robot

    @property
    def time(self) -> float:
        return self._plant.time

    @property
    def truth(self) -> DynamicsParameters:
        """The true parameters: for the teacher and the grader, never for the twin."""
        return self._truth

    def update_truth(self, **changes: float) -> DynamicsParameters:
        """Change the true dynamics while running (wear, a payload, ...): ``update_truth(joint_friction=0.1)``."""
        proposed = self._truth.with_changes(**changes)
        self._plant.set_parameters(proposed)  # validates first: a refused value changes nothing
        self._truth = proposed
        self._apply_payload()
        return self._truth

    @property
    def effects(self) -> UnmodeledEffects:
        """The unmodeled effects now switched on: for the teacher and the grader, never for the twin."""
        return self._effects

    def set_effects(self, effects: UnmodeledEffects) -> UnmodeledEffects:
        """Switch unmodeled effects on or off while running (resets the actuator's internal state)."""
        if not isinstance(effects, UnmodeledEffects):
            raise TypeError(f"effects must be an UnmodeledEffects, got {type(effects).__name__}.")
        actuator = None
        if effects.actuator is not None:
            from twin.actuators import ActuatorModel  # imported here: only stand-ins with an actuator need it

            actuator = ActuatorModel(effects.actuator, self._plant.dof, self._plant.time_step)
        self._effects = effects
        self._actuator = actuator
        self._apply_payload()
        return effects

    def _apply_payload(self) -> None:
        """Add ``effects.payload`` kg to the last link's mass, on top of the true mass scale."""
        last = self._plant.robot.links[-1]
        if last.index < 0 or last.mass <= 0 or not (self._effects.payload or self._payload_applied):
            return  # nothing carried now or before: leave the URDF's (scaled) mass untouched
        mass = last.mass * self._truth.mass_scale + self._effects.payload
        self._plant.world.client.changeDynamics(self._plant.robot.body_id, last.index, mass=mass)
        self._payload_applied = bool(self._effects.payload)

    def true_state(self) -> JointState:
        """The exact state, no noise: for plots that show what really happened, never for the twin."""
        return self._exact_state()

    def _exact_state(self) -> JointState:
        """The plant's joint state now. Only this class moves its plant, so one pybullet read serves the sensor,
        the true state and the damping until ``step`` or ``reset`` moves the joints; the arrays are read-only."""
        if self._state_now is None:
            rows = self._plant.robot.state_rows()
            rows.setflags(write=False)  # and so are the positions and velocities, views made of it from now on
            self._state_now = JointState.from_rows(rows)
        return self._state_now

    def measure(self) -> StateMeasurement:
        """Read the sensor: a noisy (and, with ``effects.sensor_bias``, biased) measurement of the joint state."""
        reading = self.sensor.measure(self._plant.time, self._exact_state())
        if not self._effects.sensor_bias:
            return reading
        return StateMeasurement(reading.time, reading.positions + self._effects.sensor_bias, reading.velocities)

    def apply(self, command: JointCommand) -> None:
        """Latch a command; it acts from the next ``step`` until replaced."""
        if command.torques.shape != self._torques.shape:
            raise ValueError(
                f"command has {command.torques.size} torques; {self.robot.name} has {self._plant.dof} joints "
                f"{list(self.robot.joint_names)}."
            )
        self._torques = command.torques

    def reset(
        self,
        positions: Sequence[float] | np.ndarray,
        velocities: Sequence[float] | np.ndarray | None = None,
        sensor_seed: int | None = None,
    ) -> None:
        """A new trial on the same robot: back at ``positions`` (rad), at rest or with ``velocities`` (rad/s),
        command zero, actuator state cleared. Time goes on; the sensor's noise sequence goes on too, unless
        ``sensor_seed`` restarts it (so that two controllers can be compared on the very same noise)."""
        if sensor_seed is not None:
            if not hasattr(self.sensor, "rng"):
                raise TypeError(f"{type(self.sensor).__name__} has no random generator `rng` to reseed.")
            self.sensor.rng = np.random.default_rng(sensor_seed)
        self._plant.set_state(positions, velocities)
        self._state_now = None
        self._torques = np.zeros(self._plant.dof)
        self.delivered_torques = np.zeros(self._plant.dof)
        if self._actuator is not None:
            self._actuator.reset()

    def step(self) -> None:
        """Advance the real dynamics one time step under the latched command, through the actuator if any."""
        torques = self._torques  # checked by apply(), or the zeros of a reset
        velocities = None if self._state_now is None else self._state_now.velocities  # the damping's, if read
        if self._actuator is not None:
            state = self._exact_state()
            torques = np.asarray(self._actuator.torques(torques, state.positions, state.velocities), dtype=float)
            velocities = state.velocities
        self.delivered_torques = torques
        self._plant.advance(torques, velocities)
        self._state_now = None

    def close(self) -> None:
        self._plant.close()

    def __enter__(self) -> PhysicalStandIn:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()
