"""The linear inverted pendulum's physical counterpart: a point mass on a massless rigid leg, simulated.

The LIPM (``twin.humanoid.lipm``) is a model; this is the experiment that checks it. A 1 kg point mass sits on
top of a massless leg of length ``leg_length`` hinged at the floor (the foot, where the CoP is). Near upright
the mass keeps its height, so the closed form x(t) = p + (x0 - p) cosh(omega t) + v0 / omega sinh(omega t)
with omega = sqrt(g / leg_length) should match the simulation to second order in the lean angle.
"""

from __future__ import annotations

import math

import numpy as np

from twin.humanoid.lipm import STANDARD_GRAVITY
from twin.sim._bullet import pybullet
from twin.sim.world import World


def _point_mass_on_leg(world: World, leg_length: float) -> int:
    """A 1 kg point mass on a massless leg hinged at the origin about world y (a pybullet multibody)."""
    c = world.client
    sphere = c.createCollisionShape(pybullet.GEOM_SPHERE, radius=0.01)
    return c.createMultiBody(
        baseMass=0.0,
        basePosition=[0, 0, 0],
        linkMasses=[1.0],
        linkCollisionShapeIndices=[sphere],
        linkVisualShapeIndices=[-1],
        linkPositions=[[0, 0, 0]],
        linkOrientations=[[0, 0, 0, 1]],
        linkInertialFramePositions=[[0, 0, leg_length]],
        linkInertialFrameOrientations=[[0, 0, 0, 1]],
        linkParentIndices=[0],
        linkJointTypes=[pybullet.JOINT_REVOLUTE],
        linkJointAxis=[[0, 1, 0]],
    )


def simulate_point_mass(
    x0: float, v0: float, seconds: float, leg_length: float = 1.0, time_step: float = 1e-3
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Time (s), horizontal position (m) and velocity (m/s) of the mass, started at ``x0`` m ahead of the
    foot moving at ``v0`` m/s; the foot is at x = 0 and the leg has no floor to stop it."""
    if not (math.isfinite(leg_length) and leg_length > 0):
        raise ValueError(f"leg_length={leg_length!r} m must be a finite length > 0, e.g. 1.0.")
    if not (math.isfinite(x0) and abs(x0) < leg_length):
        raise ValueError(f"x0={x0!r} m must be finite and shorter than the leg ({leg_length} m).")
    if not math.isfinite(v0):
        raise ValueError(f"v0={v0!r} m/s must be finite.")
    if not (math.isfinite(seconds) and 0 < seconds <= 60):
        raise ValueError(f"seconds={seconds!r} must lie in (0, 60] s.")
    with World(time_step=time_step, gravity=STANDARD_GRAVITY) as world:
        c = world.client
        body = _point_mass_on_leg(world, leg_length)
        c.setJointMotorControl2(body, 0, pybullet.VELOCITY_CONTROL, force=0)
        c.changeDynamics(body, 0, linearDamping=0, angularDamping=0, jointDamping=0)
        theta0 = math.asin(x0 / leg_length)
        c.resetJointState(body, 0, theta0, v0 / (leg_length * math.cos(theta0)))
        steps = round(seconds / time_step)
        xs, vs = np.empty(steps), np.empty(steps)
        for k in range(steps):
            world.step()
            state = c.getLinkState(body, 0, computeLinkVelocity=1)
            xs[k], vs[k] = state[0][0], state[6][0]
    return np.arange(1, steps + 1) * time_step, xs, vs


def rigid_pendulum_omega_squared(client: object, body_id: int, pivot: np.ndarray, axis: str = "pitch") -> float:
    """omega^2 (1/s^2) of the body tipping as one rigid piece about a horizontal axis through ``pivot`` (m).

    A physical pendulum obeys theta'' = (m g h / I_pivot) theta near upright, where h is the CoM's height above
    the pivot and I_pivot = sum over links of m_i r_i^2 + I_i (parallel axes). The LIPM's g / z_c is the special
    case of a point mass (I_pivot = m h^2); a real body's own rotational inertia makes it tip more slowly.
    ``axis``: 'pitch' (tipping forward/back, about world y) or 'roll' (sideways, about world x).
    """
    if axis not in ("pitch", "roll"):
        raise ValueError(f"axis={axis!r} must be 'pitch' (about world y) or 'roll' (about world x).")
    c = client
    p0 = np.asarray(pivot, dtype=float)
    horizontal, about = (0, 1) if axis == "pitch" else (1, 0)  # the horizontal coordinate that moves, the axis
    frames = [c.getBasePositionAndOrientation(body_id)]  # type: ignore[attr-defined]
    joints = list(range(c.getNumJoints(body_id)))  # type: ignore[attr-defined]
    if joints:
        frames += [(s[0], s[1]) for s in c.getLinkStates(body_id, joints, computeForwardKinematics=1)]  # type: ignore[attr-defined]
    mass_total, moment, inertia = 0.0, 0.0, 0.0
    for link, (position, orientation) in zip([-1, *joints], frames, strict=True):
        mass, _, diagonal = c.getDynamicsInfo(body_id, link)[:3]  # type: ignore[attr-defined]
        if mass <= 0:
            continue
        r = np.array(c.getMatrixFromQuaternion(orientation)).reshape(3, 3)  # type: ignore[attr-defined]
        world_inertia = r @ np.diag(diagonal) @ r.T
        d = np.asarray(position) - p0
        inertia += mass * (d[horizontal] ** 2 + d[2] ** 2) + world_inertia[about, about]
        moment += mass * d[2]
        mass_total += mass
    if inertia <= 0 or moment <= 0:
        raise ValueError("the body's centre of mass must lie above the pivot, and it must have mass.")
    return STANDARD_GRAVITY * moment / inertia
