"""Figures of the risk experiments (notebook 13): they draw what the results hold and refuse what they cannot show."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

from dataclasses import replace

import matplotlib.pyplot as plt
import numpy as np
import pytest

from twin.analytics.envelope import OperatingEnvelope
from twin.core.types import DynamicsParameters
from twin.plotting_risks import (
    plot_calibration_envelope,
    plot_confidently_wrong,
    plot_stale_link,
    plot_time_step_artefact,
)
from twin.studies.risks import EnvelopeResult, WearResult, stale_link, time_step_artefact


def test_the_artefact_figure_draws_every_refinement_and_the_theory() -> None:
    result = time_step_artefact(kd_grid=(2.0, 8.0), substeps=(1, 2))
    fig = plot_time_step_artefact(result)
    errors, traces = fig.axes
    assert len(errors.get_lines()) == 2 + 1 + 2  # two refinements, the stand-in, the settled line and kp T / 2
    assert errors.get_lines()[-1].get_xdata()[0] == pytest.approx(result.missing_damping)
    assert [line.get_label() for line in traces.get_lines()] == ["twin (1 step per period)", "stand-in"]
    plt.close(fig)
    with pytest.raises(ValueError, match="widen kd_grid"):
        plot_time_step_artefact(replace(result, kd_twin=None))


def test_the_envelope_figure_splits_inside_from_outside() -> None:
    envelope = OperatingEnvelope(("angle",), np.array([-1.0]), np.array([1.0]))
    result = EnvelopeResult(
        DynamicsParameters(), envelope, np.array([1.0, 4.0]), np.array([0.0, 0.8]), np.array([0.003, 0.05]), 1.5
    )
    fig = plot_calibration_envelope(result)
    inside, outside, edge = fig.axes[0].get_lines()
    assert inside.get_ydata().tolist() == [3.0] and outside.get_ydata().tolist() == [50.0]  # mrad
    assert edge.get_xdata()[0] == 0.0  # the envelope's edge: distance 0
    plt.close(fig)


def test_the_wear_figure_marks_the_alarm_and_the_interval() -> None:
    days = np.arange(5.0)
    result = WearResult(days, np.full(5, 0.002), 0.002, 1e-4, 0.02 * 1.5**days, 0.02, (0.015, 0.025), 3.0, 0.002)
    fig = plot_confidently_wrong(result)
    labels = [line.get_label() for line in fig.axes[1].get_lines()]
    assert "CUSUM alarm" in labels and "truth leaves the twin's interval" in labels
    plt.close(fig)


def test_the_stale_link_figure_has_a_column_per_run() -> None:
    runs = [stale_link("stops", seconds=2.5), stale_link("repeats", seconds=2.5)]
    fig = plot_stale_link(runs)
    assert len(fig.axes) == 4
    top_right = [line.get_label() for line in fig.axes[1].get_lines()]
    assert "sample age watchdog fires" in top_right and "arrival watchdog fires" not in top_right
    plt.close(fig)
    with pytest.raises(ValueError, match="at least one"):
        plot_stale_link([])
