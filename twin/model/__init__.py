"""The virtual model: what the twin believes about the robot."""

from twin.model.virtual import Forecast, VirtualModel
from twin.sim.plant import DynamicsParameters

__all__ = ["DynamicsParameters", "Forecast", "VirtualModel"]
