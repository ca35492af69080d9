"""The messages that cross the data connection between the physical system and its twin.

Version 1, in-process. A later chapter encodes the same fields on a wire (msgpack), so keep them
plain: a timestamp in seconds and float vectors, one entry per one-DoF joint.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from twin.core.types import StateRows, all_finite

SCHEMA_VERSION = 1


def _vector(name: str, values: object) -> np.ndarray:
    array = np.array(values, dtype=float)  # the message's own copy: the caller's array stays the caller's, writable
    if array.ndim != 1:
        raise ValueError(f"{name} must be a 1-D vector (one value per joint), got shape {array.shape}.")
    if not all_finite(array):
        raise ValueError(f"{name} must hold finite numbers, got {array}.")
    array.setflags(write=False)
    return array


def _time(value: float) -> float:
    if type(value) is float and math.isfinite(value):  # the common case, checked first because it is cheap
        return value
    if not isinstance(value, int | float | np.floating) or not math.isfinite(value):
        raise ValueError(f"time={value!r} must be a finite number of seconds.")
    return float(value)


@dataclass(frozen=True)
class StateMeasurement:
    """What the physical system reports: measured joint positions (rad) and velocities (rad/s) at ``time`` (s)."""

    time: float
    positions: np.ndarray
    velocities: np.ndarray

    def __post_init__(self) -> None:
        object.__setattr__(self, "time", _time(self.time))
        object.__setattr__(self, "positions", _vector("positions", self.positions))
        object.__setattr__(self, "velocities", _vector("velocities", self.velocities))
        if self.positions.shape != self.velocities.shape:
            raise ValueError(
                f"positions {self.positions.shape} and velocities {self.velocities.shape} must have the same length."
            )

    @classmethod
    def from_rows(cls, time: float, rows: np.ndarray) -> StateMeasurement:
        """The same message from one (2, joints) float array, positions over velocities (a sensor's reading),
        with the same checks made in one pass. The message keeps a read-only copy as its ``rows``: the caller's
        array stays the caller's, writable, and changing it later does not change the message."""
        rows = np.array(rows, dtype=float)
        if rows.ndim != 2 or rows.shape[0] != 2:
            raise ValueError(f"rows must be positions over velocities, shape (2, joints), got shape {rows.shape}.")
        return cls._from_reading(_time(time), rows)

    @classmethod
    def _from_reading(cls, time: float, rows: np.ndarray) -> StateMeasurement:
        """``from_rows`` for a sensor that made ``rows`` itself: a new (2, joints) float array, positions over
        velocities, and ``time`` a finite float (s). Only the values are checked (finite); ``rows`` becomes
        read-only and stays the message's ``rows``."""
        if not all_finite(rows.ravel()):
            raise ValueError(f"positions and velocities must hold finite numbers, got {rows}.")
        rows.setflags(write=False)
        measurement = object.__new__(cls)
        measurement.__dict__.update(time=time, positions=rows[0], velocities=rows[1], rows=rows)
        return measurement

    rows = StateRows(keep=True)  # positions over velocities, read-only (2, joints): made once, on first use


@dataclass(frozen=True)
class JointCommand:
    """What the twin sends back: joint torques (N m; N for prismatic joints) to apply from ``time`` (s) on."""

    time: float
    torques: np.ndarray

    def __post_init__(self) -> None:
        object.__setattr__(self, "time", _time(self.time))
        object.__setattr__(self, "torques", _vector("torques", self.torques))

    @classmethod
    def _trusted(cls, time: float, torques: np.ndarray) -> JointCommand:
        """A command built without checks, for a loop that has just checked its parts: ``time`` a finite float
        (s), ``torques`` a read-only 1-D float array of finite N m. Cheaper than the frozen dataclass's
        ``__init__``; everything from outside goes through ``JointCommand(time, torques)``."""
        command = object.__new__(cls)
        command.__dict__.update(time=time, torques=torques)
        return command
