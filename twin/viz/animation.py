"""Record a run and play it back in the browser: meshcat animation tracks, a time slider, offline HTML.

::

    recording = scene.record(fps=30)
    for _ in range(480):
        world.step(); scene.update()       # each update() may add a frame (at most fps per simulated s)
    recording.stop()
    recording                              # in a notebook: plays in a loop, with play/pause and a slider
    recording.save("run.html")             # one file an instructor opens offline
    recording.save("run.gif")              # drawn headless, frame by frame: for slides and handouts
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from twin.viz import _protocol as proto
from twin.viz._protocol import ViewedScene
from twin.viz.shapes import quaternion_from_matrix

if TYPE_CHECKING:
    from twin.viz.html import HTMLView


class Recording:
    """Poses of every moving path of a ``Scene`` over time, played back by the viewer's animator.

    Made by ``Scene.record(fps)``. Frames come from ``scene.update()``; the recording keeps at most
    ``fps`` frames per simulated second (the last pose before ``stop()`` is always kept).
    """

    def __init__(
        self,
        scene: ViewedScene,
        fps: float = 30.0,
        start_time: float = 0.0,
        on_stop: Callable[[Recording], None] | None = None,
    ) -> None:
        if not (isinstance(fps, int | float) and 0 < fps <= 1000):
            raise ValueError(f"fps={fps!r} must be a number of frames per second in (0, 1000], e.g. 30.")
        self.scene = scene
        self._on_stop = on_stop  # the scene's hook that stops feeding this recording
        self.fps = float(fps)
        self.times: list[float] = []
        self._tracks: dict[str, tuple[list[float], list[np.ndarray]]] = {}
        self._pending: dict[str, np.ndarray] = {}
        self._last_time: float | None = None
        self._pending_time: float | None = None
        self.recording = True
        # the first frame is the scene as it is now
        self._pending.update(self._current_transforms())
        self._flush(float(start_time))

    def __repr__(self) -> str:
        state = "recording" if self.recording else "stopped"
        return f"Recording({len(self.times)} frames, {self.duration:.2f} s, {len(self._tracks)} tracks, {state})"

    @property
    def duration(self) -> float:
        """Seconds from the first to the last frame."""
        return self.times[-1] - self.times[0] if self.times else 0.0

    def _current_transforms(self) -> dict[str, np.ndarray]:
        out = {}

        def walk(node: proto._Node, path: str) -> None:
            if node.transform is not None:
                out[path] = _matrix(proto.unpack(node.transform)["matrix"])
            for name, child in node.children.items():
                walk(child, f"{path}/{name}")

        walk(self.scene.state.root, "")
        return {p: m for p, m in out.items() if p.startswith("/meshcat")}

    def observe(self, commands: list[dict]) -> None:
        """Called by the scene with every batch: remembers the newest transform of each path."""
        if not self.recording:
            return
        for c in commands:
            if c["type"] == "set_transform" and c["path"].startswith("/meshcat"):
                self._pending[c["path"]] = _matrix(c["matrix"])

    def frame(self, time: float) -> None:
        """Close a frame at simulated ``time`` (s), if at least 1/fps after the previous one."""
        if not self.recording:
            return
        self._pending_time = float(time)
        if self._last_time is not None and time - self._last_time < 1.0 / self.fps - 1e-9:
            return
        self._flush(float(time))

    def _flush(self, time: float) -> None:
        if not self._pending:
            return
        if self._last_time is not None and time <= self._last_time:
            time = self._last_time + 1e-6
        for path, matrix in self._pending.items():
            times, matrices = self._tracks.setdefault(path, ([], []))
            times.append(time)
            matrices.append(matrix)
        self._pending = {}
        self.times.append(time)
        self._last_time = time

    def stop(self) -> Recording:
        """Stop recording (keeps the last pose); returns self."""
        if self.recording:
            if self._pending and self._pending_time is not None:
                self._flush(self._pending_time)
            self.recording = False
            if self._on_stop is not None:
                self._on_stop(self)
        return self

    def animation_command(self, loop: bool = True, play: bool = True) -> dict:
        """The meshcat ``set_animation`` command: one clip per path with position, quaternion, scale tracks.

        Times are seconds from the first frame (three.js clip ``fps`` 1).
        """
        t0 = self.times[0] if self.times else 0.0
        animations = []
        for path, (times, matrices) in self._tracks.items():
            m = np.asarray(matrices)
            scale = np.linalg.norm(m[:, :3, :3], axis=1)
            rotation = m[:, :3, :3] / scale[:, None, :]
            quats = np.array([quaternion_from_matrix(r) for r in rotation])
            for k in range(1, len(quats)):  # keep neighbours on the same side of the double cover
                if np.dot(quats[k], quats[k - 1]) < 0:
                    quats[k] = -quats[k]
            rel = (np.asarray(times) - t0).tolist()
            tracks = [
                {"name": ".position", "type": "vector3", "times": rel, "values": m[:, :3, 3].reshape(-1).tolist()},
                {"name": ".quaternion", "type": "quaternion", "times": rel, "values": quats.reshape(-1).tolist()},
            ]
            if not np.allclose(scale, 1.0):
                tracks.append({"name": ".scale", "type": "vector3", "times": rel, "values": scale.reshape(-1).tolist()})
            animations.append({"path": path, "clip": {"fps": 1, "name": "default", "tracks": tracks}})
        return {
            "type": "set_animation",
            "path": "",
            "animations": animations,
            "options": {"play": bool(play), "repetitions": float("inf") if loop else 1},
        }

    def commands(self, loop: bool = True) -> list[bytes]:
        """The scene as it is now plus the animation, packed (what the exported page replays)."""
        replay = self.scene.state.replay()
        if self.scene.state.animation is not None:  # an older animation: replaced by this one
            replay = replay[:-1]
        return replay + [proto.pack(self.animation_command(loop=loop))]

    def show(self, height: int = 420, loop: bool = True) -> HTMLView:
        """The recording as a self-contained player (play/pause, time slider), for a notebook output."""
        from twin.viz.html import HTMLView

        return HTMLView(self.to_html(loop=loop), height=height)

    def _repr_html_(self) -> str:
        return self.show()._repr_html_()

    def to_html(self, title: str = "twin recording", loop: bool = True) -> str:
        """One standalone page that plays the recording offline."""
        from twin.viz.html import viewer_page

        if self.recording:
            self.stop()
        return viewer_page(
            self.commands(loop=loop),
            eye=self.scene.camera_eye,
            target=self.scene.camera_target,
            title=title,
            timebar=True,
        )

    def save_html(self, path: str | Path, title: str = "twin recording") -> str:
        """Write ``to_html()`` to ``path`` (a page that plays offline in any browser); returns the path."""
        with open(path, "w", encoding="utf-8") as f:
            f.write(self.to_html(title))
        return str(path)

    def frame_matrices(self, index: int) -> dict[str, np.ndarray]:
        """Scene path -> 4x4 world matrix of every recorded path at frame ``index``."""
        time = self.times[index]
        poses = {}
        for path, (times, matrices) in self._tracks.items():
            row = max(0, int(np.searchsorted(times, time, side="right")) - 1)
            poses[path] = matrices[row]
        return poses

    def frames(self, width: int = 480, height: int = 360, fov: float = 50.0) -> list[np.ndarray]:
        """Every frame drawn off-screen and headless (``twin.viz.offscreen``): RGB arrays (height, width, 3)."""
        from twin.viz.offscreen import OffscreenRenderer

        if self.recording:
            self.stop()
        with OffscreenRenderer(self.scene, width, height, fov) as renderer:
            return [renderer.render(self.frame_matrices(i)) for i in range(len(self.times))]

    def save_gif(self, path: str | Path, width: int = 480, height: int = 360, speed: float = 1.0) -> str:
        """An animated GIF of every frame, drawn headless, looping; ``speed`` 2 plays twice as fast as simulated
        time. For slides: PowerPoint, Keynote and Google Slides all play GIFs. Returns the path."""
        from twin.viz.offscreen import write_gif

        if not (isinstance(speed, int | float) and 0.05 <= speed <= 20):
            raise ValueError(f"speed={speed!r} must be a factor of simulated time in 0.05..20 (1 = real time).")
        frames = self.frames(width, height)
        gaps = np.diff(self.times)
        seconds_per_frame = float(np.median(gaps)) if gaps.size else 1.0 / self.fps
        return write_gif(path, frames, fps=speed / seconds_per_frame)

    def save(self, path: str | Path, **options: object) -> str:
        """Save by the file's suffix: ``.html`` (interactive player, ``save_html``) or ``.gif`` (drawn headless,
        ``save_gif``; options ``width``, ``height``, ``speed``). Returns the path."""
        suffix = Path(path).suffix.lower()
        if suffix in (".html", ".htm"):
            return self.save_html(path, **options)  # type: ignore[arg-type]
        if suffix == ".gif":
            return self.save_gif(path, **options)  # type: ignore[arg-type]
        if suffix in (".mp4", ".webm", ".mov"):
            raise ValueError(
                f"{path}: video needs an encoder (ffmpeg) that this kit does not install. Save a GIF "
                "(recording.save('run.gif')) and, where a video is needed, convert it: ffmpeg -i run.gif run.mp4"
            )
        raise ValueError(f"{path}: save a recording as .html (interactive player) or .gif (animation for slides).")


def _matrix(column_major: list[float]) -> np.ndarray:
    return np.asarray(column_major, dtype=np.float64).reshape(4, 4).T
