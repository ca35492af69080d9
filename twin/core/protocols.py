"""What the chapter's four components offer each other, as typed protocols.

A class is a drop-in for a component when it has these methods, whatever it inherits from:
``PhysicalStandIn``, ``ProcessStandIn`` or a driver for a real robot are each a ``PhysicalSystem``;
``InProcessLink`` and ``ImpairedLink`` are each a ``Link``; ``VirtualModel`` is a ``Model``;
``JointPD`` (or any function of the same shape) is a ``Controller``. The protocols are
``runtime_checkable`` so a test (or ``DigitalTwin``) can ask ``isinstance(x, Link)``; that checks the
method names only, the type checker checks the signatures.

One twin step, in the chapter's order (see ``twin.digital_twin``):
physical ``measure`` -> link ``uplink.send``/``receive`` -> model ``correct``/``predict`` -> analytics.
"""

from __future__ import annotations

from typing import Protocol, TypeVar, runtime_checkable

import numpy as np

from twin.core.messages import JointCommand, StateMeasurement
from twin.core.types import JointState

MessageT = TypeVar("MessageT")


@runtime_checkable
class PhysicalSystem(Protocol):
    """The robot (or its stand-in): measured, commanded and stepped by the twin."""

    def measure(self) -> StateMeasurement:
        """What the sensors report now: joint positions (rad) and velocities (rad/s) with their time (s)."""
        ...

    def apply(self, command: JointCommand) -> None:
        """Take joint torques (N m) to hold from the command's time on."""
        ...

    def step(self) -> None:
        """Advance one time step (s, the system's own ``time_step``)."""
        ...

    def close(self) -> None:
        """Release what the system holds (a simulation, a process, a socket). Safe to call twice."""
        ...


@runtime_checkable
class MessageChannel(Protocol[MessageT]):
    """One direction of a data connection, counted in twin steps (not seconds)."""

    def send(self, message: MessageT, now_step: int) -> None:
        """Hand ``message`` to the channel at step ``now_step``."""
        ...

    def receive(self, now_step: int) -> list[MessageT]:
        """Every message that has arrived by step ``now_step`` (possibly none: late or lost)."""
        ...


@runtime_checkable
class Link(Protocol):
    """The data connection: measurements go up (physical -> model), commands come down."""

    @property
    def uplink(self) -> MessageChannel[StateMeasurement]: ...

    @property
    def downlink(self) -> MessageChannel[JointCommand]: ...


@runtime_checkable
class Model(Protocol):
    """The virtual model: predicts one step ahead and is pulled towards each measurement."""

    def state(self) -> JointState:
        """The model's joint positions (rad) and velocities (rad/s) now."""
        ...

    def predict(self, torques: np.ndarray) -> JointState:
        """Advance one time step under joint ``torques`` (N m); returns the new state."""
        ...

    def correct(self, measurement: StateMeasurement, gain: float) -> np.ndarray:
        """Pull the state towards ``measurement`` by ``gain`` (0..1); returns the innovation (rad)."""
        ...

    def gravity_torques(self, positions: np.ndarray) -> np.ndarray:
        """Joint torques (N m) that hold ``positions`` (rad) still against gravity."""
        ...

    def close(self) -> None:
        """Release the model's simulation. Safe to call twice."""
        ...


@runtime_checkable
class Controller(Protocol):
    """``controller(t, q, qd, gravity) -> torques``: time (s), positions (rad), velocities (rad/s) and the
    model's gravity torques (N m, or ``None``) in, joint torques (N m) out."""

    def __call__(self, t: float, q: np.ndarray, qd: np.ndarray, gravity: np.ndarray | None) -> np.ndarray: ...
