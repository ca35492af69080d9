"""Controllers."""

from twin.control.pd import JointPD

__all__ = ["JointPD"]
