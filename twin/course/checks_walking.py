"""Check for notebook 10's exercise: a gait judged on terrains the student never sees, and on the stand-in."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from twin.course.checks import CheckResult, _call
from twin.walking.evaluation import evaluate_gait
from twin.walking.standin import PhysicalBiped
from twin.walking.walker import Gait

HIDDEN_SEEDS = tuple(2_000_000 + k for k in range(6))  # above every training and held-out seed in the notebook
HIDDEN_DIFFICULTY = 0.2
WALK_SECONDS = 6.0
NEEDED_DISTANCE = 2.0  # m: mean over the hidden terrains, and on the stand-in on flat ground


def check_walking_gait(choose_gait: Callable[[], object]) -> CheckResult:
    """Pass when the student's gait walks on average at least 2 m in 6 s on six hidden terrains of
    difficulty 0.2, and at least 2 m in 6 s on the stand-in (hidden masses, friction, motors, latency)."""
    name = "Walking on hidden terrain"
    answer, failed = _call(name, choose_gait)
    if failed is not None:
        return failed
    try:
        gait = answer if isinstance(answer, Gait) else Gait.from_vector(np.asarray(answer, dtype=float))
    except (ValueError, TypeError) as error:
        return CheckResult(name, False, f"Return a Gait (or its {len(Gait.names())} numbers): {error}")
    scores = evaluate_gait(gait, [HIDDEN_DIFFICULTY], HIDDEN_SEEDS, duration=WALK_SECONDS)[0]
    mean = float(np.mean([w.distance for w in scores.walks]))
    robot = PhysicalBiped(seed=0).walk_terrains(gait, [0.0], HIDDEN_SEEDS[:1], WALK_SECONDS)[0].walks[0]
    problems = []
    if mean < NEEDED_DISTANCE:
        worst = min(scores.walks, key=lambda w: w.distance)
        why = (
            f"it fell at {worst.fall_y:.2f} m, on a {worst.fall_slope_deg:+.1f} degree slope ({worst.fall_reason})"
            if worst.fell
            else f"it did not fall but only covered {worst.distance:.2f} m: it shuffles in place"
        )
        problems.append(
            f"on the hidden terrains it walks {mean:.2f} m on average, short of {NEEDED_DISTANCE} m; on the worst "
            f"one {why}. Train on rough terrain (terrain randomisation, a curriculum), not on flat ground only."
        )
    if robot.distance < NEEDED_DISTANCE:
        why = f"fell at {robot.fall_y:.2f} m ({robot.fall_reason})" if robot.fell else "stayed up but barely moved"
        problems.append(
            f"on the robot stand-in it walks {robot.distance:.2f} m and {why}: randomise the masses, friction, "
            "motor strength and latency during optimisation (DynamicsRanges)."
        )
    if problems:
        return CheckResult(name, False, " ".join(problems))
    return CheckResult(
        name,
        True,
        f"{mean:.2f} m on average on six hidden terrains ({scores.success_rate:.0%} without a fall) and "
        f"{robot.distance:.2f} m on the stand-in, in {WALK_SECONDS:.0f} s each.",
    )
