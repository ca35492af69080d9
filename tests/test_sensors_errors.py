"""Bad sensor parameters are refused with a message that names the parameter at fault and the fix."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from twin.sensors.camera import BrownConrady, CameraIntrinsics
from twin.sensors.force_torque import WrenchNoise
from twin.sensors.imu import Imu, InertialNoise
from twin.sensors.lidar import Lidar
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
