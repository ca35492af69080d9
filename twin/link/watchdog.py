"""A watchdog on the age of the data, not on the arrival of messages.

``StreamMonitor.is_stale`` (``twin.link.sync``) says when nothing has *arrived* for a while. A bridge that
keeps re-sending its last cached sample fools it: messages keep arriving, but they all describe the same old
moment. ``SampleAgeWatchdog`` reads the time stamp each sample carries (the robot's clock, synchronised with
the twin's as in ``twin.link.clock_sync``) and says when the newest sample describes the robot as it was more
than ``timeout`` seconds ago. Healthy ages are latency plus up to one sample period plus jitter (and a period
more for each lost message), so the timeout must sit above them, or the watchdog cries wolf.
"""

from __future__ import annotations

import math


class SampleAgeWatchdog:
    """Alarm when the newest sample's own time stamp is older than ``timeout`` s (times in s, one clock).

    Args:
        timeout: largest acceptable data age, s (a finite number > 0).
    """

    def __init__(self, timeout: float) -> None:
        number = isinstance(timeout, int | float) and not isinstance(timeout, bool)
        if not number or not 0 < timeout < math.inf:
            raise ValueError(f"timeout={timeout!r} must be a finite number of seconds > 0, e.g. 0.1.")
        self.timeout = float(timeout)
        self.newest: float | None = None

    def __repr__(self) -> str:
        return f"SampleAgeWatchdog(timeout={self.timeout:g} s, newest sample at {self.newest})"

    def observe(self, sample_time: float) -> None:
        """Record a sample stamped ``sample_time`` (s); an older one arriving late changes nothing."""
        if not isinstance(sample_time, int | float) or not math.isfinite(sample_time):
            raise ValueError(f"sample_time={sample_time!r} must be a finite number of seconds.")
        if self.newest is None or sample_time > self.newest:
            self.newest = float(sample_time)

    def age(self, now: float) -> float:
        """Seconds between ``now`` and the newest sample's time stamp (inf before the first sample)."""
        return math.inf if self.newest is None else now - self.newest

    def is_stale(self, now: float) -> bool:
        """True when the newest sample is older than the timeout (or there is none yet)."""
        return self.age(now) > self.timeout
