"""Randomisation samplers and the transfer experiment: ranges, seeds, statistics, and who transfers better."""

from __future__ import annotations

import math

import numpy as np
import pytest

from twin.actuators import MINITAUR_MOTOR, ActuatorParameters
from twin.analytics.statistics import wilson_interval
from twin.fleet.executors import ProcessExecutor, SerialExecutor
from twin.gap.randomization import QUANTITIES, TAN_2018_NOT_CARRIED, TAN_2018_RANGES, Randomization, Range
from twin.gap.reality import Reality
from twin.gap.task import Gains, ReachTask, run_episode
from twin.physical_system import UnmodeledEffects
from twin.physical_system.standin import PhysicalStandIn
from twin.sim.plant import DynamicsParameters, SimulatedRobot
from twin.studies.gap_experiment import GapExperiment
from twin.studies.transfer import evaluate, gain_grid, model_inertia, transfer, tune

TRAINING = Randomization(
    {
        "mass_scale": Range(0.8, 1.2),
        "joint_friction": Range(0.0, 0.05),
        "sensor_bias": Range(-0.05, 0.05),
        "velocity_noise_std": Range(0.0, 0.05),
    }
)
REALITY = Randomization(
    {
        "mass_scale": Range(0.9, 1.35),
        "joint_friction": Range(0.0, 0.08),
        "joint_damping": Range(0.0, 0.05),
        "sensor_bias": Range(-0.02, 0.02),
        "position_noise_std": Range(0.0, 0.002),
        "velocity_noise_std": Range(0.0, 0.05),
    }
)
TASK = ReachTask()


def _values(reality: Reality) -> dict[str, float]:
    return {
        "mass_scale": reality.truth.mass_scale,
        "joint_friction": reality.truth.joint_friction,
        "joint_damping": reality.truth.joint_damping,
        "sensor_bias": reality.effects.sensor_bias,
        "position_noise_std": reality.position_noise_std,
        "velocity_noise_std": reality.velocity_noise_std,
    }


def test_samples_stay_inside_their_ranges_and_fill_them():
    realities = REALITY.sample(200, seed=3)
    for key, limits in REALITY.ranges.items():
        values = np.array([_values(r)[key] for r in realities])
        assert np.all((values >= limits.low) & (values <= limits.high)), key
        # uniform: 200 draws leave no gap wider than a quarter of the range at either end
        assert values.min() < limits.low + 0.25 * (limits.high - limits.low)
        assert values.max() > limits.high - 0.25 * (limits.high - limits.low)


def test_sampling_is_reproducible_from_its_seed():
    assert REALITY.sample(5, seed=7) == REALITY.sample(5, seed=7)
    assert REALITY.sample(5, seed=7) != REALITY.sample(5, seed=8)
    assert REALITY.sample(8, seed=7)[:5] != [] and len(REALITY.sample(8, seed=7)) == 8


def test_unrandomised_quantities_come_from_the_base():
    base = Reality(DynamicsParameters(joint_damping=0.04), position_noise_std=0.001)
    sampled = Randomization({"mass_scale": Range(1.0, 1.1)}, base).sample(3, seed=0)
    assert all(r.truth.joint_damping == 0.04 and r.position_noise_std == 0.001 for r in sampled)


def test_widening_keeps_the_centre_and_respects_physical_minimums():
    wide = TRAINING.widened(3.0)
    assert wide.ranges["mass_scale"].low == pytest.approx(0.4)
    assert wide.ranges["mass_scale"].high == pytest.approx(1.6)
    friction = wide.ranges["joint_friction"]  # centre 0.025, half-width 0.075: clipped at 0
    assert (friction.low, friction.high) == (0.0, pytest.approx(0.1))
    assert wide.ranges["sensor_bias"].low == pytest.approx(-0.15)
    assert TRAINING.widened(0.0).ranges["mass_scale"] == Range(1.0, 1.0)


def test_tan_2018_ranges_are_the_papers_and_known_quantities():
    assert TAN_2018_RANGES["mass_scale"] == Range(0.8, 1.2)
    assert TAN_2018_RANGES["latency"] == Range(0.0, 0.04)
    assert set(TAN_2018_RANGES) <= set(QUANTITIES)


def test_bad_ranges_are_named():
    with pytest.raises(ValueError, match="swap"):
        Range(1.0, 0.5)
    with pytest.raises(ValueError, match="Cannot randomise"):
        Randomization({"wheel_radius": Range(0.1, 0.2)})
    with pytest.raises(ValueError, match="physical minimum"):
        Randomization({"joint_friction": Range(-0.1, 0.1)})
    with pytest.raises(TypeError, match="Range"):
        Randomization({"mass_scale": (0.8, 1.2)})
    with pytest.raises(ValueError, match="positive integer"):
        REALITY.sample(0, seed=1)


def test_wilson_interval_matches_known_values():
    assert wilson_interval(5, 10) == pytest.approx((0.2366, 0.7634), abs=1e-4)
    low, high = wilson_interval(10, 10)
    assert high == 1.0 and low == pytest.approx(0.7225, abs=1e-4)
    assert wilson_interval(0, 10)[0] == 0.0
    with pytest.raises(ValueError):
        wilson_interval(11, 10)


@pytest.fixture(scope="module")
def robots():
    inertia = model_inertia(TASK)
    with SimulatedRobot("pendulum") as model:
        yield inertia, model


def _episode(robots, gains: Gains, reality: Reality):
    inertia, model = robots
    standin = PhysicalStandIn.from_reality(reality, "pendulum", initial_positions=TASK.start)
    try:
        return run_episode(TASK, gains, standin, model)
    finally:
        standin.close()


def test_episode_success_depends_on_the_torque_budget_and_the_steady_offset(robots):
    inertia, _ = robots
    assert inertia == pytest.approx(1.0 * 0.5**2 + 0.1 * 0.5**2 / 3, rel=0.05)  # bob + rod about the hinge, kg m^2
    good = Gains(12.0, 2 * math.sqrt(12.0 * inertia), 20.0)
    assert _episode(robots, good, Reality()).success
    over_budget = _episode(robots, Gains(16.0, 4.0, 0.0), Reality())
    assert not over_budget.success and over_budget.peak_torque == pytest.approx(16.0)  # kp x 1 rad at the start
    heavy = Reality(DynamicsParameters(mass_scale=1.35))
    no_integral = _episode(robots, Gains(12.0, good.kd, 0.0), heavy)
    # The model's gravity compensation misses 35 % of m g l sin(1 rad); PD alone leaves that / kp as offset.
    assert not no_integral.success and no_integral.final_error > TASK.tolerance
    assert _episode(robots, good, heavy).success  # the integral term removes the offset


def test_every_executor_gives_the_serial_numbers():
    """Parallel work goes through twin.fleet's executors: a pool made for ``workers``, or one the caller passes
    (and keeps open across calls) give the serial numbers exactly; stand-in j always gets sensor seed seed + j."""
    controllers = gain_grid([12.0, 15.0], [20.0], model_inertia(TASK))
    realities = REALITY.sample(3, seed=2)
    serial = evaluate(TASK, controllers, realities, seed=5, workers=1)
    in_a_pool = evaluate(TASK, controllers, realities, seed=5, workers=2)
    with ProcessExecutor(2) as executor:
        on_the_callers = evaluate(TASK, controllers, realities, seed=5, executor=executor)
        result = transfer(TASK, dict(zip("ab", controllers, strict=True)), realities, seed=5, executor=executor)
        assert executor._pool is not None  # still open: the caller's executor is the caller's to close
    for numbers in (in_a_pool, on_the_callers, (result.success, result.cost, result.settling)):
        for expected, got in zip(serial, numbers, strict=True):
            np.testing.assert_array_equal(expected, got)
    assert serial[0].shape == (2, 3)


def test_a_failing_job_raises_its_own_error_through_the_executor():
    """An executor reports a job's error instead of raising it; the experiment raises it, unchanged."""
    unknown_robot = ReachTask(robot="no-such-robot")
    with SerialExecutor() as executor, pytest.raises(KeyError, match="no-such-robot"):
        evaluate(unknown_robot, [Gains(12.0, 2.0, 0.0)], [Reality()], executor=executor)
    with pytest.raises(TypeError, match="twin.fleet executor"):
        evaluate(TASK, [Gains(12.0, 2.0, 0.0)], [Reality()], executor="dask")


@pytest.mark.parametrize("seed", [1, 3])
def test_the_randomised_controller_transfers_at_least_as_well_as_the_nominal_one(seed):
    candidates = gain_grid([10.0, 12.0, 14.0, 15.0], [0.0, 20.0], model_inertia(TASK))
    nominal = tune(TASK, [Reality.matching(TASK.model_parameters)], candidates)
    randomised = tune(TASK, TRAINING.sample(3, seed), candidates)
    assert nominal.best.kp == 15.0  # on the model, using the whole torque budget is fastest and "safe"
    controllers = {"nominal": nominal.best, "randomised": randomised.best}
    result = transfer(TASK, controllers, REALITY.sample(8, 100 + seed), workers=1)
    assert result.success_rate("randomised")[0] >= result.success_rate("nominal")[0]
    assert result.mean_cost("randomised")[0] <= result.mean_cost("nominal")[0]
    assert "95 % CI" in str(result.table())


def test_actuator_quantities_are_sampled_into_an_actuator_within_their_ranges():
    ranges = Randomization({"latency": Range(0.0, 0.04), "strength": Range(0.8, 1.2), "mass_scale": Range(0.8, 1.2)})
    realities = ranges.sample(50, seed=4)
    assert realities == ranges.sample(50, seed=4)
    latencies = [r.effects.actuator.latency for r in realities]
    strengths = [r.effects.actuator.strength for r in realities]
    assert min(latencies) >= 0.0 and max(latencies) <= 0.04
    assert min(strengths) >= 0.8 and max(strengths) <= 1.2
    assert all(r.effects.actuator.torque_limit == math.inf for r in realities)  # unrandomised fields stay ideal


# -- every Tan et al. range, each sampler inside its range and reproducible ---------------------------
MOTORED = Reality(effects=UnmodeledEffects(actuator=ActuatorParameters(motor=MINITAUR_MOTOR)))


def _sampled(reality: Reality, quantity: str) -> float:
    """Read a sampled quantity back from wherever it lives in a reality."""
    where = QUANTITIES[quantity][1]
    if where == "truth":
        return getattr(reality.truth, quantity)
    if where == "effects":
        return getattr(reality.effects, quantity)
    if where == "actuator":
        return getattr(reality.effects.actuator, quantity)
    if where == "motor":
        return getattr(reality.effects.actuator.motor, quantity)
    return getattr(reality, quantity)  # "sensor" and "reality": fields of Reality itself


@pytest.mark.parametrize("quantity", sorted(TAN_2018_RANGES))
def test_every_tan_2018_sampler_stays_in_its_range_and_repeats_from_its_seed(quantity):
    limits = TAN_2018_RANGES[quantity]
    ranges = Randomization({quantity: limits}, base=MOTORED)
    draws = np.array([_sampled(r, quantity) for r in ranges.sample(100, seed=11)])
    assert np.all((draws >= limits.low) & (draws <= limits.high))
    assert draws.min() < limits.low + 0.1 * (limits.high - limits.low)  # uniform: both ends reached
    assert draws.max() > limits.high - 0.1 * (limits.high - limits.low)
    assert ranges.sample(20, seed=11) == ranges.sample(20, seed=11)
    assert ranges.sample(20, seed=11) != ranges.sample(20, seed=12)


def test_all_tan_2018_ranges_together_build_working_standins():
    realities = Randomization(TAN_2018_RANGES, base=MOTORED).sample(30, seed=5)
    assert realities == Randomization(TAN_2018_RANGES, base=MOTORED).sample(30, seed=5)
    for reality in realities:
        for quantity, limits in TAN_2018_RANGES.items():
            assert limits.contains(_sampled(reality, quantity)), quantity
        # the motor's other constants stay the Minitaur's; only the battery voltage varies
        assert reality.effects.actuator.motor.resistance == MINITAUR_MOTOR.resistance
    holds = {r.hold_steps() for r in realities}
    assert holds <= {1, 2, 3, 4, 5} and {1, 5} & holds  # 3-20 ms in whole 1/240 s steps
    assert set(TAN_2018_RANGES) <= set(QUANTITIES)
    assert {"inertia 50-150 %", "contact friction 0.5-1.25"} == set(TAN_2018_NOT_CARRIED)


def test_supply_voltage_without_a_motor_says_how_to_add_one():
    with pytest.raises(ValueError, match="MINITAUR_MOTOR"):
        Randomization({"supply_voltage": Range(14.0, 16.8)})
    with pytest.raises(ValueError, match="control_period"):
        Reality(control_period=-0.01)
    with pytest.raises(ValueError, match="hold_steps"):
        run_episode(TASK, Gains(1.0, 1.0), None, None, hold_steps=0)


def test_a_lower_battery_voltage_weakens_the_motor_at_speed():
    """Back-EMF: at 14 V the largest torque falls to zero at a lower speed than at 16.8 V (V / (N Kt))."""
    low = Randomization({"supply_voltage": Range(14.0, 14.0)}, base=MOTORED).sample(1, seed=0)[0]
    high = Randomization({"supply_voltage": Range(16.8, 16.8)}, base=MOTORED).sample(1, seed=0)[0]
    slow, fast = low.effects.actuator.motor, high.effects.actuator.motor
    assert slow.no_load_speed == pytest.approx(14.0 / 0.0954)
    assert float(slow.max_torque(100.0)) < float(fast.max_torque(100.0))


def test_a_held_command_is_a_zero_order_hold_of_the_plan():
    """Holding each command 5 steps equals replaying a plan in which every 5th command repeats."""
    commands = np.random.default_rng(0).uniform(-2, 2, size=(60, 1))
    held = np.repeat(commands[::5], 5, axis=0)
    experiment, replayed = GapExperiment("pendulum", commands), GapExperiment("pendulum", held)
    period = 5 * TASK.time_step
    record = experiment.run(Reality(control_period=period))
    assert Reality(control_period=period).active_causes(DynamicsParameters()) == ("control period",)
    np.testing.assert_array_equal(record.true_positions, replayed.model_positions)
    assert record.gap().overall_rmse > 0


# -- the price of randomising too wide, and calibration judged on the same task -------------------------
def test_very_wide_ranges_tune_a_more_conservative_controller_than_moderate_ones():
    """On fixed seeds: over ranges 4x Tan et al.'s the tuner picks lower stiffness, and the robots settle later."""
    from twin.studies.transfer import width_sweep

    tan = ("mass_scale", "joint_friction", "sensor_bias", "position_noise_std", "control_period")
    moderate = Randomization({k: TAN_2018_RANGES[k] for k in tan})  # the ones notebook 07 randomises
    candidates = gain_grid([10.0, 12.0, 14.0, 15.0], [0.0, 20.0], model_inertia(TASK))
    sweep = width_sweep(TASK, moderate, [1.0, 4.0], candidates, REALITY.sample(8, seed=2026), seeds=(1, 2), models=6)
    assert sweep.success.shape == (2, 2, 8) and len(sweep.chosen[0]) == 2
    assert sweep.mean_gain(1, "kp") <= sweep.mean_gain(0, "kp") - 2.0  # measurably softer
    assert sweep.settling_time(1) > sweep.settling_time(0)  # and slower where it succeeds
    rate, low, high = sweep.success_rate(0)
    assert low <= rate <= high and "per seed" in str(sweep.table())
    with pytest.raises(ValueError, match="training models"):
        width_sweep(TASK, moderate, [1.0], candidates, REALITY.sample(2, seed=0), models=0)


def test_calibrated_rows_line_up_with_the_transfer_table():
    from twin.studies.gap_experiment import multisine_torques
    from twin.studies.transfer import calibrated_transfer

    candidates = gain_grid([12.0, 15.0], [20.0], model_inertia(TASK))
    realities = [Reality(DynamicsParameters(mass_scale=1.3, joint_friction=0.03)), Reality()]
    success, cost, settling, gains = calibrated_transfer(
        TASK, realities, candidates, multisine_torques(480, 1, [4.0], seed=0)
    )
    assert success.shape == cost.shape == settling.shape == (2,) and len(gains) == 2
    assert success.all()  # noise-free robots: calibration finds the truth, gravity compensation is right
    result = transfer(TASK, {"nominal": Gains(15.0, 3.94, 20.0)}, realities, workers=1)
    both = result.with_row("calibrated", "per robot", success, cost, settling)
    assert both.names == ("nominal", "calibrated") and both.success.shape == (2, 2)
    assert "per robot" in str(both.table())
    with pytest.raises(ValueError, match="one value per stand-in"):
        result.with_row("short", "x", success[:1], cost[:1], settling[:1])
