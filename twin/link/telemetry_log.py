"""Recording telemetry to disk (MCAP) and reading it back (``twin.studies.comms.replay_into`` replays it into a model).

MCAP (https://mcap.dev) is the log format of ROS 2 and Foxglove: a sequence of self-describing records, grouped
in small compressed chunks. Each chunk is written and flushed as soon as it is full, so a crash loses at most
the chunk being filled, and ``read_recording`` reads every complete chunk of a file that was never closed
(``Recording.complete`` is then False).

Every message is stored as JSON with a JSON Schema per channel (MCAP's ``json`` / ``jsonschema`` encodings),
so Foxglove and any generic MCAP reader can decode and plot it without this package. Channels are named like
ROS topics (``/state``, ``/command``, ...) and the joint messages are shaped like ROS 2 ``sensor_msgs/JointState``:

- ``/state``: ``header.stamp`` (sec, nanosec: the sample's time), ``name`` (joint names), ``position`` (rad),
  ``velocity`` (rad/s), ``effort`` (empty); ``true_position``/``true_velocity`` when the stand-in sent its
  exact state for teaching; ``sim_t`` (s), ``seq``, ``t`` (sender clock, s) and ``v`` (wire schema version);
- ``/command``: the same header and ``name``, ``effort`` (N m) and ``steps``;
- ``/sensor``, ``/heartbeat``, ``/sync_request``, ``/sync_reply``, ``/control``: the wire fields as they are.

In Foxglove, a Plot panel with the message path ``/state.position[0]`` draws the first joint's angle.
JSON numbers keep every bit of a float64, so reading a recording back gives exactly what crossed the wire.
Files written before (msgpack bytes with an empty schema) are still read.
"""

from __future__ import annotations

import json
import struct
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType

import numpy as np
from mcap.exceptions import McapError
from mcap.records import Channel, Schema
from mcap.records import Message as McapMessage
from mcap.stream_reader import StreamReader
from mcap.writer import CompressionType, Writer

from twin.link.schema import _OPTIONAL, _REQUIRED, WIRE_VERSION, Inbox, Message, decode, encode

PROFILE = "twin.link"
MESSAGE_ENCODING = "json"  # what Recorder writes; "msgpack" channels (older files) are still read
LEGACY_ENCODING = "msgpack"

# wire field -> JSON field, where ROS 2 sensor_msgs/JointState has a name for it
ROS_NAMES: dict[str, dict[str, str]] = {
    "state": {"q": "position", "qd": "velocity", "true_q": "true_position", "true_qd": "true_velocity"},
    "command": {"tau": "effort"},
}
_JSON_TYPES = {"vector": {"type": "array", "items": {"type": "number"}}, "int": {"type": "integer", "minimum": 0},
               "number": {"type": "number"}, "str": {"type": "string"}}  # fmt: skip
_HEADER_SCHEMA = {
    "type": "object",
    "description": "as in ROS 2 std_msgs/Header: when the sample was taken",
    "properties": {
        "stamp": {
            "type": "object",
            "properties": {"sec": {"type": "integer"}, "nanosec": {"type": "integer"}},
            "required": ["sec", "nanosec"],
        },
        "frame_id": {"type": "string"},
    },
    "required": ["stamp", "frame_id"],
}


def json_schema(kind: str) -> dict:
    """The JSON Schema of one message type as ``Recorder`` writes it (see the module docstring)."""
    renamed = ROS_NAMES.get(kind, {})
    properties: dict[str, object] = {
        "v": {"type": "integer", "description": "wire schema version"},
        "seq": {"type": "integer", "minimum": 0, "description": "sender's sequence number"},
        "t": {"type": "number", "description": "sender's clock, s"},
    }
    required = ["v", "seq", "t"]
    if kind in ROS_NAMES:
        properties["header"] = _HEADER_SCHEMA
        properties["name"] = {"type": "array", "items": {"type": "string"}, "description": "joint names"}
        required += ["header", "name"]
    if kind == "state":
        properties["effort"] = _JSON_TYPES["vector"]  # empty: a state carries no torques (as in JointState)
    for name, wire_kind in {**_REQUIRED[kind], **_OPTIONAL.get(kind, {})}.items():
        properties[renamed.get(name, name)] = _JSON_TYPES[wire_kind]
    required += [renamed.get(name, name) for name in _REQUIRED[kind]]
    return {"title": f"twin.link.{kind}", "type": "object", "properties": properties, "required": required}


def to_json(message: Message, joint_names: Sequence[str] | None = None) -> dict:
    """A decoded wire message as the JSON object ``Recorder`` stores (vectors as lists of floats)."""
    renamed = ROS_NAMES.get(message.type, {})
    body: dict[str, object] = {"v": WIRE_VERSION, "seq": message.seq, "t": message.t}
    if message.type in ROS_NAMES:
        stamp = float(message.get("sim_t", message.t))
        sec = int(np.floor(stamp))
        body["header"] = {"stamp": {"sec": sec, "nanosec": int(round((stamp - sec) * 1e9))}, "frame_id": ""}
        size = next(v.size for v in message.fields.values() if isinstance(v, np.ndarray))
        names = list(joint_names) if joint_names is not None else []
        body["name"] = names if len(names) == size else [f"joint_{i}" for i in range(size)]
    if message.type == "state":
        body["effort"] = []
    for name, value in message.fields.items():
        body[renamed.get(name, name)] = value.tolist() if isinstance(value, np.ndarray) else value
    return body


def wire_from_json(kind: str, data: bytes) -> bytes:
    """A stored JSON message back to wire bytes (``twin.link.schema.encode`` checks it on the way)."""
    body = json.loads(data)
    wire_name = {ros: wire for wire, ros in ROS_NAMES.get(kind, {}).items()}
    spec = {**_REQUIRED[kind], **_OPTIONAL.get(kind, {})}
    fields = {wire_name.get(name, name): value for name, value in body.items()}
    fields = {name: value for name, value in fields.items() if name in spec}
    return encode(kind, int(body["seq"]), float(body["t"]), **fields)


class Recorder:
    """Writes wire messages to an MCAP file as JSON, one channel per message type. Use as a context manager.

    Args:
        path: the ``.mcap`` file to create.
        chunk_bytes: uncompressed bytes per chunk: the most a crash can lose.
        joint_names: names for the ``name`` field of ``/state`` and ``/command`` (default ``joint_0``, ...).
    """

    def __init__(
        self, path: str | Path, chunk_bytes: int = 16 * 1024, joint_names: Sequence[str] | None = None
    ) -> None:
        self.path = Path(path)
        self.joint_names = None if joint_names is None else tuple(str(name) for name in joint_names)
        self._file = open(self.path, "wb")  # noqa: SIM115 - closed in close()
        self._writer = Writer(self._file, chunk_size=chunk_bytes, compression=CompressionType.ZSTD)
        self._writer.start(profile=PROFILE, library="twin")
        self._channels: dict[str, int] = {}
        self.messages = 0
        self.closed = False

    def write(self, topic: str, payload: bytes, log_time: float) -> None:
        """Store one wire message received at ``log_time`` (s, local clock) on channel ``/topic``.

        The payload is decoded first (``twin.link.schema.decode``): a message that breaks the schema raises
        ``MessageError`` here instead of leaving a file no reader can use."""
        if self.closed:
            raise RuntimeError(f"Recorder for {self.path} is closed.")
        message = decode(bytes(payload))
        key = f"{topic}/{message.type}"
        if key not in self._channels:
            schema = self._writer.register_schema(
                name=f"twin.link.{message.type}",
                encoding="jsonschema",
                data=json.dumps(json_schema(message.type)).encode(),
            )
            name = topic if topic.startswith("/") else f"/{topic}"
            self._channels[key] = self._writer.register_channel(name, MESSAGE_ENCODING, schema)
        data = json.dumps(to_json(message, self.joint_names), separators=(",", ":")).encode()
        nanoseconds = int(round(log_time * 1e9))
        self._writer.add_message(self._channels[key], nanoseconds, data, nanoseconds, self.messages)
        self.messages += 1
        self._file.flush()  # hand every finished chunk to the OS at once

    def close(self) -> None:
        """Write the summary and footer; safe to call twice."""
        if not self.closed:
            self.closed = True
            self._writer.finish()
            self._file.close()

    def __enter__(self) -> Recorder:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()


@dataclass
class Recording:
    """What ``read_recording`` found: ``(topic, log_time s, message)`` rows, and whether the file was complete."""

    rows: list[tuple[str, float, Message]] = field(default_factory=list)
    complete: bool = False
    inbox: Inbox = field(default_factory=lambda: Inbox("replay"))

    def topic(self, name: str) -> list[tuple[float, Message]]:
        return [(t, m) for topic, t, m in self.rows if topic == name]


def iterate_records(path: str | Path) -> Iterator[tuple[str, float, bytes]]:
    """(topic, log_time s, wire payload) for every complete message record; stops quietly at a torn end.

    Topics are named without the leading ``/`` of the file's channels; JSON messages come back as the wire bytes
    they were recorded from (old msgpack files as they are), so both kinds of file read alike."""
    channels: dict[int, tuple[str, str, str]] = {}  # id -> (topic, message encoding, message type)
    schemas: dict[int, str] = {}
    with open(path, "rb") as stream:
        try:
            for record in StreamReader(stream).records:
                if isinstance(record, Schema):
                    schemas[record.id] = record.name.rsplit(".", 1)[-1]
                elif isinstance(record, Channel):
                    kind = schemas.get(record.schema_id, "")
                    channels[record.id] = (record.topic.removeprefix("/"), record.message_encoding, kind)
                elif isinstance(record, McapMessage):
                    topic, encoding, kind = channels.get(record.channel_id, ("?", LEGACY_ENCODING, ""))
                    payload = record.data
                    if encoding == MESSAGE_ENCODING:
                        try:
                            payload = wire_from_json(kind, payload)
                        except (ValueError, KeyError, TypeError):
                            payload = b""  # unreadable: the Inbox counts it as a bad message
                    yield topic, record.log_time / 1e9, payload
        except (McapError, struct.error, EOFError, ValueError):
            return  # a file cut short by a crash: everything before the torn record was yielded


def read_recording(path: str | Path) -> Recording:
    """Read and validate every message of an MCAP file, even one a crash left without a footer."""
    recording = Recording()
    with open(path, "rb") as stream:
        stream.seek(-8, 2) if Path(path).stat().st_size >= 8 else None
        recording.complete = stream.read(8) == b"\x89MCAP0\r\n"
    for topic, log_time, payload in iterate_records(path):
        message = recording.inbox.accept(payload)
        if message is not None:
            recording.rows.append((topic, log_time, message))
    return recording
