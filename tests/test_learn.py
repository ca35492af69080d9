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
def _close_batch_environments_and_the_resource_tracker():
    """Close the environments batches built here; stop the resource tracker a 'spawn' pool started (it would
    otherwise live as long as the pytest session, which must end with no child process left)."""
    yield
    close_environments()
    from multiprocessing import resource_tracker

    resource_tracker._resource_tracker._stop()


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
