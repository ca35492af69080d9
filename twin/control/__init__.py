"""Controllers: joint PD (stateless, any target function) and joint PID (one call per control period)."""

from twin.control.pd import JointPD
from twin.control.pid import JointPID

__all__ = ["JointPD", "JointPID"]
