"""Physics models against theory: drag, buoyancy, soft body, time-step and solver studies, inertias."""

from __future__ import annotations

import math

import numpy as np
import pytest

from twin.physics import (
    AIR,
    WATER,
    Box,
    Fluid,
    FluidForces,
    SoftCubeDrop,
    Sphere,
    add_free_body,
    box_inertia,
    buoyancy_force,
    convergence_order,
    cylinder_inertia,
    drag_force,
    falling_speed,
    floating_draft,
    parallel_axis,
    solver_iteration_study,
    sphere_inertia,
    terminal_velocity,
    time_step_study,
)
from twin.physics.soft_body import cube_tetrahedra
from twin.sim.plant import SimulatedRobot
from twin.sim.world import World

DT = 1 / 240


# -- force laws ----------------------------------------------------------------------------------
def test_drag_opposes_velocity_and_grows_with_its_square() -> None:
    v = np.array([3.0, 0.0, -4.0])  # 5 m/s
    force = drag_force(v, 1.225, 0.47, 0.01)
    assert np.linalg.norm(force) == pytest.approx(0.5 * 1.225 * 0.47 * 0.01 * 25)
    assert np.allclose(np.cross(force, v), 0.0) and np.dot(force, v) < 0
    assert np.linalg.norm(drag_force(2 * v, 1.225, 0.47, 0.01)) == pytest.approx(4 * np.linalg.norm(force))


def test_terminal_velocity_formula_and_buoyancy_is_rho_g_v() -> None:
    assert terminal_velocity(1.0, 0.5, 0.02, 1.2, 9.81) == pytest.approx(math.sqrt(2 * 9.81 / (1.2 * 0.5 * 0.02)))
    assert buoyancy_force(0.001, 1000.0, 9.81) == pytest.approx(9.81)


def test_submerged_volumes_of_spheres_and_boxes() -> None:
    ball = Sphere(0.1)
    assert ball.submerged_volume(0.0, 0.0) == pytest.approx(ball.volume / 2)
    assert ball.submerged_volume(-0.5, 0.0) == pytest.approx(ball.volume)
    assert ball.submerged_volume(0.5, 0.0) == 0.0
    box = Box((0.2, 0.3, 0.1))
    assert box.submerged_volume(0.0, 0.0) == pytest.approx(0.2 * 0.3 * 0.05)


def test_floating_draft_matches_density_ratio() -> None:
    assert floating_draft(Box((0.2, 0.2, 0.1)), 600.0, 1000.0) == pytest.approx(0.06)
    assert floating_draft(Sphere(0.1), 500.0, 1000.0) == pytest.approx(0.1)  # half under, by symmetry
    with pytest.raises(ValueError, match="sinks"):
        floating_draft(Sphere(0.1), 1200.0, 1000.0)


# -- force models applied in pybullet ------------------------------------------------------------
def test_a_ball_falling_through_air_follows_the_drag_solution_to_terminal_velocity() -> None:
    ball, mass = Sphere(0.1), 1.0
    with World(time_step=DT) as world:
        body = add_free_body(world, ball, mass, [0.0, 0.0, 0.0])
        air = FluidForces(world, AIR)
        air.add(body, ball, drag_coefficient=0.47)
        speeds = []
        for _ in range(2400):  # 10 s: no ground, it just falls
            air.apply()
            world.step()
            speeds.append(-world.client.getBaseVelocity(body)[0][2])
    times = DT * np.arange(1, 2401)
    exact = falling_speed(times, mass, 0.47, ball.frontal_area, AIR.density)
    v_t = terminal_velocity(mass, 0.47, ball.frontal_area, AIR.density)
    assert np.max(np.abs(np.array(speeds) - exact)) < 0.005 * v_t  # first-order integrator error only
    assert speeds[-1] == pytest.approx(v_t, rel=0.01)


def test_without_the_fluid_model_the_ball_just_accelerates() -> None:
    with World(time_step=DT) as world:
        body = add_free_body(world, Sphere(0.1), 1.0, [0.0, 0.0, 0.0])
        world.step(240)
        assert -world.client.getBaseVelocity(body)[0][2] == pytest.approx(9.81, rel=1e-3)


@pytest.mark.parametrize(
    ("shape", "density"), [(Sphere(0.1), 500.0), (Sphere(0.1), 250.0), (Box((0.2, 0.2, 0.1)), 600.0)]
)
def test_a_body_lighter_than_water_floats_at_the_right_depth(shape: Sphere | Box, density: float) -> None:
    half_height = shape.size[2] / 2 if isinstance(shape, Box) else shape.radius
    with World(time_step=DT) as world:
        body = add_free_body(world, shape, density * shape.volume, [0.0, 0.0, 0.3])
        water = FluidForces(world, WATER)
        water.add(body, shape, drag_coefficient=1.0, linear_damping=15.0)
        for _ in range(2400):
            water.apply()
            world.step()
        centre = world.client.getBasePositionAndOrientation(body)[0][2]
        speed = np.linalg.norm(world.client.getBaseVelocity(body)[0])
    draft = half_height - centre  # depth of the lowest point below the surface z = 0
    assert speed < 1e-3
    assert draft == pytest.approx(floating_draft(shape, density, WATER.density), abs=5e-4)


def test_fluid_inputs_are_checked() -> None:
    with pytest.raises(ValueError, match="density"):
        Fluid("honey", -1.0)
    with pytest.raises(ValueError, match="radius"):
        Sphere(0.0)
    with pytest.raises(ValueError, match="three side lengths"):
        Box((0.1, 0.1))  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="area"):
        drag_force([1.0, 0, 0], 1.2, 0.5, -0.1)
    with World(time_step=DT) as world:
        forces = FluidForces(world, WATER)
        with pytest.raises(ValueError, match="not a body"):
            forces.add(7, Sphere(0.1))
        with pytest.raises(TypeError, match="Sphere or Box"):
            forces.add(0, "ball")  # type: ignore[arg-type]
        with pytest.raises(TypeError, match="Fluid"):
            FluidForces(world, 1000.0)  # type: ignore[arg-type]


# -- soft body -----------------------------------------------------------------------------------
def test_cube_mesh_has_positive_tetrahedra_filling_the_cube() -> None:
    nodes, tets = cube_tetrahedra(0.2, 2)
    assert nodes.shape == (27, 3) and tets.shape == (48, 4)
    a, b, c, d = (nodes[tets[:, i]] for i in range(4))
    volumes = np.einsum("ij,ij->i", np.cross(b - a, c - a), d - a) / 6
    assert np.all(volumes > 0)
    assert volumes.sum() == pytest.approx(0.2**3)


def test_a_soft_cube_falls_comes_to_rest_on_the_ground_and_sags_under_its_weight() -> None:
    sags = []
    for mu, lam in ((300.0, 1000.0), (600.0, 2000.0)):
        with SoftCubeDrop(mu=mu, lam=lam) as drop:
            result = drop.run(2.5, frames_per_second=20)
            expected = drop.expected_sag
        assert result.centre_heights[0] == pytest.approx(0.5)
        assert 0.0 < result.lowest[-1] < 0.01  # resting on the ground (within the collision margin)
        assert abs(result.centre_heights[-1] - result.centre_heights[-3]) < 1e-3  # at rest
        sag = 0.2 - result.heights[-1]
        assert sag == pytest.approx(expected, rel=0.25)  # linear elasticity, roughly
        assert np.max(np.abs(result.edge_strain(0))) < 1e-6 and np.max(np.abs(result.edge_strain())) > 0.05
        sags.append(sag)
    assert 1.4 < sags[0] / sags[1] < 2.5  # twice as stiff: about half the sag


def test_soft_cube_rejects_a_start_inside_the_ground() -> None:
    with pytest.raises(ValueError, match="inside the ground"):
        SoftCubeDrop(drop_height=0.05)


# -- time step and solver studies ----------------------------------------------------------------
def test_the_pendulum_error_shrinks_in_proportion_to_the_time_step() -> None:
    rows = time_step_study((1 / 60, 1 / 120, 1 / 240, 1 / 480), duration=1.0)
    errors = [r.error for r in rows]
    assert all(later < earlier for earlier, later in zip(errors, errors[1:], strict=False))
    assert convergence_order(rows) == pytest.approx(1.0, abs=0.15)  # semi-implicit Euler: first order
    assert [r.steps for r in rows] == [60, 120, 240, 480]


def test_more_solver_iterations_leave_less_penetration_in_a_box_stack() -> None:
    rows = solver_iteration_study((1, 5, 50))
    penetrations = [r.error for r in rows]
    assert penetrations[0] > penetrations[1] > penetrations[2] > 0
    assert penetrations[2] < 0.01 * penetrations[0]


def test_study_inputs_are_checked() -> None:
    with pytest.raises(ValueError, match="empty"):
        time_step_study(())
    with pytest.raises(ValueError, match="whole number"):
        time_step_study((0.3,), duration=1.0)


# -- inertias: what the URDF says against the formulas -------------------------------------------
def test_pendulum_hinge_inertia_from_formulas_matches_pybullet() -> None:
    rod_about_com = cylinder_inertia(0.1, 0.01, 0.5)[1]
    bob_about_com = sphere_inertia(1.0, 0.03)[1]
    expected = parallel_axis(rod_about_com, 0.1, 0.25) + parallel_axis(bob_about_com, 1.0, 0.5)
    with SimulatedRobot("pendulum") as plant:
        assert plant.mass_matrix([0.0])[0, 0] == pytest.approx(expected, rel=1e-3)


def test_shape_inertias_and_their_errors() -> None:
    assert box_inertia(12.0, 1.0, 2.0, 3.0) == pytest.approx((13.0, 10.0, 5.0))
    assert sphere_inertia(5.0, 1.0) == pytest.approx((2.0, 2.0, 2.0))
    with pytest.raises(ValueError, match="mass"):
        box_inertia(0.0, 1, 1, 1)
    with pytest.raises(ValueError, match="distance"):
        parallel_axis(1.0, 1.0, math.inf)


# -- exercise 2 check ----------------------------------------------------------------------------
def test_floating_depth_check_accepts_the_cap_solution_and_rejects_the_box_formula() -> None:
    from scipy.optimize import brentq

    from twin.course.checks_creation import check_floating_depth

    def right(density: float) -> float:
        needed = density / 1000 * 4 / 3 * math.pi * 0.1**3
        return brentq(lambda h: math.pi * h * h * (0.3 - h) / 3 - needed, 0.0, 0.2)

    def box_formula(density: float) -> float:
        return density / 1000 * 0.2

    assert check_floating_depth(right).passed
    result = check_floating_depth(box_formula)
    assert not result.passed and "upright box" in result.message
    assert f"{right(120.0):.4g}" not in result.message  # the answer is not given away
    outside = check_floating_depth(lambda density: 0.5)
    assert not outside.passed and "between 0 and the diameter" in outside.message
    crashing = check_floating_depth(lambda density: 1 / 0)
    assert not crashing.passed and "ZeroDivisionError" in crashing.message


# -- contact and friction ------------------------------------------------------------------------
def test_a_sliding_box_stops_where_coulomb_friction_says() -> None:
    from twin.physics import simulate_slide, sliding_distance

    for mu in (0.25, 1.0):
        _, x = simulate_slide(mu, 2.0, seconds=1.5)
        assert x[-1] == pytest.approx(sliding_distance(mu, 2.0), rel=0.03)
        assert x[-1] - x[-10] < 1e-6  # stopped, not creeping
    with pytest.raises(ValueError, match="mu"):
        simulate_slide(0.0, 1.0)


def test_a_ball_bounces_to_about_e_squared_of_its_drop_height() -> None:
    from twin.physics import bounce_height, simulate_bounce

    heights = {}
    for e in (0.5, 0.9):
        _, h = simulate_bounce(e, drop_height=1.0, seconds=1.5)
        heights[e] = bounce_height(h)
        assert heights[e] == pytest.approx(e**2, abs=0.06)
    assert heights[0.9] > heights[0.5]
    with pytest.raises(ValueError, match="restitution"):
        simulate_bounce(1.5)
