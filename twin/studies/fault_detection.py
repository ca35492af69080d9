"""The detection experiment of notebook 05 (a study: it builds the twin): a twin tracking a sine, healthy for a
while, then with a sudden friction fault injected into the stand-in; its residuals are what
``twin.operation.monitoring.ResidualMonitor`` watches.

Why a small correction gain: a twin that pulls its model hard towards every measurement (gain 0.3)
hides a fault in its residuals (the model simply follows the robot); one that trusts its model more
(gain 0.05) lets the fault show as a persistent shift of the residual's mean, which CUSUM catches.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from twin.control.pd import JointPD
from twin.core.types import DynamicsParameters
from twin.digital_twin import DigitalTwin
from twin.studies.commissioning import commissioning_calibration

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
