"""A failing widget callback shows its error in the panel instead of vanishing into the browser console."""

from __future__ import annotations

from twin.control import JointPD
from twin.digital_twin import DigitalTwin
from twin.sim import World
from twin.ui import JointPanel, JointPanelModel, ParameterPanel, ParameterPanelModel, TwinPlayer, TwinPlayerModel


def test_a_joint_slider_on_a_closed_world_says_so():
    world = World()
    humanoid = world.load_robot("humanoid")
    panel = JointPanel(JointPanelModel.for_robots(humanoid, joints=["right_knee"]))
    world.close()
    panel.sliders["right_knee"].value = -1.0
    assert "closed" in panel.status.value and "color:#b00" in panel.status.value


def test_the_player_pauses_and_explains_when_its_twin_is_closed():
    twin = DigitalTwin("pendulum", "twin", controller=JointPD([0.5]))
    player = TwinPlayer(TwinPlayerModel(twin, steps_per_tick=2))
    player.step()
    assert twin.steps_taken == 1 and "t = " in player.clock.value
    twin.close()
    player.timer.playing = True
    player.timer.value += 1  # the browser's next tick
    assert player.timer.playing is False and player.model.playing is False
    assert "closed" in player.clock.value


def test_the_parameter_panel_reports_a_run_that_fails():
    twin = DigitalTwin("pendulum", "model")
    panel = ParameterPanel(ParameterPanelModel(twin, steps_per_change=5))
    twin.close()
    panel.run_button.click()
    assert "closed" in panel.status.value
