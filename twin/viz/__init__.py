"""3D views that work everywhere a notebook output or widget works: meshcat scenes built in-process.

- ``Scene``: mirrors pybullet robots (``add_robot``, ``from_world``), ghosts, health colours, markers,
  arrows, ground and heightfield terrain; ``update()`` is the one call that follows the simulation.
- ``scene.show()`` / ``scene`` in a notebook: a self-contained snapshot; ``scene.save("view.html")``, or
  ``scene.save("view.png")`` for a picture drawn headless (``twin.viz.offscreen``).
- ``scene.widget()``: a live view over the kernel's own channel (no port).
- ``scene.record()``: a ``Recording`` that plays back in the browser with a time slider, or offline;
  ``recording.save("run.html")`` (interactive) or ``recording.save("run.gif")`` (drawn headless, for slides).
- ``scene.serve()``: opt-in ``LiveServer`` for a separate tab, on 127.0.0.1 only; close it.
- ``twin.viz.sensors``: what sensors see, in a scene: LIDAR points and rays, a camera's frustum and image,
  force arrows (``show_lidar_scan``, ``show_camera``, ``show_force``, ``show_points``, ``show_rays``).
"""

from twin.viz.animation import Recording
from twin.viz.html import HTMLView, viewer_page
from twin.viz.scene import RobotMirror, Scene, health_color
from twin.viz.shapes import LinkFrames, VisualShape, visual_shapes

__all__ = [
    "HTMLView",
    "LinkFrames",
    "Recording",
    "RobotMirror",
    "Scene",
    "VisualShape",
    "health_color",
    "twin_scene",
    "viewer_page",
    "visual_shapes",
]


def twin_scene(twin: object, *, ghost: bool = True, **options: object) -> Scene:
    """A scene of a ``DigitalTwin``: the physical stand-in solid, the virtual model as a ghost over it.

    Mirrors are named ``"physical"`` and ``"model"``.
    """
    scene = Scene(**options)  # type: ignore[arg-type]
    physical = twin.physical.robot  # type: ignore[attr-defined]
    model = twin.model.robot  # type: ignore[attr-defined]
    if physical.world.ground_id is not None:
        scene.add_ground()
    scene.add_robot(physical, "physical")
    if ghost:
        scene.add_robot(model, "model", ghost=True)
    return scene
