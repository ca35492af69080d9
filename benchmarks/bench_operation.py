"""Operation-phase costs, measured against baselines taken in the same run (prints figures, asserts nothing).

1. One simulated "day" of the wear scenario (stand-in + model forecast of a 1 s test motion, 480 steps in all)
   against stepping the same two bare simulations by hand: the overhead of the wear bookkeeping.
2. A monitored twin (ResidualMonitor fed after every 12 steps, as the dashboard does) against the same twin
   without the monitor: what real-time monitoring costs.

Run: ``.venv/bin/python benchmarks/bench_operation.py``
"""

from __future__ import annotations

import time

import numpy as np

from twin.operation import ResidualMonitor, WearScenario, monitored_twin
from twin.physical.standin import DEFAULT_TRUTH
from twin.sim.plant import SimulatedRobot


def best_of(repeats: int, function) -> float:
    """Smallest wall time of ``repeats`` calls, s."""
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return min(times)


def bare_day(plan: np.ndarray) -> None:
    """Baseline: the two simulations of a day, created and stepped with no twin code around them."""
    for parameters in (DEFAULT_TRUTH["pendulum"], DEFAULT_TRUTH["pendulum"]):
        with SimulatedRobot("pendulum", parameters) as robot:
            for tau in plan:
                robot.step(tau)


def main() -> None:
    scenario = WearScenario(seed=0)
    plan = scenario.test_torques()
    baseline = best_of(5, lambda: bare_day(plan))
    day = best_of(5, lambda: scenario.health_indicator(10.0))
    print(
        f"one simulated day: {day * 1000:.1f} ms "
        f"(bare simulations {baseline * 1000:.1f} ms, ratio {day / baseline:.2f}x)"
    )
    print(f"  -> {1 / day:.0f} simulated days per wall second")

    steps, chunk = 1200, 12

    def monitored() -> None:
        with monitored_twin(seed=0) as twin:
            monitor = ResidualMonitor.calibrate(twin, seconds=1.0)
            for _ in range(steps // chunk):
                for _ in range(chunk):
                    twin.step()
                monitor.update()

    calibration = 240  # the monitored run also spends 1 s calibrating; add it to the plain run for fairness

    def plain_same_steps() -> None:
        with monitored_twin(seed=0) as twin:
            twin.run(calibration)
            for _ in range(steps):
                twin.step()

    base = best_of(3, plain_same_steps)
    with_monitor = best_of(3, monitored)
    print(
        f"twin, {steps + calibration} steps: {base:.3f} s plain, {with_monitor:.3f} s monitored "
        f"(ratio {with_monitor / base:.2f}x); {steps / 240:.0f} s of robot time in {with_monitor:.2f} s "
        f"= {(steps + calibration) / 240 / with_monitor:.1f}x real time"
    )


if __name__ == "__main__":
    main()
