"""Dynamic movement primitives: a movement learned from one demonstration, replayed towards new goals.

A DMP (Ijspeert, Nakanishi, Hoffmann, Pastor and Schaal, Neural Computation 2013) is a spring-damper pulled
to the goal g, plus a learned forcing term f that shapes the way there and fades out with a phase variable s:

    tau dv/dt = K (g - y) - D v - K (g - y0) s + K f(s)        tau dy/dt = v        tau ds/dt = -alpha s

(the form of Hoffmann et al. 2009, which keeps the shape when the goal equals the start in some coordinate).
f is a weighted sum of Gaussian bumps in s, fitted to one demonstration by least squares. Because f vanishes
as s -> 0, the system always ends at g: change g and the same shape (over the wall, say) ends somewhere new.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from twin.core.checks import check_count, check_number


@dataclass(frozen=True)
class DMPParameters:
    """Gains: ``stiffness`` K (1/s^2 in phase time), ``damping`` D (critically damped: 2 sqrt(K)); ``alpha``: how
    fast the phase decays (s = exp(-alpha t / tau)); ``basis``: the number of Gaussian bumps of the forcing term."""

    stiffness: float = 150.0
    damping: float = 2.0 * np.sqrt(150.0)
    alpha: float = 4.0
    basis: int = 30

    def __post_init__(self) -> None:
        for name in ("stiffness", "damping", "alpha"):
            check_number(name, getattr(self, name), "(DMP gain)", low=0.0, low_open=True, hint="the defaults work")
        check_count("basis", self.basis, "Gaussian bumps of the forcing term (e.g. 30)", low=2)


class DMP:
    """A DMP over d coordinates, learned by ``DMP.fit(times, positions)`` from one demonstration.

    ``rollout(goal, start=None, dt=..., duration=...)`` generates the movement towards ``goal``.
    """

    def __init__(self, weights: np.ndarray, tau: float, start: np.ndarray, goal: np.ndarray, params: DMPParameters):
        self.weights = weights  # (basis, d)
        self.tau = float(tau)
        self.start = start
        self.goal = goal
        self.params = params
        self.centres = np.exp(-params.alpha * np.linspace(0.0, 1.0, params.basis))  # in phase s
        spacing = np.diff(self.centres)
        widths = np.concatenate([spacing, spacing[-1:]])
        self.widths = 1.0 / widths**2  # narrower bumps where the centres crowd (late phase)

    def __repr__(self) -> str:
        return f"DMP({self.weights.shape[1]} coordinates, {self.params.basis} basis functions, tau={self.tau:.2f} s)"

    def _forcing(self, s: float | np.ndarray) -> np.ndarray:
        s = np.atleast_1d(np.asarray(s, dtype=float))
        psi = np.exp(-self.widths * (s[:, None] - self.centres) ** 2)  # (n, basis)
        return (psi @ self.weights) * (s / psi.sum(axis=1))[:, None]

    @classmethod
    def fit(cls, times: np.ndarray, positions: np.ndarray, params: DMPParameters = DMPParameters()) -> DMP:
        """Learn the forcing term from one demonstration: ``positions`` (n, d) in m at ``times`` (n,) in s."""
        t = np.asarray(times, dtype=float)
        y = np.asarray(positions, dtype=float)
        if y.ndim == 1:
            y = y[:, None]
        if t.ndim != 1 or len(t) != len(y) or len(t) < 10:
            raise ValueError(f"need at least 10 samples: times (n,) and positions (n, d), got {t.shape}, {y.shape}.")
        if np.any(np.diff(t) <= 0):
            raise ValueError("times must increase strictly.")
        if not (np.all(np.isfinite(t)) and np.all(np.isfinite(y))):
            raise ValueError("times and positions must be finite numbers: the demonstration has a NaN or inf in it.")
        tau = float(t[-1] - t[0])
        phase_time = (t - t[0]) / tau  # 0..1
        dy = np.gradient(y, t, axis=0) * tau
        ddy = np.gradient(dy, t, axis=0) * tau
        s = np.exp(-params.alpha * phase_time)
        start, goal = y[0].copy(), y[-1].copy()  # not views of the caller's array, which may change later
        k, d = params.stiffness, params.damping
        # what f must be for the demonstration to satisfy the equation above
        target = (ddy + d * dy) / k - (goal - y) + (goal - start) * s[:, None]
        dmp = cls(np.zeros((params.basis, y.shape[1])), tau, start, goal, params)
        psi = np.exp(-dmp.widths * (s[:, None] - dmp.centres) ** 2)
        features = psi * (s / psi.sum(axis=1))[:, None]  # (n, basis)
        ridge = 1e-8 * np.eye(params.basis)
        weights = np.linalg.solve(features.T @ features + ridge, features.T @ target)
        return cls(weights, tau, start, goal, params)

    def rollout(
        self, goal: np.ndarray | None = None, start: np.ndarray | None = None, dt: float = 0.01, duration: float = 0.0
    ) -> tuple[np.ndarray, np.ndarray]:
        """Times (s) and positions (n, d) of the movement from ``start`` (default: the demonstration's) to
        ``goal`` (default: the demonstration's), integrated with step ``dt`` for ``duration`` s (default
        1.5 tau, by which the phase has faded and the spring has settled)."""
        g = self.goal if goal is None else np.asarray(goal, dtype=float)
        y0 = self.start if start is None else np.asarray(start, dtype=float)
        if g.shape != self.goal.shape or y0.shape != self.start.shape:
            raise ValueError(f"goal and start must have {self.goal.shape[0]} coordinates like the demonstration.")
        if not (np.all(np.isfinite(g)) and np.all(np.isfinite(y0))):
            raise ValueError(f"goal={g.tolist()} and start={y0.tolist()} must be finite numbers (m).")
        check_number("duration", duration, "s", low=0.0, hint="0 means 1.5 tau, the demonstration's length and more")
        total = duration if duration > 0 else 1.5 * self.tau
        check_number("dt", dt, "s", low=0.0, high=total / 2, low_open=True, hint="a step in s, e.g. 0.01 (not ms)")
        k, d, alpha, tau = self.params.stiffness, self.params.damping, self.params.alpha, self.tau
        y, v, s = y0.copy(), np.zeros_like(y0), 1.0
        times, path = [0.0], [y.copy()]
        for i in range(int(round(total / dt))):
            f = self._forcing(s)[0]
            dv = (k * (g - y) - d * v - k * (g - y0) * s + k * f) / tau
            v = v + dv * dt
            y = y + v / tau * dt
            s = s - alpha * s / tau * dt
            times.append((i + 1) * dt)
            path.append(y.copy())
        return np.array(times), np.array(path)
