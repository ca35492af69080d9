"""Predictive maintenance in its simplest form: fit a straight line to a health indicator, extrapolate."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class LinearTrend:
    """y = slope * x + intercept, fitted by least squares, with the residual standard deviation."""

    slope: float
    intercept: float
    residual_std: float

    def predict(self, x: np.ndarray | float) -> np.ndarray:
        return self.slope * np.asarray(x, dtype=float) + self.intercept

    def crossing(self, threshold: float) -> float | None:
        """Where the line reaches ``threshold`` (None if it never does going forward)."""
        if self.slope == 0:
            return None
        x = (threshold - self.intercept) / self.slope
        return float(x)


def fit_linear_trend(x: np.ndarray, y: np.ndarray) -> LinearTrend:
    """Least-squares line through (x, y); needs at least three points."""
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    if x.shape != y.shape or x.ndim != 1:
        raise ValueError(f"x {x.shape} and y {y.shape} must be 1-D arrays of the same length.")
    if x.size < 3:
        raise ValueError(f"a trend needs at least 3 points, got {x.size}: record more episodes first.")
    slope, intercept = np.polyfit(x, y, 1)
    residual = y - (slope * x + intercept)
    return LinearTrend(float(slope), float(intercept), float(np.std(residual, ddof=2) if x.size > 2 else 0.0))
