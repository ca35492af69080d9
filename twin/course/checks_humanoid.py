"""Autograded checks for chapter 09 (humanoid balance). Same verdict for the student and the grader.

Exercise 1: the capture point xi = x + xdot / omega, omega = sqrt(g / z_c), from a measured CoM state.
Exercise 2: is a push recoverable by the ankles alone? Yes when the capture point lies between heel and toe.
"""

from __future__ import annotations

import math
from collections.abc import Callable

from twin.course.checks import CheckResult, _call
from twin.humanoid.lipm import STANDARD_GRAVITY

# (CoM x m, CoM velocity m/s, CoM height m): forward and backward motion, tall and short robots, at rest
_STATES: tuple[tuple[float, float, float], ...] = (
    (0.02, 0.30, 0.90),
    (-0.01, -0.25, 0.80),
    (0.00, 0.50, 0.45),
    (0.05, 0.00, 1.00),
    (0.03, -0.10, 0.25),
)


def reference_capture_point(com_x: float, com_velocity_x: float, com_height: float) -> float:
    """xi = x + xdot / sqrt(g / z_c), in m."""
    return com_x + com_velocity_x / math.sqrt(STANDARD_GRAVITY / com_height)


def _capture_point_hint(com_x: float, v: float, z: float, answer: float) -> str:
    omega = math.sqrt(STANDARD_GRAVITY / z)
    guesses = {
        "subtracted the velocity term (xi = x - xdot / omega)": com_x - v / omega,
        "multiplied by omega instead of dividing (xdot * omega)": com_x + v * omega,
        "divided by omega squared (g / z_c, the square root left out) instead of omega": com_x + v / omega**2,
        "left out the CoM position itself (xdot / omega only)": v / omega,
        "used the time constant twice (2 xdot / omega)": com_x + 2 * v / omega,
    }
    for why, value in guesses.items():
        if math.isclose(answer, value, rel_tol=1e-3, abs_tol=1e-6):
            return f"It looks as if you {why}."
    return "xi = x + xdot / omega with omega = sqrt(g / z_c) (g = 9.81 m/s^2): a time constant of about 0.3 s."


def check_capture_point(capture_point_x: Callable[[float, float, float], float]) -> CheckResult:
    """Checks ``capture_point_x(com_x_m, com_velocity_m_s, com_height_m) -> xi (m)`` within 0.1 mm."""
    name = "Exercise 1: the capture point"
    for com_x, v, z in _STATES:
        answer, failure = _call(name, capture_point_x, com_x, v, z)
        if failure is not None:
            return failure
        if isinstance(answer, bool) or not isinstance(answer, int | float) or not math.isfinite(answer):
            return CheckResult(name, False, f"Return the capture point as a number in m; got {answer!r}.")
        right = reference_capture_point(com_x, v, z)
        if abs(answer - right) > 1e-4:
            return CheckResult(
                name,
                False,
                f"For a CoM at {com_x} m moving at {v} m/s, {z} m high, you said {answer:.4f} m; expected "
                f"{right:.4f} m. {_capture_point_hint(com_x, v, z, answer)}",
            )
    return CheckResult(name, True, f"Right on all {len(_STATES)} states, forwards, backwards and at rest.")


# (com x, velocity, height, heel x, toe x): foot from heel to toe, in m
_PUSHES: tuple[tuple[str, tuple[float, float, float, float, float]], ...] = (
    ("a small push forward", (0.0, 0.10, 0.90, -0.05, 0.13)),
    ("a large push forward", (0.0, 0.50, 0.90, -0.05, 0.13)),
    ("a push backward past the heel", (0.0, -0.25, 0.90, -0.05, 0.13)),
    ("a small push backward", (0.0, -0.10, 0.90, -0.05, 0.13)),
    ("a CoM still inside the foot but moving fast forward", (0.10, 0.20, 0.90, -0.05, 0.13)),
    ("a CoM ahead of the toe but moving back fast enough", (0.15, -0.20, 0.90, -0.05, 0.13)),
    ("a robot standing still with its CoM exactly over the toe", (0.13, 0.0, 0.90, -0.05, 0.13)),
)


def reference_recoverable(com_x: float, v: float, z: float, heel_x: float, toe_x: float) -> bool:
    """The ankles can stop the robot when heel <= xi <= toe (the CoP may sit anywhere on the sole, edges too)."""
    xi = reference_capture_point(com_x, v, z)
    return heel_x <= xi <= toe_x


def check_recoverable(recoverable: Callable[[float, float, float, float, float], bool]) -> CheckResult:
    """Checks ``recoverable(com_x, com_velocity, com_height, heel_x, toe_x) -> bool`` on seven pushes."""
    name = "Exercise 2: can the ankles stop this push?"
    for label, case in _PUSHES:
        answer, failure = _call(name, recoverable, *case)
        if failure is not None:
            return failure
        if not isinstance(answer, bool):
            return CheckResult(name, False, f"Return True or False; for {label} you returned {answer!r}.")
        right = reference_recoverable(*case)
        if answer != right:
            com_x, v, z, heel, toe = case
            xi = reference_capture_point(com_x, v, z)
            return CheckResult(
                name,
                False,
                f"For {label} (CoM {com_x} m, {v} m/s, {z} m high; foot from {heel} to {toe} m) you said "
                f"{answer}, but the capture point is at {xi:.3f} m, so the answer is {right}. Judge the capture "
                "point, not the CoM, against both ends of the foot; a point on the edge still counts as inside.",
            )
    return CheckResult(name, True, f"Right on all {len(_PUSHES)} pushes.")


# -- exercise 2, on the robot ------------------------------------------------------------------------
ROBOT_IMPULSES = (2.0, 4.0, 6.0, 8.0, 10.0)  # N s, backwards at the chest, joint PD only, robot seed 0


def robot_cases(impulses: tuple[float, ...] = ROBOT_IMPULSES) -> list[tuple[float, tuple[float, ...], bool]]:
    """For each backward push: its impulse (N s); (com_x, com_velocity_x, com_height, heel_x, toe_x) as the twin
    estimated them when the push ended; and whether the robot then stood."""
    from twin.humanoid.experiments import state_after_push

    cases = []
    for impulse in impulses:
        s = state_after_push(impulse, 180.0, seed=0)
        xs = s.support_polygon[:, 0]
        state = (float(s.com[0]), float(s.com_velocity[0]), float(s.com[2]), float(xs.min()), float(xs.max()))
        cases.append((float(impulse), state, s.survived))
    return cases


def check_recoverable_on_the_robot(
    recoverable: Callable[[float, float, float, float, float], bool],
    cases: list[tuple[float, tuple[float, ...], bool]],
) -> CheckResult:
    """Your predictions on the humanoid, pushed backwards: the check wants the LIPM's verdict on each estimated
    state (what the exercise asks), and reports how often that verdict matched what the robot did."""
    name = "Exercise 2 on the robot: predict the pushes"
    lines, matched = [], 0
    for impulse, state, stood in cases:
        answer, failure = _call(name, recoverable, *state)
        if failure is not None:
            return failure
        right = reference_recoverable(*state)
        if answer != right:
            return CheckResult(
                name,
                False,
                f"For the {impulse:g} N s push you said {answer!r}; the LIPM says {right}. Pass exercise 2 first.",
            )
        matched += answer == stood
        lines.append(
            f"{impulse:g} N s: predicted {'stands' if answer else 'falls'}, robot {'stood' if stood else 'fell'}"
        )
    return CheckResult(
        name,
        True,
        f"The LIPM's verdict matched the robot on {matched} of {len(cases)} pushes. " + "; ".join(lines) + ".",
    )
