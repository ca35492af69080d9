"""The manipulation cell: a Franka Panda with its two-finger gripper, a table and objects to pick up.

The arm is bolted to the table top (z = 0 is the table surface, x points away from the robot). Objects are
rigid bodies made here from boxes: cubes of several sizes and masses and one irregular L-shaped block. Each
``ObjectSpec`` carries the mass (kg) and friction coefficient the simulation uses; the physical stand-in
(``twin.manipulation.standin``) builds the same cell with values the twin does not know.

Sensing, through ``twin.sensors``: a six-axis force/torque sensor in the wrist (the joint between the flange
and the hand) and the contact forces on each finger pad (``contact_forces``).

Contact friction in pybullet is the *product* of the two bodies' coefficients; the finger pads have friction
1.0, so an object's ``friction`` is the finger-object coefficient directly.
"""

from __future__ import annotations

import math
import re
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from types import TracebackType

import numpy as np

from twin.sensors import ForceTorqueSensor, WrenchNoise, contact_forces
from twin.sensors.force_torque import ContactForces
from twin.sim import Robot, World
from twin.sim._bullet import pybullet, pybullet_data

PANDA_URDF = "franka_panda/panda.urdf"
_LIGHT_URDF: dict[str, object] = {}
ARM_JOINTS = tuple(range(7))  # panda_joint1..7
FINGER_JOINTS = (9, 10)  # panda_finger_joint1/2, prismatic, 0..0.04 m each
WRIST_JOINT = 8  # panda_hand_joint: between the flange and the hand, where a wrist F/T sensor sits
GRASP_LINK = 11  # panda_grasptarget: the point midway between the finger pads
FINGER_PAD_FRICTION = 1.0
MAX_OPENING = 0.08  # m between the finger pads
MAX_GRIP_FORCE = 70.0  # N per finger (the real Panda gripper holds 70 N continuously)
ARM_FORCES = (87.0, 87.0, 87.0, 87.0, 12.0, 12.0, 12.0)  # N m, the joints' rated torques
HOME_POSTURE = (0.0, -0.3, 0.0, -2.2, 0.0, 2.0, math.pi / 4)  # rad: elbow up, hand above the table
TABLE_HALF_EXTENTS = (0.45, 0.6, 0.025)  # m
TABLE_CENTER = (0.4, 0.0, -0.025)  # m: the top surface is z = 0
REACH_RADIUS = 0.855  # m: the Panda's reach from joint 2
WORKSPACE = ((0.25, 0.8), (-0.45, 0.45))  # m: x and y range on the table where objects may be placed
# A quiet wrist sensor: a little noise and offset, 100 Hz filter (the cell's force readings stay readable).
NOMINAL_ARM_GAIN = 0.1  # the joint servos' position gain in the twin
WRIST_NOISE = WrenchNoise(offset=(0.3, -0.2, 0.5, 0.0, 0.0, 0.0), noise_std=0.05, cutoff_hz=30.0)


@dataclass(frozen=True)
class ObjectSpec:
    """An object on the table.

    Attributes:
        name: unique name in the cell.
        size: (x, y, z) edge lengths in m of the bounding box (a cube: three equal numbers).
        mass: kg. friction: coefficient of the finger-object and table-object contact.
        position: (x, y) on the table in m; the object rests on the table.
        shape: "box", or "L" for the irregular block (a box with a second box on one end).
        color: RGBA in 0..1.
    """

    name: str
    size: tuple[float, float, float]
    mass: float
    friction: float
    position: tuple[float, float]
    shape: str = "box"
    color: tuple[float, float, float, float] = (0.85, 0.3, 0.2, 1.0)

    def __post_init__(self) -> None:
        if len(self.size) != 3 or not all(0.005 <= s <= 0.3 for s in self.size):
            raise ValueError(f"{self.name}: size={self.size!r} must be three edge lengths between 0.005 and 0.3 m.")
        if not (math.isfinite(self.mass) and 0 < self.mass <= 5):
            raise ValueError(f"{self.name}: mass={self.mass!r} kg must be in (0, 5] (the Panda carries at most 3 kg).")
        if not (math.isfinite(self.friction) and 0 < self.friction <= 2):
            raise ValueError(f"{self.name}: friction={self.friction!r} must be a coefficient in (0, 2], e.g. 0.5.")
        if self.shape not in ("box", "L"):
            raise ValueError(f"{self.name}: shape={self.shape!r} must be 'box' or 'L'.")
        check_on_table(self.name, self.position)

    def with_changes(self, **changes: object) -> ObjectSpec:
        return replace(self, **changes)  # type: ignore[arg-type]

    @property
    def grasp_width(self) -> float:
        """Width (m) between the finger pads when the object is grasped across its y extent."""
        return float(self.size[1])


def light_panda_urdf() -> str:
    """The Panda's URDF with its visuals drawn from the collision meshes (440 kB instead of 9 MB, so a 3D view
    of the cell stays light in a notebook page); the dynamics, joints and collisions are the original's.
    Written once per process into a temporary folder that is removed at exit."""
    if "path" not in _LIGHT_URDF:
        original = Path(pybullet_data.getDataPath()) / PANDA_URDF
        mesh_folder = original.parent / "meshes"
        text = original.read_text()
        text = re.sub(r"package://meshes/visual/(\w+)\.obj", r"package://meshes/collision/\1.obj", text)
        text = text.replace("package://meshes/", f"{mesh_folder.as_posix()}/")
        folder = tempfile.TemporaryDirectory(prefix="twin-panda-")
        path = Path(folder.name) / "panda_light.urdf"
        path.write_text(text)
        _LIGHT_URDF.update(folder=folder, path=str(path))
    return str(_LIGHT_URDF["path"])


def check_on_table(name: str, position: Sequence[float]) -> tuple[float, float]:
    """``position`` (x, y) in m, or a ValueError when it lies outside the arm's workspace on the table."""
    x, y = (float(v) for v in position)
    (x0, x1), (y0, y1) = WORKSPACE
    if not (x0 <= x <= x1 and y0 <= y <= y1):
        raise ValueError(
            f"{name} at (x={x:.3f}, y={y:.3f}) m is outside the workspace on the table: x must lie in "
            f"{x0}..{x1} m and y in {y0}..{y1} m (closer to the base the arm folds onto itself, farther it "
            "cannot reach down to the table)."
        )
    return x, y


# The cell's objects: three cubes (small and light, medium, large and heavy) and the irregular L-block.
DEFAULT_OBJECTS: tuple[ObjectSpec, ...] = (
    ObjectSpec("small_cube", (0.04, 0.04, 0.04), 0.10, 0.6, (0.45, -0.25), color=(0.9, 0.75, 0.2, 1.0)),
    ObjectSpec("medium_cube", (0.05, 0.05, 0.05), 0.30, 0.5, (0.55, 0.0), color=(0.85, 0.3, 0.2, 1.0)),
    ObjectSpec("large_cube", (0.06, 0.06, 0.06), 0.80, 0.5, (0.45, 0.25), color=(0.25, 0.45, 0.85, 1.0)),
    ObjectSpec("l_block", (0.12, 0.04, 0.05), 0.25, 0.55, (0.65, -0.2), shape="L", color=(0.3, 0.7, 0.4, 1.0)),
)


class ManipulationCell:
    """The Panda at its table with objects, in its own headless pybullet world.

    ::

        with ManipulationCell() as cell:
            cell.set_gripper(opening=0.08)
            cell.step(240)
            cell.object_position("medium_cube")

    Args:
        objects: the objects on the table (default ``DEFAULT_OBJECTS``).
        time_step: s per physics step. seed: seed of the world and the sensors.
        ideal_sensors: switch the wrist sensor's noise off.
        arm_gain: position gain of the arm's joint servos (pybullet's, per step; 0.1 nominal): lower follows
            joint targets more slowly (the stand-in's arm lags).
    """

    def __init__(
        self,
        objects: Sequence[ObjectSpec] = DEFAULT_OBJECTS,
        *,
        time_step: float = 1.0 / 240.0,
        seed: int = 0,
        ideal_sensors: bool = False,
        arm_gain: float = NOMINAL_ARM_GAIN,
    ) -> None:
        if not (isinstance(arm_gain, int | float) and 0 < arm_gain <= 1):
            raise ValueError(f"arm_gain={arm_gain!r} must be a servo gain in (0, 1], e.g. 0.1.")
        self.arm_gain = float(arm_gain)
        names = [o.name for o in objects]
        if len(set(names)) != len(names):
            raise ValueError(f"object names must be unique, got {names}.")
        self.world = World(time_step=time_step, seed=seed)
        try:
            self._build(objects, seed, ideal_sensors)
        except Exception:
            self.world.close()
            raise

    def _build(self, objects: Sequence[ObjectSpec], seed: int, ideal_sensors: bool) -> None:
        c = self.world.client
        table_shape = c.createCollisionShape(pybullet.GEOM_BOX, halfExtents=TABLE_HALF_EXTENTS)
        table_visual = c.createVisualShape(
            pybullet.GEOM_BOX, halfExtents=TABLE_HALF_EXTENTS, rgbaColor=(0.72, 0.6, 0.45, 1.0)
        )
        self.table_id = c.createMultiBody(0.0, table_shape, table_visual, basePosition=TABLE_CENTER)
        c.changeDynamics(self.table_id, -1, lateralFriction=0.5)
        self.robot: Robot = self.world.load_robot(urdf=light_panda_urdf())
        self.body_id = self.robot.body_id
        for finger in FINGER_JOINTS:
            c.changeDynamics(self.body_id, finger, lateralFriction=FINGER_PAD_FRICTION)
        # The real gripper's fingers are geared to each other: they move as mirror images. Without this link, two
        # force-limited finger motors let a held object slide sideways between them when the hand accelerates.
        gear = c.createConstraint(
            self.body_id,
            FINGER_JOINTS[0],
            self.body_id,
            FINGER_JOINTS[1],
            pybullet.JOINT_GEAR,
            (1, 0, 0),
            (0, 0, 0),
            (0, 0, 0),
        )
        c.changeConstraint(gear, gearRatio=-1, erp=0.1, maxForce=200)
        self.lower = np.array([self.robot.joints[j].lower_limit for j in ARM_JOINTS])
        self.upper = np.array([self.robot.joints[j].upper_limit for j in ARM_JOINTS])
        self.objects: dict[str, ObjectSpec] = {}
        self.object_ids: dict[str, int] = {}
        self.obstacle_ids: dict[str, int] = {}
        for spec in objects:
            self.add_object(spec)
        self.reset_arm(HOME_POSTURE)
        self.wrist = ForceTorqueSensor(self.robot, WRIST_JOINT, noise=WRIST_NOISE, seed=seed, ideal=ideal_sensors)

    # -- lifecycle -------------------------------------------------------------------------------
    def close(self) -> None:
        self.world.close()

    def __enter__(self) -> ManipulationCell:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"ManipulationCell(objects={list(self.objects)}, t={self.world.time:.2f} s)"

    # -- content ---------------------------------------------------------------------------------
    def add_object(self, spec: ObjectSpec) -> int:
        """Put ``spec`` on the table, resting; returns its pybullet body id."""
        if spec.name in self.objects:
            raise ValueError(f"the cell already has an object named {spec.name!r}.")
        c = self.world.client
        half = np.asarray(spec.size) / 2.0
        if spec.shape == "box":
            boxes = [(half, np.zeros(3))]
        else:  # an L: a long bar along x with a block standing on its far end
            bar = np.array([half[0], half[1], half[2] / 2])
            post = np.array([half[0] / 3, half[1], half[2] / 2])
            boxes = [(bar, np.array([0.0, 0.0, -half[2] / 2])), (post, np.array([half[0] - post[0], 0.0, half[2] / 2]))]
        kinds = [pybullet.GEOM_BOX] * len(boxes)
        extents = [b[0].tolist() for b in boxes]
        offsets = [b[1].tolist() for b in boxes]
        shape = c.createCollisionShapeArray(kinds, halfExtents=extents, collisionFramePositions=offsets)
        visual = c.createVisualShapeArray(
            kinds, halfExtents=extents, visualFramePositions=offsets, rgbaColors=[list(spec.color)] * len(boxes)
        )
        x, y = spec.position
        body = c.createMultiBody(spec.mass, shape, visual, basePosition=(x, y, half[2]))
        c.changeDynamics(body, -1, lateralFriction=spec.friction, spinningFriction=0.001, rollingFriction=0.0)
        self.objects[spec.name] = spec
        self.object_ids[spec.name] = body
        return body

    def add_obstacle(self, name: str, half_extents: Sequence[float], center: Sequence[float]) -> int:
        """A fixed box (half extents and centre in m) the arm must not touch, e.g. a wall on the table."""
        if name in self.obstacle_ids or name in self.object_ids:
            raise ValueError(f"the cell already has something named {name!r}.")
        c = self.world.client
        shape = c.createCollisionShape(pybullet.GEOM_BOX, halfExtents=list(half_extents))
        visual = c.createVisualShape(pybullet.GEOM_BOX, halfExtents=list(half_extents), rgbaColor=(0.6, 0.6, 0.65, 1))
        body = c.createMultiBody(0.0, shape, visual, basePosition=list(center))
        self.obstacle_ids[name] = body
        return body

    def touches(self, body: int) -> bool:
        """Whether the arm or the hand touches ``body`` now."""
        return bool(self.world.client.getContactPoints(bodyA=self.body_id, bodyB=body))

    def object_id(self, name: str) -> int:
        if name not in self.object_ids:
            raise KeyError(f"no object {name!r} in the cell; it has {list(self.object_ids)}.")
        return self.object_ids[name]

    def object_position(self, name: str) -> np.ndarray:
        """Where the object's centre of mass is (x, y, z in m)."""
        return np.asarray(self.world.client.getBasePositionAndOrientation(self.object_id(name))[0])

    def place_object(self, name: str, position: Sequence[float]) -> None:
        """Move an object (at rest, upright) to ``position`` (x, y) on the table."""
        x, y = check_on_table(name, position)
        body = self.object_id(name)
        z = self.objects[name].size[2] / 2
        self.world.client.resetBasePositionAndOrientation(body, (x, y, z), (0, 0, 0, 1))
        self.world.client.resetBaseVelocity(body, (0, 0, 0), (0, 0, 0))

    # -- the arm and the gripper -----------------------------------------------------------------
    def reset_arm(self, joint_positions: Sequence[float], opening: float = MAX_OPENING) -> None:
        """Teleport the arm to ``joint_positions`` (rad) with the gripper at ``opening`` (m), and hold them."""
        q = np.asarray(joint_positions, dtype=float)
        c = self.world.client
        for j, value in zip(ARM_JOINTS, q, strict=True):
            c.resetJointState(self.body_id, j, float(value))
        for j in FINGER_JOINTS:
            c.resetJointState(self.body_id, j, opening / 2)
        self.command_joints(q)
        self.set_gripper(opening)

    def joint_positions(self) -> np.ndarray:
        """The arm's seven joint angles (rad)."""
        return np.array([s[0] for s in self.world.client.getJointStates(self.body_id, list(ARM_JOINTS))])

    def joint_velocities(self) -> np.ndarray:
        """The arm's seven joint velocities (rad/s)."""
        return np.array([s[1] for s in self.world.client.getJointStates(self.body_id, list(ARM_JOINTS))])

    def command_joints(self, joint_positions: Sequence[float] | np.ndarray) -> None:
        """Send position targets (rad) to the seven arm joints (their motors apply at most the rated torques)."""
        q = np.asarray(joint_positions, dtype=float)
        if q.shape != (7,) or not np.all(np.isfinite(q)):
            raise ValueError(f"joint_positions must be 7 finite angles in rad, got shape {q.shape}.")
        self.world.client.setJointMotorControlArray(
            self.body_id,
            list(ARM_JOINTS),
            pybullet.POSITION_CONTROL,
            targetPositions=q.tolist(),
            forces=ARM_FORCES,
            positionGains=[self.arm_gain] * len(ARM_JOINTS),
        )

    def set_gripper(self, opening: float, force: float = 20.0) -> None:
        """Drive the fingers towards ``opening`` (m between the pads, 0..0.08), each finger pushing with at
        most ``force`` (N, 0..70). Closing on an object of width w < opening... squeezes it with ``force``."""
        if not (isinstance(opening, int | float) and 0.0 <= opening <= MAX_OPENING):
            raise ValueError(f"gripper opening={opening!r} m is out of range: it must lie in 0..{MAX_OPENING} m.")
        if not (isinstance(force, int | float) and 0.0 < force <= MAX_GRIP_FORCE):
            raise ValueError(
                f"grip force={force!r} N is out of range: each finger pushes with more than 0 and at most "
                f"{MAX_GRIP_FORCE:g} N."
            )
        self.grip_force = float(force)
        self.world.client.setJointMotorControlArray(
            self.body_id,
            list(FINGER_JOINTS),
            pybullet.POSITION_CONTROL,
            targetPositions=[opening / 2, opening / 2],
            forces=[float(force)] * 2,
        )

    def opening(self) -> float:
        """The distance between the finger pads (m)."""
        return float(sum(s[0] for s in self.world.client.getJointStates(self.body_id, list(FINGER_JOINTS))))

    def hand_pose(self) -> tuple[np.ndarray, np.ndarray]:
        """Position (m) and orientation (quaternion x, y, z, w) of the grasp point between the finger pads."""
        state = self.world.client.getLinkState(self.body_id, GRASP_LINK, computeForwardKinematics=1)
        return np.asarray(state[4]), np.asarray(state[5])

    def finger_contacts(self, name: str | None = None) -> tuple[ContactForces, ContactForces]:
        """Contact forces (N) on the left and right finger pads; with ``name``, only those from that object."""
        result = []
        for finger in FINGER_JOINTS:
            other = None if name is None else self.object_id(name)
            result.append(contact_forces(self.world, self.body_id, finger, other_body=other))
        return result[0], result[1]

    def step(self, steps: int = 1) -> None:
        self.world.step(steps)
