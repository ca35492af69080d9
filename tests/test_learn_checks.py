"""Notebook 12's exercise checks: they pass the model answer and reject what a student would plausibly write."""

from __future__ import annotations

import numpy as np
import pytest

from twin.course.checks_learn import check_forgetting_explanation, check_forgetting_factor
from twin.learn.ars import ARSSettings, LinearPolicy, close_environments, train_ars


@pytest.fixture(scope="module")
def policy() -> LinearPolicy:
    trained = train_ars("twin/CartPoleBalance-v0", settings=ARSSettings(iterations=12), seed=0).policy
    yield trained
    close_environments()


def test_a_forgetting_factor_between_lag_and_noise_passes(policy: LinearPolicy) -> None:
    verdict = check_forgetting_factor(lambda: 0.95, policy)
    assert verdict.passed, verdict.message


def test_never_forgetting_lags_behind_the_weakened_motor(policy: LinearPolicy) -> None:
    verdict = check_forgetting_factor(lambda: 1.0, policy)
    assert not verdict.passed
    assert "fell" in verdict.message and "off the truth" in verdict.message


def test_forgetting_too_fast_follows_the_noise(policy: LinearPolicy) -> None:
    verdict = check_forgetting_factor(lambda: 0.6, policy)
    assert not verdict.passed
    assert "sensor noise" in verdict.message and "closer to 1" in verdict.message


@pytest.mark.parametrize(
    ("answer", "hint"),
    [(1.5, "(0, 1]"), (0.0, "(0, 1]"), ("0.95", "one number"), (True, "one number"), (float("nan"), "one number")],
)
def test_answers_that_are_not_a_forgetting_factor_are_explained(policy: LinearPolicy, answer, hint: str) -> None:
    verdict = check_forgetting_factor(lambda: answer, policy)
    assert not verdict.passed and hint in verdict.message


def test_the_stub_and_a_wrong_policy_are_explained(policy: LinearPolicy) -> None:
    def stub() -> float:
        raise NotImplementedError

    assert "Not answered yet" in check_forgetting_factor(stub, policy).message
    assert "1 x 4" in check_forgetting_factor(lambda: 0.95, LinearPolicy(np.zeros((1, 3)))).message
    do_nothing = check_forgetting_factor(lambda: 0.95, LinearPolicy(np.zeros((1, 4))))
    assert not do_nothing.passed and "before any change" in do_nothing.message


def test_the_explanation_must_name_both_noise_and_lag() -> None:
    both = (
        "With a very short memory the estimate follows the sensor noise and jumps around; with a very long one "
        "it averages over old data from before the change and lags behind the weakened motor."
    )
    assert check_forgetting_explanation(lambda: both).passed
    only_lag = "A long memory keeps old data from before the change so the estimate lags far behind the new motor."
    assert "short memory" in check_forgetting_explanation(lambda: only_lag).message
    only_noise = "A short memory makes the estimate follow every bit of sensor noise so it jumps around all the time."
    assert "long memory" in check_forgetting_explanation(lambda: only_noise).message
    assert not check_forgetting_explanation(lambda: "noise and lag").passed
