"""The exercise mechanism: exercises/ is generated from solutions/, and the checks judge fairly."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pytest

from twin.course import check_error_summary, check_integration_level
from twin.course.checks import reference_integration_level
from twin.course.exercises import (
    BEGIN,
    END,
    PROSE_BEGIN,
    PROSE_END,
    STUB,
    YOUR_ANSWER,
    make_exercise,
    strip_model_answers,
    strip_solutions,
    sync,
)

ROOT = Path(__file__).resolve().parents[1]
SOLUTION_01 = ROOT / "solutions" / "01_what_is_a_digital_twin_exercises.ipynb"
EXERCISE_01 = ROOT / "exercises" / "01_what_is_a_digital_twin_exercises.ipynb"


def run_code_cells(path: Path) -> dict:
    """Execute a notebook's code cells in one namespace (check cells just compute their verdicts)."""
    namespace: dict = {}
    for cell in json.loads(path.read_text())["cells"]:
        if cell["cell_type"] == "code":
            source = "".join(cell["source"])
            exec(compile(source, f"{path.name}", "exec"), namespace)
    return namespace


@pytest.fixture(scope="module")
def solved() -> dict:
    return run_code_cells(SOLUTION_01)


@pytest.fixture(scope="module")
def unsolved() -> dict:
    return run_code_cells(EXERCISE_01)


def test_exercises_are_in_sync_with_solutions():
    assert sync(ROOT, check=True) == [], "exercises/ drifted from solutions/: run `twin-make-exercises`"


def test_every_solution_has_its_exercise_and_no_exercise_leaks_an_answer():
    solutions = sorted(p.name for p in (ROOT / "solutions").glob("*.ipynb"))
    exercises = sorted(p.name for p in (ROOT / "exercises").glob("*.ipynb"))
    assert solutions == exercises
    for name in exercises:
        text = (ROOT / "exercises" / name).read_text()
        assert BEGIN not in text and END not in text


def test_strip_solutions_keeps_indentation_and_code_around_the_answer():
    source = f"def f(x):\n    y = 1\n    {BEGIN}\n    return x + y\n    {END}\n\nprint(f)"
    stripped = strip_solutions(source)
    assert stripped == f"def f(x):\n    y = 1\n    # YOUR CODE HERE\n    {STUB}\n\nprint(f)"
    compile(stripped, "stub", "exec")  # still valid Python


def test_model_answers_in_markdown_become_a_line_for_the_students_answer():
    source = f"**To think about.** Why?\n\n{PROSE_BEGIN}\n**Model answer.** Because.\n\nMore.\n{PROSE_END}\n\nAfter."
    assert strip_model_answers(source) == f"**To think about.** Why?\n\n{YOUR_ANSWER}\n\nAfter."
    notebook = {
        "cells": [
            {"cell_type": "markdown", "source": source},
            {"cell_type": "code", "source": f"{BEGIN}\nx = 1\n{END}", "outputs": [], "execution_count": None},
        ]
    }
    exercise = make_exercise(notebook)
    assert "Because" not in exercise["cells"][0]["source"] and YOUR_ANSWER in exercise["cells"][0]["source"]
    with pytest.raises(ValueError, match="model answer"):
        strip_model_answers(f"{PROSE_BEGIN}\nno end")
    with pytest.raises(ValueError, match="model answer"):
        strip_model_answers(f"{BEGIN}\nbare code markers in prose\n{END}")


WRITTEN_QUESTION = re.compile(
    r"to think about|think about it|then think|think before you code|before coding|why \$m - p\$", re.I
)
# solutions whose written questions carry model answers for the instructor
ANSWERED = ("01", "02", "03", "04", "05", "06", "07")


@pytest.mark.parametrize("path", [p for p in sorted((ROOT / "solutions").glob("*.ipynb")) if p.name[:2] in ANSWERED])
def test_every_written_question_in_a_solution_has_a_model_answer(path: Path):
    """A question cell is answered in itself or in one of the four cells after it (after its code and check)."""
    cells = json.loads(path.read_text())["cells"]
    prose = ["".join(c["source"]) if c["cell_type"] == "markdown" else "" for c in cells]
    questions = [i for i, text in enumerate(prose) if WRITTEN_QUESTION.search(text)]
    assert questions, f"{path.name}: no written question found; has the wording changed?"
    unanswered = [i for i in questions if not any(PROSE_BEGIN in text for text in prose[i : i + 5])]
    assert not unanswered, f"{path.name}: cells {unanswered} ask a question with no model answer near it"


def test_unbalanced_markers_and_missing_markers_are_errors():
    with pytest.raises(ValueError, match="unbalanced"):
        strip_solutions(f"{BEGIN}\nx = 1\n")
    notebook = {"cells": [{"cell_type": "code", "source": "x = 1", "outputs": [], "execution_count": None}]}
    with pytest.raises(ValueError, match="no '### BEGIN SOLUTION' marker"):
        make_exercise(notebook)


def test_checks_accept_the_solutions(solved: dict):
    assert check_integration_level(solved["integration_level"]).passed
    result = check_error_summary(
        solved["error_summary"], solved["times"], solved["predicted"], solved["measured"], threshold=0.1
    )
    assert result.passed, result.message


def test_checks_reject_the_untouched_stubs_with_a_friendly_message(unsolved: dict):
    first = check_integration_level(unsolved["integration_level"])
    second = check_error_summary(
        unsolved["error_summary"], unsolved["times"], unsolved["predicted"], unsolved["measured"]
    )
    for result in (first, second):
        assert not result.passed
        assert "Not answered yet" in result.message


def test_exercise_1_rejects_counting_manual_flows_as_integration():
    def manual_counts(p2v: str, v2p: str) -> str:
        inward, outward = p2v != "none", v2p != "none"
        return "twin" if inward and outward else "shadow" if inward else "model"

    result = check_integration_level(manual_counts)
    assert not result.passed and "manual" in result.message


def test_exercise_1_rejects_a_twin_without_inward_data():
    def outward_is_enough(p2v: str, v2p: str) -> str:
        if v2p == "automatic":
            return "twin"
        return "shadow" if p2v == "automatic" else "model"

    assert not check_integration_level(outward_is_enough).passed


def test_exercise_1_reports_a_crashing_answer_instead_of_raising():
    result = check_integration_level(lambda p2v, v2p: {"x": 1}[p2v])
    assert not result.passed and "KeyError" in result.message


def test_exercise_2_rejects_plausible_mistakes(solved: dict):
    times, predicted, measured = solved["times"], solved["predicted"], solved["measured"]
    correct = solved["error_summary"]

    def signed_error(t, p, m, threshold):  # forgets that the model can be wrong in either direction
        answer = correct(t, p, m, threshold)
        over = np.nonzero((np.asarray(p) - np.asarray(m)) > threshold)[0]
        answer["first_exceedance_time"] = float(t[over[0]]) if over.size else None
        return answer

    def whole_run_rmse(t, p, m, threshold):  # averages over the whole run, not the last second
        answer = correct(t, p, m, threshold)
        answer["rmse_last_second"] = float(np.sqrt(np.mean((np.asarray(p) - np.asarray(m)) ** 2)))
        return answer

    for mistake, hint in ((signed_error, "absolute"), (whole_run_rmse, "last second")):
        result = check_error_summary(mistake, times, predicted, measured, threshold=0.1)
        assert not result.passed, mistake.__name__
        assert hint in result.message


def test_exercise_2_rejects_a_wrong_return_type(solved: dict):
    result = check_error_summary(lambda *a: 0.1, solved["times"], solved["predicted"], solved["measured"])
    assert not result.passed and "dict" in result.message


def test_exercise_1_hints_match_the_mistake():
    capitalised = check_integration_level(lambda p2v, v2p: reference_integration_level(p2v, v2p).capitalize())
    assert not capitalised.passed and "lower case" in capitalised.message

    def never_twin(p2v: str, v2p: str) -> str:
        return "shadow" if p2v == "automatic" else "model"

    result = check_integration_level(never_twin)
    assert not result.passed and "both directions" in result.message and "is not right" in result.message


def test_exercise_2_accepts_either_reading_of_the_one_second_window(solved: dict):
    times, predicted, measured = solved["times"], solved["predicted"], solved["measured"]

    def window(inclusive: bool):
        def summary(t, p, m, threshold):
            error = np.asarray(p) - np.asarray(m)
            last = t >= t[-1] - 1.0 - 1e-9 if inclusive else t > t[-1] - 1.0 + 1e-9
            over = np.nonzero(np.abs(error) > threshold)[0]
            return {
                "rmse_last_second": float(np.sqrt(np.mean(error[last] ** 2))),
                "first_exceedance_time": float(t[over[0]]) if over.size else None,
            }

        return summary

    for inclusive in (True, False):
        assert check_error_summary(window(inclusive), times, predicted, measured, threshold=0.1).passed


def test_exercise_2_spots_an_index_instead_of_a_time_and_gives_no_answer_away(solved: dict):
    times, predicted, measured = solved["times"], solved["predicted"], solved["measured"]
    correct = solved["error_summary"]

    def index_not_time(t, p, m, threshold):
        answer = correct(t, p, m, threshold)
        over = np.nonzero(np.abs(np.asarray(p) - np.asarray(m)) > threshold)[0]
        answer["first_exceedance_time"] = int(over[0])
        return answer

    result = check_error_summary(index_not_time, times, predicted, measured, threshold=0.1)
    assert not result.passed and "not the index" in result.message
    expected_time = correct(times, predicted, measured, 0.1)["first_exceedance_time"]
    assert f"{expected_time:g}" not in result.message


def test_exercise_2_explains_why_a_fixed_sample_count_fails(solved: dict):
    correct = solved["error_summary"]

    def last_240_samples(t, p, m, threshold):
        answer = correct(t, p, m, threshold)
        error = np.asarray(p) - np.asarray(m)
        answer["rmse_last_second"] = float(np.sqrt(np.mean(error[-240:] ** 2)))
        return answer

    result = check_error_summary(last_240_samples, solved["times"], solved["predicted"], solved["measured"])
    assert not result.passed and "not by a fixed number of samples" in result.message


def _with_exceedance(correct, first_time):
    """The right summary, with ``first_exceedance_time`` replaced by ``first_time(t, |error|, threshold)``."""

    def summary(t, p, m, threshold):
        answer = correct(t, p, m, threshold)
        answer["first_exceedance_time"] = first_time(np.asarray(t), np.abs(np.asarray(p) - np.asarray(m)), threshold)
        return answer

    return summary


def _first(t, over):
    found = np.nonzero(over)[0]
    return float(t[found[0]]) if found.size else None


@pytest.mark.parametrize(
    "never_answer",
    [lambda t: 0.0, lambda t: float("nan"), lambda t: float(t[-1]), lambda t: "never", lambda t: -1.0],
    ids=["zero", "nan", "last time", "a string", "minus one"],
)
def test_exercise_2_wants_none_when_the_error_never_exceeds(solved: dict, never_answer):
    def no_none(t, error, threshold):
        return _first(t, error > threshold) if np.any(error > threshold) else never_answer(t)

    result = check_error_summary(
        _with_exceedance(solved["error_summary"], no_none), solved["times"], solved["predicted"], solved["measured"]
    )
    assert not result.passed
    assert "never exceeds" in result.message and "None" in result.message


def test_exercise_2_exceeds_means_strictly_greater(solved: dict):
    at_or_above = _with_exceedance(solved["error_summary"], lambda t, error, threshold: _first(t, error >= threshold))
    result = check_error_summary(at_or_above, solved["times"], solved["predicted"], solved["measured"])
    assert not result.passed and "strictly greater" in result.message


def test_exercise_2_rejects_a_fixed_threshold(solved: dict):
    fixed = _with_exceedance(solved["error_summary"], lambda t, error, threshold: _first(t, error > 0.1))
    result = check_error_summary(fixed, solved["times"], solved["predicted"], solved["measured"], threshold=0.1)
    assert not result.passed and "`threshold` argument" in result.message


def test_exercise_2_made_up_runs_tell_the_wrong_answers_apart():
    """On the run that never exceeds, the threshold is touched exactly once; on the other, 0.08 and 0.1 differ."""
    from twin.course.checks import _made_up_runs

    (_, drifting, drifting_threshold), (_, bounded, bounded_threshold) = _made_up_runs()
    t, p, m = drifting
    error = np.abs(p - m)
    assert _first(t, error > drifting_threshold) != _first(t, error > 0.1) is not None
    t, p, m = bounded
    error = np.abs(p - m)
    assert error.max() == bounded_threshold and np.sum(error == bounded_threshold) == 1


def test_a_broken_solution_is_named_and_no_exercise_is_half_regenerated(tmp_path, capsys):
    from twin.course.exercises import main

    (tmp_path / "solutions").mkdir()
    first = ROOT / "solutions" / "01_what_is_a_digital_twin_exercises.ipynb"
    (tmp_path / "solutions" / first.name).write_bytes(first.read_bytes())
    for name, text, problem in [
        ("02_bad.ipynb", "{not json", "not valid JSON"),
        ("02_bad.ipynb", "[1, 2]", "not a Jupyter notebook"),
        ("02_bad.ipynb", '{"cells": [], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}', "BEGIN SOLUTION"),
    ]:
        (tmp_path / "solutions" / name).write_text(text)
        assert main(["--root", str(tmp_path)]) == 2
        err = capsys.readouterr().err
        assert name in err and problem in err and "no exercise was written" in err and "Traceback" not in err
        assert not (tmp_path / "exercises").exists()
    assert main(["--root", str(tmp_path / "elsewhere")]) == 2
    assert "run from the course's root folder" in capsys.readouterr().err
