"""The cell's physical stand-in, and the randomised twin that finds a safe grip before the robot drops anything.

``PhysicalCell(seed)`` is the same Panda at the same table, but its objects' masses and friction coefficients
are drawn from ``HIDDEN_REALITY`` (heavier and more slippery than the catalogue says, as a wet or oily part
would be), its arm's servos are softer (``HIDDEN_ARM_GAIN``), and all of it is kept hidden: a student's code
only sees what the robot's sensors report.

A grip force designed on the nominal model with a thin margin holds in the twin and slips on the robot. Two
ways to find that out first, in the twin:

- *randomise*: grasp many copies of the object whose mass and friction are drawn from ranges wide enough to
  cover reality (``ObjectRanges``), and raise the force until every copy holds (``randomised_grip_study``);
- *calibrate*: weigh the object with the wrist sensor and measure the force at which it starts to slip
  (``calibrate_object``), then design the grip on the calibrated model.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from twin.core.checks import check_count, check_seed
from twin.manipulation.cell import DEFAULT_OBJECTS, MAX_GRIP_FORCE, NOMINAL_ARM_GAIN, ManipulationCell, ObjectSpec
from twin.manipulation.grasp import (
    GRAVITY,
    GraspTrial,
    PickResult,
    grasp_and_lift,
    lift_acceleration,
    pick_and_place,
)
from twin.manipulation.wall_task import DRIFT, WallTask


@dataclass(frozen=True)
class ObjectRanges:
    """Scale factors applied to an object's catalogue mass and friction, each drawn uniformly from (low, high)."""

    mass_scale: tuple[float, float] = (0.8, 1.6)
    friction_scale: tuple[float, float] = (0.6, 1.1)

    def __post_init__(self) -> None:
        for name in ("mass_scale", "friction_scale"):
            low, high = getattr(self, name)
            if not (0 < low <= high):
                raise ValueError(f"{name}={getattr(self, name)!r} must be (low, high) with 0 < low <= high.")

    def sample(self, spec: ObjectSpec, rng: np.random.Generator) -> ObjectSpec:
        """One copy of ``spec`` with its mass and friction scaled by factors drawn from the ranges."""
        mass = spec.mass * rng.uniform(*self.mass_scale)
        friction = spec.friction * rng.uniform(*self.friction_scale)
        return spec.with_changes(mass=float(mass), friction=float(friction))


# The robot's objects are heavier (x1.3..1.5) and more slippery (x0.6..0.75) than the catalogue: inside the
# randomisation ranges of ``ObjectRanges()``, far from the nominal model.
HIDDEN_REALITY = ObjectRanges(mass_scale=(1.3, 1.5), friction_scale=(0.6, 0.75))
# Its joint servos are softer than the model's (gain 0.1): the arm lags its targets more.
HIDDEN_ARM_GAIN = (0.04, 0.07)


def _one_object_cell(spec: ObjectSpec, seed: int, arm_gain: float = NOMINAL_ARM_GAIN) -> ManipulationCell:
    return ManipulationCell([spec], seed=seed, arm_gain=arm_gain)


class PhysicalCell:
    """The physical robot's stand-in: the cell with hidden object masses and friction (drawn from
    ``seed``).

    It offers what a robot offers: run a grasp or a pick-and-place and get its sensor readings back, or open
    the cell (``open()``) for a controller to drive. ``reveal()`` is for the instructor's debrief.
    """

    def __init__(self, seed: int = 0, objects: Sequence[ObjectSpec] = DEFAULT_OBJECTS) -> None:
        seed = check_seed(seed)
        rng = np.random.default_rng(20_000 + seed)
        self._objects = tuple(HIDDEN_REALITY.sample(spec, rng) for spec in objects)
        self._arm_gain = float(rng.uniform(*HIDDEN_ARM_GAIN))
        self.seed = seed
        self.object_names = tuple(o.name for o in objects)

    def __repr__(self) -> str:
        return f"PhysicalCell(seed={self.seed}, objects={list(self.object_names)}, masses and friction hidden)"

    def _spec(self, name: str) -> ObjectSpec:
        for spec in self._objects:
            if spec.name == name:
                return spec
        raise KeyError(f"the robot's cell has no object {name!r}; it has {list(self.object_names)}.")

    def open(self) -> ManipulationCell:
        """The robot's cell, every object in place (use it in a ``with`` block)."""
        return ManipulationCell(self._objects, seed=1_000 + self.seed, arm_gain=self._arm_gain)

    def wall_task(self, drift: float = DRIFT) -> WallTask:
        """The over-the-wall task on the robot (its arm's hidden servo gain); use it in a ``with`` block."""
        return WallTask(arm_gain=self._arm_gain, seed=1_000 + self.seed, drift=drift)

    def grasp_and_lift(self, name: str, grip_force: float, *, expected_mass: float | None = None) -> GraspTrial:
        """Grasp and lift ``name`` with ``grip_force`` N per finger. ``expected_mass`` (kg) is what the slip
        detector compares the wrist load against: the robot only knows the model's mass (default: the catalogue's)."""
        spec = self._spec(name)
        if expected_mass is None:
            expected_mass = next(o.mass for o in DEFAULT_OBJECTS if o.name == name) if name in _CATALOGUE else 1.0
        with _one_object_cell(spec, 1_000 + self.seed, self._arm_gain) as cell:
            return grasp_and_lift(cell, name, grip_force, expected_mass=expected_mass)

    def pick_and_place(self, name: str, target: Sequence[float], grip_force: float = 20.0) -> PickResult:
        """Pick ``name`` and place it at ``target`` (x, y) m, in the robot's full cell."""
        with self.open() as cell:
            return pick_and_place(cell, name, target, grip_force=grip_force)

    def reveal(self) -> tuple[ObjectSpec, ...]:
        """The hidden object parameters (for the debrief, not for design)."""
        return self._objects

    def reveal_arm_gain(self) -> float:
        """The hidden servo gain of the robot's arm (the twin assumes 0.1)."""
        return self._arm_gain


_CATALOGUE = {o.name for o in DEFAULT_OBJECTS}


@dataclass(frozen=True)
class RandomisedGraspStudy:
    """For each candidate ``forces[i]`` (N per finger), the fraction of randomised objects held
    (``held_fraction[i]``); ``safe_force``: the smallest force that held every sample (NaN when none did)."""

    forces: np.ndarray
    held_fraction: np.ndarray
    samples: tuple[ObjectSpec, ...]

    @property
    def safe_force(self) -> float:
        ok = np.flatnonzero(self.held_fraction >= 1.0)
        return float(self.forces[ok[0]]) if ok.size else float("nan")


def randomised_grip_study(
    spec: ObjectSpec,
    forces: Sequence[float],
    *,
    ranges: ObjectRanges = ObjectRanges(),
    samples: int = 12,
    seed: int = 0,
    progress: Callable[[int, int], None] | None = None,
) -> RandomisedGraspStudy:
    """Grasp-and-lift ``samples`` randomised copies of ``spec`` at each force in ``forces`` (increasing; it
    stops at the first force that holds every copy) in the twin. ``progress(done, total)`` is called after each
    trial (a progress bar)."""
    samples = check_count("samples", samples, "randomised objects per force", low=1)
    forces = np.asarray(sorted(float(f) for f in forces))
    if forces.size == 0 or forces[0] <= 0 or forces[-1] > MAX_GRIP_FORCE:
        raise ValueError(f"forces must be a non-empty list in (0, {MAX_GRIP_FORCE:g}] N per finger.")
    rng = np.random.default_rng(seed)
    copies = tuple(ranges.sample(spec, rng) for _ in range(samples))
    fractions = np.full(forces.size, np.nan)
    done, total = 0, forces.size * samples
    for i, force in enumerate(forces):
        held = 0
        for copy in copies:
            with _one_object_cell(copy, seed) as cell:
                held += grasp_and_lift(cell, copy.name, float(force)).held
            done += 1
            if progress is not None:
                progress(done, total)
        fractions[i] = held / samples
        if held == samples:
            if progress is not None:
                progress(total, total)
            break
    return RandomisedGraspStudy(forces, fractions, copies)


@dataclass(frozen=True)
class Calibration:
    """What the robot measured about one object: ``mass`` (kg, weighed by the wrist sensor) and ``friction``
    (mu = m (g + a) / (2 N) at the smallest force ``slip_force`` N that still held)."""

    mass: float
    friction: float
    slip_force: float


def calibrate_object(grasp: Callable[[float], GraspTrial], forces: Sequence[float] | None = None) -> Calibration:
    """Weigh the object with a firm grip (the first, largest force), then lower the grip force until it slips.

    Holding at N means 2 mu N >= m (g + a) with a the lift's peak acceleration (measured from the hand's
    path), so the last force that held gives mu ~ m (g + a) / (2 N): an estimate on the safe side (the true
    slip force lies between it and the next smaller force; pybullet's friction model adds a few per cent).
    ``grasp(force)`` runs one grasp-and-lift on the robot; ``forces`` defaults to 40 N down to 2 N in steps of 15 %."""
    if forces is None:
        forces = 40.0 * 0.85 ** np.arange(19)
    forces = sorted((float(f) for f in forces), reverse=True)
    last = grasp(forces[0])
    if not last.held:
        raise RuntimeError(f"even {forces[0]:g} N per finger did not hold the object: it is too heavy to weigh.")
    mass = last.measured_mass
    for force in forces[1:]:
        trial = grasp(force)
        if not trial.held:
            break
        last = trial
    lift = GRAVITY + lift_acceleration(last.trace)  # as measured: a soft arm lifts more gently than commanded
    return Calibration(mass, mass * lift / (2 * last.grip_force), last.grip_force)
