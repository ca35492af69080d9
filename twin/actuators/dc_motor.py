"""A brushed DC motor behind a gearbox, as a torque source with electrical limits.

The steady-state electrical equation (winding inductance neglected: its time constant is well below a
millisecond) is ``V = R I + Kt w_m``: the supply drives current through the winding resistance ``R`` against
the back-EMF ``Kt w_m`` of the spinning rotor. The rotor torque is ``Kt I`` for an ideal motor, or read from a
measured torque-current table (real motors saturate magnetically at high current). Through a gearbox of
ratio ``N`` the joint turns ``N`` times slower (``w_m = N w``) and gets ``N`` times the torque.

Consequences the tests check: stall torque ``N Kt V / R`` (capped by the current limit), no-load speed
``V / (N Kt)`` at the joint, and, with the ideal curve ``Kt I``, a maximum torque that falls linearly with speed
(slope ``-N^2 Kt^2 / R``). With a measured curve the current still falls linearly with speed, the torque follows
the curve.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import numpy as np


def _check_positive(name: str, value: object, unit: str, hint: str) -> None:
    if isinstance(value, bool) or not isinstance(value, int | float | np.floating) or not math.isfinite(value):
        raise ValueError(f"{name}={value!r} must be a finite number in {unit}; {hint}")
    if value <= 0:
        raise ValueError(f"{name}={value!r} {unit} must be > 0; {hint}")


@dataclass(frozen=True)
class DCMotor:
    """A DC motor with its driver's supply voltage and current limit, seen from the joint.

    Attributes:
        torque_constant: Kt, rotor torque per ampere, N m/A (equal to the back-EMF constant in V s/rad).
        resistance: winding resistance R, ohm.
        supply_voltage: the largest voltage the driver can apply, V (a battery's voltage).
        current_limit: the driver's largest current, A; torque saturates there (through the curve).
        gear_ratio: motor turns per joint turn, N (1.0 = direct drive).
        torque_current_curve: optional measured ``(currents_A, torques_Nm)`` table at the rotor, starting at
            (0, 0) with increasing currents; interpolated, and held at its last torque beyond its last current.
            None = the ideal line ``Kt I``.
    """

    torque_constant: float
    resistance: float
    supply_voltage: float
    current_limit: float
    gear_ratio: float = 1.0
    torque_current_curve: tuple[tuple[float, ...], tuple[float, ...]] | None = None

    def __post_init__(self) -> None:
        _check_positive("torque_constant", self.torque_constant, "N m/A", "a datasheet gives Kt (e.g. 0.0954).")
        _check_positive("resistance", self.resistance, "ohm", "measure it across the motor leads (e.g. 0.186).")
        _check_positive("supply_voltage", self.supply_voltage, "V", "use the battery voltage (e.g. 16).")
        _check_positive("current_limit", self.current_limit, "A", "use the driver's limit (e.g. 60).")
        _check_positive("gear_ratio", self.gear_ratio, "", "use 1.0 for a direct-drive motor.")
        if self.torque_current_curve is not None:
            self._check_curve(self.torque_current_curve)

    @staticmethod
    def _check_curve(curve: object) -> None:
        try:
            currents, torques = (np.asarray(part, dtype=float) for part in curve)  # type: ignore[union-attr]
        except (TypeError, ValueError) as error:
            raise ValueError(
                f"torque_current_curve must be a pair (currents_A, torques_Nm) of equal-length number sequences, "
                f"got {curve!r}."
            ) from error
        if currents.ndim != 1 or currents.shape != torques.shape or currents.size < 2:
            raise ValueError(
                f"torque_current_curve needs two equal-length sequences of at least 2 points, got shapes "
                f"{currents.shape} and {torques.shape}."
            )
        if not (np.all(np.isfinite(currents)) and np.all(np.isfinite(torques))):
            raise ValueError("torque_current_curve contains NaN or inf; give measured finite values.")
        if currents[0] != 0 or torques[0] != 0:
            raise ValueError("torque_current_curve must start at (0 A, 0 N m): no current, no torque.")
        if np.any(np.diff(currents) <= 0) or np.any(np.diff(torques) < 0):
            raise ValueError("torque_current_curve needs strictly increasing currents and non-decreasing torques.")

    # -- the torque-current curve -------------------------------------------------------------------
    def rotor_torque(self, current: float | np.ndarray) -> np.ndarray:
        """Torque at the rotor (N m) for a winding current (A, signed), capped at the current limit."""
        current = np.clip(np.asarray(current, dtype=float), -self.current_limit, self.current_limit)
        if self.torque_current_curve is None:
            return self.torque_constant * current
        currents, torques = self.torque_current_curve
        return np.sign(current) * np.interp(np.abs(current), currents, torques)

    def current(self, voltage: float | np.ndarray, joint_velocity: float | np.ndarray) -> np.ndarray:
        """Winding current (A, before the limit) for an applied voltage (V) at a joint velocity (rad/s)."""
        back_emf = self.torque_constant * self.gear_ratio * np.asarray(joint_velocity, dtype=float)
        return (np.asarray(voltage, dtype=float) - back_emf) / self.resistance

    def joint_torque(self, voltage: float | np.ndarray, joint_velocity: float | np.ndarray) -> np.ndarray:
        """Torque at the joint (N m) for an applied voltage (V, clipped to the supply) at a joint velocity (rad/s)."""
        voltage = np.clip(np.asarray(voltage, dtype=float), -self.supply_voltage, self.supply_voltage)
        return self.gear_ratio * self.rotor_torque(self.current(voltage, joint_velocity))

    def max_torque(self, joint_velocity: float | np.ndarray = 0.0) -> np.ndarray:
        """The largest positive joint torque (N m) at a joint velocity (rad/s): full supply voltage.

        Back-EMF leaves ``V - N Kt w`` to drive current, so the current falls linearly with speed until the
        no-load speed (and with the ideal curve, the torque too); at low speed the current limit caps it instead.
        """
        return self.joint_torque(self.supply_voltage, joint_velocity)

    def min_torque(self, joint_velocity: float | np.ndarray = 0.0) -> np.ndarray:
        """The most negative joint torque (N m) at a joint velocity (rad/s): full reverse voltage."""
        return self.joint_torque(-self.supply_voltage, joint_velocity)

    def deliver(self, commanded: np.ndarray, joint_velocity: np.ndarray) -> np.ndarray:
        """Joint torque (N m) when a driver tries to produce ``commanded`` at ``joint_velocity`` (rad/s).

        The driver computes the current an ideal motor would need (``commanded / (N Kt)``) and the voltage
        that drives it against the back-EMF, clips that voltage to the supply, and the motor then delivers what
        that voltage, the current limit and the torque-current curve allow. Inside all limits, with the ideal
        curve, the command comes out exactly. With a measured curve it does not: the driver assumes ``Kt I``, so
        where the real curve lies above that line (the Minitaur's at 10 A: 1.0 N m, not 0.954) the motor gives
        more than commanded, and less where it saturates.
        """
        wanted_current = np.asarray(commanded, dtype=float) / (self.gear_ratio * self.torque_constant)
        back_emf = self.torque_constant * self.gear_ratio * np.asarray(joint_velocity, dtype=float)
        voltage = self.resistance * wanted_current + back_emf
        return self.joint_torque(voltage, joint_velocity)

    # -- headline numbers ---------------------------------------------------------------------------
    @property
    def stall_current(self) -> float:
        """Current at zero speed and full voltage, A, before the driver's limit: ``V / R``."""
        return self.supply_voltage / self.resistance

    @property
    def stall_torque(self) -> float:
        """Joint torque at zero speed and full voltage, N m: ``N Kt V / R`` up to the current limit."""
        return float(self.max_torque(0.0))

    @property
    def no_load_speed(self) -> float:
        """Joint speed (rad/s) at which back-EMF equals the supply and the torque reaches zero: ``V / (N Kt)``."""
        return self.supply_voltage / (self.gear_ratio * self.torque_constant)

    def with_supply_voltage(self, volts: float) -> DCMotor:
        """The same motor on another battery voltage (V)."""
        return replace(self, supply_voltage=volts)


MINITAUR_MOTOR = DCMotor(
    torque_constant=0.0954,
    resistance=0.186,
    supply_voltage=16.0,
    current_limit=60.0,
    gear_ratio=1.0,
    torque_current_curve=(
        (0.0, 10.0, 20.0, 30.0, 40.0, 50.0, 60.0),
        (0.0, 1.0, 1.9, 2.45, 3.0, 3.25, 3.5),
    ),
)
"""The Minitaur's direct-drive motor (Tan et al., RSS 2018): 16 V, 0.186 ohm, 0.0954 N m/A, and the measured
torque at 0, 10, ..., 60 A. The table ends at 60 A, so we take 60 A as the current limit; the stall current
``V / R`` = 86 A would exceed it."""
