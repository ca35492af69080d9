"""Notebook 13's exercise checks: they pass the model answers and reject what a student would plausibly write."""

from __future__ import annotations

import math

import numpy as np
import pytest

from twin.analytics.statistics import wilson_interval
from twin.course.checks_cases import (
    LATENCY_CASES,
    check_gap_closed,
    check_latency_steps,
    check_success_interval,
    reference_latency_steps,
)


def _stub(*args):
    raise NotImplementedError


# -- the gap closed ------------------------------------------------------------------------------------------
def test_the_fraction_removed_passes() -> None:
    assert check_gap_closed(lambda before, after: 1 - np.mean(after) / np.mean(before)).passed


@pytest.mark.parametrize(
    ("wrong", "hint"),
    [
        (lambda b, a: 100 * (1 - np.mean(a) / np.mean(b)), "percentage"),
        (lambda b, a: np.mean(a) / np.mean(b), "left"),
        (lambda b, a: 1 - np.mean(a / b), "averaged each motion"),
        (lambda b, a: np.mean(b) - np.mean(a), "in rad"),
        (lambda b, a: 1 - np.max(a) / np.max(b), "Not quite"),
    ],
)
def test_plausible_slips_on_the_gap_closed_are_named(wrong, hint: str) -> None:
    verdict = check_gap_closed(wrong)
    assert not verdict.passed and hint in verdict.message


def test_the_gap_closed_wants_a_number_and_reports_the_stub() -> None:
    assert "one number" in check_gap_closed(lambda b, a: [0.5]).message
    assert "one number" in check_gap_closed(lambda b, a: True).message
    assert "Not answered yet" in check_gap_closed(_stub).message
    assert "ZeroDivisionError" in check_gap_closed(lambda b, a: 1 / 0).message


# -- latency in steps ---------------------------------------------------------------------------------------
def test_the_reference_is_what_the_stand_ins_actuator_applies() -> None:
    assert [reference_latency_steps(lat, dt) for lat, dt in LATENCY_CASES] == [10, 4, 3, 1, 0, 30]


def test_rounding_to_the_nearest_step_passes() -> None:
    assert check_latency_steps(lambda latency, dt: round(latency / dt)).passed
    assert check_latency_steps(lambda latency, dt: int(np.rint(latency / dt))).passed


@pytest.mark.parametrize(
    ("wrong", "hint"),
    [
        (lambda lat, dt: lat / dt, "whole steps"),
        (lambda lat, dt: math.floor(lat / dt), "Rounding down"),
        (lambda lat, dt: int(lat / dt), "Rounding down"),
        (lambda lat, dt: math.ceil(lat / dt), "Rounding up"),
        (lambda lat, dt: round(1000 * lat / dt), "factor of 1000"),
        (lambda lat, dt: round(dt / lat), "Not quite"),
    ],
)
def test_plausible_slips_on_the_latency_are_named(wrong, hint: str) -> None:
    verdict = check_latency_steps(wrong)
    assert not verdict.passed and hint in verdict.message, verdict.message


def test_the_latency_wants_a_number_and_reports_the_stub() -> None:
    assert "whole number" in check_latency_steps(lambda lat, dt: "10").message
    assert "Not answered yet" in check_latency_steps(_stub).message


# -- the success interval -----------------------------------------------------------------------------------
def test_wilsons_interval_passes_as_a_tuple_or_a_list() -> None:
    assert check_success_interval(wilson_interval).passed
    assert check_success_interval(lambda s, n: list(wilson_interval(s, n))).passed


def _wald(s: int, n: int) -> tuple[float, float]:
    p = s / n
    half = 1.96 * math.sqrt(p * (1 - p) / n)
    return max(0.0, p - half), min(1.0, p + half)


@pytest.mark.parametrize(
    ("wrong", "hint"),
    [
        (_wald, "normal approximation"),
        (lambda s, n: tuple(100 * v for v in wilson_interval(s, n)), "percentages"),
        (lambda s, n: wilson_interval(s, n)[::-1], "lower bound first"),
        (lambda s, n: wilson_interval(s, n, 0.9), "90 %"),
        (lambda s, n: wilson_interval(s, n, 0.99), "Wilson's score interval at 95 %"),
    ],
)
def test_plausible_slips_on_the_interval_are_named(wrong, hint: str) -> None:
    verdict = check_success_interval(wrong)
    assert not verdict.passed and hint in verdict.message, verdict.message


def test_the_interval_wants_two_numbers_and_reports_the_stub() -> None:
    assert "two numbers" in check_success_interval(lambda s, n: s / n).message
    assert "two numbers" in check_success_interval(lambda s, n: (0.1, "0.9")).message
    assert "Not answered yet" in check_success_interval(_stub).message
