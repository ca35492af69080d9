"""Joint-space PID control with gravity compensation, for a controller that runs every ``period`` seconds."""

from __future__ import annotations

import math

import numpy as np

from twin.control.pd import check_gain_shapes


class JointPID:
    """tau = kp e - kd qd + ki sum(e * period) + g_model(q), with e = target - q.

    One call is one control period: the integral grows by ``e * period`` on each call, and only for joints within
    ``integral_band`` of the target, so it removes a steady offset without winding up on the way there.
    Satisfies ``twin.core.Controller``; ``reset()`` empties the integral before a new run.

    Args:
        target: joint targets, rad (one per joint).
        kp: stiffness, N m/rad. kd: damping, N m s/rad. ki: integral gain, N m/(rad s).
        period: seconds between calls (the control period), > 0.
        integral_band: rad; errors larger than this are not integrated (``math.inf``: always integrate).
        gravity_compensation: add the gravity torques the *model* computes (``gravity`` in ``__call__``).
    """

    def __init__(
        self,
        target: np.ndarray,
        kp: float | np.ndarray,
        kd: float | np.ndarray,
        ki: float | np.ndarray = 0.0,
        *,
        period: float,
        integral_band: float = math.inf,
        gravity_compensation: bool = True,
    ) -> None:
        if np.any(np.asarray(kp) < 0) or np.any(np.asarray(kd) < 0) or np.any(np.asarray(ki) < 0):
            raise ValueError(f"gains must be >= 0, got kp={kp}, kd={kd}, ki={ki}.")
        if not (isinstance(period, int | float) and math.isfinite(period) and period > 0):
            raise ValueError(f"period={period!r} must be the control period in s, > 0 (e.g. 1/240).")
        if not integral_band > 0:
            raise ValueError(f"integral_band={integral_band!r} must be > 0 rad (math.inf integrates every error).")
        self.target = np.asarray(target, dtype=float)
        check_gain_shapes(self.target.shape, kp=kp, kd=kd, ki=ki)
        self.kp, self.kd, self.ki = kp, kd, ki
        self.period = float(period)
        self.integral_band = float(integral_band)
        self.gravity_compensation = gravity_compensation
        self.integral = np.zeros_like(self.target)  # rad s

    def reset(self) -> None:
        """Forget the integral (a new run starts from rest)."""
        self.integral = np.zeros_like(self.target)

    def feedback(self, positions: np.ndarray, velocities: np.ndarray) -> np.ndarray:
        """The PID torques (N m) without gravity compensation; advances the integral by one period."""
        error = self.target - positions
        self.integral += np.where(np.abs(error) < self.integral_band, error, 0.0) * self.period
        return self.kp * error - self.kd * velocities + self.ki * self.integral

    def __call__(
        self, t: float, positions: np.ndarray, velocities: np.ndarray, gravity: np.ndarray | None
    ) -> np.ndarray:
        """Torques (N m) for the state (q in rad, qd in rad/s); ``gravity`` is the model's g(q) or None."""
        tau = self.feedback(positions, velocities)
        if self.gravity_compensation and gravity is not None:
            tau = tau + gravity
        return tau
