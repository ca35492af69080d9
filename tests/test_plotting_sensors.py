"""The figures of notebook 03: each draws the data it is given, with labelled axes and units, and says clearly
when its input has the wrong shape."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pytest

from twin.plotting_sensors import (
    plot_allan,
    plot_ankle_loads,
    plot_beam_model,
    plot_camera_frame,
    plot_camera_noise,
    plot_dead_reckoning,
    plot_depth_noise,
    plot_encoder_swing,
    plot_foot_loads,
    plot_image_row,
    plot_imu_swing,
    plot_lidar_scans,
)
from twin.sensors import BeamModel, InertialNoise
from twin.sensors.allan import AllanFit
from twin.sensors.camera import CameraFrame, kinect_depth_sigma

pytestmark = pytest.mark.usefixtures("closes_figures")


def _labels(ax: plt.Axes) -> tuple[str, str]:
    return ax.get_xlabel(), ax.get_ylabel()


def test_encoder_swing_draws_truth_staircase_and_velocity():
    t = np.linspace(0, 1, 50)
    true = np.cos(t)
    seen = np.round(true * 10) / 10
    fig = plot_encoder_swing(t, true, seen, np.gradient(seen, t), -np.sin(t))
    angle_ax, speed_ax = fig.axes
    assert _labels(angle_ax) == ("time [s]", "angle [rad]")
    assert _labels(speed_ax) == ("time [s]", "velocity [rad/s]")
    np.testing.assert_allclose(angle_ax.lines[0].get_ydata(), true)
    np.testing.assert_allclose(speed_ax.lines[1].get_ydata(), -np.sin(t))  # the true velocity, when given


def test_series_of_different_lengths_are_refused_with_their_lengths():
    with pytest.raises(ValueError, match="lengths differ"):
        plot_encoder_swing([0, 1, 2], [0, 1, 2], [0, 1], [0, 1, 2])
    with pytest.raises(ValueError, match="1-D"):
        plot_dead_reckoning([], [], [], 0.1, 0.1)


def test_imu_swing_puts_theory_beside_both_imus():
    from twin.ui.sensor_demo_worlds import swing_imu

    ideal, noisy, angle, rate = swing_imu(InertialNoise(0.05, bias=0.3), InertialNoise(0.01, bias=0.05), 0.25)
    assert len(ideal.times) == len(angle) == len(rate)
    fig = plot_imu_swing(ideal, noisy, angle, rate)
    along, across, gyro = fig.axes
    assert along.get_ylabel() == "specific force along the rod [m/s^2]"
    assert gyro.get_ylabel() == "angular rate about the hinge [rad/s]"
    theory = along.lines[2].get_ydata()
    np.testing.assert_allclose(theory, 9.81 * np.cos(angle) + 0.5 * rate**2)
    # the ideal IMU sits on theory to within 1 %; the noisy one carries its 0.3 m/s^2 bias across the rod
    assert np.max(np.abs(along.lines[1].get_ydata() - theory)) < 0.01 * 9.81 * 1.5
    assert abs(np.mean(across.lines[0].get_ydata()) - 0.3) < 0.1
    with pytest.raises(ValueError, match="lengths differ"):
        plot_imu_swing(ideal, noisy, angle[:-1], rate)


def test_allan_plot_marks_n_and_k_where_they_are_read():
    taus = np.logspace(-1, 3, 30)
    fit = AllanFit(noise_density=0.005, bias_random_walk=0.0005)
    adev = np.sqrt(fit.noise_density**2 / taus + fit.bias_random_walk**2 * taus / 3)
    fig = plot_allan(taus, adev, fit, title="exact")
    ax = fig.axes[0]
    assert _labels(ax) == ("cluster time tau [s]", "Allan deviation [rad/s]")
    assert ax.get_xscale() == ax.get_yscale() == "log"
    marks = {tuple(line.get_xdata()): line.get_ydata()[0] for line in ax.lines if len(line.get_xdata()) == 1}
    assert marks == {(1.0,): 0.005, (3.0,): 0.0005}
    with pytest.raises(ValueError, match="positive"):
        plot_allan(taus, -adev, fit)


def test_dead_reckoning_draws_the_bias_laws():
    t = np.linspace(0.1, 10, 100)
    fig = plot_dead_reckoning(t, 0.01 * t**2, 0.003 * t, accel_bias=0.02, gyro_bias=0.003)
    position_ax, heading_ax = fig.axes
    assert position_ax.get_ylabel() == "position error [m]" and heading_ax.get_ylabel() == "heading error [rad]"
    np.testing.assert_allclose(position_ax.lines[1].get_ydata(), 0.5 * 0.02 * t**2)
    np.testing.assert_allclose(heading_ax.lines[1].get_ydata(), 0.003 * t)


def _frame(depth: np.ndarray, rgb: np.ndarray | None = None) -> CameraFrame:
    h, w = depth.shape
    rgb = np.full((h, w, 3), 128, np.uint8) if rgb is None else rgb
    return CameraFrame(rgb=rgb, depth=depth, segmentation=np.zeros((h, w), int), time=0.0, arrival=0.0)


def test_camera_frame_has_a_depth_colour_bar_in_metres():
    depth = np.full((12, 16), 3.0)
    depth[:3] = np.inf  # nothing within range
    fig = plot_camera_frame(_frame(depth))
    colour_bars = [ax for ax in fig.axes if ax.get_ylabel() == "depth [m]"]
    assert len(colour_bars) == 1
    shown = fig.axes[1].images[0].get_array()
    assert np.ma.is_masked(shown) or np.isnan(shown[:3]).all()  # left white, not drawn as a depth
    with pytest.raises(ValueError, match=r"\(H, W, 3\)"):
        plot_camera_frame(_frame(np.ones((4, 4)), rgb=np.zeros((4, 4), np.uint8)))


def test_camera_noise_shows_the_noise_and_splits_the_missing_depth_by_cause():
    depth = np.full((10, 10), 2.0)
    depth[:2] = np.inf  # 20 % open space beyond range
    noisy_depth = depth.copy()
    noisy_depth[5, :5] = np.nan  # 5 % lost by the sensor
    ideal = _frame(depth)
    noisy_rgb = ideal.rgb.copy()
    noisy_rgb[0, 0] = 138  # one pixel 10 grey levels off: its 8 x 8 block averages 10 / 64
    fig = plot_camera_noise(ideal, _frame(noisy_depth, noisy_rgb))
    titles = " ".join(ax.get_title() for ax in fig.axes)
    assert "nothing in range (20.0%)" in titles and "lost (5.0%)" in titles
    difference = fig.axes[2].images[0].get_array()
    assert difference.shape == (1, 1) and difference[0, 0] == pytest.approx(10.0 / 64)
    assert sum(ax.get_ylabel() == "depth [m]" for ax in fig.axes) == 2  # both depth images have a colour bar
    with pytest.raises(ValueError, match="gain"):
        plot_camera_noise(ideal, ideal, gain=0.0)
    with pytest.raises(ValueError, match="differ in size"):
        plot_camera_noise(ideal, _frame(np.ones((4, 4))))


def test_image_row_titles_each_image_and_refuses_nothing_or_bad_shapes():
    fig = plot_image_row({"a": np.zeros((4, 5)), "b": np.zeros((4, 5, 3))})
    assert [ax.get_title() for ax in fig.axes] == ["a", "b"]
    with pytest.raises(ValueError, match="at least one"):
        plot_image_row({})
    with pytest.raises(ValueError, match="must be"):
        plot_image_row({"flat": np.zeros(5)})


def test_depth_noise_compares_measured_spread_with_the_model():
    distances = np.array([1.0, 2.0, 4.0])
    fig = plot_depth_noise(distances, kinect_depth_sigma(distances), kinect_depth_sigma)
    ax = fig.axes[0]
    assert _labels(ax) == ("distance to the wall [m]", "depth noise sigma [mm]")
    np.testing.assert_allclose(ax.lines[1].get_ydata(), 1000 * kinect_depth_sigma(distances))


def test_beam_model_plot_is_the_density_and_refuses_a_range_beyond_max():
    beams = BeamModel(z_hit=0.85, z_short=0.05, z_max=0.05, z_rand=0.05, sigma_hit=0.03, lambda_short=0.5)
    fig = plot_beam_model(beams, true_range=4.0, max_range=8.0)
    ax = fig.axes[0]
    assert ax.get_yscale() == "log" and ax.get_xlabel() == "reading z [m]"
    assert {t.get_text() for t in ax.texts} == {"short", "hit", "random", "max"}
    z = ax.lines[0].get_xdata()
    np.testing.assert_allclose(ax.lines[0].get_ydata(), beams.likelihood(z, 4.0, 8.0, width=0.05))
    with pytest.raises(ValueError, match="between 0 and max_range"):
        plot_beam_model(beams, true_range=9.0, max_range=8.0)


def test_lidar_scans_highlight_the_body_and_need_a_scan():
    from twin.sensors import Lidar, scan_pattern_2d
    from twin.sim import World
    from twin.ui.sensor_demo_worlds import add_box, add_room

    with World() as world:
        world.add_ground()
        walls = add_room(world, size=4.0)
        box = add_box(world, (1.0, 0.0, 0.5), (0.2, 0.2, 0.5))
        scan = Lidar(world, scan_pattern_2d(90), position=(0, 0, 0.5), max_range=8.0, ideal=True).scan()
    assert len(walls) == 4
    fig = plot_lidar_scans({"ideal": scan}, highlight_body=box)
    ax = fig.axes[0]
    assert _labels(ax) == ("x [m]", "y [m]")
    on_box = ax.lines[1].get_xdata()
    assert on_box.size == int((scan.hit_body == box).sum()) > 0
    np.testing.assert_allclose(on_box, 0.8, atol=1e-6)  # the box's near face
    with pytest.raises(ValueError, match="at least one"):
        plot_lidar_scans({}, highlight_body=box)


def test_foot_loads_draw_the_sum_against_the_weight():
    t = np.linspace(0, 1, 20)
    right = 100 + 200 * (t > 0.5)
    log = {"t": t, "right": right, "left": 441.5 - right, "right_ft": right - 9.0, "right_ft_true": right - 10.0}
    fig = plot_foot_loads(log, weight=441.5)
    floor_ax, ankle_ax, error_ax = fig.axes
    assert floor_ax.get_ylabel() == "vertical force [N]" and ankle_ax.get_ylabel() == "load through the ankle [N]"
    np.testing.assert_allclose(floor_ax.lines[2].get_ydata(), 441.5)
    np.testing.assert_allclose(error_ax.lines[0].get_ydata(), 1.0)
    with pytest.raises(ValueError, match="missing"):
        plot_foot_loads({"t": t}, weight=441.5)


def test_ankle_loads_draw_the_explorer_result():
    from twin.ui.sensor_explorers import ForceTorqueExplorer

    explorer = ForceTorqueExplorer(offset=10.0, drift_density=0.0, noise_std=0.0, cutoff_hz=np.inf, seconds=0.5)
    r = explorer.result
    fig = plot_ankle_loads(r.times, r.measured, r.true)
    ax = fig.axes[0]
    assert _labels(ax) == ("time [s]", "load through the ankle [N]")
    measured, true = ax.lines[0].get_ydata(), ax.lines[1].get_ydata()
    # the offset, with no filter or noise (to 0.01 N: the ankle tilts a little, and the offset with it)
    np.testing.assert_allclose(measured - true, 10.0, atol=0.01)
