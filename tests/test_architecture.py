"""The package's seams: the shared core, the component protocols, and what imports without pybullet."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np

from twin.control.pd import JointPD
from twin.core import DEFAULT_TIME_STEP, DynamicsParameters, JointState, Link, Model, PhysicalSystem
from twin.core.protocols import Controller
from twin.link import InProcessLink
from twin.link.impaired_link import ImpairedLink
from twin.physical_system.standin import PhysicalStandIn
from twin.virtual_model.virtual import VirtualModel

ROOT = Path(__file__).resolve().parents[1]

BLOCK_PYBULLET = """
import sys

class _NoPybullet:
    # A meta-path finder that refuses pybullet, as on a robot computer where it is not installed.
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in ("pybullet", "pybullet_data", "pybullet_utils", "pybullet_envs"):
            raise ModuleNotFoundError(f"No module named {name!r} (blocked by the test)")
        return None

sys.meta_path.insert(0, _NoPybullet())
"""


def _run_without_pybullet(code: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    script = BLOCK_PYBULLET + textwrap.dedent(code)
    return subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env, timeout=120)


def test_the_blocker_really_blocks_pybullet() -> None:
    """Guard for the test below: with the blocker in place, the physics side cannot load."""
    result = _run_without_pybullet("import twin.sim")
    assert result.returncode != 0
    assert "blocked by the test" in result.stderr


def test_the_data_connection_imports_without_pybullet() -> None:
    """``twin.link`` runs where a real robot's computer runs it: no physics engine, no model."""
    result = _run_without_pybullet(
        """
        import numpy as np
        import twin, twin.core, twin.link
        import twin.link.impaired_link, twin.link.telemetry_log, twin.link.transport, twin.link.compression
        from twin.core import StateMeasurement

        link = twin.link.impaired_link.ImpairedLink(seed=1)
        link.uplink.send(StateMeasurement(0.0, np.array([0.1]), np.array([0.0])), 0)
        arrived = link.uplink.receive(0)
        assert len(arrived) == 1 and arrived[0].positions[0] == 0.1, arrived
        loaded = sorted(m for m in sys.modules if m.startswith(("twin.sim", "twin.virtual_model", "twin.physics")))
        assert not loaded, loaded
        print("ok")
        """
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok"


def test_simulation_names_on_the_package_still_load_on_first_use() -> None:
    import twin

    assert twin.World.__name__ == "World"
    assert "pendulum" in twin.ROBOTS
    assert "World" in dir(twin)


def test_old_homes_of_the_shared_types_give_the_same_objects() -> None:
    from twin.core.messages import JointCommand
    from twin.link.messages import JointCommand as OldCommand
    from twin.sim.plant import DynamicsParameters as FromPlant
    from twin.sim.robots import JointState as FromRobots
    from twin.sim.world import DEFAULT_TIME_STEP as FROM_WORLD
    from twin.virtual_model import DynamicsParameters as FromModel

    assert FromModel is FromPlant is DynamicsParameters
    assert FromRobots is JointState
    assert FROM_WORLD == DEFAULT_TIME_STEP == 1.0 / 240.0
    assert OldCommand is JointCommand


def test_components_are_drop_ins_by_type() -> None:
    """Each component class satisfies its protocol; a link is not mistaken for a physical system."""
    assert isinstance(InProcessLink(), Link)
    assert isinstance(ImpairedLink(), Link)
    assert not isinstance(InProcessLink(), PhysicalSystem)
    with PhysicalStandIn("pendulum") as robot, VirtualModel("pendulum") as model:
        assert isinstance(robot, PhysicalSystem)
        assert isinstance(model, Model)
        assert not isinstance(model, PhysicalSystem)  # a model has no measure() or apply()
    pd = JointPD([0.0])
    assert isinstance(pd, Controller)
    torques = pd(0.0, np.array([0.1]), np.array([0.0]), np.array([0.0]))
    assert np.asarray(torques).shape == (1,)
