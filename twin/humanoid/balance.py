"""Standing balance: capture-point feedback on top of the robot's stiff joint servos.

``JointPDOnly`` keeps every servo at the standing pose: the robot is as stiff as its joint PD and no more.

``CapturePointBalance`` is a stabiliser in the style of position-controlled humanoids (Kajita et al. 2010):
from the twin's estimate it computes the capture point xi = x + xdot / omega and its distance to a reference
point r in the middle of the feet, and turns that error into joint-target offsets that the stiff servos turn
into torques:

- ankle pitch and roll:  delta = k_ankle * (xi - r) + integral of k_i * (x - r):  a capture point ahead makes
  the ankles press the toes down, which moves the centre of pressure forward, under the capture point
  (the ankle strategy); the optional integral term slowly brings the CoM back to r;
- hip roll: delta = k_hip * (xi_y - r_y): sideways, the hips help the ankles (the hip strategy).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from twin.core.checks import check_number
from twin.humanoid.body import BALL_JOINTS, PITCH_AXIS_LINK, ROLL_AXIS_LINK, rotvec_to_quaternion
from twin.humanoid.estimation import BaseEstimate
from twin.humanoid.standin import PostureCommand, standing_posture

_ANKLES = tuple(BALL_JOINTS.index(name) for name in ("right_ankle", "left_ankle"))
_HIPS = tuple(BALL_JOINTS.index(name) for name in ("right_hip", "left_hip"))
MAX_OFFSET = 0.35  # rad: the stabiliser never moves a joint target further than this


@dataclass(frozen=True)
class BalanceGains:
    """Gains of ``CapturePointBalance`` (all >= 0).

    Attributes:
        ankle_pitch: rad of ankle pitch per m of capture-point error forward/back.
        ankle_roll: rad of ankle roll per m of sideways capture-point error.
        hip_roll: rad of hip roll per m of sideways capture-point error.
        integral: rad per (m s) of CoM offset from the reference (centres the CoM over the feet).
    """

    ankle_pitch: float = 8.0
    ankle_roll: float = 0.0
    hip_roll: float = 0.0
    integral: float = 0.0

    def __post_init__(self) -> None:
        for name in ("ankle_pitch", "ankle_roll", "hip_roll", "integral"):
            default = getattr(BalanceGains, name)
            check_number(name, getattr(self, name), "rad/m", low=0, high=50, hint=f"the default is {default}")


class JointPDOnly:
    """The baseline: the servos hold the standing pose, nothing reacts to balance."""

    name = "joint PD only"

    def reset(self) -> None:
        """Nothing to forget."""

    def command(self, estimate: BaseEstimate) -> PostureCommand:
        """Always the standing targets."""
        posture = standing_posture()
        return PostureCommand(estimate.time, posture.ball_targets, posture.hinge_targets)


class CapturePointBalance:
    """Capture-point feedback mapped to ankle and hip targets (see the module docstring)."""

    name = "capture-point balance"

    def __init__(self, gains: BalanceGains | None = None, time_step: float = 1.0 / 240.0) -> None:
        self.gains = gains or BalanceGains()
        self.dt = float(time_step)
        self.reset()

    def reset(self) -> None:
        """Forget the integral term and the reference."""
        self.integral = np.zeros(2)
        self.reference: np.ndarray | None = None

    def offsets(self, estimate: BaseEstimate) -> tuple[float, float, float]:
        """Ankle pitch, ankle roll and hip roll offsets (rad) for this estimate."""
        g = self.gains
        feet = estimate.foot_centres.mean(axis=0)
        if self.reference is None:  # hold the balance the robot stands in when the controller starts
            self.reference = estimate.com[:2] - feet
        reference = feet + self.reference  # relative to the feet: a drifting position estimate cancels out
        error = estimate.capture_point - reference
        com_error = estimate.com[:2] - reference
        if all(estimate.contacts):
            self.integral = np.clip(self.integral + g.integral * com_error * self.dt, -0.1, 0.1)
        pitch = g.ankle_pitch * error[0] + self.integral[0]
        roll = -(g.ankle_roll * error[1] + self.integral[1])
        hip = g.hip_roll * error[1]
        return tuple(float(np.clip(v, -MAX_OFFSET, MAX_OFFSET)) for v in (pitch, roll, hip))  # type: ignore[return-value]

    def command(self, estimate: BaseEstimate) -> PostureCommand:
        """Servo targets: standing pose plus the stabiliser's offsets."""
        pitch, roll, hip = self.offsets(estimate)
        posture = standing_posture()
        balls = posture.ball_targets.copy()
        ankle = rotvec_to_quaternion(PITCH_AXIS_LINK * pitch + ROLL_AXIS_LINK * roll)
        hip_q = rotvec_to_quaternion(ROLL_AXIS_LINK * hip)
        for k in _ANKLES:
            balls[k] = ankle
        for k in _HIPS:
            balls[k] = hip_q
        return PostureCommand(estimate.time, balls, posture.hinge_targets)
