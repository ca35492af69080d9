"""3D views of walking: the terrain as a meshcat mesh and recordings of a walk that play without a kernel."""

from __future__ import annotations

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
) -> tuple[Recording, WalkResult]:
    """Walk ``gait`` on ``terrain`` and record it: the recording plays in a notebook output or saved HTML."""
    scene = Scene(grid=False)
    add_terrain(scene, terrain)
    with BipedWalker(terrain, dynamics) as walker:
        scene.add_body(walker.world, walker.body, "biped")
        scene.set_camera(eye=(3.5, 1.0, 1.6), target=(0.0, 2.0, 0.6))
        recording = scene.record(fps=fps)
        result = walker.walk(gait, duration, on_step=lambda w, t: scene.update(time=t))
        recording.stop()
    return recording, result
