"""Checks for notebook 13's exercise: the numbers behind the two miniatures of published sim-to-real techniques.

Each check calls the student's function on cases the student never sees, chosen so that the usual slips (the
fraction left instead of the fraction removed, percent for a fraction, floor for round, milliseconds for seconds, a
normal-approximation interval for Wilson's) give a different answer from the right one.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

from twin.actuators import ActuatorModel, ActuatorParameters
from twin.analytics.statistics import wilson_interval
from twin.course.checks import CheckResult, _call, _is_number

# (RMSE before, RMSE after) per held-out motion, rad: unequal motions, so the mean of ratios differs from the
# ratio of means, and an improvement far from 50 %, so "left" and "removed" differ
GAP_CASES = (
    ((0.20, 0.10), (0.02, 0.03)),
    ((0.3, 0.1, 0.05), (0.03, 0.02, 0.025)),
    ((0.12,), (0.09,)),
)
# (latency s, time step s): fractional step counts that round up, round down, land near a whole number, or vanish
LATENCY_CASES = (
    (0.040, 1 / 240),
    (0.015, 1 / 240),
    (0.0125, 1 / 240),
    (0.004, 1 / 240),
    (0.001, 1 / 240),
    (0.03, 1e-3),
)
# (successes, trials): a middle rate, the edges (where the normal approximation collapses), a small sample
INTERVAL_CASES = ((37, 40), (0, 10), (10, 10), (15, 40), (3, 7))


def reference_gap_closed(before: np.ndarray, after: np.ndarray) -> float:
    """The fraction of the mean error that a correction removes: 1 - mean(after) / mean(before)."""
    return 1.0 - float(np.mean(after) / np.mean(before))


def reference_latency_steps(latency: float, time_step: float) -> int:
    """The whole number of simulation steps the kit applies a latency as (``ActuatorModel`` rounds)."""
    return ActuatorModel(ActuatorParameters(latency=latency), 1, time_step).latency_steps


def check_gap_closed(gap_closed: Callable[[np.ndarray, np.ndarray], float]) -> CheckResult:
    """Pass when ``gap_closed(before, after)`` returns 1 - mean(after)/mean(before) on every hidden case."""
    name = "How much of the gap does the actuator network close?"
    for before, after in GAP_CASES:
        b, a = np.array(before), np.array(after)
        answer, failed = _call(name, gap_closed, b.copy(), a.copy())
        if failed is not None:
            return failed
        if not _is_number(answer) or not math.isfinite(answer):
            return CheckResult(name, False, f"Return one number, a fraction such as 0.8 (got {answer!r}).")
        right = reference_gap_closed(b, a)
        if math.isclose(answer, right, abs_tol=1e-9):
            continue
        hint = "Not quite."
        if math.isclose(answer, 100 * right, rel_tol=1e-6):
            hint = "That is a percentage; return the fraction (0..1)."
        elif math.isclose(answer, 1 - right, abs_tol=1e-9):
            hint = "That is the fraction of the error that is *left*; the question asks for the part removed."
        elif math.isclose(answer, 1 - float(np.mean(a / b)), abs_tol=1e-9):
            hint = "You averaged each motion's ratio; compare the mean errors (1 - mean(after)/mean(before))."
        elif math.isclose(answer, float(np.mean(b) - np.mean(a)), abs_tol=1e-9):
            hint = "That is the error removed in rad; divide by the error before to make it a fraction."
        return CheckResult(name, False, f"For errors before {before} and after {after} rad: got {answer:.4g}. {hint}")
    return CheckResult(name, True, "1 - mean(after)/mean(before) on every hidden case.")


def check_latency_steps(latency_steps: Callable[[float, float], int]) -> CheckResult:
    """Pass when ``latency_steps(latency, time_step)`` gives the whole steps the kit applies, on every hidden case."""
    name = "A latency in whole simulation steps"
    for latency, time_step in LATENCY_CASES:
        answer, failed = _call(name, latency_steps, latency, time_step)
        if failed is not None:
            return failed
        if not _is_number(answer):
            return CheckResult(name, False, f"Return one whole number of steps, such as 3 (got {answer!r}).")
        right = reference_latency_steps(latency, time_step)
        if answer == right and float(answer).is_integer():
            continue
        exact = latency / time_step
        hint = "Not quite."
        if not float(answer).is_integer() and math.isclose(answer, exact, rel_tol=1e-9):
            hint = "A simulator steps in whole steps: round the number of steps to the nearest whole one."
        elif answer == math.floor(exact):
            hint = "Rounding down loses up to a whole step; the kit rounds to the nearest step."
        elif answer == math.ceil(exact):
            hint = "Rounding up adds up to a whole step; the kit rounds to the nearest step."
        elif math.isclose(answer, round(1000 * latency / time_step), rel_tol=1e-9) or math.isclose(
            answer, 1000 * exact, rel_tol=1e-9
        ):
            hint = "Both times are in seconds; a factor of 1000 crept in."
        return CheckResult(
            name, False, f"For {1000 * latency:g} ms at steps of {time_step:.6g} s: got {answer!r}, not {right}. {hint}"
        )
    return CheckResult(name, True, "the nearest whole number of steps, as the stand-in's actuator applies it.")


def check_success_interval(success_interval: Callable[[int, int], tuple[float, float]]) -> CheckResult:
    """Pass when ``success_interval(successes, trials)`` returns the 95 % Wilson interval (low, high) as fractions."""
    name = "A success rate with its 95 % interval"
    for successes, trials in INTERVAL_CASES:
        answer, failed = _call(name, success_interval, successes, trials)
        if failed is not None:
            return failed
        if not isinstance(answer, tuple | list | np.ndarray) or len(answer) != 2 or not all(map(_is_number, answer)):
            return CheckResult(name, False, f"Return two numbers, (low, high), such as (0.8, 0.97) (got {answer!r}).")
        low, high = (float(v) for v in answer)
        right = wilson_interval(successes, trials)
        if math.isclose(low, right[0], abs_tol=1e-3) and math.isclose(high, right[1], abs_tol=1e-3):
            continue
        where = f"For {successes} successes in {trials} trials: got ({low:.3f}, {high:.3f})."
        p = successes / trials
        wald = 1.96 * math.sqrt(p * (1 - p) / trials)
        if high < low:
            hint = "Give the lower bound first: (low, high)."
        elif math.isclose(high, 100 * right[1], rel_tol=1e-3):
            hint = "Those are percentages; return fractions (0..1)."
        elif math.isclose(low, max(0.0, p - wald), abs_tol=1e-3) and math.isclose(
            high, min(1.0, p + wald), abs_tol=1e-3
        ):
            hint = (
                "That is the normal approximation p +- 1.96 sqrt(p(1-p)/n): at 0 or all successes it shrinks to a "
                "point. Use Wilson's score interval (twin.analytics.statistics.wilson_interval)."
            )
        elif math.isclose(low, wilson_interval(successes, trials, 0.9)[0], abs_tol=1e-3):
            hint = "That is a 90 % interval; the question asks for 95 %."
        else:
            hint = "Use Wilson's score interval at 95 % confidence."
        return CheckResult(name, False, f"{where} {hint}")
    return CheckResult(name, True, "Wilson's 95 % interval on every hidden count, the edges included.")
