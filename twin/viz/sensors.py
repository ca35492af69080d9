"""What sensors see, drawn in a ``Scene``: LIDAR points and rays, a camera's frustum and image, force arrows.

Each ``show_*`` call draws (or redraws, when called again with the same name) one thing under
``/meshcat/sensors/<name>``; ``scene.set_visible(name, False)`` does not reach these, use ``hide_sensor``.
Units: metres and newtons, world frame.
"""

from __future__ import annotations

import base64
import io
from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
import umsgpack

from twin.viz import _protocol as proto
from twin.viz.scene import ROOT, _safe

if TYPE_CHECKING:
    from twin.sensors.camera import Camera
    from twin.sensors.lidar import LidarScan
    from twin.viz.scene import Scene

SENSORS = f"{ROOT}/sensors"


def _buffer_geometry(positions: np.ndarray, colors: np.ndarray | None = None) -> dict:
    attributes = {
        "position": {
            "itemSize": 3,
            "type": "Float32Array",
            "array": umsgpack.Ext(0x17, np.ascontiguousarray(positions, dtype=np.float32).tobytes()),
            "normalized": False,
        }
    }
    if colors is not None:
        attributes["color"] = {
            "itemSize": 3,
            "type": "Float32Array",
            "array": umsgpack.Ext(0x17, np.ascontiguousarray(colors, dtype=np.float32).tobytes()),
            "normalized": False,
        }
    return {"uuid": proto.new_uuid(), "type": "BufferGeometry", "data": {"attributes": attributes}}


def _finite_rows(points: np.ndarray) -> np.ndarray:
    p = np.asarray(points, dtype=np.float64).reshape(-1, 3)
    return np.all(np.isfinite(p), axis=1)


def height_colors(points: np.ndarray, low: float | None = None, high: float | None = None) -> np.ndarray:
    """RGB (n, 3) in 0..1 from each point's height: blue low, yellow high (a common LIDAR colouring).

    Without ``low``/``high`` (m), the scale runs from the 2nd to the 98th percentile of the heights.
    """
    z = np.asarray(points, dtype=float).reshape(-1, 3)[:, 2]
    finite = z[np.isfinite(z)]
    # percentiles, not min/max: a few stray readings must not wash out the colours of all the others
    lo = (np.percentile(finite, 2) if finite.size else 0.0) if low is None else low
    hi = (np.percentile(finite, 98) if finite.size else 1.0) if high is None else high
    t = np.clip((z - lo) / max(hi - lo, 1e-9), 0.0, 1.0)[:, None]
    return (1 - t) * np.array([0.15, 0.3, 0.9]) + t * np.array([1.0, 0.85, 0.1])


def show_points(
    scene: Scene,
    name: str,
    points: np.ndarray,
    *,
    color: Sequence[float] = (0.1, 0.4, 1.0),
    colors: np.ndarray | None = None,
    size: float = 0.03,
) -> int:
    """A point cloud (n, 3) in m; rows with NaN are skipped. ``colors`` (n, 3) in 0..1 colours each point.

    Returns the number of points drawn.
    """
    p = np.asarray(points, dtype=np.float64).reshape(-1, 3)
    keep = _finite_rows(p)
    c = None if colors is None else np.asarray(colors, dtype=float).reshape(-1, 3)[keep]
    geometry = _buffer_geometry(p[keep], c)
    material = proto.material(color, kind="PointsMaterial", size=float(size))
    if c is not None:
        material["vertexColors"] = 2
        material["color"] = 0xFFFFFF
    obj = proto.mesh_object(geometry, material, kind="Points")
    scene._send([proto.set_object(f"{SENSORS}/{_safe(name)}", obj)])
    return int(keep.sum())


def show_rays(
    scene: Scene,
    name: str,
    origins: np.ndarray,
    ends: np.ndarray,
    *,
    color: Sequence[float] = (1.0, 0.2, 0.2),
    opacity: float = 0.35,
) -> int:
    """Line segments from ``origins`` ((3,) or (n, 3)) to ``ends`` (n, 3); rows with NaN are skipped."""
    e = np.asarray(ends, dtype=np.float64).reshape(-1, 3)
    o = np.broadcast_to(np.asarray(origins, dtype=np.float64).reshape(-1, 3), e.shape)
    keep = _finite_rows(e) & _finite_rows(o)
    segments = np.empty((int(keep.sum()) * 2, 3))
    segments[0::2], segments[1::2] = o[keep], e[keep]
    material = proto.material(color, opacity, kind="LineBasicMaterial")
    obj = proto.mesh_object(_buffer_geometry(segments), material, kind="LineSegments")
    scene._send([proto.set_object(f"{SENSORS}/{_safe(name)}", obj)])
    return int(keep.sum())


def show_lidar_scan(scene: Scene, scan: LidarScan, name: str = "lidar", *, rays: int = 180, size: float = 0.04) -> None:
    """A LIDAR scan: its points coloured by height, the scanner as a small sphere, and up to ``rays`` beams drawn.

    A beam is drawn as far as it is known to be free: to its return, to ``max_range`` when nothing echoed
    (``+inf``), to ``min_range`` when something blocked it there (``-inf``); a dropped beam (NaN) is not drawn.
    """
    points = scan.points
    show_points(scene, f"{name}_points", points, colors=height_colors(points), size=size)
    scene.add_marker(f"{name}_head", scan.origin, radius=0.06, color=(0.15, 0.15, 0.15))
    if rays:
        every = max(1, len(points) // int(rays))
        r = scan.ranges
        reach = np.where(np.isposinf(r), scan.max_range, np.where(np.isneginf(r), scan.min_range, r))  # NaN stays
        ends = scan.origin + scan.directions * reach[:, None]
        show_rays(scene, f"{name}_rays", scan.origin, ends[::every])


def _png_data_url(image: np.ndarray) -> str:
    from PIL import Image

    buffer = io.BytesIO()
    Image.fromarray(np.asarray(image, dtype=np.uint8)).save(buffer, format="PNG")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def show_camera(
    scene: Scene,
    camera: Camera,
    image: np.ndarray | None = None,
    name: str = "camera",
    *,
    distance: float = 0.4,
    color: Sequence[float] = (0.1, 0.1, 0.1),
) -> None:
    """A camera's viewing frustum (lines from its centre to the image corners at ``distance`` m), and, if given,
    its ``image`` (H, W, 3 uint8) pasted on the frustum's far end, the way the camera sees it."""
    corners = camera.frustum_corners(distance)
    eye = camera.world_from_camera[:3, 3]
    ends = np.concatenate([corners, corners[[1, 2, 3, 0]]])
    starts = np.concatenate([np.repeat(eye[None], 4, axis=0), corners])
    show_rays(scene, f"{name}_frustum", starts, ends, color=color, opacity=1.0)
    if image is None:
        return
    width = float(np.linalg.norm(corners[1] - corners[0]))
    height = float(np.linalg.norm(corners[3] - corners[0]))
    texture = {"uuid": proto.new_uuid(), "image": proto.new_uuid(), "wrapS": 1001, "wrapT": 1001}
    picture = {"uuid": texture["image"], "url": _png_data_url(image)}
    material = proto.material((1.0, 1.0, 1.0), kind="MeshBasicMaterial", map=texture["uuid"])
    geometry = {"uuid": proto.new_uuid(), "type": "PlaneGeometry", "width": width, "height": height}
    # a three.js plane faces +z with the image's top along +y; the camera frame has y down and z forward:
    # turn the plane half a turn about x so that it faces the camera and shows the image upright
    pose = camera.world_from_camera @ np.diag([1.0, -1.0, -1.0, 1.0])
    pose[:3, 3] = corners.mean(axis=0)
    obj = proto.mesh_object(geometry, material, pose)
    obj["textures"] = [texture]
    obj["images"] = [picture]
    scene._send([proto.set_object(f"{SENSORS}/{_safe(name)}_image", obj)])


def show_force(
    scene: Scene,
    name: str,
    point: Sequence[float] | np.ndarray,
    force: Sequence[float] | np.ndarray,
    *,
    scale: float = 0.002,
    color: Sequence[float] = (0.9, 0.2, 0.6),
    radius: float = 0.012,
) -> None:
    """An arrow for a force (N) acting at ``point`` (m), ``scale`` m per N (0.002: 500 N is 1 m long).

    ``radius`` (m) is the shaft's; the arrow keeps the radius it was first drawn with.
    """
    vector = np.asarray(force, dtype=float).reshape(3) * float(scale)
    if name in scene._arrows:
        scene.set_arrow(name, point, vector)
    else:
        scene.add_arrow(name, point, vector, color=color, radius=radius)


def hide_sensor(scene: Scene, name: str, visible: bool = False) -> None:
    """Show or hide something drawn by ``show_points``/``show_rays``/``show_camera`` (use its full name)."""
    scene._send([proto.set_property(f"{SENSORS}/{_safe(name)}", "visible", bool(visible))])
