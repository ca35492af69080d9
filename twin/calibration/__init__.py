"""Connection phase: record synchronised data, calibrate the model's parameters, and say how sure we are.

- ``trajectory``: ``Trajectory`` (time, measured state, commands), ``record_trajectory``, ``excitation_torques``.
- ``fit``: ``calibrate`` by multiple shooting with least squares, standard errors from the Jacobian,
  unidentifiable parameters reported; ``predict`` replays a trajectory on a model.

Validation metrics live in ``twin.analytics.validation``.
"""

from twin.calibration.fit import (
    DEFAULT_PARAMETERS,
    CalibrationResult,
    DelayEstimate,
    calibrate,
    estimate_command_delay,
    predict,
)
from twin.calibration.trajectory import Trajectory, excitation_torques, record_trajectory

__all__ = [
    "DEFAULT_PARAMETERS",
    "CalibrationResult",
    "DelayEstimate",
    "Trajectory",
    "calibrate",
    "estimate_command_delay",
    "excitation_torques",
    "predict",
    "record_trajectory",
]
