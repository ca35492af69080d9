"""The physical system: here a stand-in simulation with hidden true parameters."""

from twin.physical.standin import DEFAULT_TRUTH, PhysicalStandIn

__all__ = ["DEFAULT_TRUTH", "PhysicalStandIn"]
