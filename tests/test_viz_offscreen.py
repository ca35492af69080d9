"""Recordings and scenes drawn off-screen and headless (pybullet's TinyRenderer): GIFs and PNGs for slides."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from twin.sim import World
from twin.viz import Scene
from twin.viz.offscreen import OffscreenRenderer


def recorded_arm(moving: bool, steps: int = 96, fps: float = 20.0):
    """A recording of the arm swinging its joints (or standing still) for ``steps`` steps at 240 Hz."""
    world = World()
    world.add_ground()
    arm = world.load_robot("arm")
    arm.set_state(np.full(arm.dof, 0.0 if moving else 0.3))  # where the first frame finds it
    scene = Scene.from_world(world)
    recording = scene.record(fps=fps)
    for k in range(steps):
        arm.set_state(np.full(arm.dof, 0.9 * np.sin(k / 15) if moving else 0.3))  # held exactly, or swinging
        world.step()
        scene.update()
    recording.stop()
    return world, scene, recording


def gif_frames(path) -> list[np.ndarray]:
    with Image.open(path) as gif:
        frames = []
        for index in range(gif.n_frames):
            gif.seek(index)
            frames.append(np.asarray(gif.convert("RGB"), dtype=int))
        return frames


def test_a_headless_gif_has_one_frame_per_recorded_frame_and_shows_the_motion(tmp_path):
    world, _, recording = recorded_arm(moving=True)
    try:
        path = recording.save(tmp_path / "swing.gif", width=160, height=120)
    finally:
        world.close()
    frames = gif_frames(path)
    assert len(frames) == len(recording.times) == 9  # 96 steps = 0.4 s at 20 frames/s, plus the first
    assert all(frame.shape == (120, 160, 3) for frame in frames)
    changes = [np.abs(b - a).mean() for a, b in zip(frames, frames[1:], strict=False)]
    assert min(changes) > 0.5, changes  # every frame differs from the one before: the arm moves
    assert np.abs(frames[0] - frames[0].mean(axis=(0, 1))).mean() > 5  # not a blank picture


def test_a_robot_that_stands_still_gives_identical_frames():
    """So the differences above come from the motion, not from the renderer."""
    world, _, recording = recorded_arm(moving=False)
    try:
        frames = recording.frames(160, 120)
    finally:
        world.close()
    # held in place after every step (the first frame, taken before any step, may differ by a pixel's shade)
    assert len(frames) == 9 and all(np.array_equal(frames[1], frame) for frame in frames[1:])


def test_the_picture_follows_the_recorded_pose_not_the_scene_now():
    world, scene, recording = recorded_arm(moving=True)
    try:
        with OffscreenRenderer(scene, 160, 120) as renderer:
            first = renderer.render(recording.frame_matrices(0))
            now = renderer.render()  # the scene as it is at the end
            last = renderer.render(recording.frame_matrices(len(recording.times) - 1))
    finally:
        world.close()
    assert np.array_equal(now, last) and not np.array_equal(first, last)


def test_save_names_are_the_same_for_scenes_and_recordings_and_wrong_ones_say_what_to_do(tmp_path):
    world, scene, recording = recorded_arm(moving=True, steps=24)
    try:
        png = scene.save(tmp_path / "arm.png", width=64, height=48)
        with Image.open(png) as picture:
            assert picture.size == (64, 48)
        assert "<html" in open(scene.save(tmp_path / "arm.html"), encoding="utf-8").read().lower()
        assert "<html" in open(recording.save(tmp_path / "run.html"), encoding="utf-8").read().lower()
        with pytest.raises(ValueError, match=r"scene.record\(\)"):
            scene.save(tmp_path / "arm.gif")
        with pytest.raises(ValueError, match="ffmpeg -i run.gif run.mp4"):
            recording.save(tmp_path / "run.mp4")
        with pytest.raises(ValueError, match=r"\.html .* or \.gif"):
            recording.save(tmp_path / "run.txt")
        with pytest.raises(ValueError, match="pixels >= 16"):
            recording.save(tmp_path / "run.gif", width=0)
        with pytest.raises(ValueError, match="speed"):
            recording.save(tmp_path / "run.gif", speed=-1)
    finally:
        world.close()
