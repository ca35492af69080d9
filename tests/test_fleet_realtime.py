"""Real-time pacing on a simulated clock, where every number is exact: the three overrun policies."""

from __future__ import annotations

import numpy as np
import pytest

from twin.fleet.realtime import SimulatedClock, TwinLoad, run_paced, step_cost

RATE = 100.0  # Hz: a 10 ms period
PERIOD = 1 / RATE


def paced(cost: float, policy: str, duration: float = 1.0, costs: list[float] | None = None):
    clock = SimulatedClock()
    calls = iter(costs) if costs is not None else None

    def step() -> None:
        clock.advance(next(calls) if calls is not None else cost)

    return run_paced(step, RATE, duration, policy, clock=clock, sleep=clock.sleep, spin=0.0)


@pytest.mark.parametrize("policy", ["skip", "slow_down", "flag_stale"])
def test_a_step_that_fits_its_period_keeps_real_time_under_every_policy(policy):
    report = paced(0.004, policy)
    assert report.steps == 100 and report.skipped == 0 and report.deadline_misses == 0
    assert report.real_time_factor == pytest.approx(1.0, abs=1e-9)
    np.testing.assert_allclose(report.lateness, 0.0, atol=1e-12)
    assert not report.stale.any()


def test_skip_drops_late_ticks_and_stays_on_the_wall_clock():
    report = paced(0.015, "skip")
    # 1.5 periods per step: two steps, then one tick dropped, every three ticks; no step starts a period late
    assert report.steps + report.skipped == 100
    assert report.steps == 67 and report.skipped == 33
    assert report.real_time_factor == pytest.approx(0.67 / report.wall_seconds, abs=1e-9)
    assert report.lateness.max() <= PERIOD + 1e-9  # skip never starts a step a whole period late
    assert report.wall_seconds == pytest.approx(1.0, abs=0.01)


def test_slow_down_takes_every_step_and_lets_the_schedule_slip():
    report = paced(0.015, "slow_down")
    assert report.steps == 100 and report.skipped == 0
    assert report.wall_seconds == pytest.approx(1.5, abs=1e-9)
    assert report.real_time_factor == pytest.approx(1 / 1.5, abs=1e-9)
    assert report.deadline_misses == 100


def test_flag_stale_catches_up_and_marks_the_steps_taken_far_behind():
    report = paced(0.015, "flag_stale")
    # step k starts 0.5 k periods late; stale once more than 2 periods behind: k >= 5
    assert report.steps == 100 and report.skipped == 0
    np.testing.assert_allclose(report.lateness, 0.005 * np.arange(100), atol=1e-9)
    assert report.stale.sum() == 95 and not report.stale[:5].any()


def test_flag_stale_recovers_after_a_burst_of_slow_steps():
    costs = [0.035] * 2 + [0.002] * 200  # two steps of 3.5 periods, then cheap ones that catch up
    report = paced(0.0, "flag_stale", costs=costs)
    assert report.steps == 100
    # behind: 2.5 periods at step 1 (stale), 5 at step 2, then 0.8 periods recovered per step
    assert report.stale[2] and not report.stale[-1]
    assert report.real_time_factor == pytest.approx(1.0, abs=1e-9)


def test_bad_pacing_arguments_say_what_to_fix():
    with pytest.raises(ValueError, match="choose one of"):
        run_paced(lambda: None, 240, 1.0, "panic")
    with pytest.raises(ValueError, match="240, 500 or 1000"):
        run_paced(lambda: None, 0, 1.0)
    with pytest.raises(ValueError, match="positive"):
        run_paced(lambda: None, 240, -1.0)


def test_the_load_knob_adds_twins_and_a_camera_and_a_real_paced_run_reports_consistent_numbers():
    with TwinLoad(robots=2, camera=(32, 24)) as load:
        costs = step_cost(load, steps=20)
        assert load.steps == 20 and all(t.steps_taken == 20 for t in load.twins)
        assert costs.shape == (20,) and np.all(costs > 0)
        report = run_paced(load, 240, 0.1, "slow_down")
    # whatever this machine's speed: every tick was stepped, and the factor is steps x period / wall time
    assert report.steps == 24 and report.skipped == 0
    assert report.real_time_factor == pytest.approx(24 / 240 / report.wall_seconds)
    assert np.all(report.lateness >= 0)
