"""Balance theory in numbers: the linear inverted pendulum, the capture point, the CoP and the support polygon.

The linear inverted pendulum (LIPM, Kajita 2001) keeps the centre of mass at a constant height z_c above a
massless leg whose foot point (the centre of pressure p) can move. Horizontally, x'' = omega^2 (x - p) with
omega = sqrt(g / z_c), so with p fixed

    x(t) - p = (x0 - p) cosh(omega t) + (v0 / omega) sinh(omega t).

The divergent part of that motion is carried by the capture point xi = x + v / omega (Pratt et al. 2006):
xi' = omega (xi - p). If xi lies inside the support polygon, the CoP can be put on it and the robot comes to
rest over it; if it lies outside, no ankle torque can stop the fall: the robot must step.
"""

from __future__ import annotations

import math
import warnings

import numpy as np

from twin.core.checks import check_number

STANDARD_GRAVITY = 9.81


def lipm_omega(com_height: float, gravity: float = STANDARD_GRAVITY) -> float:
    """omega = sqrt(g / z_c) in 1/s, for a CoM height z_c (m) > 0."""
    try:
        com_height = check_number("com_height", com_height, "m", low=0.0, low_open=True)
    except TypeError as error:
        raise ValueError(f"{error} A standing adult's CoM is about 0.9 m high.") from None
    except ValueError as error:
        raise ValueError(f"{str(error)[:-1]}: a finite height > 0 (a standing adult: about 0.9 m).") from None
    if com_height > 10.0:
        warnings.warn(
            f"com_height={com_height:g} m: no walking robot's centre of mass is that high; heights are in m "
            f"({com_height:g} mm is {com_height / 1000:g} m).",
            stacklevel=2,
        )
    gravity = check_number("gravity", gravity, "m/s^2", low=0.0, low_open=True, hint="9.81 on Earth")
    return math.sqrt(gravity / com_height)


def lipm_state(
    x0: float | np.ndarray, v0: float | np.ndarray, cop: float | np.ndarray, omega: float, t: float | np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Closed-form LIPM position (m) and velocity (m/s) at time ``t`` (s) from x0, v0 with a fixed CoP."""
    check_number("omega", omega, "1/s", low=0.0, low_open=True, hint="omega = sqrt(g / z_c), lipm_omega(z_c)")
    t = np.asarray(t, dtype=float)
    d0 = np.asarray(x0, dtype=float) - np.asarray(cop, dtype=float)
    v0 = np.asarray(v0, dtype=float)
    c, s = np.cosh(omega * t), np.sinh(omega * t)
    return np.asarray(cop) + d0 * c + v0 / omega * s, d0 * omega * s + v0 * c


def capture_point(com: np.ndarray | float, com_velocity: np.ndarray | float, omega: float) -> np.ndarray:
    """xi = x + xdot / omega (m): where the CoP must go for the robot to come to rest (horizontal parts)."""
    if not (math.isfinite(omega) and omega > 0):
        raise ValueError(f"omega={omega!r} 1/s must be > 0 (omega = sqrt(g / z_c)).")
    x = np.asarray(com, dtype=float)
    v = np.asarray(com_velocity, dtype=float)
    if not (np.all(np.isfinite(x)) and np.all(np.isfinite(v))):
        raise ValueError(f"the CoM position {x} and velocity {v} must be finite numbers.")
    return x + v / omega


def orbital_energy(x: float, v: float, cop: float, omega: float) -> float:
    """Kajita's orbital energy E = v^2 / 2 - omega^2 (x - p)^2 / 2 (m^2/s^2): E < 0 with v towards p turns back."""
    return 0.5 * v * v - 0.5 * omega * omega * (x - cop) ** 2


def center_of_pressure(forces: np.ndarray, cops: np.ndarray) -> np.ndarray:
    """Whole-robot CoP (x, y) in m: the force-weighted mean of each foot's CoP; NaN when nothing touches."""
    forces = np.asarray(forces, dtype=float)
    cops = np.asarray(cops, dtype=float)
    mask = (forces > 0) & np.all(np.isfinite(cops), axis=1)
    if not np.any(mask):
        return np.full(2, np.nan)
    w = forces[mask]
    return (w @ cops[mask]) / w.sum()


def convex_hull(points: np.ndarray) -> np.ndarray:
    """Counter-clockwise convex hull (k, 2) of 2D points (Andrew's monotone chain)."""
    pts = sorted(map(tuple, np.asarray(points, dtype=float).reshape(-1, 2)))
    if len(pts) <= 2:
        return np.array(pts)

    def cross(o: tuple, a: tuple, b: tuple) -> float:
        return (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0])

    lower: list[tuple] = []
    for p in pts:
        while len(lower) >= 2 and cross(lower[-2], lower[-1], p) <= 0:
            lower.pop()
        lower.append(p)
    upper: list[tuple] = []
    for p in reversed(pts):
        while len(upper) >= 2 and cross(upper[-2], upper[-1], p) <= 0:
            upper.pop()
        upper.append(p)
    return np.array(lower[:-1] + upper[:-1])


def support_margin(point: np.ndarray, polygon: np.ndarray) -> float:
    """Signed distance (m) from ``point`` to the edge of a convex CCW ``polygon``: > 0 inside, < 0 outside."""
    p = np.asarray(point, dtype=float)[:2]
    poly = np.asarray(polygon, dtype=float)
    if poly.shape[0] < 3:
        return -math.inf
    if not np.all(np.isfinite(p)):
        return -math.inf
    margins = []
    for a, b in zip(poly, np.roll(poly, -1, axis=0), strict=True):
        edge = b - a
        normal = np.array([-edge[1], edge[0]]) / np.linalg.norm(edge)  # points inward for CCW
        margins.append(float(normal @ (p - a)))
    inside = min(margins)
    if inside >= 0:
        return inside
    # outside: distance to the nearest edge segment, negative
    best = math.inf
    for a, b in zip(poly, np.roll(poly, -1, axis=0), strict=True):
        edge = b - a
        t = float(np.clip((p - a) @ edge / (edge @ edge), 0.0, 1.0))
        best = min(best, float(np.linalg.norm(p - (a + t * edge))))
    return -best


def largest_recoverable_velocity(edge_distance: float, omega: float) -> float:
    """The CoM speed (m/s) the ankle strategy can still stop: the capture point reaches the edge, v = omega d."""
    if edge_distance < 0:
        raise ValueError(f"edge_distance={edge_distance!r} m must be >= 0 (CoM inside the support polygon).")
    return omega * edge_distance


def measured_omega_squared(com: np.ndarray, cop: np.ndarray, time_step: float, window: int = 15) -> tuple[float, float]:
    """Fit the LIPM's law x'' = omega^2 (x - p) to a measured CoM path and CoP path (m, one axis, equal steps).

    Both are smoothed by a moving average of ``window`` samples; the CoM acceleration comes from second
    differences. Returns the fitted omega^2 (1/s^2) and the correlation of x'' with (x - p): a correlation
    near 1 says the law holds, and the fitted omega^2 says with which pendulum.
    """
    x = np.asarray(com, dtype=float)
    p = np.asarray(cop, dtype=float)
    if x.shape != p.shape or x.ndim != 1 or x.size < 3 * window:
        raise ValueError(f"com and cop must be 1D and alike, at least {3 * window} samples; got {x.shape}, {p.shape}.")
    if not (math.isfinite(time_step) and time_step > 0):
        raise ValueError(f"time_step={time_step!r} s must be > 0.")
    kernel = np.ones(window) / window
    xs = np.convolve(x, kernel, "valid")
    ps = np.convolve(p, kernel, "valid")
    acceleration = np.gradient(np.gradient(xs, time_step), time_step)[2:-2]
    lean = (xs - ps)[2:-2]
    keep = np.isfinite(acceleration) & np.isfinite(lean)
    if keep.sum() < 10 or np.ptp(lean[keep]) == 0:
        raise ValueError("the CoM must move relative to the CoP (a push) for omega to show.")
    slope = float(np.polyfit(lean[keep], acceleration[keep], 1)[0])
    return slope, float(np.corrcoef(lean[keep], acceleration[keep])[0, 1])
