"""Safe testing: every new command runs on the twin first and reaches the robot only if it is safe.

The gate copies the robot's measured state into the model, forecasts the command over a horizon
(``VirtualModel.forecast``), and checks the forecast against the joint limits in the URDF
(``twin.analytics.limit_violations.find_violations``). A rejected command never reaches the robot.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from twin.analytics.limit_violations import Violation, find_violations
from twin.core.messages import JointCommand
from twin.core.types import JointState
from twin.physical_system.standin import PhysicalStandIn
from twin.virtual_model.virtual import Forecast, VirtualModel

ControlLaw = Callable[[float, JointState], np.ndarray]


@dataclass(frozen=True)
class GateDecision:
    """The gate's verdict on one command.

    Attributes:
        allowed: True when the forecast broke no limit.
        violations: the first violation of each limit in the forecast (empty when allowed).
        forecast: what the model predicted the command would do.
        executed_steps: how many steps the robot actually ran it (0 when rejected or only screened).
    """

    allowed: bool
    violations: tuple[Violation, ...]
    forecast: Forecast
    executed_steps: int = 0

    def __str__(self) -> str:
        if self.allowed:
            return f"accepted (forecast within limits; ran {self.executed_steps} steps on the robot)"
        return "REJECTED before reaching the robot: " + "; ".join(str(v) for v in self.violations[:3])


class SafetyGate:
    """Screens commands on the twin's ``model`` before a ``PhysicalStandIn`` (or real robot) runs them.

    Args:
        model: the twin's virtual model (same robot and time step as the physical one).
        velocity_margin: fraction of the URDF speed limit allowed (0.8 keeps 20 % in reserve).
    """

    def __init__(self, model: VirtualModel, velocity_margin: float = 1.0) -> None:
        if not isinstance(model, VirtualModel):
            raise TypeError(f"model must be a twin.virtual_model.VirtualModel, got {type(model).__name__}.")
        if not velocity_margin > 0:
            raise ValueError(f"velocity_margin={velocity_margin!r} must be > 0 (1.0 = the URDF limit).")
        self.model = model
        self.velocity_margin = float(velocity_margin)
        self.rejected = 0
        self.accepted = 0

    def __repr__(self) -> str:
        return f"SafetyGate({self.model.robot.name!r}, accepted={self.accepted}, rejected={self.rejected})"

    def screen(self, law: ControlLaw, state: JointState, steps: int) -> GateDecision:
        """Forecast ``law`` (``f(t, state) -> torques``, t from 0) for ``steps`` steps from ``state``; judge it."""
        if not callable(law):
            raise TypeError("law must be a control law f(t, state) -> torques (N m), t in s from the start.")
        saved = self.model.state()
        self.model.plant.set_state(state.positions, state.velocities)
        t0 = self.model.plant.time
        try:
            forecast = self.model.forecast(lambda t, s: law(t - t0, s), steps)
        finally:
            self.model.plant.set_state(saved.positions, saved.velocities)
        violations = tuple(find_violations(forecast, self.model.robot, self.velocity_margin))
        if violations:
            self.rejected += 1
        else:
            self.accepted += 1
        return GateDecision(not violations, violations, forecast)

    def execute(self, law: ControlLaw, robot: PhysicalStandIn, steps: int) -> GateDecision:
        """Screen ``law`` from the robot's *measured* state; run it on the robot only when it is safe."""
        if robot.robot.dof != self.model.robot.dof:
            raise ValueError(
                f"robot has {robot.robot.dof} joints but the model has {self.model.robot.dof}: not the same robot."
            )
        reading = robot.measure()
        decision = self.screen(law, JointState(reading.positions, reading.velocities), steps)
        if not decision.allowed:
            return decision
        t0 = robot.time
        for _ in range(steps):
            reading = robot.measure()
            tau = np.asarray(law(robot.time - t0, JointState(reading.positions, reading.velocities)), dtype=float)
            robot.apply(JointCommand(robot.time, tau))
            robot.step()
        return GateDecision(True, (), decision.forecast, executed_steps=steps)
