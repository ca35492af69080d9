"""Fleet telemetry over MQTT through a real broker on 127.0.0.1, stopped at the end of each test."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from twin.fleet import Fleet, SerialExecutor, warehouse
from twin.fleet.fleet import run_robot
from twin.fleet.mqtt import (
    BrokerNotRunning,
    MqttBroker,
    TelemetryPublisher,
    TelemetrySubscriber,
    mqtt_latency,
    publish_bytes,
    zmq_frame_bytes,
    zmq_latency,
)


@pytest.fixture(scope="module")
def broker():
    with MqttBroker() as running:
        yield running
    assert not running.running, "the broker process must be gone once closed"


def test_the_broker_listens_on_loopback_only_and_stops_with_close():
    import psutil

    with MqttBroker() as broker:
        listening = [
            c.laddr
            for c in psutil.Process(broker.process.pid).net_connections("inet")
            if c.status == psutil.CONN_LISTEN
        ]
        assert listening and all(address.ip == "127.0.0.1" for address in listening), listening
    assert broker.process.poll() is not None


def test_each_robot_publishes_state_and_health_on_its_own_topic(broker):
    specs = warehouse(2, seed=3, inspections=4, steps_per_inspection=48)
    specs = [dataclasses.replace(s, telemetry=broker.address) for s in specs]
    subscriber = TelemetrySubscriber(*broker.address, client_id="dashboard")
    try:
        with Fleet(specs, "serial") as fleet:
            run = fleet.run()
        assert subscriber.wait_for(2 * 4, timeout=10), f"only {len(subscriber.messages)} of 8 messages arrived"
        topics = {topic for topic, _, _ in subscriber.messages}
        assert topics == {f"fleet/{s.name}/state" for s in specs}
        latest = subscriber.latest_by_robot()
        for spec in specs:
            # the last message carries the last inspection's health indicator, exactly
            assert latest[spec.name]["health"] == run.reports[spec.name].health[-1]
            assert latest[spec.name]["q"].shape == (1,)
    finally:
        subscriber.close()


def test_a_broker_that_is_not_running_says_how_to_start_one():
    with MqttBroker() as stopped:
        address = stopped.address
    with pytest.raises(BrokerNotRunning, match="MqttBroker\\(\\)"):
        TelemetryPublisher(*address)
    # inside a fleet, the robot that cannot publish is reported by name; the others finish
    specs = warehouse(2, seed=3, inspections=4, steps_per_inspection=48)
    outcomes = SerialExecutor().map(run_robot, [dataclasses.replace(specs[0], telemetry=address), specs[1]])
    assert not outcomes[0].ok and isinstance(outcomes[0].error, BrokerNotRunning)
    assert outcomes[0].name == specs[0].name
    assert outcomes[1].ok


def test_message_sizes_follow_the_protocols():
    # MQTT 3.1.1 PUBLISH, QoS 0: 1 byte type/flags + remaining length + 2-byte topic length + topic + payload
    assert publish_bytes("a/b", b"x" * 10) == 1 + 1 + 2 + 3 + 10
    assert publish_bytes("t", b"x" * 125) == 1 + 2 + 2 + 1 + 125  # remaining length 128 needs a second byte
    # ZMTP 3: flags + 1-byte length up to 255, flags + 8-byte length above
    assert zmq_frame_bytes(b"x" * 255) == 257
    assert zmq_frame_bytes(b"x" * 256) == 265


def test_mqtt_and_zeromq_latencies_are_measured_on_the_same_message(broker):
    mqtt = mqtt_latency(broker.address, messages=20, joints=4)
    zmq = zmq_latency(messages=20, joints=4)
    assert mqtt.payload_bytes == zmq.payload_bytes
    for result in (mqtt, zmq):
        assert result.latencies.shape == (20,) and np.all(result.latencies > 0)
    # a 4-joint state fits in one remaining-length byte; MQTT adds type, length, topic length and the topic
    # itself to every message, ZeroMQ a flags byte and a length byte
    topic = "fleet/axis-00/state"
    assert mqtt.payload_bytes + 2 + len(topic) < 128
    assert mqtt.wire_bytes - mqtt.payload_bytes == 1 + 1 + 2 + len(topic)
    assert zmq.wire_bytes - zmq.payload_bytes == 2
