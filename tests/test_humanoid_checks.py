"""Chapter 09's checks accept the right answers and reject the wrong ones a student would plausibly write."""

from __future__ import annotations

import math

import pytest

from twin.course.checks_humanoid import (
    check_capture_point,
    check_recoverable,
    reference_capture_point,
    reference_recoverable,
)
from twin.humanoid.lipm import capture_point, lipm_omega


def test_reference_capture_point_agrees_with_the_library():
    assert reference_capture_point(0.02, 0.3, 0.9) == pytest.approx(float(capture_point(0.02, 0.3, lipm_omega(0.9))))
    # worked example: z_c = 0.981 m gives omega = sqrt(10) / s, so 0.316 m/s moves xi by 0.1 m
    assert reference_capture_point(0.0, math.sqrt(10) * 0.1, 0.981) == pytest.approx(0.1)


def test_the_right_capture_point_passes():
    assert check_capture_point(reference_capture_point)
    assert check_capture_point(lambda x, v, z: x + v * math.sqrt(z / 9.81))  # the same formula, rearranged


@pytest.mark.parametrize(
    ("wrong", "hint"),
    [
        (lambda x, v, z: x - v / math.sqrt(9.81 / z), "subtracted"),
        (lambda x, v, z: x + v * math.sqrt(9.81 / z), "multiplied by omega"),
        (lambda x, v, z: x + v / (9.81 / z), "omega squared"),  # omega^2 = g / z: the square root left out
        (lambda x, v, z: v / math.sqrt(9.81 / z), "left out the CoM"),
        (lambda x, v, z: x + 2 * v / math.sqrt(9.81 / z), "twice"),
        (lambda x, v, z: x + v / math.sqrt(9.81 * z), "omega = sqrt(g / z_c)"),  # g * z: a units slip
        (lambda x, v, z: x + v / math.sqrt(9.81 / (z * 100)), "omega = sqrt(g / z_c)"),  # height in cm
        (lambda x, v, z: "0.1", "as a number"),
    ],
    ids=["sign", "times-omega", "omega-squared", "no-position", "factor-2", "g-times-z", "centimetres", "string"],
)
def test_plausible_wrong_capture_points_fail_with_a_hint(wrong, hint):
    verdict = check_capture_point(wrong)
    assert not verdict and hint in verdict.message


def test_reference_recoverable_on_worked_cases():
    # omega = sqrt(9.81/0.9) = 3.30 /s: 0.5 m/s puts xi 0.15 m ahead, past a toe at 0.13 m
    assert not reference_recoverable(0.0, 0.5, 0.9, -0.05, 0.13)
    assert reference_recoverable(0.0, 0.1, 0.9, -0.05, 0.13)
    assert reference_recoverable(0.13, 0.0, 0.9, -0.05, 0.13)  # on the edge counts as inside


def _xi(x: float, v: float, z: float) -> float:
    return x + v / math.sqrt(9.81 / z)


def test_the_right_recoverable_passes():
    assert check_recoverable(reference_recoverable)
    assert check_recoverable(lambda x, v, z, heel, toe: bool(heel <= _xi(x, v, z) <= toe))


@pytest.mark.parametrize(
    "wrong",
    [
        lambda x, v, z, heel, toe: heel <= x <= toe,  # the CoM, not the capture point
        lambda x, v, z, heel, toe: _xi(x, v, z) <= toe,  # forgets the heel: backward pushes
        lambda x, v, z, heel, toe: heel < _xi(x, v, z) < toe,  # the edge excluded
        lambda x, v, z, heel, toe: heel <= x - v / math.sqrt(9.81 / z) <= toe,  # sign of the velocity term
        lambda x, v, z, heel, toe: abs(v) < 0.3,  # a speed threshold instead of the foot
        lambda x, v, z, heel, toe: int(heel <= _xi(x, v, z) <= toe),  # 1/0 instead of True/False
    ],
    ids=["com-not-xi", "no-heel", "edge-excluded", "sign", "speed-threshold", "int-not-bool"],
)
def test_plausible_wrong_recoverable_fails(wrong):
    verdict = check_recoverable(wrong)
    assert not verdict
    assert "capture point" in verdict.message or "True or False" in verdict.message


def test_an_unanswered_stub_says_not_answered():
    def stub(*args):
        raise NotImplementedError

    assert "Not answered yet" in check_capture_point(stub).message
    assert "Not answered yet" in check_recoverable(stub).message


def test_the_robot_check_wants_the_pendulums_verdict_and_reports_the_robots():
    from twin.course.checks_humanoid import check_recoverable_on_the_robot

    cases = [  # (impulse, (com_x, v, z, heel, toe), stood): the LIPM says stands (xi -1.5 cm) and falls (-6 cm)
        (2.0, (0.0, -0.05, 0.9, -0.05, 0.13), False),  # but this robot fell: the pendulum was wrong here
        (8.0, (0.0, -0.20, 0.9, -0.05, 0.13), False),
    ]
    verdict = check_recoverable_on_the_robot(reference_recoverable, cases)
    assert verdict and "matched the robot on 1 of 2" in verdict.message
    wrong = check_recoverable_on_the_robot(lambda x, v, z, heel, toe: heel <= x <= toe, cases)
    assert not wrong and "For the 8 N s push" in wrong.message  # the CoM alone misses the 8 N s fall
