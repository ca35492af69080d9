"""How long does the transfer experiment take, against the number of stand-ins, on one core and on all?

Runs two controllers (the nominal-tuned and a margin-keeping one from notebook 07) on N stand-ins drawn
from the "reality" distribution, once with ``workers=1`` and once with every core (``os.cpu_count()``),
and prints wall times, trials per second and the speed-up of all cores over one. Both runs must give
identical numbers (each stand-in gets the same sensor seed whichever process runs it); the script checks.
The parallel time includes starting the 'spawn' workers (about a second each, in parallel), so the default N
(64, 128, 256 stand-ins, about 6, 12 and 24 s on one core) is large enough for that start-up to matter little;
``--quick`` runs N = 16, 32 only, where start-up eats much of the gain. The speed-up can never exceed the number
of cores, and on a machine shared with other work it is less: the script prints the core count and the load.

Usage: python benchmarks/bench_transfer.py [--standins 64 128 256] [--workers N] [--quick]
"""

from __future__ import annotations

import argparse
import os
import time

import numpy as np

from twin.gap.randomization import Randomization, Range
from twin.gap.task import Gains, ReachTask
from twin.studies.transfer import evaluate

REALITY = Randomization(
    {
        "mass_scale": Range(0.9, 1.35),
        "joint_friction": Range(0.0, 0.08),
        "joint_damping": Range(0.0, 0.05),
        "sensor_bias": Range(-0.02, 0.02),
        "position_noise_std": Range(0.0, 0.002),
        "velocity_noise_std": Range(0.0, 0.05),
    }
)
CONTROLLERS = [Gains(15.0, 3.94, 20.0), Gains(14.0, 3.81, 20.0)]


def timed(task: ReachTask, n: int, workers: int) -> tuple[float, np.ndarray, np.ndarray]:
    realities = REALITY.sample(n, seed=2024)
    started = time.perf_counter()
    success, cost, _ = evaluate(task, CONTROLLERS, realities, seed=0, workers=workers)
    return time.perf_counter() - started, success, cost


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--standins", type=int, nargs="+", default=None, help="N values (default 64 128 256)")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--quick", action="store_true", help="N = 16 32: a smoke test, too small for a fair ratio")
    args = parser.parse_args()
    if args.workers < 1:
        parser.error(f"--workers={args.workers} must be >= 1")
    standins = args.standins or ([16, 32] if args.quick else [64, 128, 256])
    if any(n < 1 for n in standins):
        parser.error(f"--standins {standins}: every N must be >= 1")
    task = ReachTask()
    trials_per_standin = len(CONTROLLERS)
    print(f"transfer experiment: {trials_per_standin} controllers x N stand-ins, {task.steps} steps per trial")
    load = f"{os.getloadavg()[0]:.1f}" if hasattr(os, "getloadavg") else "unknown"
    print(
        f"cores on this machine: {os.cpu_count()} (1-minute load average before the run: {load}); "
        f"parallel run uses {args.workers} worker processes, so the best possible speed-up is "
        f"{min(args.workers, os.cpu_count() or 1)}x"
    )
    parallel = f"{args.workers} workers [s]"
    print(f"{'N':>4} | {'1 core [s]':>10} | {'trials/s':>8} | {parallel:>13} | {'trials/s':>8} | speed-up")
    for n in standins:
        serial_time, serial_success, serial_cost = timed(task, n, 1)
        parallel_time, parallel_success, parallel_cost = timed(task, n, args.workers)
        if not (np.array_equal(serial_success, parallel_success) and np.array_equal(serial_cost, parallel_cost)):
            raise SystemExit("parallel and serial runs disagree: the experiment is not reproducible")
        trials = n * trials_per_standin
        print(
            f"{n:>4} | {serial_time:>10.2f} | {trials / serial_time:>8.1f} | {parallel_time:>13.2f} | "
            f"{trials / parallel_time:>8.1f} | {serial_time / parallel_time:.2f}x"
        )


if __name__ == "__main__":  # required: 'spawn' workers re-import this file
    main()
