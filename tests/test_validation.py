"""Validation metrics against known answers, the whiteness test against theory, and the report card."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from twin.analytics.validation import (
    AcceptanceThresholds,
    autocorrelation,
    ljung_box,
    max_error,
    nrmse,
    rmse,
    validate,
)
from twin.calibration import calibrate, excitation_torques, predict, record_trajectory
from twin.core.types import DynamicsParameters
from twin.physical_system.standin import PhysicalStandIn


def test_metrics_on_a_known_error():
    measured = np.array([[0.0, 1.0], [1.0, 1.0], [2.0, 3.0], [3.0, 5.0]])
    predicted = measured + np.array([[0.1, 0.0], [-0.1, 0.0], [0.1, 0.0], [-0.1, 2.0]])
    assert np.allclose(rmse(measured, predicted), [0.1, 1.0])
    assert np.allclose(nrmse(measured, predicted), [0.1 / 3, 1.0 / 4])
    assert np.allclose(max_error(measured, predicted), [0.1, 2.0])
    assert np.allclose(rmse(measured[:, 0], predicted[:, 0]), [0.1])  # 1-D works too


def test_autocorrelation_of_a_sine_and_of_white_noise():
    t = np.arange(2000)
    sine = np.sin(2 * np.pi * t / 100)
    assert autocorrelation(sine, 50)[49] == pytest.approx(-1.0, abs=0.05)  # half a period apart: opposite
    noise = np.random.default_rng(0).standard_normal(2000)
    assert np.all(np.abs(autocorrelation(noise, 20)) < 3 / np.sqrt(2000))


def test_ljung_box_accepts_white_noise_and_rejects_correlated_noise():
    rng = np.random.default_rng(1)
    p_values = [ljung_box(rng.standard_normal(500), 10)[1] for _ in range(200)]
    # under the null hypothesis the p-value is uniform on [0, 1]
    assert stats.kstest(p_values, "uniform").pvalue > 0.01
    ar = np.zeros(500)
    e = rng.standard_normal(500)
    for k in range(1, 500):
        ar[k] = 0.5 * ar[k - 1] + e[k]
    q, p = ljung_box(ar, 10)
    assert p < 1e-6 and q > 100


def test_report_card_judges_each_threshold():
    rng = np.random.default_rng(2)
    measured = np.column_stack([np.sin(np.linspace(0, 6, 400)), np.cos(np.linspace(0, 6, 400))])
    good = measured + 0.01 * rng.standard_normal(measured.shape)
    report = validate(measured, good, AcceptanceThresholds(max_nrmse=0.05, max_error=0.1), names=["a", "b"])
    assert report.passed and report.failures() == []
    assert "ACCEPTED" in report._repr_html_()
    drifting = good + np.linspace(0, 0.2, 400)[:, None]  # a slow drift: structure in the residuals
    bad = validate(measured, drifting, AcceptanceThresholds(max_nrmse=0.5, max_error=0.1), names=["a", "b"])
    assert not bad.passed
    assert not bad.checks["whiteness"].any() and not bad.checks["max_error"].any() and bad.checks["nrmse"].all()
    assert "REJECTED" in bad._repr_html_() and "max error" in repr(bad)
    relaxed = validate(measured, drifting, AcceptanceThresholds(max_nrmse=0.5, max_error=None, min_whiteness_p=None))
    assert relaxed.passed


def test_bad_inputs_are_explained():
    with pytest.raises(ValueError, match="same shape"):
        rmse(np.zeros((5, 2)), np.zeros((5, 3)))
    with pytest.raises(ValueError, match="finite"):
        rmse(np.zeros(5), np.full(5, np.nan))
    with pytest.raises(ValueError, match="range is 0"):
        nrmse(np.zeros(5), np.ones(5))
    with pytest.raises(ValueError, match="lags"):
        autocorrelation(np.zeros(5), 5)
    with pytest.raises(ValueError, match="max_nrmse"):
        AcceptanceThresholds(max_nrmse=0)
    with pytest.raises(ValueError, match="min_whiteness_p"):
        AcceptanceThresholds(min_whiteness_p=1.5)
    with pytest.raises(ValueError, match="one name per joint"):
        validate(np.arange(10.0), np.arange(10.0), names=["a", "b"])


def test_thresholds_refuse_a_percentage_and_take_numpy_numbers():
    """max_nrmse=5 (meant: 5 %) accepted an error five times the motion's range: every model passed."""
    with pytest.raises(ValueError, match=r"max_nrmse=5 .*not a percentage: e.g. 0.05 for 5 %"):
        AcceptanceThresholds(max_nrmse=5)
    assert AcceptanceThresholds(max_nrmse=np.float32(0.05), max_error=np.int64(1)).max_error == 1  # were refused
    with pytest.raises(ValueError, match="min_whiteness_p='0.01'"):  # was: a TypeError from '<'
        AcceptanceThresholds(min_whiteness_p="0.01")
    assert autocorrelation(np.sin(np.arange(50.0)), np.int64(5)).shape == (5,)  # lags from an array: was refused


def test_held_out_validation_accepts_the_calibrated_model_and_rejects_the_nominal_one():
    stand_in = PhysicalStandIn("pendulum", seed=3)
    try:
        data = record_trajectory(stand_in, excitation_torques("pendulum", 1440, seed=3))
    finally:
        stand_in.close()
    fit, held_out = data.split(2 / 3)
    calibrated = calibrate(fit, "pendulum").estimate
    verdicts = {}
    for label, parameters in (("calibrated", calibrated), ("nominal", DynamicsParameters())):
        prediction = predict(held_out, "pendulum", parameters, horizon=0.5, fit_starts=True)
        verdicts[label] = validate(held_out.positions, prediction.positions)
    assert verdicts["calibrated"].passed, verdicts["calibrated"].failures()
    assert not verdicts["nominal"].passed
    # the nominal model's error is small in RMS terms: it is the structure of the residuals that gives it away
    assert verdicts["nominal"].checks["nrmse"].all() and not verdicts["nominal"].checks["whiteness"].any()
