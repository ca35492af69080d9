"""The humanoid's body as both sides of the twin see it: joints, feet, servos, centre of mass, support polygon.

The robot is pybullet_data's ``humanoid/humanoid.urdf`` at 1/4 scale (1.62 m, 45 kg), the catalogue's
``humanoid``. Its URDF is y-up and the catalogue stands it up with a roll of +90 deg, so in every link frame
(all aligned at the zero pose) the world's forward x is the link's x, world up z is the link's y and world y
(to the robot's left) is the link's -z. A rotation about world y (pitch, leaning forward) is therefore a
rotation about link -z, and a rotation about world x (roll, leaning right-to-left) one about link x.

The servo layer is pybullet's position motor (joint PD with a torque limit), the way position-controlled
humanoids (HRP-2, ASIMO) run their joints: the controllers above it send joint targets.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from twin.core.checks import check_number
from twin.sim._bullet import pybullet
from twin.sim.robots import Robot
from twin.sim.world import World

BALL_JOINTS = ("chest", "neck", "right_shoulder", "left_shoulder", "right_hip", "right_ankle", "left_hip", "left_ankle")
HINGE_JOINTS = ("right_elbow", "left_elbow", "right_knee", "left_knee")
FEET = ("right_ankle", "left_ankle")  # the foot links (children of the ankle joints)
PELVIS = "root"  # the link that carries the IMU
TORSO = "chest"
# (pitch about world y, roll about world x) in link axes: see the module docstring
PITCH_AXIS_LINK = np.array([0.0, 0.0, -1.0])
ROLL_AXIS_LINK = np.array([1.0, 0.0, 0.0])
UP_AXIS_LINK = np.array([0.0, 1.0, 0.0])
# foot box in the foot link frame, from the URDF at 1/4 scale (m): x forward, link -z to the left
FOOT_HALF_LENGTH = 0.0885
FOOT_CENTRE_FORWARD = 0.045
FOOT_HALF_WIDTH = 0.045
ANKLE_HEIGHT = 0.0555  # m, ankle joint above the sole when standing


@dataclass(frozen=True)
class ServoGains:
    """Joint PD of the servo layer, pybullet position motors (gains are pybullet's, per joint group).

    Attributes:
        position_gain: pybullet positionGain (0..1, stiffness of the servo).
        velocity_gain: pybullet velocityGain (0..1, damping of the servo).
        max_torque: N m torque limit per group (legs, torso, arms).
    """

    position_gain: float = 0.3
    velocity_gain: float = 1.0
    max_torque_legs: float = 150.0
    max_torque_torso: float = 150.0
    max_torque_arms: float = 40.0

    def __post_init__(self) -> None:
        for name in ("position_gain", "velocity_gain"):
            check_number(name, getattr(self, name), "(pybullet's motor gain)", low=0, high=1, low_open=True)
        for name in ("max_torque_legs", "max_torque_torso", "max_torque_arms"):
            check_number(name, getattr(self, name), "N m", low=0, low_open=True)

    def max_torque(self, joint: str) -> float:
        """The torque limit (N m) of one joint by name."""
        if joint in ("chest", "neck"):
            return self.max_torque_torso
        if "shoulder" in joint or "elbow" in joint:
            return self.max_torque_arms
        return self.max_torque_legs


def axis_angle_quaternion(axis: np.ndarray, angle: float) -> list[float]:
    """Quaternion (x, y, z, w) of a rotation by ``angle`` rad about a unit ``axis``."""
    s = math.sin(0.5 * angle)
    return [float(axis[0] * s), float(axis[1] * s), float(axis[2] * s), math.cos(0.5 * angle)]


def quaternion_multiply(a: np.ndarray | list[float], b: np.ndarray | list[float]) -> np.ndarray:
    """Hamilton product a * b of quaternions in (x, y, z, w) order."""
    ax, ay, az, aw = a
    bx, by, bz, bw = b
    return np.array(
        [
            aw * bx + ax * bw + ay * bz - az * by,
            aw * by - ax * bz + ay * bw + az * bx,
            aw * bz + ax * by - ay * bx + az * bw,
            aw * bw - ax * bx - ay * by - az * bz,
        ]
    )


def quaternion_to_rotvec(q: np.ndarray | list[float]) -> np.ndarray:
    """Rotation vector (axis * angle, rad) of a quaternion (x, y, z, w); the short way round."""
    x, y, z, w = q
    if w < 0:
        x, y, z, w = -x, -y, -z, -w
    s = math.sqrt(x * x + y * y + z * z)
    if s < 1e-12:
        return np.array([2 * x, 2 * y, 2 * z])
    angle = 2.0 * math.atan2(s, w)
    return np.array([x, y, z]) * (angle / s)


def rotvec_to_quaternion(v: np.ndarray | list[float]) -> np.ndarray:
    """Quaternion (x, y, z, w) of a rotation vector (rad)."""
    angle = math.sqrt(float(v[0]) ** 2 + float(v[1]) ** 2 + float(v[2]) ** 2)
    if angle < 1e-12:
        return np.array([0.5 * v[0], 0.5 * v[1], 0.5 * v[2], 1.0])
    s = math.sin(0.5 * angle) / angle
    return np.array([v[0] * s, v[1] * s, v[2] * s, math.cos(0.5 * angle)])


def rotation_matrix(q: np.ndarray | list[float]) -> np.ndarray:
    """3x3 rotation matrix (world from body) of a quaternion (x, y, z, w)."""
    x, y, z, w = np.asarray(q, dtype=float) / np.linalg.norm(q)
    return np.array(
        [
            [1 - 2 * (y * y + z * z), 2 * (x * y - z * w), 2 * (x * z + y * w)],
            [2 * (x * y + z * w), 1 - 2 * (x * x + z * z), 2 * (y * z - x * w)],
            [2 * (x * z - y * w), 2 * (y * z + x * w), 1 - 2 * (x * x + y * y)],
        ]
    )


def sole_corners(foot_frames: np.ndarray, foot_orientations: np.ndarray) -> np.ndarray:
    """World (x, y) of the four sole corners of each foot, (feet, 4, 2) in m, from the foot link frames' world
    positions (feet, 3) and quaternions (feet, 4)."""
    corners = []
    for p, q in zip(foot_frames, foot_orientations, strict=True):
        r = rotation_matrix(q)
        for dx in (-FOOT_HALF_LENGTH, FOOT_HALF_LENGTH):
            for dz in (-FOOT_HALF_WIDTH, FOOT_HALF_WIDTH):
                corners.append((p + r @ np.array([FOOT_CENTRE_FORWARD + dx, 0.0, dz]))[:2])
    return np.array(corners).reshape(len(foot_frames), 4, 2)


class HumanoidBody:
    """Names, indices and whole-body quantities of one loaded humanoid (stand-in or model).

    Args:
        robot: the catalogue humanoid, loaded with ``world.load_robot("humanoid")``.
    """

    def __init__(self, robot: Robot) -> None:
        self.robot = robot
        self.world: World = robot.world
        self.client = robot.world.client
        self.body_id = robot.body_id
        index = {j.name: j.index for j in robot.joints}
        self.ball_indices = tuple(index[name] for name in BALL_JOINTS)
        self.hinge_indices = tuple(index[name] for name in HINGE_JOINTS)
        self.foot_indices = tuple(index[name] for name in FEET)
        self.pelvis_index = index[PELVIS]
        self.torso_index = index[TORSO]
        self.link_indices = tuple(range(-1, self.client.getNumJoints(self.body_id)))
        self.masses = np.array([self.client.getDynamicsInfo(self.body_id, i)[0] for i in self.link_indices])
        self.total_mass = float(self.masses.sum())
        self._state_indices = list(range(self.client.getNumJoints(self.body_id)))

    def link_index(self, name: str) -> int:
        """Index of a link by name; a KeyError lists the valid names."""
        for link in self.robot.links:
            if link.name == name:
                return link.index
        raise KeyError(f"the humanoid has no link {name!r}; its links are {[lk.name for lk in self.robot.links]}")

    def refresh_masses(self) -> None:
        """Re-read the link masses (after ``changeDynamics``)."""
        self.masses = np.array([self.client.getDynamicsInfo(self.body_id, i)[0] for i in self.link_indices])
        self.total_mass = float(self.masses.sum())

    # -- servos ------------------------------------------------------------------------------------
    def set_servo_targets(
        self, ball_targets: np.ndarray, hinge_targets: np.ndarray, gains: ServoGains, strength: float = 1.0
    ) -> None:
        """Send targets to every servo: ``ball_targets`` (8, 4) quaternions, ``hinge_targets`` (4,) rad."""
        c, body = self.client, self.body_id
        for name, joint, q in zip(BALL_JOINTS, self.ball_indices, ball_targets, strict=True):
            limit = gains.max_torque(name) * strength
            c.setJointMotorControlMultiDof(
                body,
                joint,
                pybullet.POSITION_CONTROL,
                targetPosition=[float(v) for v in q],
                positionGain=gains.position_gain,
                velocityGain=gains.velocity_gain,
                force=[limit, limit, limit],
            )
        for name, joint, angle in zip(HINGE_JOINTS, self.hinge_indices, hinge_targets, strict=True):
            c.setJointMotorControl2(
                body,
                joint,
                pybullet.POSITION_CONTROL,
                targetPosition=float(angle),
                positionGain=gains.position_gain,
                velocityGain=gains.velocity_gain,
                force=gains.max_torque(name) * strength,
            )

    # -- kinematic state ---------------------------------------------------------------------------
    def joint_angles(self) -> tuple[np.ndarray, np.ndarray]:
        """Ball-joint rotation vectors (8, 3) rad and hinge angles (4,) rad, as the joints are now."""
        c, body = self.client, self.body_id
        balls = np.array([quaternion_to_rotvec(s[0]) for s in c.getJointStatesMultiDof(body, self.ball_indices)])
        hinges = np.array([s[0] for s in c.getJointStates(body, self.hinge_indices)])
        return balls, hinges

    def set_pose(
        self,
        base_position: np.ndarray,
        base_orientation: np.ndarray,
        ball_rotvecs: np.ndarray,
        hinge_angles: np.ndarray,
        base_velocity: np.ndarray | None = None,
        base_angular_velocity: np.ndarray | None = None,
        ball_rates: np.ndarray | None = None,
        hinge_rates: np.ndarray | None = None,
    ) -> None:
        """Teleport the body: pelvis position (m) and quaternion, joints (rad), optionally velocities."""
        c, body = self.client, self.body_id
        c.resetBasePositionAndOrientation(body, [float(v) for v in base_position], [float(v) for v in base_orientation])
        if base_velocity is not None or base_angular_velocity is not None:
            lin = np.zeros(3) if base_velocity is None else base_velocity
            ang = np.zeros(3) if base_angular_velocity is None else base_angular_velocity
            c.resetBaseVelocity(body, [float(v) for v in lin], [float(v) for v in ang])
        for k, joint in enumerate(self.ball_indices):
            rate = [0.0, 0.0, 0.0] if ball_rates is None else [float(v) for v in ball_rates[k]]
            c.resetJointStateMultiDof(body, joint, [float(v) for v in rotvec_to_quaternion(ball_rotvecs[k])], rate)
        for k, joint in enumerate(self.hinge_indices):
            rate = 0.0 if hinge_rates is None else float(hinge_rates[k])
            c.resetJointState(body, joint, float(hinge_angles[k]), rate)

    def link_positions(self) -> np.ndarray:
        """World positions (n+1, 3) of every link's centre of mass, base first (m)."""
        c, body = self.client, self.body_id
        out = np.empty((len(self.link_indices), 3))
        out[0] = c.getBasePositionAndOrientation(body)[0]
        for row, s in enumerate(c.getLinkStates(body, self._state_indices, computeForwardKinematics=1), start=1):
            out[row] = s[0]
        return out

    def com(self) -> np.ndarray:
        """Whole-body centre of mass (3,) in m, world axes."""
        return self.masses @ self.link_positions() / self.total_mass

    def com_and_velocity(self) -> tuple[np.ndarray, np.ndarray]:
        """Whole-body centre of mass (m) and its velocity (m/s)."""
        c, body = self.client, self.body_id
        pos = np.empty((len(self.link_indices), 3))
        vel = np.empty_like(pos)
        pos[0] = c.getBasePositionAndOrientation(body)[0]
        vel[0] = c.getBaseVelocity(body)[0]
        states = c.getLinkStates(body, self._state_indices, computeLinkVelocity=1, computeForwardKinematics=1)
        for row, s in enumerate(states, start=1):
            pos[row], vel[row] = s[0], s[6]
        m = self.masses / self.total_mass
        return m @ pos, m @ vel

    def pelvis_pose(self) -> tuple[np.ndarray, np.ndarray]:
        """World position (m) and quaternion (x, y, z, w) of the pelvis link's centre of mass."""
        s = self.client.getLinkState(self.body_id, self.pelvis_index, computeForwardKinematics=1)
        return np.array(s[0]), np.array(s[1])

    def pelvis_velocity(self) -> tuple[np.ndarray, np.ndarray]:
        """World linear (m/s) and angular (rad/s) velocity of the pelvis."""
        s = self.client.getLinkState(self.body_id, self.pelvis_index, computeLinkVelocity=1, computeForwardKinematics=1)
        return np.array(s[6]), np.array(s[7])

    def foot_poses(self) -> tuple[np.ndarray, np.ndarray]:
        """World positions (2, 3) in m and quaternions (2, 4) of the foot link frames (right, left)."""
        states = self.client.getLinkStates(self.body_id, list(self.foot_indices), computeForwardKinematics=1)
        return np.array([s[4] for s in states]), np.array([s[5] for s in states])

    def foot_corners(self) -> np.ndarray:
        """World (x, y) of the four sole corners of each foot, (8, 2), right foot first (m)."""
        return sole_corners(*self.foot_poses()).reshape(-1, 2)

    def base_in_pelvis(self) -> tuple[tuple[float, ...], tuple[float, ...]]:
        """The base's (centre-of-mass frame) pose in pelvis coordinates: (position m, quaternion), fixed by the
        URDF. ``client.multiplyTransforms(pelvis_position, pelvis_orientation, *base_in_pelvis)`` places the base
        of a body whose pelvis pose is known (as the estimator knows it)."""
        c = self.client
        base_pos, base_orn = c.getBasePositionAndOrientation(self.body_id)
        pelvis_pos, pelvis_orn = self.pelvis_pose()
        inverse = c.invertTransform(base_pos, base_orn)
        return c.invertTransform(*c.multiplyTransforms(*inverse, pelvis_pos.tolist(), pelvis_orn.tolist()))

    def touches_ground_with_other_than_feet(self, ground_id: int) -> bool:
        """True when any link but the feet touches the ground (the robot has fallen)."""
        for cp in self.client.getContactPoints(bodyA=self.body_id, bodyB=ground_id):
            if cp[3] not in self.foot_indices:
                return True
        return False
