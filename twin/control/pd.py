"""Joint-space PD control with gravity compensation from a model."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np


class JointPD:
    """tau = kp (target - q) - kd qd + g_model(q).

    Args:
        target: joint targets, rad (a vector, or a function of time ``t -> vector``).
        kp: stiffness, N m/rad (scalar or one per joint).
        kd: damping, N m s/rad.
        gravity_compensation: add the gravity torques that the *model* computes (so a wrong model
            leaves a steady-state error that only feedback removes).
    """

    def __init__(
        self,
        target: np.ndarray | Callable[[float], np.ndarray],
        kp: float | np.ndarray = 50.0,
        kd: float | np.ndarray = 5.0,
        gravity_compensation: bool = True,
    ) -> None:
        if np.any(np.asarray(kp) < 0) or np.any(np.asarray(kd) < 0):
            raise ValueError(f"gains must be >= 0, got kp={kp}, kd={kd}.")
        self.target = target
        self.kp = kp
        self.kd = kd
        self.gravity_compensation = gravity_compensation

    @classmethod
    def critically_damped(
        cls,
        target: np.ndarray | Callable[[float], np.ndarray],
        inertia: np.ndarray,
        natural_frequency: float = 2 * np.pi * 3.0,
        gravity_compensation: bool = True,
    ) -> JointPD:
        """Gains from each joint's inertia (the diagonal of the model's mass matrix, kg m^2).

        kp = I w^2 and kd = 2 I w give every joint the same natural frequency ``w`` (rad/s) and
        critical damping. Light wrist joints get small gains, which keeps a discrete-time loop stable.
        """
        inertia = np.asarray(inertia, dtype=float)
        if inertia.ndim == 2:
            inertia = np.diag(inertia)
        if np.any(inertia <= 0) or natural_frequency <= 0:
            raise ValueError("inertias and natural_frequency must be > 0.")
        return cls(
            target,
            kp=inertia * natural_frequency**2,
            kd=2 * inertia * natural_frequency,
            gravity_compensation=gravity_compensation,
        )

    def target_at(self, t: float) -> np.ndarray:
        return np.asarray(self.target(t) if callable(self.target) else self.target, dtype=float)

    def __call__(
        self, t: float, positions: np.ndarray, velocities: np.ndarray, gravity: np.ndarray | None
    ) -> np.ndarray:
        """Torques (N m) for the state (q in rad, qd in rad/s); ``gravity`` is the model's g(q) or None."""
        tau = np.asarray(self.kp) * (self.target_at(t) - positions) - np.asarray(self.kd) * velocities
        if self.gravity_compensation and gravity is not None:
            tau = tau + gravity
        return tau
