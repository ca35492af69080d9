"""Optimisation on the model measured on the stand-in; the safety gate; the operation phase's inputs."""

from __future__ import annotations

import numpy as np
import pytest

from twin.control import JointPD
from twin.model.virtual import VirtualModel
from twin.operation import SafetyGate, TrackingTask, cost_on_model, cost_on_standin, tune_on_model
from twin.physical.standin import PhysicalStandIn
from twin.sim.robots import JointState


@pytest.fixture(scope="module")
def pendulum():
    with VirtualModel("pendulum") as model, PhysicalStandIn("pendulum", seed=2) as robot:
        yield model, robot


def test_tuning_on_the_model_improves_the_stand_ins_measured_cost(pendulum):
    model, robot = pendulum
    task = TrackingTask(seconds=2.0)
    result = tune_on_model(model, task, np.geomspace(2, 400, 8))
    assert 2 < result.best < 400  # the effort term gives an interior optimum, not the stiffest candidate
    old_kp = 5.0
    before = cost_on_standin(robot, model, task, old_kp, sensor_seed=11)
    after = cost_on_standin(robot, model, task, result.best, sensor_seed=11)
    assert after < 0.8 * before, (before, after)


def test_model_cost_leaves_the_model_where_it_was(pendulum):
    model, _ = pendulum
    model.plant.set_state([0.3], [0.1])
    cost_on_model(model, TrackingTask(seconds=0.5), 20.0)
    state = model.state()
    assert state.positions[0] == pytest.approx(0.3) and state.velocities[0] == pytest.approx(0.1)


def test_same_sensor_seed_makes_the_stand_in_trial_repeatable(pendulum):
    model, robot = pendulum
    task = TrackingTask(seconds=0.5)
    assert cost_on_standin(robot, model, task, 30.0, sensor_seed=4) == cost_on_standin(
        robot, model, task, 30.0, sensor_seed=4
    )


def test_noise_torque_follows_the_gains():
    task = TrackingTask(position_noise_std=0.001, velocity_noise_std=0.01)
    controller = JointPD([0.0], kp=100.0, kd=4.0)
    assert task.noise_torque(controller) == pytest.approx(np.hypot(100 * 0.001, 4 * 0.01))


def reach_law(model: VirtualModel, bandwidth_hz: float):
    reach = np.array([0.0, 1.0, 0.0, -1.0, 0.0, 0.5, 0.0])
    controller = JointPD.critically_damped(
        reach, model.plant.mass_matrix(np.zeros(7)), natural_frequency=2 * np.pi * bandwidth_hz
    )
    return lambda t, s: controller(t, s.positions, s.velocities, model.gravity_torques(s.positions))


def test_gate_stops_a_dangerous_command_before_the_robot_moves():
    with VirtualModel("arm") as model, PhysicalStandIn("arm") as robot:
        gate = SafetyGate(model)
        start_time, start_state = robot.time, robot.true_state()
        decision = gate.execute(reach_law(model, 8.0), robot, 240)
        assert not decision.allowed and decision.executed_steps == 0
        assert any(v.kind == "speed" for v in decision.violations)
        assert robot.time == start_time  # the robot never ran a single step
        np.testing.assert_array_equal(robot.true_state().positions, start_state.positions)

        decision = gate.execute(reach_law(model, 1.0), robot, 240)
        assert decision.allowed and decision.executed_steps == 240
        assert robot.time == pytest.approx(start_time + 1.0)
        assert abs(robot.true_state().positions[1] - 1.0) < 0.2  # it moved towards the reach pose
        assert (gate.accepted, gate.rejected) == (1, 1)


def test_screening_leaves_the_model_state_alone():
    with VirtualModel("pendulum") as model:
        model.plant.set_state([0.2], [0.0])
        decision = SafetyGate(model).screen(lambda t, s: np.array([50.0]), JointState(np.array([1.0]), np.zeros(1)), 60)
        assert decision.forecast.positions[0, 0] > 1.0  # forecast started from the given state
        assert model.state().positions[0] == pytest.approx(0.2)


@pytest.mark.parametrize(
    ("make", "error", "message"),
    [
        (lambda m: tune_on_model(m, TrackingTask(), [10.0]), ValueError, "at least 2"),
        (lambda m: tune_on_model(m, TrackingTask(), [10.0, -1.0]), ValueError, "positive"),
        (lambda m: TrackingTask(seconds=0), ValueError, "seconds"),
        (lambda m: TrackingTask(effort_weight=-1), ValueError, "effort_weight"),
        (lambda m: cost_on_model(m, TrackingTask(), 0.0), ValueError, "kp"),
        (lambda m: SafetyGate("pendulum"), TypeError, "VirtualModel"),
        (lambda m: SafetyGate(m, velocity_margin=0), ValueError, "velocity_margin"),
        (lambda m: SafetyGate(m).screen("go fast", JointState(np.zeros(1), np.zeros(1)), 10), TypeError, "law"),
    ],
)
def test_bad_inputs_are_clear_errors(pendulum, make, error, message):
    with pytest.raises(error, match=message):
        make(pendulum[0])


def test_gate_refuses_a_robot_that_is_not_the_models():
    with VirtualModel("pendulum") as model, PhysicalStandIn("cartpole") as robot:
        with pytest.raises(ValueError, match="not the same robot"):
            SafetyGate(model).execute(lambda t, s: np.zeros(1), robot, 10)


def test_monitor_dashboard_turns_the_robot_red_when_a_fault_is_injected():
    from twin.operation import ResidualMonitor, monitored_twin
    from twin.ui.monitor import MonitorPanelModel, monitor_dashboard

    with monitored_twin(seed=1) as twin:
        monitor = ResidualMonitor.calibrate(twin, seconds=1.5)
        box = monitor_dashboard(twin, monitor)
        player, status, faults = box.children[1], box.children[2], box.children[3]
        physical = box.scene.mirrors["physical"]
        player.model.step(120)  # healthy: green-ish links, no alarm
        assert box.monitor_model.alert_levels()[0] < 1.0 and not monitor.alarms
        shown = []  # spy on the colouring: what health levels reached the 3D view
        paint = physical.show_joint_errors
        physical.show_joint_errors = lambda levels, tolerance: (shown.append(levels[0]), paint(levels, tolerance))
        faults.sliders["joint_friction"].value = 0.4  # the slider runs the twin 60 steps with the fault
        player.model.step(60)
        assert monitor.alarms and box.monitor_model.alert_levels()[0] == 1.0
        assert "alarm(s)" in status.status.value and "hinge at" in status.status.value
        assert shown[-1] == 1.0  # red
    with pytest.raises(ValueError, match="hold_seconds"):
        MonitorPanelModel(monitor, hold_seconds=-1)
