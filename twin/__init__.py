"""twin: the package behind the "Digital Twin & Physical AI" course notebooks."""

from twin.sim import ROBOTS, Robot, World, catalogue_table, load_robot

__version__ = "0.1.0"
__all__ = ["ROBOTS", "Robot", "World", "catalogue_table", "load_robot", "__version__"]
