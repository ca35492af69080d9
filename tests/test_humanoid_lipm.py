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
    measured_omega_squared,
    orbital_energy,
    support_margin,
)
from twin.humanoid.pendulum import simulate_point_mass
from twin.sim._bullet import pybullet

LEG = 1.0  # m


def _simulate(x0: float, v0: float, seconds: float) -> tuple[np.ndarray, np.ndarray]:
    """Horizontal CoM position and velocity of the 1 m pendulum started at x0 (m), v0 (m/s)."""
    _, x, v = simulate_point_mass(x0, v0, seconds, leg_length=LEG)
    return x, v


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


@pytest.mark.parametrize(
    ("options", "match"),
    [
        ({"leg_length": 0.0}, "leg_length"),
        ({"x0": 2.0}, "x0"),
        ({"v0": float("nan")}, "v0"),
        ({"seconds": -1}, "seconds"),
    ],
)
def test_point_mass_experiment_rejects_bad_setups(options, match):
    arguments = {"x0": 0.01, "v0": 0.0, "seconds": 0.1, **options}
    with pytest.raises(ValueError, match=match):
        simulate_point_mass(**arguments)


def test_fitted_omega_recovers_the_pendulum_it_was_given():
    omega = lipm_omega(0.9)
    t = np.arange(0, 1.0, 1 / 240)
    x, _ = lipm_state(0.01, -0.04, 0.0, omega, t)  # falls back past the CoP, then would run away
    fitted, correlation = measured_omega_squared(x, np.zeros_like(x), 1 / 240)
    assert fitted == pytest.approx(omega**2, rel=0.01)
    assert correlation > 0.999
    with pytest.raises(ValueError, match="move relative"):
        measured_omega_squared(np.zeros(100), np.zeros(100), 1 / 240)


def test_rigid_pendulum_of_a_point_mass_is_the_lipm_and_a_body_tips_slower():
    from twin.humanoid.pendulum import _point_mass_on_leg, rigid_pendulum_omega_squared
    from twin.sim.world import World

    with World() as world:
        body = _point_mass_on_leg(world, LEG)
        # a 1 cm sphere's own inertia adds (2/5) r^2 = 4e-5 m^2 to l^2 = 1 m^2
        assert rigid_pendulum_omega_squared(world.client, body, np.zeros(3)) == pytest.approx(9.81, rel=1e-4)
        with pytest.raises(ValueError, match="axis"):
            rigid_pendulum_omega_squared(world.client, body, np.zeros(3), axis="yaw")
    # a uniform box 0.2 x 0.2 x 1.6 m standing on the floor, tipping about a bottom edge's line:
    # I_pivot = m (w^2 + h^2) / 12 + m (0.8^2 + 0.1^2), here m g 0.8 / I with the edge 0.1 m off the CoM
    with World() as world:
        c = world.client
        half = [0.1, 0.1, 0.8]
        shape = c.createCollisionShape(pybullet.GEOM_BOX, halfExtents=half)
        box = c.createMultiBody(baseMass=2.0, baseCollisionShapeIndex=shape, basePosition=[0, 0, 0.8])
        inertia = 2.0 * (0.2**2 + 1.6**2) / 12 + 2.0 * (0.1**2 + 0.8**2)
        expected = 2.0 * 9.81 * 0.8 / inertia
        assert rigid_pendulum_omega_squared(c, box, np.array([0.1, 0.0, 0.0])) == pytest.approx(expected, rel=1e-3)
        assert expected < 9.81 / 0.8  # slower than a point mass at the same height


def test_lipm_omega_takes_a_numpy_height_and_warns_of_millimetres():
    assert lipm_omega(np.int64(1)) == pytest.approx(math.sqrt(9.81))
    with pytest.warns(UserWarning, match="mm"):
        lipm_omega(900.0)


def test_lipm_state_refuses_a_zero_omega_instead_of_returning_nan():
    with pytest.raises(ValueError, match="omega"):
        lipm_state(0.1, 0.2, 0.0, 0.0, 1.0)
