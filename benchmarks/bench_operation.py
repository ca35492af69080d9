"""Operation-phase costs, measured against baselines taken in the same run (prints figures, asserts nothing).

1. One simulated "day" of the wear scenario (stand-in + model forecast of a 1 s test motion, 480 steps in all)
   against stepping the same two bare simulations by hand: the stand-in's worn truth of that day, and the
   model the scenario runs (the day-0 ``commissioning_calibration`` estimate, as in notebook 05, not the
   hidden truth). The ratio is the overhead of the wear bookkeeping (sensor, commands, state copies).
2. A monitored twin (its model from the same commissioning calibration; ResidualMonitor fed after every 12 steps,
   as the dashboard does) against the same twin
   without the monitor: what real-time monitoring costs.

Run: ``.venv/bin/python benchmarks/bench_operation.py``
"""

from __future__ import annotations

import time
from collections.abc import Callable

import numpy as np

from twin.operation import ResidualMonitor
from twin.sim.plant import DynamicsParameters, SimulatedRobot
from twin.studies.fault_detection import monitored_twin
from twin.studies.wear import WearScenario


def best_of(repeats: int, function: Callable[[], object]) -> float:
    """Smallest wall time of ``repeats`` calls of ``function()`` (no arguments; its result is ignored), s."""
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return min(times)


def bare_day(plan: np.ndarray, truth: DynamicsParameters, model: DynamicsParameters) -> None:
    """Baseline: the day's two simulations (worn stand-in, calibrated model), stepped by hand with no twin code."""
    for parameters in (truth, model):
        with SimulatedRobot("pendulum", parameters) as robot:
            for tau in plan:
                robot.step(tau)


def main() -> None:
    scenario = WearScenario(seed=0)
    plan = scenario.test_torques()
    day_number = 10.0
    model = scenario.model_parameters  # records and calibrates once (cached), outside the timings
    truth = scenario.day0.with_changes(joint_friction=scenario.friction(day_number))
    print(f"model (day-0 commissioning calibration): {model}")
    baseline = best_of(5, lambda: bare_day(plan, truth, model))
    day = best_of(5, lambda: scenario.health_indicator(day_number))
    print(
        f"one simulated day: {day * 1000:.1f} ms "
        f"(bare simulations {baseline * 1000:.1f} ms, ratio {day / baseline:.2f}x)"
    )
    print(f"  -> {1 / day:.0f} simulated days per wall second")

    steps, chunk = 1200, 12
    monitored_twin(seed=0).close()  # the commissioning calibration is cached: neither timing below pays for it

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
        f"(ratio {with_monitor / base:.2f}x); {(steps + calibration) / 240:.0f} s of robot time "
        f"in {with_monitor:.2f} s "
        f"= {(steps + calibration) / 240 / with_monitor:.1f}x real time"
    )


if __name__ == "__main__":
    main()
