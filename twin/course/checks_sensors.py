"""Autograded checks for chapter 3 (sensor simulation): metric depth, and IMU noise from an Allan deviation.

Like ``twin.course.checks``, each check calls the student's function, never raises because of it, never
shows the expected numbers, and returns a ``CheckResult`` with a hint that matches the mistake.
"""

from __future__ import annotations

import functools
from collections.abc import Callable

import numpy as np

from twin.course.checks import CheckResult, _call


# -- exercise 1: metric depth from pybullet's depth buffer ------------------------------------------
def reference_metric_depth(buffer: np.ndarray, near: float, far: float) -> np.ndarray:
    """z = far near / (far - (far - near) d)."""
    d = np.asarray(buffer, dtype=float)
    return far * near / (far - (far - near) * d)


def _depth_hint(got: np.ndarray, buffer: np.ndarray, near: float, far: float) -> str:
    d = np.asarray(buffer, dtype=float)
    if np.allclose(got, near + d * (far - near), rtol=1e-6):
        return (
            "you mapped the buffer linearly between near and far; the depth buffer is non-linear (most of its "
            "range is spent close to the near plane). Invert d = (1/near - 1/z) / (1/near - 1/far)."
        )
    if np.allclose(got, reference_metric_depth(d, far, near), rtol=1e-6):
        return "near and far seem swapped: at d = 0 the depth must be the near plane's distance."
    if np.allclose(got, d, rtol=1e-6):
        return "you returned the buffer itself; it holds numbers in 0..1, not metres."
    return "at d = 0 the answer must be `near`, at d = 1 `far`; in between, invert the non-linear buffer."


def check_metric_depth(metric_depth: Callable) -> CheckResult:
    """Checks ``metric_depth(buffer, near, far)`` on the buffer's ends and on random buffers (whole arrays)."""
    name = "Exercise 1: metric depth from the depth buffer"
    rng = np.random.default_rng(12)
    cases = [
        (np.array([0.0, 1.0]), 0.1, 10.0),
        (rng.random((6, 8)), 0.05, 20.0),
        (rng.random(50) ** 0.1, 0.2, 5.0),
    ]
    for buffer, near, far in cases:
        got, failure = _call(name, metric_depth, buffer.copy(), near, far)
        if failure is not None:
            return failure
        try:
            got = np.asarray(got, dtype=float)
        except (TypeError, ValueError):
            return CheckResult(name, False, f"Return an array of depths in metres; got {type(got).__name__}.")
        if got.shape != buffer.shape:
            return CheckResult(
                name, False, f"Return one depth per buffer value (shape {buffer.shape}); got shape {got.shape}."
            )
        if not np.allclose(got, reference_metric_depth(buffer, near, far), rtol=1e-6, atol=1e-9):
            return CheckResult(
                name,
                False,
                f"With near={near} m and far={far} m your depths are not right. Hint: "
                + _depth_hint(got, buffer, near, far),
            )
    return CheckResult(name, True, "Your depths agree with the inverted depth buffer on every test buffer.")


# -- exercise 2: N and K from an Allan deviation ---------------------------------------------------
def synthetic_allan_curve(noise_density: float, bias_random_walk: float, taus: np.ndarray) -> np.ndarray:
    """The exact two-term Allan deviation sqrt(N^2 / tau + K^2 tau / 3)."""
    taus = np.asarray(taus, dtype=float)
    return np.sqrt(noise_density**2 / taus + bias_random_walk**2 * taus / 3.0)


def _allan_hint(got_n: float, got_k: float, n: float, k: float, taus: np.ndarray, adev: np.ndarray) -> str:
    def near(a: float, b: float) -> bool:
        return bool(np.isclose(a, b, rtol=0.1))

    at = lambda tau: float(np.exp(np.interp(np.log(tau), np.log(taus), np.log(adev))))  # noqa: E731
    if near(got_n, n**2) or near(got_k, k**2):
        return "return deviations (the square roots), not variances."
    if near(got_k, at(1.0)) or near(got_k, k / np.sqrt(3.0)):
        return "K is read where the +1/2 line crosses tau = 3 s, not 1 s (sigma = K sqrt(tau / 3))."
    if near(got_k, at(3.0)) and not near(at(3.0), k):
        return (
            "you read the curve itself at tau = 3 s, but there the white noise still dominates. K is the value of "
            "the slope +1/2 *line*, fitted where the curve rises at long tau and extended back to 3 s."
        )
    if not near(got_n, n):
        return (
            "N is where the slope -1/2 line (white noise alone, sigma = N / sqrt(tau)) crosses tau = 1 s; "
            "fit that line where the curve falls, away from the bottom where both noises mix."
        )
    return (
        "K is where the slope +1/2 line (sigma = K sqrt(tau / 3)) crosses tau = 3 s; fit that line where the curve "
        "rises, at long tau, and extend it back to 3 s."
    )


# Simulated still gyros: 12 h at 10 Hz, where the white noise and the bias random walk cross near tau = 40 s, so the
# last decade of tau (T/100..T/10) is the walk's alone, and the first decade the white noise's alone.
RECORDING_RATE_HZ = 10.0
RECORDING_HOURS = 12.0
RECORDED_IMUS = ((0.005, 0.0002, 0), (2e-4, 8e-6, 1), (0.02, 0.001, 2))  # (N, K, seed)
# At tau = T/10 an Allan deviation rests on 10 clusters: about 1 / sqrt(2 (10 - 1)) = 24 % uncertain, so K read on
# the last decade of a real recording is good to about 10 % rms (a fixed +1/2 slope, measured over 40 recordings:
# worst 24 %); N rests on thousands of clusters.
RECORDED_K_TOLERANCE = 0.3
RECORDED_N_TOLERANCE = 0.1


@functools.cache
def recorded_allan_curve(noise_density: float, bias_random_walk: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """(taus in s, adev in rad/s) of a simulated still gyro, ``RECORDING_HOURS`` h at ``RECORDING_RATE_HZ``."""
    from twin.sensors.allan import allan_deviation
    from twin.sensors.imu import InertialNoise, simulate_still_sensor

    noise = InertialNoise(noise_density=noise_density, bias_random_walk=bias_random_walk)
    samples = int(RECORDING_HOURS * 3600 * RECORDING_RATE_HZ)
    still = simulate_still_sensor(noise, RECORDING_RATE_HZ, samples, seed=seed)
    return allan_deviation(still[:, 0], RECORDING_RATE_HZ)


def _free_slope_readings(taus: np.ndarray, adev: np.ndarray) -> list[float]:
    """K read from a straight line of *fitted* slope through the curve's rising end, extended back to tau = 3 s."""
    readings = []
    for rising in (taus >= taus[-1] / 10, np.arange(taus.size) >= np.argmin(adev)):
        if np.count_nonzero(rising) >= 2:
            slope, level = np.polyfit(np.log(taus[rising]), np.log(adev[rising]), 1)
            readings.append(float(np.exp(level + slope * np.log(3.0))))
    return readings


def _recorded_k_hint(got_k: float, taus: np.ndarray, adev: np.ndarray) -> str:
    if any(np.isclose(got_k, reading, rtol=0.02) for reading in _free_slope_readings(taus, adev)):
        return (
            "you fitted the slope of the rising end yourself. On a real recording its last points rest on a handful "
            "of clusters, so a fitted slope wanders, and extending it back to 3 s magnifies the error. Theory fixes "
            "the slope at +1/2: fit only the line's level there (e.g. the median of adev * sqrt(3 / tau))."
        )
    return (
        "on a real recording the curve scatters at long tau (few clusters). Read K from a line of fixed slope +1/2 "
        "fitted to many points where the curve rises (e.g. the median of adev * sqrt(3 / tau) over the last "
        "decade), not from one point or from a fitted slope."
    )


def _reading(name: str, noise_parameters: Callable, taus: np.ndarray, adev: np.ndarray):
    got, failure = _call(name, noise_parameters, taus.copy(), adev.copy())
    if failure is not None:
        return None, failure
    try:
        got_n, got_k = (float(x) for x in got)  # type: ignore[union-attr]
    except (TypeError, ValueError):
        return None, CheckResult(name, False, f"Return a pair (N, K) of two numbers; got {got!r}.")
    return (got_n, got_k), None


def check_noise_parameters(noise_parameters: Callable) -> CheckResult:
    """Checks ``noise_parameters(taus, adev) -> (N, K)``: within 10 % on exact Allan curves with known N and K, and
    on Allan deviations of simulated 12 h still-gyro recordings N within 10 % and K within 30 %."""
    name = "Exercise 2: N and K from an Allan deviation"
    taus = np.logspace(-2, 4, 60)
    for n, k in ((0.005, 0.0002), (2e-4, 3e-5), (0.02, 0.004)):
        adev = synthetic_allan_curve(n, k, taus)
        got, failure = _reading(name, noise_parameters, taus, adev)
        if failure is not None:
            return failure
        got_n, got_k = got
        if not (np.isclose(got_n, n, rtol=0.1) and np.isclose(got_k, k, rtol=0.1)):
            return CheckResult(
                name,
                False,
                "On an Allan curve with known parameters your (N, K) is off by more than 10 %. Hint: "
                + _allan_hint(got_n, got_k, n, k, taus, adev),
            )
    for n, k, seed in RECORDED_IMUS:
        recorded_taus, recorded_adev = recorded_allan_curve(n, k, seed)
        got, failure = _reading(name, noise_parameters, recorded_taus, recorded_adev)
        if failure is not None:
            return failure
        got_n, got_k = got
        if not np.isclose(got_n, n, rtol=RECORDED_N_TOLERANCE):
            return CheckResult(
                name,
                False,
                f"On the Allan deviation of a simulated {RECORDING_HOURS:g} h recording of a still gyro, your N is off "
                "by more than 10 %. Hint: " + _allan_hint(got_n, k, n, k, recorded_taus, recorded_adev),
            )
        if not np.isclose(got_k, k, rtol=RECORDED_K_TOLERANCE):
            return CheckResult(
                name,
                False,
                f"On the Allan deviation of a simulated {RECORDING_HOURS:g} h recording of a still gyro, your K is off "
                f"by more than {RECORDED_K_TOLERANCE:.0%}. Hint: "
                + _recorded_k_hint(got_k, recorded_taus, recorded_adev),
            )
    return CheckResult(
        name,
        True,
        "N and K are right on three exact curves, from a gyro-grade IMU to a cheap one, and on three simulated 12 h "
        "recordings of still gyros.",
    )
