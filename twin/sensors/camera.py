"""A camera: RGB, depth and segmentation images from pybullet's headless renderer, with a real lens and sensor.

The pieces, each usable on its own:

- ``CameraIntrinsics``: the pinhole model. A point (x, y, z) in the camera frame (x right, y down, z forward,
  OpenCV's convention) lands on pixel u = fx x / z + cx, v = fy y / z + cy. pybullet's field of view is vertical,
  so fy = height / (2 tan(fov / 2)); pixels are square, so fx = fy. Pixel (i, j) (column i, row j) covers
  u in [i, i + 1), v in [j, j + 1): its centre is (i + 0.5, j + 0.5), and cx, cy = width / 2, height / 2 is the
  image centre. (OpenCV puts pixel centres on whole numbers: its cx, cy for this camera are ours minus 0.5.)
- ``BrownConrady``: lens distortion with OpenCV's coefficients (k1, k2, p1, p2, k3), applied to points
  (``distort``/``undistort``) and to whole images (``distort_image``/``undistort_image``).
- ``metric_depth``: pybullet's depth buffer d in 0..1 is non-linear; z = far near / (far - (far - near) d).
- ``CameraNoise``: photon shot noise and read noise (in electrons, as on a datasheet), exposure and saturation,
  a depth error that grows with distance (Kinect-style sigma_z = a + b (z - c)^2), invalid pixels and dropouts,
  and latency (when the frame reaches the twin).
- ``Camera``: all of it, placed in a ``World`` and sampled at a rate on the simulation clock. Its rendered
  images follow ``CameraIntrinsics`` exactly: each pixel's colour and depth are those of the ray through its
  centre (see ``pixel_centre_projection``).
"""

from __future__ import annotations

import functools
import math
import os
import threading
import weakref
from collections import deque
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

import numpy as np
import scipy.sparse

from twin.core.checks import check_number
from twin.sensors._common import (
    SensorBase,
    check_non_negative,
    check_positive,
    check_probability,
    check_vector3,
    warn_if_milliseconds,
    warn_if_radians,
)

if TYPE_CHECKING:
    from twin.sim.world import World


# -- the pinhole ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class CameraIntrinsics:
    """Pinhole intrinsics from an image size (pixels) and a vertical field of view (degrees)."""

    width: int = 320
    height: int = 240
    fov_deg: float = 60.0

    def __post_init__(self) -> None:
        for name in ("width", "height"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int | np.integer) or not 1 <= value <= 4096:
                raise ValueError(f"{name}={value!r} must be a whole number of pixels in 1..4096, e.g. 320 x 240.")
        fov = self.fov_deg
        if isinstance(fov, bool) or not isinstance(fov, int | float | np.integer | np.floating):
            raise TypeError(f"fov_deg must be a number of degrees, e.g. 60, got {type(fov).__name__} {fov!r}.")
        if not 1.0 <= fov <= 170.0:  # NaN fails this too
            raise ValueError(f"fov_deg={fov!r} must be a vertical field of view in 1..170 degrees, e.g. 60.")
        warn_if_radians("fov_deg", float(fov), math.pi, "fov_deg=60", stacklevel=4)  # np.pi / 3: a 1-degree telescope

    @property
    def fy(self) -> float:
        """Focal length in pixels, vertical: height / (2 tan(fov / 2))."""
        return self.height / (2.0 * math.tan(math.radians(self.fov_deg) / 2.0))

    @property
    def fx(self) -> float:
        """Focal length in pixels, horizontal (square pixels: equal to fy)."""
        return self.fy

    @property
    def cx(self) -> float:
        """Principal point, horizontal (pixels): the image centre, width / 2 (pixel i covers u in [i, i + 1))."""
        return self.width / 2.0

    @property
    def cy(self) -> float:
        """Principal point, vertical (pixels): the image centre, height / 2 (pixel row j covers v in [j, j + 1))."""
        return self.height / 2.0

    @property
    def aspect(self) -> float:
        return self.width / self.height

    @property
    def matrix(self) -> np.ndarray:
        """The 3x3 camera matrix K = [[fx, 0, cx], [0, fy, cy], [0, 0, 1]]."""
        return np.array([[self.fx, 0.0, self.cx], [0.0, self.fy, self.cy], [0.0, 0.0, 1.0]])

    def pixel_grid(self) -> tuple[np.ndarray, np.ndarray]:
        """u, v (each (H, W)) of every pixel centre."""
        return np.meshgrid(np.arange(self.width) + 0.5, np.arange(self.height) + 0.5)

    def to_normalized(self, u: np.ndarray, v: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Pixel coordinates to normalised image coordinates x/z, y/z."""
        return (np.asarray(u) - self.cx) / self.fx, (np.asarray(v) - self.cy) / self.fy

    def to_pixels(self, x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Normalised image coordinates to pixel coordinates."""
        return self.fx * np.asarray(x) + self.cx, self.fy * np.asarray(y) + self.cy


# -- the lens ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class BrownConrady:
    """Brown–Conrady lens distortion, OpenCV's ``distCoeffs = (k1, k2, p1, p2, k3)``.

    On normalised coordinates (x, y), with r^2 = x^2 + y^2::

        radial = 1 + k1 r^2 + k2 r^4 + k3 r^6
        x_d = x radial + 2 p1 x y + p2 (r^2 + 2 x^2)
        y_d = y radial + p1 (r^2 + 2 y^2) + 2 p2 x y

    k1 < 0 gives barrel distortion (straight lines bow outwards, wide-angle lenses), k1 > 0 pincushion.
    """

    k1: float = 0.0
    k2: float = 0.0
    p1: float = 0.0
    p2: float = 0.0
    k3: float = 0.0

    def __post_init__(self) -> None:
        for name in ("k1", "k2", "p1", "p2", "k3"):
            check_number(name, getattr(self, name), "(distortion coefficient)", low=-10, high=10, hint="typical 0..0.5")

    @property
    def is_identity(self) -> bool:
        return not any((self.k1, self.k2, self.p1, self.p2, self.k3))

    def distort(self, x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Ideal normalised coordinates to where the lens really puts them."""
        x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
        r2 = x * x + y * y
        radial = 1.0 + r2 * (self.k1 + r2 * (self.k2 + r2 * self.k3))
        xd = x * radial + 2.0 * self.p1 * x * y + self.p2 * (r2 + 2.0 * x * x)
        yd = y * radial + self.p1 * (r2 + 2.0 * y * y) + 2.0 * self.p2 * x * y
        return xd, yd

    def undistort(self, xd: np.ndarray, yd: np.ndarray, iterations: int = 20) -> tuple[np.ndarray, np.ndarray]:
        """Invert ``distort`` by fixed-point iteration (as OpenCV's ``undistortPoints`` does)."""
        xd, yd = np.asarray(xd, dtype=float), np.asarray(yd, dtype=float)
        x, y = xd.copy(), yd.copy()
        for _ in range(iterations):
            r2 = x * x + y * y
            radial = 1.0 + r2 * (self.k1 + r2 * (self.k2 + r2 * self.k3))
            dx = 2.0 * self.p1 * x * y + self.p2 * (r2 + 2.0 * x * x)
            dy = self.p1 * (r2 + 2.0 * y * y) + 2.0 * self.p2 * x * y
            x, y = (xd - dx) / radial, (yd - dy) / radial
        return x, y


def project_points(
    points_camera: np.ndarray, intrinsics: CameraIntrinsics, distortion: BrownConrady | None = None
) -> np.ndarray:
    """Pixel coordinates (n, 2) of points (n, 3) given in the camera frame (x right, y down, z forward, m).

    Points behind the camera (z <= 0) come out as NaN.
    """
    p = np.asarray(points_camera, dtype=float).reshape(-1, 3)
    z = np.where(p[:, 2] > 0, p[:, 2], np.nan)
    x, y = p[:, 0] / z, p[:, 1] / z
    if distortion is not None:
        x, y = distortion.distort(x, y)
    u, v = intrinsics.to_pixels(x, y)
    return np.stack([u, v], axis=1)


@dataclass(frozen=True)
class _RemapTable:
    """For each output pixel: where it samples the input image, as bilinear weights and as the nearest pixel.

    ``matrix`` holds the bilinear weights as a sparse (H*W, H*W) matrix (four non-zeros a row, none for output
    pixels that see nothing), so that remapping one channel is one sparse product, much cheaper than four
    gathers and blends in numpy.
    """

    nearest: np.ndarray  # (H*W,) flat index of the closest input pixel; H*W (one past the end) where outside
    outside: np.ndarray  # (H*W,) True where the output pixel sees nothing of the input
    matrix: scipy.sparse.csr_matrix  # (H*W, H*W) float32 bilinear weights, rows summing to 1 (0 where outside)


@functools.lru_cache(maxsize=16)
def _remap_table(intrinsics: CameraIntrinsics, distortion: BrownConrady, direction: str) -> _RemapTable:
    """Where each output pixel samples the input image; computed once per camera and lens."""
    w, h = intrinsics.width, intrinsics.height
    u, v = intrinsics.pixel_grid()
    x, y = intrinsics.to_normalized(u, v)
    # to make a distorted image, each distorted pixel looks up the ideal ray it sees: undistort its coordinates
    x, y = distortion.undistort(x, y) if direction == "distort" else distortion.distort(x, y)
    su, sv = intrinsics.to_pixels(x, y)
    fu, fv = (su - 0.5).ravel(), (sv - 0.5).ravel()  # from pixel-centre coordinates to array indices
    outside = ~((fu > -0.5) & (fu < w - 0.5) & (fv > -0.5) & (fv < h - 0.5))
    fu, fv = np.clip(fu, 0.0, w - 1.0), np.clip(fv, 0.0, h - 1.0)
    u0 = np.minimum(np.floor(fu).astype(np.intp), max(w - 2, 0))
    v0 = np.minimum(np.floor(fv).astype(np.intp), max(h - 2, 0))
    u1, v1 = np.minimum(u0 + 1, w - 1), np.minimum(v0 + 1, h - 1)
    a, b = fu - u0, fv - v0
    corners = np.stack([v0 * w + u0, v0 * w + u1, v1 * w + u0, v1 * w + u1], axis=1)  # (H*W, 4)
    weights = np.stack([(1 - a) * (1 - b), a * (1 - b), (1 - a) * b, a * b], axis=1).astype(np.float32)
    n = w * h
    nearest = np.where(outside, n, np.rint(fv).astype(np.intp) * w + np.rint(fu).astype(np.intp))
    inside = ~outside
    rows = np.concatenate([[0], np.cumsum(4 * inside)])  # outside rows are empty: they sample nothing
    matrix = scipy.sparse.csr_matrix(
        (weights[inside].ravel(), corners[inside].ravel(), rows), shape=(n, n), dtype=np.float32
    )
    return _RemapTable(nearest, outside, matrix)


def _remap(image: np.ndarray, table: _RemapTable, bilinear: bool, fill: float, keep_float: bool = False) -> np.ndarray:
    """``image`` resampled through ``table``; ``keep_float`` returns a bilinear uint8 remap as float32 (no rounding)."""
    flat = image.reshape(image.shape[0] * image.shape[1], -1)
    if bilinear:
        out = np.empty(flat.shape, np.float32)
        for k in range(flat.shape[1]):  # one sparse product per channel (a contiguous vector: the fastest)
            out[:, k] = table.matrix @ flat[:, k].astype(np.float32)
        if fill:
            out[table.outside] = fill
        if image.dtype == np.uint8 and not keep_float:
            out = np.clip(out + 0.5, 0, 255).astype(np.uint8)
    else:  # one gather; the outside pixels take the extra last entry, ``fill``
        padded = np.concatenate([flat, np.full((1, flat.shape[1]), fill, dtype=flat.dtype)])
        out = np.take(padded, table.nearest, axis=0)
    return out.reshape(image.shape)


def _image_of(name: str, image: object, intrinsics: CameraIntrinsics) -> np.ndarray:
    """``image`` as an array of ``intrinsics``' size (H, W) or (H, W, channels), or an error naming both sizes."""
    array = np.asarray(image)
    size = (intrinsics.height, intrinsics.width)
    if array.ndim not in (2, 3) or array.shape[:2] != size:
        raise ValueError(
            f"{name} has shape {array.shape}, but the intrinsics are {intrinsics.width}x{intrinsics.height}: give an "
            f"image of shape {size} or {(*size, 3)}, or the intrinsics of the camera that took it."
        )
    return array


def distort_image(
    image: np.ndarray, intrinsics: CameraIntrinsics, distortion: BrownConrady, *, bilinear: bool = True, fill: float = 0
) -> np.ndarray:
    """What a lens with ``distortion`` makes of an ideal (pinhole) ``image``; areas the lens cannot see are ``fill``.

    Use ``bilinear=False`` for depth and segmentation images (never blend two objects' ids or depths).
    """
    image = _image_of("image", image, intrinsics)
    if distortion.is_identity:
        return image.copy()
    return _remap(image, _remap_table(intrinsics, distortion, "distort"), bilinear, fill)


def undistort_image(
    image: np.ndarray, intrinsics: CameraIntrinsics, distortion: BrownConrady, *, bilinear: bool = True, fill: float = 0
) -> np.ndarray:
    """Undo ``distortion``: the pinhole image a distorted ``image`` corresponds to (what calibration buys you)."""
    image = _image_of("image", image, intrinsics)
    if distortion.is_identity:
        return image.copy()
    return _remap(image, _remap_table(intrinsics, distortion, "undistort"), bilinear, fill)


# -- the renderer --------------------------------------------------------------------------------
def pixel_centre_projection(projection_matrix: object, width: int, height: int) -> list[float]:
    """An OpenGL projection matrix (16 floats, column-major, as pybullet takes it) shifted by half a pixel, so
    that pybullet's tiny renderer samples every pixel through its centre, as ``CameraIntrinsics`` says.

    The tiny renderer maps normalised device coordinates x_ndc in [-1, 1] to screen x_s = (x_ndc + 1) width / 2
    and colours pixel column i with what lies at x_s = i, the pixel's *corner*: column i shows u = i instead of
    i + 0.5. Its rows are flipped (screen y points up), so row j shows v = j + 1 instead of j + 0.5. Both are
    half a pixel in screen units, 1 / width and 1 / height in x_ndc and y_ndc: subtracting them (adding
    1 / width and 1 / height times z_eye, since w_clip = -z_eye) puts every sample at its pixel's centre. Depth
    (the third and fourth rows) is unchanged.
    """
    matrix = [float(value) for value in projection_matrix]  # type: ignore[attr-defined]
    if len(matrix) != 16:
        raise ValueError(f"projection_matrix must have 16 entries (4x4, column-major); got {len(matrix)}.")
    matrix[8] += 1.0 / width  # row 0, column 2: x_clip += z_eye / width
    matrix[9] += 1.0 / height  # row 1, column 2: y_clip += z_eye / height
    return matrix


# -- depth ---------------------------------------------------------------------------------------
def metric_depth(depth_buffer: np.ndarray, near: float, far: float) -> np.ndarray:
    """Depth along the optical axis (m) from pybullet's non-linear depth buffer (0 at near, 1 at far)."""
    d = np.asarray(depth_buffer, dtype=np.float64)
    return far * near / (far - (far - near) * d)


def kinect_depth_sigma(z: np.ndarray, a: float = 0.0012, b: float = 0.0019, c: float = 0.4) -> np.ndarray:
    """Axial depth noise (m) of a structured-light sensor at depth z (m): a + b (z - c)^2 (Nguyen et al. 2012)."""
    z = np.asarray(z)
    return a + b * (z - c) ** 2


# -- the sensor ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class CameraNoise:
    """The imperfections of a camera's sensor and of a depth sensor, with datasheet-style units.

    Attributes:
        full_well: electrons a pixel holds before it saturates (the brightest value, 255).
        read_noise: electrons of read-out noise per pixel (std).
        exposure: relative exposure (1 = the renderer's brightness; 2 = twice the light: brighter, saturates).
        depth_sigma_a, depth_sigma_b, depth_sigma_c: depth noise sigma_z = a + b (z - c)^2 in m.
        min_range, max_range: the depth sensor's working range (m); outside it, pixels are invalid (NaN).
        dropout_probability: fraction of depth pixels that return nothing (NaN) at random.
        latency: seconds between capture and the frame reaching the twin.
    """

    full_well: float = 10_000.0
    read_noise: float = 10.0
    exposure: float = 1.0
    depth_sigma_a: float = 0.0012
    depth_sigma_b: float = 0.0019
    depth_sigma_c: float = 0.4
    min_range: float = 0.3
    max_range: float = 8.0
    dropout_probability: float = 0.01
    latency: float = 0.03

    def __post_init__(self) -> None:
        check_positive("full_well", self.full_well, "electrons", "e.g. 10000")
        check_non_negative("read_noise", self.read_noise, "electrons")
        check_positive("exposure", self.exposure, "(relative)", "1 is nominal, 0.25 a quarter of the light")
        for name in ("depth_sigma_a", "depth_sigma_b", "depth_sigma_c", "min_range", "latency"):
            check_non_negative(name, getattr(self, name), "m" if name != "latency" else "s")
        check_positive("max_range", self.max_range, "m", "e.g. 8 m")
        if self.max_range <= self.min_range:
            raise ValueError(f"max_range={self.max_range} m must exceed min_range={self.min_range} m.")
        check_probability("dropout_probability", self.dropout_probability)
        warn_if_milliseconds("latency", self.latency, stacklevel=4)  # latency=30 (meant: 30 ms): frames 30 s late

    def with_changes(self, **changes: object) -> CameraNoise:
        return replace(self, **changes)  # type: ignore[arg-type]

    def photometric(self, rgb: np.ndarray, rng: np.random.Generator, normal: np.ndarray | None = None) -> np.ndarray:
        """A noisy 8-bit image: rendered values become electrons, get shot and read noise, saturate, quantise.

        ``rgb`` is the light reaching the sensor in 8-bit units (uint8, or float32 straight from the lens model).
        Shot noise is Poisson; with more than a few tens of electrons it is a Gaussian of variance equal to the
        count, which is what is drawn here (one draw per pixel for shot and read noise together). The arithmetic
        is done in 8-bit units (DN): mean = exposure * value, sigma = sqrt(electrons + read^2) * 255 / full_well.
        ``normal``: float32 standard normal draws shaped like ``rgb``, drawn beforehand (used up in place).
        """
        gain = np.float32(255.0 / self.full_well)  # DN per electron
        mean = np.multiply(rgb, np.float32(self.exposure), dtype=np.float32)  # a new float32 array
        # variance in DN^2: electrons * gain^2 + (read gain)^2 = mean * gain + (read gain)^2
        sigma = mean * gain
        sigma += np.float32((self.read_noise * gain) ** 2)
        np.sqrt(sigma, out=sigma)
        noise = rng.standard_normal(rgb.shape, dtype=np.float32) if normal is None else normal
        noise *= sigma
        noise += mean
        noise += np.float32(0.5)
        np.clip(noise, 0, 255.49, out=noise)  # saturation at the full well, and nothing below zero
        return noise.astype(np.uint8)  # + 0.5 then truncation: rounding to the nearest count

    def depth(
        self,
        z: np.ndarray,
        rng: np.random.Generator,
        normal: np.ndarray | None = None,
        uniform: np.ndarray | None = None,
    ) -> np.ndarray:
        """Noisy metric depth (m); NaN where the sensor returns nothing (out of range or dropped out).

        ``normal``, ``uniform``: float32 standard normal and uniform draws shaped like ``z``, drawn beforehand.
        """
        z = np.array(z, dtype=np.float32)  # a copy, noised in place
        invalid = ~((z >= self.min_range) & (z <= self.max_range))  # NaN and inf (no surface) included
        z[invalid] = np.nan  # before the arithmetic: inf - inf would warn
        a, b, c = (np.float32(v) for v in (self.depth_sigma_a, self.depth_sigma_b, self.depth_sigma_c))
        sigma = z - c  # sigma_z = a + b (z - c)^2, as kinect_depth_sigma, in float32 and in place
        sigma *= sigma
        sigma *= b
        sigma += a
        noise = rng.standard_normal(z.shape, dtype=np.float32) if normal is None else normal
        noise *= sigma
        noisy = z
        noisy += noise
        if self.dropout_probability > 0:
            # each pixel drops out on its own with probability p (a Bernoulli mask; picking pixels with
            # replacement would drop only 1 - exp(-p) of them)
            if uniform is None:
                uniform = rng.random(z.shape, dtype=np.float32)
            noisy[uniform < np.float32(self.dropout_probability)] = np.nan
        return noisy


def _frame_draws(
    rng: np.random.Generator, rgb_shape: tuple[int, ...], depth_shape: tuple[int, ...], dropout: bool
) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """A frame's random numbers, in the order ``photometric`` then ``depth`` draw them: the RGB and depth normals
    (one draw, split in two: the same numbers as two draws), then the depth dropouts' uniforms."""
    n = math.prod(rgb_shape)
    normal = rng.standard_normal(n + math.prod(depth_shape), dtype=np.float32)
    uniform = rng.random(depth_shape, dtype=np.float32) if dropout else None
    return normal[:n].reshape(rgb_shape), normal[n:].reshape(depth_shape), uniform


class _DrawAhead:
    """One background thread that draws the next frame's random numbers while pybullet renders it.

    pybullet holds the GIL while it renders, and numpy's generators release it while they fill a large array. So
    right after a frame is corrupted, ``start`` hands the next frame's draws to the thread and waits only until
    the thread has begun them; they then run on another core while the caller steps and renders, and the next
    frame collects them with ``take``. They come from the same generator in the same order as draws on the spot,
    so a seed gives the same frames with or without the thread. Draws for another generator (after a reseed) or
    other settings are thrown away and drawn again.
    """

    def __init__(self) -> None:
        self._pool: ThreadPoolExecutor | None = None
        self._pending: tuple[tuple, Future] | None = None  # (what was drawn for, the draws)

    def take(self, key: tuple) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
        """The draws for ``key`` = (generator, RGB shape, depth shape, dropout): those made ahead, or new ones."""
        pending, self._pending = self._pending, None
        if pending is not None:
            drawn_for, future = pending
            draws = future.result()
            if drawn_for == key:
                return draws
        return _frame_draws(*key)

    def start(self, key: tuple) -> None:
        """Begin the draws for ``key`` in the background thread (started on first use)."""
        if self._pool is None:
            self._pool = ThreadPoolExecutor(1, thread_name_prefix="camera-noise")
            self._pid = os.getpid()
        if os.getpid() != self._pid:  # a forked child has no thread: it draws on the spot
            return
        begun = threading.Event()

        def draw() -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
            begun.set()
            return _frame_draws(*key)

        self._pending = (key, self._pool.submit(draw))
        begun.wait()  # the GIL goes to the thread now, so that it is filling arrays before pybullet takes the GIL

    def close(self, wait: bool = True) -> None:
        """Stop the thread. Draws already begun are kept for the next frame, which stays the same as without a close."""
        if self._pool is not None:
            self._pool.shutdown(wait=wait)
        self._pool = None


@dataclass
class CameraFrame:
    """One frame. ``rgb`` (H, W, 3) uint8; ``depth`` (H, W) m along the optical axis, NaN = no return;
    ``segmentation`` (H, W) pybullet body id per pixel (-1 = nothing); ``time`` of capture and ``arrival`` at
    the twin (s, simulation clock)."""

    rgb: np.ndarray
    depth: np.ndarray
    segmentation: np.ndarray
    time: float
    arrival: float


class Camera(SensorBase):
    """A camera in a ``World``: where it stands, its lens and its sensor.

    Args:
        world: the world to look at.
        eye, target: camera position and the point it looks at (m, world frame); ``up`` is the world direction
            that appears up in the image.
        intrinsics: image size and field of view. distortion: the lens (default: none).
        noise: sensor imperfections (default ``CameraNoise()``). ideal: perfect pinhole images, no noise.
        near, far: clipping planes of the renderer (m). rate_hz: frames per second. seed: noise seed.

    A noisy camera draws the next frame's noise in a background thread (see ``_DrawAhead``): draw nothing from
    ``camera.rng`` yourself, and ``close()`` it (or use ``with``) to stop the thread; garbage collection does too.
    """

    def __init__(
        self,
        world: World,
        eye: object = (2.0, 0.0, 1.0),
        target: object = (0.0, 0.0, 0.5),
        up: object = (0.0, 0.0, 1.0),
        *,
        intrinsics: CameraIntrinsics | None = None,
        distortion: BrownConrady | None = None,
        noise: CameraNoise | None = None,
        near: float = 0.05,
        far: float = 20.0,
        rate_hz: float = 30.0,
        seed: int = 0,
        ideal: bool = False,
    ) -> None:
        super().__init__(rate_hz=rate_hz, seed=seed, ideal=ideal, world=world)
        self.world = world
        for name, value, kind, example in (
            ("intrinsics", intrinsics, CameraIntrinsics, "CameraIntrinsics(320, 240, 60.0)"),
            ("distortion", distortion, BrownConrady, "BrownConrady(k1=-0.2)"),
            ("noise", noise, CameraNoise, "CameraNoise(read_noise=5.0), or ideal=True for none"),
        ):  # noise=0 meant "no noise" and silently gave the default noise; a tuple failed later, unnamed
            if value is not None and not isinstance(value, kind):
                raise TypeError(
                    f"{name} must be a {kind.__name__} (or None for the default), e.g. {example}; got {value!r}."
                )
        self.intrinsics = intrinsics or CameraIntrinsics()
        self.distortion = distortion or BrownConrady()
        self.noise = noise or CameraNoise()
        self.near = check_positive("near", near, "m", "e.g. 0.05")
        self.far = check_positive("far", far, "m", "e.g. 20")
        if self.far <= self.near:
            raise ValueError(f"far={far} m must be larger than near={near} m.")
        self.look_at(eye, target, up)
        self._in_flight: deque[CameraFrame] = deque()  # captured, not yet delivered (latency)
        self._ahead = _DrawAhead()  # the next frame's noise, drawn while pybullet renders
        weakref.finalize(self, self._ahead.close, False)  # a camera collected without close() stops its thread

    def close(self) -> None:
        """Stop the thread that draws noise ahead (a later frame starts it again)."""
        self._ahead.close()

    def __enter__(self) -> Camera:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        i = self.intrinsics
        mode = "ideal" if self.ideal else "noisy"
        return f"Camera({i.width}x{i.height}, fov {i.fov_deg:g} deg, {self.rate_hz:g} Hz, eye={self.eye}, {mode})"

    def look_at(self, eye: object, target: object, up: object = (0.0, 0.0, 1.0)) -> None:
        """Place the camera at ``eye`` looking at ``target`` (m, world frame)."""
        self.eye = check_vector3("eye", eye)
        self.target = check_vector3("target", target)
        self.up = check_vector3("up", up, "any length")
        forward = self.target - self.eye
        if np.linalg.norm(forward) < 1e-9:
            raise ValueError("eye and target are the same point: the camera would look nowhere.")
        if np.linalg.norm(np.cross(forward, self.up)) < 1e-9:
            raise ValueError("up is parallel to the viewing direction; choose another up vector.")
        c = self.world.client
        self.view_matrix = c.computeViewMatrix(self.eye.tolist(), self.target.tolist(), self.up.tolist())
        i = self.intrinsics
        centred = c.computeProjectionMatrixFOV(i.fov_deg, i.aspect, self.near, self.far)
        # pixels sampled through their centres, as ``CameraIntrinsics`` has them (pybullet samples corner (i, j + 1))
        self.projection_matrix = pixel_centre_projection(centred, i.width, i.height)

    @property
    def world_from_camera(self) -> np.ndarray:
        """4x4 pose of the camera frame (x right, y down, z forward) in the world."""
        view = np.asarray(self.view_matrix).reshape(4, 4).T  # OpenGL: world -> eye, camera looks along -z
        camera_from_world = np.diag([1.0, -1.0, -1.0, 1.0]) @ view
        return np.linalg.inv(camera_from_world)

    def world_to_camera(self, points_world: np.ndarray) -> np.ndarray:
        """Points (n, 3) from the world frame into the camera frame (m)."""
        p = np.asarray(points_world, dtype=float).reshape(-1, 3)
        camera_from_world = np.linalg.inv(self.world_from_camera)
        return p @ camera_from_world[:3, :3].T + camera_from_world[:3, 3]

    def project(self, points_world: np.ndarray, distorted: bool = True) -> np.ndarray:
        """Pixel coordinates (n, 2) of world points, through the lens (``distorted``) or the ideal pinhole."""
        lens = self.distortion if distorted else None
        return project_points(self.world_to_camera(points_world), self.intrinsics, lens)

    def render(self) -> CameraFrame:
        """The ideal images (pinhole, no noise) of the world now, straight from pybullet's tiny renderer: pixel (i, j)
        shows what lies along the ray through its centre (u, v) = (i + 0.5, j + 0.5) of ``intrinsics``."""
        c = self.world.client
        i = self.intrinsics
        _, _, rgba, buffer, segmentation = c.getCameraImage(
            i.width, i.height, self.view_matrix, self.projection_matrix, renderer=c.ER_TINY_RENDERER
        )
        rgb = np.asarray(rgba, dtype=np.uint8).reshape(i.height, i.width, 4)[..., :3]
        depth = metric_depth(np.asarray(buffer, dtype=np.float32).reshape(i.height, i.width), self.near, self.far)
        seg = np.asarray(segmentation, dtype=np.int32).reshape(i.height, i.width)
        depth[seg < 0] = np.inf  # nothing there: the ray left through the far plane
        now = self.world.time
        return CameraFrame(rgb, depth, seg, now, now)

    def corrupt(self, frame: CameraFrame) -> CameraFrame:
        """What the real camera makes of an ideal ``frame``: lens distortion, then sensor noise, then latency."""
        if self.ideal:
            return frame
        i, d = self.intrinsics, self.distortion
        if d.is_identity:
            rgb, depth, seg = frame.rgb, frame.depth, frame.segmentation.copy()
        else:  # the lens's light goes to the sensor unrounded (float32); depth and ids are never blended
            table = _remap_table(i, d, "distort")
            rgb = _remap(frame.rgb, table, True, 0.0, keep_float=True)
            depth = _remap(frame.depth, table, False, np.nan)
            seg = _remap(frame.segmentation, table, False, -1)
        # the frame's random numbers were drawn while pybullet rendered it; the next frame's are started now
        key = (self.rng, rgb.shape, depth.shape, self.noise.dropout_probability > 0)
        rgb_normal, depth_normal, uniform = self._ahead.take(key)
        self._ahead.start(key)
        rgb = self.noise.photometric(rgb, self.rng, rgb_normal)
        depth = self.noise.depth(depth, self.rng, depth_normal, uniform)
        return CameraFrame(rgb, depth, seg, frame.time, frame.time + self.noise.latency)

    def capture(self) -> CameraFrame:
        """Render and corrupt one frame now (ignores the frame rate)."""
        return self.corrupt(self.render())

    def poll(self) -> CameraFrame | None:
        """Call after each ``world.step()``. Captures a frame when one is due at ``rate_hz`` and returns the newest
        frame that has *arrived* (capture time + latency <= now), once; None when nothing new has arrived."""
        if self.clock.due(self.world.time):
            self._in_flight.append(self.capture())
        now, arrived = self.world.time, None
        while self._in_flight and self._in_flight[0].arrival <= now + 1e-9:
            arrived = self._in_flight.popleft()
        return arrived

    def frustum_corners(self, distance: float = 0.5) -> np.ndarray:
        """The image's four corners (top-left, top-right, bottom-right, bottom-left) at ``distance`` m, world frame."""
        i = self.intrinsics
        u = np.array([0.0, i.width, i.width, 0.0])
        v = np.array([0.0, 0.0, i.height, i.height])
        x, y = i.to_normalized(u, v)
        corners = np.stack([x * distance, y * distance, np.full(4, float(distance))], axis=1)
        pose = self.world_from_camera
        return corners @ pose[:3, :3].T + pose[:3, 3]
