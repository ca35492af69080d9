"""Chapter 3 exercise checks: the solutions pass, the stubs and typical mistakes fail with the matching hint."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from twin.course.checks_sensors import (
    check_metric_depth,
    check_noise_parameters,
    reference_metric_depth,
    synthetic_allan_curve,
)
from twin.course.exercises import make_exercise, render

ROOT = Path(__file__).resolve().parents[1]
SOLUTION = ROOT / "solutions" / "03_sensor_simulation_exercises.ipynb"
EXERCISE = ROOT / "exercises" / "03_sensor_simulation_exercises.ipynb"


def answers(path: Path) -> dict:
    """Define the notebook's answer functions (only the cells that define them: no simulation needed)."""
    namespace: dict = {"np": np}
    for cell in json.loads(path.read_text())["cells"]:
        source = "".join(cell["source"])
        if cell["cell_type"] == "code" and source.startswith("def "):
            exec(compile(source, path.name, "exec"), namespace)
    return namespace


def test_exercise_is_generated_from_the_solution():
    assert EXERCISE.read_text() == render(make_exercise(json.loads(SOLUTION.read_text())))


def test_solutions_pass():
    solved = answers(SOLUTION)
    assert check_metric_depth(solved["metric_depth"]).passed
    result = check_noise_parameters(solved["noise_parameters"])
    assert result.passed, result.message


def test_stubs_fail_kindly():
    unsolved = answers(EXERCISE)
    for result in (check_metric_depth(unsolved["metric_depth"]), check_noise_parameters(unsolved["noise_parameters"])):
        assert not result.passed and "Not answered yet" in result.message


@pytest.mark.parametrize(
    "answer, hint",
    [
        (lambda d, n, f: n + np.asarray(d) * (f - n), "linearly"),
        (lambda d, n, f: reference_metric_depth(d, f, n), "swapped"),
        (lambda d, n, f: np.asarray(d), "buffer itself"),
        (lambda d, n, f: float(np.mean(reference_metric_depth(d, n, f))), "shape"),
    ],
)
def test_metric_depth_mistakes_get_matching_hints(answer, hint):
    result = check_metric_depth(answer)
    assert not result.passed and hint in result.message


def _at(taus, adev, tau):
    return float(np.exp(np.interp(np.log(tau), np.log(taus), np.log(adev))))


@pytest.mark.parametrize(
    "answer, hint",
    [
        (lambda t, a: (_at(t, a, 1.0), _at(t, a, 1.0)), "tau = 3 s"),  # reads K at 1 s
        (lambda t, a: (_at(t, a, 1.0) ** 2, _at(t, a, 3.0) ** 2), "variances"),
        (lambda t, a: (_at(t, a, 1.0), _at(t, a, 3.0)), "the curve itself"),  # reads the curve, not the line
        (lambda t, a: (_at(t, a, 0.3), _at(t, a, 1e4) * np.sqrt(3 / 1e4)), "tau = 1 s"),  # N off the line
        (lambda t, a: 0.1, "pair"),
    ],
)
def test_allan_mistakes_get_matching_hints(answer, hint):
    result = check_noise_parameters(answer)
    assert not result.passed and hint in result.message, result.message


def test_checks_never_leak_the_expected_numbers():
    result = check_noise_parameters(lambda t, a: (1.0, 1.0))
    for number in ("0.005", "0.0002", "2e-04", "3e-05", "0.02", "0.004"):
        assert number not in result.message
    taus = np.logspace(-2, 4, 60)
    assert np.allclose(synthetic_allan_curve(0.01, 0.0, taus) * np.sqrt(taus), 0.01)


def test_a_crashing_answer_is_reported_not_raised():
    result = check_metric_depth(lambda d, n, f: 1 / 0)
    assert not result.passed and "ZeroDivisionError" in result.message


def _line_through(taus, adev, rising):
    slope, level = np.polyfit(np.log(taus[rising]), np.log(adev[rising]), 1)
    return float(np.exp(level + slope * np.log(3.0)))


def _n_from_first_decade(taus, adev):
    short = taus <= taus[0] * 10
    return float(np.median(adev[short] * np.sqrt(taus[short])))


def test_allan_check_rejects_a_fitted_slope_on_recorded_data():
    """A free-slope line through the last decade is right on exact curves but wanders on a real recording."""

    def free_slope(taus, adev):
        return _n_from_first_decade(taus, adev), _line_through(taus, adev, taus >= taus[-1] / 10)

    exact_taus = np.logspace(-2, 4, 60)
    exact = synthetic_allan_curve(0.005, 0.0002, exact_taus)
    assert np.isclose(free_slope(exact_taus, exact)[1], 0.0002, rtol=0.1)  # only recorded data can tell
    result = check_noise_parameters(free_slope)
    assert not result.passed and "fitted the slope" in result.message, result.message


def test_allan_check_rejects_one_point_and_the_curved_bottom_with_different_hints():
    def last_point(taus, adev):  # a fixed slope, but through the single least certain point
        return _n_from_first_decade(taus, adev), float(adev[-1] * np.sqrt(3.0 / taus[-1]))

    def from_the_minimum(taus, adev):  # a fitted line from the curve's bottom, where both noises mix
        return _n_from_first_decade(taus, adev), _line_through(taus, adev, np.arange(taus.size) >= np.argmin(adev))

    one_point = check_noise_parameters(last_point)
    assert not one_point.passed and "not from one point" in one_point.message, one_point.message
    bottom = check_noise_parameters(from_the_minimum)
    assert not bottom.passed and "fit that line where the curve rises" in bottom.message, bottom.message


def test_allan_check_accepts_fixed_slopes_and_a_two_term_least_squares_fit():
    from twin.sensors.allan import fit_noise_parameters

    def least_squares(taus, adev):
        fit = fit_noise_parameters(taus, adev)
        return fit.noise_density, fit.bias_random_walk

    for answer in (least_squares, answers(SOLUTION)["noise_parameters"]):
        result = check_noise_parameters(answer)
        assert result.passed, result.message


def test_recorded_curves_reach_the_right_tau_range():
    """The last decade lies where the bias random walk dominates and the first where white noise does: the two
    variances N^2 / tau and K^2 tau / 3 differ by (tau / crossing)^2, at least 16 times at the decades' inner ends."""
    from twin.course.checks_sensors import RECORDED_IMUS, recorded_allan_curve

    for n, k, seed in RECORDED_IMUS:
        taus, _ = recorded_allan_curve(n, k, seed)
        crossing = np.sqrt(3.0) * n / k  # s: where N^2 / tau = K^2 tau / 3
        assert taus[0] * 10 < crossing / 4 and taus[-1] / 10 > crossing * 4
