"""Physics modelling beyond what pybullet gives directly, and studies of what its settings cost.

- ``fluids``: drag and buoyancy force models (pybullet has no fluid solver), applied each step.
- ``contact``: sliding friction and bouncing against Coulomb's law and restitution.
- ``soft_body``: a jelly cube in pybullet's deformable (finite-element) world.
- ``solver_study``: time-step and solver-iteration studies: error against cost.
- ``inertia``: inertia of simple shapes and the parallel-axis theorem, to check what a URDF says.
"""

from twin.physics.contact import bounce_height, simulate_bounce, simulate_slide, sliding_distance
from twin.physics.fluids import (
    AIR,
    WATER,
    Box,
    Fluid,
    FluidForces,
    Sphere,
    add_free_body,
    buoyancy_force,
    drag_force,
    falling_speed,
    floating_draft,
    terminal_velocity,
)
from twin.physics.inertia import box_inertia, cylinder_inertia, parallel_axis, sphere_inertia
from twin.physics.soft_body import SoftCubeDrop, SoftDropResult, youngs_modulus
from twin.physics.solver_study import (
    StudyRow,
    convergence_order,
    solver_iteration_study,
    time_step_study,
)

__all__ = [
    "AIR",
    "WATER",
    "Box",
    "Fluid",
    "FluidForces",
    "SoftCubeDrop",
    "SoftDropResult",
    "Sphere",
    "StudyRow",
    "add_free_body",
    "bounce_height",
    "box_inertia",
    "buoyancy_force",
    "convergence_order",
    "cylinder_inertia",
    "drag_force",
    "falling_speed",
    "floating_draft",
    "parallel_axis",
    "simulate_bounce",
    "simulate_slide",
    "sliding_distance",
    "solver_iteration_study",
    "sphere_inertia",
    "terminal_velocity",
    "time_step_study",
    "youngs_modulus",
]
