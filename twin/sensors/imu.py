"""An inertial measurement unit: accelerometer (specific force) and gyroscope (angular rate) on a link.

What an IMU measures, in its own axes:

- accelerometer: the *specific force* f = R^T (a - g), the acceleration a of the sensor minus gravity g
  (g points down, so a sensor at rest reads +9.81 m/s^2 along its up axis);
- gyroscope: the angular velocity w_body = R^T w_world, rad/s.

Its errors follow the model Kalibr and most datasheets use (values per axis):

- white noise, density N (m/s^2/sqrt(Hz) or rad/s/sqrt(Hz)): each sample gets N / sqrt(dt) of noise;
- bias random walk, density K (m/s^3/sqrt(Hz) or rad/s^2/sqrt(Hz)): the bias moves by K * sqrt(dt) per sample;
- a constant turn-on bias, a scale-factor error, axis misalignment, saturation at the measuring range and
  quantisation to the ADC's least significant bit.

The Allan deviation of a still IMU (``twin.sensors.allan``) gives both back, each from its own straight line on
the log-log plot: N is the value of the slope -1/2 line (N / sqrt(tau)) at tau = 1 s, K the value of the slope
+1/2 line (K sqrt(tau / 3)) at tau = 3 s; ``fit_noise_parameters`` fits both lines. Read K from the line, not
from the curve: with realistic sensors white noise still dominates at 3 s, where the curve is
sqrt(N^2 / 3 + K^2), 2.7 K for the ADIS16448 accelerometer below and 4.2 K for its gyroscope.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from numbers import Integral
from typing import TYPE_CHECKING

import numpy as np

from twin.core.checks import check_count
from twin.sensors._common import SensorBase, check_non_negative, check_positive, check_seed

if TYPE_CHECKING:
    from twin.sim.world import World

G0 = 9.80665  # m/s^2, the standard gravity datasheets use to convert "g" and "mg"


def _axes(name: str, value: object, unit: str) -> np.ndarray:
    """``value`` as three per-axis floats (x, y, z); one number applies to all three axes."""
    try:
        array = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        raise TypeError(f"{name} must be numbers in {unit}: one value or three (x, y, z), got {value!r}.") from None
    if array.size not in (1, 3) or array.ndim > 1:
        raise ValueError(
            f"{name}={value!r} has {array.size} values; give one value (all axes) or three (x, y, z) in {unit}."
        )
    v = np.broadcast_to(array.reshape(-1), (3,)).copy()
    if not np.all(np.isfinite(v)):
        raise ValueError(f"{name} must be finite numbers in {unit} (one value or one per axis x, y, z), got {value!r}.")
    return v


@dataclass(frozen=True)
class InertialNoise:
    """Error model of one three-axis inertial sensor (an accelerometer or a gyroscope).

    Units are those of the measured quantity, called u below (m/s^2 for the accelerometer, rad/s for the gyro).

    Attributes:
        noise_density: N, white noise density in u/sqrt(Hz) (datasheet: "noise density" or "ARW/VRW").
        bias_random_walk: K, bias random walk density in u*sqrt(Hz) (i.e. u/s/sqrt(Hz)); Kalibr's "random_walk".
        bias: constant turn-on bias in u, one value or one per axis.
        scale_factor: relative scale error, e.g. 0.01 reads 1 % too large (one value or per axis).
        misalignment: small rotation (rad) of the sensing axes about x, y, z relative to the link.
        measuring_range: saturation level in u (readings are clipped to +-range); inf for none.
        resolution: quantisation step (one LSB) in u; 0 for none.
    """

    noise_density: float = 0.0
    bias_random_walk: float = 0.0
    bias: tuple[float, float, float] | float = 0.0
    scale_factor: tuple[float, float, float] | float = 0.0
    misalignment: tuple[float, float, float] | float = 0.0
    measuring_range: float = float("inf")
    resolution: float = 0.0

    def __post_init__(self) -> None:
        check_non_negative("noise_density", self.noise_density, "u/sqrt(Hz)")
        check_non_negative("bias_random_walk", self.bias_random_walk, "u*sqrt(Hz)")
        check_non_negative("resolution", self.resolution, "u", "0 means no quantisation")
        range_ok = isinstance(self.measuring_range, int | float | np.integer | np.floating)
        if isinstance(self.measuring_range, bool) or not (range_ok and self.measuring_range > 0):
            raise ValueError(
                f"measuring_range={self.measuring_range!r} must be > 0 (the datasheet's full scale, 16 g = 157 m/s^2)."
            )
        _axes("bias", self.bias, "u")
        if np.any(_axes("scale_factor", self.scale_factor, "(fraction)") <= -1):
            raise ValueError(f"scale_factor={self.scale_factor!r} must be > -1 (0.01 means +1 %).")
        _axes("misalignment", self.misalignment, "rad")

    def with_changes(self, **changes: object) -> InertialNoise:
        return replace(self, **changes)  # type: ignore[arg-type]

    @property
    def distortion_matrix(self) -> np.ndarray:
        """(I + diag(scale)) (I + [misalignment]x): how true values map onto the sensing axes."""
        mx, my, mz = _axes("misalignment", self.misalignment, "rad")
        skew = np.array([[0.0, -mz, my], [mz, 0.0, -mx], [-my, mx, 0.0]])
        return np.diag(1.0 + _axes("scale_factor", self.scale_factor, "")) @ (np.eye(3) + skew)

    def discrete_noise_std(self, rate_hz: float) -> float:
        """sigma_d = N / sqrt(dt): the standard deviation of one sample's white noise at this rate."""
        return self.noise_density * np.sqrt(check_positive("rate_hz", rate_hz, "Hz", "e.g. 200"))

    def discrete_bias_step_std(self, rate_hz: float) -> float:
        """sigma_bd = K * sqrt(dt): the standard deviation of the bias's step from one sample to the next."""
        return self.bias_random_walk / np.sqrt(check_positive("rate_hz", rate_hz, "Hz", "e.g. 200"))


# Analog Devices ADIS16448, with the noise numbers Kalibr's documentation gives for it; range and LSB
# from its datasheet (+-18 g with 0.833 mg/LSB, +-1000 deg/s with 0.04 deg/s/LSB).
ADIS16448_ACCELEROMETER = InertialNoise(
    noise_density=1.86e-3,
    bias_random_walk=4.33e-4,
    bias=(0.02, -0.03, 0.05),
    scale_factor=0.002,
    misalignment=0.001,
    measuring_range=18 * G0,
    resolution=0.833e-3 * G0,
)
ADIS16448_GYROSCOPE = InertialNoise(
    noise_density=1.87e-4,
    bias_random_walk=2.66e-5,
    bias=(0.002, -0.001, 0.003),
    scale_factor=0.002,
    misalignment=0.001,
    measuring_range=np.deg2rad(1000.0),
    resolution=np.deg2rad(0.04),
)


class InertialErrors:
    """The stateful error process of one sensor: its bias wanders, so it remembers where it is.

    ``corrupt(true)`` turns a block of true readings (n, 3) into measurements in one vectorised call, and
    continues the bias random walk from the end of the previous block; ``corrupt_one(x, y, z)`` does the same
    for one reading in plain Python floats (the cheap path ``Imu.poll`` takes). Random numbers are drawn
    ahead in blocks of ``BLOCK`` samples from one stream, so drawing one sample at a time, all at once or any
    mix gives the same numbers for the same seed.
    """

    BLOCK = 1024  # samples of noise drawn ahead at a time

    def __init__(self, noise: InertialNoise, rate_hz: float, rng: np.random.Generator) -> None:
        self.noise = noise
        self.rate_hz = check_positive("rate_hz", rate_hz, "Hz", "e.g. 200")
        self.rng = rng
        # everything that does not change from sample to sample, worked out once
        self._matrix_t = noise.distortion_matrix.T
        self._matrix_rows = tuple(tuple(float(v) for v in row) for row in noise.distortion_matrix)
        self._bias = _axes("bias", noise.bias, "u")
        self._white_std = noise.discrete_noise_std(self.rate_hz)
        self._step_std = noise.discrete_bias_step_std(self.rate_hz)
        self._limit = float(noise.measuring_range)
        self._resolution = float(noise.resolution)
        # drawn ahead: total bias (n, 3) and white noise (n, 3) per sample, and the walk at the block's end
        self._walk_end = np.zeros(3)
        self._bias_block = np.zeros((0, 3))
        self._white_block = np.zeros((0, 3))
        self._position = 0
        self._last_bias: np.ndarray | list[float] = self._bias
        self._rows: list[list[float]] = []  # bias + white noise per sample of the block, as Python floats
        self._bias_rows: list[list[float]] = []

    @property
    def walk(self) -> np.ndarray:
        """The random-walk part of the bias (u) at the last sample corrupted."""
        return np.asarray(self._last_bias, dtype=np.float64) - self._bias

    def _draw(self, n: int) -> tuple[np.ndarray, np.ndarray]:
        """Total bias (n, 3) and white noise (n, 3) for the next n samples of the stream, continuing the walk."""
        draws = self.rng.standard_normal((n, 2, 3))  # one white and one walk draw per sample and axis
        walk = self._walk_end + np.cumsum(draws[:, 1] * self._step_std, axis=0)
        if n:
            self._walk_end = walk[-1]
        return self._bias + walk, draws[:, 0] * self._white_std

    def _refill(self) -> None:
        self._bias_block, self._white_block = self._draw(self.BLOCK)
        self._rows = (self._bias_block + self._white_block).tolist()
        self._bias_rows = self._bias_block.tolist()
        self._position = 0

    def _take(self, n: int) -> tuple[np.ndarray, np.ndarray]:
        """Bias and white noise (each (n, 3)) of the next n samples: what is left of the block, then fresh draws."""
        left = len(self._bias_block) - self._position
        if n <= left:
            k = self._position
            self._position += n
            return self._bias_block[k : k + n], self._white_block[k : k + n]
        bias_rest, white_rest = self._bias_block[self._position :], self._white_block[self._position :]
        bias_new, white_new = self._draw(n - left)
        self._bias_block, self._white_block, self._rows, self._bias_rows = np.zeros((0, 3)), np.zeros((0, 3)), [], []
        self._position = 0
        return np.concatenate([bias_rest, bias_new]), np.concatenate([white_rest, white_new])

    def corrupt(self, true: np.ndarray, ideal: bool = False) -> tuple[np.ndarray, np.ndarray]:
        """Measured values (n, 3) and the total bias (n, 3) for true values (n, 3)."""
        true = np.asarray(true, dtype=np.float64).reshape(-1, 3)
        if ideal:
            return true.copy(), np.zeros_like(true)
        n = true.shape[0]
        bias, white = self._take(n)
        if n:
            self._last_bias = bias[-1]
        measured = true @ self._matrix_t + bias + white
        limit = self._limit
        if limit != float("inf"):
            np.clip(measured, -limit, limit, out=measured)
        if self._resolution > 0:
            measured = np.round(measured / self._resolution) * self._resolution
        return measured, bias

    def corrupt_one(self, x: float, y: float, z: float) -> tuple[list[float], list[float]]:
        """One measurement [x, y, z] and its total bias [x, y, z] (u) for one true reading, in Python floats.

        The same model and the same random stream as ``corrupt``, without numpy's per-call cost.
        """
        if self._position >= len(self._rows):  # block used up (``_rows`` always tables the current block)
            self._refill()
        k = self._position
        self._position = k + 1
        add, bias = self._rows[k], self._bias_rows[k]
        (m00, m01, m02), (m10, m11, m12), (m20, m21, m22) = self._matrix_rows
        out = [
            m00 * x + m01 * y + m02 * z + add[0],
            m10 * x + m11 * y + m12 * z + add[1],
            m20 * x + m21 * y + m22 * z + add[2],
        ]
        limit, lsb = self._limit, self._resolution
        if limit != float("inf"):
            out = [limit if v > limit else -limit if v < -limit else v for v in out]
        if lsb > 0:
            out = [round(v / lsb) * lsb for v in out]
        self._last_bias = bias
        return out, bias


def simulate_still_sensor(noise: InertialNoise, rate_hz: float, samples: int, seed: int = 0) -> np.ndarray:
    """Readings (samples, 3) of a sensor that feels nothing: only its noise and bias (for Allan deviation)."""
    samples = check_count("samples", samples, "readings", low=1)
    errors = InertialErrors(noise, rate_hz, np.random.default_rng(check_seed(seed)))
    return errors.corrupt(np.zeros((samples, 3)))[0]


@dataclass
class ImuLog:
    """A recorded stretch of IMU data: times (n,) in s, everything else (n, 3) in the sensor's axes."""

    times: np.ndarray
    accel: np.ndarray  # m/s^2, measured specific force
    gyro: np.ndarray  # rad/s, measured angular rate
    true_accel: np.ndarray
    true_gyro: np.ndarray
    accel_bias: np.ndarray = field(repr=False)
    gyro_bias: np.ndarray = field(repr=False)

    @property
    def rate_hz(self) -> float:
        return float(1.0 / np.mean(np.diff(self.times))) if self.times.size > 1 else float("nan")


@dataclass(frozen=True)
class ImuSample:
    """One IMU reading at ``time`` (s): specific force (m/s^2) and angular rate (rad/s) in sensor axes."""

    time: float
    accel: np.ndarray
    gyro: np.ndarray
    true_accel: np.ndarray
    true_gyro: np.ndarray


class Imu(SensorBase):
    """A 6-axis IMU fixed to a link of a pybullet body, at the link's centre of mass, axes along the link frame.

    Call ``poll()`` after every ``world.step()``: it returns an ``ImuSample`` when one is due at ``rate_hz``
    and None otherwise. The acceleration is the change of the link's velocity since the previous poll divided by
    the time between them (one physics step when you poll every step). ``record(steps)`` steps the world for
    you and returns an ``ImuLog``.

    Args:
        world: the ``World`` the body lives in.
        body_id: pybullet body id (``robot.body_id``).
        link_index: -1 for the base, else the link (= joint) index.
        rate_hz: output data rate, Hz. At most the physics rate: a higher rate warns and samples once per step
            (``effective_rate`` says the rate achieved; the noise is scaled to it).
        accelerometer, gyroscope: error models (default: an ADIS16448's datasheet values).
        seed: noise seed. ideal: no errors at all.
    """

    def __init__(
        self,
        world: World,
        body_id: int,
        link_index: int = -1,
        *,
        rate_hz: float = 200.0,
        accelerometer: InertialNoise = ADIS16448_ACCELEROMETER,
        gyroscope: InertialNoise = ADIS16448_GYROSCOPE,
        seed: int = 0,
        ideal: bool = False,
    ) -> None:
        super().__init__(rate_hz=rate_hz, seed=seed, ideal=ideal, world=world)
        if self.clock.effective_rate < self.clock.rate_hz * (1 - 1e-9):
            warnings.warn(
                f"rate_hz={self.clock.rate_hz:g} Hz is above the physics rate; the IMU samples once per step, "
                f"at {self.clock.effective_rate:g} Hz (see effective_rate). Ask for at most that, or shorten "
                "the world's time step.",
                stacklevel=2,
            )
        for name, noise in (("accelerometer", accelerometer), ("gyroscope", gyroscope)):
            if not isinstance(noise, InertialNoise):
                raise TypeError(
                    f"{name} must be an InertialNoise, e.g. InertialNoise(noise_density=0.01), got {noise!r}."
                )
        n_links = world.client.getNumJoints(body_id)
        valid = isinstance(link_index, Integral) and not isinstance(link_index, bool)
        if not valid or not -1 <= link_index < n_links:  # 0.5 was taken as link 0
            raise ValueError(
                f"link_index={link_index!r} must be a whole number -1 (base) .. {n_links - 1} for body {body_id}, "
                "e.g. robot.link('root').index."
            )
        self.world = world
        self.body_id = int(body_id)
        self.link_index = int(link_index)
        self.accelerometer = accelerometer
        self.gyroscope = gyroscope
        accel_rng, gyro_rng = (np.random.default_rng(s) for s in np.random.SeedSequence(self.seed).spawn(2))
        rate = self.clock.effective_rate
        self.accel_errors = InertialErrors(accelerometer, rate, accel_rng)
        self.gyro_errors = InertialErrors(gyroscope, rate, gyro_rng)
        self._gravity = np.array([0.0, 0.0, -world.gravity])
        self._gravity_xyz = tuple(float(g) for g in self._gravity)
        c = world.client  # bound once: pybullet_utils' client looks methods up on every attribute access
        self._base_pose, self._base_velocity = c.getBasePositionAndOrientation, c.getBaseVelocity
        self._link_state, self._matrix_from_quaternion = c.getLinkState, c.getMatrixFromQuaternion
        self._previous_time = world.time
        self._previous_velocity: tuple[float, float, float] = tuple(self._kinematics()[1].tolist())

    @property
    def effective_rate(self) -> float:
        """The rate (Hz) samples really come at: ``rate_hz``, or the physics rate when that is lower."""
        return self.clock.effective_rate

    def __repr__(self) -> str:
        mode = "ideal" if self.ideal else "noisy"
        return f"Imu(body {self.body_id}, link {self.link_index}, {self.rate_hz:g} Hz, seed={self.seed}, {mode})"

    def _raw_state(self) -> tuple[tuple, tuple, tuple]:
        """Orientation quaternion (x, y, z, w), linear (m/s) and angular (rad/s) velocity, as pybullet gives them."""
        if self.link_index < 0:
            _, orientation = self._base_pose(self.body_id)
            linear, angular = self._base_velocity(self.body_id)
            return orientation, linear, angular
        state = self._link_state(self.body_id, self.link_index, computeLinkVelocity=1, computeForwardKinematics=1)
        return state[5], state[6], state[7]

    def _kinematics(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """World rotation (3, 3), linear velocity (3,) m/s and angular velocity (3,) rad/s of the sensor."""
        orientation, linear, angular = self._raw_state()
        rotation = np.array(self._matrix_from_quaternion(orientation)).reshape(3, 3)
        return rotation, np.array(linear), np.array(angular)

    def _true_floats(self) -> tuple[float, float, float, float, float, float]:
        """Specific force (m/s^2) and angular rate (rad/s) in sensor axes, as six Python floats.

        The rotation comes from the quaternion here (no extra pybullet call), and all the arithmetic is on
        floats: for one sample, numpy's per-call overhead would cost more than the physics step of a small body.
        Updates the velocity memory.
        """
        (qx, qy, qz, qw), (vx, vy, vz), (wx, wy, wz) = self._raw_state()
        now = self.world.time
        elapsed = now - self._previous_time
        pvx, pvy, pvz = self._previous_velocity
        if elapsed > 0:
            ax, ay, az = (vx - pvx) / elapsed, (vy - pvy) / elapsed, (vz - pvz) / elapsed
        else:
            ax = ay = az = 0.0
        self._previous_time, self._previous_velocity = now, (vx, vy, vz)
        ax, ay, az = ax - self._gravity_xyz[0], ay - self._gravity_xyz[1], az - self._gravity_xyz[2]
        s = 2.0 / (qx * qx + qy * qy + qz * qz + qw * qw)  # 2 / |q|^2: tolerates a slightly unnormalised q
        xx, yy, zz, xy, xz, yz, wx_, wy_, wz_ = (
            s * qx * qx, s * qy * qy, s * qz * qz, s * qx * qy, s * qx * qz, s * qy * qz, s * qw * qx, s * qw * qy,
            s * qw * qz,
        )  # fmt: skip
        # columns of R (world from sensor); R^T v is the dot product of each column with v
        c0 = (1.0 - yy - zz, xy + wz_, xz - wy_)
        c1 = (xy - wz_, 1.0 - xx - zz, yz + wx_)
        c2 = (xz + wy_, yz - wx_, 1.0 - xx - yy)
        return (
            c0[0] * ax + c0[1] * ay + c0[2] * az,
            c1[0] * ax + c1[1] * ay + c1[2] * az,
            c2[0] * ax + c2[1] * ay + c2[2] * az,
            c0[0] * wx + c0[1] * wy + c0[2] * wz,
            c1[0] * wx + c1[1] * wy + c1[2] * wz,
            c2[0] * wx + c2[1] * wy + c2[2] * wz,
        )

    def true_reading(self) -> tuple[np.ndarray, np.ndarray]:
        """What a perfect IMU reads now: specific force (m/s^2) and angular rate (rad/s), sensor axes.

        Updates the velocity memory, so call it once per step (``poll`` does).
        """
        values = self._true_floats()
        return np.array(values[:3]), np.array(values[3:])

    def poll(self) -> ImuSample | None:
        """Call after each ``world.step()``; a sample when one is due at ``rate_hz``, else None."""
        fx, fy, fz, gx, gy, gz = self._true_floats()
        now = self.world.time
        if not self.clock.due(now):
            return None
        if self.ideal:
            accel, gyro = (fx, fy, fz), (gx, gy, gz)
        else:
            accel = self.accel_errors.corrupt_one(fx, fy, fz)[0]
            gyro = self.gyro_errors.corrupt_one(gx, gy, gz)[0]
        return ImuSample(now, np.array(accel), np.array(gyro), np.array((fx, fy, fz)), np.array((gx, gy, gz)))

    def record(self, steps: int, on_step: Callable[[World], None] | None = None) -> ImuLog:
        """Step the world ``steps`` times, sampling at ``rate_hz``; returns an ``ImuLog``.

        Only the pybullet reads happen inside the loop; finite differences, frame changes and every error are
        computed afterwards on whole arrays. ``on_step(world)``, if given, runs before each step (to command the
        robot, for example).
        """
        world, due, read = self.world, self.clock.due, self._raw_state
        times, quaternions, linear, angular, keep = [], [], [], [], []
        for _ in range(check_count("steps", steps, "physics steps")):
            if on_step is not None:
                on_step(world)
            world.step()
            orientation, velocity, rate = read()
            times.append(world.time)
            quaternions.append(orientation)
            linear.append(velocity)
            angular.append(rate)
            keep.append(due(world.time))
        if not times:
            empty = np.zeros((0, 3))
            return ImuLog(np.zeros(0), empty, empty, empty, empty, empty, empty)
        t = np.array([self._previous_time, *times])
        v = np.vstack([self._previous_velocity, np.array(linear)])
        acceleration = np.diff(v, axis=0) / np.diff(t)[:, None]
        rotations = rotation_matrices(np.array(quaternions))
        self._previous_time, self._previous_velocity = float(t[-1]), tuple(v[-1].tolist())
        keep_rows = np.array(keep)
        specific_force = np.einsum("nji,nj->ni", rotations, acceleration - self._gravity)[keep_rows]
        rates = np.einsum("nji,nj->ni", rotations, np.array(angular))[keep_rows]
        accel, accel_bias = self.accel_errors.corrupt(specific_force, self.ideal)
        gyro, gyro_bias = self.gyro_errors.corrupt(rates, self.ideal)
        return ImuLog(t[1:][keep_rows], accel, gyro, specific_force, rates, accel_bias, gyro_bias)


def rotation_matrices(quaternions: np.ndarray) -> np.ndarray:
    """Rotation matrices (n, 3, 3) from quaternions (n, 4) in pybullet's order (x, y, z, w)."""
    q = np.asarray(quaternions, dtype=np.float64).reshape(-1, 4)
    x, y, z, w = (q / np.linalg.norm(q, axis=1, keepdims=True)).T
    return np.stack(
        [
            np.stack([1 - 2 * (y * y + z * z), 2 * (x * y - z * w), 2 * (x * z + y * w)], axis=-1),
            np.stack([2 * (x * y + z * w), 1 - 2 * (x * x + z * z), 2 * (y * z - x * w)], axis=-1),
            np.stack([2 * (x * z - y * w), 2 * (y * z + x * w), 1 - 2 * (x * x + y * y)], axis=-1),
        ],
        axis=1,
    )
