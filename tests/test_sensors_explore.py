"""Notebook 03's encoder and force/torque explorers against theory, and their thin widget views."""

from __future__ import annotations

import numpy as np
import pytest

from twin.sensors.explore import EncoderExplorer, ForceTorqueExplorer


@pytest.mark.parametrize("counts", [32, 256])
def test_encoder_angle_error_without_latency_is_one_count_over_sqrt_12(counts):
    result = EncoderExplorer(counts_per_revolution=counts, latency=0.0, seconds=2.0).result
    assert result.angle_rms_error == pytest.approx(2 * np.pi / counts / np.sqrt(12), rel=0.15)


def test_encoder_angle_error_from_latency_is_velocity_times_latency():
    result = EncoderExplorer(counts_per_revolution=2**20, latency=0.025, seconds=2.0).result
    assert result.latency_rms_theory > 0.05
    assert result.angle_rms_error == pytest.approx(result.latency_rms_theory, rel=0.1)


def test_encoder_jitter_adds_in_quadrature_and_the_same_seed_repeats():
    explorer = EncoderExplorer(counts_per_revolution=2**20, noise_std=0.01, latency=0.0, seed=3)
    assert explorer.result.angle_rms_error == pytest.approx(0.01, rel=0.1)
    again = EncoderExplorer(counts_per_revolution=2**20, noise_std=0.01, latency=0.0, seed=3).result
    np.testing.assert_array_equal(explorer.result.seen_angle, again.seen_angle)
    with pytest.raises(ValueError, match="unknown encoder parameter"):
        explorer.update(resolution=4096)


def test_ft_offset_reads_as_a_mass_error_of_offset_over_g():
    explorer = ForceTorqueExplorer(offset=10.0, drift_density=0.0, noise_std=0.0, cutoff_hz=float("inf"), seconds=1.0)
    r = explorer.result
    assert r.mass_error == pytest.approx(10.0 / 9.81, rel=0.01)
    assert r.weight_seen - r.weight_true == pytest.approx(10.0, abs=0.5)  # the ankles carry the weight above the feet
    assert r.filter_time_constant == 0.0
    assert r.cop_rms_error > 0.0005  # extra load on the right foot pulls the centre of pressure towards it
    with pytest.raises(ValueError, match="unknown F/T parameter"):
        explorer.update(bias=1.0)


def test_encoder_view_is_a_thin_panel_whose_sliders_rerun_the_model():
    widgets = pytest.importorskip("ipywidgets")
    explorer = EncoderExplorer(seconds=0.5)
    panel = explorer.view()
    assert isinstance(panel, widgets.VBox)
    sliders = panel.children[0].children
    assert all(not s.continuous_update for s in sliders)
    sliders[2].value = 0.0  # latency
    assert explorer.params["latency"] == 0.0
    assert explorer.result.latency_rms_theory == 0.0
