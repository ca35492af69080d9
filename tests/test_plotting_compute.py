"""The figures of notebook 08: readable whatever the spread of their numbers (jitter from microseconds to
seconds), plain tick labels, and colours that do not contradict their legends."""

from __future__ import annotations

import matplotlib.colors as mcolors
import numpy as np
import pytest

from twin.fleet.executors import JobOutcome
from twin.fleet.fidelity import FidelityPoint, Setting
from twin.fleet.fleet import FleetRun, RobotReport, fleet_health
from twin.fleet.realtime import PacingReport
from twin.plotting_compute import plot_fleet_dashboard, plot_pacing, plot_pareto

pytestmark = pytest.mark.usefixtures("closes_figures")


def _report(policy: str, lateness: np.ndarray) -> PacingReport:
    n = lateness.size
    return PacingReport(1000.0, policy, lateness, np.full(n, 2e-4), np.zeros(n, bool), 0, n / 1000)


def test_jitter_from_microseconds_to_seconds_is_drawn_on_log_axes_so_both_ends_show():
    reports = {
        "light": _report("skip", np.r_[np.zeros(50), np.full(50, 3e-6), [4e-3]]),  # zeros: drawn at 1 us
        "far behind": _report("flag_stale", np.linspace(0.0, 20.0, 100)),
    }
    fig = plot_pacing(reports)
    keeping_up, jitter = fig.axes
    assert jitter.get_xscale() == "log" and jitter.get_yscale() == "log"
    assert jitter.get_xlabel() == "step start lateness (jitter) [us]"
    assert keeping_up.get_ylabel() == "fraction"
    light = jitter.patches[0]  # the first run's step outline: it rises above zero near 1 us, not only at 0
    xs = light.get_path().vertices[:, 0]
    assert xs.min() == pytest.approx(1.0) and xs.max() >= 2e7  # every run shares the bins up to 20 s


def test_pareto_ticks_are_plain_numbers():
    points = [
        FidelityPoint(Setting(dt, 10, "box"), e, c) for dt, e, c in ((1 / 100, 6e-3, 1e-3), (1 / 200, 3e-3, 2e-3))
    ]
    fig = plot_pareto(points, points[1], 0.003)
    fig.canvas.draw()
    labels = [t.get_text() for t in fig.axes[0].get_xticklabels(minor=True) + fig.axes[0].get_xticklabels()]
    assert labels and not any("times" in text or "^" in text for text in labels)


def test_fleet_dashboard_draws_no_robot_in_the_grey_that_means_a_failed_run():
    reports = {
        f"axis-{i:02d}": RobotReport(f"axis-{i:02d}", "pendulum", np.zeros(4), 2e-4 * (1 + i * np.arange(4)), 4, 4.0)
        for i in range(10)
    }
    run = FleetRun(tuple(JobOutcome(name, report) for name, report in reports.items()), "serial", 1, 1.0)
    fig = plot_fleet_dashboard(run, fleet_health(run, threshold=0.6e-3))
    robot_lines = [line for line in fig.axes[0].lines if line.get_label().startswith("axis-")]
    assert len(robot_lines) == 10
    assert all(mcolors.to_hex(line.get_color()) != "#7f7f7f" for line in robot_lines)
    assert "grey: run failed" in fig.axes[1].get_title()


def test_log_tick_labels_are_plain_and_sparse():
    from twin.plotting_compute import _plain

    assert [_plain(v) for v in (0.5, 0.7, 1.0, 2.0, 3.0, 4.0, 20.0, 90.0)] == ["0.5", "", "1", "2", "3", "", "20", ""]


def test_scaling_shows_the_speed_up_over_one_worker_and_over_serial_from_zero():
    from twin.plotting_compute import plot_scaling

    ax = plot_scaling([1, 2], [4.0, 2.5], 2.0, 2).axes[0]
    assert ax.get_ylim()[0] == 0  # a slow-down below 1 shows as one
    lines = {line.get_label(): line.get_ydata() for line in ax.lines}
    np.testing.assert_allclose(lines["over one worker: how well the work splits"], [1.0, 1.6])
    np.testing.assert_allclose(lines["over the serial run: what the workers gain here"], [0.5, 0.8])
    assert "1: no faster" in lines
    with pytest.raises(ValueError, match="must start at 1"):
        plot_scaling([2, 4], [1.0, 0.6], 2.0, 4)
