"""Learning from demonstrations: behaviour cloning, DAgger, and the regressor both use.

Behaviour cloning (BC) fits a policy to the (observation, action) pairs of an expert's demonstrations: plain
supervised learning. Its flaw is that the learner's own small mistakes take it to states no demonstration
visited, where it has never seen the right action; mistakes add up, and the longer the task the worse (the
expected error grows with the square of the horizon; Ross and Bagnell 2010).

DAgger (Ross, Gordon and Bagnell, AISTATS 2011) fixes the data: run the *learner*, ask the expert what it
should have done in every state the learner visited, add those pairs and refit. The data then covers the states
the learner really gets into, and the error grows only linearly with the horizon.

Here the policy is a k-nearest-neighbour regressor in numpy: the action is the mean of the actions of the k
recorded observations closest to the current one. It learns nothing beyond its data, which makes the difference
between the two data sets easy to see.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np

Policy = Callable[[np.ndarray], np.ndarray]


class EpisodeLike(Protocol):
    observations: np.ndarray
    actions: np.ndarray
    success: bool


class Runner(Protocol):
    """Plays one episode of a policy from episode ``seed`` (``noise``: std of action noise, in action units)."""

    def __call__(self, policy: Policy, seed: int, *, noise: float = 0.0) -> EpisodeLike: ...


class NearestNeighbourPolicy:
    """Action = mean action of the ``k`` nearest recorded observations (Euclidean, after dividing each
    observation coordinate by ``scale``)."""

    def __init__(self, observations: np.ndarray, actions: np.ndarray, k: int = 3, scale: float | np.ndarray = 1.0):
        observations = np.asarray(observations, dtype=float)
        actions = np.asarray(actions, dtype=float)
        if observations.ndim != 2 or actions.ndim != 2 or len(observations) != len(actions):
            raise ValueError(
                f"need observations (n, d) and actions (n, a) with the same n, got {observations.shape} and "
                f"{actions.shape}."
            )
        if len(observations) == 0:
            raise ValueError("no data to learn from: record at least one demonstration.")
        if not (isinstance(k, int) and k >= 1):
            raise ValueError(f"k={k!r} must be a positive integer.")
        self.scale = np.broadcast_to(np.asarray(scale, dtype=float), observations.shape[1:]).copy()
        self.observations = observations / self.scale
        self.actions = actions
        self.k = min(k, len(observations))

    def __call__(self, observation: np.ndarray) -> np.ndarray:
        distances = np.sum((self.observations - np.asarray(observation, dtype=float) / self.scale) ** 2, axis=1)
        nearest = np.argpartition(distances, self.k - 1)[: self.k]
        return self.actions[nearest].mean(axis=0)

    def __len__(self) -> int:
        return len(self.observations)

    def distance_to_data(self, observations: np.ndarray) -> np.ndarray:
        """For each observation (n, d), the distance to the nearest one the policy learned from (in the same
        units): how far the learner has strayed from the states its data covers."""
        obs = np.atleast_2d(np.asarray(observations, dtype=float)) / self.scale
        return np.array([np.sqrt(np.min(np.sum((self.observations - o) ** 2, axis=1))) for o in obs])


@dataclass
class Dataset:
    """(observation, action) pairs, grown episode by episode."""

    observations: list[np.ndarray] = field(default_factory=list)
    actions: list[np.ndarray] = field(default_factory=list)

    def add(self, observations: np.ndarray, actions: np.ndarray) -> None:
        self.observations.extend(np.asarray(observations, dtype=float))
        self.actions.extend(np.asarray(actions, dtype=float))

    def __len__(self) -> int:
        return len(self.observations)

    def fit(self, k: int = 3, scale: float | np.ndarray = 1.0) -> NearestNeighbourPolicy:
        return NearestNeighbourPolicy(np.array(self.observations), np.array(self.actions), k, scale)


def noisy_expert(expert: Policy, noise: float, seed: int) -> Policy:
    """The expert's answer plus Gaussian noise of std ``noise`` (the imprecise labels of a real demonstrator)."""
    rng = np.random.default_rng(seed)
    return lambda obs: np.asarray(expert(obs), dtype=float) + rng.normal(0.0, noise, np.shape(expert(obs)))


def behaviour_cloning(
    run: Runner, expert: Policy, demonstrations: Sequence[int], *, noise: float = 0.0, k: int = 3
) -> tuple[NearestNeighbourPolicy, Dataset]:
    """Record one expert episode per seed in ``demonstrations`` (its actions disturbed by ``noise``) and fit
    the policy to them."""
    if len(demonstrations) == 0:
        raise ValueError("behaviour cloning needs at least one demonstration seed.")
    data = Dataset()
    for seed in demonstrations:
        episode = run(expert, seed, noise=noise)
        data.add(episode.observations, episode.actions)
    return data.fit(k), data


def dagger(
    run: Runner,
    expert: Policy,
    demonstrations: Sequence[int],
    *,
    noise: float = 0.0,
    k: int = 3,
    progress: Callable[[int], None] | None = None,
) -> tuple[NearestNeighbourPolicy, Dataset]:
    """DAgger with as many expert-labelled episodes as ``demonstrations`` has seeds.

    The first episode is an expert demonstration (as in BC). Each later one runs the current learner from the
    next seed, and the expert (with the same label ``noise``) says what it should have done in every state the
    learner visited; the policy is refitted on everything. ``progress(i)`` after each episode.
    """
    if len(demonstrations) == 0:
        raise ValueError("DAgger needs at least one episode seed.")
    data = Dataset()
    first = run(expert, demonstrations[0], noise=noise)
    data.add(first.observations, first.actions)
    policy = data.fit(k)
    if progress is not None:
        progress(1)
    for i, seed in enumerate(demonstrations[1:], start=2):
        episode = run(policy, seed)
        label = noisy_expert(expert, noise, 7_919 * seed + 1) if noise > 0 else expert
        data.add(episode.observations, np.array([label(obs) for obs in episode.observations]))
        policy = data.fit(k)
        if progress is not None:
            progress(i)
    return policy, data


def success_rate(run: Runner, policy: Policy, seeds: Sequence[int]) -> float:
    """The fraction of episodes ``policy`` completes, one per seed."""
    return float(np.mean([run(policy, seed).success for seed in seeds]))


@dataclass(frozen=True)
class LearningCurve:
    """Success rates against the number of expert-labelled episodes: ``rates[(method, place)]`` is a list
    with one rate per entry of ``demonstrations`` (method "BC" or "DAgger", place a name such as "twin")."""

    demonstrations: tuple[int, ...]
    rates: dict[tuple[str, str], list[float]]
    policies: dict[tuple[str, int], NearestNeighbourPolicy]


def learning_curve(
    train: Runner,
    evaluate: dict[str, Runner],
    expert: Policy,
    demonstrations: Sequence[int],
    evaluation_seeds: Sequence[int],
    *,
    noise: float = 0.0,
    k: int = 3,
    first_seed: int = 100,
    progress: Callable[[], None] | None = None,
) -> LearningCurve:
    """Train BC and DAgger with each number of expert-labelled episodes in ``demonstrations`` (in the twin,
    ``train``) and measure their success rates on every runner in ``evaluate`` (the twin, the stand-in) over
    ``evaluation_seeds``. Demonstration seeds start at ``first_seed``; ``progress()`` after each fit."""
    rates: dict[tuple[str, str], list[float]] = {}
    policies: dict[tuple[str, int], NearestNeighbourPolicy] = {}
    for n in demonstrations:
        seeds = list(range(first_seed, first_seed + int(n)))
        for method, learn in (("BC", behaviour_cloning), ("DAgger", dagger)):
            policy, _ = learn(train, expert, seeds, noise=noise, k=k)
            policies[(method, int(n))] = policy
            for place, run in evaluate.items():
                rates.setdefault((method, place), []).append(success_rate(run, policy, evaluation_seeds))
            if progress is not None:
                progress()
    return LearningCurve(tuple(int(n) for n in demonstrations), rates, policies)
