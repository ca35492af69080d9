"""A soft-body demo with pybullet's deformables: a jelly cube dropped on the ground.

pybullet simulates deformable bodies with finite elements on a tetrahedral mesh (a Neo-Hookean material:
shear modulus ``mu`` and Lame's first parameter ``lambda``, both in Pa). It needs a world reset with
``RESET_USE_DEFORMABLE_WORLD``, and it is much slower than rigid bodies, so keep meshes small. We build the
mesh ourselves (a cube split into tetrahedra, written as a legacy VTK file) because pybullet_data ships no
volumetric mesh.

A soft cube sags under its own weight. For a column of height h, density rho and Young's modulus
``E = mu (3 lambda + 2 mu) / (lambda + mu)``, linear elasticity gives a shortening of ``rho g h^2 / (2 E)``:
a rough guide (large strain, friction on the ground and the Poisson bulge all change it).
"""

from __future__ import annotations

import itertools
import math
import tempfile
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType

import numpy as np

from twin.sim._bullet import pybullet
from twin.sim._quiet import quiet_c_output
from twin.sim.world import World


def cube_tetrahedra(size: float, divisions: int) -> tuple[np.ndarray, np.ndarray]:
    """Nodes (n, 3) in m, centred at the origin, and tetrahedra (k, 4) of a cube of side ``size``.

    Each of the ``divisions^3`` small cubes is split into 6 tetrahedra along its main diagonal (Kuhn's split),
    every one positively oriented (pybullet's elements invert and explode otherwise).
    """
    if not isinstance(divisions, int) or divisions < 1:
        raise ValueError(f"divisions={divisions!r} must be a whole number >= 1 (e.g. 3).")
    if not (isinstance(size, int | float) and 0 < size < math.inf):
        raise ValueError(f"size={size!r} m must be > 0.")
    n = divisions
    grid = np.linspace(-size / 2, size / 2, n + 1)
    nodes = np.array([(x, y, z) for z in grid for y in grid for x in grid])

    def index(i: int, j: int, k: int) -> int:
        return i + (n + 1) * (j + (n + 1) * k)

    tetrahedra = []
    for i, j, k in itertools.product(range(n), repeat=3):
        corner = [index(i + (b & 1), j + (b >> 1 & 1), k + (b >> 2 & 1)) for b in range(8)]
        for order in itertools.permutations((1, 2, 4)):
            bits, path = 0, [corner[0]]
            for bit in order:
                bits |= bit
                path.append(corner[bits])
            a, b, c, d = (nodes[p] for p in path)
            if np.dot(np.cross(b - a, c - a), d - a) < 0:
                path[1], path[2] = path[2], path[1]
            tetrahedra.append(path)
    return nodes, np.array(tetrahedra)


def write_vtk(path: str | Path, nodes: np.ndarray, tetrahedra: np.ndarray) -> Path:
    """Write a tetrahedral mesh as a legacy ASCII VTK file (the format ``loadSoftBody`` reads)."""
    lines = ["# vtk DataFile Version 2.0", "twin soft body", "ASCII", "DATASET UNSTRUCTURED_GRID"]
    lines.append(f"POINTS {len(nodes)} float")
    lines += [f"{x:.9g} {y:.9g} {z:.9g}" for x, y, z in nodes]
    lines.append(f"CELLS {len(tetrahedra)} {5 * len(tetrahedra)}")
    lines += ["4 " + " ".join(str(int(v)) for v in tet) for tet in tetrahedra]
    lines.append(f"CELL_TYPES {len(tetrahedra)}")
    lines += ["10"] * len(tetrahedra)  # 10 = VTK_TETRA
    path = Path(path)
    path.write_text("\n".join(lines) + "\n")
    return path


def youngs_modulus(mu: float, lam: float) -> float:
    """Young's modulus (Pa) from the Lame parameters mu and lambda (Pa)."""
    return mu * (3 * lam + 2 * mu) / (lam + mu)


@dataclass(frozen=True)
class SoftDropResult:
    """What happened to the jelly: ``times`` (s), ``nodes`` (frames, n, 3) in m, and the rest shape."""

    times: np.ndarray
    nodes: np.ndarray
    rest_nodes: np.ndarray
    tetrahedra: np.ndarray

    @property
    def heights(self) -> np.ndarray:
        """Top-to-bottom extent (m) per frame."""
        return np.ptp(self.nodes[:, :, 2], axis=1)

    @property
    def lowest(self) -> np.ndarray:
        """Lowest node height (m) per frame."""
        return self.nodes[:, :, 2].min(axis=1)

    @property
    def centre_heights(self) -> np.ndarray:
        """Mean node height (m) per frame."""
        return self.nodes[:, :, 2].mean(axis=1)

    def edge_strain(self, frame: int = -1) -> np.ndarray:
        """Relative change of every tetrahedron edge length against the rest shape (dimensionless)."""
        pairs = np.array([(a, b) for tet in self.tetrahedra for a, b in itertools.combinations(tet, 2)])
        rest = np.linalg.norm(self.rest_nodes[pairs[:, 0]] - self.rest_nodes[pairs[:, 1]], axis=1)
        now = np.linalg.norm(self.nodes[frame][pairs[:, 0]] - self.nodes[frame][pairs[:, 1]], axis=1)
        return now / rest - 1.0


class SoftCubeDrop:
    """A jelly cube dropped on the ground in a deformable pybullet world (DIRECT mode, its own client).

    Args:
        size: side of the cube, m.
        mass: its mass, kg.
        mu, lam: Neo-Hookean Lame parameters, Pa (shear modulus and Lame's first parameter).
        damping: Neo-Hookean damping (pybullet's dimensionless coefficient).
        drop_height: height of the cube's centre at the start, m.
        divisions: mesh cells per side (3 gives 64 nodes and 162 tetrahedra: quick).
        time_step: s; deformables want small steps (1/240 works for soft jelly).
        tilt: initial roll angle, rad, so it lands on an edge.
    """

    def __init__(
        self,
        size: float = 0.2,
        mass: float = 1.0,
        mu: float = 300.0,
        lam: float = 1000.0,
        damping: float = 0.05,
        drop_height: float = 0.5,
        divisions: int = 3,
        time_step: float = 1 / 240,
        tilt: float = 0.0,
    ) -> None:
        for name, value in (("mass", mass), ("mu", mu), ("lam", lam), ("drop_height", drop_height)):
            if not (isinstance(value, int | float) and 0 < value < math.inf):
                raise ValueError(f"{name}={value!r} must be a finite number > 0.")
        lowest_safe = size / 2 * math.sqrt(3)  # half the cube's diagonal: clear of the ground at any tilt
        if drop_height <= lowest_safe:
            raise ValueError(
                f"drop_height={drop_height} m could start the cube inside the ground; use > {lowest_safe:.3g} m."
            )
        self.size, self.mass, self.mu, self.lam = float(size), float(mass), float(mu), float(lam)
        self.rest_nodes, self.tetrahedra = cube_tetrahedra(size, divisions)
        self.world = World(time_step=time_step)
        try:
            c = self.world.client
            c.resetSimulation(pybullet.RESET_USE_DEFORMABLE_WORLD)  # forgets gravity and step: set them again
            c.setGravity(0.0, 0.0, -self.world.gravity)
            c.setTimeStep(self.world.time_step)
            # the reset removed everything, so load the ground plane here (World.add_ground would think it exists)
            self.ground_id = c.loadURDF("plane.urdf")
            with tempfile.TemporaryDirectory() as folder:
                mesh = write_vtk(Path(folder) / "jelly.vtk", self.rest_nodes, self.tetrahedra)
                with quiet_c_output():  # pybullet prints the mesh size from C
                    self.body_id = c.loadSoftBody(
                        str(mesh),
                        basePosition=[0.0, 0.0, float(drop_height)],
                        baseOrientation=c.getQuaternionFromEuler([float(tilt), 0.0, 0.0]),
                        mass=self.mass,
                        useNeoHookean=1,
                        NeoHookeanMu=self.mu,
                        NeoHookeanLambda=self.lam,
                        NeoHookeanDamping=float(damping),
                        collisionMargin=0.005,
                        useSelfCollision=0,
                        frictionCoeff=0.5,
                        repulsionStiffness=800,
                    )
            if self.body_id < 0:
                raise RuntimeError("pybullet could not load the soft body mesh.")
        except BaseException:
            self.world.close()
            raise

    @property
    def youngs_modulus(self) -> float:
        """E in Pa."""
        return youngs_modulus(self.mu, self.lam)

    @property
    def expected_sag(self) -> float:
        """Linear-elastic shortening under self-weight, m: rho g h^2 / (2 E) = m g / (2 E h)."""
        return self.mass * self.world.gravity / (2 * self.youngs_modulus * self.size)

    def node_positions(self) -> np.ndarray:
        """The simulation mesh's node positions (n, 3), m."""
        _, nodes = self.world.client.getMeshData(self.body_id, -1, flags=pybullet.MESH_DATA_SIMULATION_MESH)
        return np.array(nodes, dtype=float)

    def run(self, seconds: float, frames_per_second: float = 30.0, progress: bool = False) -> SoftDropResult:
        """Simulate ``seconds`` s and keep the nodes ``frames_per_second`` times per simulated second."""
        steps = int(round(seconds / self.world.time_step))
        every = max(1, int(round(1 / (frames_per_second * self.world.time_step))))
        times, frames = [self.world.time], [self.node_positions()]
        iterator = range(1, steps + 1)
        if progress:
            from twin.core.progress import tqdm

            iterator = tqdm(iterator, desc="soft body", unit="step")
        for k in iterator:
            self.world.step()
            if k % every == 0 or k == steps:
                times.append(self.world.time)
                frames.append(self.node_positions())
        return SoftDropResult(np.array(times), np.array(frames), self.rest_nodes, self.tetrahedra)

    def close(self) -> None:
        self.world.close()

    def __enter__(self) -> SoftCubeDrop:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()
