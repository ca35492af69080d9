"""Predictive maintenance in its simplest form: fit a straight line to a health indicator, extrapolate."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from twin.core.checks import check_number


@dataclass(frozen=True)
class LinearTrend:
    """y = slope * x + intercept, fitted by least squares, with the residual standard deviation."""

    slope: float
    intercept: float
    residual_std: float
    x_span: float = 1.0  # range of the fitted x values, to tell a flat line from a slow one

    def predict(self, x: np.ndarray | float) -> np.ndarray:
        return self.slope * np.asarray(x, dtype=float) + self.intercept

    def crossing(self, threshold: float) -> float | None:
        """Where the line reaches ``threshold``; None when the line is flat (it never gets there).

        The answer can lie before the data when the indicator is already past the threshold.
        """
        threshold = check_number("threshold", threshold, "(units of y)")
        change_over_data = abs(self.slope) * self.x_span
        if change_over_data <= 1e-9 * max(1.0, abs(self.intercept)):
            return None
        return float((threshold - self.intercept) / self.slope)


def fit_linear_trend(x: np.ndarray, y: np.ndarray) -> LinearTrend:
    """Least-squares line through (x, y); needs at least three points."""
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    if x.shape != y.shape or x.ndim != 1:
        raise ValueError(f"x {x.shape} and y {y.shape} must be 1-D arrays of the same length.")
    if x.size < 3:
        raise ValueError(f"a trend needs at least 3 points, got {x.size}: record more episodes first.")
    if not (np.all(np.isfinite(x)) and np.all(np.isfinite(y))):  # polyfit returns a NaN line without a word
        bad = int(np.argmax(~(np.isfinite(x) & np.isfinite(y))))
        raise ValueError(f"x and y must be finite; point {bad} is not (a failed run?): drop or repair it first.")
    if np.ptp(x) == 0:
        raise ValueError(f"every x is {x[0]:g}: a trend needs points at different x (days, episodes).")
    slope, intercept = np.polyfit(x, y, 1)
    residual = y - (slope * x + intercept)
    return LinearTrend(float(slope), float(intercept), float(np.std(residual, ddof=2)), float(np.ptp(x)))
