"""Simulation: worlds, the robot catalogue and what robots can tell about themselves."""

from twin.sim.robots import (
    ROBOTS,
    JointInfo,
    JointState,
    LinkInfo,
    Robot,
    RobotSpec,
    catalogue_table,
    load_robot,
)
from twin.sim.world import World

__all__ = [
    "ROBOTS",
    "JointInfo",
    "JointState",
    "LinkInfo",
    "Robot",
    "RobotSpec",
    "World",
    "catalogue_table",
    "load_robot",
]
