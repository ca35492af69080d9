"""Panel logic driven without a browser: slider values move joints, parameters change the truth, time steps."""

from __future__ import annotations

import numpy as np
import pytest

from twin.control.pd import JointPD
from twin.digital_twin import DigitalTwin
from twin.sim import World
from twin.ui import (
    JointPanel,
    JointPanelModel,
    ParameterPanel,
    ParameterPanelModel,
    TwinPlayer,
    TwinPlayerModel,
    joint_report,
    twin_dashboard,
)
from twin.viz import Scene, twin_scene
from twin.viz import _protocol as proto


def joint_angle(robot, name):
    return robot.world.client.getJointState(robot.body_id, robot.joint(name).index)[0]


@pytest.fixture
def two_arms():
    """A 'physical' and a 'virtual' arm, each in its own world."""
    with World() as physical_world, World() as virtual_world:
        yield physical_world.load_robot("arm"), virtual_world.load_robot("arm")


@pytest.fixture
def pendulum_twin():
    with DigitalTwin("pendulum", "twin", controller=JointPD([0.8], kp=50, kd=4), initial_positions=[0.0]) as twin:
        yield twin


@pytest.fixture
def arm_twin():
    with DigitalTwin("arm", "twin") as twin:
        inertia = twin.model.plant.mass_matrix(twin.model.state().positions)
        twin.controller = JointPD.critically_damped(np.zeros(7), inertia)
        yield twin


def test_joint_slider_moves_both_physical_and_virtual_arm(two_arms):
    physical, virtual = two_arms
    scene = Scene()
    scene.add_robot(physical, "physical")
    scene.add_robot(virtual, "model", ghost=True)
    model = JointPanelModel.for_robots([physical, virtual], settle_steps=240, scene=scene)
    panel = JointPanel(model, report=joint_report({"physical": physical, "virtual": virtual}))
    slider = panel.sliders["lbr_iiwa_joint_4"]
    assert slider.continuous_update is False
    slider.value = 0.9  # what a drag does
    for robot in (physical, virtual):
        assert joint_angle(robot, "lbr_iiwa_joint_4") == pytest.approx(0.9, abs=0.02)
        assert joint_angle(robot, "lbr_iiwa_joint_1") == pytest.approx(0.0, abs=0.02)  # the others hold
    assert "0.9" in panel.status.value
    # the scene followed: its transform of the moved link is pybullet's link frame now
    mirror = scene.mirrors["physical"]
    sent = {
        proto.unpack(d)["path"]: proto.unpack(d)["matrix"]
        for d in scene.commands()
        if proto.unpack(d)["type"] == "set_transform"
    }
    link = physical.world.client.getLinkState(physical.body_id, 6, computeForwardKinematics=1)
    np.testing.assert_allclose(sent[mirror.link_paths[7]][12:15], link[4], atol=1e-9)


def test_joint_values_are_clipped_to_the_urdf_limits(two_arms):
    physical, _ = two_arms
    model = JointPanelModel.for_robots(physical, settle_steps=0)
    control = model.control("lbr_iiwa_joint_2")
    model.set("lbr_iiwa_joint_2", 10.0)
    assert model.values["lbr_iiwa_joint_2"] == control.maximum
    assert control.maximum == pytest.approx(physical.joint("lbr_iiwa_joint_2").upper_limit)
    with pytest.raises(ValueError, match="finite"):
        model.set("lbr_iiwa_joint_2", float("nan"))
    with pytest.raises(KeyError, match="lbr_iiwa_joint_1"):
        model.set("elbow", 0.1)


def test_humanoid_knee_and_ball_joint_sliders_drive_the_humanoid():
    with World() as world:
        robot = world.load_robot("humanoid")
        c = world.client
        model = JointPanelModel.for_robots(robot, settle_steps=240)
        keys = [ctrl.key for ctrl in model.controls]
        assert "right_elbow" in keys and "right_shoulder.roll" in keys and "chest.yaw" in keys
        assert len(keys) == robot.dof + 3 * len(robot.spherical_joint_indices)
        model.set_many({"right_elbow": 1.0, "left_shoulder.yaw": 0.8})
        assert joint_angle(robot, "right_elbow") == pytest.approx(1.0, abs=0.05)
        quaternion = c.getJointStateMultiDof(robot.body_id, robot.joint("left_shoulder").index)[0]
        assert c.getEulerFromQuaternion(quaternion)[2] == pytest.approx(0.8, abs=0.08)


def test_joint_panel_for_a_twin_sets_its_target_and_both_sides_follow(arm_twin):
    twin = arm_twin
    model = JointPanelModel.for_twin(twin, settle_steps=480)
    model.set("lbr_iiwa_joint_2", 0.5)
    np.testing.assert_allclose(twin.target, [0, 0.5, 0, 0, 0, 0, 0])
    assert twin.physical.true_state().positions[1] == pytest.approx(0.5, abs=0.05)
    assert twin.model.state().positions[1] == pytest.approx(0.5, abs=0.05)


def test_joint_panel_for_a_twin_needs_a_twin_that_takes_targets():
    with DigitalTwin("pendulum", "model") as twin, pytest.raises(ValueError, match="mode='twin'"):
        JointPanelModel.for_twin(twin)


def test_parameter_change_changes_the_hidden_truth_and_the_error_grows(pendulum_twin):
    twin = pendulum_twin
    model = ParameterPanelModel(twin, steps_per_change=240)
    panel = ParameterPanel(model)
    before = model.run()
    assert set(model.values) == {"mass_scale", "joint_friction", "joint_damping"}
    panel.sliders["mass_scale"].value = 2.5
    assert twin.physical.truth.mass_scale == 2.5
    after = model.history[-1][1]
    assert after > 1.5 * before
    # the RMSE reported is the twin's own over the steps just run
    assert after == pytest.approx(twin.analytics.rmse(last_seconds=240 * twin.time_step * (1 - 1e-9)))
    assert "mrad" in panel.status.value and "<svg" in panel.status.value


def test_parameter_panel_colours_the_ghost_by_the_error(pendulum_twin):
    twin = pendulum_twin
    scene = twin_scene(twin)
    model = ParameterPanelModel(twin, steps_per_change=60, scene=scene, tolerance=1e-3)
    model.set("joint_friction", 0.5)
    colours = [
        proto.unpack(d)
        for d in scene.commands()
        if proto.unpack(d)["type"] == "set_property" and proto.unpack(d)["property"] == "color"
    ]
    assert colours and all(c["path"].startswith("/meshcat/model/") for c in colours)


def test_player_steps_exactly_and_only_while_playing(pendulum_twin):
    twin = pendulum_twin
    scene = twin_scene(twin)
    player = TwinPlayerModel(twin, steps_per_tick=5, scene=scene)
    t0, dt = twin.time, twin.time_step
    assert player.tick() == 0 and twin.time == t0  # paused
    player.play()
    for _ in range(3):
        player.tick()
    assert twin.steps_taken == 15 and twin.time == pytest.approx(t0 + 15 * dt)
    player.pause()
    player.tick()
    player.step(7)  # stepping works while paused
    assert twin.steps_taken == 22 and player.steps_taken == 22
    assert scene.updates == 4


def test_player_view_follows_the_play_widget():
    with World() as world:
        world.load_robot("pendulum")
        model = TwinPlayerModel(world, steps_per_tick=4)
        view = TwinPlayer(model)
        view.timer.playing = True
        assert model.playing
        view.timer.value += 1  # what the browser's timer does
        view.timer.value += 1
        assert world.steps_taken == 8
        view.timer.playing = False
        view.timer.value += 1
        assert world.steps_taken == 8
        view.step_size.value = 3
        view.step_button.click()
        assert world.steps_taken == 11 and "0.046" in view.clock.value


def test_dashboard_puts_view_player_and_panels_together(arm_twin):
    box = twin_dashboard(arm_twin)
    kinds = [type(child).__name__ for child in box.children]
    assert kinds == ["SceneWidget", "TwinPlayer", "ParameterPanel", "JointPanel"]
    assert set(box.scene.mirrors) == {"physical", "model"}
    for child in box.children:
        child.close()


def test_parameter_panel_reports_values_the_simulation_refuses(arm_twin):
    panel = ParameterPanel(ParameterPanelModel(arm_twin, steps_per_change=10))
    before = arm_twin.physical.truth.joint_damping
    panel.sliders["joint_damping"].value = 0.3  # too stiff for the light wrist at 240 Hz
    assert arm_twin.physical.truth.joint_damping == before
    assert panel.sliders["joint_damping"].value == pytest.approx(before)
    assert "too large" in panel.status.value


def test_slider_panel_redraws_with_every_value_in_its_output_and_lays_out_rows():
    import ipywidgets as widgets

    from twin.ui.views import slider_panel

    seen = []
    sliders = {name: widgets.FloatSlider(value=1.0, continuous_update=False) for name in ("a", "b", "c")}
    panel = slider_panel(sliders, lambda values: (seen.append(dict(values)), print("sum", sum(values.values()))), 2)
    assert seen == [{"a": 1.0, "b": 1.0, "c": 1.0}]  # drawn once at the start
    assert [len(row.children) for row in panel.children[:-1]] == [2, 1]
    sliders["b"].value = 5.0
    assert seen[-1] == {"a": 1.0, "b": 5.0, "c": 1.0}
    assert len(seen) == 2
