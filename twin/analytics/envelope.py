"""The operating envelope a model was calibrated (validated) in, and how far a query lies outside it.

A calibration only shows that the model is right where the recording went: the range of joint angles,
speeds and torques it covered. ``OperatingEnvelope`` keeps that box (per channel: lowest and highest value
seen) and measures, for new samples, how far they leave it, in fractions of each channel's calibrated span:

    distance(x) = max over channels c of  max(low_c - x_c, x_c - high_c, 0) / (high_c - low_c)

0 means inside (the boundary counts as inside); 0.5 means half a span beyond the edge on the worst channel.
Outside is not necessarily wrong, only unverified: the model has never been checked there.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np


def _samples(name: str, values: object, channels: int | None = None) -> np.ndarray:
    x = np.asarray(values, dtype=float)
    if x.ndim == 1:
        x = x[:, None]
    if x.ndim != 2 or x.shape[0] == 0:
        raise ValueError(f"{name} must be a (samples, channels) array with at least one sample, got shape {x.shape}.")
    if channels is not None and x.shape[1] != channels:
        raise ValueError(f"{name} has {x.shape[1]} channels; the envelope has {channels}. Pass the same columns.")
    if not np.all(np.isfinite(x)):
        raise ValueError(f"{name} holds NaN or infinite values; clean the recording first.")
    return x


@dataclass(frozen=True)
class EnvelopeReport:
    """Where a set of samples lies relative to an envelope.

    Attributes:
        distance: per sample, how far outside (0 = inside), in fractions of the channel's calibrated span.
        worst_channel: name of the channel that leaves the envelope furthest (``None`` when all are inside).
    """

    distance: np.ndarray
    worst_channel: str | None

    @property
    def outside(self) -> np.ndarray:
        """Per sample: True when it lies outside the envelope."""
        return self.distance > 0

    @property
    def fraction_outside(self) -> float:
        """Share of the samples outside the envelope, 0..1."""
        return float(np.mean(self.outside))

    @property
    def worst_distance(self) -> float:
        """The largest distance of any sample, in calibrated spans (0 = all inside)."""
        return float(np.max(self.distance))

    @property
    def inside(self) -> bool:
        """True when every sample lies in the envelope: the model has been checked there."""
        return not bool(np.any(self.outside))


@dataclass(frozen=True)
class OperatingEnvelope:
    """A box per channel: the lowest and highest value the calibration data reached.

    Attributes:
        names: one name per channel (for messages), e.g. ``("angle", "speed", "torque")``.
        low, high: per channel, the smallest and largest calibrated value (channel units, e.g. rad, rad/s, N m).
    """

    names: tuple[str, ...]
    low: np.ndarray
    high: np.ndarray

    def __post_init__(self) -> None:
        low, high = np.array(self.low, dtype=float), np.array(self.high, dtype=float)  # copies: its own box
        if low.shape != (len(self.names),) or high.shape != low.shape:
            raise ValueError(f"low and high need one value per channel {list(self.names)}.")
        if not np.all(high > low):
            flat = [n for n, lo, hi in zip(self.names, low, high, strict=True) if not hi > lo]
            raise ValueError(
                f"channel(s) {flat} never varied in the calibration data (high <= low): an envelope needs a range. "
                "Record a richer excitation."
            )
        for array in (low, high):  # read-only: envelope.low[0] = ... would silently widen what was validated
            array.setflags(write=False)
        object.__setattr__(self, "low", low)
        object.__setattr__(self, "high", high)

    @classmethod
    def from_samples(cls, samples: object, names: Sequence[str]) -> OperatingEnvelope:
        """The envelope of calibration ``samples`` ((samples, channels) array, one column per name)."""
        x = _samples("samples", samples, len(names))
        return cls(tuple(names), x.min(axis=0), x.max(axis=0))

    @property
    def span(self) -> np.ndarray:
        """high - low per channel."""
        return self.high - self.low

    def check(self, samples: object) -> EnvelopeReport:
        """How far each of ``samples`` ((samples, channels), same columns as the envelope) lies outside."""
        x = _samples("samples", samples, len(self.names))
        excess = np.maximum(np.maximum(self.low - x, x - self.high), 0.0) / self.span
        distance = excess.max(axis=1)
        worst = None if not np.any(distance > 0) else self.names[int(np.argmax(excess.max(axis=0)))]
        return EnvelopeReport(distance, worst)
