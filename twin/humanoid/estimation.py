"""Floating-base state estimation on the twin's side: where is the pelvis, how is it turned, how fast does it go?

A humanoid does not know its base pose: nothing bolts it to the world. The twin estimates it from what the
robot sends (``HumanoidMeasurement``):

1. Orientation from the pelvis IMU with a Mahony complementary filter: the gyroscope integrates the rotation,
   the accelerometer's gravity direction pulls roll and pitch back (yaw is not observable from gravity and
   drifts with the gyro's bias); an integral term learns the bias of the two observable axes.
2. Position from leg kinematics: a foot pressed on the floor (contact force above a threshold) is assumed not
   to slide, so the pelvis is where that foot's anchor minus the leg's forward kinematics puts it.
3. Fusion: the IMU's acceleration is integrated and pulled towards the kinematic position and velocity
   (a complementary filter on each axis).

``HumanoidModel`` holds the nominal humanoid in its own pybullet world; the estimator uses it for forward
kinematics (teleporting it, never stepping it), and the same model is what a 3D view draws as the ghost.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from twin.core.checks import check_number
from twin.humanoid.body import (
    HumanoidBody,
    quaternion_multiply,
    rotation_matrix,
    rotvec_to_quaternion,
    sole_corners,
)
from twin.humanoid.lipm import STANDARD_GRAVITY, capture_point, center_of_pressure, convex_hull, lipm_omega
from twin.humanoid.standin import HumanoidMeasurement
from twin.sim.world import World


class HumanoidModel:
    """The twin's virtual humanoid: the catalogue model with nominal parameters, in its own world.

    ``mirror(position, orientation, balls, hinges)`` teleports it to a pelvis pose and joint angles and returns
    the world positions of every link's centre of mass (base first), from which feet and CoM follow.
    """

    def __init__(self, time_step: float = 1.0 / 240.0) -> None:
        self.world = World(time_step=time_step)
        self.robot = self.world.load_robot("humanoid", hold_pose=False)
        self.body = HumanoidBody(self.robot)
        self._base_in_pelvis = self.body.base_in_pelvis()
        pelvis_pos, pelvis_orn = self.body.pelvis_pose()
        self.standing_pelvis_position = pelvis_pos
        self.standing_pelvis_orientation = pelvis_orn
        self.standing_foot_positions = self.body.foot_poses()[0]
        self.masses = self.body.masses / self.body.total_mass
        self.foot_rows = tuple(i + 1 for i in self.body.foot_indices)

    def close(self) -> None:
        """Disconnect the model's physics."""
        self.world.close()

    def mirror(
        self, pelvis_position: np.ndarray, pelvis_orientation: np.ndarray, balls: np.ndarray, hinges: np.ndarray
    ) -> np.ndarray:
        """Teleport the model; returns link CoM positions (n+1, 3), base first (m)."""
        c = self.world.client
        base_pos, base_orn = c.multiplyTransforms(
            [float(v) for v in pelvis_position], [float(v) for v in pelvis_orientation], *self._base_in_pelvis
        )
        self.body.set_pose(np.array(base_pos), np.array(base_orn), balls, hinges)
        return self.body.link_positions()

    def foot_frames(self) -> np.ndarray:
        """World positions (2, 3) of the foot link frames after the last ``mirror`` (m)."""
        return self.body.foot_poses()[0]


@dataclass(frozen=True)
class EstimatorGains:
    """Filter gains (all >= 0; 1/s unless noted).

    Attributes:
        attitude: proportional pull of roll and pitch towards the accelerometer's gravity direction.
        bias: integral gain that learns the gyroscope bias (1/s^2).
        position: pull of the fused pelvis position towards the legs' kinematic position.
        velocity: pull of the fused velocity towards the kinematic velocity.
        contact_force: N of vertical sole force above which a foot counts as standing.

    The attitude gain is a trade-off. The accelerometer measures gravity only while the pelvis does not
    accelerate: during a push it reads the push as a tilt, a high gain turns that into an orientation error, and
    through the legs' kinematics into a CoM velocity of the wrong sign just when balance needs it (2.0 did that).
    A low gain rides through pushes on the gyroscope, but lets a gyro bias b tilt the estimate by about
    b / attitude until the bias term has learnt it: 0.2 suits a calibrated gyro (bias below 0.005 rad/s).
    """

    attitude: float = 0.2
    bias: float = 0.02
    position: float = 10.0
    velocity: float = 20.0
    contact_force: float = 40.0

    def __post_init__(self) -> None:
        for name, unit in (("attitude", "1/s"), ("bias", "1/s^2"), ("position", "1/s"), ("velocity", "1/s")):
            check_number(name, getattr(self, name), unit, low=0, hint="0 switches that correction off")
        check_number("contact_force", self.contact_force, "N", low=0)


@dataclass(frozen=True)
class BaseEstimate:
    """The twin's belief about the floating base and what follows from it (world axes, SI units).

    ``support_polygon`` is the convex hull (k, 2) of the soles in contact; ``cop`` the measured whole-robot
    centre of pressure; ``capture_point`` xi = com + com_velocity / omega (x, y).
    """

    time: float
    pelvis_position: np.ndarray
    pelvis_orientation: np.ndarray
    pelvis_velocity: np.ndarray
    gyro_bias: np.ndarray
    contacts: tuple[bool, bool]
    com: np.ndarray
    com_velocity: np.ndarray
    omega: float
    capture_point: np.ndarray
    cop: np.ndarray
    support_polygon: np.ndarray
    foot_centres: np.ndarray
    ball_joints: np.ndarray
    hinge_joints: np.ndarray
    ball_rates: np.ndarray
    hinge_rates: np.ndarray
    pelvis_angular_velocity: np.ndarray


class FloatingBaseEstimator:
    """Pelvis orientation, position and velocity from IMU, encoders and foot forces (see the module doc).

    Args:
        model: the twin's ``HumanoidModel`` (forward kinematics).
        gains: ``EstimatorGains``.
        time_step: s between measurements.
        initial_position, initial_orientation: where the robot starts (pelvis); default the model standing
            at the origin, which is where the experiment places the robot.
    """

    def __init__(
        self,
        model: HumanoidModel,
        gains: EstimatorGains | None = None,
        time_step: float = 1.0 / 240.0,
        initial_position: np.ndarray | None = None,
        initial_orientation: np.ndarray | None = None,
    ) -> None:
        self.model = model
        self.gains = gains or EstimatorGains()
        self.dt = float(time_step)
        self.q = np.array(model.standing_pelvis_orientation if initial_orientation is None else initial_orientation)
        self.p = np.array(model.standing_pelvis_position if initial_position is None else initial_position, float)
        self.v = np.zeros(3)
        self.bias = np.zeros(3)
        self.anchors: list[np.ndarray | None] = [None, None]
        self._previous_kinematic: np.ndarray | None = None
        self._previous_contacts = (False, False)
        self._previous_com_offset: np.ndarray | None = None
        self._com_offset_rate = np.zeros(3)
        self._previous_joints: tuple[np.ndarray, np.ndarray] | None = None
        self._ball_rates = np.zeros((8, 3))
        self._hinge_rates = np.zeros(4)
        self.gravity = np.array([0.0, 0.0, -STANDARD_GRAVITY])
        self.last: BaseEstimate | None = None

    def _attitude(self, accel: np.ndarray, gyro: np.ndarray) -> np.ndarray:
        """Mahony update of ``self.q``; returns the bias-corrected body rate (rad/s)."""
        g = self.gains
        rate = gyro - self.bias
        norm = float(np.linalg.norm(accel))
        if abs(norm - STANDARD_GRAVITY) < 0.3 * STANDARD_GRAVITY:
            r = rotation_matrix(self.q)
            predicted_up = r.T @ np.array([0.0, 0.0, 1.0])
            error = np.cross(accel / norm, predicted_up)
            self.bias -= g.bias * error * self.dt
            rate = rate + g.attitude * error
        self.q = quaternion_multiply(self.q, rotvec_to_quaternion(rate * self.dt))
        self.q /= np.linalg.norm(self.q)
        return gyro - self.bias

    def update(self, m: HumanoidMeasurement) -> BaseEstimate:
        """Fold one measurement into the estimate and return it."""
        g, dt = self.gains, self.dt
        rate = self._attitude(np.asarray(m.accel, float), np.asarray(m.gyro, float))
        r = rotation_matrix(self.q)
        # predict with the IMU's acceleration
        acceleration = r @ np.asarray(m.accel, float) + self.gravity
        self.v = self.v + acceleration * dt
        self.p = self.p + self.v * dt
        # leg kinematics at the predicted pose
        links = self.model.mirror(self.p, self.q, m.ball_joints, m.hinge_joints)
        feet = self.model.foot_frames()
        contacts = (bool(m.foot_force[0] > g.contact_force), bool(m.foot_force[1] > g.contact_force))
        estimates, weights = [], []
        shift = np.zeros(3)
        for k in (0, 1):
            if not contacts[k]:
                self.anchors[k] = None
                continue
            if self.anchors[k] is None:
                self.anchors[k] = feet[k].copy()  # touchdown: the foot stays where it is now believed to be
            estimates.append(self.anchors[k] - (feet[k] - self.p))
            weights.append(float(m.foot_force[k]))
        if estimates:
            kinematic = np.average(np.array(estimates), axis=0, weights=weights)
            if self._previous_kinematic is not None and contacts == self._previous_contacts:
                v_kin = (kinematic - self._previous_kinematic) / dt
                self.v += min(1.0, g.velocity * dt) * (v_kin - self.v)
            shift = min(1.0, g.position * dt) * (kinematic - self.p)
            self.p = self.p + shift
            links = links + shift  # the model moves with the correction
            self._previous_kinematic = kinematic
        else:
            self._previous_kinematic = None
        self._previous_contacts = contacts
        # whole-body CoM and its velocity: the pelvis's velocity plus the body's motion relative to it
        com = self.model.masses @ links
        offset = com - self.p
        if self._previous_com_offset is not None:
            self._com_offset_rate += 0.3 * ((offset - self._previous_com_offset) / dt - self._com_offset_rate)
        self._previous_com_offset = offset
        com_velocity = self.v + self._com_offset_rate
        if self._previous_joints is not None:
            balls0, hinges0 = self._previous_joints
            self._ball_rates += 0.3 * ((m.ball_joints - balls0) / dt - self._ball_rates)
            self._hinge_rates += 0.3 * ((m.hinge_joints - hinges0) / dt - self._hinge_rates)
        self._previous_joints = (np.array(m.ball_joints), np.array(m.hinge_joints))
        omega = lipm_omega(max(float(com[2]), 0.05))
        # support polygon from the soles in contact, at their estimated world place
        foot_orientations = self.model.body.foot_poses()[1]
        corners = sole_corners(feet + shift, foot_orientations)
        in_contact = [corners[k] for k in (0, 1) if contacts[k]]
        polygon = convex_hull(np.concatenate(in_contact)) if in_contact else np.zeros((0, 2))
        foot_centres = corners.mean(axis=1)
        estimate = BaseEstimate(
            time=m.time,
            pelvis_position=self.p.copy(),
            pelvis_orientation=self.q.copy(),
            pelvis_velocity=self.v.copy(),
            gyro_bias=self.bias.copy(),
            contacts=contacts,
            com=com,
            com_velocity=com_velocity,
            omega=omega,
            capture_point=capture_point(com[:2], com_velocity[:2], omega),
            cop=center_of_pressure(m.foot_force, m.foot_cop),
            support_polygon=polygon,
            foot_centres=foot_centres,
            ball_joints=np.array(m.ball_joints),
            hinge_joints=np.array(m.hinge_joints),
            ball_rates=self._ball_rates.copy(),
            hinge_rates=self._hinge_rates.copy(),
            pelvis_angular_velocity=r @ rate,
        )
        self.last = estimate
        return estimate


def orientation_error(estimated: np.ndarray, true: np.ndarray) -> float:
    """Angle (rad) between two orientations given as quaternions (x, y, z, w)."""
    d = abs(float(np.dot(estimated, true)) / (np.linalg.norm(estimated) * np.linalg.norm(true)))
    return 2.0 * math.acos(min(1.0, d))
