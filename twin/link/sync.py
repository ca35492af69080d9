"""Keeping the virtual model in step with a stream that arrives late, out of order, or not at all.

- ``StreamMonitor`` watches sequence numbers and heartbeats: it counts gaps (lost messages), late
  (out-of-order) and duplicate messages, notices when the sender restarts (a new session) and says
  when the stream is *stale* (nothing heard for ``stale_after`` s). Nothing is ever silently missing.
- ``StateBuffer`` holds timestamped samples and answers "what was the state at time t?": by linear
  interpolation between samples, or beyond the newest one by dead reckoning (constant velocity),
  for at most ``max_extrapolation`` s.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass

import numpy as np


class StreamMonitor:
    """Sequence and liveness bookkeeping for one incoming stream. Times are on the local clock, s."""

    def __init__(self, stale_after: float = 0.5) -> None:
        if stale_after <= 0:
            raise ValueError(f"stale_after={stale_after} must be > 0 s.")
        self.stale_after = stale_after
        self.session: str | None = None
        self.sessions_seen = 0
        self.reconnections = 0
        self.received = self.gaps = self.late = self.duplicates = 0
        self.last_heard: float | None = None
        self._next_seq: int | None = None
        self._missing: set[int] = set()

    def __repr__(self) -> str:
        return (
            f"StreamMonitor(session={self.session!r}, received={self.received}, gaps={self.gaps}, "
            f"late={self.late}, duplicates={self.duplicates}, reconnections={self.reconnections})"
        )

    def heartbeat(self, session: str, now: float) -> bool:
        """Record a heartbeat; returns True when it announces a new session (the sender restarted)."""
        self.last_heard = now
        if session == self.session:
            return False
        if self.session is not None:
            self.reconnections += 1
        self.session = session
        self.sessions_seen += 1
        self._next_seq = None  # a restarted sender counts from 0 again
        self._missing.clear()
        return True

    def observe(self, seq: int, now: float) -> str:
        """Record a data message; returns ``"in_order"``, ``"gap"`` (some were skipped), ``"late"``
        (fills an earlier gap) or ``"duplicate"``."""
        self.received += 1
        self.last_heard = now
        if self._next_seq is None or seq == self._next_seq:
            self._next_seq = seq + 1
            return "in_order"
        if seq > self._next_seq:
            skipped = range(self._next_seq, seq)
            self.gaps += len(skipped)
            self._missing.update(skipped)
            self._next_seq = seq + 1
            return "gap"
        if seq in self._missing:  # it was counted as a gap; it came after all
            self._missing.discard(seq)
            self.gaps -= 1
            self.late += 1
            return "late"
        self.duplicates += 1
        return "duplicate"

    def is_stale(self, now: float) -> bool:
        """True when nothing has been heard for more than ``stale_after`` s (or never)."""
        return self.last_heard is None or now - self.last_heard > self.stale_after

    def age(self, now: float) -> float:
        """Seconds since anything was heard (inf if never)."""
        return float("inf") if self.last_heard is None else now - self.last_heard


@dataclass(frozen=True)
class Estimate:
    """The state the buffer gives for a time: positions, velocities and how it was obtained."""

    time: float
    positions: np.ndarray
    velocities: np.ndarray
    how: str  # "exact", "interpolated", "extrapolated", "held" (too far ahead: last sample held)


class StateBuffer:
    """Timestamped samples, kept in time order (late arrivals slot in), at most ``capacity`` of them.

    Args:
        capacity: samples kept.
        max_extrapolation: how far past the newest sample dead reckoning is trusted, s; beyond it the
            last positions are held and velocities zeroed (and ``how == "held"``).
    """

    def __init__(self, capacity: int = 256, max_extrapolation: float = 0.1) -> None:
        self.capacity = capacity
        self.max_extrapolation = max_extrapolation
        self._times: list[float] = []
        self._samples: list[tuple[np.ndarray, np.ndarray]] = []

    def __len__(self) -> int:
        return len(self._times)

    def add(self, time: float, positions: np.ndarray, velocities: np.ndarray) -> None:
        index = bisect.bisect(self._times, time)
        self._times.insert(index, float(time))
        self._samples.insert(index, (np.asarray(positions, float), np.asarray(velocities, float)))
        if len(self._times) > self.capacity:
            del self._times[0], self._samples[0]

    @property
    def newest_time(self) -> float:
        if not self._times:
            raise RuntimeError("The buffer is empty: add a sample first.")
        return self._times[-1]

    def at(self, time: float) -> Estimate:
        """The state at ``time`` (s): interpolated inside the buffer, dead-reckoned past its end."""
        if not self._times:
            raise RuntimeError("The buffer is empty: add a sample first.")
        index = bisect.bisect_left(self._times, time)
        if index < len(self._times) and self._times[index] == time:
            q, qd = self._samples[index]
            return Estimate(time, q.copy(), qd.copy(), "exact")
        if index == 0:
            q, qd = self._samples[0]
            return Estimate(time, q.copy(), qd.copy(), "held")
        if index < len(self._times):
            t_a, t_b = self._times[index - 1], self._times[index]
            (q_a, qd_a), (q_b, qd_b) = self._samples[index - 1], self._samples[index]
            w = (time - t_a) / (t_b - t_a)
            return Estimate(time, q_a + w * (q_b - q_a), qd_a + w * (qd_b - qd_a), "interpolated")
        q, qd = self._samples[-1]
        ahead = time - self._times[-1]
        if ahead <= self.max_extrapolation:
            return Estimate(time, q + qd * ahead, qd.copy(), "extrapolated")
        return Estimate(time, q.copy(), np.zeros_like(qd), "held")
