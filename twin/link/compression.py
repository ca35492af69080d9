"""Data compression for telemetry: how many bytes a stream of joint states costs, and what error that buys.

Every codec turns a trajectory (``T`` samples x ``n`` values, float64) into bytes and back, and states
its error bound, which the tests check against the measured reconstruction error:

=================  ==========================================  ===============================
codec              idea                                        max error bound
=================  ==========================================  ===============================
``raw64``          float64 as is                               0
``float16``        half precision                              max|x| * 2**-11 (relative)
``quantised``      integer multiples of ``step``, int16        step / 2
``delta_zstd``     quantised, then differences in time, zstd   step / 2
``deadband``       send a sample only if a value moved more    dead_band
                   than ``dead_band`` since the last one sent
=================  ==========================================  ===============================
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from numbers import Integral

import numpy as np
import zstandard

from twin.core.checks import check_number

FLOAT16_RELATIVE_ERROR = 2.0**-11  # half of float16's machine epsilon: round-to-nearest


def _as_trajectory(values: np.ndarray) -> np.ndarray:
    array = np.asarray(values, dtype=float)
    if array.ndim != 2 or not np.all(np.isfinite(array)) or array.shape[0] == 0:
        one = " (one signal: values.reshape(-1, 1))" if array.ndim == 1 else ""
        raise ValueError(
            f"a trajectory is a finite (samples x values) array with at least one sample, got shape {array.shape}{one}."
        )
    return array


def _check_step(name: str, value: object, example: str) -> None:
    """A quantisation step or dead band: a finite number > 0 (0 divides by zero, NaN makes every count garbage)."""
    check_number(name, value, "value units", low=0, low_open=True, hint=f"e.g. {example}")


@dataclass(frozen=True)
class Raw64:
    name: str = "raw64"

    def encode(self, trajectory: np.ndarray) -> bytes:
        return _as_trajectory(trajectory).astype("<f8").tobytes()

    def decode(self, payload: bytes, shape: tuple[int, int]) -> np.ndarray:
        return np.frombuffer(payload, "<f8").reshape(shape).copy()

    def bound(self, trajectory: np.ndarray) -> float:
        return 0.0


@dataclass(frozen=True)
class Float16:
    name: str = "float16"

    def encode(self, trajectory: np.ndarray) -> bytes:
        array = _as_trajectory(trajectory)
        if np.max(np.abs(array), initial=0.0) > 65504:
            raise ValueError("values beyond +-65504 do not fit in float16; scale them or use 'quantised'.")
        return array.astype("<f2").tobytes()

    def decode(self, payload: bytes, shape: tuple[int, int]) -> np.ndarray:
        return np.frombuffer(payload, "<f2").reshape(shape).astype(float)

    def bound(self, trajectory: np.ndarray) -> float:
        # relative error inside the normal range; below 2**-14 the spacing is fixed at 2**-24
        return max(float(np.max(np.abs(trajectory), initial=0.0)) * FLOAT16_RELATIVE_ERROR, 2.0**-25)


@dataclass(frozen=True)
class Quantised:
    """Values as int16 multiples of ``step`` (rad for angles); range +-32767 * step."""

    step: float = 1e-4
    name: str = "quantised"

    def __post_init__(self) -> None:
        _check_step("step", self.step, "1e-4 rad")

    def _integers(self, trajectory: np.ndarray) -> np.ndarray:
        counts = np.round(_as_trajectory(trajectory) / self.step)
        if np.max(np.abs(counts), initial=0) > 32767:
            raise ValueError(
                f"values up to {np.max(np.abs(trajectory)):.3g} need more than int16 at step={self.step}; "
                "use a larger step."
            )
        return counts.astype("<i2")

    def encode(self, trajectory: np.ndarray) -> bytes:
        return self._integers(trajectory).tobytes()

    def decode(self, payload: bytes, shape: tuple[int, int]) -> np.ndarray:
        return np.frombuffer(payload, "<i2").reshape(shape) * self.step

    def bound(self, trajectory: np.ndarray) -> float:
        return self.step / 2


@dataclass(frozen=True)
class DeltaZstd:
    """Quantised to ``step``, differenced along time (small numbers when motion is smooth), then zstd."""

    step: float = 1e-4
    level: int = 3
    name: str = "delta_zstd"

    def __post_init__(self) -> None:
        _check_step("step", self.step, "1e-4 rad")
        if isinstance(self.level, bool) or not isinstance(self.level, Integral) or self.level > 22:
            raise ValueError(
                f"level={self.level!r} must be a zstd compression level, a whole number up to 22 (e.g. 3)."
            )

    def encode(self, trajectory: np.ndarray) -> bytes:
        counts = np.round(_as_trajectory(trajectory) / self.step).astype(np.int64)
        deltas = np.diff(counts, axis=0, prepend=np.zeros((1, counts.shape[1]), np.int64))
        if np.max(np.abs(deltas), initial=0) > 2**31 - 1:
            raise ValueError(f"steps between samples too large for step={self.step}; use a larger step.")
        return zstandard.ZstdCompressor(level=self.level).compress(deltas.astype("<i4").tobytes())

    def decode(self, payload: bytes, shape: tuple[int, int]) -> np.ndarray:
        raw = zstandard.ZstdDecompressor().decompress(payload, max_output_size=4 * shape[0] * shape[1])
        deltas = np.frombuffer(raw, "<i4").reshape(shape).astype(np.int64)
        return np.cumsum(deltas, axis=0) * self.step

    def bound(self, trajectory: np.ndarray) -> float:
        return self.step / 2


@dataclass(frozen=True)
class DeadBand:
    """Send-on-change: a sample goes out (as float64, with its 4-byte index) only when some value has
    moved more than ``dead_band`` from the last sample sent; the receiver holds the last one."""

    dead_band: float = 1e-3
    name: str = "deadband"

    def __post_init__(self) -> None:  # 0 is allowed: every change is sent
        check_number("dead_band", self.dead_band, "value units", low=0, hint="e.g. 1e-3 rad")

    def encode(self, trajectory: np.ndarray) -> bytes:
        array = _as_trajectory(trajectory)
        chunks, last = [], None
        for index, row in enumerate(array):
            if last is None or np.max(np.abs(row - last)) > self.dead_band:
                chunks.append(np.int32(index).astype("<i4").tobytes() + row.astype("<f8").tobytes())
                last = row
        return b"".join(chunks)

    def decode(self, payload: bytes, shape: tuple[int, int]) -> np.ndarray:
        samples, n = shape
        record = 4 + 8 * n
        out = np.empty(shape)
        previous_index, previous_row = 0, None
        for offset in range(0, len(payload), record):
            index = int(np.frombuffer(payload[offset : offset + 4], "<i4")[0])
            row = np.frombuffer(payload[offset + 4 : offset + record], "<f8")
            if previous_row is not None:
                out[previous_index:index] = previous_row
            previous_index, previous_row = index, row
        out[previous_index:samples] = previous_row
        return out

    def bound(self, trajectory: np.ndarray) -> float:
        return self.dead_band


@dataclass(frozen=True)
class CodecReport:
    """One codec on one trajectory: sizes in bytes, ratio against raw float64, errors in value units."""

    codec: str
    raw_bytes: int
    encoded_bytes: int
    max_error: float
    rms_error: float
    bound: float
    encode_seconds: float

    @property
    def ratio(self) -> float:
        return self.raw_bytes / max(self.encoded_bytes, 1)


def default_codecs(step: float = 1e-4, dead_band: float = 1e-3) -> list:
    return [Raw64(), Float16(), Quantised(step), DeltaZstd(step), DeadBand(dead_band)]


def evaluate(codec: object, trajectory: np.ndarray) -> CodecReport:
    """Encode and decode ``trajectory`` with ``codec``; measure ratio and reconstruction error."""
    array = _as_trajectory(trajectory)
    start = time.perf_counter()
    payload = codec.encode(array)
    elapsed = time.perf_counter() - start
    restored = codec.decode(payload, array.shape)
    error = np.abs(restored - array)
    return CodecReport(
        codec.name,
        array.size * 8,
        len(payload),
        float(error.max(initial=0.0)),
        float(np.sqrt(np.mean(error**2))),
        codec.bound(array),
        elapsed,
    )


def compare(trajectory: np.ndarray, codecs: list | None = None) -> list[CodecReport]:
    """One report per codec (default: ``default_codecs()``)."""
    return [evaluate(codec, trajectory) for codec in (codecs or default_codecs())]
