"""Allan deviation: how to read an inertial sensor's noise parameters back from data of it lying still.

Average a still sensor's readings over clusters of length tau and look at how much neighbouring averages
differ (the overlapping Allan deviation, computed by ``allantools.oadev``, the field's reference). On a
log-log plot each noise source has its own slope:

- white noise (angle/velocity random walk, density N): sigma(tau) = N / sqrt(tau), slope -1/2; N is this
  line's value at tau = 1 s;
- bias random walk (rate random walk, density K): sigma(tau) = K sqrt(tau / 3), slope +1/2; K is this line's
  value at tau = 3 s, where the line is usually extrapolated back from long taus: the curve itself at 3 s is
  sqrt(N^2 / 3 + K^2), still mostly white noise for real IMUs (2.7 to 4.2 K for the ADIS16448).

``fit_noise_parameters`` fits both lines at once (sigma^2 = N^2 / tau + K^2 tau / 3) where each dominates.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from twin.core.checks import check_count
from twin.sensors._common import check_positive


def allan_deviation(samples: np.ndarray, rate_hz: float, points_per_decade: int = 12) -> tuple[np.ndarray, np.ndarray]:
    """Overlapping Allan deviation of a rate signal (1-D, e.g. one gyro axis in rad/s) sampled at ``rate_hz``.

    Returns ``(taus, adev)``: cluster times in s (log-spaced, up to a tenth of the record) and the deviation
    in the signal's unit.
    """
    import allantools

    rate_hz = check_positive("rate_hz", rate_hz, "Hz", "the sample rate of the recording, e.g. 200")
    points_per_decade = check_count("points_per_decade", points_per_decade, "taus per decade", low=1)
    data = np.asarray(samples, dtype=np.float64)
    if data.ndim == 2 and data.shape[1] == 1:
        data = data[:, 0]
    if data.ndim != 1:  # flattening (n, 3) would interleave the three axes into one meaningless signal
        raise ValueError(
            f"samples must be one axis, a 1-D series; got shape {data.shape}. Pass one column, e.g. samples[:, 0]."
        )
    if not np.all(np.isfinite(data)):
        raise ValueError("samples holds NaN or infinite values; an Allan deviation needs a clean still recording.")
    if data.size < 100:
        raise ValueError(f"an Allan deviation needs a long still recording; got {data.size} samples (use >= 1e4).")
    duration = data.size / rate_hz
    longest = max(data.size / 10, 2)  # clusters up to a tenth of the record: at least ten of them
    counts = np.logspace(0, np.log10(longest), int(points_per_decade * np.log10(longest)) + 2)
    taus = np.unique(np.round(counts)) / rate_hz
    taus_out, adev, _, _ = allantools.oadev(data, rate=rate_hz, data_type="freq", taus=taus)
    keep = taus_out <= duration / 10 + 1e-12
    return np.asarray(taus_out)[keep], np.asarray(adev)[keep]


@dataclass(frozen=True)
class AllanFit:
    """White-noise density N (u/sqrt(Hz)) and bias random walk K (u*sqrt(Hz)) read from an Allan curve."""

    noise_density: float
    bias_random_walk: float

    def model(self, taus: np.ndarray) -> np.ndarray:
        """sigma(tau) of the two-term model."""
        taus = np.asarray(taus, dtype=float)
        return np.sqrt(self.noise_density**2 / taus + self.bias_random_walk**2 * taus / 3.0)


def fit_noise_parameters(taus: np.ndarray, adev: np.ndarray) -> AllanFit:
    """Least-squares fit of sigma^2 = N^2 / tau + K^2 tau / 3, each point weighted by how well it is known.

    An Allan variance averaged over M = T / tau clusters has a relative error of about 1 / sqrt(M), so each
    point's residual is divided by sigma^2 * sqrt(tau) (up to a constant): short taus, averaged over many
    clusters, count more than the last few, which rest on a handful.
    """
    taus = np.asarray(taus, dtype=float)
    variance = np.asarray(adev, dtype=float) ** 2
    if taus.shape != variance.shape or taus.size < 3:
        raise ValueError("taus and adev must be two arrays of the same length (>= 3), as allan_deviation returns.")
    row_weight = 1.0 / (variance * np.sqrt(taus))
    design = np.stack([1.0 / taus, taus / 3.0], axis=1) * row_weight[:, None]
    target = variance * row_weight
    coefficients, *_ = np.linalg.lstsq(design, target, rcond=None)
    white, walk = np.clip(coefficients, 0.0, None)
    return AllanFit(float(np.sqrt(white)), float(np.sqrt(walk)))


def read_at(taus: np.ndarray, adev: np.ndarray, tau: float) -> float:
    """The Allan deviation at ``tau`` (s), interpolated on the log-log curve."""
    return float(np.exp(np.interp(np.log(tau), np.log(taus), np.log(adev))))
