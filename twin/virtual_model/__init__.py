"""The virtual model: what the twin believes about the robot."""

from twin.core.types import DynamicsParameters
from twin.virtual_model.virtual import Forecast, VirtualModel

__all__ = ["DynamicsParameters", "Forecast", "VirtualModel"]
