"""The stand-in in its own process: real transport, same results, clock sync, crash and restart, cleanup."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import msgpack
import numpy as np
import psutil
import pytest

from twin.control.pd import JointPD
from twin.core.messages import JointCommand
from twin.core.types import DEFAULT_TIME_STEP
from twin.digital_twin import DigitalTwin
from twin.link.schema import encode
from twin.link.telemetry_log import read_recording
from twin.physical_system.process import ProcessStandIn
from twin.studies.comms import replay_into
from twin.virtual_model.virtual import VirtualModel


def wait_until(condition, standin: ProcessStandIn, what: str, limit: float = 20.0) -> None:
    """Take in messages until ``condition()`` holds (synchronises on messages; the limit only stops a hang)."""
    deadline = time.monotonic() + limit
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        standin.poll(timeout=0.05)


def drain(standin: ProcessStandIn, quiet: float = 0.3, limit: float = 20.0) -> None:
    """Take in messages until none has arrived for ``quiet`` s (the sender is dead or silent)."""
    deadline = time.monotonic() + limit
    while standin.poll(timeout=quiet):
        assert time.monotonic() < deadline, "messages kept arriving: is the sender still alive?"


def test_twin_over_the_process_link_matches_the_in_process_twin_bit_for_bit():
    runs = []
    for where in ("in_process", "process"):
        with DigitalTwin("arm", "twin", controller=JointPD(np.full(7, 0.3)), standin=where, seed=3) as twin:
            runs.append(twin.run(120))
    np.testing.assert_array_equal(runs[0].measured_positions, runs[1].measured_positions)
    np.testing.assert_array_equal(runs[0].true_positions, runs[1].true_positions)
    np.testing.assert_array_equal(runs[0].torques, runs[1].torques)


def test_closing_the_twin_stops_the_process_and_frees_the_port():
    twin = DigitalTwin("pendulum", "shadow", standin="process")
    process = psutil.Process(twin.physical.process.pid)
    port = int(twin.physical.transport.endpoint.rsplit(":", 1)[1])
    twin.run(5)
    twin.close()
    assert not psutil.pid_exists(process.pid) or process.status() == psutil.STATUS_ZOMBIE
    assert not [c for c in psutil.net_connections("inet") if c.laddr and c.laddr.port == port and c.status == "LISTEN"]
    twin.close()  # twice is fine


def test_an_exception_inside_the_with_block_leaves_no_process():
    with pytest.raises(ZeroDivisionError):
        with ProcessStandIn("pendulum") as standin:
            pid = standin.process.pid
            _ = 1 / 0
    assert not psutil.pid_exists(pid) or psutil.Process(pid).status() == psutil.STATUS_ZOMBIE


def test_the_stand_in_exits_when_its_parent_dies():
    """A kernel restart kills the parent without cleanup: the orphaned stand-in must notice and exit."""
    script = (
        "import os, sys; from twin.physical_system.process import ProcessStandIn; s = ProcessStandIn('pendulum'); "
        "print(s.process.pid, flush=True); os._exit(0)"  # no close(), no atexit: like a killed kernel
    )
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=True)
    child = psutil.Process(int(out.stdout.split()[0]))
    child.wait(timeout=20)  # raises if it does not exit on its own
    assert not child.is_running()


def test_clock_offset_between_processes_is_found_within_its_error_bound():
    with ProcessStandIn("pendulum", clock_offset=2.5) as standin:
        sync = standin.synchronise_clocks(probes=16)
    assert abs(sync.offset - 2.5) <= sync.error_bound
    assert all(abs(p.offset - 2.5) <= p.error_bound for p in sync.probes)  # every probe, not only the best


def test_garbage_sent_to_the_stand_in_does_not_crash_it():
    rng = np.random.default_rng(5)
    with ProcessStandIn("pendulum") as standin:
        for _ in range(2000):
            standin.transport.send(rng.bytes(int(rng.integers(1, 200))))
        standin.apply(JointCommand(0.0, np.array([0.1])))
        standin.step()  # still answers, with a valid state
        assert standin.alive and standin.measure().positions.shape == (1,)
        assert standin.inbox.received == standin.inbox.accepted  # and it only ever sent valid messages


def test_killed_stand_in_is_reported_stale_and_recovers_after_a_restart():
    with ProcessStandIn("pendulum", rate=100.0, stale_after=0.3) as standin:
        wait_until(lambda: standin.monitor.received >= 5, standin, "a stream")
        assert not standin.monitor.is_stale(time.monotonic())
        first_session = standin.monitor.session
        standin.kill()
        wait_until(lambda: standin.monitor.is_stale(time.monotonic()), standin, "staleness")
        received = standin.monitor.received
        standin.restart()
        assert standin.monitor.session != first_session and standin.monitor.reconnections == 1
        wait_until(lambda: standin.monitor.received >= received + 5, standin, "the restarted stream")
        assert not standin.monitor.is_stale(time.monotonic())
        assert standin.monitor.duplicates == 0


def test_recorded_session_replays_into_a_model(tmp_path):
    path = tmp_path / "session.mcap"
    with ProcessStandIn("pendulum", initial_positions=[0.5], record_to=str(path)) as standin:
        for k in range(100):
            standin.apply(JointCommand(0.0, np.array([0.2 * np.sin(k / 20)])))
            standin.step()
    recording = read_recording(path)
    assert recording.complete and recording.inbox.dropped == {}
    with (
        VirtualModel("pendulum", initial_positions=[0.5]) as corrected,
        VirtualModel("pendulum", initial_positions=[0.5]) as open_loop,
    ):
        shadow = replay_into(corrected, recording, gain=0.3)
        drifting = replay_into(open_loop, recording, gain=0.0)
    assert (shadow.states, shadow.commands) == (101, 100)
    assert shadow.rmse() < drifting.rmse()  # corrections keep the model near the recorded robot


# -- the impaired link in the twin's loop ------------------------------------------------------------
def test_impaired_link_with_whole_step_latency_equals_the_in_process_delay():
    from twin.link.impaired_link import ImpairedLink
    from twin.link.impairments import Impairments
    from twin.link.in_process import InProcessLink

    runs = []
    delay = Impairments(latency=3 / 240)
    for link in (InProcessLink(3), ImpairedLink(delay, delay)):
        with DigitalTwin("pendulum", "twin", controller=JointPD([np.pi]), link=link, initial_positions=[3.0]) as twin:
            runs.append(twin.run(200))
    np.testing.assert_array_equal(runs[0].true_positions, runs[1].true_positions)


def test_balancing_survives_small_latency_and_falls_with_large_latency():
    from twin.link.impairments import Impairments
    from twin.studies.comms import balance_under_impairments

    upright, _ = balance_under_impairments(Impairments(latency=0.005), seconds=2.0)
    fallen, link = balance_under_impairments(Impairments(latency=0.040), seconds=2.0)
    assert np.abs(upright.tracking_errors[-60:]).max() < 0.01  # held within 10 mrad of upright
    assert np.abs(fallen.tracking_errors[-60:]).max() > 1.0  # 80 ms round trip: it falls over
    assert link.uplink.sent == link.uplink.delivered + link.uplink.channel.in_flight  # nothing vanished


def test_lost_messages_are_counted_not_hidden():
    from twin.link.impairments import Impairments
    from twin.studies.comms import balance_under_impairments

    _, link = balance_under_impairments(Impairments(loss=0.3), seconds=1.0)
    for direction in (link.uplink, link.downlink):
        assert direction.lost > 0
        assert direction.sent == direction.lost + direction.delivered + direction.channel.in_flight


def test_timestamped_correction_is_identical_without_delay_and_better_with_it():
    from twin.link.in_process import InProcessLink

    runs = {}
    for delay in (0, 10):
        for correction in ("on_arrival", "timestamped"):
            with DigitalTwin(
                "arm", "shadow", controller=JointPD(np.full(7, 0.4)), link=InProcessLink(delay), correction=correction
            ) as twin:
                runs[delay, correction] = twin.run(240)
    np.testing.assert_array_equal(runs[0, "on_arrival"].estimated_positions, runs[0, "timestamped"].estimated_positions)
    # with 10 steps of delay, correcting the past and re-predicting keeps the model far closer to the robot
    late, rolled_back = runs[10, "on_arrival"], runs[10, "timestamped"]
    assert rolled_back.rmse("prediction") < 0.5 * late.rmse("prediction")


def test_timestamped_correction_lets_the_twin_balance_with_more_latency():
    from twin.link.impairments import Impairments
    from twin.studies.comms import balance_under_impairments

    latency = Impairments(latency=0.035)
    on_arrival, _ = balance_under_impairments(latency, seconds=2.0)
    timestamped, _ = balance_under_impairments(latency, seconds=2.0, correction="timestamped")
    assert np.abs(on_arrival.tracking_errors[-60:]).max() > 1.0
    assert np.abs(timestamped.tracking_errors[-60:]).max() < 0.05


def test_unknown_correction_is_refused():
    with pytest.raises(ValueError, match="timestamped"):
        DigitalTwin("pendulum", correction="psychic")


# -- a robot the twin did not start ------------------------------------------------------------------
def free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


SECRET = "hand-started-robot-secret"  # what a user copies from the twin's printout into TWIN_LINK_SECRET


class HandStarted:
    """``TWIN_LINK_SECRET=... python -m twin.physical_system.server --connect ENDPOINT ...`` started as a user would,
    always cleaned up (and tied to this process with ``--parent-pid``, so a killed test worker leaves no robot
    behind). ``secret=None`` starts it without a secret."""

    def __init__(self, endpoint: str, *arguments: str, secret: str | None = SECRET) -> None:
        command = [
            sys.executable,
            "-m",
            "twin.physical_system.server",
            "--connect",
            endpoint,
            "--parent-pid",
            str(os.getpid()),
        ]
        command += arguments
        environment = {k: v for k, v in os.environ.items() if k != "TWIN_LINK_SECRET"}
        if secret is not None:
            environment["TWIN_LINK_SECRET"] = secret
        self.process = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, env=environment)

    def __enter__(self) -> subprocess.Popen:
        return self.process

    def __exit__(self, *exc_info: object) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def test_a_stand_in_started_by_hand_works_exactly_like_a_spawned_one():
    steps, torque = 60, np.array([0.3])
    with ProcessStandIn("pendulum", seed=4, initial_positions=[0.4]) as spawned:
        expected = []
        spawned.apply(JointCommand(0.0, torque))
        for _ in range(steps):
            spawned.step()
            expected.append((spawned.measure().time, *spawned.true_state().positions))
    port = free_port()
    with HandStarted(f"tcp://127.0.0.1:{port}", "--seed", "4", "--initial-positions", "[0.4]") as robot:
        with ProcessStandIn("pendulum", spawn=False, port=port, timeout=30.0, secret=SECRET) as remote:
            assert remote.transport.endpoint == f"tcp://127.0.0.1:{port}" and remote.alive and remote.rate == 0.0
            got = []
            remote.apply(JointCommand(0.0, torque))
            for _ in range(steps):
                remote.step()
                got.append((remote.measure().time, *remote.true_state().positions))
            with pytest.raises(Exception, match="did not start"):
                remote.kill()
            remote.stop_robot()
            assert robot.wait(timeout=20) == 0  # it obeyed the stop and exited cleanly
        # same steps, same robot: the exact state and its time (the encoders' noise differs when the twin had to
        # ask a robot started by hand for its state more than once, each answer being a fresh reading)
        np.testing.assert_array_equal(np.array(got), np.array(expected))
    assert not [c for c in psutil.net_connections("inet") if c.laddr and c.laddr.port == port and c.status == "LISTEN"]


def test_a_step_waits_for_its_own_answer_not_a_state_the_robot_sent_unasked():
    # A twin waiting for a robot started elsewhere repeats its 'report' request; on a busy machine the answers to
    # the extra requests are still on their way when the first step is sent. Here three are queued on purpose.
    # (Each answer is a fresh noisy reading, so the robot's exact state is compared, not its encoders.)
    steps, torque = 5, np.array([0.3])
    with ProcessStandIn("pendulum", seed=4, initial_positions=[0.4]) as quiet:
        quiet.apply(JointCommand(0.0, torque))
        expected = []
        for _ in range(steps):
            quiet.step()
            expected.append((quiet.measure().time, quiet.true_state().positions.copy()))
    with ProcessStandIn("pendulum", seed=4, initial_positions=[0.4]) as asked:
        asked.apply(JointCommand(0.0, torque))
        got = []
        for _ in range(steps):
            for _ in range(3):
                assert asked.transport.send(encode("control", 0, asked.clock(), action="report"))
            asked.step()
            got.append((asked.measure().time, asked.true_state().positions.copy()))
    assert [t for t, _ in got] == [t for t, _ in expected]  # each step's own state: one time step later
    np.testing.assert_array_equal(np.array([q for _, q in got]), np.array([q for _, q in expected]))


def test_waiting_for_a_robot_that_never_comes_says_what_to_start():
    from twin.physical_system.process import StandInError

    port = free_port()
    with pytest.raises(StandInError, match=f"twin-standin --connect tcp://127.0.0.1:{port}"):
        ProcessStandIn("pendulum", spawn=False, port=port, timeout=0.3)
    assert not [c for c in psutil.net_connections("inet") if c.laddr and c.laddr.port == port and c.status == "LISTEN"]
    with pytest.raises(ValueError, match="twin-standin"):
        ProcessStandIn("pendulum", spawn=False, rate=100.0)  # options of a spawned stand-in are refused
    with pytest.raises(ValueError, match="--seed"):
        ProcessStandIn("pendulum", spawn=False, seed=4)  # the seed too: it is the robot's, not the twin's
    with pytest.raises(ValueError, match="port"):
        ProcessStandIn("pendulum", spawn=False, port=70000)


def test_a_second_twin_joins_a_lock_step_robot_that_is_already_running():
    """A lock-step robot speaks only when told to step; a twin that connects later must still learn its state."""
    port, dt = free_port(), 0.005
    with HandStarted(f"tcp://127.0.0.1:{port}", "--time-step", repr(dt), "--initial-positions", "[0.4]"):
        with ProcessStandIn("pendulum", spawn=False, port=port, time_step=dt, secret=SECRET) as first:
            first.apply(JointCommand(0.0, np.array([0.5])))
            for _ in range(10):
                first.step()
            left_at, left_in = first.measure().time, first.true_state()
        with pytest.raises(ValueError, match=rf"time_step={dt!r}.*--time-step {DEFAULT_TIME_STEP!r}"):
            ProcessStandIn(
                "pendulum", spawn=False, port=port, secret=SECRET
            )  # the twin's default step is not the robot's
        with ProcessStandIn("pendulum", spawn=False, port=port, time_step=dt, stale_after=0.2, secret=SECRET) as second:
            assert second.measure().time == pytest.approx(left_at, abs=1e-12)  # where the first twin left it
            np.testing.assert_array_equal(second.true_state().positions, left_in.positions)
            np.testing.assert_array_equal(second.true_state().velocities, left_in.velocities)
            time.sleep(3 * second.monitor.stale_after)  # nobody polls meanwhile; the robot keeps heartbeating
            assert second.alive  # alive takes in what arrived before it judges
            second.step()
            assert second.measure().time == pytest.approx(left_at + dt, abs=1e-12)
            second.stop_robot()


def test_a_robot_that_heartbeats_but_never_reports_a_state_is_named_as_such():
    from twin.link.schema import encode
    from twin.link.transport import ZmqTransport
    from twin.physical_system.process import StandInError

    port = free_port()
    with ZmqTransport.connect(f"tcp://127.0.0.1:{port}", secret=SECRET) as mute:  # queues until the twin listens
        mute.send(encode("heartbeat", 0, 0.0, session="mute", rate=0.0))
        with pytest.raises(StandInError, match="heard heartbeats.*no state"):
            ProcessStandIn("pendulum", spawn=False, port=port, timeout=3.0, secret=SECRET)


def test_a_port_in_use_and_a_reset_of_the_wrong_length_say_what_to_do():
    from twin.link.transport import ZmqTransport

    with ZmqTransport.bind() as taken:
        port = int(taken.endpoint.rsplit(":", 1)[1])
        with pytest.raises(OSError, match="port=0"):
            ProcessStandIn("pendulum", port=port)
    with ProcessStandIn("pendulum") as standin:
        started = time.monotonic()
        with pytest.raises(ValueError, match=r"1 joint positions"):
            standin.reset([0.1, 0.2])
        assert time.monotonic() - started < standin.timeout  # refused at once, not after waiting for the robot
        standin.reset([0.1])  # and the link still works
        assert standin.true_state().positions.tolist() == [0.1]


def test_an_injected_transport_carries_a_streaming_robot_and_its_rate():
    from twin.link.transport import ZmqTransport

    transport = ZmqTransport.bind(secret=SECRET)  # the user's own transport carries the link's secret
    with HandStarted(transport.endpoint, "--rate", "100"):
        with ProcessStandIn("pendulum", spawn=False, transport=transport) as remote:
            assert remote.rate == 100.0  # told by the robot's heartbeat
            wait_until(lambda: remote.monitor.received >= 10, remote, "a stream from the injected transport")
            assert remote.monitor.gaps == 0 and not remote.monitor.is_stale(time.monotonic())
    assert transport.closed  # the twin closed what it was given


# -- sensor streams ----------------------------------------------------------------------------------
def test_streamed_encoders_read_the_true_angle_within_half_a_count():
    resolution = 2 * np.pi / 4096  # JointEncoders' default: 12 bits
    with ProcessStandIn("arm", sensors={"encoders": 120.0}, seed=2) as standin:
        truth = {}
        standin.apply(JointCommand(0.0, np.full(7, 2.0)))
        for _ in range(60):
            standin.step()
            truth[standin.latest["sim_t"]] = np.array(standin.latest["true_q"])
        wait_until(lambda: len(standin.sensor_samples.get("encoders", ())) >= 30, standin, "30 encoder samples")
        stream = standin.sensor_samples["encoders"]
    np.testing.assert_allclose(np.diff(stream.times), 1 / 120.0, atol=1e-9)  # the encoder's rate, simulated clock
    assert stream.values.shape == (30, 7)
    errors = np.array([stream.values[k] - truth[t] for k, t in enumerate(stream.times)])
    assert np.abs(errors).max() <= resolution / 2 + 1e-12  # quantisation is the only error (noise off)
    assert np.abs(np.diff(stream.values, axis=0)).max() > 10 * resolution  # and the arm really moved


def test_streamed_imu_on_a_still_pendulum_feels_gravity_and_no_rotation():
    with ProcessStandIn("pendulum", sensors={"imu": 120.0}, initial_positions=[0.0]) as standin:
        for _ in range(240):
            standin.step()
        wait_until(lambda: len(standin.sensor_samples.get("imu", ())) >= 120, standin, "120 IMU samples")
        values = standin.sensor_samples["imu"].values
    assert values.shape == (120, 6)
    from twin.sensors.imu import ADIS16448_ACCELEROMETER as spec
    from twin.sensors.imu import ADIS16448_GYROSCOPE
    from twin.sim.world import STANDARD_GRAVITY

    accel, gyro = values[:, :3].mean(axis=0), values[:, 3:].mean(axis=0)
    bias = np.asarray(spec.bias)
    # hanging still, the link's z axis up: specific force +1 g on z, read through the datasheet's bias and scale
    assert accel[2] == pytest.approx((STANDARD_GRAVITY + bias[2]) * (1 + spec.scale_factor), abs=0.01)
    tilt = spec.misalignment * STANDARD_GRAVITY  # a misaligned axis sees a little of gravity
    assert np.all(np.abs(accel[:2] - bias[:2]) < tilt + 0.01)
    np.testing.assert_allclose(gyro, ADIS16448_GYROSCOPE.bias, atol=0.005)  # no rotation: the gyro bias only


def test_the_first_imu_sample_after_a_reset_feels_gravity_not_the_jump_in_velocity():
    """A reset puts the swinging pendulum at rest at once: that jump is not an acceleration the IMU may report."""
    from twin.sim.world import STANDARD_GRAVITY

    with ProcessStandIn("pendulum", sensors={"imu": 240.0}, initial_positions=[1.0]) as standin:
        for _ in range(20):
            standin.step()  # swinging down: the link moves at about 1 m/s
        standin.reset([0.0])  # hanging straight down, at rest
        reset_at = standin.latest["sim_t"]
        standin.step()
        samples = standin.sensor_samples
        wait_until(lambda: "imu" in samples and samples["imu"].times[-1] > reset_at, standin, "an IMU sample after it")
        after = samples["imu"].values[samples["imu"].times > reset_at][0]
    # at rest, link z up: specific force +1 g on z, within the datasheet's bias, scale and noise
    np.testing.assert_allclose(after[:3], [0.0, 0.0, STANDARD_GRAVITY], atol=0.3)


def test_a_full_sensor_stream_keeps_the_newest_samples_and_counts_the_discarded():
    from twin.physical_system.process import SensorStream

    stream = SensorStream("encoders", capacity=3)
    for k in range(5):
        stream.add(k / 100.0, np.array([k, -k], float))
    assert len(stream) == 3 and stream.discarded == 2
    np.testing.assert_array_equal(stream.times, [0.02, 0.03, 0.04])
    np.testing.assert_array_equal(stream.values, [[2, -2], [3, -3], [4, -4]])
    with pytest.raises(ValueError, match="capacity"):
        SensorStream("imu", capacity=0)


def test_unknown_sensor_names_and_bad_rates_are_refused_before_spawning():
    with pytest.raises(ValueError, match="encoders"):
        ProcessStandIn("pendulum", sensors={"lidar": 10.0})
    with pytest.raises(ValueError, match="Hz"):
        ProcessStandIn("pendulum", sensors={"imu": -5})


# -- keeping in sync with a free-running stream ------------------------------------------------------
def dead_reckoning_tolerance(newest: float, q: np.ndarray, qd: np.ndarray, ahead: float = 0.04) -> float:
    """The rounding of ``q + qd * ((newest + ahead) - newest)`` in float64: the sum ``newest + ahead`` is off by
    up to half an ulp of it, which the velocity carries into the position; the product and the final sum add an
    ulp each. Times are seconds since the link started, so ``newest`` is small and so is this bound."""
    time_error = 0.5 * np.spacing(abs(newest) + ahead)
    return float(np.max(np.abs(qd) * time_error + 2 * np.spacing(np.abs(q) + np.abs(qd) * ahead)))


def test_streamed_timestamps_are_mapped_onto_the_local_clock_and_dead_reckoned_after_a_crash():
    offset = 2.5  # the stand-in's clock runs 2.5 s ahead of ours
    with ProcessStandIn("pendulum", rate=200.0, clock_offset=offset, initial_positions=[1.0]) as standin:
        sync = standin.synchronise_clocks(probes=8)
        assert abs(sync.offset - offset) <= sync.error_bound
        seq = standin.latest.seq
        wait_until(lambda: standin.latest.seq >= seq + 20, standin, "20 states after clock sync")
        message = standin.latest
        arrived = standin.clock()  # s since the link started: the twin's local time
        mapped = standin.buffer.newest_time
        assert mapped == pytest.approx(message.t - sync.offset, abs=1e-12)  # remote stamp, on our clock
        assert mapped <= arrived + sync.error_bound  # sent before it arrived, within the clock's bound
        assert arrived - mapped < 0.5  # and not long before (loopback: well under a millisecond, unloaded)
        between = standin.buffer.at(mapped - 0.5 / 200.0)
        assert between.how == "interpolated"
        wait_until(lambda: not standin.monitor.is_stale(time.monotonic()), standin, "a live stream")  # before...
        standin.kill()
        drain(standin)  # every state still in flight is in: the newest cannot change under the checks below
        newest = standin.buffer.newest_time
        q, qd = standin.latest["q"], standin.latest["qd"]
        ahead = standin.estimate(newest + 0.04)  # nothing more arrives: dead reckoning at constant velocity
        assert ahead.how == "extrapolated"
        np.testing.assert_allclose(ahead.positions, q + 0.04 * qd, rtol=0, atol=dead_reckoning_tolerance(newest, q, qd))
        held = standin.estimate(newest + 1.0)  # beyond max_extrapolation it stops guessing
        assert held.how == "held" and np.all(held.velocities == 0) and np.all(held.positions == q)
        assert standin.buffer.newest_time == newest  # (estimate polled, and nothing newer came)
        wait_until(lambda: standin.monitor.is_stale(time.monotonic()), standin, "the dead stream to go stale")


# -- hostile or broken input on the link -------------------------------------------------------------
class FakeRobot:
    """The robot's end of an in-process link, speaking the wire schema by hand (a peer that may misbehave)."""

    def __init__(self, end, rate: float = 100.0) -> None:
        from twin.link.schema import encode

        self.end, self.encode = end, encode
        self.end.send(encode("heartbeat", 0, 0.0, session="fake", rate=rate, time_step=DEFAULT_TIME_STEP))

    def state(self, seq: int, q, qd) -> None:
        self.end.send(self.encode("state", seq, 0.0, q=q, qd=qd))


def fake_robot_link(**options):
    """A twin over an in-process link to a ``FakeRobot`` that has sent one state (seq 0, at rest at 0.3 rad)."""
    from twin.link.transport import InProcessTransport

    twin_end, robot_end = InProcessTransport.pair(clock=time.monotonic)
    robot = FakeRobot(robot_end)
    robot.state(0, [0.3], [0.0])
    return ProcessStandIn("pendulum", spawn=False, transport=twin_end, timeout=10.0, **options), robot


def test_dead_reckoning_keeps_its_bits_on_a_machine_that_has_been_up_for_weeks(monkeypatch):
    """Subtracting two times near 3e6 s (five weeks of uptime on the monotonic clock) loses 2e-10 s; times counted
    from the link's start lose nothing that matters, whatever the machine's uptime."""
    import types

    import twin.physical_system.process as process_module

    uptime = 3.0e6
    weeks_up = types.SimpleNamespace(monotonic=lambda: time.monotonic() + uptime, sleep=time.sleep)
    monkeypatch.setattr(process_module, "time", weeks_up)
    opened = time.monotonic()
    standin, robot = fake_robot_link()
    with standin:
        q, qd = np.array([0.3]), np.array([2.5])
        for seq in range(1, 6):
            robot.state(seq, q, qd)
        wait_until(lambda: standin.latest.seq == 5, standin, "five states")
        newest = standin.buffer.newest_time
        link_age = time.monotonic() - opened  # every time on the link clock lies in [0, link_age]
        assert 0.0 <= newest <= link_age
        for ahead in np.linspace(0.01, 0.09, 9):
            estimate = standin.estimate(newest + ahead)
            assert estimate.how == "extrapolated"
            tolerance = dead_reckoning_tolerance(link_age, q, qd, ahead)
            np.testing.assert_allclose(estimate.positions, q + ahead * qd, rtol=0, atol=tolerance)


def test_huge_sequence_numbers_cost_no_memory_and_out_of_range_ones_are_counted_drops():
    import tracemalloc

    standin, robot = fake_robot_link()
    with standin:
        tracemalloc.start()
        try:
            robot.state(2**62, [0.4], [0.0])  # a jump of 2**62: counted as a gap, remembered in fixed memory
            beyond = robot.encode("state", 0, 0.0, q=[0.5], qd=[0.0])  # encode refuses the number: patch it in
            body = msgpack.unpackb(beyond)
            robot.end.send(msgpack.packb({**body, "seq": 2**64 - 1}))  # beyond a 64-bit signed counter: a drop
            wait_until(lambda: standin.inbox.received == 4, standin, "both hostile states")
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
        assert peak < 1_000_000  # bytes: a set of 2**62 numbers would never finish
        assert standin.monitor.gaps == 2**62 - 1 and standin.latest.seq == 2**62
        assert standin.inbox.dropped == {"field": 1} and standin.latest["q"].tolist() == [0.4]


def test_the_first_state_fixes_the_joint_count_and_other_lengths_are_counted_drops():
    standin, robot = fake_robot_link()
    with standin:
        robot.state(1, [0.1, 0.2, 0.3], [0.0, 0.0, 0.0])  # a three-joint state for a one-joint robot
        wait_until(lambda: standin.inbox.received == 3, standin, "the three-joint state")
        assert standin.dof == 1 and standin.inbox.dropped == {"shape": 1} and standin.latest.seq == 0
        standin.apply(JointCommand(0.0, np.array([0.2])))  # commands still fit the robot the twin talks to


def test_a_stranger_on_the_twins_port_is_refused_counted_and_gets_no_command():
    """Another program connects to the twin's endpoint and claims to be a three-joint robot: it is refused at the
    handshake, so it neither takes lock-step commands (they would time out) nor changes the joint count."""
    from twin.link.schema import encode
    from twin.link.transport import ZmqTransport

    with ProcessStandIn("pendulum", timeout=10.0) as standin:
        for secret in (None, "a guess"):
            with ZmqTransport.connect(standin.transport.endpoint, secret=secret) as stranger:
                stranger.send(encode("heartbeat", 0, 0.0, session="stranger", rate=0.0))
                stranger.send(encode("state", 10**6, 0.0, q=[1.0, 2.0, 3.0], qd=[0.0, 0.0, 0.0]))
                refused = standin.transport.refused
                deadline = time.monotonic() + 10.0
                while standin.transport.refused == refused:
                    assert time.monotonic() < deadline, "the stranger's handshake was never refused"
                    standin.poll(timeout=0.05)
                standin.apply(JointCommand(0.0, np.array([0.1])))
                for _ in range(20):
                    standin.step()  # every command reaches the robot: none goes to the stranger
                assert standin.dof == 1 and standin.monitor.reconnections == 0
        assert standin.inbox.received == standin.inbox.accepted  # nothing of the strangers' ever arrived
        assert "refused=" in repr(standin)


def wait_for_remote_drops(standin: ProcessStandIn, count: int) -> None:
    """Poll until the robot's heartbeat reports ``count`` dropped messages (it reports every 0.1 s)."""
    wait_until(lambda: standin.remote_dropped >= count, standin, f"{count} drops reported by the robot")


def test_an_oversized_message_to_the_robot_is_counted_there_and_the_link_goes_on():
    """Over the schema's limit (2 MiB): the robot's inbox drops and counts it. Over the socket's own limit (sent
    by some other program on libzmq): libzmq cuts the connection; the robot connects again by itself and counts
    the lost message. Either way the next lock-step command is answered within a second."""
    from twin.link.transport import SOCKET_MESSAGE_LIMIT

    with ProcessStandIn("pendulum", timeout=10.0) as standin:
        standin.apply(JointCommand(0.0, np.array([0.1])))
        standin.step()
        assert standin.transport.send(b"\x00" * (2 << 20))
        started = time.monotonic()
        standin.step()
        assert time.monotonic() - started < 1.0
        wait_for_remote_drops(standin, 1)
        assert not standin.transport.send(b"\x00" * (SOCKET_MESSAGE_LIMIT + 1))  # our own end refuses to cut
        assert standin.transport.send_failures == 1
        started = time.monotonic()
        standin.transport._socket.send(b"\x00" * (SOCKET_MESSAGE_LIMIT + 1))  # a program that does not refuse
        wait_for_remote_drops(standin, 2)  # reported by a heartbeat over the healed connection
        assert time.monotonic() - started < 1.0
        standin.step()  # (a command queued behind the cutting message would have been lost with it)
        assert standin.remote_dropped == 2 and standin.alive


def test_an_oversized_message_to_the_twin_is_counted_there_and_the_link_goes_on():
    from twin.link.schema import encode
    from twin.link.transport import ZmqTransport

    with ZmqTransport.bind(secret=SECRET) as twin_end, ZmqTransport.connect(twin_end.endpoint, secret=SECRET) as robot:
        robot.send(encode("heartbeat", 0, 0.0, session="big", rate=100.0, time_step=DEFAULT_TIME_STEP))
        robot.send(encode("state", 0, 0.0, q=[0.1], qd=[0.0]))
        standin = ProcessStandIn("pendulum", spawn=False, transport=twin_end, timeout=10.0)
        assert robot.send(b"\x00" * (2 << 20))
        assert robot.send(encode("state", 1, 0.0, q=[0.2], qd=[0.0]))
        wait_until(lambda: standin.latest.seq == 1, standin, "the state after the oversized message", limit=1.0)
        assert standin.inbox.dropped == {"size": 1}
        standin.close()
