"""Grade a folder of submitted exercise notebooks with the same checks the students see.

    twin-grade submissions/ --out grades/

``submissions/`` holds one folder per student, each with that student's exercise notebooks under their course
names (``submissions/ada/05_operating_the_twin_exercises.ipynb``). For every notebook the grader

1. copies it alone into a fresh temporary folder and runs it top to bottom in its own kernel, with a time limit per
   cell and per notebook, and (on Linux, where user namespaces allow it) without network and in its own process
   namespace, so nothing it starts outlives it;
2. then runs the checks that the course's solution notebook calls (``solutions/<same name>``), with the check
   module freshly reloaded, on the objects the student's cells defined;
3. reads the verdicts back through a per-run secret marker and validates them.

It writes ``grades/<student>/results.json`` in Gradescope's format and one ``grades/gradebook.csv`` (a row per
student and notebook). A notebook that crashes, loops or cannot be read gets its score (0 for the checks it never
reached) and the reason; it never stops the batch.

Written answers (the cells nbgrader grades by hand: ``grade_id`` and ``points`` in their metadata) are never
scored here. They are read from the submitted file, never run, and gathered for the instructor with each question
and its points in ``grades/<student>/written_answers.md``; the gradebook says how many points wait there.

Limits, said plainly: a student who rewrites the grader's code from inside their own kernel can fake their *own*
result; nothing they do reaches another student's kernel, folder or result, and the gradebook is written by this
process only.
"""

from __future__ import annotations

import argparse
import ast
import csv
import io
import json
import os
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

from twin.course.output import prepare_output_folder, write_atomically

DEFAULT_CELL_TIMEOUT_S = 120.0
DEFAULT_NOTEBOOK_TIMEOUT_S = 600.0


@dataclass(frozen=True)
class CheckCall:
    """One graded check: the call as the solution notebook writes it and the module its function comes from."""

    source: str  # e.g. "check_cmapss_score(score)"
    function: str  # e.g. "check_cmapss_score"
    module: str  # e.g. "twin.course.checks_operation"


@dataclass
class CheckOutcome:
    """A check's verdict for one student: 1 point when it passed."""

    name: str
    passed: bool
    message: str


@dataclass(frozen=True)
class WrittenAnswer:
    """A written answer for the instructor to grade by hand (an nbgrader cell with ``grade_id`` and ``points``)."""

    question_id: str  # nbgrader's grade_id, e.g. "case_1a"
    points: float
    question: str  # the markdown cell before the answer cell in the solution
    answer: str  # the student's text; "" when left as the exercise's answer line, or deleted

    @property
    def answered(self) -> bool:
        return bool(self.answer)


@dataclass
class NotebookGrade:
    """What one submitted notebook scored, and why it scored less than full marks when it did not finish."""

    student: str
    notebook: str
    checks: list[CheckOutcome] = field(default_factory=list)
    max_score: int = 0
    reason: str = ""  # empty when the notebook ran to the end
    seconds: float = 0.0
    written: list[WrittenAnswer] = field(default_factory=list)

    @property
    def score(self) -> int:
        return sum(check.passed for check in self.checks)

    @property
    def written_points(self) -> float:
        """Points of the written answers, graded by hand (not part of ``score`` or ``max_score``)."""
        return sum(answer.points for answer in self.written)


# -- what to grade: the checks the solution notebook calls ---------------------------------------------------------
def _code_cells(notebook: dict) -> list[str]:
    return [
        "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
        for cell in notebook.get("cells", [])
        if cell.get("cell_type") == "code"
    ]


def _check_call(source: str) -> str | None:
    """The ``check_*(...)`` call a code cell ends with (the verdict it shows), as normalised source; else None."""
    try:
        body = ast.parse(source).body
    except SyntaxError:
        return None
    if body and isinstance(body[-1], ast.Expr) and isinstance(body[-1].value, ast.Call):
        function = body[-1].value.func
        if isinstance(function, ast.Name) and function.id.startswith("check_"):
            return ast.unparse(body[-1].value)
    return None


def graded_checks(solution: Path) -> list[CheckCall]:
    """The check calls of a solution notebook: code cells that end with a ``check_*(...)`` call whose function is
    imported from ``twin.course``. Raises ``ValueError`` when the notebook has none."""
    notebook = json.loads(solution.read_text())
    imported_from: dict[str, str] = {}
    calls: list[str] = []
    for source in _code_cells(notebook):
        try:
            tree = ast.parse(source)
        except SyntaxError:
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("twin.course"):
                for alias in node.names:
                    imported_from[alias.asname or alias.name] = node.module
        call = _check_call(source)
        if call is not None:
            calls.append(call)
    checks = []
    for call in calls:
        function = call.split("(", 1)[0]
        if function in imported_from:
            checks.append(CheckCall(call, function, imported_from[function]))
    if not checks:
        raise ValueError(
            f"{solution} has no cell ending with a check_* call imported from twin.course: "
            "there is nothing to grade it with."
        )
    return checks


def _grading_cell(check: CheckCall, index: int, marker: str) -> str:
    """Code that runs check number ``index`` with its module freshly reloaded and prints the verdict after
    ``marker``."""
    call = ast.parse(check.source, mode="eval").body
    assert isinstance(call, ast.Call)
    call.func = ast.Attribute(value=ast.Name("_grader_module", ast.Load()), attr=check.function, ctx=ast.Load())
    return (
        "import importlib as _grader_importlib, json as _grader_json\n"
        "try:\n"
        f"    _grader_module = _grader_importlib.reload(_grader_importlib.import_module({check.module!r}))\n"
        f"    _grader_result = {ast.unparse(call)}\n"
        f"    _grader_verdict = {{'index': {index}, 'name': str(_grader_result.name),"
        " 'passed': _grader_result.passed is True,"
        " 'message': str(_grader_result.message)}\n"
        "except BaseException as _grader_error:\n"
        f"    _grader_verdict = {{'index': {index}, 'name': {check.function!r}, 'passed': False,"
        " 'message': f'the check could not run: {type(_grader_error).__name__}: {_grader_error}'}\n"
        f"print({marker!r} + _grader_json.dumps(_grader_verdict))\n"
    )


def not_a_notebook(content: bytes) -> str:
    """Why a submitted file is not a Jupyter notebook the grader can run ("" when it is one), in words for the
    gradebook."""
    try:
        notebook = json.loads(content)
    except (ValueError, UnicodeDecodeError):
        what = "an empty file" if not content.strip() else "not JSON"
        return f"the file is not a Jupyter notebook ({what}): ask the student to resubmit the .ipynb saved by Jupyter"
    if not isinstance(notebook, dict) or not isinstance(notebook.get("cells"), list):
        return (
            "the file is not a Jupyter notebook (JSON without a list of cells): "
            "ask the student to resubmit the .ipynb saved by Jupyter"
        )
    return ""


# -- running one notebook (in a worker process) --------------------------------------------------------------------
def _run_in_worker(notebook_path: Path, checks_path: Path, result_path: Path, cell_timeout_s: float) -> None:
    """Execute the student's notebook, then the grading cells; write the verdicts to ``result_path``."""
    import nbformat
    from nbclient.exceptions import DeadKernelError

    from twin.course.notebook_runner import notebook_client

    job = json.loads(checks_path.read_text())
    checks_path.unlink()  # the student's kernel never sees the marker before the grading cells run
    marker, checks = job["marker"], [CheckCall(**c) for c in job["checks"]]
    result: dict = {"checks": [], "reason": ""}
    try:
        notebook = nbformat.read(notebook_path, as_version=4)
    except Exception as error:  # a broken file is the student's, reported
        result["reason"] = f"the notebook could not be read: {type(error).__name__}: {error}"
        write_atomically(result_path, json.dumps(result))
        return
    # Each check runs right after the student's own cell that calls it (the exercise notebook has one), so an
    # exercise finished before a later crash keeps its points; a check whose cell was deleted runs at the end.
    cells, grading, start = list(notebook.cells), set(), 0
    placed: list[tuple[int, int]] = []  # (position, check index)
    for number, check in enumerate(checks):
        at = next(
            (
                i
                for i in range(start, len(cells))
                if cells[i].cell_type == "code" and _check_call(cells[i].source) == check.source
            ),
            None,
        )
        placed.append((len(cells) if at is None else at + 1, number))
        start = start if at is None else at + 1
    for offset, (position, number) in enumerate(sorted(placed)):
        cells.insert(position + offset, nbformat.v4.new_code_cell(_grading_cell(checks[number], number, marker)))
        grading.add(position + offset)
    notebook.cells = cells
    client = notebook_client(
        notebook,
        timeout=int(cell_timeout_s),
        interrupt_on_timeout=True,
        error_on_timeout={"ename": "CellTimeoutError", "evalue": f"the cell ran past {cell_timeout_s:g} s"},
        allow_errors=True,
        kernel_name="python3",
        resources={"metadata": {"path": str(notebook_path.parent)}},
    )
    slow_cells: list[int] = []

    def save() -> None:  # after every check, so a notebook stopped later keeps the points it earned
        result["checks"] = [
            json.loads(line[len(marker) :])
            for index in sorted(grading)
            for output in notebook.cells[index].get("outputs", [])
            for line in output.get("text", "").splitlines()
            if line.startswith(marker)
        ]
        if slow_cells and not result["reason"]:
            result["reason"] = f"cell(s) {slow_cells} ran past {cell_timeout_s:g} s and were interrupted"
        write_atomically(result_path, json.dumps(result))

    try:
        with client.setup_kernel():
            provisioner = getattr(client.km, "provisioner", None)
            process = getattr(provisioner, "process", None)
            if process is not None:
                result_path.with_name("kernel.pid").write_text(str(process.pid))
            for index, cell in enumerate(notebook.cells):
                if cell.cell_type != "code":
                    continue
                started = time.monotonic()
                client.execute_cell(cell, index)
                if index in grading:
                    save()
                elif time.monotonic() - started >= cell_timeout_s:
                    slow_cells.append(index + 1 - sum(g < index for g in grading))
    except DeadKernelError:
        result["reason"] = "the kernel died (the notebook crashed Python) before every check could run"
    except Exception as error:
        result["reason"] = f"the notebook stopped the run: {type(error).__name__}: {error}"
    save()


# -- isolating and timing the worker -------------------------------------------------------------------------------
def _isolation_prefix() -> list[str]:
    """``unshare`` into new user, network and process namespaces (loopback only; everything started inside dies
    with the worker) where this Linux allows it; an empty prefix elsewhere."""
    unshare, ip = shutil.which("unshare"), shutil.which("ip")
    if not sys.platform.startswith("linux") or not unshare or not ip:
        return []
    prefix = [unshare, "--user", "--map-root-user", "--net", "--pid", "--fork", "--kill-child"]
    probe = subprocess.run([*prefix, ip, "link", "set", "lo", "up"], capture_output=True, timeout=30)
    return prefix if probe.returncode == 0 else []


def _stop(process: subprocess.Popen, kernel_pid_file: Path) -> None:
    """Kill the worker's process group, and its kernel (a session of its own) where no namespace holds it."""
    for pid_source in (lambda: os.getpgid(process.pid), lambda: int(kernel_pid_file.read_text())):
        try:
            pid = pid_source()
            (os.killpg if pid == process.pid else os.kill)(pid, signal.SIGKILL)
        except (OSError, ValueError):
            pass
    process.wait()


def grade_notebook(
    student: str,
    name: str,
    content: bytes,
    checks: list[CheckCall],
    cell_timeout_s: float = DEFAULT_CELL_TIMEOUT_S,
    notebook_timeout_s: float = DEFAULT_NOTEBOOK_TIMEOUT_S,
    isolation: list[str] | None = None,
) -> NotebookGrade:
    """Run one submitted notebook (its file ``name`` and ``content``) in its own temporary folder and kernel, and
    grade it with ``checks``."""
    grade = NotebookGrade(student, name, max_score=len(checks))
    grade.reason = not_a_notebook(content)
    if grade.reason:  # nothing to run: no kernel is started for it
        grade.checks = [CheckOutcome(check.function, False, grade.reason) for check in checks]
        return grade
    isolation = _isolation_prefix() if isolation is None else isolation
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="twin-grade-") as scratch:
        work = Path(scratch) / "work"
        work.mkdir()
        notebook = work / name
        notebook.write_bytes(content)
        marker = f"twin-grade-{secrets.token_hex(16)}:"
        job, result = Path(scratch) / "job.json", Path(scratch) / "result.json"
        job.write_text(json.dumps({"marker": marker, "checks": [asdict(c) for c in checks]}))
        command = [sys.executable, "-m", "twin.course.grade", "--worker", str(notebook), str(job), str(result)]
        command += ["--cell-timeout", str(cell_timeout_s)]
        shell = [*isolation, "sh", "-c", 'ip link set lo up && exec "$@"', "sh"] if isolation else []
        # TMPDIR too: the kernel's connection file and whatever the notebook writes to /tmp go with the scratch folder,
        # also when the kernel has to be killed
        environment = {**os.environ, "HOME": scratch, "TMPDIR": scratch, "PYTHONDONTWRITEBYTECODE": "1"}
        environment.pop("TWIN_TEST_MODE", None)  # graded as the student ran it
        process = subprocess.Popen(
            [*shell, *command],
            cwd=work,
            env=environment,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            start_new_session=True,
        )
        try:
            _, stderr = process.communicate(timeout=notebook_timeout_s)
        except subprocess.TimeoutExpired:
            _stop(process, result.with_name("kernel.pid"))
            grade.reason = f"the notebook ran past the {notebook_timeout_s:g} s limit and was stopped"
            stderr = b""
        except BaseException:  # Ctrl-C, or SIGTERM turned into KeyboardInterrupt by main: the kernel goes too
            _stop(process, result.with_name("kernel.pid"))
            raise
        grade.seconds = time.monotonic() - started
        verdicts, reason = _read_result(result, len(checks), stderr.decode(errors="replace"))
        grade.reason = grade.reason or reason
    missing = grade.reason or "this check did not run"
    grade.checks = [verdicts.get(i, CheckOutcome(check.function, False, missing)) for i, check in enumerate(checks)]
    return grade


def _read_result(result: Path, count: int, stderr: str) -> tuple[dict[int, CheckOutcome], str]:
    """Validated verdicts (check index -> outcome) from the worker's file: anything malformed is a reason, never
    a score."""
    try:
        data = json.loads(result.read_text())
        reason = str(data["reason"])
        verdicts = {}
        for item in data["checks"]:
            index = item["index"]
            if type(index) is not int or not 0 <= index < count or index in verdicts:
                return {}, "the notebook printed verdicts the grader did not ask for; results discarded"
            verdicts[index] = CheckOutcome(str(item["name"]), item["passed"] is True, str(item["message"]))
    except (OSError, ValueError, KeyError, TypeError) as error:
        tail = stderr.strip().splitlines()[-1:] or [str(error)]
        return {}, f"the grader could not read this notebook's results ({tail[0]})"
    return verdicts, reason


# -- written answers: gathered for the instructor, never scored here -------------------------------------------------
def _graded_by_hand(notebook: dict) -> dict[str, int]:
    """grade_id -> cell index of each cell nbgrader grades by hand (``grade`` and ``solution`` in its metadata)."""
    found = {}
    for index, cell in enumerate(notebook.get("cells", [])):
        meta = cell.get("metadata", {}).get("nbgrader", {}) if isinstance(cell, dict) else {}
        if isinstance(meta, dict) and meta.get("grade") is True and meta.get("solution") is True:
            found.setdefault(str(meta.get("grade_id", f"cell {index}")), index)
    return found


def written_answers(solution: dict, submitted: bytes) -> list[WrittenAnswer]:
    """The student's answer to each written question of ``solution`` (matched by nbgrader's ``grade_id``), with the
    question and its points. The submission is only parsed, never run; an unreadable one answers nothing."""
    from twin.course.exercises import YOUR_ANSWER

    try:
        notebook = json.loads(submitted)
        theirs = _graded_by_hand(notebook) if isinstance(notebook, dict) else {}
    except (ValueError, TypeError, AttributeError):
        notebook, theirs = {}, {}
    answers = []
    cells = solution["cells"]
    for question_id, index in _graded_by_hand(solution).items():
        points = cells[index]["metadata"]["nbgrader"].get("points", 0)
        question = "".join(cells[index - 1]["source"]).strip() if index > 0 else ""
        text = ""
        if question_id in theirs:
            source = notebook["cells"][theirs[question_id]].get("source", "")
            text = ("".join(source) if isinstance(source, list) else str(source)).strip()
            text = "" if text == YOUR_ANSWER else text
        answers.append(WrittenAnswer(question_id, float(points), question, text))
    return answers


def written_report(student: str, grades: list[NotebookGrade]) -> str:
    """A student's written answers as one Markdown page for the instructor: each question, its points, the answer
    (the model answer and rubric are in the solution notebook, at the same question)."""
    lines = [f"# Written answers of {student}", ""]
    for grade in grades:
        if not grade.written:
            continue
        lines += [f"## {grade.notebook} ({grade.written_points:g} points to grade by hand)", ""]
        for answer in grade.written:
            lines += [f"### {answer.question_id} ({answer.points:g} points)", ""]
            lines += ["> " + line if line else ">" for line in answer.question.splitlines()]
            lines += ["", answer.answer if answer.answered else "*(not answered)*", ""]
    return "\n".join(lines)


# -- a folder of students ------------------------------------------------------------------------------------------
def gradescope_results(grades: list[NotebookGrade]) -> dict:
    """One student's results in Gradescope's ``results.json`` format: a test per check, 1 point each."""
    tests = []
    for grade in grades:
        for check in grade.checks:
            tests.append(
                {
                    "name": f"{grade.notebook}: {check.name}",
                    "score": int(check.passed),
                    "max_score": 1,
                    "status": "passed" if check.passed else "failed",
                    "output": check.message,
                }
            )
    notes = [f"{grade.notebook}: {grade.reason}" for grade in grades if grade.reason]
    for grade in grades:
        if grade.written:
            blank = sum(not answer.answered for answer in grade.written)
            notes.append(
                f"{grade.notebook}: {len(grade.written)} written answers ({grade.written_points:g} points, not in this "
                f"score) wait for the instructor, {blank} left unanswered: see written_answers.md"
            )
    return {
        "score": sum(grade.score for grade in grades),
        "max_score": sum(grade.max_score for grade in grades),
        "execution_time": round(sum(grade.seconds for grade in grades), 1),
        "output": "\n".join(notes) if notes else "Every notebook ran to the end.",
        "tests": tests,
    }


def grade_folder(
    submissions: Path,
    out: Path,
    solutions: Path,
    cell_timeout_s: float = DEFAULT_CELL_TIMEOUT_S,
    notebook_timeout_s: float = DEFAULT_NOTEBOOK_TIMEOUT_S,
    progress: bool = True,
    overwrite: bool = False,
) -> list[NotebookGrade]:
    """Grade every ``submissions/<student>/*.ipynb``; write ``out/<student>/results.json`` and
    ``out/gradebook.csv``. Returns every notebook's grade.

    ``out`` is checked before any notebook runs: it must be a folder this process can write, and one that already
    holds a gradebook (an earlier run's, perhaps with marks added by hand) is refused unless ``overwrite``."""
    if not submissions.is_dir():
        raise FileNotFoundError(f"{submissions} is not a folder: give the folder that holds one folder per student.")
    students = sorted(path for path in submissions.iterdir() if path.is_dir())
    if not students:
        raise ValueError(
            f"{submissions} has no student folders: put each student's notebooks in submissions/<student>/."
        )
    known = {path.name: path for path in sorted(solutions.glob("*.ipynb"))}
    if not known:
        raise FileNotFoundError(f"no solution notebooks in {solutions}: pass --solutions <course>/solutions.")
    _prepare_output_folder(out, overwrite)
    for loose in sorted(submissions.glob("*.ipynb")):
        print(f"note: {loose} is not in a student's folder, so it is not graded: move it to {submissions}/<student>/")
    isolation = _isolation_prefix()
    if not isolation and progress:
        print("note: no user namespaces here, so notebooks run with network access and without a process namespace")
    # Every submission is read before any runs, and every result written after the last has run: no notebook can
    # touch another student's notebook or result on disk.
    submitted = {
        student.name: [(path.name, _read_submission(path)) for path in sorted(student.glob("*.ipynb"))]
        for student in students
    }
    checks_for: dict[str, list[CheckCall]] = {}
    solution_for: dict[str, dict] = {}  # each solution notebook read once, for its written questions
    by_student: dict[str, list[NotebookGrade]] = {}
    for student, notebooks in submitted.items():
        grades = by_student.setdefault(student, [])
        for name, content in notebooks:
            if name not in known:
                grades.append(NotebookGrade(student, name, reason="not one of the course's exercises"))
                continue
            if name not in checks_for:
                checks_for[name] = graded_checks(known[name])
                solution_for[name] = json.loads(known[name].read_text())
            if isinstance(content, str):  # the file could not be read; content says why
                grade = NotebookGrade(student, name, max_score=len(checks_for[name]), reason=content)
                grade.checks = [CheckOutcome(check.function, False, content) for check in checks_for[name]]
                content = b""
            else:
                grade = grade_notebook(
                    student, name, content, checks_for[name], cell_timeout_s, notebook_timeout_s, isolation
                )
            grade.written = written_answers(solution_for[name], content)
            grades.append(grade)
            if progress:
                print(f"{student}/{name}: {grade.score}/{grade.max_score} {grade.reason}".rstrip())
    out.mkdir(parents=True, exist_ok=True)
    for student, grades in by_student.items():
        (out / student).mkdir(exist_ok=True)
        write_atomically(out / student / "results.json", json.dumps(gradescope_results(grades), indent=2))
        if any(grade.written for grade in grades):
            write_atomically(out / student / "written_answers.md", written_report(student, grades))
    everything = [grade for grades in by_student.values() for grade in grades]
    rows = [["student", "notebook", "score", "max_score", "written_points_to_grade", "seconds", "reason"]]
    rows += [
        [g.student, g.notebook, g.score, g.max_score, f"{g.written_points:g}", f"{g.seconds:.1f}", g.reason]
        for g in everything
    ]
    table = io.StringIO(newline="")
    csv.writer(table).writerows(rows)
    write_atomically(out / "gradebook.csv", table.getvalue())
    return everything


def _read_submission(path: Path) -> bytes | str:
    """A submitted file's bytes, or why it could not be read (a str, for the gradebook)."""
    if path.is_dir():
        return f"{path.name} is a folder, not a notebook file: ask the student to resubmit the .ipynb file itself"
    try:
        return path.read_bytes()
    except OSError as error:
        return f"the file could not be read ({error.strerror or error}): check its permissions, or ask for it again"


def _prepare_output_folder(out: Path, overwrite: bool) -> None:
    """Make ``out`` and make sure results can be written there, before hours of grading rather than after."""
    prepare_output_folder(out, "the grades")
    if (out / "gradebook.csv").exists() and not overwrite:
        raise FileExistsError(
            f"{out} already holds a gradebook from an earlier run (any marks added to it by hand would be lost): "
            "pass --overwrite to replace it, or choose another --out folder."
        )


_EXAMPLES = """examples:
  twin-grade submissions/ --out grades/          one folder per student: submissions/ada/05_..._exercises.ipynb
  twin-grade submissions/ --out grades/ --overwrite --cell-timeout 300    grade again, with a longer limit per cell

Ctrl-C stops the run and every kernel it started; nothing is written until every notebook has run."""


def _raise_keyboard_interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__.splitlines()[0], epilog=_EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("submissions", type=Path, nargs="?", help="folder with one folder of notebooks per student")
    parser.add_argument("--out", type=Path, default=Path("grades"), help="where results go (default: ./grades)")
    parser.add_argument("--solutions", type=Path, default=Path("solutions"), help="the course's solutions/ folder")
    parser.add_argument("--cell-timeout", type=float, default=DEFAULT_CELL_TIMEOUT_S, help="seconds per cell")
    parser.add_argument("--timeout", type=float, default=DEFAULT_NOTEBOOK_TIMEOUT_S, help="seconds per notebook")
    parser.add_argument("--overwrite", action="store_true", help="replace the grades of an earlier run in --out")
    parser.add_argument("--worker", nargs=3, type=Path, metavar=("NOTEBOOK", "JOB", "RESULT"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        _run_in_worker(*args.worker, cell_timeout_s=args.cell_timeout)
        return 0
    if args.submissions is None:
        parser.error("give the submissions folder: twin-grade submissions/ --out grades/")
    signal.signal(signal.SIGTERM, _raise_keyboard_interrupt)  # `kill` stops the kernels as Ctrl-C does
    try:
        grade_folder(
            args.submissions, args.out, args.solutions, args.cell_timeout, args.timeout, overwrite=args.overwrite
        )
    except (OSError, ValueError) as error:
        print(f"twin-grade: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(
            f"twin-grade: stopped; every kernel it started is stopped, and nothing was written to {args.out}/.",
            file=sys.stderr,
        )
        return 130
    print(f"wrote {args.out / 'gradebook.csv'} and one results.json per student under {args.out}/")
    return 0


if __name__ == "__main__":
    sys.exit(main())
