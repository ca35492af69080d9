"""The actuator between a controller's torque command and the joint, vectorised over joints.

What happens to a command on its way to the joint, in this order:

1. **latency**: it arrives ``latency`` seconds late (a queue of whole simulation steps: the delay is
   ``round(latency / time_step)`` steps; ``applied_latency`` says what was used);
2. **motor** (if any): back-EMF and the supply voltage, the current limit and the torque-current curve
   bound what the motor can deliver at the joint's speed;
3. **strength**: the delivered torque times a strength factor (a weaker or stronger motor than nominal);
4. **torque limit**: a symmetric saturation at ``torque_limit``;
5. **backlash**: the gear teeth have ``backlash`` rad of play; while the motor crosses the gap (driven by
   the torque, against its own inertia ``motor_inertia``) no torque reaches the joint;
6. **gear friction**: Coulomb friction ``gear_friction`` in the gearbox opposes motion; at rest it absorbs up
   to that much of the *motor's* torque (a breakaway threshold; speeds below ``stick_velocity`` count as rest).
   The model sees only the motor's torque, not the load's, so it cannot hold a joint still against gravity or
   other external torques: a loaded joint creeps, its friction torque flipping sign each step. To hold a loaded
   joint, use the plant's implicit joint friction (``DynamicsParameters.joint_friction``).

With ``ActuatorParameters()`` every stage is off and ``torques`` returns the command exactly.
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass, fields, replace

import numpy as np

from twin.actuators.dc_motor import DCMotor


@dataclass(frozen=True)
class ActuatorParameters:
    """How a real actuator differs from an ideal torque source (defaults: ideal).

    Attributes:
        torque_limit: symmetric saturation, N m (inf = none).
        latency: delay from command to torque, s; applied as a whole number of simulation steps (rounded).
        backlash: total play in the gears, rad (0 = none).
        gear_friction: Coulomb friction in the gearbox, N m (0 = none).
        motor: a ``DCMotor``; if given, back-EMF and the current limit shape the available torque.
        strength: motor strength factor, delivered / nominal torque (1.0 = nominal; Tan et al. randomise 0.8-1.2).
        motor_inertia: rotor inertia seen at the joint (``J_rotor N^2``), kg m^2; sets how long the motor takes
            to cross the backlash gap. Only used when ``backlash > 0``.
        stick_velocity: joint speed below which the gearbox counts as at rest for friction, rad/s.
    """

    torque_limit: float = math.inf
    latency: float = 0.0
    backlash: float = 0.0
    gear_friction: float = 0.0
    motor: DCMotor | None = None
    strength: float = 1.0
    motor_inertia: float = 1e-3
    stick_velocity: float = 1e-3

    def __post_init__(self) -> None:
        for f in fields(self):
            if f.name == "motor":
                continue
            value = getattr(self, f.name)
            if isinstance(value, bool) or not isinstance(value, int | float | np.floating) or math.isnan(value):
                raise ValueError(f"ActuatorParameters.{f.name}={value!r} must be a number.")
        if self.torque_limit <= 0:
            raise ValueError(f"torque_limit={self.torque_limit} N m must be > 0 (math.inf = no saturation).")
        finite = ("latency", "backlash", "gear_friction", "strength", "motor_inertia", "stick_velocity")
        for name in finite:
            if not math.isfinite(getattr(self, name)):
                raise ValueError(f"ActuatorParameters.{name}={getattr(self, name)} must be finite.")
        for name, unit, meaning in (
            ("latency", "s", "0 = no delay"),
            ("backlash", "rad", "0 = no play"),
            ("gear_friction", "N m", "0 = frictionless gears"),
        ):
            if getattr(self, name) < 0:
                raise ValueError(f"{name}={getattr(self, name)} {unit} must be >= 0 ({meaning}).")
        if self.strength <= 0:
            raise ValueError(f"strength={self.strength} must be > 0 (1.0 = nominal; Tan et al. use 0.8-1.2).")
        if self.motor_inertia <= 0:
            raise ValueError(f"motor_inertia={self.motor_inertia} kg m^2 must be > 0.")
        if self.stick_velocity <= 0:
            raise ValueError(f"stick_velocity={self.stick_velocity} rad/s must be > 0 (e.g. 1e-3).")
        if self.motor is not None and not isinstance(self.motor, DCMotor):
            raise TypeError(f"motor must be a twin.actuators.DCMotor or None, got {type(self.motor).__name__}.")

    @property
    def is_ideal(self) -> bool:
        """True when every stage is off: torques pass through unchanged."""
        return (
            self.motor is None
            and self.torque_limit == math.inf
            and self.latency == 0
            and self.backlash == 0
            and self.gear_friction == 0
            and self.strength == 1.0
        )

    def with_changes(self, **changes: object) -> ActuatorParameters:
        """A copy with some fields changed; unknown names raise an error listing the valid ones."""
        valid = {f.name for f in fields(self)}
        unknown = set(changes) - valid
        if unknown:
            raise TypeError(f"Unknown actuator parameter(s) {sorted(unknown)}; valid: {sorted(valid)}.")
        return replace(self, **changes)  # type: ignore[arg-type]


class ActuatorModel:
    """Turns commanded joint torques into delivered joint torques, one simulation step at a time.

    Args:
        parameters: what the actuator does (``ActuatorParameters()`` = ideal).
        n_joints: how many joints it drives (every joint gets the same parameters and its own state).
        time_step: the simulation step, s; ``torques`` must be called exactly once per step.
    """

    def __init__(self, parameters: ActuatorParameters, n_joints: int, time_step: float) -> None:
        if not isinstance(parameters, ActuatorParameters):
            raise TypeError(f"parameters must be twin.actuators.ActuatorParameters, got {type(parameters).__name__}.")
        if isinstance(n_joints, bool) or not isinstance(n_joints, int | np.integer) or n_joints < 0:
            raise ValueError(f"n_joints={n_joints!r} must be a whole number >= 0.")
        number = isinstance(time_step, int | float | np.floating) and not isinstance(time_step, bool)
        if not number or not 0 < time_step < math.inf:
            raise ValueError(f"time_step={time_step!r} s must be a finite number > 0 (e.g. 1/240).")
        self.parameters = parameters
        self.n_joints = int(n_joints)
        self.time_step = float(time_step)
        self.latency_steps = int(round(parameters.latency / self.time_step))
        self.reset()

    @property
    def applied_latency(self) -> float:
        """The delay actually applied, s: the requested latency rounded to whole time steps."""
        return self.latency_steps * self.time_step

    def reset(self) -> None:
        """Forget the past: empty latency queue (zero torque until the first command comes out), motor centred
        in the backlash gap and at rest."""
        zero = np.zeros(self.n_joints)
        self._queue: deque[np.ndarray] = deque([zero.copy() for _ in range(self.latency_steps)])
        self.gap_position = zero.copy()  # motor angle minus joint angle, rad, in [-backlash/2, backlash/2]
        self._motor_velocity: np.ndarray | None = None  # rad/s at the joint side; None = moves with the joint

    def _vector(self, name: str, values: np.ndarray) -> np.ndarray:
        array = np.asarray(values, dtype=float)
        if array.shape != (self.n_joints,):
            raise ValueError(f"{name} must have one value per joint, shape ({self.n_joints},); got {array.shape}.")
        if not np.all(np.isfinite(array)):
            raise ValueError(f"{name} contains NaN or inf: {array}.")
        return array

    def torques(self, commanded: np.ndarray, joint_positions: np.ndarray, joint_velocities: np.ndarray) -> np.ndarray:
        """The torque (N m) delivered at each joint this step for this step's command (N m), at the joints'
        positions (rad) and velocities (rad/s)."""
        tau = self._vector("commanded", commanded).copy()
        self._vector("joint_positions", joint_positions)
        qd = self._vector("joint_velocities", joint_velocities)
        p = self.parameters
        if self.latency_steps:
            self._queue.append(tau)
            tau = self._queue.popleft()
        if p.motor is not None:
            tau = p.motor.deliver(tau, qd)
        if p.strength != 1.0:
            tau = p.strength * tau
        if p.torque_limit != math.inf:
            tau = np.clip(tau, -p.torque_limit, p.torque_limit)
        if p.backlash > 0:
            tau = self._through_backlash(tau, qd)
        if p.gear_friction > 0:
            tau = self._through_friction(tau, qd)
        return tau

    def _through_backlash(self, tau: np.ndarray, qd: np.ndarray) -> np.ndarray:
        """Transmit torque only where the motor presses on a tooth; elsewhere the motor crosses the gap."""
        half = self.parameters.backlash / 2
        motor_velocity = qd.copy() if self._motor_velocity is None else self._motor_velocity
        gap = self.gap_position
        pushing = np.sign(tau)
        engaged = (pushing != 0) & (np.abs(gap - pushing * half) < 1e-12)
        # free motors: accelerate under the torque (semi-implicit Euler), the joint moves on its own
        free = ~engaged
        motor_velocity = np.where(free, motor_velocity + tau / self.parameters.motor_inertia * self.time_step, qd)
        new_gap = np.where(free, gap + (motor_velocity - qd) * self.time_step, gap)
        hit = np.abs(new_gap) >= half
        new_gap = np.clip(new_gap, -half, half)
        motor_velocity = np.where(hit, qd, motor_velocity)  # an inelastic tooth impact: the motor joins the joint
        self.gap_position = new_gap
        self._motor_velocity = motor_velocity
        return np.where(engaged, tau, 0.0)

    def _through_friction(self, tau: np.ndarray, qd: np.ndarray) -> np.ndarray:
        """Coulomb friction: -F sign(qd) when moving; at rest it cancels up to F of the motor's torque."""
        friction = self.parameters.gear_friction
        moving = np.abs(qd) > self.parameters.stick_velocity
        sliding = tau - friction * np.sign(qd)
        sticking = np.sign(tau) * np.maximum(np.abs(tau) - friction, 0.0)
        return np.where(moving, sliding, sticking)

    def __repr__(self) -> str:
        return f"ActuatorModel({self.parameters}, n_joints={self.n_joints}, time_step={self.time_step:.6g})"
