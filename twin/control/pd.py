"""Joint-space PD control with gravity compensation from a model."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np


def check_gain_shapes(target_shape: tuple[int, ...], **gains: object) -> None:
    """Each gain must be one number for every joint or one per joint, like the target (shape ``target_shape``):
    otherwise a ValueError that names the gain, before numpy broadcasts it into something else or fails nameless."""
    allowed = {(), tuple(target_shape)} | ({(1,)} if tuple(target_shape) in ((), (1,)) else set())  # one joint
    for name, gain in gains.items():
        if np.shape(gain) not in allowed:
            raise ValueError(
                f"{name} has shape {np.shape(gain)} but the target has {target_shape[0] if target_shape else 1} "
                f"joints: give {name} as one number for every joint or one value per joint."
            )


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
        if not callable(target):
            check_gain_shapes(np.shape(target), kp=kp, kd=kd)
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
        target = self.target_at(t)
        try:
            tau = np.asarray(self.kp) * (target - positions) - np.asarray(self.kd) * velocities
        except ValueError as error:  # numpy's broadcasting message names no parameter: this one does
            raise ValueError(
                f"JointPD: the robot has {np.size(positions)} joints, but target has shape {target.shape}, kp "
                f"{np.shape(self.kp)} and kd {np.shape(self.kd)}; each must be one value per joint (or kp, kd a single "
                "number for every joint)."
            ) from error
        if self.gravity_compensation and gravity is not None:
            tau = tau + gravity
        return tau
