"""Test mode: CI and nbval set ``TWIN_TEST_MODE=1`` so notebooks run short versions of long work."""

from __future__ import annotations

import os
from typing import TypeVar

TEST_MODE_VARIABLE = "TWIN_TEST_MODE"
T = TypeVar("T")


def in_test_mode() -> bool:
    """True when the environment variable ``TWIN_TEST_MODE`` is set to 1/true/yes."""
    return os.environ.get(TEST_MODE_VARIABLE, "").strip().lower() in {"1", "true", "yes"}


def full_or_quick(full: T, quick: T) -> T:
    """``full`` for students, ``quick`` under tests: ``steps = full_or_quick(2400, 240)``."""
    return quick if in_test_mode() else full
