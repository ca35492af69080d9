"""A fleet of robots, each with its stand-in and its twin, run on any executor; fleet analytics as numbers.

A warehouse line of robot axes (single driven joints) that wear at different rates: each ``RobotSpec`` is a
small picklable description (robot type, seed, how fast its joints wear). ``run_robot(spec)`` builds that
robot's stand-in and twin (``twin.digital_twin.DigitalTwin``) once per inspection, runs the same test motion
while the stand-in's joint friction grows by ``wear_per_inspection`` N m per inspection, and returns the
twin's systematic prediction error per inspection (``health_indicator``): the robot's health indicator (HI),
which grows as the real robot drifts from its model.

``Fleet`` runs every spec on one executor (serial, processes, Dask) and keeps each robot's report, or the error
that stopped it; ``fleet_health`` fits each robot's HI trend with ``twin.analytics.maintenance`` and says which
robots drift and which need maintenance within a horizon.
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from types import TracebackType

import numpy as np

from twin.core.checks import check_count
from twin.fleet.executors import Executor, JobOutcome, make_executor
from twin.tables import Table

FLEET_ROBOTS = ("pendulum", "arm")
INSPECTION_SEED_STRIDE = 7919  # inspection k of robot seed s uses sensor seed s + 7919 k
HEALTH_WINDOW = 24  # steps averaged before the RMS (0.1 s at 240 Hz): white sensor noise averages out


@dataclass(frozen=True)
class RobotSpec:
    """One robot of the fleet (picklable; everything a worker needs to run it, nothing it has to share).

    Attributes:
        name: the robot's name in reports and on its telemetry topic (``fleet/<name>/state``).
        robot: catalogue robot, ``"pendulum"`` (one driven joint: a robot axis) or ``"arm"`` (7 joints).
        seed: seed of its sensor noise; the same spec gives the same numbers on any executor.
        wear_per_inspection: joint friction added to the true robot each inspection window, N m.
        inspections: number of inspection windows (at least 4, for a trend with an interval).
        steps_per_inspection: simulation steps per window (240 = 1 s at 240 Hz).
        telemetry: ``(host, port)`` of an MQTT broker to publish state and health to, or None.
        crash_at: for demonstrating failures: the worker process exits abruptly at this inspection (None: never).
    """

    name: str
    robot: str = "pendulum"
    seed: int = 0
    wear_per_inspection: float = 0.0
    inspections: int = 6
    steps_per_inspection: int = 240
    telemetry: tuple[str, int] | None = None
    crash_at: int | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not self.name or "/" in self.name or "+" in self.name or "#" in self.name:
            raise ValueError(f"name={self.name!r} must be a non-empty robot name without '/', '+' or '#' (MQTT).")
        if self.robot not in FLEET_ROBOTS:
            raise ValueError(f"robot={self.robot!r}; a fleet member is one of {FLEET_ROBOTS}.")
        if not (isinstance(self.wear_per_inspection, int | float) and math.isfinite(self.wear_per_inspection)):
            raise ValueError(f"wear_per_inspection={self.wear_per_inspection!r} must be a finite number of N m.")
        if self.wear_per_inspection < 0:
            raise ValueError(f"wear_per_inspection={self.wear_per_inspection} N m must be >= 0 (joints do not heal).")
        if not isinstance(self.inspections, int) or self.inspections < 4:
            raise ValueError(f"inspections={self.inspections!r} must be an integer >= 4 (a trend needs 4 points).")
        if not isinstance(self.steps_per_inspection, int) or self.steps_per_inspection < HEALTH_WINDOW:
            raise ValueError(
                f"steps_per_inspection={self.steps_per_inspection!r} must be an integer >= {HEALTH_WINDOW} "
                "(the health indicator averages that many steps)."
            )


@dataclass(frozen=True)
class RobotReport:
    """What one robot's run produced: per inspection, the true friction (N m) and the twin's HI (rad)."""

    name: str
    robot: str
    friction: np.ndarray
    health: np.ndarray
    steps: int
    simulated_seconds: float


def inspection_motion(dof: int) -> object:
    """The standard inspection motion: each joint swings 0.4 rad at its own frequency (rad, of time in s)."""
    frequencies = 0.5 + 0.15 * np.arange(dof)

    def target(t: float) -> np.ndarray:
        return 0.4 * np.sin(2 * np.pi * frequencies * t)

    return target


def health_indicator(prediction_errors: np.ndarray, window: int = HEALTH_WINDOW) -> float:
    """RMS (rad) of the prediction error averaged over ``window`` steps: the model's systematic error.

    Sensor noise is white and averages out over the window; a wrong friction pushes the prediction the same
    way for as long as the joint moves the same way, and stays.
    """
    errors = np.asarray(prediction_errors, dtype=float)
    if errors.ndim != 2 or errors.shape[0] < window:
        raise ValueError(f"prediction_errors of shape {errors.shape}: need (steps >= {window}, joints).")
    kernel = np.ones(window) / window
    smoothed = np.array([np.convolve(errors[:, j], kernel, mode="valid") for j in range(errors.shape[1])])
    return float(np.sqrt(np.mean(smoothed**2)))


def run_robot(spec: RobotSpec) -> RobotReport:
    """Run one robot's stand-in and twin through its inspections; the worker function of every executor."""
    import os

    from twin.control.pd import JointPD
    from twin.digital_twin import DigitalTwin
    from twin.physical_system.standin import DEFAULT_TRUTH

    publisher = None
    if spec.telemetry is not None:
        from twin.fleet.mqtt import TelemetryPublisher

        publisher = TelemetryPublisher(*spec.telemetry, client_id=f"robot-{spec.name}")
    base = DEFAULT_TRUTH[spec.robot]
    friction, health = [], []
    steps, seconds = 0, 0.0
    try:
        for k in range(spec.inspections):
            if spec.crash_at is not None and k == spec.crash_at:
                os._exit(3)  # a worker dying mid-run, as a segfault or the out-of-memory killer would make it
            wear = base.joint_friction + spec.wear_per_inspection * k
            truth = base.with_changes(joint_friction=wear)
            # Each inspection runs the same test motion from the same start, so only the wear changes the HI.
            with DigitalTwin(spec.robot, "twin", truth=truth, seed=spec.seed + INSPECTION_SEED_STRIDE * k) as twin:
                twin.controller = JointPD(inspection_motion(twin.model.robot.dof))
                window = twin.run(spec.steps_per_inspection)
                steps, seconds = steps + twin.steps_taken, seconds + twin.time
            friction.append(wear)
            health.append(health_indicator(window.prediction_errors))
            if publisher is not None:
                publisher.publish_state(spec.name, seconds, window.measured_positions[-1], health[-1])
    finally:
        if publisher is not None:
            publisher.close()
    return RobotReport(spec.name, spec.robot, np.array(friction), np.array(health), steps, seconds)


def warehouse(
    robots: int,
    robot: str = "pendulum",
    seed: int = 0,
    worn_fraction: float = 0.25,
    inspections: int = 6,
    steps_per_inspection: int = 240,
) -> list[RobotSpec]:
    """``robots`` specs named ``axis-00``...: a seeded ``worn_fraction`` of them wear fast (0.3 N m per
    inspection), the others slowly (0 to 0.02 N m)."""
    robots = check_count("robots", robots, "robots", low=1)
    if not 0.0 <= worn_fraction <= 1.0:
        raise ValueError(f"worn_fraction={worn_fraction} must lie in [0, 1].")
    rng = np.random.default_rng(seed)
    worn = set(rng.choice(robots, size=int(round(worn_fraction * robots)), replace=False).tolist())
    specs = []
    for i in range(robots):
        wear = 0.3 if i in worn else float(rng.uniform(0.0, 0.02))
        specs.append(RobotSpec(f"axis-{i:02d}", robot, seed + i, wear, inspections, steps_per_inspection))
    return specs


@dataclass(frozen=True)
class FleetRun:
    """One fleet run: an outcome per robot (in spec order), the executor and the wall time."""

    outcomes: tuple[JobOutcome, ...]
    executor: str
    workers: int
    wall_seconds: float

    @property
    def reports(self) -> dict[str, RobotReport]:
        """The robots that finished, by name."""
        return {o.name: o.result for o in self.outcomes if o.ok}

    @property
    def failures(self) -> dict[str, BaseException]:
        """The robots that did not finish, by name, with what stopped them."""
        return {o.name: o.error for o in self.outcomes if not o.ok}

    @property
    def job_seconds(self) -> float:
        """Sum of the robots' own run times, s: the work, however it was spread."""
        return float(sum(o.seconds for o in self.outcomes))


class Fleet:
    """N robots, each with stand-in and twin, stepped in parallel on one executor.

    Args:
        specs: the robots (``warehouse(n)`` makes a warehouse of n robot axes).
        executor: ``"serial"``, ``"processes"`` (default) or ``"dask"``, or an ``Executor`` you made (then the
            fleet does not close it).
        workers: worker processes (default: every core). address: a Dask scheduler to use instead of a local one.

    ``close()`` (or ``with``) stops the executor's workers and the Dask cluster it started.
    """

    def __init__(
        self,
        specs: Sequence[RobotSpec],
        executor: str | Executor = "processes",
        workers: int | None = None,
        address: str | None = None,
    ) -> None:
        specs = list(specs)
        if not specs:
            raise ValueError("a fleet needs at least one RobotSpec; warehouse(8) makes eight robot axes.")
        names = [s.name for s in specs]
        if len(set(names)) != len(names):
            raise ValueError(f"robot names must be unique (they name telemetry topics); got {names}.")
        self.specs = specs
        self._owns_executor = not isinstance(executor, Executor)
        self.executor = make_executor(executor, workers, address) if self._owns_executor else executor

    def run(self) -> FleetRun:
        """Run every robot once; failures are kept per robot, never raised."""
        started = time.perf_counter()
        outcomes = self.executor.map(run_robot, self.specs)
        return FleetRun(tuple(outcomes), self.executor.kind, self.executor.workers, time.perf_counter() - started)

    def close(self) -> None:
        if self._owns_executor:
            self.executor.close()

    def __enter__(self) -> Fleet:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, value: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self.close()


@dataclass(frozen=True)
class RobotHealth:
    """One robot's verdict: latest HI (rad), its growth per inspection (fitted), RUL in inspections."""

    name: str
    latest: float
    growth: float
    rul: float
    rul_lower: float
    drifting: bool
    needs_maintenance: bool


@dataclass(frozen=True)
class FleetHealth:
    """Every robot's verdict, and the thresholds they were judged by."""

    robots: tuple[RobotHealth, ...]
    drift_growth: float
    threshold: float
    horizon: float
    failed: tuple[str, ...] = field(default=())

    @property
    def drifting(self) -> list[str]:
        return [r.name for r in self.robots if r.drifting]

    @property
    def needs_maintenance(self) -> list[str]:
        return [r.name for r in self.robots if r.needs_maintenance]

    def table(self) -> Table:
        rows = [
            (
                r.name,
                round(r.latest * 1e3, 3),
                round(r.growth, 3),
                round(r.rul, 1) if math.isfinite(r.rul) else math.inf,
                "yes" if r.drifting else "",
                "yes" if r.needs_maintenance else "",
            )
            for r in self.robots
        ]
        rows += [(name, math.nan, math.nan, math.nan, "run failed", "inspect") for name in self.failed]
        return Table(
            ("robot", "HI now [mrad]", "HI growth per inspection", "RUL [inspections]", "drifting", "maintain"),
            tuple(rows),
            title=f"fleet health: HI threshold {self.threshold * 1e3:.3g} mrad, horizon {self.horizon:g} inspections",
        )


def fleet_health(
    run: FleetRun | dict[str, RobotReport], threshold: float, horizon: float = 5.0, drift_growth: float = 0.2
) -> FleetHealth:
    """Judge each robot from its health indicator (prediction RMSE, rad, one per inspection).

    A robot *drifts* when its HI grows by more than ``drift_growth`` (a fraction, 0.2 = 20 %) per inspection
    (the fitted exponential degradation model's rate); it *needs maintenance* when its HI is already above
    ``threshold`` or its fitted curve crosses ``threshold`` within ``horizon`` inspections (its RUL).
    """
    from twin.analytics.maintenance import fit_degradation

    if not (math.isfinite(threshold) and threshold > 0):
        raise ValueError(f"threshold={threshold!r} must be a positive HI (rad), e.g. twice a healthy robot's HI.")
    if not (math.isfinite(horizon) and horizon >= 0):
        raise ValueError(f"horizon={horizon!r} must be a number of inspections >= 0.")
    reports = run.reports if isinstance(run, FleetRun) else run
    failed = tuple(run.failures) if isinstance(run, FleetRun) else ()
    verdicts = []
    for name, report in reports.items():
        times = np.arange(report.health.size, dtype=float)
        fit = fit_degradation(times, report.health, model="exponential")
        rul = fit.remaining_useful_life(threshold)
        growth = math.expm1(fit.slope)
        latest = float(report.health[-1])
        verdicts.append(
            RobotHealth(
                name,
                latest,
                growth,
                rul.rul,
                rul.lower,
                drifting=growth > drift_growth,
                needs_maintenance=latest >= threshold or rul.rul <= horizon,
            )
        )
    return FleetHealth(tuple(verdicts), drift_growth, threshold, horizon, failed)


def memory_per_twin(robot: str = "pendulum", count: int = 8) -> float:
    """Resident memory (bytes) one more stand-in + twin pair adds to this process, averaged over ``count``."""
    import psutil

    from twin.digital_twin import DigitalTwin

    count = check_count("count", count, "twins", low=1)
    me = psutil.Process()
    with DigitalTwin(robot, "twin"):  # the first twin loads shared libraries and caches: not counted
        before = me.memory_info().rss
        twins = [DigitalTwin(robot, "twin", seed=i) for i in range(count)]
        try:
            after = me.memory_info().rss
        finally:
            for twin in twins:
                twin.close()
    return (after - before) / count
