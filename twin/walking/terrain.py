"""Seeded uneven terrain for walking: rough ground, slopes and steps as a pybullet heightfield.

The walker goes along +y from y = 0. The terrain starts flat for ``start_flat`` metres (where the robot
stands up) and then carries three parts that add up:

- roughness: white noise smoothed by a Gaussian kernel of standard deviation ``wavelength / 2``, then
  scaled so that its RMS height over the course is exactly ``roughness_rms``. Its autocorrelation is
  Gaussian, exp(-d^2 / wavelength^2): heights ``wavelength`` apart are correlated by 1/e;
- a slope: a ramp of ``slope_deg`` degrees (positive: uphill) along y;
- steps: every ``step_spacing`` metres the ground jumps up or down (sign drawn from the seed) by
  ``step_height``.

``difficulty_spec(d)`` turns one knob, d in [0, 1], from flat ground into hard terrain.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace

import numpy as np
from scipy.ndimage import gaussian_filter

# pybullet copies a heightfield into one btHeightfieldTerrainShape. Measured here (pybullet 3.2.7, DIRECT):
# 4,000,000 samples build in 0.6 s; 100,000,000 did not return within two minutes.
MAX_HEIGHTFIELD_SAMPLES = 4_000_000
# the hardest terrain that ``difficulty_spec(1.0)`` asks for
HARDEST_ROUGHNESS_RMS = 0.03  # m
HARDEST_SLOPE_DEG = 8.0  # degrees
HARDEST_STEP_HEIGHT = 0.04  # m


def _finite(name: str, value: object, *, low: float | None = None, hint: str = "") -> float:
    if isinstance(value, bool) or not isinstance(value, int | float | np.integer | np.floating):
        raise ValueError(f"{name}={value!r} must be a number{hint}.")
    v = float(value)
    if not math.isfinite(v):
        raise ValueError(f"{name}={value!r} must be a finite number{hint}.")
    if low is not None and v < low:
        raise ValueError(f"{name}={value!r} must be >= {low}{hint}.")
    return v


@dataclass(frozen=True)
class TerrainSpec:
    """What terrain to make. Lengths in m, angles in degrees.

    Args:
        roughness_rms: RMS height of the rough part over the course (m), >= 0.
        wavelength: correlation length of the roughness (m): heights this far apart correlate by 1/e.
        slope_deg: ramp along the walking direction (degrees, positive uphill), within +-30.
        step_height: height of each step (m), >= 0; steps go up or down at random.
        step_spacing: distance between steps (m).
        length: course length along y after the flat start (m).
        width: terrain width across the walking direction (m).
        cell_size: heightfield sample spacing (m).
        start_flat: flat strip at the start where the robot stands (m).
    """

    roughness_rms: float = 0.0
    wavelength: float = 0.5
    slope_deg: float = 0.0
    step_height: float = 0.0
    step_spacing: float = 1.5
    length: float = 16.0
    width: float = 1.0
    cell_size: float = 0.05
    start_flat: float = 1.0

    def __post_init__(self) -> None:
        _finite("roughness_rms", self.roughness_rms, low=0.0, hint=" in metres, e.g. 0.02 (0 is flat)")
        _finite("step_height", self.step_height, low=0.0, hint=" in metres, e.g. 0.03 (0: no steps)")
        slope = _finite("slope_deg", self.slope_deg, hint=" in degrees, e.g. 5")
        if abs(slope) > 30.0:
            raise ValueError(f"slope_deg={slope} is steeper than 30 degrees, where no biped walks; use -30..30.")
        cell = _finite("cell_size", self.cell_size, low=1e-3, hint=" in metres, e.g. 0.05")
        wavelength = _finite("wavelength", self.wavelength, low=0.0, hint=" in metres, e.g. 0.5")
        if wavelength < 2 * cell:
            raise ValueError(
                f"wavelength={wavelength} m is shorter than two cells ({2 * cell} m): the heightfield cannot show "
                "it. Use a longer wavelength or a smaller cell_size."
            )
        _finite("step_spacing", self.step_spacing, low=cell, hint=f" in metres, at least one cell ({cell} m)")
        _finite("start_flat", self.start_flat, low=0.0, hint=" in metres, e.g. 1.0")
        for name in ("length", "width"):
            _finite(name, getattr(self, name), low=2 * cell, hint=f" in metres, at least two cells ({2 * cell} m)")
        rows, cols = self.grid_shape
        if rows * cols > MAX_HEIGHTFIELD_SAMPLES:
            raise ValueError(
                f"a {self.length + self.start_flat + 1.0:g} m x {self.width:g} m terrain at cell_size={cell} m needs "
                f"{rows * cols:,} samples, above the {MAX_HEIGHTFIELD_SAMPLES:,} a pybullet heightfield takes here. "
                "Use a larger cell_size, or a shorter or narrower terrain."
            )

    @property
    def grid_shape(self) -> tuple[int, int]:
        """(rows along y, columns along x) of the heightfield; 1 m of flat ground behind the start."""
        total = self.length + self.start_flat + 1.0
        return int(round(total / self.cell_size)) + 1, int(round(self.width / self.cell_size)) + 1


def difficulty_spec(difficulty: float, **overrides: float) -> TerrainSpec:
    """One knob from flat (0) to hard (1): roughness, slope and steps grow in proportion.

    At 1: roughness RMS 3 cm, slopes of 8 degrees (the sign is drawn per terrain), steps of 4 cm.
    """
    d = _finite("difficulty", difficulty, low=0.0, hint=" between 0 (flat) and 1 (hard)")
    if d > 1.0:
        raise ValueError(f"difficulty={difficulty} must be between 0 (flat) and 1 (hard).")
    values = dict(
        roughness_rms=HARDEST_ROUGHNESS_RMS * d,
        slope_deg=HARDEST_SLOPE_DEG * d,
        step_height=HARDEST_STEP_HEIGHT * d,
    )
    values.update(overrides)
    return TerrainSpec(**values)  # type: ignore[arg-type]


@dataclass(frozen=True)
class Terrain:
    """A generated terrain: ``heights[j, i]`` (m) at y index j, x index i, and how it was made.

    ``y[j]`` and ``x[i]`` are the sample positions (m); the robot starts at y = 0, x = 0.
    """

    spec: TerrainSpec
    seed: int
    heights: np.ndarray
    roughness: np.ndarray = field(repr=False)
    y: np.ndarray = field(repr=False)
    x: np.ndarray = field(repr=False)

    @property
    def course(self) -> np.ndarray:
        """Boolean mask over y of the course (after the flat start)."""
        return self.y >= self.spec.start_flat

    def height_at(self, y: float | np.ndarray, x: float = 0.0) -> float | np.ndarray:
        """Ground height (m) at y (and x), linearly interpolated along y at the nearest x column."""
        column = int(np.clip(round((x - self.x[0]) / self.spec.cell_size), 0, len(self.x) - 1))
        return np.interp(y, self.y, self.heights[:, column])

    def slope_at(self, y: float, x: float = 0.0, run: float = 0.2) -> float:
        """Local slope (degrees, positive uphill) over ``run`` metres centred on y."""
        rise = float(self.height_at(y + run / 2, x)) - float(self.height_at(y - run / 2, x))
        return math.degrees(math.atan2(rise, run))

    def measured_roughness_rms(self) -> float:
        """RMS height (m) of the rough part over the course."""
        r = self.roughness[self.course]
        return float(np.sqrt(np.mean(r**2)))

    def measured_slope_deg(self) -> float:
        """Slope (degrees) of the least-squares line through the centre line's heights over the course."""
        centre = self.heights[self.course, len(self.x) // 2]
        grade = np.polyfit(self.y[self.course], centre, 1)[0]
        return math.degrees(math.atan(grade))

    def add_to(self, client: object, lateral_friction: float = 1.0) -> int:
        """Create the terrain as a static heightfield body in a pybullet client; returns its body id.

        pybullet centres the grid on the body and puts (min + max) / 2 of the heights at its origin, so
        the body goes where the samples land on ``self.y``, ``self.x`` and ``self.heights``.
        """
        c = client
        rows, cols = self.heights.shape
        shape = c.createCollisionShape(  # type: ignore[attr-defined]
            c.GEOM_HEIGHTFIELD,  # type: ignore[attr-defined]
            meshScale=[self.spec.cell_size, self.spec.cell_size, 1.0],
            heightfieldData=self.heights.ravel().tolist(),
            numHeightfieldRows=cols,
            numHeightfieldColumns=rows,
        )
        body = c.createMultiBody(0, shape, basePosition=self.body_position)  # type: ignore[attr-defined]
        c.changeDynamics(body, -1, lateralFriction=float(lateral_friction))  # type: ignore[attr-defined]
        return int(body)

    @property
    def body_position(self) -> list[float]:
        """Where ``add_to`` puts the heightfield body (m)."""
        h = self.heights
        return [
            float((self.x[0] + self.x[-1]) / 2),
            float((self.y[0] + self.y[-1]) / 2),
            float((h.min() + h.max()) / 2),
        ]


def generate_terrain(spec: TerrainSpec, seed: int, *, slope_sign: int | None = None) -> Terrain:
    """The terrain ``spec`` asks for, drawn from ``seed`` (the same seed gives the same terrain).

    ``slope_sign``: +1 uphill, -1 downhill, None: drawn from the seed (the slope's size is the spec's).
    """
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer) or seed < 0:
        raise ValueError(f"seed={seed!r} must be a non-negative integer, e.g. 0.")
    rng = np.random.default_rng(int(seed))
    rows, cols = spec.grid_shape
    y = -1.0 + spec.cell_size * np.arange(rows)
    x = (np.arange(cols) - (cols - 1) / 2.0) * spec.cell_size
    course = y >= spec.start_flat
    # roughness: smooth white noise on a wrapped grid (no edge effects), then set its RMS exactly
    noise = rng.standard_normal((rows, cols))
    sigma = spec.wavelength / 2.0 / spec.cell_size
    rough = gaussian_filter(noise, sigma=sigma, mode="wrap")
    rough = rough - rough[course].mean()
    ramp_in = np.clip((y - (spec.start_flat - spec.wavelength)) / max(spec.wavelength, 1e-9), 0.0, 1.0)
    rough = rough * ramp_in[:, None]  # fades in before the course, flat under the robot's feet at y = 0
    rms = float(np.sqrt(np.mean(rough[course] ** 2)))
    rough = rough * (spec.roughness_rms / rms) if rms > 0 else np.zeros_like(rough)
    # slope and steps along y, from the start of the course
    if slope_sign is None:
        slope_sign = 1 if rng.random() < 0.5 else -1
    if slope_sign not in (1, -1):
        raise ValueError(f"slope_sign={slope_sign!r} must be +1 (uphill), -1 (downhill) or None (drawn).")
    run = np.clip(y - spec.start_flat, 0.0, None)
    ramp = math.tan(math.radians(spec.slope_deg)) * slope_sign * run
    n_steps = int(spec.length // spec.step_spacing) + 1
    signs = np.where(rng.random(n_steps) < 0.5, -1.0, 1.0)
    index = np.where(course, np.floor(run / spec.step_spacing).astype(int), -1)
    levels = np.concatenate([[0.0], np.cumsum(signs * spec.step_height)])
    steps = np.where(index >= 1, levels[np.clip(index, 0, n_steps)], 0.0)
    heights = rough + (ramp + steps)[:, None]
    return Terrain(spec=spec, seed=int(seed), heights=heights, roughness=rough, y=y, x=x)


def flat_terrain(**overrides: float) -> Terrain:
    """Flat ground as a heightfield (the same shape as any other terrain)."""
    return generate_terrain(replace(TerrainSpec(), **overrides), seed=0)  # type: ignore[arg-type]
