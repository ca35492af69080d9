"""Gymnasium environments over the twin: the same task on the model or on a physical stand-in.

Two tasks, both registered with gymnasium (``gymnasium.make("twin/CartPoleBalance-v0")``):

- ``CartPoleBalanceEnv``: keep the pybullet cart-pole's pole upright by pushing the cart (balance).
- ``ArmReachEnv``: move the KUKA arm's hand to a target point in front of it (reaching).

Each runs on a ``PhysicalStandIn`` built from a ``twin.gap.Reality``, chosen at construction:

- ``plant="model"``: the twin's own nominal dynamics, exact sensor (where policies are trained);
- ``plant="standin"``: the task's default stand-in (``CARTPOLE_STANDIN``, ``ARM_STANDIN``): heavier, with
  friction, a weaker motor and noisy sensors, none of which the twin knows;
- ``plant=Reality(...)``: any other stand-in, for example one drawn from a reality distribution.

``randomization=Randomization(...)`` draws a new reality from its ranges at every ``reset`` (domain
randomisation, seeded by the reset's seed). ``render_mode="meshcat"`` calls every function in
``render_callbacks`` on ``render()``: ``twin.viz.learn.attach_view(env)`` puts a meshcat scene there (this
package draws nothing itself). Nothing here depends on a particular trainer: any gymnasium-compatible
library (stable-baselines3, for one) trains on these environments as they are.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import replace
from typing import Any

import gymnasium
import numpy as np
from gymnasium import spaces

from twin.actuators import ActuatorParameters
from twin.core.checks import check_number, check_seed
from twin.core.messages import JointCommand
from twin.gap.randomization import Randomization
from twin.gap.reality import Reality
from twin.physical_system.standin import PhysicalStandIn, UnmodeledEffects
from twin.sensors.joint_state import JointStateSensor
from twin.sim.plant import DynamicsParameters, SimulatedRobot

SIM_TIME_STEP = 1.0 / 120.0  # s: physics step of the learning environments (no contacts: coarser than 1/240 is fine)
NOMINAL = Reality()  # the twin's model: URDF masses, no friction, ideal motor, exact sensors

CARTPOLE_STANDIN = Reality(
    truth=DynamicsParameters(mass_scale=1.2, joint_friction=0.05, joint_damping=0.02),
    effects=UnmodeledEffects(actuator=ActuatorParameters(strength=0.8, latency=0.02)),
    position_noise_std=0.002,
    velocity_noise_std=0.01,
)
ARM_STANDIN = Reality(
    truth=DynamicsParameters(mass_scale=1.15, joint_friction=0.3, joint_damping=0.1),
    effects=UnmodeledEffects(payload=2.0),
    position_noise_std=0.001,
    velocity_noise_std=0.005,
)


def _reality(plant: str | Reality, standin: Reality) -> Reality:
    if isinstance(plant, Reality):
        return plant
    if plant == "model":
        return NOMINAL
    if plant == "standin":
        return standin
    raise ValueError(
        f"plant={plant!r}: choose 'model' (the twin's nominal dynamics), 'standin' (the task's physical "
        "stand-in) or a twin.gap.Reality(...) for any other stand-in."
    )


class TwinEnv(gymnasium.Env):
    """What both tasks share: a stand-in built from a reality, randomisation at reset, render callbacks.

    Subclasses set ``robot_name``, ``default_standin``, the spaces, and implement ``_start``, ``_observe``,
    ``_torques`` and ``_judge``.
    """

    metadata = {"render_modes": ["meshcat"], "render_fps": 30}
    robot_name = ""
    default_standin = NOMINAL

    def __init__(
        self,
        plant: str | Reality = "model",
        *,
        randomization: Randomization | None = None,
        render_mode: str | None = None,
        control_hz: float = 30.0,
        episode_seconds: float = 5.0,
    ) -> None:
        if render_mode is not None and render_mode not in self.metadata["render_modes"]:
            raise ValueError(f"render_mode={render_mode!r}: use None or one of {self.metadata['render_modes']}.")
        if randomization is not None and not isinstance(randomization, Randomization):
            raise TypeError(f"randomization must be a twin.gap.Randomization, got {type(randomization).__name__}.")
        physics_hz = 1.0 / SIM_TIME_STEP
        control_hz = check_number(
            "control_hz", control_hz, "Hz", low=0.0, high=physics_hz, low_open=True,
            hint=f"the physics steps at {physics_hz:g} Hz, so the policy can act at most that often; e.g. 30",
        )  # fmt: skip
        episode_seconds = check_number("episode_seconds", episode_seconds, "s", low=0.0, low_open=True, hint="e.g. 5")
        self.render_mode = render_mode
        self.randomization = randomization
        self.base_reality = _reality(plant, self.default_standin)
        self.reality = self.base_reality
        self.steps_per_action = max(1, round(1.0 / (control_hz * SIM_TIME_STEP)))
        self.control_period = self.steps_per_action * SIM_TIME_STEP  # s between two actions
        self.max_steps = max(1, round(episode_seconds / self.control_period))
        self.render_callbacks: list[Callable[[TwinEnv], None]] = []
        self.standin = PhysicalStandIn.from_reality(self.base_reality, self.robot_name, time_step=SIM_TIME_STEP)
        self._hold = self.base_reality.hold_steps(SIM_TIME_STEP)
        self.steps = 0
        self.time = 0.0  # s since reset
        self._started = False  # step() refuses to run before the first reset

    # -- the reality the environment runs on ---------------------------------------------------------
    def set_reality(self, reality: Reality) -> None:
        """Make the stand-in behave like ``reality`` from now on (also in the middle of an episode)."""
        if not isinstance(reality, Reality):
            raise TypeError(f"reality must be a twin.gap.Reality, got {type(reality).__name__}.")
        truth = reality.truth
        self.standin.update_truth(
            mass_scale=truth.mass_scale, joint_friction=truth.joint_friction, joint_damping=truth.joint_damping
        )
        self.standin.set_effects(reality.effects)
        # a sensor's noise is fixed when it is made: a new one, continuing the old one's random stream
        sensor = JointStateSensor(reality.position_noise_std, reality.velocity_noise_std, seed=self.standin.sensor.seed)
        sensor.rng = self.standin.sensor.rng
        self.standin.sensor = sensor
        self._hold = reality.hold_steps(SIM_TIME_STEP)
        self.reality = reality

    # -- gymnasium API -------------------------------------------------------------------------------
    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None) -> tuple[np.ndarray, dict]:
        if seed is not None:
            seed = check_seed(seed)  # numpy's integers too
        super().reset(seed=seed)
        if self.randomization is not None:
            draw = int(self.np_random.integers(2**31 - 1))
            self.set_reality(self.randomization.sample(1, draw)[0])
        elif self.reality is not self.base_reality:
            self.set_reality(self.base_reality)
        positions, velocities = self._start()
        self.standin.reset(positions, velocities, sensor_seed=int(self.np_random.integers(2**31 - 1)))
        self.steps = 0
        self.time = 0.0
        self._held_command = np.zeros(self.standin.robot.dof)
        self._hold_left = 0
        self._started = True
        observation = self._observe()
        return observation, self._info()

    def step(self, action: np.ndarray) -> tuple[np.ndarray, float, bool, bool, dict]:
        if not self._started:
            raise RuntimeError("call reset() before step(): the episode has not started.")
        raw = np.asarray(action, dtype=float)
        if raw.size != self.action_space.shape[0]:
            raise ValueError(
                f"action of shape {raw.shape}: this environment takes {self.action_space.shape[0]} number(s) in "
                f"[-1, 1], e.g. np.zeros({self.action_space.shape[0]})."
            )
        if not np.all(np.isfinite(raw)):
            raise ValueError(f"action={raw.tolist()} must be finite numbers in [-1, 1] (a policy gave NaN or inf).")
        action = np.clip(raw.reshape(self.action_space.shape), -1.0, 1.0)
        self._act(action)
        for _ in range(self.steps_per_action):
            if self._hold_left == 0:  # the robot's own controller period: it may hold a command for longer
                self._held_command = self._torques(action)
                self._hold_left = self._hold
            self.standin.apply(JointCommand(self.standin.time, self._held_command))
            self.standin.step()
            self._hold_left -= 1
        self.steps += 1
        self.time = self.steps * self.control_period
        observation = self._observe()
        reward, terminated = self._judge(action)
        truncated = self.steps >= self.max_steps and not terminated
        if self.render_mode == "meshcat":
            self.render()
        return observation, float(reward), bool(terminated), bool(truncated), self._info()

    def render(self) -> None:
        """Hand the current state to every view in ``render_callbacks`` (see ``twin.viz.learn.attach_view``)."""
        for callback in self.render_callbacks:
            callback(self)

    def close(self) -> None:
        self.standin.close()

    def _info(self) -> dict:
        return {"time": self.time}

    # -- the task ------------------------------------------------------------------------------------
    def _start(self) -> tuple[np.ndarray, np.ndarray]:  # pragma: no cover - each task defines it
        raise NotImplementedError

    def _observe(self) -> np.ndarray:  # pragma: no cover
        raise NotImplementedError

    def _act(self, action: np.ndarray) -> None:
        """Once per control step, before the physics steps: what the action changes (default: nothing)."""

    def _torques(self, action: np.ndarray) -> np.ndarray:  # pragma: no cover
        raise NotImplementedError

    def _judge(self, action: np.ndarray) -> tuple[float, bool]:  # pragma: no cover
        raise NotImplementedError


class CartPoleBalanceEnv(TwinEnv):
    """Balance the pole on the cart (``classic_cartpole``: 1 kg cart, 0.1 kg uniform pole 1 m long).

    Observation: cart position (m), pole angle from upright (rad), their velocities (m/s, rad/s), as measured.
    Action: cart force as a fraction of ``max_force`` N, in [-1, 1].
    Reward per step: 1 - 0.5 (angle / max_angle)^2 - 0.25 (position / max_position)^2 - 0.01 action^2.
    The episode ends when the pole leans past ``max_angle`` rad or the cart leaves +-``max_position`` m.
    """

    robot_name = "classic_cartpole"
    default_standin = CARTPOLE_STANDIN
    OBSERVATION_BOUND = np.array([10.0, math.pi, 50.0, 50.0])  # m, rad, m/s, rad/s: readings are clipped to it

    def __init__(
        self,
        plant: str | Reality = "model",
        *,
        randomization: Randomization | None = None,
        render_mode: str | None = None,
        max_force: float = 10.0,
        max_angle: float = 0.4,
        max_position: float = 2.4,
        start_spread: float = 0.1,
        control_hz: float = 30.0,
        episode_seconds: float = 6.0,
    ) -> None:
        for name, value in (("max_force", max_force), ("max_angle", max_angle), ("max_position", max_position)):
            if isinstance(value, bool) or not isinstance(value, int | float) or not 0 < value < math.inf:
                raise ValueError(f"{name}={value!r} must be a positive number.")
        if max_angle > math.pi:
            raise ValueError(
                f"max_angle={max_angle!r} rad is beyond pi: the pole's angle is measured within +-pi, so no episode "
                f"would ever end. Angles are in rad ({max_angle:g} degrees is np.radians({max_angle:g}) = "
                f"{math.radians(max_angle):.3f}); up to pi lets the pole fall freely."
            )
        if not 0 <= start_spread < max_angle:
            raise ValueError(f"start_spread={start_spread!r} rad must be >= 0 and below max_angle={max_angle}.")
        self.max_force = float(max_force)  # N
        self.max_angle = float(max_angle)  # rad
        self.max_position = float(max_position)  # m
        self.start_spread = float(start_spread)  # rad, m, rad/s, m/s: the start state is uniform in +-this
        super().__init__(
            plant,
            randomization=randomization,
            render_mode=render_mode,
            control_hz=control_hz,
            episode_seconds=episode_seconds,
        )
        self.action_space = spaces.Box(-1.0, 1.0, shape=(1,), dtype=np.float32)
        self.observation_space = spaces.Box(-self.OBSERVATION_BOUND, self.OBSERVATION_BOUND, dtype=np.float64)

    def _start(self) -> tuple[np.ndarray, np.ndarray]:
        spread = self.start_spread
        x, theta, xd, thetad = self.np_random.uniform(-spread, spread, size=4)
        return np.array([x, theta]), np.array([xd, thetad])

    def _observe(self) -> np.ndarray:
        reading = self.standin.measure()
        x, theta = reading.positions
        theta = (theta + math.pi) % (2 * math.pi) - math.pi
        observation = np.array([x, theta, *reading.velocities], dtype=np.float64)
        return np.clip(observation, -self.OBSERVATION_BOUND, self.OBSERVATION_BOUND)

    def _torques(self, action: np.ndarray) -> np.ndarray:
        return np.array([self.max_force * float(action[0]), 0.0])  # the pole's hinge has no motor

    def _judge(self, action: np.ndarray) -> tuple[float, bool]:
        x, theta = self.standin.true_state().positions
        theta = (theta + math.pi) % (2 * math.pi) - math.pi
        fallen = abs(theta) > self.max_angle or abs(x) > self.max_position
        reward = (
            1.0
            - 0.5 * (theta / self.max_angle) ** 2
            - 0.25 * (x / self.max_position) ** 2
            - 0.01 * float(action[0]) ** 2
        )
        return reward, fallen


class ArmReachEnv(TwinEnv):
    """Bring the KUKA iiwa's hand to a target point (reaching), moving the base, shoulder and elbow joints.

    The robot's own joint controller (PD with gravity compensation computed from the *model's* masses)
    tracks joint references; the policy moves those references. The other four joints are held at zero.

    Observation: the three moving joints' angles from the start pose (rad) and their velocities (rad/s), and
    the hand's offset from the target (x y z, in ``OFFSET_UNIT`` = 0.1 m, so that every entry is of order one,
    which random search needs), as measured (the hand by forward kinematics of the measured angles).
    Action: reference changes, ``action * max_reference_step`` rad per control step, in [-1, 1].
    Reward per step: minus the hand's distance to the target (m), minus 0.01 action^2; 0.5 bonus within
    ``success_radius`` m. Episodes run to their time limit (no termination).
    """

    robot_name = "arm"
    default_standin = ARM_STANDIN
    MOVING_JOINTS = (0, 1, 3)  # A1 (base yaw), A2 (shoulder), A4 (elbow)
    TARGET_LOW = np.array([0.35, -0.35, 0.45])  # m: targets are drawn uniformly in this box
    TARGET_HIGH = np.array([0.65, 0.35, 0.85])
    HAND_LINK = 6
    START = np.array([0.0, 0.4, 0.0, -1.2, 0.0, 0.0, 0.0])  # rad: hand in front of the arm, elbow bent
    OFFSET_UNIT = 0.1  # m: the hand's offset is observed in tenths of a metre, so every entry is of order one
    JOINT_BANDWIDTH = 20.0  # rad/s: the joint controller's natural frequency (critically damped)
    OBSERVATION_BOUND = np.array([2 * math.pi] * 3 + [50.0] * 3 + [30.0] * 3)  # rad, rad/s, 0.1 m: readings are clipped

    def __init__(
        self,
        plant: str | Reality = "model",
        *,
        randomization: Randomization | None = None,
        render_mode: str | None = None,
        max_reference_step: float = 0.05,
        success_radius: float = 0.05,
        control_hz: float = 30.0,
        episode_seconds: float = 3.0,
    ) -> None:
        if isinstance(max_reference_step, bool) or not 0 < max_reference_step <= 0.5:
            raise ValueError(f"max_reference_step={max_reference_step!r} rad must be in (0, 0.5].")
        if isinstance(success_radius, bool) or not 0 < success_radius < 1:
            raise ValueError(f"success_radius={success_radius!r} m must be in (0, 1).")
        self.max_reference_step = float(max_reference_step)
        self.success_radius = float(success_radius)
        super().__init__(
            plant,
            randomization=randomization,
            render_mode=render_mode,
            control_hz=control_hz,
            episode_seconds=episode_seconds,
        )
        # the twin's model: what the robot's controller believes for gravity compensation and kinematics
        self.model = SimulatedRobot("arm", NOMINAL.truth, time_step=SIM_TIME_STEP)
        self._inertia = self.model.mass_matrix(self.START)  # kg m^2, refreshed once per control step
        self.action_space = spaces.Box(-1.0, 1.0, shape=(3,), dtype=np.float32)
        self.observation_space = spaces.Box(-self.OBSERVATION_BOUND, self.OBSERVATION_BOUND, dtype=np.float64)
        self.target = 0.5 * (self.TARGET_LOW + self.TARGET_HIGH)
        self.reference = self.START.copy()

    def _start(self) -> tuple[np.ndarray, np.ndarray]:
        self.target = self.np_random.uniform(self.TARGET_LOW, self.TARGET_HIGH)
        self.reference = self.START.copy()
        return self.START.copy(), np.zeros(7)

    def hand_position(self, positions: np.ndarray) -> np.ndarray:
        """Where the hand is (m, world frame) at joint ``positions`` (rad), by the model's kinematics."""
        self.model.set_state(positions)
        return np.array(self.model.world.client.getLinkState(self.model.robot.body_id, self.HAND_LINK)[4])

    def _observe(self) -> np.ndarray:
        reading = self.standin.measure()
        self._measured = reading
        moving = list(self.MOVING_JOINTS)
        offset = self.hand_position(reading.positions) - self.target
        from_start = reading.positions[moving] - self.START[moving]
        observation = np.concatenate([from_start, reading.velocities[moving], offset / self.OFFSET_UNIT])
        return np.clip(observation, -self.OBSERVATION_BOUND, self.OBSERVATION_BOUND)

    def _act(self, action: np.ndarray) -> None:
        self.reference[list(self.MOVING_JOINTS)] += self.max_reference_step * action
        lower, upper = self.standin.robot.joint_limits()
        self.reference = np.clip(self.reference, lower, upper)
        self._inertia = self.model.mass_matrix(self._measured.positions)

    def _torques(self, action: np.ndarray) -> np.ndarray:
        """The robot's joint controller, every physics step: computed torque with the model's inertia and gravity.

        tau = M (w^2 (reference - q) - 2 w qdot) + g(q): every joint (and every coupled motion of joints) answers
        like a critically damped spring of natural frequency w = ``JOINT_BANDWIDTH``, if the model is right.
        """
        reading = self.standin.measure()
        w = self.JOINT_BANDWIDTH
        wanted = w * w * (self.reference - reading.positions) - 2.0 * w * reading.velocities  # rad/s^2
        return self._inertia @ wanted + self.model.gravity_torques(reading.positions)

    def _judge(self, action: np.ndarray) -> tuple[float, bool]:
        distance = self.hand_distance()
        return -distance + (0.5 if distance < self.success_radius else 0.0), False

    def hand_distance(self) -> float:
        """The true hand's distance from the target, m."""
        return float(np.linalg.norm(self.hand_position(self.standin.true_state().positions) - self.target))

    def _info(self) -> dict:
        return {"time": self.time, "target": self.target.copy()}

    def close(self) -> None:
        super().close()
        self.model.close()


def with_changes(reality: Reality, **actuator: float) -> Reality:
    """``reality`` with some actuator fields changed, e.g. ``with_changes(r, strength=0.5)`` (a motor weakening)."""
    current = reality.effects.actuator or ActuatorParameters()
    return replace(reality, effects=reality.effects.with_changes(actuator=replace(current, **actuator)))
