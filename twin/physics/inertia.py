"""Inertia of simple shapes, to check (or guess) the ``<inertial>`` numbers of a URDF.

CAD exports compute inertias from geometry and an assumed uniform density; hand-written URDFs often use these
formulas. All inertias are about the shape's centre of mass, in kg m^2, as ``(Ixx, Iyy, Izz)``.
"""

from __future__ import annotations

import math

import numpy as np


def _positive(name: str, value: float) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float | np.floating) or not 0 < value < math.inf:
        raise ValueError(f"{name}={value!r} must be a finite number > 0.")
    return float(value)


def box_inertia(mass: float, x: float, y: float, z: float) -> tuple[float, float, float]:
    """Solid box of sides x, y, z (m): (m (y^2+z^2)/12, m (x^2+z^2)/12, m (x^2+y^2)/12)."""
    m, x, y, z = (_positive(n, v) for n, v in (("mass", mass), ("x", x), ("y", y), ("z", z)))
    return (m * (y * y + z * z) / 12, m * (x * x + z * z) / 12, m * (x * x + y * y) / 12)


def cylinder_inertia(mass: float, radius: float, length: float) -> tuple[float, float, float]:
    """Solid cylinder along z: (m (3 r^2 + L^2)/12, same, m r^2 / 2)."""
    m, r, length = (_positive(n, v) for n, v in (("mass", mass), ("radius", radius), ("length", length)))
    side = m * (3 * r * r + length * length) / 12
    return (side, side, m * r * r / 2)


def sphere_inertia(mass: float, radius: float) -> tuple[float, float, float]:
    """Solid sphere: 2/5 m r^2 about every axis."""
    m, r = _positive("mass", mass), _positive("radius", radius)
    return (0.4 * m * r * r,) * 3


def parallel_axis(inertia_about_com: float, mass: float, distance: float) -> float:
    """Inertia (kg m^2) about an axis ``distance`` m from a parallel axis through the centre of mass: I + m d^2."""
    if not math.isfinite(distance):
        raise ValueError(f"distance={distance!r} must be finite (m).")
    if inertia_about_com < 0:
        raise ValueError(f"inertia_about_com={inertia_about_com} must be >= 0 kg m^2.")
    return float(inertia_about_com) + _positive("mass", mass) * float(distance) ** 2
