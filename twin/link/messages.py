"""Old home of the message types, kept so existing imports work: they live in ``twin.core.messages``."""

from twin.core.messages import SCHEMA_VERSION, JointCommand, StateMeasurement

__all__ = ["SCHEMA_VERSION", "JointCommand", "StateMeasurement"]
