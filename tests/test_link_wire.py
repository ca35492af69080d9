"""Wire schema, validation under fuzzing, transports and impairments (exact, on a simulated clock)."""

from __future__ import annotations

import math
import os
import subprocess
import sys
from pathlib import Path

import msgpack
import numpy as np
import psutil
import pytest

from twin.link.impairments import ImpairedChannel, Impairments, SimulatedClock
from twin.link.schema import (
    _OPTIONAL,
    _REQUIRED,
    MAX_MESSAGE_BYTES,
    MAX_STEPS_PER_COMMAND,
    MAX_VECTOR_LENGTH,
    REASONS,
    WIRE_VERSION,
    Inbox,
    MessageError,
    decode,
    encode,
    humanoid_state_message,
    state_vector_lengths,
)
from twin.link.transport import InProcessTransport, ZmqTransport


def raw(body: dict) -> bytes:
    return msgpack.packb(body, use_bin_type=True)


def good_state(n: int = 3) -> dict:
    return {
        "v": WIRE_VERSION,
        "type": "state",
        "seq": 1,
        "t": 0.5,
        "q": np.ones(n).tobytes(),
        "qd": np.zeros(n).tobytes(),
    }


# -- schema ------------------------------------------------------------------------------------------
def test_every_message_type_round_trips_exactly():
    q = np.array([0.1, -2.0, 3.5])
    cases = {
        "state": {"q": q, "qd": -q, "sim_t": 1.25, "true_q": q, "true_qd": q},
        "sensor": {"name": "imu", "values": q},
        "command": {"tau": q, "steps": 2},
        "heartbeat": {"session": "abc", "rate": 240.0},
        "sync_request": {"probe": 7},
        "sync_reply": {"probe": 7, "t0": 1.0, "t1": 2.0},
        "control": {"action": "reset", "q": q},
    }
    for kind, fields in cases.items():
        message = decode(encode(kind, 3, 12.5, **fields))
        assert (message.type, message.seq, message.t) == (kind, 3, 12.5)
        for name, value in fields.items():
            np.testing.assert_array_equal(message[name], value)  # float64 travels bit for bit


def test_encode_refuses_what_the_receiver_would_drop():
    with pytest.raises(ValueError, match="finite"):
        encode("state", 0, 0.0, q=[np.nan], qd=[0.0])
    with pytest.raises(ValueError, match="missing"):
        encode("state", 0, 0.0, q=[1.0])
    with pytest.raises(ValueError, match="not one of"):
        encode("pickle", 0, 0.0)
    with pytest.raises(ValueError, match="at most"):
        encode("sensor", 0, 0.0, name="lidar", values=np.zeros(5000))


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        ({**good_state(), "v": 1}, "version"),
        ({**good_state(), "type": "exec"}, "type"),
        ({**good_state(), "q": np.ones(4).tobytes()}, "shape"),
        ({**good_state(), "q": b"1234567"}, "shape"),
        ({**good_state(), "q": np.array([1.0, np.inf, 0.0]).tobytes()}, "nonfinite"),
        ({**good_state(), "t": math.nan}, "nonfinite"),
        ({**good_state(), "seq": -1}, "field"),
        ({**good_state(), "q": [1.0, 2.0, 3.0]}, "decode"),  # msgpack arrays are refused outright
        ({**good_state(), "extra": 1}, "field"),
        ({k: v for k, v in good_state().items() if k != "qd"}, "field"),
        ({"v": WIRE_VERSION, "type": "control", "seq": 0, "t": 0.0, "action": "format_disk"}, "field"),
    ],
)
def test_decode_names_what_is_wrong(body: dict, reason: str):
    with pytest.raises(MessageError) as caught:
        decode(raw(body))
    assert caught.value.reason == reason


def test_oversized_and_non_msgpack_messages_are_refused_before_parsing():
    with pytest.raises(MessageError) as caught:
        decode(b"\x00" * (MAX_MESSAGE_BYTES + 1))
    assert caught.value.reason == "size"
    import pickle

    with pytest.raises(MessageError) as caught:
        decode(pickle.dumps({"type": "state"}))  # never unpickled
    assert caught.value.reason == "decode"


def test_fuzzing_thousands_of_messages_never_crashes_and_counts_every_one(caplog):
    rng = np.random.default_rng(0)
    valid = [encode("state", i, i * 1e-3, q=rng.normal(size=7), qd=rng.normal(size=7)) for i in range(50)]
    inbox = Inbox("fuzz", expected_length=7)
    expected_drops = 0
    payloads: list[bytes] = []
    for _ in range(1500):  # random bytes of random length
        payloads.append(rng.bytes(int(rng.integers(0, 300))))
    for _ in range(1500):  # truncated valid messages: always incomplete msgpack
        message = valid[int(rng.integers(len(valid)))]
        payloads.append(message[: int(rng.integers(0, len(message)))])
        expected_drops += 1
    for _ in range(1500):  # valid messages with one byte flipped
        message = bytearray(valid[int(rng.integers(len(valid)))])
        message[int(rng.integers(len(message)))] ^= 1 << int(rng.integers(8))
        payloads.append(bytes(message))
    payloads += valid
    payloads.append(b"\x00" * (MAX_MESSAGE_BYTES + 10))
    with caplog.at_level("WARNING", logger="twin.link"):
        accepted = [inbox.accept(p) for p in payloads]
    assert inbox.received == len(payloads)
    assert inbox.accepted + sum(inbox.dropped.values()) == len(payloads)
    assert set(inbox.dropped) <= set(REASONS)
    assert inbox.dropped["size"] == 1
    assert sum(inbox.dropped.values()) >= expected_drops + 1
    assert len(caplog.records) == sum(inbox.dropped.values())  # one clear log line per drop
    for message in accepted:
        if message is not None:  # whatever got through really is a valid message of 7 joints
            assert message.type == "state" and message["q"].shape == (7,) and np.all(np.isfinite(message["q"]))


def wrong_value(rng: np.random.Generator) -> object:
    """A value of some type the schema may not expect: maps, lists, None, huge ints, nan, text, odd bytes."""
    choices = [
        lambda: {"a": 1},
        lambda: {},
        lambda: [1.0, 2.0],
        lambda: None,
        lambda: True,
        lambda: 2**64 - 1,
        lambda: -(2**63),
        lambda: -1,
        lambda: math.nan,
        lambda: math.inf,
        lambda: float(rng.normal()),
        lambda: int(rng.integers(0, 10**6)),
        lambda: "state",
        lambda: "x" * 300,
        lambda: "",
        lambda: rng.bytes(int(rng.integers(0, 20))),  # usually not a whole number of float64
        lambda: np.full(int(rng.integers(1, 5)), np.nan).tobytes(),
        lambda: np.ones(int(rng.integers(1, 5))).tobytes(),
        lambda: np.ones(MAX_VECTOR_LENGTH + 1).tobytes(),
    ]
    return choices[int(rng.integers(len(choices)))]()


def structured_fuzz(rng: np.random.Generator, count: int) -> list[bytes]:
    """Maps built from the schema's own keys, with well-formed or wrong-typed values, keys left out or added."""
    payloads = []
    kinds = list(_REQUIRED)
    for _ in range(count):
        kind = kinds[int(rng.integers(len(kinds)))]
        body: dict = {"v": WIRE_VERSION, "type": kind, "seq": int(rng.integers(0, 100)), "t": float(rng.random())}
        for name, spec in {**_REQUIRED[kind], **_OPTIONAL.get(kind, {})}.items():
            if rng.random() < 0.5:
                body[name] = {"vector": np.ones(3).tobytes(), "str": "ok", "int": 3, "number": 1.5}[spec]
        for _ in range(int(rng.integers(1, 4))):  # then break one to three things
            keys = ["v", "type", "seq", "t", *_REQUIRED[kind], *_OPTIONAL.get(kind, {}), "extra"]
            key = keys[int(rng.integers(len(keys)))]
            if rng.random() < 0.15:
                body.pop(key, None)
            else:
                body[key] = wrong_value(rng)
        try:
            payloads.append(msgpack.packb(body, use_bin_type=True))
        except (OverflowError, ValueError, TypeError):  # e.g. an int msgpack cannot hold: not sendable anyway
            continue
    return payloads


def test_structured_fuzzing_with_wrong_types_never_raises_and_counts_every_one(caplog):
    rng = np.random.default_rng(11)
    payloads = structured_fuzz(rng, 6000)
    payloads += [
        raw({"v": WIRE_VERSION, "type": {}}),  # once crashed decode: an unhashable type
        raw({"v": WIRE_VERSION, "type": ["state"]}),
        raw({"v": {}, "type": "state"}),
        raw({"v": WIRE_VERSION, "type": "control", "seq": 0, "t": 0.0, "action": "reset"}),  # reset without q
        raw({"v": WIRE_VERSION, "type": "command", "seq": 0, "t": 0.0, "tau": b"", "steps": 2**63}),
        raw({b"v": WIRE_VERSION, "type": "state"}),  # bytes keys
    ]
    assert len(payloads) > 5000
    inbox = Inbox("structured", expected_length=3)
    with caplog.at_level("WARNING", logger="twin.link"):
        for payload in payloads:
            message = inbox.accept(payload)  # never raises
            if message is not None:
                decode(payload)  # anything accepted really is valid
    assert inbox.received == len(payloads) == inbox.accepted + sum(inbox.dropped.values())
    assert inbox.dropped["error"] == 0  # every drop has a real reason: validation caught it, not the safety net
    assert set(inbox.dropped) <= set(REASONS) and inbox.accepted > 0
    assert len(caplog.records) == sum(inbox.dropped.values())


def test_crash_cases_found_by_the_audit_are_refused_with_a_reason():
    cases = {
        "type": {"v": WIRE_VERSION, "type": {}},
        "field": {"v": WIRE_VERSION, "type": "control", "seq": 0, "t": 0.0, "action": "reset"},
    }
    for reason, body in cases.items():
        with pytest.raises(MessageError) as caught:
            decode(raw(body))
        assert caught.value.reason == reason
    too_many = {"v": WIRE_VERSION, "type": "command", "seq": 0, "t": 0.0, "tau": b""}
    too_many["steps"] = MAX_STEPS_PER_COMMAND + 1
    with pytest.raises(MessageError, match="several commands") as caught:
        decode(raw(too_many))
    assert caught.value.reason == "field"
    assert decode(raw({**too_many, "steps": MAX_STEPS_PER_COMMAND}))["steps"] == MAX_STEPS_PER_COMMAND
    with pytest.raises(ValueError, match="needs q"):
        encode("control", 0, 0.0, action="reset")
    with pytest.raises(ValueError, match="several commands"):
        encode("command", 0, 0.0, tau=[0.0], steps=MAX_STEPS_PER_COMMAND + 1)


def test_inbox_counts_an_unexpected_exception_as_a_drop(monkeypatch, caplog):
    import twin.link.schema as schema

    def broken(payload: bytes) -> None:
        raise KeyError("a bug in validation")

    monkeypatch.setattr(schema, "decode", broken)
    inbox = Inbox("safety-net")
    with caplog.at_level("ERROR", logger="twin.link"):
        assert inbox.accept(b"anything") is None
    assert inbox.dropped == {"error": 1} and inbox.received == 1
    assert "KeyError" in caplog.text and "bug" in caplog.text


def test_humanoid_state_message_size():
    nq, nv = state_vector_lengths(spherical_joints=8, revolute_joints=4)
    assert (nq, nv) == (7 + 32 + 4, 6 + 24 + 4)
    payload = humanoid_state_message()
    assert 2 * 43 * 8 < len(payload) < 2 * 43 * 8 + 64  # the floats plus a small envelope
    assert decode(payload)["q"].size == 43


# -- transports --------------------------------------------------------------------------------------
def test_zmq_round_trip_on_loopback_only():
    with ZmqTransport.bind() as twin_end:
        assert twin_end.endpoint.startswith("tcp://127.0.0.1:")
        port = int(twin_end.endpoint.rsplit(":", 1)[1])
        listening = [
            c
            for c in psutil.Process().net_connections(kind="inet")
            if c.status == psutil.CONN_LISTEN and c.laddr.port == port
        ]
        assert [c.laddr.ip for c in listening] == ["127.0.0.1"]
        with ZmqTransport.connect(twin_end.endpoint) as robot_end:
            payload = encode("command", 0, 1.0, tau=[0.5, -0.5], steps=0)
            assert robot_end.send(encode("heartbeat", 0, 0.0, session="s", rate=0.0))
            assert decode(twin_end.receive(timeout=10.0)).type == "heartbeat"
            assert twin_end.send(payload)
            assert robot_end.receive(timeout=10.0) == payload
            assert robot_end.receive(timeout=0.0) is None


def test_a_closed_zmq_transport_says_it_is_closed_and_numpy_ports_and_sequence_numbers_are_accepted():
    """send/receive after close() failed with libzmq's 'Socket operation on non-socket'; queue_limit=-1 was
    blamed on the endpoint; ZmqTransport.bind(port=np.int64(0)) and encode(..., seq=np.int64(1)) were refused."""
    with ZmqTransport.bind(port=np.int64(0)) as twin_end:
        pass
    twin_end.close()  # twice: nothing happens
    with pytest.raises(RuntimeError, match="cannot send: this ZmqTransport .* is closed"):
        twin_end.send(b"x")
    with pytest.raises(RuntimeError, match="cannot receive: this ZmqTransport .* is closed"):
        twin_end.receive(timeout=0.01)
    for limit in (-1, 2.5):
        with pytest.raises(ValueError, match=f"queue_limit={limit} must be a positive integer"):
            ZmqTransport.bind(queue_limit=limit)
    assert decode(encode("heartbeat", np.int64(7), 0.0, session="s", rate=0.0)).seq == 7


def test_zmq_twin_end_refuses_to_queue_for_a_missing_robot():
    with ZmqTransport.bind() as twin_end:
        assert not twin_end.send(b"nobody is listening")
        assert twin_end.send_failures == 1 and twin_end.sent == 0


def test_in_process_transport_is_exact_on_a_simulated_clock():
    clock = SimulatedClock()
    a, b = InProcessTransport.pair(Impairments(latency=0.003), Impairments(latency=0.001), clock=clock)
    a.send(b"there")
    b.send(b"back")
    clock.advance(0.001)
    assert (a.receive(), b.receive()) == (b"back", None)
    clock.advance(0.002)
    assert b.receive() == b"there"


# -- impairments -------------------------------------------------------------------------------------
def test_latency_and_bandwidth_give_exact_arrival_times():
    channel = ImpairedChannel(Impairments(latency=0.01, bandwidth=1000.0))
    arrivals = [channel.send(b"x" * 100, now=0.0) for _ in range(3)]  # 0.1 s of serialisation each
    np.testing.assert_allclose(arrivals, [0.11, 0.21, 0.31])
    assert channel.receive(0.2) == [b"x" * 100] and channel.receive(0.2) == []
    assert len(channel.receive(0.3)) == 1 and channel.receive(0.305) == [] and len(channel.receive(0.32)) == 1


def test_loss_rate_matches_its_probability():
    channel = ImpairedChannel(Impairments(loss=0.2), seed=1)
    n = 5000
    for i in range(n):
        channel.send(bytes([i % 256]), now=i * 1e-3)
    assert abs(channel.lost / n - 0.2) < 4 * math.sqrt(0.2 * 0.8 / n)
    assert len(channel.receive(10.0)) == n - channel.lost == channel.delivered


def test_jitter_never_delivers_early_and_reordering_is_counted():
    channel = ImpairedChannel(Impairments(latency=0.002, jitter=0.001, reorder=0.1, reorder_delay=0.005), seed=2)
    sends = [channel.send(i.to_bytes(2, "big"), now=i * 1e-3) for i in range(1000)]
    assert all(arrival >= i * 1e-3 + 0.002 for i, arrival in enumerate(sends))
    order = [int.from_bytes(p, "big") for p in channel.receive(100.0)]
    assert sorted(order) == list(range(1000))
    out_of_order = sum(1 for k, index in enumerate(order) if index < max(order[:k], default=-1))
    assert channel.reordered == out_of_order > 0


def test_impairments_refuse_nonsense():
    with pytest.raises(ValueError, match="probability"):
        Impairments(loss=1.5)
    with pytest.raises(ValueError, match="seconds"):
        Impairments(latency=-0.001)
    with pytest.raises(ValueError, match="bytes/s"):
        Impairments(bandwidth=0)


def test_impairments_take_numpy_numbers_and_refuse_bools_percentages_and_warn_of_milliseconds():
    """np.int64(0) and np.float32(0.1) were refused as 'not a finite number'; True passed as one second of latency,
    a 100 % loss or 1 byte/s; latency=20 (meant: 20 ms) silently delayed every message by 20 s."""
    assert Impairments(latency=np.int64(0), loss=np.float32(0.1)).loss == np.float32(0.1)
    for field in ("latency", "loss", "bandwidth"):
        with pytest.raises(TypeError, match=f"{field} must be a number"):
            Impairments(**{field: True})
    with pytest.raises(ValueError, match=r"loss=5 .*not a percentage: 5 % is 0.05"):
        Impairments(loss=5)
    with pytest.warns(UserWarning, match=r"latency=20 s is longer than any network's delay.*latency=0.02"):
        Impairments(latency=20)
    with pytest.raises(ValueError, match="seconds=nan"):
        SimulatedClock().advance(math.nan)  # the clock stayed NaN, and nothing ever arrived
    assert SimulatedClock(1.0).advance(np.float32(0.5)) == 1.5


def test_an_impaired_link_refuses_settings_and_messages_of_the_wrong_kind_at_once():
    """ImpairedLink(0.01) and ImpairedLink(time_step=0) were accepted: the first failed at the first send with an
    AttributeError, the second delivered every message at t = 0; sending a str failed with 'no attribute time'."""
    from twin.link.impaired_link import ImpairedLink

    with pytest.raises(TypeError, match=r"uplink must be an Impairments.*got 0.01"):
        ImpairedLink(0.01)
    with pytest.raises(ValueError, match=r"time_step=0 .*seconds per twin step"):
        ImpairedLink(time_step=0)
    with pytest.raises(ValueError, match=r"seed=1.5 must be a non-negative integer"):
        ImpairedLink(seed=1.5)
    with pytest.raises(TypeError, match="measurement link sends a StateMeasurement or a JointCommand"):
        ImpairedLink().uplink.send("q = 0.1", 0)


def test_a_live_stand_in_survives_structured_fuzzing_and_reports_every_drop():
    """The audit's crash cases and thousands of wrong-typed maps, sent to a real stand-in process."""
    import time

    from twin.core.messages import JointCommand
    from twin.physical_system.process import ProcessStandIn

    rng = np.random.default_rng(12)
    crashers = [
        raw({"v": WIRE_VERSION, "type": {}}),
        raw({"v": WIRE_VERSION, "type": "control", "seq": 0, "t": 0.0, "action": "reset"}),
        raw({"v": WIRE_VERSION, "type": "command", "seq": 0, "t": 0.0, "tau": np.zeros(1).tobytes(), "steps": 2**40}),
    ]
    judge = Inbox("judge", expected_length=1)  # the stand-in's own rules for a one-joint pendulum
    fuzz = []
    for payload in crashers + structured_fuzz(rng, 3000):
        message = decode_or_none(payload)
        if message is not None and message.type == "control" and message["action"] == "stop":
            continue  # a valid stop would (rightly) stop it
        fuzz.append(payload)
    with ProcessStandIn("pendulum") as standin:
        sent = 0
        for payload in fuzz:
            while not standin.transport.send(payload):  # never overrun the queue: every one must arrive
                standin.poll(timeout=0.001)
            sent += 1
            judge.accept(payload)
        expected_drops = sum(judge.dropped.values())
        assert sent == len(fuzz) and expected_drops > 0.9 * sent
        standin.apply(JointCommand(0.0, np.array([0.1])))
        standin.step()  # it processed everything before this, in order, and still answers
        assert standin.alive and standin.measure().positions.shape == (1,)
        deadline = time.monotonic() + 20
        while standin.remote_dropped < expected_drops and time.monotonic() < deadline:
            standin.poll(timeout=0.05)  # its next heartbeat reports the count
        assert standin.remote_dropped == expected_drops  # every bad message counted there too, none missed
        assert sum(standin.inbox.dropped.values()) == 0  # and it only ever sent valid messages back


def decode_or_none(payload: bytes):
    try:
        return decode(payload)
    except MessageError:
        return None


def test_the_link_benchmarks_echo_gives_up_when_nobody_takes_its_stream():
    """The far end of ``bench_link.py`` retries a full queue only for a while: it must not spin on once the
    benchmark is gone (it was seen at 96 % CPU long after)."""
    script = Path(__file__).resolve().parents[1] / "benchmarks" / "bench_link.py"
    with ZmqTransport.bind() as transport:
        command = [sys.executable, str(script), "--echo", transport.endpoint, "--stream", "100000000"]
        echo = subprocess.Popen([*command, "--parent-pid", str(os.getpid())], stderr=subprocess.PIPE, text=True)
        try:
            assert transport.receive(timeout=60.0) is not None, "the echo process did not start"
            assert transport.send(encode("command", 0, 0.0, tau=[0.0], steps=0))  # "start streaming"
            transport.close()  # and never read a message: its queue fills and stays full
            _, errors = echo.communicate(timeout=120)  # raises if it spins on
            assert echo.returncode == 0 and "took no message" in errors
        finally:
            if echo.poll() is None:
                echo.kill()
                echo.wait()


@pytest.mark.parametrize("port", [70000, -1, "abc", 1.5, True])
def test_bad_ports_are_refused_with_the_valid_range(port):
    with pytest.raises(ValueError, match=r"1 \.\. 65535"):
        ZmqTransport.bind(port=port)


@pytest.mark.parametrize(
    "endpoint", ["tcp://127.0.0.1:70000", "tcp://127.0.0.1:0", "tcp://127.0.0.1", "tcp://127.0.0.1:x", "127.0.0.1:5"]
)
def test_bad_endpoints_are_refused_before_connecting(endpoint):
    with pytest.raises(ValueError, match=r"tcp://127\.0\.0\.1:5555"):
        ZmqTransport.connect(endpoint)


@pytest.mark.parametrize(
    ("arguments", "said"),
    [
        (["--connect", "tcp://127.0.0.1:70000"], "1 .. 65535"),
        ([], "--connect"),
        (["--connect", "tcp://127.0.0.1:5555", "--robot", "robocop"], "pendulum"),
        (["--connect", "tcp://127.0.0.1:5555", "--rate", "-3"], "--rate"),
    ],
)
def test_twin_standin_command_line_errors_are_one_line(arguments, said):
    result = subprocess.run(
        [sys.executable, "-m", "twin.physical_system.server", *arguments], capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 2 and result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("twin-standin: error:") and said in lines[0], result.stderr


def test_twin_standin_help_names_the_command_as_typed():
    result = subprocess.run(
        [sys.executable, "-m", "twin.physical_system.server", "--help"], capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0 and result.stdout.startswith("usage: twin-standin ")
    assert "TWIN_LINK_SECRET" in result.stdout
