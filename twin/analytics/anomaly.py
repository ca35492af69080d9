"""Anomaly detection on twin residuals: Page's CUSUM, with the theory that says how often it cries wolf.

A healthy twin's residual (measurement minus model prediction) is sensor noise: zero mean, spread
``sigma``. A fault shifts its mean. CUSUM (Page 1954) adds up standardised residuals ``z = r / sigma``
minus a drift ``k`` (half the smallest shift worth catching, in sigmas) and clips at zero::

    S_0 = 0,   S_n = max(0, S_{n-1} + z_n - k),   alarm when S_n > h

The two numbers that matter, both in samples, follow Siegmund's approximation for Gaussian data
(``Delta = mu - k``, ``b = h + 1.166``)::

    ARL(mu) = (exp(-2 Delta b) + 2 Delta b - 1) / (2 Delta^2)      (b^2 when Delta = 0)

- average run length to a false alarm: ``ARL(0)`` (k = 0.5, h = 5 gives about 930 samples);
- detection delay after a shift of ``delta`` sigmas: ``ARL(delta)``, close to ``h / (delta - k)``
  for a large shift.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from twin.core.checks import check_count

SIEGMUND_CORRECTION = 1.166  # 2 x 0.583: overshoot of the boundary by a Gaussian random walk, in sigmas


def _finite_number(name: str, value: object, *, positive: bool = False, non_negative: bool = False) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float | np.integer | np.floating):
        raise ValueError(f"{name}={value!r} must be a number.")
    value = float(value)
    if not math.isfinite(value):
        raise ValueError(f"{name}={value!r} must be finite.")
    if positive and value <= 0:
        raise ValueError(f"{name}={value} must be > 0.")
    if non_negative and value < 0:
        raise ValueError(f"{name}={value} must be >= 0.")
    return value


def _series(name: str, values: object, minimum: int = 1) -> np.ndarray:
    x = np.asarray(values, dtype=float)
    if x.ndim != 1:
        raise ValueError(f"{name} must be a 1-D series (one joint's residuals), got shape {x.shape}.")
    if x.size < minimum:
        raise ValueError(f"{name} has {x.size} samples; at least {minimum} are needed.")
    if not np.all(np.isfinite(x)):
        raise ValueError(f"{name} holds NaN or infinite values; a diverged model or a dropped sample? Clean it first.")
    return x


def average_run_length(mean_shift: float, drift: float, threshold: float) -> float:
    """Siegmund's approximation of a one-sided Gaussian CUSUM's average run length, in samples.

    Args:
        mean_shift: the residual's mean in sigmas (0 = healthy, so the result is the false-alarm ARL).
        drift: CUSUM reference value ``k`` in sigmas.
        threshold: decision interval ``h`` in sigmas.
    """
    mu = _finite_number("mean_shift", mean_shift)
    k = _finite_number("drift", drift, non_negative=True)
    h = _finite_number("threshold", threshold, positive=True)
    delta = mu - k
    b = h + SIEGMUND_CORRECTION
    if abs(delta) < 1e-9:
        return b * b
    return (math.exp(-2 * delta * b) + 2 * delta * b - 1) / (2 * delta * delta)


@dataclass(frozen=True)
class CusumResult:
    """One run of the detector over a residual series.

    Attributes:
        statistic: (samples, 2) upper and lower CUSUM statistics, in sigmas.
        alarms: indices of the samples at which an alarm was raised (after each alarm the sums restart).
        z: the standardised residuals, in sigmas.
    """

    statistic: np.ndarray
    alarms: np.ndarray
    z: np.ndarray

    @property
    def first_alarm(self) -> int | None:
        """Index of the first alarm, or None when the detector stayed quiet."""
        return int(self.alarms[0]) if self.alarms.size else None


class CusumDetector:
    """Two-sided CUSUM on one residual series (rises and falls of the mean both alarm).

    Args:
        sigma: the healthy residual's standard deviation, in the residual's unit (rad); estimate it with
            ``CusumDetector.calibrated(healthy_residuals)`` rather than guessing.
        drift: ``k``, in sigmas: half the smallest mean shift worth detecting (0.5 targets a 1-sigma shift).
        threshold: ``h``, in sigmas: larger means fewer false alarms and later detection.
        mean: the healthy residual's mean (a calibrated twin has 0), same unit as ``sigma``.
    """

    def __init__(self, sigma: float, drift: float = 0.5, threshold: float = 5.0, mean: float = 0.0) -> None:
        self.sigma = _finite_number("sigma", sigma, positive=True)
        self.drift = _finite_number("drift", drift, non_negative=True)
        self.threshold = _finite_number("threshold", threshold, positive=True)
        self.mean = _finite_number("mean", mean)
        self.reset()

    def __repr__(self) -> str:
        return (
            f"CusumDetector(sigma={self.sigma:.3g}, k={self.drift:g} sigma, h={self.threshold:g} sigma; "
            f"false alarm every ~{self.false_alarm_run_length():.0f} samples)"
        )

    @classmethod
    def calibrated(
        cls, healthy_residuals: object, drift: float = 0.5, threshold: float = 5.0, min_samples: int = 30
    ) -> CusumDetector:
        """A detector whose mean and sigma are estimated from residuals recorded while the robot was healthy."""
        min_samples = check_count("min_samples", min_samples, "healthy residuals", low=2)
        x = _series("healthy_residuals", healthy_residuals, minimum=min_samples)
        sigma = float(np.std(x, ddof=1))
        if sigma <= 0:
            raise ValueError("healthy_residuals never vary (sigma = 0); record real, noisy residuals.")
        return cls(sigma, drift, threshold, mean=float(np.mean(x)))

    def false_alarm_run_length(self) -> float:
        """Expected samples between false alarms on healthy data (two sides: half of one side's ARL)."""
        return average_run_length(0.0, self.drift, self.threshold) / 2

    def expected_delay(self, shift: float) -> float:
        """Expected samples from a mean shift of ``shift`` (residual units, e.g. rad) to its alarm."""
        shift = _finite_number("shift", shift)
        return average_run_length(abs(shift) / self.sigma, self.drift, self.threshold)

    def reset(self) -> None:
        """Restart both sums at zero."""
        self.upper = 0.0
        self.lower = 0.0

    def update(self, residual: float) -> bool:
        """Feed one residual; True when it raises an alarm (the sums then restart at zero)."""
        z = (_finite_number("residual", residual) - self.mean) / self.sigma
        self.upper = max(0.0, self.upper + z - self.drift)
        self.lower = max(0.0, self.lower - z - self.drift)
        if self.upper > self.threshold or self.lower > self.threshold:
            self.reset()
            return True
        return False

    def run(self, residuals: object) -> CusumResult:
        """Run over a whole series from zero sums (the detector's own state is left untouched)."""
        x = _series("residuals", residuals)
        z = (x - self.mean) / self.sigma
        statistic = np.empty((x.size, 2))
        alarms = []
        upper = lower = 0.0
        for n, zn in enumerate(z):
            upper = max(0.0, upper + zn - self.drift)
            lower = max(0.0, lower - zn - self.drift)
            statistic[n] = upper, lower
            if upper > self.threshold or lower > self.threshold:
                alarms.append(n)
                upper = lower = 0.0
        return CusumResult(statistic, np.array(alarms, dtype=int), z)


@dataclass(frozen=True)
class DetectionScore:
    """How a detector did on a series with a known fault onset (indices are samples).

    Attributes:
        false_alarms: alarms before the onset.
        healthy_samples: samples before the onset.
        delay: samples from the onset to the first alarm at or after it; None when the fault was missed.
    """

    false_alarms: int
    healthy_samples: int
    delay: int | None

    @property
    def false_alarm_rate(self) -> float:
        """False alarms per healthy sample."""
        return self.false_alarms / self.healthy_samples if self.healthy_samples else 0.0

    @property
    def detected(self) -> bool:
        return self.delay is not None


def score_detection(result: CusumResult, onset: int) -> DetectionScore:
    """Split ``result``'s alarms at the known fault ``onset`` (sample index) into false alarms and a delay."""
    n = result.z.size
    if isinstance(onset, bool) or not isinstance(onset, int | np.integer) or not 0 <= onset <= n:
        raise ValueError(f"onset={onset!r} must be a sample index between 0 and {n} (the series length).")
    alarms = result.alarms
    late = alarms[alarms >= onset]
    return DetectionScore(
        false_alarms=int(np.sum(alarms < onset)),
        healthy_samples=int(onset),
        delay=int(late[0] - onset) if late.size else None,
    )
