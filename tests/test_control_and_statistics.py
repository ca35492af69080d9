"""The one PID (twin.control.JointPID) and the one set of confidence intervals (twin.analytics.statistics)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from twin.analytics.statistics import mean_interval, wilson_interval
from twin.control import JointPID
from twin.core.protocols import Controller


def test_the_pid_integrates_only_near_the_target_and_forgets_on_reset() -> None:
    pid = JointPID([1.0, 1.0], kp=10.0, kd=2.0, ki=5.0, period=0.01, integral_band=0.2)
    assert isinstance(pid, Controller)
    far_and_near = np.array([0.0, 0.9])  # errors 1.0 rad (outside the band) and 0.1 rad (inside)
    for _ in range(3):
        torques = pid(0.0, far_and_near, np.array([0.5, 0.0]), gravity=np.array([1.0, 1.0]))
    np.testing.assert_allclose(pid.integral, [0.0, 3 * 0.1 * 0.01])  # rad s: only the near joint wound up
    np.testing.assert_allclose(torques, [10.0 * 1.0 - 2.0 * 0.5 + 1.0, 10.0 * 0.1 + 5.0 * 0.003 + 1.0])
    pid.reset()
    np.testing.assert_array_equal(pid.integral, [0.0, 0.0])
    no_gravity = JointPID([1.0], kp=1.0, kd=0.0, period=0.01, gravity_compensation=False)
    assert no_gravity(0.0, np.array([0.0]), np.array([0.0]), gravity=np.array([9.0]))[0] == pytest.approx(1.0)


def test_the_integral_removes_the_offset_a_pd_leaves_on_a_biased_plant() -> None:
    """A unit mass pushed by a constant 2 N disturbance: PD settles off target, PID on it."""

    def settle(ki: float) -> float:
        pid = JointPID([1.0], kp=20.0, kd=9.0, ki=ki, period=0.001)
        q, qd = np.zeros(1), np.zeros(1)
        for _ in range(20_000):
            qdd = pid(0.0, q, qd, gravity=None) - 2.0
            qd = qd + qdd * 0.001
            q = q + qd * 0.001
        return float(q[0])

    assert settle(ki=0.0) == pytest.approx(1.0 - 2.0 / 20.0, abs=1e-3)  # PD: offset = disturbance / kp
    assert settle(ki=10.0) == pytest.approx(1.0, abs=1e-3)


@pytest.mark.parametrize(
    "arguments, problem",
    [({"kp": -1.0, "kd": 0.0, "period": 0.01}, "gains"), ({"kp": 1.0, "kd": 0.0, "period": 0.0}, "period")],
)
def test_the_pid_names_a_bad_setting(arguments: dict, problem: str) -> None:
    with pytest.raises(ValueError, match=problem):
        JointPID([0.0], **arguments)


def test_wilson_and_mean_intervals() -> None:
    assert wilson_interval(5, 10) == pytest.approx((0.2366, 0.7634), abs=1e-4)
    assert wilson_interval(0, 7)[0] == 0.0 and wilson_interval(7, 7)[1] == 1.0
    wide, narrow = wilson_interval(5, 10, confidence=0.99), wilson_interval(5, 10, confidence=0.8)
    assert wide[0] < narrow[0] < narrow[1] < wide[1]
    values = [1.0, 2.0, 3.0, 4.0]
    mean, low, high = mean_interval(values)
    assert mean == 2.5 and high - mean == pytest.approx(stats.t.ppf(0.975, 3) * np.std(values, ddof=1) / 2)
    _, normal_low, _ = mean_interval(values, normal=True)
    assert low < normal_low < mean  # the normal approximation is narrower than Student's t for few samples
    assert mean_interval([3.0]) == (3.0, -math.inf, math.inf)
    with pytest.raises(ValueError, match="successes"):
        wilson_interval(11, 10)
    with pytest.raises(ValueError, match="confidence"):
        wilson_interval(1, 2, confidence=95)
    with pytest.raises(ValueError, match="at least one value"):
        mean_interval([])


def test_wilson_counts_are_whole_numbers_of_any_integer_type() -> None:
    """3.5 successes or True gave an interval without a word; np.float32(0.95) confidence was refused."""
    assert wilson_interval(np.int64(5), np.int64(10)) == pytest.approx(wilson_interval(5, 10))
    for successes in (3.5, True, math.nan):
        with pytest.raises(ValueError, match=r"successes=.* must be a non-negative integer"):
            wilson_interval(successes, 10)
    with pytest.raises(ValueError, match="trials=0 must be a positive integer"):
        wilson_interval(0, 0)
    assert wilson_interval(5, 10, np.float32(0.8))[0] == pytest.approx(wilson_interval(5, 10, 0.8)[0], abs=1e-6)


def test_gains_of_the_wrong_length_are_named_when_the_controller_is_made() -> None:
    from twin.control import JointPD

    with pytest.raises(ValueError, match=r"kp has shape \(2,\) but the target has 7 joints"):
        JointPD(np.zeros(7), kp=[1.0, 2.0])
    with pytest.raises(ValueError, match=r"ki has shape \(3,\) but the target has 2 joints"):
        JointPID([1.0, 1.0], kp=1.0, kd=[1.0, 2.0], ki=[1.0, 1.0, 1.0], period=0.01)
    JointPD(np.zeros(7), kp=np.full(7, 2.0), kd=0.5)  # one per joint, or one for all: both fine


def test_a_moving_target_of_the_wrong_length_is_named_at_the_first_call() -> None:
    from twin.control import JointPD

    pd = JointPD(lambda t: np.zeros(3))
    with pytest.raises(ValueError, match=r"the robot has 7 joints, but target has shape \(3,\)"):
        pd(0.0, np.zeros(7), np.zeros(7), None)


def test_a_one_joint_robot_takes_its_gains_as_a_number_or_a_list_of_one() -> None:
    from twin.control import JointPD

    for target in (0.5, [0.5]):
        for kp in (50.0, [50.0]):
            tau = JointPD(target, kp=kp, kd=[5.0], gravity_compensation=False)(0.0, np.zeros(1), np.zeros(1), None)
            np.testing.assert_allclose(tau, [25.0])
