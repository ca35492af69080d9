"""The walking figures draw what the numbers say, also at the edges (every walk fell, none fell)."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

from twin.plotting_walking import plot_difficulty_sweep  # noqa: E402
from twin.walking.evaluation import evaluate_gait, held_out_seeds  # noqa: E402
from twin.walking.walker import HAND_TUNED  # noqa: E402


def test_sweep_plot_takes_all_and_none_successful():
    # half a second in, the hand-tuned gait is up on every terrain; after three seconds it is down on every one
    up = evaluate_gait(HAND_TUNED, [0.0, 0.5], held_out_seeds(3), duration=0.5)
    down = evaluate_gait(HAND_TUNED, [0.0, 0.5], held_out_seeds(3), duration=3.0)
    assert [s.success_rate for s in up] == [1.0, 1.0] and [s.success_rate for s in down] == [0.0, 0.0]
    figure = plot_difficulty_sweep({"up": up, "down": down})
    success_axis = figure.axes[0]
    assert len(success_axis.containers) == 2  # one error-bar series per gait
    # the x axis is the difficulty knob the printouts and tables use (each gait a little to the side), and the one
    # legend sits above the panels, where it covers no interval
    for container in success_axis.containers:
        x = container.lines[0].get_xdata()
        assert abs(x - [0.0, 0.5]).max() <= 0.01
    assert list(success_axis.get_xticks()) == [0.0, 0.5]
    assert "difficulty" in success_axis.get_xlabel()
    assert len(figure.legends) == 1 and all(ax.get_legend() is None for ax in figure.axes)
