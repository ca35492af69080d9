"""Safety while learning: the twin's safety gate screens every action before it reaches the robot.

Learning on a robot means trying actions nobody has tried. ``GatedEnv`` wraps one of ``twin.learn``'s
environments: before each action reaches the stand-in, the twin's ``SafetyGate`` (notebook 5) forecasts it on
the twin's *model*, from the robot's measured state, held for ``horizon`` s, and checks the forecast against the
robot's limits in its URDF (the cart-pole's cart may not exceed 5 m/s; ``velocity_margin`` keeps a reserve). An
action the forecast finds unsafe never reaches the robot: the gate tries the fallbacks instead (no force, then a
push against the cart's motion) and sends the first one it accepts. ``stopped`` counts the replaced actions.
"""

from __future__ import annotations

from typing import Any

import gymnasium
import numpy as np

from twin.core.checks import check_count, check_number
from twin.core.types import JointState
from twin.learn.ars import LinearPolicy
from twin.learn.envs import SIM_TIME_STEP, CartPoleBalanceEnv
from twin.operation.safety_gate import SafetyGate
from twin.virtual_model.virtual import VirtualModel


class GatedEnv(gymnasium.Wrapper, gymnasium.utils.RecordConstructorArgs):
    """A cart-pole environment whose actions pass the twin's safety gate first.

    Args:
        env: a ``CartPoleBalanceEnv`` (or ``gymnasium.make("twin/CartPoleBalance-v0", ...)``).
        horizon: s, how far ahead the gate forecasts each action, held.
        velocity_margin: fraction of the URDF speed limits allowed (0.6: at most 3 m/s for the cart).
    """

    def __init__(self, env: gymnasium.Env, horizon: float = 0.2, velocity_margin: float = 0.6) -> None:
        gymnasium.utils.RecordConstructorArgs.__init__(self, horizon=horizon, velocity_margin=velocity_margin)
        gymnasium.Wrapper.__init__(self, env)
        inner = env.unwrapped
        if not isinstance(inner, CartPoleBalanceEnv):
            raise TypeError(f"GatedEnv screens the cart-pole balance task; got {type(inner).__name__}.")
        if isinstance(horizon, bool) or not isinstance(horizon, int | float) or not 0 < horizon <= 2:
            raise ValueError(f"horizon={horizon!r} s must be in (0, 2]: how far ahead to forecast each action.")
        self.task = inner
        self.model = VirtualModel(inner.robot_name, time_step=SIM_TIME_STEP)
        self.gate = SafetyGate(self.model, velocity_margin)
        self.horizon_steps = max(1, round(horizon / SIM_TIME_STEP))
        self.stopped = 0  # actions the gate replaced
        self.screened = 0  # actions the gate looked at
        self.last_violations: tuple = ()

    def _allowed(self, action: np.ndarray, state: JointState) -> bool:
        force = np.array([self.task.max_force * float(action[0]), 0.0])
        decision = self.gate.screen(lambda t, s: force, state, self.horizon_steps)
        if not decision.allowed:
            self.last_violations = decision.violations
        return decision.allowed

    def step(self, action: np.ndarray) -> tuple[np.ndarray, float, bool, bool, dict[str, Any]]:
        action = np.clip(np.asarray(action, dtype=float).reshape(1), -1.0, 1.0)
        reading = self.task.standin.measure()
        state = JointState(reading.positions, reading.velocities)
        self.screened += 1
        chosen = action
        if not self._allowed(action, state):
            self.stopped += 1
            brake = np.array([-np.sign(reading.velocities[0]) or 0.0])
            chosen = next((a for a in (np.zeros(1), brake) if self._allowed(a, state)), brake)
        observation, reward, terminated, truncated, info = self.env.step(chosen.astype(np.float32))
        info = {**info, "gate_stopped": not np.array_equal(chosen, action)}
        return observation, reward, terminated, truncated, info

    def close(self) -> None:
        self.model.plant.close()
        super().close()


def exploration_run(
    policy_weights: np.ndarray,
    noise: float,
    episodes: int,
    *,
    gated: bool,
    plant: object = "standin",
    seed: int = 0,
    speed_limit: float = 3.0,
) -> dict[str, float]:
    """Try ``episodes`` randomly perturbed versions of a linear policy (ARS's exploration) on the robot.

    Returns counts: actions screened and stopped by the gate, control steps on which the robot's cart truly
    went faster than ``speed_limit`` m/s, and the episodes that ended early, split by why: ``"falls"`` (the pole
    fell) and ``"off the rail"`` (the cart ran off the end of its rail). The same seed gives the same
    perturbations and starts.
    """
    episodes = check_count("episodes", episodes, "perturbed policies to try", low=1)
    check_number("noise", noise, "(weight units)", low=0.0, hint="the perturbations' size, e.g. 1.0")
    if isinstance(policy_weights, LinearPolicy):
        policy_weights = policy_weights.weights
    rng = np.random.default_rng(seed)
    base = gymnasium.make("twin/CartPoleBalance-v0", plant=plant, disable_env_checker=True)
    env = GatedEnv(base) if gated else base
    counts = {"episodes": episodes, "steps": 0, "screened": 0, "stopped": 0, "too fast": 0, "falls": 0}
    counts["off the rail"] = 0
    task = env.unwrapped
    try:
        for _ in range(episodes):
            weights = np.asarray(policy_weights, dtype=float) + noise * rng.standard_normal(np.shape(policy_weights))
            observation, _ = env.reset(seed=int(rng.integers(2**31 - 1)))
            done = False
            while not done:
                action = np.clip(weights @ observation, -1.0, 1.0)
                observation, _, terminated, truncated, _ = env.step(action)
                done = terminated or truncated
                counts["steps"] += 1
                true_state = task.standin.true_state()
                counts["too fast"] += int(abs(true_state.velocities[0]) > speed_limit)
                if terminated:
                    off_rail = abs(true_state.positions[0]) > task.max_position
                    counts["off the rail" if off_rail else "falls"] += 1
        if gated:
            counts["screened"], counts["stopped"] = env.screened, env.stopped
    finally:
        env.close()
    return counts
