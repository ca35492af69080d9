"""3D views of the learning environments: a meshcat scene that follows ``env.render()``, and recordings of a
policy's episode that play in a notebook output or a saved page without a kernel."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from twin.learn.envs import ArmReachEnv, TwinEnv
from twin.viz.animation import Recording
from twin.viz.scene import Scene

TARGET_COLOR = (0.9, 0.2, 0.2)


def attach_view(env: TwinEnv, scene: Scene | None = None) -> Scene:
    """Draw ``env``'s stand-in in a meshcat scene that every ``env.render()`` moves (``render_mode="meshcat"``).

    A reaching task's target shows as a red ball, moved at each reset.
    """
    env = getattr(env, "unwrapped", env)
    if not isinstance(env, TwinEnv):
        raise TypeError(f"attach_view needs one of twin.learn's environments, got {type(env).__name__}.")
    scene = scene or Scene(grid=False)
    scene.add_robot(env.standin.robot, "robot")
    with_target = isinstance(env, ArmReachEnv)
    if with_target:
        scene.add_marker("target", env.target, radius=0.04, color=TARGET_COLOR)

    def draw(e: TwinEnv) -> None:
        if with_target:
            scene.move_marker("target", e.target)
        scene.update(time=e.time)

    env.render_callbacks.append(draw)
    return scene


def record_episode(
    env: TwinEnv, policy: Callable[[np.ndarray], np.ndarray], seed: int = 0, fps: float = 30.0
) -> tuple[Recording, float]:
    """Run one episode of ``policy`` on ``env`` (built with ``render_mode="meshcat"``) and record it.

    Returns the recording (it plays in a notebook output, ``.save(path)`` writes a page) and the return.
    """
    env = getattr(env, "unwrapped", env)
    if env.render_mode != "meshcat":
        raise ValueError("build the environment with render_mode='meshcat' to record it.")
    scene = attach_view(env)
    try:
        observation, _ = env.reset(seed=seed)
        env.render()
        recording = scene.record(fps=fps)
        total = 0.0
        while True:
            observation, reward, terminated, truncated, _ = env.step(policy(observation))
            total += reward
            if terminated or truncated:
                break
        recording.stop()
    finally:
        env.render_callbacks.clear()
    return recording, total
