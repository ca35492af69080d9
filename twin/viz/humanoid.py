"""3D views of the humanoid twin: the robot (stand-in) drawn solid, the twin's estimate drawn as a ghost over it,
and on the floor the support polygon, the centre of pressure, the CoM's ground projection and the capture point.

``record_push`` records one push trial; the recording plays in a notebook output or a saved HTML page, without
a kernel and without a port.
"""

from __future__ import annotations

import numpy as np

from twin.humanoid.standin import HumanoidStandIn
from twin.humanoid.twin import HumanoidTwin, TrialResult, run_push_trial
from twin.viz.animation import Recording
from twin.viz.scene import Scene

FLOOR_MARKERS = {  # name: (colour, radius m)
    "com": ((0.1, 0.3, 0.9), 0.025),  # the CoM's projection on the floor (blue)
    "capture_point": ((0.9, 0.2, 0.1), 0.025),  # red
    "cop": ((0.95, 0.75, 0.1), 0.02),  # yellow
}
MARKER_HEIGHT = 0.01  # m above the floor, so the markers show over the polygon


def _floor(point: np.ndarray) -> np.ndarray:
    return np.array([float(point[0]), float(point[1]), MARKER_HEIGHT])


class HumanoidView:
    """Draws a stand-in and its twin into ``scene`` (call ``update`` after each twin step)."""

    def __init__(self, scene: Scene, robot: HumanoidStandIn, twin: HumanoidTwin) -> None:
        self.scene = scene
        self.robot_mirror = scene.add_robot(robot.robot, "robot")
        self.ghost = scene.add_robot(twin.model.robot, "twin", ghost=True)
        self.twin = twin
        self.support_polygon = np.zeros((0, 2))  # the first one the twin estimates, drawn once
        for name, (color, radius) in FLOOR_MARKERS.items():
            scene.add_marker(name, (0.0, 0.0, -1.0), radius=radius, color=color)
        scene.set_camera(eye=(1.2, -2.6, 1.3), target=(0.0, 0.0, 0.6))

    def update(self, time: float) -> None:
        """Move the markers to the twin's latest estimate and redraw both bodies at simulated ``time`` (s)."""
        e = self.twin.estimate
        if e is not None:
            if len(self.support_polygon) < 3 and len(e.support_polygon) >= 3:
                self.support_polygon = e.support_polygon
                self.scene.add_floor_polygon("support_polygon", e.support_polygon)
            self.scene.move_marker("com", _floor(e.com))
            self.scene.move_marker("capture_point", _floor(e.capture_point))
            if np.all(np.isfinite(e.cop)):
                self.scene.move_marker("cop", _floor(e.cop))
        self.scene.update(time=time)


def record_push(
    kind: str, impulse: float, direction_deg: float, seed: int = 0, fps: float = 25.0, **options: object
) -> tuple[Recording, TrialResult, np.ndarray]:
    """Run ``run_push_trial`` (same arguments) and record it in 3D: robot, ghost and floor markers.

    Returns the recording, the trial and the support polygon (k, 2) drawn: the one the twin estimated first
    (the feet do not step, so it stays where it was while the robot stands).
    """
    scene = Scene(grid=False)
    scene.add_ground()
    state: dict[str, object] = {}

    def draw(robot: HumanoidStandIn, twin: HumanoidTwin, k: int) -> None:
        if "view" not in state:
            state["view"] = HumanoidView(scene, robot, twin)
            state["recording"] = scene.record(fps=fps)
        state["view"].update(robot.world.time)  # type: ignore[attr-defined]

    result = run_push_trial(kind, impulse, direction_deg, seed, on_step=draw, **options)  # type: ignore[arg-type]
    recording = state["recording"].stop()  # type: ignore[attr-defined]
    return recording, result, state["view"].support_polygon  # type: ignore[attr-defined]
