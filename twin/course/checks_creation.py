"""Autograded checks for chapter 02 (creating the model). Same verdict for the student and the grader.

Exercise 1: the largest torque a geared DC motor can deliver at a given speed and supply voltage.
Exercise 2: how deep a ball lighter than water floats.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

from twin.actuators.dc_motor import DCMotor
from twin.course.checks import CheckResult, _call
from twin.physics.fluids import WATER, Sphere, floating_draft

# -- exercise 1 ------------------------------------------------------------------------------------
KNEE_MOTOR = DCMotor(torque_constant=0.05, resistance=0.4, supply_voltage=24.0, current_limit=20.0, gear_ratio=50.0)
"""The knee motor of exercise 1: Kt = 0.05 N m/A, R = 0.4 ohm, 24 V, 20 A limit, 50:1 gearbox."""


def reference_available_torque(speed: float, voltage: float) -> float:
    """Largest joint torque (N m) of ``KNEE_MOTOR`` at joint ``speed`` (rad/s) on a ``voltage`` (V) supply."""
    return float(KNEE_MOTOR.with_supply_voltage(voltage).max_torque(speed))


def _torque_hint(got: float, speed: float, voltage: float) -> str:
    m = KNEE_MOTOR
    kt, r, n, limit = m.torque_constant, m.resistance, m.gear_ratio, m.current_limit
    current = (voltage - kt * speed) / r  # forgot the gearbox in the back-EMF
    if math.isclose(got, n * kt * min(current, limit), rel_tol=1e-6):
        return "The rotor spins N times faster than the joint: the back-EMF is Kt * N * speed."
    current = (voltage - kt * n * speed) / r
    if math.isclose(got, kt * min(current, limit), rel_tol=1e-6):
        return "That is the torque at the rotor; the gearbox multiplies it by N at the joint."
    if math.isclose(got, n * kt * current, rel_tol=1e-6):
        return "Near stall the winding would draw more than the driver's 20 A: clip the current at the limit."
    if math.isclose(got, n * kt * voltage / r, rel_tol=1e-6):
        return "The torque falls as the motor speeds up: subtract the back-EMF Kt * N * speed from the voltage."
    return "Current = (V - Kt N speed) / R, capped at the current limit; joint torque = N Kt current."


def check_available_torque(available_torque: Callable[[float, float], float]) -> CheckResult:
    """Checks ``available_torque(speed, voltage)`` between stall and no-load speed at three voltages."""
    name = "Exercise 1: torque available at speed"
    for voltage in (24.0, 12.0, 18.0):
        no_load = KNEE_MOTOR.with_supply_voltage(voltage).no_load_speed
        for speed in np.linspace(0.0, no_load, 7):
            answer, failure = _call(name, available_torque, float(speed), voltage)
            if failure is not None:
                return failure
            want = reference_available_torque(float(speed), voltage)
            try:
                got = float(answer)  # type: ignore[arg-type]
            except (TypeError, ValueError):
                return CheckResult(name, False, f"Return one number in N m, got {answer!r}.")
            if not math.isclose(got, want, rel_tol=1e-6, abs_tol=1e-9):
                return CheckResult(
                    name,
                    False,
                    f"At {speed:.3g} rad/s on {voltage:g} V you returned {got:.4g} N m, which is not right. "
                    f"Hint: {_torque_hint(got, float(speed), voltage)}",
                )
    return CheckResult(name, True, "Right at every speed and voltage: the current limit near stall, back-EMF above.")


# -- exercise 2 ------------------------------------------------------------------------------------
BALL = Sphere(0.1)
"""The ball of exercise 2: radius 0.1 m."""


def reference_floating_depth(body_density: float) -> float:
    """Depth (m) of the lowest point of ``BALL`` below the water surface when it floats."""
    return floating_draft(BALL, body_density, WATER.density)


def _depth_hint(got: float, density: float) -> str:
    ratio = density / WATER.density
    if math.isclose(got, ratio * 2 * BALL.radius, rel_tol=1e-3):
        return (
            "That is the answer for an upright box. A sphere is narrower near its bottom, so the same "
            "volume needs a different depth: solve pi h^2 (3 r - h) / 3 = (rho_ball / rho_water) * 4/3 pi r^3."
        )
    if got < 0 or got > 2 * BALL.radius:
        return "The depth of the lowest point must lie between 0 and the diameter, 0.2 m."
    return "Find h with submerged volume pi h^2 (3 r - h) / 3 equal to the ball's mass / rho_water (a root finder)."


def check_floating_depth(floating_depth: Callable[[float], float]) -> CheckResult:
    """Checks ``floating_depth(body_density)`` for balls of several densities below water's."""
    name = "Exercise 2: how deep does the ball float?"
    for density in (500.0, 120.0, 300.0, 850.0):
        answer, failure = _call(name, floating_depth, density)
        if failure is not None:
            return failure
        try:
            got = float(answer)  # type: ignore[arg-type]
        except (TypeError, ValueError):
            return CheckResult(name, False, f"Return one depth in m, got {answer!r}.")
        if not math.isclose(got, reference_floating_depth(density), abs_tol=1e-4):
            return CheckResult(
                name,
                False,
                f"For a density of {density:g} kg/m^3 you returned {got:.4g} m, which is not right. "
                f"Hint: {_depth_hint(got, density)}",
            )
    return CheckResult(name, True, "Right for every density: Archimedes on a spherical cap.")
