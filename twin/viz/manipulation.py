"""3D views of the manipulation cell: the arm, the table and the objects, with the fingers' contact forces drawn
as arrows, and recordings of a pick-and-place or a learned policy that play without a kernel."""

from __future__ import annotations

from collections.abc import Sequence

from twin.manipulation.cell import ManipulationCell
from twin.manipulation.grasp import PickResult, Recorder, pick_and_place
from twin.manipulation.wall_task import Episode, Policy, WallTask
from twin.viz.animation import Recording
from twin.viz.scene import Scene

FORCE_SCALE = 0.005  # m per N: a 20 N squeeze is a 10 cm arrow


def cell_scene(cell: ManipulationCell, *, contact_forces: bool = True) -> Scene:
    """A scene of the cell: the Panda, the table, every object and obstacle; the contact forces on the robot
    (its fingers squeezing an object) drawn as orange arrows, refreshed by ``scene.update()``."""
    scene = Scene(grid=False)
    world = cell.world
    scene.add_body(world, cell.table_id, "table")
    for name, body in {**cell.object_ids, **cell.obstacle_ids}.items():
        scene.add_body(world, body, name)
    arm = scene.add_robot(cell.robot, "panda")
    if contact_forces:
        scene.show_contact_forces(arm, scale=FORCE_SCALE, min_force=0.5)
    scene.set_camera(eye=(1.25, -0.85, 0.75), target=(0.45, 0.0, 0.12))
    return scene


def record_pick_and_place(
    cell: ManipulationCell, name: str, target: Sequence[float], *, grip_force: float = 20.0, fps: float = 20.0
) -> tuple[Recording, PickResult]:
    """Pick ``name`` and place it at ``target`` (x, y), recorded: the recording plays in a notebook output."""
    scene = cell_scene(cell)
    recording = scene.record(fps=fps)
    recorder = Recorder(cell, name)
    recorder.on_tick = lambda c: scene.update(time=c.world.time)
    result = pick_and_place(cell, name, target, grip_force=grip_force, recorder=recorder)
    recording.stop()
    return recording, result


def record_episode(task: WallTask, policy: Policy, seed: int, *, fps: float = 10.0) -> tuple[Recording, Episode]:
    """One episode of ``policy`` on the over-the-wall task, recorded."""
    scene = cell_scene(task.cell, contact_forces=False)
    scene.set_camera(eye=(1.6, 0.9, 0.9), target=(0.5, 0.0, 0.2))
    recording = scene.record(fps=fps)
    episode = task.run(policy, seed, on_tick=lambda c: scene.update(time=c.world.time))
    recording.stop()
    return recording, episode
