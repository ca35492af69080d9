"""The instructor's grader: same checks as the students see, every notebook isolated, nothing stops the batch."""

from __future__ import annotations

import copy
import csv
import importlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest

from twin.course import grade

ROOT = Path(__file__).resolve().parents[1]
REAL = "05_operating_the_twin_exercises.ipynb"
TINY = "01_tiny_exercises.ipynb"


def _code(source: str) -> dict:
    return {"cell_type": "code", "metadata": {}, "outputs": [], "execution_count": None, "source": source}


def _insert_before_check(notebook: dict, check_source: str, source: str) -> dict:
    changed = copy.deepcopy(notebook)
    at = next(i for i, c in enumerate(changed["cells"]) if "".join(c["source"]).strip() == check_source)
    changed["cells"].insert(at, _code(source))
    return changed


def _tiny_solution() -> dict:
    """A two-exercise solution whose cells run instantly (chapter 01's classification check, twice)."""
    answer = (
        "def integration_level(physical_to_virtual, virtual_to_physical):\n"
        "    ### BEGIN SOLUTION\n"
        "    if physical_to_virtual == virtual_to_physical == 'automatic':\n"
        "        return 'twin'\n"
        "    return 'shadow' if physical_to_virtual == 'automatic' else 'model'\n"
        "    ### END SOLUTION"
    )
    cells = [
        _code("from twin.course.checks import check_integration_level"),
        _code(answer),
        _code("check_integration_level(integration_level)"),
        _code("again = integration_level"),
        _code("check_integration_level(again)"),
    ]
    return {"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5}


def _write(folder: Path, name: str, notebook: dict) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_text(json.dumps(notebook))


@pytest.mark.parametrize("solution", sorted((ROOT / "solutions").glob("*.ipynb")), ids=lambda p: p.name)
def test_every_solution_names_checks_the_grader_can_import(solution):
    checks = grade.graded_checks(solution)
    for check in checks:
        assert callable(getattr(importlib.import_module(check.module), check.function))


def test_a_folder_with_a_solution_an_untouched_exercise_a_crash_and_a_vandal(tmp_path):
    solution = json.loads((ROOT / "solutions" / REAL).read_text())
    submissions, out = tmp_path / "submissions", tmp_path / "grades"
    _write(submissions / "ada", REAL, solution)
    (submissions / "bob").mkdir(parents=True)
    (submissions / "bob" / REAL).write_bytes((ROOT / "exercises" / REAL).read_bytes())
    # cy finishes exercise 1, then crashes Python before exercise 2's check
    _write(
        submissions / "cy", REAL, _insert_before_check(solution, "check_cmapss_score(score)", "import os\nos._exit(1)")
    )
    # abe (graded first) answers nothing and tries to overwrite ada's notebook and results on disk
    vandal = (
        "from pathlib import Path\n"
        f"Path({str(submissions / 'ada' / REAL)!r}).write_text('{{}}')\n"
        f"Path({str(out / 'ada')!r}).mkdir(parents=True, exist_ok=True)\n"
        f"Path({str(out / 'ada' / 'results.json')!r}).write_text('{{\"score\": 99}}')"
    )
    exercise = json.loads((ROOT / "exercises" / REAL).read_text())
    _write(submissions / "abe", REAL, _insert_before_check(exercise, "check_cusum_threshold(cusum_threshold)", vandal))
    (submissions / "abe" / "notes.ipynb").write_text("{}")

    grades = grade.grade_folder(submissions, out, ROOT / "solutions", cell_timeout_s=120, progress=False)

    by = {(g.student, g.notebook): g for g in grades}
    assert (by["ada", REAL].score, by["ada", REAL].max_score, by["ada", REAL].reason) == (2, 2, "")
    assert by["bob", REAL].score == 0 and all("Not answered yet" in c.message for c in by["bob", REAL].checks)
    assert by["cy", REAL].score == 1 and "kernel died" in by["cy", REAL].reason
    assert by["abe", REAL].score == 0
    assert by["abe", "notes.ipynb"].reason == "not one of the course's exercises"
    ada = json.loads((out / "ada" / "results.json").read_text())
    assert (ada["score"], ada["max_score"]) == (2, 2)
    assert [t["status"] for t in ada["tests"]] == ["passed", "passed"]
    cy = json.loads((out / "cy" / "results.json").read_text())
    assert [t["score"] for t in cy["tests"]] == [1, 0] and "kernel died" in cy["tests"][1]["output"]
    with (out / "gradebook.csv").open() as handle:
        rows = list(csv.DictReader(handle))
    assert {(r["student"], r["notebook"], r["score"], r["max_score"]) for r in rows} == {
        ("ada", REAL, "2", "2"),
        ("bob", REAL, "0", "2"),
        ("cy", REAL, "1", "2"),
        ("abe", REAL, "0", "2"),
        ("abe", "notes.ipynb", "0", "0"),
    }


def test_endless_loops_are_interrupted_or_stopped_and_leave_nothing_running(tmp_path):
    solutions, submissions, out = tmp_path / "solutions", tmp_path / "submissions", tmp_path / "grades"
    tiny = _tiny_solution()
    _write(solutions, TINY, tiny)
    _write(submissions / "ada", TINY, tiny)
    # eve's first answer loops but can be interrupted; the rest of her notebook still counts
    loop = "while True:\n    pass"
    _write(submissions / "eve", TINY, _insert_before_check(tiny, "check_integration_level(integration_level)", loop))
    # fay starts a background process and then ignores interrupts: only the notebook limit stops her
    stubborn = (
        "import subprocess, time\n"
        "subprocess.Popen(['sleep', '987'])\n"
        "while True:\n"
        "    try:\n"
        "        time.sleep(0.2)\n"
        "    except KeyboardInterrupt:\n"
        "        pass"
    )
    _write(submissions / "fay", TINY, _insert_before_check(tiny, "check_integration_level(again)", stubborn))

    grades = grade.grade_folder(submissions, out, solutions, cell_timeout_s=3, notebook_timeout_s=25, progress=False)

    by = {g.student: g for g in grades}
    assert (by["ada"].score, by["ada"].reason) == (2, "")
    assert by["eve"].score == 2 and "ran past 3 s and were interrupted" in by["eve"].reason
    assert by["fay"].score == 1 and "ran past the 25 s limit" in by["fay"].reason
    assert by["fay"].checks[1].message == by["fay"].reason
    leftovers = [p.info["cmdline"] for p in psutil.process_iter(["cmdline"]) if p.info["cmdline"] == ["sleep", "987"]]
    if grade._isolation_prefix():
        assert not leftovers, "a process the notebook started outlived its grading"


def _markdown(source: str, **nbgrader: object) -> dict:
    metadata = {"nbgrader": {"grade": True, "solution": True, "locked": False, **nbgrader}} if nbgrader else {}
    return {"cell_type": "markdown", "metadata": metadata, "source": source}


def test_written_answers_are_gathered_for_the_instructor_never_run_never_scored(tmp_path):
    from twin.course.exercises import YOUR_ANSWER

    solutions, submissions, out = tmp_path / "solutions", tmp_path / "submissions", tmp_path / "grades"
    solution = _tiny_solution()
    model = "<!-- ### BEGIN SOLUTION -->\nA shadow: data flows one way.\n<!-- ### END SOLUTION -->"
    solution["cells"] += [
        _markdown("**Why (2 points).** Why is a factory's simulation fed by sensors only a shadow?"),
        _markdown(model, grade_id="why", points=2),
        _markdown("**Risk (3 points).** Name a risk."),
        _markdown(model, grade_id="risk", points=3),
    ]
    _write(solutions, TINY, solution)
    ada = copy.deepcopy(solution)
    ada["cells"][-3]["source"] = "Nothing flows back automatically.\n\n`print('not run')`"
    ada["cells"][-1]["source"] = [YOUR_ANSWER]  # left as handed out
    _write(submissions / "ada", TINY, ada)
    (submissions / "bob").mkdir(parents=True)
    (submissions / "bob" / TINY).write_text("{not json")  # an unreadable file answers nothing, and stops nothing

    grades = grade.grade_folder(submissions, out, solutions, cell_timeout_s=10, notebook_timeout_s=60, progress=False)

    by = {g.student: g for g in grades}
    assert (by["ada"].score, by["ada"].max_score, by["ada"].written_points) == (2, 2, 5.0)  # not in the score
    assert [(a.question_id, a.points, a.answered) for a in by["ada"].written] == [("why", 2, True), ("risk", 3, False)]
    assert by["ada"].written[0].question.startswith("**Why (2 points).**")
    assert [a.answered for a in by["bob"].written] == [False, False] and by["bob"].reason
    page = (out / "ada" / "written_answers.md").read_text()
    assert "### why (2 points)" in page and "> **Why (2 points).**" in page and "Nothing flows back" in page
    assert "### risk (3 points)" in page and "*(not answered)*" in page and "BEGIN SOLUTION" not in page
    results = json.loads((out / "ada" / "results.json").read_text())
    assert results["max_score"] == 2 and "2 written answers (5 points" in results["output"]
    assert "1 left unanswered" in results["output"]
    with (out / "gradebook.csv").open() as handle:
        rows = {r["student"]: r for r in csv.DictReader(handle)}
    assert (rows["ada"]["score"], rows["ada"]["written_points_to_grade"]) == ("2", "5")


def test_isolated_notebooks_have_no_network():
    prefix = grade._isolation_prefix()
    if not prefix:
        pytest.skip("this machine allows no user namespaces, so the grader cannot cut the network")
    probe = "import socket\ntry:\n    socket.create_connection(('192.0.2.1', 9), timeout=5)\nexcept OSError as e:\n"
    probe += "    print(e.errno)"
    done = subprocess.run([*prefix, sys.executable, "-c", probe], capture_output=True, text=True, timeout=60)
    assert done.stdout.strip() == "101", f"expected ENETUNREACH (101), got {done.stdout!r} {done.stderr!r}"


def test_results_the_grader_did_not_ask_for_are_discarded(tmp_path):
    result = tmp_path / "result.json"
    verdict = {"index": 0, "name": "x", "passed": True, "message": ""}
    for checks in ([verdict, verdict], [{**verdict, "index": 5}], [{**verdict, "index": True}]):
        result.write_text(json.dumps({"checks": checks, "reason": ""}))
        verdicts, reason = grade._read_result(result, 2, "")
        assert verdicts == {} and "discarded" in reason
    result.write_text("not json")
    assert "could not read" in grade._read_result(result, 2, "")[1]
    result.write_text(json.dumps({"checks": [{**verdict, "passed": "yes"}], "reason": ""}))
    assert grade._read_result(result, 2, "")[0][0].passed is False


def test_bad_folders_get_errors_that_say_what_to_pass(tmp_path):
    with pytest.raises(FileNotFoundError, match="one folder per student"):
        grade.grade_folder(tmp_path / "missing", tmp_path / "out", ROOT / "solutions")
    with pytest.raises(ValueError, match="submissions/<student>/"):
        grade.grade_folder(tmp_path, tmp_path / "out", ROOT / "solutions")
    (tmp_path / "ada").mkdir()
    with pytest.raises(FileNotFoundError, match="--solutions"):
        grade.grade_folder(tmp_path, tmp_path / "out", tmp_path / "nowhere")
    assert grade.main([str(tmp_path / "missing")]) == 2


def test_a_solution_without_checks_is_refused(tmp_path):
    notebook = tmp_path / "no_checks.ipynb"
    notebook.write_text(json.dumps({"cells": [_code("x = 1")], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}))
    with pytest.raises(ValueError, match="nothing to grade it with"):
        grade.graded_checks(notebook)


def test_nbgrader_releases_the_same_student_notebooks_as_twin_make_exercises(tmp_path):
    """A course on nbgrader gets exactly the kit's exercises from its solutions (with the kit's nbgrader_config)."""
    source = tmp_path / "source" / "course"
    source.mkdir(parents=True)
    for solution in (ROOT / "solutions").glob("*.ipynb"):
        (source / solution.name).write_bytes(solution.read_bytes())
    config = (ROOT / "nbgrader_config.py").read_text() + f"\nc.CourseDirectory.root = {str(tmp_path)!r}\n"
    (tmp_path / "nbgrader_config.py").write_text(config)
    bin_dir = str(Path(sys.executable).parent)  # nbgrader runs alembic from the environment's scripts
    environment = {**os.environ, "PATH": bin_dir + os.pathsep + os.environ.get("PATH", "")}
    done = subprocess.run(
        [sys.executable, "-m", "nbgrader", "generate_assignment", "course", "--force"],
        cwd=tmp_path,
        env=environment,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-2000:]

    def cells(path: Path) -> list[tuple[str, str]]:
        notebook = json.loads(path.read_text())
        return [(c["cell_type"], "".join(c["source"])) for c in notebook["cells"]]

    exercises = sorted((ROOT / "exercises").glob("*.ipynb"))
    assert exercises
    for exercise in exercises:
        released = tmp_path / "release" / "course" / exercise.name
        assert cells(released) == cells(exercise), f"nbgrader's {exercise.name} differs from exercises/"


def test_the_written_questions_of_chapter_13_are_found_in_the_exercise_as_handed_out():
    name = "13_case_studies_and_risks_exercises.ipynb"
    solution = json.loads((ROOT / "solutions" / name).read_text())
    handed_out = grade.written_answers(solution, (ROOT / "exercises" / name).read_bytes())
    ids = ["case_1a", "case_1b", "case_1c", "case_1d", "case_2d", "risks_safeguards"]
    assert [a.question_id for a in handed_out] == ids and not any(a.answered for a in handed_out)
    assert sum(a.points for a in handed_out) == 17
    assert all(a.question.startswith(("**", "## Exercise")) for a in handed_out)  # the question, not the answer
    solved = grade.written_answers(solution, (ROOT / "solutions" / name).read_bytes())
    assert all(a.answered and "Model answer" in a.answer for a in solved)


def test_an_output_folder_that_cannot_be_written_is_refused_before_any_notebook_runs(tmp_path):
    solutions, submissions = tmp_path / "solutions", tmp_path / "submissions"
    _write(solutions, TINY, _tiny_solution())
    _write(submissions / "ada", TINY, _tiny_solution())
    blocker = tmp_path / "grades.txt"
    blocker.write_text("the instructor's notes")
    for out in (blocker, blocker / "grades"):
        with pytest.raises(NotADirectoryError, match="--out"):
            grade.grade_folder(submissions, out, solutions, progress=False)
    assert grade.main([str(submissions), "--out", str(blocker), "--solutions", str(solutions)]) == 2
    assert blocker.read_text() == "the instructor's notes"


def test_a_second_run_into_the_same_folder_keeps_the_first_unless_told_to_overwrite(tmp_path):
    solutions, submissions, out = tmp_path / "solutions", tmp_path / "submissions", tmp_path / "grades"
    _write(solutions, TINY, _tiny_solution())
    (submissions / "ada").mkdir(parents=True)
    (submissions / "ada" / "notes.ipynb").write_text("{}")  # not an exercise: graded without a kernel
    grade.grade_folder(submissions, out, solutions, progress=False)
    (out / "gradebook.csv").write_text("student,notebook,score\nada,notes.ipynb,10 (marked by hand)\n")
    with pytest.raises(FileExistsError, match="--overwrite"):
        grade.grade_folder(submissions, out, solutions, progress=False)
    assert "marked by hand" in (out / "gradebook.csv").read_text()
    grade.grade_folder(submissions, out, solutions, progress=False, overwrite=True)
    assert "marked by hand" not in (out / "gradebook.csv").read_text()
    assert sorted(p.name for p in out.iterdir()) == ["ada", "gradebook.csv"]  # nothing half-written left
    assert (out / "gradebook.csv").stat().st_mode & 0o044 == (out / "ada" / "results.json").stat().st_mode & 0o044


def test_a_folder_or_a_file_that_is_not_a_notebook_is_reported_for_its_student_without_a_kernel(tmp_path):
    solutions, submissions, out = tmp_path / "solutions", tmp_path / "submissions", tmp_path / "grades"
    _write(solutions, TINY, _tiny_solution())
    (submissions / "ada" / TINY).mkdir(parents=True)  # unzipped into a folder of the notebook's name
    for student, text in [("bob", "[1, 2]"), ("cy", '{"hello": 1}'), ("dee", ""), ("eve", "{not json")]:
        (submissions / student).mkdir()
        (submissions / student / TINY).write_text(text)

    grades = grade.grade_folder(submissions, out, solutions, progress=False)

    by = {g.student: g for g in grades}
    assert "is a folder, not a notebook file" in by["ada"].reason
    for student in ("bob", "cy", "dee", "eve"):
        assert "is not a Jupyter notebook" in by[student].reason, by[student].reason
        assert "resubmit" in by[student].reason and by[student].max_score == 2 and by[student].score == 0
        assert by[student].seconds < 1  # no kernel was started for it


def _descendants(pid: int) -> list[psutil.Process]:
    try:
        return psutil.Process(pid).children(recursive=True)
    except psutil.NoSuchProcess:
        return []


@pytest.mark.parametrize("stop", [signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "terminate"])
def test_stopping_the_grader_stops_the_students_kernel_and_leaves_no_temporary_files(tmp_path, stop):
    solutions, submissions, out, scratch = (tmp_path / n for n in ("solutions", "submissions", "grades", "tmp"))
    scratch.mkdir()
    tiny = _tiny_solution()
    _write(solutions, TINY, tiny)
    _write(
        submissions / "ada", TINY, _insert_before_check(tiny, "check_integration_level(again)", "while True:\n    pass")
    )
    command = [sys.executable, "-m", "twin.course.grade", str(submissions), "--out", str(out)]
    command += ["--solutions", str(solutions), "--cell-timeout", "120"]
    process = subprocess.Popen(command, env={**os.environ, "TMPDIR": str(scratch)}, stderr=subprocess.PIPE, text=True)
    try:
        for _ in range(300):  # the student's kernel is up once a kernel process runs below the grader
            started = [p for p in _descendants(process.pid) if "ipykernel" in " ".join(p.cmdline())]
            if started:
                break
            time.sleep(0.1)
        assert started, "the student's kernel never started"
        running = _descendants(process.pid)
        process.send_signal(stop)
        _, stderr = process.communicate(timeout=30)
    finally:
        process.kill()
    assert process.returncode == 130, stderr
    assert "stopped" in stderr and "Traceback" not in stderr
    _, alive = psutil.wait_procs(running, timeout=10)
    assert not alive, f"left running: {[p.cmdline() for p in alive]}"
    assert not list(scratch.iterdir()), "temporary files left behind"
    assert not out.exists() or not (out / "gradebook.csv").exists()
