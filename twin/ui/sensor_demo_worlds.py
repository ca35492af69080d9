"""Small scenes the sensor chapter uses: a walled room to scan, and a humanoid that shifts its weight.

They live here (not in the notebook) so that the notebook stays short and the tests can check them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import numpy as np

from twin.sensors._common import check_positive

if TYPE_CHECKING:
    from twin.sim.robots import Robot
    from twin.sim.world import World

WALL_COLOR = (0.85, 0.8, 0.7, 1.0)
SWAY_JOINTS = ("right_hip", "left_hip", "right_ankle", "left_ankle")


def add_box(world: World, center: object, half_extents: object, rgba: object = WALL_COLOR) -> int:
    """A static box (collision and visual) in ``world``; returns its body id. Sizes in m."""
    c = world.client
    half = [float(h) for h in np.asarray(half_extents, dtype=float).reshape(3)]
    shape = c.createCollisionShape(c.GEOM_BOX, halfExtents=half)
    look = c.createVisualShape(c.GEOM_BOX, halfExtents=half, rgbaColor=list(rgba))  # type: ignore[arg-type]
    return c.createMultiBody(0, shape, look, basePosition=[float(x) for x in np.asarray(center).reshape(3)])


def add_room(world: World, size: float = 6.0, height: float = 2.0, thickness: float = 0.1) -> list[int]:
    """Four walls around the origin: inner faces at x, y = +-(size / 2 - thickness), m. Returns their body ids."""
    size = check_positive("size", size, "m", "e.g. 6")
    height = check_positive("height", height, "m", "e.g. 2")
    half, t = size / 2.0, thickness / 2.0
    walls = [
        add_box(world, (half - t, 0, height / 2), (t, half, height / 2)),
        add_box(world, (-half + t, 0, height / 2), (t, half, height / 2)),
        add_box(world, (0, half - t, height / 2), (half, t, height / 2)),
        add_box(world, (0, -half + t, height / 2), (half, t, height / 2)),
    ]
    return walls


def sway_humanoid(
    humanoid: Robot,
    seconds: float,
    *,
    amplitude: float = 0.01,
    frequency: float = 0.2,
    every: int = 8,
    on_tick: Callable[[], None] | None = None,
) -> None:
    """Rock the catalogue humanoid from foot to foot: hips and ankles roll together by ``amplitude`` rad, a sine
    of ``frequency`` Hz, for ``seconds`` of simulated time. ``on_tick()`` runs every ``every`` physics steps.

    Rolling hip and ankle by the same angle keeps the feet flat and the trunk upright while the pelvis moves
    sideways over one foot, then the other: 0.01 rad moves about 80 % of the weight onto each foot in turn;
    above about 0.02 rad a foot starts to lift, and above about 0.08 rad the statue falls.
    """
    from twin.ui.panel_logic import JointPanelModel

    world = humanoid.world
    start = world.time
    panel = JointPanelModel.for_robots(humanoid, joints=list(SWAY_JOINTS), settle_steps=int(every))
    for _ in range(int(round(seconds / (world.time_step * every)))):
        angle = amplitude * np.sin(2 * np.pi * frequency * (world.time - start))  # starts from the upright pose
        panel.set_many({f"{joint}.roll": angle for joint in SWAY_JOINTS})
        if on_tick is not None:
            on_tick()
