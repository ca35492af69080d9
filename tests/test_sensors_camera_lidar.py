"""Camera and LIDAR against independent formulas and known geometry."""

from __future__ import annotations

import gc
import math
import threading
import time

import numpy as np
import pytest

from twin.sensors.camera import (
    BrownConrady,
    Camera,
    CameraFrame,
    CameraIntrinsics,
    CameraNoise,
    distort_image,
    metric_depth,
    project_points,
    undistort_image,
)
from twin.sensors.lidar import MAX_RAYS_PER_CALL, BeamModel, Lidar, scan_pattern_2d, scan_pattern_3d
from twin.sim import World

SMALL = CameraIntrinsics(80, 60, 60.0)


def _wall(world: World, x: float, half_thickness: float = 0.05) -> int:
    c = world.client
    shape = c.createCollisionShape(c.GEOM_BOX, halfExtents=[half_thickness, 5, 5])
    visual = c.createVisualShape(c.GEOM_BOX, halfExtents=[half_thickness, 5, 5], rgbaColor=[0.8, 0.8, 0.8, 1])
    return c.createMultiBody(0, shape, visual, basePosition=[x, 0, 0])


def test_projection_matches_the_pinhole_and_brown_conrady_formulas_written_out():
    i = CameraIntrinsics(640, 480, 50.0)
    fy = 480 / (2 * math.tan(math.radians(25.0)))
    points = np.array([[0.3, -0.2, 2.0], [-1.0, 0.5, 4.0], [0.0, 0.0, 1.0]])
    k1, k2, p1, p2, k3 = -0.25, 0.08, 0.001, -0.002, 0.01
    expected = []
    for x, y, z in points:
        a, b = x / z, y / z
        r2 = a * a + b * b
        radial = 1 + k1 * r2 + k2 * r2**2 + k3 * r2**3
        ad = a * radial + 2 * p1 * a * b + p2 * (r2 + 2 * a * a)
        bd = b * radial + p1 * (r2 + 2 * b * b) + 2 * p2 * a * b
        expected.append([fy * ad + 320, fy * bd + 240])
    got = project_points(points, i, BrownConrady(k1, k2, p1, p2, k3))
    np.testing.assert_allclose(got, expected, rtol=1e-12)
    np.testing.assert_allclose(project_points(points, i)[0], [fy * 0.15 + 320, fy * -0.1 + 240])


def test_undistort_inverts_distort():
    lens = BrownConrady(k1=-0.3, k2=0.1, p1=0.002, p2=-0.001, k3=-0.02)
    x, y = np.meshgrid(np.linspace(-0.5, 0.5, 11), np.linspace(-0.4, 0.4, 9))
    xu, yu = lens.undistort(*lens.distort(x, y))
    np.testing.assert_allclose(xu, x, atol=1e-9)
    np.testing.assert_allclose(yu, y, atol=1e-9)


def _turned_about_z(angle: float) -> np.ndarray:
    c, s = math.cos(angle), math.sin(angle)
    return np.array([[c, -s, 0.0], [s, c, 0.0], [0.0, 0.0, 1.0]])


def _distances_inside_polygon(corners: np.ndarray, u: np.ndarray, v: np.ndarray) -> np.ndarray:
    """Signed distance (pixels) of each point (u, v) to each edge of the convex polygon ``corners`` (n, 2),
    positive on the inside: shape (n, *u.shape)."""
    edges = np.roll(corners, -1, axis=0) - corners
    area = np.sum(corners[:, 0] * np.roll(corners[:, 1], -1) - np.roll(corners[:, 0], -1) * corners[:, 1])
    side = np.sign(area)  # counter-clockwise in (u, v) or not
    out = [side * (e[0] * (v - a[1]) - e[1] * (u - a[0])) / np.hypot(*e) for a, e in zip(corners, edges, strict=True)]
    return np.array(out)


@pytest.mark.parametrize("size", [CameraIntrinsics(160, 120, 60.0), CameraIntrinsics(211, 157, 47.0)])
def test_rendered_pixels_are_those_whose_centres_the_intrinsics_put_inside_an_object(size):
    """A square plate facing the camera projects to an exact quadrilateral, so the intrinsics say which pixels it
    covers: those whose centre (i + 0.5, j + 0.5) falls inside. The renderer must colour exactly those (a pixel
    whose centre lies within 0.01 px of an edge may go either way: float32 rounding), so the plates' centroids
    agree to far better than 0.05 px. Sampling half a pixel off adds or misses a row or column at every edge."""
    from scipy.spatial.transform import Rotation

    rng = np.random.default_rng(7)
    with World() as world:
        c = world.client
        camera = Camera(world, eye=(2.0, 0.3, 1.0), target=(0.0, 0.0, 0.4), intrinsics=size, ideal=True)
        u, v = size.pixel_grid()
        for _ in range(6):
            pixel = rng.uniform([0.3 * size.width, 0.3 * size.height], [0.7 * size.width, 0.7 * size.height])
            depth = rng.uniform(1.5, 3.0)
            x, y = size.to_normalized(*pixel)
            centre = np.array([x * depth, y * depth, depth])  # camera frame
            half, spin = 12.0 * depth / size.fy, rng.uniform(0.0, np.pi / 2)  # 24 px wide, turned at random
            turned = _turned_about_z(spin)
            corners = centre + half * np.array([[1, 1, 0], [-1, 1, 0], [-1, -1, 0], [1, -1, 0]]) @ turned.T
            pose = camera.world_from_camera
            visual = c.createVisualShape(c.GEOM_BOX, halfExtents=[half, half, 1e-5])
            orientation = Rotation.from_matrix(pose[:3, :3] @ turned).as_quat()  # x, y, z, w as pybullet
            plate = c.createMultiBody(0, -1, visual, (pose[:3, :3] @ centre + pose[:3, 3]).tolist(), orientation)
            seen = camera.render().segmentation == plate
            c.removeBody(plate)
            distances = _distances_inside_polygon(project_points(corners, size), u, v)
            inside = distances.min(axis=0) > 0
            wrong = (seen != inside) & (np.abs(distances).min(axis=0) > 0.01)
            assert not wrong.any(), f"{wrong.sum()} of {inside.sum()} pixels rendered where the intrinsics say not"
            centroid_error = [u[seen].mean() - u[inside].mean(), v[seen].mean() - v[inside].mean()]
            np.testing.assert_allclose(centroid_error, 0.0, atol=0.01)


def test_rendered_depth_of_a_tilted_ground_is_the_ray_plane_intersection_through_each_pixel_centre():
    """Each pixel's depth is where the ray through its centre meets the ground z = 0: t = -eye_z / d_z along the
    optical axis, with d = R (x, y, 1) and (x, y) the pixel centre's normalised coordinates. The depth buffer is
    float32: an error of one part in 2^23 in d is z^2 (1/near - 1/far) / 2^23 in z, so the relative error
    allowed is 4 z (1/near - 1/far) / 2^23 (about 4e-5 at 10 m). Half a pixel off would be about 1 % here."""
    size = CameraIntrinsics(173, 131, 55.0)
    with World() as world:
        world.add_ground()
        camera = Camera(world, eye=(0.3, -0.2, 1.2), target=(2.5, 1.0, 0.0), intrinsics=size, near=0.1, far=30.0)
        depth = camera.render().depth
        pose = camera.world_from_camera
    x, y = size.to_normalized(*size.pixel_grid())
    down = pose[2, 0] * x + pose[2, 1] * y + pose[2, 2]  # world z of each ray d = R (x, y, 1)
    with np.errstate(divide="ignore"):
        expected = np.where(down < 0, -pose[2, 3] / down, np.inf)
    seen = expected < 25.0  # short of the far plane (30 m)
    assert seen.mean() > 0.5
    tolerance = 4 * expected[seen] * (1 / 0.1 - 1 / 30.0) / 2**23
    relative_error = np.abs(depth[seen] - expected[seen]) / expected[seen]
    assert np.all(relative_error <= tolerance), f"worst {relative_error.max():.2e}, pixel {np.argmax(relative_error)}"


def test_metric_depth_equals_the_distance_to_a_plane_facing_the_camera():
    with World() as world:
        _wall(world, x=3.0)  # its face is at x = 2.95
        camera = Camera(world, eye=(0, 0, 0), target=(1, 0, 0), intrinsics=SMALL, near=0.1, far=10.0, ideal=True)
        frame = camera.render()
    np.testing.assert_allclose(frame.depth, 2.95, atol=2e-3)


def test_metric_depth_formula_ends():
    assert metric_depth(np.array(0.0), 0.1, 10.0) == pytest.approx(0.1)
    assert metric_depth(np.array(1.0), 0.1, 10.0) == pytest.approx(10.0)


def test_depth_noise_grows_with_distance_like_the_kinect_model():
    rng = np.random.default_rng(0)
    noise = CameraNoise(dropout_probability=0.0, max_range=10.0)
    for z in (1.0, 4.0):
        readings = noise.depth(np.full(20000, z), rng)
        assert readings.std() == pytest.approx(0.0012 + 0.0019 * (z - 0.4) ** 2, rel=0.05)
    assert np.isnan(noise.depth(np.array([0.1, 12.0, np.inf]), rng)).all()  # out of range: no return


@pytest.mark.parametrize("p", [0.01, 0.3, 0.9])
def test_depth_dropout_fraction_is_the_probability_asked_for(p):
    """Each pixel drops on its own: the dropped count is Binomial(n, p), so within 5 sigma of n p."""
    n = 200 * 300
    noise = CameraNoise(dropout_probability=p, max_range=10.0)
    dropped = np.isnan(noise.depth(np.full((200, 300), 2.0), np.random.default_rng(3))).sum()
    assert abs(dropped - n * p) <= 5 * math.sqrt(n * p * (1 - p))


def test_shot_noise_variance_equals_the_electron_count():
    rng = np.random.default_rng(1)
    noise = CameraNoise(full_well=10000.0, read_noise=0.0)
    grey = np.full((200, 200, 3), 100, dtype=np.uint8)
    electrons = noise.photometric(grey, rng).astype(float) * 10000 / 255
    expected_sigma = math.sqrt(100 * 10000 / 255)  # sqrt(N) electrons
    assert electrons.std() == pytest.approx(expected_sigma, rel=0.1)


def test_image_distortion_moves_pixels_as_the_lens_moves_points_and_undistortion_brings_them_back():
    i = CameraIntrinsics(120, 90, 70.0)
    lens = BrownConrady(k1=-0.3, k2=0.05)
    image = np.zeros((90, 120), dtype=np.int32)
    image[20, 100] = 7  # one marked pixel, centre at (100.5, 20.5)
    distorted = distort_image(image, i, lens, bilinear=False, fill=-1)
    rows, cols = np.nonzero(distorted == 7)
    x, y = i.to_normalized(100.5, 20.5)
    expected = i.to_pixels(*lens.distort(x, y))
    assert abs(cols.mean() + 0.5 - expected[0]) <= 1.0 and abs(rows.mean() + 0.5 - expected[1]) <= 1.0
    back = undistort_image(distorted, i, lens, bilinear=False, fill=-1)
    rows, cols = np.nonzero(back == 7)
    assert abs(cols.mean() - 100) <= 1.0 and abs(rows.mean() - 20) <= 1.0


def test_bilinear_distortion_of_a_linear_ramp_equals_the_ramp_at_the_undistorted_source_point():
    """Bilinear interpolation is exact on a linear image, so each output pixel must equal a u + b v evaluated where
    the lens model says its light comes from (undistort its own pixel centre)."""
    i = CameraIntrinsics(120, 90, 70.0)
    lens = BrownConrady(k1=-0.2, k2=0.05, p1=0.002, p2=-0.001)
    u, v = i.pixel_grid()
    ramp = (0.7 * u + 1.3 * v).astype(np.float32)  # value at pixel centre (u, v)
    out = distort_image(ramp, i, lens, fill=np.nan)
    su, sv = i.to_pixels(*lens.undistort(*i.to_normalized(u, v)))
    inside = (su > 1) & (su < i.width - 1) & (sv > 1) & (sv < i.height - 1)
    assert inside.mean() > 0.5
    np.testing.assert_allclose(out[inside], (0.7 * su + 1.3 * sv)[inside], atol=2e-3)


def test_camera_same_seed_same_frame_different_seed_different_noise():
    with World() as world:
        _wall(world, x=3.0)
        frames = [Camera(world, eye=(0, 0, 0), target=(1, 0, 0), intrinsics=SMALL, seed=s).capture() for s in (4, 4, 5)]
    np.testing.assert_array_equal(frames[0].rgb, frames[1].rgb)
    np.testing.assert_array_equal(frames[0].depth, frames[1].depth)
    assert not np.array_equal(frames[0].rgb, frames[2].rgb)
    assert frames[0].arrival == pytest.approx(frames[0].time + CameraNoise().latency)


def test_noise_drawn_ahead_in_the_background_is_the_noise_drawn_on_the_spot():
    """The camera draws each frame's noise while pybullet renders; the frames must equal draws made on the spot from
    the same generator, in the same order, and a reseed must restart them."""
    with World() as world:
        _wall(world, x=3.0)
        pose = {"eye": (0, 0, 0), "target": (1, 0, 0), "intrinsics": SMALL}
        ideal = Camera(world, **pose, ideal=True).render()
        camera = Camera(world, **pose, seed=3)
        frames = [camera.corrupt(ideal) for _ in range(3)]
        camera.reseed(3)
        again = camera.corrupt(ideal)
        camera.close()
    rng, noise = np.random.default_rng(3), CameraNoise()
    for frame in frames:
        np.testing.assert_array_equal(frame.rgb, noise.photometric(ideal.rgb, rng))
        np.testing.assert_array_equal(frame.depth, noise.depth(ideal.depth, rng))
    assert not np.array_equal(frames[0].rgb, frames[1].rgb)
    np.testing.assert_array_equal(again.rgb, frames[0].rgb)
    np.testing.assert_array_equal(again.depth, frames[0].depth)


def test_camera_noise_per_pixel_has_the_shot_read_and_depth_statistics_and_the_dropout_fraction():
    """Many frames of one flat scene through ``Camera.corrupt``: each pixel's spread over the frames is
    sqrt(mean gain + (read gain)^2) in 8-bit units (plus 1/12 DN^2 of rounding), depth's is a + b (z - c)^2, and
    the dropped fraction is p (Binomial: within 5 sigma)."""
    h, w, frames, p = 60, 80, 200, 0.05
    rgb = np.full((h, w, 3), 40, dtype=np.uint8)
    rgb[:, w // 2 :] = 200
    depth = np.full((h, w), 1.0)
    depth[:, w // 2 :] = 5.0
    ideal = CameraFrame(rgb, depth, np.zeros((h, w), dtype=np.int32), 0.0, 0.0)
    noise = CameraNoise(full_well=10000.0, read_noise=30.0, dropout_probability=p)
    with World() as world, Camera(world, intrinsics=CameraIntrinsics(w, h), noise=noise, seed=11) as camera:
        shots = [camera.corrupt(ideal) for _ in range(frames)]
    images = np.stack([s.rgb for s in shots]).astype(float)
    depths = np.stack([s.depth for s in shots])
    gain = 255 / 10000.0
    for cols, value, z in ((slice(0, w // 2), 40, 1.0), (slice(w // 2, w), 200, 5.0)):
        per_pixel_var = images[:, :, cols].var(axis=0, ddof=1)
        assert per_pixel_var.mean() == pytest.approx(value * gain + (30 * gain) ** 2 + 1 / 12, rel=0.03)
        assert images[:, :, cols].mean() == pytest.approx(value, abs=0.05)
        per_pixel_std = np.nanstd(depths[:, :, cols], axis=0, ddof=1)
        assert per_pixel_std.mean() == pytest.approx(0.0012 + 0.0019 * (z - 0.4) ** 2, rel=0.03)
    n = depths.size
    assert abs(np.isnan(depths).sum() - n * p) <= 5 * math.sqrt(n * p * (1 - p))


def _noise_threads() -> set[threading.Thread]:
    return {t for t in threading.enumerate() if t.name.startswith("camera-noise")}


def test_the_background_noise_thread_stops_with_close_context_exit_and_garbage_collection():
    with World() as world:
        before = _noise_threads()
        with Camera(world, intrinsics=SMALL) as camera:
            camera.capture()
            started = _noise_threads() - before
            assert len(started) == 1  # one thread per camera, started by the first noisy frame
        assert not any(t.is_alive() for t in started)
        camera = Camera(world, intrinsics=SMALL)
        camera.capture()
        started = _noise_threads() - before
        del camera
        gc.collect()
        deadline = time.monotonic() + 5.0
        while any(t.is_alive() for t in started) and time.monotonic() < deadline:
            time.sleep(0.01)
        assert started and not any(t.is_alive() for t in started)
        Camera(world, intrinsics=SMALL, ideal=True).capture()
        assert not _noise_threads() - before  # an ideal camera draws nothing and starts no thread


@pytest.mark.parametrize(
    "make, match",
    [
        (lambda: CameraIntrinsics(0, 240), "width"),
        (lambda: CameraIntrinsics(320, 240, 0.0), "fov_deg"),
        (lambda: CameraNoise(read_noise=-1.0), "read_noise"),
        (lambda: CameraNoise(dropout_probability=1.5), "dropout_probability"),
        (lambda: BrownConrady(k1=float("nan")), "k1"),
        (lambda: BeamModel(z_hit=0.5), "must be 1"),
        (lambda: BeamModel(sigma_hit=-0.1), "sigma_hit"),
        (lambda: scan_pattern_2d(0), "beams"),
    ],
)
def test_bad_camera_and_lidar_parameters_are_refused(make, match):
    with pytest.raises(ValueError, match=match):
        make()


def test_lidar_range_to_a_known_wall():
    with World() as world:
        _wall(world, x=3.0)
        lidar = Lidar(world, scan_pattern_2d(360), position=(0, 0, 1.0), max_range=10.0, ideal=True)
        scan = lidar.scan()
    angles = np.arctan2(scan.directions[:, 1], scan.directions[:, 0])
    facing = np.abs(angles) < np.radians(55)  # the 10 m wide wall spans +-59 degrees
    np.testing.assert_allclose(scan.ranges[facing], 2.95 / np.cos(angles[facing]), rtol=1e-6)
    assert np.all(np.isposinf(scan.ranges[np.abs(angles) > np.radians(100)]))  # nothing behind: no echo, +inf
    assert np.all(np.isposinf(scan.true_ranges[np.abs(angles) > np.radians(100)]))
    np.testing.assert_allclose(scan.points[facing][:, 0], 2.95, atol=1e-6)


def test_lidar_casts_more_rays_than_pybullet_allows_in_one_call():
    pattern = scan_pattern_3d(1100, 16)  # 17600 rays
    assert len(pattern) > MAX_RAYS_PER_CALL
    with World() as world:
        _wall(world, x=3.0)
        scan = Lidar(world, pattern, position=(0, 0, 0), ideal=True).scan()
    front = pattern[:, 0] > 0.9
    assert np.all(scan.hit_body[front] >= 0), "every forward ray, in both batches, must hit the wall"
    np.testing.assert_allclose(scan.points[front][:, 0], 2.95, atol=1e-6)


def test_beam_model_mixture_has_its_weights_and_its_hit_noise():
    model = BeamModel(z_hit=0.7, z_short=0.1, z_max=0.1, z_rand=0.1, sigma_hit=0.05, lambda_short=0.5)
    readings = model.sample(np.full(40000, 4.0), 10.0, np.random.default_rng(0))
    assert np.mean(np.isposinf(readings)) == pytest.approx(0.1, abs=0.01)  # the max component: no echo
    near_truth = np.abs(readings - 4.0) < 0.2
    # hits fall within 4 sigma; a short or random reading lands there only by chance (small)
    assert np.mean(near_truth) == pytest.approx(0.7, abs=0.03)
    assert np.std(readings[near_truth]) == pytest.approx(0.05, rel=0.1)
    z = np.linspace(0, 10.0, 200001)
    density = model.likelihood(z, 4.0, 10.0)
    assert np.trapezoid(density, z) == pytest.approx(1.0, abs=0.01)


def test_lidar_readings_nearer_than_min_range_are_minus_inf_not_an_obstacle_at_min_range():
    """REP 117: a reading too close to measure is -inf. Short readings (truncated exponential, rate 20/m) fall
    below 5 cm with probability (1 - exp(-20 * 0.05)) / (1 - exp(-20 * 3)) = 63 %; none may read 0.05 m."""
    model = BeamModel(z_hit=0.0, z_short=1.0, z_max=0.0, z_rand=0.0, lambda_short=20.0)
    with World() as world:
        _wall(world, x=3.05)  # face at 3.0 m
        lidar = Lidar(world, scan_pattern_2d(2000, 60.0), position=(0, 0, 1), min_range=0.05, beam_model=model)
        scan = lidar.scan()
    too_close = np.isneginf(scan.ranges)
    assert too_close.mean() == pytest.approx(1 - math.exp(-1.0), abs=0.05)
    finite = scan.ranges[np.isfinite(scan.ranges)]
    assert np.all((finite >= 0.05) & (finite < 10.0)) and not np.any(finite == 0.05)
    assert not np.any(np.isposinf(scan.ranges) | np.isnan(scan.ranges))  # every beam hit the wall
    assert np.all(np.isnan(scan.points[too_close]))  # no point is invented at the scanner


def test_lidar_sees_an_object_inside_its_minimum_range_as_too_close():
    """A post 3 cm in front of the scanner: the rays start at the scanner, so they find it (true range 0.03 m),
    and the scanner reports -inf for it, not nothing behind it and not an obstacle at 5 cm."""
    with World() as world:
        c = world.client
        post = c.createCollisionShape(c.GEOM_BOX, halfExtents=[0.01, 0.05, 0.5])
        c.createMultiBody(0, post, basePosition=[0.04, 0, 1])  # near face at x = 0.03
        _wall(world, x=3.05)
        scan = Lidar(world, scan_pattern_2d(360), position=(0, 0, 1), min_range=0.05, ideal=True).scan()
    ahead = np.abs(np.arctan2(scan.directions[:, 1], scan.directions[:, 0])) < np.radians(5)
    np.testing.assert_allclose(scan.true_ranges[ahead], 0.03 / scan.directions[ahead, 0], rtol=1e-6)
    assert np.all(np.isneginf(scan.ranges[ahead]))


def test_lidar_keeps_no_echo_apart_from_a_return_just_inside_max_range():
    """A wall at 9.95 m with a 10 m scanner: its returns are finite, and beams that see nothing are +inf; the
    beam model's max readings are +inf too, never a number at or beyond max range."""
    model = BeamModel(z_hit=0.5, z_short=0.0, z_max=0.5, z_rand=0.0, sigma_hit=0.01)
    with World() as world:
        _wall(world, x=10.0)  # face at 9.95 m
        ideal = Lidar(world, scan_pattern_2d(360), position=(0, 0, 1), max_range=10.0, ideal=True).scan()
        noisy = Lidar(world, scan_pattern_2d(360), position=(0, 0, 1), max_range=10.0, beam_model=model).scan()
    ahead = np.abs(np.arctan2(ideal.directions[:, 1], ideal.directions[:, 0])) < np.radians(3)
    np.testing.assert_allclose(ideal.ranges[ahead], 9.95 / ideal.directions[ahead, 0], rtol=1e-6)
    assert np.all(np.isposinf(ideal.ranges[~ahead & (ideal.directions[:, 0] < 0.9)]))
    finite = noisy.ranges[np.isfinite(noisy.ranges)]
    assert finite.size and np.all(finite < 10.0)
    assert np.isposinf(noisy.ranges).mean() > 0.5  # the max half, and every beam that misses the wall


def test_beam_model_weighs_no_echo_as_the_max_range_reading_and_refuses_to_weigh_invalid_ones():
    model = BeamModel()
    p = model.likelihood(np.array([np.inf, 10.0, -np.inf, np.nan, 3.0]), 3.0, 10.0)
    assert p[0] == p[1] > 0 and np.isnan(p[2]) and np.isnan(p[3]) and p[4] > 0
    assert model.likelihood(np.array([10.0]), np.inf, 10.0) == model.likelihood(np.array([10.0]), 10.0, 10.0)
    with pytest.raises(ValueError, match="NaN"):
        model.sample(np.array([1.0, np.nan]), 10.0, np.random.default_rng(0))


def test_lidar_dropouts_and_seeds():
    model = BeamModel(dropout_probability=0.2)
    with World() as world:
        _wall(world, x=3.0)
        scans = [Lidar(world, position=(0, 0, 1), beam_model=model, seed=s).scan() for s in (1, 1, 2)]
    assert np.isnan(scans[0].ranges).mean() == pytest.approx(0.2, abs=0.06)
    np.testing.assert_array_equal(scans[0].ranges, scans[1].ranges)
    assert not np.array_equal(np.nan_to_num(scans[0].ranges), np.nan_to_num(scans[2].ranges))


def test_camera_frames_arrive_after_their_latency():
    with World(time_step=1 / 240) as world:
        _wall(world, x=3.0)
        camera = Camera(
            world, eye=(0, 0, 0), target=(1, 0, 0), intrinsics=SMALL, rate_hz=30, noise=CameraNoise(latency=0.05)
        )
        arrivals = []
        for _ in range(240):
            world.step()
            frame = camera.poll()
            if frame is not None:
                arrivals.append((world.time, frame.time))
    assert len(arrivals) == 28  # frames taken at k/30 s arrive by t = 1 s only if k/30 + 0.05 <= 1: k <= 28
    for now, taken in arrivals:
        assert 0.05 - 1e-9 <= now - taken < 0.05 + 1 / 240


def test_a_lidar_keeps_its_own_copies_of_its_pattern_position_and_beams():
    """The scanner held the caller's arrays and handed out its own: changing the pattern or position array after
    making the LIDAR, or a scan's directions, silently moved or turned the next scans' rays."""
    with World() as world:
        _wall(world, x=3.0)
        pattern, position = scan_pattern_2d(8), np.array([0.0, 0.0, 1.0])
        lidar = Lidar(world, pattern, position=position, max_range=10.0, ideal=True)
        first = lidar.scan()
        pattern[:] = (0.0, 0.0, 1.0)  # the caller reuses its arrays
        position[0] = 2.5
        first.directions[:] = 0.0
        lidar.move_to(lidar.position, 0.0)
        second = lidar.scan()
    np.testing.assert_array_equal(second.ranges, first.ranges)
    np.testing.assert_array_equal(second.directions, scan_pattern_2d(8))
    np.testing.assert_array_equal(second.origin, [0.0, 0.0, 1.0])


def test_a_camera_keeps_its_own_copy_of_where_it_stands():
    with World() as world:
        eye = np.array([2.0, 0.0, 1.0])
        camera = Camera(world, eye=eye, intrinsics=SMALL, ideal=True)
        eye[0] = 5.0
        np.testing.assert_array_equal(camera.eye, [2.0, 0.0, 1.0])  # the view matrix was made from this eye


@pytest.mark.parametrize("pattern", [np.ones((5, 2)), np.ones((2, 3, 3)), "ring"])
def test_a_lidar_pattern_of_the_wrong_shape_is_refused_by_name(pattern):
    with World() as world:
        with pytest.raises((ValueError, TypeError), match=r"pattern must be unit direction vectors"):
            Lidar(world, pattern)
