"""Real-time monitoring: CUSUM detectors watching a running twin's residuals, one per joint.

``ResidualMonitor`` reads the twin's analytics engine (``PredictionErrorTracker``) after every advance,
feeds each new residual to its joint's ``CusumDetector`` and keeps an alarm log. The detection experiment
that makes a faulty run for it is a study: ``twin.studies.fault_detection``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from twin.analytics.anomaly import CusumDetector


class ResidualMonitor:
    """Per-joint CUSUM on a running twin's prediction errors.

    Args:
        twin: a ``DigitalTwin`` (anything with ``analytics``, a ``PredictionErrorTracker``).
        detectors: one ``CusumDetector`` per joint, calibrated on healthy residuals
            (see ``ResidualMonitor.calibrate``).
    """

    def __init__(self, twin: Any, detectors: list[CusumDetector]) -> None:
        names = tuple(twin.analytics.joint_names)
        if len(detectors) != len(names):
            raise ValueError(f"need one detector per joint {list(names)}, got {len(detectors)}.")
        self.twin = twin
        self.detectors = list(detectors)
        self.joint_names = names
        self.alarms: list[tuple[float, str]] = []
        self.statistic_history: list[float] = []
        self._read = len(twin.analytics)

    def __repr__(self) -> str:
        return f"ResidualMonitor({list(self.joint_names)}, {len(self.alarms)} alarm(s), read {self._read} steps)"

    @classmethod
    def calibrate(
        cls, twin: Any, seconds: float = 2.0, drift: float = 0.5, threshold: float = 8.0, skip_seconds: float = 0.5
    ) -> ResidualMonitor:
        """Run ``twin`` for ``seconds`` while healthy and fit each joint's detector to those residuals
        (the first ``skip_seconds`` are a start-up transient and are left out)."""
        if not seconds > skip_seconds >= 0:
            raise ValueError(f"seconds={seconds} must exceed skip_seconds={skip_seconds} >= 0.")
        run = twin.run(round(seconds / twin.time_step))
        healthy = run.prediction_errors[run.times >= run.times[0] + skip_seconds]
        detectors = [CusumDetector.calibrated(healthy[:, j], drift, threshold) for j in range(healthy.shape[1])]
        return cls(twin, detectors)

    @property
    def health(self) -> np.ndarray:
        """Each joint's larger CUSUM statistic as a fraction of its threshold: 0 healthy, 1 = alarm."""
        return np.array([max(d.upper, d.lower) / d.threshold for d in self.detectors])

    def update(self) -> int:
        """Feed every residual recorded since the last update; returns how many alarms that raised."""
        tracker = self.twin.analytics
        errors, times = tracker.errors[self._read :], tracker.times[self._read :]
        self._read = len(tracker)
        raised = 0
        for t, row in zip(times, errors, strict=True):
            for name, detector, e in zip(self.joint_names, self.detectors, row, strict=True):
                if detector.update(float(e)):
                    self.alarms.append((float(t), name))
                    raised += 1
            self.statistic_history.append(float(self.health.max()))
        return raised
