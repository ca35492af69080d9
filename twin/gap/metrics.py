"""Gap metrics: how far the stand-in's trajectory, outcome and sensor readings are from the model's."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from twin.gap.task import Episode
from twin.tables import Table, make_table


def _as_rows(name: str, values: object) -> np.ndarray:
    array = np.asarray(values, dtype=float)
    if array.ndim == 1:
        array = array[:, None]
    if array.ndim != 2 or array.shape[0] == 0:
        raise ValueError(f"{name} must be a (steps x joints) array with at least one step, got shape {array.shape}.")
    return array


@dataclass(frozen=True)
class TrajectoryGap:
    """How far one joint trajectory is from another, per joint and overall (rad, or m for prismatic joints).

    Attributes:
        joint_names: one name per column.
        rmse: root-mean-square difference per joint.
        max_abs: largest absolute difference per joint.
        final: difference at the last sample per joint (observed minus reference).
        overall_rmse: root-mean-square over every joint and sample.
    """

    joint_names: tuple[str, ...]
    rmse: np.ndarray
    max_abs: np.ndarray
    final: np.ndarray
    overall_rmse: float

    def table(self, unit: str = "rad") -> Table:
        """Per joint and overall: RMSE, largest and final error, in ``unit`` (rad, or m for prismatic joints)."""
        rows = [
            (name, float(r), float(m), float(f))
            for name, r, m, f in zip(self.joint_names, self.rmse, self.max_abs, self.final, strict=True)
        ]
        rows.append(("overall", self.overall_rmse, float(self.max_abs.max()), float("nan")))
        columns = ("joint", f"RMSE [{unit}]", f"max |gap| [{unit}]", f"final gap [{unit}]")
        return make_table(columns, rows, "trajectory gap")


def trajectory_gap(
    reference: np.ndarray, observed: np.ndarray, joint_names: Sequence[str] | None = None
) -> TrajectoryGap:
    """Gap between a reference trajectory (the model) and an observed one (the stand-in), both steps x joints."""
    reference, observed = _as_rows("reference", reference), _as_rows("observed", observed)
    if reference.shape != observed.shape:
        raise ValueError(f"reference {reference.shape} and observed {observed.shape} must have the same shape.")
    names = tuple(joint_names) if joint_names is not None else tuple(f"joint {i}" for i in range(reference.shape[1]))
    if len(names) != reference.shape[1]:
        raise ValueError(f"{len(names)} joint names for {reference.shape[1]} joints.")
    error = observed - reference
    return TrajectoryGap(
        joint_names=names,
        rmse=np.sqrt(np.mean(error**2, axis=0)),
        max_abs=np.max(np.abs(error), axis=0),
        final=error[-1].copy(),
        overall_rmse=float(np.sqrt(np.mean(error**2))),
    )


@dataclass(frozen=True)
class SensorGap:
    """What a sensor adds to the truth: a constant part (bias) and a random part (noise), per joint.

    ``bias`` is the mean of measured minus true, ``noise_std`` the standard deviation around it; a
    trustworthy estimate of the bias needs ``noise_std / sqrt(samples)`` to be small.
    """

    joint_names: tuple[str, ...]
    bias: np.ndarray
    noise_std: np.ndarray
    samples: int

    def table(self, unit: str = "rad") -> Table:
        """Per joint: bias, noise standard deviation and the bias's standard error, in ``unit`` (rad or m)."""
        rows = [
            (name, float(b), float(s), float(s / np.sqrt(self.samples)))
            for name, b, s in zip(self.joint_names, self.bias, self.noise_std, strict=True)
        ]
        return make_table(
            ("joint", f"bias [{unit}]", f"noise std [{unit}]", f"bias uncertainty [{unit}]"),
            rows,
            "sensor gap (measured - true)",
        )


def sensor_gap(true: np.ndarray, measured: np.ndarray, joint_names: Sequence[str] | None = None) -> SensorGap:
    """Bias and noise of measured readings against the true values (steps x joints)."""
    true, measured = _as_rows("true", true), _as_rows("measured", measured)
    if true.shape != measured.shape:
        raise ValueError(f"true {true.shape} and measured {measured.shape} must have the same shape.")
    if true.shape[0] < 2:
        raise ValueError("need at least two samples to separate bias from noise.")
    error = measured - true
    names = tuple(joint_names) if joint_names is not None else tuple(f"joint {i}" for i in range(true.shape[1]))
    return SensorGap(names, error.mean(axis=0), error.std(axis=0, ddof=1), true.shape[0])


@dataclass(frozen=True)
class OutcomeGap:
    """A task's outcome on the model and on the stand-in: does the controller that works in simulation work for real?"""

    model_success: bool
    real_success: bool
    model_cost: float
    real_cost: float

    def __post_init__(self) -> None:
        for name in ("model_success", "real_success"):
            if not isinstance(getattr(self, name), bool | np.bool_):
                raise TypeError(f"{name} must be True or False (an Episode's success), got {getattr(self, name)!r}.")
        for name in ("model_cost", "real_cost"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int | float | np.floating) or not np.isfinite(value):
                raise ValueError(f"{name}={value!r} must be a finite cost in s (an Episode's cost).")

    @classmethod
    def of(cls, on_model: Episode, on_robot: Episode) -> OutcomeGap:
        """From the same task's ``Episode`` on the model and on the stand-in (``twin.studies.transfer.trial``)."""
        for name, episode in (("on_model", on_model), ("on_robot", on_robot)):
            if not isinstance(episode, Episode):
                raise TypeError(
                    f"{name} must be a twin.gap.task.Episode (what trial() returns), got "
                    f"{type(episode).__name__}; for bare numbers use OutcomeGap(success, success, cost, cost)."
                )
        return cls(bool(on_model.success), bool(on_robot.success), float(on_model.cost), float(on_robot.cost))

    @property
    def cost_gap(self) -> float:
        """Stand-in cost minus model cost, s (positive: the task goes worse for real)."""
        return self.real_cost - self.model_cost

    @property
    def transfers(self) -> bool:
        """True when success in the model is also success on the stand-in."""
        return self.real_success or not self.model_success

    def table(self) -> Table:
        """Success and cost (s) on the model against the stand-in."""
        return make_table(
            ("", "model", "stand-in"),
            [("success", self.model_success, self.real_success), ("cost", self.model_cost, self.real_cost)],
            "task outcome gap",
        )
