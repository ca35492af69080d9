"""The humanoid twin: what crosses the link, estimation error against hidden truth, balance vs joint PD,
fall forecasts and safe pushes, bad inputs. Fixed seeds throughout."""

import dataclasses
import math

import numpy as np
import pytest

from twin.humanoid import (
    BalanceGains,
    FloatingBaseEstimator,
    HumanoidMeasurement,
    HumanoidModel,
    HumanoidStandIn,
    HumanoidTruth,
    HumanoidTwin,
    run_push_trial,
)
from twin.humanoid.body import ServoGains
from twin.humanoid.estimation import orientation_error


def test_the_link_carries_only_sensor_readings():
    fields = {f.name for f in dataclasses.fields(HumanoidMeasurement)}
    assert fields == {"time", "ball_joints", "hinge_joints", "accel", "gyro", "foot_force", "foot_cop"}


def _estimation_errors(truth: HumanoidTruth, seconds: float = 2.0) -> tuple[float, float, float]:
    """Worst pelvis position error (m), worst and final orientation error (rad) over a scripted push."""
    with HumanoidStandIn(truth, seed=3) as robot:
        model = HumanoidModel()
        estimator = FloatingBaseEstimator(model)
        worst_position, worst_angle, angle = 0.0, 0.0, 0.0
        for k in range(round(seconds * 240)):
            if k == 120:
                robot.push(6.0, 30.0)  # a known, survivable push: the pelvis sways by centimetres
            e = estimator.update(robot.step())
            h = robot.hidden_state()
            worst_position = max(worst_position, float(np.linalg.norm(e.pelvis_position - h.pelvis_position)))
            angle = orientation_error(e.pelvis_orientation, h.pelvis_orientation)
            worst_angle = max(worst_angle, angle)
        assert not robot.fallen
        model.close()
    return worst_position, worst_angle, angle


def test_estimate_follows_the_hidden_truth_through_a_push():
    position, angle, _ = _estimation_errors(HumanoidTruth())
    # the sway is ~3 cm; legs and IMU keep the estimate within 3 cm and 2 deg of the motion-capture truth
    assert position < 0.03
    assert angle < math.radians(2.0)


def test_a_gyro_bias_costs_orientation_but_the_filter_bounds_it():
    bias = 0.01  # rad/s on each axis: 1.1 deg of yaw drift in 2 s, which gravity cannot correct
    _, unbiased_worst, unbiased = _estimation_errors(HumanoidTruth())
    _, worst, final = _estimation_errors(HumanoidTruth(gyro_bias=(bias, bias, bias)))
    assert final > unbiased  # the bias shows
    # gravity corrects roll and pitch; what is left is about the yaw drift bias * t (0.02 rad), not 3 axes of it
    assert worst < unbiased_worst + 1.5 * bias * 2.0


def test_balance_controller_stands_and_joint_pd_topples_beyond_its_ankle_limit():
    # the heel is 4.4 cm behind the CoM, so the LIPM ankle limit for a push at the CoM is
    # m * omega * 0.044 = 45 kg * 3.3/s * 0.044 m = 6.5 N s; at the chest, above the CoM, it tips sooner
    assert run_push_trial("pd", 4.0, 180.0, seed=0).survived
    assert not run_push_trial("pd", 6.5, 180.0, seed=0).survived
    assert run_push_trial("balance", 0.0, 0.0, seed=0, after=3.0).survived  # the stabiliser itself is stable


def test_forecast_warns_before_a_fall_and_stays_quiet_on_a_small_push():
    fall = run_push_trial("pd", 12.0, 180.0, seed=0, forecast_every=12)
    assert not fall.survived
    assert fall.predicted_fall_at < fall.fall_time  # positive lead time
    calm = run_push_trial("pd", 4.0, 180.0, seed=0, forecast_every=12)
    assert calm.survived and math.isnan(calm.predicted_fall_at)  # no false alarm


def test_safe_push_refuses_what_the_twin_predicts_to_topple():
    with HumanoidStandIn(HumanoidTruth.random(0), seed=0) as robot, HumanoidTwin() as twin:
        for _ in range(60):
            robot.apply(twin.step(robot.step()))
        assert not twin.safe_push(robot, 40.0, 180.0)
        assert robot._push is None  # nothing reached the robot
        assert twin.safe_push(robot, 3.0, 180.0)
        assert robot._push is not None


@pytest.mark.parametrize(
    ("make", "match"),
    [
        (lambda: HumanoidTruth(mass_scale=-1.0), "mass_scale"),
        (lambda: HumanoidTruth(foot_friction=float("nan")), "foot_friction"),
        (lambda: BalanceGains(ankle_pitch=-1.0), "ankle_pitch"),
        (lambda: ServoGains(position_gain=0.0), "position_gain"),
        (lambda: run_push_trial("pd", float("nan"), 0.0), "impulse"),
        (lambda: run_push_trial("kick", 1.0, 0.0), "pd"),
    ],
)
def test_bad_inputs_name_the_problem(make, match):
    with pytest.raises(ValueError, match=match):
        make()


def test_push_and_foot_names_are_checked():
    with HumanoidStandIn() as robot:
        with pytest.raises(ValueError, match="impulse"):
            robot.push(float("nan"), 0.0)
        with pytest.raises(ValueError, match="cannot be pushed"):
            robot.push(5.0, 0.0, link="left_wrist")
        with pytest.raises(KeyError, match="right_ankle"):
            robot.body.link_index("left_hand")  # not a link: the error lists the real ones, feet included


@pytest.mark.parametrize(
    ("options", "fragment"),
    [
        ({"after": -1.0}, "after"),  # the push trial ended before the push: 'survived' for any impulse
        ({"settle": -1.0}, "settle"),  # the push step was never reached
        ({"after": math.nan}, "after"),
        ({"forecast_every": 2.5}, "forecast_every"),
        ({"seed": -1}, "seed"),
    ],
)
def test_a_push_trial_that_would_never_push_is_refused(options, fragment):
    with pytest.raises(ValueError, match=fragment):
        run_push_trial("pd", 30.0, 180.0, **options)


@pytest.mark.parametrize(("options", "fragment"), [({"iterations": 0.5}, "iterations"), ({"high": -5.0}, "high")])
def test_the_bisection_names_its_bad_setting(options, fragment):
    from twin.humanoid import largest_survived_impulse

    with pytest.raises(ValueError, match=fragment):
        largest_survived_impulse("pd", 180.0, **options)


def test_a_forecast_horizon_in_milliseconds_is_refused_when_the_twin_is_made():
    with pytest.raises(ValueError, match="horizon"):
        HumanoidTwin(horizon=600)
