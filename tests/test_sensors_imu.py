"""IMU against theory: what a still and a falling sensor read, and Allan deviation recovering N and K."""

from __future__ import annotations

import math

import numpy as np
import pytest

from twin.sensors.allan import allan_deviation, fit_noise_parameters, read_at
from twin.sensors.imu import ADIS16448_GYROSCOPE, Imu, InertialNoise, simulate_still_sensor
from twin.sim import World


def _box(world: World, position, orientation=(0, 0, 0, 1), mass: float = 1.0) -> int:
    c = world.client
    shape = c.createCollisionShape(c.GEOM_BOX, halfExtents=[0.1, 0.1, 0.1])
    return c.createMultiBody(mass, shape, basePosition=position, baseOrientation=orientation)


def test_imu_at_rest_reads_plus_g_up_and_zero_rate():
    with World(seed=0) as world:
        world.add_ground()
        box = _box(world, (0, 0, 0.1))
        world.step(240)  # settle on the ground
        imu = Imu(world, box, rate_hz=240, ideal=True)
        log = imu.record(240)
    assert log.accel.shape == (240, 3)
    np.testing.assert_allclose(log.accel.mean(axis=0), [0, 0, world.gravity], atol=1e-3)
    np.testing.assert_allclose(log.gyro, 0.0, atol=1e-4)  # pybullet's contact lets a resting box creep ~3e-5 rad/s


def test_tilted_imu_sees_gravity_along_its_rotated_axes():
    """A sensor rolled by 30 degrees about x reads g (0, sin 30, cos 30) in its own axes."""
    with World() as world:
        roll = np.radians(30.0)
        body = _box(world, (0, 0, 1), world.client.getQuaternionFromEuler([roll, 0, 0]), mass=0.0)  # fixed
        imu = Imu(world, body, rate_hz=240, ideal=True)
        log = imu.record(10)
    np.testing.assert_allclose(log.accel[-1], world.gravity * np.array([0, np.sin(roll), np.cos(roll)]), atol=1e-6)


def test_free_fall_reads_zero_specific_force():
    with World() as world:
        body = _box(world, (0, 0, 10))
        world.client.changeDynamics(body, -1, linearDamping=0.0)  # pybullet's default air drag would slow it
        imu = Imu(world, body, rate_hz=240, ideal=True)
        log = imu.record(60)
    np.testing.assert_allclose(log.accel[1:], 0.0, atol=1e-6)


def test_noisy_imu_at_rest_reads_g_plus_its_bias():
    noise = InertialNoise(noise_density=0.002, bias=(0.05, -0.02, 0.1))
    gyro = InertialNoise(noise_density=1e-4, bias=(0.001, 0.002, -0.003))
    with World() as world:
        body = _box(world, (0, 0, 1), mass=0.0)
        log = Imu(world, body, rate_hz=200, accelerometer=noise, gyroscope=gyro, seed=3).record(2400)
    # 2000 samples: the mean's standard error is 0.002 * sqrt(200) / sqrt(2000) = 6e-4 m/s^2
    np.testing.assert_allclose(log.accel.mean(axis=0), [0.05, -0.02, world.gravity + 0.1], atol=3e-3)
    np.testing.assert_allclose(log.gyro.mean(axis=0), [0.001, 0.002, -0.003], atol=3e-4)
    # the white noise per sample is N sqrt(rate)
    np.testing.assert_allclose(log.accel.std(axis=0), 0.002 * np.sqrt(200), rtol=0.08)


def test_sample_rate_counts_simulated_time():
    with World(time_step=1 / 240) as world:
        body = _box(world, (0, 0, 1), mass=0.0)
        log = Imu(world, body, rate_hz=80, ideal=True).record(240)
    assert len(log.times) == 80
    np.testing.assert_allclose(np.diff(log.times), 1 / 80, atol=1e-9)


@pytest.mark.parametrize("axis", [0, 1, 2])
def test_allan_deviation_recovers_white_noise_and_random_walk_within_10_percent(axis: int):
    noise_density, bias_random_walk, rate = 0.01, 0.03, 100.0
    samples = simulate_still_sensor(InertialNoise(noise_density, bias_random_walk), rate, 200_000, seed=7)
    taus, adev = allan_deviation(samples[:, axis], rate)
    fit = fit_noise_parameters(taus, adev)
    assert fit.noise_density == pytest.approx(noise_density, rel=0.10)
    assert fit.bias_random_walk == pytest.approx(bias_random_walk, rel=0.10)


def test_k_of_a_realistic_gyro_comes_from_the_plus_half_line_not_from_the_curve_at_three_seconds():
    """ADIS16448 gyroscope, two hours still at 100 Hz: the curve at tau = 3 s is sqrt(N^2 / 3 + K^2) = 4.2 K
    (white noise still dominates there; 2400 clusters: about 2 % scatter), while the fitted +1/2 line gives K
    back (its long taus rest on few clusters: 20 %)."""
    n, k = ADIS16448_GYROSCOPE.noise_density, ADIS16448_GYROSCOPE.bias_random_walk
    samples = simulate_still_sensor(InertialNoise(n, k), 100.0, 720_000, seed=3)[:, 0]
    taus, adev = allan_deviation(samples, 100.0)
    assert read_at(taus, adev, 3.0) == pytest.approx(math.sqrt(n**2 / 3 + k**2), rel=0.06)
    assert read_at(taus, adev, 3.0) > 3.5 * k
    assert fit_noise_parameters(taus, adev).bias_random_walk == pytest.approx(k, rel=0.2)


def test_white_noise_alone_has_the_minus_half_slope_and_reads_n_at_one_second():
    samples = simulate_still_sensor(InertialNoise(noise_density=0.005), 200.0, 100_000, seed=1)[:, 0]
    taus, adev = allan_deviation(samples, 200.0)
    slope = np.polyfit(np.log(taus), np.log(adev), 1)[0]
    assert slope == pytest.approx(-0.5, abs=0.05)
    assert read_at(taus, adev, 1.0) == pytest.approx(0.005, rel=0.1)


def test_quantisation_saturation_and_scale_factor():
    noise = InertialNoise(resolution=0.5, measuring_range=3.0, scale_factor=0.1)
    from twin.sensors.imu import InertialErrors

    errors = InertialErrors(noise, 100.0, np.random.default_rng(0))
    measured, _ = errors.corrupt(np.array([[1.0, 2.6, -10.0]]))
    np.testing.assert_allclose(measured, [[1.0, 3.0, -3.0]])  # 1.1 -> 1.0 (LSB 0.5), 2.86 -> 3.0, clipped at -3


def test_same_seed_same_data_different_seed_different_noise():
    noise = InertialNoise(noise_density=0.01, bias_random_walk=0.001)
    a = simulate_still_sensor(noise, 100.0, 1000, seed=5)
    b = simulate_still_sensor(noise, 100.0, 1000, seed=5)
    c = simulate_still_sensor(noise, 100.0, 1000, seed=6)
    np.testing.assert_array_equal(a, b)
    assert not np.allclose(a, c)


def test_one_sample_at_a_time_equals_one_block():
    from twin.sensors.imu import InertialErrors

    noise = InertialNoise(noise_density=0.01, bias_random_walk=0.01)
    block = InertialErrors(noise, 100.0, np.random.default_rng(2)).corrupt(np.zeros((50, 3)))[0]
    single = InertialErrors(noise, 100.0, np.random.default_rng(2))
    one_by_one = np.concatenate([single.corrupt(np.zeros((1, 3)))[0] for _ in range(50)])
    np.testing.assert_allclose(block, one_by_one)


@pytest.mark.parametrize(
    "bad, match",
    [
        (dict(noise_density=-1.0), "noise_density"),
        (dict(bias_random_walk=float("nan")), "bias_random_walk"),
        (dict(resolution=-0.1), "resolution"),
        (dict(measuring_range=0.0), "measuring_range"),
        (dict(scale_factor=-1.5), "scale_factor"),
    ],
)
def test_bad_noise_parameters_are_refused_with_their_name(bad, match):
    with pytest.raises(ValueError, match=match):
        InertialNoise(**bad)


def test_zero_rate_and_bad_link_are_refused():
    with World() as world:
        body = _box(world, (0, 0, 1), mass=0.0)
        with pytest.raises(ValueError, match="rate_hz"):
            Imu(world, body, rate_hz=0)
        with pytest.raises(ValueError, match="link_index"):
            Imu(world, body, link_index=3)
        with pytest.raises(ValueError, match="seed"):
            Imu(world, body, seed=-1)


def test_misalignment_turns_a_true_x_reading_into_a_small_y_reading():
    from twin.sensors.imu import InertialErrors

    errors = InertialErrors(InertialNoise(misalignment=(0.0, 0.0, 0.01)), 100.0, np.random.default_rng(0))
    measured, _ = errors.corrupt(np.array([[1.0, 0.0, 0.0]]))
    np.testing.assert_allclose(measured, [[1.0, 0.01, 0.0]])  # (I + [m]x) x: a 10 mrad turn about z


def test_single_floats_path_equals_the_block_path_across_block_boundaries():
    """corrupt_one (what poll uses) and corrupt (what record uses) draw from one stream: any mix, same numbers."""
    from twin.sensors.imu import InertialErrors

    noise = InertialNoise(0.01, 0.01, bias=(0.1, -0.2, 0.3), scale_factor=0.02, misalignment=0.01, measuring_range=2.0)
    true = np.random.default_rng(9).normal(size=(2600, 3))
    block, bias = InertialErrors(noise, 100.0, np.random.default_rng(2)).corrupt(true)
    mixed = InertialErrors(noise, 100.0, np.random.default_rng(2))
    rows = [mixed.corrupt_one(*row)[0] for row in true[:1500]]  # crosses a drawn-ahead block's end
    rows += list(mixed.corrupt(true[1500:1510])[0])  # the rest of that block plus nothing new
    rows += [mixed.corrupt_one(*row)[0] for row in true[1510:2000]]
    rows += list(mixed.corrupt(true[2000:])[0])  # what is left of a block, then fresh draws
    np.testing.assert_allclose(np.array(rows), block, rtol=0, atol=1e-12)
    np.testing.assert_allclose(mixed.walk, bias[-1] - np.array([0.1, -0.2, 0.3]), atol=1e-12)


def _tumbling_box_readings(use_poll: bool, steps: int = 300) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    noise = InertialNoise(0.01, 0.001, bias=0.05, scale_factor=0.01, misalignment=0.002)
    with World(seed=0) as world:
        body = _box(world, (0, 0, 50), orientation=(0.2, -0.3, 0.1, 0.927))
        world.client.resetBaseVelocity(body, [1.0, -0.5, 3.0], [2.0, -4.0, 1.5])
        imu = Imu(world, body, rate_hz=120, accelerometer=noise, gyroscope=noise, seed=4)
        if not use_poll:
            log = imu.record(steps)
            return log.accel, log.gyro, log.true_gyro
        samples = []
        for _ in range(steps):
            world.step()
            samples.append(imu.poll())
        samples = [s for s in samples if s is not None]
        return (np.array([s.accel for s in samples]), np.array([s.gyro for s in samples]),
                np.array([s.true_gyro for s in samples]))  # fmt: skip


def test_poll_per_step_equals_record_on_a_tumbling_box():
    """poll's float arithmetic (its own quaternion-to-matrix) gives what record's numpy path gives."""
    polled, recorded = _tumbling_box_readings(True), _tumbling_box_readings(False)
    assert len(polled[0]) == len(recorded[0]) == 150  # 120 Hz on a 240 Hz clock
    for a, b in zip(polled, recorded, strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-10)
    true_gyro_body = recorded[2]
    assert np.abs(true_gyro_body).max() > 1.0  # it really tumbles: the frame change is exercised


def test_true_reading_turns_world_rates_into_sensor_axes_as_pybullet_does():
    with World(seed=0) as world:
        body = _box(world, (0, 0, 50), orientation=(0.2, -0.3, 0.1, 0.927))
        world.client.resetBaseVelocity(body, [0, 0, 0], [2.0, -4.0, 1.5])
        imu = Imu(world, body, ideal=True)
        world.step()
        _, gyro = imu.true_reading()
        orientation = world.client.getBasePositionAndOrientation(body)[1]
        rotation = np.array(world.client.getMatrixFromQuaternion(orientation)).reshape(3, 3)
        omega = np.array(world.client.getBaseVelocity(body)[1])
    np.testing.assert_allclose(gyro, rotation.T @ omega, atol=1e-12)
