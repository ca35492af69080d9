"""Autograded checks for chapter 5 (operation): a CUSUM threshold from a false-alarm budget, the C-MAPSS score.

Each check calls the student's function, never raises because of it, and never prints the answer.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

from twin.analytics.anomaly import average_run_length
from twin.analytics.maintenance import cmapss_score
from twin.course.checks import CheckResult, _call, _is_number

# -- exercise 1: choose h from a false-alarm budget ---------------------------------------------------
THRESHOLD_CASES = ((0.5, 1000.0), (0.5, 240 * 60.0), (1.0, 5000.0), (0.25, 300.0))
THRESHOLD_TOLERANCE = 0.05  # sigma: answers within this of the smallest valid h pass


def reference_cusum_threshold(drift: float, false_alarm_samples: float) -> float:
    """Smallest h (to 0.01 sigma) whose two-sided false-alarm run length ARL(0)/2 is at least the budget."""
    low, high = 0.01, 1.0
    while average_run_length(0.0, drift, high) / 2 < false_alarm_samples:
        high *= 2
    while high - low > 1e-4:
        middle = (low + high) / 2
        too_often = average_run_length(0.0, drift, middle) / 2 < false_alarm_samples
        low, high = (middle, high) if too_often else (low, middle)
    return high


def check_cusum_threshold(cusum_threshold: Callable[[float, float], float]) -> CheckResult:
    """The student's ``cusum_threshold(drift, false_alarm_samples)`` against the smallest valid h."""
    name = "Exercise 1: CUSUM threshold from a false-alarm budget"
    for drift, budget in THRESHOLD_CASES:
        got, failure = _call(name, cusum_threshold, drift, budget)
        if failure is not None:
            return failure
        if not _is_number(got) or not math.isfinite(got):
            return CheckResult(name, False, f"Return one finite number (h in sigmas); got {got!r}.")
        want = reference_cusum_threshold(drift, budget)
        achieved = average_run_length(0.0, drift, float(got)) / 2 if got > 0 else 0.0
        if got < want - THRESHOLD_TOLERANCE:
            hint = (
                " Did you use the one-sided ARL? The detector watches rises *and* falls, so its false alarms "
                "come twice as often: ARL(0)/2."
                if average_run_length(0.0, drift, float(got)) >= budget * 0.999 and got > 0
                else ""
            )
            return CheckResult(
                name,
                False,
                f"With drift k={drift} and a budget of one false alarm per {budget:.0f} samples, your h={got:.3g} "
                f"gives a false alarm every {achieved:.0f} samples: too often.{hint}",
            )
        if got > want + THRESHOLD_TOLERANCE:
            return CheckResult(
                name,
                False,
                f"With drift k={drift} and a budget of {budget:.0f} samples, h={got:.3g} is safe but larger than "
                "needed (every extra sigma of h delays detection). Find the *smallest* h that meets the budget, "
                "to 0.05 sigma.",
            )
    return CheckResult(name, True, "Right: the smallest threshold that keeps false alarms within the budget.")


# -- exercise 2: the C-MAPSS score ----------------------------------------------------------------------
SCORE_CASES = (
    (np.array([10.0]), np.array([10.0])),
    (np.array([0.0]), np.array([13.0])),
    (np.array([30.0]), np.array([20.0])),
    (np.array([5.0, 40.0, 22.0]), np.array([10.0, 30.0, 22.0])),
)


def check_cmapss_score(score: Callable[[np.ndarray, np.ndarray], float]) -> CheckResult:
    """The student's ``score(predicted_rul, true_rul)`` (summed over units) against C-MAPSS's definition."""
    name = "Exercise 2: the C-MAPSS score"
    for predicted, true in SCORE_CASES:
        got, failure = _call(name, score, predicted.copy(), true.copy())
        if failure is not None:
            return failure
        try:
            value = float(got)  # type: ignore[arg-type]
        except (TypeError, ValueError):
            return CheckResult(name, False, f"Return one number, the score summed over all units; got {got!r}.")
        want = cmapss_score(predicted, true)
        if math.isfinite(value) and math.isclose(value, want, rel_tol=1e-6, abs_tol=1e-9):
            continue
        d = predicted - true
        swapped = float(np.sum(np.where(d > 0, np.exp(d / 13) - 1, np.exp(-d / 10) - 1)))
        per_unit_mean = want / d.size
        if math.isclose(value, swapped, rel_tol=1e-6) and not math.isclose(swapped, want):
            hint = "Early and late are swapped: d = predicted - true; late (d > 0) is the costly side, scale 10."
        elif d.size > 1 and math.isclose(value, per_unit_mean, rel_tol=1e-6):
            hint = "C-MAPSS *sums* the score over units; you returned the mean."
        elif np.all(d == 0):
            hint = "A perfect prediction (d = 0) must score exactly 0."
        else:
            hint = (
                "Check the two branches: exp(-d/13) - 1 when d < 0, exp(d/10) - 1 when d >= 0, "
                "with d = predicted - true."
            )
        return CheckResult(
            name,
            False,
            f"For predicted {predicted.tolist()} and true {true.tolist()} your score is {value:.4g}. {hint}",
        )
    return CheckResult(name, True, "Right: late predictions cost more than early ones, as they should.")
