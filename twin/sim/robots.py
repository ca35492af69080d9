"""The robot catalogue and what a notebook can ask a loaded robot: joints, links, masses, state.

Catalogue names (``ROBOTS``):

- ``pendulum``: one hinge, a light rod and a 1 kg bob (ships with ``twin``).
- ``cartpole``: a cart on a rail with a free pole (``cartpole.urdf`` from pybullet_data).
- ``classic_cartpole``: the same cart-pole with a uniform 1 m pole's inertia (ships with ``twin``).
- ``arm``: the 7-DoF KUKA LBR iiwa (``kuka_iiwa/model.urdf``), bolted to the floor.
- ``humanoid``: a 1.6 m humanoid standing on the ground (``humanoid/humanoid.urdf``), holding its pose.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from operator import itemgetter
from pathlib import Path
from typing import Protocol

import numpy as np

from twin.core.types import JointState, all_finite
from twin.sim._bullet import BulletClient, pybullet, pybullet_data
from twin.sim._quiet import quiet_c_output
from twin.sim.frames import LinkFrames
from twin.tables import Table, make_table

ASSETS = Path(__file__).parent / "assets"

JOINT_TYPE_NAMES = {
    pybullet.JOINT_REVOLUTE: "revolute",
    pybullet.JOINT_PRISMATIC: "prismatic",
    pybullet.JOINT_SPHERICAL: "spherical",
    pybullet.JOINT_PLANAR: "planar",
    pybullet.JOINT_FIXED: "fixed",
}
ONE_DOF_TYPES = ("revolute", "prismatic")
_POSITION, _VELOCITY = itemgetter(0), itemgetter(1)  # of one joint in getJointStates' answer


@dataclass(frozen=True)
class RobotSpec:
    """How to load one catalogue robot.

    Attributes:
        name: catalogue name.
        urdf: file name, relative to ``twin/sim/assets`` or pybullet_data, or an absolute path.
        description: one line for tables and error messages.
        base_position: (x, y, z) of the base in metres.
        base_euler: roll, pitch, yaw of the base in radians (the humanoid's URDF is y-up: roll +90 deg).
        fixed_base: bolt the base to the world.
        global_scaling: geometric scale factor applied by pybullet on load.
        needs_ground: add the ground plane before loading.
        stand_on_ground: after loading, lift or lower the robot so its lowest point touches z = 0.
        hold_pose: hold every joint at its initial angle with stiff position motors (a statue).
        initial_positions: joint angles (rad or m) by joint name, applied after loading.
        view_direction: from where a 3D view looks at the robot by default (x, y, z; any length).
    """

    name: str
    urdf: str
    description: str
    base_position: tuple[float, float, float] = (0.0, 0.0, 0.0)
    base_euler: tuple[float, float, float] = (0.0, 0.0, 0.0)
    fixed_base: bool = True
    global_scaling: float = 1.0
    needs_ground: bool = False
    stand_on_ground: bool = False
    hold_pose: bool = False
    initial_positions: dict[str, float] = field(default_factory=dict)
    view_direction: tuple[float, float, float] = (1.0, 0.55, 0.4)


ROBOTS: dict[str, RobotSpec] = {
    "pendulum": RobotSpec(
        name="pendulum",
        urdf="pendulum.urdf",
        description="simple pendulum: 0.5 m rod, 1 kg bob, one hinge",
        needs_ground=True,
        view_direction=(0.3, -1.0, 0.3),  # it swings in the x-z plane: look along y
    ),
    "cartpole": RobotSpec(
        name="cartpole",
        urdf="cartpole.urdf",
        description="cart on a rail (prismatic) with a free pole (revolute)",
        view_direction=(0.3, -1.0, 0.3),
    ),
    "classic_cartpole": RobotSpec(
        name="classic_cartpole",
        urdf="classic_cartpole.urdf",
        description="cart-pole of Barto et al. 1983: 1 kg cart, 0.1 kg uniform pole 1 m long",
        view_direction=(0.3, -1.0, 0.3),
    ),
    "arm": RobotSpec(
        name="arm",
        urdf="kuka_iiwa/model.urdf",
        description="KUKA LBR iiwa, 7 revolute joints, fixed to the floor",
        needs_ground=True,
    ),
    "humanoid": RobotSpec(
        name="humanoid",
        urdf="humanoid/humanoid.urdf",
        description="1.6 m humanoid, 8 spherical + 4 revolute joints, standing on the ground",
        base_position=(0.0, 0.0, 1.0),
        base_euler=(math.pi / 2, 0.0, 0.0),
        fixed_base=False,
        global_scaling=0.25,
        needs_ground=True,
        stand_on_ground=True,
        hold_pose=True,
    ),
}


@dataclass(frozen=True)
class JointInfo:
    """One joint as the URDF and pybullet describe it. Limits in rad (revolute) or m (prismatic)."""

    index: int
    name: str
    type: str
    lower_limit: float
    upper_limit: float
    max_force: float  # N m or N, as written in the URDF (0 when unspecified)
    max_velocity: float  # rad/s or m/s (0 when unspecified)
    damping: float
    friction: float
    child_link: str

    @property
    def has_limits(self) -> bool:
        """pybullet marks continuous joints with lower > upper."""
        return self.type in ONE_DOF_TYPES and self.lower_limit <= self.upper_limit


@dataclass(frozen=True)
class LinkInfo:
    """One link's inertial properties. ``index`` -1 is the base."""

    index: int
    name: str
    mass: float  # kg
    inertia_diagonal: tuple[float, float, float]  # kg m^2, principal moments about the centre of mass
    center_of_mass: tuple[float, float, float]  # m, in the link frame
    lateral_friction: float


class RobotHost(Protocol):
    """What a robot needs from the world it lives in (``twin.sim.world.World`` is one).

    Typed by what it offers rather than by ``World``, so that the world may import the robots (to load them)
    without the robots importing the world back.
    """

    robots: list[Robot]

    @property
    def client(self) -> BulletClient: ...

    def add_ground(self, lateral_friction: float = 1.0) -> int: ...


class Robot:
    """A robot loaded in a ``World``: its structure (joints, links) and its state.

    ``joint_indices``/``joint_names`` list the one-DoF joints (revolute, prismatic): those are what
    ``state()``, ``set_state()`` and ``apply_torques()`` work on. The humanoid's ball joints are
    listed in ``spherical_joint_indices``.
    """

    def __init__(self, world: RobotHost, body_id: int, spec: RobotSpec) -> None:
        self.world = world
        self.body_id = body_id
        self.spec = spec
        self.name = spec.name
        c = world.client
        self.base_link_name = c.getBodyInfo(body_id)[0].decode()
        self.joints: tuple[JointInfo, ...] = tuple(_joint_info(c, body_id, j) for j in range(c.getNumJoints(body_id)))
        self.links: tuple[LinkInfo, ...] = tuple(
            _link_info(c, body_id, j, self.base_link_name if j < 0 else self.joints[j].child_link)
            for j in range(-1, c.getNumJoints(body_id))
        )
        self.joint_indices: tuple[int, ...] = tuple(j.index for j in self.joints if j.type in ONE_DOF_TYPES)
        self.joint_names: tuple[str, ...] = tuple(self.joints[i].name for i in self.joint_indices)
        self.spherical_joint_indices: tuple[int, ...] = tuple(j.index for j in self.joints if j.type == "spherical")
        self.torque_control_enabled = False
        self.frames = LinkFrames(c, body_id)

    def __repr__(self) -> str:
        return (
            f"Robot({self.name!r}: {len(self.links)} links, {self.dof} one-DoF joints, "
            f"{len(self.spherical_joint_indices)} spherical, mass {self.total_mass:.3g} kg)"
        )

    # -- structure -------------------------------------------------------------------------------
    @property
    def dof(self) -> int:
        """Number of one-DoF (revolute or prismatic) joints."""
        return len(self.joint_indices)

    @property
    def total_mass(self) -> float:
        """Sum of link masses in kg, as the simulation currently has them."""
        return float(sum(self.world.client.getDynamicsInfo(self.body_id, link.index)[0] for link in self.links))

    def joint(self, name: str) -> JointInfo:
        """The joint with this name; a KeyError lists the valid names."""
        for j in self.joints:
            if j.name == name:
                return j
        raise KeyError(f"{self.name} has no joint {name!r}; its joints are {[j.name for j in self.joints]}")

    def link(self, name: str) -> LinkInfo:
        """The link with this name (the base included); a KeyError lists the valid names."""
        for link in self.links:
            if link.name == name:
                return link
        raise KeyError(f"{self.name} has no link {name!r}; its links are {[lk.name for lk in self.links]}")

    def joint_limits(self) -> tuple[np.ndarray, np.ndarray]:
        """Lower and upper limits of the one-DoF joints; +-inf for continuous joints."""
        lower = np.array(
            [self.joints[i].lower_limit if self.joints[i].has_limits else -np.inf for i in self.joint_indices]
        )
        upper = np.array(
            [self.joints[i].upper_limit if self.joints[i].has_limits else np.inf for i in self.joint_indices]
        )
        return lower, upper

    def joint_table(self) -> Table:
        """Every joint with its type and limits, ready to print or show in a notebook."""
        rows = []
        for j in self.joints:
            unit = "m" if j.type == "prismatic" else "rad"
            limits = f"{j.lower_limit:.3g} .. {j.upper_limit:.3g} {unit}" if j.has_limits else "-"
            if j.type in ONE_DOF_TYPES and not j.has_limits:
                limits = "continuous"
            rows.append((j.index, j.name, j.type, limits, j.max_force, j.max_velocity, j.child_link))
        return make_table(
            ("index", "joint", "type", "limits", "max effort", "max velocity", "child link"),
            rows,
            title=f"{self.name}: joints",
        )

    def link_table(self) -> Table:
        """Every link with its mass (kg) and principal inertias (kg m^2)."""
        rows = [(lk.index, lk.name, lk.mass, lk.inertia_diagonal, lk.center_of_mass) for lk in self.links]
        return make_table(
            ("index", "link", "mass [kg]", "inertia diag [kg m^2]", "CoM in link frame [m]"),
            rows,
            title=f"{self.name}: links (total {self.total_mass:.3g} kg)",
        )

    # -- state -----------------------------------------------------------------------------------
    def state(self) -> JointState:
        """Positions and velocities of the one-DoF joints."""
        return JointState.from_rows(self.state_rows())

    def state_rows(self) -> np.ndarray:
        """Positions (rad or m) over velocities (rad/s or m/s) of the one-DoF joints: one new (2, dof) array."""
        states = self.world.client.getJointStates(self.body_id, self.joint_indices)
        return np.array((list(map(_POSITION, states)), list(map(_VELOCITY, states))), dtype=float)

    def set_state(
        self, positions: Sequence[float] | np.ndarray, velocities: Sequence[float] | np.ndarray | None = None
    ) -> None:
        """Teleport the one-DoF joints to these positions (and velocities, default zero)."""
        q = self.joint_vector("positions", positions)
        self.warn_if_degrees("positions", q)
        qd = np.zeros(self.dof) if velocities is None else self.joint_vector("velocities", velocities)
        self.write_rows(np.array((q, qd)))

    def warn_if_degrees(self, name: str, positions: np.ndarray) -> None:
        """Warn when ``positions`` put a limited revolute joint more than a full turn (2 pi rad) away from zero: no
        such joint can be there, and angles given in degrees are the usual reason. A real state, even one a little
        past a limit (torques can push a joint there), never warns."""
        limited = self.limited_revolute_mask()
        suspicious = limited & (np.abs(positions) > 2 * math.pi)
        if suspicious.any():
            where = ", ".join(f"{self.joint_names[i]} = {positions[i]:.4g}" for i in np.flatnonzero(suspicious))
            warnings.warn(
                f"{self.name}: {name} more than a full turn from zero, which its joint limits do not allow ({where}). "
                "Angles are in rad: if these are degrees, np.radians(...) converts them.",
                stacklevel=3,
            )

    def limited_revolute_mask(self) -> np.ndarray:
        """True for each one-DoF joint that is revolute and has limits (a continuous joint may turn any number of
        times; a prismatic joint's position is in m)."""
        return np.array(
            [self.joints[i].type == "revolute" and self.joints[i].has_limits for i in self.joint_indices], dtype=bool
        )

    def write_rows(self, rows: np.ndarray) -> None:
        """``set_state`` without its checks, in one pybullet call, for loops: ``rows`` is a float (2, dof) array,
        positions (rad or m) over velocities (rad/s or m/s), finite, checked where it came in."""
        if self.joint_indices:
            positions, velocities = rows[:, :, None].tolist()  # one list per joint, as the MultiDof call wants
            self.world.client.resetJointStatesMultiDof(self.body_id, self.joint_indices, positions, velocities)

    def enable_torque_control(self) -> None:
        """Switch off pybullet's default velocity motors so that ``apply_torques`` alone drives the joints."""
        c = self.world.client
        if self.dof:
            c.setJointMotorControlArray(
                self.body_id, self.joint_indices, pybullet.VELOCITY_CONTROL, forces=[0.0] * self.dof
            )
        for index in self.spherical_joint_indices:
            c.setJointMotorControlMultiDof(self.body_id, index, pybullet.POSITION_CONTROL, force=[0.0, 0.0, 0.0])
        self.torque_control_enabled = True

    def apply_torques(self, torques: Sequence[float] | np.ndarray) -> None:
        """Apply joint torques (N m) or forces (N, prismatic) for the next step."""
        self.write_torques(self.joint_vector("torques", torques))

    def write_torques(self, torques: np.ndarray) -> None:
        """``apply_torques`` without checking the values: ``torques`` (N m, or N) is already a float array of one
        finite entry per one-DoF joint, checked where it came in."""
        if not self.torque_control_enabled:
            raise RuntimeError(
                f"{self.name}: call robot.enable_torque_control() first, otherwise pybullet's default "
                "velocity motors fight the torques you apply."
            )
        self.world.client.setJointMotorControlArray(
            self.body_id, self.joint_indices, pybullet.TORQUE_CONTROL, forces=torques.tolist()
        )

    def hold_pose(self, max_torque: float = 200.0, stiffness: float = 0.2) -> None:
        """Hold every joint at its current angle with position motors (a stiff statue)."""
        c = self.world.client
        for index in self.joint_indices:
            angle = c.getJointState(self.body_id, index)[0]
            c.setJointMotorControl2(
                self.body_id, index, pybullet.POSITION_CONTROL, targetPosition=angle, force=max_torque
            )
        for index in self.spherical_joint_indices:
            orientation = c.getJointStateMultiDof(self.body_id, index)[0]
            c.setJointMotorControlMultiDof(
                self.body_id,
                index,
                pybullet.POSITION_CONTROL,
                targetPosition=list(orientation),
                positionGain=stiffness,
                velocityGain=1.0,
                force=[max_torque] * 3,
            )
        self.torque_control_enabled = False

    # -- frames ----------------------------------------------------------------------------------
    def link_frame_poses(self) -> tuple[np.ndarray, np.ndarray]:
        """World position (m) and quaternion (x, y, z, w) of every link's URDF frame, base first.

        pybullet reports the base at its centre of mass; visual shapes hang on the URDF link frame,
        so the base's inertial offset is undone (see ``twin.sim.frames``). Row ``i`` belongs to link index ``i - 1``.
        """
        return self.frames.positions_orientations()

    def joint_vector(self, what: str, values: Sequence[float] | np.ndarray) -> np.ndarray:
        """``values`` as a float array with one finite entry per one-DoF joint; a clear error otherwise."""
        array = np.asarray(values, dtype=float).reshape(-1)
        if array.shape != (self.dof,):
            raise ValueError(
                f"{what} for {self.name} need {self.dof} values, one per joint {list(self.joint_names)}; "
                f"got {array.size}."
            )
        if not all_finite(array):
            raise ValueError(f"{what} for {self.name} must be finite numbers, got {array}.")
        return array


def catalogue_table() -> Table:
    """The robot catalogue as a table: name, URDF and a one-line description."""
    return make_table(
        ("name", "URDF", "description"),
        [(s.name, s.urdf, s.description) for s in ROBOTS.values()],
        title="twin robot catalogue",
    )


def resolve_urdf(urdf: str | Path) -> Path:
    """Find a URDF: an existing path, or a file in twin's assets, or in pybullet_data."""
    candidate = Path(urdf).expanduser()
    searched = [candidate, ASSETS / str(urdf), Path(pybullet_data.getDataPath()) / str(urdf)]
    for path in searched:
        if path.is_file():
            return path.resolve()
    raise FileNotFoundError(
        f"URDF {str(urdf)!r} not found. Looked in: " + ", ".join(str(p) for p in searched) + ". "
        f"Pass an existing file path, or one of the catalogue robots: {sorted(ROBOTS)}."
    )


def load_robot(
    world: RobotHost, name: str | None = None, *, urdf: str | Path | None = None, **options: object
) -> Robot:
    """Load a catalogue robot (``name``) or any URDF file (``urdf``) into ``world``.

    ``options`` override fields of the catalogue entry (see ``RobotSpec``), e.g. ``fixed_base=False``.
    """
    if (name is None) == (urdf is None):
        raise ValueError(f"Give either a catalogue name ({', '.join(sorted(ROBOTS))}) or urdf='path/to/file.urdf'.")
    if name is not None:
        if name not in ROBOTS:
            raise KeyError(f"Unknown robot {name!r}. Choose one of: {', '.join(sorted(ROBOTS))}.")
        spec = ROBOTS[name]
    else:
        spec = RobotSpec(name=Path(str(urdf)).stem, urdf=str(urdf), description=f"custom URDF {urdf}")
    valid = set(RobotSpec.__dataclass_fields__) - {"name", "urdf", "description"}
    unknown = set(options) - valid
    if unknown:
        raise TypeError(f"Unknown robot option(s) {sorted(unknown)}. Valid options: {sorted(valid)}.")
    spec = replace(spec, **options)  # type: ignore[arg-type]
    if not (math.isfinite(spec.global_scaling) and spec.global_scaling > 0):
        raise ValueError(f"global_scaling={spec.global_scaling!r} must be a positive number, e.g. 1.0.")
    path = resolve_urdf(spec.urdf)

    c = world.client
    if spec.needs_ground:
        world.add_ground()
    with quiet_c_output():
        body = c.loadURDF(
            str(path),
            basePosition=spec.base_position,
            baseOrientation=c.getQuaternionFromEuler(spec.base_euler),
            useFixedBase=spec.fixed_base,
            globalScaling=spec.global_scaling,
            flags=pybullet.URDF_USE_INERTIA_FROM_FILE,  # otherwise pybullet guesses inertia from collision shapes
        )
    if body < 0:
        raise RuntimeError(f"pybullet could not load {path}; check that it is a valid URDF.")
    robot = Robot(world, body, spec)
    if spec.initial_positions:
        index_by_name = {j.name: j.index for j in robot.joints}
        for joint_name, value in spec.initial_positions.items():
            if joint_name not in index_by_name:
                raise KeyError(f"initial_positions names unknown joint {joint_name!r}; joints: {list(index_by_name)}")
            c.resetJointState(body, index_by_name[joint_name], float(value))
    if spec.stand_on_ground:
        _place_on_ground(world, body, len(robot.links))
    if spec.hold_pose:
        robot.hold_pose()
    world.robots.append(robot)
    return robot


def _place_on_ground(world: RobotHost, body: int, n_links: int) -> None:
    c = world.client
    lowest = min(c.getAABB(body, link)[0][2] for link in range(-1, n_links - 1))
    position, orientation = c.getBasePositionAndOrientation(body)
    c.resetBasePositionAndOrientation(body, [position[0], position[1], position[2] - lowest + 1e-3], orientation)


def _joint_info(c: object, body: int, j: int) -> JointInfo:
    info = c.getJointInfo(body, j)  # type: ignore[attr-defined]
    return JointInfo(
        index=j,
        name=info[1].decode(),
        type=JOINT_TYPE_NAMES.get(info[2], str(info[2])),
        lower_limit=float(info[8]),
        upper_limit=float(info[9]),
        max_force=float(info[10]),
        max_velocity=float(info[11]),
        damping=float(info[6]),
        friction=float(info[7]),
        child_link=info[12].decode(),
    )


def _link_info(c: object, body: int, link: int, name: str) -> LinkInfo:
    d = c.getDynamicsInfo(body, link)  # type: ignore[attr-defined]
    return LinkInfo(
        index=link,
        name=name,
        mass=float(d[0]),
        inertia_diagonal=tuple(float(x) for x in d[2]),  # type: ignore[arg-type]
        center_of_mass=tuple(float(x) for x in d[3]),  # type: ignore[arg-type]
        lateral_friction=float(d[1]),
    )
