"""What does the humanoid twin cost per step, against the simulations it runs?

The humanoid twin steps two humanoid simulations each control step: the robot's stand-in (with its sensors)
and the twin's model (teleported by the estimator for forward kinematics), plus the estimator's filters and
the balance controller. The baseline is two bare humanoid simulations (``World`` + ``load_robot('humanoid')``,
servos holding the standing pose) stepped side by side in the same process. Candidates run in rotating
order, ``rounds`` times each; the median round is reported. Target (issue 18): twin / baseline <= 1.5.

Also: the estimator alone per step (``FloatingBaseEstimator.update`` on recorded measurements) and one
0.6 s fall forecast.

Usage: python benchmarks/bench_humanoid_twin.py [--steps 480] [--rounds 5]
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable

from twin.humanoid import FloatingBaseEstimator, HumanoidModel, HumanoidStandIn, HumanoidTruth, HumanoidTwin
from twin.sim import World
from twin.sim.world import DEFAULT_TIME_STEP


def rotating_medians(runs: dict[str, Callable[[], None]], rounds: int) -> dict[str, float]:
    """Median wall seconds of each run over ``rounds``, the order rotated each round (no run always first)."""
    names = list(runs)
    seconds: dict[str, list[float]] = {name: [] for name in names}
    for r in range(rounds):
        for name in names[r % len(names) :] + names[: r % len(names)]:
            start = time.perf_counter()
            runs[name]()
            seconds[name].append(time.perf_counter() - start)
    return {name: statistics.median(values) for name, values in seconds.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=480, help="control steps per round (default 480 = 2 s)")
    parser.add_argument("--rounds", type=int, default=5, help="rounds per candidate (default 5)")
    args = parser.parse_args()
    steps = args.steps

    bare = [World() for _ in range(2)]
    for world in bare:
        world.load_robot("humanoid")
    robot = HumanoidStandIn(HumanoidTruth.random(0), seed=0)
    twin = HumanoidTwin()
    model = HumanoidModel()
    estimator = FloatingBaseEstimator(model)
    with HumanoidStandIn(HumanoidTruth.random(0), seed=0) as recorder:
        measurements = [recorder.step() for _ in range(steps)]

    def two_bare_simulations() -> None:
        for _ in range(steps):
            bare[0].step()
            bare[1].step()

    def humanoid_twin() -> None:
        for _ in range(steps):
            robot.apply(twin.step(robot.step()))

    def estimator_alone() -> None:
        for m in measurements:
            estimator.update(m)

    try:
        medians = rotating_medians(
            {"bare": two_bare_simulations, "twin": humanoid_twin, "estimator": estimator_alone}, args.rounds
        )
        start = time.perf_counter()
        forecast = twin.forecast()
        forecast_seconds = time.perf_counter() - start
    finally:
        for world in bare:
            world.close()
        robot.close()
        twin.close()
        model.close()

    per_step = {name: value / steps * 1e3 for name, value in medians.items()}
    simulated = steps * DEFAULT_TIME_STEP
    print(f"humanoid twin, {args.rounds} rounds x {steps} steps ({simulated:.1f} s simulated), median round")
    print(f"  two bare humanoid simulations : {per_step['bare']:.3f} ms per step")
    print(f"  humanoid twin step            : {per_step['twin']:.3f} ms per step (stand-in + sensors + estimation"
          " + model + controller)")  # fmt: skip
    print(f"  estimator alone               : {per_step['estimator']:.3f} ms per step")
    print(f"  real-time factor of the twin  : {simulated / medians['twin']:.1f}x")
    ratio = medians["twin"] / medians["bare"]
    print(f"  ratio twin / two bare simulations: {ratio:.2f}  (target <= 1.5: {'met' if ratio <= 1.5 else 'not met'})")
    print(f"  one {forecast.horizon:g} s fall forecast: {forecast_seconds * 1e3:.0f} ms "
          f"({forecast.horizon / forecast_seconds:.1f}x real time)")  # fmt: skip


if __name__ == "__main__":
    main()
