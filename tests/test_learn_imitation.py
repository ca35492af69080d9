"""Learning from virtual demonstrations: the nearest-neighbour policy, behaviour cloning against DAgger on the
over-the-wall task (in the twin and on the stand-in), and a DMP generalised to new goals."""

from __future__ import annotations

import numpy as np
import pytest

from twin.learn.dmp import DMP
from twin.learn.imitation import NearestNeighbourPolicy, behaviour_cloning, dagger, success_rate
from twin.manipulation.standin import PhysicalCell
from twin.manipulation.wall_task import GOAL_TOLERANCE, WallTask, episode_start, expert_action

EVALUATION_SEEDS = range(5_000, 5_008)


@pytest.fixture(scope="module")
def task():
    with WallTask() as t:
        yield t


def test_nearest_neighbour_policy_returns_the_mean_of_the_k_nearest_actions():
    observations = np.array([[0.0], [1.0], [2.0], [10.0]])
    actions = np.array([[1.0], [2.0], [4.0], [100.0]])
    assert NearestNeighbourPolicy(observations, actions, k=1)(np.array([1.9]))[0] == 4.0
    assert NearestNeighbourPolicy(observations, actions, k=3)(np.array([0.9]))[0] == pytest.approx(7 / 3)
    with pytest.raises(ValueError, match="same n"):
        NearestNeighbourPolicy(observations, actions[:2])
    with pytest.raises(ValueError, match="no data"):
        NearestNeighbourPolicy(np.zeros((0, 1)), np.zeros((0, 1)))


def test_the_expert_completes_the_task_and_the_drift_needs_correcting(task):
    assert success_rate(task.run, expert_action, EVALUATION_SEEDS) == 1.0
    # replaying the expert's actions open loop, without its feedback, lets the drift take the hand off course
    recorded = task.run(expert_action, 5_000, noise=0.0)
    actions = iter(recorded.actions)
    with WallTask(drift=0.05, seed=9) as other:
        blind = other.run(lambda obs: next(actions, np.zeros(3)), 5_001)
    assert not blind.success


def test_dagger_beats_behaviour_cloning_at_equal_demonstrations(task):
    """Six expert-labelled episodes each, noisy labels, the same seeds: BC's mistakes compound, DAgger's data
    covers the states the learner gets into. Success is measured in the twin and on the stand-in."""
    demonstrations = list(range(100, 106))
    bc, _ = behaviour_cloning(task.run, expert_action, demonstrations, noise=0.03)
    dg, data = dagger(task.run, expert_action, demonstrations, noise=0.03)
    assert len(data) > 0
    twin_bc, twin_dagger = success_rate(task.run, bc, EVALUATION_SEEDS), success_rate(task.run, dg, EVALUATION_SEEDS)
    with PhysicalCell(seed=0).wall_task() as robot:
        robot_bc, robot_dagger = (
            success_rate(robot.run, bc, EVALUATION_SEEDS),
            success_rate(robot.run, dg, EVALUATION_SEEDS),
        )
    assert twin_dagger >= twin_bc + 0.25
    assert robot_dagger >= robot_bc + 0.25


def test_dmp_reproduces_its_demonstration_and_reaches_new_goals_within_2_mm():
    with WallTask(drift=0.0) as task:
        demo = task.run(expert_action, 0, stop_at_goal=False)
        speed = np.linalg.norm(np.diff(demo.hands, axis=0), axis=1)
        hands = demo.hands[: np.flatnonzero(speed > 0.0002)[-1] + 2]
        times = np.arange(len(hands)) * 0.1
        dmp = DMP.fit(times, hands)
        t, path = dmp.rollout()
        assert np.linalg.norm(path[-1] - hands[-1]) < 1e-3
        assert np.max(np.abs(np.array([np.interp(times, t, path[:, i]) for i in range(3)]).T - hands)) < 0.02
        for seed in (11, 12, 13):
            _, goal = episode_start(seed)
            goal = goal + np.array([0.0, 0.05 * (seed - 12), 0.03])
            t, path = dmp.rollout(goal=goal)
            assert np.linalg.norm(path[-1] - goal) < 0.002
            assert path[np.abs(path[:, 1]) < 0.05, 2].min() > 0.25  # it still goes over the wall
            on_arm = task.follow(t, path, goal)
            assert on_arm.final_error < GOAL_TOLERANCE / 4 and not on_arm.touched_wall


def test_dmp_rejects_bad_demonstrations():
    with pytest.raises(ValueError, match="increase"):
        DMP.fit(np.zeros(20), np.zeros((20, 3)))
    with pytest.raises(ValueError, match="at least 10"):
        DMP.fit(np.arange(5.0), np.zeros((5, 3)))


def test_a_dmp_keeps_its_own_start_and_goal():
    times = np.linspace(0.0, 2.0, 50)
    positions = np.stack([times, np.sin(times), np.cos(times)], axis=1)
    dmp = DMP.fit(times, positions)
    goal = dmp.goal.copy()
    positions[-1] = 99.0  # the caller reuses its array
    np.testing.assert_array_equal(dmp.goal, goal)


@pytest.mark.parametrize(
    ("options", "fragment"),
    [({"dt": 10.0}, "dt"), ({"duration": -1.0}, "duration"), ({"goal": np.array([np.nan, 0.0, 0.0])}, "finite")],
)
def test_a_dmp_rollout_refuses_what_would_be_one_point_or_nan(options, fragment):
    times = np.linspace(0.0, 2.0, 50)
    dmp = DMP.fit(times, np.stack([times, np.sin(times), np.cos(times)], axis=1))
    with pytest.raises(ValueError, match=fragment):
        dmp.rollout(**options)


def test_a_dmp_refuses_nan_demonstrations_and_bad_parameters():
    from twin.learn.dmp import DMPParameters

    times = np.linspace(0.0, 2.0, 50)
    positions = np.stack([times, np.sin(times), np.cos(times)], axis=1)
    positions[5, 0] = np.nan
    with pytest.raises(ValueError, match="finite"):
        DMP.fit(times, positions)
    with pytest.raises(ValueError, match="basis"):
        DMPParameters(basis=1)
    with pytest.raises(ValueError, match="stiffness"):
        DMPParameters(stiffness=-1.0)
