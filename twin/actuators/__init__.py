"""Actuator models: what stands between a commanded torque and the torque a joint receives.

- ``DCMotor``: a brushed DC motor with back-EMF, a supply voltage, a current limit and a torque-current
  curve (linear ``Kt I``, or a measured table such as Tan et al.'s ``MINITAUR_MOTOR``).
- ``ActuatorParameters`` / ``ActuatorModel``: latency, motor limits, strength, torque saturation,
  gear backlash and gear friction, vectorised over a robot's joints. All defaults = an ideal actuator.
- ``PositionServo``: a PD position loop whose torque goes through an ``ActuatorModel``.
"""

from twin.actuators.actuator_model import ActuatorModel, ActuatorParameters
from twin.actuators.dc_motor import MINITAUR_MOTOR, DCMotor
from twin.actuators.servo import PositionServo

__all__ = ["MINITAUR_MOTOR", "ActuatorModel", "ActuatorParameters", "DCMotor", "PositionServo"]
