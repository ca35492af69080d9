"""World and robot catalogue: lifecycle, validation, free fall against theory, URDF facts, a standing humanoid."""

from __future__ import annotations

import math
import warnings
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pytest

from twin.sim import ROBOTS, World
from twin.sim._bullet import pybullet, pybullet_data
from twin.sim.robots import ASSETS

G = 9.81


def urdf_masses(path: Path) -> dict[str, float]:
    """Link name -> mass (kg), read straight from the URDF text (links without <inertial> are left out)."""
    masses = {}
    for link in ET.parse(path).getroot().iter("link"):
        mass = link.find("inertial/mass")
        if mass is not None:
            masses[link.get("name")] = float(mass.get("value"))
    return masses


def urdf_inertia_yy(path: Path) -> dict[str, float]:
    """Link name -> iyy (kg m^2) from the URDF text."""
    return {
        link.get("name"): float(link.find("inertial/inertia").get("iyy"))
        for link in ET.parse(path).getroot().iter("link")
        if link.find("inertial/inertia") is not None
    }


def drop_ball(world: World, height: float, radius: float = 0.05, mass: float = 1.0) -> int:
    """A sphere body at ``height`` with no air damping; returns its body id."""
    c = world.client
    shape = c.createCollisionShape(pybullet.GEOM_SPHERE, radius=radius)
    body = c.createMultiBody(baseMass=mass, baseCollisionShapeIndex=shape, basePosition=[0, 0, height])
    c.changeDynamics(body, -1, linearDamping=0.0, angularDamping=0.0)
    return body


# -- World -----------------------------------------------------------------------------------------
def test_context_manager_disconnects_and_close_is_idempotent():
    with World() as world:
        client = world.client
        assert world.is_open
        client.stepSimulation()
    assert not world.is_open
    with pytest.raises(RuntimeError, match="World is closed"):
        world.client.stepSimulation()  # any call on a closed world's client says so
    with pytest.raises(pybullet.error):  # the underlying client is really disconnected
        client.stepSimulation()
    world.close()  # twice is fine
    assert "closed" in repr(world)


@pytest.mark.parametrize(
    ("kwargs", "error", "name"),
    [
        ({"time_step": 0.0}, ValueError, "time_step"),
        ({"time_step": -0.01}, ValueError, "time_step"),
        ({"time_step": 0.5}, ValueError, "time_step"),
        ({"time_step": 1e-6}, ValueError, "time_step"),
        ({"time_step": float("nan")}, ValueError, "time_step"),
        ({"time_step": "1/240"}, TypeError, "time_step"),
        ({"time_step": True}, TypeError, "time_step"),
        ({"gravity": -9.81}, ValueError, "gravity"),
        ({"gravity": float("inf")}, ValueError, "gravity"),
        ({"seed": -1}, ValueError, "seed"),
        ({"seed": 1.5}, ValueError, "seed"),
        ({"seed": True}, ValueError, "seed"),
        ({"solver_iterations": 0}, ValueError, "solver_iterations"),
    ],
)
def test_bad_world_arguments_name_the_parameter(kwargs: dict, error: type[Exception], name: str):
    with pytest.raises(error, match=name):
        World(**kwargs)


@pytest.mark.parametrize("steps", [-1, 1.5, "10"])
def test_bad_step_count_names_steps(steps: object):
    with World() as world, pytest.raises(ValueError, match="steps"):
        world.step(steps)  # type: ignore[arg-type]


def test_time_is_steps_times_dt():
    with World(time_step=0.01) as world:
        assert world.time == 0.0
        world.step(7)
        world.step()
        world.step(0)
        assert world.steps_taken == 8
        assert world.time == pytest.approx(0.08, rel=1e-12)


def test_dropped_ball_falls_half_g_t_squared():
    dt, n, h0 = 1.0 / 240.0, 120, 5.0
    with World(time_step=dt, gravity=G) as world:
        ball = drop_ball(world, h0)
        world.step(n)
        z = world.client.getBasePositionAndOrientation(ball)[0][2]
        vz = world.client.getBaseVelocity(ball)[0][2]
    t = n * dt
    assert h0 - z == pytest.approx(0.5 * G * t**2, rel=0.015)  # semi-implicit Euler: relative error ~ 1/n
    assert vz == pytest.approx(-G * t, rel=1e-6)


def test_gravity_zero_means_no_fall_and_worlds_are_independent():
    with World(gravity=G) as falling, World(gravity=0.0) as floating:
        a = drop_ball(falling, 2.0)
        b = drop_ball(floating, 2.0)
        falling.step(60)
        assert floating.time == 0.0 and floating.steps_taken == 0
        assert floating.client.getBasePositionAndOrientation(b)[0][2] == pytest.approx(2.0, abs=1e-12)
        floating.step(60)
        assert floating.client.getBasePositionAndOrientation(b)[0][2] == pytest.approx(2.0, abs=1e-12)
        assert falling.client.getBasePositionAndOrientation(a)[0][2] < 1.9
        # a robot in one world is not in the other
        falling.load_robot("pendulum")
        assert falling.client.getNumBodies() == floating.client.getNumBodies() + 2  # pendulum + ground


def test_same_seed_same_draws_different_seed_different():
    with World(seed=3) as a, World(seed=3) as b, World(seed=4) as c:
        da, db, dc = a.rng.random(5), b.rng.random(5), c.rng.random(5)
    np.testing.assert_array_equal(da, db)
    assert not np.allclose(da, dc)


# -- Robots ----------------------------------------------------------------------------------------
def test_catalogue_contents():
    assert set(ROBOTS) >= {"pendulum", "cartpole", "arm", "humanoid"}
    with World() as world:
        pendulum = world.load_robot("pendulum")
        cartpole = world.load_robot("cartpole")
        arm = world.load_robot("arm")
        assert pendulum.dof == 1 and pendulum.joint_names == ("hinge",)
        assert [cartpole.joints[i].type for i in cartpole.joint_indices] == ["prismatic", "revolute"]
        assert arm.dof == 7 and all(arm.joints[i].type == "revolute" for i in arm.joint_indices)
    with World() as world:
        humanoid = world.load_robot("humanoid")
        types = [j.type for j in humanoid.joints]
        assert types.count("spherical") == 8 and types.count("revolute") == 4
        assert len(humanoid.spherical_joint_indices) == 8 and humanoid.dof == 4
        # a floating base: lifted 0.2 m and let go, it falls
        c = world.client
        pos, orn = c.getBasePositionAndOrientation(humanoid.body_id)
        c.resetBasePositionAndOrientation(humanoid.body_id, [pos[0], pos[1], pos[2] + 0.2], orn)
        world.step(24)
        assert c.getBasePositionAndOrientation(humanoid.body_id)[0][2] < pos[2] + 0.2 - 0.02


def test_unknown_robot_lists_valid_names():
    with World() as world, pytest.raises(KeyError) as info:
        world.load_robot("robodog")
    for name in ROBOTS:
        assert name in str(info.value)


def test_missing_urdf_names_the_path(tmp_path: Path):
    missing = tmp_path / "nowhere" / "ghost.urdf"
    with World() as world, pytest.raises(FileNotFoundError, match="ghost.urdf"):
        world.load_robot(urdf=missing)


def test_unknown_option_lists_valid_options():
    with World() as world, pytest.raises(TypeError) as info:
        world.load_robot("pendulum", colour="red")
    assert "colour" in str(info.value) and "base_position" in str(info.value)


@pytest.mark.parametrize("scaling", [0.0, -1.0, float("nan"), float("inf")])
def test_bad_global_scaling(scaling: float):
    with World() as world, pytest.raises(ValueError, match="global_scaling"):
        world.load_robot("pendulum", global_scaling=scaling)


def test_load_robot_needs_exactly_one_source():
    with World() as world:
        with pytest.raises(ValueError):
            world.load_robot()
        with pytest.raises(ValueError):
            world.load_robot("pendulum", urdf=ASSETS / "pendulum.urdf")


@pytest.mark.parametrize(
    ("name", "urdf"),
    [("pendulum", ASSETS / "pendulum.urdf"), ("arm", Path(pybullet_data.getDataPath()) / "kuka_iiwa/model.urdf")],
)
def test_tables_and_masses_match_the_urdf(name: str, urdf: Path):
    expected = urdf_masses(urdf)
    n_joints = len(ET.parse(urdf).getroot().findall("joint"))
    with World() as world:
        robot = world.load_robot(name)
        joints, links = robot.joint_table(), robot.link_table()
        assert len(joints) == len(robot.joints) == n_joints
        assert len(links) == len(robot.links) == n_joints + 1
        masses = dict(zip(links.column("link"), links.column("mass [kg]"), strict=True))
        for link, mass in expected.items():
            assert masses[link] == pytest.approx(mass, rel=1e-9), link
        assert robot.total_mass == pytest.approx(sum(expected.values()), rel=1e-9)
        assert "mass" in str(links) and robot.name in str(joints)


def test_pendulum_masses_are_the_documented_ones():
    masses = urdf_masses(ASSETS / "pendulum.urdf")
    assert masses["bob"] == 1.0 and masses["rod"] == 0.1
    with World() as world:
        pendulum = world.load_robot("pendulum")
        assert pendulum.link("bob").mass == pytest.approx(1.0)
        assert pendulum.link("rod").mass == pytest.approx(0.1)
        with pytest.raises(KeyError, match="bob"):
            pendulum.link("nope")
        with pytest.raises(KeyError, match="hinge"):
            pendulum.joint("nope")


def test_link_inertias_match_the_urdf():
    expected = urdf_inertia_yy(ASSETS / "pendulum.urdf")
    with World() as world:
        pendulum = world.load_robot("pendulum")
        for link, iyy in expected.items():
            assert pendulum.link(link).inertia_diagonal[1] == pytest.approx(iyy, rel=1e-6), link


def test_humanoid_stands_on_its_feet():
    with World() as world:
        humanoid = world.load_robot("humanoid")
        c = world.client
        ankles = {humanoid.link(n).index for n in ("left_ankle", "right_ankle")}
        z0 = c.getBasePositionAndOrientation(humanoid.body_id)[0][2]
        world.step(240)  # one simulated second
        z1 = c.getBasePositionAndOrientation(humanoid.body_id)[0][2]
        contacts = c.getContactPoints(humanoid.body_id, world.ground_id)
        touching = {p[3] for p in contacts}
        normal_force = sum(p[9] for p in contacts)
        mass = humanoid.total_mass
        weight = mass * world.gravity
    assert ankles <= touching, f"feet not on the ground; touching links {touching}"
    assert touching <= ankles, f"only the feet should touch the ground; touching links {touching}"
    assert abs(z1 - z0) < 0.02
    assert mass > 10.0
    assert normal_force == pytest.approx(weight, rel=0.02)


def test_fixed_base_frame_is_where_it_was_loaded():
    position, euler = (0.3, -0.2, 0.1), (0.0, 0.0, 0.7)
    with World() as world:
        arm = world.load_robot("arm", base_position=position, base_euler=euler)
        # the arm's base has an inertial offset: the centre of mass is NOT the link frame
        com = world.client.getBasePositionAndOrientation(arm.body_id)[0]
        assert np.linalg.norm(np.subtract(com, position)) > 0.05
        world.step(10)
        positions, orientations = arm.link_frame_poses()
        expected_orn = world.client.getQuaternionFromEuler(euler)
    assert positions.shape == (len(arm.links), 3) and orientations.shape == (len(arm.links), 4)
    np.testing.assert_allclose(positions[0], position, atol=1e-9)
    assert abs(np.dot(orientations[0], expected_orn)) == pytest.approx(1.0, abs=1e-7)
    # the first joint sits on the base's z axis: link 1's frame is straight above the base
    np.testing.assert_allclose(positions[1][:2], position[:2], atol=1e-6)


def test_set_state_round_trip():
    rng = np.random.default_rng(1)
    with World() as world:
        arm = world.load_robot("arm")
        q, qd = rng.uniform(-1, 1, 7), rng.uniform(-2, 2, 7)
        arm.set_state(q, qd)
        state = arm.state()
        np.testing.assert_allclose(state.positions, q, atol=1e-12)
        np.testing.assert_allclose(state.velocities, qd, atol=1e-12)
        arm.set_state(q)
        np.testing.assert_array_equal(arm.state().velocities, np.zeros(7))


def test_apply_torques_needs_torque_control():
    with World() as world:
        pendulum = world.load_robot("pendulum")
        with pytest.raises(RuntimeError, match="enable_torque_control"):
            pendulum.apply_torques([1.0])
        pendulum.enable_torque_control()
        pendulum.apply_torques([1.0])
        world.step(24)
        assert pendulum.state().velocities[0] > 0.0  # positive torque turns the hinge positively


@pytest.mark.parametrize("method", ["set_state", "apply_torques"])
def test_wrong_length_vectors_name_the_joints(method: str):
    with World() as world:
        arm = world.load_robot("arm")
        arm.enable_torque_control()
        with pytest.raises(ValueError, match="lbr_iiwa_joint_7"):
            getattr(arm, method)(np.zeros(6))
        with pytest.raises(ValueError, match="finite"):
            getattr(arm, method)([math.nan] * 7)


def test_angles_in_degrees_warn_and_suggest_radians():
    with World() as world:
        arm = world.load_robot("arm")
        with pytest.warns(UserWarning, match=r"more than a full turn.*lbr_iiwa_joint_1 = 90.*np\.radians"):
            arm.set_state(np.full(7, 90.0))  # degrees given for radians
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            arm.set_state([0.0, 2.12, 0.0, -2.12, 0.0, 0.0, 0.0])  # a little past a limit: a state torques can reach
            world.load_robot("pendulum").set_state([10.0])  # a continuous joint may turn any number of times
