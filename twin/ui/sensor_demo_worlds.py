"""Small scenes the sensor chapter uses: a walled room to scan, and a humanoid that shifts its weight.

They live here (not in the notebook) so that the notebook stays short and the tests can check them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import numpy as np

from twin.sensors._common import check_positive

if TYPE_CHECKING:
    from twin.sensors.imu import ImuLog, InertialNoise
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
    sideways over one foot, then the other. The statue, its soles and the floor are rigid, so the load does not
    glide: 0.01 rad (under 1 cm of pelvis travel) tips the soles onto one edge, and the contact solver puts about
    80 % of the weight on one foot, then flips it to the other when the roll changes sign (even 0.003 rad does);
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


def swing_imu(
    accelerometer: InertialNoise, gyroscope: InertialNoise, seconds: float, rate_hz: float = 240.0, seed: int = 2
) -> tuple[ImuLog, ImuLog, np.ndarray, np.ndarray]:
    """An ideal and a noisy IMU on the catalogue pendulum's bob, the same free swing from 1 rad, ``seconds`` long.

    Returns the ideal log, the noisy log, and the joint angle (rad) and rate (rad/s) after each physics step (one
    per sample at the default 240 Hz). The noisy IMU uses ``accelerometer`` and ``gyroscope`` with ``seed``.
    """
    from twin.sensors.imu import Imu
    from twin.sim.world import World

    seconds = check_positive("seconds", seconds, "s", "e.g. 3.0")
    logs, state = [], np.zeros((0, 2))
    for ideal in (True, False):
        with World() as world:
            pendulum = world.load_robot("pendulum")
            pendulum.set_state([1.0])
            pendulum.enable_torque_control()  # no motor: it swings freely
            bob = pendulum.link("bob").index
            imu = Imu(world, pendulum.body_id, bob, rate_hz=rate_hz, accelerometer=accelerometer,
                      gyroscope=gyroscope, seed=seed, ideal=ideal)  # fmt: skip
            before_each_step: list = []

            def note(_: World, log: list = before_each_step, robot: Robot = pendulum) -> None:
                log.append(robot.state())

            logs.append(imu.record(int(seconds / world.time_step), on_step=note))
            after_each_step = before_each_step[1:] + [pendulum.state()]
            state = np.array([[s.positions[0], s.velocities[0]] for s in after_each_step])
    return logs[0], logs[1], state[:, 0], state[:, 1]
