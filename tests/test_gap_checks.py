"""Chapter 07's exercise checks accept right answers and turn typical wrong ones away with a useful hint."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from twin.control import JointPD
from twin.course.checks_gap import check_diagnosis, check_training_ranges, mystery_reality, reference_diagnosis
from twin.gap.reality import CAUSES
from twin.studies.ablation import ablate
from twin.studies.gap_experiment import GapExperiment, planned_commands


@pytest.fixture(scope="module")
def shares() -> dict[str, float]:
    target = JointPD(lambda t: np.array([0.6 + 0.3 * np.sin(np.pi * t)]), kp=20.0, kd=2.0)
    plan = planned_commands("pendulum", target, 480, initial_positions=[0.6])
    return ablate(GapExperiment("pendulum", plan, initial_positions=[0.6]), mystery_reality()).shares


def test_the_mystery_robot_has_a_clear_dominant_cause(shares):
    ranked = sorted(shares.values(), reverse=True)
    assert ranked[0] > ranked[1] + 0.2
    assert reference_diagnosis(shares) == ("joint friction", "calibration")


def test_diagnosis_check_accepts_the_reference_and_explains_typical_mistakes(shares):
    assert check_diagnosis(reference_diagnosis, shares).passed

    def remedy(cause):
        return CAUSES[cause].remedy if cause in CAUSES else "residual"

    def with_interaction(s):
        cause = max(s, key=s.get)
        return cause, remedy(cause)

    def by_magnitude(s):
        causes = {k: v for k, v in s.items() if k != "interaction"}
        cause = max(causes, key=lambda k: abs(causes[k]))
        return cause, remedy(cause)

    def always_calibrate(s):
        return reference_diagnosis(s)[0], "calibration"

    def unfinished(s):
        raise NotImplementedError

    assert "interaction" in check_diagnosis(with_interaction, shares).message
    assert "negative share" in check_diagnosis(by_magnitude, shares).message
    verdict = check_diagnosis(always_calibrate, shares)
    assert not verdict.passed and "kind" in verdict.message
    assert "Not answered yet" in check_diagnosis(unfinished, shares).message
    assert "pair" in check_diagnosis(lambda s: "friction", shares).message


ROOT = Path(__file__).resolve().parents[1]


def _code_cells_without_checks(path: Path) -> dict:
    """Run a notebook's code cells in one namespace, except the check cells (the test calls the checks)."""
    namespace: dict = {}
    for cell in json.loads(path.read_text())["cells"]:
        source = "".join(cell["source"])
        if cell["cell_type"] == "code" and not source.startswith("check_"):
            exec(compile(source, path.name, "exec"), namespace)
    return namespace


def test_the_solutions_pass_and_the_untouched_exercise_does_not():
    solved = _code_cells_without_checks(ROOT / "solutions" / "07_reality_gap_exercises.ipynb")
    first = check_diagnosis(solved["diagnose"], solved["ablation"].shares)
    second = check_training_ranges(solved["training_ranges"])
    assert first.passed, first.message
    assert second.passed, second.message
    unsolved = _code_cells_without_checks(ROOT / "exercises" / "07_reality_gap_exercises.ipynb")
    for verdict in (
        check_diagnosis(unsolved["diagnose"], unsolved["ablation"].shares),
        check_training_ranges(unsolved["training_ranges"]),
    ):
        assert not verdict.passed and "Not answered yet" in verdict.message


def test_ranges_check_rejects_the_nominal_model_without_leaking_an_answer():
    nominal = check_training_ranges(lambda: {})
    assert not nominal.passed and "heavier" in nominal.message and "not perfectly zeroed" in nominal.message
    assert "0.8" not in nominal.message and "1.4" not in nominal.message  # no ranges leaked


def test_ranges_check_rejects_ranges_that_miss_what_the_robots_are_known_to_do():
    """Each of these used to pass or share one hint; each misses something different about the hidden robots."""
    bias_only = check_training_ranges(lambda: {"sensor_bias": (-0.02, 0.02)})  # the tuner never sees a heavy robot
    assert not bias_only.passed and "heavier" in bias_only.message and "zeroed" not in bias_only.message
    lighter = check_training_ranges(lambda: {"mass_scale": (0.6, 1.0), "sensor_bias": (-0.02, 0.02)})
    assert not lighter.passed and "heavier" in lighter.message
    mass_only = check_training_ranges(lambda: {"mass_scale": (0.3, 2.5)})  # no sensor offset at all
    assert not mass_only.passed and "not perfectly zeroed" in mass_only.message and "heavier" not in mass_only.message
    heavy_only = check_training_ranges(lambda: {"mass_scale": (1.0, 1.4), "sensor_bias": (-0.03, 0.03)})
    assert not heavy_only.passed and "lighter" in heavy_only.message


def test_ranges_check_reports_unusable_answers():
    assert "Range" in check_training_ranges(lambda: {"mass_scale": (1.2, 0.8)}).message
    assert "actuator" in check_training_ranges(lambda: {"latency": (0.0, 0.04)}).message
    assert "Known quantities" in check_training_ranges(lambda: {"wheel": (0, 1)}).message
    assert "dict" in check_training_ranges(lambda: [0.8, 1.2]).message


def test_ranges_check_reaches_each_of_its_hints():
    """Each failure hint names what the tuned controller did: no margin, no integral action, or too cautious."""
    budget = check_training_ranges(lambda: {"mass_scale": (0.3, 2.5), "sensor_bias": (-0.02, 0.02)})
    assert not budget.passed and "torque budget" in budget.message
    no_integral = check_training_ranges(lambda: {"mass_scale": (0.3, 2.5), "sensor_bias": (-0.2, 0.2)})
    assert not no_integral.passed and "no integral action" in no_integral.message
    # position noise 0.05-0.15 rad (the hidden robots have at most 0.002): the tuner softens the gains
    cautious = check_training_ranges(
        lambda: {"mass_scale": (0.8, 1.4), "sensor_bias": (-0.03, 0.03), "position_noise_std": (0.05, 0.15)}
    )
    assert not cautious.passed and "cautious" in cautious.message and "kp=" not in cautious.message


def _diagnose_with(remedy_of):
    """A student's diagnose: the right dominant cause, with the remedy ``remedy_of(cause)``."""
    return lambda s: (reference_diagnosis(s)[0], remedy_of(reference_diagnosis(s)[0]))


def test_made_up_ablations_make_every_remedy_the_answer_somewhere():
    from twin.course.checks_gap import _DIAGNOSIS_CASES
    from twin.gap.reality import REMEDIES

    dominant = [reference_diagnosis(case)[0] for case in _DIAGNOSIS_CASES]
    assert {CAUSES[cause].remedy for cause in dominant} == set(REMEDIES)
    assert {"payload", "latency", "control period"} <= set(dominant)


def test_diagnosis_check_rejects_wrong_remedy_tables_with_hints_that_tell_them_apart(shares):
    def payload_is_a_parameter(cause):
        return "calibration" if cause == "payload" else CAUSES[cause].remedy

    def by_kind(cause):  # every unmodeled effect gets a learned residual
        kind = CAUSES[cause].kind
        return {"parameter": "calibration", "unmodeled": "residual"}.get(kind, CAUSES[cause].remedy)

    def latency_by_kind(cause):
        return "residual" if cause == "control period" else CAUSES[cause].remedy

    verdicts = {
        "payload -> calibration": (check_diagnosis(_diagnose_with(payload_is_a_parameter), shares), "no term"),
        "unmodeled -> residual": (check_diagnosis(_diagnose_with(by_kind), shares), "delay"),
        "control period -> residual": (check_diagnosis(_diagnose_with(latency_by_kind), shares), "randomised"),
        "every cause -> residual": (check_diagnosis(_diagnose_with(lambda c: "residual"), shares), "wrong value"),
        "every cause -> calibration": (
            check_diagnosis(_diagnose_with(lambda c: "calibration"), shares),
            "in the sensor",
        ),
    }
    for wrong, (verdict, hint) in verdicts.items():
        assert not verdict.passed, wrong
        assert hint in verdict.message, (wrong, verdict.message)
    messages = [verdict.message for verdict, _ in verdicts.values()]
    assert len(set(messages)) == len(messages)  # each wrong table gets its own words
