"""What the time step and the solver settings cost, and what they buy.

Two experiments a modeller runs before trusting a simulation:

- **time step**: a pendulum swings freely in pybullet with several time steps and is compared with an accurate
  solution of its own equation of motion ``I theta'' = -m g l sin(theta)`` (I and m g l read from the same
  model). pybullet integrates with semi-implicit Euler, a first-order method: halving the step roughly halves
  the error, and doubles the work.
- **solver iterations**: contacts are solved iteratively each step. A stack of boxes with too few iterations
  sinks into itself and into the ground; more iterations remove the penetration, at a price.

Wall-clock times are measured for the notebook and the benchmark, never asserted in tests.
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy.integrate import solve_ivp

from twin.sim._bullet import pybullet
from twin.sim.plant import SimulatedRobot
from twin.sim.world import World


@dataclass(frozen=True)
class StudyRow:
    """One setting of a study: the setting's value, the error it leaves (units per study) and its cost."""

    setting: float
    error: float
    steps: int
    wall_seconds: float


def pendulum_constants() -> tuple[float, float]:
    """(I about the hinge in kg m^2, m g l in N m) of the catalogue pendulum, read from pybullet's model."""
    with SimulatedRobot("pendulum") as plant:
        inertia = float(plant.mass_matrix([0.0])[0, 0])
        mgl = float(plant.gravity_torques([math.pi / 2])[0])  # holding torque at horizontal = m g l
    return inertia, mgl


def reference_swing(times: np.ndarray, initial_angle: float, inertia: float, mgl: float) -> np.ndarray:
    """Angle (rad) of the ideal pendulum I theta'' = -m g l sin(theta) from rest, to 1e-11 accuracy."""
    solution = solve_ivp(
        lambda t, y: [y[1], -mgl / inertia * math.sin(y[0])],
        (0.0, float(times[-1])),
        [initial_angle, 0.0],
        t_eval=times,
        rtol=1e-12,
        atol=1e-12,
        method="DOP853",
    )
    return solution.y[0]


def time_step_study(
    time_steps: Sequence[float] = (1 / 60, 1 / 120, 1 / 240, 1 / 480, 1 / 960),
    duration: float = 2.0,
    initial_angle: float = 1.0,
) -> list[StudyRow]:
    """Largest angle error (rad) of a free pendulum swing of ``duration`` s for each time step (s)."""
    if not time_steps:
        raise ValueError("time_steps is empty: give at least one step, e.g. (1/120, 1/240).")
    inertia, mgl = pendulum_constants()
    rows = []
    for dt in time_steps:
        steps = int(round(duration / dt))
        if abs(steps * dt - duration) > 1e-9 * duration:
            raise ValueError(f"duration={duration} s is not a whole number of {dt:.6g} s steps; pick them to match.")
        with SimulatedRobot("pendulum", time_step=dt, initial_positions=[initial_angle]) as plant:
            angles = np.empty(steps)
            started = time.perf_counter()
            for k in range(steps):
                plant.step()
                angles[k] = plant.state().positions[0]
            wall = time.perf_counter() - started
        times = dt * np.arange(1, steps + 1)
        error = float(np.max(np.abs(angles - reference_swing(times, initial_angle, inertia, mgl))))
        rows.append(StudyRow(dt, error, steps, wall))
    return rows


def convergence_order(rows: Sequence[StudyRow]) -> float:
    """Slope of log(error) against log(setting): about 1 for a first-order integrator."""
    settings = np.log([r.setting for r in rows])
    errors = np.log([r.error for r in rows])
    return float(np.polyfit(settings, errors, 1)[0])


def box_stack_penetration(
    solver_iterations: int, boxes: int = 6, size: float = 0.1, mass: float = 1.0, seconds: float = 1.0
) -> tuple[float, float, int]:
    """(penetration m, wall s, steps): how much shorter than ``boxes * size`` a stack of boxes stands after
    ``seconds``, the wall time of the stepping, and the number of steps."""
    with World(time_step=1 / 240, solver_iterations=solver_iterations) as world:
        world.add_ground()
        c = world.client
        shape = c.createCollisionShape(pybullet.GEOM_BOX, halfExtents=[size / 2] * 3)
        ids = [c.createMultiBody(mass, shape, -1, [0.0, 0.0, size / 2 + k * size]) for k in range(boxes)]
        steps = int(round(seconds / world.time_step))
        started = time.perf_counter()
        world.step(steps)
        wall = time.perf_counter() - started
        top = c.getBasePositionAndOrientation(ids[-1])[0][2] + size / 2
    return boxes * size - top, wall, steps


def solver_iteration_study(iterations: Sequence[int] = (1, 2, 5, 10, 50), boxes: int = 6) -> list[StudyRow]:
    """Penetration (m) of a box stack for each number of solver iterations."""
    rows = []
    for n in iterations:
        penetration, wall, steps = box_stack_penetration(int(n), boxes=boxes)
        rows.append(StudyRow(float(n), penetration, steps, wall))
    return rows
