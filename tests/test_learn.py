"""twin.learn: gymnasium environments over the twin, and ARS with linear policies."""

from __future__ import annotations

import warnings

import gymnasium
import numpy as np
import pytest
from gymnasium.utils.env_checker import check_env

import twin.learn
from twin.fleet.executors import ProcessExecutor
from twin.gap.randomization import Randomization, Range
from twin.gap.reality import Reality
from twin.learn.ars import ARSSettings, LinearPolicy, close_environments, policy_returns, train_ars
from twin.learn.envs import CARTPOLE_STANDIN, ArmReachEnv, CartPoleBalanceEnv

IDS = sorted(twin.learn.ENVIRONMENT_IDS)


@pytest.fixture(autouse=True, scope="module")
def _close_batch_environments():
    """Close the environments batches built here (multiprocessing's resource tracker, which a 'spawn' pool
    starts, is left to exit with the session: the suite's no-leftover check knows it)."""
    yield
    close_environments()


@pytest.mark.parametrize("env_id", IDS)
@pytest.mark.parametrize("plant", ["model", "standin"])
def test_every_environment_passes_gymnasiums_checker_without_warnings(env_id: str, plant: str) -> None:
    env = gymnasium.make(env_id, plant=plant, render_mode="meshcat")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # a checker warning is a failure here
            check_env(env.unwrapped)
    finally:
        env.close()


@pytest.mark.parametrize("env_id", IDS)
def test_a_seed_gives_the_same_episode_and_another_seed_a_different_one(env_id: str) -> None:
    def episode(seed: int) -> np.ndarray:
        env = gymnasium.make(env_id, plant="standin")
        try:
            observations = [env.reset(seed=seed)[0]]
            env.action_space.seed(seed)
            for _ in range(20):
                observations.append(env.step(env.action_space.sample())[0])
            return np.array(observations)
        finally:
            env.close()

    np.testing.assert_array_equal(episode(3), episode(3))
    assert not np.allclose(episode(3), episode(4))


def test_the_standin_answers_the_same_actions_differently_from_the_model() -> None:
    runs = {}
    for plant in ("model", "standin"):
        with CartPoleBalanceEnv(plant, start_spread=0.0) as env:
            env.reset(seed=0)
            for _ in range(15):
                observation, *_ = env.step(np.array([0.5]))
            runs[plant] = observation
    # the stand-in's weaker, heavier, rubbing cart moves less far under the same pushes
    assert abs(runs["standin"][0]) < 0.9 * abs(runs["model"][0])


def test_randomisation_draws_a_new_reality_at_each_reset_repeatably() -> None:
    randomization = Randomization({"strength": Range(0.5, 1.0), "mass_scale": Range(0.8, 1.2)})
    with CartPoleBalanceEnv(randomization=randomization) as env:
        env.reset(seed=1)
        first = env.reality
        env.reset(seed=2)
        second = env.reality
        env.reset(seed=1)
        again = env.reality
    assert first != second
    assert first == again
    assert 0.5 <= first.effects.actuator.strength <= 1.0


def test_render_hands_the_state_to_every_attached_view() -> None:
    seen = []
    with ArmReachEnv(render_mode="meshcat") as env:
        env.render_callbacks.append(lambda e: seen.append(e.time))
        env.reset(seed=0)
        for _ in range(3):
            env.step(np.zeros(3))
    assert seen == pytest.approx([env.control_period * k for k in (1, 2, 3)])


def test_bad_construction_is_refused_with_the_fix() -> None:
    with pytest.raises(ValueError, match="'model'.*'standin'.*Reality"):
        CartPoleBalanceEnv("robot")
    with pytest.raises(ValueError, match="render_mode"):
        CartPoleBalanceEnv(render_mode="human")
    with pytest.raises(TypeError, match="Randomization"):
        CartPoleBalanceEnv(randomization={"strength": (0.5, 1.0)})
    with pytest.raises(ValueError, match="start_spread"):
        CartPoleBalanceEnv(start_spread=1.0)
    with pytest.raises(ValueError, match="max_force"):
        CartPoleBalanceEnv(max_force=-1)


def test_ars_improves_the_balance_return_well_beyond_the_initial_policy() -> None:
    training = train_ars("twin/CartPoleBalance-v0", settings=ARSSettings(iterations=8), seed=0)
    # the do-nothing policy lets the pole fall in well under a second: about 20 of a possible 180
    assert training.returns[0] < 30
    assert training.returns[-1] > 3 * training.returns[0]
    assert training.episodes == 8 * (2 * 8 + 4) + 4


def test_ars_is_repeatable_for_a_seed_and_the_same_on_worker_processes() -> None:
    settings = ARSSettings(iterations=2, directions=3, top=2, evaluation_episodes=2)
    serial = train_ars("twin/CartPoleBalance-v0", settings=settings, seed=5)
    again = train_ars("twin/CartPoleBalance-v0", settings=settings, seed=5)
    np.testing.assert_array_equal(serial.policy.weights, again.policy.weights)
    with ProcessExecutor(workers=2) as executor:
        parallel = train_ars("twin/CartPoleBalance-v0", settings=settings, seed=5, executor=executor)
    np.testing.assert_array_equal(serial.policy.weights, parallel.policy.weights)
    np.testing.assert_array_equal(serial.returns, parallel.returns)


def test_policy_returns_on_stand_ins_differ_from_the_model() -> None:
    policy = LinearPolicy(np.array([[0.3, 3.0, 0.5, 0.5]]))
    on_model = policy_returns(policy, "twin/CartPoleBalance-v0", {"plant": "model"}, range(3))
    on_standin = policy_returns(policy, "twin/CartPoleBalance-v0", {"plant": CARTPOLE_STANDIN}, range(3))
    assert on_model.shape == (3,)
    assert not np.allclose(on_model, on_standin)


def test_ars_refuses_bad_settings_and_shapes() -> None:
    with pytest.raises(ValueError, match="top=5 cannot exceed directions=4"):
        ARSSettings(directions=4, top=5)
    with pytest.raises(ValueError, match="step_size"):
        ARSSettings(step_size=0)
    with pytest.raises(ValueError, match="not a registered environment"):
        train_ars("CartPole-v9")
    with pytest.raises(ValueError, match="needs \\(1, 4\\)"):
        train_ars("twin/CartPoleBalance-v0", initial=LinearPolicy(np.zeros((1, 3))))
    with pytest.raises(ValueError, match="seeds is empty"):
        policy_returns(LinearPolicy(np.zeros((1, 4))), "twin/CartPoleBalance-v0", seeds=[])
    with pytest.raises(TypeError, match="Reality"):
        with CartPoleBalanceEnv() as env:
            env.set_reality(Reality().truth)


# -- sim-to-real and adaptation -------------------------------------------------------------------
@pytest.fixture(scope="module")
def nominal_and_randomised():
    from twin.learn.transfer import CARTPOLE_TRAINING

    nominal = train_ars("twin/CartPoleBalance-v0", settings=ARSSettings(iterations=12), seed=0)
    randomised = train_ars(
        "twin/CartPoleBalance-v0", {"randomization": CARTPOLE_TRAINING}, ARSSettings(iterations=12), seed=0
    )
    return nominal.policy, randomised.policy


def test_the_randomised_policy_transfers_at_least_as_well_as_the_nominal_one(nominal_and_randomised) -> None:
    from twin.learn.transfer import judge, verdict_table

    nominal, randomised = nominal_and_randomised
    verdicts = judge({"nominal": nominal, "randomised": randomised}, standins=16)
    by_name = {v.name: v for v in verdicts}
    assert by_name["randomised"].success_rate >= by_name["nominal"].success_rate
    assert by_name["randomised"].return_interval[0] >= by_name["nominal"].return_interval[0]
    low, high = by_name["nominal"].success_interval
    assert 0 <= low <= by_name["nominal"].success_rate <= high <= 1
    assert len(verdict_table(verdicts)) == 2


def test_the_same_stand_ins_judge_every_policy() -> None:
    from twin.learn.transfer import judge

    policy = LinearPolicy(np.array([[0.0, 1.5, 0.5, 2.0]]))
    first, second = judge({"a": policy, "b": policy}, standins=4)
    np.testing.assert_array_equal(first.returns, second.returns)
    with pytest.raises(ValueError, match="policies is empty"):
        judge({})


def test_the_estimate_converges_to_the_weakened_motor_and_the_adaptive_policy_beats_the_nominal(
    nominal_and_randomised,
) -> None:
    from twin.learn.adaptation import run_change

    nominal, _ = nominal_and_randomised
    for seed in (0, 1):
        as_trained = run_change(nominal, adaptive=False, strength_after=0.4, seed=seed)
        adaptive = run_change(nominal, adaptive=True, strength_after=0.4, seed=seed)
        # before the change the estimate stays near 1, so both act almost alike
        assert adaptive.cost_before() == pytest.approx(as_trained.cost_before(), rel=0.1)
        assert adaptive.fell_at is None
        assert adaptive.settled_error() < 0.05  # authority estimated within 0.05 of the true 0.4
        assert adaptive.cost_after() < 0.5 * as_trained.cost_after()


def test_a_run_that_ends_early_says_whether_the_pole_fell_or_the_cart_left_its_rail(nominal_and_randomised) -> None:
    from twin.learn.adaptation import run_change

    nominal, randomised = nominal_and_randomised
    falls = run_change(nominal, adaptive=False, seed=0)
    assert falls.ended_by == "the pole fell" and falls.outcome() == f"the pole fell at {falls.fell_at:.1f} s"
    # the robust policy keeps the pole up after the motor weakens, but lets the cart drift off the end of its rail
    drifts = run_change(randomised, adaptive=False, seed=0)
    assert drifts.ended_by == "the cart left its rail" and np.nanmax(np.abs(drifts.angles)) < 0.4
    holds = run_change(nominal, adaptive=True, seed=0)
    assert holds.fell_at is None and holds.ended_by is None and holds.outcome() == "held"


def test_without_forgetting_the_estimate_lags_behind_the_change(nominal_and_randomised) -> None:
    from twin.learn.adaptation import run_change

    nominal, _ = nominal_and_randomised
    remembers_all = run_change(nominal, adaptive=True, forgetting=1.0, seed=0)
    forgets = run_change(nominal, adaptive=True, forgetting=0.9, seed=0)
    forgets_fast = run_change(nominal, adaptive=True, forgetting=0.6, seed=0)
    # one second after the change, the estimate that remembers everything is still far from the truth ...
    assert remembers_all.error_at(5.0) > 0.08
    assert forgets.error_at(5.0) < 0.05
    # ... and the one that forgets within a few steps follows the sensor noise
    assert forgets_fast.jitter_before() > 3 * forgets.jitter_before()


def test_the_estimator_refuses_bad_settings() -> None:
    from twin.learn.adaptation import MotorAuthorityEstimator, run_change

    with pytest.raises(ValueError, match="forgetting"):
        MotorAuthorityEstimator(0.03, forgetting=1.5)
    with pytest.raises(ValueError, match="model_response"):
        MotorAuthorityEstimator(-1.0)
    estimator = MotorAuthorityEstimator(0.03, forgetting=0.9)
    for force in np.linspace(-5, 5, 40):  # a motor half as strong: half the speed change per newton
        estimator.update(force, 0.5 * 0.03 * force)
    assert estimator.authority == pytest.approx(0.5, abs=0.01)
    with pytest.raises(ValueError, match="change_time"):
        run_change(LinearPolicy(np.zeros((1, 4))), adaptive=True, change_time=20.0)


def test_ars_improves_the_reach_return() -> None:
    training = train_ars("twin/ArmReach-v0", settings=ARSSettings(iterations=3), seed=0)
    # standing still leaves the hand about 0.24 m from the target, for -22; a few iterations already move it
    assert training.returns[0] < -15
    assert training.returns[-1] > training.returns[0] + 10


# -- safety while learning --------------------------------------------------------------------------
def test_the_safety_gate_keeps_wild_exploration_under_the_speed_limit() -> None:
    from twin.learn.safety import exploration_run

    weights = np.array([[-0.18, 1.05, 1.17, 2.54]])
    without = exploration_run(weights, noise=1.0, episodes=8, gated=False, seed=0)
    with_gate = exploration_run(weights, noise=1.0, episodes=8, gated=True, seed=0)
    assert without["too fast"] > 0  # the same perturbed policies, unscreened, drive the cart past 3 m/s
    assert with_gate["too fast"] == 0
    assert 0 < with_gate["stopped"] < with_gate["screened"] == with_gate["steps"]


def test_exploration_counts_a_cart_off_its_rail_apart_from_a_fallen_pole() -> None:
    from twin.learn.safety import exploration_run

    weights = np.array([[-0.18, 1.05, 1.17, 2.54]])
    counts = exploration_run(weights, noise=1.0, episodes=16, gated=False, seed=0)
    # the 16 perturbed policies all fail: 15 drop the pole, one runs the cart off the end of its rail
    assert (counts["falls"], counts["off the rail"]) == (15, 1)


def test_the_gated_environment_is_still_a_valid_environment_and_refuses_other_tasks() -> None:
    from twin.learn.safety import GatedEnv

    gated = GatedEnv(gymnasium.make("twin/CartPoleBalance-v0", plant="standin"))
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            # the checker always says that it is checking a wrapper, which is the point here
            warnings.filterwarnings("ignore", message=".*different from the unwrapped version")
            check_env(gated)
    finally:
        gated.close()
    with pytest.raises(TypeError, match="cart-pole"):
        GatedEnv(ArmReachEnv())
    with pytest.raises(ValueError, match="horizon"):
        GatedEnv(CartPoleBalanceEnv(), horizon=0)


def test_a_process_keeps_only_a_few_environments_alive() -> None:
    from twin.learn import ars

    policy_returns(LinearPolicy(np.zeros((1, 4))), "twin/CartPoleBalance-v0", {"plant": "model"}, range(10))
    policy_returns(LinearPolicy(np.zeros((1, 4))), "twin/CartPoleBalance-v0", {"plant": "standin"}, range(10))
    kept = [env for envs in ars._ENVIRONMENTS.values() for env in envs]
    assert len(kept) <= ars.LOCKSTEP * ars.CACHED_KINDS  # each holds a pybullet world of about 30 MB


def test_a_policy_keeps_its_own_weights() -> None:
    weights = np.zeros((1, 4))
    policy = LinearPolicy(weights)
    weights[0, 0] = 5.0  # the caller reuses its array: the policy must not change with it
    assert policy.weights[0, 0] == 0.0
    with pytest.raises(ValueError, match="read-only"):
        policy.weights[0, 1] = 1.0
    with pytest.raises(ValueError, match="takes 4 numbers"):
        policy(np.zeros(3))


def test_ars_settings_take_numpy_counts_and_numbers() -> None:
    settings = ARSSettings(iterations=np.int64(3), step_size=np.float32(0.3))
    assert settings.iterations == 3 and type(settings.iterations) is int
    with pytest.raises(ValueError, match="iterations"):
        ARSSettings(iterations=2.5)


def test_the_environment_refuses_misuse_before_it_changes_anything() -> None:
    with CartPoleBalanceEnv() as env:
        with pytest.raises(RuntimeError, match="reset"):
            env.step(np.array([0.5]))
        env.reset(seed=np.int64(0))  # a numpy seed is a seed
        with pytest.raises(ValueError, match="NaN"):
            env.step(np.array([np.nan]))
        with pytest.raises(ValueError, match="takes 1 number"):
            env.step(np.array([0.5, 0.5]))
        observation, *_ = env.step(np.array([0.5]))  # a refused action left the episode as it was
        assert np.all(np.isfinite(observation))


@pytest.mark.parametrize(
    ("options", "fragment"),
    [({"max_angle": 12.0}, "np.radians"), ({"control_hz": 1000.0}, "control_hz"), ({"control_hz": np.int64(30)}, None)],
)
def test_angles_in_degrees_and_rates_the_physics_cannot_follow_are_refused(options, fragment) -> None:
    if fragment is None:
        CartPoleBalanceEnv(**options).close()
        return
    with pytest.raises(ValueError, match=fragment):
        CartPoleBalanceEnv(**options)


def test_exploration_checks_its_settings() -> None:
    from twin.learn.safety import exploration_run

    with pytest.raises(ValueError, match="noise"):
        exploration_run(np.zeros((1, 4)), float("nan"), 1, gated=False)
    counts = exploration_run(LinearPolicy(np.zeros((1, 4))), 0.1, np.int64(1), gated=False)
    assert counts["episodes"] == 1
