"""What every sensor model shares: checked parameters, a seed, a sample clock and an ideal/noisy switch.

A sensor in ``twin`` reads the *true* state of a pybullet ``World`` and returns what a real device would
report. Each one has

- ``rate_hz``: how often it samples, counted on the simulation clock (``world.time``), not on the wall clock;
- ``seed``: its own random generator, so the same seed gives the same noise, run after run;
- ``ideal``: ``True`` switches every error source off, so ideal and noisy readings can be compared side by side.
"""

from __future__ import annotations

import math
import warnings

import numpy as np

from twin.core.checks import check_seed  # the one seed check; sensors import it from here too


def check_non_negative(name: str, value: object, unit: str, hint: str = "0 switches it off") -> float:
    """``value`` as a float >= 0, or a ValueError that names the parameter, its unit and a fix."""
    if isinstance(value, bool) or not isinstance(value, int | float | np.integer | np.floating):
        raise TypeError(f"{name} must be a number in {unit}, got {type(value).__name__} {value!r}.")
    if not math.isfinite(float(value)) or value < 0:
        raise ValueError(f"{name}={value!r} {unit} must be a finite number >= 0 ({hint}).")
    return float(value)


def check_positive(name: str, value: object, unit: str, hint: str) -> float:
    """``value`` as a float > 0, or a ValueError that names the parameter, its unit and a fix."""
    if isinstance(value, bool) or not isinstance(value, int | float | np.integer | np.floating):
        raise TypeError(f"{name} must be a number in {unit}, got {type(value).__name__} {value!r}.")
    if not math.isfinite(float(value)) or value <= 0:
        raise ValueError(f"{name}={value!r} {unit} must be a finite number > 0; {hint}.")
    return float(value)


LONGEST_LATENCY = 1.0  # s: a sensor's or its bus's delay beyond this is milliseconds written as seconds


def warn_if_milliseconds(name: str, seconds: float, stacklevel: int = 3) -> None:
    """Warn when a delay in seconds is so long that it was most likely meant in milliseconds (25 for 25 ms)."""
    if seconds > LONGEST_LATENCY:
        warnings.warn(
            f"{name}={seconds:g} s is longer than any sensor's delay; {name} is in seconds: for {seconds:g} ms write "
            f"{name}={seconds / 1000:g}.",
            stacklevel=stacklevel,
        )


def warn_if_radians(name: str, degrees: float, largest: float, example: str, stacklevel: int = 3) -> None:
    """Warn when an angle asked for in degrees is at most ``largest``: radians, most likely (np.pi / 3 for 60)."""
    if degrees <= largest:
        warnings.warn(
            f"{name}={degrees:g} is in degrees, and {degrees:g} degrees is very narrow: did you give radians? "
            f"{degrees:g} rad is {math.degrees(degrees):.4g} degrees; write {name}=np.degrees(...) or e.g. {example}.",
            stacklevel=stacklevel,
        )


def check_probability(name: str, value: object) -> float:
    """``value`` as a float in [0, 1]."""
    p = check_non_negative(name, value, "(probability)", "0 means never")
    if p > 1:
        raise ValueError(f"{name}={value!r} is a probability and must lie in 0..1 (0.05 means 5 %).")
    return p


def check_vector3(name: str, value: object, unit: str = "m") -> np.ndarray:
    """``value`` as a new float array (3,): the caller's array is copied, so changing it later moves nothing."""
    v = np.array(value, dtype=np.float64).reshape(-1)
    if v.shape != (3,) or not np.all(np.isfinite(v)):
        raise ValueError(f"{name} must be 3 finite numbers (x, y, z in {unit}), got {value!r}.")
    return v


class SampleClock:
    """Decides when a sensor samples, on the simulation clock.

    A sensor made at t0 samples at t0 + 1/rate, t0 + 2/rate, ... (s of simulated time); ``due(t)`` says
    whether a new sample is owed at time ``t``. When the rate is higher than the physics rate, the sensor
    simply samples at every physics step (it cannot see between steps), which ``effective_rate`` reports.
    """

    def __init__(self, rate_hz: float, time_step: float | None = None, start_time: float = 0.0) -> None:
        self.rate_hz = check_positive("rate_hz", rate_hz, "Hz", "a sensor must sample, e.g. 100 Hz")
        self.period = 1.0 / self.rate_hz
        self.time_step = time_step
        self.next_time = float(start_time) + self.period
        self.samples = 0

    def __repr__(self) -> str:
        return f"SampleClock({self.rate_hz:g} Hz, next sample at t={self.next_time:.4f} s)"

    @property
    def effective_rate(self) -> float:
        """The rate actually achieved: at most one sample per physics step."""
        if self.time_step is None:
            return self.rate_hz
        return min(self.rate_hz, 1.0 / self.time_step)

    def due(self, time: float) -> bool:
        """True when a sample is owed at ``time`` (s); marks it taken."""
        if time + 1e-9 < self.next_time:
            return False
        self.samples += 1
        # the next sample time is counted from the schedule, not from `time`, so the rate does not drift
        self.next_time += self.period * max(1, math.floor((time - self.next_time) / self.period + 1e-9) + 1)
        return True

    def reset(self, time: float = 0.0) -> None:
        """Start again: the next sample is one period after ``time`` (s)."""
        self.next_time = float(time) + self.period
        self.samples = 0


class SensorBase:
    """Seed, generator and the ideal/noisy switch shared by every sensor model."""

    def __init__(self, *, rate_hz: float, seed: int = 0, ideal: bool = False, world: object = None) -> None:
        self.seed = check_seed(seed)
        self.rng = np.random.default_rng(self.seed)
        self.ideal = bool(ideal)
        time_step = getattr(world, "time_step", None)
        self.clock = SampleClock(rate_hz, time_step, start_time=getattr(world, "time", 0.0))

    @property
    def rate_hz(self) -> float:
        return self.clock.rate_hz

    def reseed(self, seed: int) -> None:
        """Restart the noise from ``seed`` (same seed, same noise)."""
        self.seed = check_seed(seed)
        self.rng = np.random.default_rng(self.seed)
