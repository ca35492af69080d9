"""Inverse kinematics for the cell's arm: pybullet's damped least squares with joint limits and a posture.

A 7-joint arm has one joint more than a hand pose needs (3 position + 3 orientation), so many joint vectors
reach the same pose: the *null space*. pybullet's solver takes ``restPoses`` and moves through the null space
towards them, so the elbow stays up and the joints stay away from their limits. The solver iterates from the
current joint angles; the answer is checked by forward kinematics, and a target it cannot reach within the
tolerance is reported, never silently approximated.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from twin.manipulation.cell import ARM_JOINTS, GRASP_LINK, HOME_POSTURE, REACH_RADIUS, ManipulationCell

POSITION_TOLERANCE = 0.002  # m: the bar for "reached"
HAND_DOWN = (1.0, 0.0, 0.0, 0.0)  # quaternion (x, y, z, w): the hand pointing down, fingers along y
SHOULDER_HEIGHT = 0.333  # m: joint 2 of the Panda above its base


class UnreachableTarget(ValueError):
    """The hand cannot reach a target: out of reach, or IK ended farther away than the tolerance."""


@dataclass(frozen=True)
class IKSolution:
    """``joint_positions`` (7, rad), the ``position_error`` (m) and ``orientation_error`` (rad) the solution
    leaves at the target, measured by forward kinematics."""

    joint_positions: np.ndarray
    position_error: float
    orientation_error: float

    @property
    def reached(self) -> bool:
        return self.position_error <= POSITION_TOLERANCE


def quaternion_angle(a: Sequence[float], b: Sequence[float]) -> float:
    """The rotation angle (rad) between two unit quaternions (x, y, z, w)."""
    dot = abs(float(np.dot(np.asarray(a) / np.linalg.norm(a), np.asarray(b) / np.linalg.norm(b))))
    return float(2.0 * np.arccos(min(1.0, dot)))


def check_reach(position: Sequence[float]) -> np.ndarray:
    """``position`` (m) as an array, or ``UnreachableTarget`` when it is farther from the shoulder than the arm
    reaches or below the table."""
    target = np.asarray(position, dtype=float).reshape(-1)
    if target.shape != (3,) or not np.all(np.isfinite(target)):
        raise ValueError(f"target must be 3 finite numbers (x, y, z in m), got {position!r}.")
    distance = float(np.linalg.norm(target - np.array([0.0, 0.0, SHOULDER_HEIGHT])))
    if distance > REACH_RADIUS:
        raise UnreachableTarget(
            f"target {np.round(target, 3).tolist()} m is {distance:.3f} m from the shoulder; the Panda reaches "
            f"{REACH_RADIUS} m. Move the target closer to the base."
        )
    if target[2] < 0.0:
        raise UnreachableTarget(f"target z={target[2]:.3f} m is below the table top (z = 0).")
    return target


def solve_ik(
    cell: ManipulationCell,
    position: Sequence[float],
    orientation: Sequence[float] = HAND_DOWN,
    *,
    posture: Sequence[float] = HOME_POSTURE,
    iterations: int = 200,
    strict: bool = True,
) -> IKSolution:
    """Joint angles (rad) that put the grasp point at ``position`` (m) with ``orientation`` (quaternion).

    Joint limits are respected and the null space is pulled towards ``posture``. pybullet's solver is run from
    the arm's current angles (and, if that fails, from ``posture``); its answer is checked with forward
    kinematics on a scratch state (the arm is put back afterwards). With ``strict`` an error over 2 mm raises
    ``UnreachableTarget``; otherwise the solution reports its error.
    """
    target = check_reach(position)
    c = cell.world.client
    body = cell.body_id
    saved = cell.joint_positions()
    saved_velocities = cell.joint_velocities()
    try:
        # pybullet's solver starts from the current angles; restarting from its own answer refines it, and a
        # second try from the posture escapes a poor start (an arm folded by the previous task)
        for start in (saved, np.asarray(posture, dtype=float)):
            for j, value in zip(ARM_JOINTS, start, strict=True):
                c.resetJointState(body, j, float(value))
            for _ in range(4):
                q = _pybullet_ik(cell, target, orientation, posture, iterations, 1e-6)
                for j, value in zip(ARM_JOINTS, q, strict=True):
                    c.resetJointState(body, j, float(value))
                reached, reached_orientation = cell.hand_pose()
                error = float(np.linalg.norm(reached - target))
                if error < POSITION_TOLERANCE / 4:
                    break
            if error < POSITION_TOLERANCE / 4:
                break
        angle = quaternion_angle(reached_orientation, orientation)
    finally:
        for j, value, velocity in zip(ARM_JOINTS, saved, saved_velocities, strict=True):
            c.resetJointState(body, j, float(value), float(velocity))
    result = IKSolution(q, error, angle)
    if strict and not result.reached:
        raise UnreachableTarget(
            f"IK ends {error * 1000:.1f} mm from {np.round(target, 3).tolist()} m (tolerance "
            f"{POSITION_TOLERANCE * 1000:.0f} mm): the target is outside what the arm reaches with this hand "
            "orientation inside its joint limits. Move it closer or allow another orientation."
        )
    return result


def _pybullet_ik(
    cell: ManipulationCell,
    target: Sequence[float],
    orientation: Sequence[float],
    posture: Sequence[float],
    iterations: int,
    threshold: float,
) -> np.ndarray:
    """pybullet's IK from the arm's current state, limits and rest posture given, clipped to the limits (rad)."""
    solution = cell.world.client.calculateInverseKinematics(
        cell.body_id,
        GRASP_LINK,
        list(target),
        list(orientation),
        lowerLimits=cell.lower.tolist(),
        upperLimits=cell.upper.tolist(),
        jointRanges=(cell.upper - cell.lower).tolist(),
        restPoses=list(posture),
        maxNumIterations=iterations,
        residualThreshold=threshold,
    )
    return np.clip(np.asarray(solution[: len(ARM_JOINTS)]), cell.lower, cell.upper)


def track(
    cell: ManipulationCell,
    position: Sequence[float],
    orientation: Sequence[float] = HAND_DOWN,
    posture: Sequence[float] = HOME_POSTURE,
) -> np.ndarray:
    """One IK solve from the arm's current state, without touching it (for following a trajectory in motion):
    the joint targets (rad) for the next waypoint ``position`` (m)."""
    return _pybullet_ik(cell, position, orientation, posture, 50, 1e-5)
