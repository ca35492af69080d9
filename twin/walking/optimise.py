"""Gait optimisation in the twin: CMA-ES (``cma``) over the gait's parameters.

Each candidate gait walks a few *episodes*; an episode is one terrain (a difficulty and a seed), one
draw of the robot's dynamics and a duration. Every candidate of a generation walks the same episodes
(common random numbers: a fair comparison). The score of a walk, in metres, is::

    distance - energy_weight * min(cost_of_transport, 3) - [fell] * (fall_penalty + seconds it had left)

so a fall costs a fixed penalty plus 1 m per second of the walk it did not finish.

Training options: flat ground; terrain randomisation (a new terrain per episode, seeds below
``HELD_OUT_START`` only); a curriculum that raises the difficulty when the population walks well
(Rudin et al., 2021, game-inspired curriculum); dynamics randomisation (``DynamicsRanges``).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np

from twin.core.checks import check_count, check_number, check_seed
from twin.fleet.executors import Executor, borrowed_or_new, map_or_raise
from twin.walking.terrain import difficulty_spec, generate_terrain
from twin.walking.walker import (
    LOWER,
    NOMINAL,
    UPPER,
    DynamicsRanges,
    Gait,
    WalkerDynamics,
    WalkResult,
    simulate,
)

HELD_OUT_START = 1_000_000  # terrain seeds >= this are never used in training
# CMA-ES searches x = initial + SEARCH_SCALE * u, u ~ N(m, sigma^2 C): one unit of u is a sensible step
SEARCH_SCALE = {
    "frequency": 0.5,
    "hip_amplitude": 0.2,
    "hip_offset": 0.2,
    "knee_amplitude": 0.3,
    "knee_phase": 1.0,
    "knee_offset": 0.2,
    "ankle_amplitude": 0.1,
    "ankle_offset": 0.1,
    "pitch_gain": 0.5,
    "pitch_rate_gain": 0.2,
    "scan_gain": 0.5,
    "speed_gain": 0.2,
    "target_speed": 0.2,
}


@dataclass(frozen=True)
class Episode:
    """One walk to score a gait on: terrain difficulty (0..1) and seed, the robot's dynamics, seconds."""

    difficulty: float = 0.0
    terrain_seed: int = 0
    dynamics: WalkerDynamics = NOMINAL
    duration: float = 5.0


def run_episode(task: tuple[np.ndarray, Episode]) -> WalkResult:
    """Walk the gait ``task[0]`` (a vector in ``Gait.names()`` order) on episode ``task[1]``."""
    vector, episode = task
    terrain = generate_terrain(difficulty_spec(episode.difficulty), episode.terrain_seed)
    return simulate(Gait.from_vector(vector), terrain, episode.dynamics, episode.duration)


def walk_score(result: WalkResult, fall_penalty: float = 1.0, energy_weight: float = 0.2) -> float:
    """The score (m) of one walk: distance, less the energy and fall penalties (module docstring)."""
    score = result.distance - energy_weight * min(result.cost_of_transport, 3.0)
    if result.fell:
        score -= fall_penalty + (result.duration - result.fall_time)
    return score


@dataclass(frozen=True)
class Curriculum:
    """Raise the terrain difficulty by ``step`` when the better half of a generation walks through
    ``promote_at`` of its episodes without falling; lower it when fewer than ``demote_below`` do."""

    start: float = 0.0
    step: float = 0.1
    promote_at: float = 0.7
    demote_below: float = 0.3
    maximum: float = 1.0

    def __post_init__(self) -> None:
        if not (0.0 <= self.start <= self.maximum <= 1.0 and 0.0 < self.step <= 1.0):
            raise ValueError("Curriculum needs 0 <= start <= maximum <= 1 and 0 < step <= 1.")
        if not 0.0 <= self.demote_below < self.promote_at <= 1.0:
            raise ValueError("Curriculum needs 0 <= demote_below < promote_at <= 1 (fractions of episodes).")

    def next(self, difficulty: float, success_rate: float) -> float:
        if success_rate >= self.promote_at:
            return min(self.maximum, round(difficulty + self.step, 6))
        if success_rate < self.demote_below:
            return max(0.0, round(difficulty - self.step, 6))
        return difficulty


@dataclass(frozen=True)
class Training:
    """Where the twin trains a gait.

    Args:
        difficulty: terrain difficulty of every episode (ignored with a curriculum); 0 is flat.
        curriculum: a ``Curriculum`` to move the difficulty, or None.
        episodes: walks per candidate per generation (new terrain seeds every generation).
        dynamics: ``DynamicsRanges`` to randomise the robot over, or None for the nominal model.
        duration: seconds per walk.
        search: which gait parameters CMA-ES may change (the rest stay at the initial gait's values).
    """

    difficulty: float = 0.0
    curriculum: Curriculum | None = None
    episodes: int = 1
    dynamics: DynamicsRanges | None = None
    duration: float = 5.0
    search: tuple[str, ...] = tuple(n for n in Gait.names() if n != "scan_gain")

    def __post_init__(self) -> None:
        difficulty_spec(self.difficulty)  # checks the range
        object.__setattr__(self, "episodes", check_count("episodes", self.episodes, "walks per candidate", low=1))
        check_number(
            "duration", self.duration, "s", low=0.0, high=120.0, low_open=True, hint="seconds per walk, e.g. 5"
        )
        unknown = [n for n in self.search if n not in Gait.names()]
        if unknown or not self.search:
            raise ValueError(f"search={self.search!r}: name some of {', '.join(Gait.names())}.")


FLAT = Training()


@dataclass
class OptimisationResult:
    """What CMA-ES found and how it got there (one entry per generation in each history list)."""

    gait: Gait
    initial: Gait
    training: Training
    seed: int
    best_score: list[float] = field(default_factory=list)
    mean_score: list[float] = field(default_factory=list)
    difficulty: list[float] = field(default_factory=list)
    success_rate: list[float] = field(default_factory=list)
    evaluations: int = 0
    wall_time: float = 0.0

    def __repr__(self) -> str:
        return (
            f"OptimisationResult({len(self.best_score)} generations, {self.evaluations} walks, "
            f"best score {self.best_score[-1]:.2f} m, {self.wall_time:.1f} s)"
        )


def training_episodes(training: Training, difficulty: float, rng: np.random.Generator) -> list[Episode]:
    """The episodes of one generation: terrain seeds below ``HELD_OUT_START``, dynamics drawn from ``rng``."""
    out = []
    for _ in range(training.episodes):
        seed = int(rng.integers(0, HELD_OUT_START))
        dynamics = training.dynamics.sample(rng) if training.dynamics is not None else NOMINAL
        out.append(Episode(difficulty, seed, dynamics, training.duration))
    return out


def optimise_gait(
    initial: Gait,
    training: Training = FLAT,
    *,
    generations: int = 30,
    population: int = 12,
    sigma: float = 0.5,
    seed: int = 0,
    workers: int | Executor = 1,
    progress: bool = True,
) -> OptimisationResult:
    """CMA-ES from ``initial`` for ``generations`` of ``population`` candidates (the same ``seed``
    gives the same result, whatever ``workers``). Returns the best gait and the learning curve.

    The returned gait is the better, on the last generation's episodes, of that generation's best
    candidate and the search distribution's mean (on random terrain a single best score is partly luck).
    """
    import cma

    if not isinstance(initial, Gait):
        raise ValueError(f"initial must be a Gait, got {type(initial).__name__}.")
    generations = check_count("generations", generations, "CMA-ES generations", low=1)
    population = check_count("population", population, "candidates per generation", low=4)
    seed = check_seed(seed)
    sigma = check_number("sigma", sigma, "(search units)", low=0.0, low_open=True, hint="a step size such as 0.5")
    names = Gait.names()
    index = np.array([names.index(n) for n in training.search])
    scale = np.array([SEARCH_SCALE[names[i]] for i in index])
    x0 = initial.as_vector()

    def to_vector(u: np.ndarray) -> np.ndarray:
        x = x0.copy()
        x[index] = x0[index] + scale * np.asarray(u)
        return np.clip(x, LOWER, UPPER)

    rng = np.random.default_rng(seed)
    es = cma.CMAEvolutionStrategy(np.zeros(len(index)), sigma, {"seed": seed + 1, "popsize": population, "verbose": -9})
    result = OptimisationResult(gait=initial, initial=initial, training=training, seed=seed)
    difficulty = training.curriculum.start if training.curriculum else training.difficulty
    best_u = np.zeros(len(index))
    started = time.perf_counter()
    bar = None
    if progress:
        from twin.core.progress import tqdm

        bar = tqdm(total=generations, desc="CMA-ES generations", leave=True)
    try:
        with borrowed_or_new(workers) as executor:
            episodes: list[Episode] = []
            for _ in range(generations):
                episodes = training_episodes(training, difficulty, rng)
                candidates = es.ask()
                tasks = [(to_vector(u), e) for u in candidates for e in episodes]
                walks = map_or_raise(run_episode, tasks, executor)
                result.evaluations += len(walks)
                per = np.array([walk_score(w) for w in walks]).reshape(len(candidates), len(episodes))
                falls = np.array([w.fell for w in walks]).reshape(len(candidates), len(episodes))
                scores = per.mean(axis=1)
                es.tell(candidates, (-scores).tolist())
                order = np.argsort(-scores)
                better_half = order[: max(1, len(order) // 2)]
                success = float(1.0 - falls[better_half].mean())
                best_u = np.array(candidates[order[0]])
                result.best_score.append(float(scores[order[0]]))
                result.mean_score.append(float(scores.mean()))
                result.difficulty.append(float(difficulty))
                result.success_rate.append(success)
                if training.curriculum is not None:
                    difficulty = training.curriculum.next(difficulty, success)
                if bar is not None:
                    bar.update(1)
                    bar.set_postfix(best=f"{scores[order[0]]:.2f} m", difficulty=f"{result.difficulty[-1]:.1f}")
            # choose between the last generation's best candidate and the distribution's mean on the last episodes
            final = [best_u, np.asarray(es.result.xfavorite)]
            tasks = [(to_vector(u), e) for u in final for e in episodes]
            walks = map_or_raise(run_episode, tasks, executor)
            result.evaluations += len(walks)
            values = np.array([walk_score(w) for w in walks]).reshape(2, len(episodes)).mean(axis=1)
            result.gait = Gait.from_vector(to_vector(final[int(np.argmax(values))]))
    finally:
        if bar is not None:
            bar.close()
    result.wall_time = time.perf_counter() - started
    return result
