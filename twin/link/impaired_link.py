"""``ImpairedLink``: the twin's data connection with latency, jitter, loss, reordering and bandwidth.

A drop-in for ``InProcessLink`` in ``DigitalTwin(link=...)``. Every message really crosses the wire
format: it is encoded (schema v2, msgpack), impaired per direction on the simulated clock
``step * time_step``, then decoded and validated on arrival. So the bandwidth limit sees real sizes.
"""

from __future__ import annotations

from numbers import Integral

from twin.core.checks import check_number
from twin.core.messages import JointCommand, StateMeasurement
from twin.core.types import DEFAULT_TIME_STEP
from twin.link.impairments import PERFECT, ImpairedChannel, Impairments
from twin.link.schema import Inbox, encode


class StepChannel:
    """One direction: ``send(message, now_step)`` and ``receive(now_step)`` like ``twin.link.Channel``."""

    def __init__(self, kind: str, impairments: Impairments, time_step: float, seed: int) -> None:
        self.kind, self.time_step = kind, time_step
        self.channel = ImpairedChannel(impairments, seed)
        self.inbox = Inbox(f"{kind} link")
        self._seq = 0

    @property
    def sent(self) -> int:
        return self.channel.sent

    @property
    def delivered(self) -> int:
        return self.inbox.accepted

    @property
    def lost(self) -> int:
        return self.channel.lost

    def send(self, message: StateMeasurement | JointCommand, now_step: int) -> None:
        if isinstance(message, StateMeasurement):
            payload = encode("state", self._seq, message.time, q=message.positions, qd=message.velocities)
        elif isinstance(message, JointCommand):
            payload = encode("command", self._seq, message.time, tau=message.torques, steps=0)
        else:
            raise TypeError(f"{self.kind} link sends a StateMeasurement or a JointCommand, got {message!r}.")
        self._seq += 1
        self.channel.send(payload, now_step * self.time_step)

    def receive(self, now_step: int) -> list[StateMeasurement | JointCommand]:
        """Every message arrived by step ``now_step`` (rounding guards against float error), in arrival order."""
        out: list[StateMeasurement | JointCommand] = []
        for payload in self.channel.receive((now_step + 1e-9) * self.time_step):
            message = self.inbox.accept(payload)
            if message is None:
                continue
            if message.type == "state":
                out.append(StateMeasurement(message.t, message["q"], message["qd"]))
            elif message.type == "command":
                out.append(JointCommand(message.t, message["tau"]))
        return out


class ImpairedLink:
    """Uplink (measurements) and downlink (commands), each with its own ``Impairments``.

    Args:
        uplink: what the path physical -> virtual does; ``downlink``: virtual -> physical.
        time_step: seconds per twin step (the simulated clock is ``step * time_step``).
        seed: seeds both directions (different streams).
    """

    def __init__(
        self,
        uplink: Impairments = PERFECT,
        downlink: Impairments = PERFECT,
        time_step: float = DEFAULT_TIME_STEP,
        seed: int = 0,
    ) -> None:
        for name, value in (("uplink", uplink), ("downlink", downlink)):  # a float failed at the first send
            if not isinstance(value, Impairments):
                raise TypeError(f"{name} must be an Impairments, e.g. Impairments(latency=0.004), got {value!r}.")
        time_step = check_number(
            "time_step", time_step, "s", low=0, low_open=True, hint="seconds per twin step, e.g. 1/240"
        )
        if isinstance(seed, bool) or not isinstance(seed, Integral) or seed < 0:
            raise ValueError(f"seed={seed!r} must be a non-negative integer, for example 0.")
        self.uplink = StepChannel("measurement", uplink, time_step, seed)
        self.downlink = StepChannel("command", downlink, time_step, seed + 1)

    def __repr__(self) -> str:
        up, down = self.uplink, self.downlink
        return (
            f"ImpairedLink(measurements sent={up.sent} lost={up.lost} reordered={up.channel.reordered}, "
            f"commands sent={down.sent} lost={down.lost} reordered={down.channel.reordered})"
        )
