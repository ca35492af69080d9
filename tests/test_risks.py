"""Risks of over-relying on the twin (notebook 13): each experiment shows its effect, each safeguard works."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.linalg import expm

from twin.analytics.envelope import OperatingEnvelope
from twin.link.impairments import Impairments
from twin.link.watchdog import SampleAgeWatchdog
from twin.studies.risks import (
    CONTROL_PERIOD,
    HOLD_STIFFNESS,
    SETTLED,
    STANDIN_SUBSTEPS,
    calibration_envelope,
    confidently_wrong,
    hold_error,
    sample_and_hold_damping,
    stale_link,
    time_step_artefact,
)


# -- 3.1 the time step -------------------------------------------------------------------------------------------
def _zoh_spectral_radius(stiffness: float, damping: float, inertia: float, period: float) -> float:
    """Largest |eigenvalue| of a double integrator I q'' = u under u = -kp q - kd q' held for one period (exact)."""
    a = np.array([[0.0, 1.0], [0.0, 0.0]])
    b = np.array([[0.0], [1.0 / inertia]])
    block = expm(np.block([[a, b], [np.zeros((1, 3))]]) * period)
    phi, gamma = block[:2, :2], block[:2, 2:]
    closed = phi - gamma @ np.array([[stiffness, damping]])
    return float(np.max(np.abs(np.linalg.eigvals(closed))))


def test_sample_and_hold_needs_kp_t_over_2_of_damping() -> None:
    """Exact zero-order hold loses stability where kd crosses kp T / 2 (for a loop slow against the period)."""
    kp, period, inertia = 600.0, 1 / 60, 0.31
    needed = sample_and_hold_damping(kp, period)
    assert needed == pytest.approx(5.0)
    assert _zoh_spectral_radius(kp, 0.9 * needed, inertia, period) > 1.0
    assert _zoh_spectral_radius(kp, 1.1 * needed, inertia, period) < 1.0
    with pytest.raises(ValueError, match="kp"):
        sample_and_hold_damping(-1.0)


def test_the_coarse_twin_accepts_damping_that_shakes_the_stand_in() -> None:
    """Below kp T / 2 the coarse twin settles and the stand-in does not; above it, both settle."""
    needed = sample_and_hold_damping(HOLD_STIFFNESS, CONTROL_PERIOD)
    low, high = 0.6 * needed, 1.4 * needed
    assert hold_error(HOLD_STIFFNESS, low) < SETTLED
    assert hold_error(HOLD_STIFFNESS, low, STANDIN_SUBSTEPS, standin=True) > 0.1
    assert hold_error(HOLD_STIFFNESS, high, STANDIN_SUBSTEPS, standin=True) < SETTLED


def test_refining_the_time_step_catches_the_artefact() -> None:
    result = time_step_artefact(kd_grid=(2.0, 4.0, 6.0, 8.0))
    assert result.kd_twin == 2.0
    assert result.kd_twin < result.missing_damping < result.kd_refined
    assert result.standin_error(result.kd_twin) > 0.5  # the twin-tuned hold fails on the stand-in
    assert result.standin_error(result.kd_refined) < SETTLED  # the safeguarded one holds
    assert result.twin_errors.shape == (4, 4)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"kd_grid": (4.0, 2.0)}, "increasing"),
        ({"kd_grid": ()}, "increasing"),
        ({"substeps": (2, 4)}, "start with 1"),
        ({"substeps": (1, 0)}, "substeps"),
        ({"kp": -5.0}, "kp"),
    ],
)
def test_the_artefact_sweep_rejects_bad_input(kwargs: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        time_step_artefact(**kwargs)


def test_hold_error_rejects_a_window_longer_than_the_run() -> None:
    with pytest.raises(ValueError, match="shorter than the run"):
        hold_error(600.0, 6.0, seconds=0.5, window=1.0)
    with pytest.raises(ValueError, match="kd"):
        hold_error(600.0, float("nan"))


# -- 3.2 the calibration envelope -----------------------------------------------------------------------------
def test_the_envelope_measures_distance_in_calibrated_spans() -> None:
    envelope = OperatingEnvelope.from_samples([[0.0, -1.0], [1.0, 1.0]], ("angle", "torque"))
    report = envelope.check([[0.5, 0.0], [1.0, 1.0], [1.5, 0.0], [0.5, -3.0]])
    np.testing.assert_allclose(report.distance, [0.0, 0.0, 0.5, 1.0])  # the boundary is inside
    assert report.outside.tolist() == [False, False, True, True]
    assert report.worst_channel == "torque"
    assert report.fraction_outside == 0.5
    assert envelope.check([[0.2, 0.3]]).inside


@pytest.mark.parametrize(
    ("samples", "message"),
    [([[0.0, 1.0], [0.0, 2.0]], "never varied"), ([[0.0, 1.0], [np.nan, 2.0]], "NaN"), ([], "at least one")],
)
def test_an_envelope_needs_a_range_of_clean_data(samples: list, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        OperatingEnvelope.from_samples(samples, ("angle", "torque"))


def test_an_envelope_check_needs_the_same_channels() -> None:
    envelope = OperatingEnvelope.from_samples([[0.0, -1.0], [1.0, 1.0]], ("angle", "torque"))
    with pytest.raises(ValueError, match="3 channels; the envelope has 2"):
        envelope.check([[0.0, 0.0, 0.0]])


def test_an_envelope_keeps_its_own_read_only_box() -> None:
    """OperatingEnvelope(names, low, high) held the caller's arrays: changing them afterwards silently moved the
    validated box, and so did envelope.low[0] = ...; a sample outside then read as inside."""
    low, high = np.array([0.0, -1.0]), np.array([1.0, 1.0])
    envelope = OperatingEnvelope(("angle", "torque"), low, high)
    low[0] = 0.9
    assert envelope.check([[0.5, 0.0]]).inside
    with pytest.raises(ValueError, match="read-only"):
        envelope.high[1] = 10.0


def test_a_small_torque_calibration_fails_beyond_its_envelope() -> None:
    """Inside: error at the noise floor (a few mrad); at twice the motor limit: many times larger, and flagged."""
    result = calibration_envelope(test_amplitudes=(0.5, 1.0, 5.0), test_seconds=1.0)
    assert result.inside.tolist() == [True, True, False]
    assert result.errors[:2].max() < 0.008
    assert result.errors[2] > 4 * result.errors[:2].max()
    assert result.error_ratio > 4
    assert result.estimate.mass_scale == pytest.approx(1.2, rel=0.05)  # the calibration itself was good


def test_the_envelope_experiment_rejects_bad_input() -> None:
    with pytest.raises(ValueError, match="empty"):
        calibration_envelope(test_amplitudes=())
    with pytest.raises(ValueError, match="calibration_amplitude"):
        calibration_envelope(calibration_amplitude=0.0)


# -- 3.3 confidently wrong ---------------------------------------------------------------------------------------
def test_the_worn_twin_stays_confidently_wrong_until_a_monitor_catches_it() -> None:
    result = confidently_wrong(days=20, replicates=8)
    low, high = result.friction_interval
    assert low < result.model_friction < high  # the twin believes its friction, with a narrow interval
    assert result.wrong_from_day is not None and result.wrong_from_day > 0
    assert result.friction_error_on_last_day > 2  # by day 19 the true friction is over twice the twin's
    assert result.health[-1] > 2 * result.band  # the residual has left the twin's unchanging band
    assert result.alarm_day is not None and abs(result.detection_delay) <= 3
    assert result.unnoticed_days(None) == 20 - result.wrong_from_day  # with no monitor: every day since
    assert result.unnoticed_days(result.alarm_day) <= 3
    assert result.recalibrated_health < result.band  # recalibration brings the residual back to the noise floor


def test_the_wear_experiment_rejects_bad_input() -> None:
    with pytest.raises(ValueError, match="days"):
        confidently_wrong(days=1)
    with pytest.raises(ValueError, match="replicates"):
        confidently_wrong(days=5, replicates=1)


# -- 3.4 a stale link --------------------------------------------------------------------------------------------
def test_the_sample_age_watchdog() -> None:
    dog = SampleAgeWatchdog(0.1)
    assert dog.age(5.0) == math.inf and dog.is_stale(5.0)
    dog.observe(1.0)
    dog.observe(0.5)  # a late, older sample does not make the data younger
    assert dog.age(1.1) == pytest.approx(0.1)
    assert not dog.is_stale(1.09) and dog.is_stale(1.11)
    for bad in (0.0, -1.0, math.inf, True, "0.1"):
        with pytest.raises(ValueError, match="timeout"):
            SampleAgeWatchdog(bad)
    with pytest.raises(ValueError, match="sample_time"):
        dog.observe(math.nan)


def test_a_stopped_link_is_caught_by_both_watchdogs_and_never_by_the_naive_twin() -> None:
    run = stale_link("stops", timeout=0.1)
    assert run.delay("none") == math.inf
    assert run.delay("arrival") == pytest.approx(0.1, abs=0.01)
    assert 0 < run.delay("sample age") <= 0.1 + 1e-9
    assert run.false_alarms == {"none": 0, "arrival": 0, "sample age": 0}
    assert run.hidden_error > 1.0  # the arm fell; the naive twin still shows it holding
    assert np.nanmax(np.abs(run.shown_angle - 0.8)) < 0.05


def test_a_repeating_bridge_fools_the_arrival_watchdog_only() -> None:
    run = stale_link("repeats", timeout=0.1)
    assert run.noticed["arrival"] is None
    period = 4 / 240
    assert 0 < run.delay("sample age") <= 0.1 + period
    assert run.false_alarms["sample age"] == 0


def test_a_timeout_inside_the_healthy_ages_cries_wolf() -> None:
    healthy = stale_link("stops", timeout=0.1).healthy_ages
    assert 0.02 <= healthy.min() and healthy.max() < 0.1  # latency 20 ms + up to a period, jitter and a loss
    tight = stale_link("stops", timeout=float(np.median(healthy)))
    assert tight.false_alarms["sample age"] > 10
    perfect = stale_link("stops", timeout=0.1, impairments=Impairments())
    assert perfect.healthy_ages.max() == pytest.approx(3 / 240)  # no latency: at most a period minus a step


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"mode": "freezes"}, "mode"),
        ({"timeout": 0.0}, "timeout"),
        ({"fault_time": 3.0, "failure_after": 2.0}, "run longer"),
    ],
)
def test_the_stale_link_experiment_rejects_bad_input(kwargs: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        stale_link(**kwargs)
