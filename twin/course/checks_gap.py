"""Autograded checks for chapter 07 (the reality gap). Same verdict for the student and the grader.

Exercise 1: from an ablation's shares, name the dominant cause and the remedy that removes it.
Exercise 2: choose randomisation ranges whose tuned controller transfers to a hidden set of robots.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from twin.core.types import DynamicsParameters
from twin.course.checks import CheckResult, _call
from twin.gap.randomization import QUANTITIES, Randomization, Range
from twin.gap.reality import CAUSES, REMEDIES, Reality
from twin.gap.transfer import Gains, ReachTask, gain_grid, model_inertia, transfer, tune
from twin.physical.standin import UnmodeledEffects


# -- exercise 1 ------------------------------------------------------------------------------------
def mystery_reality() -> Reality:
    """The robot of exercise 1. Peeking here spoils the exercise: run the ablation instead."""
    return Reality(
        DynamicsParameters(mass_scale=1.03, joint_friction=0.1, joint_damping=0.01),
        UnmodeledEffects(sensor_bias=0.005),
        position_noise_std=0.002,
        velocity_noise_std=0.02,
    )


def reference_diagnosis(shares: Mapping[str, float]) -> tuple[str, str]:
    """The cause with the largest (positive) share, never the interaction term, and its remedy."""
    causes = {name: value for name, value in shares.items() if name in CAUSES}
    dominant = max(causes, key=causes.get)
    return dominant, CAUSES[dominant].remedy


_DIAGNOSIS_CASES: tuple[dict[str, float], ...] = (
    {"mass": 0.15, "joint friction": 0.7, "joint damping": 0.1, "sensor noise": 0.01, "interaction": 0.04},
    {"mass": 0.3, "sensor bias": 0.55, "sensor noise": 0.02, "interaction": 0.13},
    {"joint damping": 0.25, "payload": 0.2, "sensor noise": 0.05, "interaction": 0.5},
    {"mass": 1.2, "joint damping": -1.3, "joint friction": 0.9, "interaction": 0.2},
    {"joint friction": 0.1, "sensor noise": 0.8, "interaction": 0.1},
)


Diagnose = Callable[[Mapping[str, float]], tuple[str, str]]


def check_diagnosis(diagnose: Diagnose, shares: Mapping[str, float]) -> CheckResult:
    """Checks ``diagnose(shares) -> (cause, remedy)`` on your ablation and on a few made-up ones."""
    name = "Exercise 1: dominant cause and its remedy"
    made_up = [(f"made-up ablation {i + 1}", case) for i, case in enumerate(_DIAGNOSIS_CASES)]
    cases = [("your ablation", dict(shares)), *made_up]
    for label, case in cases:
        answer, failure = _call(name, diagnose, case)
        if failure is not None:
            return failure
        if not (isinstance(answer, tuple | list) and len(answer) == 2):
            return CheckResult(name, False, f"Return a pair (cause, remedy), two strings; got {answer!r}.")
        cause, remedy = answer
        want_cause, want_remedy = reference_diagnosis(case)
        if cause != want_cause:
            if cause == "interaction":
                hint = "the interaction is what the causes do *together*, not a cause you can switch off or fix."
            elif cause in case and case[cause] < 0:
                hint = (
                    "a negative share means that cause *reduces* the gap (it partly cancels another); "
                    "look for the largest positive share."
                )
            elif cause not in case:
                names = sorted(c for c in case if c in CAUSES)
                hint = f"return one of the cause names in the shares, exactly as written ({names})."
            else:
                hint = "the dominant cause is the one with the largest share of the gap."
            return CheckResult(name, False, f"On {label}, {cause!r} is not the dominant cause. Hint: {hint}")
        if remedy != want_remedy:
            if remedy not in REMEDIES:
                hint = f"the remedy must be one of {sorted(REMEDIES)}."
            else:
                hint = (
                    "ask what kind of cause it is: a wrong value of a term the model has, an effect the model has no "
                    "term for, or something the sensor does. The table `CAUSES` in the notebook lists each one's kind."
                )
            return CheckResult(name, False, f"On {label}, {remedy!r} does not remove {cause!r}. Hint: {hint}")
    return CheckResult(name, True, "Dominant cause and remedy are right on your ablation and on five made-up ones.")


# -- exercise 2 ------------------------------------------------------------------------------------
TRAINING_SAMPLES = 8
HIDDEN_STANDINS = 8
_HIDDEN = Randomization(
    {
        "mass_scale": Range(0.9, 1.35),
        "joint_friction": Range(0.0, 0.08),
        "joint_damping": Range(0.0, 0.05),
        "sensor_bias": Range(-0.02, 0.02),
        "position_noise_std": Range(0.0, 0.002),
        "velocity_noise_std": Range(0.0, 0.05),
    }
)


def exercise_task() -> tuple[ReachTask, list[Gains]]:
    """The reach task of exercise 2 and the candidate gains the tuner chooses from."""
    task = ReachTask()
    return task, gain_grid([10.0, 12.0, 14.0, 15.0], [0.0, 20.0], model_inertia(task))


def _as_randomization(answer: object) -> Randomization:
    if isinstance(answer, Randomization):
        return answer
    if isinstance(answer, Mapping):
        ranges = {}
        for key, value in answer.items():
            ranges[key] = value if isinstance(value, Range) else Range(*value)
        return Randomization(ranges)
    raise TypeError(f"return a dict {{quantity: (low, high)}} or a Randomization, got {type(answer).__name__}")


def check_training_ranges(training_ranges: Callable[[], object]) -> CheckResult:
    """Tunes the controller over your ranges and tries it on hidden robots: it must succeed on every one."""
    name = "Exercise 2: randomisation ranges that transfer"
    answer, failure = _call(name, training_ranges)
    if failure is not None:
        return failure
    try:
        ranges = _as_randomization(answer)
    except (TypeError, ValueError) as error:
        return CheckResult(name, False, f"Your ranges are not usable: {error} Known quantities: {list(QUANTITIES)}.")
    needs_actuator = [key for key in ranges.ranges if QUANTITIES[key][1] == "actuator"]
    if needs_actuator:
        return CheckResult(
            name,
            False,
            f"{needs_actuator}: the robots in this exercise have no actuator model; "
            "randomise dynamics and sensor quantities only.",
        )
    task, candidates = exercise_task()
    tuned = tune(task, ranges.sample(TRAINING_SAMPLES, seed=0), candidates)
    result = transfer(task, {"yours": tuned.best}, _HIDDEN.sample(HIDDEN_STANDINS, seed=2026), workers=1)
    wins = int(result.success.sum())
    if wins == HIDDEN_STANDINS:
        return CheckResult(
            name, True, f"Tuned over your ranges, the controller ({tuned.best}) succeeded on all {wins} hidden robots."
        )
    gains = tuned.best
    if gains.kp >= task.torque_limit / abs(task.target[0] - task.start[0]):
        hint = (
            "the tuned controller spends the whole torque budget at the first step. What, in a real robot, "
            "could make its very first command a little larger than on the model?"
        )
    elif gains.ki == 0:
        hint = (
            "the tuned controller has no integral action, so a robot heavier than the model ends with an offset. "
            "Do your ranges let the tuner see such robots?"
        )
    else:
        hint = (
            "the tuned controller is cautious (low stiffness): ranges much wider than reality make the tuner "
            "please robots that do not exist. Narrow them towards what the ablation says matters."
        )
    return CheckResult(name, False, f"It succeeded on {wins} of {HIDDEN_STANDINS} hidden robots. Hint: {hint}")
