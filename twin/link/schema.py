"""The wire format of the data connection: a documented, versioned schema encoded with msgpack.

Every message is one msgpack map (never pickle: decoding a pickle runs code chosen by the sender).
Float vectors travel as raw little-endian float64 bytes (``bin``), 8 bytes per value.

Schema version 2 (version 1 was the in-process dataclasses of ``twin.core.messages``):

===============  ============================================================================
``type``         fields besides ``v`` (version), ``type``, ``seq`` (int 0 .. 2**63 - 1), ``t`` (sender clock, s)
===============  ============================================================================
``state``        ``q``, ``qd``: joint positions (rad) and velocities (rad/s), same length;
                 optional ``sim_t``: simulated time of the sample (s, a stand-in's own time);
                 optional ``true_q``, ``true_qd``: the stand-in's exact state, for teaching only;
                 optional ``obeyed`` (int): how many step commands and resets the stand-in has obeyed since it
                 started, so a twin tells the state that answers its order from one sent unasked (at the start,
                 or for a ``report``), which carries the count it had before
``sensor``       ``name`` (str), ``values``: one sensor sample (units of that sensor);
                 optional ``sim_t``: simulated time of the sample (s)
``command``      ``tau``: joint torques (N m); ``steps`` (int, 0 .. ``MAX_STEPS_PER_COMMAND``): in lock-step
                 mode, how many time steps the stand-in advances under it before it reports (0 = free-running)
``heartbeat``    ``session`` (str, new at each start of the sender), ``rate`` (Hz of its stream);
                 optional ``dropped`` (int): how many received messages the sender has dropped so far;
                 optional ``time_step`` (s): a stand-in's simulation step
``sync_request`` ``probe`` (int): an NTP-style clock probe; ``t`` is t0 on the requester's clock
``sync_reply``   ``probe``, ``t0`` (copied back), ``t1`` (received, replier clock), ``t`` = t2 (sent)
``control``      ``action``: ``"reset"`` (``q`` required), ``"stop"`` or ``"report"`` (send the state now)
===============  ============================================================================

``decode`` checks everything (size, type, version, field types, lengths, finite numbers) and raises
``MessageError`` with a ``reason`` naming what was wrong; ``Inbox`` counts and logs those drops (and,
as a safety net, counts any unexpected exception while decoding as reason ``"error"``: it never raises).
"""

from __future__ import annotations

import logging
import math
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from numbers import Integral

import msgpack
import numpy as np

WIRE_VERSION = 2
MAX_MESSAGE_BYTES = 64 * 1024  # larger messages are refused before decoding
MAX_VECTOR_LENGTH = 1024  # values per vector
MAX_SEQ = 2**63 - 1  # sequence numbers are signed 64-bit counters: a larger one is dropped (reason "field")
MAX_STEPS_PER_COMMAND = 10_000  # one command may not hold the stand-in busy for longer than this
MESSAGE_TYPES = ("state", "sensor", "command", "heartbeat", "sync_request", "sync_reply", "control")
CONTROL_ACTIONS = ("reset", "stop", "report")
REASONS = ("size", "decode", "type", "version", "field", "shape", "nonfinite", "error")

log = logging.getLogger("twin.link")

_REQUIRED: dict[str, dict[str, str]] = {
    "state": {"q": "vector", "qd": "vector"},
    "sensor": {"name": "str", "values": "vector"},
    "command": {"tau": "vector", "steps": "int"},
    "heartbeat": {"session": "str", "rate": "number"},
    "sync_request": {"probe": "int"},
    "sync_reply": {"probe": "int", "t0": "number", "t1": "number"},
    "control": {"action": "str"},
}
_OPTIONAL: dict[str, dict[str, str]] = {
    "state": {"sim_t": "number", "true_q": "vector", "true_qd": "vector", "obeyed": "int"},
    "sensor": {"sim_t": "number"},
    "heartbeat": {"dropped": "int", "time_step": "number"},
    "control": {"q": "vector"},
}


class MessageError(ValueError):
    """A received message broke the schema; ``reason`` is one of ``REASONS``."""

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(f"{reason}: {detail}")
        self.reason = reason


@dataclass(frozen=True)
class Message:
    """A decoded, validated message: ``type``, sequence number, sender time (s) and its fields.

    Vectors are read-only float64 numpy arrays; numbers are floats; strings stay strings.
    """

    type: str
    seq: int
    t: float
    fields: Mapping[str, object] = field(default_factory=dict)

    def __repr__(self) -> str:
        shown = {k: (f"<{v.size} values>" if isinstance(v, np.ndarray) else v) for k, v in self.fields.items()}
        return f"Message({self.type!r}, seq={self.seq}, t={self.t:.6f}, {shown})"

    def __getitem__(self, name: str) -> object:
        return self.fields[name]

    def get(self, name: str, default: object = None) -> object:
        return self.fields.get(name, default)


def _pack_vector(name: str, values: object) -> bytes:
    array = np.asarray(values, dtype="<f8")
    if array.ndim != 1:
        raise ValueError(f"{name} must be a 1-D vector, got shape {array.shape}.")
    if array.size > MAX_VECTOR_LENGTH:
        raise ValueError(f"{name} has {array.size} values; the schema allows at most {MAX_VECTOR_LENGTH}.")
    if not np.isfinite(array).all():
        raise ValueError(f"{name} must hold finite numbers only, got {array}.")
    return array.tobytes()


def encode(type: str, seq: int, t: float, **fields: object) -> bytes:
    """One message as msgpack bytes. Vectors (lists or arrays) are checked and packed as float64.

    Raises ``ValueError`` naming the problem when the message would break the schema: the sender
    finds out at once, the receiver never sees it.
    """
    if type not in MESSAGE_TYPES:
        raise ValueError(f"type={type!r} is not one of {MESSAGE_TYPES}.")
    spec = {**_REQUIRED[type], **_OPTIONAL.get(type, {})}
    missing = set(_REQUIRED[type]) - set(fields)
    unknown = set(fields) - set(spec)
    if missing or unknown:
        raise ValueError(f"{type} message: missing fields {sorted(missing)}, unknown fields {sorted(unknown)}.")
    if isinstance(seq, bool) or not isinstance(seq, Integral) or not 0 <= seq <= MAX_SEQ:
        raise ValueError(f"seq={seq!r} must be an integer 0 .. {MAX_SEQ}.")
    seq = int(seq)  # np.int64 from a counter array is a sequence number too; msgpack packs only int
    if not math.isfinite(t):
        raise ValueError(f"t={t!r} must be a finite number of seconds.")
    if type == "control" and fields.get("action") == "reset" and "q" not in fields:
        raise ValueError("a reset control message needs q=, the joint positions to reset to (rad).")
    if type == "command" and not 0 <= int(fields["steps"]) <= MAX_STEPS_PER_COMMAND:
        raise ValueError(f"steps={fields['steps']} must be 0 .. {MAX_STEPS_PER_COMMAND}; send several commands.")
    body: dict[str, object] = {"v": WIRE_VERSION, "type": type, "seq": seq, "t": float(t)}
    for name, value in fields.items():
        kind = spec[name]
        if kind == "vector":
            body[name] = _pack_vector(name, value)
        elif kind == "number":
            body[name] = float(value)
        elif kind == "int":
            body[name] = int(value)
        else:
            body[name] = str(value)
    payload = msgpack.packb(body, use_bin_type=True)
    if len(payload) > MAX_MESSAGE_BYTES:
        raise ValueError(f"message of {len(payload)} bytes exceeds the limit of {MAX_MESSAGE_BYTES} bytes.")
    return payload


def _number(name: str, value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise MessageError("field", f"{name} must be a number, got {type(value).__name__}")
    if isinstance(value, int):
        value = float(value)  # msgpack ints are at most 64 bits: always a finite float
    if not math.isfinite(value):
        raise MessageError("nonfinite", f"{name}={value}")
    return float(value)


def _field(name: str, kind: str, value: object) -> object:
    if kind == "vector":
        if not isinstance(value, bytes):
            raise MessageError("field", f"{name} must be float64 bytes, got {type(value).__name__}")
        if len(value) % 8 or len(value) // 8 > MAX_VECTOR_LENGTH:
            raise MessageError(
                "shape", f"{name} has {len(value)} bytes: not a whole vector of <= {MAX_VECTOR_LENGTH} float64 values"
            )
        array = np.frombuffer(value, dtype="<f8")
        if not np.isfinite(array).all():
            raise MessageError("nonfinite", f"{name} holds NaN or infinity")
        return array
    if kind == "int":
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            shown = repr(value)[:40] if isinstance(value, int | float) else f"a {type(value).__name__}"
            raise MessageError("field", f"{name} must be an integer >= 0, got {shown}")
        return value
    if kind == "number":
        return _number(name, value)
    if not isinstance(value, str) or len(value) > 256:
        raise MessageError("field", f"{name} must be a short string, got {type(value).__name__}")
    return value


def decode(payload: bytes) -> Message:
    """Bytes from the wire to a validated ``Message``; ``MessageError`` says what was wrong."""
    if not isinstance(payload, bytes | bytearray | memoryview):
        raise MessageError("decode", f"expected bytes, got {type(payload).__name__}")
    if len(payload) > MAX_MESSAGE_BYTES:
        raise MessageError("size", f"{len(payload)} bytes > limit {MAX_MESSAGE_BYTES}")
    try:
        body = msgpack.unpackb(
            payload,
            raw=False,
            strict_map_key=True,
            max_bin_len=MAX_MESSAGE_BYTES,
            max_str_len=4096,
            max_array_len=0,
            max_map_len=32,
            max_ext_len=0,
        )
    except Exception as error:  # msgpack raises many types on garbage; all mean the same here
        raise MessageError("decode", f"not a msgpack message ({type(error).__name__})") from None
    if not isinstance(body, dict):
        raise MessageError("decode", f"a message is a map, got {type(body).__name__}")
    if body.get("v") != WIRE_VERSION:
        raise MessageError("version", f"v={body.get('v')!r}, this twin speaks version {WIRE_VERSION}")
    kind = body.get("type")
    if not isinstance(kind, str) or kind not in _REQUIRED:  # check the type first: a map is unhashable
        shown = repr(kind) if isinstance(kind, str | int | float | None) else f"a {type(kind).__name__}"
        raise MessageError("type", f"type={shown[:40]} is not one of {MESSAGE_TYPES}")
    seq = _field("seq", "int", body.get("seq"))
    if seq > MAX_SEQ:
        raise MessageError("field", f"seq={seq} is beyond {MAX_SEQ}: not a 64-bit sequence counter")
    if "t" not in body:
        raise MessageError("field", "t is missing")
    t = _number("t", body["t"])
    spec = {**_REQUIRED[kind], **_OPTIONAL.get(kind, {})}
    extra = set(body) - set(spec) - {"v", "type", "seq", "t"}
    if extra:
        raise MessageError("field", f"{kind} has unknown fields {sorted(map(str, extra))}")
    fields: dict[str, object] = {}
    for name, field_kind in spec.items():
        if name not in body:
            if name in _REQUIRED[kind]:
                raise MessageError("field", f"{kind} is missing {name}")
            continue
        fields[name] = _field(name, field_kind, body[name])
    _check_shapes(kind, fields)
    return Message(kind, seq, t, fields)


def _check_shapes(kind: str, fields: dict[str, object]) -> None:
    if kind == "state":
        sizes = {name: fields[name].size for name in ("q", "qd", "true_q", "true_qd") if name in fields}
        if len(set(sizes.values())) != 1:
            raise MessageError("shape", f"state vectors differ in length: {sizes}")
    if kind == "control":
        if fields["action"] not in CONTROL_ACTIONS:
            raise MessageError("field", f"action={fields['action'][:40]!r} is not one of {CONTROL_ACTIONS}")
        if fields["action"] == "reset" and "q" not in fields:
            raise MessageError("field", "a reset control message needs q (the joint positions to reset to, rad)")
    if kind == "command" and fields["steps"] > MAX_STEPS_PER_COMMAND:
        raise MessageError(
            "field", f"steps={fields['steps']} exceeds {MAX_STEPS_PER_COMMAND}: send several commands instead"
        )


class Inbox:
    """Decodes what arrives, counts every message, and drops bad ones with one clear log line each.

    ``received`` = ``accepted`` + sum of ``dropped``; ``dropped`` counts by ``MessageError.reason``.
    """

    def __init__(self, name: str = "inbox", expected_length: int | None = None) -> None:
        self.name = name
        self.expected_length = expected_length
        self.received = 0
        self.accepted = 0
        self.dropped: Counter[str] = Counter()

    def __repr__(self) -> str:
        return f"Inbox({self.name!r}, received={self.received}, accepted={self.accepted}, dropped={dict(self.dropped)})"

    def accept(self, payload: bytes) -> Message | None:
        """The validated message, or ``None`` when it was dropped (and counted)."""
        self.received += 1
        try:
            message = decode(payload)
            if self.expected_length is not None:
                vector = message.get("q", message.get("tau"))
                if vector is not None and vector.size != self.expected_length:
                    raise MessageError("shape", f"{vector.size} joints, expected {self.expected_length}")
        except MessageError as error:
            self.dropped[error.reason] += 1
            log.warning("%s dropped message #%d (%d bytes): %s", self.name, self.received, len(payload), error)
            return None
        except Exception as error:  # a bug in validation must not kill a live link: count it, log it, go on
            self.dropped["error"] += 1
            log.error(
                "%s dropped message #%d: unexpected %s while decoding: %s (please report this as a bug)",
                self.name,
                self.received,
                type(error).__name__,
                error,
            )
            return None
        self.accepted += 1
        return message


def state_vector_lengths(spherical_joints: int, revolute_joints: int, floating_base: bool = True) -> tuple[int, int]:
    """(positions, velocities) lengths of a full robot state: a floating base is 7 + 6 (position +
    quaternion, linear + angular velocity), a spherical joint 4 + 3 (quaternion, angular velocity),
    a revolute joint 1 + 1."""
    nq = 4 * spherical_joints + revolute_joints + (7 if floating_base else 0)
    nv = 3 * spherical_joints + revolute_joints + (6 if floating_base else 0)
    return nq, nv


HUMANOID_JOINTS = {"spherical_joints": 8, "revolute_joints": 4}  # twin.sim.robots catalogue: humanoid


def humanoid_state_message(seq: int = 0, t: float = 0.0, seed: int = 0) -> bytes:
    """A full humanoid state message (floating base, 8 ball joints, 4 hinges), as sent at 1 kHz.

    Positions and velocities are padded to one length (the schema wants equal lengths): 43 values each.
    """
    nq, nv = state_vector_lengths(**HUMANOID_JOINTS)
    rng = np.random.default_rng(seed)
    n = max(nq, nv)
    return encode("state", seq, t, q=rng.normal(size=n), qd=rng.normal(size=n))
