"""Transfer results read for a report: seed spread, subsets, runs in steps, and the width-sweep figure."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pytest

from twin.gap.randomization import Randomization, Range
from twin.gap.reality import Reality
from twin.gap.task import Gains, ReachTask
from twin.plotting_gap import plot_width_sweep
from twin.sim.plant import DynamicsParameters
from twin.studies.gap_experiment import multisine_torques
from twin.studies.transfer import (
    TransferResult,
    WidthSweep,
    calibrated_transfer,
    gain_grid,
    model_inertia,
    width_sweep,
)
from twin.studies.transfer_progress import (
    calibrated_transfer_in_steps,
    first_standins,
    seed_spread,
    seed_success_rates,
    width_sweep_in_steps,
)

TASK = ReachTask()


def made_up_sweep() -> WidthSweep:
    """Two widths, three seeds, four stand-ins: seed 1 wins everywhere at x1, the others half or none."""
    success = np.array(
        [
            [[1, 1, 1, 1], [1, 1, 0, 0], [0, 0, 0, 0]],  # x1: seeds 100 %, 50 %, 0 %
            [[1, 1, 1, 0], [1, 1, 1, 0], [1, 1, 1, 0]],  # x2: 75 % each
        ],
        dtype=bool,
    )
    gains = Gains(14.0, 3.8, 10.0)
    chosen = ((gains, gains, Gains(12.0, 3.5, 0.0)), (gains, gains, gains))
    cost = np.where(success, 0.8, 3.0)
    return WidthSweep((1.0, 2.0), (1, 2, 3), chosen, success, cost, np.where(success, 0.7, 2.0))


def test_seed_spread_reports_each_training_seed_not_the_pooled_rate():
    sweep = made_up_sweep()
    np.testing.assert_allclose(seed_success_rates(sweep), [[1.0, 0.5, 0.0], [0.75, 0.75, 0.75]])
    spread = seed_spread(sweep, 0)
    assert spread.rates == (1.0, 0.5, 0.0) and (spread.low, spread.mean, spread.high) == (0.0, 0.5, 1.0)
    assert str(spread) == "x1: mean 50 %, seeds 100, 50, 0 % (range 100 points)"
    assert seed_spread(sweep, 1).high - seed_spread(sweep, 1).low == 0.0  # same pooled rate would hide this difference
    with pytest.raises(IndexError, match="2 widths"):
        seed_spread(sweep, 2)


def test_first_standins_keeps_every_row_and_cuts_the_columns():
    result = TransferResult(
        ("a", "b"),
        (Gains(15.0, 3.9, 30.0), Gains(14.0, 3.8, 30.0)),
        np.array([[True, False, True], [True, True, False]]),
        np.array([[0.8, 3.0, 0.9], [0.7, 0.8, 3.0]]),
        np.array([[0.6, 2.0, 0.7], [0.5, 0.6, 2.0]]),
    )
    two = first_standins(result, 2)
    assert two.names == result.names and two.standins == 2
    np.testing.assert_array_equal(two.success, [[True, False], [True, True]])
    assert two.success_rate("b")[0] == 1.0 and result.success_rate("b")[0] == pytest.approx(2 / 3)
    for bad in (0, 4, 1.5, True):
        with pytest.raises(ValueError, match="from 1 to 3"):
            first_standins(result, bad)


def test_runs_in_steps_give_the_numbers_of_one_call():
    """Splitting a sweep by width, or a calibration by robot, changes nothing: the seeds follow each stand-in."""
    candidates = gain_grid([12.0, 15.0], [20.0], model_inertia(TASK))
    training = Randomization({"mass_scale": Range(0.9, 1.3), "sensor_bias": Range(-0.02, 0.02)})
    standins = Randomization({"mass_scale": Range(0.9, 1.35), "joint_friction": Range(0.0, 0.05)}).sample(3, seed=7)
    whole = width_sweep(TASK, training, [1.0, 3.0], candidates, standins, seeds=(1, 2), models=2)
    stepped = width_sweep_in_steps(TASK, training, [1.0, 3.0], candidates, standins, (1, 2), 2, progress=False)
    assert stepped.widths == whole.widths and stepped.seeds == whole.seeds and stepped.chosen == whole.chosen
    for name in ("success", "cost", "settling"):
        np.testing.assert_array_equal(getattr(stepped, name), getattr(whole, name))

    realities = [Reality(DynamicsParameters(mass_scale=1.3, joint_friction=0.03)), Reality()]
    excitation = multisine_torques(480, 1, [4.0], seed=0)
    one_call = calibrated_transfer(TASK, realities, candidates, excitation)
    in_steps = calibrated_transfer_in_steps(TASK, realities, candidates, excitation, progress=False, per_step=1)
    for a, b in zip(one_call[:3], in_steps[:3], strict=True):
        np.testing.assert_array_equal(a, b)
    assert one_call[3] == in_steps[3]
    with pytest.raises(ValueError, match="per_step"):
        calibrated_transfer_in_steps(TASK, realities, candidates, excitation, per_step=0)
    with pytest.raises(ValueError, match="at least one width"):
        width_sweep_in_steps(TASK, training, [], candidates, standins)


def test_width_sweep_figure_shows_every_seed_its_mean_and_labelled_axes():
    sweep = made_up_sweep()
    fig = plot_width_sweep(sweep, nominal_rate=0.7)
    success, times, gains = fig.axes
    assert success.get_ylabel() == "success on the stand-ins [%]" and times.get_ylabel() == "time [s]"
    assert all(ax.get_xlabel() == "range width (x Tan et al.'s)" for ax in fig.axes)
    lines = {line.get_label(): line for line in success.get_lines()}
    np.testing.assert_allclose(lines["training seed 1"].get_ydata(), [100.0, 75.0])
    np.testing.assert_allclose(lines["training seed 3"].get_ydata(), [0.0, 75.0])
    np.testing.assert_allclose(lines["mean over seeds"].get_ydata(), [50.0, 75.0])
    np.testing.assert_allclose(lines["nominal model only"].get_ydata(), [70.0, 70.0])
    kp = {line.get_label(): line for line in gains.get_lines()}["kp [N m/rad]"]
    np.testing.assert_allclose(kp.get_ydata(), [np.mean([14.0, 14.0, 12.0]), 14.0])
    with pytest.raises(ValueError, match="from 0 to 1"):
        plot_width_sweep(sweep, nominal_rate=70)
