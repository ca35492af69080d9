"""What pybullet knows about a body's looks and where its links are, turned into meshcat geometry.

Frames, measured on pybullet 3.2.7 (tests/test_viz_scene.py checks them against ``getAABB``):

- ``getVisualShapeData`` gives each visual's offset relative to the link's URDF frame (not its
  centre of mass; ``getCollisionShapeData``, in contrast, is relative to the centre of mass).
- ``getLinkState(...)[4:6]`` is a link's URDF frame in the world; ``getBasePositionAndOrientation`` is
  the base's centre of mass, so the base's inertial offset ``getDynamicsInfo(body, -1)[3:5]`` is undone.
- Dimensions already include the URDF's ``globalScaling``: sphere ``(r, ., .)``, box full extents,
  cylinder and capsule ``(length, radius, .)`` along the local z axis, mesh ``(sx, sy, sz)`` scale.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import umsgpack

from twin.sim._bullet import pybullet
from twin.sim.frames import LinkFrames as SimLinkFrames
from twin.viz import _protocol as proto

GEOMETRY_NAMES = {
    pybullet.GEOM_SPHERE: "sphere",
    pybullet.GEOM_BOX: "box",
    pybullet.GEOM_CYLINDER: "cylinder",
    pybullet.GEOM_MESH: "mesh",
    pybullet.GEOM_PLANE: "plane",
    pybullet.GEOM_CAPSULE: "capsule",
    pybullet.GEOM_HEIGHTFIELD: "heightfield",
}

# three.js cylinders run along their local y axis, pybullet's along z: turn y onto z.
_Y_TO_Z = np.array([[1.0, 0, 0, 0], [0, 0, -1.0, 0], [0, 1.0, 0, 0], [0, 0, 0, 1.0]])


@dataclass(frozen=True)
class VisualShape:
    """One visual of one link, as pybullet reports it.

    Attributes:
        link_index: -1 for the base, else the pybullet link (= joint) index.
        kind: sphere, box, cylinder, capsule, mesh, plane or heightfield.
        dimensions: m (see the module docstring); for meshes the scale factors.
        mesh_file: absolute path of the mesh file, or None.
        local_position: m, in the link's URDF frame.
        local_orientation: quaternion (x, y, z, w), in the link's URDF frame.
        rgba: colour, 0..1.
    """

    link_index: int
    kind: str
    dimensions: tuple[float, float, float]
    mesh_file: str | None
    local_position: tuple[float, float, float]
    local_orientation: tuple[float, float, float, float]
    rgba: tuple[float, float, float, float]

    @property
    def local_matrix(self) -> np.ndarray:
        """4x4 pose of the visual in its link frame."""
        return pose_matrix(self.local_position, self.local_orientation)


def visual_shapes(client: object, body_id: int) -> list[VisualShape]:
    """Every visual shape of a body, in pybullet's order."""
    shapes = []
    for v in client.getVisualShapeData(body_id):  # type: ignore[attr-defined]
        mesh = v[4].decode("utf-8", "replace") if isinstance(v[4], bytes) else str(v[4])
        shapes.append(
            VisualShape(
                link_index=int(v[1]),
                kind=GEOMETRY_NAMES.get(v[2], f"unknown({v[2]})"),
                dimensions=tuple(float(x) for x in v[3]),  # type: ignore[arg-type]
                mesh_file=mesh or None,
                local_position=tuple(float(x) for x in v[5]),  # type: ignore[arg-type]
                local_orientation=tuple(float(x) for x in v[6]),  # type: ignore[arg-type]
                rgba=tuple(float(x) for x in v[7]),  # type: ignore[arg-type]
            )
        )
    return shapes


class LinkFrames(SimLinkFrames):
    """``twin.sim.frames.LinkFrames`` plus the 4x4 matrices a scene sends to meshcat."""

    def matrices(self) -> np.ndarray:
        """World 4x4 transforms of every link frame, shape (n+1, 4, 4)."""
        pos, orn = self.positions_orientations()
        return pose_matrices(pos, orn)


# -- maths ---------------------------------------------------------------------------------------
def rotation_matrices(quaternions: np.ndarray) -> np.ndarray:
    """Rotation matrices (n, 3, 3) from quaternions (n, 4) as (x, y, z, w); any float dtype."""
    q = np.asarray(quaternions, dtype=np.float64).reshape(-1, 4)
    q = q / np.linalg.norm(q, axis=1, keepdims=True)
    x, y, z, w = q.T
    return np.stack(
        [
            np.stack([1 - 2 * (y * y + z * z), 2 * (x * y - z * w), 2 * (x * z + y * w)], axis=-1),
            np.stack([2 * (x * y + z * w), 1 - 2 * (x * x + z * z), 2 * (y * z - x * w)], axis=-1),
            np.stack([2 * (x * z - y * w), 2 * (y * z + x * w), 1 - 2 * (x * x + y * y)], axis=-1),
        ],
        axis=1,
    )


def pose_matrices(positions: np.ndarray, quaternions: np.ndarray) -> np.ndarray:
    """4x4 transforms (n, 4, 4) from positions (n, 3) in m and quaternions (n, 4) (x, y, z, w)."""
    p = np.asarray(positions, dtype=np.float64).reshape(-1, 3)
    out = np.zeros((p.shape[0], 4, 4))
    out[:, :3, :3] = rotation_matrices(quaternions)
    out[:, :3, 3] = p
    out[:, 3, 3] = 1.0
    return out


def pose_matrix(position: object, quaternion: object = (0.0, 0.0, 0.0, 1.0)) -> np.ndarray:
    """One 4x4 transform from a position (m) and a quaternion (x, y, z, w)."""
    return pose_matrices(np.asarray(position, dtype=np.float64), np.asarray(quaternion, dtype=np.float64))[0]


def quaternion_from_matrix(rotation: np.ndarray) -> np.ndarray:
    """(x, y, z, w) of a 3x3 rotation matrix (w >= 0)."""
    m = np.asarray(rotation, dtype=np.float64)
    trace = m[0, 0] + m[1, 1] + m[2, 2]
    if trace > 0:
        s = 2.0 * np.sqrt(trace + 1.0)
        q = [(m[2, 1] - m[1, 2]) / s, (m[0, 2] - m[2, 0]) / s, (m[1, 0] - m[0, 1]) / s, 0.25 * s]
    elif m[0, 0] > m[1, 1] and m[0, 0] > m[2, 2]:
        s = 2.0 * np.sqrt(1.0 + m[0, 0] - m[1, 1] - m[2, 2])
        q = [0.25 * s, (m[0, 1] + m[1, 0]) / s, (m[0, 2] + m[2, 0]) / s, (m[2, 1] - m[1, 2]) / s]
    elif m[1, 1] > m[2, 2]:
        s = 2.0 * np.sqrt(1.0 + m[1, 1] - m[0, 0] - m[2, 2])
        q = [(m[0, 1] + m[1, 0]) / s, 0.25 * s, (m[1, 2] + m[2, 1]) / s, (m[0, 2] - m[2, 0]) / s]
    else:
        s = 2.0 * np.sqrt(1.0 + m[2, 2] - m[0, 0] - m[1, 1])
        q = [(m[0, 2] + m[2, 0]) / s, (m[1, 2] + m[2, 1]) / s, 0.25 * s, (m[1, 0] - m[0, 1]) / s]
    q = np.array(q)
    return q if q[3] >= 0 else -q


def rotation_between(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """The 3x3 rotation that turns unit vector ``a`` onto unit vector ``b``."""
    a = np.asarray(a, dtype=np.float64) / np.linalg.norm(a)
    b = np.asarray(b, dtype=np.float64) / np.linalg.norm(b)
    v = np.cross(a, b)
    c = float(np.dot(a, b))
    if c < -1.0 + 1e-12:  # opposite: turn half way round any axis perpendicular to a
        axis = np.cross(a, [1.0, 0, 0]) if abs(a[0]) < 0.9 else np.cross(a, [0, 1.0, 0])
        axis /= np.linalg.norm(axis)
        return 2.0 * np.outer(axis, axis) - np.eye(3)
    vx = np.array([[0, -v[2], v[1]], [v[2], 0, -v[0]], [-v[1], v[0], 0]])
    return np.eye(3) + vx + vx @ vx / (1.0 + c)


# -- geometry for meshcat --------------------------------------------------------------------------
def box_geometry(size: object) -> dict:
    sx, sy, sz = (float(x) for x in np.asarray(size, dtype=np.float64).reshape(3))
    return {"uuid": proto.new_uuid(), "type": "BoxGeometry", "width": sx, "height": sy, "depth": sz}


def sphere_geometry(radius: float, segments: int = 24) -> dict:
    return {
        "uuid": proto.new_uuid(),
        "type": "SphereGeometry",
        "radius": float(radius),
        "widthSegments": segments,
        "heightSegments": segments // 2 + 2,
    }


def cylinder_geometry(length: float, radius_top: float, radius_bottom: float | None = None) -> dict:
    """A cylinder (or cone) along three.js's y axis, centred at the origin."""
    return {
        "uuid": proto.new_uuid(),
        "type": "CylinderGeometry",
        "radiusTop": float(radius_top),
        "radiusBottom": float(radius_top if radius_bottom is None else radius_bottom),
        "height": float(length),
        "radialSegments": 24,
    }


def triangle_mesh_geometry(vertices: np.ndarray, faces: np.ndarray) -> dict:
    """An indexed triangle mesh (vertices (n, 3) in m, faces (m, 3) of vertex indices)."""
    v = np.ascontiguousarray(np.asarray(vertices, dtype=np.float32).T)
    f = np.ascontiguousarray(np.asarray(faces, dtype=np.uint32).T)
    return {
        "uuid": proto.new_uuid(),
        "type": "BufferGeometry",
        "data": {
            "attributes": {
                "position": {
                    "itemSize": 3,
                    "type": "Float32Array",
                    "array": umsgpack.Ext(0x17, v.tobytes("F")),
                    "normalized": False,
                }
            },
            "index": {
                "itemSize": 3,
                "type": "Uint32Array",
                "array": umsgpack.Ext(0x16, f.tobytes("F")),
                "normalized": False,
            },
        },
    }


@functools.lru_cache(maxsize=64)
def _mesh_file_geometry(path: str) -> tuple[str, object]:
    suffix = Path(path).suffix.lower()
    if suffix == ".obj":
        return "obj", Path(path).read_text(encoding="utf-8", errors="replace")
    if suffix == ".dae":
        return "dae", Path(path).read_text(encoding="utf-8", errors="replace")
    if suffix == ".stl":
        return "stl", umsgpack.Ext(0x12, Path(path).read_bytes())
    raise ValueError(f"mesh file {path} has a format meshcat cannot draw (it draws .obj, .stl and .dae).")


def mesh_file_geometry(path: str) -> dict:
    """A mesh file (.obj, .stl, .dae) as a meshcat geometry; file contents are cached."""
    fmt, data = _mesh_file_geometry(str(path))
    return {"uuid": proto.new_uuid(), "type": "_meshfile_geometry", "format": fmt, "data": data}


def visual_parts(shape: VisualShape) -> list[tuple[dict, np.ndarray]]:
    """The meshcat geometries of one visual, each with its 4x4 pose in the link frame.

    A capsule becomes a cylinder and two spheres. Returns [] for shapes that cannot be drawn
    (a heightfield: pybullet does not give its heights back; draw it with ``Scene.add_heightfield``).
    """
    local = shape.local_matrix
    d = shape.dimensions
    if shape.kind == "sphere":
        return [(sphere_geometry(d[0]), local)]
    if shape.kind == "box":
        return [(box_geometry(d), local)]
    if shape.kind in ("cylinder", "capsule"):
        length, radius = d[0], d[1]
        parts = [(cylinder_geometry(length, radius), local @ _Y_TO_Z)]
        if shape.kind == "capsule":
            for end in (-0.5, 0.5):
                parts.append((sphere_geometry(radius), local @ pose_matrix((0.0, 0.0, end * length))))
        return parts
    if shape.kind == "mesh" and shape.mesh_file:
        if not Path(shape.mesh_file).is_file():
            return []
        scale = np.diag([d[0] or 1.0, d[1] or 1.0, d[2] or 1.0, 1.0])
        return [(mesh_file_geometry(shape.mesh_file), local @ scale)]
    if shape.kind == "plane":
        return [(box_geometry((20.0, 20.0, 0.002)), local @ pose_matrix((0.0, 0.0, -0.003)))]
    return []


def heightfield_mesh(
    heights: np.ndarray, cell_size: tuple[float, float], height_scale: float = 1.0
) -> tuple[np.ndarray, np.ndarray]:
    """Vertices and faces of a pybullet-style heightfield, centred as pybullet centres it.

    ``heights[j, i]`` is the height at column ``i`` (along x) and row ``j`` (along y), the layout of
    ``heightfieldData=heights.ravel()`` with ``numHeightfieldRows = heights.shape[1]``. pybullet puts
    the grid's centre at the body origin and shifts heights so that (min + max) / 2 sits at z = 0.
    """
    h = np.asarray(heights, dtype=np.float64)
    if h.ndim != 2 or min(h.shape) < 2:
        raise ValueError(f"heights must be a 2D array with at least 2x2 samples, got shape {h.shape}.")
    if not np.all(np.isfinite(h)):
        raise ValueError("heights must be finite numbers (m).")
    ny, nx = h.shape
    sx, sy = (float(c) for c in cell_size)
    z = (h - (h.min() + h.max()) / 2.0) * float(height_scale)
    xs = (np.arange(nx) - (nx - 1) / 2.0) * sx
    ys = (np.arange(ny) - (ny - 1) / 2.0) * sy
    gx, gy = np.meshgrid(xs, ys)
    vertices = np.stack([gx.ravel(), gy.ravel(), z.ravel()], axis=1)
    idx = np.arange(nx * ny).reshape(ny, nx)
    a, b, c, d = idx[:-1, :-1].ravel(), idx[:-1, 1:].ravel(), idx[1:, 1:].ravel(), idx[1:, :-1].ravel()
    faces = np.concatenate([np.stack([a, b, c], 1), np.stack([a, c, d], 1)])
    return vertices, faces
