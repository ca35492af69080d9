"""A PD position servo whose torque goes through an actuator model.

Hobby servos and most robot joint drives close a position loop on the *motor's* encoder: the controller
computes ``kp (target - q) - kd qd`` and the actuator then delays, saturates and filters that torque. With
backlash, a motor-side encoder sees ``q + gap`` rather than the joint angle, so the joint can rest anywhere
within the play: a dead band of the backlash's width.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from twin.actuators.actuator_model import ActuatorModel


class PositionServo:
    """Position command in, delivered joint torque out.

    Args:
        actuator: the ``ActuatorModel`` between the PD law and the joint.
        kp: stiffness, N m/rad (scalar or one per joint).
        kd: damping, N m s/rad (scalar or one per joint).
        encoder: ``"joint"`` measures the joint angle; ``"motor"`` measures the motor side (joint angle plus
            the backlash gap), as most drives do.
    """

    def __init__(
        self,
        actuator: ActuatorModel,
        kp: float | Sequence[float] | np.ndarray,
        kd: float | Sequence[float] | np.ndarray,
        encoder: str = "joint",
    ) -> None:
        if not isinstance(actuator, ActuatorModel):
            raise TypeError(f"actuator must be a twin.actuators.ActuatorModel, got {type(actuator).__name__}.")
        kp_array = np.broadcast_to(np.asarray(kp, dtype=float), (actuator.n_joints,)).copy()
        kd_array = np.broadcast_to(np.asarray(kd, dtype=float), (actuator.n_joints,)).copy()
        if not (np.all(np.isfinite(kp_array)) and np.all(np.isfinite(kd_array))):
            raise ValueError(f"gains must be finite, got kp={kp}, kd={kd}.")
        if np.any(kp_array < 0) or np.any(kd_array < 0):
            raise ValueError(f"gains must be >= 0, got kp={kp}, kd={kd}.")
        if encoder not in ("joint", "motor"):
            raise ValueError(f"encoder={encoder!r} must be 'joint' or 'motor'.")
        self.actuator = actuator
        self.kp = kp_array
        self.kd = kd_array
        self.encoder = encoder
        self.last_command = np.zeros(actuator.n_joints)

    def reset(self) -> None:
        """Reset the actuator's state (latency queue, backlash gap)."""
        self.actuator.reset()
        self.last_command = np.zeros(self.actuator.n_joints)

    def measured_positions(self, joint_positions: np.ndarray) -> np.ndarray:
        """What the servo's encoder reads, rad."""
        q = np.asarray(joint_positions, dtype=float)
        return q + self.actuator.gap_position if self.encoder == "motor" else q

    def torques(
        self,
        target: float | Sequence[float] | np.ndarray,
        joint_positions: np.ndarray,
        joint_velocities: np.ndarray,
        feedforward: float | Sequence[float] | np.ndarray = 0.0,
    ) -> np.ndarray:
        """Delivered joint torques (N m) for a position target (rad), plus an optional feed-forward torque (N m)
        such as gravity compensation."""
        n = self.actuator.n_joints
        target_array = np.broadcast_to(np.asarray(target, dtype=float), (n,))
        q = np.asarray(joint_positions, dtype=float)
        qd = np.asarray(joint_velocities, dtype=float)
        if q.shape != (n,) or qd.shape != (n,):
            raise ValueError(f"joint positions and velocities need shape ({n},); got {q.shape} and {qd.shape}.")
        command = self.kp * (target_array - self.measured_positions(q)) - self.kd * qd + np.asarray(feedforward)
        self.last_command = command
        return self.actuator.torques(command, q, qd)
