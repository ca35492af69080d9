"""Measuring the reality gap and taking it apart: no bias of its own, each cause in its direction, parts add up."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from twin.actuators import MINITAUR_MOTOR, ActuatorParameters
from twin.control import JointPD
from twin.core.messages import JointCommand
from twin.core.types import DynamicsParameters
from twin.gap.metrics import sensor_gap, trajectory_gap
from twin.gap.reality import CAUSES, Reality
from twin.physical_system import PhysicalStandIn, UnmodeledEffects
from twin.studies.ablation import ablate
from twin.studies.gap_experiment import GapExperiment, multisine_torques, planned_commands

NOMINAL = DynamicsParameters()
HOLD = 0.8  # rad


@pytest.fixture(scope="module")
def hold_experiment() -> GapExperiment:
    """Two seconds of the torques a PD controller sends to hold the pendulum at 0.8 rad on the nominal model."""
    plan = planned_commands("pendulum", JointPD([HOLD], kp=20.0, kd=2.0), 480, initial_positions=[HOLD])
    return GapExperiment("pendulum", plan, initial_positions=[HOLD])


@pytest.fixture(scope="module")
def track_experiment() -> GapExperiment:
    """Two seconds of the torques a PD controller sends to track a slow sine (0.6 +- 0.3 rad) on the nominal model."""
    target = JointPD(lambda t: np.array([0.6 + 0.3 * np.sin(np.pi * t)]), kp=20.0, kd=2.0)
    plan = planned_commands("pendulum", target, 480, initial_positions=[0.6])
    return GapExperiment("pendulum", plan, initial_positions=[0.6])


@pytest.fixture(scope="module")
def swing_experiment() -> GapExperiment:
    """Two seconds of free swing (no torque) from 1 rad."""
    return GapExperiment("pendulum", np.zeros((480, 1)), initial_positions=[1.0])


@pytest.mark.parametrize(
    ("robot", "amplitude", "model"),
    [
        ("pendulum", [3.0], NOMINAL),
        ("cartpole", [5.0, 0.3], DynamicsParameters(mass_scale=1.2, joint_friction=0.01, joint_damping=0.02)),
    ],
)
def test_with_every_cause_off_model_and_standin_agree_exactly(robot, amplitude, model):
    commands = multisine_torques(240, len(amplitude), amplitude, seed=3)
    experiment = GapExperiment(robot, commands, model_parameters=model)
    record = experiment.run(Reality.matching(model), seed=5)
    assert Reality.matching(model).active_causes(model) == ()
    np.testing.assert_array_equal(record.true_positions, record.model_positions)
    np.testing.assert_array_equal(record.measured_velocities, record.model_velocities)
    assert record.gap().overall_rmse == 0.0
    assert np.abs(record.model_positions).max() > 0.05  # the robot really moved


def test_a_heavier_robot_or_a_payload_sags_below_the_model(hold_experiment):
    for reality in (Reality(DynamicsParameters(mass_scale=1.2)), Reality(effects=UnmodeledEffects(payload=0.2))):
        record = hold_experiment.run(reality)
        assert np.abs(record.model_positions[-1, 0] - HOLD) < 0.01  # the model holds its pose
        assert record.gap().final[0] < -0.03  # the stand-in hangs lower: gravity wins by the extra weight


@pytest.mark.parametrize("change", [{"joint_friction": 0.05}, {"joint_damping": 0.05}])
def test_friction_and_damping_take_energy_out_of_a_free_swing(swing_experiment, change):
    record = swing_experiment.run(Reality(NOMINAL.with_changes(**change)))
    last_second = slice(240, None)
    model_amplitude = np.abs(record.model_positions[last_second]).max()
    real_amplitude = np.abs(record.true_positions[last_second]).max()
    assert real_amplitude < model_amplitude - 0.01


def test_sensor_bias_and_noise_change_readings_not_motion(hold_experiment):
    record = hold_experiment.run(
        Reality(effects=UnmodeledEffects(sensor_bias=0.02), position_noise_std=0.01, velocity_noise_std=0.0), seed=1
    )
    np.testing.assert_array_equal(record.true_positions, record.model_positions)  # the robot moves as modelled
    gap = record.sensor_gap()
    assert gap.bias[0] == pytest.approx(0.02, abs=3 * 0.01 / np.sqrt(480))
    assert gap.noise_std[0] == pytest.approx(0.01, rel=0.1)


def test_ablation_shares_add_up_and_name_the_dominant_cause(track_experiment):
    reality = Reality(
        DynamicsParameters(mass_scale=1.1, joint_friction=0.02, joint_damping=0.03),
        UnmodeledEffects(sensor_bias=0.01),
        position_noise_std=0.002,
    )
    ablation = ablate(track_experiment, reality)
    assert set(ablation.causes) == {"mass", "joint friction", "joint damping", "sensor bias", "sensor noise"}
    assert sum(ablation.shares.values()) + ablation.interaction == pytest.approx(1.0)
    # Stated tolerance: for effects this small the one-at-a-time parts explain the total within 15 %.
    assert ablation.additivity_error < 0.15
    assert abs(ablation.interaction) < 0.15
    assert ablation.dominant == "mass"
    assert "interaction" in str(ablation.table())

    from twin.plotting import plot_ablation  # the figure lives on the view side; it shows the same shares

    bars = plot_ablation(ablation).axes[0].patches
    widths = [bar.get_width() for bar in bars[: len(ablation.causes) + 1]]
    expected = [100 * ablation.shares[c] for c in ablation.causes] + [100 * ablation.interaction]
    np.testing.assert_allclose(widths, expected)


def test_ablation_of_a_single_cause_is_all_of_it(hold_experiment):
    ablation = ablate(hold_experiment, Reality(DynamicsParameters(mass_scale=1.2)))
    assert ablation.shares == {"mass": pytest.approx(1.0)}
    assert ablation.additivity_error == pytest.approx(0.0, abs=1e-12)


def test_switching_causes_sets_them_to_the_models_values():
    model = DynamicsParameters(mass_scale=1.1, joint_friction=0.01)
    reality = Reality(DynamicsParameters(1.3, 0.05, 0.02), UnmodeledEffects(sensor_bias=0.1), 0.01, 0.1)
    assert reality.active_causes(model) == ("mass", "joint friction", "joint damping", "sensor bias", "sensor noise")
    only_mass = reality.only(["mass"], model)
    assert only_mass.truth == DynamicsParameters(1.3, 0.01, 0.0)
    assert only_mass.effects.sensor_bias == 0.0 and only_mass.position_noise_std == 0.0
    assert reality.without(CAUSES, model) == Reality.matching(model)


def test_bad_inputs_are_named(hold_experiment):
    with pytest.raises(ValueError, match="Unknown cause"):
        Reality().without(["gremlins"], NOMINAL)
    with pytest.raises(ValueError, match="no gap"):
        ablate(hold_experiment, Reality.matching(NOMINAL))
    with pytest.raises(ValueError, match="not on"):
        ablate(hold_experiment, Reality(DynamicsParameters(mass_scale=1.2)), causes=["sensor bias"])
    with pytest.raises(ValueError, match="steps x 1"):
        GapExperiment("pendulum", np.zeros((10, 2)))
    with pytest.raises(ValueError, match="payload"):
        UnmodeledEffects(payload=-1.0)
    with pytest.raises(ValueError, match="noise"):
        Reality(position_noise_std=-0.1)
    with pytest.raises(ValueError, match="same shape"):
        trajectory_gap(np.zeros((5, 1)), np.zeros((6, 1)))
    with pytest.raises(ValueError, match="two samples"):
        sensor_gap(np.zeros((1, 1)), np.zeros((1, 1)))


def _pushed(standin: PhysicalStandIn) -> float:
    """Velocity after 10 steps of 2 N m from rest at the bottom, rad/s (less for a heavier pendulum)."""
    try:
        for _ in range(10):
            standin.apply(JointCommand(standin.time, np.array([2.0])))
            standin.step()
        return float(standin.true_state().velocities[0])
    finally:
        standin.close()


def test_standin_keeps_its_payload_through_truth_updates_and_effects_switch_live():
    plain = _pushed(PhysicalStandIn("pendulum", NOMINAL))
    loaded = _pushed(PhysicalStandIn("pendulum", NOMINAL, effects=UnmodeledEffects(payload=0.5)))
    payload = UnmodeledEffects(payload=0.5)
    updated = PhysicalStandIn("pendulum", NOMINAL.with_changes(joint_damping=0.1), effects=payload)
    updated.update_truth(joint_damping=0.0)
    assert _pushed(updated) == loaded < plain / 1.3  # 1.5 kg instead of 1 kg at the bob
    switched = PhysicalStandIn("pendulum", NOMINAL, effects=UnmodeledEffects(payload=0.5))
    switched.set_effects(UnmodeledEffects())
    assert _pushed(switched) == plain
    with pytest.raises(TypeError, match="UnmodeledEffects"):
        PhysicalStandIn("pendulum", effects={"payload": 1.0})


# -- actuator effects (twin.actuators) --------------------------------------------------------------
def _actuated(**parameters: float) -> Reality:
    return Reality(effects=UnmodeledEffects(actuator=ActuatorParameters(**parameters)))


@pytest.mark.parametrize("change", [{"torque_limit": 3.0}, {"strength": 0.8}, {"backlash": 0.05}])
def test_a_weaker_saturated_or_loose_actuator_lets_the_held_pendulum_sag(hold_experiment, change):
    record = hold_experiment.run(_actuated(**change))
    assert np.abs(hold_experiment.commands).max() > 3.5  # the plan needs more than the 3 N m limit
    assert record.gap().final[0] < -0.01


def test_gear_friction_takes_energy_out_of_a_free_swing(swing_experiment):
    record = swing_experiment.run(_actuated(gear_friction=0.05))
    assert np.abs(record.true_positions[240:]).max() < np.abs(record.model_positions[240:]).max() - 0.01


def test_latency_delays_the_whole_response_by_whole_steps():
    experiment = GapExperiment("pendulum", multisine_torques(480, 1, [3.0], seed=4))  # from rest at the bottom
    record = experiment.run(_actuated(latency=0.02))
    delay = round(0.02 / experiment.time_step)
    np.testing.assert_array_equal(record.true_positions[:delay], 0.0)  # nothing arrives for 20 ms
    np.testing.assert_allclose(record.true_positions[delay:], record.model_positions[:-delay], atol=1e-12)


def test_actuator_causes_switch_off_one_by_one_down_to_an_ideal_actuator():
    reality = _actuated(latency=0.01, strength=0.9)
    assert reality.active_causes(NOMINAL) == ("latency", "motor strength")
    only_latency = reality.without(["motor strength"], NOMINAL)
    assert only_latency.effects.actuator == ActuatorParameters(latency=0.01)
    assert reality.without(["latency", "motor strength"], NOMINAL).effects.actuator is None


# -- the DC motor (twin.actuators.DCMotor) is a cause like the others --------------------------------
def _motor(**changes: object) -> Reality:
    return Reality(effects=UnmodeledEffects(actuator=ActuatorParameters(motor=replace(MINITAUR_MOTOR, **changes))))


def test_a_dc_motor_is_a_cause_that_switches_off_to_exact_agreement(track_experiment):
    reality = _motor()  # the Minitaur's direct-drive motor: at most 3.5 N m (its measured curve ends at 60 A)
    assert reality.active_causes(NOMINAL) == ("DC motor",)
    assert CAUSES["DC motor"].kind == "unmodeled"
    record = track_experiment.run(reality)
    assert np.abs(track_experiment.commands).max() > 4.0  # the plan asks for more than the motor can give
    assert np.abs(record.delivered_torques).max() < 3.5
    assert record.gap().final[0] < -0.05  # too weak: the pendulum sags below the model
    ablation = ablate(track_experiment, reality)
    assert ablation.shares == {"DC motor": pytest.approx(1.0)}
    switched_off = reality.without(CAUSES, NOMINAL)
    assert switched_off == Reality.matching(NOMINAL) and switched_off.effects.actuator is None
    off_record = track_experiment.run(switched_off)
    np.testing.assert_array_equal(off_record.true_positions, off_record.model_positions)


def test_an_ideal_dc_motor_inside_its_limits_delivers_the_command(track_experiment):
    # Kt I curve, geared 20:1 (stall 164 N m, no-load speed 8.4 rad/s): the driver's voltage produces exactly the
    # commanded torque, so only floating-point rounding separates robot and model.
    record = track_experiment.run(_motor(gear_ratio=20.0, torque_current_curve=None))
    np.testing.assert_allclose(record.delivered_torques, track_experiment.commands, rtol=1e-9, atol=1e-12)
    assert record.gap().overall_rmse < 1e-8
    # The measured curve lies above Kt I at low current (1.0 N m at 10 A, not 0.954): the same motor pushes harder.
    stronger = track_experiment.run(_motor(gear_ratio=20.0))
    assert np.mean(np.abs(stronger.delivered_torques)) > 1.01 * np.mean(np.abs(track_experiment.commands))


def test_ablation_with_an_actuator_delay_adds_up_within_tolerance(track_experiment):
    """The robot of notebook 07: parameter errors, a 12.5 ms delay, a biased and noisy sensor."""
    reality = Reality(
        DynamicsParameters(mass_scale=1.15, joint_friction=0.03, joint_damping=0.02),
        UnmodeledEffects(sensor_bias=-0.01, actuator=ActuatorParameters(latency=0.0125)),
        position_noise_std=0.002,
        velocity_noise_std=0.02,
    )
    ablation = ablate(track_experiment, reality)
    assert "latency" in ablation.causes and ablation.shares["latency"] > 0.02
    assert sum(ablation.shares.values()) + ablation.interaction == pytest.approx(1.0)
    # Stated tolerance, as for the parameter-only case: the parts explain the total within 15 %.
    assert ablation.additivity_error < 0.15
    assert abs(ablation.interaction) < 0.15
    assert ablation.dominant == "mass"


# -- outcome gap ---------------------------------------------------------------------------------------
def test_outcome_gap_says_whether_success_on_the_model_survives_on_the_robot():
    from twin.gap.metrics import OutcomeGap
    from twin.gap.task import Gains, ReachTask
    from twin.studies.transfer import trial

    task = ReachTask()
    full_budget = Gains(15.0, 3.94, 20.0)  # its first command is kp x 1 rad = the 15 N m limit exactly
    on_model = trial(task, full_budget, Reality.matching(NOMINAL))
    reads_low = Reality(effects=UnmodeledEffects(sensor_bias=-0.01))  # first error looks like 1.01 rad
    on_robot = trial(task, full_budget, reads_low)
    gap = OutcomeGap.of(on_model, on_robot)
    assert gap.model_success and not gap.real_success and not gap.transfers
    # first command: kp x 1.01 rad, plus the model's gravity torque at the -0.01 rad it reads (bob + rod, l = 0.5 m)
    holding = -(1.0 * 0.5 + 0.1 * 0.25) * 9.81 * np.sin(0.01)
    assert on_robot.peak_torque == pytest.approx(15.0 * 1.01 + holding, rel=1e-4)
    assert on_robot.peak_torque > task.torque_limit
    assert gap.cost_gap > 0
    assert OutcomeGap.of(on_model, on_model).transfers and OutcomeGap.of(on_model, on_model).cost_gap == 0.0
    assert OutcomeGap(False, False, 4.0, 4.0).transfers  # nothing to transfer: it failed on the model too
    assert OutcomeGap(False, True, 4.0, 1.0).transfers
    assert "stand-in" in str(gap.table())
    with pytest.raises(TypeError, match="True or False"):
        OutcomeGap("yes", True, 1.0, 1.0)
    with pytest.raises(TypeError, match=r"on_robot must be a twin.gap.task.Episode .* got dict"):
        OutcomeGap.of(on_model, {"success": True, "cost": 1.0})
    with pytest.raises(ValueError, match="finite cost"):
        OutcomeGap(True, True, float("nan"), 1.0)


def test_tables_show_a_dash_where_a_row_has_no_value(track_experiment):
    """The overall row has no final gap and the interaction no RMSE of its own: "—", never "nan"."""
    reality = Reality(DynamicsParameters(mass_scale=1.1), UnmodeledEffects(sensor_bias=0.01))
    record = track_experiment.run(reality)
    for table in (
        record.gap().table(),
        record.velocity_gap().table(unit="rad/s"),
        ablate(track_experiment, reality).table(),
    ):
        text = str(table)
        assert "nan" not in text.lower() and "—" in text
        assert "nan" not in table._repr_html_().lower()
    overall = record.gap().table().rows[-1]
    assert overall[0] == "overall" and np.isnan(overall[-1])  # the value stays a float NaN for code that reads it


def test_latency_is_removed_by_identifying_the_delay_in_whole_steps():
    """Latency's remedy: the calibration's delay scan finds the notebook robot's 12.5 ms (3 steps), bias and all."""
    from twin.calibration import estimate_command_delay
    from twin.gap.reality import REMEDIES

    assert CAUSES["latency"].remedy == "delay identification" and "delay identification" in REMEDIES
    reality = Reality(
        DynamicsParameters(mass_scale=1.15, joint_friction=0.03, joint_damping=0.02),
        UnmodeledEffects(sensor_bias=-0.01, actuator=ActuatorParameters(latency=0.0125)),
        position_noise_std=0.002,
        velocity_noise_std=0.02,
    )
    record = GapExperiment("pendulum", multisine_torques(480, 1, [4.0], seed=0)).run(reality, seed=0)
    found = estimate_command_delay(record.trajectory(), "pendulum", max_steps=5)
    assert found.steps == 3 and found.seconds == pytest.approx(0.0125)


def test_a_stand_in_built_from_a_reality_has_its_truth_effects_and_noise():
    reality = Reality(
        truth=DynamicsParameters(mass_scale=1.2, joint_damping=0.2),
        effects=UnmodeledEffects(payload=0.3),
        position_noise_std=0.01,
        velocity_noise_std=0.05,
    )
    with PhysicalStandIn.from_reality(reality, "pendulum", seed=3, initial_positions=[0.2]) as standin:
        assert standin.truth == reality.truth and standin.effects == reality.effects
        assert (standin.sensor.position_noise_std, standin.sensor.velocity_noise_std) == (0.01, 0.05)
        first = standin.measure().positions
    with PhysicalStandIn.from_reality(reality, "pendulum", seed=3, initial_positions=[0.2]) as again:
        np.testing.assert_array_equal(again.measure().positions, first)  # the seed drives the sensor noise
    with PhysicalStandIn.from_reality(reality, "pendulum", seed=4, initial_positions=[0.2]) as other:
        assert not np.array_equal(other.measure().positions, first)
