"""Fidelity against cost: what each simulation setting costs per simulated second, and what error it leaves.

The scenario is a contact-rich moment every pick-and-place twin has: a box thrown onto the floor, bouncing and
sliding to rest. Each ``Setting`` (time step, solver iterations, collision geometry) simulates it; the error is
the RMS distance (m) between its box path and the path of a high-fidelity reference (small step, many
iterations, exact box), and the cost is wall seconds per simulated second. Settings that no other setting beats
on both counts form the Pareto front; ``cheapest_meeting`` picks the cheapest setting within an error bound.

Collision geometry: ``"box"`` is pybullet's exact box primitive; ``"mesh"`` is the same box given as a
triangulated convex mesh (its corners, with ``collision_margin``), the way a CAD model arrives. Wall times are
measured, never asserted; errors are deterministic.
"""

from __future__ import annotations

import itertools
import math
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from twin.sim._bullet import pybullet
from twin.sim.world import World
from twin.tables import Table

GEOMETRIES = ("box", "mesh")
HALF = 0.05  # m: half the box's edge
SAMPLE_PERIOD = 0.01  # s: the paths are compared every 10 ms
DURATION = 1.0  # s simulated


@dataclass(frozen=True)
class Setting:
    """One way to simulate: ``time_step`` s, ``solver_iterations`` per step, collision ``geometry``."""

    time_step: float = 1 / 240
    solver_iterations: int = 50
    geometry: str = "box"

    def __post_init__(self) -> None:
        if not (isinstance(self.time_step, int | float) and 0 < self.time_step <= 0.05):
            raise ValueError(f"time_step={self.time_step!r} must be in (0, 0.05] s, e.g. 1/240.")
        samples = SAMPLE_PERIOD / self.time_step
        if abs(samples - round(samples)) > 1e-9:
            raise ValueError(
                f"time_step={self.time_step:.6g} s must divide the {SAMPLE_PERIOD} s sampling period "
                "(1/100, 1/200, 1/400, 1/800 ...)."
            )
        if not isinstance(self.solver_iterations, int) or not 1 <= self.solver_iterations <= 1000:
            raise ValueError(f"solver_iterations={self.solver_iterations!r} must be an integer in 1..1000.")
        if self.geometry not in GEOMETRIES:
            raise ValueError(f"geometry={self.geometry!r}; choose one of {GEOMETRIES}.")

    def __str__(self) -> str:
        return f"dt=1/{1 / self.time_step:.0f} s, {self.solver_iterations} it, {self.geometry}"


REFERENCE = Setting(1 / 1600, 200, "box")


def _box_shape(client: object, geometry: str) -> int:
    if geometry == "box":
        return client.createCollisionShape(pybullet.GEOM_BOX, halfExtents=[HALF] * 3)
    corners = [list(c) for c in itertools.product((-HALF, HALF), repeat=3)]
    return client.createCollisionShape(pybullet.GEOM_MESH, vertices=corners)


def throw_box(setting: Setting, duration: float = DURATION) -> tuple[np.ndarray, float]:
    """The box's centre (m, one row per 10 ms, shape (samples, 3)) and the wall time of the stepping (s)."""
    with World(time_step=setting.time_step, solver_iterations=setting.solver_iterations) as world:
        world.add_ground()
        c = world.client
        body = c.createMultiBody(1.0, _box_shape(c, setting.geometry), -1, [0.0, 0.0, 0.15])
        c.changeDynamics(body, -1, lateralFriction=0.6, restitution=0.3)
        c.resetBaseVelocity(body, [1.5, 0.0, 0.0], [0.0, 0.0, 0.0])
        per_sample = int(round(SAMPLE_PERIOD / setting.time_step))
        samples = int(round(duration / SAMPLE_PERIOD))
        path = np.empty((samples, 3))
        started = time.perf_counter()
        for k in range(samples):
            world.step(per_sample)
            path[k] = c.getBasePositionAndOrientation(body)[0]
        wall = time.perf_counter() - started
    return path, wall


@dataclass(frozen=True)
class FidelityPoint:
    """One setting's result: RMS path error against the reference (m), cost (wall s per simulated s)."""

    setting: Setting
    error: float
    cost: float


def sweep(
    settings: Iterable[Setting], reference: Setting = REFERENCE, duration: float = DURATION, repeats: int = 1
) -> list[FidelityPoint]:
    """Error and cost of every setting (cost: the fastest of ``repeats`` runs, against other load)."""
    reference_path, _ = throw_box(reference, duration)
    points = []
    for setting in settings:
        walls = []
        for _ in range(max(1, repeats)):
            path, wall = throw_box(setting, duration)
            walls.append(wall)
        error = float(np.sqrt(np.mean(np.sum((path - reference_path) ** 2, axis=1))))
        points.append(FidelityPoint(setting, error, min(walls) / duration))
    return points


def grid(
    time_steps: Sequence[float] = (1 / 100, 1 / 200, 1 / 400, 1 / 800),
    iterations: Sequence[int] = (2, 10, 50),
    geometries: Sequence[str] = GEOMETRIES,
) -> list[Setting]:
    """Every combination of the given time steps, solver iterations and geometries."""
    return [Setting(dt, n, g) for dt, n, g in itertools.product(time_steps, iterations, geometries)]


def pareto_front(points: Sequence[FidelityPoint]) -> list[FidelityPoint]:
    """The points no other point beats on both error and cost, cheapest first."""
    front: list[FidelityPoint] = []
    for point in sorted(points, key=lambda p: (p.cost, p.error)):
        if not front or point.error < front[-1].error:
            front.append(point)
    return front


def cheapest_meeting(points: Sequence[FidelityPoint], max_error: float) -> FidelityPoint:
    """The cheapest point with error <= ``max_error`` (m); a clear error when none meets it."""
    if not (isinstance(max_error, int | float) and math.isfinite(max_error) and max_error > 0):
        raise ValueError(f"max_error={max_error!r} must be a positive error bound in m, e.g. 0.01.")
    meeting = [p for p in points if p.error <= max_error]
    if not meeting:
        best = min(points, key=lambda p: p.error)
        raise ValueError(
            f"no setting meets max_error={max_error:.3g} m; the most accurate, {best.setting}, leaves "
            f"{best.error:.3g} m. Loosen the bound or add finer settings (smaller time step, more iterations)."
        )
    return min(meeting, key=lambda p: (p.cost, p.error))


def table(points: Sequence[FidelityPoint], chosen: FidelityPoint | None = None) -> Table:
    """One row per setting, with the Pareto front and the chosen setting marked."""
    front = {id(p) for p in pareto_front(points)}
    rows = tuple(
        (
            str(p.setting),
            round(p.error * 1e3, 2),
            round(p.cost * 1e3, 2),
            "yes" if id(p) in front else "",
            "<- chosen" if p is chosen else "",
        )
        for p in sorted(points, key=lambda p: p.cost)
    )
    return Table(("setting", "error [mm]", "cost [ms per simulated s]", "Pareto", ""), rows, title="fidelity vs cost")
