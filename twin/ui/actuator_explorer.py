"""Plots and a slider panel over the actuator models: motor curves and ideal-vs-modelled step responses.

``ActuatorExplorer`` is a plain class (tested with pytest); ``actuator_explorer`` puts sliders in front of it.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import matplotlib.pyplot as plt
import numpy as np

from twin.actuators.actuator_model import ActuatorParameters
from twin.actuators.dc_motor import MINITAUR_MOTOR, DCMotor
from twin.actuators.step_response import StepResponse, joint_step_response


def plot_motor_curves(motor: DCMotor = MINITAUR_MOTOR, voltages: tuple[float, ...] = (8.0, 12.0, 16.0)) -> plt.Figure:
    """Left: torque against current (measured table and the ideal ``Kt I``). Right: the largest torque against
    speed at several supply voltages: flat where the current limit rules, falling where back-EMF rules."""
    fig, (tc, ts) = plt.subplots(1, 2, figsize=(10, 3.4))
    currents = np.linspace(0.0, 1.3 * motor.current_limit, 200)
    tc.plot(currents, motor.torque_constant * currents, "--", color="0.5", label="ideal: Kt I")
    tc.plot(currents, motor.rotor_torque(currents), lw=2, label="model (clipped at the current limit)")
    if motor.torque_current_curve is not None:
        tc.plot(*motor.torque_current_curve, "ko", label="measured (Tan et al. 2018)")
    tc.axvline(motor.current_limit, color="C3", lw=1, ls=":")
    tc.set_xlabel("current [A]")
    tc.set_ylabel("rotor torque [N m]")
    tc.set_title("torque-current curve", fontsize=10)
    tc.legend(fontsize=8)
    for volts in voltages:
        m = motor.with_supply_voltage(volts)
        speeds = np.linspace(0.0, m.no_load_speed, 200)
        ts.plot(speeds, m.max_torque(speeds), label=f"{volts:g} V")
        ts.plot(
            [0, m.no_load_speed],
            [motor.torque_constant * volts / motor.resistance * motor.gear_ratio, 0],
            ":",
            color=ts.lines[-1].get_color(),
            lw=1,
        )
    ts.set_ylim(0, 1.15 * motor.stall_torque)
    ts.set_xlabel("joint speed [rad/s]")
    ts.set_ylabel("largest joint torque [N m]")
    ts.set_title("torque-speed limit (dotted: ideal Kt I, no current limit)", fontsize=10)
    ts.legend(fontsize=8)
    fig.tight_layout()
    return fig


def plot_step_responses(responses: dict[str, StepResponse], title: str = "") -> plt.Figure:
    """Joint angle (left) and delivered torque (right) of several step responses of joint 0."""
    fig, (angle, torque) = plt.subplots(1, 2, figsize=(10, 3.4))
    first = next(iter(responses.values()))
    target = np.where(first.times >= first.step_time, first.target[0], first.start[0])
    angle.plot(first.times, target, "k--", lw=1, label="target")
    for label, response in responses.items():
        angle.plot(response.times, response.positions[:, 0], label=label)
        torque.plot(response.times, response.delivered[:, 0], label=label)
    angle.set_xlabel("time [s]")
    angle.set_ylabel("joint angle [rad]")
    angle.legend(fontsize=8)
    torque.set_xlabel("time [s]")
    torque.set_ylabel("torque at the joint [N m]")
    angle.set_title(title, fontsize=10)
    torque.set_title("delivered torque", fontsize=10)
    fig.tight_layout()
    return fig


class ActuatorExplorer:
    """Ideal against modelled actuator on the pendulum's step response (results are cached).

    Args:
        motor: the motor behind the joint (default: the Minitaur motor behind a 20:1 gearbox: 70 N m at stall,
            no-load speed 8.4 rad/s at 16 V, so that back-EMF visibly caps the pendulum's speed).
        target: the step, rad.
        kp, kd: the servo's gains, N m/rad and N m s/rad.
        seconds: how long to record, s.
    """

    def __init__(
        self,
        motor: DCMotor | None = None,
        target: float = 1.0,
        kp: float = 200.0,
        kd: float = 14.0,
        seconds: float = 1.2,
    ) -> None:
        self.motor = motor if motor is not None else replace(MINITAUR_MOTOR, gear_ratio=20.0)
        self.target, self.kp, self.kd, self.seconds = target, kp, kd, seconds
        self._cache: dict[tuple, StepResponse] = {}

    def parameters(
        self, voltage: float, latency: float = 0.0, backlash: float = 0.0, gear_friction: float = 0.0
    ) -> ActuatorParameters:
        """The modelled actuator: this explorer's motor at ``voltage`` (V), with latency (s), backlash (rad) and
        gear friction (N m)."""
        return ActuatorParameters(
            motor=self.motor.with_supply_voltage(voltage),
            latency=latency,
            backlash=backlash,
            gear_friction=gear_friction,
        )

    def response(self, parameters: ActuatorParameters | None) -> StepResponse:
        """The step response through ``parameters`` (None = ideal), with a motor-side encoder."""
        key = (parameters,)
        if key not in self._cache:
            self._cache[key] = joint_step_response(
                parameters, target=self.target, kp=self.kp, kd=self.kd, seconds=self.seconds, encoder="motor"
            )
        return self._cache[key]

    def compare(
        self, voltage: float, latency: float = 0.0, backlash: float = 0.0, gear_friction: float = 0.0
    ) -> tuple[StepResponse, StepResponse]:
        """(ideal, modelled) step responses."""
        return self.response(None), self.response(self.parameters(voltage, latency, backlash, gear_friction))

    def summary(self, voltage: float, latency: float = 0.0, backlash: float = 0.0, gear_friction: float = 0.0) -> str:
        """One line per actuator: first motion, rise time, overshoot, final error, peak torque."""
        ideal, modelled = self.compare(voltage, latency, backlash, gear_friction)
        lines = [f"{'':9}| first motion | rise 10-90 % | overshoot | final error | peak torque"]
        for label, r in (("ideal", ideal), ("modelled", modelled)):
            lines.append(
                f"{label:9}| {r.first_motion_time() * 1000:9.1f} ms | {r.rise_time() * 1000:9.0f} ms | "
                f"{r.overshoot() * 100:7.1f} % | {r.final_error() * 1000:7.2f} mrad | {r.peak_delivered():7.1f} N m"
            )
        return "\n".join(lines)

    def figure(
        self, voltage: float, latency: float = 0.0, backlash: float = 0.0, gear_friction: float = 0.0
    ) -> plt.Figure:
        ideal, modelled = self.compare(voltage, latency, backlash, gear_friction)
        title = (
            f"{voltage:g} V, latency {latency * 1000:g} ms, backlash {backlash * 1000:g} mrad, "
            f"friction {gear_friction:g} N m"
        )
        return plot_step_responses({"ideal actuator": ideal, "modelled actuator": modelled}, title)


def actuator_explorer(explorer: ActuatorExplorer | None = None) -> Any:
    """Sliders for supply voltage, latency, backlash and gear friction over the step-response plot."""
    import ipywidgets as widgets
    from IPython.display import display

    from twin.ui.views import slider_panel

    explorer = explorer or ActuatorExplorer()
    style = {"description_width": "110px"}
    sliders = {
        "voltage": widgets.FloatSlider(value=16.0, min=4.0, max=16.8, step=0.4, description="supply [V]"),
        "latency": widgets.FloatSlider(
            value=0.0, min=0.0, max=0.04, step=1 / 240, description="latency [s]", readout_format=".3f"
        ),
        "backlash": widgets.FloatSlider(value=0.0, min=0.0, max=0.1, step=0.01, description="backlash [rad]"),
        "gear_friction": widgets.FloatSlider(value=0.0, min=0.0, max=2.0, step=0.1, description="friction [N m]"),
    }
    for slider in sliders.values():
        slider.continuous_update = False
        slider.style = style

    def redraw(values: dict[str, float]) -> None:
        fig = explorer.figure(**values)
        display(fig)
        plt.close(fig)
        print(explorer.summary(**values))

    return slider_panel(sliders, redraw, per_row=2)
