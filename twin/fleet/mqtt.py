"""Fleet telemetry over MQTT, the publish/subscribe protocol industrial twin platforms use.

Each robot publishes its state and health on its own topic, ``fleet/<robot>/state``, at QoS 0 (at most once:
a lost sample is replaced by the next one), through a broker. A dashboard subscribes to ``fleet/+/state`` and
sees every robot without knowing how many there are. ZeroMQ (``twin.link``) connects two ends directly; MQTT
puts a broker in between: one more hop, and one place that knows the whole fleet.

- ``MqttBroker``: the course's broker (amqtt, pure Python) in a process of its own on 127.0.0.1 and a free port;
  ``close()`` (or ``with``, or interpreter exit) terminates it. Any MQTT 3.1.1/5 broker works by address
  (e.g. ``mosquitto -p 1883``).
- ``TelemetryPublisher`` / ``TelemetrySubscriber``: paho-mqtt clients. A broker that is not running gives
  ``BrokerNotRunning``, saying how to start one.
- ``publish_bytes`` / ``zmq_frame_bytes``: bytes one message costs on each protocol (TCP/IP headers excluded);
  ``mqtt_latency`` / ``zmq_latency``: one-way latency of the same state message, measured here.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
import weakref
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType

import msgpack
import numpy as np

LOOPBACK = "127.0.0.1"
STATE_TOPIC = "fleet/{robot}/state"
ALL_STATES = "fleet/+/state"
START_HINT = (
    "Start the course's broker in Python with `broker = twin.fleet.mqtt.MqttBroker()` and pass `*broker.address`, "
    "or run a broker yourself (`amqtt` or `mosquitto -p 1883`) and pass its host and port."
)


class BrokerNotRunning(ConnectionError):
    """No MQTT broker answered at the given address."""


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind((LOOPBACK, 0))
        return probe.getsockname()[1]


def _stop(process: subprocess.Popen, log: Path) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)
    log.unlink(missing_ok=True)


class MqttBroker:
    """An amqtt broker in its own process, listening on 127.0.0.1 only.

    ``close()`` (or leaving a ``with`` block, or this object being collected, or the interpreter's exit) stops it;
    when this process dies without any of those (a killed kernel), the broker notices within a fraction of a
    second and exits by itself, freeing its port.

    Args:
        port: TCP port (default: a free one). start_timeout: seconds to wait for it to accept connections.
    """

    def __init__(self, port: int | None = None, start_timeout: float = 20.0) -> None:
        self.host = LOOPBACK
        self.port = port if port is not None else _free_port()
        package_root = str(Path(__file__).resolve().parents[2])  # so the broker process imports this twin
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [package_root, os.environ.get("PYTHONPATH")]))}
        handle, name = tempfile.mkstemp(prefix="twin-broker-", suffix=".log")
        self._log = Path(name)
        with os.fdopen(handle, "w") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "twin.fleet._broker", str(self.port), str(os.getpid())],  # exits with us
                stdout=subprocess.DEVNULL,
                stderr=log,
                env=env,
            )
        self._finalizer = weakref.finalize(self, _stop, self.process, self._log)
        deadline = time.monotonic() + start_timeout
        while True:
            if self.process.poll() is not None:
                message = self._log.read_text()[-2000:]
                self.close()
                raise RuntimeError(f"the MQTT broker exited at start (port {self.port} in use?):\n{message}")
            try:
                with socket.create_connection((self.host, self.port), timeout=0.5):
                    break
            except OSError:
                if time.monotonic() > deadline:
                    self.close()
                    raise TimeoutError(f"the MQTT broker did not accept connections within {start_timeout} s") from None
                time.sleep(0.05)

    @property
    def address(self) -> tuple[str, int]:
        """(host, port) to give publishers and subscribers."""
        return self.host, self.port

    @property
    def running(self) -> bool:
        return self.process.poll() is None

    def close(self) -> None:
        """Terminate the broker process; safe to call twice."""
        self._finalizer()

    def __enter__(self) -> MqttBroker:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, value: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"MqttBroker({self.host}:{self.port}, {'running' if self.running else 'stopped'})"


def encode_state(robot: str, t: float, positions: np.ndarray, health: float, sent: float) -> bytes:
    """One telemetry message (msgpack): robot name, simulated time s, joint positions rad, HI rad, send time s."""
    q = np.asarray(positions, dtype="<f8")
    return msgpack.packb(
        {"robot": robot, "t": float(t), "q": q.tobytes(), "health": float(health), "sent": float(sent)},
        use_bin_type=True,
    )


def decode_state(payload: bytes) -> dict:
    """The fields of ``encode_state``; ``q`` back as a float64 array."""
    body = msgpack.unpackb(payload, raw=False)
    body["q"] = np.frombuffer(body["q"], dtype="<f8")
    return body


def _client(client_id: str):  # noqa: ANN202 - paho's Client
    import paho.mqtt.client as mqtt

    return mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=client_id, protocol=mqtt.MQTTv311)


def _connect(client: object, host: str, port: int, timeout: float) -> None:
    connected = threading.Event()
    client.on_connect = lambda *args: connected.set()
    try:
        client.connect(host, port, keepalive=30)
    except OSError as error:  # refused, unreachable, timed out
        raise BrokerNotRunning(f"no MQTT broker at {host}:{port} ({error}). {START_HINT}") from None
    client.loop_start()
    if not connected.wait(timeout):
        client.loop_stop()
        raise BrokerNotRunning(f"the MQTT broker at {host}:{port} did not accept the connection in {timeout} s.")


class TelemetryPublisher:
    """A robot's side: publishes state and health on ``fleet/<robot>/state`` at QoS 0."""

    def __init__(self, host: str = LOOPBACK, port: int = 1883, client_id: str = "", timeout: float = 5.0) -> None:
        self._client = _client(client_id)
        _connect(self._client, host, port, timeout)
        self.sent = 0
        self.bytes_sent = 0

    def publish(self, topic: str, payload: bytes) -> None:
        info = self._client.publish(topic, payload, qos=0)
        if info.rc != 0:
            raise ConnectionError(f"publish on {topic!r} failed with paho error code {info.rc}.")
        self.sent += 1
        self.bytes_sent += publish_bytes(topic, payload)

    def publish_state(self, robot: str, t: float, positions: np.ndarray, health: float) -> bytes:
        """Publish one state message; returns its payload."""
        payload = encode_state(robot, t, positions, health, time.time())
        self.publish(STATE_TOPIC.format(robot=robot), payload)
        return payload

    def close(self) -> None:
        self._client.disconnect()
        self._client.loop_stop()


class TelemetrySubscriber:
    """A dashboard's side: subscribes to ``topic`` (default every robot's state) and keeps what arrives.

    ``messages`` holds ``(topic, payload, arrival perf_counter s)``; ``wait_for(n)`` blocks until n arrived.
    """

    def __init__(
        self, host: str = LOOPBACK, port: int = 1883, topic: str = ALL_STATES, client_id: str = "", timeout: float = 5.0
    ) -> None:
        self._client = _client(client_id)
        self.messages: list[tuple[str, bytes, float]] = []
        self._arrived = threading.Condition()
        subscribed = threading.Event()
        self._client.on_message = self._on_message
        self._client.on_subscribe = lambda *args: subscribed.set()
        _connect(self._client, host, port, timeout)
        self._client.subscribe(topic, qos=0)
        if not subscribed.wait(timeout):
            self.close()
            raise BrokerNotRunning(f"the MQTT broker at {host}:{port} did not confirm the subscription to {topic!r}.")

    def _on_message(self, client: object, userdata: object, message: object) -> None:
        arrival = time.perf_counter()
        with self._arrived:
            self.messages.append((message.topic, bytes(message.payload), arrival))
            self._arrived.notify_all()

    def wait_for(self, count: int, timeout: float = 5.0) -> bool:
        """True once ``count`` messages have arrived, False after ``timeout`` s."""
        with self._arrived:
            return self._arrived.wait_for(lambda: len(self.messages) >= count, timeout)

    def latest_by_robot(self) -> dict[str, dict]:
        """The last state each robot sent, decoded, by robot name."""
        with self._arrived:
            snapshot = list(self.messages)
        return {body["robot"]: body for body in (decode_state(p) for _, p, _ in snapshot)}

    def close(self) -> None:
        self._client.disconnect()
        self._client.loop_stop()


def _remaining_length_bytes(length: int) -> int:
    return 1 if length < 128 else 2 if length < 16_384 else 3 if length < 2_097_152 else 4


def publish_bytes(topic: str, payload: bytes) -> int:
    """Bytes of one MQTT 3.1.1 QoS-0 PUBLISH packet: fixed header, topic (length-prefixed), payload."""
    remaining = 2 + len(topic.encode()) + len(payload)
    return 1 + _remaining_length_bytes(remaining) + remaining


def zmq_frame_bytes(payload: bytes) -> int:
    """Bytes of one ZMTP 3 message frame: flags, then a 1-byte (< 256) or 8-byte length, then the payload."""
    return (2 if len(payload) < 256 else 9) + len(payload)


@dataclass(frozen=True)
class LatencyResult:
    """One-way latencies (s) of ``messages`` messages of ``payload_bytes``, and bytes on the wire per message."""

    protocol: str
    latencies: np.ndarray
    payload_bytes: int
    wire_bytes: int

    @property
    def median(self) -> float:
        return float(np.median(self.latencies))

    def percentile(self, q: float) -> float:
        return float(np.percentile(self.latencies, q))


def _sample_payload(joints: int, seed: int) -> bytes:
    rng = np.random.default_rng(seed)
    return encode_state("axis-00", 0.0, rng.normal(size=joints), 1e-3, 0.0)


def mqtt_latency(broker: tuple[str, int], messages: int = 200, joints: int = 7, seed: int = 0) -> LatencyResult:
    """Publish the same state message ``messages`` times through the broker, one at a time, and time each
    from ``publish`` to its arrival at a subscriber in this process (one clock: ``time.perf_counter``)."""
    if messages < 1:
        raise ValueError(f"messages={messages} must be >= 1.")
    payload = _sample_payload(joints, seed)
    topic = STATE_TOPIC.format(robot="axis-00")
    subscriber = TelemetrySubscriber(*broker, topic=topic, client_id="latency-subscriber")
    publisher = TelemetryPublisher(*broker, client_id="latency-publisher")
    latencies = np.empty(messages)
    try:
        for i in range(messages):
            sent = time.perf_counter()
            publisher.publish(topic, payload)
            if not subscriber.wait_for(i + 1, timeout=5.0):
                raise TimeoutError(f"message {i} did not arrive through the broker within 5 s.")
            latencies[i] = subscriber.messages[i][2] - sent
    finally:
        publisher.close()
        subscriber.close()
    return LatencyResult("MQTT via broker", latencies, len(payload), publish_bytes(topic, payload))


def zmq_latency(messages: int = 200, joints: int = 7, seed: int = 0) -> LatencyResult:
    """The same message over the twin's ZeroMQ link (``twin.link.transport.ZmqTransport``), end to end."""
    from twin.link.transport import ZmqTransport

    if messages < 1:
        raise ValueError(f"messages={messages} must be >= 1.")
    payload = _sample_payload(joints, seed)
    latencies = np.empty(messages)
    with ZmqTransport.bind() as receiver, ZmqTransport.connect(receiver.endpoint) as sender:
        sender.send(payload)  # the first message also waits for the connection to be made: not timed
        if receiver.receive(timeout=5.0) is None:
            raise TimeoutError("the ZeroMQ link did not connect within 5 s.")
        for i in range(messages):
            sent = time.perf_counter()
            sender.send(payload)
            if receiver.receive(timeout=5.0) is None:
                raise TimeoutError(f"message {i} did not arrive over ZeroMQ within 5 s.")
            latencies[i] = time.perf_counter() - sent
    return LatencyResult("ZeroMQ direct", latencies, len(payload), zmq_frame_bytes(payload))
