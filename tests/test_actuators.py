"""Actuator models against theory: DC motor limits, latency, backlash, friction, saturation, servo."""

from __future__ import annotations

import math

import numpy as np
import pytest

from twin.actuators import MINITAUR_MOTOR, ActuatorModel, ActuatorParameters, DCMotor, PositionServo
from twin.sim.plant import SimulatedRobot

DT = 1 / 240


def run(model: ActuatorModel, commands: np.ndarray, velocities: np.ndarray | None = None) -> np.ndarray:
    """Delivered torques for a sequence of commands, joints held still unless velocities are given."""
    n = model.n_joints
    out = []
    for k, command in enumerate(commands):
        qd = np.zeros(n) if velocities is None else velocities[k]
        out.append(model.torques(np.atleast_1d(command), np.zeros(n), qd))
    return np.array(out)


# -- the ideal actuator --------------------------------------------------------------------------
def test_default_parameters_deliver_the_command_exactly() -> None:
    rng = np.random.default_rng(0)
    model = ActuatorModel(ActuatorParameters(), n_joints=3, time_step=DT)
    assert ActuatorParameters().is_ideal
    for _ in range(50):
        command = rng.normal(scale=100.0, size=3)
        delivered = model.torques(command, rng.normal(size=3), rng.normal(scale=10, size=3))
        assert np.array_equal(delivered, command)
        assert delivered is not command  # the caller's array is never aliased


# -- DC motor ------------------------------------------------------------------------------------
LINEAR = DCMotor(torque_constant=0.1, resistance=0.5, supply_voltage=12.0, current_limit=1000.0)


def test_stall_torque_is_kt_v_over_r_up_to_the_current_limit() -> None:
    assert LINEAR.stall_torque == pytest.approx(0.1 * 12.0 / 0.5)
    limited = DCMotor(torque_constant=0.1, resistance=0.5, supply_voltage=12.0, current_limit=10.0)
    assert limited.stall_torque == pytest.approx(0.1 * 10.0)  # V/R = 24 A > 10 A


def test_no_load_speed_is_v_over_kt_and_torque_falls_linearly_with_speed() -> None:
    assert LINEAR.no_load_speed == pytest.approx(12.0 / 0.1)
    speeds = np.linspace(0.0, LINEAR.no_load_speed, 9)
    torques = LINEAR.max_torque(speeds)
    slope, intercept = np.polyfit(speeds, torques, 1)
    assert slope == pytest.approx(-(0.1**2) / 0.5)
    assert intercept == pytest.approx(LINEAR.stall_torque)
    assert np.max(np.abs(torques - (intercept + slope * speeds))) < 1e-12
    assert float(LINEAR.max_torque(LINEAR.no_load_speed)) == pytest.approx(0.0, abs=1e-12)
    assert float(LINEAR.min_torque(0.0)) == pytest.approx(-LINEAR.stall_torque)


def test_a_gearbox_multiplies_torque_and_divides_speed() -> None:
    geared = DCMotor(torque_constant=0.1, resistance=0.5, supply_voltage=12.0, current_limit=1000.0, gear_ratio=10)
    assert geared.stall_torque == pytest.approx(10 * LINEAR.stall_torque)
    assert geared.no_load_speed == pytest.approx(LINEAR.no_load_speed / 10)


def test_minitaur_motor_follows_the_measured_curve_and_saturates_at_60_amps() -> None:
    m = MINITAUR_MOTOR
    assert (m.supply_voltage, m.resistance, m.torque_constant) == (16.0, 0.186, 0.0954)
    assert float(m.rotor_torque(10.0)) == pytest.approx(1.0)
    assert float(m.rotor_torque(35.0)) == pytest.approx((2.45 + 3.0) / 2)
    assert float(m.rotor_torque(-20.0)) == pytest.approx(-1.9)
    assert float(m.rotor_torque(500.0)) == pytest.approx(3.5)
    assert m.stall_current == pytest.approx(16 / 0.186)  # 86 A: more than the table's 60 A
    assert m.stall_torque == pytest.approx(3.5)
    # at speed, back-EMF leaves (16 - 0.0954 w) / 0.186 amps; at 100 rad/s that is 34.73 A
    current = (16 - 0.0954 * 100) / 0.186
    assert float(m.max_torque(100.0)) == pytest.approx(np.interp(current, *m.torque_current_curve))


def test_motor_delivers_the_command_inside_its_limits_and_saturates_outside() -> None:
    params = ActuatorParameters(motor=LINEAR)
    model = ActuatorModel(params, n_joints=3, time_step=DT)
    velocities = np.array([0.0, 50.0, -50.0])
    inside = np.array([1.0, -0.5, 0.3])
    assert np.allclose(model.torques(inside, np.zeros(3), velocities), inside)
    huge = np.array([100.0, 100.0, -100.0])
    delivered = model.torques(huge, np.zeros(3), velocities)
    expected = [LINEAR.stall_torque, float(LINEAR.max_torque(50.0)), float(LINEAR.min_torque(-50.0))]
    assert np.allclose(delivered, expected)


@pytest.mark.parametrize(
    ("field", "value", "words"),
    [
        ("torque_constant", 0.0, "torque_constant"),
        ("resistance", -1.0, "resistance"),
        ("supply_voltage", math.nan, "supply_voltage"),
        ("current_limit", "60", "current_limit"),
        ("gear_ratio", 0.0, "gear_ratio"),
        ("torque_current_curve", ((0, 10), (0,)), "equal-length"),
        ("torque_current_curve", ((1, 10), (0, 1)), "start at"),
        ("torque_current_curve", ((0, 10, 5), (0, 1, 2)), "increasing"),
    ],
)
def test_bad_motor_numbers_are_named(field: str, value: object, words: str) -> None:
    values = {"torque_constant": 0.1, "resistance": 0.5, "supply_voltage": 12.0, "current_limit": 10.0}
    values[field] = value  # type: ignore[assignment]
    with pytest.raises(ValueError, match=words):
        DCMotor(**values)  # type: ignore[arg-type]


# -- latency, strength, saturation ---------------------------------------------------------------
def test_latency_is_rounded_to_whole_steps_and_delays_by_exactly_that() -> None:
    model = ActuatorModel(ActuatorParameters(latency=0.0101), n_joints=1, time_step=DT)
    assert model.latency_steps == 2
    assert model.applied_latency == pytest.approx(2 * DT)
    commands = np.arange(1.0, 11.0)
    delivered = run(model, commands)[:, 0]
    assert np.array_equal(delivered, np.concatenate([[0.0, 0.0], commands[:-2]]))
    model.reset()
    assert run(model, [5.0])[0, 0] == 0.0  # the queue was emptied


def test_latency_delays_a_joint_step_response_by_exactly_the_set_time() -> None:
    delay_steps = 6  # 25 ms at 240 Hz

    def step_response(latency: float) -> np.ndarray:
        with SimulatedRobot("pendulum", time_step=DT) as plant:
            actuator = ActuatorModel(ActuatorParameters(latency=latency), plant.dof, DT)
            positions = []
            for _ in range(120):
                state = plant.state()
                plant.step(actuator.torques(np.array([2.0]), state.positions, state.velocities))
                positions.append(plant.state().positions[0])
        return np.array(positions)

    ideal = step_response(0.0)
    late = step_response(delay_steps * DT)
    assert np.all(late[:delay_steps] == 0.0)
    assert np.allclose(late[delay_steps:], ideal[:-delay_steps], atol=1e-12)
    assert ideal[-1] > 0.05  # it did move


def test_strength_scales_and_torque_limit_saturates() -> None:
    model = ActuatorModel(ActuatorParameters(strength=0.8, torque_limit=2.0), n_joints=3, time_step=DT)
    assert np.allclose(model.torques(np.array([1.0, 5.0, -5.0]), np.zeros(3), np.zeros(3)), [0.8, 2.0, -2.0])


# -- gear friction -------------------------------------------------------------------------------
def test_gear_friction_opposes_motion_and_absorbs_small_torques_at_rest() -> None:
    model = ActuatorModel(ActuatorParameters(gear_friction=0.3), n_joints=4, time_step=DT)
    delivered = model.torques(np.array([1.0, 1.0, 0.2, -1.0]), np.zeros(4), np.array([2.0, -2.0, 0.0, 0.0]))
    assert np.allclose(delivered, [0.7, 1.3, 0.0, -0.7])


# -- backlash ------------------------------------------------------------------------------------
def test_backlash_delivers_nothing_while_the_motor_crosses_the_gap() -> None:
    backlash, inertia, torque = 0.02, 1e-3, 0.5
    model = ActuatorModel(ActuatorParameters(backlash=backlash, motor_inertia=inertia), n_joints=1, time_step=DT)
    forward = run(model, np.full(200, torque))[:, 0]
    assert model.gap_position[0] == pytest.approx(backlash / 2)
    backward = run(model, np.full(200, -torque))[:, 0]
    assert model.gap_position[0] == pytest.approx(-backlash / 2)
    # from rest, the motor crosses the whole gap b under constant acceleration a = tau / J in sqrt(2 b / a)
    crossing_steps = np.argmax(backward != 0.0)
    assert crossing_steps == pytest.approx(math.sqrt(2 * backlash * inertia / torque) / DT, abs=1.0)
    assert np.all(backward[crossing_steps:] == -torque)
    # starting centred, only half the gap stands in the way
    assert np.argmax(forward != 0.0) == pytest.approx(math.sqrt(backlash * inertia / torque) / DT, abs=1.0)


def test_backlash_gives_a_dead_band_of_its_width_under_a_motor_side_servo() -> None:
    backlash, load_inertia = 0.1, 0.05
    rest = []
    for start in (0.3, -0.3):
        actuator = ActuatorModel(ActuatorParameters(backlash=backlash), n_joints=1, time_step=DT)
        servo = PositionServo(actuator, kp=5.0, kd=1.0, encoder="motor")
        q, qd = np.array([start]), np.zeros(1)
        for _ in range(2000):  # a free inertia: J qdd = tau (semi-implicit Euler)
            qd = qd + servo.torques(0.0, q, qd) / load_inertia * DT
            q = q + qd * DT
        assert abs(qd[0]) < 1e-9
        assert servo.measured_positions(q)[0] == pytest.approx(0.0, abs=1e-9)  # the servo thinks it arrived
        rest.append(q[0])
    assert abs(rest[0] - rest[1]) == pytest.approx(backlash, abs=1e-9)


def test_without_backlash_the_servo_settles_on_target() -> None:
    actuator = ActuatorModel(ActuatorParameters(), n_joints=1, time_step=DT)
    servo = PositionServo(actuator, kp=5.0, kd=1.0)
    q, qd = np.array([0.3]), np.zeros(1)
    for _ in range(2000):
        qd = qd + servo.torques(0.0, q, qd) / 0.05 * DT
        q = q + qd * DT
    assert q[0] == pytest.approx(0.0, abs=1e-6)


# -- bad inputs ----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("changes", "words"),
    [
        ({"torque_limit": 0.0}, "torque_limit"),
        ({"latency": -0.01}, "latency"),
        ({"backlash": -1.0}, "backlash"),
        ({"gear_friction": math.inf}, "gear_friction"),
        ({"strength": 0.0}, "strength"),
        ({"latency": math.nan}, "latency"),
        ({"motor_inertia": 0.0}, "motor_inertia"),
    ],
)
def test_bad_actuator_parameters_are_named(changes: dict, words: str) -> None:
    with pytest.raises(ValueError, match=words):
        ActuatorParameters(**changes)


def test_bad_model_inputs_are_named() -> None:
    with pytest.raises(TypeError, match="DCMotor"):
        ActuatorParameters(motor="minitaur")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="valid"):
        ActuatorParameters().with_changes(latancy=0.01)
    with pytest.raises(ValueError, match="time_step"):
        ActuatorModel(ActuatorParameters(), 2, 0.0)
    with pytest.raises(ValueError, match="n_joints"):
        ActuatorModel(ActuatorParameters(), -1, DT)
    model = ActuatorModel(ActuatorParameters(), 2, DT)
    with pytest.raises(ValueError, match=r"shape \(2,\)"):
        model.torques(np.zeros(3), np.zeros(2), np.zeros(2))
    with pytest.raises(ValueError, match="NaN"):
        model.torques(np.array([0.0, math.nan]), np.zeros(2), np.zeros(2))
    with pytest.raises(ValueError, match="encoder"):
        PositionServo(model, 1.0, 0.1, encoder="camera")
    with pytest.raises(ValueError, match="gains"):
        PositionServo(model, -1.0, 0.1)


# -- the joint step response experiment ----------------------------------------------------------
def test_step_response_latency_shifts_the_first_motion_by_the_applied_latency() -> None:
    from twin.actuators.step_response import joint_step_response

    ideal = joint_step_response(ActuatorParameters(), target=0.5, seconds=1.2)
    late = joint_step_response(ActuatorParameters(latency=0.02), target=0.5, seconds=0.6)
    applied = ActuatorModel(ActuatorParameters(latency=0.02), 1, DT).applied_latency
    assert late.first_motion_time() - ideal.first_motion_time() == pytest.approx(applied, abs=1e-9)
    assert abs(ideal.final_error()) < 1e-3  # gravity feed-forward + PD: on target


def test_step_response_through_a_motor_never_exceeds_what_the_motor_can_give() -> None:
    from dataclasses import replace

    from twin.actuators.step_response import joint_step_response

    geared = replace(MINITAUR_MOTOR, gear_ratio=4.0)
    ideal = joint_step_response(ActuatorParameters(), target=1.0, seconds=0.8)
    motor = joint_step_response(ActuatorParameters(motor=geared), target=1.0, seconds=0.8)
    assert ideal.peak_delivered() == pytest.approx(60.0)  # kp * step: the ideal actuator gives anything
    assert motor.peak_delivered() == pytest.approx(geared.stall_torque)  # 4 x 3.5 N m
    velocities = np.gradient(motor.positions[:, 0], motor.times)
    assert np.all(motor.delivered[:, 0] <= geared.max_torque(velocities) + 0.05)
    assert motor.rise_time() > ideal.rise_time()
    with pytest.raises(ValueError, match="step_time"):
        joint_step_response(step_time=5.0, seconds=1.0)


# -- the explorer behind the sliders -------------------------------------------------------------
def test_explorer_back_emf_caps_the_joint_speed_at_the_no_load_speed() -> None:
    import matplotlib

    matplotlib.use("Agg")
    from twin.ui.actuator_explorer import ActuatorExplorer, plot_motor_curves

    explorer = ActuatorExplorer(seconds=0.8)
    peaks = {}
    for volts in (16.0, 8.0):
        ideal, modelled = explorer.compare(volts)
        speeds = np.abs(np.diff(modelled.positions[:, 0])) / DT
        no_load = explorer.motor.with_supply_voltage(volts).no_load_speed
        assert speeds.max() <= no_load * 1.001
        assert speeds.max() > 0.9 * no_load  # the servo asks for more: the motor runs near its limit
        peaks[volts] = modelled.rise_time()
    assert peaks[8.0] > peaks[16.0] > explorer.compare(16.0)[0].rise_time()  # lower voltage, slower step
    assert "modelled" in explorer.summary(16.0, latency=0.02)
    figure = explorer.figure(16.0, backlash=0.05)
    assert len(figure.axes[0].lines) == 3  # target, ideal, modelled
    assert len(plot_motor_curves().axes[1].lines) == 6  # three voltages, each with its no-limit line


def test_backlash_with_a_motor_side_encoder_leaves_half_the_play_as_error() -> None:
    from twin.ui.actuator_explorer import ActuatorExplorer

    explorer = ActuatorExplorer(seconds=1.2)
    _, modelled = explorer.compare(16.0, backlash=0.05)
    # gravity pulls the bob back onto the upper tooth: the joint rests b/2 short of the motor's reading
    assert modelled.final_error() == pytest.approx(0.025, abs=0.003)


def test_explorer_widget_redraws_when_a_slider_moves() -> None:
    import matplotlib

    matplotlib.use("Agg")
    from twin.ui.actuator_explorer import ActuatorExplorer, actuator_explorer

    explorer = ActuatorExplorer(seconds=0.3)
    panel = actuator_explorer(explorer)
    sliders = [w for box in panel.children[:2] for w in box.children]
    assert len(explorer._cache) == 2  # ideal and the nominal modelled response
    sliders[1].value = 2 / 240  # latency
    assert len(explorer._cache) == 3


# -- exercise 1 check ----------------------------------------------------------------------------
def test_available_torque_check_accepts_the_physics_and_explains_typical_mistakes() -> None:
    from twin.course.checks_creation import KNEE_MOTOR, check_available_torque

    def right(speed: float, voltage: float) -> float:
        return 50 * 0.05 * min((voltage - 0.05 * 50 * speed) / 0.4, 20.0)

    def no_gear_in_back_emf(speed: float, voltage: float) -> float:
        return 50 * 0.05 * min((voltage - 0.05 * speed) / 0.4, 20.0)

    def rotor_torque(speed: float, voltage: float) -> float:
        return 0.05 * min((voltage - 0.05 * 50 * speed) / 0.4, 20.0)

    def no_current_limit(speed: float, voltage: float) -> float:
        return 50 * 0.05 * (voltage - 0.05 * 50 * speed) / 0.4

    def stub(speed: float, voltage: float) -> float:
        raise NotImplementedError

    assert KNEE_MOTOR.stall_torque == pytest.approx(50.0)
    assert check_available_torque(right).passed
    for wrong, words in (
        (no_gear_in_back_emf, "N times faster"),
        (rotor_torque, "multiplies it by N"),
        (no_current_limit, "clip the current"),
        (stub, "Not answered yet"),
        (lambda s, v: "fifty", "one number"),
    ):
        result = check_available_torque(wrong)
        assert not result.passed and words in result.message, result.message
    from twin.course.checks_creation import reference_available_torque

    leak = check_available_torque(no_current_limit).message
    assert f" {reference_available_torque(0.0, 24.0):.4g} N m" not in leak  # the answer is not given away
