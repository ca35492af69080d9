"""Frames of a scene drawn off-screen, headless: for GIFs and stills to paste into slides and handouts.

No display, no browser, no GPU: the robots a ``Scene`` mirrors are rebuilt as visual-only bodies in a private
pybullet world (DIRECT mode, the same visual shapes, sizes, meshes and colours the 3D view draws), each link is
put where the scene (or a recording's frame) has it, and pybullet's software TinyRenderer takes the picture from
the scene's camera. What is drawn: every robot (a ghost in its ghost colour, opaque: TinyRenderer has no
transparency) and the ground if the scene has one; markers, arrows and heightfields are left out.

::

    recording.save("run.gif")                 # every frame of a recording, as an animated GIF
    scene.save("now.png")                     # the scene as it is now, as one picture
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np

from twin.sim._bullet import BulletClient, pybullet, pybullet_data
from twin.sim._quiet import quiet_c_output
from twin.viz import _protocol as proto
from twin.viz.shapes import VisualShape, quaternion_from_matrix

if TYPE_CHECKING:
    from PIL.Image import Image


class Scene(proto.ViewedScene, Protocol):
    """What the renderer reads from a ``twin.viz.Scene``: its state, camera and robot mirrors (typed here, so that
    the scene can call the renderer without the renderer importing the scene back)."""

    mirrors: Mapping[str, Any]


GROUND_RGBA = (0.78, 0.80, 0.78, 1.0)
MAX_PIXELS = 1920 * 1080  # a frame larger than full HD is refused: TinyRenderer takes seconds per frame there


def check_size(width: int, height: int) -> tuple[int, int]:
    """``(width, height)`` in pixels, or a clear error: positive integers, at most full HD in area."""
    for name, value in (("width", width), ("height", height)):
        if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < 16:
            raise ValueError(f"{name}={value!r} must be a whole number of pixels >= 16, for example 480 x 360.")
    if width * height > MAX_PIXELS:
        raise ValueError(f"{width} x {height} pixels is more than full HD (1920 x 1080); choose a smaller frame.")
    return int(width), int(height)


class OffscreenRenderer:
    """The robots of ``scene`` in a private headless pybullet world, ready to be photographed.

    Args:
        scene: the ``twin.viz.Scene`` to draw (its robots, ground and camera).
        width, height: frame size in pixels.
        fov: vertical field of view of the camera, degrees.

    Close it (or use ``with``) to free its pybullet world.
    """

    def __init__(self, scene: Scene, width: int = 480, height: int = 360, fov: float = 50.0) -> None:
        self.width, self.height = check_size(width, height)
        if not (isinstance(fov, int | float) and 5.0 <= fov <= 150.0):
            raise ValueError(f"fov={fov!r} must be a vertical field of view of 5..150 degrees.")
        self.scene = scene
        self.fov = float(fov)
        with quiet_c_output():
            self.client: BulletClient | None = BulletClient(connection_mode=pybullet.DIRECT)
        self.client.setAdditionalSearchPath(pybullet_data.getDataPath())
        self.bodies: list[tuple[int, str]] = []  # (visual-only body, the scene path of the link it draws)
        try:
            if scene.state._find("/meshcat/ground", create=False) is not None:
                self._add_ground()
            for mirror in scene.mirrors.values():
                rgba = None if mirror.color is None else (*mirror.color, 1.0)
                for shape in mirror.shapes:
                    body = self._add_visual(shape, rgba)
                    if body is not None:
                        self.bodies.append((body, mirror.link_paths[shape.link_index + 1]))
        except BaseException:
            self.close()
            raise

    def _add_ground(self) -> None:
        c = self.client
        shape = c.createVisualShape(pybullet.GEOM_BOX, halfExtents=[10.0, 10.0, 0.01], rgbaColor=GROUND_RGBA)
        c.createMultiBody(baseMass=0.0, baseVisualShapeIndex=shape, basePosition=[0.0, 0.0, -0.01])

    def _add_visual(self, shape: VisualShape, rgba: Sequence[float] | None) -> int | None:
        """One visual shape as a body of its own whose base frame is the link's frame; None if not drawable."""
        d = shape.dimensions
        options: dict[str, object] = {
            "rgbaColor": list(rgba if rgba is not None else shape.rgba),
            "visualFramePosition": list(shape.local_position),
            "visualFrameOrientation": list(shape.local_orientation),
        }
        if shape.kind == "sphere":
            options |= {"shapeType": pybullet.GEOM_SPHERE, "radius": d[0]}
        elif shape.kind == "box":
            options |= {"shapeType": pybullet.GEOM_BOX, "halfExtents": [0.5 * v for v in d]}
        elif shape.kind in ("cylinder", "capsule"):
            kind = pybullet.GEOM_CYLINDER if shape.kind == "cylinder" else pybullet.GEOM_CAPSULE
            options |= {"shapeType": kind, "length": d[0], "radius": d[1]}
        elif shape.kind == "mesh" and shape.mesh_file and Path(shape.mesh_file).is_file():
            options |= {
                "shapeType": pybullet.GEOM_MESH,
                "fileName": shape.mesh_file,
                "meshScale": [v or 1.0 for v in d],
            }
        else:
            return None  # planes are the ground; heightfields cannot be read back from pybullet
        with quiet_c_output():
            visual = self.client.createVisualShape(**options)
        return self.client.createMultiBody(baseMass=0.0, baseVisualShapeIndex=visual)

    def render(self, link_matrices: Mapping[str, np.ndarray] | None = None) -> np.ndarray:
        """One RGB frame (height, width, 3) uint8 with every link at its 4x4 world matrix in ``link_matrices``
        (scene path -> matrix; default: where the scene has them now)."""
        if self.client is None:
            raise RuntimeError("This OffscreenRenderer is closed; make a new one.")
        poses = dict(link_matrices) if link_matrices is not None else self.scene_matrices()
        c = self.client
        for body, path in self.bodies:
            matrix = poses.get(path)
            if matrix is not None:
                c.resetBasePositionAndOrientation(
                    body, matrix[:3, 3].tolist(), quaternion_from_matrix(matrix[:3, :3]).tolist()
                )
        eye, target = self.scene.camera_eye.tolist(), self.scene.camera_target.tolist()
        view = c.computeViewMatrix(eye, target, [0.0, 0.0, 1.0])
        distance = float(np.linalg.norm(np.subtract(eye, target)))
        projection = c.computeProjectionMatrixFOV(self.fov, self.width / self.height, 0.01, 10.0 * distance + 10.0)
        _, _, rgba, _, _ = c.getCameraImage(
            self.width, self.height, view, projection, renderer=pybullet.ER_TINY_RENDERER, shadow=0
        )
        return np.asarray(rgba, dtype=np.uint8).reshape(self.height, self.width, 4)[:, :, :3].copy()

    def scene_matrices(self) -> dict[str, np.ndarray]:
        """Scene path -> 4x4 world matrix of every drawn link, as the scene has it now."""
        out = {}
        for _, path in self.bodies:
            node = self.scene.state._find(path, create=False)
            if node is not None and node.transform is not None:
                column_major = proto.unpack(node.transform)["matrix"]
                out[path] = np.asarray(column_major, dtype=np.float64).reshape(4, 4).T
        return out

    def close(self) -> None:
        """Disconnect the private pybullet world; safe to call twice."""
        if self.client is not None:
            self.client.disconnect()
            self.client = None

    def __enter__(self) -> OffscreenRenderer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def to_images(frames: Sequence[np.ndarray]) -> list[Image]:
    """RGB arrays as Pillow images."""
    from PIL import Image as PilImage

    return [PilImage.fromarray(frame) for frame in frames]


def write_gif(path: str | Path, frames: Sequence[np.ndarray], fps: float) -> str:
    """An animated GIF that loops forever, ``fps`` frames per second (GIF counts in 10 ms steps)."""
    if not frames:
        raise ValueError("no frames to write: the recording is empty.")
    images = to_images(frames)
    duration_ms = max(20, int(round(1000.0 / fps / 10.0)) * 10)  # browsers play faster GIFs at 10 fps
    images[0].save(path, save_all=True, append_images=images[1:], duration=duration_ms, loop=0, optimize=False)
    return str(path)
