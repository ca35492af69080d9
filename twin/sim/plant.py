"""A robot in its own world with explicit dynamics parameters.

Both halves of a digital twin are built from this class: the *virtual model* runs it with the
parameters the engineers believe (nominal), the *physical stand-in* runs it with the true ones,
which the twin never reads. Calibration (a later chapter) fits the same knobs.
"""

from __future__ import annotations

from collections.abc import Sequence
from types import TracebackType

import numpy as np

from twin.core.types import DEFAULT_TIME_STEP, DynamicsParameters, JointState
from twin.sim._bullet import pybullet
from twin.sim.robots import ROBOTS, Robot
from twin.sim.world import World


class SimulatedRobot:
    """One fixed-base catalogue robot with one-DoF joints, torque-driven, in a private ``World``.

    Args:
        robot: catalogue name with only one-DoF joints and a fixed base (pendulum, cartpole, arm).
        parameters: the dynamics this simulation uses.
        time_step: seconds per step.
        seed: seed of the world's random generator.
        initial_positions: joint positions (rad or m) to start from; default all zero.
    """

    def __init__(
        self,
        robot: str,
        parameters: DynamicsParameters | None = None,
        time_step: float = DEFAULT_TIME_STEP,
        seed: int = 0,
        initial_positions: Sequence[float] | np.ndarray | None = None,
    ) -> None:
        spec = ROBOTS.get(robot)
        if spec is not None and not spec.fixed_base:
            twin_ready = sorted(name for name, s in ROBOTS.items() if s.fixed_base)
            raise ValueError(
                f"{robot!r} has a floating base, which the twin loop does not estimate yet. "
                f"Use one of {twin_ready}, or show the humanoid with twin.World().load_robot('humanoid')."
            )
        self.world = World(time_step=time_step, seed=seed)
        try:
            self.robot: Robot = self.world.load_robot(robot)
            self._nominal = [
                (link.index, link.mass, np.array(link.inertia_diagonal)) for link in self.robot.links if link.mass > 0
            ]
            # pybullet damps every link by default and applies a URDF's <dynamics damping> explicitly;
            # switch both off so that damping is exactly what ``parameters`` says.
            for link in self.robot.links:
                self.world.client.changeDynamics(
                    self.robot.body_id, link.index, linearDamping=0.0, angularDamping=0.0, jointDamping=0.0
                )
            self.parameters = DynamicsParameters()  # the URDF's values, as loaded
            # pybullet builds its inverse-dynamics model (calculateInverseDynamics, calculateMassMatrix) at the
            # first call and ignores later changeDynamics. Make that first call now, with the URDF's masses:
            # every mass and inertia is later scaled by the same factor, so scaling the results is exact.
            zero = np.zeros(self.robot.dof)
            self._joint_inertia_at_zero = np.diag(self.mass_matrix(zero)) if self.robot.dof else zero
            self.robot.enable_torque_control()
            self.set_parameters(parameters or DynamicsParameters())
            if initial_positions is not None:
                self.robot.set_state(initial_positions)
        except BaseException:
            self.world.close()
            raise
        self.last_torques = np.zeros(self.robot.dof)
        self._zeros = [0.0] * self.robot.dof  # joint velocities and accelerations of a robot held still

    # -- parameters ------------------------------------------------------------------------------
    def set_parameters(self, parameters: DynamicsParameters) -> None:
        """Apply masses, inertias and joint friction to the simulation; damping acts in ``step``."""
        self._check_damping_is_stable(parameters)
        c = self.world.client
        body = self.robot.body_id
        for index, mass, inertia in self._nominal:
            c.changeDynamics(
                body,
                index,
                mass=mass * parameters.mass_scale,
                localInertiaDiagonal=(inertia * parameters.mass_scale).tolist(),
            )
        # pybullet's idiom for Coulomb friction: a velocity motor that aims at zero speed with a
        # force capped at the friction torque. Applied torques act on top of it.
        if self.robot.dof:
            c.setJointMotorControlArray(
                body,
                self.robot.joint_indices,
                pybullet.VELOCITY_CONTROL,
                targetVelocities=[0.0] * self.robot.dof,
                forces=[parameters.joint_friction] * self.robot.dof,
            )
        self.parameters = parameters

    def _check_damping_is_stable(self, parameters: DynamicsParameters) -> None:
        """Explicit damping b over a step dt on inertia I is stable and smooth only while b dt / I <= 1."""
        if not self.robot.dof or not parameters.joint_damping:
            return
        inertia = self._joint_inertia_at_zero * parameters.mass_scale
        ratios = parameters.joint_damping * self.time_step / inertia
        worst = int(np.argmax(ratios))
        if ratios[worst] > 1.0:
            raise ValueError(
                f"joint_damping={parameters.joint_damping} N m s/rad is too large for a {self.time_step:.4g} s step: "
                f"joint {self.robot.joint_names[worst]!r} has inertia {inertia[worst]:.3g} kg m^2, and explicit "
                f"damping needs b <= I/dt = {inertia[worst] / self.time_step:.3g}. Use a smaller damping or time step."
            )

    # -- stepping --------------------------------------------------------------------------------
    @property
    def dof(self) -> int:
        return self.robot.dof

    @property
    def time(self) -> float:
        """Simulated seconds since this robot's world started."""
        return self.world.time

    @property
    def time_step(self) -> float:
        return self.world.time_step

    def state(self) -> JointState:
        return self.robot.state()

    def set_state(
        self, positions: Sequence[float] | np.ndarray, velocities: Sequence[float] | np.ndarray | None = None
    ) -> None:
        self.robot.set_state(positions, velocities)

    def step(self, torques: Sequence[float] | np.ndarray | None = None) -> None:
        """Apply joint torques (N m) for one time step, plus viscous damping, and advance the physics."""
        tau = np.zeros(self.dof) if torques is None else self.robot.joint_vector("torques", torques)
        self.advance(tau)

    def advance(self, torques: np.ndarray, velocities: np.ndarray | None = None) -> None:
        """``step`` without its checks, for loops that checked the torques where they came in.

        Args:
            torques: a float array of one finite torque per joint, N m.
            velocities: the joint velocities now, rad/s, when the caller has just read them (the damping needs
                them; ``None`` reads them here).
        """
        self.last_torques = torques
        damping = self.parameters.joint_damping
        if damping:
            if velocities is None:
                velocities = self.robot.state().velocities
            torques = torques - damping * velocities
        self.robot.write_torques(torques)
        self.world.step_once()

    def gravity_torques(self, positions: Sequence[float] | np.ndarray) -> np.ndarray:
        """Joint torques (N m) that hold this robot still at ``positions`` against gravity, with its own masses."""
        return self.gravity_torques_at(self.robot.joint_vector("positions", positions))

    def gravity_torques_at(self, positions: np.ndarray) -> np.ndarray:
        """``gravity_torques`` without its checks: ``positions`` (rad) is a float array from this robot's state."""
        zeros = self._zeros
        loaded = np.array(
            self.world.client.calculateInverseDynamics(self.robot.body_id, positions.tolist(), zeros, zeros),
            dtype=float,
        )
        scale = self.parameters.mass_scale
        return loaded if scale == 1.0 else scale * loaded  # x 1.0 would change no bit: skipped, it costs a numpy call

    def mass_matrix(self, positions: Sequence[float] | np.ndarray) -> np.ndarray:
        """Joint-space inertia matrix M(q) (kg m^2 for revolute joints) with this robot's own masses."""
        q = self.robot.joint_vector("positions", positions)
        loaded = self.world.client.calculateMassMatrix(self.robot.body_id, q.tolist())
        return self.parameters.mass_scale * np.array(loaded, dtype=float)

    # -- lifecycle -------------------------------------------------------------------------------
    def close(self) -> None:
        self.world.close()

    def __enter__(self) -> SimulatedRobot:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()
