"""The analytics engine's first instrument: how far the virtual model's prediction is from measurement."""

from __future__ import annotations

import numpy as np

from twin.core.checks import check_number


class PredictionErrorTracker:
    """Records, step by step, the model's predicted joint positions against the measured ones.

    The error is ``predicted - measured`` in rad (m for prismatic joints), one column per joint.
    """

    def __init__(self, joint_names: tuple[str, ...] | list[str]) -> None:
        if isinstance(joint_names, str):  # tuple("hinge") is five joints, h, i, n, g, e
            raise TypeError(
                f"joint_names must be a list of names, e.g. [{joint_names!r}], got the str {joint_names!r}."
            )
        self.joint_names = tuple(joint_names)
        self._shape = (len(self.joint_names),)  # of each vector it records
        self._times: list[float] = []
        self._errors: list[np.ndarray] = []

    def record(self, time: float, predicted: np.ndarray, measured: np.ndarray) -> np.ndarray:
        """Store one comparison; returns the error vector, read-only: it is the very array the record keeps."""
        predicted = np.asarray(predicted, dtype=float)
        measured = np.asarray(measured, dtype=float)
        if predicted.shape != self._shape or measured.shape != self._shape:
            raise ValueError(
                f"predicted {predicted.shape} and measured {measured.shape} must both have one value per joint "
                f"({len(self.joint_names)}: {list(self.joint_names)})."
            )
        error = predicted - measured
        error.setflags(write=False)  # whoever holds it cannot change the record by accident (err *= 1000)
        self._times.append(float(time))
        self._errors.append(error)
        return error

    def __len__(self) -> int:
        return len(self._times)

    @property
    def times(self) -> np.ndarray:
        """Time of each comparison, s."""
        return np.array(self._times)

    @property
    def errors(self) -> np.ndarray:
        """All errors, shape (comparisons, joints)."""
        return np.array(self._errors).reshape(len(self._errors), len(self.joint_names))

    @property
    def latest_error(self) -> np.ndarray:
        """The newest error vector (zeros before the first comparison)."""
        return self._errors[-1].copy() if self._errors else np.zeros(len(self.joint_names))

    def rmse(self, last_seconds: float | None = None) -> float:
        """Root-mean-square error over all joints (optionally only over the last ``last_seconds``)."""
        errors = self._window(last_seconds)
        return float(np.sqrt(np.mean(errors**2))) if errors.size else 0.0

    def rmse_per_joint(self, last_seconds: float | None = None) -> np.ndarray:
        """Root-mean-square error of each joint."""
        errors = self._window(last_seconds)
        return np.sqrt(np.mean(errors**2, axis=0)) if errors.size else np.zeros(len(self.joint_names))

    def max_abs_error(self) -> float:
        errors = self.errors
        return float(np.max(np.abs(errors))) if errors.size else 0.0

    def reset(self) -> None:
        self._times.clear()
        self._errors.clear()

    def _window(self, last_seconds: float | None) -> np.ndarray:
        errors = self.errors
        if last_seconds is None or not len(self):
            return errors
        check_number("last_seconds", last_seconds, "s", low=0, low_open=True, hint="or None for the whole record")
        return errors[self.times >= self._times[-1] - last_seconds]
