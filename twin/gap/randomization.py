"""Domain randomisation: ranges of plausible realities, and seeded samplers of stand-ins from them.

A ``Randomization`` maps quantity names (``QUANTITIES``) to uniform ranges. ``sample(n, seed)``
draws ``n`` ``Reality`` objects: the same seed gives the same stand-ins, every value inside its range.
``TAN_2018`` carries over the ranges Tan et al. (RSS 2018) used to train the Minitaur in simulation,
where they apply to a fixed-base joint; ``widened(factor)`` makes a range wider around its centre.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field, replace

import numpy as np

from twin.gap.reality import Reality
from twin.tables import Table, make_table

# name -> (what it is and its unit, where it lives, smallest physical value)
QUANTITIES: dict[str, tuple[str, str, float]] = {
    "mass_scale": ("every link's mass and inertia, x nominal", "truth", 0.05),
    "joint_friction": ("Coulomb friction at every joint, N m", "truth", 0.0),
    "joint_damping": ("viscous damping at every joint, N m s/rad", "truth", 0.0),
    "payload": ("extra mass at the last link, kg", "effects", 0.0),
    "sensor_bias": ("offset on measured joint positions, rad", "effects", -math.inf),
    "position_noise_std": ("white noise on measured positions, rad", "sensor", 0.0),
    "velocity_noise_std": ("white noise on measured velocities, rad/s", "sensor", 0.0),
    "latency": ("actuator delay, s", "actuator", 0.0),
    "strength": ("delivered / commanded torque", "actuator", 0.05),
    "gear_friction": ("friction in the gearbox, N m", "actuator", 0.0),
    "backlash": ("play in the gearbox, rad", "actuator", 0.0),
    "supply_voltage": ("the DC motor's supply (battery) voltage, V", "motor", 0.1),
    "control_period": ("how long each command is held, s (whole simulation steps, at least one)", "reality", 0.0),
}


@dataclass(frozen=True)
class Range:
    """A closed interval [low, high] sampled uniformly."""

    low: float
    high: float

    def __post_init__(self) -> None:
        if not all(isinstance(v, int | float | np.floating) and math.isfinite(v) for v in (self.low, self.high)):
            raise ValueError(f"Range({self.low!r}, {self.high!r}) needs finite numbers.")
        if self.low > self.high:
            raise ValueError(f"Range low={self.low} is above high={self.high}; swap them.")

    @property
    def center(self) -> float:
        return 0.5 * (self.low + self.high)

    def contains(self, value: float) -> bool:
        return self.low <= value <= self.high

    def widened(self, factor: float, floor: float = -math.inf) -> Range:
        """The range scaled by ``factor`` about its centre, never below ``floor``."""
        half = 0.5 * (self.high - self.low) * factor
        return Range(max(self.center - half, floor), max(self.center + half, floor))


@dataclass(frozen=True)
class Randomization:
    """Uniform ranges for some of ``QUANTITIES``; everything else is taken from ``base``.

    Attributes:
        ranges: quantity name -> ``Range``.
        base: the reality that sampled values are written into (default: the nominal model, no effects).
        name: a label for tables and plots.
    """

    ranges: Mapping[str, Range]
    base: Reality = field(default_factory=Reality)
    name: str = "randomised"

    def __post_init__(self) -> None:
        unknown = set(self.ranges) - set(QUANTITIES)
        if unknown:
            raise ValueError(f"Cannot randomise {sorted(unknown)}; known quantities: {list(QUANTITIES)}.")
        for key, value in self.ranges.items():
            if not isinstance(value, Range):
                raise TypeError(f"ranges[{key!r}] must be a Range(low, high), got {value!r}.")
            floor = QUANTITIES[key][2]
            if value.low < floor:
                raise ValueError(f"{key} range starts at {value.low}, below its physical minimum {floor}.")
        if "supply_voltage" in self.ranges:
            actuator = self.base.effects.actuator
            if actuator is None or actuator.motor is None:
                raise ValueError(
                    "supply_voltage needs a DC motor to feed: give a base with one, e.g. "
                    "base=Reality(effects=UnmodeledEffects(actuator=ActuatorParameters(motor=MINITAUR_MOTOR))) "
                    "(twin.physical_system, twin.actuators)."
                )
        object.__setattr__(self, "ranges", dict(sorted(self.ranges.items())))

    def table(self) -> Table:
        rows = [(key, QUANTITIES[key][0], r.low, r.high) for key, r in self.ranges.items()]
        return make_table(("quantity", "meaning", "low", "high"), rows, self.name)

    def widened(self, factor: float, name: str | None = None) -> Randomization:
        """Every range ``factor`` times as wide about its centre (clipped at each quantity's physical minimum)."""
        if not isinstance(factor, int | float) or not math.isfinite(factor) or factor < 0:
            raise ValueError(f"factor={factor!r} must be a finite number >= 0 (1 keeps the ranges).")
        ranges = {key: r.widened(factor, QUANTITIES[key][2]) for key, r in self.ranges.items()}
        return Randomization(ranges, self.base, name or f"{self.name} x{factor:g}")

    def sample(self, n: int, seed: int) -> list[Reality]:
        """``n`` realities drawn uniformly from the ranges; the same ``seed`` always gives the same list."""
        if not isinstance(n, int) or n < 1:
            raise ValueError(f"n={n!r} must be a positive integer number of stand-ins.")
        rng = np.random.default_rng(seed)
        draws = {key: rng.uniform(r.low, r.high, size=n) for key, r in self.ranges.items()}
        return [self._reality({key: float(values[i]) for key, values in draws.items()}) for i in range(n)]

    def _reality(self, values: Mapping[str, float]) -> Reality:
        where = {key: QUANTITIES[key][1] for key in values}
        reality = self.base
        truth = {k: v for k, v in values.items() if where[k] == "truth"}
        effects = {k: v for k, v in values.items() if where[k] == "effects"}
        sensor = {k: v for k, v in values.items() if where[k] == "sensor"}
        actuator = {k: v for k, v in values.items() if where[k] == "actuator"}
        motor = {k: v for k, v in values.items() if where[k] == "motor"}
        own = {k: v for k, v in values.items() if where[k] == "reality"}
        if truth:
            reality = replace(reality, truth=reality.truth.with_changes(**truth))
        if actuator:
            from twin.actuators import ActuatorParameters  # only stand-ins with an actuator need it

            current = reality.effects.actuator or ActuatorParameters()
            effects["actuator"] = replace(current, **actuator)
        if motor:
            current = effects.get("actuator", reality.effects.actuator)  # has a motor: checked in __post_init__
            effects["actuator"] = replace(current, motor=current.motor.with_supply_voltage(motor["supply_voltage"]))
        if effects:
            reality = replace(reality, effects=reality.effects.with_changes(**effects))
        if sensor or own:
            reality = replace(reality, **sensor, **own)
        return reality


# Tan et al. (2018), the table of randomised parameters, carried over where a fixed-base pendulum has the quantity:
# mass 80-120 %, motor friction 0-0.05 N m (here joint friction), motor strength 80-120 %, latency 0-40 ms,
# battery 14-16.8 V (the supply of a ``twin.actuators.DCMotor``: sample it with a base reality that has one),
# control step 3-20 ms (commands held for whole 1/240 s steps: 3 ms rounds to one step, 20 ms to five), and the
# IMU's bias +-0.05 and noise 0-0.05, both put on the joint angle sensor in rad, since the bias is on positions.
# Not carried over (``TAN_2018_NOT_CARRIED`` says why): inertia 50-150 % and contact friction 0.5-1.25.
TAN_2018_RANGES: dict[str, Range] = {
    "mass_scale": Range(0.8, 1.2),
    "joint_friction": Range(0.0, 0.05),
    "strength": Range(0.8, 1.2),
    "latency": Range(0.0, 0.040),
    "supply_voltage": Range(14.0, 16.8),
    "control_period": Range(0.003, 0.020),
    "sensor_bias": Range(-0.05, 0.05),
    "position_noise_std": Range(0.0, 0.05),
}

TAN_2018_NOT_CARRIED: dict[str, str] = {
    "inertia 50-150 %": (
        "twin.sim scales each link's inertia with its mass (DynamicsParameters has no separate term); and on the "
        "pendulum the links' own inertia is under 1 % of the joint inertia (the rest is m l^2, the mass), so "
        "scaling it by 50-150 % would move the joint inertia by less than 0.5 %"
    ),
    "contact friction 0.5-1.25": "a fixed-base pendulum touches nothing: it has no feet or contacts",
}
