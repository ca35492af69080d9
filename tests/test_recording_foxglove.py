"""Recordings that the field's tools read: JSON messages with JSON Schemas, opened without this package."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest
from mcap.writer import CompressionType, Writer

from twin.link.schema import MESSAGE_TYPES, encode
from twin.link.telemetry_log import Recorder, json_schema, read_recording

JOINTS = ("shoulder", "elbow", "wrist")


def record_a_run(path, steps: int = 120) -> np.ndarray:
    """A recording of ``steps`` states and commands of a 3-joint arm; returns the recorded positions (rad)."""
    rng = np.random.default_rng(3)
    positions = np.cumsum(0.01 * rng.standard_normal((steps, 3)), axis=0)
    with Recorder(path, joint_names=JOINTS) as recorder:
        for k, q in enumerate(positions):
            t = k / 240
            recorder.write("state", encode("state", k, t + 1e-4, q=q, qd=np.zeros(3), sim_t=t), t + 2e-4)
            recorder.write("command", encode("command", k, t, tau=-q, steps=1), t + 3e-4)
        recorder.write("heartbeat", encode("heartbeat", 0, 0.5, session="s1", rate=240.0), 0.5)
    return positions


# Runs in a fresh interpreter: only the mcap package and the standard library, no twin.
PLAIN_READER = """
import json, sys
from mcap.reader import make_reader
series, schemas, encodings = [], {}, set()
with open(sys.argv[1], "rb") as stream:
    for schema, channel, message in make_reader(stream).iter_messages(topics=["/state"]):
        encodings.add((schema.encoding, channel.message_encoding))
        body = json.loads(message.data)
        series.append(body["position"][body["name"].index(sys.argv[2])])
        schemas[schema.name] = json.loads(schema.data)
assert "twin" not in sys.modules
print(json.dumps({"series": series, "encodings": sorted(encodings), "schemas": schemas}))
"""


def test_a_plain_mcap_reader_gets_one_joints_position_series_without_the_kit(tmp_path):
    path = tmp_path / "run.mcap"
    positions = record_a_run(path)
    done = subprocess.run(
        [sys.executable, "-c", PLAIN_READER, str(path), "elbow"], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    read = json.loads(done.stdout)
    assert read["series"] == positions[:, 1].tolist()  # every bit of every float64, in order
    assert read["encodings"] == [["jsonschema", "json"]]
    assert read["schemas"]["twin.link.state"]["properties"]["position"]["type"] == "array"


def test_every_stored_message_satisfies_its_channels_json_schema(tmp_path):
    jsonschema = pytest.importorskip("jsonschema")
    from mcap.reader import make_reader

    path = tmp_path / "run.mcap"
    record_a_run(path, steps=10)
    checked = 0
    with open(path, "rb") as stream:
        for schema, channel, message in make_reader(stream).iter_messages():
            body = json.loads(message.data)
            jsonschema.validate(body, json.loads(schema.data))
            checked += 1
            if channel.topic in ("/state", "/command"):  # shaped like ROS 2 sensor_msgs/JointState
                assert body["name"] == list(JOINTS) and set(body["header"]["stamp"]) == {"sec", "nanosec"}
    assert checked == 21


def test_a_json_recording_reads_back_exactly_as_it_was_sent(tmp_path):
    path = tmp_path / "run.mcap"
    positions = record_a_run(path)
    recording = read_recording(path)
    assert recording.complete and recording.inbox.accepted == len(recording.rows) == 241 and not recording.inbox.dropped
    states = recording.topic("state")
    np.testing.assert_array_equal(np.array([m["q"] for _, m in states]), positions)
    assert states[5][1]["sim_t"] == 5 / 240 and states[5][1].seq == 5 and states[5][0] == pytest.approx(5 / 240 + 2e-4)
    assert [m["steps"] for _, m in recording.topic("command")] == [1] * len(positions)
    assert recording.topic("heartbeat")[0][1]["session"] == "s1"


def test_every_wire_message_type_has_a_json_schema():
    for kind in MESSAGE_TYPES:
        schema = json_schema(kind)
        assert set(schema["required"]) <= set(schema["properties"]), kind


def test_recordings_written_before_json_are_still_read(tmp_path):
    """The old format: msgpack wire bytes on channels named without a slash, under an empty schema."""
    path = tmp_path / "old.mcap"
    with open(path, "wb") as stream:
        writer = Writer(stream, compression=CompressionType.ZSTD)
        writer.start(profile="twin.link", library="twin")
        schema = writer.register_schema(name="twin.link.schema.v2", encoding="", data=b"")
        channel = writer.register_channel("state", "msgpack", schema)
        for k in range(5):
            payload = encode("state", k, k * 0.1, q=[k, -k], qd=[0.0, 0.0])
            writer.add_message(channel, k * 10**8, payload, k * 10**8, k)
        writer.finish()
    recording = read_recording(path)
    assert recording.complete and [m["q"].tolist() for _, m in recording.topic("state")][3] == [3.0, -3.0]


def test_a_message_that_breaks_the_schema_is_refused_when_recorded(tmp_path):
    from twin.link.schema import MessageError

    with Recorder(tmp_path / "bad.mcap") as recorder:
        with pytest.raises(MessageError, match="decode"):
            recorder.write("state", b"not msgpack", 0.0)
