"""CUSUM against its theory (Siegmund's run lengths) and on a running twin with an injected fault."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from twin.analytics.anomaly import CusumDetector, average_run_length, score_detection
from twin.operation.monitoring import ResidualMonitor
from twin.studies.fault_detection import fault_run, monitored_twin


def test_siegmund_gives_the_textbook_run_lengths():
    # Montgomery's table for k = 0.5, h = 5: ARL0 about 930 (Siegmund 938), ARL at a 1-sigma shift about 10.4.
    assert average_run_length(0.0, 0.5, 5.0) == pytest.approx(938, rel=0.01)
    assert average_run_length(1.0, 0.5, 5.0) == pytest.approx(10.3, rel=0.02)
    # For a large shift the delay approaches (h + 1.166) / (delta - k) (the exponential term vanishes).
    assert average_run_length(4.0, 0.5, 5.0) == pytest.approx((5 + 1.166) / 3.5 - 1 / (2 * 3.5**2), rel=1e-3)


def test_false_alarm_run_length_on_gaussian_noise_matches_theory():
    detector = CusumDetector(sigma=2.0, drift=0.5, threshold=4.0)
    noise = np.random.default_rng(0).normal(0.0, 2.0, 300_000)
    alarms = detector.run(noise).alarms
    measured_arl = noise.size / alarms.size
    assert measured_arl == pytest.approx(detector.false_alarm_run_length(), rel=0.1)


def test_detection_delay_matches_theory_for_a_one_sigma_shift():
    detector = CusumDetector(sigma=1.0, drift=0.5, threshold=4.0)
    delays = []
    for seed in range(400):
        shifted = np.random.default_rng(seed).normal(1.0, 1.0, 300)
        delays.append(detector.run(shifted).first_alarm + 1)  # samples until the alarm, the alarm included
    assert np.mean(delays) == pytest.approx(detector.expected_delay(1.0), rel=0.1)
    assert np.mean(delays) == pytest.approx(4.0 / (1.0 - 0.5), rel=0.15)  # the rule of thumb h / (delta - k)


def test_a_larger_threshold_trades_false_alarms_for_delay():
    quick, patient = CusumDetector(1.0, 0.5, 3.0), CusumDetector(1.0, 0.5, 6.0)
    assert quick.false_alarm_run_length() < patient.false_alarm_run_length()
    assert quick.expected_delay(1.0) < patient.expected_delay(1.0)


def test_falls_are_caught_as_well_as_rises():
    series = np.concatenate([np.zeros(50), -np.ones(50)])
    result = CusumDetector(sigma=0.5).run(series)
    assert result.first_alarm is not None and 50 <= result.first_alarm < 60
    assert result.statistic[result.first_alarm - 1, 1] > result.statistic[result.first_alarm - 1, 0]


def test_score_detection_splits_false_alarms_and_delay():
    series = np.concatenate([np.zeros(100), np.full(50, 3.0)])
    series[10] = 20.0  # one outlier: a false alarm at sample 10
    score = score_detection(CusumDetector(sigma=1.0).run(series), onset=100)
    assert score.false_alarms == 1 and score.healthy_samples == 100
    assert score.delay == 2  # z - k = 2.5 per sample: sums 2.5, 5.0 (not > 5), 7.5 -> alarm on the third
    assert score.false_alarm_rate == pytest.approx(0.01)


def test_twin_residuals_flag_a_friction_fault_and_stay_quiet_when_healthy():
    false_alarms, healthy_samples = 0, 0
    for seed in range(3):
        run = fault_run(extra_friction=0.2, healthy_seconds=3.0, faulty_seconds=1.0, seed=seed)
        skip = 120  # half a second of start-up transient
        detector = CusumDetector.calibrated(run.residuals[skip:480, 0])  # fitted on the first 1.5 s only
        score = score_detection(detector.run(run.residuals[skip:, 0]), run.onset - skip)
        assert score.detected and score.delay * (run.times[1] - run.times[0]) < 0.5, f"seed {seed}: {score}"
        false_alarms += score.false_alarms
        healthy_samples += score.healthy_samples
        expected = healthy_samples / detector.false_alarm_run_length()
    # Healthy stretches: no more false alarms than a Poisson count with the theoretical rate allows (99.9 %).
    assert false_alarms <= stats.poisson.ppf(0.999, expected), (false_alarms, expected)


def test_monitor_reads_the_running_twin_and_logs_alarms_per_joint():
    with monitored_twin(seed=4) as twin:
        monitor = ResidualMonitor.calibrate(twin, seconds=1.5)
        assert monitor.update() == 0  # calibration data is not fed again
        twin.physical.update_truth(joint_friction=0.4)
        twin.run(240)
        raised = monitor.update()
    assert raised >= 1 and {name for _, name in monitor.alarms} == {"hinge"}
    assert len(monitor.statistic_history) == 240
    assert all(t >= 1.5 for t, _ in monitor.alarms)


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: CusumDetector(sigma=0.0), "sigma"),
        (lambda: CusumDetector(sigma=1.0, threshold=-1), "threshold"),
        (lambda: CusumDetector(sigma=1.0, drift=float("nan")), "drift"),
        (lambda: CusumDetector.calibrated(np.zeros(10)), "at least 30"),
        (lambda: CusumDetector.calibrated(np.arange(40.0), min_samples=2.5), "min_samples=2.5"),  # was: 2 enough
        (lambda: CusumDetector.calibrated(np.zeros(50)), "never vary"),
        (lambda: CusumDetector(1.0).run(np.array([0.0, np.nan])), "NaN"),
        (lambda: CusumDetector(1.0).run(np.zeros((3, 2))), "1-D"),
        (lambda: score_detection(CusumDetector(1.0).run(np.zeros(5)), onset=9), "onset"),
        (lambda: fault_run(-0.1), "extra_friction"),
    ],
)
def test_bad_inputs_are_clear_errors(make, message):
    with pytest.raises(ValueError, match=message):
        make()
