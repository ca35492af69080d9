"""The simplest honest data connection: two one-way channels inside one process.

Messages are delivered after a fixed number of time steps (0 = same step), in order, and counted.
A later chapter swaps this for a real transport between processes with the same ``send``/``receive``.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from typing import Generic, TypeVar

from twin.core.checks import check_count
from twin.core.messages import JointCommand, StateMeasurement

Message = TypeVar("Message")


@dataclass
class Channel(Generic[Message]):
    """A one-way, in-order channel with a delay of ``delay_steps`` time steps."""

    delay_steps: int = 0
    sent: int = 0
    delivered: int = 0
    _queue: deque[tuple[int, Message]] = field(default_factory=deque, repr=False)

    def __post_init__(self) -> None:  # an int: np.int64(2) from an array is a delay too, True is not
        self.delay_steps = check_count("delay_steps", self.delay_steps, "time steps (0 = no delay)")

    def send(self, message: Message, now_step: int) -> None:
        self._queue.append((now_step + self.delay_steps, message))
        self.sent += 1

    def receive(self, now_step: int) -> list[Message]:
        """Every message due at or before ``now_step``, oldest first."""
        queue = self._queue
        due: list[Message] = []
        while queue and queue[0][0] <= now_step:
            due.append(queue.popleft()[1])
        if due:
            self.delivered += len(due)
        return due

    @property
    def in_flight(self) -> int:
        return len(self._queue)


class InProcessLink:
    """The data connection: measurements flow up (physical -> virtual), commands flow down.

    Args:
        delay_steps: how many time steps each message takes to arrive, in both directions.
    """

    def __init__(self, delay_steps: int = 0) -> None:
        self.uplink: Channel[StateMeasurement] = Channel(delay_steps)
        self.downlink: Channel[JointCommand] = Channel(delay_steps)

    def __repr__(self) -> str:
        return (
            f"InProcessLink(delay_steps={self.uplink.delay_steps}, measurements sent={self.uplink.sent}, "
            f"commands sent={self.downlink.sent})"
        )
