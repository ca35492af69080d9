"""Joint encoders: what a motor's position sensor really reports, in counts, with noise and latency.

An incremental or absolute encoder divides a revolution into ``counts_per_revolution`` steps (a 12-bit magnetic
encoder: 4096; an optical one with quadrature: 4 x lines). The reading is the angle rounded to the nearest count,
so a resolution of 2 pi / counts rad; electrical noise adds a little jitter and the bus adds latency: the twin
sees the angle as it was ``latency`` seconds ago. Velocity is estimated by differencing the quantised angle,
which is why low-resolution encoders give staircase-shaped, noisy velocity.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from twin.sensors._common import SensorBase, check_non_negative, warn_if_milliseconds

if TYPE_CHECKING:
    from twin.sim.robots import Robot


def quantize_angle(angle: np.ndarray, counts_per_revolution: int) -> np.ndarray:
    """The angle (rad) an encoder with this resolution reports: rounded to a whole number of counts."""
    step = 2.0 * np.pi / counts_per_revolution
    return np.round(np.asarray(angle, dtype=float) / step) * step


@dataclass(frozen=True)
class EncoderReading:
    """Joint angles (rad, quantised), velocity estimate (rad/s) by finite difference, and when they were true (s).

    The arrays are read-only: the encoders keep each reading to difference the next one against (and may deliver
    it again), so ``reading.positions -= offset`` would change the next velocity; work on a copy instead."""

    time: float
    positions: np.ndarray
    velocities: np.ndarray
    true_positions: np.ndarray


class JointEncoders(SensorBase):
    """Encoders on every one-DoF joint of a robot.

    Args:
        robot: a ``twin.sim.Robot``.
        counts_per_revolution: resolution, counts per 2 pi rad (e.g. 4096 for 12 bits).
        noise_std: white jitter added before quantisation, rad.
        latency: s between the angle being true and the twin reading it (a multiple of the sample period
            is exact; other values round up to the next sample).
        rate_hz, seed, ideal: as every sensor (ideal: exact angles, no delay).
    """

    def __init__(
        self,
        robot: Robot,
        *,
        counts_per_revolution: int = 4096,
        noise_std: float = 0.0,
        latency: float = 0.0,
        rate_hz: float = 1000.0,
        seed: int = 0,
        ideal: bool = False,
    ) -> None:
        super().__init__(rate_hz=rate_hz, seed=seed, ideal=ideal, world=robot.world)
        if (
            isinstance(counts_per_revolution, bool)
            or not isinstance(counts_per_revolution, int | np.integer)
            or counts_per_revolution < 2
        ):
            raise ValueError(
                f"counts_per_revolution={counts_per_revolution!r} must be a whole number >= 2 "
                "(e.g. 4096 for a 12-bit encoder)."
            )
        self.robot = robot
        self.counts_per_revolution = int(counts_per_revolution)
        self.noise_std = check_non_negative("noise_std", noise_std, "rad")
        self.latency = check_non_negative("latency", latency, "s", "0 means no delay")
        warn_if_milliseconds("latency", self.latency)  # latency=25 (meant: 25 ms): no reading for 25 s
        self._history: deque[EncoderReading] = deque()
        self._previous: EncoderReading | None = None

    def __repr__(self) -> str:
        mode = "ideal" if self.ideal else "noisy"
        return (
            f"JointEncoders({self.robot.name}, {self.counts_per_revolution} counts/rev = {self.resolution:.2e} rad, "
            f"latency {self.latency * 1000:g} ms, {self.rate_hz:g} Hz, {mode})"
        )

    @property
    def resolution(self) -> float:
        """One count, rad."""
        return 2.0 * np.pi / self.counts_per_revolution

    def _measure_now(self) -> EncoderReading:
        time = self.robot.world.time
        true = self.robot.state().positions
        if self.ideal:
            positions = true
        else:
            jitter = self.noise_std * self.rng.standard_normal(true.shape) if self.noise_std else 0.0
            positions = quantize_angle(true + jitter, self.counts_per_revolution)
        if self._previous is None or time <= self._previous.time:
            velocities = np.zeros_like(positions)
        else:
            velocities = (positions - self._previous.positions) / (time - self._previous.time)
        for array in (positions, velocities, true):  # kept for the next velocity and re-delivery: not to be changed
            array.setflags(write=False)
        reading = EncoderReading(time, positions, velocities, true)
        self._previous = reading
        return reading

    def poll(self) -> EncoderReading | None:
        """Call after each ``world.step()``: the newest reading whose latency has elapsed, when one is due."""
        if not self.clock.due(self.robot.world.time):
            return None
        self._history.append(self._measure_now())
        if self.ideal:
            return self._history.pop()
        now = self.robot.world.time
        ready = None
        while self._history and self._history[0].time + self.latency <= now + 1e-9:
            ready = self._history.popleft()
        if ready is not None and self._history:
            # keep the delivered one so that the next poll can deliver it again if nothing newer is ready
            self._history.appendleft(ready)
        return ready
