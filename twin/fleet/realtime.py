"""A twin paced against the wall clock: real-time factor, deadline misses, jitter, and what to do when late.

A twin that mirrors a real robot must keep up with it: at 240 Hz each step has a 4.17 ms deadline. The loop
sleeps until each tick's planned time, steps, and records when the step started (its *jitter*: lateness
against the plan) and how long it took. When a step overruns its period, the twin falls behind, and a policy
decides what happens (``POLICIES``):

- ``"skip"``: ticks whose time has passed are dropped; the twin stays on the wall clock's schedule but
  simulates fewer steps (real-time factor < 1, ``skipped`` counts them). For monitoring: fresh, not complete.
- ``"slow_down"``: every step is taken; the schedule moves back to "now" after a late step, so the twin runs
  slower than real time and its lag grows. For offline replay: complete, not current.
- ``"flag_stale"``: every step is taken at once while behind (no sleeping) to catch up, and every step taken
  while more than ``stale_after`` periods behind is flagged stale, so consumers know not to act on it.

The clock and the sleep are parameters, so the policies are tested with a simulated clock (exact numbers); a
real run measures this machine. ``TwinLoad`` builds a step with a load knob (extra twins, a camera).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

POLICIES = {
    "skip": "drop the ticks that are already late: stay on the wall clock, simulate fewer steps",
    "slow_down": "take every step and move the schedule back: complete, but slower than real time",
    "flag_stale": "take every step at once to catch up; flag each step taken while far behind as stale",
}


@dataclass(frozen=True)
class PacingReport:
    """What a paced run did. Times in s; arrays have one entry per step taken.

    Attributes:
        rate_hz: the requested rate. policy: the overrun policy.
        lateness: how late each step started against its planned tick (jitter), s.
        durations: how long each step took, s.
        stale: per step, True when it was taken more than ``stale_after`` periods behind (``flag_stale``).
        skipped: ticks dropped (``skip``). wall_seconds: the run's wall time. steps: steps taken.
    """

    rate_hz: float
    policy: str
    lateness: np.ndarray
    durations: np.ndarray
    stale: np.ndarray
    skipped: int
    wall_seconds: float

    @property
    def period(self) -> float:
        return 1.0 / self.rate_hz

    @property
    def steps(self) -> int:
        return int(self.durations.size)

    @property
    def real_time_factor(self) -> float:
        """Simulated seconds per wall second: 1 keeps up, < 1 falls behind."""
        return self.steps * self.period / self.wall_seconds

    @property
    def deadline_misses(self) -> int:
        """Steps that ended after their own deadline (start of the next tick)."""
        return int(np.sum(self.lateness + self.durations > self.period))

    @property
    def miss_rate(self) -> float:
        return self.deadline_misses / max(1, self.steps)

    def summary(self) -> str:
        return (
            f"{self.rate_hz:g} Hz, {self.policy}: real-time factor {self.real_time_factor:.3f}, "
            f"{self.deadline_misses} deadline misses of {self.steps} steps, {self.skipped} ticks skipped, "
            f"{int(self.stale.sum())} stale; jitter median {np.median(self.lateness) * 1e6:.0f} us, "
            f"99th percentile {np.percentile(self.lateness, 99) * 1e6:.0f} us; step cost median "
            f"{np.median(self.durations) * 1e6:.0f} us"
        )


def _sleep_until(deadline: float, clock: Callable[[], float], sleep: Callable[[float], None], spin: float) -> None:
    """Sleep until ``spin`` s before ``deadline``, then poll the clock: sleeping alone wakes late by ~0.1 ms."""
    remaining = deadline - clock()
    if remaining > spin:
        sleep(remaining - spin)
    while clock() < deadline:
        pass


def run_paced(
    step: Callable[[], object],
    rate_hz: float,
    duration: float,
    policy: str = "skip",
    *,
    stale_after: float = 2.0,
    clock: Callable[[], float] = time.perf_counter,
    sleep: Callable[[float], None] = time.sleep,
    spin: float = 2e-4,
) -> PacingReport:
    """Call ``step()`` at ``rate_hz`` for ``duration`` wall seconds under an overrun ``policy`` (``POLICIES``).

    ``stale_after``: periods behind beyond which a step counts as stale. ``spin``: s of busy-waiting before
    each tick (precision against CPU use; 0 sleeps only).
    """
    if policy not in POLICIES:
        raise ValueError(f"policy={policy!r}; choose one of: " + "; ".join(f"{k} ({v})" for k, v in POLICIES.items()))
    if not (isinstance(rate_hz, int | float) and 0 < rate_hz <= 20_000):
        raise ValueError(f"rate_hz={rate_hz!r} must be a rate in (0, 20000] Hz, e.g. 240, 500 or 1000.")
    if not duration > 0:
        raise ValueError(f"duration={duration!r} must be a positive number of wall seconds.")
    period = 1.0 / rate_hz
    ticks = int(round(duration * rate_hz))
    lateness, durations, stale = [], [], []
    skipped = 0
    start = clock()
    anchor, tick = start, 0  # planned time of tick k: anchor + (k - anchor_tick) * period
    anchor_tick = 0
    while tick < ticks:
        planned = anchor + (tick - anchor_tick) * period
        now = clock()
        if now < planned:
            _sleep_until(planned, clock, sleep, spin)
            now = clock()
        behind = (now - planned) / period
        if policy == "skip" and behind >= 1.0:
            late_ticks = int(behind)  # whole periods already gone: drop them
            late_ticks = min(late_ticks, ticks - tick)
            skipped += late_ticks
            tick += late_ticks
            if tick >= ticks:
                break
            continue  # wait for the next tick that is still ahead
        began = clock()
        step()
        ended = clock()
        lateness.append(began - planned)
        durations.append(ended - began)
        stale.append(policy == "flag_stale" and behind > stale_after)
        tick += 1
        if policy == "slow_down" and ended > planned + period:
            anchor, anchor_tick = ended, tick  # the next tick starts now: the schedule slips
    # the run lasts until its last tick's period is over (or later, when the last step overran it)
    wall = max(clock(), anchor + (ticks - anchor_tick) * period) - start
    return PacingReport(
        float(rate_hz), policy, np.array(lateness), np.array(durations), np.array(stale, dtype=bool), skipped, wall
    )


class SimulatedClock:
    """A clock for tests and demonstrations: time moves only when ``sleep`` or ``advance`` moves it."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += max(0.0, seconds)

    advance = sleep


class TwinLoad:
    """A twin step with a load knob: ``robots`` twins stepped together, optionally a camera rendered each step.

    Args:
        robots: twins stepped per tick (a second robot doubles the physics).
        camera: ``(width, height)`` of an ideal camera rendered every ``camera_every`` steps, or None.
        robot: catalogue robot of each twin. seed: sensor seed of the first twin (the others get seed + i).
    """

    def __init__(
        self,
        robots: int = 1,
        camera: tuple[int, int] | None = None,
        camera_every: int = 1,
        robot: str = "pendulum",
        seed: int = 0,
    ) -> None:
        from twin.control.pd import JointPD
        from twin.digital_twin import DigitalTwin

        if not isinstance(robots, int) or robots < 1:
            raise ValueError(f"robots={robots!r} must be an integer >= 1.")
        if not isinstance(camera_every, int) or camera_every < 1:
            raise ValueError(f"camera_every={camera_every!r} must be an integer >= 1 (render every n-th step).")
        self.twins = []
        self.camera = None
        self.camera_every = camera_every
        try:
            for i in range(robots):
                twin = DigitalTwin(robot, "twin", seed=seed + i)
                twin.controller = JointPD(np.full(twin.model.robot.dof, 0.5))
                self.twins.append(twin)
            if camera is not None:
                from twin.sensors.camera import Camera, CameraIntrinsics

                width, height = camera
                self.camera = Camera(
                    self.twins[0].model.plant.world, intrinsics=CameraIntrinsics(width, height), ideal=True
                )
        except BaseException:
            self.close()
            raise
        self.steps = 0

    def __call__(self) -> None:
        for twin in self.twins:
            twin.step()
        if self.camera is not None and self.steps % self.camera_every == 0:
            self.camera.render()
        self.steps += 1

    def close(self) -> None:
        if self.camera is not None:
            self.camera.close()
        for twin in self.twins:
            twin.close()

    def __enter__(self) -> TwinLoad:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def step_cost(step: Callable[[], object], steps: int = 200) -> np.ndarray:
    """Wall time of each of ``steps`` unpaced calls of ``step``, s: what a rate can afford on this machine."""
    durations = np.empty(steps)
    for k in range(steps):
        began = time.perf_counter()
        step()
        durations[k] = time.perf_counter() - began
    return durations
