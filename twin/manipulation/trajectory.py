"""Cartesian trajectories: straight lines for the hand, timed with the minimum-jerk profile.

A minimum-jerk move from a to b in time T follows s(tau) = 10 tau^3 - 15 tau^4 + 6 tau^5 (tau = t / T): it
starts and ends at rest with zero acceleration, the smoothest profile a human reach also shows (Flash and
Hogan 1985). Its peak speed is 1.875 |b - a| / T, at the middle.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


def minimum_jerk(tau: np.ndarray | float) -> np.ndarray:
    """The fraction of the way covered at normalised time ``tau`` in 0..1 (clipped outside)."""
    t = np.clip(np.asarray(tau, dtype=float), 0.0, 1.0)
    return 10 * t**3 - 15 * t**4 + 6 * t**5


def cartesian_line(
    start: Sequence[float], goal: Sequence[float], duration: float, rate_hz: float = 60.0
) -> tuple[np.ndarray, np.ndarray]:
    """Times (s) and positions (n, 3) in m along the straight line from ``start`` to ``goal`` in ``duration`` s,
    sampled at ``rate_hz``; the first sample is after one period, the last is exactly ``goal``."""
    if not (isinstance(duration, int | float) and duration > 0):
        raise ValueError(f"duration={duration!r} s must be > 0.")
    if not (isinstance(rate_hz, int | float) and rate_hz > 0):
        raise ValueError(f"rate_hz={rate_hz!r} must be > 0.")
    a, b = np.asarray(start, dtype=float), np.asarray(goal, dtype=float)
    n = max(1, int(round(duration * rate_hz)))
    times = np.arange(1, n + 1) * (duration / n)
    fraction = minimum_jerk(times / duration)
    return times, a + fraction[:, None] * (b - a)
