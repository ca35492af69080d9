"""3D views of walking: the terrain as a meshcat mesh and recordings of a walk that play without a kernel."""

from __future__ import annotations

from collections.abc import Callable

from twin.viz.animation import Recording
from twin.viz.scene import Scene
from twin.walking.terrain import Terrain
from twin.walking.walker import NOMINAL, BipedWalker, Gait, WalkerDynamics, WalkResult


def add_terrain(scene: Scene, terrain: Terrain, name: str = "terrain") -> None:
    """Draw ``terrain`` exactly where ``Terrain.add_to`` puts it in pybullet."""
    scene.add_heightfield(
        terrain.heights, (terrain.spec.cell_size, terrain.spec.cell_size), position=terrain.body_position, name=name
    )


def record_walk(
    gait: Gait,
    terrain: Terrain,
    dynamics: WalkerDynamics = NOMINAL,
    duration: float = 8.0,
    fps: float = 25.0,
    live: Callable[[Scene], object] | None = None,
) -> tuple[Recording, WalkResult]:
    """Walk ``gait`` on ``terrain`` and record it: the recording plays in a notebook output or saved HTML.

    The scene moves ``fps`` times per simulated second. ``live(scene)`` is called before the walk starts, for
    example ``live=lambda scene: display(scene.widget())`` to watch the walk while the kernel computes it.
    """
    scene = Scene(grid=False)
    add_terrain(scene, terrain)
    with BipedWalker(terrain, dynamics) as walker:
        scene.add_body(walker.world, walker.body, "biped")
        scene.set_camera(eye=(3.5, 1.0, 1.6), target=(0.0, 2.0, 0.6))
        if live is not None:
            live(scene)
        recording = scene.record(fps=fps)
        every = max(1, round(1.0 / (fps * walker.world.time_step)))  # physics steps per frame
        steps = [0]

        def frame(w: BipedWalker, t: float) -> None:
            steps[0] += 1
            if steps[0] % every == 0:
                scene.update(time=t)

        result = walker.walk(gait, duration, on_step=frame)
        scene.update(time=result.fall_time)
        recording.stop()
    return recording, result
