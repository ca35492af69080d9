"""The teach pendant: button presses move the hand and become a demonstration behaviour cloning can use."""

from __future__ import annotations

import numpy as np
import pytest

from twin.manipulation.wall_task import MAX_SPEED, WallTask
from twin.ui.teach_pendant import TeachPendant


@pytest.fixture(scope="module")
def task():
    with WallTask(drift=0.0) as t:
        yield t


def test_presses_are_recorded_as_full_speed_moves(task):
    pendant = TeachPendant(task, ticks_per_press=2)
    pendant.start(3)
    z0 = task.cell.hand_pose()[0][2]
    pendant.press("up")
    pendant.press("up")
    episode = task.episode()
    assert episode.actions.shape == (4, 3) and episode.observations.shape == (4, 3)
    assert np.allclose(episode.actions, [0.0, 0.0, MAX_SPEED])
    # four control periods at 0.3 m/s: 12 cm commanded; the arm lags its targets a little
    assert 0.08 < task.cell.hand_pose()[0][2] - z0 <= 0.125


def test_running_into_the_wall_ends_the_demonstration_and_keeps_it(task):
    pendant = TeachPendant(task, ticks_per_press=3)
    pendant.start(4)
    status = ""
    for _ in range(20):
        status = pendant.press("towards the goal side")  # low, straight at the wall
        if "over" in status:
            break
    assert "touched the wall" in status
    assert len(pendant.demonstrations) == 1 and pendant.demonstrations[0].touched_wall
    assert len(pendant.dataset()) == len(pendant.demonstrations[0].actions)


def test_a_careful_demonstrator_reaches_the_goal(task):
    pendant = TeachPendant(task, ticks_per_press=1)
    pendant.start(5)
    for _ in range(60):
        hand, goal = task.cell.hand_pose()[0], task._goal
        if hand[1] < 0.1 and hand[2] < 0.3:
            direction = "up"
        elif hand[1] < goal[1] - 0.015:
            direction = "towards the goal side"
        elif abs(hand[0] - goal[0]) > 0.015:
            direction = "away from the robot" if hand[0] < goal[0] else "towards the robot"
        else:
            direction = "down"
        status = pendant.press(direction)
        if pendant.demonstrations:
            break
    assert "goal reached" in status, status
    assert pendant.demonstrations[0].success


def test_bad_presses_say_what_to_do(task):
    pendant = TeachPendant(task)
    with pytest.raises(RuntimeError, match="start a demonstration"):
        pendant.press("up")
    pendant.start(0)
    with pytest.raises(ValueError, match="press one of"):
        pendant.press("sideways")
