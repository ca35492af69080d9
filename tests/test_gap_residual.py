"""The learned residual: it closes the gap its features can express, on experiments it never saw."""

from __future__ import annotations

import numpy as np
import pytest

from twin.core.types import DynamicsParameters
from twin.gap.reality import Reality
from twin.gap.residual import FEATURES, features, fit_residual, rollout
from twin.studies.gap_experiment import GapExperiment, multisine_torques

NOMINAL = DynamicsParameters()
REALITY = Reality(
    DynamicsParameters(mass_scale=1.2, joint_friction=0.03, joint_damping=0.03),
    position_noise_std=0.001,
    velocity_noise_std=0.02,
)


def _experiment(seed: int) -> GapExperiment:
    return GapExperiment("pendulum", multisine_torques(720, 1, [4.0], seed=seed))


def _rmse(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.sqrt(np.mean((a - b) ** 2)))


@pytest.fixture(scope="module")
def residual():
    return fit_residual([_experiment(s).run(REALITY, seed=s) for s in (0, 1)], "pendulum", NOMINAL)


def test_residual_closes_most_of_the_gap_on_held_out_experiments(residual):
    for seed in (10, 11):
        experiment = _experiment(seed)
        measured = experiment.run(REALITY, seed=seed).measured_positions
        plain = _rmse(rollout("pendulum", NOMINAL, experiment.commands), measured)
        corrected = _rmse(rollout("pendulum", NOMINAL, experiment.commands, residual=residual), measured)
        assert plain > 0.1  # the nominal model is far off: the robot is heavier, with friction and damping
        assert corrected < plain / 10


def test_residual_of_a_perfect_model_learns_nothing_and_harms_nothing():
    perfect = Reality.matching(NOMINAL)
    noisy = Reality(NOMINAL, position_noise_std=0.001, velocity_noise_std=0.02)
    learned = fit_residual([_experiment(0).run(noisy, seed=0)], "pendulum", NOMINAL)
    assert np.abs(learned.weights).max() < 2e-3  # rad/s per step: only noise to fit
    experiment = _experiment(12)
    truth = experiment.run(perfect).true_positions
    assert _rmse(rollout("pendulum", NOMINAL, experiment.commands, residual=learned), truth) < 0.02
    np.testing.assert_allclose(rollout("pendulum", NOMINAL, experiment.commands), truth, atol=1e-12)


def test_features_and_bad_inputs():
    phi = features(np.zeros((4, 2)), np.ones((4, 2)), np.zeros((4, 2)))
    assert phi.shape == (4, 2 * len(FEATURES))
    with pytest.raises(ValueError, match="at least one"):
        fit_residual([], "pendulum", NOMINAL)
    with pytest.raises(ValueError, match="regularisation"):
        fit_residual([_experiment(0).run(REALITY)], "pendulum", NOMINAL, regularisation=-1.0)
