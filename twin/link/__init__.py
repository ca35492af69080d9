"""The data connection between the physical system and its virtual model."""

from twin.link.in_process import Channel, InProcessLink
from twin.link.messages import SCHEMA_VERSION, JointCommand, StateMeasurement

__all__ = ["SCHEMA_VERSION", "Channel", "InProcessLink", "JointCommand", "StateMeasurement"]
