"""The figures of notebook 02: each draws the data it is given, with labelled axes and units, and says clearly
when its input has the wrong shape."""

from __future__ import annotations

import numpy as np
import pytest

from twin.actuators import ActuatorModel, ActuatorParameters
from twin.physics import SoftDropResult, StudyRow, sliding_distance
from twin.plotting_creation import (
    plot_actuator_effects,
    plot_contact_checks,
    plot_falling_speed,
    plot_soft_drop,
    plot_time_step_study,
)

pytestmark = pytest.mark.usefixtures("closes_figures")


def test_contact_checks_put_theory_beside_each_curve():
    t = np.linspace(0, 1, 51)
    slides = {0.5: (t, np.minimum(t, 0.4))}
    bounces = {0.5: (t, 0.5 * np.abs(1 - 2 * t))}  # touches the ground at t = 0.5 s, back up to 0.5 m
    fig = plot_contact_checks(slides, bounces, speed=2.0, drop_height=1.0)
    slide_ax, bounce_ax = fig.axes
    assert (slide_ax.get_xlabel(), slide_ax.get_ylabel()) == ("time [s]", "distance slid [m]")
    assert bounce_ax.get_ylabel() == "height of the ball [m]"
    legend = slide_ax.get_legend().get_texts()[0].get_text()
    assert f"theory {sliding_distance(0.5, 2.0):.3f}" in legend
    assert slide_ax.lines[1].get_ydata()[0] == pytest.approx(sliding_distance(0.5, 2.0))  # the dotted theory line
    assert bounce_ax.get_legend().get_texts()[0].get_text() == "e = 0.5: first bounce 0.500 m (theory 0.250)"
    with pytest.raises(ValueError, match="at least one"):
        plot_contact_checks({}, bounces, speed=2.0, drop_height=1.0)
    with pytest.raises(ValueError, match="one length"):
        plot_contact_checks({0.5: (t, t[:-1])}, bounces, speed=2.0, drop_height=1.0)


def _rows() -> list[StudyRow]:
    steps = (1 / 60, 1 / 120, 1 / 240)
    return [StudyRow(setting=h, steps=round(2 / h), error=0.5 * h, wall_seconds=0.001 / h) for h in steps]


def test_time_step_study_draws_error_against_step_and_cost():
    rows = _rows()
    fig = plot_time_step_study(rows)
    err_ax, cost_ax = fig.axes
    assert err_ax.get_xlabel() == "time step [ms]" and err_ax.get_ylabel() == "largest angle error [mrad]"
    assert cost_ax.get_xlabel() == "steps per run (cost)"
    np.testing.assert_allclose(err_ax.lines[0].get_ydata(), [r.error * 1000 for r in rows])
    np.testing.assert_allclose(cost_ax.lines[0].get_xdata(), [r.steps for r in rows])
    np.testing.assert_allclose(err_ax.lines[1].get_ydata(), err_ax.lines[0].get_ydata())  # exactly first order here
    with pytest.raises(ValueError, match="at least two"):
        plot_time_step_study(rows[:1])


def _drop(seconds: float) -> SoftDropResult:
    from twin.physics.soft_body import cube_tetrahedra

    rest, tetrahedra = cube_tetrahedra(0.2, 1)
    times = np.linspace(0, seconds, 7)
    frames = np.array([rest + [0.0, 0.0, 0.3 - 0.05 * k] for k in range(times.size)])
    return SoftDropResult(times, frames, rest, tetrahedra)


def test_soft_drop_draws_snapshots_and_each_drop_on_its_own_axes():
    tilted, upright = _drop(3.0), _drop(3.0)
    fig = plot_soft_drop(tilted, upright, rest_height=0.17, snapshot_times=(0.0, 3.0), snapshot_labels=("a", "b"))
    side, fall, sag = fig.axes
    assert [t.get_text() for t in side.texts] == ["0.00 s\na", "3.00 s\nb"]
    assert fall.get_ylabel() == "height above the floor [m]"
    np.testing.assert_allclose(fall.lines[0].get_ydata(), tilted.lowest)
    assert sag.get_ylabel() == "top-to-bottom height of the cube [m]"
    np.testing.assert_allclose(sag.lines[0].get_ydata(), upright.heights)
    assert sag.lines[1].get_ydata()[0] == pytest.approx(0.17)
    with pytest.raises(ValueError, match="one label per snapshot"):
        plot_soft_drop(tilted, upright, 0.17, snapshot_times=(0.0, 1.0), snapshot_labels=("only one",))
    with pytest.raises(ValueError, match="at least one"):
        plot_soft_drop(tilted, upright, 0.17, snapshot_times=())


def test_falling_speed_draws_simulation_exact_solution_and_terminal_speed():
    t = np.linspace(0.01, 5, 40)
    exact = 30 * np.tanh(9.81 * t / 30)
    fig = plot_falling_speed(t, exact * 0.99, exact, 30.0)
    ax = fig.axes[0]
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("time [s]", "falling speed [m/s]")
    np.testing.assert_allclose(ax.lines[2].get_ydata(), exact)
    assert ax.lines[3].get_ydata()[0] == 30.0
    with pytest.raises(ValueError, match="one length"):
        plot_falling_speed(t, exact[:-1], exact, 30.0)


def test_actuator_effects_draw_commanded_and_delivered_torque_per_effect():
    dt = 1 / 240
    command = np.r_[np.zeros(5), np.ones(20)]
    saturated = ActuatorModel(ActuatorParameters(torque_limit=0.6), n_joints=1, time_step=dt)
    delivered = np.array([saturated.torques(np.array([c]), np.zeros(1), np.zeros(1))[0] for c in command])
    t = np.arange(command.size) * dt * 1000
    fig = plot_actuator_effects(t, command, {"torque limit 0.6 N m": delivered})
    ax = fig.axes[0]
    assert ax.get_title() == "torque limit 0.6 N m" and ax.get_ylabel() == "torque [N m]"
    assert ax.lines[1].get_ydata().max() == pytest.approx(0.6)  # the limit clips the 1 N m command
    with pytest.raises(ValueError, match="one value per step"):
        plot_actuator_effects(t, command, {"short": delivered[:-1]})
    with pytest.raises(ValueError, match="at least one"):
        plot_actuator_effects(t, command, {})
