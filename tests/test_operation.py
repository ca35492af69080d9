"""Optimisation on the model measured on the stand-in; the safety gate; the operation phase's inputs."""

from __future__ import annotations

import math

import numpy as np
import pytest

from twin.control import JointPD
from twin.core.types import JointState
from twin.operation import SafetyGate, TrackingTask, cost_on_model, cost_on_standin, tune_on_model
from twin.physical_system.standin import PhysicalStandIn
from twin.virtual_model.virtual import VirtualModel


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
    from twin.operation import ResidualMonitor
    from twin.studies.fault_detection import monitored_twin
    from twin.ui.monitor import MonitorPanelModel, monitor_dashboard

    with monitored_twin(seed=1) as twin:
        monitor = ResidualMonitor.calibrate(twin, seconds=1.5)
        box = monitor_dashboard(twin, monitor)
        player, status, faults = box.children[1], box.children[2], box.children[3]
        physical = box.scene.mirrors["physical"]
        player.model.step(120)  # healthy: green-ish links, no alarm
        assert box.monitor_model.alert_levels()[0] < 1.0 and not monitor.alarms
        assert "behaves like its model" in status.status.value and "FAULT" not in status.status.value
        shown = []  # spy on the colouring: what health levels reached the 3D view
        paint = physical.show_joint_errors
        physical.show_joint_errors = lambda levels, tolerance: (shown.append(levels[0]), paint(levels, tolerance))
        faults.sliders["joint_friction"].value = 0.4  # the slider runs the twin 60 steps with the fault
        player.model.step(60)
        assert monitor.alarms and box.monitor_model.alert_levels()[0] == 1.0
        assert "alarm(s)" in status.status.value and "hinge at" in status.status.value
        assert "FAULT suspected at hinge" in status.status.value
        assert shown[-1] == 1.0  # red
    with pytest.raises(ValueError, match="hold_seconds"):
        MonitorPanelModel(monitor, hold_seconds=-1)


# -- chapter 5 exercises: the checks accept the solution and reject typical mistakes ----------------------
def _solution_namespace() -> dict:
    import json
    from pathlib import Path

    namespace: dict = {}
    path = Path(__file__).resolve().parents[1] / "solutions" / "05_operating_the_twin_exercises.ipynb"
    for cell in json.loads(path.read_text())["cells"]:
        if cell["cell_type"] == "code":
            exec(compile("".join(cell["source"]), path.name, "exec"), namespace)
    return namespace


def test_solution_notebook_passes_both_checks():
    from twin.course.checks_operation import check_cmapss_score, check_cusum_threshold

    solved = _solution_namespace()
    assert check_cusum_threshold(solved["cusum_threshold"]).passed
    assert check_cmapss_score(solved["score"]).passed


def test_threshold_check_rejects_stub_one_sided_and_oversized_answers():
    from twin.analytics.anomaly import average_run_length
    from twin.course.checks_operation import check_cusum_threshold, reference_cusum_threshold

    def stub(drift, budget):
        raise NotImplementedError("replace me")

    def one_sided(drift, budget):  # forgets that two sides alarm twice as often
        return reference_cusum_threshold(drift, budget / 2)

    assert 5.0 < reference_cusum_threshold(0.5, 1000) < 6.0  # h = 5 gives 469 samples, h = 6 gives 1286
    assert average_run_length(0.0, 0.5, reference_cusum_threshold(0.5, 1000)) / 2 >= 1000
    verdict = check_cusum_threshold(stub)
    assert not verdict.passed and "Not answered" in verdict.message
    verdict = check_cusum_threshold(one_sided)
    assert not verdict.passed and "ARL(0)/2" in verdict.message
    verdict = check_cusum_threshold(lambda drift, budget: 20.0)
    assert not verdict.passed and "smallest" in verdict.message
    assert not check_cusum_threshold(lambda drift, budget: "five").passed
    assert check_cusum_threshold(lambda d, b: reference_cusum_threshold(d, b) + 0.03).passed  # within tolerance
    assert f"{reference_cusum_threshold(0.5, 240 * 60):.2f}" not in verdict.message  # never leaks the answer


def test_score_check_rejects_swapped_branches_and_the_mean():
    from twin.course.checks_operation import check_cmapss_score

    def swapped(p, t):
        d = p - t
        return float(np.sum(np.where(d > 0, np.exp(d / 13) - 1, np.exp(-d / 10) - 1)))

    def mean(p, t):
        d = p - t
        return float(np.mean(np.where(d < 0, np.exp(-d / 13) - 1, np.exp(d / 10) - 1)))

    verdict = check_cmapss_score(swapped)
    assert not verdict.passed and "swapped" in verdict.message
    verdict = check_cmapss_score(mean)
    assert not verdict.passed and "sums" in verdict.message
    verdict = check_cmapss_score(lambda p, t: float(np.sum(np.abs(p - t))))
    assert not verdict.passed and "branches" in verdict.message


def test_the_operation_phase_runs_a_calibrated_model_not_the_hidden_truth():
    from twin.physical_system.standin import DEFAULT_TRUTH
    from twin.studies.commissioning import commissioning_calibration
    from twin.studies.fault_detection import monitored_twin

    result = commissioning_calibration("pendulum")
    assert result.unidentifiable == () and 0.9 < result.residual_rmse < 1.15
    truth = DEFAULT_TRUTH["pendulum"]
    assert result.estimate != truth
    for name in result.values:  # close to the truth, within the calibration's own uncertainty
        assert abs(result.values[name] - getattr(truth, name)) < 3 * result.standard_errors[name], name
    assert commissioning_calibration("pendulum") is result  # calibrated once, cached
    with monitored_twin(seed=0) as twin:
        assert twin.model.parameters == result.estimate
    with pytest.raises(ValueError, match="seconds"):
        commissioning_calibration("pendulum", seconds=0)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"seconds": math.inf}, "seconds=inf must be a finite number of seconds > 0"),
        ({"seconds": math.nan}, "seconds=nan must be a finite number"),
        ({"seconds": True}, "seconds=True must be a finite number"),  # not 1 s
        ({"seconds": -4.0}, "seconds=-4.0 must be"),
        ({"seconds": "4"}, "seconds='4' must be"),
        ({"seconds": 0.05}, "only 12 steps.*at least 20"),
        ({"time_step": 0}, "time_step=0 must be a finite number of seconds > 0"),
        ({"time_step": False}, "time_step=False must be"),
    ],
)
def test_commissioning_refuses_bad_durations_naming_the_fix(kwargs, match):
    from twin.studies.commissioning import commissioning_calibration

    with pytest.raises(ValueError, match=match):
        commissioning_calibration("pendulum", **kwargs)
