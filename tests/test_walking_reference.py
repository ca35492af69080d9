"""The stored reference gaits: made by their script with the stated settings, and the claims made about them hold."""

from __future__ import annotations

import numpy as np
import pytest

from twin.walking.evaluation import evaluate_gait, held_out_seeds
from twin.walking.optimise import optimise_gait
from twin.walking.reference import STAGES, load_reference, load_result
from twin.walking.walker import HAND_TUNED


def test_every_stage_is_stored_with_its_learning_curve():
    for stage, settings in STAGES.items():
        result = load_result(stage)
        assert len(result.best_score) == settings.generations, stage
        per_generation = settings.population * settings.training.episodes
        assert result.evaluations == settings.generations * per_generation + 2 * settings.training.episodes
    with pytest.raises(ValueError, match="python -m twin.walking.reference"):
        load_reference("moonwalk")


@pytest.mark.parametrize("stage", ["flat", "rough"])
def test_the_stored_run_starts_as_its_script_says(stage):
    """The first two generations, rerun from the stored starting gait with the stage's settings and seed,
    score exactly what the stored learning curve says: the file came from this script."""
    s = STAGES[stage]
    initial = HAND_TUNED if s.start == "hand_tuned" else load_reference(s.start)
    rerun = optimise_gait(
        initial, s.training, generations=2, population=s.population, sigma=s.sigma, seed=s.seed, progress=False
    )
    stored = load_result(stage)
    assert rerun.best_score == stored.best_score[:2] and rerun.mean_score == stored.mean_score[:2]


def test_rough_training_beats_flat_training_on_held_out_terrain():
    seeds = held_out_seeds(6, offset=300)
    flat, rough = (evaluate_gait(load_reference(s), [0.2], seeds, duration=6.0)[0] for s in ("flat", "rough"))
    assert rough.success_rate > flat.success_rate, (flat.row(), rough.row())
    assert np.mean([w.distance for w in rough.walks]) > 1.0
