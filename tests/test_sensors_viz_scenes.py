"""The sensor drawings carry the right geometry, and the chapter's scenes do what they promise."""

from __future__ import annotations

import numpy as np
import pytest

from twin.sensors import Camera, CameraIntrinsics, Lidar, contact_forces, scan_pattern_2d
from twin.sensors.lidar import LidarScan
from twin.sim import World
from twin.ui.sensor_demo_worlds import add_room, sway_humanoid
from twin.viz import Scene
from twin.viz import _protocol as proto
from twin.viz.sensors import SENSORS, show_camera, show_force, show_lidar_scan, show_points, show_rays


def sent_objects(scene: Scene) -> dict[str, dict]:
    objects = {}
    for data in scene.commands():
        command = proto.unpack(data)
        if command["type"] == "set_object":
            objects[command["path"]] = command["object"]
    return objects


def positions(obj: dict) -> np.ndarray:
    raw = obj["geometries"][0]["data"]["attributes"]["position"]["array"]
    return np.frombuffer(raw.data if hasattr(raw, "data") else raw, dtype=np.float32).reshape(-1, 3)


def test_points_skip_missing_returns_and_keep_the_rest_exactly():
    scene = Scene()
    points = np.array([[1.0, 2.0, 3.0], [np.nan, 0, 0], [4.0, 5.0, 6.0]])
    assert show_points(scene, "cloud", points) == 2
    obj = sent_objects(scene)[f"{SENSORS}/cloud"]
    assert obj["object"]["type"] == "Points"
    np.testing.assert_allclose(positions(obj), [[1, 2, 3], [4, 5, 6]])


def test_rays_are_segments_from_the_origin_to_each_end():
    scene = Scene()
    show_rays(scene, "beams", [0, 0, 1], np.array([[1.0, 0, 1], [0, 2.0, 1]]))
    obj = sent_objects(scene)[f"{SENSORS}/beams"]
    assert obj["object"]["type"] == "LineSegments"
    np.testing.assert_allclose(positions(obj), [[0, 0, 1], [1, 0, 1], [0, 0, 1], [0, 2, 1]])


def test_lidar_scan_and_camera_are_drawn_where_the_sensors_are():
    with World() as world:
        world.add_ground()
        add_room(world, size=4.0)
        scan = Lidar(world, scan_pattern_2d(90), position=(0, 0, 0.5), ideal=True).scan()
        camera = Camera(world, eye=(1, 0, 1), target=(0, 0, 0.5), intrinsics=CameraIntrinsics(40, 30, 60.0), ideal=True)
        scene = Scene.from_world(world)
        show_lidar_scan(scene, scan, rays=10)
        show_camera(scene, camera, camera.render().rgb, distance=0.5)
        objects = sent_objects(scene)
    cloud = positions(objects[f"{SENSORS}/lidar_points"])
    np.testing.assert_allclose(np.max(np.abs(cloud[:, :2]), axis=1), 1.9, atol=1e-5)  # inner faces of the walls
    image = objects[f"{SENSORS}/camera_image"]
    assert image["images"][0]["url"].startswith("data:image/png;base64,")
    centre = np.array(image["object"]["matrix"]).reshape(4, 4).T[:3, 3]
    forward = (np.array([0, 0, 0.5]) - [1, 0, 1]) / np.linalg.norm(np.array([0, 0, 0.5]) - [1, 0, 1])
    np.testing.assert_allclose(centre, np.array([1, 0, 1]) + 0.5 * forward, atol=1e-5)  # view matrix is float32
    frustum = positions(objects[f"{SENSORS}/camera_frustum"])
    np.testing.assert_allclose(frustum[0], [1, 0, 1], atol=1e-6)  # every frustum edge starts at the eye


def test_lidar_beams_are_drawn_as_far_as_they_are_known_to_be_free():
    """REP 117 readings: a return (2 m) is drawn to it, no echo (+inf) to max range, too close (-inf) to min
    range, and a dropped beam (NaN) not at all; only the return is a point."""
    directions = np.eye(3)[[0, 1, 0, 1]] * [[1], [1], [-1], [-1]]
    scan = LidarScan(
        time=0.0,
        origin=np.array([0.0, 0.0, 1.0]),
        directions=directions,
        ranges=np.array([2.0, np.inf, -np.inf, np.nan]),
        true_ranges=np.array([2.0, np.inf, 0.02, 3.0]),
        hit_body=np.array([1, -1, 2, 3]),
        max_range=8.0,
        min_range=0.05,
    )
    scene = Scene()
    show_lidar_scan(scene, scan, rays=4)
    objects = sent_objects(scene)
    np.testing.assert_allclose(positions(objects[f"{SENSORS}/lidar_points"]), [[2, 0, 1]])
    ends = positions(objects[f"{SENSORS}/lidar_rays"])[1::2]
    np.testing.assert_allclose(ends, [[2, 0, 1], [0, 8, 1], [-0.05, 0, 1]], atol=1e-6)


def test_force_arrow_is_created_then_moved():
    scene = Scene()
    show_force(scene, "foot", (0, 0, 0), (0, 0, 500.0), scale=0.002)
    show_force(scene, "foot", (1, 0, 0), (0, 0, 250.0), scale=0.002)
    assert "foot" in scene._arrows


def test_force_arrow_keeps_the_radius_it_was_drawn_with():
    scene = Scene()
    show_force(scene, "thick", (0, 0, 0), (0, 0, 500.0), radius=0.03)
    show_force(scene, "thick", (0, 0, 0), (0, 0, 100.0), radius=0.001)
    show_force(scene, "default", (0, 0, 0), (0, 0, 500.0))
    assert scene._arrows["thick"] == 0.03
    assert scene._arrows["default"] == 0.012


def test_sway_moves_the_load_from_foot_to_foot_and_keeps_the_total():
    with World() as world:
        humanoid = world.load_robot("humanoid")
        right, left = humanoid.link("right_ankle").index, humanoid.link("left_ankle").index
        shares, totals = [], []

        def read() -> None:
            r = contact_forces(world, humanoid.body_id, right).normal_force
            lf = contact_forces(world, humanoid.body_id, left).normal_force
            totals.append(r + lf)
            shares.append(r / max(r + lf, 1e-9))

        sway_humanoid(humanoid, 5.0, amplitude=0.01, frequency=0.2, on_tick=read)
        weight = humanoid.total_mass * world.gravity
    assert max(shares) > 0.7 and min(shares) < 0.3, "the weight should move onto each foot in turn"
    assert np.mean(totals) == pytest.approx(weight, rel=0.05)
    assert world.steps_taken == 1200


def test_room_size_is_checked():
    with World() as world, pytest.raises(ValueError, match="size"):
        add_room(world, size=0.0)
