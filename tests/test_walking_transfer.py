"""Held-out evaluation with confidence intervals, and the gait's transfer to the hidden-parameter stand-in."""

from __future__ import annotations

import math

import pytest
from scipy import stats

from twin.analytics.statistics import mean_interval, wilson_interval
from twin.walking.evaluation import evaluate_gait, held_out_seeds
from twin.walking.optimise import HELD_OUT_START
from twin.walking.standin import HIDDEN_REALITY, PhysicalBiped, transfer_gap
from twin.walking.walker import HAND_TUNED, DynamicsRanges


def test_wilson_interval_known_values():
    # 8 of 10 at 95 %: the textbook value is [0.490, 0.943]
    lo, hi = wilson_interval(8, 10)
    assert lo == pytest.approx(0.4902, abs=1e-3) and hi == pytest.approx(0.9433, abs=1e-3)
    assert wilson_interval(0, 5)[0] == 0.0 and wilson_interval(5, 5)[1] == 1.0
    with pytest.raises(ValueError, match="successes"):
        wilson_interval(6, 5)


def test_mean_interval_is_students_t():
    values = [1.0, 2.0, 4.0, 7.0]
    mean, lo, hi = mean_interval(values)
    half = stats.t.ppf(0.975, 3) * stats.tstd(values) / 2.0
    assert mean == 3.5 and hi - mean == pytest.approx(half) and mean - lo == pytest.approx(half)
    assert mean_interval([2.0])[1] == -math.inf


def test_held_out_seeds_are_never_training_seeds():
    seeds = held_out_seeds(5)
    assert min(seeds) >= HELD_OUT_START and len(set(seeds)) == 5
    with pytest.raises(ValueError, match="count"):
        held_out_seeds(0)


def test_evaluation_counts_each_terrain_once():
    scores = evaluate_gait(HAND_TUNED, [0.0, 1.0], held_out_seeds(2), duration=0.5)
    assert [s.difficulty for s in scores] == [0.0, 1.0] and all(len(s.walks) == 2 for s in scores)
    # half a second in, the hand-tuned gait is still up on flat ground
    assert scores[0].success_rate == 1.0 and scores[0].success_interval[1] == 1.0


def test_standin_hides_parameters_inside_the_training_ranges():
    robot = PhysicalBiped(seed=2)
    assert "hidden" in repr(robot)
    truth = robot.reveal()
    assert HIDDEN_REALITY.contains(truth) and DynamicsRanges().contains(truth)
    assert PhysicalBiped(seed=2).reveal() == truth and PhysicalBiped(seed=3).reveal() != truth


def test_transfer_gap_is_twin_minus_robot():
    gap = transfer_gap(HAND_TUNED, PhysicalBiped(0), [0.0], [HELD_OUT_START], duration=1.0)
    assert gap.distance_gap == pytest.approx(gap.twin_distance - gap.robot_distance)
    assert gap.twin_distance != gap.robot_distance  # heavier, weaker robot: another walk
