"""Recording telemetry to disk (MCAP) and reading it back (``twin.studies.comms.replay_into`` replays it into a model).

MCAP (https://mcap.dev) is the log format of ROS 2 and Foxglove: a sequence of self-describing records.
Messages are stored exactly as they crossed the wire (msgpack bytes, schema v2), grouped in small
compressed chunks. Each chunk is written and flushed as soon as it is full, so a crash loses at most
the chunk being filled, and ``read_recording`` reads every complete chunk of a file that was never
closed (``Recording.complete`` is then False).
"""

from __future__ import annotations

import struct
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType

from mcap.exceptions import McapError
from mcap.records import Channel
from mcap.records import Message as McapMessage
from mcap.stream_reader import StreamReader
from mcap.writer import CompressionType, Writer

from twin.link.schema import WIRE_VERSION, Inbox, Message

PROFILE = "twin.link"
MESSAGE_ENCODING = "msgpack"


class Recorder:
    """Writes messages to an MCAP file, one topic per stream. Use as a context manager.

    Args:
        path: the ``.mcap`` file to create.
        chunk_bytes: uncompressed bytes per chunk: the most a crash can lose.
    """

    def __init__(self, path: str | Path, chunk_bytes: int = 16 * 1024) -> None:
        self.path = Path(path)
        self._file = open(self.path, "wb")  # noqa: SIM115 - closed in close()
        self._writer = Writer(self._file, chunk_size=chunk_bytes, compression=CompressionType.ZSTD)
        self._writer.start(profile=PROFILE, library="twin")
        self._schema = self._writer.register_schema(name=f"twin.link.schema.v{WIRE_VERSION}", encoding="", data=b"")
        self._channels: dict[str, int] = {}
        self.messages = 0
        self.closed = False

    def write(self, topic: str, payload: bytes, log_time: float) -> None:
        """Store one wire message received at ``log_time`` (s, local clock)."""
        if self.closed:
            raise RuntimeError(f"Recorder for {self.path} is closed.")
        if topic not in self._channels:
            self._channels[topic] = self._writer.register_channel(topic, MESSAGE_ENCODING, self._schema)
        nanoseconds = int(round(log_time * 1e9))
        self._writer.add_message(self._channels[topic], nanoseconds, bytes(payload), nanoseconds, self.messages)
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
    """(topic, log_time s, payload) for every complete message record; stops quietly at a torn end."""
    channels: dict[int, str] = {}
    with open(path, "rb") as stream:
        try:
            for record in StreamReader(stream).records:
                if isinstance(record, Channel):
                    channels[record.id] = record.topic
                elif isinstance(record, McapMessage):
                    yield channels.get(record.channel_id, "?"), record.log_time / 1e9, record.data
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
