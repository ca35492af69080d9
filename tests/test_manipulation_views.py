"""The manipulation views: the cell drawn with its objects, contact arrows on the squeezing fingers, recordings
that cover a pick-and-place, and the figures the notebook discusses."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402

from twin.manipulation.cell import DEFAULT_OBJECTS, ManipulationCell  # noqa: E402
from twin.manipulation.grasp import grasp_and_lift  # noqa: E402
from twin.plotting_manipulation import plot_grasp_forces  # noqa: E402
from twin.viz.manipulation import cell_scene, record_pick_and_place  # noqa: E402


def test_the_scene_draws_the_cell_and_arrows_appear_when_the_fingers_squeeze():
    with ManipulationCell() as cell:
        scene = cell_scene(cell)
        assert set(scene.mirrors) == {"table", "panda"} | {o.name for o in DEFAULT_OBJECTS}
        assert not scene._arrows  # nothing touches the robot yet
        grasp_and_lift(cell, "medium_cube", 20.0)
        scene.update()
        # two pads press on the cube: at least one arrow per pad, each 20 N x 5 mm/N = 10 cm long in total
        assert len(scene._arrows) >= 2
        left, right = cell.finger_contacts("medium_cube")
        assert left.pressing_force == pytest.approx(20.0, rel=0.05)
        assert right.pressing_force == pytest.approx(20.0, rel=0.05)


def test_recording_covers_the_pick_and_place():
    with ManipulationCell() as cell:
        recording, result = record_pick_and_place(cell, "small_cube", (0.45, -0.15), fps=20)
    assert result.placed
    assert recording.duration == pytest.approx(result.trace.time[-1] - result.trace.time[0], abs=0.2)
    assert len(recording.times) >= 0.9 * 20 * recording.duration
    assert "<html" in recording.scene.to_html().lower()


def test_the_arm_is_drawn_from_its_light_meshes():
    """The 3D page stays small: the Panda's visuals come from its 440 kB collision meshes, not 9 MB ones."""
    with ManipulationCell() as cell:
        html = cell_scene(cell).to_html()
    assert len(html) < 3_000_000


def test_grasp_force_figure_has_a_column_per_trial():
    with ManipulationCell([DEFAULT_OBJECTS[0]]) as cell:
        trial = grasp_and_lift(cell, "small_cube", 5.0)
    figure = plot_grasp_forces({"a": trial, "b": trial}, weights={"a": 0.1})
    assert len(figure.axes) == 4
    line = figure.axes[0].lines[0]
    assert np.allclose(line.get_ydata(), trial.trace.load)
