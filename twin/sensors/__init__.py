"""Sensor models that turn the physical system's true state into measurements.

- ``JointStateSensor``: joint positions and velocities with Gaussian noise (what the stand-in reports).
- ``JointEncoders``: counts per revolution, jitter and latency (``twin.sensors.encoder``).
- ``Imu``: accelerometer and gyroscope with the Kalibr/datasheet noise model (``twin.sensors.imu``); Allan
  deviation in ``twin.sensors.allan``.
- ``Camera``: RGB, depth, segmentation with lens distortion and sensor noise (``twin.sensors.camera``).
- ``Lidar``: 2D/3D scan patterns and the beam model (``twin.sensors.lidar``).
- ``ForceTorqueSensor`` and ``contact_forces``: joint wrenches and foot contacts (``twin.sensors.force_torque``).

Every model has a sample rate on the simulation clock, a seed, an ``ideal`` switch and a ``poll()`` to call
after each ``world.step()``.
"""

from twin.sensors.camera import BrownConrady, Camera, CameraIntrinsics, CameraNoise
from twin.sensors.encoder import JointEncoders
from twin.sensors.force_torque import ForceTorqueSensor, WrenchNoise, contact_forces
from twin.sensors.imu import Imu, InertialNoise
from twin.sensors.joint_state import JointStateSensor
from twin.sensors.lidar import BeamModel, Lidar, scan_pattern_2d, scan_pattern_3d

__all__ = [
    "BeamModel",
    "BrownConrady",
    "Camera",
    "CameraIntrinsics",
    "CameraNoise",
    "ForceTorqueSensor",
    "Imu",
    "InertialNoise",
    "JointEncoders",
    "JointStateSensor",
    "Lidar",
    "WrenchNoise",
    "contact_forces",
    "scan_pattern_2d",
    "scan_pattern_3d",
]
