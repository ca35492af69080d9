"""RUL from degradation fits: coverage of the interval over seeds, error bounds, C-MAPSS score, wear scenario."""

from __future__ import annotations

import math

import numpy as np
import pytest

from twin.analytics.maintenance import cmapss_score, fit_degradation
from twin.studies.wear import WearScenario


def synthetic(model: str, seed: int, days: int = 20, noise: float = 0.1) -> tuple[np.ndarray, np.ndarray, float]:
    """A degradation history with known truth: returns (days, HI, true RUL after the last day to HI = 1)."""
    rng = np.random.default_rng(seed)
    t = np.arange(float(days))
    if model == "exponential":  # HI = 0.05 exp(0.1 t) x lognormal noise; reaches 1 at t = 10 ln 20
        health = 0.05 * np.exp(0.1 * t + rng.normal(0, noise, days))
        failure = 10 * math.log(20)
    else:  # HI = 0.1 + 0.03 t + noise; reaches 1 at t = 30
        health = 0.1 + 0.03 * t + rng.normal(0, noise * 0.1, days)
        failure = 30.0
    return t, health, failure - t[-1]


@pytest.mark.parametrize("model", ["exponential", "linear"])
def test_interval_covers_the_true_rul_at_its_nominal_rate(model):
    hits = []
    for seed in range(300):
        days, health, true_rul = synthetic(model, seed)
        hits.append(fit_degradation(days, health, model=model).remaining_useful_life(1.0, 0.9).covers(true_rul))
    coverage = np.mean(hits)
    assert coverage == pytest.approx(0.9, abs=0.05)  # binomial sd 0.017 over 300 seeds


def test_rul_error_within_stated_bound_on_synthetic_degradation():
    # Stated bound: with 20 daily inspections and 10 % lognormal noise, the RUL error stays under 3 days
    # (about 30 % of the true 10 days) in at least 95 % of histories; the median error is under 1 day.
    errors = []
    for seed in range(200):
        t, health, true_rul = synthetic("exponential", seed)
        errors.append(fit_degradation(t, health).remaining_useful_life(1.0).rul - true_rul)
    errors = np.abs(errors)
    assert np.mean(errors < 3.0) >= 0.95
    assert np.median(errors) < 1.0


def test_flat_history_gives_an_open_ended_interval():
    t = np.arange(10.0)
    health = 0.5 + np.random.default_rng(1).normal(0, 0.01, 10)
    estimate = fit_degradation(t, health, model="linear").remaining_useful_life(1.0)
    assert math.isinf(estimate.upper) and estimate.lower == 0.0
    assert "never" in str(estimate)


def test_cmapss_score_is_asymmetric_and_matches_its_formula():
    assert cmapss_score([10.0], [10.0]) == 0.0
    early, late = cmapss_score([0.0], [10.0]), cmapss_score([20.0], [10.0])
    assert early == pytest.approx(math.exp(10 / 13) - 1)
    assert late == pytest.approx(math.exp(1) - 1)
    assert late > early  # ten days late costs more than ten days early
    assert cmapss_score([0.0, 20.0], [10.0, 10.0]) == pytest.approx(early + late)  # summed over units


def test_wear_raises_the_health_indicator_and_the_fit_predicts_failure():
    scenario = WearScenario(seed=3)
    assert scenario.friction(0) == pytest.approx(scenario.day0.joint_friction)
    days, health = scenario.inspect(np.arange(8.0, 21.0, 2.0))
    assert np.all(np.diff(health) > 0)  # wear shows, above the noise, day after day
    threshold = 0.1  # rad of residual RMS: the joint is worn out
    true_rul = scenario.failure_day(threshold, tolerance=0.1) - days[-1]
    estimate = fit_degradation(days, health).remaining_useful_life(threshold)
    # Stated bound for this scenario: within 2 days of the truth (the exponential model is approximate).
    assert abs(estimate.rul - true_rul) < 2.0, (estimate, true_rul)


def test_a_weakening_motor_raises_the_indicator_in_proportion_and_a_line_predicts_its_failure():
    motor = WearScenario(friction_wear=0.0, strength_loss_per_day=0.01, seed=7)  # 1 % torque lost per day
    assert motor.strength(10) == pytest.approx(0.9)
    days, health = motor.inspect(np.arange(0.0, 21.0, 4.0))
    slope = np.polyfit(days, health, 1)[0]
    assert health[-1] / health[2] == pytest.approx(20 / 8, rel=0.1)  # HI grows like the torque lost (linear)
    assert slope > 0
    threshold = 0.06
    true_rul = motor.failure_day(threshold, tolerance=0.1) - days[-1]
    estimate = fit_degradation(days[1:], health[1:], model="linear").remaining_useful_life(threshold)
    assert abs(estimate.rul - true_rul) < 2.0, (estimate, true_rul)


def test_healthy_day_residual_is_the_sensor_noise():
    scenario = WearScenario(friction_wear=0.0, seed=5)
    # the model is calibrated from a day-0 recording, not handed the truth: close, not equal
    assert scenario.model_parameters != scenario.day0
    assert abs(scenario.model_parameters.mass_scale - scenario.day0.mass_scale) < 0.01
    # its error leaves a noise-free HI far below the sensor noise; with the truth as model it is exactly 0
    assert 0 < scenario.health_indicator(0, noisy=False) < 0.25 * scenario.position_noise_std
    oracle = WearScenario(friction_wear=0.0, seed=5, model=scenario.day0)
    assert oracle.health_indicator(0, noisy=False) == pytest.approx(0.0, abs=1e-9)
    assert scenario.health_indicator(3) == pytest.approx(scenario.position_noise_std, rel=0.15)


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: fit_degradation([0, 1], [1, 2]), "at least 4"),
        (lambda: fit_degradation([0, 1, 2, 3], [1, 2, 3]), "same length"),
        (lambda: fit_degradation([0, 1, 2, 3], [1, -2, 3, 4]), "health > 0"),
        (lambda: fit_degradation([1, 1, 1, 1], [1, 2, 3, 4]), "same time"),
        (lambda: fit_degradation([0, 1, 2, 3], [1, 2, 3, 4], model="cubic"), "model"),
        (lambda: fit_degradation(range(5), [1, 2, np.nan, 4, 5]), "finite"),
        (lambda: fit_degradation(range(5), range(1, 6)).remaining_useful_life(2.0, level=1.5), "level"),
        (lambda: cmapss_score([1.0, 2.0], [1.0]), "same shape"),
        (lambda: cmapss_score([math.inf], [1.0]), "finite"),
        (lambda: WearScenario(wear_rate=-1), "wear_rate"),
        (lambda: WearScenario(strength_loss_per_day=1.5), "strength_loss_per_day"),
        (lambda: WearScenario().inspect(0), "days"),
        (lambda: WearScenario(friction_wear=0.0).failure_day(0.1, horizon=4), "stays below"),
    ],
)
def test_bad_inputs_are_clear_errors(make, message):
    with pytest.raises(ValueError, match=message):
        make()


def test_a_fit_keeps_its_own_times_and_takes_numpy_thresholds():
    """The fit held the caller's times array: changing it after fitting silently moved the RUL's 'now'."""
    times = np.arange(6.0)
    fit = fit_degradation(times, np.exp(0.2 * times), model="exponential")
    before = fit.remaining_useful_life(10.0)
    times[:] = 100.0
    assert fit.remaining_useful_life(np.int64(10)) == before  # np.int64 was refused as 'not a finite number'
    with pytest.raises(ValueError, match="read-only"):
        fit.times[-1] = 50.0
    with pytest.raises(ValueError, match="now=nan"):  # was: an RUL of 0 days
        fit.remaining_useful_life(10.0, now=math.nan)
