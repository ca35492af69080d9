"""The twin's plain shared types and the protocols of its four components.

Imports nothing else from ``twin`` and no physics engine, so the data connection, the analytics and a
real robot's computer can use it without pybullet.

- ``types``: ``JointState``, ``DynamicsParameters``, ``DEFAULT_TIME_STEP``.
- ``messages``: ``StateMeasurement`` and ``JointCommand``, what crosses the data connection.
- ``protocols``: ``PhysicalSystem``, ``Link`` (two ``MessageChannel`` s), ``Model``, ``Controller``.
"""

from twin.core.messages import SCHEMA_VERSION, JointCommand, StateMeasurement
from twin.core.protocols import Controller, Link, MessageChannel, Model, PhysicalSystem
from twin.core.types import DEFAULT_TIME_STEP, DynamicsParameters, JointState

__all__ = [
    "DEFAULT_TIME_STEP",
    "SCHEMA_VERSION",
    "Controller",
    "DynamicsParameters",
    "JointCommand",
    "JointState",
    "Link",
    "MessageChannel",
    "Model",
    "PhysicalSystem",
    "StateMeasurement",
]
