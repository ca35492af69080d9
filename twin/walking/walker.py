"""A planar biped that walks by a parametrised gait, on flat ground or on a ``Terrain``.

The robot is pybullet_data's ``biped/biped2d_pybullet.urdf`` (with point contacts under its soles): a
70 kg torso on two legs (hip, knee, ankle each), held in the y-z plane
by two prismatic joints and a pitch joint. It walks along +y.

The gait is phase based: a clock at ``frequency`` Hz drives joint references, the left leg half a
cycle behind the right one::

    hip   = hip_offset + (hip_amplitude + speed_gain (speed - target_speed)) sin(phase)
            + pitch_gain pitch + pitch_rate_gain pitch_rate + scan_gain grade_ahead
    knee  = knee_offset - knee_amplitude max(0, sin(phase + knee_phase))      (flexes in swing)
    ankle = ankle_offset + ankle_amplitude sin(phase)

``pitch`` (rad, positive: leaning back) and its rate are the balance feedback. ``speed`` (m/s, forward) feeds
the step length: a robot that runs ahead of ``target_speed`` takes longer steps and catches itself, as people
lengthen their stride when they stumble forward (Raibert's foot placement, in a phase gait's terms). The
planar biped cannot roll, so pitch is its only attitude feedback. ``grade_ahead`` is the
rise over run of the ground 0.1..0.5 m ahead, read from the terrain's height scan. Joints follow the
references with pybullet's position motors, whose torque is capped (``motor_strength`` x limits).
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from types import TracebackType

import numpy as np

from twin.core.checks import check_number
from twin.sim._quiet import quiet_c_output
from twin.sim.world import World
from twin.walking.terrain import Terrain, flat_terrain

# pybullet_data's biped/biped2d_pybullet.urdf with sphere contacts at the sole corners (see the file)
URDF = str(Path(__file__).with_name("assets") / "biped2d_sphere_feet.urdf")
Y_JOINT, Z_JOINT, PITCH_JOINT = 0, 1, 2
LEG_JOINTS = (3, 4, 5, 6, 7, 8)  # right hip, knee, ankle, left hip, knee, ankle
FOOT_LINKS = (5, 8)
TORQUE_LIMITS = (600.0, 600.0, 200.0) * 2  # N m at hip, knee, ankle (x motor_strength)
SOLE_BELOW_BASE = 0.303  # m: the soles sit this far above the base origin with straight legs
TORSO_ABOVE_BASE = 1.4  # m: the torso's centre above the base origin
FALL_PITCH = 0.8  # rad: the torso has fallen when it leans further than this
FALL_HEIGHT = 0.7  # m: ... or when its centre is lower than this above the ground beneath it
SCAN_AHEAD = np.linspace(0.1, 0.5, 5)  # m: where the height scan looks, ahead of the torso


@dataclass(frozen=True)
class Gait:
    """The gait's parameters: angles in rad, frequency in Hz, gains in rad per rad (and per rad/s)."""

    frequency: float = 1.0
    hip_amplitude: float = 0.3
    hip_offset: float = 0.1
    knee_amplitude: float = 0.5
    knee_phase: float = 0.5
    knee_offset: float = 0.0
    ankle_amplitude: float = 0.1
    ankle_offset: float = 0.0
    pitch_gain: float = 0.5
    pitch_rate_gain: float = 0.1
    scan_gain: float = 0.0
    speed_gain: float = 0.0
    target_speed: float = 0.5

    def __post_init__(self) -> None:
        for f in fields(self):
            value = getattr(self, f.name)
            if isinstance(value, bool) or not isinstance(value, int | float | np.integer | np.floating):
                raise ValueError(f"Gait.{f.name}={value!r} must be a number.")
            if not math.isfinite(float(value)):
                raise ValueError(f"Gait.{f.name}={value!r} is not finite: give a number, e.g. {BOUNDS[f.name][0]}.")
            low, high = BOUNDS[f.name]
            if not low <= float(value) <= high:
                raise ValueError(
                    f"Gait.{f.name}={float(value):g} is outside {low:g}..{high:g} ({UNITS[f.name]}); "
                    "choose a value inside that range."
                )

    @classmethod
    def names(cls) -> tuple[str, ...]:
        return tuple(f.name for f in fields(cls))

    def as_vector(self) -> np.ndarray:
        """The parameters in ``Gait.names()`` order."""
        return np.array([getattr(self, n) for n in self.names()], dtype=float)

    @classmethod
    def from_vector(cls, vector: Sequence[float] | np.ndarray) -> Gait:
        """A gait from numbers in ``Gait.names()`` order; a wrong length or NaN says which."""
        v = np.asarray(vector, dtype=float).ravel()
        names = cls.names()
        if v.size != len(names):
            raise ValueError(f"a gait needs {len(names)} numbers in this order: {', '.join(names)}; got {v.size}.")
        bad = [n for n, x in zip(names, v, strict=True) if not math.isfinite(x)]
        if bad:
            raise ValueError(f"gait parameters {bad} are NaN or infinite; give finite numbers.")
        return cls(**{n: float(x) for n, x in zip(names, v, strict=True)})

    def as_dict(self) -> dict[str, float]:
        return asdict(self)

    def clipped(self) -> Gait:
        """The same gait with every parameter moved inside its bounds."""
        v = np.clip(self.as_vector(), LOWER, UPPER)
        return Gait.from_vector(v)


BOUNDS: dict[str, tuple[float, float]] = {
    "frequency": (0.3, 3.0),
    "hip_amplitude": (-1.2, 1.2),
    "hip_offset": (-1.2, 1.2),
    "knee_amplitude": (-1.5, 1.5),
    "knee_phase": (-math.pi, math.pi),
    "knee_offset": (-1.5, 1.5),
    "ankle_amplitude": (-1.0, 1.0),
    "ankle_offset": (-1.0, 1.0),
    "pitch_gain": (-3.0, 3.0),
    "pitch_rate_gain": (-1.0, 1.0),
    "scan_gain": (-3.0, 3.0),
    "speed_gain": (-1.0, 1.0),
    "target_speed": (0.0, 1.5),
}
UNITS: dict[str, str] = {
    "frequency": "Hz",
    "hip_amplitude": "rad",
    "hip_offset": "rad",
    "knee_amplitude": "rad",
    "knee_phase": "rad",
    "knee_offset": "rad",
    "ankle_amplitude": "rad",
    "ankle_offset": "rad",
    "pitch_gain": "rad per rad of pitch",
    "pitch_rate_gain": "rad per rad/s of pitch rate",
    "scan_gain": "rad per unit grade ahead",
    "speed_gain": "rad of hip swing per m/s of speed error",
    "target_speed": "m/s",
}
LOWER = np.array([BOUNDS[n][0] for n in Gait.names()])
UPPER = np.array([BOUNDS[n][1] for n in Gait.names()])

# A first guess tuned by hand: one stride a second, a little knee lift, some pitch feedback, no speed feedback.
# It lurches and falls backwards within a second (0.78 s on flat ground): the starting point the optimiser
# improves on.
HAND_TUNED = Gait(
    frequency=1.0,
    hip_amplitude=0.3,
    hip_offset=0.0,
    knee_amplitude=0.5,
    knee_phase=0.5,
    knee_offset=-0.1,
    ankle_amplitude=0.1,
    ankle_offset=0.0,
    pitch_gain=0.5,
    pitch_rate_gain=0.1,
)


@dataclass(frozen=True)
class WalkerDynamics:
    """The physical parameters a twin may get wrong. Nominal values are the URDF's.

    Args:
        mass_scale: every link's mass x this (a payload, a heavier battery).
        foot_friction: friction coefficient of the soles.
        motor_strength: torque limits x this (a weak battery, a worn gearbox).
        latency: delay between measuring and acting (s).
    """

    mass_scale: float = 1.0
    foot_friction: float = 1.0
    motor_strength: float = 1.0
    latency: float = 0.0

    def __post_init__(self) -> None:
        for name, low in (("mass_scale", 0.1), ("foot_friction", 0.0), ("motor_strength", 0.05), ("latency", 0.0)):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int | float | np.integer | np.floating):
                raise ValueError(f"WalkerDynamics.{name}={value!r} must be a number.")
            if not (math.isfinite(float(value)) and float(value) >= low):
                raise ValueError(f"WalkerDynamics.{name}={value!r} must be a finite number >= {low}.")
        if self.latency > 0.2:
            raise ValueError(f"latency={self.latency} s is beyond 0.2 s, where no gait here balances; use 0..0.1 s.")


NOMINAL = WalkerDynamics()


@dataclass(frozen=True)
class WalkResult:
    """How one walk went. Distances in m, times in s, energy in J.

    ``fell``: the torso leaned past 0.8 rad or sank below 0.7 m above the ground; then ``fall_y`` is
    where (m along the course), ``fall_slope_deg`` the ground's slope there and ``fall_reason`` why.
    ``cost_of_transport`` is energy / (weight x distance), dimensionless (inf when it did not advance).
    """

    distance: float
    duration: float
    fell: bool
    fall_time: float
    fall_y: float
    fall_slope_deg: float
    fall_reason: str
    energy: float
    cost_of_transport: float

    @property
    def speed(self) -> float:
        """Mean forward speed (m/s) over the time it walked."""
        return self.distance / self.fall_time if self.fell and self.fall_time > 0 else self.distance / self.duration


def joint_references(
    gait: Gait, time: float, pitch: float, pitch_rate: float, grade_ahead: float, speed: float = 0.0
) -> np.ndarray:
    """The six leg-joint references (rad) at ``time`` (s): right hip, knee, ankle, left hip, knee, ankle.

    ``pitch`` in rad, ``pitch_rate`` in rad/s, ``grade_ahead`` in m/m, ``speed`` forward in m/s.
    """
    phase = 2.0 * math.pi * gait.frequency * time
    balance = gait.pitch_gain * pitch + gait.pitch_rate_gain * pitch_rate + gait.scan_gain * grade_ahead
    stride = gait.hip_amplitude + gait.speed_gain * (speed - gait.target_speed)
    out = np.empty(6)
    for leg, shift in ((0, 0.0), (1, math.pi)):
        s = phase + shift
        out[3 * leg] = gait.hip_offset + stride * math.sin(s) + balance
        out[3 * leg + 1] = gait.knee_offset - gait.knee_amplitude * max(0.0, math.sin(s + gait.knee_phase))
        out[3 * leg + 2] = gait.ankle_offset + gait.ankle_amplitude * math.sin(s)
    return out


class BipedWalker:
    """The planar biped on a terrain, in its own pybullet world (DIRECT). Use as a context manager.

    ::

        with BipedWalker(terrain, dynamics) as walker:
            result = walker.walk(gait, duration=8.0)
    """

    def __init__(
        self, terrain: Terrain | None = None, dynamics: WalkerDynamics = NOMINAL, time_step: float = 1.0 / 240.0
    ) -> None:
        if not isinstance(dynamics, WalkerDynamics):
            raise ValueError(f"dynamics must be a WalkerDynamics, got {type(dynamics).__name__}.")
        self.terrain = terrain if terrain is not None else flat_terrain()
        self.dynamics = dynamics
        self.world = World(time_step=time_step)
        c = self.world.client
        self.terrain_body = self.terrain.add_to(c)
        start_height = float(self.terrain.height_at(0.0))
        with quiet_c_output():
            self.body = c.loadURDF(URDF, [0.0, 0.0, start_height - SOLE_BELOW_BASE + 0.002], useFixedBase=True)
        for joint in (Y_JOINT, Z_JOINT, PITCH_JOINT):
            c.setJointMotorControl2(self.body, joint, c.VELOCITY_CONTROL, force=0.0)
        for link in range(-1, c.getNumJoints(self.body)):
            mass = c.getDynamicsInfo(self.body, link)[0]
            if mass > 0:
                c.changeDynamics(self.body, link, mass=mass * dynamics.mass_scale)
        for link in FOOT_LINKS:
            c.changeDynamics(self.body, link, lateralFriction=dynamics.foot_friction)
        self.total_mass = sum(c.getDynamicsInfo(self.body, k)[0] for k in range(c.getNumJoints(self.body)))
        self.forces = [f * dynamics.motor_strength for f in TORQUE_LIMITS]
        self.delay_steps = int(round(dynamics.latency / time_step))

    def __enter__(self) -> BipedWalker:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def close(self) -> None:
        self.world.close()

    def grade_ahead(self, y: float) -> float:
        """Height scan: rise over run (m/m) of the ground 0.1..0.5 m ahead of ``y``, least squares."""
        ahead = np.asarray(self.terrain.height_at(y + SCAN_AHEAD)) - float(self.terrain.height_at(y))
        return float(np.dot(SCAN_AHEAD, ahead) / np.dot(SCAN_AHEAD, SCAN_AHEAD))

    def walk(
        self, gait: Gait, duration: float = 8.0, on_step: Callable[[BipedWalker, float], None] | None = None
    ) -> WalkResult:
        """Walk ``gait`` for ``duration`` s from standing at y = 0, or until it falls.

        ``on_step(walker, time)`` is called after every physics step (for recordings).
        """
        if not isinstance(gait, Gait):
            raise ValueError(f"gait must be a Gait (Gait.from_vector(numbers) makes one), got {type(gait).__name__}.")
        duration = check_number("duration", duration, "s", low=0.0, high=120.0, low_open=True, hint="e.g. 8")
        c, body, dt = self.world.client, self.body, self.world.time_step
        first = np.zeros(len(LEG_JOINTS))  # it starts standing straight; commands before the first act keep it so
        pending: deque[np.ndarray] = deque([first] * (self.delay_steps + 1), maxlen=self.delay_steps + 1)
        energy = 0.0
        steps = int(round(duration / dt))
        y = 0.0
        for i in range(steps):
            t = i * dt
            base = c.getJointStates(body, (Y_JOINT, Z_JOINT, PITCH_JOINT))
            y, speed, z, pitch, pitch_rate = base[0][0], base[0][1], base[1][0], base[2][0], base[2][1]
            ground = float(self.terrain.height_at(y))
            torso_height = z + TORSO_ABOVE_BASE - ground
            reason = ""
            if abs(pitch) > FALL_PITCH:
                reason = f"torso leaned {math.degrees(pitch):+.0f} degrees"
            elif torso_height < FALL_HEIGHT:
                reason = f"torso sank to {torso_height:.2f} m above the ground"
            if reason:
                return self._result(y, duration, True, t, reason, energy)
            grade = self.grade_ahead(y) if gait.scan_gain != 0.0 else 0.0
            pending.append(joint_references(gait, t, pitch, pitch_rate, grade, speed))
            c.setJointMotorControlArray(
                body, LEG_JOINTS, c.POSITION_CONTROL, targetPositions=pending[0].tolist(), forces=self.forces
            )
            self.world.step()
            legs = c.getJointStates(body, LEG_JOINTS)
            energy += sum(abs(s[1] * s[3]) for s in legs) * dt
            if on_step is not None:
                on_step(self, t + dt)
        return self._result(y, duration, False, duration, "", energy)

    def _result(self, y: float, duration: float, fell: bool, time: float, reason: str, energy: float) -> WalkResult:
        weight = self.total_mass * self.world.gravity
        cot = energy / (weight * y) if y > 0.05 else math.inf
        return WalkResult(
            distance=float(y),
            duration=float(duration),
            fell=fell,
            fall_time=float(time),
            fall_y=float(y) if fell else math.nan,
            fall_slope_deg=self.terrain.slope_at(y) if fell else math.nan,
            fall_reason=reason,
            energy=float(energy),
            cost_of_transport=float(cot),
        )


def simulate(
    gait: Gait, terrain: Terrain | None = None, dynamics: WalkerDynamics = NOMINAL, duration: float = 8.0
) -> WalkResult:
    """One walk in a fresh world; deterministic for the same inputs (also across processes)."""
    with BipedWalker(terrain, dynamics) as walker:
        return walker.walk(gait, duration)


@dataclass(frozen=True)
class DynamicsRanges:
    """Uniform ranges of ``WalkerDynamics`` to randomise the twin over (domain randomisation).

    ``twin.gap.Randomization`` describes a fixed-base joint's reality (payload at the last link, gear
    backlash, DC-motor voltage); a walking biped needs sole friction and whole-body mass instead, so it
    gets this small sampler. Defaults follow the spirit of Tan et al. (2018): masses 85-130 %, friction
    0.4-1.1, motor strength 65-110 %, latency 0-40 ms.
    """

    mass_scale: tuple[float, float] = (0.85, 1.3)
    foot_friction: tuple[float, float] = (0.4, 1.1)
    motor_strength: tuple[float, float] = (0.65, 1.1)
    latency: tuple[float, float] = (0.0, 0.04)

    def __post_init__(self) -> None:
        for f in fields(self):
            low, high = getattr(self, f.name)
            if not (math.isfinite(low) and math.isfinite(high) and low <= high):
                raise ValueError(f"DynamicsRanges.{f.name}=({low}, {high}) must be finite with low <= high.")
            WalkerDynamics(**{f.name: low}), WalkerDynamics(**{f.name: high})  # each end must be physical

    def sample(self, rng: np.random.Generator) -> WalkerDynamics:
        """One draw, every value uniform in its range."""
        return WalkerDynamics(**{f.name: float(rng.uniform(*getattr(self, f.name))) for f in fields(self)})

    def contains(self, dynamics: WalkerDynamics) -> bool:
        return all(getattr(self, n)[0] <= getattr(dynamics, n) <= getattr(self, n)[1] for n in asdict(dynamics))
