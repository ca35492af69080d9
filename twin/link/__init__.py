"""The data connection between the physical system and its virtual model.

- the in-process message dataclasses (schema version 1) live in ``twin.core.messages``.
- ``in_process``: ``InProcessLink``, two delayed channels inside one process.
- ``schema``: the wire schema (version 2, msgpack), validation and the counting ``Inbox``.
- ``transport``: ``ZmqTransport`` (127.0.0.1 by default) and ``InProcessTransport``.
- ``impairments``: latency, jitter, loss, reordering and bandwidth on a simulated or real clock.
- ``clock_sync``: NTP-style offset and delay estimation with its error bound.
- ``sync``: ``StreamMonitor`` (gaps, staleness, reconnections) and ``StateBuffer`` (interpolation,
  dead reckoning).
- ``watchdog``: ``SampleAgeWatchdog``, stale data judged by the samples' own time stamps (a repeating bridge
  keeps messages arriving; only their age gives it away).
- ``compression``: codecs with their ratio and error bound.
- ``telemetry_log``: recording telemetry to MCAP and reading it back.

Modules that import ZeroMQ, zstandard or mcap are imported by full path (``twin.link.transport``).
The stand-in in its own process, ``ProcessStandIn``, is the physical system's proxy: ``twin.physical_system.process``.
"""

from twin.core.messages import SCHEMA_VERSION, JointCommand, StateMeasurement
from twin.link.clock_sync import ClockProbe, ClockSync, asymmetry_bias
from twin.link.impairments import ImpairedChannel, Impairments, SimulatedClock
from twin.link.in_process import Channel, InProcessLink
from twin.link.schema import WIRE_VERSION, Inbox, Message, MessageError, decode, encode
from twin.link.sync import StateBuffer, StreamMonitor

__all__ = [
    "SCHEMA_VERSION",
    "WIRE_VERSION",
    "Channel",
    "ClockProbe",
    "ClockSync",
    "ImpairedChannel",
    "Impairments",
    "Inbox",
    "InProcessLink",
    "JointCommand",
    "Message",
    "MessageError",
    "SimulatedClock",
    "StateBuffer",
    "StateMeasurement",
    "StreamMonitor",
    "asymmetry_bias",
    "decode",
    "encode",
]
