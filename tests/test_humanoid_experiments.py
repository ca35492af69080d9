"""Humanoid experiments: estimation graded against hidden truth (yaw drift = gyro bias x time), the push-survival
grid and its statistics, the shipped table against a rerun, safe pushes, the 3D recording and the push lab."""

from __future__ import annotations

import math

import numpy as np
import pytest

from twin.analytics.statistics import wilson_interval
from twin.humanoid import EstimatorGains, HumanoidTruth
from twin.humanoid.experiments import (
    PushSurvival,
    load_survival,
    request_pushes,
    save_survival,
    tilt_and_yaw_error,
    track_estimation,
)
from twin.humanoid.twin import run_push_trial


def test_yaw_drifts_at_the_gyro_bias_while_tilt_stays_bounded():
    bias, seconds = 0.01, 3.0
    calm = track_estimation(HumanoidTruth(), seconds=seconds, push=None)
    biased = track_estimation(HumanoidTruth(gyro_bias=(bias, bias, bias)), seconds=seconds, push=None)
    # nothing observes yaw: it integrates the bias, bias * t = 0.03 rad after 3 s
    assert abs(biased.yaw_error[-1]) == pytest.approx(bias * seconds, rel=0.25)
    assert abs(calm.yaw_error[-1]) < 0.2 * bias * seconds
    # gravity observes tilt: the filter holds it below the proportional loop's steady state, |b_tilt| / attitude
    # (bias on the two tilt axes: sqrt(2) b), which the integral term then slowly learns away
    gains = EstimatorGains()
    assert biased.tilt_error.max() < math.sqrt(2) * bias / gains.attitude
    assert calm.tilt_error.max() < math.radians(1.0)
    # standing, the legs pin the pelvis position within a centimetre
    assert calm.position_error.max() < 0.01 and not calm.fell
    assert np.all(calm.update_seconds > 0)


def test_tilt_and_yaw_split_a_known_rotation():
    from twin.humanoid.body import quaternion_multiply, rotvec_to_quaternion

    upright = np.array([math.sqrt(0.5), 0.0, 0.0, math.sqrt(0.5)])  # the catalogue's +90 deg roll: y-up links
    yawed = quaternion_multiply(rotvec_to_quaternion([0.0, 0.0, 0.2]), upright)  # 0.2 rad about world z
    tilted = quaternion_multiply(rotvec_to_quaternion([0.0, 0.1, 0.0]), upright)  # 0.1 rad about world y
    tilt, yaw = tilt_and_yaw_error(yawed, upright)
    assert tilt == pytest.approx(0.0, abs=1e-9) and yaw == pytest.approx(0.2)
    tilt, yaw = tilt_and_yaw_error(tilted, upright)
    assert tilt == pytest.approx(0.1) and yaw == pytest.approx(0.0, abs=1e-9)


def test_wilson_interval_known_values_and_errors():
    low, high = wilson_interval(0, 4)
    assert low == 0.0 and high == pytest.approx(0.4899, abs=1e-3)  # 0 of 4 still allows half
    low, high = wilson_interval(4, 4)
    assert high == 1.0 and low == pytest.approx(0.5101, abs=1e-3)
    low, high = wilson_interval(5, 10)
    assert (low + high) / 2 == pytest.approx(0.5)
    with pytest.raises(ValueError, match="successes"):
        wilson_interval(5, 4)


def _grid() -> PushSurvival:
    stood = np.zeros((2, 3, 4), dtype=bool)
    stood[0, :2] = True  # forward: all four robots stand at 4 and 8, none at 12
    stood[1, 0, :3] = True  # back: three stand at 4, then one at 8 (not most), one at 12
    stood[1, 1, 0] = stood[1, 2, 0] = True
    return PushSurvival(("pd",), np.array([0.0, 180.0]), np.array([4.0, 8.0, 12.0]), (0, 1, 2, 3), {"pd": stood})


def test_survival_grid_statistics(tmp_path):
    grid = _grid()
    np.testing.assert_array_equal(grid.survived("pd"), [[4, 4, 0], [3, 1, 1]])
    np.testing.assert_array_equal(grid.largest_mostly_survived("pd"), [8.0, 4.0])  # stops at the first failure
    low, high = grid.interval("pd")
    assert low[0, 2] == 0.0 and high[0, 0] == 1.0
    assert grid.outcome("pd", 180.0, 12.0, 0) and not grid.outcome("pd", 180.0, 12.0, 1)
    with pytest.raises(KeyError, match="not in the grid"):
        grid.outcome("pd", 90.0, 4.0, 0)
    again = load_survival(save_survival(grid, tmp_path / "grid.json"))
    np.testing.assert_array_equal(again.outcomes["pd"], grid.outcomes["pd"])


def test_the_shipped_table_repeats_when_rerun():
    table = load_survival()
    assert set(table.kinds) == {"pd", "balance"} and len(table.seeds) >= 4
    # a trial near the backward limit, where the two controllers differ, rerun with the table's settings
    for kind in table.kinds:
        rerun = run_push_trial(kind, 4.0, 180.0, 0, after=2.5).survived
        assert rerun == table.outcome(kind, 180.0, 4.0, 0)


def test_safe_pushes_refuse_the_fatal_and_let_the_harmless_through():
    refused, harmless = request_pushes([(40.0, 180.0), (3.0, 180.0)], seed=0)
    assert not refused.allowed and refused.fell is None  # never reached the robot
    assert harmless.allowed and harmless.fell is False
    with pytest.raises(ValueError, match="impulse"):
        request_pushes([(float("inf"), 0.0)])


def test_recording_a_push_draws_robot_ghost_polygon_and_floor_markers():
    from twin.viz import _protocol as proto
    from twin.viz.humanoid import record_push

    recording, result, polygon = record_push("pd", 2.0, 0.0, seed=0, after=0.3, record=True)
    assert result.survived and len(recording.times) > 5
    assert polygon.shape[1] == 2 and len(polygon) >= 4
    # both feet inside: the polygon spans the stance width (feet 16 cm apart, soles 9 cm wide)
    assert np.ptp(polygon[:, 1]) > 0.2
    paths = {proto.unpack(c).get("path", "") for c in recording.commands()}
    assert any("floor/support_polygon" in p for p in paths)
    assert any(p.endswith("/robot") or "/robot/" in p for p in paths)
    assert any("/twin/" in p or p.endswith("/twin") for p in paths)
    tracks = recording.animation_command()["animations"]
    names = {a["path"] for a in tracks}
    assert any("capture_point" in n for n in names) and any("cop" in n for n in names)


def test_floor_polygon_rejects_a_line():
    from twin.viz.scene import Scene

    with pytest.raises(ValueError, match="k >= 3"):
        Scene().add_floor_polygon("line", np.array([[0.0, 0.0], [1.0, 0.0]]))


def test_push_lab_runs_what_was_set_and_rejects_bad_settings():
    from twin.ui.humanoid import PushLab, push_lab_widget

    lab = PushLab(seed=0)
    with pytest.raises(ValueError, match="impulse"):
        lab.set_push(float("nan"), 0.0)
    with pytest.raises(ValueError, match="ankle_pitch"):
        lab.set_controller("balance", ankle_pitch=-1.0)
    with pytest.raises(ValueError, match="unknown"):
        lab.set_controller("stepping")
    lab.set_push(2.0, 90.0)
    lab.set_controller("pd")
    outcome = lab.run(after=0.3)
    assert outcome.result.survived and outcome.summary.startswith("joint PD only, 2 N s towards 90 deg: stood")
    panel = push_lab_widget(lab)
    assert len(panel.children) == 9


def test_capture_point_balance_survives_a_backward_push_that_topples_joint_pd():
    # seed 0, 6 N s at the chest towards the heels: joint PD falls, the ankle strategy on the twin's estimate holds
    assert not run_push_trial("pd", 6.0, 180.0, seed=0, after=2.5).survived
    assert run_push_trial("balance", 6.0, 180.0, seed=0, after=2.5).survived


def test_an_accelerometer_trusting_filter_gets_the_com_velocity_wrong_during_a_push():
    default = track_estimation(HumanoidTruth.random(0), seconds=1.5, push=(4.0, 180.0), push_at=0.5)
    trusting = track_estimation(
        HumanoidTruth.random(0), seconds=1.5, push=(4.0, 180.0), push_at=0.5, gains=EstimatorGains(attitude=2.0)
    )
    window = (default.time > 0.5) & (default.time < 0.9)
    # the push reads as a tilt to the accelerometer; trusting it costs several times the CoM velocity error
    assert trusting.com_velocity_error[window].mean() > 3 * default.com_velocity_error[window].mean()


def test_the_humanoid_obeys_the_pendulum_law_as_a_rigid_body_not_a_point_mass():
    from twin.humanoid import HumanoidModel
    from twin.humanoid.lipm import measured_omega_squared
    from twin.humanoid.pendulum import rigid_pendulum_omega_squared

    log = run_push_trial("pd", 10.0, 0.0, seed=0, record=True).log
    after_push = log["time"] > 0.62
    com, cop = log["true_com"][after_push], log["cop"][after_push]
    fitted, correlation = measured_omega_squared(com[:, 0], cop[:, 0], 1 / 240)
    model = HumanoidModel()
    rigid = rigid_pendulum_omega_squared(
        model.world.client, model.body.body_id, model.standing_foot_positions.mean(axis=0), "pitch"
    )
    model.close()
    point_mass = 9.81 / com[:, 2].mean()
    assert correlation > 0.99  # x'' = omega^2 (x - p) holds for the whole robot
    assert fitted == pytest.approx(rigid, rel=0.05)  # with the rigid body's omega^2 ...
    assert fitted < 0.9 * point_mass  # ... well below the LIPM's g / z_c


@pytest.mark.parametrize("push_at", [-1.0, 3.0])
def test_a_push_outside_the_run_is_refused_not_reported_as_given(push_at):
    with pytest.raises(ValueError, match="push_at"):
        track_estimation(seconds=0.5, push_at=push_at)


def test_a_share_given_in_percent_is_refused():
    with pytest.raises(ValueError, match="share"):
        load_survival().largest_mostly_survived("pd", 50)
