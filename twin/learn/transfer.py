"""Sim-to-real for policies: train on the nominal model or over randomised models, judge on hidden stand-ins.

``CARTPOLE_REALITY`` is where the "robots" come from: how far real cart-poles may differ from the twin's model
(heavier, a weaker or slower motor, noisy velocity readings). It plays the factory floor: a policy never trains
on it. ``CARTPOLE_TRAINING`` is the engineers' guess at those ranges, used for domain randomisation
(``twin.gap.Randomization``), drawn anew at every training episode.

``judge`` runs a policy on stand-ins drawn from a reality distribution (held-out seeds, the same stand-ins for
every policy) and reports its success rate (the episode ran its full length: the pole stayed up and the cart on
its rail) with a Wilson interval and its mean return with a t interval.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from twin.analytics.statistics import mean_interval, wilson_interval
from twin.fleet.executors import Executor
from twin.gap.randomization import Randomization, Range
from twin.learn.ars import LinearPolicy, policy_episodes
from twin.tables import Table, make_table

BALANCE = "twin/CartPoleBalance-v0"
HELD_OUT_SEEDS_START = 1_000_000  # stand-in seeds for judging; training draws its episode seeds at random

CARTPOLE_REALITY = Randomization(
    {
        "mass_scale": Range(0.8, 1.5),
        "joint_friction": Range(0.0, 0.01),
        "strength": Range(0.5, 1.0),
        "latency": Range(0.0, 0.05),
        "velocity_noise_std": Range(0.0, 0.05),
    },
    name="cart-poles in the field",
)
CARTPOLE_TRAINING = Randomization(
    {
        "mass_scale": Range(0.7, 1.7),
        "joint_friction": Range(0.0, 0.015),
        "strength": Range(0.3, 1.1),
        "latency": Range(0.0, 0.08),
        "velocity_noise_std": Range(0.0, 0.05),
    },
    name="training ranges",
)


def held_out_seeds(count: int) -> list[int]:
    """``count`` stand-in seeds for judging (never the seeds training used)."""
    if isinstance(count, bool) or not isinstance(count, int) or count < 1:
        raise ValueError(f"count={count!r} must be a positive whole number of stand-ins, e.g. 40.")
    return list(range(HELD_OUT_SEEDS_START, HELD_OUT_SEEDS_START + count))


@dataclass(frozen=True)
class Verdict:
    """How one policy did on the stand-ins.

    Attributes:
        name: the policy's label.
        returns: one return per stand-in.
        held: True where the episode ran its full length (the cart-pole: the pole stayed up and the cart on its
            rail).
    """

    name: str
    returns: np.ndarray
    held: np.ndarray

    @property
    def success_rate(self) -> float:
        return float(self.held.mean())

    @property
    def success_interval(self) -> tuple[float, float]:
        """95 % Wilson interval of the success rate."""
        return wilson_interval(int(self.held.sum()), int(self.held.size))

    @property
    def return_interval(self) -> tuple[float, float, float]:
        """(mean, low, high): 95 % t interval of the mean return."""
        return mean_interval(self.returns)


def judge(
    policies: Mapping[str, LinearPolicy],
    reality: Randomization = CARTPOLE_REALITY,
    standins: int = 40,
    *,
    env_id: str = BALANCE,
    env_options: Mapping[str, object] | None = None,
    executor: Executor | None = None,
) -> list[Verdict]:
    """Each policy on the same ``standins`` stand-ins drawn from ``reality`` (one episode each)."""
    if not policies:
        raise ValueError("policies is empty: give at least one, e.g. {'nominal': policy}.")
    seeds = held_out_seeds(standins)
    verdicts = []
    for name, policy in policies.items():
        kwargs = {**dict(env_options or {}), "randomization": reality}
        episodes = policy_episodes(policy, env_id, kwargs, seeds, executor)
        full_length = _episode_steps(env_id, env_options)
        verdicts.append(Verdict(name, episodes.returns, episodes.lengths >= full_length))
    return verdicts


def _episode_steps(env_id: str, env_options: Mapping[str, object] | None) -> int:
    import gymnasium

    env = gymnasium.make(env_id, disable_env_checker=True, **dict(env_options or {}))
    try:
        return int(env.unwrapped.max_steps)
    finally:
        env.close()


def verdict_table(verdicts: Sequence[Verdict], title: str = "policies on hidden stand-ins") -> Table:
    """Success rate and mean return per policy, each with its 95 % interval."""
    rows = []
    for v in verdicts:
        low, high = v.success_interval
        mean, r_low, r_high = v.return_interval
        rows.append(
            (
                v.name,
                f"{v.held.sum()}/{v.held.size}",
                v.success_rate,
                f"[{low:.2f}, {high:.2f}]",
                mean,
                f"[{r_low:.1f}, {r_high:.1f}]",
            )
        )
    return make_table(
        ("policy", "succeeded", "success rate", "95 % interval", "mean return", "95 % interval"), rows, title
    )
