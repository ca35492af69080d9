"""The 3D scene draws every visual where pybullet has it: checked against pybullet's own numbers."""

from __future__ import annotations

import math
import re
from pathlib import Path

import numpy as np
import pytest

from twin.sim import World
from twin.viz import Scene, health_color
from twin.viz import _protocol as proto


# -- independent references: pybullet's own transforms ----------------------------------------------
def pybullet_link_frame(client, body, link):
    """URDF link frame in the world, from pybullet only (no twin code)."""
    if link == -1:
        com_pos, com_orn = client.getBasePositionAndOrientation(body)
        local_pos, local_orn = client.getDynamicsInfo(body, -1)[3:5]
        inv_pos, inv_orn = client.invertTransform(local_pos, local_orn)
        return client.multiplyTransforms(com_pos, com_orn, inv_pos, inv_orn)
    state = client.getLinkState(body, link, computeForwardKinematics=1)
    return state[4], state[5]


def pybullet_visual_poses(client, body):
    """World pose of every visual: link frame composed with getVisualShapeData's local frame."""
    poses = []
    for v in client.getVisualShapeData(body):
        pos, orn = pybullet_link_frame(client, body, v[1])
        poses.append(client.multiplyTransforms(pos, orn, v[5], v[6]))
    return poses


def sent_visual_matrices(scene: Scene, mirror_name: str) -> dict[int, np.ndarray]:
    """What the scene told the viewer: link group transform times the visual object's own matrix."""
    objects, transforms = {}, {}
    for data in scene.commands():
        c = proto.unpack(data)
        if c["type"] == "set_object":
            objects[c["path"]] = np.array(c["object"]["object"]["matrix"]).reshape(4, 4).T
        elif c["type"] == "set_transform":
            transforms[c["path"]] = np.array(c["matrix"]).reshape(4, 4).T
    out = {}
    prefix = f"/meshcat/{mirror_name}/"
    for path, local in objects.items():
        match = re.fullmatch(re.escape(prefix) + r"(\d+_[^/]+)/v(\d+)_0", path)
        if match:
            group = transforms[prefix + match.group(1)]
            out[int(match.group(2))] = group @ local
    return out


def rotation(client, quaternion):
    return np.array(client.getMatrixFromQuaternion(quaternion)).reshape(3, 3)


def pose_humanoid(world, robot, seed=1):
    """A non-trivial pose: tilted base, every ball joint and knee/elbow turned."""
    c = world.client
    rng = np.random.default_rng(seed)
    c.resetBasePositionAndOrientation(robot.body_id, [0.3, -0.2, 1.1], c.getQuaternionFromEuler([1.2, 0.3, 0.7]))
    for j in robot.spherical_joint_indices:
        c.resetJointStateMultiDof(robot.body_id, j, c.getQuaternionFromEuler(rng.uniform(-0.6, 0.6, 3).tolist()))
    for j in robot.joint_indices:
        c.resetJointState(robot.body_id, j, float(rng.uniform(-1.0, 0.0)))


@pytest.fixture
def humanoid():
    with World() as world:
        robot = world.load_robot("humanoid")
        yield world, robot


@pytest.fixture
def arm():
    with World() as world:
        robot = world.load_robot("arm")
        robot.set_state([0.4, 0.7, -0.3, -1.1, 0.5, 0.9, -0.2])
        yield world, robot


def test_humanoid_visuals_sit_on_pybullet_link_frames_composed_with_visual_offsets(humanoid):
    world, robot = humanoid
    scene = Scene.from_world(world)
    pose_humanoid(world, robot)
    scene.update()
    sent = sent_visual_matrices(scene, "humanoid")
    expected = pybullet_visual_poses(world.client, robot.body_id)
    assert len(sent) == len(expected) == 15
    for i, (pos, orn) in enumerate(expected):
        np.testing.assert_allclose(sent[i][:3, 3], pos, atol=1e-6)
        kind = world.client.getVisualShapeData(robot.body_id)[i][2]
        r_expected = rotation(world.client, orn)
        if kind in (world.client.GEOM_CAPSULE, world.client.GEOM_CYLINDER):
            # three.js cylinders run along y: that axis must be pybullet's z axis
            np.testing.assert_allclose(sent[i][:3, 1], r_expected[:, 2], atol=1e-6)
        else:
            np.testing.assert_allclose(sent[i][:3, :3], r_expected, atol=1e-6)


def test_humanoid_visual_centres_match_pybullet_aabb_centres(humanoid):
    """Spheres, boxes and capsules are symmetric: their centre is the centre of pybullet's bounding box."""
    world, robot = humanoid
    scene = Scene.from_world(world)
    pose_humanoid(world, robot, seed=7)
    world.client.performCollisionDetection()  # refreshes bounding boxes without stepping
    scene.update()
    sent = sent_visual_matrices(scene, "humanoid")
    for i, v in enumerate(world.client.getVisualShapeData(robot.body_id)):
        lo, hi = np.array(world.client.getAABB(robot.body_id, v[1]))
        np.testing.assert_allclose(sent[i][:3, 3], (lo + hi) / 2, atol=2e-3, err_msg=f"visual {i} (link {v[1]})")


def test_standing_humanoid_feet_touch_the_ground(humanoid):
    world, robot = humanoid
    scene = Scene.from_world(world)
    sent = sent_visual_matrices(scene, "humanoid")
    visuals = world.client.getVisualShapeData(robot.body_id)
    feet = [i for i, v in enumerate(visuals) if v[2] == world.client.GEOM_BOX]
    assert len(feet) == 2
    for i in feet:
        half = np.array(visuals[i][3]) / 2
        corners = np.array([[sx, sy, sz] for sx in (-1, 1) for sy in (-1, 1) for sz in (-1, 1)]) * half
        world_z = (sent[i][:3, :3] @ corners.T).T[:, 2] + sent[i][2, 3]
        assert abs(world_z.min()) < 5e-3, f"foot {i} lowest point at z={world_z.min():.4f} m"


def obj_vertices(path: str) -> np.ndarray:
    rows = [line.split()[1:4] for line in Path(path).read_text().splitlines() if line.startswith("v ")]
    return np.array(rows, dtype=float)


def test_arm_meshes_are_drawn_where_pybullet_has_its_links(arm):
    world, robot = arm
    scene = Scene.from_world(world)
    sent = sent_visual_matrices(scene, "arm")
    visuals = world.client.getVisualShapeData(robot.body_id)
    world.client.performCollisionDetection()  # refreshes bounding boxes after set_state
    assert len(sent) == len(visuals) == 8
    for i, v in enumerate(visuals):
        assert v[2] == world.client.GEOM_MESH and v[4].decode().endswith(".obj")
        vertices = obj_vertices(v[4].decode()) * np.array(v[3])
        # pybullet bounds a mesh link by its local box, turned into the world: do the same with the .obj
        a, b = vertices.min(axis=0), vertices.max(axis=0)
        corners = np.array([[x, y, z] for x in (a[0], b[0]) for y in (a[1], b[1]) for z in (a[2], b[2])])
        placed = (sent[i][:3, :3] @ corners.T).T + sent[i][:3, 3]
        lo, hi = np.array(world.client.getAABB(robot.body_id, v[1]))  # from the .stl collision mesh
        np.testing.assert_allclose(placed.min(axis=0), lo, atol=0.012, err_msg=f"link {v[1]}")
        np.testing.assert_allclose(placed.max(axis=0), hi, atol=0.012, err_msg=f"link {v[1]}")


def test_arm_mesh_files_and_urdf_colours_are_sent(arm):
    world, robot = arm
    scene = Scene.from_world(world)
    meshes, colours = [], []
    for data in scene.commands():
        c = proto.unpack(data)
        if c["type"] == "set_object" and c["path"].startswith("/meshcat/arm/"):
            geometry = c["object"]["geometries"][0]
            meshes.append((geometry["type"], geometry["format"], len(geometry["data"])))
            colours.append(c["object"]["materials"][0]["color"])
    assert len(meshes) == 8 and all(m[0] == "_meshfile_geometry" and m[1] == "obj" and m[2] > 1000 for m in meshes)
    expected = []
    for v in world.client.getVisualShapeData(robot.body_id):
        r, g, b = (round(x * 255) for x in v[7][:3])
        expected.append((r << 16) | (g << 8) | b)
    assert colours == expected


def test_update_follows_the_simulation(arm):
    world, robot = arm
    scene = Scene.from_world(world)
    robot.set_state([-0.5, 0.2, 0.9, -0.4, -0.6, 0.3, 1.0])
    scene.update()
    sent = sent_visual_matrices(scene, "arm")
    for i, (pos, _orn) in enumerate(pybullet_visual_poses(world.client, robot.body_id)):
        np.testing.assert_allclose(sent[i][:3, 3], pos, atol=1e-6)


def test_ghost_is_translucent_and_does_not_hide_what_is_behind(arm):
    world, robot = arm
    scene = Scene()
    scene.add_robot(robot, "physical")
    scene.add_robot(robot, "model", ghost=True)
    for data in scene.commands():
        c = proto.unpack(data)
        if c["type"] == "set_object" and c["path"].startswith("/meshcat/"):
            m = c["object"]["materials"][0]
            if c["path"].startswith("/meshcat/model/"):
                assert m["transparent"] and 0 < m["opacity"] < 0.6 and m["depthWrite"] is False
            else:
                assert not m["transparent"] and m["opacity"] == 1.0


def test_health_colours_follow_joint_errors(arm):
    world, robot = arm
    scene = Scene()
    mirror = scene.add_robot(robot)
    errors = np.array([0.0, 0.01, 0.025, 0.05, 0.2, 0.0, 0.0], dtype=np.float32)  # float32 accepted
    mirror.show_joint_errors(errors, tolerance=0.05)
    colours = {}
    for data in scene.commands():
        c = proto.unpack(data)
        if c["type"] == "set_property" and c["property"] == "color":
            colours[c["path"]] = c["value"]
    # joint j moves link j (its child): path index j + 1
    by_link = {int(p.rsplit("/", 1)[1].split("_")[0]) - 1: v for p, v in colours.items()}
    assert by_link[0][:3] == pytest.approx(health_color(0.0, 0.05))
    green, yellow, red = health_color(0, 1), health_color(0.5, 1), health_color(1, 1)
    assert green[1] > green[0] and red[0] > red[1] and yellow[0] > 0.9 and yellow[1] > 0.7
    assert by_link[3][:3] == pytest.approx(red) and by_link[4][:3] == pytest.approx(red)
    assert by_link[2][:3] == pytest.approx(yellow)
    with pytest.raises(ValueError, match="7 errors"):
        mirror.show_joint_errors([0.1, 0.2])


def test_float32_and_integer_inputs_are_accepted_and_sent_as_float64(arm):
    world, robot = arm
    scene = Scene()
    scene.add_marker("target", np.array([0.5, 0.1, 0.6], dtype=np.float32))
    scene.add_arrow("force", np.array([0, 0, 1], dtype=np.float32), np.array([0.0, 0.3, 0.0], dtype=np.float16))
    scene.move_marker("target", np.array([1, 2, 3], dtype=np.int64))
    scene.set_camera(np.array([2, 2, 2], dtype=np.float32), (0, 0, 0.5))
    scene.add_heightfield(np.ones((4, 5), dtype=np.float32), (0.1, 0.1))
    matrices = {}
    for data in scene.commands():
        c = proto.unpack(data)
        if c["type"] == "set_transform":
            assert all(type(x) is float for x in c["matrix"])
            matrices[c["path"]] = np.array(c["matrix"]).reshape(4, 4).T
    np.testing.assert_allclose(matrices["/meshcat/markers/target"][:3, 3], [1, 2, 3])
    arrow = matrices["/meshcat/arrows/force"]
    np.testing.assert_allclose(arrow[:3, 1], [0, 1, 0], atol=1e-12)  # the arrow's axis points along the vector
    with pytest.raises(ValueError, match="finite"):
        scene.move_marker("target", [np.nan, 0, 0])


def test_arrow_spans_from_start_to_start_plus_vector():
    scene = Scene()
    start, vector = np.array([0.2, -0.1, 0.3]), np.array([0.3, 0.4, -0.5])
    scene.add_arrow("a", start, vector, radius=0.01)
    m = {}
    for data in scene.commands():
        c = proto.unpack(data)
        if c["type"] == "set_transform":
            m[c["path"]] = np.array(c["matrix"]).reshape(4, 4).T
    group, head = m["/meshcat/arrows/a"], m["/meshcat/arrows/a/head"]
    tip_local = head @ np.array([0, 0.02, 0, 1.0])  # the cone's apex: half its 0.04 m height up its axis
    tip = group @ tip_local
    np.testing.assert_allclose(tip[:3], start + vector, atol=1e-9)
    np.testing.assert_allclose(group[:3, 3], start)


def test_heightfield_matches_pybullet_ray_casts():
    with World() as world:
        c = world.client
        rng = np.random.default_rng(3)
        heights = rng.uniform(0.0, 0.4, size=(6, 9))  # 6 rows along y, 9 columns along x
        scale = (0.3, 0.2, 1.5)
        shape = c.createCollisionShape(
            c.GEOM_HEIGHTFIELD,
            meshScale=list(scale),
            heightfieldData=heights.ravel().tolist(),
            numHeightfieldRows=heights.shape[1],
            numHeightfieldColumns=heights.shape[0],
        )
        c.createMultiBody(0, shape, basePosition=[0.5, -0.25, 0.1])
        scene = Scene()
        scene.add_heightfield(heights, scale[:2], height_scale=scale[2], position=(0.5, -0.25, 0.1))
        obj = transform = None
        for data in scene.commands():
            cmd = proto.unpack(data)
            if cmd["path"] == "/meshcat/terrain":
                if cmd["type"] == "set_object":
                    obj = cmd["object"]
                elif cmd["type"] == "set_transform":
                    transform = np.array(cmd["matrix"]).reshape(4, 4).T
        raw = obj["geometries"][0]["data"]["attributes"]["position"]["array"].data
        vertices = np.frombuffer(raw, dtype=np.float32).reshape(-1, 3) + transform[:3, 3]
        inner = [v for v in vertices if abs(v[0] - 0.5) < 1.0 and abs(v[1] + 0.25) < 0.4]  # not on the edge
        assert len(inner) > 10
        for x, y, z in inner:
            hit = c.rayTest([x, y, 5.0], [x, y, -5.0])[0]
            assert hit[0] >= 0 and math.isclose(hit[3][2], z, abs_tol=2e-3)


def test_contact_force_arrows_carry_the_humanoid_weight(humanoid):
    world, robot = humanoid
    world.step(240)
    scene = Scene.from_world(world)
    scale = 0.002
    scene.show_contact_forces("humanoid", scale=scale, min_force=0.0)
    total_up = 0.0
    m = {}
    for data in scene.commands():
        c = proto.unpack(data)
        if c["type"] == "set_transform" and c["path"].startswith("/meshcat/arrows/contact_"):
            m[c["path"]] = np.array(c["matrix"]).reshape(4, 4).T
    for path, group in m.items():
        if path.count("/") == 3:
            shaft, head = m[path + "/shaft"], m[path + "/head"]
            length = shaft[1, 1] + (head[1, 3] - shaft[1, 1]) * 2  # shaft plus head
            total_up += group[2, 1] * length / scale  # the arrow's axis is its group's y column
    weight = robot.total_mass * world.gravity
    assert total_up == pytest.approx(weight, rel=0.1)


def test_scene_replays_newest_state_only():
    scene = Scene()
    scene.add_marker("m", (0, 0, 0))
    for x in range(5):
        scene.move_marker("m", (x, 0, 0))
    transforms = [proto.unpack(d) for d in scene.commands() if proto.unpack(d)["type"] == "set_transform"]
    marker = [t for t in transforms if t["path"] == "/meshcat/markers/m"]
    assert len(marker) == 1 and marker[0]["matrix"][12] == 4.0
    scene.delete("m")
    assert not any(proto.unpack(d)["path"].startswith("/meshcat/markers/m") for d in scene.commands())
