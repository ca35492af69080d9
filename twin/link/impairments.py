"""Network impairments for teaching and testing: latency, jitter, loss, reordering, bandwidth.

``ImpairedChannel`` runs on whatever clock it is given: a ``SimulatedClock`` makes every delivery time
exact and repeatable (tests, the notebook's sweeps); ``time.monotonic`` makes it act on a real link.
"""

from __future__ import annotations

import heapq
import math
import warnings
from dataclasses import dataclass
from numbers import Real

import numpy as np

from twin.core.checks import check_number

SLOWEST_LINK = 1.0  # s: one way, more than a satellite hop; a larger delay is milliseconds written as seconds


@dataclass(frozen=True)
class Impairments:
    """What one direction of a link does to messages.

    Attributes:
        latency: fixed one-way delay, s.
        jitter: standard deviation of an extra random delay, s (a half-normal, so never negative).
        loss: probability that a message is lost, 0..1.
        reorder: probability that a message is held back by ``reorder_delay`` s, so later ones overtake it.
        reorder_delay: how long a reordered message is held back, s.
        bandwidth: link capacity, bytes per second (``inf`` = unlimited); messages queue behind each other.
    """

    latency: float = 0.0
    jitter: float = 0.0
    loss: float = 0.0
    reorder: float = 0.0
    reorder_delay: float = 0.002
    bandwidth: float = math.inf

    def __post_init__(self) -> None:
        for name in ("latency", "jitter", "reorder_delay"):
            value = check_number(name, getattr(self, name), "s", low=0, hint="a time in seconds, e.g. 0.02 for 20 ms")
            if value > SLOWEST_LINK:  # a number of milliseconds, most likely: 20 for 20 ms is 20 s
                warnings.warn(
                    f"{name}={value:g} s is longer than any network's delay; Impairments takes seconds: for "
                    f"{value:g} ms write {name}={value / 1000:g}.",
                    stacklevel=3,
                )
        for name in ("loss", "reorder"):
            value = getattr(self, name)
            hint = f"a probability, not a percentage: {value:g} % is {value / 100:g}" if _above_one(value) else ""
            check_number(name, value, "(probability)", low=0, high=1, hint=hint)
        if not (isinstance(self.bandwidth, Real) and self.bandwidth == math.inf):  # inf: unlimited
            check_number("bandwidth", self.bandwidth, "bytes/s", low=0, low_open=True, hint="math.inf for unlimited")


def _above_one(value: object) -> bool:
    return isinstance(value, Real) and not isinstance(value, bool) and 1 < value < math.inf


PERFECT = Impairments()


class SimulatedClock:
    """A clock that only moves when told to: ``clock()`` reads it, ``advance(dt)`` moves it (s)."""

    def __init__(self, start: float = 0.0) -> None:
        self.now = float(start)

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> float:
        self.now += check_number("seconds", seconds, "s", low=0, hint="a clock cannot go back, nor go by NaN")
        return self.now


class ImpairedChannel:
    """A one-way channel that delivers each message at ``send time + latency + jitter (+ reorder)``,
    after the bytes before it have passed the bandwidth limit, or loses it.

    Counters: ``sent``, ``lost``, ``delivered``, ``reordered`` (delivered after a later-sent message).
    """

    def __init__(self, impairments: Impairments = PERFECT, seed: int = 0) -> None:
        self.impairments = impairments
        self.rng = np.random.default_rng(seed)
        self.sent = self.lost = self.delivered = self.reordered = 0
        self._queue: list[tuple[float, int, bytes]] = []
        self._link_free_at = -math.inf
        self._highest_delivered = -1

    def __repr__(self) -> str:
        return (
            f"ImpairedChannel({self.impairments}, sent={self.sent}, lost={self.lost}, "
            f"delivered={self.delivered}, reordered={self.reordered})"
        )

    def send(self, payload: bytes, now: float) -> float | None:
        """Queue ``payload`` sent at ``now`` (s); returns when it will arrive, or ``None`` if lost."""
        imp = self.impairments
        index = self.sent
        self.sent += 1
        # draw every random number each time, so that changing one impairment keeps the others' draws
        lost, jitter, held = self.rng.random(), abs(self.rng.standard_normal()), self.rng.random()
        departs = max(now, self._link_free_at) + len(payload) / imp.bandwidth
        self._link_free_at = departs
        if lost < imp.loss:
            self.lost += 1
            return None
        arrival = departs + imp.latency + imp.jitter * jitter + (imp.reorder_delay if held < imp.reorder else 0.0)
        heapq.heappush(self._queue, (arrival, index, payload))
        return arrival

    def receive(self, now: float) -> list[bytes]:
        """Every message that has arrived by ``now`` (s), in arrival order."""
        due = []
        while self._queue and self._queue[0][0] <= now:
            _, index, payload = heapq.heappop(self._queue)
            if index < self._highest_delivered:
                self.reordered += 1
            self._highest_delivered = max(self._highest_delivered, index)
            due.append(payload)
        self.delivered += len(due)
        return due

    def next_arrival(self) -> float | None:
        """When the next queued message arrives (s), or ``None`` when nothing is in flight."""
        return self._queue[0][0] if self._queue else None

    @property
    def in_flight(self) -> int:
        return len(self._queue)
