"""What accuracy costs: time step and solver iterations, each against a baseline measured in the same run.

Prints, for each setting, its error, its wall time (best of several repeats) and two ratios against the
baseline setting (pybullet's defaults, 1/240 s and 50 iterations): cost ratio = time / baseline time and
error ratio = error / baseline error. Run: ``.venv/bin/python benchmarks/bench_solver_settings.py [--quick]``.

- time step: a free pendulum swing of 2 s against an accurate solution of its equation (error: largest
  angle error, rad); semi-implicit Euler is first order, so halving the step should halve the error and
  double the cost.
- solver iterations: a stack of six boxes for 1 s (error: how much shorter the stack stands than it should, m).
- the soft-body jelly cube and the actuator model, per simulated step, against the rigid pendulum's step.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable

import numpy as np

from twin.actuators import MINITAUR_MOTOR, ActuatorModel, ActuatorParameters
from twin.physics import SoftCubeDrop, solver_iteration_study, time_step_study
from twin.sim.plant import SimulatedRobot


def best_of(run: Callable[[], object], repeats: int) -> float:
    """Seconds of the fastest of ``repeats`` runs (the least disturbed by other processes)."""
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        run()
        best = min(best, time.perf_counter() - start)
    return best


def bench_time_step(repeats: int) -> None:
    steps = (1 / 60, 1 / 120, 1 / 240, 1 / 480, 1 / 960)
    runs = [time_step_study(steps, duration=2.0) for _ in range(repeats)]  # wall: the stepping loop only
    rows = runs[0]
    costs = [min(run[i].wall_seconds for run in runs) for i in range(len(steps))]
    base = steps.index(1 / 240)
    print("time step (pendulum, 2 s free swing; baseline 1/240 s)")
    print(f"{'step':>9} {'error':>12} {'wall':>9} {'cost ratio':>11} {'error ratio':>12}")
    for dt, row, cost in zip(steps, rows, costs, strict=True):
        print(
            f"{dt * 1000:6.2f} ms {row.error * 1000:8.3f} mrad {cost * 1000:6.1f} ms "
            f"{cost / costs[base]:11.2f} {row.error / rows[base].error:12.2f}"
        )


def bench_iterations(repeats: int) -> None:
    iterations = (1, 2, 5, 10, 50, 100)
    runs = [solver_iteration_study(iterations) for _ in range(repeats)]  # wall: the stepping loop only
    rows = runs[0]
    costs = [min(run[i].wall_seconds for run in runs) for i in range(len(iterations))]
    base = iterations.index(50)
    print("\nsolver iterations (six-box stack, 1 s; baseline 50)")
    print(f"{'iterations':>10} {'too short':>12} {'wall':>9} {'cost ratio':>11} {'error ratio':>12}")
    for n, row, cost in zip(iterations, rows, costs, strict=True):
        print(
            f"{n:10d} {row.error * 1000:9.3f} mm {cost * 1000:6.1f} ms "
            f"{cost / costs[base]:11.2f} {row.error / rows[base].error:12.1f}"
        )


def bench_per_step(steps: int, repeats: int) -> None:
    with SimulatedRobot("pendulum") as plant:
        actuator = ActuatorModel(ActuatorParameters(motor=MINITAUR_MOTOR, latency=0.01, backlash=0.01), 1, 1 / 240)
        zero = np.zeros(1)

        def ideal() -> None:
            for _ in range(steps):
                plant.state()
                plant.step(zero)

        rigid = best_of(ideal, repeats) / steps

        def with_actuator() -> None:
            for _ in range(steps):
                state = plant.state()
                plant.step(actuator.torques(zero, state.positions, state.velocities))

        modelled = best_of(with_actuator, repeats) / steps
    with SoftCubeDrop() as drop:
        drop.world.step(480)  # landed and resting: contacts are part of the cost
        soft_steps = max(20, steps // 20)
        soft = best_of(lambda: drop.world.step(soft_steps), 1) / soft_steps
    print("\nper simulated step (baseline: the rigid pendulum, reading its state and stepping with a torque)")
    for name, seconds in (
        ("rigid pendulum (ideal)", rigid),
        ("pendulum + actuator model", modelled),
        ("soft jelly cube (64 nodes)", soft),
    ):
        print(f"{name:<28} {seconds * 1e6:10.1f} us/step  {1 / seconds:10.0f} steps/s  ratio {seconds / rigid:8.1f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer repeats (for a smoke run)")
    args = parser.parse_args()
    repeats = 1 if args.quick else 5
    bench_time_step(repeats)
    bench_iterations(repeats)
    bench_per_step(500 if args.quick else 5000, repeats)


if __name__ == "__main__":
    main()
