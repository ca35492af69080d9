"""Autograded checks for chapter 08 (computational requirements). Same verdict for the student and the grader.

Exercise 1: choose the cheapest simulation setting whose error meets a bound.
Exercise 2: predict a fleet's speed-up on W workers from the measured cost of one robot.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

from twin.course.checks import CheckResult, _call
from twin.fleet.fidelity import FidelityPoint, Setting, cheapest_meeting


# -- exercise 1 ------------------------------------------------------------------------------------
def _points(*error_cost: tuple[float, float]) -> list[FidelityPoint]:
    steps = (1 / 100, 1 / 200, 1 / 400, 1 / 800, 1 / 1600)
    return [
        FidelityPoint(Setting(steps[i % 5], 2 + 10 * (i // 5)), error, cost)
        for i, (error, cost) in enumerate(error_cost)
    ]


_SETTING_CASES: tuple[tuple[str, list[FidelityPoint], float], ...] = (
    ("the cheapest is too coarse", _points((0.02, 1.0), (0.004, 2.0), (0.001, 8.0)), 0.005),
    ("the bound is met exactly", _points((0.005, 1.0), (0.001, 3.0)), 0.005),
    ("the most accurate is not the cheapest", _points((0.03, 1.0), (0.002, 6.0), (0.0001, 9.0), (0.003, 4.0)), 0.004),
    ("listed out of order", _points((0.001, 9.0), (0.05, 0.5), (0.009, 2.0), (0.02, 1.0)), 0.01),
)


def check_cheapest_setting(
    choose: Callable[[Sequence[FidelityPoint], float], FidelityPoint], points: Sequence[FidelityPoint], bound: float
) -> CheckResult:
    """Checks ``choose(points, max_error) -> FidelityPoint`` on your sweep and on made-up ones."""
    name = "Exercise 1: the cheapest setting within the error bound"
    cases = [("your sweep", list(points), bound), *_SETTING_CASES]
    for label, case, max_error in cases:
        answer, failure = _call(name, choose, case, max_error)
        if failure is not None:
            return failure
        if not isinstance(answer, FidelityPoint):
            return CheckResult(name, False, f"Return one of the FidelityPoint objects you were given; got {answer!r}.")
        right = cheapest_meeting(case, max_error)
        if answer.error > max_error:
            return CheckResult(
                name,
                False,
                f"On {label}: {answer.setting} leaves {answer.error:.3g} m, more than the bound {max_error:.3g} m. "
                "Keep only the settings whose error is within the bound (<=) first.",
            )
        if answer.cost > right.cost:
            return CheckResult(
                name,
                False,
                f"On {label}: {answer.setting} meets the bound but costs {answer.cost:.3g}; "
                f"{right.setting} meets it for {right.cost:.3g}. Among those that meet it, take the cheapest.",
            )
    return CheckResult(name, True, f"Right on your sweep and {len(_SETTING_CASES)} more cases.")


# -- exercise 2 ------------------------------------------------------------------------------------
def reference_speedup(per_robot: float, robots: int, workers: int, startup: float) -> float:
    """Serial time over parallel time: robots run in ceil(robots / workers) rounds after ``startup`` s."""
    serial = robots * per_robot
    parallel = startup + math.ceil(robots / workers) * per_robot
    return serial / parallel


_SPEEDUP_CASES: tuple[tuple[float, int, int, float], ...] = (
    (0.5, 16, 2, 0.0),
    (0.5, 16, 4, 1.0),
    (0.5, 10, 4, 0.0),  # 3 rounds, not 2.5: the last round is partly idle
    (2.0, 3, 8, 0.5),  # more workers than robots
    (0.05, 100, 10, 2.0),  # start-up dominates
)


def check_speedup_prediction(predict: Callable[[float, int, int, float], float]) -> CheckResult:
    """Checks ``predict(per_robot_s, robots, workers, startup_s) -> speed-up`` within 1 %."""
    name = "Exercise 2: predict the fleet's speed-up"
    for case in _SPEEDUP_CASES:
        answer, failure = _call(name, predict, *case)
        if failure is not None:
            return failure
        if not isinstance(answer, int | float) or isinstance(answer, bool) or not math.isfinite(answer):
            return CheckResult(name, False, f"Return the speed-up as a number; got {answer!r}.")
        right = reference_speedup(*case)
        if abs(answer - right) > 0.01 * right:
            per_robot, robots, workers, startup = case
            hint = "Serial time is robots x cost; parallel time is the start-up plus the number of rounds x cost."
            if robots % workers:
                hint += f" {robots} robots on {workers} workers take {math.ceil(robots / workers)} rounds."
            if workers > robots:
                hint += " Workers beyond the number of robots have nothing to do."
            return CheckResult(
                name,
                False,
                f"For {robots} robots of {per_robot} s on {workers} workers with {startup} s start-up you said "
                f"{answer:.3g}; expected {right:.3g}. {hint}",
            )
    return CheckResult(name, True, f"Right on all {len(_SPEEDUP_CASES)} fleets.")
