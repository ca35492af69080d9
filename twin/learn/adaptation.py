"""Adaptation on the robot: estimate a hidden parameter online, and condition the controller on the estimate.

In the spirit of rapid motor adaptation (Kumar, Fu, Pathak, Malik, RSS 2021): the robot's recent history
(states and actions) gives an estimate of what the twin cannot know in advance, here how hard the cart's
motor really pushes, and the policy acts on that estimate. RMA learns both parts; here both are written
out, so that each can be read:

- ``MotorAuthorityEstimator``: recursive least squares with a forgetting factor on the cart's response to a
  push. Each control step, the measured change of cart velocity is regressed on the commanded force (plus a
  constant, which takes up friction and the pole's small reaction). The force's coefficient, divided by the
  model's, is the motor's *authority*: 1 when the robot answers as the model says, 0.5 when a push moves it
  half as much (a weaker motor, or a heavier cart). The forgetting factor sets how long the memory is: about
  ``1 / (1 - forgetting)`` control steps.
- ``adapted``: the policy's action divided by the estimated authority (clipped), so the force that reaches the
  cart is what the policy meant.

``run_change`` runs one episode in which the motor weakens halfway, and records the estimate, the truth and
the task cost, for the nominal policy, a robust (randomised) one and the adaptive one.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from twin.core.types import DynamicsParameters
from twin.gap.reality import Reality
from twin.learn.ars import LinearPolicy
from twin.learn.envs import NOMINAL, CartPoleBalanceEnv, with_changes

MIN_AUTHORITY = 0.2  # the adaptive policy never amplifies its action more than 1 / this
# The robot of the adaptation study: as modelled, but with a little friction and noisy velocity readings.
ADAPTATION_STANDIN = Reality(
    truth=DynamicsParameters(joint_friction=0.005), position_noise_std=0.001, velocity_noise_std=0.005
)


def model_push_response(env: CartPoleBalanceEnv) -> float:
    """How much one control step of 1 N changes the cart's speed on the twin's *model* (m/s per N)."""
    with CartPoleBalanceEnv(
        NOMINAL, max_force=env.max_force, control_hz=1.0 / env.control_period, start_spread=0.0
    ) as model:
        before, _ = model.reset(seed=0)
        after, *_ = model.step(np.array([1.0]))
        return float((after[2] - before[2]) / model.max_force)


class MotorAuthorityEstimator:
    """Recursive least squares, forgetting factor ``forgetting``, on: speed change = b force + c.

    Args:
        model_response: b on the twin's model, m/s per N per control step (``model_push_response``).
        forgetting: lambda in (0, 1]: 1 remembers everything equally, 0.9 weighs a step 10 steps ago by 0.35.
        prior_confidence: how firmly the estimate starts at the model's value (larger: moves sooner).
    """

    def __init__(self, model_response: float, forgetting: float = 0.9, prior_confidence: float = 100.0) -> None:
        if isinstance(forgetting, bool) or not isinstance(forgetting, int | float) or not 0 < forgetting <= 1:
            raise ValueError(
                f"forgetting={forgetting!r} must be in (0, 1]: 1 never forgets, 0.9 remembers about 10 steps."
            )
        if not isinstance(model_response, int | float) or not 0 < model_response < math.inf:
            raise ValueError(f"model_response={model_response!r} m/s per N must be positive (model_push_response).")
        self.model_response = float(model_response)
        self.forgetting = float(forgetting)
        self.coefficients = np.array([self.model_response, 0.0])
        self.covariance = np.eye(2) * float(prior_confidence)

    @property
    def authority(self) -> float:
        """The estimate: the robot's response to a push over the model's (1 = as modelled)."""
        return float(self.coefficients[0] / self.model_response)

    def update(self, force: float, speed_change: float) -> float:
        """Add one control step: commanded ``force`` (N) and the measured cart ``speed_change`` (m/s) over the
        step. Returns the new authority estimate."""
        features = np.array([force, 1.0])
        gain = self.covariance @ features / (self.forgetting + features @ self.covariance @ features)
        self.coefficients = self.coefficients + gain * (speed_change - features @ self.coefficients)
        self.covariance = (self.covariance - np.outer(gain, features @ self.covariance)) / self.forgetting
        return self.authority


def adapted(policy: LinearPolicy, observation: np.ndarray, authority: float) -> np.ndarray:
    """The policy's action scaled up by 1 / ``authority`` (at most 1 / ``MIN_AUTHORITY``), within [-1, 1]."""
    return np.clip(policy(observation) / max(authority, MIN_AUTHORITY), -1.0, 1.0)


@dataclass(frozen=True)
class ChangeRun:
    """One episode with a change in the middle.

    Attributes:
        name: which controller.
        times: s, at the end of each control step.
        angles: true pole angle, rad.
        estimates: the authority estimate after each step (the estimator runs for every controller; only the
            adaptive one acts on it).
        true_authority: the stand-in's motor strength at each step.
        costs: 1 - reward per step; 1 for every step after the episode ended early (as if the pole lay on the
            ground).
        change_time: s, when the motor weakened.
        fell_at: s, when the episode ended early (None: it ran to the end): the pole fell, or the cart ran off
            the end of its rail.
        ended_by: why it ended early, ``"the pole fell"`` or ``"the cart left its rail"`` (None: it did not).
    """

    name: str
    times: np.ndarray
    angles: np.ndarray
    estimates: np.ndarray
    true_authority: np.ndarray
    costs: np.ndarray
    change_time: float
    fell_at: float | None
    ended_by: str | None = None

    def outcome(self) -> str:
        """How the episode ended, for a table or a legend: "held", or e.g. "the pole fell at 6.0 s"."""
        if self.fell_at is None:
            return "held"
        return f"{self.ended_by or 'ended'} at {self.fell_at:.1f} s"

    def cost_before(self) -> float:
        """Mean task cost per step before the change (0 = upright, centred, still)."""
        return float(self.costs[self.times <= self.change_time].mean())

    def cost_after(self) -> float:
        """Mean task cost per step after the change."""
        return float(self.costs[self.times > self.change_time].mean())

    def error_at(self, time: float) -> float:
        """|estimate - truth| at ``time`` s (NaN after a fall)."""
        k = min(int(np.searchsorted(self.times, time - 1e-9)), len(self.times) - 1)
        return float(abs(self.estimates[k] - self.true_authority[k]))

    def jitter_before(self, settle: float = 1.0) -> float:
        """Standard deviation of the estimate from ``settle`` s until the change: its noise, nothing to track."""
        window = (self.times > settle) & (self.times <= self.change_time)
        return float(np.std(self.estimates[window]))

    def settled_error(self, window: float = 1.0) -> float:
        """Largest |estimate - truth| over the last ``window`` s of the episode."""
        last = self.times > self.times[-1] - window
        return float(np.max(np.abs(self.estimates[last] - self.true_authority[last])))


def run_change(
    policy: LinearPolicy,
    *,
    adaptive: bool,
    name: str = "",
    before: Reality = ADAPTATION_STANDIN,
    strength_after: float = 0.4,
    change_time: float = 4.0,
    duration: float = 10.0,
    forgetting: float = 0.95,
    seed: int = 0,
    env_options: Mapping[str, float] | None = None,
) -> ChangeRun:
    """Balance for ``duration`` s on the stand-in ``before``; at ``change_time`` s its motor strength drops to
    ``strength_after`` (a motor weakening). ``adaptive`` acts on the online estimate; otherwise the policy
    runs as trained (the estimator still runs, to be plotted)."""
    if not 0 < change_time < duration:
        raise ValueError(f"change_time={change_time} s must fall inside the episode (0, {duration}) s.")
    if not 0 < strength_after <= 2:
        raise ValueError(f"strength_after={strength_after!r} must be in (0, 2] (1 = the motor as modelled).")
    env = CartPoleBalanceEnv(before, episode_seconds=duration, **dict(env_options or {}))
    try:
        estimator = MotorAuthorityEstimator(model_push_response(env), forgetting)
        weakened = with_changes(before, strength=strength_after)
        strength_before = (
            before.effects.actuator.strength if before.effects.actuator else 1.0
        ) / before.truth.mass_scale
        observation, _ = env.reset(seed=seed)
        times, angles, estimates, truths, costs = [], [], [], [], []
        fell_at = ended_by = None
        changed = False
        for _ in range(env.max_steps):
            if not changed and env.time >= change_time - 1e-9:
                env.set_reality(weakened)
                changed = True
            action = adapted(policy, observation, estimator.authority) if adaptive else policy(observation)
            new, reward, terminated, _, _ = env.step(action)
            estimator.update(env.max_force * float(action[0]), new[2] - observation[2])
            times.append(env.time)
            angles.append(float(new[1]))
            estimates.append(estimator.authority)
            truths.append(strength_after / before.truth.mass_scale if changed else strength_before)
            costs.append(1.0 - reward)
            observation = new
            if terminated:
                fell_at = env.time
                cart_position = env.standin.true_state().positions[0]
                ended_by = "the cart left its rail" if abs(cart_position) > env.max_position else "the pole fell"
                break
        # after a failure, every remaining step costs 1 (no reward at all), as if the pole lay on the ground
        remaining = env.max_steps - len(times)
        times += [env.control_period * (len(times) + k + 1) for k in range(remaining)]
        angles += [math.nan] * remaining
        estimates += [math.nan] * remaining
        truths += [strength_after / before.truth.mass_scale] * remaining
        costs += [1.0] * remaining
    finally:
        env.close()
    return ChangeRun(
        name or ("adaptive" if adaptive else "as trained"),
        np.array(times),
        np.array(angles),
        np.array(estimates),
        np.array(truths),
        np.array(costs),
        change_time,
        fell_at,
        ended_by,
    )
