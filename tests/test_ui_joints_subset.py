"""A joint panel can show a subset of joints; the others keep their pose."""

from __future__ import annotations

import pytest

from twin.sim import World
from twin.ui import JointPanelModel


def test_a_panel_for_the_knees_bends_the_knee_and_holds_everything_else():
    with World() as world:
        humanoid = world.load_robot("humanoid")
        panel = JointPanelModel.for_robots(humanoid, joints=["right_knee", "left_knee"], settle_steps=240)
        assert [c.key for c in panel.controls] == ["right_knee", "left_knee"]
        elbow_before = humanoid.state().positions[humanoid.joint_names.index("right_elbow")]
        panel.set("right_knee", -0.6)
        state = humanoid.state().positions
        assert state[humanoid.joint_names.index("right_knee")] == pytest.approx(-0.6, abs=0.05)
        assert state[humanoid.joint_names.index("right_elbow")] == pytest.approx(elbow_before, abs=0.02)


def test_an_unknown_joint_name_lists_the_movable_joints():
    with World() as world:
        humanoid = world.load_robot("humanoid")
        with pytest.raises(KeyError, match="right_knee"):
            JointPanelModel.for_robots(humanoid, joints=["right_kneee"])
