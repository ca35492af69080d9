"""The walking exercise's check: it accepts the solution's gait and rejects the gaits students get wrong."""

from __future__ import annotations

import pytest

from twin.course.checks_walking import check_walking_gait
from twin.walking.reference import load_reference
from twin.walking.walker import HAND_TUNED, Gait


def test_accepts_the_solutions_gait():
    """The solution trains with the settings of the reference script's robust stage; its full run finds this."""
    verdict = check_walking_gait(lambda: load_reference("robust"))
    assert verdict.passed, verdict.message
    assert "stand-in" in verdict.message


def test_rejects_a_flat_ground_gait_and_says_where_it_fell():
    verdict = check_walking_gait(lambda: load_reference("flat"))
    assert not verdict.passed
    assert "hidden terrains (needed: 4)" in verdict.message
    assert "fell at" in verdict.message and "degree slope" in verdict.message


def test_rejects_a_rough_ground_gait_that_falls_on_the_robot():
    """Trained on random terrain with the nominal robot only: fine on the terrains, not on the real robot."""
    verdict = check_walking_gait(lambda: load_reference("rough"))
    assert not verdict.passed
    assert "hidden terrains" not in verdict.message  # that part passed
    assert "robot stand-in" in verdict.message and "DynamicsRanges" in verdict.message


def test_rejects_the_hand_tuned_gait_and_a_gait_that_stands_still():
    assert not check_walking_gait(lambda: HAND_TUNED).passed
    still = Gait(frequency=0.3, hip_amplitude=0.0, knee_amplitude=0.0, ankle_amplitude=0.0, hip_offset=0.0)
    verdict = check_walking_gait(lambda: still)
    assert not verdict.passed and "m" in verdict.message


@pytest.mark.parametrize(
    "answer, words",
    [(lambda: [1.0, 2.0], "13 numbers"), (lambda: [float("nan")] * 13, "NaN"), (lambda: "fast", "Return a Gait")],
)
def test_wrong_length_nan_and_wrong_type(answer, words):
    assert words in check_walking_gait(answer).message


def test_the_untouched_stub_is_not_answered_yet():
    def stub():
        raise NotImplementedError

    assert "Not answered yet" in check_walking_gait(stub).message
