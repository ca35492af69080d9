"""Predictive maintenance: fit a degradation model to a health indicator, predict the remaining useful life.

A *health indicator* (HI) is one number per inspection that grows as the machine wears; here the twin's
residual on a standard test motion. Failure is declared when the HI crosses a threshold fixed by the
engineers. Two degradation models, both fitted by least squares:

- ``"linear"``:       HI(t) = a + b t
- ``"exponential"``:  HI(t) = exp(a + b t)  (fitted as a line through log HI; noise is multiplicative)

The remaining useful life (RUL) is the time from the last inspection to the fitted curve's crossing. Its
interval is exact for Gaussian noise (Fieller's method): the crossing times at which the threshold still
lies inside the fitted line's confidence band. When the slope is not clearly positive, the upper end is
infinite: the data cannot yet say that the machine will ever fail.

Predictions are scored as in NASA's C-MAPSS turbofan benchmark (Saxena et al. 2008), with
``d = predicted RUL - true RUL``: ``exp(-d/13) - 1`` when early (d < 0), ``exp(d/10) - 1`` when late.
Late costs more: a machine that breaks before the predicted date is worse than one serviced too soon.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from numbers import Real

import numpy as np
from scipy import stats

from twin.core.checks import check_number

MODELS = ("linear", "exponential")
EARLY_SCALE = 13.0  # C-MAPSS: early predictions are penalised by exp(-d/13) - 1
LATE_SCALE = 10.0  # C-MAPSS: late predictions by exp(d/10) - 1


@dataclass(frozen=True)
class DegradationFit:
    """A fitted degradation model (in transformed units: HI for linear, log HI for exponential).

    Attributes:
        model: ``"linear"`` or ``"exponential"``.
        intercept, slope: the fitted line, per unit of time.
        residual_std: standard deviation of the fit's residuals (transformed units).
        times: the inspection times it was fitted to.
    """

    model: str
    intercept: float
    slope: float
    residual_std: float
    times: np.ndarray

    def _to_line(self, health: object) -> np.ndarray:
        h = np.asarray(health, dtype=float)
        return np.log(h) if self.model == "exponential" else h

    def predict(self, times: object) -> np.ndarray:
        """The fitted health indicator at ``times`` (original HI units)."""
        line = self.intercept + self.slope * np.asarray(times, dtype=float)
        return np.exp(line) if self.model == "exponential" else line

    def remaining_useful_life(self, threshold: float, level: float = 0.9, now: float | None = None) -> RULEstimate:
        """RUL from ``now`` (default: the last inspection) to the crossing of ``threshold``, with a
        ``level`` interval (0.9 = 90 %). Times are in the unit of the fitted times (e.g. days)."""
        if isinstance(level, bool) or not isinstance(level, Real) or not 0 < level < 1:
            raise ValueError(f"level={level!r} must lie in (0, 1), e.g. 0.9 for a 90 % interval.")
        if isinstance(threshold, bool) or not (isinstance(threshold, Real) and math.isfinite(threshold)):
            raise ValueError(f"threshold={threshold!r} must be a finite number in health-indicator units.")
        if self.model == "exponential" and threshold <= 0:
            raise ValueError(f"threshold={threshold} must be > 0 for the exponential model (it fits log HI).")
        now = float(self.times[-1]) if now is None else check_number("now", now, "(time units of the fit)")
        c = float(self._to_line(threshold))
        n = self.times.size
        mean_t = float(np.mean(self.times))
        sxx = float(np.sum((self.times - mean_t) ** 2))
        mean_y = self.intercept + self.slope * mean_t
        q = float(stats.t.ppf(0.5 + level / 2, n - 2))
        spread = (q * self.residual_std) ** 2
        crossing = (c - self.intercept) / self.slope if self.slope > 0 else math.inf
        # Times t at which c lies in the confidence band: (c - yhat(t))^2 <= q^2 s^2 (1/n + (t - mean_t)^2 / sxx).
        d = c - mean_y
        a2 = self.slope**2 - spread / sxx
        if self.slope > 0 and a2 > 0:
            half = math.sqrt(max(0.0, (d * self.slope) ** 2 - a2 * (d * d - spread / n)))
            lower, upper = (d * self.slope - half) / a2 + mean_t, (d * self.slope + half) / a2 + mean_t
        else:  # the slope is not significantly positive: failure may never come
            lower, upper = now, math.inf
        return RULEstimate(
            rul=max(0.0, crossing - now),
            lower=max(0.0, lower - now),
            upper=max(0.0, upper - now),
            level=level,
            crossing_time=crossing,
        )


@dataclass(frozen=True)
class RULEstimate:
    """Remaining useful life and its interval, in time units from the last inspection (e.g. days).

    ``crossing_time`` is when the fitted curve crosses the threshold (``inf`` if it never rises).
    """

    rul: float
    lower: float
    upper: float
    level: float
    crossing_time: float

    def __str__(self) -> str:
        upper = "never" if math.isinf(self.upper) else f"{self.upper:.1f}"
        return f"RUL {self.rul:.1f} ({self.level:.0%} interval {self.lower:.1f} .. {upper})"

    def covers(self, true_rul: float) -> bool:
        """True when ``true_rul`` lies inside the interval."""
        return self.lower <= true_rul <= self.upper


def fit_degradation(times: object, health: object, model: str = "exponential", min_points: int = 4) -> DegradationFit:
    """Least-squares degradation model through ``health`` (one HI per inspection) at ``times``."""
    if model not in MODELS:
        raise ValueError(f"model={model!r}; choose one of {list(MODELS)}.")
    t = np.asarray(times, dtype=float)
    h = np.asarray(health, dtype=float)
    if t.ndim != 1 or t.shape != h.shape:
        raise ValueError(f"times {t.shape} and health {h.shape} must be 1-D arrays of the same length.")
    if t.size < max(3, min_points):
        raise ValueError(
            f"only {t.size} inspections; a degradation fit with an interval needs at least {max(3, min_points)}. "
            "Collect more days of data first."
        )
    if not (np.all(np.isfinite(t)) and np.all(np.isfinite(h))):
        raise ValueError("times and health must be finite (a NaN usually means a failed inspection run).")
    t = t.copy()  # the fit's own: changing the caller's array later must not move its RUL
    t.setflags(write=False)
    if np.ptp(t) <= 0:
        raise ValueError("all inspections have the same time; spread them out to see a trend.")
    if model == "exponential" and np.any(h <= 0):
        raise ValueError("the exponential model needs health > 0 (it fits log HI); use model='linear'.")
    y = np.log(h) if model == "exponential" else h
    slope, intercept = np.polyfit(t, y, 1)
    residual = y - (slope * t + intercept)
    return DegradationFit(model, float(intercept), float(slope), float(np.sqrt(np.sum(residual**2) / (t.size - 2))), t)


def cmapss_score(predicted_rul: object, true_rul: object) -> float:
    """C-MAPSS asymmetric score, summed over units: lower is better, 0 is perfect."""
    p = np.asarray(predicted_rul, dtype=float)
    r = np.asarray(true_rul, dtype=float)
    if p.shape != r.shape:
        raise ValueError(f"predicted_rul {p.shape} and true_rul {r.shape} must have the same shape.")
    if not (np.all(np.isfinite(p)) and np.all(np.isfinite(r))):
        raise ValueError("RULs must be finite; replace an 'never fails' prediction by a horizon before scoring.")
    d = p - r
    return float(np.sum(np.where(d < 0, np.exp(-d / EARLY_SCALE) - 1, np.exp(d / LATE_SCALE) - 1)))
