"""The physical system: here a stand-in simulation with hidden true parameters and unmodeled effects."""

from twin.physical_system.standin import DEFAULT_TRUTH, NO_EFFECTS, PhysicalStandIn, UnmodeledEffects

__all__ = ["DEFAULT_TRUTH", "NO_EFFECTS", "PhysicalStandIn", "UnmodeledEffects"]
