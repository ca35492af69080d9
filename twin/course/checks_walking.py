"""Check for notebook 10's exercise: a gait judged on terrains the student never sees, and on the stand-in."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from twin.course.checks import CheckResult, _call
from twin.walking.evaluation import evaluate_gait
from twin.walking.standin import PhysicalBiped
from twin.walking.walker import Gait, WalkResult

HIDDEN_SEEDS = tuple(2_000_000 + k for k in range(6))  # above every training and held-out seed in the notebook
ROBOT_SEED = 2_000_100  # the terrain the stand-in walks on
HIDDEN_DIFFICULTY = 0.2
WALK_SECONDS = 6.0
NEEDED_SUCCESS = 4  # walks without a fall, of the six hidden terrains
NEEDED_DISTANCE = 2.0  # m the stand-in must walk in WALK_SECONDS, without a fall


def _why(walk: WalkResult) -> str:
    if walk.fell:
        return f"fell at {walk.fall_y:.2f} m, on a {walk.fall_slope_deg:+.1f} degree slope ({walk.fall_reason})"
    return f"did not fall but only covered {walk.distance:.2f} m"


def check_walking_gait(choose_gait: Callable[[], object]) -> CheckResult:
    """Pass when the student's gait walks 6 s without a fall on at least 4 of 6 hidden terrains of difficulty
    0.2, and walks at least 2 m without a fall on the stand-in (hidden masses, friction, motors, latency) on
    another hidden terrain of the same difficulty."""
    name = "Walking on hidden terrain"
    answer, failed = _call(name, choose_gait)
    if failed is not None:
        return failed
    try:
        gait = answer if isinstance(answer, Gait) else Gait.from_vector(np.asarray(answer, dtype=float))
    except (ValueError, TypeError) as error:
        return CheckResult(name, False, f"Return a Gait (or its {len(Gait.names())} numbers): {error}")
    scores = evaluate_gait(gait, [HIDDEN_DIFFICULTY], HIDDEN_SEEDS, duration=WALK_SECONDS)[0]
    upright = sum(not w.fell for w in scores.walks)
    mean = float(np.mean([w.distance for w in scores.walks]))
    robot = PhysicalBiped(seed=0).walk_terrains(gait, [HIDDEN_DIFFICULTY], [ROBOT_SEED], WALK_SECONDS)[0].walks[0]
    problems = []
    if upright < NEEDED_SUCCESS:
        fallen = [w for w in scores.walks if w.fell]
        first = min(fallen or scores.walks, key=lambda w: w.fall_time)
        problems.append(
            f"it stays up on {upright} of the {len(HIDDEN_SEEDS)} hidden terrains (needed: {NEEDED_SUCCESS}); on the "
            f"worst one it {_why(first)}. Train on rough terrain (terrain randomisation, a curriculum), not on flat "
            "ground only."
        )
    elif mean < NEEDED_DISTANCE:
        problems.append(
            f"it stays up but walks only {mean:.2f} m on average on the hidden terrains: it shuffles in place. "
            "Reward distance (the optimiser's score does), not only staying up."
        )
    if robot.fell or robot.distance < NEEDED_DISTANCE:
        problems.append(
            f"on the robot stand-in it {_why(robot)}, short of {NEEDED_DISTANCE} m without a fall: randomise the "
            "masses, friction, motor strength and latency during optimisation (DynamicsRanges)."
        )
    if problems:
        return CheckResult(name, False, " ".join(problems))
    return CheckResult(
        name,
        True,
        f"it stays up on {upright} of the {len(HIDDEN_SEEDS)} hidden terrains ({mean:.2f} m on average) and walks "
        f"{robot.distance:.2f} m on the stand-in without a fall, in {WALK_SECONDS:.0f} s each.",
    )
