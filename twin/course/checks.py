"""Autograded checks for the exercises: the same verdict for the student and for the grader.

Each ``check_*`` function calls the student's code, never raises because of it, and returns a
``CheckResult`` that shows as a green or red box in the notebook, with a hint when it fails.
"""

from __future__ import annotations

import html
import itertools
import traceback
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

FLOWS = ("none", "manual", "automatic")


@dataclass(frozen=True)
class CheckResult:
    """The verdict of one check: ``passed`` and a message for the student."""

    name: str
    passed: bool
    message: str

    def __bool__(self) -> bool:
        return self.passed

    def __str__(self) -> str:
        return f"{'PASSED' if self.passed else 'NOT YET'} - {self.name}: {self.message}"

    def _repr_html_(self) -> str:
        colour, mark = ("#1b7f3b", "&#10004;") if self.passed else ("#b3261e", "&#10008;")
        return (
            f'<div style="border-left:6px solid {colour};padding:6px 10px;margin:4px 0">'
            f"<b>{mark} {html.escape(self.name)}</b><br>{html.escape(self.message)}</div>"
        )


def _call(name: str, function: Callable, *args: object) -> tuple[object, CheckResult | None]:
    """Call the student's function; turn a crash or an unfinished stub into a friendly verdict."""
    try:
        return function(*args), None
    except NotImplementedError:
        return None, CheckResult(name, False, "Not answered yet: replace the `raise NotImplementedError(...)` line.")
    except Exception as error:  # the student's bug, reported, not raised
        where = traceback.format_exception_only(type(error), error)[-1].strip()
        return None, CheckResult(name, False, f"Your function raised {where}")


# -- chapter 01, exercise 1 ------------------------------------------------------------------------
def reference_integration_level(physical_to_virtual: str, virtual_to_physical: str) -> str:
    """Kritzinger et al. (2018): only *automatic* flows count; a manual flow is no integration."""
    if physical_to_virtual == "automatic" and virtual_to_physical == "automatic":
        return "twin"
    if physical_to_virtual == "automatic":
        return "shadow"
    return "model"


def check_integration_level(integration_level: Callable[[str, str], str]) -> CheckResult:
    """Checks ``integration_level(physical_to_virtual, virtual_to_physical)`` on all nine flow pairs."""
    name = "Exercise 1: model, shadow or twin?"
    for p2v, v2p in itertools.product(FLOWS, FLOWS):
        answer, failure = _call(name, integration_level, p2v, v2p)
        if failure is not None:
            return failure
        expected = reference_integration_level(p2v, v2p)
        if answer != expected:
            hint = (
                "A manual transfer (someone copies data by hand) does not make a shadow or a twin: only automatic "
                "flows count."
                if "manual" in (p2v, v2p)
                else "A shadow receives data automatically from the robot; a twin also sends commands back "
                "automatically. Data flowing only from virtual to physical does not keep the model in step."
            )
            return CheckResult(
                name,
                False,
                f"physical->virtual={p2v!r}, virtual->physical={v2p!r}: you said {answer!r}, "
                f"the answer is one of 'model', 'shadow', 'twin'. Hint: {hint}",
            )
    return CheckResult(name, True, "All nine combinations of data flow are classified correctly.")


# -- chapter 01, exercise 2 ------------------------------------------------------------------------
def reference_error_summary(times: np.ndarray, predicted: np.ndarray, measured: np.ndarray, threshold: float) -> dict:
    """RMSE over the last second, and the first time the absolute error exceeds ``threshold`` (None if never)."""
    error = np.asarray(predicted, dtype=float) - np.asarray(measured, dtype=float)
    times = np.asarray(times, dtype=float)
    last = times >= times[-1] - 1.0
    over = np.nonzero(np.abs(error) > threshold)[0]
    return {
        "rmse_last_second": float(np.sqrt(np.mean(error[last] ** 2))),
        "first_exceedance_time": float(times[over[0]]) if over.size else None,
    }


def check_error_summary(
    error_summary: Callable, times: np.ndarray, predicted: np.ndarray, measured: np.ndarray, threshold: float = 0.1
) -> CheckResult:
    """Checks ``error_summary(times, predicted, measured, threshold)`` on the given run and on a made-up one."""
    name = "Exercise 2: how wrong is the model, and since when?"
    synthetic_t = np.arange(0, 3, 0.01)
    synthetic = (synthetic_t, 0.05 * np.sin(7 * synthetic_t) - 0.06 * synthetic_t, np.zeros_like(synthetic_t))
    for case, args in (("your pendulum run", (times, predicted, measured)), ("a made-up run", synthetic)):
        answer, failure = _call(name, error_summary, *args, threshold)
        if failure is not None:
            return failure
        expected = reference_error_summary(*args, threshold)
        if not isinstance(answer, dict) or set(answer) != set(expected):
            return CheckResult(name, False, f"Return a dict with exactly the keys {sorted(expected)}; got {answer!r}.")
        got_rmse, want_rmse = answer["rmse_last_second"], expected["rmse_last_second"]
        if not isinstance(got_rmse, int | float) or not np.isclose(got_rmse, want_rmse, rtol=1e-6, atol=1e-9):
            return CheckResult(
                name,
                False,
                f"On {case}, rmse_last_second={got_rmse!r} but it should be {want_rmse:.6g} rad. Hint: square the "
                "errors, average them over the samples of the last second only (times >= t_end - 1), then take "
                "the square root.",
            )
        got_time, want_time = answer["first_exceedance_time"], expected["first_exceedance_time"]
        same_time = (got_time is None and want_time is None) or (
            got_time is not None and want_time is not None and np.isclose(got_time, want_time)
        )
        if not same_time:
            return CheckResult(
                name,
                False,
                f"On {case}, first_exceedance_time={got_time!r} but it should be {want_time!r} s. Hint: compare the "
                "*absolute* error with the threshold: a model can be wrong in either direction.",
            )
    return CheckResult(name, True, "Both numbers agree with the reference on your run and on a made-up run.")
