"""The walking exercise's check: it accepts a gait trained on rough terrain and rejects what students get wrong."""

from __future__ import annotations

from twin.course.checks_walking import check_walking_gait
from twin.walking.walker import HAND_TUNED, Gait

# found by optimise_gait: flat ground first, then terrain randomisation with a curriculum (seed 0)
SOLUTION = Gait.from_vector(
    [0.8607, 0.3531, 0.0522, 0.3245, 0.4312, 0.0165, 0.0728, 0.2037, 1.1664, 0.0211, 0.0, 0.0, 0.5]
)


def test_accepts_a_gait_trained_on_rough_terrain():
    verdict = check_walking_gait(lambda: SOLUTION)
    assert verdict.passed, verdict.message


def test_rejects_a_gait_that_falls_and_says_where():
    verdict = check_walking_gait(lambda: HAND_TUNED)
    assert not verdict.passed
    assert "fell at" in verdict.message and "degree slope" in verdict.message


def test_rejects_a_gait_that_stands_still():
    still = Gait(frequency=0.3, hip_amplitude=0.0, knee_amplitude=0.0, ankle_amplitude=0.0, hip_offset=0.0)
    verdict = check_walking_gait(lambda: still)
    assert not verdict.passed and "walks" in verdict.message


def test_wrong_length_nan_and_stub_answers():
    assert "13 numbers" in check_walking_gait(lambda: [1.0, 2.0]).message
    assert "NaN" in check_walking_gait(lambda: [float("nan")] * 13).message

    def stub():
        raise NotImplementedError

    assert "Not answered yet" in check_walking_gait(stub).message
