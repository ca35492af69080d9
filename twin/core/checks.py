"""One check for every number a user sets: finite, in its range, with an error that names it, its unit and a fix.

Sensors, the humanoid's gains and truths, and anything else with a ranged parameter use ``check_number``, so the
same mistake (a NaN, a negative mass scale, a gain out of range) reads the same everywhere.
"""

from __future__ import annotations

import math
from numbers import Integral, Real


def check_number(
    name: str,
    value: object,
    unit: str,
    *,
    low: float = -math.inf,
    high: float = math.inf,
    low_open: bool = False,
    hint: str = "",
) -> float:
    """``value`` as a float, or an error that names the parameter, its valid range in ``unit`` and a ``hint``.

    A TypeError for anything that is not a real number (booleans included); a ValueError for NaN, infinity or
    a value outside low..high (``low_open``: low itself is excluded, as for a gain that must be > 0).
    """
    if isinstance(value, bool) or not isinstance(value, Real):
        raise TypeError(f"{name} must be a number in {unit}, got {type(value).__name__} {value!r}.")
    number = float(value)
    below = number <= low if low_open else number < low
    if not math.isfinite(number) or below or number > high:
        bounds = f"{'>' if low_open else '>='} {low:g}" if math.isinf(high) else f"{low:g}..{high:g}"
        if math.isinf(low) and math.isinf(high):
            bounds = "finite"
        elif math.isinf(low):
            bounds = f"<= {high:g}"
        detail = f"; {hint}" if hint else ""
        raise ValueError(f"{name}={value!r} is outside the valid range ({bounds} {unit}){detail}.")
    return number


def check_count(name: str, value: object, what: str, *, low: int = 0) -> int:
    """``value`` as an ``int``, for a count of ``what`` (time steps, joints) of at least ``low``: any integer type,
    numpy's included (``np.int64(3)`` from an array is a count too), never a bool or a float (2.5 steps is a mistake,
    not a rounding to make). A ValueError that names the parameter otherwise."""
    if isinstance(value, bool) or not isinstance(value, Integral) or value < low:
        kind = {0: "non-negative", 1: "positive"}.get(low, f">= {low}")
        raise ValueError(f"{name}={value!r} must be a {kind} integer number of {what}.")
    return int(value)


def check_seed(seed: object, name: str = "seed") -> int:
    """A random seed as an ``int``: any non-negative integer, numpy's included; never a bool, a float or a string."""
    if isinstance(seed, bool) or not isinstance(seed, Integral) or seed < 0:
        raise ValueError(f"{name}={seed!r} must be a non-negative integer, for example 0.")
    return int(seed)
