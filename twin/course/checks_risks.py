"""Checks for notebook 13's risk exercises: tune with a finer time step, flag queries outside the calibration
envelope, and choose a watchdog timeout that catches a stale link without crying wolf."""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

from twin.analytics.envelope import OperatingEnvelope
from twin.course.checks import CheckResult, _call, _is_number
from twin.studies.risks import (
    CONTROL_PERIOD,
    SETTLED,
    STANDIN_SUBSTEPS,
    hold_error,
    sample_and_hold_damping,
    stale_link,
)

# -- exercise: damping tuned with the safeguard ------------------------------------------------------------------
HIDDEN_STIFFNESSES = (900.0, 1200.0)  # N m/rad: holds stiffer than the notebook's
DAMPING_GRID = np.arange(0.5, 40.5, 0.5)  # N m s/rad: the grid the exercise tunes on
REFINEMENTS = (1, 2, 4, 8)  # physics steps per control period the safeguard checks
HOLDS = 10 * SETTLED  # rad: on the stand-in, within a tenth of the 0.1 rad start after 2 s (shaking is > 0.1 rad)
MAX_OVERDAMPING = 1.5  # at most this factor above the least damping that settles at every refinement


def _least_refined_damping(kp: float) -> float:
    """The least kd on ``DAMPING_GRID`` that settles in the twin at every one of ``REFINEMENTS``."""
    for kd in DAMPING_GRID:
        if all(hold_error(kp, float(kd), substeps) < SETTLED for substeps in REFINEMENTS):
            return float(kd)
    raise RuntimeError(f"no damping on the grid settles kp={kp}: the check's grid is too short.")  # pragma: no cover


def check_refined_damping(tune_damping: Callable[[float], float]) -> CheckResult:
    """Pass when, for two hidden stiffnesses, the student's kd holds the stand-in (error below 10 mrad after 2 s)
    and is no more than 1.5 times the least damping that settles at 1, 2, 4 and 8 physics steps per period."""
    name = "Damping tuned with a finer time step"
    for kp in HIDDEN_STIFFNESSES:
        answer, failed = _call(name, tune_damping, kp)
        if failed is not None:
            return failed
        if not _is_number(answer):
            return CheckResult(name, False, f"Return one number, kd in N m s/rad, such as 9.5 (got {answer!r}).")
        kd = float(answer)
        if not math.isfinite(kd) or kd < 0:
            return CheckResult(name, False, f"kd must be a finite damping >= 0 N m s/rad (got {kd} for kp={kp:g}).")
        error = hold_error(kp, kd, STANDIN_SUBSTEPS, standin=True)
        theory = sample_and_hold_damping(kp, CONTROL_PERIOD)
        if error >= HOLDS:
            hint = (
                "Tune at every refinement, not only at one physics step per period: the coarse twin hides the "
                f"damping the held torque loses (about kp T / 2 = {theory:g} N m s/rad here)"
                if kd < theory
                else "Right at the theory's edge the hold barely decays: take the least kd that settles at every "
                "refinement (1, 2, 4 and 8 steps per period), not kp T / 2 itself"
            )
            return CheckResult(
                name,
                False,
                f"With kp={kp:g} and your kd={kd:g} the stand-in is still {error:.3f} rad off after 2 s. {hint}.",
            )
        least = _least_refined_damping(kp)
        if kd > MAX_OVERDAMPING * least:
            return CheckResult(
                name,
                False,
                f"kd={kd:g} holds the stand-in for kp={kp:g}, but {least:g} already settles at every refinement: "
                "the task is the least damping that does (more kd amplifies the speed sensor's noise). Did you scale "
                "a safety factor, or mix up units?",
            )
    return CheckResult(
        name, True, "your damping holds both stiffer stand-ins, close to the least damping that survives refinement."
    )


# -- exercise: flag queries outside the calibration envelope -----------------------------------------------------
CHANNELS = ("angle", "speed", "torque")
# An envelope that is not symmetric about zero, and samples that tell the plausible wrong answers apart: inside;
# outside on speed only; exactly on the boundary (inside); inside although |angle| exceeds high (low is further
# out); outside below low although |angle| < high; outside on torque only; outside on all three.
HIDDEN_LOW = np.array([-0.4, -1.5, -1.3])
HIDDEN_HIGH = np.array([0.2, 1.6, 1.5])
HIDDEN_SAMPLES = np.array(
    [
        [0.0, 0.0, 0.0],
        [0.1, 2.0, 0.5],
        [0.2, 1.6, -1.3],
        [-0.3, 0.5, 0.2],
        [0.1, -1.6, 0.1],
        [-0.1, 0.2, 1.7],
        [0.9, 5.0, -4.0],
    ]
)


def check_outside_envelope(outside_envelope: Callable[[np.ndarray, np.ndarray, np.ndarray], np.ndarray]) -> CheckResult:
    """Pass when ``outside_envelope(low, high, samples)`` marks exactly the samples outside the box (per sample:
    any channel below low or above high; the boundary is inside), on hidden samples that separate the wrong
    answers (all channels instead of any, one channel only, |x| against high, a strict boundary)."""
    name = "Flag queries outside the calibration envelope"
    answer, failed = _call(name, outside_envelope, HIDDEN_LOW.copy(), HIDDEN_HIGH.copy(), HIDDEN_SAMPLES.copy())
    if failed is not None:
        return failed
    expected = OperatingEnvelope(CHANNELS, HIDDEN_LOW, HIDDEN_HIGH).check(HIDDEN_SAMPLES).outside
    try:
        flags = np.asarray(answer)
    except Exception:  # noqa: BLE001 - a student's object that numpy cannot read is reported, not raised
        flags = np.asarray(None)
    if flags.shape != expected.shape or flags.dtype != bool:
        return CheckResult(
            name,
            False,
            f"Return one True/False per sample: a boolean array of shape {expected.shape} for {len(expected)} samples "
            f"(got {type(answer).__name__} of shape {getattr(flags, 'shape', None)}). Compare per row, then combine "
            "the channels with np.any(..., axis=1).",
        )
    wrong = np.nonzero(flags != expected)[0]
    if not wrong.size:
        return CheckResult(name, True, "every hidden sample is flagged correctly, the boundary counted as inside.")
    i = int(wrong[0])
    sample = HIDDEN_SAMPLES[i]
    if expected[i]:
        out = [
            f"{c} {x:g} < low {lo:g}" if x < lo else f"{c} {x:g} > high {hi:g}"
            for c, x, lo, hi in zip(CHANNELS, sample, HIDDEN_LOW, HIDDEN_HIGH, strict=True)
            if x < lo or x > hi
        ]
        why = f"it leaves the envelope ({'; '.join(out)}), and one channel outside is enough"
    elif np.any(np.isclose(sample, HIDDEN_LOW) | np.isclose(sample, HIDDEN_HIGH)):
        why = "it lies exactly on the boundary, which the calibration data reached: count it as inside (<=, not <)"
    else:
        why = "every channel lies between its low and high (compare with each bound, not |x| with high)"
    return CheckResult(
        name,
        False,
        f"sample {sample.tolist()} was flagged {bool(flags[i])}, expected {bool(expected[i])}: {why}. "
        f"Envelope low {HIDDEN_LOW.tolist()}, high {HIDDEN_HIGH.tolist()}.",
    )


# -- exercise: a watchdog timeout --------------------------------------------------------------------------------
HIDDEN_LINK_SEEDS = (101, 102, 103, 105)  # other draws of the same healthy link's jitter and losses
NOTICE_WITHIN = 0.2  # s after the link fails


def check_watchdog_timeout(choose_timeout: Callable[[], float]) -> CheckResult:
    """Pass when a ``SampleAgeWatchdog`` with the student's timeout (s) never fires while four hidden runs of the
    healthy link last, and notices a repeating bridge within 0.2 s of the fault on each of them."""
    name = "A watchdog timeout that catches a stale link"
    answer, failed = _call(name, choose_timeout)
    if failed is not None:
        return failed
    if not _is_number(answer):
        return CheckResult(name, False, f"Return one number, the timeout in seconds, such as 0.1 (got {answer!r}).")
    timeout = float(answer)
    if not 0 < timeout < math.inf:
        return CheckResult(name, False, f"A timeout is a number of seconds > 0 (got {timeout}).")
    for seed in HIDDEN_LINK_SEEDS:
        run = stale_link("repeats", timeout=timeout, seed=seed)
        if run.false_alarms["sample age"]:
            return CheckResult(
                name,
                False,
                f"on a healthy run (seed {seed}) the watchdog fired {run.false_alarms['sample age']} time(s), "
                f"{1e3 * run.stale_before['sample age']:.0f} ms in all, although nothing was wrong: healthy samples "
                f"there reach an age of {1e3 * run.healthy_ages.max():.0f} ms (latency, a sample period, jitter, and a "
                "period more for each lost message). Leave a margin above the largest healthy age you measured.",
            )
        delay = run.delay("sample age")
        if delay > NOTICE_WITHIN:
            units = " Is it in milliseconds? The timeout is in seconds." if timeout > 1 else ""
            noticed = "never, within the run" if math.isinf(delay) else f"after {delay:.2f} s"
            return CheckResult(
                name,
                False,
                f"the link went stale at {run.fault_time:g} s and the watchdog noticed {noticed}; it must notice "
                f"within {NOTICE_WITHIN:g} s, well before the motor fails 0.5 s after the link.{units}",
            )
    return CheckResult(
        name,
        True,
        f"a {1e3 * timeout:.0f} ms timeout stays quiet on four healthy runs and catches the stale link within "
        f"{NOTICE_WITHIN:g} s on each.",
    )
