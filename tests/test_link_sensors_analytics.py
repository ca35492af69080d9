"""Sensor noise statistics, link messages and channels, and the prediction-error tracker."""

from __future__ import annotations

import math

import numpy as np
import pytest

from twin.analytics.prediction_error import PredictionErrorTracker
from twin.core.types import JointState
from twin.link import Channel, InProcessLink, JointCommand, StateMeasurement
from twin.sensors.joint_state import JointStateSensor


def constant_state(n: int = 3) -> JointState:
    return JointState(positions=np.linspace(-1.0, 1.0, n), velocities=np.linspace(2.0, -2.0, n))


def sample(sensor: JointStateSensor, state: JointState, count: int) -> tuple[np.ndarray, np.ndarray]:
    """``count`` measurements of a constant state: (positions, velocities), each (count, joints)."""
    readings = [sensor.measure(0.01 * k, state) for k in range(count)]
    return np.array([r.positions for r in readings]), np.array([r.velocities for r in readings])


# -- sensor ----------------------------------------------------------------------------------------
def test_sensor_noise_has_the_configured_statistics():
    state = constant_state()
    sensor = JointStateSensor(position_noise_std=0.01, velocity_noise_std=0.3, seed=7)
    q, qd = sample(sensor, state, 5000)
    # 5000 samples: the sample std has a relative standard error of about 1 %, so 5 % is a 5-sigma band
    np.testing.assert_allclose(np.std(q - state.positions, axis=0, ddof=1), 0.01, rtol=0.05)
    np.testing.assert_allclose(np.std(qd - state.velocities, axis=0, ddof=1), 0.3, rtol=0.05)
    # unbiased: the mean error stays within 5 standard errors of zero
    assert np.all(np.abs(np.mean(q - state.positions, axis=0)) < 5 * 0.01 / math.sqrt(5000))
    assert np.all(np.abs(np.mean(qd - state.velocities, axis=0)) < 5 * 0.3 / math.sqrt(5000))
    # independent joints: correlations near zero
    assert np.max(np.abs(np.corrcoef((q - state.positions).T) - np.eye(3))) < 0.1


def test_sensor_seeds():
    state = constant_state()
    a, _ = sample(JointStateSensor(seed=1), state, 20)
    b, _ = sample(JointStateSensor(seed=1), state, 20)
    c, _ = sample(JointStateSensor(seed=2), state, 20)
    np.testing.assert_array_equal(a, b)
    assert not np.allclose(a, c)


def test_ideal_sensor_reports_the_truth():
    state = constant_state()
    reading = JointStateSensor(0.0, 0.0, seed=3).measure(1.25, state)
    assert reading.time == 1.25
    np.testing.assert_array_equal(reading.positions, state.positions)
    np.testing.assert_array_equal(reading.velocities, state.velocities)


@pytest.mark.parametrize(
    ("kwargs", "name"),
    [
        ({"position_noise_std": -0.1}, "position_noise_std"),
        ({"velocity_noise_std": -1e-9}, "velocity_noise_std"),
        ({"position_noise_std": math.nan}, "position_noise_std"),
        ({"velocity_noise_std": math.inf}, "velocity_noise_std"),
    ],
)
def test_bad_noise_std(kwargs: dict, name: str):
    with pytest.raises(ValueError, match=name):
        JointStateSensor(**kwargs)


def test_noise_std_of_any_number_type_is_accepted_and_a_bool_or_a_bad_seed_is_refused_by_name():
    """np.int64(0) from an array was refused as 'not a finite standard deviation'; True passed as 1 rad of noise;
    seed=-1 or 1.5 failed inside numpy with a message that named no parameter."""
    assert JointStateSensor(np.int64(0), np.float32(0.5)).velocity_noise_std == 0.5
    with pytest.raises(TypeError, match="position_noise_std must be a number"):
        JointStateSensor(position_noise_std=True)
    for seed in (-1, 1.5, "0"):
        with pytest.raises(ValueError, match=r"seed=.* must be a non-negative integer"):
            JointStateSensor(seed=seed)
    assert JointStateSensor(seed=np.int64(3)).seed == 3


# -- messages --------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "kwargs",
    [
        {"time": math.nan, "positions": [0.0], "velocities": [0.0]},
        {"time": math.inf, "positions": [0.0], "velocities": [0.0]},
        {"time": 0.0, "positions": [math.nan], "velocities": [0.0]},
        {"time": 0.0, "positions": [0.0], "velocities": [math.inf]},
        {"time": 0.0, "positions": [[0.0, 1.0]], "velocities": [[0.0, 1.0]]},
        {"time": 0.0, "positions": [0.0, 1.0], "velocities": [0.0]},
        {"time": "now", "positions": [0.0], "velocities": [0.0]},
    ],
)
def test_state_measurement_rejects_bad_fields(kwargs: dict):
    with pytest.raises(ValueError):
        StateMeasurement(**kwargs)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"time": math.nan, "torques": [0.0]},
        {"time": 0.0, "torques": [math.nan]},
        {"time": 0.0, "torques": [[1.0], [2.0]]},
        {"time": 0.0, "torques": 1.0},
    ],
)
def test_joint_command_rejects_bad_fields(kwargs: dict):
    with pytest.raises(ValueError):
        JointCommand(**kwargs)


def test_messages_hold_read_only_copies():
    source = np.array([1.0, 2.0])
    m = StateMeasurement(time=1, positions=source, velocities=[0.0, 0.0])
    assert isinstance(m.time, float)
    with pytest.raises(ValueError):
        m.positions[0] = 5.0
    c = JointCommand(0.5, [1.0, -1.0])
    with pytest.raises(ValueError):
        c.torques[0] = 0.0
    np.testing.assert_array_equal(c.torques, [1.0, -1.0])
    source[0] = 9.0  # the caller's array stays writable, and changing it later leaves the message as it was
    np.testing.assert_array_equal(m.positions, [1.0, 2.0])
    torques = np.zeros(3)
    command = JointCommand(0.0, torques)
    torques[0] = 5.0  # a controller that reuses its output buffer
    assert command.torques[0] == 0.0


# -- channels --------------------------------------------------------------------------------------
@pytest.mark.parametrize("delay", [0, 1, 3])
def test_channel_delivers_in_order_after_exactly_the_delay(delay: int):
    channel: Channel[str] = Channel(delay)
    arrivals: dict[str, int] = {}
    for step in range(10):
        if step < 5:
            channel.send(f"m{step}", step)
            channel.send(f"n{step}", step)
        for message in channel.receive(step):
            arrivals[message] = step
    assert list(arrivals) == [f"{p}{k}" for k in range(5) for p in "mn"]  # in order
    assert all(arrivals[f"m{k}"] == k + delay and arrivals[f"n{k}"] == k + delay for k in range(5))
    assert channel.sent == 10 and channel.delivered == 10 and channel.in_flight == 0


def test_channel_holds_messages_until_due():
    channel: Channel[int] = Channel(2)
    channel.send(1, 0)
    assert channel.receive(0) == [] and channel.receive(1) == []
    assert channel.in_flight == 1 and channel.delivered == 0
    assert channel.receive(5) == [1]  # late polling still delivers
    assert channel.receive(6) == []


@pytest.mark.parametrize("delay", [-1, 1.5, True, "2"])
def test_bad_delay(delay: object):
    with pytest.raises(ValueError, match="delay_steps"):
        Channel(delay)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="delay_steps"):
        InProcessLink(delay)  # type: ignore[arg-type]


def test_a_numpy_integer_is_a_delay():
    assert InProcessLink(np.int64(2)).uplink.delay_steps == 2  # was refused as 'not an integer'


def test_in_process_link_has_two_independent_channels():
    link = InProcessLink(delay_steps=2)
    assert link.uplink is not link.downlink
    assert link.uplink.delay_steps == link.downlink.delay_steps == 2
    link.uplink.send(StateMeasurement(0.0, [0.0], [0.0]), 0)
    assert link.uplink.sent == 1 and link.downlink.sent == 0
    assert "delay_steps=2" in repr(link)


# -- prediction error ------------------------------------------------------------------------------
def filled_tracker(
    n: int = 200, dt: float = 0.01, seed: int = 0
) -> tuple[PredictionErrorTracker, np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    predicted = rng.normal(size=(n, 2))
    measured = rng.normal(size=(n, 2)) * 0.5
    times = dt * np.arange(n)
    tracker = PredictionErrorTracker(("a", "b"))
    for t, p, m in zip(times, predicted, measured, strict=True):
        tracker.record(t, p, m)
    return tracker, times, predicted, measured


def test_tracker_statistics_match_numpy():
    tracker, times, predicted, measured = filled_tracker()
    error = predicted - measured
    assert len(tracker) == len(times)
    np.testing.assert_array_equal(tracker.times, times)
    np.testing.assert_allclose(tracker.errors, error)
    np.testing.assert_allclose(tracker.latest_error, error[-1])
    assert tracker.rmse() == pytest.approx(math.sqrt(np.sum(error**2) / error.size))
    np.testing.assert_allclose(tracker.rmse_per_joint(), [math.sqrt(np.mean(error[:, j] ** 2)) for j in range(2)])
    assert tracker.max_abs_error() == pytest.approx(np.abs(error).max())


def test_tracker_window_keeps_only_the_last_seconds():
    tracker, times, predicted, measured = filled_tracker(n=200, dt=0.01)
    error = predicted - measured
    window = error[times >= times[-1] - 0.5 - 1e-12]
    assert len(window) == 51  # t = 1.49 .. 1.99 s
    assert tracker.rmse(last_seconds=0.5) == pytest.approx(math.sqrt(np.mean(window**2)))
    np.testing.assert_allclose(tracker.rmse_per_joint(last_seconds=0.5), np.sqrt(np.mean(window**2, axis=0)))
    assert tracker.rmse(last_seconds=100.0) == pytest.approx(tracker.rmse())
    with pytest.raises(ValueError, match="last_seconds"):
        tracker.rmse(last_seconds=0.0)
    with pytest.raises(ValueError, match="last_seconds=nan"):  # was: an RMSE of 0 over an empty window
        tracker.rmse(last_seconds=math.nan)


def test_a_tracker_given_one_name_as_a_str_says_so():
    with pytest.raises(TypeError, match=r"joint_names must be a list of names, e.g. \['hinge'\]"):
        PredictionErrorTracker("hinge")  # was: five joints named h, i, n, g, e


def test_tracker_shapes_and_reset():
    tracker = PredictionErrorTracker(["a", "b"])
    assert tracker.rmse() == 0.0 and tracker.max_abs_error() == 0.0
    np.testing.assert_array_equal(tracker.latest_error, [0.0, 0.0])
    assert tracker.errors.shape == (0, 2)
    with pytest.raises(ValueError, match="a"):
        tracker.record(0.0, [1.0], [1.0])
    with pytest.raises(ValueError):
        tracker.record(0.0, [1.0, 2.0], [1.0, 2.0, 3.0])
    with pytest.raises(ValueError):
        tracker.record(0.0, [[1.0, 2.0]], [[1.0, 2.0]])
    returned = tracker.record(0.0, [1.0, 2.0], [0.5, 3.0])
    np.testing.assert_allclose(returned, [0.5, -1.0])
    with pytest.raises(ValueError, match="read-only"):
        returned *= 1000.0  # the very array the record keeps: changing it would change the record
    tracker.reset()
    assert len(tracker) == 0 and tracker.rmse() == 0.0
