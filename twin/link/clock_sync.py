"""Clock synchronisation between two processes, the way NTP does it.

A probe carries four timestamps: t0 (request sent, local clock), t1 (request received, remote clock),
t2 (reply sent, remote clock), t3 (reply received, local clock). With remote = local + offset:

    offset estimate  theta = ((t1 - t0) + (t2 - t3)) / 2
    round-trip delay delta = (t3 - t0) - (t2 - t1)

If the two one-way delays are d_up and d_down (d_up + d_down = delta), the estimate is off by exactly
(d_up - d_down) / 2, so whatever the asymmetry, |theta - offset| <= delta / 2: the error bound. The
probe with the smallest delay has the tightest bound, so the estimator keeps that one.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass


@dataclass(frozen=True)
class ClockProbe:
    """One exchange: t0, t3 on the local clock, t1, t2 on the remote clock (all s)."""

    t0: float
    t1: float
    t2: float
    t3: float

    def __post_init__(self) -> None:
        if self.t3 < self.t0 or self.t2 < self.t1:
            raise ValueError(f"{self}: a reply cannot arrive before its request left (t3 >= t0, t2 >= t1).")

    @property
    def offset(self) -> float:
        """Estimated remote clock minus local clock, s."""
        return ((self.t1 - self.t0) + (self.t2 - self.t3)) / 2.0

    @property
    def delay(self) -> float:
        """Round-trip network delay, remote processing time excluded, s."""
        return (self.t3 - self.t0) - (self.t2 - self.t1)

    @property
    def error_bound(self) -> float:
        """The true offset lies within ``offset +- error_bound`` (s), however asymmetric the path."""
        return max(self.delay, 0.0) / 2.0


def asymmetry_bias(uplink_delay: float, downlink_delay: float) -> float:
    """How far the NTP estimate is off when the path there takes ``uplink_delay`` and back ``downlink_delay`` s."""
    return (uplink_delay - downlink_delay) / 2.0


class ClockSync:
    """Keeps the last ``window`` probes and trusts the one with the smallest round-trip delay.

    ``to_local(remote_time)`` maps a remote timestamp onto the local clock.
    """

    def __init__(self, window: int = 16) -> None:
        if window < 1:
            raise ValueError(f"window={window} must be >= 1 probe.")
        self.probes: deque[ClockProbe] = deque(maxlen=window)

    def __repr__(self) -> str:
        if not self.probes:
            return "ClockSync(no probes yet)"
        offset, bound = self.offset * 1e6, self.error_bound * 1e6
        return f"ClockSync(offset={offset:.1f} us +- {bound:.1f} us, probes={len(self.probes)})"

    def add(self, t0: float, t1: float, t2: float, t3: float) -> ClockProbe:
        probe = ClockProbe(t0, t1, t2, t3)
        self.probes.append(probe)
        return probe

    @property
    def best(self) -> ClockProbe:
        if not self.probes:
            raise RuntimeError("No clock probe yet: exchange at least one sync_request/sync_reply first.")
        return min(self.probes, key=lambda p: p.delay)

    @property
    def offset(self) -> float:
        return self.best.offset

    @property
    def error_bound(self) -> float:
        return self.best.error_bound

    def to_local(self, remote_time: float) -> float:
        """A timestamp on the remote clock, expressed on the local clock (s)."""
        return remote_time - self.offset
