"""Views of twin.learn: the 3D scene that follows render(), recordings, figures, and the adaptation explorer."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pytest

from twin.learn.adaptation import run_change
from twin.learn.ars import LinearPolicy
from twin.learn.envs import ArmReachEnv, CartPoleBalanceEnv
from twin.learn.transfer import Verdict
from twin.plotting_learn import plot_adaptation, plot_learning_curves, plot_verdicts
from twin.ui.learn import AdaptationExplorer
from twin.viz.learn import attach_view, record_episode

BALANCER = LinearPolicy(np.array([[-0.18, 1.05, 1.17, 2.54]]))  # a hand-set gain that holds the nominal pole


def test_render_moves_the_scene_and_a_recording_plays_the_whole_episode() -> None:
    with CartPoleBalanceEnv(render_mode="meshcat", episode_seconds=1.0) as env:
        recording, total = record_episode(env, BALANCER, seed=0, fps=30)
        assert env.render_callbacks == []  # the recording leaves no view attached
    assert recording.duration == pytest.approx(1.0, abs=0.05)
    assert total > 25  # 30 steps, the pole held
    assert "<script" in recording.to_html()


def test_the_reach_view_draws_the_target_where_the_episode_put_it() -> None:
    with ArmReachEnv(render_mode="meshcat") as env:
        scene = attach_view(env)
        env.reset(seed=4)
        env.step(np.zeros(3))
        assert scene.updates == 1
        assert any(b"markers/target" in command for command in scene.commands())
    with pytest.raises(ValueError, match="render_mode='meshcat'"):
        with CartPoleBalanceEnv() as plain:
            record_episode(plain, BALANCER)
    with pytest.raises(TypeError, match="twin.learn"):
        attach_view(object())


def test_figures_draw_curves_verdicts_and_adaptation() -> None:
    curves = {"nominal": np.array([[10.0, 50, 100], [12.0, 60, 90]])}
    assert len(plot_learning_curves(curves, 20).axes) == 1
    verdicts = [Verdict("a", np.array([100.0, 180, 170]), np.array([False, True, True]))]
    left, right = plot_verdicts(verdicts).axes
    # the error bars say which interval they are
    assert [t.get_text() for t in left.get_legend().get_texts()] == ["95 % Wilson"]
    assert [t.get_text() for t in right.get_legend().get_texts()] == ["one stand-in", "mean, 95 % t interval"]
    runs = [run_change(BALANCER, adaptive=a, duration=6.0, change_time=3.0) for a in (False, True)]
    assert len(plot_adaptation(runs).axes) == 2


def test_the_adaptation_explorer_reruns_on_a_new_value_and_refuses_a_bad_one() -> None:
    explorer = AdaptationExplorer(BALANCER, strength_after=0.4)
    first = explorer.runs[-1].true_authority[-1]
    explorer.set(strength_after=0.7)
    assert explorer.runs[-1].true_authority[-1] == pytest.approx(0.7)
    assert first == pytest.approx(0.4)
    with pytest.raises(ValueError, match="forgetting"):
        explorer.set(forgetting=1.5)
    assert explorer.forgetting == 0.95  # a refused value changes nothing
    assert "adaptive" in explorer.summary()
    assert len(explorer.figure().axes) == 2
    explorer.widget()
