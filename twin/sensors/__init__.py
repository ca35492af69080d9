"""Sensor models that turn the physical system's true state into measurements."""

from twin.sensors.joint_state import JointStateSensor

__all__ = ["JointStateSensor"]
