"""Do notebook runs stall? nbclient's plain client against the course tools' sliced-poll client, same notebook.

Runs the notebook top to bottom ``--runs`` times with each client (alternating, full size) and prints each run's
wall time and its slowest cell. A missed wake-up shows as a cell that takes the whole ``--cell-timeout``: the
kernel has answered and sits idle while the client's poll waits out its timeout (twin/course/notebook_runner.py).
Measured on a shared 2-core machine, notebook 03 (whose widget cells are where it happens): the plain client
stalled 60 s in 3 of 11 runs; the sliced client ran 18 of 18 in about 10 s each. This script, 8 runs each (2026-12-06):
plain nbclient stalled in 3 of 8, some runs several times (137 to 197 s a run); the sliced client in 0 of 8.

Usage: python benchmarks/bench_notebook_runner.py [--runs 10] [--notebook notebooks/03_sensor_simulation.ipynb]
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

from twin.course.notebook_runner import notebook_client


def one_run(path: Path, sliced: bool, cell_timeout: int) -> tuple[float, float, int]:
    """(run's wall time, slowest cell, its index), seconds: cells that time out count as the timeout."""
    notebook = nbformat.read(path, as_version=4)
    options = dict(timeout=cell_timeout, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}})
    options.update(interrupt_on_timeout=True, allow_errors=True)
    client = notebook_client(notebook, **options) if sliced else NotebookClient(notebook, **options)
    slowest, where = 0.0, -1
    started = time.perf_counter()
    with client.setup_kernel():
        for index, cell in enumerate(notebook.cells):
            cell_started = time.perf_counter()
            client.execute_cell(cell, index)
            if time.perf_counter() - cell_started > slowest:
                slowest, where = time.perf_counter() - cell_started, index
    return time.perf_counter() - started, slowest, where


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--notebook", type=Path, default=Path("notebooks/03_sensor_simulation.ipynb"))
    parser.add_argument("--cell-timeout", type=int, default=60, help="s; a stalled cell waits this long")
    args = parser.parse_args()
    os.environ["TWIN_TEST_MODE"] = "0"
    stalled = {False: 0, True: 0}
    print(f"{args.notebook}, {args.runs} runs per client, cell timeout {args.cell_timeout} s")
    for run in range(args.runs):
        for sliced in (False, True):
            wall, slowest, where = one_run(args.notebook, sliced, args.cell_timeout)
            stall = slowest > 0.9 * args.cell_timeout
            stalled[sliced] += stall
            name = "sliced poll" if sliced else "plain nbclient"
            flag = "  STALLED" if stall else ""
            print(f"run {run}: {name:14s} {wall:6.1f} s, slowest cell {where} {slowest:5.1f} s{flag}")
    for sliced, name in ((False, "plain nbclient"), (True, "sliced poll (twin.course.notebook_runner)")):
        print(f"stalled runs, {name}: {stalled[sliced]} of {args.runs}")


if __name__ == "__main__":
    main()
