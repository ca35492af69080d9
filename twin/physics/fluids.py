"""Fluid effects as force models: drag and buoyancy, applied to pybullet bodies each step.

pybullet has **no fluid solver**: it never computes how water or air flows. What a robot feels from a fluid
can still be modelled with two classic force laws, evaluated from each body's state and pushed in with
``applyExternalForce`` before every step:

- quadratic drag ``F = -1/2 rho Cd A |v| v`` (density ``rho``, drag coefficient ``Cd``, frontal area ``A``),
  which gives a falling body the terminal speed ``sqrt(2 m g / (rho Cd A))``;
- buoyancy ``F = rho g V_submerged`` upwards (Archimedes), so a body lighter than the fluid floats with just
  enough of its volume under the surface to displace its own mass.

What is left out, and says so: flow around the body (wakes, waves, added mass), lift, and the torque of an
off-centre buoyancy (forces act at the centre of mass, so a floating body has no righting moment).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy.optimize import brentq

from twin.sim._bullet import pybullet
from twin.sim.world import World


def _check(name: str, value: object, unit: str, *, allow_zero: bool = False) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float | np.floating) or not math.isfinite(value):
        raise ValueError(f"{name}={value!r} must be a finite number in {unit}.")
    if value < 0 or (value == 0 and not allow_zero):
        raise ValueError(f"{name}={value!r} {unit} must be {'>= 0' if allow_zero else '> 0'}.")
    return float(value)


@dataclass(frozen=True)
class Fluid:
    """A still fluid: its density (kg/m^3) and the height of its free surface (m; inf = it fills all space)."""

    name: str
    density: float
    surface_height: float = math.inf

    def __post_init__(self) -> None:
        _check("density", self.density, "kg/m^3")
        if not isinstance(self.surface_height, int | float) or math.isnan(self.surface_height):
            raise ValueError(f"surface_height={self.surface_height!r} must be a height in m (or math.inf).")


AIR = Fluid("air", 1.225)
"""Air at sea level and 15 degC, everywhere."""
WATER = Fluid("water", 1000.0, surface_height=0.0)
"""Fresh water below z = 0."""


# -- the force laws ------------------------------------------------------------------------------
def drag_force(
    velocity: Sequence[float] | np.ndarray, fluid_density: float, drag_coefficient: float, area: float
) -> np.ndarray:
    """Quadratic drag (N) on a body moving at ``velocity`` (m/s) through still fluid: -1/2 rho Cd A |v| v."""
    v = np.asarray(velocity, dtype=float)
    rho = _check("fluid_density", fluid_density, "kg/m^3", allow_zero=True)
    cd = _check("drag_coefficient", drag_coefficient, "(dimensionless)", allow_zero=True)
    a = _check("area", area, "m^2", allow_zero=True)
    return -0.5 * rho * cd * a * np.linalg.norm(v) * v


def terminal_velocity(
    mass: float, drag_coefficient: float, area: float, fluid_density: float, gravity: float = 9.81
) -> float:
    """Speed (m/s) at which quadratic drag balances weight: sqrt(2 m g / (rho Cd A))."""
    m = _check("mass", mass, "kg")
    cd = _check("drag_coefficient", drag_coefficient, "(dimensionless)")
    a = _check("area", area, "m^2")
    rho = _check("fluid_density", fluid_density, "kg/m^3")
    g = _check("gravity", gravity, "m/s^2")
    return math.sqrt(2 * m * g / (rho * cd * a))


def falling_speed(
    times: np.ndarray, mass: float, drag_coefficient: float, area: float, fluid_density: float, gravity: float = 9.81
) -> np.ndarray:
    """Speed (m/s) of a body dropped from rest under quadratic drag: v_t tanh(g t / v_t) (exact solution)."""
    v_t = terminal_velocity(mass, drag_coefficient, area, fluid_density, gravity)
    return v_t * np.tanh(gravity * np.asarray(times, dtype=float) / v_t)


def buoyancy_force(submerged_volume: float, fluid_density: float, gravity: float = 9.81) -> float:
    """Upward force (N) on a body displacing ``submerged_volume`` (m^3) of fluid: rho g V (Archimedes)."""
    v = _check("submerged_volume", submerged_volume, "m^3", allow_zero=True)
    return _check("fluid_density", fluid_density, "kg/m^3") * _check("gravity", gravity, "m/s^2") * v


# -- shapes: volume under a surface --------------------------------------------------------------
@dataclass(frozen=True)
class Sphere:
    """A ball of ``radius`` m."""

    radius: float

    def __post_init__(self) -> None:
        _check("radius", self.radius, "m")

    @property
    def volume(self) -> float:
        return 4 / 3 * math.pi * self.radius**3

    @property
    def frontal_area(self) -> float:
        return math.pi * self.radius**2

    def submerged_volume(self, centre_height: float, surface_height: float) -> float:
        """Volume (m^3) below the surface: a spherical cap pi h^2 (3 r - h) / 3 of depth h."""
        r = self.radius
        h = min(max(surface_height - (centre_height - r), 0.0), 2 * r)
        return math.pi * h * h * (3 * r - h) / 3


@dataclass(frozen=True)
class Box:
    """An upright box of sides ``size`` (x, y, z) m; assumed to stay upright in the fluid."""

    size: tuple[float, float, float]

    def __post_init__(self) -> None:
        if len(self.size) != 3:
            raise ValueError(f"size={self.size!r} must be three side lengths (x, y, z) in m.")
        for side in self.size:
            _check("side length", side, "m")

    @property
    def volume(self) -> float:
        return float(np.prod(self.size))

    @property
    def frontal_area(self) -> float:
        """Area facing vertical motion, m^2 (x * y)."""
        return self.size[0] * self.size[1]

    def submerged_volume(self, centre_height: float, surface_height: float) -> float:
        """Volume (m^3) below the surface: footprint times the submerged height."""
        sx, sy, sz = self.size
        return sx * sy * min(max(surface_height - (centre_height - sz / 2), 0.0), sz)


Shape = Sphere | Box


def floating_draft(shape: Shape, body_density: float, fluid_density: float) -> float:
    """Depth (m) of a floating body's lowest point below the surface, where rho_f V_sub = rho_b V.

    A box floats with the fraction rho_b / rho_f of its height under water; a sphere solves a cubic (found here
    numerically). Raises an error for a body at least as dense as the fluid: it sinks.
    """
    rho_b = _check("body_density", body_density, "kg/m^3")
    rho_f = _check("fluid_density", fluid_density, "kg/m^3")
    if rho_b >= rho_f:
        raise ValueError(f"A body of density {rho_b} kg/m^3 sinks in a fluid of {rho_f} kg/m^3: it has no draft.")
    needed = rho_b / rho_f * shape.volume
    height = shape.size[2] if isinstance(shape, Box) else 2 * shape.radius
    half = height / 2
    # submerged volume as a function of draft d: centre at surface - d + half, with the surface at 0
    return float(brentq(lambda d: shape.submerged_volume(half - d, 0.0) - needed, 0.0, height, xtol=1e-12))


# -- applying them to a pybullet world -----------------------------------------------------------
@dataclass
class _Immersed:
    body_id: int
    shape: Shape
    drag_coefficient: float
    area: float
    linear_damping: float


class FluidForces:
    """Drag and buoyancy of one fluid on chosen bodies of a ``World``; call ``apply()`` before every step.

    Args:
        world: the world the bodies live in (its gravity is used for buoyancy).
        fluid: the fluid (``AIR``, ``WATER`` or your own ``Fluid``).

    ``world.step()`` then ``apply()`` again: pybullet clears external forces after every step. Forces act at
    each body's centre of mass; drag and damping act only while the body is (partly) submerged, in proportion
    to the submerged fraction of its volume.
    """

    def __init__(self, world: World, fluid: Fluid) -> None:
        if not isinstance(fluid, Fluid):
            raise TypeError(f"fluid must be a twin.physics.Fluid (e.g. WATER or AIR), got {type(fluid).__name__}.")
        self.world = world
        self.fluid = fluid
        self.bodies: list[_Immersed] = []
        self.last_forces: dict[int, np.ndarray] = {}

    def add(
        self,
        body_id: int,
        shape: Shape,
        drag_coefficient: float = 0.47,
        area: float | None = None,
        linear_damping: float = 0.0,
    ) -> None:
        """Let the fluid act on a body of the given shape (``Sphere`` or ``Box``; 0.47 is a sphere's drag
        coefficient). ``area`` (m^2) defaults to the shape's frontal area; ``linear_damping`` (N s/m) adds a
        viscous force -c v, which settles a floating body quicker."""
        if not isinstance(shape, Sphere | Box):
            raise TypeError(f"shape must be twin.physics.Sphere or Box, got {type(shape).__name__}.")
        if not 0 <= body_id < self.world.client.getNumBodies():
            raise ValueError(f"body_id={body_id} is not a body of this world.")
        area = shape.frontal_area if area is None else area
        self.bodies.append(
            _Immersed(
                body_id,
                shape,
                _check("drag_coefficient", drag_coefficient, "(dimensionless)", allow_zero=True),
                _check("area", area, "m^2", allow_zero=True),
                _check("linear_damping", linear_damping, "N s/m", allow_zero=True),
            )
        )

    def force_on(self, immersed: _Immersed) -> tuple[np.ndarray, np.ndarray]:
        """(force N, centre of mass m) on one body now."""
        c = self.world.client
        position, _ = c.getBasePositionAndOrientation(immersed.body_id)
        velocity = np.array(c.getBaseVelocity(immersed.body_id)[0])
        fraction = immersed.shape.submerged_volume(position[2], self.fluid.surface_height) / immersed.shape.volume
        force = np.zeros(3)
        if fraction > 0:
            force[2] += self.fluid.density * self.world.gravity * fraction * immersed.shape.volume  # rho g V
            drag = drag_force(velocity, self.fluid.density, immersed.drag_coefficient, immersed.area)
            force += fraction * (drag - immersed.linear_damping * velocity)
        return force, np.array(position)

    def apply(self) -> None:
        """Compute and apply this step's fluid force on every added body."""
        c = self.world.client
        for immersed in self.bodies:
            force, where = self.force_on(immersed)
            self.last_forces[immersed.body_id] = force
            c.applyExternalForce(immersed.body_id, -1, force.tolist(), where.tolist(), pybullet.WORLD_FRAME)


def add_free_body(
    world: World,
    shape: Shape,
    mass: float,
    position: Sequence[float],
    color: Sequence[float] = (0.95, 0.5, 0.1, 1.0),
) -> int:
    """A free rigid body of ``shape`` and ``mass`` (kg) at ``position`` (m), with pybullet's default air
    damping switched off so that only the force models slow it down. Returns its body id."""
    _check("mass", mass, "kg")
    c = world.client
    if isinstance(shape, Sphere):
        collision = c.createCollisionShape(pybullet.GEOM_SPHERE, radius=shape.radius)
        visual = c.createVisualShape(pybullet.GEOM_SPHERE, radius=shape.radius, rgbaColor=list(color))
    elif isinstance(shape, Box):
        half = [s / 2 for s in shape.size]
        collision = c.createCollisionShape(pybullet.GEOM_BOX, halfExtents=half)
        visual = c.createVisualShape(pybullet.GEOM_BOX, halfExtents=half, rgbaColor=list(color))
    else:
        raise TypeError(f"shape must be twin.physics.Sphere or Box, got {type(shape).__name__}.")
    body = c.createMultiBody(mass, collision, visual, basePosition=list(position))
    # no default air damping; never put to sleep (a sleeping body ignores the fluid's forces)
    c.changeDynamics(
        body, -1, linearDamping=0.0, angularDamping=0.0, activationState=pybullet.ACTIVATION_STATE_DISABLE_SLEEPING
    )
    return body
