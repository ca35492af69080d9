"""Bad sensor parameters are refused with a message that names the parameter at fault and the fix."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from twin.sensors.allan import allan_deviation
from twin.sensors.camera import (
    BrownConrady,
    Camera,
    CameraIntrinsics,
    CameraNoise,
    distort_image,
    undistort_image,
)
from twin.sensors.encoder import JointEncoders
from twin.sensors.force_torque import ForceTorqueSensor, WrenchNoise, contact_forces
from twin.sensors.imu import Imu, InertialNoise, simulate_still_sensor
from twin.sensors.lidar import Lidar, scan_pattern_2d, scan_pattern_3d
from twin.sim import World


@pytest.mark.parametrize(
    "make, match",
    [
        (lambda: InertialNoise(bias=(1, 2)), r"bias=\(1, 2\) has 2 values; give one value .* or three"),
        (lambda: InertialNoise(scale_factor=[0.1, 0.2, 0.3, 0.4]), "scale_factor=.* has 4 values"),
        (lambda: InertialNoise(misalignment=np.zeros((3, 3))), r"(?s)misalignment=.* has 9 values"),
        (lambda: WrenchNoise(offset=(1, 2)), r"offset=\(1, 2\) has 2 values; give one value .* or six"),
        (lambda: WrenchNoise(noise_std=np.ones(5)), "noise_std=.* has 5 values"),
    ],
)
def test_per_axis_values_of_the_wrong_length_name_the_parameter_and_the_lengths_allowed(make, match):
    with pytest.raises(ValueError, match=match):
        make()


def test_per_axis_values_that_are_not_numbers_are_a_type_error():
    with pytest.raises(TypeError, match="bias must be numbers"):
        InertialNoise(bias="high")
    with pytest.raises(TypeError, match="offset must be numbers"):
        WrenchNoise(offset=("a", 1))


@pytest.mark.parametrize("name", ["drift_density", "noise_std"])
def test_a_negative_wrench_noise_names_only_the_parameter_at_fault(name):
    other = {"drift_density": "noise_std", "noise_std": "drift_density"}[name]
    with pytest.raises(ValueError, match=name) as caught:
        WrenchNoise(**{name: (0.1, 0.1, -0.1, 0.0, 0.0, 0.0)})
    assert other not in str(caught.value)


def test_one_or_per_axis_values_are_accepted():
    assert InertialNoise(bias=(0.1, 0.2, 0.3)).bias == (0.1, 0.2, 0.3)
    WrenchNoise(offset=np.arange(6.0), drift_density=0.1, noise_std=[0.1] * 6)


@pytest.mark.parametrize("fov", [np.float32(60), np.float64(45.5), np.int64(90), 60])
def test_numpy_numbers_are_valid_fields_of_view(fov):
    assert CameraIntrinsics(320, 240, fov).fy == pytest.approx(240 / (2 * np.tan(np.radians(float(fov)) / 2)))


def test_bad_fields_of_view_and_lens_coefficients_are_refused():
    with pytest.raises(ValueError, match="1..170"):
        CameraIntrinsics(320, 240, float("nan"))
    with pytest.raises(TypeError, match="fov_deg must be a number"):
        CameraIntrinsics(320, 240, "60")
    assert BrownConrady(k1=np.float32(-0.2)).k1 == pytest.approx(-0.2)
    with pytest.raises(ValueError, match="k2"):
        BrownConrady(k2=np.float32("inf"))


@pytest.mark.parametrize("yaw, error", [(float("nan"), ValueError), (float("inf"), ValueError), ("north", TypeError)])
def test_lidar_refuses_a_yaw_that_is_not_a_finite_angle(yaw, error):
    with World() as world:
        with pytest.raises(error, match="yaw"):
            Lidar(world, yaw=yaw)
        lidar = Lidar(world, yaw=np.float32(0.5))
        with pytest.raises(error, match="yaw"):
            lidar.move_to((0, 0, 0.5), yaw)


def test_an_imu_rate_above_the_physics_rate_warns_and_reports_the_rate_it_achieves():
    with World() as world:  # 240 Hz physics
        body = world.client.createMultiBody(
            1.0, world.client.createCollisionShape(world.client.GEOM_SPHERE, radius=0.1)
        )
        with pytest.warns(UserWarning, match=r"rate_hz=1000 Hz is above the physics rate.*240 Hz"):
            imu = Imu(world, body, rate_hz=1000)
        assert imu.effective_rate == pytest.approx(240.0)
        log = imu.record(24)
        np.testing.assert_allclose(np.diff(log.times), 1 / 240)  # one sample per step, as the warning says
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            assert Imu(world, body, rate_hz=240).effective_rate == pytest.approx(240.0)  # exactly the rate: silent


def test_counts_from_numpy_are_accepted_and_fractional_or_negative_counts_are_refused_by_name():
    """record(2.5) ran 2 steps, record(-1) none, tare(0) one read and simulate_still_sensor(noise, 200, '3') three
    samples, all silently; now each names the count at fault, and np.int64 counts (from an array) still work."""
    assert simulate_still_sensor(InertialNoise(), 200.0, np.int64(3)).shape == (3, 3)
    for samples in (2.5, -1, "3", True):
        with pytest.raises(ValueError, match=r"samples=.* must be a positive integer number of readings"):
            simulate_still_sensor(InertialNoise(), 200.0, samples)
    with pytest.raises(ValueError, match="seed="):
        simulate_still_sensor(InertialNoise(), 200.0, 3, seed="a")
    with World() as world:
        pendulum = world.load_robot("pendulum")
        imu = Imu(world, pendulum.body_id, 0, rate_hz=240)
        assert len(imu.record(np.int64(3)).times) == 3
        for steps in (2.5, -1, "3"):
            with pytest.raises(ValueError, match=r"steps=.* must be a non-negative integer number of physics steps"):
                imu.record(steps)
        sensor = ForceTorqueSensor(pendulum, "hinge", ideal=True)
        assert sensor.tare(np.int64(2)).shape == (6,)
        for samples in (0, 2.5, -3, "3"):
            with pytest.raises(ValueError, match=r"samples=.* must be a positive integer number of reads"):
                sensor.tare(samples)


def test_a_sensor_refuses_a_joint_or_link_that_is_not_one_of_the_robots():
    """ForceTorqueSensor(robot, -1) silently sat in the last joint (Python's negative index), an index past the
    end failed with 'tuple index out of range', and Imu(..., link_index=0.5) sat on link 0."""
    with World() as world:
        pendulum = world.load_robot("pendulum")
        for joint in (-1, 2, 0.5):
            with pytest.raises(ValueError, match=r"joint=.* is not a joint of pendulum: .*\['hinge', 'bob_mount'\]"):
                ForceTorqueSensor(pendulum, joint)
        assert ForceTorqueSensor(pendulum, np.int64(0)).joint_name == "hinge"
        for link in (0.5, 2, "root"):
            with pytest.raises(ValueError, match=r"link_index=.* must be a whole number -1 \(base\) \.\. 1"):
                Imu(world, pendulum.body_id, link)


def test_an_error_model_of_the_wrong_kind_is_a_type_error_naming_it():
    """Camera(noise=0) meant 'no noise' and silently gave the default noise; a tuple for intrinsics or a float for
    an error model failed later with an AttributeError that named no parameter."""
    with World() as world:
        pendulum = world.load_robot("pendulum")
        with pytest.raises(TypeError, match="noise must be a CameraNoise .* or ideal=True for none"):
            Camera(world, noise=0)
        with pytest.raises(TypeError, match=r"intrinsics must be a CameraIntrinsics .*got \(320, 240, 60\)"):
            Camera(world, intrinsics=(320, 240, 60))
        with pytest.raises(TypeError, match="accelerometer must be an InertialNoise"):
            Imu(world, pendulum.body_id, accelerometer=0.1)
        with pytest.raises(TypeError, match="noise must be a WrenchNoise"):
            ForceTorqueSensor(pendulum, "hinge", noise=0.1)
        with pytest.raises(ValueError, match="pass rng="):  # at the call, not only once a contact shows up
            contact_forces(world, pendulum.body_id, 0, noise_std=0.1)


def test_allan_deviation_takes_one_axis_and_refuses_three_interleaved_or_nan():
    """An (n, 3) recording was flattened into one signal that interleaved x, y and z: a wrong curve, silently."""
    still = simulate_still_sensor(InertialNoise(noise_density=0.01), 100.0, 2000, seed=0)
    with pytest.raises(ValueError, match=r"samples must be one axis.*shape \(2000, 3\).*samples\[:, 0\]"):
        allan_deviation(still, 100.0)
    np.testing.assert_array_equal(allan_deviation(still[:, :1], 100.0)[1], allan_deviation(still[:, 0], 100.0)[1])
    with pytest.raises(ValueError, match="NaN"):
        allan_deviation(np.r_[still[:, 0], np.nan], 100.0)
    with pytest.raises(ValueError, match="points_per_decade=2.5"):
        allan_deviation(still[:, 0], 100.0, 2.5)


def test_scan_patterns_and_images_of_the_wrong_shape_are_refused_by_name():
    with pytest.raises(ValueError, match="beams_per_ring=2.5"):
        scan_pattern_3d(2.5, 4)
    with pytest.raises(ValueError, match=r"vertical_fov_deg=15 must be two angles \(low, high\)"):
        scan_pattern_3d(8, 4, 15)
    lens, size = BrownConrady(k1=-0.1), CameraIntrinsics(20, 20)
    for transform in (distort_image, undistort_image):
        with pytest.raises(ValueError, match=r"image has shape \(10, 10, 3\), but the intrinsics are 20x20"):
            transform(np.zeros((10, 10, 3), np.uint8), size, lens)


def test_a_delay_in_milliseconds_or_an_angle_in_radians_warns_with_the_fix():
    """latency=25 (meant: 25 ms) made the encoders deliver nothing for 25 s and a camera's frames arrive 30 s late;
    fov_deg=np.pi / 3 made a 1-degree telescope; scan_pattern_2d(360, 2 * np.pi) a 6-degree fan; all silently."""
    with pytest.warns(UserWarning, match=r"latency=30 s is longer than any sensor's delay.*latency=0.03"):
        CameraNoise(latency=30)
    with pytest.warns(UserWarning, match=r"fov_deg=1.0472 is in degrees.*1.0472 rad is 60 degrees"):
        CameraIntrinsics(320, 240, np.pi / 3)
    with pytest.warns(UserWarning, match=r"field_of_view_deg=6.28319 is in degrees.*is 360 degrees"):
        scan_pattern_2d(360, 2 * np.pi)
    with World() as world:
        pendulum = world.load_robot("pendulum")
        with pytest.warns(UserWarning, match=r"latency=25 s .*latency=0.025"):
            JointEncoders(pendulum, latency=25)
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # the course's own values stay silent
            JointEncoders(pendulum, latency=0.025)
            CameraNoise(latency=0.03), CameraIntrinsics(80, 60, 50.0), scan_pattern_2d(360, 270.0), scan_pattern_3d()
