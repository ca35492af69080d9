"""LIDAR: rays cast into the pybullet world in batches, and the beam model of what a real scanner reports.

A LIDAR sends laser beams in a fixed *scan pattern* and times their echoes. Here each beam is a ray cast with
``rayTestBatch`` (pybullet accepts at most 16383 rays per call, so larger patterns go in several calls). A real
return is imperfect; Thrun, Burgard and Fox (*Probabilistic Robotics*, ch. 6) model a reading as a mixture of

- *hit*: the true range plus Gaussian noise (sigma_hit, m);
- *short*: an unexpected object in front (dust, a person walking by): exponential with rate lambda_short, 1/m;
- *max*: no echo came back (black or shiny surfaces, glass): the reading is the maximum range;
- *random*: unexplained readings, uniform over the range;

with weights z_hit + z_short + z_max + z_rand = 1. Beams that hit nothing within ``max_range`` read max range.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

import numpy as np

from twin.sensors._common import SensorBase, check_non_negative, check_positive, check_probability, check_vector3

if TYPE_CHECKING:
    from twin.sim.world import World

MAX_RAYS_PER_CALL = 16383  # pybullet's limit: more rays in one rayTestBatch call silently return nothing


def scan_pattern_2d(beams: int = 360, field_of_view_deg: float = 360.0) -> np.ndarray:
    """Unit directions (beams, 3) of a planar scanner in its own frame (x forward, z up), spread evenly."""
    if isinstance(beams, bool) or not isinstance(beams, int | np.integer) or beams < 1:
        raise ValueError(f"beams={beams!r} must be a positive whole number, e.g. 360.")
    fov = np.radians(check_positive("field_of_view_deg", field_of_view_deg, "deg", "e.g. 270"))
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
    low, high = (float(a) for a in vertical_fov_deg)
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

    def sample(self, true_ranges: np.ndarray, max_range: float, rng: np.random.Generator) -> np.ndarray:
        """Noisy readings (m) for true ranges (m); beams with no hit should come in as ``max_range``."""
        z = np.asarray(true_ranges, dtype=float)
        n = z.size
        component = rng.choice(4, size=z.shape, p=[self.z_hit, self.z_short, self.z_max, self.z_rand])
        hit = z + self.sigma_hit * rng.standard_normal(z.shape)
        # an exponential truncated to [0, z]: inverse-CDF sampling
        u = rng.random(z.shape)
        short = -np.log1p(-u * (1.0 - np.exp(-self.lambda_short * z))) / self.lambda_short
        random = rng.random(z.shape) * max_range
        out = np.choose(component, [hit, short, np.full(z.shape, max_range), random])
        no_hit = z >= max_range
        out[no_hit & (component == 0)] = max_range  # nothing there to hit: the beam times out
        out = np.clip(out, 0.0, max_range)
        if self.dropout_probability > 0 and n:
            out[rng.random(z.shape) < self.dropout_probability] = np.nan
        return out

    def likelihood(self, z: np.ndarray, true_range: float, max_range: float, width: float = 0.01) -> np.ndarray:
        """p(z | true range): the mixture density (1/m) of a reading z, the max-range spike ``width`` m wide."""
        z = np.asarray(z, dtype=float)
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
        return np.where(inside, p, 0.0)


IDEAL_BEAMS = BeamModel(z_hit=1.0, z_short=0.0, z_max=0.0, z_rand=0.0, sigma_hit=0.0)


@dataclass
class LidarScan:
    """One scan. ``ranges`` (n,) m as reported (NaN = dropped); ``true_ranges`` (n,) m (max_range: no hit);
    ``origin`` (3,) and ``directions`` (n, 3) in the world frame; ``hit_body`` (n,) pybullet body id or -1."""

    time: float
    origin: np.ndarray
    directions: np.ndarray
    ranges: np.ndarray
    true_ranges: np.ndarray
    hit_body: np.ndarray
    max_range: float

    @property
    def points(self) -> np.ndarray:
        """World points (n, 3) of the reported ranges; rows with no return (NaN or max range) are NaN."""
        r = np.where(self.ranges < self.max_range, self.ranges, np.nan)
        return self.origin + self.directions * r[:, None]

    @property
    def true_points(self) -> np.ndarray:
        r = np.where(self.true_ranges < self.max_range, self.true_ranges, np.nan)
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


class Lidar(SensorBase):
    """A LIDAR standing in a ``World``: a scan pattern, a pose, a maximum range and a beam model.

    Args:
        world: the world to scan.
        pattern: unit directions (n, 3) in the scanner's frame (``scan_pattern_2d``/``scan_pattern_3d``).
        position: scanner origin (m, world). yaw: heading of the scanner's x axis (rad, about world z).
        max_range: m. min_range: m (closer hits are not seen; pybullet starts the rays here).
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
        self.pattern = scan_pattern_2d() if pattern is None else np.asarray(pattern, dtype=float).reshape(-1, 3)
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
        """Exact ranges (m; max_range where nothing is hit) and hit body ids of every beam now."""
        starts = self.position + self.directions * self.min_range
        ends = self.position + self.directions * self.max_range
        fraction, body = cast_rays(self.world, np.broadcast_to(starts, ends.shape), ends)
        ranges = self.min_range + fraction * (self.max_range - self.min_range)
        ranges[body < 0] = self.max_range
        return ranges, body

    def scan(self) -> LidarScan:
        """One scan now (ignores the scan rate)."""
        true, body = self.true_ranges()
        if self.ideal:
            reported = true.copy()
        else:  # a scanner reports nothing nearer than its minimum range
            reported = self.beam_model.sample(true, self.max_range, self.rng)
            reported[reported < self.min_range] = self.min_range
        return LidarScan(self.world.time, self.position.copy(), self.directions, reported, true, body, self.max_range)

    def poll(self) -> LidarScan | None:
        """Call after each ``world.step()``: a scan when one is due at ``rate_hz``, else None."""
        if not self.clock.due(self.world.time):
            return None
        return self.scan()
