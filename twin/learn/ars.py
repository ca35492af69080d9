"""Augmented Random Search (Mania, Guy, Recht, NeurIPS 2018) with linear policies, in numpy.

A linear policy is a matrix: ``action = clip(W @ observation, -1, 1)``. ARS improves ``W`` without gradients
of the simulator: each iteration it tries ``directions`` random perturbations ``W +- noise * delta``, runs one
episode with each (both signs on the same seeded start: common random numbers), keeps the ``top`` directions
whose better sign did best, and steps along them, scaled by the spread of the returns used (version V1-t):

    W <- W + step_size / (top * sigma_R) * sum_k (R+_k - R-_k) delta_k

Episodes are independent, so they run as one batch: the environments step in lockstep and every policy's
action comes from one matrix product (``run_batch``). Batches can be spread over processes with a
``twin.fleet`` executor; the result is the same, bit for bit, as in one process, because every episode is a
function of its policy and its seed alone.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import gymnasium
import numpy as np

from twin.core.checks import check_count, check_number
from twin.fleet.executors import Executor
from twin.learn import ENVIRONMENT_IDS

# Each environment holds its own pybullet world: about 30 MB and 45 ms to build. A process keeps at most
# ``LOCKSTEP`` of them, of the ``CACHED_KINDS`` kind(s) of environment it used last, and resets them
# for every new episode.
LOCKSTEP = 4  # episodes stepped side by side (their actions from one matrix product)
CACHED_KINDS = 1
_ENVIRONMENTS: dict[tuple[str, str], list[gymnasium.Env]] = {}


@dataclass(frozen=True)
class LinearPolicy:
    """``action = clip(weights @ observation, -1, 1)``; ``weights`` has shape (actions, observations)."""

    weights: np.ndarray

    def __post_init__(self) -> None:
        w = np.array(self.weights, dtype=float)  # a copy: changing the caller's array later leaves the policy alone
        if w.ndim != 2 or not np.all(np.isfinite(w)):
            raise ValueError(f"weights must be a finite 2-D array (actions x observations), got shape {w.shape}.")
        w.flags.writeable = False  # the policy is frozen: LinearPolicy(new_weights) makes a changed one
        object.__setattr__(self, "weights", w)

    @classmethod
    def zeros(cls, env: gymnasium.Env) -> LinearPolicy:
        """The do-nothing policy for ``env``'s spaces: where ARS starts."""
        return cls(np.zeros((env.action_space.shape[0], env.observation_space.shape[0])))

    def __call__(self, observation: np.ndarray) -> np.ndarray:
        observation = np.asarray(observation, dtype=float)
        if observation.shape[-1:] != self.weights.shape[1:]:
            raise ValueError(
                f"observation of shape {observation.shape}: this policy takes {self.weights.shape[1]} numbers "
                f"(its weights are {self.weights.shape}, actions x observations)."
            )
        return np.clip(self.weights @ observation, -1.0, 1.0)


@dataclass(frozen=True)
class EpisodeBatch:
    """Episodes to run: one per row of ``weights`` (shape (episodes, actions, observations)) and ``seeds``."""

    env_id: str
    env_kwargs: Mapping[str, Any]
    weights: np.ndarray
    seeds: np.ndarray

    @property
    def name(self) -> str:
        return f"{len(self.seeds)} episodes of {self.env_id}"


def _environments(env_id: str, env_kwargs: Mapping[str, Any], count: int) -> list[gymnasium.Env]:
    key = (env_id, repr(sorted(env_kwargs.items())))
    built = _ENVIRONMENTS.pop(key, [])
    _ENVIRONMENTS[key] = built  # now the most recently used kind
    while len(_ENVIRONMENTS) > CACHED_KINDS:
        for env in _ENVIRONMENTS.pop(next(iter(_ENVIRONMENTS))):
            env.close()
    while len(built) < count:
        built.append(gymnasium.make(env_id, disable_env_checker=True, **env_kwargs).unwrapped)
    return built[:count]


def close_environments() -> None:
    """Close every environment this process built for batches (their pybullet worlds)."""
    for envs in _ENVIRONMENTS.values():
        for env in envs:
            env.close()
    _ENVIRONMENTS.clear()


@dataclass(frozen=True)
class Episodes:
    """Outcomes of a batch of episodes: ``returns`` (sum of rewards) and ``lengths`` (control steps)."""

    returns: np.ndarray
    lengths: np.ndarray


def run_batch(batch: EpisodeBatch) -> Episodes:
    """Run every episode in ``batch``, ``LOCKSTEP`` at a time side by side; their returns and lengths."""
    weights = np.asarray(batch.weights, dtype=float)
    seeds = np.asarray(batch.seeds)
    parts = [
        _run_lockstep(batch.env_id, batch.env_kwargs, weights[k : k + LOCKSTEP], seeds[k : k + LOCKSTEP])
        for k in range(0, len(seeds), LOCKSTEP)
    ]
    if not parts:
        return Episodes(np.zeros(0), np.zeros(0, dtype=int))
    return Episodes(np.concatenate([p.returns for p in parts]), np.concatenate([p.lengths for p in parts]))


def _run_lockstep(env_id: str, env_kwargs: Mapping[str, Any], weights: np.ndarray, seeds: np.ndarray) -> Episodes:
    envs = _environments(env_id, env_kwargs, len(seeds))
    observations = np.stack([env.reset(seed=int(seed))[0] for env, seed in zip(envs, seeds, strict=True)])
    returns = np.zeros(len(envs))
    lengths = np.zeros(len(envs), dtype=int)
    running = np.ones(len(envs), dtype=bool)
    while running.any():
        actions = np.clip(np.einsum("kao,ko->ka", weights, observations), -1.0, 1.0)  # every policy at once
        for k in np.flatnonzero(running):
            observation, reward, terminated, truncated, _ = envs[k].step(actions[k])
            observations[k] = observation
            returns[k] += reward
            lengths[k] += 1
            running[k] = not (terminated or truncated)
    return Episodes(returns, lengths)


def evaluate_batches(batches: Sequence[EpisodeBatch], executor: Executor | None = None) -> Episodes:
    """``run_batch`` on each batch, in this process or on ``executor``'s workers, joined in order: the same
    numbers either way."""
    if executor is None:
        results = [run_batch(batch) for batch in batches]
    else:
        outcomes = executor.map(run_batch, list(batches))
        for outcome in outcomes:
            if not outcome.ok:
                raise RuntimeError(f"{outcome.name} failed in a worker: {outcome.error!r}") from outcome.error
        results = [outcome.result for outcome in outcomes]
    return Episodes(
        np.concatenate([r.returns for r in results]), np.concatenate([r.lengths for r in results]).astype(int)
    )


@dataclass(frozen=True)
class ARSSettings:
    """ARS's knobs (Mania et al. 2018 use the same names).

    Attributes:
        iterations: updates of the policy.
        directions: random perturbations tried per iteration (2 episodes each).
        top: how many of the best directions the update uses (<= directions).
        step_size: alpha, the update's step.
        noise: nu, the perturbations' size.
        evaluation_episodes: episodes (fixed seeds) that score the current policy after each iteration.
    """

    iterations: int = 12
    directions: int = 8
    top: int = 4
    step_size: float = 0.3
    noise: float = 0.3
    evaluation_episodes: int = 4

    def __post_init__(self) -> None:
        for name, what in (
            ("iterations", "updates"),
            ("directions", "perturbations"),
            ("top", "best directions"),
            ("evaluation_episodes", "episodes"),
        ):
            object.__setattr__(self, name, check_count(name, getattr(self, name), what, low=1))
        if self.top > self.directions:
            raise ValueError(f"top={self.top} cannot exceed directions={self.directions}: it picks the best of them.")
        for name in ("step_size", "noise"):
            check_number(name, getattr(self, name), "(weight units)", low=0.0, low_open=True, hint="e.g. 0.3")


@dataclass(frozen=True)
class Training:
    """What one ARS run produced.

    Attributes:
        policy: the final policy.
        returns: the mean evaluation return before training and after each iteration (iterations + 1 values).
        episodes: how many episodes the run used (training and evaluation).
        seed: the run's seed.
    """

    policy: LinearPolicy
    returns: np.ndarray
    episodes: int
    seed: int
    settings: ARSSettings = field(default_factory=ARSSettings)


def train_ars(
    env_id: str,
    env_kwargs: Mapping[str, Any] | None = None,
    settings: ARSSettings | None = None,
    seed: int = 0,
    *,
    initial: LinearPolicy | None = None,
    executor: Executor | None = None,
    progress: bool = False,
) -> Training:
    """Train a linear policy on ``env_id`` (built with ``env_kwargs``) by ARS; seeded, so repeatable.

    ``executor`` (a ``twin.fleet`` executor) spreads each iteration's episodes over its workers.
    """
    settings = settings or ARSSettings()
    env_kwargs = dict(env_kwargs or {})
    if env_id not in gymnasium.registry:
        raise ValueError(f"{env_id!r} is not a registered environment; twin's are {sorted(ENVIRONMENT_IDS)}.")
    probe = _environments(env_id, env_kwargs, 1)[0]
    weights = (initial or LinearPolicy.zeros(probe)).weights.copy()
    expected = (probe.action_space.shape[0], probe.observation_space.shape[0])
    if weights.shape != expected:
        raise ValueError(
            f"initial policy has shape {weights.shape}; {env_id} needs {expected} (actions x observations)."
        )
    rng = np.random.default_rng(seed)
    evaluation_seeds = rng.integers(2**31 - 1, size=settings.evaluation_episodes)
    workers = 1 if executor is None else max(1, executor.workers)

    def score(w: np.ndarray, extra: np.ndarray, extra_seeds: np.ndarray) -> tuple[float, np.ndarray]:
        """Mean evaluation return of ``w`` and the returns of the ``extra`` policies, in one batch."""
        all_weights = np.concatenate([np.repeat(w[None], settings.evaluation_episodes, axis=0), extra])
        all_seeds = np.concatenate([evaluation_seeds, extra_seeds])
        chunks = np.array_split(np.arange(len(all_seeds)), workers)
        batches = [EpisodeBatch(env_id, env_kwargs, all_weights[c], all_seeds[c]) for c in chunks if len(c)]
        returns = evaluate_batches(batches, executor).returns
        return float(returns[: settings.evaluation_episodes].mean()), returns[settings.evaluation_episodes :]

    bar = _progress(settings.iterations, progress, env_id)
    curve = []
    episodes = 0
    try:
        for _ in range(settings.iterations):
            deltas = rng.standard_normal((settings.directions, *weights.shape))
            seeds = rng.integers(2**31 - 1, size=settings.directions)
            perturbed = np.concatenate([weights + settings.noise * deltas, weights - settings.noise * deltas])
            current, returns = score(weights, perturbed, np.concatenate([seeds, seeds]))
            curve.append(current)
            episodes += settings.evaluation_episodes + 2 * settings.directions
            plus, minus = returns[: settings.directions], returns[settings.directions :]
            best = np.argsort(-np.maximum(plus, minus))[: settings.top]
            spread = float(np.concatenate([plus[best], minus[best]]).std())
            if spread > 0:
                step = np.tensordot(plus[best] - minus[best], deltas[best], axes=1)
                weights = weights + settings.step_size / (settings.top * spread) * step
            bar.update(1)
        final, _ = score(weights, np.zeros((0, *weights.shape)), np.zeros(0, dtype=int))
        curve.append(final)
        episodes += settings.evaluation_episodes
    finally:
        bar.close()
    return Training(LinearPolicy(weights), np.array(curve), episodes, seed, settings)


class _NoBar:
    def update(self, n: int) -> None:
        pass

    def close(self) -> None:
        pass


def _progress(total: int, show: bool, what: str) -> Any:
    if not show:
        return _NoBar()
    from twin.core.progress import tqdm

    return tqdm(total=total, desc=f"ARS on {what}", unit="iteration")


def policy_episodes(
    policy: LinearPolicy,
    env_id: str,
    env_kwargs: Mapping[str, Any] | None = None,
    seeds: Sequence[int] = (0,),
    executor: Executor | None = None,
) -> Episodes:
    """``policy`` in one episode per seed (started from each seed's state and reality): returns and lengths."""
    seeds = np.asarray(list(seeds), dtype=np.int64)
    if seeds.size == 0:
        raise ValueError("seeds is empty: give at least one episode seed, e.g. range(10).")
    workers = 1 if executor is None else max(1, executor.workers)
    chunks = [c for c in np.array_split(np.arange(seeds.size), workers) if len(c)]
    weights = np.repeat(policy.weights[None], seeds.size, axis=0)
    batches = [EpisodeBatch(env_id, dict(env_kwargs or {}), weights[c], seeds[c]) for c in chunks]
    return evaluate_batches(batches, executor)


def policy_returns(
    policy: LinearPolicy,
    env_id: str,
    env_kwargs: Mapping[str, Any] | None = None,
    seeds: Sequence[int] = (0,),
    executor: Executor | None = None,
) -> np.ndarray:
    """The return of ``policy`` in one episode per seed (see ``policy_episodes``)."""
    return policy_episodes(policy, env_id, env_kwargs, seeds, executor).returns
