"""The physical humanoid's stand-in: a second simulation with a hidden truth, sensors, pushes and falls.

What crosses the data connection is what a real humanoid sends (``HumanoidMeasurement``): joint encoders, a
pelvis IMU and the two feet's contact forces with their centres of pressure (pressure insoles). No base pose or
velocity: the twin has to estimate those. ``hidden_state()`` reads the ground truth for *grading* the
estimate, as a motion-capture system in a lab would; nothing in the twin's loop calls it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from twin.core.checks import check_number
from twin.humanoid.body import (
    BALL_JOINTS,
    FEET,
    HINGE_JOINTS,
    HumanoidBody,
    ServoGains,
    quaternion_to_rotvec,
)
from twin.sensors import Imu, InertialNoise, JointEncoders, contact_forces
from twin.sim._bullet import pybullet
from twin.sim.world import World

PUSH_LINKS = ("chest", "root")


def _in_range(name: str, value: object, low: float, high: float, unit: str) -> float:
    return check_number(name, value, unit, low=low, high=high)


@dataclass(frozen=True)
class HumanoidTruth:
    """What the real robot is, and the twin does not know.

    Attributes:
        mass_scale: every link's mass times this (1.0 = the model's masses); range 0.5..2.
        mass_spread: relative random spread of each link's mass on top (0.1 = +-10 %, seeded); range 0..0.5.
        backpack_kg: extra mass on the chest (an unmodelled battery pack), kg; range 0..20.
        foot_friction: Coulomb friction coefficient of the soles; range 0.1..2.
        motor_strength: the servos' torque limits times this; range 0.3..2.
        imu_tilt: mounting error of the IMU about its x, y, z axes, rad; each within +-0.2.
        gyro_bias: constant gyroscope bias (rad/s) on x, y, z; each within +-0.1.
    """

    mass_scale: float = 1.0
    mass_spread: float = 0.0
    backpack_kg: float = 0.0
    foot_friction: float = 1.0
    motor_strength: float = 1.0
    imu_tilt: tuple[float, float, float] = (0.0, 0.0, 0.0)
    gyro_bias: tuple[float, float, float] = (0.0, 0.0, 0.0)

    def __post_init__(self) -> None:
        _in_range("mass_scale", self.mass_scale, 0.5, 2.0, "(times the model's link masses)")
        _in_range("mass_spread", self.mass_spread, 0.0, 0.5, "(relative spread)")
        _in_range("backpack_kg", self.backpack_kg, 0.0, 20.0, "kg")
        _in_range("foot_friction", self.foot_friction, 0.1, 2.0, "(friction coefficient)")
        _in_range("motor_strength", self.motor_strength, 0.3, 2.0, "(times the model's torque limits)")
        for name, limit, unit in (("imu_tilt", 0.2, "rad"), ("gyro_bias", 0.1, "rad/s")):
            values = getattr(self, name)
            if len(values) != 3:
                raise ValueError(f"{name} needs three values (x, y, z) in {unit}, got {values!r}.")
            for v in values:
                _in_range(name, v, -limit, limit, unit)

    @classmethod
    def random(cls, seed: int) -> HumanoidTruth:
        """A plausible unknown robot: masses within +-10 %, a 0-3 kg backpack, friction 0.7-1.1, strength
        90-110 %, an IMU mounted up to 1 deg off and a gyro bias up to 0.005 rad/s, drawn from ``seed``."""
        rng = np.random.default_rng(seed)
        return cls(
            mass_scale=float(rng.uniform(0.9, 1.1)),
            mass_spread=0.05,
            backpack_kg=float(rng.uniform(0.0, 3.0)),
            foot_friction=float(rng.uniform(0.7, 1.1)),
            motor_strength=float(rng.uniform(0.9, 1.1)),
            imu_tilt=tuple(float(v) for v in rng.uniform(-0.0175, 0.0175, 3)),
            gyro_bias=tuple(float(v) for v in rng.uniform(-0.005, 0.005, 3)),
        )


@dataclass(frozen=True)
class HumanoidMeasurement:
    """One sample from the robot at ``time`` (s): what crosses the data connection.

    Attributes:
        ball_joints: (8, 3) rotation vectors of the ball joints (rad), order ``BALL_JOINTS``.
        hinge_joints: (4,) angles of the hinge joints (rad), order ``HINGE_JOINTS``.
        accel: (3,) pelvis IMU specific force (m/s^2), IMU axes. gyro: (3,) angular rate (rad/s), IMU axes.
        foot_force: (2,) vertical contact force under the right and left sole (N).
        foot_cop: (2, 2) world (x, y) of each sole's centre of pressure (m); NaN without contact.
    """

    time: float
    ball_joints: np.ndarray
    hinge_joints: np.ndarray
    accel: np.ndarray
    gyro: np.ndarray
    foot_force: np.ndarray
    foot_cop: np.ndarray


@dataclass(frozen=True)
class PostureCommand:
    """What the twin sends down: joint targets for the servos (``BALL_JOINTS`` quaternions, hinge angles)."""

    time: float
    ball_targets: np.ndarray  # (8, 4) quaternions (x, y, z, w)
    hinge_targets: np.ndarray  # (4,) rad


@dataclass(frozen=True)
class HiddenState:
    """Ground truth for grading only (a motion-capture system): pelvis pose and velocity, CoM, time."""

    time: float
    pelvis_position: np.ndarray
    pelvis_orientation: np.ndarray
    pelvis_velocity: np.ndarray
    com: np.ndarray
    com_velocity: np.ndarray


def standing_posture() -> PostureCommand:
    """The nominal standing targets: every joint at zero (the statue pose)."""
    return PostureCommand(0.0, np.tile([0.0, 0.0, 0.0, 1.0], (len(BALL_JOINTS), 1)), np.zeros(len(HINGE_JOINTS)))


@dataclass
class _Push:
    force: np.ndarray
    link: int
    until_step: int


@dataclass
class HumanoidStandIn:
    """The physical humanoid: its own pybullet world, hidden truth, sensors and a push API.

    Args:
        truth: what the real robot is (``HumanoidTruth``); default the model itself.
        seed: seed of every sensor's noise.
        gains: the servo layer (joint PD) the robot runs on board.
        time_step: physics step, s.
        imu_noise, encoder_counts, insole_noise: sensor quality (IMU white noise densities are the ADIS16448's).
    """

    truth: HumanoidTruth = field(default_factory=HumanoidTruth)
    seed: int = 0
    gains: ServoGains = field(default_factory=ServoGains)
    time_step: float = 1.0 / 240.0
    encoder_counts: int = 4096 * 4
    insole_noise: float = 2.0
    ideal_imu: bool = False

    def __post_init__(self) -> None:
        self.world = World(time_step=self.time_step, seed=self.seed)
        with_ground = self.world.load_robot("humanoid", hold_pose=False)
        self.robot = with_ground
        self.body = HumanoidBody(self.robot)
        c, body = self.world.client, self.body.body_id
        rng = np.random.default_rng(self.seed + 7919)
        for link in self.body.link_indices:
            mass = c.getDynamicsInfo(body, link)[0]
            if mass > 0:
                spread = 1.0 + self.truth.mass_spread * rng.uniform(-1.0, 1.0)
                c.changeDynamics(body, link, mass=mass * self.truth.mass_scale * spread)
        if self.truth.backpack_kg > 0:
            chest = self.body.torso_index
            c.changeDynamics(body, chest, mass=c.getDynamicsInfo(body, chest)[0] + self.truth.backpack_kg)
        for foot in self.body.foot_indices:
            c.changeDynamics(body, foot, lateralFriction=self.truth.foot_friction)
        self.body.refresh_masses()
        gyro = InertialNoise(noise_density=1.87e-4, bias=self.truth.gyro_bias, misalignment=self.truth.imu_tilt)
        accel = InertialNoise(noise_density=1.86e-3, misalignment=self.truth.imu_tilt)
        self.imu = Imu(
            self.world,
            body,
            self.body.pelvis_index,
            rate_hz=1.0 / self.time_step,
            accelerometer=accel,
            gyroscope=gyro,
            seed=self.seed,
            ideal=self.ideal_imu,
        )
        self.encoders = JointEncoders(
            self.robot, counts_per_revolution=self.encoder_counts, rate_hz=1.0 / self.time_step, seed=self.seed + 1
        )
        self._insole_rng = np.random.default_rng(self.seed + 2)
        self._push: _Push | None = None
        self.command = standing_posture()
        self.body.set_servo_targets(self.command.ball_targets, self.command.hinge_targets, self.gains)
        self.fallen = False
        self.fall_time: float | None = None

    def close(self) -> None:
        """Disconnect the physics."""
        self.world.close()

    def __enter__(self) -> HumanoidStandIn:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- the robot's interface -------------------------------------------------------------------
    def apply(self, command: PostureCommand) -> None:
        """Servo targets from the twin (kept until the next command)."""
        ball = np.asarray(command.ball_targets, dtype=float)
        hinge = np.asarray(command.hinge_targets, dtype=float)
        if ball.shape != (len(BALL_JOINTS), 4) or hinge.shape != (len(HINGE_JOINTS),):
            raise ValueError(
                f"a PostureCommand needs ball_targets of shape ({len(BALL_JOINTS)}, 4) and hinge_targets of shape "
                f"({len(HINGE_JOINTS)},); got {ball.shape} and {hinge.shape}."
            )
        if not (np.all(np.isfinite(ball)) and np.all(np.isfinite(hinge))):
            raise ValueError("PostureCommand targets must be finite numbers (quaternions and rad).")
        self.command = command
        self.body.set_servo_targets(ball, hinge, self.gains, self.truth.motor_strength)

    def push(self, impulse: float, direction_deg: float, duration: float = 0.1, link: str = "chest") -> None:
        """Push the robot horizontally: ``impulse`` N s towards ``direction_deg`` (0 = forward +x, 90 = its
        left +y), spread evenly over ``duration`` s at the centre of mass of ``link`` (chest or root)."""
        impulse = _in_range("impulse", impulse, 0.0, 500.0, "N s")
        direction = check_number("direction_deg", direction_deg, "deg")
        duration = _in_range("duration", duration, self.time_step, 1.0, "s")
        if link not in PUSH_LINKS:
            raise ValueError(f"link={link!r} cannot be pushed; choose one of {PUSH_LINKS}.")
        steps = max(1, round(duration / self.time_step))
        force = impulse / (steps * self.time_step)
        angle = math.radians(direction)
        self._push = _Push(
            np.array([force * math.cos(angle), force * math.sin(angle), 0.0]),
            self.body.link_index(link),
            self.world.steps_taken + steps,
        )

    def step(self) -> HumanoidMeasurement:
        """Advance the physics by one step and return what the sensors report."""
        c, body = self.world.client, self.body.body_id
        if self._push is not None:
            if self.world.steps_taken < self._push.until_step:
                where = c.getLinkState(body, self._push.link)[0]
                c.applyExternalForce(body, self._push.link, self._push.force.tolist(), where, pybullet.WORLD_FRAME)
            else:
                self._push = None
        self.world.step()
        if not self.fallen and self._has_fallen():
            self.fallen, self.fall_time = True, self.world.time
        return self.measure()

    def _has_fallen(self) -> bool:
        if self.body.touches_ground_with_other_than_feet(self.world.ground_id):
            return True
        return bool(self.body.pelvis_pose()[0][2] < 0.55)

    def measure(self) -> HumanoidMeasurement:
        """Poll every sensor (call once per step; ``step`` does)."""
        imu = self.imu.poll()
        reading = self.encoders.poll()
        hinge = reading.positions if reading is not None else self.robot.state().positions
        c, body = self.world.client, self.body.body_id
        lsb = 2.0 * math.pi / self.encoder_counts
        balls = np.array([quaternion_to_rotvec(s[0]) for s in c.getJointStatesMultiDof(body, self.body.ball_indices)])
        balls = np.round(balls / lsb) * lsb  # three-axis absolute encoders, same resolution
        forces, cops = np.zeros(2), np.full((2, 2), np.nan)
        for k, foot in enumerate(self.body.foot_indices):
            contact = contact_forces(self.world, body, foot, noise_std=self.insole_noise, rng=self._insole_rng)
            forces[k] = contact.normal_force
            cops[k] = contact.center_of_pressure[:2]
        assert imu is not None  # the IMU samples at the physics rate
        return HumanoidMeasurement(self.world.time, balls, hinge, imu.accel, imu.gyro, forces, cops)

    # -- ground truth, for grading only ------------------------------------------------------------
    def hidden_state(self) -> HiddenState:
        """The truth a motion-capture system would record. Never sent to the twin."""
        position, orientation = self.body.pelvis_pose()
        velocity, _ = self.body.pelvis_velocity()
        com, com_velocity = self.body.com_and_velocity()
        return HiddenState(self.world.time, position, orientation, velocity, com, com_velocity)


__all__ = [
    "FEET",
    "HiddenState",
    "HumanoidMeasurement",
    "HumanoidStandIn",
    "HumanoidTruth",
    "PostureCommand",
    "standing_posture",
]
