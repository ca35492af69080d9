"""Force/torque sensing: the wrench a joint transmits (a wrist or ankle F/T sensor) and contact forces under feet.

A six-axis F/T sensor sits between two links and reports the force (N) and torque (N m) one side applies to
the other. In pybullet that is the joint *reaction wrench*, available once ``enableJointForceTorqueSensor`` is
switched on for the joint. Real strain-gauge sensors add

- an offset (the reading with no load, until someone "tares" the sensor),
- drift (the offset wanders with temperature: a random walk, N/sqrt(s)),
- white noise (N, N m), and
- a low-pass filter (the electronics' anti-aliasing filter; first order with a cut-off frequency in Hz),

all of which this module models. Contact forces under a foot come from ``getContactPoints``.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from numbers import Integral
from typing import TYPE_CHECKING

import numpy as np

from twin.core.checks import check_count
from twin.sensors._common import SensorBase, check_non_negative, check_positive

if TYPE_CHECKING:
    from twin.sim.robots import Robot
    from twin.sim.world import World


def _check_cutoff(cutoff_hz: object) -> float:
    if isinstance(cutoff_hz, int | float) and cutoff_hz == float("inf"):
        return float("inf")
    return check_positive("cutoff_hz", cutoff_hz, "Hz", "e.g. 50 Hz, or float('inf') for no filter")


def _six(name: str, value: object) -> np.ndarray:
    """``value`` as six floats (Fx, Fy, Fz in N, Tx, Ty, Tz in N m); one number applies to all six."""
    try:
        array = np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        raise TypeError(f"{name} must be numbers: one value or six (Fx, Fy, Fz, Tx, Ty, Tz), got {value!r}.") from None
    if array.size not in (1, 6) or array.ndim > 1:
        raise ValueError(
            f"{name}={value!r} has {array.size} values; give one value (all axes) or six "
            "(Fx, Fy, Fz in N, Tx, Ty, Tz in N m)."
        )
    v = np.broadcast_to(array.reshape(-1), (6,)).copy()
    if not np.all(np.isfinite(v)):
        raise ValueError(f"{name} must be finite: one value or six (Fx, Fy, Fz in N, Tx, Ty, Tz in N m).")
    return v


@dataclass(frozen=True)
class WrenchNoise:
    """Error model of a six-axis F/T sensor (values: one for all axes, or six: Fx, Fy, Fz in N, Tx, Ty, Tz in N m).

    Attributes:
        offset: constant reading with no load.
        drift_density: random-walk density of the offset, per sqrt(s).
        noise_std: white noise standard deviation per sample.
        cutoff_hz: first-order low-pass cut-off (Hz); inf for no filter.
    """

    offset: tuple[float, ...] | float = 0.0
    drift_density: tuple[float, ...] | float = 0.0
    noise_std: tuple[float, ...] | float = 0.0
    cutoff_hz: float = float("inf")

    def __post_init__(self) -> None:
        _six("offset", self.offset)
        for name in ("drift_density", "noise_std"):
            if np.any(_six(name, getattr(self, name)) < 0):
                raise ValueError(f"{name}={getattr(self, name)!r} must be >= 0 on every axis (0 switches it off).")
        _check_cutoff(self.cutoff_hz)

    def with_changes(self, **changes: object) -> WrenchNoise:
        return replace(self, **changes)  # type: ignore[arg-type]


# A mid-size six-axis sensor (ATI Mini45-class: resolution about 1/16 N and 1/1000 N m; offsets and drift
# of a few resolution steps; a 100 Hz output filter). Numbers of this order appear in such datasheets.
MINI45_LIKE = WrenchNoise(
    offset=(0.8, -0.5, 1.5, 0.01, -0.02, 0.005),
    drift_density=(0.05, 0.05, 0.1, 0.001, 0.001, 0.001),
    noise_std=(0.06, 0.06, 0.12, 0.002, 0.002, 0.001),
    cutoff_hz=100.0,
)


class LowPass:
    """First-order low-pass filter, y += alpha (x - y) with alpha = dt / (dt + 1 / (2 pi f_c))."""

    def __init__(self, cutoff_hz: float, dt: float) -> None:
        self.cutoff_hz = _check_cutoff(cutoff_hz)
        self.dt = check_positive("dt", dt, "s", "the sample period")
        self.alpha = 1.0 if np.isinf(cutoff_hz) else dt / (dt + 1.0 / (2.0 * np.pi * cutoff_hz))
        self.state: np.ndarray | None = None

    def __call__(self, x: np.ndarray) -> np.ndarray:
        x = np.asarray(x, dtype=float)
        self.state = x.copy() if self.state is None else self.state + self.alpha * (x - self.state)
        return self.state.copy()


@dataclass(frozen=True)
class WrenchSample:
    """One reading at ``time`` (s): ``wrench`` (6,) as measured and ``true_wrench`` (6,), both in the sensor frame
    (N for Fx, Fy, Fz; N m for Tx, Ty, Tz); ``world_force`` and ``true_world_force`` (3,) the measured and the
    true force turned into world axes (N)."""

    time: float
    wrench: np.ndarray
    true_wrench: np.ndarray
    world_force: np.ndarray
    true_world_force: np.ndarray


class ForceTorqueSensor(SensorBase):
    """A six-axis F/T sensor in a joint of a robot (for example the humanoid's ankle or the arm's wrist).

    The sensor frame is the joint's child-link frame. pybullet reports the wrench the parent link applies to the
    child link through the joint: at a standing humanoid's ankle the force points down (the shin pushes the foot
    into the floor) and equals the weight of everything above the foot.

    Args:
        robot: a ``twin.sim.Robot``. joint: joint name or index.
        noise: error model (default ``MINI45_LIKE``). rate_hz, seed, ideal: as every sensor.
    """

    def __init__(
        self,
        robot: Robot,
        joint: str | int,
        *,
        noise: WrenchNoise = MINI45_LIKE,
        rate_hz: float = 240.0,
        seed: int = 0,
        ideal: bool = False,
    ) -> None:
        world = robot.world
        super().__init__(rate_hz=rate_hz, seed=seed, ideal=ideal, world=world)
        if not isinstance(noise, WrenchNoise):
            raise TypeError(f"noise must be a WrenchNoise, e.g. WrenchNoise(noise_std=0.05), got {noise!r}.")
        self.robot = robot
        self.world = world
        if isinstance(joint, str):
            info = robot.joint(joint)
        else:  # an index: -1 would be Python's last joint, which is no joint anyone means
            names = [j.name for j in robot.joints]
            if isinstance(joint, bool) or not isinstance(joint, Integral) or not 0 <= joint < len(names):
                raise ValueError(
                    f"joint={joint!r} is not a joint of {robot.name}: give an index 0..{len(names) - 1} or a name "
                    f"from {names}."
                )
            index = int(joint)
            info = robot.joints[index]
        self.joint_index = info.index
        self.joint_name = info.name
        self.noise = noise
        world.client.enableJointForceTorqueSensor(robot.body_id, self.joint_index, True)
        self.filter = LowPass(noise.cutoff_hz, 1.0 / self.clock.effective_rate)
        self.drift = np.zeros(6)

    def __repr__(self) -> str:
        mode = "ideal" if self.ideal else "noisy"
        return f"ForceTorqueSensor({self.robot.name}.{self.joint_name}, {self.rate_hz:g} Hz, seed={self.seed}, {mode})"

    def _frame_rotation(self) -> np.ndarray:
        c = self.world.client
        orientation = c.getLinkState(self.robot.body_id, self.joint_index, computeForwardKinematics=1)[5]
        return np.asarray(c.getMatrixFromQuaternion(orientation)).reshape(3, 3)

    def true_wrench(self) -> np.ndarray:
        """The reaction wrench (6,) pybullet computed in the last step, sensor frame (N, N m)."""
        c = self.world.client
        if self.robot.joints[self.joint_index].type == "spherical":
            state = c.getJointStateMultiDof(self.robot.body_id, self.joint_index)
        else:
            state = c.getJointState(self.robot.body_id, self.joint_index)
        return np.asarray(state[2], dtype=float)

    def read(self) -> WrenchSample:
        """One reading now (ignores the rate): offset + drift + noise, then the low-pass filter."""
        true = self.true_wrench()
        if self.ideal:
            measured = true.copy()  # its own array: subtracting a tare from it must leave true_wrench as it was
        else:
            dt = 1.0 / self.clock.effective_rate
            self.drift += _six("drift_density", self.noise.drift_density) * np.sqrt(dt) * self.rng.standard_normal(6)
            raw = true + _six("offset", self.noise.offset) + self.drift
            raw = raw + _six("noise_std", self.noise.noise_std) * self.rng.standard_normal(6)
            measured = self.filter(raw)
        rotation = self._frame_rotation()
        return WrenchSample(self.world.time, measured, true, rotation @ measured[:3], rotation @ true[:3])

    def poll(self) -> WrenchSample | None:
        """Call after each ``world.step()``: a reading when one is due at ``rate_hz``, else None."""
        if not self.clock.due(self.world.time):
            return None
        return self.read()

    def tare(self, samples: int = 1) -> np.ndarray:
        """What a technician does before use: measure the unloaded reading (averaging ``samples`` reads) and
        return it, to subtract from later readings. Only meaningful with no load on the sensor."""
        samples = check_count("samples", samples, "reads to average", low=1)
        readings = [self.read().wrench for _ in range(samples)]
        return np.mean(readings, axis=0)


@dataclass(frozen=True)
class ContactForces:
    """Contacts between one link and the rest of the world, summed: ``normal_force`` (N, world z-up component of
    the total), ``total_force`` (3,) N in world axes, ``center_of_pressure`` (3,) m (NaN with no contact),
    ``points`` (k, 3) and per-point ``forces`` (k, 3); ``pressing_force`` (N) the sum of the normal forces'
    magnitudes (how hard a finger pad squeezes) and ``friction_force`` (N) the magnitude of the summed friction."""

    normal_force: float
    total_force: np.ndarray
    center_of_pressure: np.ndarray
    points: np.ndarray
    forces: np.ndarray
    pressing_force: float = 0.0
    friction_force: float = 0.0


def contact_forces(
    world: World, body_id: int, link_index: int, *, noise_std: float = 0.0, rng=None, other_body: int | None = None
) -> ContactForces:
    """The force the world pushes onto one link (e.g. a foot) through its contacts, and where (centre of pressure).

    ``other_body`` keeps only the contacts with that body (a finger pad and the object it holds).

    Each pybullet contact point gives a normal force (along the normal from the other body onto this one) and two
    friction forces; the centre of pressure is the normal-force-weighted mean of the points. ``noise_std`` (N)
    adds white noise to each point's normal force, as a pressure-sensing insole would.
    """
    noise_std = check_non_negative("noise_std", noise_std, "N")
    if noise_std > 0 and rng is None:  # checked here, not only once a contact shows up
        raise ValueError("pass rng=np.random.default_rng(seed) together with noise_std.")
    points, forces, pressing, frictions = [], [], 0.0, []
    if other_body is None:
        contacts = world.client.getContactPoints(bodyA=body_id, linkIndexA=link_index)
    else:
        contacts = world.client.getContactPoints(bodyA=body_id, bodyB=other_body, linkIndexA=link_index)
    for cp in contacts:
        normal = np.asarray(cp[7], dtype=float)  # from B to A: the push on A
        fn = float(cp[9])
        if noise_std > 0:
            fn = max(0.0, fn + noise_std * rng.standard_normal())
        friction = float(cp[10]) * np.asarray(cp[11]) + float(cp[12]) * np.asarray(cp[13])
        pressing += fn
        frictions.append(friction)
        points.append(np.asarray(cp[5], dtype=float))
        forces.append(fn * normal + friction)
    if not points:
        return ContactForces(0.0, np.zeros(3), np.full(3, np.nan), np.zeros((0, 3)), np.zeros((0, 3)))
    p, f = np.array(points), np.array(forces)
    total = f.sum(axis=0)
    weights = np.clip(f[:, 2], 0.0, None)
    cop = (weights @ p) / weights.sum() if weights.sum() > 0 else np.full(3, np.nan)
    friction_total = float(np.linalg.norm(np.sum(frictions, axis=0)))
    return ContactForces(float(total[2]), total, cop, p, f, pressing, friction_total)
