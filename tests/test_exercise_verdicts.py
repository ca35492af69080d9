"""Every exercise notebook, run as a student would: each check cell's verdict, read from the cell's own value.

nbval runs these notebooks too, but a check that says "NOT YET" does not raise, so nbval cannot tell a passing
solution from a failing one. Here each check cell's result is collected: in solutions/ every verdict must pass,
in the generated exercises/ every verdict must fail with the "Not answered yet" message (and no check may be
skipped by a crash before it).
"""

from __future__ import annotations

import ast
import json
from pathlib import Path

import matplotlib
import pytest
from IPython.display import display

from twin.course.checks import CheckResult

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
SOLUTIONS = sorted((ROOT / "solutions").glob("*.ipynb"))


def verdicts(path: Path) -> list[CheckResult]:
    """Run a notebook's code cells in one namespace; return the CheckResult that each cell ends with."""
    namespace: dict = {"display": display, "__name__": "__main__"}
    found: list[CheckResult] = []
    for index, cell in enumerate(json.loads(path.read_text())["cells"]):
        if cell["cell_type"] != "code":
            continue
        tree = ast.parse("".join(cell["source"]))
        last = tree.body.pop() if tree.body and isinstance(tree.body[-1], ast.Expr) else None
        where = f"{path.name}, cell {index}"
        exec(compile(tree, where, "exec"), namespace)
        if last is not None:
            value = eval(compile(ast.Expression(last.value), where, "eval"), namespace)
            if isinstance(value, CheckResult):
                found.append(value)
    plt.close("all")
    return found


@pytest.mark.parametrize("solution", SOLUTIONS, ids=lambda p: p.stem)
def test_every_check_passes_on_the_solution_and_says_not_answered_on_the_exercise(solution: Path):
    solved = verdicts(solution)
    assert len(solved) >= 2, f"{solution.name}: expected at least two check cells, found {len(solved)}"
    failing = [str(v) for v in solved if not v.passed]
    assert not failing, f"{solution.name}: the solution fails its own checks: {failing}"

    unsolved = verdicts(ROOT / "exercises" / solution.name)
    assert len(unsolved) == len(solved), "the exercise notebook must reach every check cell the solution has"
    for verdict in unsolved:
        assert not verdict.passed, f"{solution.name}: an untouched stub passes: {verdict}"
        assert "Not answered yet" in verdict.message, f"{solution.name}: unfriendly verdict for a stub: {verdict}"
