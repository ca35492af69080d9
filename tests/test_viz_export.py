"""Exported pages and recordings: the embedded command stream, and what headless Chromium really shows."""

from __future__ import annotations

import base64
import html
import io
import json
import re
import shutil
from pathlib import Path

import numpy as np
import pytest

from twin.sim import World
from twin.viz import Scene
from twin.viz import _protocol as proto

CHROMIUM = shutil.which("chromium") or ("/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None)
CHROMIUM_FLAGS = [
    "--headless=new",
    "--no-sandbox",
    "--use-angle=swiftshader",
    "--enable-unsafe-swiftshader",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def embedded_commands(page: str) -> list[dict]:
    """Decode the command stream an exported page carries (base64 msgpack inside its CONFIG)."""
    match = re.search(r"var CONFIG = (\{.*?\});\n", page)
    assert match, "no CONFIG in the page"
    return [proto.unpack(base64.b64decode(c)) for c in json.loads(match.group(1))["commands"]]


def link_frames(world, robot):
    """URDF link frames from pybullet alone (base: centre of mass with the inertial offset undone)."""
    c = world.client
    com_pos, com_orn = c.getBasePositionAndOrientation(robot.body_id)
    local = c.getDynamicsInfo(robot.body_id, -1)[3:5]
    frames = [c.multiplyTransforms(com_pos, com_orn, *c.invertTransform(*local))[0]]
    for j in range(c.getNumJoints(robot.body_id)):
        frames.append(c.getLinkState(robot.body_id, j, computeForwardKinematics=1)[4])
    return np.array(frames)


@pytest.fixture
def humanoid_world():
    with World() as world:
        robot = world.load_robot("humanoid")
        yield world, robot


def test_exported_page_is_self_contained_and_carries_the_scene(humanoid_world, tmp_path):
    world, robot = humanoid_world
    scene = Scene.from_world(world)
    world.step(120)
    scene.update()
    path = scene.save_html(str(tmp_path / "humanoid.html"))
    page = Path(path).read_text()
    assert "MeshCat" in page and "http://" not in page.split("<script>", 1)[0]
    assert not re.search(r"<script[^>]+src=", page), "the page must not load scripts from anywhere"
    commands = embedded_commands(page)
    transforms = {c["path"]: np.array(c["matrix"]).reshape(4, 4).T for c in commands if c["type"] == "set_transform"}
    expected = link_frames(world, robot)
    mirror = scene.mirrors["humanoid"]
    for row in mirror.drawn_rows:
        np.testing.assert_allclose(transforms[mirror.link_paths[row]][:3, 3], expected[row], atol=1e-9)


def test_static_view_is_an_iframe_srcdoc_without_display_warnings(humanoid_world):
    world, _ = humanoid_world
    view = Scene.from_world(world).show(height=300)
    out = view._repr_html_()
    assert out.startswith("<iframe srcdoc=") and "height: 300px" in out
    assert html.unescape(re.search(r'srcdoc="([^"]*)"', out).group(1)) == view.html


def test_recording_keeps_frames_at_the_requested_rate_and_the_true_poses(humanoid_world):
    world, robot = humanoid_world
    scene = Scene.from_world(world)
    c = world.client
    c.resetBaseVelocity(robot.body_id, [0.6, 0.0, 0.0], [0.0, 0.0, 2.0])  # push it so that it moves
    start = link_frames(world, robot)
    recording = scene.record(fps=30)
    for _ in range(240):  # one simulated second at 240 Hz
        world.step()
        scene.update()
    recording.stop()
    end = link_frames(world, robot)
    assert 30 <= len(recording.times) <= 32
    assert recording.times[-1] == pytest.approx(world.time)
    animation = recording.animation_command()
    mirror = scene.mirrors["humanoid"]
    clips = {a["path"]: a["clip"] for a in animation["animations"]}
    for row in mirror.drawn_rows:
        track = {t["name"]: t for t in clips[mirror.link_paths[row]]["tracks"]}
        values = np.array(track[".position"]["values"]).reshape(-1, 3)
        times = np.array(track[".position"]["times"])
        np.testing.assert_allclose(values[0], start[row], atol=1e-9)
        np.testing.assert_allclose(values[-1], end[row], atol=1e-9)
        assert times[0] == 0.0 and times[-1] == pytest.approx(recording.duration)
        assert np.all(np.diff(times) > 0)
    assert np.linalg.norm(end[0] - start[0]) > 0.05, "the run should have moved the robot"
    # the exported page carries the same animation
    page_commands = embedded_commands(recording.to_html())
    assert page_commands[-1]["type"] == "set_animation"
    assert page_commands[-1]["options"]["repetitions"] == float("inf")


# -- in a real browser ----------------------------------------------------------------------------
needs_chromium = pytest.mark.skipif(
    CHROMIUM is None, reason="needs Chromium (Debian package `chromium`) to look at the rendered page"
)


@pytest.fixture(scope="module")
def browser():
    playwright = pytest.importorskip("playwright.sync_api")
    with playwright.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        yield b
        b.close()


def open_page(browser, path: Path, size=(640, 480)):
    page = browser.new_page(viewport={"width": size[0], "height": size[1]})
    page.goto(path.as_uri())
    page.wait_for_function("window.twinReady === true || !!window.twinError", timeout=60000)
    assert page.evaluate("window.twinError || null") is None
    assert page.evaluate("window.twinCommandErrors") == 0
    page.wait_for_timeout(500)
    return page


def screenshot(page) -> np.ndarray:
    from PIL import Image

    return np.asarray(Image.open(io.BytesIO(page.screenshot())).convert("RGB")).astype(int)


def project(points, eye, target, size, fov_deg=75.0):
    """Pixel coordinates of world points for meshcat's camera (vertical fov 75 deg, z up)."""
    w, h = size
    f = (target - eye) / np.linalg.norm(target - eye)
    r = np.cross(f, [0, 0, 1.0])
    r /= np.linalg.norm(r)
    u = np.cross(r, f)
    d = np.asarray(points) - eye
    x, y, z = d @ r, d @ u, d @ f
    t = np.tan(np.radians(fov_deg) / 2)
    return np.stack([(x / (z * t * w / h) + 1) / 2 * w, (1 - y / (z * t)) / 2 * h], axis=1)


def red_mask(img: np.ndarray) -> np.ndarray:
    r, g, b = img[..., 0], img[..., 1], img[..., 2]
    return (r > 90) & (r > 2 * g) & (r > 2 * b)


@needs_chromium
def test_browser_draws_the_humanoid_where_pybullet_has_it(humanoid_world, browser, tmp_path):
    world, robot = humanoid_world
    c = world.client
    c.resetJointStateMultiDof(robot.body_id, 3, c.getQuaternionFromEuler([0.0, 0.0, 1.2]))  # lift an arm
    scene = Scene(grid=False)
    scene.add_ground()
    mirror = scene.add_robot(robot, color=(1.0, 0.0, 0.0))
    scene.update()
    full = tmp_path / "humanoid.html"
    scene.save_html(str(full))
    empty_scene = Scene(grid=False)
    empty_scene.add_ground()
    empty_scene.set_camera(scene.camera_eye, scene.camera_target)
    empty = tmp_path / "empty.html"
    empty_scene.save_html(str(empty))

    page = open_page(browser, full)
    # the viewer's own scene graph holds each link where pybullet has it
    names = [p.split("/")[-1] for p in mirror.link_paths]
    js_positions = page.evaluate(
        "names => names.map(n => viewer.scene_tree.find(['meshcat', 'humanoid', n]).object.position.toArray())",
        names,
    )
    expected = link_frames(world, robot)
    for row in mirror.drawn_rows:
        np.testing.assert_allclose(js_positions[row], expected[row], atol=1e-6)
    # and the pixels: red robot pixels at the projected visual centres, none in the empty scene
    img = screenshot(page)
    page.close()
    empty_img = screenshot(open_page(browser, empty))
    mask, empty_mask = red_mask(img), red_mask(empty_img)
    assert empty_mask.sum() == 0
    assert mask.sum() > 2000
    centres = []
    for v in c.getVisualShapeData(robot.body_id):
        pos, orn = (
            c.getLinkState(robot.body_id, v[1], computeForwardKinematics=1)[4:6]
            if v[1] >= 0
            else (expected[0], (0, 0, 0, 1))
        )
        centres.append(c.multiplyTransforms(pos, orn, v[5], v[6])[0])
    pixels = project(np.array(centres), scene.camera_eye, scene.camera_target, (640, 480))
    for (px, py), centre in zip(pixels, centres, strict=True):
        x, y = int(round(px)), int(round(py))
        assert 0 <= x < 640 and 0 <= y < 480
        assert mask[max(0, y - 2) : y + 3, max(0, x - 2) : x + 3].any(), f"no robot pixel at {centre} -> ({x}, {y})"
    ys, xs = np.nonzero(mask)
    lo, hi = pixels.min(axis=0), pixels.max(axis=0)
    assert lo[0] - 60 < xs.min() and xs.max() < hi[0] + 60 and lo[1] - 60 < ys.min() and ys.max() < hi[1] + 60


@needs_chromium
def test_browser_plays_the_recording_from_the_first_to_the_last_pose(humanoid_world, browser, tmp_path):
    world, robot = humanoid_world
    scene = Scene()
    scene.add_ground()
    scene.add_marker("target", [1.0, 0.0, 0.5])  # first in the scene and never moves: a clip of one pose, 0 s long
    scene.add_robot(robot)
    world.client.resetBaseVelocity(robot.body_id, [0.8, 0.0, 0.0], [0.0, 0.0, 3.0])
    start = link_frames(world, robot)
    recording = scene.record(fps=30)
    for _ in range(120):
        world.step()
        scene.update()
    recording.save(str(tmp_path / "run.html"))
    end = link_frames(world, robot)
    page = open_page(browser, tmp_path / "run.html")
    assert page.evaluate("viewer.animator.duration") == pytest.approx(recording.duration, abs=1e-6)
    assert page.evaluate("viewer.animator.playing") is True
    assert page.evaluate("document.getElementById('twin-bar').style.display") == "flex"
    # the clock follows the moving robot, not the marker's 0-s clip (whose looped time three.js gives as NaN)
    clock = page.evaluate("document.getElementById('twin-clock').textContent")
    assert re.fullmatch(r"t = \d+\.\d\d s / \d+\.\d\d s", clock), clock
    mirror = scene.mirrors["humanoid"]
    pelvis = mirror.link_paths[int(mirror.drawn_rows[0])].split("/")[-1]
    read = "t => { viewer.animator.pause(); viewer.animator.seek(t); return viewer.scene_tree.find(" + (
        f"['meshcat', 'humanoid', '{pelvis}']).object.position.toArray(); }}"
    )
    np.testing.assert_allclose(page.evaluate(read, 0.0), start[int(mirror.drawn_rows[0])], atol=1e-5)
    np.testing.assert_allclose(page.evaluate(read, recording.duration), end[int(mirror.drawn_rows[0])], atol=1e-5)
    page.close()


@needs_chromium
def test_page_says_so_when_webgl_is_missing(browser, tmp_path):
    page_path = tmp_path / "nogl.html"
    Scene().save_html(str(page_path))
    page = browser.new_page()
    page.add_init_script("HTMLCanvasElement.prototype.getContext = function () { return null; };")
    page.goto(page_path.as_uri())
    page.wait_for_function("!!window.twinError", timeout=30000)
    assert "cannot render" in page.inner_text("#twin-message")
    page.close()
