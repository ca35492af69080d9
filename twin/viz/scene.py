"""A meshcat scene that mirrors pybullet robots, with ghosts, health colours, markers and arrows.

Nothing here opens a port or starts a process. A ``Scene`` turns what it is told into meshcat
commands, remembers the newest state of every object (so late viewers can catch up) and hands each
batch to its *sinks*: a notebook widget (``scene.widget()``), a recording (``scene.record()``) or an
opt-in local server (``scene.serve()``). ``scene.show()`` is a self-contained snapshot for any notebook.

Units: metres, radians, seconds; the world is z-up, as in pybullet.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from twin.viz import _protocol as proto
from twin.viz.shapes import (
    LinkFrames,
    box_geometry,
    cylinder_geometry,
    heightfield_mesh,
    pose_matrix,
    rotation_between,
    sphere_geometry,
    triangle_mesh_geometry,
    visual_parts,
    visual_shapes,
)

if TYPE_CHECKING:
    from twin.sim.robots import Robot
    from twin.sim.world import World
    from twin.viz.animation import Recording
    from twin.viz.html import HTMLView
    from twin.viz.server import LiveServer
    from twin.viz.widget import SceneWidget

ROOT = "/meshcat"
GHOST_COLOR = (0.35, 0.75, 1.0)  # light blue: the virtual model
GHOST_OPACITY = 0.35
GROUND_COLOR = (0.58, 0.62, 0.64)
HEALTHY = np.array([0.15, 0.75, 0.25])
WARNING = np.array([1.0, 0.8, 0.1])
FAILING = np.array([0.9, 0.1, 0.1])


def health_color(error: float, tolerance: float) -> tuple[float, float, float]:
    """Green at zero error, yellow at ``tolerance / 2``, red at ``tolerance`` and beyond (RGB in 0..1)."""
    if not tolerance > 0:
        raise ValueError(f"tolerance={tolerance!r} must be > 0 (same unit as the error).")
    x = float(np.clip(abs(float(error)) / tolerance, 0.0, 1.0)) if math.isfinite(error) else 1.0
    if x <= 0.5:
        rgb = HEALTHY + (WARNING - HEALTHY) * (x / 0.5)
    else:
        rgb = WARNING + (FAILING - WARNING) * ((x - 0.5) / 0.5)
    return tuple(float(c) for c in rgb)  # type: ignore[return-value]


def _safe(name: str) -> str:
    cleaned = re.sub(r"[^A-Za-z0-9_.-]+", "_", str(name)).strip("_")
    return cleaned or "unnamed"


def _vector3(name: str, value: object) -> np.ndarray:
    v = np.asarray(value, dtype=np.float64).reshape(-1)
    if v.shape != (3,) or not np.all(np.isfinite(v)):
        raise ValueError(f"{name} must be 3 finite numbers (x, y, z in m), got {value!r}.")
    return v


class RobotMirror:
    """The drawing of one pybullet body: one meshcat group per link, moved by ``update()``.

    Made by ``Scene.add_robot`` or ``Scene.add_body``; holds no simulation state of its own.
    """

    def __init__(
        self,
        scene: Scene,
        client: object,
        body_id: int,
        name: str,
        link_names: Sequence[str],
        *,
        ghost: bool = False,
        color: Sequence[float] | None = None,
        opacity: float | None = None,
        robot: Robot | None = None,
    ) -> None:
        self.scene = scene
        self.client = client
        self.body_id = body_id
        self.name = name
        self.robot = robot
        self.ghost = ghost
        self.frames = LinkFrames(client, body_id)
        if len(link_names) != self.frames.n_links + 1:
            raise ValueError(f"{name}: need {self.frames.n_links + 1} link names (base first), got {len(link_names)}.")
        self.link_names = tuple(str(n) for n in link_names)
        self.path = f"{ROOT}/{_safe(name)}"
        self.link_paths = tuple(f"{self.path}/{i:02d}_{_safe(n)}" for i, n in enumerate(self.link_names))
        self.opacity = float(GHOST_OPACITY if (ghost and opacity is None) else (1.0 if opacity is None else opacity))
        if not 0.0 < self.opacity <= 1.0:
            raise ValueError(f"opacity={opacity!r} must be in (0, 1].")
        if color is None and ghost:
            color = GHOST_COLOR
        self.color = None if color is None else tuple(float(c) for c in color)
        self.shapes = visual_shapes(client, body_id)
        self._base_colors: dict[int, tuple[float, float, float]] = {}
        commands: list[dict] = []
        drawn_rows: set[int] = set()
        for i, shape in enumerate(self.shapes):
            row = shape.link_index + 1
            rgba = self.color if self.color is not None else shape.rgba[:3]
            alpha = shape.rgba[3] if self.color is None else 1.0
            self._base_colors.setdefault(row, tuple(rgba[:3]))  # type: ignore[arg-type]
            for k, (geometry, local) in enumerate(visual_parts(shape)):
                mat = proto.material(tuple(rgba[:3]) + (alpha,), self.opacity)
                obj = proto.mesh_object(geometry, mat, local)
                commands.append(proto.set_object(f"{self.link_paths[row]}/v{i}_{k}", obj))
                drawn_rows.add(row)
        self.drawn_rows = np.array(sorted(drawn_rows), dtype=int)
        self.scene._send(commands)
        self.update()

    def __repr__(self) -> str:
        kind = "ghost" if self.ghost else "solid"
        return f"RobotMirror({self.name!r}, {len(self.link_names)} links, {len(self.shapes)} visuals, {kind})"

    def link_matrices(self) -> np.ndarray:
        """World 4x4 transforms of every link frame (base first), straight from pybullet."""
        return self.frames.matrices()

    def update(self) -> None:
        """Move every drawn link to where pybullet has it now."""
        matrices = self.frames.matrices()
        self.scene._send([proto.set_transform(self.link_paths[row], matrices[row]) for row in self.drawn_rows])

    # -- colours -------------------------------------------------------------------------------
    def set_link_colors(self, colors: Mapping[int | str, Sequence[float]]) -> None:
        """Recolour links: ``{link index or link name: (r, g, b)}`` in 0..1 (index -1 is the base)."""
        commands = []
        for key, rgb in colors.items():
            row = self._row(key)
            rgba = [float(c) for c in np.asarray(rgb, dtype=np.float64).reshape(-1)[:3]] + [self.opacity]
            commands.append(proto.set_property(self.link_paths[row], "color", rgba))
        self.scene._send(commands)

    def reset_colors(self) -> None:
        """Back to the colours the mirror was drawn with."""
        self.set_link_colors({row - 1: rgb for row, rgb in self._base_colors.items()})

    def show_joint_errors(self, errors: Sequence[float] | np.ndarray, tolerance: float = 0.05) -> None:
        """Colour each joint's child link by its error: green 0, yellow tolerance/2, red >= tolerance.

        ``errors`` has one value per one-DoF joint, in ``robot.joint_indices`` order (for example
        ``DigitalTwin.analytics.latest_error`` in rad), or is a mapping ``{joint index: error}``.
        """
        if isinstance(errors, Mapping):
            by_joint = {int(k): float(v) for k, v in errors.items()}
        else:
            if self.robot is None:
                raise TypeError("this mirror has no Robot; pass errors as {joint index: error}.")
            values = np.asarray(errors, dtype=np.float64).reshape(-1)
            if values.shape != (self.robot.dof,):
                raise ValueError(
                    f"{self.name}: need {self.robot.dof} errors, one per joint {list(self.robot.joint_names)}; "
                    f"got {values.size}."
                )
            by_joint = dict(zip(self.robot.joint_indices, values.tolist(), strict=True))
        self.set_link_colors({j: health_color(e, tolerance) for j, e in by_joint.items()})

    def set_visible(self, visible: bool) -> None:
        """Show or hide the whole robot."""
        self.scene._send([proto.set_property(self.path, "visible", bool(visible))])

    def _row(self, key: int | str) -> int:
        if isinstance(key, str):
            if key not in self.link_names:
                raise KeyError(f"{self.name} has no link {key!r}; links: {list(self.link_names)}")
            return self.link_names.index(key)
        row = int(key) + 1
        if not 0 <= row < len(self.link_names):
            raise KeyError(f"{self.name} has links -1..{len(self.link_names) - 2}, not {key}.")
        return row


class Scene:
    """A 3D scene in the meshcat viewer, built in-process: no server, no port.

    ::

        scene = Scene.from_world(world)          # every robot and the ground of a twin World
        world.step(240); scene.update()          # one call moves every drawing to the simulation state
        scene                                    # in a notebook: a self-contained interactive snapshot

    Args:
        grid: show meshcat's 20 m grid in the ground plane.
        axes: show the world axes at the origin (x red, y green, z blue).
        background: (top, bottom) RGB colours in 0..1 of the background gradient, or None for meshcat's.
    """

    def __init__(
        self,
        *,
        grid: bool = True,
        axes: bool = False,
        background: tuple[Sequence[float], Sequence[float]] | None = ((0.93, 0.95, 0.98), (0.62, 0.68, 0.78)),
    ) -> None:
        self.state = proto.SceneState()
        self.mirrors: dict[str, RobotMirror] = {}
        self._sinks: list[proto.BatchSink] = []
        self._recordings: list[Recording] = []
        self._arrows: dict[str, float] = {}
        self._contact_sources: list[tuple[RobotMirror, float, float]] = []
        self._contact_count = 0
        self.camera_eye = np.array([2.0, 1.2, 1.2])
        self.camera_target = np.array([0.0, 0.0, 0.4])
        self._camera_set = False
        self._clock: Callable[[], float] | None = None
        self.updates = 0
        commands = [
            proto.set_property("/Grid", "visible", bool(grid)),
            proto.set_property("/Axes", "visible", bool(axes)),
        ]
        if background is not None:
            top, bottom = background
            commands += [
                proto.set_property("/Background", "top_color", [float(c) for c in top]),
                proto.set_property("/Background", "bottom_color", [float(c) for c in bottom]),
            ]
        self._send(commands)

    def __repr__(self) -> str:
        return f"Scene(robots={list(self.mirrors)}, updates={self.updates}, sinks={len(self._sinks)})"

    # -- building ------------------------------------------------------------------------------
    @classmethod
    def from_world(cls, world: World, *, ghost: bool = False, **options: object) -> Scene:
        """A scene with the ground (if the world has one) and every robot loaded in ``world``."""
        scene = cls(**options)  # type: ignore[arg-type]
        if world.ground_id is not None:
            scene.add_ground()
        for robot in world.robots:
            scene.add_robot(robot, ghost=ghost)
        return scene

    def add_robot(
        self,
        robot: Robot,
        name: str | None = None,
        *,
        ghost: bool = False,
        color: Sequence[float] | None = None,
        opacity: float | None = None,
    ) -> RobotMirror:
        """Mirror a ``twin.sim.Robot``: every link with its URDF visuals and colours.

        ``ghost=True`` draws it translucent light blue (the virtual model over the physical robot);
        ``color`` (RGB 0..1) overrides the URDF colours; ``opacity`` in (0, 1].
        """
        name = name or (f"{robot.name}_ghost" if ghost else robot.name)
        link_names = [lk.name for lk in robot.links]
        mirror = RobotMirror(
            self,
            robot.world.client,
            robot.body_id,
            self._unique(name),
            link_names,
            ghost=ghost,
            color=color,
            opacity=opacity,
            robot=robot,
        )
        self.mirrors[mirror.name] = mirror
        if self._clock is None:
            world = robot.world
            self._clock = lambda: world.time if world.is_open else float("nan")
        if not self._camera_set:
            self._frame_bodies([(robot.world.client, robot.body_id)], robot.spec.view_direction)
        return mirror

    def add_body(self, world: World, body_id: int, name: str, *, ghost: bool = False, **options: object) -> RobotMirror:
        """Mirror any pybullet body of ``world`` (not only catalogue robots)."""
        c = world.client
        names = [c.getBodyInfo(body_id)[0].decode()] + [
            c.getJointInfo(body_id, j)[12].decode() for j in range(c.getNumJoints(body_id))
        ]
        mirror = RobotMirror(self, c, body_id, self._unique(name), names, ghost=ghost, **options)  # type: ignore[arg-type]
        self.mirrors[mirror.name] = mirror
        return mirror

    def add_ground(self, size: float = 20.0, color: Sequence[float] = GROUND_COLOR) -> None:
        """A flat ground slab whose top is the plane z = 0 (where ``World.add_ground`` puts it).

        meshcat's grid (20 m, 0.5 m spacing) is lifted 1 mm so that it shows on the slab.
        """
        geometry = box_geometry((size, size, 0.02))
        obj = proto.mesh_object(geometry, proto.material(color), pose_matrix((0.0, 0.0, -0.0101)))
        self._send(
            [proto.set_object(f"{ROOT}/ground", obj), proto.set_transform("/Grid", pose_matrix((0.0, 0.0, 0.001)))]
        )

    def add_heightfield(
        self,
        heights: np.ndarray,
        cell_size: tuple[float, float],
        *,
        height_scale: float = 1.0,
        position: Sequence[float] = (0.0, 0.0, 0.0),
        name: str = "terrain",
        color: Sequence[float] = (0.55, 0.62, 0.45),
    ) -> None:
        """Uneven terrain drawn exactly as pybullet's ``GEOM_HEIGHTFIELD`` places it.

        Pass the same ``heights`` (2D, ``heights[j, i]`` at x index i, y index j), ``cell_size``
        (meshScale x, y in m), ``height_scale`` (meshScale z) and body ``position`` as to pybullet.
        """
        vertices, faces = heightfield_mesh(heights, cell_size, height_scale)
        obj = proto.mesh_object(triangle_mesh_geometry(vertices, faces), proto.material(color))
        path = f"{ROOT}/{_safe(name)}"
        self._send(
            [proto.set_object(path, obj), proto.set_transform(path, pose_matrix(_vector3("position", position)))]
        )

    def add_floor_polygon(
        self,
        name: str,
        corners: np.ndarray,
        *,
        height: float = 0.002,
        color: Sequence[float] = (0.2, 0.8, 0.3),
        opacity: float = 0.5,
    ) -> None:
        """A flat convex polygon (a support polygon) ``height`` m above the floor; ``corners`` (k, 2) in m, k >= 3."""
        xy = np.asarray(corners, dtype=float)
        if xy.ndim != 2 or xy.shape[1] != 2 or xy.shape[0] < 3 or not np.all(np.isfinite(xy)):
            raise ValueError(f"corners must be k >= 3 finite (x, y) points in m, shape (k, 2); got shape {xy.shape}.")
        vertices = np.column_stack([xy, np.full(len(xy), float(height))])
        faces = np.array([[0, k, k + 1] for k in range(1, len(xy) - 1)])
        faces = np.concatenate([faces, faces[:, ::-1]])  # both sides, so it shows from below too
        obj = proto.mesh_object(triangle_mesh_geometry(vertices, faces), proto.material(color, opacity))
        self._send([proto.set_object(f"{ROOT}/floor/{_safe(name)}", obj)])

    def add_marker(
        self,
        name: str,
        position: Sequence[float] | np.ndarray,
        *,
        radius: float = 0.03,
        color: Sequence[float] = (1.0, 0.3, 0.1),
        opacity: float = 1.0,
    ) -> None:
        """A sphere (a target, a sensed point); ``move_marker`` moves it later."""
        obj = proto.mesh_object(sphere_geometry(radius), proto.material(color, opacity))
        path = f"{ROOT}/markers/{_safe(name)}"
        self._send(
            [proto.set_object(path, obj), proto.set_transform(path, pose_matrix(_vector3("position", position)))]
        )

    def move_marker(self, name: str, position: Sequence[float] | np.ndarray) -> None:
        """Move a marker to ``position`` (m)."""
        path = f"{ROOT}/markers/{_safe(name)}"
        self._send([proto.set_transform(path, pose_matrix(_vector3("position", position)))])

    def add_arrow(
        self,
        name: str,
        start: Sequence[float] | np.ndarray,
        vector: Sequence[float] | np.ndarray,
        *,
        color: Sequence[float] = (0.9, 0.2, 0.6),
        radius: float = 0.01,
    ) -> None:
        """An arrow from ``start`` along ``vector`` (both m; scale forces before, e.g. 0.002 m/N)."""
        path = f"{ROOT}/arrows/{_safe(name)}"
        mat = proto.material(color)
        shaft = proto.mesh_object(cylinder_geometry(1.0, radius), mat, pose_matrix((0.0, 0.5, 0.0)))
        head = proto.mesh_object(cylinder_geometry(4.0 * radius, 0.0, 2.5 * radius), proto.material(color))
        self._arrows[name] = radius
        self._send([proto.set_object(f"{path}/shaft", shaft), proto.set_object(f"{path}/head", head)])
        self.set_arrow(name, start, vector)

    def set_arrow(self, name: str, start: Sequence[float] | np.ndarray, vector: Sequence[float] | np.ndarray) -> None:
        """Move an arrow made by ``add_arrow``; a zero vector hides it."""
        if name not in self._arrows:
            raise KeyError(f"no arrow {name!r}; make it with scene.add_arrow({name!r}, start, vector).")
        path = f"{ROOT}/arrows/{_safe(name)}"
        self._send(self._arrow_commands(path, self._arrows[name], start, vector))

    @staticmethod
    def _arrow_commands(path: str, radius: float, start: object, vector: object) -> list[dict]:
        p = _vector3("start", start)
        v = _vector3("vector", vector)
        length = float(np.linalg.norm(v))
        if length < 1e-9:
            return [proto.set_property(path, "visible", False)]
        head = min(4.0 * radius, 0.5 * length)
        group = np.eye(4)
        group[:3, :3] = rotation_between(np.array([0.0, 1.0, 0.0]), v / length)
        group[:3, 3] = p
        shaft = np.diag([1.0, length - head, 1.0, 1.0])
        tip = np.diag([1.0, head / (4.0 * radius), 1.0, 1.0])
        tip[1, 3] = length - head / 2.0
        return [
            proto.set_property(path, "visible", True),
            proto.set_transform(path, group),
            proto.set_transform(f"{path}/shaft", shaft),
            proto.set_transform(f"{path}/head", tip),
        ]

    def show_contact_forces(self, mirror: RobotMirror | str, scale: float = 0.002, min_force: float = 1.0) -> None:
        """Draw the normal contact forces on a robot as arrows, refreshed by every ``update()``.

        ``scale`` in m per N (0.002: 500 N is 1 m long); contacts weaker than ``min_force`` N are hidden.
        """
        m = self.mirrors[mirror] if isinstance(mirror, str) else mirror
        self._contact_sources.append((m, float(scale), float(min_force)))
        self._update_contacts()

    def _update_contacts(self) -> None:
        arrows = []
        for mirror, scale, min_force in self._contact_sources:
            for contact in mirror.client.getContactPoints(bodyA=mirror.body_id):  # type: ignore[attr-defined]
                force = float(contact[9])
                if force < min_force:
                    continue
                normal = np.asarray(contact[7], dtype=np.float64)  # on B, pointing to A: the push on A
                arrows.append((np.asarray(contact[6], dtype=np.float64), normal * force * scale))
        commands: list[dict] = []
        for i, (start, vector) in enumerate(arrows):
            name = f"contact_{i}"
            if name not in self._arrows:
                self.add_arrow(name, start, vector, color=(1.0, 0.55, 0.0), radius=0.006)
            commands += self._arrow_commands(f"{ROOT}/arrows/{name}", self._arrows[name], start, vector)
        for i in range(len(arrows), self._contact_count):
            commands.append(proto.set_property(f"{ROOT}/arrows/contact_{i}", "visible", False))
        self._contact_count = max(self._contact_count, len(arrows))
        self._send(commands)

    def set_visible(self, name: str, visible: bool) -> None:
        """Show or hide a robot, marker or arrow by name."""
        for prefix in ("", "markers/", "arrows/"):
            path = f"{ROOT}/{prefix}{_safe(name)}"
            if self.state._find(path, create=False) is not None:
                self._send([proto.set_property(path, "visible", bool(visible))])
                return
        raise KeyError(f"nothing called {name!r} in this scene.")

    def delete(self, name: str) -> None:
        """Remove a robot, marker or arrow by name."""
        self.mirrors.pop(name, None)
        self._arrows.pop(name, None)
        for prefix in ("", "markers/", "arrows/"):
            self._send([proto.delete(f"{ROOT}/{prefix}{_safe(name)}")])

    def set_camera(self, eye: Sequence[float], target: Sequence[float]) -> None:
        """Where the camera stands and what it looks at (m, world frame, z up)."""
        self.camera_eye = _vector3("eye", eye)
        self.camera_target = _vector3("target", target)
        self._camera_set = True
        for sink in list(self._sinks):
            camera_changed = getattr(sink, "camera_changed", None)
            if camera_changed is not None:
                camera_changed()

    def _frame_bodies(
        self, bodies: list[tuple[object, int]], view_direction: Sequence[float] = (1.0, 0.55, 0.4)
    ) -> None:
        lows, highs = [], []
        for client, body in bodies:
            for link in range(-1, client.getNumJoints(body)):  # type: ignore[attr-defined]
                lo, hi = client.getAABB(body, link)  # type: ignore[attr-defined]
                lows.append(lo)
                highs.append(hi)
        lo, hi = np.min(lows, axis=0), np.max(highs, axis=0)
        center = (lo + hi) / 2.0
        extent = float(max(np.max(hi - lo), 0.3))
        direction = np.asarray(view_direction, dtype=float)
        self.camera_target = center
        self.camera_eye = center + direction / np.linalg.norm(direction) * (1.25 * extent + 0.3)

    # -- time ----------------------------------------------------------------------------------
    def update(self, time: float | None = None) -> None:
        """Move every mirrored robot (and contact arrows) to the current simulation state.

        ``time`` (s) stamps the frame for recordings; default: the first robot's world time.
        """
        for mirror in self.mirrors.values():
            mirror.update()
        if self._contact_sources:
            self._update_contacts()
        self.updates += 1
        if self._recordings:
            t = float(time) if time is not None else (self._clock() if self._clock else float(self.updates))
            for recording in self._recordings:
                recording.frame(t)

    # -- plumbing ------------------------------------------------------------------------------
    def _send(self, commands: list[dict]) -> None:
        if not commands:
            return
        packed = [proto.pack(c) for c in commands]
        apply = self.state.apply
        for command, data in zip(commands, packed, strict=True):
            apply(command, data)
        for recording in self._recordings:
            recording.observe(commands)
        for sink in list(self._sinks):
            sink(commands, packed)

    def add_sink(self, sink: proto.BatchSink) -> None:
        """Call ``sink(commands, packed_commands)`` with every future batch."""
        self._sinks.append(sink)

    def remove_sink(self, sink: proto.BatchSink) -> None:
        if sink in self._sinks:
            self._sinks.remove(sink)

    def _unique(self, name: str) -> str:
        base, i = _safe(name), 2
        candidate = base
        while candidate in self.mirrors:
            candidate = f"{base}_{i}"
            i += 1
        return candidate

    def commands(self) -> list[bytes]:
        """The packed commands that rebuild this scene from scratch (what a new viewer is sent)."""
        return self.state.replay()

    # -- showing -------------------------------------------------------------------------------
    def show(self, height: int = 420) -> HTMLView:
        """A self-contained interactive snapshot of the scene now (drag to orbit, scroll to zoom)."""
        from twin.viz.html import HTMLView, viewer_page

        page = viewer_page(self.commands(), eye=self.camera_eye, target=self.camera_target)
        return HTMLView(page, height=height)

    def _repr_html_(self) -> str:
        return self.show()._repr_html_()

    def to_html(self, title: str = "twin scene") -> str:
        """The snapshot as one standalone HTML page (viewer JavaScript inlined; opens offline)."""
        from twin.viz.html import viewer_page

        return viewer_page(self.commands(), eye=self.camera_eye, target=self.camera_target, title=title)

    def save_html(self, path: str | Path, title: str = "twin scene") -> str:
        """Write ``to_html()`` to ``path``; returns the path."""
        with open(path, "w", encoding="utf-8") as f:
            f.write(self.to_html(title))
        return str(path)

    def render(self, width: int = 480, height: int = 360, fov: float = 50.0) -> np.ndarray:
        """The scene as it is now, drawn off-screen and headless (``twin.viz.offscreen``): RGB (height, width, 3)."""
        from twin.viz.offscreen import OffscreenRenderer

        with OffscreenRenderer(self, width, height, fov) as renderer:
            return renderer.render()

    def save_png(self, path: str | Path, width: int = 480, height: int = 360) -> str:
        """Write ``render()`` to ``path`` as a PNG picture; returns the path."""
        from PIL import Image

        Image.fromarray(self.render(width, height)).save(path, format="PNG")
        return str(path)

    def save(self, path: str | Path, **options: object) -> str:
        """Save by the file's suffix: ``.html`` (interactive snapshot, ``save_html``) or ``.png`` (a picture drawn
        headless, ``save_png``). A moving picture needs a recording: ``scene.record()``, then ``.save('run.gif')``."""
        suffix = Path(path).suffix.lower()
        if suffix in (".html", ".htm"):
            return self.save_html(str(path), **options)  # type: ignore[arg-type]
        if suffix == ".png":
            return self.save_png(path, **options)  # type: ignore[arg-type]
        if suffix in (".gif", ".mp4", ".webm"):
            raise ValueError(
                f"{path}: a scene is one moment. For motion record it: recording = scene.record(); step and "
                "scene.update() as usual; recording.stop(); recording.save('run.gif')."
            )
        raise ValueError(f"{path}: save a scene as .html (interactive snapshot) or .png (a picture).")

    def widget(self, height: int = 420) -> SceneWidget:
        """A live view in the notebook, updated by every ``update()`` over the kernel's own channel."""
        from twin.viz.widget import SceneWidget

        return SceneWidget(self, height=height)

    def serve(self) -> LiveServer:
        """Opt-in: a viewer for a separate browser tab, on 127.0.0.1 only; ``close()`` it when done."""
        from twin.viz.server import LiveServer

        return LiveServer(self)

    def record(self, fps: float = 30.0) -> Recording:
        """Start recording: every ``update()`` adds a frame (at most ``fps`` per simulated second)."""
        from twin.viz.animation import Recording

        start = self._clock() if self._clock is not None else 0.0
        recording = Recording(
            self, fps=fps, start_time=start if math.isfinite(start) else 0.0, on_stop=self._stop_recording
        )
        self._recordings.append(recording)
        return recording

    def _stop_recording(self, recording: Recording) -> None:
        if recording in self._recordings:
            self._recordings.remove(recording)
