"""twin: the package behind the "Digital Twin & Physical AI" course notebooks.

``twin.World``, ``twin.load_robot`` and the other simulation names are loaded on first use, so that
``import twin.link`` or ``import twin.core`` works on a computer without pybullet (a real robot's).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from twin.sim import ROBOTS, Robot, World, catalogue_table, load_robot

__version__ = "0.1.0"
__all__ = ["ROBOTS", "Robot", "World", "catalogue_table", "load_robot", "__version__"]

_FROM_SIM = frozenset({"ROBOTS", "Robot", "World", "catalogue_table", "load_robot"})


def __getattr__(name: str) -> Any:
    """Load the simulation names (``twin.World`` ...) from ``twin.sim`` on first use."""
    if name in _FROM_SIM:
        value = getattr(importlib.import_module("twin.sim"), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'twin' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | _FROM_SIM)
