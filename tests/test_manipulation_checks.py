"""The grasp exercise's check: it accepts a grip force with a sound margin and rejects what students get wrong,
on hidden objects grasped in the twin."""

from __future__ import annotations

import pytest

from twin.course.checks_manipulation import HIDDEN_OBJECTS, HiddenObject, check_grip_force
from twin.manipulation.cell import ObjectSpec

G = 9.81


@pytest.mark.parametrize("margin", [1.3, 1.5, 2.0])
def test_accepts_a_grip_with_a_sound_margin(margin):
    verdict = check_grip_force(lambda m, mu, a: margin * m * (G + a) / (2 * mu))
    assert verdict.passed, verdict.message


@pytest.mark.parametrize(
    "wrong, words",
    [
        (lambda m, mu, a: m * (G + a) / (2 * mu), "slipped out"),  # no safety margin
        (lambda m, mu, a: 1.5 * m * G / (2 * mu), "slipped out"),  # forgot the lift's acceleration
        (lambda m, mu, a: 1.5 * m * (G - a) / (2 * mu), "slipped out"),  # acceleration with the wrong sign
        (lambda m, mu, a: 1.5 * m * (G + a) * mu / 2, "slipped out"),  # multiplied by mu instead of dividing
        (lambda m, mu, a: 1.5 * m * (G + a) / mu, "divide by 2"),  # one finger: a factor 2 too much
        (lambda m, mu, a: 1.5 * 1000 * m * (G + a) / (2 * mu), "kg, not g"),  # grams
    ],
)
def test_rejects_plausible_mistakes_and_says_why(wrong, words):
    verdict = check_grip_force(wrong)
    assert not verdict.passed
    assert words in verdict.message


def test_hidden_objects_tell_the_mistakes_apart():
    """The data are chosen so that each mistake shows: some objects are worse than measured, some better, and
    some are lifted fast enough for the acceleration to matter."""
    worse = [h for h in HIDDEN_OBJECTS if h.spec.mass > h.measured_mass and h.spec.friction < h.measured_friction]
    better = [h for h in HIDDEN_OBJECTS if h.spec.mass < h.measured_mass and h.spec.friction > h.measured_friction]
    fast = [h for h in HIDDEN_OBJECTS if h.acceleration > 3.0]
    assert worse and better and fast
    for h in HIDDEN_OBJECTS:
        assert abs(h.measured_mass / h.spec.mass - 1) <= 0.1 + 1e-9
        assert abs(h.measured_friction / h.spec.friction - 1) <= 0.1 + 1e-9


def test_bad_answers_and_the_stub():
    assert "one number" in check_grip_force(lambda m, mu, a: "ten").message
    assert "positive" in check_grip_force(lambda m, mu, a: -1.0).message

    def stub(m, mu, a):
        raise NotImplementedError

    assert "Not answered yet" in check_grip_force(stub).message


def test_an_instructor_can_grade_on_objects_of_their_own():
    heavy = HiddenObject(ObjectSpec("anvil", (0.05, 0.05, 0.05), 1.5, 0.35, (0.5, 0.0)), 1.4, 0.38, 0.42)
    sound = check_grip_force(lambda m, mu, a: 1.5 * m * (G + a) / (2 * mu), [heavy])
    assert sound.passed, sound.message
    assert not check_grip_force(lambda m, mu, a: m * (G + a) / (2 * mu), [heavy]).passed
