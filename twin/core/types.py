"""Plain types every component shares: joint state, dynamics parameters, the default time step.

No physics engine here: a real robot's computer, the data connection and the analytics can all use
these without pybullet installed.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, fields, replace

import numpy as np

DEFAULT_TIME_STEP = 1.0 / 240.0  # s; pybullet's own default, tuned for its contact solver


def all_finite(vector: np.ndarray) -> bool:
    """True when every entry of a short float vector (one value per joint) is finite: no NaN, no infinity.

    A sum is finite exactly when every entry is, unless finite entries overflow it (|x| near 1e308), which the
    exact test settles. Summing a Python list is several times cheaper than ``np.isfinite(v).all()`` for the
    handful of joints a robot has, and this runs on every message a twin's loop checks.
    """
    return math.isfinite(sum(vector.tolist())) or bool(np.isfinite(vector).all())


class StateRows:
    """``.rows`` of a joint state or measurement: positions over velocities as one (2, joints) float array.

    One built from rows (``from_rows``) keeps that very array under ``rows`` in its ``__dict__``, which Python reads
    before it asks this descriptor (a non-data descriptor): a plain attribute read in a twin's loop. Any other gets
    a new array; with ``keep=True`` (for read-only fields) that array is stored and served from then on.
    """

    def __init__(self, keep: bool = False) -> None:
        self.keep = keep

    def __get__(self, instance: object, owner: type | None = None) -> np.ndarray:
        if instance is None:
            return self  # type: ignore[return-value]  # the class attribute itself, for help() and docs
        rows = np.array((instance.positions, instance.velocities), dtype=float)
        if self.keep:
            rows.setflags(write=False)
            instance.__dict__["rows"] = rows
        return rows


@dataclass(frozen=True)
class JointState:
    """Positions (rad or m) and velocities (rad/s or m/s) of a robot's one-DoF joints."""

    positions: np.ndarray
    velocities: np.ndarray

    @classmethod
    def from_rows(cls, rows: np.ndarray) -> JointState:
        """The state held as one (2, joints) float array, positions over velocities; ``positions`` and
        ``velocities`` are views of its rows, and ``rows`` is that array, so a loop can update both in one
        numpy operation."""
        state = object.__new__(cls)
        fields_ = state.__dict__  # written directly: the frozen dataclass's __init__ costs more than the state
        fields_["positions"], fields_["velocities"], fields_["rows"] = rows[0], rows[1], rows
        return state

    rows = StateRows()  # the array the state was built from, or a new one (its arrays may have changed since)


@dataclass(frozen=True)
class DynamicsParameters:
    """The physical parameters a twin can get wrong.

    Attributes:
        mass_scale: every link's mass and inertia times this factor (1.0 = as in the URDF).
        joint_friction: Coulomb friction at every joint, N m (N for prismatic joints).
        joint_damping: viscous damping at every joint, N m s/rad (N s/m for prismatic joints).
    """

    mass_scale: float = 1.0
    joint_friction: float = 0.0
    joint_damping: float = 0.0

    def __post_init__(self) -> None:
        for f in fields(self):
            value = getattr(self, f.name)
            if not isinstance(value, int | float | np.floating) or isinstance(value, bool) or not math.isfinite(value):
                raise ValueError(f"{f.name}={value!r} must be a finite number.")
        if self.mass_scale <= 0:
            raise ValueError(f"mass_scale={self.mass_scale} must be > 0 (1.0 keeps the URDF masses).")
        if self.joint_friction < 0:
            raise ValueError(f"joint_friction={self.joint_friction} N m must be >= 0 (0 means frictionless).")
        if self.joint_damping < 0:
            raise ValueError(f"joint_damping={self.joint_damping} N m s/rad must be >= 0 (0 means undamped).")

    def with_changes(self, **changes: float) -> DynamicsParameters:
        """A copy with some fields changed; unknown names raise an error listing the valid ones."""
        valid = {f.name for f in fields(self)}
        unknown = set(changes) - valid
        if unknown:
            raise TypeError(f"Unknown dynamics parameter(s) {sorted(unknown)}; valid: {sorted(valid)}.")
        return replace(self, **changes)
