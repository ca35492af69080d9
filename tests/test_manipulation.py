"""Manipulation in the twin: IK, Cartesian moves, the two-finger friction limit, slip detection, pick-and-place,
and the stand-in whose hidden masses and friction a randomised or calibrated twin finds first."""

from __future__ import annotations

import numpy as np
import pytest

from twin.manipulation.cell import DEFAULT_OBJECTS, HOME_POSTURE, ManipulationCell, ObjectSpec
from twin.manipulation.grasp import (
    GRAVITY,
    LIFT_HEIGHT,
    LIFT_TIME,
    detect_slip,
    grasp_and_lift,
    peak_acceleration,
    pick_and_place,
    required_grip_force,
)
from twin.manipulation.kinematics import POSITION_TOLERANCE, UnreachableTarget, solve_ik
from twin.manipulation.standin import ObjectRanges, PhysicalCell, calibrate_object, randomised_grip_study
from twin.manipulation.trajectory import cartesian_line, minimum_jerk

LIFT_ACCELERATION = peak_acceleration(LIFT_HEIGHT, LIFT_TIME)
OBJECTS = {o.name: o for o in DEFAULT_OBJECTS}


@pytest.fixture(scope="module")
def cell():
    with ManipulationCell() as c:
        yield c


# -- kinematics ---------------------------------------------------------------------------------
@pytest.mark.parametrize("target", [(0.5, 0.0, 0.2), (0.35, -0.3, 0.05), (0.65, 0.3, 0.3), (0.3, 0.2, 0.45)])
def test_ik_reaches_reachable_targets_within_2_mm_inside_the_joint_limits(cell, target):
    solution = solve_ik(cell, target)
    assert solution.position_error < POSITION_TOLERANCE
    assert solution.orientation_error < 0.01  # rad: the hand points down as asked
    assert np.all(solution.joint_positions >= cell.lower) and np.all(solution.joint_positions <= cell.upper)
    # solving does not move the arm: the answer is checked on a scratch state and put back
    assert np.allclose(cell.joint_positions(), HOME_POSTURE, atol=0.05)


@pytest.mark.parametrize(
    "target, words",
    [((1.2, 0.0, 0.3), "reaches 0.855 m"), ((0.5, 0.0, -0.05), "below the table"), ((0.05, 0.0, 0.02), "mm from")],
)
def test_ik_reports_unreachable_targets(cell, target, words):
    with pytest.raises(UnreachableTarget, match=words):
        solve_ik(cell, target)


def test_ik_without_strict_reports_how_far_it_got(cell):
    solution = solve_ik(cell, (0.05, 0.0, 0.02), strict=False)  # inside the base: the hand cannot get there
    assert not solution.reached and solution.position_error > 0.01


# -- trajectories -------------------------------------------------------------------------------
def test_minimum_jerk_starts_and_ends_at_rest_with_its_known_peak_speed():
    times, points = cartesian_line((0, 0, 0), (0.3, 0.0, 0.4), duration=2.0, rate_hz=1000)
    assert np.allclose(points[-1], (0.3, 0.0, 0.4)) and minimum_jerk(0.0) == 0.0
    speed = np.linalg.norm(np.diff(points, axis=0), axis=1) / np.diff(times)
    assert speed.max() == pytest.approx(1.875 * 0.5 / 2.0, rel=1e-3)  # 1.875 d / T at the middle
    assert speed[0] < 1e-3 and speed[-1] < 1e-3
    accel = np.diff(speed) / np.diff(times[1:])
    assert accel.max() == pytest.approx(peak_acceleration(0.5, 2.0), rel=2e-3)


# -- the friction limit -------------------------------------------------------------------------
def test_required_grip_force_is_m_g_over_2_mu():
    assert required_grip_force(0.3, 0.5) == pytest.approx(0.3 * 9.81 / 1.0)
    assert required_grip_force(0.3, 0.5, safety_factor=2, acceleration=1.0) == pytest.approx(2 * 0.3 * 10.81 / 1.0)
    with pytest.raises(ValueError, match="friction"):
        required_grip_force(0.3, 0.0)


@pytest.mark.parametrize("name", ["medium_cube", "large_cube", "l_block"])
def test_grasp_slips_below_the_friction_limit_and_holds_above_it(name):
    """2 mu N >= m (g + a): at 0.9 of the predicted force the object falls, at 1.1 it rises with the hand."""
    spec = OBJECTS[name]
    predicted = required_grip_force(spec.mass, spec.friction, acceleration=LIFT_ACCELERATION)
    outcomes = {}
    for factor in (0.9, 1.1):
        with ManipulationCell([spec]) as cell:
            outcomes[factor] = grasp_and_lift(cell, name, factor * predicted)
    assert not outcomes[0.9].held and outcomes[1.1].held
    # the wrist forces tell the same story as the ground truth, and weigh the held object
    assert outcomes[0.9].slip_detected and not outcomes[1.1].slip_detected
    assert outcomes[1.1].measured_mass == pytest.approx(spec.mass, rel=0.03)
    assert abs(outcomes[0.9].measured_mass) < 0.05 * spec.mass


def test_the_finger_pads_squeeze_with_the_commanded_force():
    spec = OBJECTS["medium_cube"]
    with ManipulationCell([spec]) as cell:
        trial = grasp_and_lift(cell, spec.name, 12.0)
    squeeze = np.asarray(trial.trace.squeeze)[np.asarray(trial.trace.phase) == "hold"]
    assert squeeze.mean() == pytest.approx(12.0, rel=0.05)


def test_detect_slip_rejects_a_weight_that_is_not_positive():
    with ManipulationCell([OBJECTS["small_cube"]]) as cell:
        trial = grasp_and_lift(cell, "small_cube", 5.0)
    with pytest.raises(ValueError, match="weight"):
        detect_slip(trial.trace, 0.0)
    assert detect_slip(trial.trace, 0.1 * GRAVITY) is None
    assert detect_slip(trial.trace, 1.0 * GRAVITY) is not None  # expecting 1 kg, it carries 0.1 kg: "slipping"


# -- pick and place -----------------------------------------------------------------------------
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_pick_and_place_puts_every_object_where_asked(seed):
    rng = np.random.default_rng(seed)
    with ManipulationCell(seed=seed) as cell:
        for spec in DEFAULT_OBJECTS:
            target = (spec.position[0] + rng.uniform(-0.05, 0.05), spec.position[1] + rng.uniform(0.05, 0.12))
            result = pick_and_place(cell, spec.name, target)
            assert result.placed and not result.dropped, (spec.name, result.error)
            assert result.error < 0.01
            assert np.linalg.norm(cell.object_position(spec.name)[:2] - target) < 0.01


def test_bad_commands_say_what_is_wrong(cell):
    with pytest.raises(ValueError, match="opening"):
        cell.set_gripper(0.1)
    with pytest.raises(ValueError, match="grip force"):
        cell.set_gripper(0.04, force=100.0)
    with pytest.raises(ValueError, match="outside the workspace"):
        cell.place_object("small_cube", (1.5, 0.0))
    with pytest.raises(ValueError, match="outside the workspace"):
        pick_and_place(cell, "small_cube", (0.1, 0.9))
    with pytest.raises(ValueError, match="mass"):
        ObjectSpec("lead", (0.05, 0.05, 0.05), 12.0, 0.5, (0.5, 0.0))
    with pytest.raises(KeyError, match="no object"):
        cell.object_position("teapot")


# -- the stand-in -------------------------------------------------------------------------------
def test_nominal_grip_holds_in_the_twin_and_slips_on_the_robot_and_the_randomised_twin_finds_it_first():
    spec = OBJECTS["large_cube"]
    nominal = required_grip_force(spec.mass, spec.friction, safety_factor=1.2, acceleration=LIFT_ACCELERATION)
    with ManipulationCell([spec]) as twin_cell:
        assert grasp_and_lift(twin_cell, spec.name, nominal).held
    robot = PhysicalCell(seed=0)
    on_robot = robot.grasp_and_lift(spec.name, nominal)
    assert not on_robot.held and on_robot.slip_detected  # the robot drops it, and its wrist says so
    study = randomised_grip_study(spec, [nominal, 2.5 * nominal], ranges=ObjectRanges(), samples=4, seed=0)
    assert study.held_fraction[0] < 1.0  # the randomised twin drops it too: found before the robot
    assert robot.grasp_and_lift(spec.name, study.safe_force).held


def test_calibration_weighs_the_hidden_mass_and_measures_the_hidden_friction():
    spec = OBJECTS["medium_cube"]
    robot = PhysicalCell(seed=3)
    calibration = calibrate_object(lambda force: robot.grasp_and_lift(spec.name, force))
    truth = {o.name: o for o in robot.reveal()}[spec.name]
    assert calibration.mass == pytest.approx(truth.mass, rel=0.02)
    # between the last force that held and the first that slipped (15 % apart), within pybullet's friction model
    assert 0.85 * truth.friction <= calibration.friction <= 1.05 * truth.friction
    design = required_grip_force(
        calibration.mass, calibration.friction, safety_factor=1.2, acceleration=LIFT_ACCELERATION
    )
    assert robot.grasp_and_lift(spec.name, design).held


@pytest.mark.parametrize(
    ("options", "fragment"),
    [
        ({"acceleration": float("nan")}, "acceleration"),  # returned nan
        ({"friction": 50.0}, "not a percentage"),  # 50 % read as a coefficient of 50: a force 100x too small
        ({"fingers": 0}, "fingers"),  # divided by zero
    ],
)
def test_required_grip_force_refuses_what_would_be_a_silent_wrong_force(options, fragment):
    arguments = {"mass": 0.3, "friction": 0.5, **options}
    with pytest.raises(ValueError, match=fragment):
        required_grip_force(**arguments)


def test_required_grip_force_takes_numpy_numbers():
    assert required_grip_force(np.float32(0.3), np.float64(0.5)) == pytest.approx(required_grip_force(0.3, 0.5))


def test_peak_acceleration_refuses_a_zero_duration():
    with pytest.raises(ValueError, match="duration"):
        peak_acceleration(0.12, 0)


def test_a_refused_grasp_leaves_the_arm_where_it_was(cell):
    before = cell.joint_positions()
    with pytest.raises(ValueError, match="grip_force"):
        grasp_and_lift(cell, "small_cube", 100.0)
    with pytest.raises(ValueError, match="lift_time"):
        grasp_and_lift(cell, "small_cube", 20.0, lift_time=800)
    np.testing.assert_array_equal(cell.joint_positions(), before)


def test_the_wall_task_refuses_a_nan_action_without_poisoning_the_episode():
    from twin.manipulation.wall_task import WallTask

    with WallTask() as task:
        with pytest.raises(RuntimeError, match="begin"):
            task.act(np.zeros(3))
        task.begin(0)
        with pytest.raises(ValueError, match="3 finite numbers"):
            task.act(np.array([np.nan, 0.0, 0.0]))
        with pytest.raises(ValueError, match="noise"):
            task.act(np.zeros(3), noise=-1.0)
        assert np.all(np.isfinite(task.act(np.zeros(3))))  # the refused action changed nothing


def test_the_physical_cell_takes_a_numpy_seed():
    assert PhysicalCell(np.int64(0)).seed == 0
