"""The gap widgets are thin views over plain models: switching a cause or a range width drives the model."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pytest

from twin.core.types import DynamicsParameters
from twin.gap.randomization import Randomization, Range
from twin.gap.reality import Reality
from twin.physical_system import UnmodeledEffects
from twin.studies.gap_experiment import GapExperiment, multisine_torques
from twin.ui.gap_explorers import EnvelopeExplorer, GapExplorer, replay_in_3d

REAL = Reality(DynamicsParameters(mass_scale=1.2, joint_friction=0.03), UnmodeledEffects(sensor_bias=0.01))


@pytest.fixture(scope="module")
def experiment() -> GapExperiment:
    return GapExperiment("pendulum", multisine_torques(240, 1, [4.0], seed=2))


def test_switching_every_cause_off_closes_the_gap_and_one_on_opens_it(experiment):
    explorer = GapExplorer(experiment, REAL)
    assert explorer.causes == ("mass", "joint friction", "sensor bias")
    full = explorer.record.gap().overall_rmse
    for cause in explorer.causes:
        explorer.set(cause, False)
    assert explorer.record.gap().overall_rmse == 0.0
    explorer.set("sensor bias", True)
    assert explorer.record.gap().overall_rmse == pytest.approx(0.01)
    assert full > 0.05 and "sensor bias" in explorer.summary()
    with pytest.raises(ValueError, match="not a cause"):
        explorer.set("latency", True)


def test_gap_widget_checkboxes_drive_the_model(experiment):
    explorer = GapExplorer(experiment, REAL)
    view = explorer.widget()
    boxes = view.children[0].children
    assert [b.description.split(" (")[0] for b in boxes] == list(explorer.causes)
    boxes[0].value = False  # mass off
    assert explorer.switches["mass"] is False
    assert explorer.record.gap().overall_rmse < 0.05


def test_envelope_widens_with_the_ranges_until_it_covers_the_real_robot(experiment):
    real = experiment.run(REAL)
    ranges = Randomization({"mass_scale": Range(0.9, 1.1), "joint_friction": Range(0.0, 0.02)})
    explorer = EnvelopeExplorer(experiment, ranges, real, samples=6, seed=1)
    narrow = explorer.set_width(0.0)
    assert np.ptp(narrow, axis=0).max() == 0.0  # zero width: every sample is the centre model
    assert explorer.coverage < 0.5
    explorer.set_width(3.0)  # mass 0.7..1.3, friction 0..0.04: the real robot (1.2, 0.03) is inside
    assert explorer.band_width > 0.05
    assert explorer.coverage > 0.6
    view = explorer.widget()
    view.children[0].value = 0.0
    assert explorer.width == 0.0


def test_replay_in_3d_records_model_ghost_and_standin(experiment):
    recording = replay_in_3d(experiment.run(REAL), "pendulum")
    assert recording.duration == pytest.approx(1.0, abs=0.05)
    assert "twin scene" in recording._repr_html_() or recording._repr_html_()
