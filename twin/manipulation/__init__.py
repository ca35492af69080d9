"""Manipulation skills in the twin: a Panda arm with a gripper at a table, grasping and pick-and-place.

- ``cell``: the work cell (arm, gripper, table, cubes, one irregular object) with a wrist force/torque sensor
  and finger contact forces; ``ObjectSpec`` says what each object weighs and how slippery it is.
- ``kinematics``: inverse kinematics with joint limits and a null-space posture, and its reachability check.
- ``trajectory``: Cartesian straight-line moves with minimum-jerk timing.
- ``grasp``: the friction limit of a two-finger grasp, grasp-and-lift trials, slip detection from forces,
  scripted pick-and-place.
- ``standin``: the same cell as the physical robot's stand-in, with hidden object masses and friction, and the
  randomised twin that finds a grip force which holds before the robot drops anything.
"""
