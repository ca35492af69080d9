"""Keeping the virtual model in step with a stream that arrives late, out of order, or not at all.

- ``StreamMonitor`` watches sequence numbers and heartbeats: it counts gaps (lost messages), late
  (out-of-order) and duplicate messages, notices when the sender restarts (a new session) and says
  when the stream is *stale* (nothing heard for ``stale_after`` s). Nothing is ever silently missing.
  Its memory is fixed whatever the numbers: it remembers which of the last ``SEQ_WINDOW`` numbers are
  missing (one bit each), so a jump of 2**62 costs no more than a jump of 1.
- ``StateBuffer`` holds timestamped samples and answers "what was the state at time t?": by linear
  interpolation between samples, or beyond the newest one by dead reckoning (constant velocity),
  for at most ``max_extrapolation`` s.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass

import numpy as np

from twin.link.schema import MAX_SEQ

SEQ_WINDOW = 4096  # how many sequence numbers back a late message is still matched against the gaps it fills


class StreamMonitor:
    """Sequence and liveness bookkeeping for one incoming stream. Times are on the local clock, s.

    ``gaps`` counts numbers skipped and not (yet) arrived; ``late`` those that arrived after all;
    ``duplicates`` numbers seen twice; ``too_old`` messages more than ``SEQ_WINDOW`` numbers behind the newest,
    which can no longer be told apart as late or duplicate (they stay counted in ``gaps``).
    """

    def __init__(self, stale_after: float = 0.5) -> None:
        if stale_after <= 0:
            raise ValueError(f"stale_after={stale_after} must be > 0 s.")
        self.stale_after = stale_after
        self.session: str | None = None
        self.sessions_seen = 0
        self.reconnections = 0
        self.received = self.gaps = self.late = self.duplicates = self.too_old = 0
        self.last_heard: float | None = None
        self._next_seq: int | None = None
        self._missing = 0  # bit i set: number _next_seq - 1 - i is missing (i < SEQ_WINDOW)

    def __repr__(self) -> str:
        return (
            f"StreamMonitor(session={self.session!r}, received={self.received}, gaps={self.gaps}, "
            f"late={self.late}, duplicates={self.duplicates}, too_old={self.too_old}, "
            f"reconnections={self.reconnections})"
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
        self._missing = 0
        return True

    def observe(self, seq: int, now: float) -> str:
        """Record a data message with sequence number ``seq`` (0 .. ``MAX_SEQ``) at ``now`` (s).

        Returns ``"in_order"``, ``"gap"`` (some were skipped), ``"late"`` (fills an earlier gap), ``"duplicate"``
        or ``"too_old"`` (more than ``SEQ_WINDOW`` numbers behind the newest). Constant time and memory.
        """
        if isinstance(seq, bool) or not isinstance(seq, int | np.integer) or not 0 <= seq <= MAX_SEQ:
            raise ValueError(f"seq={seq!r} must be a whole number 0 .. {MAX_SEQ} (a 64-bit sequence counter).")
        seq = int(seq)
        self.received += 1
        self.last_heard = now
        window = (1 << SEQ_WINDOW) - 1
        if self._next_seq is None or seq >= self._next_seq:
            skipped = 0 if self._next_seq is None else seq - self._next_seq
            shift = skipped + 1
            older = (self._missing << shift) & window if shift < SEQ_WINDOW else 0
            self._missing = older | (((1 << min(skipped, SEQ_WINDOW - 1)) - 1) << 1)
            self._next_seq = seq + 1
            self.gaps += skipped
            return "gap" if skipped else "in_order"
        back = self._next_seq - 1 - seq  # 0: the newest number again
        if back >= SEQ_WINDOW:
            self.too_old += 1
            return "too_old"
        if self._missing >> back & 1:  # it was counted as a gap; it came after all
            self._missing &= ~(1 << back)
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
