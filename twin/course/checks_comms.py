"""Autograded checks for chapter 06 (real-time communication). Same verdict for the student and the grader.

Exercise 1: the NTP offset and round-trip delay from one probe's four timestamps.
Exercise 2: the largest latency a twin-in-the-loop balance can tolerate, found by experiment.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

from twin.course.checks import CheckResult, _call
from twin.link.clock_sync import ClockProbe

# (t0, t1, t2, t3): local send, remote receive, remote send, local receive; remote = local + offset.
_PROBES: tuple[tuple[float, float, float, float], ...] = (
    (10.000, 12.002, 12.003, 10.005),  # offset 2 s, 2 ms up, 2 ms down, 1 ms processing
    (5.000, 4.5015, 4.5020, 5.0030),  # remote clock behind: negative offset, asymmetric path
    (0.0, 0.0, 0.0, 0.0),
    (100.0, 100.010, 100.050, 100.070),  # slow remote processing (40 ms) must not count as delay
)


def _reference(t0: float, t1: float, t2: float, t3: float) -> tuple[float, float]:
    probe = ClockProbe(t0, t1, t2, t3)
    return probe.offset, probe.delay


def _ntp_hint(probe: tuple[float, ...], got: tuple[float, float], want: tuple[float, float]) -> str:
    t0, t1, t2, t3 = probe
    offset, delay = got
    if math.isclose(offset, -want[0], abs_tol=1e-9) and want[0]:
        return "your offset has the wrong sign: it is the remote clock minus the local clock."
    if math.isclose(delay, t3 - t0, abs_tol=1e-9) and t2 != t1:
        return "the delay must not include the time the remote side took to answer (t2 - t1)."
    if math.isclose(offset, 2 * want[0], abs_tol=1e-9):
        return "average the two one-way estimates: divide their sum by 2."
    if not math.isclose(offset, want[0], abs_tol=1e-9):
        return "the offset averages (t1 - t0) and (t2 - t3): one estimate from each direction."
    return "the round-trip delay is the whole exchange (t3 - t0) minus the remote's processing (t2 - t1)."


def check_ntp(ntp: Callable[[float, float, float, float], tuple[float, float]]) -> CheckResult:
    """Checks ``ntp(t0, t1, t2, t3) -> (offset, delay)`` on four probes, including asymmetric ones."""
    name = "Exercise 1: clock offset and delay from four timestamps"
    for probe in _PROBES:
        answer, failure = _call(name, ntp, *probe)
        if failure is not None:
            return failure
        if not (isinstance(answer, tuple | list) and len(answer) == 2):
            return CheckResult(name, False, f"Return a pair (offset, delay) of numbers in seconds; got {answer!r}.")
        try:
            got = (float(answer[0]), float(answer[1]))
        except (TypeError, ValueError):
            return CheckResult(name, False, f"Return two numbers (seconds); got {answer!r}.")
        want = _reference(*probe)
        if not (math.isclose(got[0], want[0], abs_tol=1e-9) and math.isclose(got[1], want[1], abs_tol=1e-9)):
            return CheckResult(
                name,
                False,
                f"For t0..t3 = {probe}: you returned offset={got[0]:.6g} s, delay={got[1]:.6g} s. "
                f"Hint: {_ntp_hint(probe, got, want)}",
            )
    return CheckResult(name, True, "Offset and delay are right on all four probes, asymmetric paths included.")


# -- exercise 2 ------------------------------------------------------------------------------------
TOLERANCE_CANDIDATES_MS = tuple(range(0, 45, 5))  # one-way latency, ms
TOLERANCE_RUNS_S = (2.0, 1.5)  # run lengths, s: in the shorter run the pendulum has less time to settle
HELD_WITHIN = 0.05  # rad: "still balancing" means the last 0.25 s stays within this of upright
HELD_STEPS = 60  # the last 0.25 s at 240 Hz


def _tracking_errors(latency_ms: float, seconds: float) -> np.ndarray:
    """|robot angle - upright| (rad) at every step of a twin-in-the-loop balance with ``latency_ms`` each way."""
    from twin.link.impairments import Impairments
    from twin.studies.comms import balance_under_impairments

    run, _ = balance_under_impairments(Impairments(latency=latency_ms / 1000.0), seconds=seconds)
    return np.abs(run.tracking_errors[:, 0])


def balances(latency_ms: float, seconds: float = 2.0) -> bool:
    """True when the twin-in-the-loop pendulum, run for ``seconds`` s with ``latency_ms`` ms each way, stays
    within ``HELD_WITHIN`` rad of upright over the last ``HELD_STEPS`` steps."""
    return bool(_tracking_errors(latency_ms, seconds)[-HELD_STEPS:].max() < HELD_WITHIN)


def check_latency_tolerance(largest_tolerated_latency: Callable[[tuple[int, ...], float], float]) -> CheckResult:
    """Checks ``largest_tolerated_latency(candidates_ms, seconds)``: the largest one-way latency (ms) among the
    candidates at which a ``seconds``-long run still ends balanced, for each run length in ``TOLERANCE_RUNS_S``."""
    name = "Exercise 2: how much latency can the balancing twin take?"
    for seconds in TOLERANCE_RUNS_S:
        answer_ms, failure = _call(name, largest_tolerated_latency, TOLERANCE_CANDIDATES_MS, seconds)
        if failure is not None:
            return failure
        if isinstance(answer_ms, bool) or not isinstance(answer_ms, int | float | np.number):
            return CheckResult(
                name, False, f"For {seconds:g} s runs: give a number of milliseconds, e.g. 15; got {answer_ms!r}."
            )
        if float(answer_ms) not in TOLERANCE_CANDIDATES_MS:
            return CheckResult(name, False, f"Pick one of {list(TOLERANCE_CANDIDATES_MS)} ms (one-way latency).")
        errors = _tracking_errors(float(answer_ms), seconds)
        if errors[-HELD_STEPS:].max() >= HELD_WITHIN:
            if errors[-1] < HELD_WITHIN:
                hint = (
                    f"its very last sample is within {HELD_WITHIN} rad, but not all of the last {HELD_STEPS} steps "
                    "are: it is still swinging. Check every one of them, not only the last."
                )
            else:
                hint = "it has not stayed upright: try less latency."
            return CheckResult(
                name,
                False,
                f"In a {seconds:g} s run with {answer_ms:g} ms each way the pendulum is not balanced: {hint}",
            )
        if answer_ms + 5 in TOLERANCE_CANDIDATES_MS and balances(float(answer_ms) + 5, seconds):
            return CheckResult(
                name, False, f"In a {seconds:g} s run it still balances at {answer_ms + 5:g} ms: the limit is higher."
            )
    return CheckResult(
        name,
        True,
        "Right for both run lengths: the largest one-way latency at which the last 60 steps all stay within "
        f"{HELD_WITHIN} rad of upright.",
    )
