"""The risk exercises' checks (notebook 13) pass the model answers and reject what students plausibly write."""

from __future__ import annotations

import numpy as np
import pytest

from twin.course.checks_risks import (
    DAMPING_GRID,
    check_outside_envelope,
    check_refined_damping,
    check_watchdog_timeout,
)
from twin.studies.risks import CONTROL_PERIOD, SETTLED, hold_error


def _not_answered() -> float:
    raise NotImplementedError("Your turn: replace this line with your answer.")


# -- damping tuned with a finer time step ------------------------------------------------------------------------
def _least_settled(kp: float, refinements: tuple[int, ...]) -> float:
    for kd in DAMPING_GRID:
        if all(hold_error(kp, float(kd), s) < SETTLED for s in refinements):
            return float(kd)
    raise AssertionError("nothing settles")


def test_damping_tuned_at_every_refinement_passes() -> None:
    result = check_refined_damping(lambda kp: _least_settled(kp, (1, 2, 4, 8)))
    assert result.passed, result.message


@pytest.mark.parametrize(
    ("answer", "hint"),
    [
        (lambda kp: _least_settled(kp, (1,)), "Tune at every refinement"),  # the artefact: tuned on the coarse twin
        (lambda kp: kp * CONTROL_PERIOD / 2, "edge"),  # the theory's boundary itself: barely decays
        (lambda kp: kp * CONTROL_PERIOD, "least damping"),  # a factor 2 of margin: overdamped
        (lambda kp: 1000 * kp * CONTROL_PERIOD / 2, "off after 2 s"),  # T in ms: the twin itself blows up
        (lambda kp: 30.0, "least damping"),  # damp everything heavily
        (lambda kp: -3.0, ">= 0"),
        (lambda kp: "9.5", "one number"),
        (lambda kp: True, "one number"),
    ],
)
def test_wrong_damping_is_rejected_with_a_hint(answer, hint: str) -> None:
    result = check_refined_damping(answer)
    assert not result.passed
    assert hint in result.message


def test_an_unanswered_damping_says_so() -> None:
    result = check_refined_damping(lambda kp: _not_answered())
    assert not result.passed and result.message.startswith("Not answered yet")


# -- flag queries outside the envelope ---------------------------------------------------------------------------
def _right(low: np.ndarray, high: np.ndarray, samples: np.ndarray) -> np.ndarray:
    return np.any((samples < low) | (samples > high), axis=1)


def test_the_right_envelope_flags_pass() -> None:
    assert check_outside_envelope(_right).passed
    as_list = check_outside_envelope(lambda lo, hi, x: [bool(v) for v in _right(lo, hi, x)])
    assert as_list.passed, as_list.message


@pytest.mark.parametrize(
    ("answer", "hint"),
    [
        (lambda lo, hi, x: np.all((x < lo) | (x > hi), axis=1), "one channel outside is enough"),
        (lambda lo, hi, x: (x[:, 2] < lo[2]) | (x[:, 2] > hi[2]), "speed 2 > high 1.6"),  # torque only
        (lambda lo, hi, x: np.any((x <= lo) | (x >= hi), axis=1), "boundary"),  # strict: the boundary is outside
        (lambda lo, hi, x: np.any(np.abs(x) > hi, axis=1), "compare with each bound"),  # |x| against high
        (lambda lo, hi, x: np.any(np.abs(x) > np.maximum(-lo, hi), axis=1), "speed -1.6 < low -1.5"),  # symmetric
        (lambda lo, hi, x: ~_right(lo, hi, x), "flagged True, expected False"),  # flags the inside
        (lambda lo, hi, x: bool(np.any(_right(lo, hi, x))), "one True/False per sample"),
        (lambda lo, hi, x: _right(lo, hi, x).astype(int), "boolean array"),
    ],
)
def test_wrong_envelope_flags_are_rejected_with_a_hint(answer, hint: str) -> None:
    result = check_outside_envelope(answer)
    assert not result.passed
    assert hint in result.message


def test_an_unanswered_envelope_says_so() -> None:
    result = check_outside_envelope(lambda lo, hi, x: _not_answered())
    assert result.message.startswith("Not answered yet")


# -- a watchdog timeout ------------------------------------------------------------------------------------------
@pytest.mark.parametrize("timeout", [0.08, 0.1, 0.15])
def test_a_timeout_above_the_healthy_ages_passes(timeout: float) -> None:
    result = check_watchdog_timeout(lambda: timeout)
    assert result.passed, result.message


@pytest.mark.parametrize(
    ("timeout", "hint"),
    [
        (0.033, "fired"),  # the mean healthy age
        (1 / 60, "fired"),  # the sample period
        (0.0542, "Leave a margin"),  # the largest healthy age of the notebook's own run: no margin
        (0.5, "within 0.2 s"),  # safe but slow
        (100.0, "milliseconds"),  # 100 ms written as 100
        (0.0, "> 0"),
        (True, "one number"),
    ],
)
def test_wrong_timeouts_are_rejected_with_a_hint(timeout: float, hint: str) -> None:
    result = check_watchdog_timeout(lambda: timeout)
    assert not result.passed
    assert hint in result.message


def test_an_unanswered_timeout_says_so() -> None:
    assert check_watchdog_timeout(_not_answered).message.startswith("Not answered yet")
