"""Force/torque, contact forces and encoders against statics and known answers."""

from __future__ import annotations

import numpy as np
import pytest

from twin.sensors.encoder import JointEncoders, quantize_angle
from twin.sensors.force_torque import ForceTorqueSensor, LowPass, WrenchNoise, contact_forces
from twin.sim import World

FEET = {"right_ankle": 11, "left_ankle": 14}


@pytest.fixture(scope="module")
def standing():
    world = World()
    humanoid = world.load_robot("humanoid")
    sensors = {name: ForceTorqueSensor(humanoid, name, ideal=True) for name in FEET}
    world.step(480)  # settle: the statue stands still
    yield world, humanoid, sensors
    world.close()


def test_ankles_carry_the_weight_above_the_feet(standing):
    world, humanoid, sensors = standing
    feet_mass = sum(humanoid.links[i + 1].mass for i in FEET.values())
    weight_above = (humanoid.total_mass - feet_mass) * world.gravity
    total = sum(s.read().world_force for s in sensors.values())
    np.testing.assert_allclose(total, [0, 0, -weight_above], atol=0.01 * weight_above)


def test_floor_pushes_up_with_the_whole_weight(standing):
    world, humanoid, _ = standing
    feet = [contact_forces(world, humanoid.body_id, link) for link in FEET.values()]
    total = sum(f.total_force for f in feet)
    np.testing.assert_allclose(total, [0, 0, humanoid.total_mass * world.gravity], atol=0.5)
    for foot, link in zip(feet, FEET.values(), strict=True):
        lo, hi = world.client.getAABB(humanoid.body_id, link)
        assert lo[0] <= foot.center_of_pressure[0] <= hi[0] and lo[1] <= foot.center_of_pressure[1] <= hi[1]


def test_offset_noise_and_filter_act_as_specified(standing):
    world, humanoid, _ = standing
    noise = WrenchNoise(offset=(1, 2, 3, 0, 0, 0), noise_std=0.5, cutoff_hz=float("inf"))
    sensor = ForceTorqueSensor(humanoid, "right_ankle", noise=noise, seed=3)
    readings = np.array([sensor.read().wrench for _ in range(4000)])  # no stepping: the true load is fixed
    true = sensor.true_wrench()
    np.testing.assert_allclose(readings.mean(axis=0), true + [1, 2, 3, 0, 0, 0], atol=0.05)
    np.testing.assert_allclose(readings.std(axis=0), 0.5, rtol=0.06)
    filtered = ForceTorqueSensor(humanoid, "right_ankle", noise=noise.with_changes(cutoff_hz=5.0), seed=3)
    smooth = np.array([filtered.read().wrench for _ in range(4000)])[500:]
    # a first-order filter passes a white noise's variance times alpha / (2 - alpha)
    alpha = filtered.filter.alpha
    np.testing.assert_allclose(smooth.std(axis=0), 0.5 * np.sqrt(alpha / (2 - alpha)), rtol=0.15)


def test_low_pass_step_response_reaches_63_percent_after_one_time_constant():
    dt, cutoff = 1e-3, 10.0
    lp = LowPass(cutoff, dt)
    lp(np.zeros(1))
    tau_steps = int(round(1 / (2 * np.pi * cutoff) / dt))
    for _ in range(tau_steps):
        y = lp(np.ones(1))
    assert y[0] == pytest.approx(1 - np.exp(-1), abs=0.02)


def test_drift_is_a_random_walk_of_the_given_density(standing):
    _, humanoid, _ = standing
    noise = WrenchNoise(drift_density=0.2)
    finals = []
    for seed in range(200):
        sensor = ForceTorqueSensor(humanoid, "left_ankle", noise=noise, rate_hz=100.0, seed=seed)
        for _ in range(100):  # one second at 100 Hz
            sensor.read()
        finals.append(sensor.drift[0])
    assert np.std(finals) == pytest.approx(0.2, rel=0.15)  # sigma after t seconds: density * sqrt(t)


def test_encoder_quantises_to_its_resolution_and_delays_by_its_latency():
    assert quantize_angle(0.01, 4096) == pytest.approx(round(0.01 / (2 * np.pi / 4096)) * 2 * np.pi / 4096)
    with World(time_step=1 / 240) as world:
        pendulum = world.load_robot("pendulum")
        pendulum.set_state([0.5])
        encoders = JointEncoders(pendulum, counts_per_revolution=256, latency=0.025, rate_hz=240)
        readings, truths = [], {}
        for _ in range(120):
            world.step()
            truths[round(world.time, 6)] = pendulum.state().positions[0]
            reading = encoders.poll()
            if reading is not None:
                readings.append((world.time, reading))
    first_time, first = readings[0]
    assert first_time - first.time >= 0.025 - 1e-9 and first_time - first.time < 0.025 + 1 / 240
    for _, reading in readings:
        step = 2 * np.pi / 256
        assert abs(reading.positions[0] - truths[round(reading.time, 6)]) <= step / 2 + 1e-12
        assert reading.positions[0] / step == pytest.approx(round(reading.positions[0] / step))


@pytest.mark.parametrize(
    "kwargs, match",
    [
        (dict(counts_per_revolution=0), "counts_per_revolution"),
        (dict(counts_per_revolution=100.5), "counts_per_revolution"),
        (dict(noise_std=-0.1), "noise_std"),
        (dict(latency=-1.0), "latency"),
        (dict(rate_hz=0), "rate_hz"),
    ],
)
def test_bad_encoder_parameters_are_refused(kwargs, match):
    with World() as world:
        pendulum = world.load_robot("pendulum")
        with pytest.raises(ValueError, match=match):
            JointEncoders(pendulum, **kwargs)


def test_bad_wrench_parameters_are_refused():
    with pytest.raises(ValueError, match="noise_std"):
        WrenchNoise(noise_std=-1.0)
    with pytest.raises(ValueError, match="cutoff_hz"):
        WrenchNoise(cutoff_hz=0.0)


def _every_sensor(world: World, robot, **kwargs):
    """One of each sensor model, built with the same extra keyword arguments."""
    from twin.sensors import Camera, CameraIntrinsics, CameraNoise, Imu, Lidar

    return [
        lambda: Imu(world, robot.body_id, 0, **kwargs),
        lambda: Camera(world, intrinsics=CameraIntrinsics(16, 12), noise=CameraNoise(latency=0.0), **kwargs),
        lambda: Lidar(world, **kwargs),
        lambda: ForceTorqueSensor(robot, "hinge", **kwargs),
        lambda: JointEncoders(robot, **kwargs),
    ]


@pytest.mark.parametrize(
    "kwargs, match", [(dict(rate_hz=0), "rate_hz"), (dict(rate_hz=-5.0), "rate_hz"), (dict(seed=-1), "seed")]
)
def test_every_sensor_refuses_a_zero_rate_and_a_bad_seed(kwargs, match):
    with World() as world:
        pendulum = world.load_robot("pendulum")
        for make in _every_sensor(world, pendulum, **kwargs):
            with pytest.raises(ValueError, match=match):
                make()


def test_every_sensor_samples_at_its_rate_on_the_simulation_clock():
    with World(time_step=1 / 240) as world:
        pendulum = world.load_robot("pendulum")
        sensors = [make() for make in _every_sensor(world, pendulum, rate_hz=30)]
        counts = [0] * len(sensors)
        for _ in range(240):
            world.step()
            for i, sensor in enumerate(sensors):
                counts[i] += sensor.poll() is not None
    assert counts == [30] * len(sensors)


def test_force_torque_same_seed_same_readings():
    with World() as world:
        pendulum = world.load_robot("pendulum")
        world.step(10)
        noise = WrenchNoise(offset=0.5, drift_density=0.1, noise_std=0.2, cutoff_hz=20.0)
        runs = []
        for seed in (3, 3, 4):
            sensor = ForceTorqueSensor(pendulum, "hinge", noise=noise, seed=seed)
            runs.append(np.array([sensor.read().wrench for _ in range(50)]))
    np.testing.assert_array_equal(runs[0], runs[1])
    assert not np.allclose(runs[0], runs[2])


def test_taring_removes_the_offset_of_an_unloaded_sensor():
    with World(gravity=0.0) as world:  # no gravity: the pendulum's hinge carries no load
        pendulum = world.load_robot("pendulum")
        world.step(5)
        noise = WrenchNoise(offset=(2.0, -1.0, 0.5, 0.1, 0.0, -0.2), noise_std=0.05)
        sensor = ForceTorqueSensor(pendulum, "hinge", noise=noise, seed=0)
        zero = sensor.tare(samples=400)
        np.testing.assert_allclose(zero, noise.offset, atol=0.01)
        np.testing.assert_allclose(sensor.read().wrench - zero, 0.0, atol=0.25)


def test_insole_noise_needs_a_generator_and_keeps_forces_non_negative(standing):
    world, humanoid, _ = standing
    with pytest.raises(ValueError, match="rng"):
        contact_forces(world, humanoid.body_id, FEET["right_ankle"], noise_std=5.0)
    noisy = contact_forces(world, humanoid.body_id, FEET["right_ankle"], noise_std=500.0, rng=np.random.default_rng(0))
    assert noisy.normal_force >= 0.0


@pytest.mark.parametrize("ideal", [True, False])
def test_an_encoder_reading_is_read_only_so_changing_it_cannot_change_the_next_velocity(ideal):
    """A student zeroing a reading in place (reading.positions -= offset) changed the encoders' own record: the
    next velocity came out as (next angle - changed angle) / dt, 240 rad/s for a pendulum swinging at 1 rad/s."""
    with World() as world:
        pendulum = world.load_robot("pendulum")
        pendulum.set_state([1.0])
        encoders = JointEncoders(pendulum, rate_hz=240, ideal=ideal)
        world.step()
        reading = encoders.poll()
        for array in (reading.positions, reading.velocities, reading.true_positions):
            with pytest.raises(ValueError, match="read-only"):
                array -= 1.0
        world.step()
        assert abs(encoders.poll().velocities[0]) < 1.0


def test_an_ideal_wrench_reading_has_its_own_array_apart_from_the_true_wrench():
    """Ideal mode handed out one array as both wrench and true_wrench: subtracting a tare from the reading
    silently changed the truth it is compared with."""
    with World() as world:
        pendulum = world.load_robot("pendulum")
        world.step()
        sample = ForceTorqueSensor(pendulum, "hinge", ideal=True).read()
        true = sample.true_wrench.copy()
        sample.wrench[:] -= 1.0
        np.testing.assert_array_equal(sample.true_wrench, true)
