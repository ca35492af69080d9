"""Success rates with honest error bars: the Wilson score interval.

One home for the interval that push-recovery tables, transfer experiments and held-out walking tests all
report (``twin.gap.transfer`` and ``twin.walking.evaluation`` still keep copies of their own).
"""

from __future__ import annotations

import math
from statistics import NormalDist


def wilson_interval(successes: int, trials: int, confidence: float = 0.95) -> tuple[float, float]:
    """Wilson score interval (low, high) of a success probability from ``successes`` out of ``trials``.

    Sensible at 0 and at all successes, where the normal approximation collapses to a point.
    """
    if trials < 1 or not 0 <= successes <= trials:
        raise ValueError(f"need 0 <= successes ({successes}) <= trials ({trials}) and trials >= 1.")
    if not 0 < confidence < 1:
        raise ValueError(f"confidence={confidence!r} must lie in (0, 1), e.g. 0.95.")
    z = NormalDist().inv_cdf(0.5 + confidence / 2)
    p = successes / trials
    denominator = 1 + z * z / trials
    centre = (p + z * z / (2 * trials)) / denominator
    half = z * math.sqrt(p * (1 - p) / trials + z * z / (4 * trials * trials)) / denominator
    return max(0.0, centre - half), min(1.0, centre + half)
