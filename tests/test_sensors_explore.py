"""Notebook 03's encoder and force/torque explorers against theory, and their thin widget views."""

from __future__ import annotations

import numpy as np
import pytest

from twin.ui.sensor_explorers import EncoderExplorer, ForceTorqueExplorer


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


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"seconds": 0}, ValueError, "seconds=0 s must be a finite number > 0"),
        ({"seconds": float("inf")}, ValueError, "seconds=inf"),
        ({"seconds": True}, TypeError, "seconds must be a number"),
        ({"seconds": 0.12}, ValueError, "too short.*at least 0.175 s"),  # 0.1 s start-up + 0.025 s latency + margin
        ({"latency": 0.5, "seconds": 0.5}, ValueError, "too short.*lower the latency"),
        ({"latency": -0.01}, ValueError, "latency=-0.01 s must be a finite number >= 0"),
        ({"noise_std": float("nan")}, ValueError, "noise_std=nan rad"),
        ({"counts_per_revolution": 1}, ValueError, "counts_per_revolution=1 must be a whole number >= 2"),
        ({"counts_per_revolution": 64.0}, ValueError, "whole number"),
        ({"seed": -1}, ValueError, "seed=-1 must be a non-negative integer"),
    ],
)
def test_encoder_explorer_refuses_bad_input_naming_the_fix(kwargs, error, match):
    with pytest.raises(error, match=match):
        EncoderExplorer(**kwargs)


def test_encoder_explorer_update_refuses_bad_values_and_keeps_its_parameters():
    explorer = EncoderExplorer(seconds=0.5)
    before = dict(explorer.params)
    with pytest.raises(ValueError, match="latency"):
        explorer.update(latency=-1.0)
    with pytest.raises(ValueError, match="too short"):
        explorer.update(latency=0.4)
    assert explorer.params == before
    assert "mrad RMS" in explorer.summary()


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"seconds": 0}, ValueError, "seconds=0 s must be a finite number > 0"),
        ({"seconds": float("nan")}, ValueError, "seconds=nan"),
        ({"seconds": 0.05}, ValueError, "too short.*at least 0.1 s"),
        ({"seconds": False}, TypeError, "seconds must be a number"),
        ({"offset": float("inf")}, ValueError, "offset=inf N must be finite"),
        ({"offset": "5"}, TypeError, "offset must be a number in N"),
        ({"drift_density": -0.5}, ValueError, "drift_density=-0.5 N/sqrt"),
        ({"noise_std": -1}, ValueError, "noise_std=-1 N"),
        ({"cutoff_hz": 0}, ValueError, "cutoff_hz=0 Hz"),
        ({"seed": 1.5}, ValueError, "seed=1.5"),
    ],
)
def test_force_torque_explorer_refuses_bad_input_naming_the_fix(kwargs, error, match):
    with pytest.raises(error, match=match):
        ForceTorqueExplorer(**kwargs)


def test_force_torque_explorer_update_refuses_bad_values_and_keeps_its_parameters():
    explorer = ForceTorqueExplorer(seconds=0.25)
    before = dict(explorer.params)
    with pytest.raises(ValueError, match="cutoff_hz"):
        explorer.update(cutoff_hz=-5.0)
    assert explorer.params == before
    assert np.isfinite(explorer.result.mass_error) and "kg" in explorer.summary()
