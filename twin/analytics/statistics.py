"""Confidence intervals for what a study counts and measures: one implementation for every chapter.

- ``wilson_interval``: a success rate from a count of successes (binomial); sensible even at 0 % or 100 %.
- ``mean_interval``: the mean of measured values (a cost in s, a distance in m) with Student's t interval, or
  the normal approximation when asked (``normal=True``, what the transfer experiment of notebook 07 reports).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from numbers import Real

import numpy as np
from scipy import stats

from twin.core.checks import check_count


def _z(confidence: float) -> float:
    if isinstance(confidence, bool) or not isinstance(confidence, Real) or not 0 < confidence < 1:
        raise ValueError(f"confidence={confidence!r} must be a probability in (0, 1), e.g. 0.95.")
    return float(stats.norm.ppf(0.5 + confidence / 2))


def wilson_interval(successes: int, trials: int, confidence: float = 0.95) -> tuple[float, float]:
    """(low, high): Wilson score interval of a success probability from ``successes`` out of ``trials``."""
    trials = check_count("trials", trials, "trials", low=1)  # 3.5 successes, or True, is no count
    successes = check_count("successes", successes, "successes")
    if successes > trials:
        raise ValueError(f"need 0 <= successes ({successes}) <= trials ({trials}) and trials >= 1.")
    z = _z(confidence)
    p = successes / trials
    denominator = 1 + z * z / trials
    centre = (p + z * z / (2 * trials)) / denominator
    half = z * math.sqrt(p * (1 - p) / trials + z * z / (4 * trials * trials)) / denominator
    # At 0 or all successes a bound is exactly 0 or 1 (the algebra cancels); say so rather than leave rounding.
    low = 0.0 if successes == 0 else max(0.0, centre - half)
    high = 1.0 if successes == trials else min(1.0, centre + half)
    return low, high


def mean_interval(
    values: Sequence[float], confidence: float = 0.95, normal: bool = False
) -> tuple[float, float, float]:
    """(mean, low, high): the mean of ``values`` with Student's t interval, or the normal approximation's when
    ``normal`` is True. A single value gives an infinite interval (one sample says nothing about the spread)."""
    v = np.asarray(values, dtype=float).ravel()
    if v.size == 0:
        raise ValueError("mean_interval needs at least one value.")
    mean = float(v.mean())
    if v.size == 1:
        return mean, -math.inf, math.inf
    quantile = _z(confidence) if normal else float(stats.t.ppf(0.5 + confidence / 2, v.size - 1))
    half = quantile * float(v.std(ddof=1)) / math.sqrt(v.size)
    return mean, mean - half, mean + half
