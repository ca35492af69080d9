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
from twin.gap.task import Gains, ReachTask
from twin.physical_system.standin import UnmodeledEffects
from twin.studies.transfer import gain_grid, model_inertia, transfer, tune


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
    # one each where an unmodeled cause dominates: a payload, a delay, a held command, play in the gears
    {"payload": 0.6, "mass": 0.25, "sensor noise": 0.05, "interaction": 0.1},
    {"latency": 0.5, "joint damping": 0.3, "sensor noise": 0.05, "interaction": 0.15},
    {"control period": 0.45, "mass": 0.35, "sensor bias": 0.1, "interaction": 0.1},
    {"backlash": 0.55, "joint friction": 0.3, "latency": 0.1, "interaction": 0.05},
)


def _remedy_hint(cause: str) -> str:
    """Why ``cause`` needs its remedy, in words that tell the wrong remedies apart."""
    remedy = CAUSES[cause].remedy
    if remedy == "calibration":
        return f"{cause!r} is a term the model already has, with a wrong value: fit that value to data."
    if remedy == "sensor calibration":
        return f"{cause!r} is in the sensor, not in the dynamics: measure the offset at a known pose and subtract it."
    if remedy == "filtering":
        return f"{cause!r} is random: no model, calibrated or learned, predicts it; average or filter the readings."
    if remedy == "delay identification":
        return (
            f"{cause!r} is a delay of a whole number of time steps: one number to find from a recording "
            "(calibration's delay scan) and put into the model, not an unknown function to learn."
        )
    if remedy == "randomisation":
        return (
            f"{cause!r} (how long each command is held) is set by the computer running the controller and varies "
            "with its load: make the controller robust to it by tuning over randomised periods."
        )
    return (
        f"the model has no term for {cause!r}: no value of its parameters can express it, so calibration cannot "
        "remove it; learn what the model misses from data."
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
                hint = _remedy_hint(want_cause) + " The table of causes above lists each one's kind."
            return CheckResult(name, False, f"On {label}, {remedy!r} does not remove {cause!r}. Hint: {hint}")
    return CheckResult(
        name, True, f"Dominant cause and remedy are right on your ablation and on {len(made_up)} made-up ones."
    )


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


def _uncovered(ranges: Randomization, hidden: list[Reality]) -> list[str]:
    """Hints for the hidden robots' masses and sensor offsets that lie outside the student's ranges.

    These two decide whether the tuned controller transfers (integral action for heavier robots, a torque margin
    for offset sensors); a quantity that is not randomised stays at the model's value (mass 1, no offset).
    """
    hints = []
    mass = ranges.ranges.get("mass_scale", Range(1.0, 1.0))
    masses = [reality.truth.mass_scale for reality in hidden]
    if max(masses) > mass.high:
        hints.append(
            "some hidden robots are heavier than any robot your ranges show the tuner (they come from the workshop "
            "that builds them heavier more often than lighter): let mass_scale reach above 1 far enough."
        )
    if min(masses) < mass.low:
        hints.append("some hidden robots are lighter than any robot your ranges show the tuner.")
    bias = ranges.ranges.get("sensor_bias", Range(0.0, 0.0))
    biases = [reality.effects.sensor_bias for reality in hidden]
    if max(biases) > bias.high or min(biases) < bias.low:
        hints.append(
            "the hidden robots' sensors are not perfectly zeroed, in either direction, by more than your ranges allow "
            "(or your ranges have no sensor_bias at all)."
        )
    return hints


def check_training_ranges(training_ranges: Callable[[], object]) -> CheckResult:
    """Your ranges must cover the hidden robots' masses and sensor offsets, and the controller tuned over them must
    succeed on every hidden robot."""
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
    hidden = _HIDDEN.sample(HIDDEN_STANDINS, seed=2026)
    uncovered = _uncovered(ranges, hidden)
    if uncovered:
        return CheckResult(name, False, "Your ranges do not cover the hidden robots. Hint: " + " ".join(uncovered))
    task, candidates = exercise_task()
    tuned = tune(task, ranges.sample(TRAINING_SAMPLES, seed=0), candidates)
    result = transfer(task, {"yours": tuned.best}, hidden, workers=1)
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
            "the tuned controller has no integral action, so the heavier hidden robots end with an offset. Your "
            "ranges do show the tuner heavy robots, so something else in them made it give integral action up: "
            "ranges far wider than reality make it please robots that do not exist."
        )
    else:
        hint = (
            "the tuned controller is cautious (low stiffness): ranges much wider than reality make the tuner "
            "please robots that do not exist. Narrow them towards what the ablation says matters."
        )
    return CheckResult(name, False, f"It succeeded on {wins} of {HIDDEN_STANDINS} hidden robots. Hint: {hint}")
