"""LIDAR: rays cast into the pybullet world in batches, and the beam model of what a real scanner reports.

A LIDAR sends laser beams in a fixed *scan pattern* and times their echoes. Here each beam is a ray cast with
``rayTestBatch`` (pybullet accepts at most 16383 rays per call, so larger patterns go in several calls). A real
return is imperfect; Thrun, Burgard and Fox (*Probabilistic Robotics*, ch. 6) model a reading as a mixture of

- *hit*: the true range plus Gaussian noise (sigma_hit, m);
- *short*: an unexpected object in front (dust, a person walking by): exponential with rate lambda_short, 1/m;
- *max*: no echo came back (black or shiny surfaces, glass): the reading is the maximum range;
- *random*: unexplained readings, uniform over the range;

with weights z_hit + z_short + z_max + z_rand = 1.

Readings that are not a range follow ROS REP 117 ("Informational Distance Measurements"), so that no invalid
reading can pass for an obstacle:

- ``-inf``: something is there, nearer than ``min_range``: too close to measure (it is *not* at ``min_range``);
- ``+inf``: no echo within ``max_range``: nothing hit, or an echo the scanner missed (the beam model's *max*
  readings); it is *not* an obstacle at ``max_range``, and stays distinct from a real return near it;
- ``NaN``: no valid reading at all (a dropped point).

Every finite reading lies in [min_range, max_range). ``np.isfinite`` picks the ranges; ``np.isposinf`` the
beams that saw nothing; ``np.isneginf`` the beams blocked right at the scanner.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

import numpy as np

from twin.sensors._common import (
    SensorBase,
    check_non_negative,
    check_positive,
    check_probability,
    check_vector3,
    warn_if_radians,
)

if TYPE_CHECKING:
    from twin.sim.world import World

MAX_RAYS_PER_CALL = 16383  # pybullet's limit: more rays in one rayTestBatch call silently return nothing


def scan_pattern_2d(beams: int = 360, field_of_view_deg: float = 360.0) -> np.ndarray:
    """Unit directions (beams, 3) of a planar scanner in its own frame (x forward, z up), spread evenly."""
    if isinstance(beams, bool) or not isinstance(beams, int | np.integer) or beams < 1:
        raise ValueError(f"beams={beams!r} must be a positive whole number, e.g. 360.")
    fov_deg = check_positive("field_of_view_deg", field_of_view_deg, "deg", "e.g. 270")
    warn_if_radians("field_of_view_deg", fov_deg, 2 * np.pi + 1e-9, "field_of_view_deg=360")  # 2 pi: 6.3 degrees
    fov = np.radians(fov_deg)
    if fov > 2 * np.pi + 1e-9:
        raise ValueError(f"field_of_view_deg={field_of_view_deg} cannot exceed 360.")
    if np.isclose(fov, 2 * np.pi):
        angles = np.arange(beams) * (2 * np.pi / beams) - np.pi
    else:
        angles = np.linspace(-fov / 2, fov / 2, beams)
    return np.stack([np.cos(angles), np.sin(angles), np.zeros(beams)], axis=1)


def scan_pattern_3d(
    beams_per_ring: int = 512, rings: int = 16, vertical_fov_deg: tuple[float, float] = (-15.0, 15.0)
) -> np.ndarray:
    """Unit directions (rings * beams_per_ring, 3) of a spinning multi-ring scanner (a Velodyne VLP-16 by default:
    16 rings from -15 to +15 degrees)."""
    if isinstance(rings, bool) or not isinstance(rings, int | np.integer) or rings < 1:
        raise ValueError(f"rings={rings!r} must be a positive whole number, e.g. 16.")
    if isinstance(beams_per_ring, bool) or not isinstance(beams_per_ring, int | np.integer) or beams_per_ring < 1:
        raise ValueError(f"beams_per_ring={beams_per_ring!r} must be a positive whole number, e.g. 512.")
    try:
        low, high = (float(a) for a in vertical_fov_deg)  # type: ignore[union-attr]
    except (TypeError, ValueError):
        raise ValueError(
            f"vertical_fov_deg={vertical_fov_deg!r} must be two angles (low, high) in degrees, e.g. (-15.0, 15.0)."
        ) from None
    if not -90 <= low <= high <= 90:
        raise ValueError(f"vertical_fov_deg={vertical_fov_deg!r} must be (low, high) degrees in -90..90, low <= high.")
    flat = scan_pattern_2d(beams_per_ring, 360.0)
    elevations = np.radians(np.linspace(low, high, rings))
    out = np.empty((rings, beams_per_ring, 3))
    for k, e in enumerate(elevations):
        out[k, :, :2] = flat[:, :2] * np.cos(e)
        out[k, :, 2] = np.sin(e)
    return out.reshape(-1, 3)


@dataclass(frozen=True)
class BeamModel:
    """Probabilistic Robotics' beam model: mixture weights, hit noise (m), short-reading rate (1/m), dropouts.

    ``dropout_probability`` marks readings as missing (NaN), like a driver that drops points; it is separate
    from ``z_max``, which a real scanner reports as a max-range value.
    """

    z_hit: float = 0.9
    z_short: float = 0.04
    z_max: float = 0.03
    z_rand: float = 0.03
    sigma_hit: float = 0.02
    lambda_short: float = 1.0
    dropout_probability: float = 0.0

    def __post_init__(self) -> None:
        weights = [check_non_negative(n, getattr(self, n), "(weight)") for n in ("z_hit", "z_short", "z_max", "z_rand")]
        if not np.isclose(sum(weights), 1.0, atol=1e-6):
            raise ValueError(
                f"z_hit + z_short + z_max + z_rand must be 1 (they are mixture weights); got {sum(weights):.4g}."
            )
        check_non_negative("sigma_hit", self.sigma_hit, "m")
        check_positive("lambda_short", self.lambda_short, "1/m", "e.g. 1.0")
        check_probability("dropout_probability", self.dropout_probability)

    def with_changes(self, **changes: object) -> BeamModel:
        return replace(self, **changes)  # type: ignore[arg-type]

    def sample(
        self, true_ranges: np.ndarray, max_range: float, rng: np.random.Generator, min_range: float = 0.0
    ) -> np.ndarray:
        """Noisy readings (m) for true ranges (m; ``inf`` or anything >= ``max_range``: nothing to hit).

        Readings follow REP 117 (see the module docstring): ``+inf`` for no echo (the *max* component, a beam
        with nothing to hit, a reading beyond ``max_range``), ``-inf`` for a reading nearer than ``min_range``
        (m), NaN for a dropout; every other reading is in [min_range, max_range).
        """
        z = np.asarray(true_ranges, dtype=float)
        if np.isnan(z).any():
            raise ValueError("true_ranges must not be NaN: use inf (or max_range) for a beam that hits nothing.")
        n = z.size
        component = rng.choice(4, size=z.shape, p=[self.z_hit, self.z_short, self.z_max, self.z_rand])
        hit = z + self.sigma_hit * rng.standard_normal(z.shape)  # inf stays inf: nothing there, no echo
        # an exponential truncated to [0, z] (to the scanner's reach when nothing is hit): inverse-CDF sampling
        u = rng.random(z.shape)
        reach = np.minimum(z, max_range)
        short = -np.log1p(-u * (1.0 - np.exp(-self.lambda_short * reach))) / self.lambda_short
        random = rng.random(z.shape) * max_range
        out = np.choose(component, [hit, short, np.full(z.shape, np.inf), random])
        out[out >= max_range] = np.inf  # beyond the scanner's reach: no echo, as REP 117 marks it
        out[out < min_range] = -np.inf  # too close to measure; includes hit noise below zero
        if self.dropout_probability > 0 and n:
            out[rng.random(z.shape) < self.dropout_probability] = np.nan
        return out

    def likelihood(self, z: np.ndarray, true_range: float, max_range: float, width: float = 0.01) -> np.ndarray:
        """p(z | true range): the mixture density (1/m) of a reading z, the max-range spike ``width`` m wide.

        A ``+inf`` reading (no echo, REP 117) is the textbook's max-range reading and is weighed as z = max_range;
        a true range of ``inf`` (nothing to hit) as true range max_range. ``-inf`` and NaN readings carry no range
        to weigh: their likelihood is NaN (skip those beams, as a particle filter does).
        """
        z = np.asarray(z, dtype=float)
        unweighable = np.isnan(z) | np.isneginf(z)
        z = np.where(np.isposinf(z), max_range, z)
        true_range = min(float(true_range), max_range)
        inside = (z >= 0) & (z <= max_range)
        if self.sigma_hit > 0:
            hit = np.exp(-0.5 * ((z - true_range) / self.sigma_hit) ** 2) / (self.sigma_hit * np.sqrt(2 * np.pi))
        else:
            hit = np.zeros_like(z)
        eta = 1.0 / (1.0 - np.exp(-self.lambda_short * true_range)) if true_range > 0 else 0.0
        short = np.where(z <= true_range, eta * self.lambda_short * np.exp(-self.lambda_short * z), 0.0)
        spike = np.where(z >= max_range - width, 1.0 / width, 0.0)
        rand = np.full_like(z, 1.0 / max_range)
        p = self.z_hit * hit + self.z_short * short + self.z_max * spike + self.z_rand * rand
        return np.where(unweighable, np.nan, np.where(inside, p, 0.0))


IDEAL_BEAMS = BeamModel(z_hit=1.0, z_short=0.0, z_max=0.0, z_rand=0.0, sigma_hit=0.0)


@dataclass
class LidarScan:
    """One scan. ``ranges`` (n,) m as reported, REP 117: -inf = nearer than ``min_range``, +inf = no echo within
    ``max_range``, NaN = dropped; ``true_ranges`` (n,) m, exact distance to the first surface (inf: none within
    ``max_range``); ``origin`` (3,) and ``directions`` (n, 3) in the world frame; ``hit_body`` (n,) pybullet body
    id or -1."""

    time: float
    origin: np.ndarray
    directions: np.ndarray
    ranges: np.ndarray
    true_ranges: np.ndarray
    hit_body: np.ndarray
    max_range: float
    min_range: float = 0.0

    @property
    def points(self) -> np.ndarray:
        """World points (n, 3) of the reported ranges; rows without a range (-inf, +inf, NaN) are NaN."""
        r = np.where(np.isfinite(self.ranges), self.ranges, np.nan)
        return self.origin + self.directions * r[:, None]

    @property
    def true_points(self) -> np.ndarray:
        """World points (n, 3) where the beams really hit; NaN rows for beams that hit nothing within max range."""
        r = np.where(np.isfinite(self.true_ranges), self.true_ranges, np.nan)
        return self.origin + self.directions * r[:, None]


def cast_rays(world: World, origins: np.ndarray, ends: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Hit fraction (n,) in 0..1 (1: no hit) and hit body id (n,) for rays from ``origins`` to ``ends`` (n, 3).

    Splits the rays into batches of at most ``MAX_RAYS_PER_CALL`` (pybullet's limit).
    """
    origins = np.ascontiguousarray(origins, dtype=np.float64).reshape(-1, 3)
    ends = np.ascontiguousarray(ends, dtype=np.float64).reshape(-1, 3)
    fraction = np.ones(len(ends))
    body = np.full(len(ends), -1, dtype=np.int64)
    ray_test = world.client.rayTestBatch
    for start in range(0, len(ends), MAX_RAYS_PER_CALL):
        stop = min(start + MAX_RAYS_PER_CALL, len(ends))
        results = ray_test(origins[start:stop], ends[start:stop])
        body[start:stop] = [r[0] for r in results]
        fraction[start:stop] = [r[2] for r in results]
    return fraction, body


def _pattern(pattern: object) -> np.ndarray:
    """A scan pattern as a new (n, 3) float array (the caller's array is copied: changing it later moves no beam)."""
    try:
        array = np.array(pattern, dtype=float)
    except (TypeError, ValueError):
        raise TypeError(f"pattern must be unit direction vectors (n, 3), got {type(pattern).__name__}.") from None
    if array.shape[-1:] != (3,) or array.ndim > 2:
        raise ValueError(
            f"pattern must be unit direction vectors of shape (n, 3), got shape {array.shape}; "
            "use scan_pattern_2d(360) or scan_pattern_3d()."
        )
    return array.reshape(-1, 3)


class Lidar(SensorBase):
    """A LIDAR standing in a ``World``: a scan pattern, a pose, a maximum range and a beam model.

    Args:
        world: the world to scan.
        pattern: unit directions (n, 3) in the scanner's frame (``scan_pattern_2d``/``scan_pattern_3d``).
        position: scanner origin (m, world). yaw: heading of the scanner's x axis (rad, about world z).
        max_range: m. min_range: m; a surface nearer than this reads -inf (too close to measure, REP 117).
        beam_model: error model (ignored when ``ideal``). rate_hz: scans per second. seed: noise seed.
    """

    def __init__(
        self,
        world: World,
        pattern: np.ndarray | None = None,
        position: object = (0.0, 0.0, 0.5),
        yaw: float = 0.0,
        *,
        max_range: float = 10.0,
        min_range: float = 0.05,
        beam_model: BeamModel | None = None,
        rate_hz: float = 10.0,
        seed: int = 0,
        ideal: bool = False,
    ) -> None:
        super().__init__(rate_hz=rate_hz, seed=seed, ideal=ideal, world=world)
        self.world = world
        self.pattern = scan_pattern_2d() if pattern is None else _pattern(pattern)
        norms = np.linalg.norm(self.pattern, axis=1)
        if self.pattern.size == 0 or not np.allclose(norms, 1.0, atol=1e-6):
            raise ValueError("pattern must be unit direction vectors (n, 3); use scan_pattern_2d or scan_pattern_3d.")
        self.max_range = check_positive("max_range", max_range, "m", "e.g. 10 m")
        self.min_range = check_non_negative("min_range", min_range, "m")
        if self.min_range >= self.max_range:
            raise ValueError(f"min_range={min_range} m must be smaller than max_range={max_range} m.")
        self.beam_model = beam_model or BeamModel()
        self.move_to(position, yaw)

    def __repr__(self) -> str:
        mode = "ideal" if self.ideal else "noisy"
        beams = len(self.pattern)
        return f"Lidar({beams} beams, max {self.max_range:g} m, {self.rate_hz:g} Hz, seed={self.seed}, {mode})"

    def move_to(self, position: object, yaw: float = 0.0) -> None:
        """Place the scanner (m, world) with its x axis turned ``yaw`` rad about world z."""
        self.position = check_vector3("position", position)
        if isinstance(yaw, bool) or not isinstance(yaw, int | float | np.integer | np.floating):
            raise TypeError(f"yaw must be a number of radians, e.g. 0.0 or np.pi / 2, got {type(yaw).__name__}.")
        if not np.isfinite(yaw):
            raise ValueError(f"yaw={yaw!r} rad must be finite: the heading of the scanner's x axis, e.g. 0.0.")
        self.yaw = float(yaw)
        c, s = np.cos(self.yaw), np.sin(self.yaw)
        rotation = np.array([[c, -s, 0.0], [s, c, 0.0], [0.0, 0.0, 1.0]])
        self.directions = self.pattern @ rotation.T

    def true_ranges(self) -> tuple[np.ndarray, np.ndarray]:
        """Exact ranges (m) from the scanner's origin to the first surface (inf where nothing is hit within
        ``max_range``, nearer than ``min_range`` included) and hit body ids of every beam now. Rays start at the
        origin; one that starts inside a body does not see that body (pybullet's rays do not hit from inside)."""
        ends = self.position + self.directions * self.max_range
        fraction, body = cast_rays(self.world, np.broadcast_to(self.position, ends.shape), ends)
        ranges = fraction * self.max_range
        ranges[body < 0] = np.inf
        return ranges, body

    def scan(self) -> LidarScan:
        """One scan now (ignores the scan rate); readings follow REP 117 (see ``LidarScan``)."""
        true, body = self.true_ranges()
        if self.ideal:  # exact, but still a scanner: nothing measured nearer than min_range or beyond max_range
            reported = true.copy()
            reported[reported >= self.max_range] = np.inf
            reported[reported < self.min_range] = -np.inf
        else:
            reported = self.beam_model.sample(true, self.max_range, self.rng, self.min_range)
        return LidarScan(  # copies of the pose: changing a scan's directions must not turn the scanner's beams
            self.world.time,
            self.position.copy(),
            self.directions.copy(),
            reported,
            true,
            body,
            self.max_range,
            self.min_range,
        )

    def poll(self) -> LidarScan | None:
        """Call after each ``world.step()``: a scan when one is due at ``rate_hz``, else None."""
        if not self.clock.due(self.world.time):
            return None
        return self.scan()
