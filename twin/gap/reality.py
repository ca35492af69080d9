"""What a physical stand-in *is*, and the causes of a reality gap, each of which can be switched off.

A ``Reality`` bundles everything that makes the stand-in differ from the twin's model: its true
dynamics parameters, its unmodeled effects and its sensor noise. The chapter sorts the causes into
model accuracy (effects the model has no term for), parameter calibration (terms it has, with wrong
values) and unmodeled phenomena; ``CAUSES`` names each one, says which kind it is and which remedy
removes it, and knows how to switch it off (set it to what the model believes).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace

import numpy as np

from twin.core.types import DEFAULT_TIME_STEP, DynamicsParameters
from twin.physical_system.standin import NO_EFFECTS, UnmodeledEffects

REMEDIES: dict[str, str] = {
    "calibration": "fit the model's parameter to data (the model has the term, with a wrong value)",
    "sensor calibration": "measure the sensor's offset at a known pose and subtract it",
    "delay identification": "find the command delay in whole time steps from a recording (calibration's delay scan)",
    "residual": "learn the error the model's equations cannot express from data (a residual model)",
    "randomisation": "make the controller robust: tune it over randomised models (it varies or is hard to model)",
    "filtering": "average or filter the measurements (noise is random: no model predicts it)",
}


@dataclass(frozen=True)
class Reality:
    """Everything about a stand-in that the model may get wrong.

    Attributes:
        truth: its true dynamics parameters.
        effects: unmodeled effects (sensor bias, payload, actuator).
        position_noise_std: white noise on measured positions, rad.
        velocity_noise_std: white noise on measured velocities, rad/s.
        control_period: how long the robot's controller holds each command, s (0 = a new command every
            simulation step, as the model assumes). Applied as whole simulation steps, at least one
            (``hold_steps``): at 240 Hz a 3 ms period rounds to one step, 20 ms to five.
    """

    truth: DynamicsParameters = field(default_factory=DynamicsParameters)
    effects: UnmodeledEffects = NO_EFFECTS
    position_noise_std: float = 0.0
    velocity_noise_std: float = 0.0
    control_period: float = 0.0

    def __post_init__(self) -> None:
        if not isinstance(self.truth, DynamicsParameters):
            raise TypeError(f"truth must be a DynamicsParameters, got {type(self.truth).__name__}.")
        if not isinstance(self.effects, UnmodeledEffects):
            raise TypeError(f"effects must be an UnmodeledEffects, got {type(self.effects).__name__}.")
        for name in ("position_noise_std", "velocity_noise_std"):
            value = getattr(self, name)
            if not isinstance(value, int | float | np.floating) or not math.isfinite(value) or value < 0:
                raise ValueError(f"{name}={value!r} must be a finite standard deviation >= 0 (0 = no noise).")
        period = self.control_period
        if not isinstance(period, int | float | np.floating) or not math.isfinite(period) or period < 0:
            raise ValueError(f"control_period={period!r} s must be a finite number >= 0 (0 = every simulation step).")

    def hold_steps(self, time_step: float = DEFAULT_TIME_STEP) -> int:
        """Simulation steps each command is held: ``control_period / time_step`` rounded, at least 1."""
        if not isinstance(time_step, int | float | np.floating) or not 0 < time_step < math.inf:
            raise ValueError(f"time_step={time_step!r} s must be a finite number > 0 (e.g. 1/240).")
        return max(1, round(self.control_period / time_step))

    @classmethod
    def matching(cls, model: DynamicsParameters) -> Reality:
        """A stand-in identical to the model: no gap at all (the reference for every ablation)."""
        return cls(truth=model)

    def active_causes(self, model: DynamicsParameters) -> tuple[str, ...]:
        """The causes (names in ``CAUSES``) that make this reality differ from ``model``."""
        return tuple(name for name, cause in CAUSES.items() if cause.is_on(self, model))

    def without(self, causes: Iterable[str], model: DynamicsParameters) -> Reality:
        """This reality with ``causes`` switched off (set to what ``model`` believes)."""
        reality = self
        for name in _known(causes):
            reality = CAUSES[name].switch_off(reality, model)
        return reality

    def only(self, causes: Iterable[str], model: DynamicsParameters) -> Reality:
        """This reality with every cause *except* ``causes`` switched off."""
        keep = set(_known(causes))
        return self.without([name for name in CAUSES if name not in keep], model)


# -- the causes ------------------------------------------------------------------------------------
# What each field of ``effects.actuator`` (twin.actuators.ActuatorParameters) is on an ideal actuator:
# the model's belief, torques delivered exactly as commanded. ``motor=None`` means no DC motor model.
_ACTUATOR_IDEAL: dict[str, object] = {
    "torque_limit": math.inf,
    "latency": 0.0,
    "backlash": 0.0,
    "gear_friction": 0.0,
    "strength": 1.0,
    "motor": None,
}


def _actuator_read(reality: Reality, name: str) -> object:
    actuator = reality.effects.actuator
    return _ACTUATOR_IDEAL[name] if actuator is None else getattr(actuator, name)


def _actuator_off(reality: Reality, name: str) -> Reality:
    """Set one field of ``effects.actuator`` (``twin.actuators``) to its ideal value; drop an all-ideal actuator."""
    actuator = reality.effects.actuator
    if actuator is None:
        return reality
    actuator = replace(actuator, **{name: _ACTUATOR_IDEAL[name]})
    if all(getattr(actuator, key) == value for key, value in _ACTUATOR_IDEAL.items()):
        actuator = None  # nothing left: deliver torques exactly, as the model does
    return replace(reality, effects=reality.effects.with_changes(actuator=actuator))


@dataclass(frozen=True)
class Cause:
    """One cause of a reality gap.

    Attributes:
        name: short name used in tables and charts.
        kind: ``parameter`` (the model has the term, wrong value), ``unmodeled`` (no term at all) or ``sensor``.
        remedy: the key in ``REMEDIES`` that removes it from the gap.
        is_on: ``is_on(reality, model)`` is True when this cause makes the reality differ from the model.
        switch_off: ``switch_off(reality, model)`` returns the reality with this cause set to the model's value.
    """

    name: str
    kind: str
    remedy: str
    is_on: Callable[[Reality, DynamicsParameters], bool]
    switch_off: Callable[[Reality, DynamicsParameters], Reality]


def _parameter_cause(name: str) -> Cause:
    def is_on(reality: Reality, model: DynamicsParameters) -> bool:
        return getattr(reality.truth, name) != getattr(model, name)

    def off(reality: Reality, model: DynamicsParameters) -> Reality:
        return replace(reality, truth=reality.truth.with_changes(**{name: getattr(model, name)}))

    return Cause(name.replace("_", " ").replace("mass scale", "mass"), "parameter", "calibration", is_on, off)


def _effect_cause(label: str, name: str, remedy: str) -> Cause:
    def is_on(reality: Reality, model: DynamicsParameters) -> bool:
        return bool(getattr(reality.effects, name))

    def off(reality: Reality, model: DynamicsParameters) -> Reality:
        return replace(reality, effects=reality.effects.with_changes(**{name: 0.0}))

    kind = "sensor" if name.startswith("sensor") else "unmodeled"
    return Cause(label, kind, remedy, is_on, off)


def _actuator_cause(label: str, name: str, remedy: str) -> Cause:
    def is_on(reality: Reality, model: DynamicsParameters) -> bool:
        return _actuator_read(reality, name) != _ACTUATOR_IDEAL[name]

    return Cause(label, "unmodeled", remedy, is_on, lambda reality, model: _actuator_off(reality, name))


def _noise_is_on(reality: Reality, model: DynamicsParameters) -> bool:
    return bool(reality.position_noise_std or reality.velocity_noise_std)


def _noise_off(reality: Reality, model: DynamicsParameters) -> Reality:
    return replace(reality, position_noise_std=0.0, velocity_noise_std=0.0)


def _period_is_on(reality: Reality, model: DynamicsParameters) -> bool:
    return bool(reality.control_period)


def _period_off(reality: Reality, model: DynamicsParameters) -> Reality:
    return replace(reality, control_period=0.0)


_ALL = (
    _parameter_cause("mass_scale"),
    _parameter_cause("joint_friction"),
    _parameter_cause("joint_damping"),
    _effect_cause("payload", "payload", "residual"),
    _actuator_cause("torque saturation", "torque_limit", "residual"),
    _actuator_cause("latency", "latency", "delay identification"),
    _actuator_cause("backlash", "backlash", "residual"),
    _actuator_cause("gear friction", "gear_friction", "residual"),
    _actuator_cause("motor strength", "strength", "residual"),
    _actuator_cause("DC motor", "motor", "residual"),
    Cause("control period", "unmodeled", "randomisation", _period_is_on, _period_off),
    _effect_cause("sensor bias", "sensor_bias", "sensor calibration"),
    Cause("sensor noise", "sensor", "filtering", _noise_is_on, _noise_off),
)
CAUSES: dict[str, Cause] = {cause.name: cause for cause in _ALL}


def _known(causes: Iterable[str]) -> list[str]:
    if isinstance(causes, str):
        causes = [causes]
    names = list(causes)
    unknown = [name for name in names if name not in CAUSES]
    if unknown:
        raise ValueError(f"Unknown cause(s) {unknown}; known causes: {list(CAUSES)}.")
    return names
