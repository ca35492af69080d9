"""Wear over simulated days: the stand-in's joint friction rises (and, optionally, its motor weakens).

Every "day" the robot performs the same short *standard test motion*: one second of a fixed,
open-loop torque profile, starting at rest. The twin's model, calibrated from a recording of the
day-0 robot (``commissioning_calibration``), predicts the same motion; the RMS of the residual
(measured minus predicted joint angle) is the day's *health indicator* (HI). Sensor noise sets its
floor on a healthy day (with the small calibration error); wear pushes it up.

Friction grows exponentially, ``f(day) = f0 + f_wear (exp(rate day) - 1)``: slow at first, faster as
the joint wears, a common shape in bearing and gearbox data. Simulated days are cheap (240 steps each).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from twin.core.messages import JointCommand
from twin.core.types import DEFAULT_TIME_STEP, DynamicsParameters
from twin.physical_system.standin import DEFAULT_TRUTH, PhysicalStandIn, UnmodeledEffects
from twin.sensors.joint_state import JointStateSensor
from twin.studies.commissioning import commissioning_calibration
from twin.virtual_model.virtual import VirtualModel


def _check(name: str, value: object, *, positive: bool = False) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float | np.integer | np.floating):
        raise ValueError(f"{name}={value!r} must be a number.")
    value = float(value)
    if not math.isfinite(value) or value < 0 or (positive and value == 0):
        raise ValueError(f"{name}={value!r} must be finite and {'> 0' if positive else '>= 0'}.")
    return value


@dataclass(frozen=True)
class WearScenario:
    """A pendulum whose joint wears day by day.

    Attributes:
        day0: the true dynamics on day 0, hidden from the twin.
        model: the twin's model; default (``None``): calibrated from 4 s of multisine recorded on the day-0
            stand-in (``commissioning_calibration(robot, day0, seed)``), so close to ``day0`` but not equal.
        friction_wear: N m: scale of the friction growth ``f_wear`` (see the module docstring).
        wear_rate: 1/day: how fast wear accelerates.
        strength_loss_per_day: fraction of motor torque lost per day (0.01 = 1 %/day, floored at 10 %);
            needs ``twin.actuators``. 0 keeps the motor as new.
        test_torque: N m amplitude of the standard test motion (a 1 Hz sine of torque for ``test_seconds``).
        test_seconds: duration of the test motion, s.
        position_noise_std: rad, the stand-in's joint-angle sensor noise.
        seed: seeds the sensor noise (each day gets ``seed + day`` for its own draw).
    """

    day0: DynamicsParameters = field(default_factory=lambda: DEFAULT_TRUTH["pendulum"])
    friction_wear: float = 0.01
    wear_rate: float = 0.15
    strength_loss_per_day: float = 0.0
    test_torque: float = 2.0
    test_seconds: float = 1.0
    position_noise_std: float = 0.002
    seed: int = 0
    robot: str = "pendulum"
    time_step: float = DEFAULT_TIME_STEP
    model: DynamicsParameters | None = None

    def __post_init__(self) -> None:
        _check("friction_wear", self.friction_wear)
        _check("wear_rate", self.wear_rate)
        _check("test_torque", self.test_torque, positive=True)
        _check("test_seconds", self.test_seconds, positive=True)
        _check("position_noise_std", self.position_noise_std)
        if not 0 <= _check("strength_loss_per_day", self.strength_loss_per_day) < 1:
            raise ValueError(f"strength_loss_per_day={self.strength_loss_per_day} must lie in [0, 1).")

    @property
    def model_parameters(self) -> DynamicsParameters:
        """The dynamics the twin's model runs: ``model``, or the day-0 calibration's estimate."""
        if self.model is not None:
            return self.model
        return commissioning_calibration(self.robot, self.day0, self.seed, time_step=self.time_step).estimate

    def friction(self, day: float) -> float:
        """True Coulomb joint friction on ``day``, N m."""
        day = _check("day", day)
        return self.day0.joint_friction + self.friction_wear * math.expm1(self.wear_rate * day)

    def strength(self, day: float) -> float:
        """Motor strength on ``day``: delivered / commanded torque (1.0 = as new, floored at 0.1)."""
        return max(0.1, 1.0 - self.strength_loss_per_day * _check("day", day))

    def test_torques(self) -> np.ndarray:
        """The standard test motion's torque plan, (steps, 1) in N m: a 1 Hz sine from rest."""
        steps = max(1, round(self.test_seconds / self.time_step))
        t = self.time_step * np.arange(steps)
        return (self.test_torque * np.sin(2 * np.pi * 1.0 * t))[:, None]

    def _effects(self, day: float) -> UnmodeledEffects | None:
        if not self.strength_loss_per_day:
            return None
        from twin.actuators import ActuatorParameters  # only a weakening motor needs the actuator model

        return UnmodeledEffects(actuator=ActuatorParameters(strength=self.strength(day)))

    def _run(self, day: float, noisy: bool) -> tuple[np.ndarray, np.ndarray]:
        """(measured or true positions, model's prediction) of the day's test motion, rad."""
        plan = self.test_torques()
        truth = self.day0.with_changes(joint_friction=self.friction(day))
        sensor = JointStateSensor(position_noise_std=self.position_noise_std, seed=self.seed + int(day))
        with (
            PhysicalStandIn(self.robot, truth, sensor, time_step=self.time_step, effects=self._effects(day)) as robot,
            VirtualModel(self.robot, self.model_parameters, time_step=self.time_step) as model,
        ):
            predicted = model.forecast(plan, len(plan)).positions
            observed = np.empty_like(predicted)
            for k, tau in enumerate(plan):
                robot.apply(JointCommand(robot.time, tau))
                robot.step()
                observed[k] = robot.measure().positions if noisy else robot.true_state().positions
        return observed, predicted

    def health_indicator(self, day: float, noisy: bool = True) -> float:
        """The day's HI: RMS of (measured - predicted) joint angle over the test motion, rad.

        ``noisy=False`` uses the exact state (the teacher's view: the HI without sensor noise).
        """
        observed, predicted = self._run(day, noisy)
        return float(np.sqrt(np.mean((observed - predicted) ** 2)))

    def inspect(self, days: int | np.ndarray, progress: bool = False) -> tuple[np.ndarray, np.ndarray]:
        """Run the test motion on each day (``range(days)`` or the given days); returns (days, HI)."""
        day_list = np.arange(days) if isinstance(days, int | np.integer) else np.asarray(days, dtype=float)
        if day_list.ndim != 1 or day_list.size == 0:
            raise ValueError(f"days={days!r}: give a positive number of days or a 1-D list of days.")
        iterator = day_list
        if progress:
            from twin.core.progress import tqdm

            iterator = tqdm(day_list, desc="simulated days", unit="day")
        return day_list.astype(float), np.array([self.health_indicator(float(d)) for d in iterator])

    def failure_day(self, threshold: float, horizon: float = 365.0, tolerance: float = 0.01) -> float:
        """The true day on which the noise-free HI reaches ``threshold`` (bisection), for scoring RUL.

        Raises when the HI never reaches it within ``horizon`` days.
        """
        threshold = _check("threshold", threshold, positive=True)
        low, high = 0.0, 1.0
        if self.health_indicator(low, noisy=False) >= threshold:
            return 0.0
        while self.health_indicator(high, noisy=False) < threshold:
            low, high = high, 2 * high
            if high > horizon:
                raise ValueError(f"the HI stays below {threshold} for {horizon} days: pick a lower threshold.")
        while high - low > tolerance:
            middle = (low + high) / 2
            low, high = (middle, high) if self.health_indicator(middle, noisy=False) < threshold else (low, middle)
        return (low + high) / 2
