"""Safe testing: screen a command on the twin's forecast before it reaches the robot."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from twin.sim.robots import Robot
from twin.virtual_model.virtual import Forecast


@dataclass(frozen=True)
class Violation:
    """One broken limit: which joint, what, when (s), the value and the limit, in ``unit``.

    ``unit`` is rad or rad/s for a revolute joint's position or speed, m or m/s for a prismatic one."""

    joint: str
    kind: str
    time: float
    value: float
    limit: float
    unit: str = ""

    def __str__(self) -> str:
        unit = f" {self.unit}" if self.unit else ""
        where = f"at t={self.time:.3f} s"
        return f"{self.joint}: {self.kind} {self.value:.3g}{unit} beyond limit {self.limit:.3g}{unit} {where}"


def find_violations(forecast: Forecast, robot: Robot, velocity_margin: float = 1.0) -> list[Violation]:
    """The first violation of each joint's position and velocity limits (from the URDF) in a forecast.

    ``velocity_margin`` scales the URDF's velocity limits (0.8 = keep 20 % in reserve).
    """
    if velocity_margin <= 0:
        raise ValueError(f"velocity_margin={velocity_margin} must be > 0 (1.0 = the URDF limit).")
    lower, upper = robot.joint_limits()
    vmax = np.array([robot.joints[i].max_velocity or np.inf for i in robot.joint_indices]) * velocity_margin
    found = []
    for j, name in enumerate(robot.joint_names):
        length = "m" if robot.joints[robot.joint_indices[j]].type == "prismatic" else "rad"
        checks = (
            ("position", forecast.positions[:, j] < lower[j], lower[j]),
            ("position", forecast.positions[:, j] > upper[j], upper[j]),
            ("speed", np.abs(forecast.velocities[:, j]) > vmax[j], vmax[j]),
        )
        for kind, broken, limit in checks:
            if broken.any():
                k = int(np.argmax(broken))
                value = forecast.velocities[k, j] if kind == "speed" else forecast.positions[k, j]
                unit = f"{length}/s" if kind == "speed" else length
                found.append(Violation(name, kind, float(forecast.times[k]), float(value), float(limit), unit))
    return sorted(found, key=lambda v: v.time)
