"""Recorded trajectories: what the twin measured and what it commanded, sample by sample, synchronised.

A calibration fits parameters to *data*, so the data must be right first: one time stamp per sample,
the measured joint state at that instant, and the torque that was commanded from that instant until
the next sample. ``record_trajectory`` produces exactly that from a physical stand-in (or a
simulation), optionally through a data link whose delays it undoes by time stamp.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from numbers import Integral, Real
from typing import Protocol

import numpy as np

from twin.core.checks import check_count, check_number
from twin.core.messages import JointCommand, StateMeasurement
from twin.core.types import DEFAULT_TIME_STEP
from twin.link.impaired_link import ImpairedLink
from twin.link.in_process import InProcessLink
from twin.sim.plant import SimulatedRobot
from twin.sim.robots import ROBOTS

# Smallest number of samples a trajectory may hold: fewer cannot show a single dynamic response.
MIN_SAMPLES = 3


def _array(name: str, values: object, ndim: int) -> np.ndarray:
    array = np.array(values, dtype=float)  # a private copy, frozen below
    if array.ndim != ndim:
        shape = "(n,)" if ndim == 1 else "(n, joints)"
        raise ValueError(f"{name} must have shape {shape}, got shape {array.shape}.")
    if not np.all(np.isfinite(array)):
        bad = int(np.argmax(~np.isfinite(array).reshape(len(array), -1).all(axis=1)))
        raise ValueError(f"{name} holds a NaN or infinite value (first at sample {bad}); drop or repair that sample.")
    array.setflags(write=False)
    return array


@dataclass(frozen=True)
class Trajectory:
    """Synchronised samples of one run.

    Attributes:
        time: (n,) sample times, s, strictly increasing.
        positions: (n, joints) measured joint positions, rad (m for prismatic joints).
        velocities: (n, joints) measured joint velocities, rad/s.
        commands: (n, joints) torque commanded from each sample to the next, N m (N for prismatic joints).
        dt: the time step the samples were taken on, s (``record_trajectory`` stores it, so that lost samples
            cannot mislead it); ``None`` infers it as the smallest sample spacing (for hand-made trajectories).
    """

    time: np.ndarray
    positions: np.ndarray
    velocities: np.ndarray
    commands: np.ndarray
    dt: float | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "time", _array("time", self.time, 1))
        for name in ("positions", "velocities", "commands"):
            object.__setattr__(self, name, _array(name, getattr(self, name), 2))
        n = self.time.size
        if n < MIN_SAMPLES:
            raise ValueError(f"A trajectory needs at least {MIN_SAMPLES} samples, got {n}. Record longer.")
        shapes = {name: getattr(self, name).shape for name in ("positions", "velocities", "commands")}
        if any(shape != (n, shapes["positions"][1]) for shape in shapes.values()):
            raise ValueError(
                f"time has {n} samples; positions, velocities, commands must all be (n, joints): {shapes}."
            )
        steps = np.diff(self.time)
        if np.any(steps <= 0):
            raise ValueError(f"time must strictly increase; sample {int(np.argmax(steps <= 0)) + 1} does not.")
        if self.dt is not None:
            number = isinstance(self.dt, Real) and not isinstance(self.dt, bool)
            if not number or not 0 < self.dt < math.inf:
                raise ValueError(f"dt={self.dt!r} must be a finite number of seconds > 0 (e.g. 1/240), or None.")
            object.__setattr__(self, "dt", float(self.dt))

    def __len__(self) -> int:
        return int(self.time.size)

    def __repr__(self) -> str:
        step = f"dt={self._step():.4g} s" if self.on_grid() else "uneven sample spacing"
        return f"Trajectory({len(self)} samples x {self.joints} joints, {self.duration:.3g} s, {step})"

    @property
    def joints(self) -> int:
        return int(self.positions.shape[1])

    @property
    def duration(self) -> float:
        """Seconds from the first to the last sample."""
        return float(self.time[-1] - self.time[0])

    def _step(self) -> float:
        """The stored ``dt``, or else the smallest sample spacing, s (no check that the others fit it)."""
        return self.dt if self.dt is not None else float(np.min(np.diff(self.time)))

    @property
    def time_step(self) -> float:
        """Seconds per time step: the recorded ``dt``, or for a hand-made trajectory the smallest sample spacing.

        Raises:
            ValueError: when the spacings are not whole multiples of that step (no single time grid).
        """
        if not self.on_grid():
            spacing = np.diff(self.time)
            raise ValueError(
                f"The sample spacings ({spacing.min():.6g} to {spacing.max():.6g} s) are not whole multiples of "
                f"{'dt' if self.dt is not None else 'the smallest spacing'} = {self._step():.6g} s, so the trajectory "
                "has no single time step; resample it onto one grid, or pass the true dt=... to Trajectory."
            )
        return self._step()

    def is_uniform(self, tolerance: float = 1e-6) -> bool:
        """True when every sample spacing equals the time step within ``tolerance`` (relative)."""
        step = self._step()
        return bool(np.all(np.abs(np.diff(self.time) - step) <= tolerance * step))

    def on_grid(self, tolerance: float = 1e-6) -> bool:
        """True when every spacing is a whole number (>= 1) of time steps (even sampling, perhaps with lost samples)."""
        ratio = np.diff(self.time) / self._step()
        whole = np.round(ratio)
        return bool(np.all((whole >= 1) & (np.abs(ratio - whole) <= tolerance * np.maximum(1.0, ratio))))

    def gaps(self) -> np.ndarray:
        """Indices ``k`` where samples are missing between sample ``k - 1`` and ``k`` (lost in the link)."""
        return np.flatnonzero(np.diff(self.time) > 1.5 * self.time_step) + 1

    @property
    def missing(self) -> int:
        """How many samples of the ``time_step`` grid are missing between the first and the last."""
        return int(np.sum(np.round(np.diff(self.time) / self.time_step) - 1))

    def slice(self, start: int, stop: int) -> Trajectory:
        """Samples ``start`` (inclusive) to ``stop`` (exclusive), like ``list[start:stop]``."""
        return Trajectory(
            self.time[start:stop],
            self.positions[start:stop],
            self.velocities[start:stop],
            self.commands[start:stop],
            self.dt,
        )

    def split(self, fraction: float) -> tuple[Trajectory, Trajectory]:
        """(fit, held_out): the first ``fraction`` of the samples for calibration, the rest for validation."""
        if not isinstance(fraction, int | float) or not 0 < fraction < 1:
            raise ValueError(f"fraction={fraction!r} must lie strictly between 0 and 1, for example 0.7.")
        cut = int(round(fraction * len(self)))
        if cut < MIN_SAMPLES or len(self) - cut < MIN_SAMPLES:
            raise ValueError(
                f"Splitting {len(self)} samples at {fraction} leaves {cut} and {len(self) - cut}; each part needs "
                f">= {MIN_SAMPLES}. Record a longer trajectory or choose a fraction nearer 0.5."
            )
        return self.slice(0, cut), self.slice(cut, len(self))

    def delayed_commands(self, steps: int) -> Trajectory:
        """The same samples with each command acting ``steps`` samples later (zero torque before the first).

        This is what a robot whose command channel takes ``steps`` time steps actually received.
        """
        if not isinstance(steps, int | np.integer) or isinstance(steps, bool) or steps < 0:
            raise ValueError(f"steps={steps!r} must be an integer >= 0.")
        if steps >= len(self):
            raise ValueError(f"A delay of {steps} steps is not shorter than the trajectory ({len(self)} samples).")
        if steps and len(self.gaps()):
            raise ValueError(
                f"The trajectory misses {self.missing} samples, and their commands with them, so commands cannot be "
                "shifted across the gaps; estimate the delay on a gap-free piece (slice between trajectory.gaps())."
            )
        shifted = np.zeros_like(self.commands)
        shifted[steps:] = self.commands[: len(self) - steps]
        return Trajectory(self.time, self.positions, self.velocities, shifted, self.dt)


class _Measurable(Protocol):
    """What ``record_trajectory`` needs from a source (``PhysicalStandIn`` and ``ProcessStandIn`` have it)."""

    def measure(self) -> StateMeasurement: ...
    def apply(self, command: JointCommand) -> None: ...
    def step(self) -> None: ...


class _ExactSensor:
    """Wraps a ``SimulatedRobot`` so that it looks like a stand-in with a perfect sensor."""

    def __init__(self, plant: SimulatedRobot) -> None:
        self.plant = plant
        self._torques = np.zeros(plant.dof)

    @property
    def time(self) -> float:
        return self.plant.time

    @property
    def dof(self) -> int:
        return self.plant.dof

    def measure(self) -> StateMeasurement:
        state = self.plant.state()
        return StateMeasurement(self.plant.time, state.positions, state.velocities)

    def apply(self, command: JointCommand) -> None:
        self._torques = command.torques

    def step(self) -> None:
        self.plant.step(self._torques)


def _dof_of(source: object) -> int:
    """Joints of any source with ``measure``, ``apply`` and ``step`` (duck typing), or of a ``SimulatedRobot``."""
    if isinstance(source, SimulatedRobot):
        return source.dof
    missing = [name for name in ("measure", "apply", "step") if not callable(getattr(source, name, None))]
    if missing:
        raise TypeError(
            f"source must have measure(), apply(command) and step() (a PhysicalStandIn, ProcessStandIn or a real "
            f"robot's adapter) or be a SimulatedRobot; {type(source).__name__} lacks {missing}."
            " Build one with twin.PhysicalStandIn('pendulum')."
        )
    dof = getattr(source, "dof", None)
    if dof is None:
        dof = getattr(getattr(source, "robot", None), "dof", None)
    if dof is None:
        dof = len(source.measure().positions)  # type: ignore[attr-defined]
    return int(dof)


Feedback = Callable[[StateMeasurement], np.ndarray]


def record_trajectory(
    source: object,
    torques: np.ndarray | Sequence[Sequence[float]],
    *,
    link: InProcessLink | ImpairedLink | None = None,
    feedback: Feedback | None = None,
) -> Trajectory:
    """Drive ``source`` with ``torques`` (one row per time step, N m) and record what comes back.

    Each step: read the measurement, command ``torques[k]`` (plus ``feedback(measurement)`` if given),
    advance one time step. With a ``link``, measurements travel up and commands down through it; the
    recorded samples are then matched *by time stamp*: the received measurements are sorted by the time
    they were taken (jitter and reordering deliver them out of order), and each is paired with the command
    the twin sent at that measurement's time (synchronisation). Lost measurements leave gaps of whole
    time steps (``Trajectory.gaps()``, ``.missing``), which ``calibrate`` handles by starting a new shooting
    segment after each. A command delay or loss in the link cannot be seen this way: it shows up as
    latency, which calibration must identify.

    Args:
        source: anything with ``measure()``, ``apply(command)`` and ``step()``: a ``PhysicalStandIn``
            (noisy measurements of hidden true dynamics), a ``ProcessStandIn`` (the same in its own process,
            lock-step) or a real robot's adapter; or a ``SimulatedRobot`` (exact states).
        torques: (steps, joints) commanded torques.
        link: optional link with ``uplink`` and ``downlink`` channels (``InProcessLink``, ``ImpairedLink``);
            measurements still in flight at the end, or lost, are not recorded.
        feedback: optional function of the newest measurement received so far (largest time stamp, so it
            never goes back in time through a reordering link) returning extra torques, N m (e.g. a PD hold).

    Returns:
        A ``Trajectory`` with one sample per received measurement, and the source's time step as ``dt``.
    """
    dof = _dof_of(source)
    commands = np.asarray(torques, dtype=float)
    if commands.ndim == 1 and dof == 1:
        commands = commands[:, None]
    if commands.ndim != 2 or commands.shape[1] != dof:
        raise ValueError(f"torques must have shape (steps, {dof}) for this {dof}-joint robot, got {commands.shape}.")
    if not np.all(np.isfinite(commands)):
        raise ValueError("torques holds NaN or infinite values.")
    if len(commands) < MIN_SAMPLES:
        raise ValueError(f"Give at least {MIN_SAMPLES} rows of torques, got {len(commands)}.")
    plant: _Measurable = _ExactSensor(source) if isinstance(source, SimulatedRobot) else source  # type: ignore[assignment]

    sent_at: dict[float, np.ndarray] = {}  # command sent at each measurement time stamp
    samples: list[StateMeasurement] = []
    taken: list[float] = []  # time stamp of every measurement taken, s, before the link can lose any
    latest: StateMeasurement | None = None  # newest measurement received so far
    for k, planned in enumerate(commands):
        measurement = plant.measure()
        if link is None:
            received = [measurement]
        else:
            link.uplink.send(measurement, k)
            received = link.uplink.receive(k)
        samples.extend(received)
        for arrived in received:  # the newest by its own time stamp, not the last to arrive (links reorder)
            if latest is None or arrived.time > latest.time:
                latest = arrived
        tau = planned.copy()
        if feedback is not None and latest is not None:
            tau = tau + np.asarray(feedback(latest), dtype=float).reshape(dof)
        stamp = measurement.time
        taken.append(stamp)
        sent_at[round(stamp, 9)] = tau
        command = JointCommand(stamp, tau)
        if link is None:
            plant.apply(command)
        else:
            link.downlink.send(command, k)
            for delivered in link.downlink.receive(k):
                plant.apply(delivered)
        plant.step()
    # by the time each was taken, not by arrival; a duplicate (same stamp) is the same sample
    unique = {round(s.time, 9): s for s in samples}
    samples = [unique[stamp] for stamp in sorted(unique) if stamp in sent_at]
    if len(samples) < MIN_SAMPLES:
        raise ValueError(
            f"Only {len(samples)} measurements arrived through the link; record more steps than its delay."
        )
    return Trajectory(
        time=np.array([s.time for s in samples]),
        positions=np.array([s.positions for s in samples]),
        velocities=np.array([s.velocities for s in samples]),
        commands=np.array([sent_at[round(s.time, 9)] for s in samples]),
        dt=float(np.median(np.diff(taken))),  # from every step taken, so lost samples cannot skew it
    )


def excitation_torques(
    robot: str,
    steps: int,
    seed: int = 0,
    amplitude: float | Sequence[float] | None = None,
    *,
    time_step: float = DEFAULT_TIME_STEP,
    frequencies: tuple[float, float] = (0.3, 3.0),
    components: int = 6,
) -> np.ndarray:
    """A multisine excitation: a sum of sines at random phases, different on every joint.

    Rich excitation moves every joint through many speeds and accelerations, so that mass (which
    needs acceleration), damping (velocity) and friction (direction changes) all leave a trace.

    Args:
        robot: catalogue name, to know how many joints.
        steps: number of time steps.
        seed: seed of the random phases and frequencies.
        amplitude: peak torque per joint, N m (a number or one per joint); default 2 N m for the
            pendulum, 2 N/0.5 N m for the cartpole, 1 N m for the arm's joints.
        time_step: seconds per step.
        frequencies: lowest and highest frequency, Hz.
        components: sines per joint.

    Returns:
        (steps, joints) torques, N m.
    """
    if robot not in ROBOTS or not ROBOTS[robot].fixed_base:
        fixed = sorted(name for name, spec in ROBOTS.items() if spec.fixed_base)
        raise ValueError(f"robot={robot!r} is not a fixed-base catalogue robot; use one of {fixed}.")
    if not isinstance(steps, int | np.integer) or isinstance(steps, bool) or steps < MIN_SAMPLES:
        raise ValueError(f"steps={steps!r} must be an integer >= {MIN_SAMPLES}.")
    components = check_count("components", components, "sines per joint", low=1)
    time_step = check_number("time_step", time_step, "s", low=0, low_open=True, hint="seconds per step, e.g. 1/240")
    try:
        low, high = (float(f) for f in frequencies)  # type: ignore[union-attr]
    except (TypeError, ValueError):
        low = high = math.nan
    if not (0 < low < high and math.isfinite(high)):
        raise ValueError(f"frequencies={frequencies!r} must be (low, high) in Hz with 0 < low < high, e.g. (0.3, 3.0).")
    if high >= 0.5 / time_step:
        raise ValueError(
            f"The highest frequency {high} Hz must be below the Nyquist frequency {0.5 / time_step:g} Hz of "
            f"time_step={time_step:g} s (seconds per step, e.g. 1/240)."
        )
    if isinstance(seed, bool) or not isinstance(seed, Integral) or seed < 0:
        raise ValueError(f"seed={seed!r} must be a non-negative integer, for example 0.")
    joints = {"pendulum": 1, "cartpole": 2, "arm": 7}[robot]
    default = {"pendulum": [2.0], "cartpole": [2.0, 0.5], "arm": [1.0] * 7}[robot]
    peak = np.asarray(default if amplitude is None else amplitude, dtype=float)
    if peak.size not in (1, joints) or peak.ndim > 1:
        raise ValueError(
            f"amplitude={amplitude!r} has {peak.size} values; the {robot} has {joints} joints: give one peak torque "
            f"(N m, for every joint) or {joints}."
        )
    peak = np.broadcast_to(peak.reshape(-1), (joints,))
    if not np.all(np.isfinite(peak)) or np.any(peak < 0):
        raise ValueError(f"amplitude={amplitude!r} must be finite and >= 0 N m (one value or one per joint).")
    rng = np.random.default_rng(seed)
    t = np.arange(steps) * time_step
    torques = np.zeros((steps, joints))
    for j in range(joints):
        f = np.exp(rng.uniform(np.log(low), np.log(high), components))
        phase = rng.uniform(0, 2 * np.pi, components)
        signal = np.sin(2 * np.pi * f[None, :] * t[:, None] + phase[None, :]).sum(axis=1)
        torques[:, j] = peak[j] * signal / np.max(np.abs(signal))
    return torques
