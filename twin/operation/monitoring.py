"""Real-time monitoring: CUSUM detectors watching a running twin's residuals, one per joint.

``ResidualMonitor`` reads the twin's analytics engine (``PredictionErrorTracker``) after every advance,
feeds each new residual to its joint's ``CusumDetector`` and keeps an alarm log. ``fault_run`` makes
the data for the chapter's detection experiment: a twin tracking a sine, healthy for a while, then with
a sudden friction fault injected into the stand-in.

Why a small correction gain: a twin that pulls its model hard towards every measurement (gain 0.3)
hides a fault in its residuals (the model simply follows the robot); one that trusts its model more
(gain 0.05) lets the fault show as a persistent shift of the residual's mean, which CUSUM catches.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from twin.analytics.anomaly import CusumDetector
from twin.control.pd import JointPD
from twin.core.types import DynamicsParameters
from twin.digital_twin import DigitalTwin
from twin.operation.commissioning import commissioning_calibration

MONITOR_GAIN = 0.05  # correction gain of the monitored twin (see the module docstring)


def sine_target(t: float) -> np.ndarray:
    """The monitored task: the pendulum follows 0.5 sin(pi t) rad (a 0.5 Hz swing)."""
    return np.array([0.5 * np.sin(2 * np.pi * 0.5 * t)])


def monitored_twin(
    seed: int = 0, correction_gain: float = MONITOR_GAIN, model_parameters: DynamicsParameters | None = None
) -> DigitalTwin:
    """A pendulum twin tracking ``sine_target``, its model calibrated from a recording of the stand-in.

    ``model_parameters`` default: ``commissioning_calibration("pendulum").estimate`` (4 s of multisine
    recorded and fitted once, then cached), never the stand-in's hidden truth.
    """
    if model_parameters is None:
        model_parameters = commissioning_calibration("pendulum").estimate
    return DigitalTwin(
        "pendulum",
        mode="twin",
        controller=JointPD(sine_target, kp=20.0, kd=2.0),
        model_parameters=model_parameters,
        correction_gain=correction_gain,
        seed=seed,
    )


@dataclass(frozen=True)
class FaultRun:
    """Residuals (model prediction minus measurement, rad; one row per step) around an injected fault.

    ``onset`` is the index of the first step after the fault; ``times`` are in s.
    """

    times: np.ndarray
    residuals: np.ndarray
    onset: int


def fault_run(
    extra_friction: float,
    healthy_seconds: float = 4.0,
    faulty_seconds: float = 2.0,
    seed: int = 0,
    correction_gain: float = MONITOR_GAIN,
) -> FaultRun:
    """Run ``monitored_twin``; after ``healthy_seconds`` add ``extra_friction`` N m to the stand-in's joint."""
    if not extra_friction >= 0:
        raise ValueError(f"extra_friction={extra_friction!r} N m must be >= 0 (0 = no fault, a healthy run).")
    if not (healthy_seconds > 0 and faulty_seconds > 0):
        raise ValueError("healthy_seconds and faulty_seconds must be > 0.")
    with monitored_twin(seed, correction_gain) as twin:
        healthy = twin.run(round(healthy_seconds / twin.time_step))
        friction = twin.physical.truth.joint_friction
        twin.physical.update_truth(joint_friction=friction + float(extra_friction))
        faulty = twin.run(round(faulty_seconds / twin.time_step))
    return FaultRun(
        np.concatenate([healthy.times, faulty.times]),
        np.concatenate([healthy.prediction_errors, faulty.prediction_errors]),
        onset=len(healthy.times),
    )


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
