"""Commissioning: the operation phase's model comes from a calibration, not from the stand-in's secrets.

Before a twin is put to work, the connection phase calibrates it: drive the robot with a multisine,
record it, fit the dynamics (``twin.calibration``). ``commissioning_calibration`` does exactly that
once per robot, truth and seed (a few seconds, then cached for the session), and the operation phase's
twins (``monitored_twin``, ``WearScenario``) take their model from its ``estimate``. Its values are
close to the stand-in's hidden truth, never equal to it: the residuals the monitors see include that
small calibration error, as they would on a real robot.
"""

from __future__ import annotations

from functools import lru_cache

from twin.calibration import CalibrationResult, calibrate, excitation_torques, record_trajectory
from twin.physical.standin import PhysicalStandIn
from twin.sim.plant import DynamicsParameters
from twin.sim.world import DEFAULT_TIME_STEP

COMMISSIONING_SECONDS = 4.0  # s of multisine excitation recorded for the calibration


@lru_cache(maxsize=16)
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
        seconds: recording length, s (4 s identifies mass, friction and damping of the pendulum).
        time_step: s per step.

    Returns:
        The ``CalibrationResult``; give ``result.estimate`` to the model. Cached: same arguments, same object.
    """
    if not (isinstance(seconds, int | float) and seconds > 0):
        raise ValueError(f"seconds={seconds!r} must be a positive number of seconds, e.g. 4.0.")
    steps = max(1, round(seconds / time_step))
    with PhysicalStandIn(robot, truth, seed=seed, time_step=time_step) as stand_in:
        data = record_trajectory(stand_in, excitation_torques(robot, steps, seed=seed, time_step=time_step))
    return calibrate(data, robot)
