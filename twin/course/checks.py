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


def _is_number(value: object) -> bool:
    """True for one real number a student's function returned (Python or numpy), not a bool."""
    return isinstance(value, int | float | np.integer | np.floating) and not isinstance(value, bool)


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


def _integration_hint(p2v: str, v2p: str, answer: object) -> str:
    if answer not in ("model", "shadow", "twin"):
        return "Return exactly one of the strings 'model', 'shadow' or 'twin' (lower case)."
    if "manual" in (p2v, v2p):
        return (
            "A manual transfer (someone copies data or uploads a program by hand) does not count: "
            "only automatic flows do."
        )
    if p2v == "automatic" and v2p == "automatic":
        return "Data flows automatically in both directions here."
    if p2v == "automatic":
        return "The model is kept up to date automatically, but nothing flows back to the robot automatically."
    if v2p == "automatic":
        return "Data flowing only from virtual to physical does not keep the model in step with the robot."
    return "Nothing flows automatically here."


def check_integration_level(integration_level: Callable[[str, str], str]) -> CheckResult:
    """Checks ``integration_level(physical_to_virtual, virtual_to_physical)`` on all nine flow pairs."""
    name = "Exercise 1: model, shadow or twin?"
    for p2v, v2p in itertools.product(FLOWS, FLOWS):
        answer, failure = _call(name, integration_level, p2v, v2p)
        if failure is not None:
            return failure
        if answer != reference_integration_level(p2v, v2p):
            return CheckResult(
                name,
                False,
                f"physical->virtual={p2v!r}, virtual->physical={v2p!r}: {answer!r} is not right for this "
                f"combination. Hint: {_integration_hint(p2v, v2p, answer)}",
            )
    return CheckResult(name, True, "All nine combinations of data flow are classified correctly.")


# -- chapter 01, exercise 2 ------------------------------------------------------------------------
def reference_error_summary(
    times: np.ndarray, predicted: np.ndarray, measured: np.ndarray, threshold: float, include_edge: bool = True
) -> dict:
    """RMSE over the last second, and the first time the absolute error exceeds ``threshold`` (None if never).

    Whether the sample exactly 1 s before the end belongs to "the last second" depends on rounding, so
    ``include_edge`` chooses; the check accepts either.
    """
    error = np.asarray(predicted, dtype=float) - np.asarray(measured, dtype=float)
    times = np.asarray(times, dtype=float)
    edge = times[-1] - 1.0
    last = times >= edge - 1e-9 if include_edge else times > edge + 1e-9
    over = np.nonzero(np.abs(error) > threshold)[0]
    return {
        "rmse_last_second": float(np.sqrt(np.mean(error[last] ** 2))),
        "first_exceedance_time": float(times[over[0]]) if over.size else None,
    }


def _same_time(got: object, want: float | None) -> bool:
    if want is None or got is None:
        return got is None and want is None
    return isinstance(got, int | float) and bool(np.isclose(got, want))


def _exceedance_hint(
    got: object, times: np.ndarray, error: np.ndarray, threshold: float, want: float | None, usual_threshold: float
) -> str:
    def first(over: np.ndarray) -> float | None:
        found = np.nonzero(over)[0]
        return float(times[found[0]]) if found.size else None

    if want is None and got is not None:
        if _same_time(got, first(np.abs(error) >= threshold)):
            return (
                "here |error| reaches the threshold but never goes above it; 'exceeds' means strictly greater (>), "
                "so the answer is None."
            )
        return (
            "here |error| never exceeds the threshold, so the answer is None (the object, not 0, NaN, a time or a "
            "string): there is no first time."
        )
    if want is not None and got is None:
        return "the error does exceed the threshold on this run: return the time of the first sample where it does."
    if _same_time(got, first(error > threshold)):
        return "compare the *absolute* error with the threshold: a model can be wrong in either direction."
    if want is not None and isinstance(got, int | np.integer) and 0 <= int(got) < times.size:
        if float(times[int(got)]) == want:
            return "return the time in seconds (look it up in `times`), not the index of the sample."
    if threshold != usual_threshold and _same_time(got, first(np.abs(error) > usual_threshold)):
        return f"use the `threshold` argument (here {threshold} rad), not a fixed {usual_threshold}."
    return "find the first sample where |predicted - measured| > threshold and return its time in seconds."


def _made_up_runs() -> list[tuple[str, tuple[np.ndarray, np.ndarray, np.ndarray], float]]:
    """Two runs unlike the pendulum's: one whose error exceeds a different threshold, one whose never does."""
    drifting_t = np.arange(0, 3, 0.01)  # 100 Hz, 3 s: a different rate and length from the pendulum run
    drifting = (drifting_t, 0.05 * np.sin(7 * drifting_t) - 0.06 * drifting_t, np.zeros_like(drifting_t))
    # 50 Hz, 2.5 s: the error swings within +-0.05 rad and touches -0.05 exactly at one sample, never beyond it
    bounded_t = np.arange(125) / 50.0
    bounded_error = 0.04 * np.sin(5 * bounded_t)
    bounded_error[80] = -0.05
    bounded = (bounded_t, bounded_error, np.zeros_like(bounded_t))
    return [
        ("a made-up run (100 Hz, 3 s, threshold 0.08 rad)", drifting, 0.08),
        ("a made-up run whose error never exceeds its threshold of 0.05 rad", bounded, 0.05),
    ]


def check_error_summary(
    error_summary: Callable,
    times: np.ndarray,
    predicted: np.ndarray,
    measured: np.ndarray,
    threshold: float = 0.1,
) -> CheckResult:
    """Checks ``error_summary(times, predicted, measured, threshold)`` on the given run and on two made-up ones:
    one with another rate, length and threshold, one whose error never exceeds its threshold (answer ``None``)."""
    name = "Exercise 2: how wrong is the model, and since when?"
    cases = [("your pendulum run", (times, predicted, measured), threshold), *_made_up_runs()]
    for case, args, case_threshold in cases:
        answer, failure = _call(name, error_summary, *args, case_threshold)
        if failure is not None:
            return failure
        expected = [reference_error_summary(*args, case_threshold, include_edge=edge) for edge in (True, False)]
        if not isinstance(answer, dict) or set(answer) != set(expected[0]):
            return CheckResult(
                name, False, f"Return a dict with exactly the keys {sorted(expected[0])}; got {answer!r}."
            )
        got_rmse = answer["rmse_last_second"]
        rmse_ok = isinstance(got_rmse, int | float) and any(
            np.isclose(got_rmse, e["rmse_last_second"], rtol=1e-6, atol=1e-12) for e in expected
        )
        if not rmse_ok:
            sampled_otherwise = (
                " This run is sampled at another rate and for another length, so pick the last second by time, not "
                "by a fixed number of samples."
                if case != "your pendulum run"
                else ""
            )
            return CheckResult(
                name,
                False,
                f"On {case}, your rmse_last_second={got_rmse!r} rad is not right. Hint: square the errors, average "
                "them over the samples of the last second only (times >= t_end - 1), then take the square root."
                + sampled_otherwise,
            )
        if not _same_time(answer["first_exceedance_time"], expected[0]["first_exceedance_time"]):
            error = np.asarray(args[1], dtype=float) - np.asarray(args[2], dtype=float)
            hint = _exceedance_hint(
                answer["first_exceedance_time"],
                np.asarray(args[0]),
                error,
                case_threshold,
                expected[0]["first_exceedance_time"],
                threshold,
            )
            return CheckResult(
                name,
                False,
                f"On {case}, your first_exceedance_time={answer['first_exceedance_time']!r} is not right. Hint: {hint}",
            )
    return CheckResult(
        name, True, "Both numbers agree with the reference on your run and on two made-up runs, one that never exceeds."
    )
