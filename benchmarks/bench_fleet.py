"""Fleet speed-up against workers: the same fleet of twins serially, then on 1..W worker processes (and Dask).

Every parallel run must give the serial run's numbers bit for bit (each robot is seeded); the script checks.
It prints wall times, robots per second and the speed-up for each worker count, over the serial run and over one
worker (how well the work splits; the two can differ, because building physics worlds, most of a robot's work,
can be faster in a process that has built many already, such as a notebook's kernel after other work), the
measured cost of one robot, and a sizing table: how many cores a fleet of a given size needs to finish one
inspection round in a given time, extrapolated from the cost in a worker. Process start-up (about a second per
'spawn' worker) is part of the first parallel run; later runs reuse the pool, which is how a fleet service runs.

Usage: python benchmarks/bench_fleet.py [--robots 16] [--workers 1 2 4 ...] [--dask] [--steps 240]
"""

from __future__ import annotations

import argparse
import math
import os
import time

import numpy as np

from twin.fleet import Fleet, make_executor, warehouse


def same(a: dict, b: dict) -> bool:
    return a.keys() == b.keys() and all(np.array_equal(a[k].health, b[k].health) for k in a)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--robots", type=int, default=16)
    parser.add_argument("--workers", type=int, nargs="+", default=None, help="worker counts (default 1..cores)")
    parser.add_argument("--steps", type=int, default=240, help="steps per inspection (6 inspections per robot)")
    parser.add_argument("--dask", action="store_true", help="also run on a Dask LocalCluster")
    args = parser.parse_args()
    cores = os.cpu_count() or 1
    workers = args.workers or list(range(1, cores + 1))
    if args.robots < 1 or any(w < 1 for w in workers):
        parser.error("--robots and every --workers value must be >= 1")
    specs = warehouse(args.robots, steps_per_inspection=args.steps)
    load = f"{os.getloadavg()[0]:.1f}" if hasattr(os, "getloadavg") else "unknown"
    print(f"fleet: {args.robots} robots x 6 inspections x {args.steps} steps; {cores} cores, load {load}")

    with Fleet(specs, "serial") as fleet:
        serial = fleet.run()
    print(f"{'executor':>16} | {'wall [s]':>8} | {'robots/s':>8} | speed-up over serial | over 1 worker")
    print(f"{'serial':>16} | {serial.wall_seconds:>8.2f} | {args.robots / serial.wall_seconds:>8.2f} | 1.00x")
    one_worker: float | None = None  # wall time of the one-worker run, when --workers includes 1
    in_worker = []  # seconds each robot's job took inside its worker, over every run
    kinds = [("processes", w) for w in workers] + ([("dask", max(workers))] if args.dask else [])
    for kind, w in kinds:
        with make_executor(kind, w) as executor:
            with Fleet(specs, executor) as fleet:
                fleet.run()  # warm-up: starts the workers, imports pybullet in each
                run = fleet.run()
        if run.failures or not same(serial.reports, run.reports):
            raise SystemExit(f"{kind} x {w} disagrees with the serial run: the fleet is not reproducible")
        label = f"{kind} x {w}"
        if kind == "processes" and w == 1:
            one_worker = run.wall_seconds
        in_worker.append(run.job_seconds / args.robots)
        over_one = f"{one_worker / run.wall_seconds:.2f}x (ideal {min(w, cores)}x)" if one_worker else "-"
        print(
            f"{label:>16} | {run.wall_seconds:>8.2f} | {args.robots / run.wall_seconds:>8.2f} | "
            f"{serial.wall_seconds / run.wall_seconds:>19.2f}x | {over_one}"
        )
    per_robot = float(np.median(in_worker))
    print(
        f"measured cost of one robot (6 inspections) on one core: {serial.wall_seconds / args.robots:.3f} s in this "
        f"process, {per_robot:.3f} s in a worker (median over the runs; the sizing uses it)"
    )
    print("sizing: cores needed to inspect a fleet within a time budget (perfect scaling, measured per-robot cost)")
    print(f"{'fleet':>7} | {'budget 10 s':>11} | {'budget 60 s':>11} | {'budget 600 s':>12}")
    for size in (100, 1_000, 10_000):
        cells = [f"{math.ceil(size * per_robot / budget):>11d}" for budget in (10, 60)]
        print(f"{size:>7} | {' | '.join(cells)} | {math.ceil(size * per_robot / 600):>12d}")


if __name__ == "__main__":  # required: 'spawn' workers re-import this file
    started = time.perf_counter()
    main()
    print(f"benchmark wall time {time.perf_counter() - started:.1f} s")
