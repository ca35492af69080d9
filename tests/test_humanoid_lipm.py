"""LIPM and capture-point closed forms against a simulated point mass on a massless leg, and bad inputs."""

import math

import numpy as np
import pytest

from twin.humanoid.lipm import (
    capture_point,
    center_of_pressure,
    convex_hull,
    lipm_omega,
    lipm_state,
    orbital_energy,
    support_margin,
)
from twin.sim._bullet import pybullet
from twin.sim.world import World

LEG = 1.0  # m


def _point_mass_on_leg(world: World) -> int:
    """A 1 kg point mass on a massless 1 m leg, hinged at the floor about y (pybullet multibody)."""
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
        linkInertialFramePositions=[[0, 0, LEG]],
        linkInertialFrameOrientations=[[0, 0, 0, 1]],
        linkParentIndices=[0],
        linkJointTypes=[pybullet.JOINT_REVOLUTE],
        linkJointAxis=[[0, 1, 0]],
    )


def _simulate(x0: float, v0: float, seconds: float) -> tuple[np.ndarray, np.ndarray]:
    """Horizontal CoM position and velocity of the pendulum started at x0 (m), v0 (m/s)."""
    with World(time_step=1 / 1000, gravity=9.81) as world:
        c = world.client
        body = _point_mass_on_leg(world)
        c.setJointMotorControl2(body, 0, pybullet.VELOCITY_CONTROL, force=0)
        c.changeDynamics(body, 0, linearDamping=0, angularDamping=0, jointDamping=0)
        theta0 = math.asin(x0 / LEG)
        c.resetJointState(body, 0, theta0, v0 / (LEG * math.cos(theta0)))
        xs, vs = [], []
        for _ in range(round(seconds * 1000)):
            world.step()
            s = c.getLinkState(body, 0, computeLinkVelocity=1)
            xs.append(s[0][0])
            vs.append(s[6][0])
    return np.array(xs), np.array(vs)


def test_omega_is_sqrt_g_over_height():
    assert lipm_omega(0.814) == pytest.approx(math.sqrt(9.81 / 0.814))


def test_lipm_closed_form_matches_the_pendulum_at_small_angles():
    # near upright the rigid leg keeps its height: x'' = g/l x within (x/l)^2 ~ 1e-4 relative
    x, v = _simulate(0.01, 0.0, 0.5)
    t = np.arange(1, x.size + 1) / 1000
    xl, vl = lipm_state(0.01, 0.0, 0.0, lipm_omega(LEG), t)
    # the pendulum's x'' = g sin(theta) cos... differs from LIPM by O(theta^2): at theta <= 0.04 rad, < 1 %
    assert np.max(np.abs(x - xl) / np.abs(xl)) < 0.01
    assert np.max(np.abs(v - vl)) < 0.01 * np.max(np.abs(vl)) + 1e-4


@pytest.mark.parametrize(("ratio", "falls_over"), [(0.9, False), (1.1, True)])
def test_capture_point_decides_whether_the_pendulum_comes_to_rest(ratio, falls_over):
    # start 2 cm behind the foot moving forward; the capture point lands at the foot for ratio 1
    omega = lipm_omega(LEG)
    x0 = -0.02
    v0 = ratio * omega * 0.02
    xi = capture_point(x0, v0, omega)
    assert (xi > 0) == falls_over
    x, _ = _simulate(x0, v0, 2.5)
    # over the foot and away (the leg has no floor to stop it), or turned back before reaching the foot
    assert (x.max() > 0.1) == falls_over
    if not falls_over:
        assert x.max() < 0.0 and x[-1] < x0
    assert (orbital_energy(x0, v0, 0.0, omega) > 0) == falls_over


def test_cop_support_polygon_and_margin():
    cop = center_of_pressure(np.array([100.0, 300.0]), np.array([[0.0, -0.1], [0.0, 0.1]]))
    np.testing.assert_allclose(cop, [0.0, 0.05])
    assert np.all(np.isnan(center_of_pressure(np.zeros(2), np.full((2, 2), np.nan))))
    square = convex_hull(np.array([[0, 0], [1, 0], [1, 1], [0, 1], [0.5, 0.5]]))
    assert len(square) == 4
    assert support_margin(np.array([0.5, 0.5]), square) == pytest.approx(0.5)
    assert support_margin(np.array([1.5, 0.5]), square) == pytest.approx(-0.5)


@pytest.mark.parametrize("height", [0.0, -1.0, float("nan")])
def test_bad_com_height_is_rejected(height):
    with pytest.raises(ValueError, match="com_height"):
        lipm_omega(height)


def test_capture_point_rejects_nan_state():
    with pytest.raises(ValueError, match="finite"):
        capture_point(np.array([np.nan, 0.0]), np.zeros(2), 3.0)
