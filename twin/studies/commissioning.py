"""Commissioning: the operation phase's model comes from a calibration, not from the stand-in's secrets.

Before a twin is put to work, the connection phase calibrates it: drive the robot with a multisine,
record it, fit the dynamics (``twin.calibration``). ``commissioning_calibration`` does exactly that
once per robot, truth and seed (a few seconds, then cached for the session), and the operation phase's
twins (``monitored_twin``, ``WearScenario``) take their model from its ``estimate``. Its values are
close to the stand-in's hidden truth, never equal to it: the residuals the monitors see include that
small calibration error, as they would on a real robot.
"""

from __future__ import annotations

import math
from functools import lru_cache

import numpy as np

from twin.calibration import CalibrationResult, calibrate, excitation_torques, record_trajectory
from twin.calibration.fit import MIN_CALIBRATION_SAMPLES
from twin.core.types import DEFAULT_TIME_STEP, DynamicsParameters
from twin.physical_system.standin import PhysicalStandIn

COMMISSIONING_SECONDS = 4.0  # s of multisine excitation recorded for the calibration


def commissioning_calibration(
    robot: str = "pendulum",
    truth: DynamicsParameters | None = None,
    seed: int = 0,
    seconds: float = COMMISSIONING_SECONDS,
    time_step: float = DEFAULT_TIME_STEP,
) -> CalibrationResult:
    """Record ``seconds`` of multisine on a fresh stand-in (hidden ``truth``, noise ``seed``) and calibrate.

    Args:
        robot: a fixed-base catalogue robot (``pendulum``).
        truth: the stand-in's true dynamics (default: its own hidden values); the twin never reads them.
        seed: seeds the excitation and the stand-in's sensor noise.
        seconds: recording length, s: a finite number > 0 giving at least ``MIN_CALIBRATION_SAMPLES`` steps
            (4 s identifies mass, friction and damping of the pendulum).
        time_step: s per step, a finite number > 0.

    Raises:
        ValueError: for a ``seconds`` or ``time_step`` that is not a finite number > 0 (a bool is not), or too short.

    Returns:
        The ``CalibrationResult``; give ``result.estimate`` to the model. Cached: same arguments, same object.
    """
    for name, value, example in (("seconds", seconds, "4.0"), ("time_step", time_step, "1/240")):
        number = isinstance(value, int | float | np.integer | np.floating) and not isinstance(value, bool)
        if not number or not 0 < value < math.inf:
            raise ValueError(f"{name}={value!r} must be a finite number of seconds > 0, e.g. {example}.")
    steps = round(seconds / time_step)
    if steps < MIN_CALIBRATION_SAMPLES:
        raise ValueError(
            f"seconds={seconds!r} is only {steps} steps of {time_step:.4g} s; calibration needs at least "
            f"{MIN_CALIBRATION_SAMPLES}. Record longer, e.g. seconds=4.0."
        )
    return _calibrated(robot, truth, seed, float(seconds), float(time_step))


@lru_cache(maxsize=16)
def _calibrated(
    robot: str, truth: DynamicsParameters | None, seed: int, seconds: float, time_step: float
) -> CalibrationResult:
    """The cached work of ``commissioning_calibration``, given checked ``seconds`` and ``time_step`` (s, floats).

    The checks run before the cache, since ``True == 1`` would otherwise find a cached 1 s result unchecked."""
    steps = round(seconds / time_step)
    with PhysicalStandIn(robot, truth, seed=seed, time_step=time_step) as stand_in:
        data = record_trajectory(stand_in, excitation_torques(robot, steps, seed=seed, time_step=time_step))
    return calibrate(data, robot)
