"""Check for notebook 11's exercise: a grip force chosen from measured mass and friction, judged by grasping
hidden objects in the twin (their true mass and friction differ from the measured ones by up to 10 %)."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from twin.course.checks import CheckResult, _call
from twin.manipulation.cell import MAX_GRIP_FORCE, ManipulationCell, ObjectSpec
from twin.manipulation.grasp import GRAVITY, LIFT_HEIGHT, grasp_and_lift, peak_acceleration

MEASUREMENT_ERROR = 0.10  # the measured mass and friction are within 10 % of the truth
MAX_OVERGRIP = 2.5  # more than this times the true minimum force squeezes a fragile part too hard


@dataclass(frozen=True)
class HiddenObject:
    """An object the check grasps: its truth (``spec``), what the student is told (``measured_mass`` kg,
    ``measured_friction``) and the lift's duration ``lift_time`` (s), which sets its peak acceleration."""

    spec: ObjectSpec
    measured_mass: float
    measured_friction: float
    lift_time: float

    @property
    def acceleration(self) -> float:
        return peak_acceleration(LIFT_HEIGHT, self.lift_time)

    @property
    def minimum_force(self) -> float:
        """N per finger that just holds the true object: m (g + a) / (2 mu)."""
        return self.spec.mass * (GRAVITY + self.acceleration) / (2 * self.spec.friction)


HIDDEN_OBJECTS = (
    # heavier and more slippery than measured, lifted fast: the margin must cover both and the acceleration
    HiddenObject(ObjectSpec("bolt_box", (0.05, 0.05, 0.05), 0.6, 0.4, (0.5, 0.0)), 0.55, 0.44, 0.42),
    # measured exactly, lifted gently
    HiddenObject(ObjectSpec("spice_jar", (0.04, 0.04, 0.04), 0.2, 0.7, (0.45, 0.1)), 0.2, 0.7, 0.8),
    # lighter and grippier than measured: an honest margin must not become a crushing grip
    HiddenObject(ObjectSpec("brick", (0.06, 0.06, 0.06), 1.2, 0.5, (0.5, -0.1)), 1.3, 0.46, 0.8),
    # the irregular block, slippery, lifted fast
    HiddenObject(ObjectSpec("bracket", (0.12, 0.04, 0.05), 0.35, 0.3, (0.55, 0.0), shape="L"), 0.32, 0.33, 0.42),
)


def check_grip_force(
    grip_force: Callable[[float, float, float], float], objects: Sequence[HiddenObject] = HIDDEN_OBJECTS
) -> CheckResult:
    """Pass when ``grip_force(mass, friction, acceleration)`` (kg, coefficient, m/s^2 -> N per finger), given
    the measured values, holds every hidden object in the twin without squeezing more than 2.5 times the true
    minimum and within the gripper's 70 N. An instructor may pass ``objects`` of their own."""
    name = "A grip force with a safety margin"
    if not objects:
        raise ValueError("objects must name at least one HiddenObject to grasp.")
    problems = []
    for hidden in objects:
        label = hidden.spec.name
        answer, failed = _call(name, grip_force, hidden.measured_mass, hidden.measured_friction, hidden.acceleration)
        if failed is not None:
            return failed
        try:
            force = float(answer)  # type: ignore[arg-type]
        except (TypeError, ValueError):
            return CheckResult(name, False, f"Return one number, the force per finger in N; got {answer!r}.")
        if not math.isfinite(force) or force <= 0:
            return CheckResult(name, False, f"For {label} your force is {force!r}: it must be a positive number of N.")
        if force > MAX_GRIP_FORCE:
            problems.append(
                f"{label}: {force:.0f} N is more than the gripper's {MAX_GRIP_FORCE:.0f} N per finger (is the mass "
                "in kg, not g?)"
            )
            continue
        with ManipulationCell([hidden.spec], seed=7) as cell:
            trial = grasp_and_lift(cell, label, force, lift_time=hidden.lift_time)
        ratio = force / hidden.minimum_force
        if not trial.held:
            problems.append(
                f"{label} (measured {hidden.measured_mass} kg, friction {hidden.measured_friction}, lifted at "
                f"{hidden.acceleration:.1f} m/s^2) slipped out at {force:.2f} N per finger: the true object needs "
                f"more. Two pads share the load, the lift adds m a to m g, and the measurements can be 10 % off."
            )
        elif ratio > MAX_OVERGRIP:
            problems.append(
                f"{label} held, but at {force:.1f} N, {ratio:.1f} times what it needs: that crushes a fragile part. "
                "Both fingers carry the object (divide by 2), and a margin of 1.3 to 2 is plenty here."
            )
    if problems:
        return CheckResult(name, False, " ".join(problems))
    return CheckResult(name, True, f"All {len(objects)} hidden objects held, none squeezed too hard.")
