"""Contact and friction in pybullet, against Coulomb's law.

A box sliding on the ground at speed v with friction coefficient mu decelerates at mu g and stops after
``v^2 / (2 mu g)``. pybullet multiplies the two bodies' ``lateralFriction`` values to get mu (the ground of a
``World`` has 1.0), and solves friction with the same iterative solver as contact, so the match is close but
not exact. A dropped ball bounces to ``e^2`` of its height (restitution e), which pybullet also combines.
"""

from __future__ import annotations

import math

import numpy as np

from twin.physics.fluids import Box, Sphere, add_free_body
from twin.sim.world import World


def sliding_distance(mu: float, speed: float, gravity: float = 9.81) -> float:
    """Coulomb's law: distance (m) a body sliding at ``speed`` (m/s) travels before friction ``mu`` stops it."""
    if not (0 < mu < math.inf and 0 <= speed < math.inf):
        raise ValueError(f"mu={mu!r} must be > 0 and speed={speed!r} m/s >= 0.")
    return speed * speed / (2 * mu * gravity)


def simulate_slide(
    mu: float, speed: float, seconds: float = 3.0, time_step: float = 1 / 240
) -> tuple[np.ndarray, np.ndarray]:
    """(times s, x positions m) of a 0.2 m box pushed along the ground at ``speed`` m/s with friction ``mu``."""
    if not 0 < mu < math.inf:
        raise ValueError(f"mu={mu!r} must be a friction coefficient > 0 (e.g. 0.5).")
    with World(time_step=time_step) as world:
        world.add_ground(lateral_friction=1.0)
        box = Box((0.2, 0.2, 0.2))
        body = add_free_body(world, box, 1.0, [0.0, 0.0, 0.1], color=(0.3, 0.5, 0.9, 1.0))
        world.client.changeDynamics(body, -1, lateralFriction=float(mu))
        world.step(24)  # settle onto the ground first
        start = world.client.getBasePositionAndOrientation(body)[0][0]
        world.client.resetBaseVelocity(body, [float(speed), 0.0, 0.0], [0.0, 0.0, 0.0])
        steps = int(round(seconds / time_step))
        xs = np.empty(steps + 1)
        xs[0] = 0.0
        for k in range(steps):
            world.step()
            xs[k + 1] = world.client.getBasePositionAndOrientation(body)[0][0] - start
    return time_step * np.arange(steps + 1), xs


def bounce_height(heights: np.ndarray, contact_height: float = 0.002) -> float:
    """Highest point (m) after the first touch of the ground in a ``simulate_bounce`` record."""
    touched = np.nonzero(np.asarray(heights) < contact_height)[0]
    if not touched.size:
        raise ValueError("The ball never touched the ground: simulate for longer.")
    return float(np.max(heights[touched[0] :]))


def simulate_bounce(
    restitution: float, drop_height: float = 1.0, seconds: float = 3.0, time_step: float = 1 / 240
) -> tuple[np.ndarray, np.ndarray]:
    """(times s, heights m of the lowest point) of a 0.05 m ball dropped on the ground with ``restitution``."""
    if not 0 <= restitution <= 1:
        raise ValueError(f"restitution={restitution!r} must be in [0, 1] (0 = no bounce, 1 = perfectly elastic).")
    ball = Sphere(0.05)
    with World(time_step=time_step) as world:
        ground = world.add_ground()
        world.client.changeDynamics(ground, -1, restitution=1.0)
        body = add_free_body(world, ball, 0.2, [0.0, 0.0, drop_height + ball.radius])
        world.client.changeDynamics(body, -1, restitution=float(restitution))
        world.client.setPhysicsEngineParameter(restitutionVelocityThreshold=0.05)
        steps = int(round(seconds / time_step))
        heights = np.empty(steps + 1)
        heights[0] = drop_height
        for k in range(steps):
            world.step()
            heights[k + 1] = world.client.getBasePositionAndOrientation(body)[0][2] - ball.radius
    return time_step * np.arange(steps + 1), heights
