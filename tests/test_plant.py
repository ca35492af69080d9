"""SimulatedRobot and DynamicsParameters against pendulum theory computed from the URDF file itself."""

from __future__ import annotations

import math
import xml.etree.ElementTree as ET

import numpy as np
import pytest

from twin.sim.plant import DynamicsParameters, SimulatedRobot
from twin.sim.robots import ASSETS

G = 9.81
DT = 1.0 / 240.0


def _origin_z(element: ET.Element | None) -> float:
    if element is None or element.find("origin") is None:
        return 0.0
    return float(element.find("origin").get("xyz", "0 0 0").split()[2])


def pendulum_from_urdf() -> tuple[float, float]:
    """(I about the hinge in kg m^2, sum of m_i d_i in kg m) from pendulum.urdf's inertial values.

    The rod hangs from the hinge; the bob is fixed to the rod. Both centres of mass lie on the rod's -z axis.
    """
    root = ET.parse(ASSETS / "pendulum.urdf").getroot()
    links = {link.get("name"): link for link in root.iter("link")}
    joints = {joint.find("child").get("link"): joint for joint in root.iter("joint")}
    inertia, moment = 0.0, 0.0
    for name in ("rod", "bob"):
        depth = 0.0  # distance below the hinge of this link's frame
        link_name = name
        while joints[link_name].get("type") == "fixed":
            depth -= _origin_z(joints[link_name])
            link_name = joints[link_name].find("parent").get("link")
        inertial = links[name].find("inertial")
        d = depth - _origin_z(inertial)
        m = float(inertial.find("mass").get("value"))
        iyy = float(inertial.find("inertia").get("iyy"))
        inertia += iyy + m * d**2
        moment += m * d
    return inertia, moment


def simulate(plant: SimulatedRobot, steps: int, torque: float = 0.0) -> np.ndarray:
    """Joint angle after each of ``steps`` steps under a constant torque."""
    q = np.empty(steps)
    for k in range(steps):
        plant.step([torque])
        q[k] = plant.state().positions[0]
    return q


def upward_zero_crossings(times: np.ndarray, q: np.ndarray) -> np.ndarray:
    """Linearly interpolated times where q crosses zero going up."""
    idx = np.nonzero((q[:-1] < 0) & (q[1:] >= 0))[0]
    return times[idx] - q[idx] * (times[idx + 1] - times[idx]) / (q[idx + 1] - q[idx])


def peaks(q: np.ndarray) -> np.ndarray:
    idx = np.nonzero((q[1:-1] > q[:-2]) & (q[1:-1] >= q[2:]))[0] + 1
    return q[idx]


def test_urdf_derived_constants_are_sane():
    inertia, moment = pendulum_from_urdf()
    assert moment == pytest.approx(0.1 * 0.25 + 1.0 * 0.5)
    assert inertia == pytest.approx(0.00209 + 0.1 * 0.25**2 + 0.00036 + 1.0 * 0.5**2)


def test_small_angle_period_matches_theory():
    inertia, moment = pendulum_from_urdf()
    expected = 2 * math.pi * math.sqrt(inertia / (moment * G))
    with SimulatedRobot("pendulum", initial_positions=[0.05]) as plant:
        q = simulate(plant, 1100)
    times = DT * np.arange(1, q.size + 1)
    crossings = upward_zero_crossings(times, q)
    assert crossings.size >= 3
    period = float(np.mean(np.diff(crossings)))
    assert period == pytest.approx(expected, rel=0.01)


def test_energy_is_conserved_without_damping():
    _, moment = pendulum_from_urdf()
    with SimulatedRobot("pendulum", initial_positions=[1.0]) as plant:
        inertia = float(plant.mass_matrix([0.0])[0, 0])
        energy = []
        for _ in range(480):
            plant.step()
            s = plant.state()
            q, qd = s.positions[0], s.velocities[0]
            energy.append(0.5 * inertia * qd**2 + moment * G * (1 - math.cos(q)))
    e0 = moment * G * (1 - math.cos(1.0))
    energy = np.array(energy)
    # pybullet's default damping (0.04 per link) would lose more than 10 % here
    assert np.max(np.abs(energy - e0)) / e0 < 0.01


@pytest.mark.parametrize("theta", [-1.2, -0.3, 0.0, 0.4, 1.0, 2.5])
def test_gravity_torque_matches_sum_m_g_d_sin(theta: float):
    _, moment = pendulum_from_urdf()
    with SimulatedRobot("pendulum") as plant:
        tau = plant.gravity_torques([theta])
    expected = moment * G * math.sin(theta)
    assert tau.shape == (1,)
    assert tau[0] == pytest.approx(expected, rel=1e-6, abs=1e-12)


def test_gravity_torque_holds_the_pendulum_still():
    with SimulatedRobot("pendulum", initial_positions=[0.7]) as plant:
        hold = plant.gravity_torques([0.7])
        for _ in range(240):
            plant.step(hold)
        assert plant.state().positions[0] == pytest.approx(0.7, abs=1e-6)


@pytest.mark.parametrize("scale", [0.5, 2.0])
def test_mass_scale_changes_the_simulated_dynamics(scale: float):
    """The true dynamics of a heavier pendulum need scale x the nominal holding torque (checked by simulation)."""
    _, moment = pendulum_from_urdf()
    nominal_hold = moment * G * math.sin(0.7)
    with SimulatedRobot("pendulum", DynamicsParameters(mass_scale=scale), initial_positions=[0.7]) as plant:
        for _ in range(240):
            plant.step([scale * nominal_hold])
        assert plant.state().positions[0] == pytest.approx(0.7, abs=1e-6)
        assert plant.robot.total_mass == pytest.approx(scale * 1.1)


@pytest.mark.parametrize("scale", [0.5, 2.0])
def test_mass_scale_scales_gravity_torque_and_mass_matrix_linearly(scale: float):
    with SimulatedRobot("pendulum") as nominal, SimulatedRobot("pendulum", DynamicsParameters(mass_scale=scale)) as p:
        assert p.gravity_torques([0.7])[0] == pytest.approx(scale * nominal.gravity_torques([0.7])[0], rel=1e-9)
        assert p.mass_matrix([0.0])[0, 0] == pytest.approx(scale * nominal.mass_matrix([0.0])[0, 0], rel=1e-9)


def test_viscous_damping_matches_a_linear_damped_oscillator():
    b, amplitude = 0.1, 0.1
    _, moment = pendulum_from_urdf()
    with SimulatedRobot("pendulum", DynamicsParameters(joint_damping=b), initial_positions=[amplitude]) as plant:
        inertia = float(plant.mass_matrix([0.0])[0, 0])
        q = simulate(plant, 1100)
    omega0 = math.sqrt(moment * G / inertia)
    omega_d = math.sqrt(omega0**2 - (b / (2 * inertia)) ** 2)
    tops = peaks(q)
    assert tops.size >= 3
    assert np.all(np.diff(tops) < 0)  # the amplitude decays
    log_decrement = float(np.mean(np.log(tops[:-1] / tops[1:])))
    assert log_decrement == pytest.approx(math.pi * b / (inertia * omega_d), rel=0.10)
    times = DT * np.arange(1, q.size + 1)
    period = float(np.mean(np.diff(upward_zero_crossings(times, q))))
    assert period == pytest.approx(2 * math.pi / omega_d, rel=0.01)


def test_coulomb_friction_holds_below_and_slips_above():
    friction = 0.5
    params = DynamicsParameters(joint_friction=friction)
    with SimulatedRobot("pendulum", params) as plant:
        q = simulate(plant, 120, torque=0.6 * friction)
        assert np.max(np.abs(q)) < 1e-4
    with SimulatedRobot("pendulum", params) as plant:
        q = simulate(plant, 120, torque=1.6 * friction)
        assert np.max(q) > 0.02
    with SimulatedRobot("pendulum") as plant:  # frictionless: even a small torque moves it
        q = simulate(plant, 120, torque=0.6 * friction)
        assert np.max(q) > 0.02


def test_damping_above_the_explicit_stability_limit_is_rejected():
    with SimulatedRobot("arm") as arm:
        inertia = np.diag(arm.mass_matrix(np.zeros(7)))
        worst = arm.robot.joint_names[int(np.argmin(inertia))]
        limit = float(np.min(inertia)) / arm.time_step
        arm.set_parameters(DynamicsParameters(joint_damping=0.5 * limit))  # fine
        with pytest.raises(ValueError, match=worst):
            arm.set_parameters(DynamicsParameters(joint_damping=1.5 * limit))
        # heavier links have more inertia, so the same damping becomes stable
        arm.set_parameters(DynamicsParameters(mass_scale=2.0, joint_damping=1.5 * limit))
    with pytest.raises(ValueError, match=worst):
        SimulatedRobot("arm", DynamicsParameters(joint_damping=1.5 * limit))


@pytest.mark.parametrize(
    ("kwargs", "name"),
    [
        ({"mass_scale": 0.0}, "mass_scale"),
        ({"mass_scale": -1.0}, "mass_scale"),
        ({"mass_scale": True}, "mass_scale"),
        ({"mass_scale": math.nan}, "mass_scale"),
        ({"joint_friction": -0.1}, "joint_friction"),
        ({"joint_friction": math.inf}, "joint_friction"),
        ({"joint_damping": -0.1}, "joint_damping"),
        ({"joint_damping": "0.1"}, "joint_damping"),
    ],
)
def test_dynamics_parameters_validation(kwargs: dict, name: str):
    with pytest.raises(ValueError, match=name):
        DynamicsParameters(**kwargs)


def test_with_changes():
    base = DynamicsParameters(mass_scale=1.2)
    changed = base.with_changes(joint_friction=0.1)
    assert changed == DynamicsParameters(mass_scale=1.2, joint_friction=0.1)
    assert base.joint_friction == 0.0  # frozen original untouched
    with pytest.raises(TypeError, match="mass_scale"):
        base.with_changes(mass=2.0)
    with pytest.raises(ValueError, match="joint_damping"):
        base.with_changes(joint_damping=-1.0)


def test_floating_base_robot_is_rejected():
    with pytest.raises(ValueError, match="floating base"):
        SimulatedRobot("humanoid")


def test_time_and_close():
    plant = SimulatedRobot("pendulum", time_step=0.01)
    for _ in range(5):
        plant.step()
    assert plant.time == pytest.approx(0.05)
    np.testing.assert_array_equal(plant.last_torques, [0.0])
    plant.close()
    plant.close()
    assert not plant.world.is_open
