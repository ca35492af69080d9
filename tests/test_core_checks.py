"""The shared checks of what a user sets: a count (time steps, joints) and a ranged number."""

from __future__ import annotations

import math

import numpy as np
import pytest

from twin.core.checks import check_count, check_number, check_seed


@pytest.mark.parametrize("value", [0, 3, np.int64(3), np.int32(3)])
def test_any_integer_type_is_a_count(value: object) -> None:
    count = check_count("steps", value, "time steps")
    assert count == int(value) and type(count) is int


@pytest.mark.parametrize(
    ("value", "low", "message"),
    [
        (2.5, 0, r"steps=2.5 must be a non-negative integer number of time steps"),
        (3.0, 0, "non-negative integer"),  # a float is a mistake to show, not a number to round
        (True, 0, "non-negative integer"),  # True is an int to Python, never a count to a user
        (-1, 0, r"steps=-1 must be a non-negative"),
        (0, 1, r"steps=0 must be a positive integer"),
        ("3", 0, "non-negative integer"),
    ],
)
def test_what_is_not_a_count_is_named(value: object, low: int, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        check_count("steps", value, "time steps", low=low)


def test_a_number_outside_its_range_names_the_range_and_the_unit() -> None:
    assert check_number("gain", np.float64(2.0), "N m/rad", low=0.0) == 2.0
    with pytest.raises(ValueError, match=r"gain=-1 is outside the valid range \(>= 0 N m/rad\); try 10"):
        check_number("gain", -1, "N m/rad", low=0.0, hint="try 10")
    with pytest.raises(ValueError, match=r"outside the valid range \(0\.\.1 1\)"):
        check_number("gain", math.nan, "1", low=0.0, high=1.0)
    with pytest.raises(TypeError, match="gain must be a number in N m/rad, got bool"):
        check_number("gain", True, "N m/rad")


@pytest.mark.parametrize("seed", [-1, 1.5, True, "0"])
def test_a_seed_is_a_non_negative_integer_and_the_message_says_so(seed: object) -> None:
    with pytest.raises(ValueError, match=r"terrain seed=.* must be a non-negative integer, for example 0\.$"):
        check_seed(seed, "terrain seed")
    assert check_seed(np.int64(7)) == 7
