"""Chapter 08's checks accept the right answers and reject the wrong ones a student would plausibly write."""

from __future__ import annotations

import math

import pytest

from twin.course.checks_compute import (
    _SETTING_CASES,
    check_cheapest_setting,
    check_speedup_prediction,
    reference_speedup,
)
from twin.fleet.fidelity import cheapest_meeting

SWEEP, BOUND = _SETTING_CASES[0][1], 0.005


def test_the_right_choice_passes():
    assert check_cheapest_setting(cheapest_meeting, SWEEP, BOUND)


@pytest.mark.parametrize(
    "wrong, hint",
    [
        (lambda points, bound: min(points, key=lambda p: p.error), "take the cheapest"),  # most accurate
        (lambda points, bound: min(points, key=lambda p: p.cost), "within the bound"),  # ignores the bound
        (lambda points, bound: min((p for p in points if p.error < bound), key=lambda p: p.cost), "take the cheapest"),
        (lambda points, bound: [p for p in points if p.error <= bound][0], "take the cheapest"),  # first listed
        (lambda points, bound: (p.setting for p in points), "Return one of the FidelityPoint"),
    ],
    ids=["most-accurate", "ignores-bound", "strict-bound", "first-listed", "returns-setting"],
)
def test_plausible_wrong_choices_fail_with_a_hint(wrong, hint):
    verdict = check_cheapest_setting(wrong, SWEEP, BOUND)
    assert not verdict and hint in verdict.message


def test_an_unanswered_stub_says_not_answered():
    def stub(points, bound):
        raise NotImplementedError

    assert "Not answered yet" in check_speedup_prediction(lambda *a: stub(0, 0)).message
    assert "Not answered yet" in check_cheapest_setting(stub, SWEEP, BOUND).message


def test_reference_speedup_matches_worked_examples():
    assert reference_speedup(0.5, 16, 2, 0.0) == pytest.approx(2.0)
    assert reference_speedup(0.5, 10, 4, 0.0) == pytest.approx(5.0 / 1.5)  # 3 rounds
    assert reference_speedup(1.0, 4, 4, 1.0) == pytest.approx(2.0)  # 4 s serial, 1 + 1 s parallel


def test_the_right_speedup_passes_and_plausible_wrong_ones_fail():
    assert check_speedup_prediction(reference_speedup)
    wrong = {
        "ideal": lambda c, n, w, s: float(min(w, n)),
        "no-rounds": lambda c, n, w, s: n * c / (s + n / w * c),
        "no-startup": lambda c, n, w, s: n * c / (math.ceil(n / w) * c),
        "inverted": lambda c, n, w, s: (s + math.ceil(n / w) * c) / (n * c),
    }
    for label, predict in wrong.items():
        verdict = check_speedup_prediction(predict)
        assert not verdict, label
        assert "expected" in verdict.message
