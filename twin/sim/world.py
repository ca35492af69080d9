"""A simulation world: one private pybullet client in DIRECT mode (no window, no server).

Every twin, stand-in and notebook demo owns its own ``World``. Worlds never share state, so a
virtual model and the physical stand-in it mirrors can run side by side in one process.
"""

from __future__ import annotations

import math
from pathlib import Path
from types import TracebackType

import numpy as np

from twin.core.types import DEFAULT_TIME_STEP
from twin.sim._bullet import BulletClient, pybullet, pybullet_data
from twin.sim._quiet import quiet_c_output
from twin.sim.robots import Robot, load_robot

STANDARD_GRAVITY = 9.81  # m/s^2


class _ClosedClient:
    """What ``World.client`` is once the world is closed: any pybullet call on it says so."""

    def __getattr__(self, name: str) -> None:
        if name.startswith("__"):  # copy, pickle and friends probe for optional methods
            raise AttributeError(name)
        raise RuntimeError(
            f"This World is closed (client.{name}): it, or the twin or robot that owns it, was closed (close(), or "
            "the end of a `with` block). Create a new one."
        )


class World:
    """A headless physics world with a fixed time step, gravity along -z and a seed.

    Use it as a context manager so the pybullet client is always disconnected::

        with World(time_step=1/240, seed=0) as world:
            arm = world.load_robot("arm")
            world.step(240)        # one simulated second

    Args:
        time_step: seconds of simulated time per ``step()``; between 1e-4 and 0.1 s.
        gravity: magnitude of gravity in m/s^2, pointing down (-z). 0 switches it off.
        seed: seed of ``world.rng``, the generator every random choice in this world uses.
        solver_iterations: constraint-solver iterations per step (pybullet default 50).
    """

    def __init__(
        self,
        time_step: float = DEFAULT_TIME_STEP,
        gravity: float = STANDARD_GRAVITY,
        seed: int = 0,
        solver_iterations: int = 50,
    ) -> None:
        _check_positive_finite("time_step", time_step, hint="for example 1/240 (seconds)")
        if not 1e-4 <= time_step <= 0.1:
            raise ValueError(
                f"time_step={time_step} s is outside 1e-4..0.1 s: pybullet's contact solver becomes "
                "inaccurate with large steps and needlessly slow with tiny ones. Try 1/240."
            )
        if not (isinstance(gravity, int | float) and math.isfinite(gravity) and gravity >= 0):
            raise ValueError(f"gravity={gravity!r} must be a finite magnitude >= 0 in m/s^2, for example 9.81.")
        if not isinstance(seed, int | np.integer) or isinstance(seed, bool) or seed < 0:
            raise ValueError(f"seed={seed!r} must be a non-negative integer, for example 0.")
        if not isinstance(solver_iterations, int) or solver_iterations < 1:
            raise ValueError(f"solver_iterations={solver_iterations!r} must be a positive integer, e.g. 50.")
        self.time_step = float(time_step)
        self.gravity = float(gravity)
        self.seed = int(seed)
        self.rng = np.random.default_rng(self.seed)
        self.steps_taken = 0
        self.robots: list[Robot] = []
        self.ground_id: int | None = None
        with quiet_c_output():
            # a plain attribute, read on every pybullet call of every loop; close() swaps in _ClosedClient
            self.client: BulletClient | _ClosedClient = BulletClient(connection_mode=pybullet.DIRECT)
        self.client.setAdditionalSearchPath(pybullet_data.getDataPath())
        self.client.setGravity(0.0, 0.0, -self.gravity)
        self.client.setTimeStep(self.time_step)
        self.client.setPhysicsEngineParameter(numSolverIterations=solver_iterations, deterministicOverlappingPairs=1)

    # -- lifecycle -------------------------------------------------------------------------------
    # ``client``: the private pybullet client; call any pybullet function on it (``world.client.getNumJoints``).
    # Once the world is closed, every call on it raises an error that says so.

    @property
    def is_open(self) -> bool:
        return not isinstance(self.client, _ClosedClient)

    def close(self) -> None:
        """Disconnect from pybullet. Safe to call twice."""
        if self.is_open:
            try:
                self.client.disconnect()
            finally:
                self.client = _ClosedClient()

    def __enter__(self) -> World:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def __del__(self) -> None:  # a forgotten world still lets go of its client
        try:
            self.close()
        except Exception:
            pass

    def __repr__(self) -> str:
        state = "open" if self.is_open else "closed"
        return (
            f"World(time_step={self.time_step:.6g} s, gravity={self.gravity} m/s^2, seed={self.seed}, "
            f"t={self.time:.4f} s, robots={[r.name for r in self.robots]}, {state})"
        )

    # -- time ------------------------------------------------------------------------------------
    @property
    def time(self) -> float:
        """Simulated time in seconds since the world was created (steps taken x time step)."""
        return self.steps_taken * self.time_step

    def step(self, steps: int = 1) -> None:
        """Advance the physics by ``steps`` fixed time steps."""
        if type(steps) is not int and not isinstance(steps, np.integer) or steps < 0:  # bool is not a step count
            raise ValueError(f"steps={steps!r} must be a non-negative integer number of time steps.")
        step_simulation = self.client.stepSimulation
        for _ in range(steps):
            step_simulation()
        self.steps_taken += int(steps)

    def step_once(self) -> None:
        """``step(1)``, for loops: one fixed time step, with no count to check."""
        self.client.stepSimulation()
        self.steps_taken += 1

    # -- content ---------------------------------------------------------------------------------
    def add_ground(self, lateral_friction: float = 1.0) -> int:
        """Add the flat ground plane (z = 0) once; returns its body id."""
        if self.ground_id is None:
            with quiet_c_output():
                self.ground_id = self.client.loadURDF("plane.urdf")
            self.client.changeDynamics(self.ground_id, -1, lateralFriction=lateral_friction)
        return self.ground_id

    def load_robot(self, name: str | None = None, *, urdf: str | Path | None = None, **options: object) -> Robot:
        """Load a robot from the catalogue by name (see ``twin.sim.robots.ROBOTS``) or from a URDF file.

        ``options`` override the catalogue entry, for example ``base_position=(0, 0, 1)``.
        """
        return load_robot(self, name, urdf=urdf, **options)


def _check_positive_finite(name: str, value: object, hint: str) -> None:
    if not isinstance(value, int | float | np.floating) or isinstance(value, bool):
        raise TypeError(f"{name} must be a number, got {type(value).__name__}; {hint}.")
    if not math.isfinite(value) or value <= 0:
        raise ValueError(f"{name}={value!r} must be a positive finite number; {hint}.")
