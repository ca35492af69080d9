"""meshcat's wire protocol without meshcat's server: commands as msgpack bytes, and a replayable scene.

Every meshcat command is a small dict (``{"type": "set_transform", "path": ..., "matrix": [...]}``) packed
with msgpack; the viewer's ``viewer.handle_command_bytearray(bytes)`` draws it. ``SceneState`` keeps, per
path, the newest object, transform and properties (like meshcat's own server does), so that any viewer
that opens late (a notebook output, a widget view, a browser tab) can be brought up to date by replaying
``SceneState.replay()``.
"""

from __future__ import annotations

import functools
import math
import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

import numpy as np
import umsgpack

#: Where a scene hands every batch of commands (a widget, a live server): ``sink(commands, packed_commands)``.
BatchSink = Callable[[list[dict], list[bytes]], None]


class ViewedScene(Protocol):
    """What a view (widget, live server, recording) needs from the scene it shows; ``twin.viz.scene.Scene`` is one.

    Views are typed by this rather than by ``Scene`` so that the scene may make its views (``scene.widget()``,
    ``scene.serve()``, ``scene.record()``) without the views importing the scene back.
    """

    state: SceneState
    camera_eye: np.ndarray  # where the viewer's camera sits, m
    camera_target: np.ndarray  # the point it looks at, m

    def commands(self) -> list[bytes]: ...

    def add_sink(self, sink: BatchSink) -> None: ...

    def remove_sink(self, sink: BatchSink) -> None: ...


@functools.cache
def viewer_js() -> str:
    """The meshcat viewer's JavaScript bundle (``meshcat/viewer/dist/main.min.js``, about 850 kB)."""
    import importlib.util

    spec = importlib.util.find_spec("meshcat")  # found, not imported: importing meshcat starts zmq machinery
    if spec is None or spec.origin is None:
        raise ModuleNotFoundError("the meshcat package is missing: pip install meshcat (conda: meshcat-python).")
    path = Path(spec.origin).parent / "viewer" / "dist" / "main.min.js"
    return path.read_text(encoding="utf-8")


def pack(command: dict) -> bytes:
    """One command as the bytes the viewer decodes."""
    return umsgpack.packb(command)


def unpack(data: bytes) -> dict:
    """Decode one packed command (for tests and debugging)."""
    return umsgpack.unpackb(data)


def matrix_list(matrix: np.ndarray) -> list[float]:
    """A 4x4 homogeneous transform as the 16 column-major Python floats three.js expects.

    Any float dtype is accepted (meshcat itself rejects float32); non-finite values raise ValueError.
    """
    m = np.asarray(matrix, dtype=np.float64)
    if m.shape != (4, 4):
        raise ValueError(f"a transform must be a 4x4 matrix, got shape {m.shape}.")
    if not np.all(np.isfinite(m)):
        raise ValueError(f"a transform must hold finite numbers, got {m}.")
    return m.T.reshape(-1).tolist()


def set_object(path: str, obj: dict) -> dict:
    return {"type": "set_object", "path": path, "object": obj}


def set_transform(path: str, matrix: np.ndarray) -> dict:
    return {"type": "set_transform", "path": path, "matrix": matrix_list(matrix)}


def set_property(path: str, key: str, value: object) -> dict:
    return {"type": "set_property", "path": path, "property": key, "value": value}


def delete(path: str) -> dict:
    return {"type": "delete", "path": path}


def new_uuid() -> str:
    return str(uuid.uuid4())


def mesh_object(geometry: dict, material: dict, matrix: np.ndarray | None = None, kind: str = "Mesh") -> dict:
    """A three.js JSON object (what ``set_object`` carries): one geometry, one material, a local matrix."""
    local = np.eye(4) if matrix is None else matrix
    return {
        "metadata": {"version": 4.5, "type": "Object"},
        "geometries": [geometry],
        "materials": [material],
        "object": {
            "uuid": new_uuid(),
            "type": kind,
            "geometry": geometry["uuid"],
            "material": material["uuid"],
            "matrix": matrix_list(local),
        },
    }


def material(
    color: Sequence[float] | int = (0.8, 0.8, 0.8),
    opacity: float = 1.0,
    *,
    kind: str = "MeshPhongMaterial",
    depth_write: bool | None = None,
    **extra: object,
) -> dict:
    """A three.js material from an RGB(A) colour in 0..1 (alpha multiplies ``opacity``) or a 0xRRGGBB int."""
    rgb_int, alpha = color_to_int(color)
    opacity = float(opacity) * alpha
    transparent = opacity < 1.0
    data = {
        "uuid": new_uuid(),
        "type": kind,
        "color": rgb_int,
        "side": 2,
        "transparent": transparent,
        "opacity": opacity,
        "vertexColors": 0,
    }
    if kind != "LineBasicMaterial":
        data["reflectivity"] = 0.5
    if depth_write is not None:
        data["depthWrite"] = bool(depth_write)
    elif transparent:
        data["depthWrite"] = False  # see-through things must not hide what lies behind them
    data.update(extra)
    return data


def color_to_int(color: Sequence[float] | int) -> tuple[int, float]:
    """(0xRRGGBB, alpha) from an RGB/RGBA sequence in 0..1 or an int."""
    if isinstance(color, int | np.integer):
        return int(color) & 0xFFFFFF, 1.0
    values = [float(c) for c in np.asarray(color, dtype=np.float64).reshape(-1)]
    if len(values) not in (3, 4) or not all(math.isfinite(v) for v in values):
        raise ValueError(f"a colour is 3 or 4 numbers in 0..1 (RGB or RGBA), got {color!r}.")
    r, g, b = (min(255, max(0, round(v * 255))) for v in values[:3])
    alpha = min(1.0, max(0.0, values[3])) if len(values) == 4 else 1.0
    return (r << 16) | (g << 8) | b, alpha


@dataclass
class _Node:
    object: bytes | None = None
    transform: bytes | None = None
    properties: dict[str, bytes] = field(default_factory=dict)
    children: dict[str, _Node] = field(default_factory=dict)


class SceneState:
    """The newest state of every path, replayable in a sensible order (objects, properties, transforms)."""

    def __init__(self) -> None:
        self.root = _Node()
        self.animation: bytes | None = None

    def _find(self, path: str, create: bool = True) -> _Node | None:
        node = self.root
        for part in (p for p in path.split("/") if p):
            child = node.children.get(part)
            if child is None:
                if not create:
                    return None
                child = node.children[part] = _Node()
            node = child
        return node

    def apply(self, command: dict, data: bytes) -> None:
        """Remember what ``command`` (packed as ``data``) did."""
        kind = command["type"]
        if kind == "set_animation":
            self.animation = data
            return
        path = command["path"]
        if kind == "delete":
            parts = [p for p in path.split("/") if p]
            if not parts:
                self.root = _Node()
                return
            parent = self._find("/".join(parts[:-1]), create=False)
            if parent is not None:
                parent.children.pop(parts[-1], None)
            return
        node = self._find(path)
        assert node is not None
        if kind == "set_object":
            node.object = data
            node.properties = {}
        elif kind == "set_transform":
            node.transform = data
        elif kind == "set_property":
            node.properties[command["property"]] = data

    def replay(self) -> list[bytes]:
        """Every command needed to rebuild the scene in a fresh viewer."""
        nodes = list(_walk(self.root))
        out: list[bytes] = [n.object for n in nodes if n.object is not None]
        out += [data for n in nodes for data in n.properties.values()]  # after objects: colours recurse
        out += [n.transform for n in nodes if n.transform is not None]
        if self.animation is not None:
            out.append(self.animation)
        return out


def _walk(node: _Node) -> Iterable[_Node]:
    yield node
    for child in node.children.values():
        yield from _walk(child)
