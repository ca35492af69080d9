"""Clock sync theory, stream bookkeeping, interpolation, compression bounds, crash-safe recording."""

from __future__ import annotations

import math
import subprocess
import sys

import numpy as np
import pytest

from twin.link.clock_sync import ClockProbe, ClockSync, asymmetry_bias
from twin.link.compression import DeadBand, DeltaZstd, Float16, Quantised, Raw64, compare, evaluate
from twin.link.impairments import ImpairedChannel, Impairments, SimulatedClock
from twin.link.schema import encode
from twin.link.sync import StateBuffer, StreamMonitor
from twin.link.telemetry_log import Recorder, read_recording


# -- clock sync ----------------------------------------------------------------------------------
def ntp_exchange(offset: float, up: Impairments, down: Impairments, probes: int, seed: int = 0) -> ClockSync:
    """Probes over impaired channels on a simulated clock; the remote clock reads local + offset."""
    clock, sync = SimulatedClock(), ClockSync(window=probes)
    there, back = ImpairedChannel(up, seed), ImpairedChannel(down, seed + 1)
    for _ in range(probes):
        t0 = clock()
        arrival = there.send(b"probe", t0)
        clock.now = arrival
        there.receive(clock())
        t1 = t2 = clock() + offset  # the remote answers at once, stamping its own clock
        clock.now = back.send(b"reply", clock())
        back.receive(clock())
        sync.add(t0, t1, t2, clock())
        clock.advance(0.01)
    return sync


def test_symmetric_path_gives_the_exact_offset():
    sync = ntp_exchange(offset=1.234, up=Impairments(latency=0.002), down=Impairments(latency=0.002), probes=4)
    assert sync.offset == pytest.approx(1.234, abs=1e-12)
    assert sync.best.delay == pytest.approx(0.004, abs=1e-12)


def test_asymmetric_path_biases_the_estimate_by_half_the_difference_within_the_bound():
    up, down = 0.003, 0.001
    sync = ntp_exchange(offset=0.5, up=Impairments(latency=up), down=Impairments(latency=down), probes=4)
    bias = sync.offset - 0.5
    assert bias == pytest.approx(asymmetry_bias(up, down), abs=1e-12) == pytest.approx(0.001)
    assert abs(bias) <= sync.error_bound == pytest.approx((up + down) / 2)


def test_with_jitter_every_probe_stays_within_its_bound_and_the_best_is_the_tightest():
    sync = ntp_exchange(
        offset=-0.2,
        up=Impairments(latency=0.001, jitter=0.002),
        down=Impairments(latency=0.001, jitter=0.0005),
        probes=32,
    )
    assert all(abs(p.offset + 0.2) <= p.error_bound + 1e-15 for p in sync.probes)
    assert sync.error_bound == min(p.error_bound for p in sync.probes)
    assert sync.to_local(10.0) == pytest.approx(10.0 - sync.offset)


def test_probe_refuses_impossible_timestamps():
    with pytest.raises(ValueError, match="cannot arrive"):
        ClockProbe(t0=1.0, t1=5.0, t2=5.1, t3=0.9)
    with pytest.raises(RuntimeError, match="No clock probe"):
        _ = ClockSync().offset


# -- stream bookkeeping and buffering -----------------------------------------------------------------
def test_monitor_counts_gaps_late_duplicates_and_restarts():
    monitor = StreamMonitor(stale_after=0.5)
    assert monitor.is_stale(0.0)
    monitor.heartbeat("A", 0.0)
    outcomes = [monitor.observe(seq, 0.1) for seq in (0, 1, 4, 2, 2, 5)]
    assert outcomes == ["in_order", "in_order", "gap", "late", "duplicate", "in_order"]
    assert (monitor.gaps, monitor.late, monitor.duplicates) == (1, 1, 1)  # 3 is still missing
    assert not monitor.is_stale(0.6) and monitor.is_stale(0.61)
    assert monitor.heartbeat("B", 1.0) and monitor.reconnections == 1
    assert monitor.observe(0, 1.0) == "in_order"  # a restarted sender counts from 0 again, no false gap


def test_buffer_interpolates_and_dead_reckons():
    buffer = StateBuffer(max_extrapolation=0.1)
    buffer.add(0.2, np.array([2.0]), np.array([10.0]))
    buffer.add(0.0, np.array([0.0]), np.array([10.0]))  # late arrival slots in before
    middle = buffer.at(0.05)
    assert middle.how == "interpolated" and middle.positions[0] == pytest.approx(0.5)
    ahead = buffer.at(0.25)
    assert ahead.how == "extrapolated" and ahead.positions[0] == pytest.approx(2.5)
    too_far = buffer.at(0.5)
    assert too_far.how == "held" and too_far.positions[0] == 2.0 and too_far.velocities[0] == 0.0
    assert buffer.at(0.2).how == "exact"


# -- compression -----------------------------------------------------------------------------------
def trajectory(seed: int = 0) -> np.ndarray:
    t = np.linspace(0.0, 2.0, 481)[:, None]
    rng = np.random.default_rng(seed)
    return 0.8 * np.sin(2 * np.pi * t * np.arange(1, 8) / 3) + 0.002 * rng.standard_normal((481, 7))


@pytest.mark.parametrize("codec", [Raw64(), Float16(), Quantised(1e-4), DeltaZstd(1e-4), DeadBand(5e-3)])
def test_every_codec_stays_within_its_stated_error_bound(codec):
    report = evaluate(codec, trajectory())
    assert report.max_error <= report.bound + 1e-15
    assert report.raw_bytes == 481 * 7 * 8


def test_compression_ratios_match_the_arithmetic():
    reports = {r.codec: r for r in compare(trajectory(), [Raw64(), Float16(), Quantised(1e-4), DeadBand(5e-3)])}
    assert reports["raw64"].ratio == 1.0 and reports["raw64"].max_error == 0.0
    assert reports["float16"].ratio == 4.0 and reports["quantised"].ratio == 4.0
    assert reports["deadband"].ratio < 1.0  # moving faster than the dead band per step: all sent, +4 bytes each
    resting = 0.0005 * np.random.default_rng(1).standard_normal((400, 7))  # sensor noise on a robot at rest
    assert evaluate(DeadBand(5e-3), resting).encoded_bytes == 4 + 7 * 8  # only the first sample goes out
    smooth = np.cumsum(np.full((1000, 3), 1e-4), axis=0)  # constant velocity: deltas all equal
    assert evaluate(DeltaZstd(1e-4), smooth).ratio > 50


def test_codecs_refuse_values_they_cannot_hold():
    with pytest.raises(ValueError, match="larger step"):
        Quantised(1e-4).encode(np.full((2, 2), 10.0))
    with pytest.raises(ValueError, match="float16"):
        Float16().encode(np.full((1, 1), 1e6))


@pytest.mark.parametrize(
    "make, match",
    [
        (lambda: DeltaZstd(0.0), r"step=0.0 is outside the valid range \(> 0"),  # was: a division by zero
        (lambda: DeltaZstd(math.nan), "step=nan"),  # was: garbage counts, encoded without a word
        (lambda: DeltaZstd(-1e-4), "step=-0.0001"),  # was: a negative error bound in the report
        (lambda: DeltaZstd(level=2.5), "level=2.5 must be a zstd compression level"),
        (lambda: DeadBand(-1.0), "dead_band=-1.0"),  # was: every sample sent, and a bound of -1
        (lambda: DeadBand(math.nan), "dead_band=nan"),
        (lambda: Quantised(True), "step must be a number"),  # was: a step of 1
    ],
)
def test_codec_settings_are_checked_when_the_codec_is_made(make, match):
    with pytest.raises((ValueError, TypeError), match=match):
        make()


def test_an_empty_or_one_dimensional_trajectory_is_refused_with_the_shape_that_fits():
    with pytest.raises(ValueError, match=r"got shape \(481,\) \(one signal: values.reshape\(-1, 1\)\)"):
        compare(trajectory()[:, 0])
    with pytest.raises(ValueError, match="at least one sample"):  # was: reports of NaN error, with warnings
        compare(np.zeros((0, 3)))


# -- recording --------------------------------------------------------------------------------------
def test_a_crash_loses_at_most_the_last_chunk(tmp_path):
    path = tmp_path / "crash.mcap"
    message_bytes = len(encode("state", 0, 0.0, q=np.zeros(7), qd=np.zeros(7)))
    chunk = 2048
    script = (
        "import os, numpy as np; from twin.link.telemetry_log import Recorder; from twin.link.schema import encode\n"
        f"r = Recorder({str(path)!r}, chunk_bytes={chunk})\n"
        "for i in range(500):\n"
        "    r.write('state', encode('state', i, i * 1e-3, q=np.full(7, i), qd=np.zeros(7)), i * 1e-3)\n"
        "os._exit(1)  # crash: no footer, no summary\n"
    )
    subprocess.run([sys.executable, "-c", script], check=False, timeout=60)
    recording = read_recording(path)
    assert not recording.complete
    seqs = [m.seq for _, _, m in recording.rows]
    assert seqs == list(range(len(seqs)))  # every message read back is whole, in order
    assert 500 - len(seqs) <= chunk // message_bytes + 1
    truncated = tmp_path / "torn.mcap"
    truncated.write_bytes(path.read_bytes()[:-100])  # a chunk torn in the middle
    assert 0 < len(read_recording(truncated).rows) <= len(seqs)


def test_a_closed_recording_is_complete_and_exact(tmp_path):
    with Recorder(tmp_path / "ok.mcap") as recorder:
        for i in range(50):
            recorder.write("state", encode("state", i, i * 0.01, q=[i, -i], qd=[0.0, 1.0]), i * 0.01)
    recording = read_recording(tmp_path / "ok.mcap")
    assert recording.complete and len(recording.topic("state")) == 50
    assert recording.rows[7][2]["q"].tolist() == [7.0, -7.0] and recording.rows[7][1] == pytest.approx(0.07)


def test_monitor_memory_is_fixed_whatever_the_sequence_numbers():
    from twin.link.sync import SEQ_WINDOW

    monitor = StreamMonitor()
    monitor.heartbeat("A", 0.0)
    assert monitor.observe(0, 0.0) == "in_order"
    assert monitor.observe(2**62, 0.0) == "gap" and monitor.gaps == 2**62 - 1  # counted, not listed
    assert monitor.observe(2**62 - 1, 0.0) == "late" and monitor.gaps == 2**62 - 2  # inside the window
    assert monitor.observe(2**62 - SEQ_WINDOW + 1, 0.0) == "late"  # the oldest number still remembered
    assert monitor.observe(2**62 - SEQ_WINDOW, 0.0) == "too_old" and monitor.too_old == 1  # beyond: still a gap
    assert monitor.gaps == 2**62 - 3 and monitor.observe(2**62 - 1, 0.0) == "duplicate"
    assert sys.getsizeof(monitor._missing) <= SEQ_WINDOW // 8 + 64  # one bit per remembered number
    for bad in (-1, 2**63, 1.5, True):
        with pytest.raises(ValueError, match="0 .. 9223372036854775807"):
            monitor.observe(bad, 0.0)
