"""Every benchmark script still runs to the end (with small sizes) and prints its figures.

Benchmarks are for people, not for pass/fail on speed: nothing here looks at a time or a ratio. It only keeps the
scripts from rotting when the code under them changes (one stopped working when the schema capped ``steps``).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

BENCHMARKS = Path(__file__).resolve().parents[1] / "benchmarks"
SMALL_RUNS = {  # script -> arguments for a short run, and the phrase (or phrases) its output must contain
    "bench_calibration.py": (["--quick"], "unidentifiable"),
    "bench_humanoid_twin.py": (["--steps", "48", "--rounds", "1"], "ratio twin / two bare simulations"),
    "bench_fleet.py": (["--robots", "2", "--workers", "1", "--steps", "24"], "speed-up over serial"),
    "bench_link.py": (["--messages", "200", "--stream", "2000"], "throughput, validated on receipt"),
    "bench_mqtt_vs_zmq.py": (["--messages", "20"], "ratio MQTT / ZeroMQ"),
    "bench_notebook_runner.py": (["--runs", "1", "--notebook", "notebooks/00_setup_check.ipynb"], "stalled runs"),
    "bench_operation.py": ([], "simulated days per wall second"),
    "bench_sensors.py": (["--quick"], "camera 320x240, lens + noise"),
    "bench_solver_settings.py": (["--quick"], "solver iterations"),
    "bench_transfer.py": (["--standins", "4", "--workers", "2"], "speed-up"),
    "bench_twin_overhead.py": (  # the fused floor must be the twin's own run, or its figure means nothing
        ["--steps", "200", "--rounds", "1"],
        ("the twin's run, bit for bit: True", "lean step ratio, humanoid"),
    ),
    "bench_viewer.py": (["--seconds", "0.2"], "recording:"),
}


def test_every_benchmark_has_a_short_run():
    assert sorted(p.name for p in BENCHMARKS.glob("bench_*.py")) == sorted(SMALL_RUNS)


@pytest.mark.parametrize("script", sorted(SMALL_RUNS))
def test_benchmark_runs_to_the_end(script: str):
    arguments, phrases = SMALL_RUNS[script]
    done = subprocess.run(
        [sys.executable, str(BENCHMARKS / script), *arguments], capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, f"{script} failed:\n{done.stdout[-2000:]}\n{done.stderr[-3000:]}"
    for phrase in (phrases,) if isinstance(phrases, str) else phrases:
        assert phrase in done.stdout, f"{script} printed no {phrase!r}:\n{done.stdout[-2000:]}"
